"""Audio in and out: typed chunks, WAV files, microphone and speaker."""

from .chunk import SAMPLE_RATE, AudioChunk, to_float, to_int16
from .sinks import AudioSink, NullSink, SpeakerSink, WavFileSink
from .sources import array_source, has_microphone, microphone_source, wav_source
from .wav import parse_wav, read_wav, write_wav

__all__ = [
    "SAMPLE_RATE",
    "AudioChunk",
    "AudioSink",
    "NullSink",
    "SpeakerSink",
    "WavFileSink",
    "array_source",
    "has_microphone",
    "microphone_source",
    "parse_wav",
    "read_wav",
    "to_float",
    "to_int16",
    "wav_source",
    "write_wav",
]

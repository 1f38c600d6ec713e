"""The speaker encoder on real synthesised speech (the fixtures' Piper, hibari, espeak and flite
voices) and on audio it must refuse with a clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hark.audio.chunk import to_float
from hark.audio.wav import read_wav
from hark.voices.encoder import SpeakerEncoder
from hark.voices.errors import VoiceAudioError
from hark.voices.matcher import Matcher, enrol

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder.load()


def _wav(name: str) -> np.ndarray:
    return read_wav(DATA / name)[0]


def test_embedding_is_a_unit_float32_vector(encoder: SpeakerEncoder) -> None:
    e = encoder.embed(to_float(_wav("wake_time_piper.wav")))
    assert e.shape == (256,) and e.dtype == np.float32
    assert abs(float(np.linalg.norm(e)) - 1.0) < 1e-5
    assert (e >= 0).all()  # ReLU before the normalisation: cosines lie in [0, 1]


def test_int16_and_float32_audio_give_the_same_embedding(encoder: SpeakerEncoder) -> None:
    samples = _wav("date_request.wav")
    np.testing.assert_allclose(encoder.embed(samples), encoder.embed(to_float(samples)), atol=1e-6)


def test_same_voice_scores_above_other_voices(encoder: SpeakerEncoder) -> None:
    piper = enrol([encoder.embed(_wav("wake_time_piper.wav")), encoder.embed(_wav("wake_date_piper_fast.wav"))])
    hibari = enrol([encoder.embed(_wav("wake_time_hibari.wav"))])
    profiles = {"piper": piper, "hibari": hibari}
    matcher = Matcher(threshold=0.75, margin=0.05)
    for name, voice in (("date_request.wav", "piper"), ("unknown_request.wav", "hibari")):
        scores = matcher.scores(encoder.embed(_wav(name)), profiles)
        other = "hibari" if voice == "piper" else "piper"
        assert scores[voice] > 0.8 and scores[voice] - scores[other] > 0.15, (name, scores)
        assert matcher.identify(encoder.embed(_wav(name)), profiles).member_id == voice
    # voices nobody enrolled: espeak-ng and flite fall back to the default profile
    for stranger in ("date_request_espeak.wav", "asr_flite_rms_timer.wav"):
        match = matcher.identify(encoder.embed(_wav(stranger)), profiles)
        assert match.member_id is None and match.reason == "below-threshold", (stranger, match)


def test_silence_and_too_little_speech_are_refused(encoder: SpeakerEncoder) -> None:
    with pytest.raises(VoiceAudioError) as silent:
        encoder.embed(np.zeros(48000, np.float32))
    assert silent.value.code == "voice-no-speech"
    with pytest.raises(VoiceAudioError) as empty:
        encoder.embed(np.zeros(0, np.int16))
    assert empty.value.code == "voice-no-speech"
    speech = to_float(_wav("date_request.wav"))
    start = int(np.argmax(np.abs(speech) > 0.05))
    with pytest.raises(VoiceAudioError) as short:
        encoder.embed(speech[start : start + 3200])  # 0.2 s
    assert short.value.code == "voice-too-short"
    assert "0.5 s" in str(short.value)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros(16000, np.int32),
        np.zeros((2, 16000), np.float32),
        np.full(16000, np.nan, np.float32),
        [0.0] * 16000,
        np.zeros(16000, np.complex64),
    ],
    ids=["int32", "stereo", "nan", "list", "complex"],
)
def test_wrong_audio_is_one_clear_error(encoder: SpeakerEncoder, bad: object) -> None:
    with pytest.raises(VoiceAudioError) as info:
        encoder.embed(bad)
    assert info.value.code == "voice-audio"


def test_long_silences_do_not_change_whose_voice_it_is(encoder: SpeakerEncoder) -> None:
    speech = _wav("unknown_request.wav")
    padded = np.concatenate([np.zeros(16000, np.int16), speech, np.zeros(24000, np.int16)])
    assert float(encoder.embed(speech) @ encoder.embed(padded)) > 0.98

import asyncio
import itertools
import logging
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from hark.audio import AudioChunk, WavFileSink, array_source, parse_wav, read_wav
from hark.audio.convert import StreamResampler, resample
from hark.errors import AudioFormatError


def _tone(freq: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


def _wav_bytes(
    data: bytes, *, tag: int = 1, channels: int = 1, rate: int = 16000, bits: int = 16, size: int | None = None
) -> bytes:
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits)
    size = len(data) if size is None else size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_resample_keeps_pitch_and_duration() -> None:
    y = resample(_tone(440, 48000), 48000, 16000)
    assert len(y) == 16000
    assert abs(_peak_hz(y, 16000) - 440) < 2


def test_stream_resampler_matches_whole_signal() -> None:
    x = (_tone(300, 44100) * 32767).astype(np.int16)
    rs = StreamResampler(44100, 16000)
    parts = [rs.process(x[i : i + 1000]) for i in range(0, len(x), 1000)]
    parts.append(rs.process(np.zeros(0, np.int16), last=True))
    y = np.concatenate(parts)
    assert abs(len(y) - 16000) <= 2
    assert abs(_peak_hz(y.astype(np.float32), 16000) - 300) < 2


def test_stereo_float_44k_is_converted_to_16k_mono() -> None:
    left = _tone(500, 44100)
    stereo = np.stack([left, left], axis=1).reshape(-1).astype("<f4")
    samples, rate = parse_wav(_wav_bytes(stereo.tobytes(), tag=3, channels=2, rate=44100, bits=32))
    assert rate == 16000 and samples.dtype == np.int16
    assert abs(len(samples) - 16000) <= 2
    assert abs(_peak_hz(samples.astype(np.float32), 16000) - 500) < 2


def test_24_bit_pcm_is_read() -> None:
    x = (_tone(1000, 16000) * (1 << 23)).astype(np.int32)
    raw = b"".join(int(v).to_bytes(3, "little", signed=True) for v in x[:1600])
    samples, _ = parse_wav(_wav_bytes(raw, bits=24))
    assert len(samples) == 1600
    np.testing.assert_allclose(samples / 32768.0, x[:1600] / float(1 << 23), atol=2e-3)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "empty"),
        (b"ID3\x03hello this is an mp3", "not a WAV"),
        (_wav_bytes(b"\x00\x01" * 100, size=10_000), "truncated"),
        (_wav_bytes(b""), "no audio samples"),
        (_wav_bytes(b"\x00" * 64, tag=85), "unsupported WAV encoding"),
        (_wav_bytes(b"\x00" * 64, rate=100), "implausible format"),
    ],
)
def test_bad_wav_is_refused_with_the_reason(blob: bytes, message: str) -> None:
    with pytest.raises(AudioFormatError, match=message):
        parse_wav(blob)


def test_streaming_size_header_reads_to_end_of_file() -> None:
    data = np.arange(1000, dtype="<i2").tobytes()
    samples, _ = parse_wav(_wav_bytes(data, size=0x7FFFF000))
    assert len(samples) == 1000


def test_a_header_that_announces_less_audio_than_the_file_holds_reads_it_all_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = np.arange(16000, dtype="<i2").tobytes()  # 1 s; the header only claims the first 0.25 s
    path = tmp_path / "cut.wav"
    path.write_bytes(_wav_bytes(data, size=8000))
    caplog.set_level(logging.WARNING, logger="hark")
    samples, _ = read_wav(path)
    assert len(samples) == 16000
    np.testing.assert_allclose(samples[-10:], np.arange(15990, 16000), atol=1)  # the end of the file is there
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: the WAV header says 8000 bytes of audio but the file holds 32000; using all 32000"
    ]
    read_wav(path)  # read again (listen checks the file, then plays it): said once
    assert len(caplog.records) == 1


def test_chunks_after_the_audio_are_not_audio(caplog: pytest.LogCaptureFixture) -> None:
    data = np.arange(1000, dtype="<i2").tobytes()
    tags = b"INFOISFT" + struct.pack("<I", 5) + b"hark\x00\x00"  # odd size, padded
    listing = b"LIST" + struct.pack("<I", len(tags)) + tags
    blob = _wav_bytes(data + listing, size=len(data))
    caplog.set_level(logging.WARNING, logger="hark")
    samples, _ = parse_wav(blob)
    assert len(samples) == 1000 and caplog.records == []


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioFormatError, match="no such file"):
        read_wav(tmp_path / "nope.wav")


async def test_array_source_paces_in_real_time() -> None:
    samples = np.zeros(16000 // 4, np.int16)  # 250 ms
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    chunks = [c async for c in array_source(samples, block_ms=50, realtime=True)]
    elapsed = loop.time() - t0
    assert len(chunks) == 5
    assert [round(c.audio_t, 3) for c in chunks] == [0.0, 0.05, 0.1, 0.15, 0.2]
    assert elapsed >= 0.24  # cannot run ahead of the audio (no upper bound: slow machines)
    assert all(b.t > a.t for a, b in itertools.pairwise(chunks))


async def test_wav_sink_resamples_and_appends_replies(tmp_path: Path) -> None:
    sink = WavFileSink(tmp_path / "out.wav")

    async def one(rate: int, seconds: float):  # type: ignore[no-untyped-def]
        yield AudioChunk((_tone(440, rate, seconds) * 32767).astype(np.int16), rate)

    assert await sink.play(one(24000, 0.5)) == pytest.approx(0.5)
    await sink.play(one(16000, 0.25))
    await sink.close()
    with wave.open(str(tmp_path / "out.wav")) as w:
        assert w.getframerate() == 24000
        assert w.getnframes() / 24000 == pytest.approx(0.75, abs=0.01)

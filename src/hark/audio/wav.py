"""WAV reading with validation and conversion, and WAV writing.

Reads RIFF/WAVE with integer PCM (8, 16, 24, 32 bit) or IEEE float (32, 64 bit),
any channel count and rate, and returns 16 kHz mono int16. Anything else (not a
WAV, compressed formats, no data, a file cut short) raises AudioFormatError
saying what is wrong.

A data chunk whose header announces fewer bytes than follow it (a recorder that
was stopped before it fixed its header, audio appended later) is read to the
end of the file, with one warning saying so; chunks that follow the audio
(``LIST``, ``id3 ``...) are recognised and left alone.
"""

from __future__ import annotations

import logging
import struct
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import AudioFormatError
from .chunk import SAMPLE_RATE, Int16Array, to_int16
from .convert import mixdown, resample

_PCM = 1
_FLOAT = 3
_EXTENSIBLE = 0xFFFE
_STREAMING_SIZE = 0x7FFF0000

log = logging.getLogger(__name__)
_warned: set[tuple[str, int, int]] = set()


def _only_chunks(blob: bytes, pos: int) -> bool:
    """Whether ``blob[pos:]`` is well-formed RIFF chunks (or nothing, or a few pad bytes)."""
    while pos + 8 <= len(blob):
        cid, size = struct.unpack("<4sI", blob[pos : pos + 8])
        if not all(32 <= b < 127 for b in cid) or pos + 8 + size > len(blob):
            return False
        pos += 8 + size + (size & 1)
    return not any(blob[pos:])


def _decode(data: bytes, fmt: int, bits: int) -> npt.NDArray[np.float32]:
    if fmt == _PCM:
        if bits == 8:
            return (np.frombuffer(data, np.uint8).astype(np.float32) - 128.0) / 128.0
        if bits == 16:
            return np.frombuffer(data, "<i2").astype(np.float32) / 32768.0
        if bits == 24:
            raw = np.frombuffer(data, np.uint8).reshape(-1, 3)
            ints = raw[:, 0].astype(np.int32) | (raw[:, 1].astype(np.int32) << 8) | (raw[:, 2].astype(np.int32) << 16)
            ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
            return ints.astype(np.float32) / float(1 << 23)
        if bits == 32:
            return (np.frombuffer(data, "<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
    if fmt == _FLOAT and bits in (32, 64):
        arr = np.frombuffer(data, "<f4" if bits == 32 else "<f8").astype(np.float32)
        if not np.all(np.isfinite(arr)):
            raise AudioFormatError("WAV holds NaN or infinite float samples")
        return arr
    raise AudioFormatError(f"unsupported WAV encoding (format tag {fmt}, {bits} bits); use PCM or float")


def read_wav(path: str | Path) -> tuple[Int16Array, int]:
    """Read any PCM/float WAV and return ``(samples, SAMPLE_RATE)``: 16 kHz mono int16."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except FileNotFoundError as exc:
        raise AudioFormatError(f"{path}: no such file") from exc
    except OSError as exc:
        raise AudioFormatError(f"{path}: cannot read ({exc.strerror})") from exc
    return parse_wav(blob, name=str(path))


def parse_wav(blob: bytes, name: str = "audio") -> tuple[Int16Array, int]:
    if len(blob) == 0:
        raise AudioFormatError(f"{name}: file is empty")
    if len(blob) < 12 or blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        raise AudioFormatError(f"{name}: not a WAV file (no RIFF/WAVE header)")
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    data: bytes | None = None
    while pos + 8 <= len(blob):
        cid, size = struct.unpack("<4sI", blob[pos : pos + 8])
        body = blob[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            if len(body) < 16:
                raise AudioFormatError(f"{name}: truncated fmt chunk")
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == _EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            if size >= _STREAMING_SIZE:
                # written by a program that streams (espeak-ng --stdout, ffmpeg to a pipe): size unknown
                data = blob[pos + 8 :]
                break
            if len(body) < size:
                raise AudioFormatError(
                    f"{name}: truncated: the data chunk announces {size} bytes but the file holds {len(body)}"
                )
            data = body
            if not _only_chunks(blob, pos + 8 + size + (size & 1)):
                data = blob[pos + 8 :]  # more audio than the header says: use it all, and say so
                if (name, size, len(data)) not in _warned:
                    _warned.add((name, size, len(data)))
                    log.warning(
                        "%s: the WAV header says %d bytes of audio but the file holds %d; using all %d",
                        name,
                        size,
                        len(data),
                        len(data),
                    )
            break
        pos += 8 + size + (size & 1)
    if fmt is None:
        raise AudioFormatError(f"{name}: no fmt chunk")
    if data is None:
        raise AudioFormatError(f"{name}: no data chunk (truncated file?)")
    tag, channels, rate, bits = fmt
    if channels < 1 or rate < 4000 or rate > 384000:
        raise AudioFormatError(f"{name}: implausible format ({channels} channels at {rate} Hz)")
    frame = channels * (bits // 8)
    if frame == 0:
        raise AudioFormatError(f"{name}: {bits}-bit samples are not supported")
    usable = len(data) - len(data) % frame
    if usable == 0:
        raise AudioFormatError(f"{name}: contains no audio samples")
    floats = _decode(data[:usable], tag, bits)
    mono = mixdown(floats, channels)
    return to_int16(resample(mono, rate, SAMPLE_RATE)), SAMPLE_RATE


def write_wav(path: str | Path, samples: Int16Array, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2", copy=False).tobytes())

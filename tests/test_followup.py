"""Follow-ups without the wake word: after a reply that asks a question, and in "let's chat" mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from bench.voices import hibari, piper, silence
from hark.audio import WavFileSink, array_source
from hark.brain import Action, BrainRequest, ReplyPart, TextDelta
from hark.session import DeviceSession
from tests.textmatch import wer


def trimmed(x: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x) > 300)
    return x[loud[0] : loud[-1] + 1]


class ChattyBrain:
    """Asks back on "music", enters chat mode on "let's chat", leaves it on "goodbye"."""

    name = "chatty"

    def __init__(self) -> None:
        self.heard: list[str] = []

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        text = request.text.lower()
        self.heard.append(request.text)
        if "let's chat" in text or "let us chat" in text:
            yield Action("chat_mode", {"on": True})
            yield TextDelta("Sure. How was your day.")  # no question mark: chat mode alone keeps listening
        elif "goodbye" in text.replace(" ", ""):  # Whisper also writes "Good bye."
            yield Action("chat_mode", {"on": False})
            yield TextDelta("Goodbye!")
        elif "music" in text:
            yield TextDelta("What kind of music do you like?")
        else:
            yield TextDelta("Nice.")


async def run(settings, engines, samples: np.ndarray, tmp_path: Path) -> tuple[list, ChattyBrain]:  # type: ignore[no-untyped-def,type-arg]
    brain = ChattyBrain()
    a = DeviceSession(settings, engines, brain)
    sink = WavFileSink(tmp_path / "out.wav", realtime=True)
    results = await a.listen(array_source(samples, realtime=True), sink)
    await sink.close()
    return results, brain


async def test_a_question_opens_the_microphone_once(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    samples = np.concatenate(
        [
            silence(0.8), trimmed(hibari("Hey Jarvis, put on some music.")), silence(3.5),
            trimmed(piper("I love rock and roll.")), silence(3.0),
            trimmed(piper("And some coffee.")), silence(2.0),  # after "Nice." no follow-up: not heard
        ]
    )  # fmt: skip
    results, brain = await run(settings, engines, samples, tmp_path)
    assert len(results) == 2, brain.heard
    assert results[0].wake is not None and results[1].wake is None
    assert wer("I love rock and roll", results[1].transcript or "") <= 0.2, results[1].transcript
    assert len(brain.heard) == 2


async def test_lets_chat_keeps_listening_until_goodbye(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    samples = np.concatenate(
        [
            silence(0.8), trimmed(hibari("Hey Jarvis, let's chat.")), silence(3.0),
            trimmed(piper("It was great.")), silence(2.0),
            trimmed(piper("I went hiking.")), silence(2.0),
            trimmed(hibari("Goodbye.")), silence(2.5),
            trimmed(piper("Are you still there?")), silence(2.0),  # chat is over: not heard
        ]
    )  # fmt: skip
    results, brain = await run(settings, engines, samples, tmp_path)
    assert len(results) == 4, brain.heard
    assert [r.wake is not None for r in results] == [True, False, False, False]
    assert "goodbye" in (results[3].transcript or "").lower().replace(" ", "")

"""The device session's state machine, driven by scripted audio and a fake clock (no model).

Each test asserts the exact order of events: wake -> capture -> respond -> wake, barge-in,
follow-up after a question, chat mode ending in silence, a ring that waits for the turn
to end, a timer for a device that was offline, and a stream that starts at recognition.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hark.brain import Action, BrainRequest, ReplyPart, TextDelta
from hark.config import Settings
from hark.events import BargeIn, ErrorEvent, Event, PlaybackEnd, RunStart, Stage, WakeEnd
from hark.household import AnnouncementHub
from hark.session import DeviceSession
from tests.fakes import ScriptedBrain
from tests.session_script import FakeClock, GatedSink, Script, engines, kinds

ONE_TURN = [
    "run-start", "wake-start", "wake-end", "stt-start", "vad-start", "vad-end", "stt-end",
    "brain-start", "brain-text", "brain-end", "tts-start", "tts-audio", "tts-end",
    "playback-start", "playback-end", "run-end",
]  # fmt: skip
WAITING = ["run-start", "wake-start"]


class Replies:
    """A brain that answers by what it heard: a question for "set a timer", chat mode on
    "tell me more", chat mode off on "stop"."""

    name = "replies"

    def __init__(self) -> None:
        self.heard: list[str] = []

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        self.heard.append(request.text)
        if request.text == "set a timer":
            yield TextDelta("For how long?")
        elif request.text == "tell me more":
            yield Action("chat_mode", {"on": True})
            yield TextDelta("Sure.")
        elif request.text == "stop":
            yield Action("chat_mode", {"on": False})
            yield TextDelta("Bye.")
        else:
            yield TextDelta("It is noon.")


def ended(events: list[Event], n: int) -> bool:
    """``n`` runs have ended (the state changes at the next window of audio)."""
    return sum(e.type == "run-end" for e in events) >= n


def session(brain: object, events: list[Event], clock: FakeClock, **kw: object) -> DeviceSession:
    return DeviceSession(Settings(), engines(**kw), brain, clock=clock, on_event=events.append)  # type: ignore[arg-type]


async def test_wake_capture_respond_and_back_to_wake() -> None:
    clock, events = FakeClock(), []  # type: ignore[var-annotated]
    brain = ScriptedBrain([TextDelta("It is noon.")])
    s = session(brain, events, clock)
    sink = GatedSink()
    script = Script(clock).silence(0.5).wake().say("what time is it").silence(0.5)
    script.until(lambda: ended(events, 1), "the reply is over").silence(0.3)
    results = await s.listen(script.source(), sink)
    assert kinds(events) == ONE_TURN + WAITING
    assert [r.transcript for r in results] == ["what time is it"] and results[0].ok
    assert [r.text for r in brain.requests] == ["what time is it"]
    wake = next(e for e in events if isinstance(e, WakeEnd))
    assert wake.audio_t == pytest.approx(0.512)  # the first wake window


async def test_speech_over_the_reply_stops_it_and_is_heard_without_the_wake_word() -> None:
    clock, events = FakeClock(), []  # type: ignore[var-annotated]
    brain = Replies()
    s = session(brain, events, clock)
    sink = GatedSink(hold=True)  # the first reply plays until it is cut
    script = Script(clock).silence(0.3).wake().say("what time is it").silence(0.3)
    script.until(lambda: sink.playing.is_set(), "the reply plays").silence(1.0).say("i like jazz").silence(0.4)
    script.until(lambda: len(brain.heard) == 2, "the second request").until(lambda: not sink.gate.set(), "")
    script.until(lambda: ended(events, 2), "the second reply is over").silence(0.1)
    results = await s.listen(script.source(), sink)
    assert brain.heard == ["what time is it", "i like jazz"]
    got = kinds(events)
    cut = got.index("barge-in")
    assert got[:cut] == ONE_TURN[:-2]  # playing when the user spoke
    assert got[cut:] == [
        "barge-in", "playback-end", "run-end",  # the first run, cut
        "run-start", "stt-start", "vad-start", "vad-end", "stt-end",  # no wake word this time
        "brain-start", "brain-text", "brain-end", "tts-start", "tts-audio", "tts-end",
        "playback-start", "playback-end", "run-end", *WAITING,
    ]  # fmt: skip
    first_end = next(e for e in events if isinstance(e, PlaybackEnd))
    assert first_end.interrupted and first_end.seconds_played == 0.0
    assert [r.transcript for r in results] == ["what time is it", "i like jazz"]
    assert results[0].reply is None and results[1].ok and results[1].wake is None
    barge = next(e for e in events if isinstance(e, BargeIn))
    assert barge.audio_t > 1.5  # heard at the second request, not before


async def test_a_question_is_followed_by_listening_without_the_wake_word_once() -> None:
    clock, events = FakeClock(), []  # type: ignore[var-annotated]
    brain = Replies()
    s = session(brain, events, clock)
    sink = GatedSink()
    script = Script(clock).silence(0.3).wake().say("set a timer").silence(0.3)
    script.until(lambda: ended(events, 1), "the question is asked").silence(0.1)
    script.say("what time is it").silence(0.5)
    script.until(lambda: ended(events, 2), "the answer is given").silence(0.1).say("what time is it").silence(0.5)
    results = await s.listen(script.source(), sink)
    assert brain.heard == ["set a timer", "what time is it"]  # the third, without a wake word, is not a request
    starts = [e for e in events if isinstance(e, RunStart)]
    assert [e.start_stage for e in starts] == [Stage.WAKE, Stage.VAD, Stage.WAKE]
    assert [r.wake is not None for r in results] == [True, False]
    assert kinds(events)[len(ONE_TURN) :] == [
        "run-start", "stt-start", "vad-start", "vad-end", "stt-end",
        "brain-start", "brain-text", "brain-end", "tts-start", "tts-audio", "tts-end",
        "playback-start", "playback-end", "run-end", *WAITING,
    ]  # fmt: skip


async def test_chat_mode_listens_until_nobody_speaks_then_ends() -> None:
    clock, events = FakeClock(), []  # type: ignore[var-annotated]
    brain = Replies()
    s = session(brain, events, clock)
    timeout = s.settings.chat.silence_timeout_s
    script = Script(clock).silence(0.3).wake().say("tell me more").silence(0.3)
    script.until(lambda: ended(events, 1), "chat mode is on").silence(0.1)
    script.say("i like jazz").silence(0.3)
    script.until(lambda: ended(events, 2), "chat answers").silence(timeout + 0.5)
    results = await s.listen(script.source(), GatedSink())
    assert brain.heard == ["tell me more", "i like jazz"]
    assert not s.conversation.chatting  # the silence ended chat mode, in the conversation itself
    assert [r.transcript for r in results] == ["tell me more", "i like jazz"]
    # the third run heard nothing: it ends quietly (no error, no turn) and the wake word is awaited
    assert kinds(events)[-5:] == ["run-start", "stt-start", "run-end", *WAITING]
    silent_end = [e for e in events if e.type == "run-end"][-1]
    assert silent_end.ok  # type: ignore[attr-defined]


async def test_a_ring_waits_for_the_turn_then_plays_and_speech_over_it_is_heard() -> None:
    clock, events = FakeClock(), []  # type: ignore[var-annotated]
    brain = Replies()
    s = session(brain, events, clock)
    sink = GatedSink(hold=True)
    script = Script(clock).silence(0.3).wake().say("what time is it").silence(0.3)
    script.until(lambda: sink.playing.is_set(), "the reply plays")
    rang_during_turn: list[int] = []
    announcing: list[asyncio.Task[None]] = []

    def ring_now() -> bool:  # the household's timer fires while the reply plays
        announce = s.announce(s.device_id, "Pasta timer is done.", repeat_until_stopped=True)
        announcing.append(asyncio.get_running_loop().create_task(announce))
        rang_during_turn.append(len(sink.chunks))
        sink.gate.set()
        return True

    script.until(ring_now, "announce").until(lambda: ended(events, 1), "the reply is over").silence(0.1)
    script.until(lambda: len(sink.chunks) >= 3, "the ring (chime and words) plays once the turn is over")
    script.say("stop").silence(0.5)
    script.until(lambda: len(brain.heard) == 2, "stop heard").silence(0.2)
    await s.listen(script.source(), sink)
    await asyncio.gather(*announcing)
    assert rang_during_turn == [1]  # the reply's audio only: the ring waited for it
    assert s.ringer.pending  # silenced by the speech, still queued: stopping it is the "stop" skill's
    assert s.engines.tts.spoken[:2] == ["It is noon.", "Pasta timer is done."]  # type: ignore[union-attr]
    assert brain.heard == ["what time is it", "stop"]  # "stop" over the ring, no wake word
    # (the session only plays announcements; stopping them is the household's "stop" skill)


async def test_a_timer_for_an_offline_device_rings_when_it_connects() -> None:
    clock, events = FakeClock(), []  # type: ignore[var-annotated]
    hub = AnnouncementHub()
    await hub.announce("kitchen", "Your tea is ready.", key="timer-1")  # the device is offline
    s = DeviceSession(Settings(), engines(), Replies(), clock=clock, on_event=events.append, device_id="kitchen")
    assert not s.ringer.pending
    await hub.attach("kitchen", s)
    assert s.ringer.pending  # delivered on connection, not lost
    sink = GatedSink()
    script = Script(clock).silence(0.2).until(lambda: not s.ringer.pending, "rang").silence(0.1)
    await s.listen(script.source(), sink)
    assert len(sink.chunks) == 2  # chime, then the words
    assert s.engines.tts.spoken == ["Your tea is ready."]  # type: ignore[union-attr]
    assert await hub.stop("kitchen", "timer-1") is False  # played once, gone


async def test_a_stream_that_starts_at_recognition_serves_one_turn() -> None:
    clock, events = FakeClock(), []  # type: ignore[var-annotated]
    brain = Replies()
    s = session(brain, events, clock, wake=False)
    script = Script(clock).silence(0.2).say("what time is it").silence(0.5)
    script.until(lambda: ended(events, 1), "answered").silence(3.0)
    results = await s.listen(script.source(), GatedSink(), start=Stage.STT)
    assert brain.heard == ["what time is it"]
    assert [r.transcript for r in results] == ["what time is it"] and results[0].wake is None
    assert kinds(events) == [k for k in ONE_TURN if k not in ("wake-start", "wake-end")]


async def test_a_stream_started_at_recognition_that_hears_nothing_says_so() -> None:
    clock, events = FakeClock(), []  # type: ignore[var-annotated]
    brain = Replies()
    s = session(brain, events, clock, wake=False)
    script = Script(clock).silence(s.settings.wake.speech_timeout_s + 0.5)
    results = await s.listen(script.source(), GatedSink(), start=Stage.STT)
    assert brain.heard == [] and len(results) == 1 and not results[0].ok
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert [(e.code, e.message) for e in errors] == [("stt-no-speech", "no request was heard")]  # no wake word here
    assert kinds(events) == ["run-start", "stt-start", "error", "run-end"]

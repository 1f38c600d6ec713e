import asyncio
import time

import pytest

from hark.brain import Action, BrainRequest, Conversation, Intent, TextDelta
from hark.events import ErrorEvent, Event, Stage
from hark.pipeline.respond import APOLOGY, respond
from tests.fakes import FakeTts, RecordingSink, ScriptedBrain


def kinds(events: list[Event]) -> list[str]:
    return [e.type for e in events]


async def until(condition, within: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for a state of the reply, not for a guess at how long it takes (a busy CI core is slow)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the reply never reached the awaited state"
        await asyncio.sleep(0.005)


async def run(brain, tts, sink, events: list[Event]):  # type: ignore[no-untyped-def]
    return await respond(
        BrainRequest("hello", Conversation()),
        brain=brain,
        tts=tts,
        sink=sink,
        emit=events.append,
        clock=time.monotonic,
        first_clause_chars=10,
    )


async def test_first_clause_is_spoken_before_the_brain_has_finished() -> None:
    events: list[Event] = []
    brain = ScriptedBrain(
        [Intent("Chat"), TextDelta("Well, the answer is long, "), TextDelta("and it goes on. "), TextDelta("The end.")],
        delay=0.05,
    )
    tts, sink = FakeTts(), RecordingSink(clock=time.monotonic)
    reply = await run(brain, tts, sink, events)
    assert reply.text == "Well, the answer is long, and it goes on. The end."
    assert reply.intent == "Chat" and not reply.interrupted and reply.error is None
    assert tts.spoken == ["Well, the answer is long,", "and it goes on.", "The end."]
    order = kinds(events)
    # audio of the first clause went out while the brain was still producing
    assert order.index("playback-start") < order.index("brain-end")
    assert order[0] == "brain-start" and order[-1] == "playback-end"
    assert order.index("brain-text") < order.index("tts-start") < order.index("tts-audio")
    assert order.count("tts-audio") == 3 and order.count("brain-text") == 3
    ts = [e.t for e in events]
    assert ts == sorted(ts)
    first_audio = next(e for e in events if e.type == "tts-audio")
    assert first_audio.index == 0  # type: ignore[attr-defined]


async def test_actions_are_reported() -> None:
    events: list[Event] = []
    brain = ScriptedBrain([Intent("Timer"), Action("timer.start", {"seconds": 300}), TextDelta("Timer set.")])
    reply = await run(brain, FakeTts(), RecordingSink(), events)
    assert reply.actions == [Action("timer.start", {"seconds": 300})]
    action = next(e for e in events if e.type == "brain-action")
    assert action.name == "timer.start" and '"seconds": 300' in action.arguments  # type: ignore[attr-defined]


async def test_brain_failure_ends_the_turn_with_an_error_and_an_apology() -> None:
    events: list[Event] = []
    brain = ScriptedBrain([TextDelta("Let me see. ")], error=KeyError("boom"))
    tts, sink = FakeTts(), RecordingSink()
    reply = await run(brain, tts, sink, events)
    assert reply.error is not None and reply.error.code == "brain-failed"
    err = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(err) == 1 and err[0].stage is Stage.BRAIN and "KeyError" in err[0].message
    assert tts.spoken[-1] == APOLOGY  # the user hears that it failed


async def test_tts_failure_is_an_error_event_not_a_crash() -> None:
    events: list[Event] = []
    reply = await run(ScriptedBrain([TextDelta("Say boom now.")]), FakeTts(fail_on="boom"), RecordingSink(), events)
    assert reply.error is not None and reply.error.code == "tts-failed"
    err = [e for e in events if isinstance(e, ErrorEvent)]
    assert err[0].stage is Stage.TTS
    assert events[-1].type == "error" or "playback-end" in kinds(events)


async def test_cancelling_stops_playback_and_all_tasks() -> None:
    events: list[Event] = []
    brain = ScriptedBrain([TextDelta("One sentence here. "), TextDelta("Another sentence. "), TextDelta("And more.")])
    sink = RecordingSink(realtime_factor=1.0)
    task = asyncio.create_task(run(brain, FakeTts(seconds_per_char=0.02), sink, events))
    await until(lambda: sink.position >= 0.1)  # the first sentence is playing
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    end = events[-1]
    assert end.type == "playback-end" and end.interrupted  # type: ignore[attr-defined]
    assert 0 < end.seconds_played < 1.0  # type: ignore[attr-defined]
    assert len(sink.chunks) < 3


async def test_cancelling_a_long_reply_with_synthesis_ahead_of_playback_returns() -> None:
    """Barge-in during a long LLM answer: synthesis is two segments ahead (the queue is full) when the
    player is cancelled. The reply must still end at once (it used to wait forever on the end mark)."""
    events: list[Event] = []
    brain = ScriptedBrain([TextDelta(f"Sentence number {i} goes here. ") for i in range(8)])
    tts = FakeTts(seconds_per_char=0.02)
    sink = RecordingSink(realtime_factor=1.0)
    task = asyncio.create_task(run(brain, tts, sink, events))
    await until(lambda: len(tts.spoken) >= 3 and sink.position > 0)  # one playing, two waiting in the queue
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=2.0)
    assert task in done, "the reply did not end after it was cancelled"
    assert task.cancelled()
    end = events[-1]
    assert end.type == "playback-end" and end.interrupted  # type: ignore[attr-defined]
    assert len(sink.chunks) == 1


async def test_text_only_run_has_no_tts_events() -> None:
    events: list[Event] = []
    reply = await respond(
        BrainRequest("hi", Conversation()),
        brain=ScriptedBrain([TextDelta("Hi.")]),
        tts=None,
        sink=None,
        emit=events.append,
        clock=time.monotonic,
    )
    assert reply.text == "Hi."
    assert kinds(events) == ["brain-start", "brain-text", "brain-end"]

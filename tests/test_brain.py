import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hark.brain import (
    Answered,
    BrainChain,
    BrainRequest,
    ClockBrain,
    Conversation,
    Intent,
    NotYetBrain,
    TextDelta,
    Unhandled,
    default_brain,
)

NOW = dt.datetime(2026, 11, 22, 15, 7, tzinfo=ZoneInfo("Europe/Paris"))


async def reply(brain, text: str, now: dt.datetime = NOW):  # type: ignore[no-untyped-def]
    parts = [p async for p in brain.respond(BrainRequest(text, Conversation(), now=lambda: now))]
    return parts


@pytest.mark.parametrize(
    ("text", "intent", "answer"),
    [
        ("What time is it?", "GetTime", "It's 3:07 PM."),
        ("what's the time", "GetTime", "It's 3:07 PM."),
        ("Tell me the time please", "GetTime", "It's 3:07 PM."),
        ("What is the date today?", "GetDate", "Today is Sunday, November 22nd, 2026."),
        ("What’s today’s date", "GetDate", "Today is Sunday, November 22nd, 2026."),
        ("What day is it tomorrow?", "GetDate", "Tomorrow is Monday, November 23rd, 2026."),
        ("which day was it yesterday", "GetDate", "Yesterday was Saturday, November 21st, 2026."),
    ],
)
async def test_clock_answers(text: str, intent: str, answer: str) -> None:
    parts = await reply(ClockBrain(), text)
    assert parts[0] == Intent(intent, parts[0].slots)
    assert "".join(p.text for p in parts if isinstance(p, TextDelta)) == answer


async def test_clock_uses_its_configured_zone() -> None:
    parts = await reply(ClockBrain("America/New_York"), "what time is it")
    assert parts[-1] == TextDelta("It's 9:07 AM.")


async def test_midnight_and_noon_hours() -> None:
    assert await reply(ClockBrain(), "time", NOW.replace(hour=0, minute=0))  # "time" alone is not a question
    parts = await reply(ClockBrain(), "what time is it", NOW.replace(hour=0, minute=5))
    assert parts[-1] == TextDelta("It's 12:05 AM.")
    parts = await reply(ClockBrain(), "what time is it", NOW.replace(hour=12, minute=0))
    assert parts[-1] == TextDelta("It's 12 PM.")


async def test_clock_passes_on_other_requests() -> None:
    assert await reply(ClockBrain(), "play some jazz") == [Unhandled("not a time or date question")]


async def test_chain_falls_through_to_the_honest_answer() -> None:
    chain = default_brain()
    parts = await reply(chain, "turn on the kitchen lights")
    text = "".join(p.text for p in parts if isinstance(p, TextDelta))
    assert text == "Sorry, I can't help with that yet."
    assert parts[0] == Answered("not-yet")
    parts = await reply(chain, "what time is it")
    assert parts[0] == Answered("clock")


async def test_chain_with_no_taker_uses_its_fallback() -> None:
    chain = BrainChain([ClockBrain()], fallback="Nope.")
    assert await reply(chain, "sing") == [TextDelta("Nope.")]


def test_chain_needs_a_brain() -> None:
    with pytest.raises(ValueError, match="at least one"):
        BrainChain([])


async def test_not_yet_brain_is_honest() -> None:
    parts = await reply(NotYetBrain(), "anything")
    assert [type(p) for p in parts] == [Intent, TextDelta]

"""The same request, an adult and a child: kids mode answers differently, and nothing unsafe
reaches the model, a smart home or the speaker.

The household is real (classic brain, the generative brain on the real OpenAI SDK against a
local server speaking its wire format, Home Assistant faked over HTTP); who speaks is a member
resolved the way a turn resolves it (``People.resolve``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from hark.brain.person import Person
from hark.config import Settings
from hark.engines.registry import Engines
from hark.household import Household
from hark.household.kidsmode import CHAT_DONE, KidsGuard
from hark.household.people import Controls
from hark.household.policy import BEDTIME
from hark.kids import SafetyCheck
from hark.session import DeviceSession, TurnResult
from tests.fake_homeassistant import FakeHomeAssistant
from tests.fake_llm_servers import FakeOpenAI, Reply

KEY = "sk-test-key"
TOKEN = "good-token"
EVENING = dt.datetime(2026, 12, 7, 23, 0, tzinfo=dt.UTC)  # 23:00: in the child's quiet hours
AFTERNOON = dt.datetime(2026, 12, 7, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        yield fake


@pytest.fixture
async def ha(no_leaked_tasks: None) -> AsyncIterator[FakeHomeAssistant]:
    fake = FakeHomeAssistant(token=TOKEN)
    await fake.start()
    yield fake
    await fake.close()


@dataclasses.dataclass
class Home:
    household: Household
    adult: Person
    child: Person
    settings: Settings

    def session(self, who: Person, now: dt.datetime = AFTERNOON) -> DeviceSession:
        return DeviceSession(
            self.settings,
            Engines(),
            self.household.brain(),
            who=who,
            now=lambda: now,
            journal=self.household.log_turn,
        )


@pytest.fixture
async def home(settings: Settings, llm: FakeOpenAI, ha: FakeHomeAssistant, tmp_path: Path) -> AsyncIterator[Home]:
    s = dataclasses.replace(settings, data_dir=tmp_path).replace(
        llm={
            "backend": "openai", "model": "test-model", "base_url": llm.base_url, "api_key": KEY,
            "fallback": "classic", "filler_after_s": 0.0, "first_token_timeout_s": 2.0,
        },
        home_assistant={"url": ha.url, "token": TOKEN},
        brain={"timezone": "UTC"},
    )  # fmt: skip
    household = await Household.open(s)
    try:
        people = household.people
        ana = await people.add_member("default", "Ana", admin=True)
        leo = await people.add_member(
            "default",
            "Leo",
            kind="child",
            age=8,
            controls=Controls(smart_home_allowed=["light"], quiet_hours="20:00-07:00", chat_minutes_day=10),
        )
        adult = await people.resolve("default", "local", voice_member=ana.id)
        child = await people.resolve("default", "local", voice_member=leo.id)
        assert not adult.kids_mode and child.kids_mode and child.identified_by == "voice"
        yield Home(household, adult, child, s)
    finally:
        await household.close()


def said(result: TurnResult) -> str:
    assert result.reply is not None
    return result.reply.text


async def test_an_unsafe_question(home: Home, llm: FakeOpenAI) -> None:
    llm.push(Reply(text=["I don't know where anything is kept in your home."]))
    grown = await home.session(home.adult).ask_text("where does dad keep his gun", None)
    assert said(grown).startswith("I don't know where") and len(llm.requests) == 1
    kid = await home.session(home.child).ask_text("where does dad keep his gun", None)
    assert "grown-up" in said(kid) and len(llm.requests) == 1  # the model never heard it
    assert kid.reply is not None and kid.reply.intent == "KidsRefused"


async def test_a_purchase(home: Home, llm: FakeOpenAI) -> None:
    llm.push(Reply(text=["I can't place orders, but I can add dog food to your shopping list."]))
    grown = await home.session(home.adult).ask_text("buy more dog food online", None)
    assert "shopping list" in said(grown)
    kid = await home.session(home.child).ask_text("buy more dog food online", None)
    assert "buy" in said(kid).lower() and len(llm.requests) == 1


async def test_a_door_unlock(home: Home, ha: FakeHomeAssistant) -> None:
    grown = await home.session(home.adult).ask_text("unlock the front door", None)
    assert said(grown) == "Do you really want to unlock the Front Door?"  # the adult is asked to confirm
    kid = await home.session(home.child).ask_text("unlock the front door", None)
    assert "unlock" not in said(kid).lower() or "grown-up" in said(kid).lower()
    assert said(kid) != said(grown) and ha.calls == []  # nothing was unlocked, nor offered to the child
    lights = await home.session(home.child).ask_text("turn on the kitchen lights", None)
    assert ha.calls and ha.calls[-1][:2] == ("light", "turn_on"), said(lights)  # what the parent allowed


async def test_a_chat_at_bedtime(home: Home, llm: FakeOpenAI) -> None:
    grown = home.session(home.adult, now=EVENING)
    assert grown.conversation.chatting is False
    await grown.ask_text("let's chat", None)
    assert grown.conversation.chatting
    kid = home.session(home.child, now=EVENING)
    r = await kid.ask_text("let's chat", None)
    assert said(r) == BEDTIME and not kid.conversation.chatting
    r = await kid.ask_text("what time is it", None)
    assert said(r).startswith("It's 11")  # the clock still answers at bedtime
    llm.push(Reply(text=["Dinosaurs lived millions of years ago."]))
    r = await kid.ask_text("tell me about dinosaurs", None)
    assert said(r) == BEDTIME and llm.requests == []


async def test_a_request_past_the_daily_chat_allowance(home: Home, llm: FakeOpenAI) -> None:
    db = home.household.db
    start = AFTERNOON - dt.timedelta(hours=2)
    for minute in range(0, 12):  # twelve minutes of chatting earlier today
        await db.log_turn(
            household_id="default",
            member_id=home.child.member_id,
            device_id="local",
            transcript="and then what",
            reply="...",
            brain="generative",
            t=start + dt.timedelta(minutes=minute),
        )
    llm.push(Reply(text=["Octopuses have three hearts."]), Reply(text=["Octopuses have three hearts."]))
    kid = await home.session(home.child).ask_text("tell me something about octopuses", None)
    assert said(kid) == CHAT_DONE and llm.requests == []
    grown = await home.session(home.adult).ask_text("tell me something about octopuses", None)
    assert said(grown) == "Octopuses have three hearts."


async def test_a_childs_memory_is_off_unless_a_parent_allows_it(home: Home) -> None:
    kid = await home.session(home.child).ask_text("remember that my teacher is called Mrs Smith", None)
    assert "grown-up" in said(kid) and await home.household.memory.list("default", home.child.profile) == []
    grown = await home.session(home.adult).ask_text("remember that my sister is called Ana", None)
    assert "remember" in said(grown).lower()
    assert [f.text for f in await home.household.memory.list("default", home.adult.profile)] == [
        "my sister is called Ana"
    ]


async def test_an_unsafe_model_reply_is_never_spoken_to_a_child(home: Home, llm: FakeOpenAI) -> None:
    unsafe = ["Sure! ", "To get there, ", "meet the man from the game at the park ", "and don't tell your parents."]
    llm.push(Reply(text=unsafe), Reply(text=unsafe))
    kid = await home.session(home.child).ask_text("where can i play the game in real life", None)
    assert "don't tell" not in said(kid) and "meet the man" not in said(kid), said(kid)
    assert "grown-up" in said(kid), said(kid)
    grown = await home.session(home.adult).ask_text("where can i play the game in real life", None)
    assert "meet the man" in said(grown)  # an adult's reply is not screened for topics


async def test_the_guard_releases_each_piece_of_a_reply_only_after_it_was_checked() -> None:
    from hark.brain.base import BrainRequest, ReplyPart, TextDelta
    from hark.brain.conversation import Conversation

    checked: list[str] = []
    safety = SafetyCheck(None)
    original = safety.check_reply_clause

    def spy(clause: str) -> Any:
        checked.append(clause)
        return original(clause)

    safety.check_reply_clause = spy  # type: ignore[method-assign]
    released: list[str] = []

    class Talker:
        name = "talker"

        async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
            for piece in ["Once upon a time, a ", "little dragon lived in a very tall tower by the sea. ", "The end."]:
                released.append(f"model:{piece}")
                yield TextDelta(piece)

    guard = KidsGuard(Talker(), safety)
    request = BrainRequest("tell me a story", Conversation(), who=Person(kids_mode=True, child=True))
    async for part in guard.respond(request):
        if isinstance(part, TextDelta):
            assert any(part.text.strip() in c for c in checked), part.text  # never spoken unchecked
            released.append(f"spoken:{part.text}")
    spoken = "".join(r[7:] for r in released if r.startswith("spoken:"))
    assert spoken == "Once upon a time, a little dragon lived in a very tall tower by the sea. The end."

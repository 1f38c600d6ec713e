"""Plans and quotas: who gets the generative brain, and what the others hear instead."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hark.brain.base import Action, Answered, BrainRequest, Intent, ReplyPart, TextDelta, Unhandled
from hark.brain.chain import BrainChain
from hark.brain.conversation import Conversation
from hark.brain.generative.phrases import chat_command
from hark.brain.person import Person
from hark.brain.router import ChatGate
from hark.config import ChatSettings
from hark.household.gated import GatedBrain, member_of, usage_hook
from hark.household.metering import Usage, UsageMeter
from hark.household.plans import (
    CLASSIC_LINE,
    CLASSIC_LINE_NO_HOME,
    Decision,
    PlanError,
    PlanGate,
    Quotas,
    decide,
    quota_line,
    set_plan,
)
from hark.household.ratelimit import Rate, RateLimiter, RateLimits
from hark.household.usage_cli import add_usage_parser, plan_command, usage_command
from hark.llm.base import Finished
from hark.store import Database
from hark.store.models import HouseholdRow
from tests.fake_llm import FakeLlm, text
from tests.storefakes import FakeClock, store_url

PARIS = ZoneInfo("Europe/Paris")
DEC_7 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(store_url(tmp_path / "hark.db")) as database:
        async with database.transaction() as session:
            session.add(HouseholdRow(id="free", name="Free home", plan="classic", created_at=DEC_7))
            session.add(HouseholdRow(id="paris", name="Paris flat", timezone="Europe/Paris", created_at=DEC_7))
        yield database


# -- the rule ----------------------------------------------------------------------------------


def test_classic_gets_the_honest_line() -> None:
    decision = decide("classic", Quotas(), None, now=DEC_7)
    assert decision == Decision(False, "classic-plan", CLASSIC_LINE)
    assert CLASSIC_LINE == (
        "That needs Hark's generative plan; I can still do timers, alarms, lists, weather, and your smart home."
    )
    assert decide("classic", Quotas(), None, now=DEC_7, smart_home=False).line == CLASSIC_LINE_NO_HOME
    assert decide("gold", Quotas(), None, now=DEC_7).reason == "classic-plan"  # an unknown plan is not paid for


def test_plus_within_and_past_its_quotas() -> None:
    quotas = Quotas(tokens_month=10_000, requests_month=100)
    assert decide("plus", Quotas(), None, now=DEC_7) == Decision(True, "plus")
    assert decide("plus", quotas, Usage(99, 9000, 999), now=DEC_7).generative
    tokens = decide("plus", quotas, Usage(10, 9000, 1000), now=DEC_7, zone=PARIS)
    assert (tokens.generative, tokens.reason) == (False, "token-quota")
    assert (
        tokens.line == "You've used this month's conversation allowance, so I'll keep to the basics until January 1st."
    )
    assert tokens.resets_at == dt.datetime(2027, 1, 1, tzinfo=PARIS)
    requests = decide("plus", quotas, Usage(100, 10, 10), now=DEC_7)
    assert (requests.generative, requests.reason) == (False, "request-quota")
    assert decide("plus", Quotas(requests_month=0), Usage(), now=DEC_7).reason == "request-quota"
    late = dt.datetime(2027, 1, 31, 23, 30, tzinfo=dt.UTC)  # already February 1st in Paris
    assert decide("plus", quotas, Usage(100), now=late, zone=PARIS).resets_at == dt.datetime(2027, 3, 1, tzinfo=PARIS)
    assert quota_line(dt.date(2027, 3, 1)).endswith("until March 1st.")


# -- the gate ----------------------------------------------------------------------------------


async def test_gate_reads_plans_quotas_and_usage(db: Database) -> None:
    clock = FakeClock(DEC_7)
    meter = UsageMeter(db, clock=clock.now)
    gate = PlanGate(meter, cache_s=30)
    assert (await gate.check("default")).generative  # single-home install: plus, no quota
    assert (await gate.check("default")).usage is None  # no quota, so no usage read
    # the config's smart home is the default household's: another one is offered its smart home
    # only once it has its own
    assert await gate.check("free") == Decision(False, "classic-plan", CLASSIC_LINE_NO_HOME)
    assert (await gate.check("nobody")).reason == "no-household"

    await set_plan(db, "paris", "plus", requests_month=2)
    for _ in range(2):
        assert (await gate.check("paris")).generative
        await meter.record("paris", "ana", "d1", "claude-haiku-4-5", Finished("end_turn", 100, 10))
    past = await gate.check("paris")
    assert (past.generative, past.reason) == (False, "request-quota")
    assert past.usage is not None and (past.usage.requests, past.usage.tokens) == (2, 220)
    assert past.line.endswith("until January 1st.")
    clock.set(dt.datetime(2027, 1, 1, 0, 0, 1, tzinfo=PARIS))  # a new month in Paris
    assert (await gate.check("paris")).generative


async def test_a_plan_change_counts_within_the_cache_time(db: Database) -> None:
    clock = FakeClock(DEC_7)
    gate = PlanGate(UsageMeter(db, clock=clock.now), cache_s=30)
    assert (await gate.check("default")).generative
    await set_plan(db, "default", "classic")  # from another process: `hark household plan default classic`
    assert (await gate.check("default")).generative  # the row is trusted for cache_s...
    clock.advance(31)
    assert (await gate.check("default")).reason == "classic-plan"  # ...then read again
    await set_plan(db, "default", "plus", tokens_month=0)
    gate.forget("default")  # a change made in this process applies at once
    assert (await gate.check("default")).reason == "token-quota"


async def test_set_plan_refuses_bad_changes_and_keeps_quotas(db: Database) -> None:
    await set_plan(db, "paris", "plus", tokens_month=1000, requests_month=10)
    row = await set_plan(db, "paris", "classic")
    assert (row.plan, row.quota_tokens_month, row.quota_requests_month) == ("classic", 1000, 10)
    row = await set_plan(db, "paris", "plus", tokens_month=None)
    assert (row.quota_tokens_month, row.quota_requests_month) == (None, 10)
    with pytest.raises(PlanError, match="no household 'nobody'"):
        await set_plan(db, "nobody", "plus")
    with pytest.raises(PlanError, match="unknown plan 'gold'"):
        await set_plan(db, "paris", "gold")
    with pytest.raises(PlanError, match="negative"):
        await set_plan(db, "paris", "plus", requests_month=-1)


async def test_an_unreadable_database_neither_mutes_nor_gives_away(tmp_path: Path) -> None:
    db = Database(store_url(tmp_path / "hark.db"))
    await db.open()
    clock = FakeClock(DEC_7)
    open_gate = PlanGate(UsageMeter(db, clock=clock.now), cache_s=30)
    strict_gate = PlanGate(UsageMeter(db, clock=clock.now), fail_open=False)
    await set_plan(db, "default", "classic")
    assert (await open_gate.check("default")).reason == "classic-plan"
    await db.close()  # now every read fails with StorageError
    clock.advance(60)
    assert (await open_gate.check("default")).reason == "classic-plan"  # the last row it read still counts
    assert await open_gate.check("elsewhere") == Decision(True, "unchecked")
    assert (await strict_gate.check("default")) == Decision(False, "unchecked", CLASSIC_LINE)


# -- in the brain chain ------------------------------------------------------------------------


class Classic:
    """Answers "set a timer" only."""

    name = "classic"

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        if "timer" not in request.text:
            yield Unhandled("not a command")
            return
        yield Intent("TimerStart")
        yield TextDelta("Timer set for 5 minutes.")


class Generative:
    """Stands in for the generative brain: its Intent first, then one model call, metered."""

    name = "generative"

    def __init__(self, llm: FakeLlm, hook: Any) -> None:
        self.llm = llm
        self.hook = hook
        self.prepared: list[str] = []

    async def prepare(self, request: BrainRequest) -> None:
        self.prepared.append(request.text)

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        yield Intent("Generative")
        finished: Finished | None = None
        async for event in self.llm.stream(None):  # type: ignore[arg-type]
            if isinstance(event, Finished):
                finished = event
            else:
                yield TextDelta(event.text)  # type: ignore[union-attr]
        await self.hook(request, self.llm, finished)


def _request(words: str, household: str, device: str = "kitchen", member: str | None = "ana") -> BrainRequest:
    who = Person(household_id=household, member_id=member)
    return BrainRequest(words, Conversation(), device_id=device, who=who, now=lambda: DEC_7)


async def _say(chain: BrainChain, household: str, words: str, device: str = "kitchen") -> list[ReplyPart]:
    return [part async for part in chain.respond(_request(words, household, device))]


def _chain(db: Database, llm: FakeLlm, *, limiter: RateLimiter | None = None) -> BrainChain:
    meter = UsageMeter(db, clock=FakeClock(DEC_7).now)
    generative = Generative(llm, usage_hook(meter))
    return BrainChain([Classic(), GatedBrain(generative, PlanGate(meter), limiter=limiter)])


async def test_classic_household_hears_the_line_and_no_model_is_called(db: Database) -> None:
    llm = FakeLlm()
    chain = _chain(db, llm)
    assert await _say(chain, "free", "set a timer") == [
        Answered("classic"),
        Intent("TimerStart"),
        TextDelta("Timer set for 5 minutes."),
    ]
    assert await _say(chain, "free", "tell me a story") == [
        Answered("generative"),
        Intent("PlanLimit", {"reason": "classic-plan"}),
        TextDelta(CLASSIC_LINE_NO_HOME),
    ]
    assert llm.requests == []


async def test_a_quota_degrades_to_classic_with_a_spoken_line(db: Database) -> None:
    await set_plan(db, "paris", "plus", requests_month=1)
    llm = FakeLlm([text("Once upon a time.")])
    llm.script[0].events = [*llm.script[0].events[:-1], Finished("end_turn", 1200, 30, 1000)]
    chain = _chain(db, llm)
    first = await _say(chain, "paris", "tell me a story")
    assert first == [Answered("generative"), Intent("Generative"), TextDelta("Once upon a time.")]
    second = await _say(chain, "paris", "another one")
    assert second[1:] == [
        Intent("PlanLimit", {"reason": "request-quota"}),
        TextDelta("You've used this month's conversation allowance, so I'll keep to the basics until January 1st."),
    ]
    assert await _say(chain, "paris", "set a timer") == [
        Answered("classic"),
        Intent("TimerStart"),
        TextDelta("Timer set for 5 minutes."),
    ]
    report = await UsageMeter(db, clock=FakeClock(DEC_7).now).report("paris", "day", by_member=True, zone=PARIS)
    assert [(r.member_id, r.usage.requests, r.usage.input_tokens, r.usage.cached_tokens) for r in report] == [
        ("ana", 1, 1200, 1000)
    ]


async def test_a_noisy_device_is_told_to_wait_and_the_others_still_get_answers(db: Database) -> None:
    clock = [0.0]
    limiter = RateLimiter(RateLimits(Rate(2, 6), Rate(10, 60)), clock=lambda: clock[0])
    llm = FakeLlm([text("Sure.") for _ in range(3)])
    chain = _chain(db, llm, limiter=limiter)
    assert (await _say(chain, "default", "hi", "den"))[-1] == TextDelta("Sure.")
    assert (await _say(chain, "default", "hi", "den"))[-1] == TextDelta("Sure.")
    refused = await _say(chain, "default", "hi", "den")
    assert refused[1] == Intent("RateLimited", {"scope": "device", "retry_after_s": 10.0})
    assert refused[2] == TextDelta("You're asking faster than I can keep up; try again in 10 seconds.")
    assert (await _say(chain, "default", "hi", "kitchen"))[-1] == TextDelta("Sure.")
    assert len(llm.requests) == 3


class ChatOnly:
    """What :class:`ChatGate` needs of the generative brain: its chat-mode phrases."""

    def chat_command(self, request: BrainRequest) -> list[ReplyPart] | None:
        return chat_command(request, ChatSettings())


async def test_chat_mode_is_refused_on_classic_and_can_always_be_left(db: Database) -> None:
    meter = UsageMeter(db, clock=FakeClock(DEC_7).now)
    gate = PlanGate(meter, cache_s=0)
    llm = FakeLlm()
    chain = BrainChain(
        [GatedBrain(ChatGate(ChatOnly()), gate), Classic(), GatedBrain(Generative(llm, usage_hook(meter)), gate)]  # type: ignore[arg-type]
    )
    conversation = Conversation()

    async def say(words: str) -> list[ReplyPart]:
        request = BrainRequest(words, conversation, who=Person(household_id="paris"), now=lambda: DEC_7)
        return [part async for part in chain.respond(request)]

    await set_plan(db, "paris", "classic")
    assert await say("let's chat") == [
        Answered("chat"),
        Intent("PlanLimit", {"reason": "classic-plan"}),
        Action("chat_mode", {"on": False}),
        TextDelta(CLASSIC_LINE_NO_HOME),
    ]
    assert not conversation.chatting
    assert (await say("let's chat about space"))[1:] == [
        Intent("PlanLimit", {"reason": "classic-plan"}),
        Action("chat_mode", {"on": False}),
        TextDelta(CLASSIC_LINE_NO_HOME),
    ]
    assert not conversation.chatting and llm.requests == []

    await set_plan(db, "paris", "plus")
    assert (await say("let's chat"))[2] == Action("chat_mode", {"on": True})
    await set_plan(db, "paris", "plus", requests_month=0)  # the allowance runs out mid-chat
    assert (await say("stop"))[2] == Action("chat_mode", {"on": False})  # leaving is never refused
    assert not conversation.chatting


async def test_only_a_household_that_may_use_the_model_prepares_it(db: Database) -> None:
    meter = UsageMeter(db, clock=FakeClock(DEC_7).now)
    generative = Generative(FakeLlm(), usage_hook(meter))
    chain = BrainChain([Classic(), GatedBrain(generative, PlanGate(meter))])
    await chain.prepare(_request("tell me", "free"))
    await chain.prepare(_request("tell me", "paris"))
    assert generative.prepared == ["tell me"]


def test_member_of_the_shared_profile_is_none() -> None:
    assert member_of(_request("x", "default", member=None)) is None
    assert member_of(_request("x", "default", member="ana")) == "ana"


# -- the CLI -----------------------------------------------------------------------------------


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hark")
    add_usage_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


async def test_hark_usage_and_plan(db: Database, settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    plan = argparse.Namespace(household_id="paris", plan="plus", tokens="5000", requests=None)
    assert await plan_command(plan, settings, db=db) == 0
    assert (
        capsys.readouterr().out.splitlines()[0]
        == "household paris: plan plus; 5,000 tokens and no request quota a month"
    )
    meter = UsageMeter(db, clock=lambda: dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))
    await meter.record("paris", "ana", "d1", "claude-haiku-4-5", Finished("end_turn", 2100, 42, 2000))
    await meter.record("paris", None, "d2", "claude-haiku-4-5", Finished("end_turn", 900, 10, 0))
    clock = lambda: dt.datetime(2026, 12, 8, 9, tzinfo=dt.UTC)  # noqa: E731

    assert await usage_command(_parse("usage", "--household", "paris", "--member"), settings, clock=clock, db=db) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "household paris (Paris flat): plan plus"
    assert out[1] == "this month (since 2026-12-01): 2 requests, 3,052 tokens of 5,000, $0.001460"
    assert out[2].split() == ["DAY", "MEMBER", "REQUESTS", "INPUT", "CACHED", "OUTPUT", "COST", "USD"]
    assert out[3].split() == ["2026-12-07", "-", "1", "900", "0", "10", "0.000950"]
    assert out[4].split() == ["2026-12-07", "ana", "1", "2,100", "2,000", "42", "0.000510"]
    assert out[5].split() == ["total", "2", "3,000", "2,000", "52", "0.001460"]

    assert (
        await usage_command(
            _parse("usage", "--household", "paris", "--by", "month", "--json"), settings, clock=clock, db=db
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["quotas"] == {"tokens_month": 5000, "requests_month": None}
    assert report["month_to_date"]["tokens"] == 3052
    assert [(r["period"], r["requests"], r["input_tokens"]) for r in report["rows"]] == [("2026-12", 2, 3000)]

    assert await usage_command(_parse("usage", "--household", "nobody"), settings, clock=clock, db=db) == 1
    assert "no household 'nobody'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _parse("usage", "--since", "yesterday")

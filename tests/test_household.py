"""The classic tier end to end: text (and audio) in, the real household (NLU, skills, SQLite, scheduler) answers."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from bench.voices import hibari, piper, silence
from hark.audio import NullSink, WavFileSink, array_source
from hark.brain.chain import BrainChain
from hark.config import Settings
from hark.household import Household
from hark.household.enrolment import EnrolmentBrain
from hark.household.kidsmode import KidsGuard
from hark.session import DeviceSession, TurnResult
from hark.skills.media import LocalDevice
from hark.store import Timer, TurnLog
from tests.fake_homeassistant import FakeHomeAssistant
from tests.mqtt_broker import free_port
from tests.storefakes import store_url
from tests.textmatch import wer

TOKEN = "good-token"


@pytest.fixture
async def fake_ha(no_leaked_tasks: None) -> AsyncIterator[FakeHomeAssistant]:
    ha = FakeHomeAssistant(token=TOKEN)
    await ha.start()
    yield ha
    await ha.close()


def household_settings(settings: Settings, tmp_path: Path, ha_url: str = "") -> Settings:
    s = dataclasses.replace(settings, data_dir=tmp_path)
    # classic-only mode: what the intents do not cover gets the honest answer, not the LLM
    return s.replace(
        home_assistant={"url": ha_url, "token": TOKEN if ha_url else ""},
        llm={"backend": "off"},
        storage={"url": store_url(tmp_path / "hark.db")},
    )


@pytest.fixture
async def home(settings: Settings, engines, fake_ha: FakeHomeAssistant, tmp_path: Path):  # type: ignore[no-untyped-def]
    s = household_settings(settings, tmp_path, fake_ha.url)
    household = await Household.open(s)
    device = LocalDevice("local")
    household.add_device(device)
    assistant = DeviceSession(s, engines, household.brain(), device_id="local", journal=household.log_turn)
    await household.hub.attach("local", assistant)
    try:
        yield household, assistant, device
    finally:
        household.hub.detach("local")
        await household.close()


async def say(assistant: DeviceSession, text: str) -> TurnResult:
    return await assistant.ask_text(text, None)


def reply(r: TurnResult) -> str:
    assert r.reply is not None
    return r.reply.text


async def test_everyday_requests_from_text(home) -> None:  # type: ignore[no-untyped-def]
    household, a, device = home
    cases = [
        ("what time is it in Tokyo", "in Tokyo"),
        ("set a pasta timer for 8 minutes", "pasta timer"),
        ("how long is left on the pasta timer", "left on the pasta timer"),
        ("add milk to my shopping list", "Added milk"),
        ("add eggs to the shopping list", "Added eggs"),
        ("what's on my shopping list", "milk and eggs"),
        ("remove milk from my shopping list", "milk"),
        ("what is 15 percent of 80", "12"),
        ("how many grams in 3 pounds", "1361 grams"),
        ("wake me up at 7 on weekdays", "7:00"),
        ("remind me to call mum at 6 pm", "call mum"),
        ("set the volume to 30", "30"),
    ]
    for text, expected in cases:
        r = await say(a, text)
        assert expected.lower() in reply(r).lower(), (text, reply(r))
        assert r.reply is not None and r.reply.brain == "classic", text
    assert device.get_volume() == 30
    # the turns were journaled with their intent and slots
    async with household.db.transaction() as session:
        rows = (await session.execute(select(TurnLog).order_by(TurnLog.id))).scalars().all()
    assert [row.transcript for row in rows] == [t for t, _ in cases]
    assert rows[1].intent == "HassStartTimer" and "pasta" in (rows[1].slots or "")


async def test_unmatched_request_is_honest_and_does_nothing(home, fake_ha: FakeHomeAssistant) -> None:  # type: ignore[no-untyped-def]
    household, a, _ = home
    r = await say(a, "tell me a story about dragons")
    assert reply(r) == "Sorry, I can't help with that yet."
    assert r.reply is not None and r.reply.actions == [] and r.reply.brain == "not-yet"
    assert fake_ha.calls == []
    async with household.db.transaction() as session:
        assert (await session.execute(select(Timer))).scalars().all() == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [("set a timer for minus five minutes", "zero or negative"), ("set a timer for 900 days", "up to 24 hours")],
)
async def test_impossible_durations_are_refused_and_nothing_stored(home, text: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    household, a, _ = home
    assert reason in reply(await say(a, text))
    async with household.db.transaction() as session:
        assert (await session.execute(select(Timer))).scalars().all() == []


async def test_lights_by_area_through_home_assistant(home, fake_ha: FakeHomeAssistant) -> None:  # type: ignore[no-untyped-def]
    _, a, _ = home
    r = await say(a, "turn on the kitchen lights")
    assert r.reply is not None and r.reply.intent == "HassTurnOn"
    assert [(d, s) for d, s, _ in fake_ha.calls] == [("light", "turn_on")]
    targets = fake_ha.calls[0][2]["entity_id"]
    assert set(targets if isinstance(targets, list) else [targets]) == {"light.kitchen_ceiling", "light.kitchen_spots"}


async def test_unknown_device_is_said_and_nothing_sent(home, fake_ha: FakeHomeAssistant) -> None:  # type: ignore[no-untyped-def]
    _, a, _ = home
    r = await say(a, "turn on the jacuzzi")
    assert "couldn't find" in reply(r).lower() or "can't help" in reply(r).lower()
    assert fake_ha.calls == []


async def test_dangerous_action_needs_a_spoken_yes(home, fake_ha: FakeHomeAssistant) -> None:  # type: ignore[no-untyped-def]
    _, a, _ = home
    assert reply(await say(a, "unlock the front door")).startswith("Do you really want to unlock")
    assert fake_ha.calls == []
    assert reply(await say(a, "no")) == "Okay, I won't."
    assert fake_ha.calls == []
    await say(a, "unlock the front door")
    r = await say(a, "yes")
    assert [(d, s) for d, s, _ in fake_ha.calls] == [("lock", "unlock")]
    assert r.reply is not None and r.reply.actions and r.reply.actions[0].name == "lock_set"


async def test_unreachable_home_assistant_is_a_clear_spoken_error(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = household_settings(settings, tmp_path, f"http://127.0.0.1:{free_port()}")
    household = await Household.open(s)  # starts even though the hub is down
    try:
        a = DeviceSession(s, engines, household.brain(), journal=household.log_turn)
        r = await a.ask_text("turn off the kitchen lights", None)
        assert "can't reach Home Assistant" in reply(r)
    finally:
        await household.close()


async def test_timer_from_audio(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    household, a, _ = home
    samples = np.concatenate([silence(0.3), piper("Set a timer for five minutes."), silence(0.6)])
    out = tmp_path / "reply.wav"
    sink = WavFileSink(out)
    r = await a.ask_audio(samples, sink)
    await sink.close()
    assert r.transcript is not None and wer("Set a timer for five minutes.", r.transcript) <= 0.25, r.transcript
    assert "5 minute" in reply(r)
    async with household.db.transaction() as session:
        timers = (await session.execute(select(Timer))).scalars().all()
    assert [t.duration_s for t in timers] == [300]
    assert out.stat().st_size > 10_000


async def test_timer_rings_on_the_device_until_stop(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    household, a, _ = home
    assert "2 second" in reply(await say(a, "set a tea timer for 2 seconds"))
    sink = WavFileSink(tmp_path / "speaker.wav", realtime=True)
    # quiet while the timer runs out and rings, then the user says "stop" (no wake word)
    samples = np.concatenate([silence(5.0), hibari("Stop!"), silence(4.0)])
    results = await a.listen(array_source(samples, realtime=True), sink)
    await sink.close()
    assert [r.transcript for r in results] == ["Stop!"] or wer("stop", results[0].transcript or "") == 0
    assert results[0].reply is not None and results[0].reply.text == "Stopped."
    async with household.db.transaction() as session:
        (timer,) = (await session.execute(select(Timer))).scalars().all()
    assert timer.state == "done"
    assert not a.ringer.pending


async def test_null_sink_is_fine_for_text(home) -> None:  # type: ignore[no-untyped-def]
    _, a, _ = home
    r = await a.ask_text("what is 2 plus 2", NullSink())
    assert "4" in reply(r)


async def test_the_classic_brain_claims_what_it_can_do(home) -> None:  # type: ignore[no-untyped-def]
    household, assistant, _ = home
    guard = household.brain()
    assert isinstance(guard, KidsGuard) and isinstance(guard.inner, EnrolmentBrain)
    chain = guard.inner.inner
    assert isinstance(chain, BrainChain)
    classic = next(b for b in chain.brains if b.name == "classic")

    def claims(text: str) -> bool:
        return bool(classic.claims(assistant._request(text)))

    assert claims("set a timer for the pasta, 8 minutes") and claims("what time is it")
    assert not claims("why is the sky blue") and not claims("tell me a joke about cats")

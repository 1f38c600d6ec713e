"""Each household drives its own smart home: a second household's Home Assistant, stored with its
token, gets that household's requests; the configured one keeps the default household's; a
household with none hears so and nothing is sent anywhere. The token is never shown."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hark.brain.person import DEFAULT_HOUSEHOLD, Person
from hark.config import Settings
from hark.household import Household
from hark.household.people import People, PeopleError
from hark.household.smarthomes import NO_SMART_HOME, HouseholdSmartHomes, SmartHomeRouter
from hark.session import DeviceSession
from hark.skills.base import SkillContext, SkillResult
from hark.skills.smarthome import SmartHomeSkill
from hark.store import Database
from tests.fake_homeassistant import FakeHomeAssistant
from tests.storefakes import store_url

TOKEN_A = "token-of-the-default-home"
TOKEN_B = "token-of-the-second-home"


@pytest.fixture
async def two_homes(no_leaked_tasks: None) -> AsyncIterator[tuple[FakeHomeAssistant, FakeHomeAssistant]]:
    a, b = FakeHomeAssistant(token=TOKEN_A), FakeHomeAssistant(token=TOKEN_B)
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


def _settings(settings: Settings, tmp_path: Path, ha_url: str) -> Settings:
    s = dataclasses.replace(settings, data_dir=tmp_path)
    return s.replace(
        home_assistant={"url": ha_url, "token": TOKEN_A if ha_url else ""},
        llm={"backend": "off"},
        storage={"url": store_url(tmp_path / "hark.db")},
    )


async def _ask(household: Household, settings: Settings, engines: Any, household_id: str, text: str) -> str:
    device = f"{household_id}-speaker"
    session = DeviceSession(
        settings,
        engines,
        household.brain(),
        device_id=device,
        who=Person(household_id=household_id),
        identify=household.identifier(household_id, device),
        journal=household.log_turn,
    )
    result = await session.ask_text(text, None)
    assert result.reply is not None
    return result.reply.text


async def test_each_household_drives_only_its_own_home_assistant(
    settings: Settings, engines: Any, two_homes: tuple[FakeHomeAssistant, FakeHomeAssistant], tmp_path: Path
) -> None:
    ha_a, ha_b = two_homes
    s = _settings(settings, tmp_path, ha_a.url)
    household = await Household.open(s)
    try:
        people = household.people
        second, _ = await people.add_household("Second home")
        third, _ = await people.add_household("Third home")
        await people.set_settings(second.id, smart_home=ha_b.url, smart_home_token=TOKEN_B)

        # the second household's request reaches its own Home Assistant, not the configured one
        said = await _ask(household, s, engines, second.id, "turn on the kitchen lights")
        assert "kitchen" in said.lower(), said
        assert [(d, sv) for d, sv, _ in ha_b.calls] == [("light", "turn_on")]
        assert ha_a.calls == []

        # the default household keeps the configured one
        await _ask(household, s, engines, DEFAULT_HOUSEHOLD, "turn off the kitchen lights")
        assert [(d, sv) for d, sv, _ in ha_a.calls] == [("light", "turn_off")]
        assert len(ha_b.calls) == 1

        # a household with none hears so; nothing is sent to either
        said = await _ask(household, s, engines, third.id, "turn on the kitchen lights")
        assert said == NO_SMART_HOME
        assert len(ha_a.calls) == 1 and len(ha_b.calls) == 1

        # a dangerous action is confirmed in the household's own words, and only then sent to its home
        assert (await _ask(household, s, engines, second.id, "unlock the front door")).startswith(
            "Do you really want to unlock"
        )
        assert [sv for _, sv, _ in ha_b.calls] == ["turn_on"]
    finally:
        await household.close()


async def test_a_second_households_home_alone_is_routed_too(
    settings: Settings, engines: Any, two_homes: tuple[FakeHomeAssistant, FakeHomeAssistant], tmp_path: Path
) -> None:
    """No smart home in the config: a household's own one (stored before the start) still works,
    and the default household hears it has none."""
    _, ha_b = two_homes
    s = _settings(settings, tmp_path, "")
    db = Database.from_settings(s)
    await db.open()
    try:
        people = People(db)
        second, _ = await people.add_household("Second home")
        await people.set_settings(second.id, smart_home=ha_b.url, smart_home_token=TOKEN_B)
    finally:
        await db.close()
    household = await Household.open(s)
    try:
        await _ask(household, s, engines, second.id, "turn on the living room lamp")
        assert [(d, sv) for d, sv, _ in ha_b.calls] == [("light", "turn_on")]
        said = await _ask(household, s, engines, DEFAULT_HOUSEHOLD, "turn on the living room lamp")
        assert said == NO_SMART_HOME
        assert len(ha_b.calls) == 1
    finally:
        await household.close()


async def test_the_token_is_stored_checked_and_never_shown(tmp_path: Path) -> None:
    db = Database(store_url(tmp_path / "hark.db"))
    await db.open()
    try:
        people = People(db)
        home, _ = await people.add_household("Home")
        for url in ("ftp://ha.local", "ha.local:8123", "http://user:pw@ha.local:8123"):
            with pytest.raises(PeopleError):
                await people.set_settings(home.id, smart_home=url, smart_home_token="t")
        with pytest.raises(PeopleError, match="token"):
            await people.set_settings(home.id, smart_home="http://ha.local:8123")
        assert await people.smart_home_connection(home.id) is None

        stored = await people.set_settings(home.id, smart_home="http://ha.local:8123/", smart_home_token=" secret ")
        assert stored.smart_home == "http://ha.local:8123"
        assert await people.smart_home_connection(home.id) == ("http://ha.local:8123", "secret")
        assert await people.any_smart_home()
        shown = [repr(stored), json.dumps(dataclasses.asdict(stored), default=str)]
        shown += [repr(h) for h in await people.households()]
        assert not any("secret" in text for text in shown)

        cleared = await people.set_settings(home.id, smart_home="")
        assert cleared.smart_home is None
        assert await people.smart_home_connection(home.id) is None
    finally:
        await db.close()


class _Skill(SmartHomeSkill):
    """A household's smart home that records what it was asked and whether it was closed."""

    def __init__(self, connection: tuple[str, str]) -> None:
        super().__init__(None, None)
        self.connection = connection
        self.asked: list[str] = []
        self.closed = False

    async def call(self, tool: str, arguments: Any, ctx: SkillContext) -> SkillResult:
        self.asked.append(tool)
        return SkillResult(f"done in {self.connection[0]}")

    async def close(self) -> None:
        self.closed = True


class _Connections:
    def __init__(self) -> None:
        self.stored: dict[str, tuple[str, str] | None] = {}
        self.reads = 0

    async def smart_home_connection(self, household_id: str) -> tuple[str, str] | None:
        self.reads += 1
        await asyncio.sleep(0)
        return self.stored.get(household_id)


async def test_a_changed_connection_replaces_the_client_and_closes_the_old_one() -> None:
    stored = _Connections()
    stored.stored["h2"] = ("http://old", "t1")
    now = [0.0]
    made: list[_Skill] = []

    def factory(url: str, token: str) -> SmartHomeSkill:
        made.append(_Skill((url, token)))
        return made[-1]

    homes = HouseholdSmartHomes(stored, None, recheck_s=30.0, clock=lambda: now[0], factory=factory)  # type: ignore[arg-type]
    router = SmartHomeRouter(homes)
    ctx = SkillContext(who=Person(household_id="h2"))

    # two requests at once: one client
    first, second = await asyncio.gather(
        router.call("device_turn_on", {"name": "lamp"}, ctx), router.call("device_turn_on", {"name": "lamp"}, ctx)
    )
    assert first.speech == second.speech == "done in http://old"
    assert len(made) == 1 and made[0].asked == ["device_turn_on", "device_turn_on"]

    # within recheck_s the stored row is not read again; after it, a new URL means a new client
    stored.stored["h2"] = ("http://new", "t2")
    reads = stored.reads
    assert (await router.call("device_turn_on", {}, ctx)).speech == "done in http://old"
    assert stored.reads == reads
    now[0] = 31.0
    assert (await router.call("device_turn_on", {}, ctx)).speech == "done in http://new"
    assert made[0].closed and not made[1].closed

    # disconnected: the client is closed, the household hears it has no smart home
    stored.stored["h2"] = None
    now[0] = 62.0
    result = await router.call("device_turn_on", {}, ctx)
    assert (result.ok, result.speech) == (False, NO_SMART_HOME)
    assert made[1].closed

    # the default household is the configured one's, whatever is stored
    configured = _Skill(("http://configured", "t"))
    homes2 = HouseholdSmartHomes(stored, configured, factory=factory)  # type: ignore[arg-type]
    result = await SmartHomeRouter(homes2).call("device_turn_off", {}, SkillContext())
    assert result.speech == "done in http://configured"
    await homes.close()
    await homes2.close()
    assert not configured.closed  # its owner closes it

"""Two households on one server: nothing of one is reachable from the other.

Each household has a device (its own token) and an admin token. Whatever the other
household's device asks, and whatever ids its admin tries (real ids of the other household,
guessed ids), it gets its own data or nothing: lists, timers, memory facts, transcripts,
members and devices stay where they belong.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from hark import client
from hark.brain.memory import Memory, MemorySkill
from hark.brain.person import Person
from hark.server import messages
from hark.skills.base import SkillContext
from hark.store.models import ListItem, Timer
from tests.server_harness import Devices, Running, served_household


class Home:
    def __init__(self, household_id: str, admin: str, device_id: str, token: str) -> None:
        self.id, self.admin, self.device_id, self.token = household_id, admin, device_id, token


@pytest.fixture
async def two(settings, engines, tmp_path: Path, no_leaked_tasks: None) -> AsyncIterator[tuple[Running, Home, Home]]:  # type: ignore[no-untyped-def]
    async with served_household(settings, engines, tmp_path) as (running, devices):
        people = running.ctx.household.people
        a_admin = await people.admin_token("default")
        a_device, a_token = await devices.add("kitchen")
        b_home, b_admin = await people.add_household("The Neighbours")
        b_devices = Devices(devices.registry.for_household(b_home.id))
        b_device, b_token = await b_devices.add("hall")
        yield (
            running,
            Home("default", a_admin, a_device.device_id, a_token),
            Home(b_home.id, b_admin, b_device.device_id, b_token),
        )


async def say(running: Running, home: Home, text: str) -> str:
    _, turn = await client.post_turn(running.url, home.token, text)
    return str(turn["reply"])


async def admin(running: Running, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.request(
            method, running.url + "/api/admin" + path, json=body, headers={"authorization": f"Bearer {token}"}
        ) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


async def test_a_devices_requests_reach_only_its_own_households_lists_and_timers(two) -> None:  # type: ignore[no-untyped-def]
    running, a, b = two
    assert "milk" in await say(running, a, "add milk to the shopping list")
    assert "timer" in (await say(running, a, "set a timer for 10 minutes")).lower()
    assert "empty" in await say(running, b, "what's on my shopping list")
    assert "milk" not in await say(running, b, "what's on the shopping list")
    said = await say(running, b, "cancel my timer")
    assert "no timer" in said.lower() or "don't have" in said.lower(), said
    assert "bread" in await say(running, b, "add bread to the shopping list")
    assert "milk" in (a_list := await say(running, a, "what's on my shopping list")) and "bread" not in a_list

    async with running.ctx.household.db.transaction() as session:
        rows = (await session.scalars(select(ListItem))).all()
        timers = (await session.scalars(select(Timer))).all()
    assert sorted((r.household_id, r.item) for r in rows) == sorted([("default", "milk"), (b.id, "bread")])
    assert [(t.household_id, t.state) for t in timers] == [("default", "running")]  # B's cancel touched nothing


async def test_memory_facts_are_the_households_own(two) -> None:  # type: ignore[no-untyped-def]
    running, a, b = two
    skill = MemorySkill(Memory(running.ctx.household.db))
    await skill.call(
        "memory_remember", {"text": "my sister is called Ana"}, SkillContext(who=Person(household_id=a.id))
    )
    theirs = await skill.call("memory_list", {}, SkillContext(who=Person(household_id=b.id)))
    assert "Ana" not in theirs.speech
    forgot = await skill.call(
        "memory_forget", {"query": "my sister is called Ana"}, SkillContext(who=Person(household_id=b.id))
    )
    assert not forgot.ok
    ours = await skill.call("memory_list", {}, SkillContext(who=Person(household_id=a.id)))
    assert "Ana" in ours.speech


async def test_an_admin_token_sees_and_changes_only_its_household(two) -> None:  # type: ignore[no-untyped-def]
    running, a, b = two
    await say(running, a, "add eggs to the shopping list")
    await say(running, b, "what time is it")
    status, body = await admin(running, a.admin, "POST", "/members", {"name": "Ana", "admin": True})
    assert status == 201
    ana = body["member"]["id"]

    status, body = await admin(running, b.admin, "GET", "/household")
    assert status == 200 and body["household"]["id"] == b.id
    assert [d["device_id"] for d in body["devices"]] == [b.device_id] and body["members"] == []
    status, body = await admin(running, b.admin, "GET", "/transcripts")
    said = [t["transcript"] for t in body["transcripts"]]
    assert status == 200 and said == ["what time is it"]
    status, body = await admin(running, a.admin, "GET", "/transcripts")
    assert [t["transcript"] for t in body["transcripts"]] == ["add eggs to the shopping list"]

    # the other household's real ids, and guessed ones: not found, nothing changed
    for method, path, payload in [
        ("GET", f"/members/{ana}", None),
        ("PATCH", f"/members/{ana}", {"age": 9}),
        ("DELETE", f"/members/{ana}", None),
        ("POST", f"/members/{ana}/voice", None),
        ("PATCH", f"/devices/{a.device_id}", {"kids_mode": True}),
        ("DELETE", f"/devices/{a.device_id}", None),
        ("GET", "/members/m-00000000", None),
        ("DELETE", "/devices/dev-00000000", None),
    ]:
        status, body = await admin(running, b.admin, method, path, payload)
        assert status == 404, (method, path, status, body)
    status, body = await admin(running, b.admin, "GET", "/transcripts?device=" + a.device_id)
    assert body["transcripts"] == []
    status, body = await admin(running, a.admin, "GET", f"/members/{ana}")
    assert status == 200 and body["member"]["age"] is None
    assert await running.ctx.household.paired_devices.authenticate(a.token) is not None  # not revoked

    # a household connects its own Home Assistant: the URL is shown, the token never is, and the
    # other household's settings are untouched
    status, body = await admin(
        running, b.admin, "PATCH", "/household", {"smart_home": "http://ha.b.lan:8123", "smart_home_token": "b-secret"}
    )
    assert status == 200 and body["household"]["smart_home"] == "http://ha.b.lan:8123"
    assert "b-secret" not in json.dumps(body)
    status, body = await admin(running, b.admin, "PATCH", "/household", {"smart_home": "ha.b.lan"})
    assert status == 400 and "http" in body["message"]
    people = running.ctx.household.people
    assert await people.smart_home_connection(b.id) == ("http://ha.b.lan:8123", "b-secret")
    assert await people.smart_home_connection(a.id) is None
    status, body = await admin(running, a.admin, "GET", "/household")
    assert body["household"]["smart_home"] is None and "b-secret" not in json.dumps(body)

    # no token, a device token, the other household's token in place of one's own
    assert (await admin(running, "", "GET", "/household"))[0] == 401
    assert (await admin(running, a.token, "GET", "/household"))[0] == 401
    assert (await admin(running, "x" * 43, "GET", "/members"))[0] == 401


async def test_a_device_token_runs_its_session_in_its_own_household(two) -> None:  # type: ignore[no-untyped-def]
    running, _, b = two
    async with await client.connect(running.ws, b.token) as s:
        assert s.ready.device_id == b.device_id
        result = await s.ask_text("add tea to the shopping list", speak=False)
        assert "tea" in result.turn.reply
    async with running.ctx.household.db.transaction() as session:
        rows = (await session.scalars(select(ListItem))).all()
    assert [(r.household_id, r.item) for r in rows] == [(b.id, "tea")]


async def test_revoking_a_device_from_the_admin_api_closes_its_connection(two) -> None:  # type: ignore[no-untyped-def]
    running, a, _ = two
    async with await client.connect(running.ws, a.token) as s:
        status, body = await admin(running, a.admin, "DELETE", f"/devices/{a.device_id}")
        assert status == 200 and body == {"revoked": a.device_id}
        while (item := await s.next()) is not None:
            if isinstance(item, messages.Bye):
                assert item.reason == "revoked"
    with pytest.raises(client.ClientError):
        await client.connect(running.ws, a.token)

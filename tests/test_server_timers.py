"""Timers ring on the device that set them, over that device's connection; one that rings
while its device is offline waits and rings when it reconnects."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from hark import client
from hark.server import messages
from hark.store.models import Timer
from tests.server_harness import served_household, wait_for


@pytest.fixture
async def srv(settings, engines, tmp_path: Path, no_leaked_tasks: None):  # type: ignore[no-untyped-def]
    async with served_household(settings, engines, tmp_path) as served:
        yield served


async def stream_silence(s: client.Session) -> None:
    """A quiet room, sent like a microphone would (until cancelled)."""
    async for frame in client.pcm_frames(np.zeros(16000 * 120, np.int16)):
        await s.send_raw(frame)


async def hands_free_until(s: client.Session, heard_ring: asyncio.Event | None) -> float:
    """Listen hands-free to a quiet room. With ``heard_ring``: until ring audio arrives, then say
    stop; without: until told to stop. Returns the seconds of audio the device was sent."""
    await s.send_raw(json.dumps({"type": "start", "start_stage": "wake"}))
    mic = asyncio.create_task(stream_silence(s))
    seconds, rate = 0.0, 16000
    try:
        while True:
            item = await s.next()
            assert item is not None, "the connection closed"
            if isinstance(item, messages.AudioStart):
                rate = item.rate
            elif isinstance(item, bytes):
                seconds += len(item) / 2 / rate
                if heard_ring is not None and seconds > 0.5 and not heard_ring.is_set():
                    heard_ring.set()
                    await s.send_raw(json.dumps({"type": "stop"}))
                    await s.send_raw(json.dumps({"type": "audio-end"}))
            elif isinstance(item, messages.Done):
                return seconds
    finally:
        mic.cancel()
        await asyncio.gather(mic, return_exceptions=True)


async def timer_states(household) -> list[str]:  # type: ignore[no-untyped-def]
    async with household.db.transaction() as session:
        return [t.state for t in (await session.execute(select(Timer))).scalars().all()]


async def test_a_timer_rings_on_the_device_that_set_it(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, kitchen_token = await devices.add("kitchen")
    _, hall_token = await devices.add("hall")
    async with (
        await client.connect(running.ws, kitchen_token) as kitchen,
        await client.connect(running.ws, hall_token) as hall,
    ):
        r = await kitchen.ask_text("set a tea timer for 2 seconds", speak=False)
        assert r.reply is not None and "2 second" in r.reply
        rang = asyncio.Event()
        hall_task = asyncio.create_task(hands_free_until(hall, None))
        kitchen_heard = await hands_free_until(kitchen, rang)
        await hall.send_raw(json.dumps({"type": "audio-end"}))
        hall_heard = await hall_task
    assert kitchen_heard > 0.5  # the chime and "your tea timer is done" (at least in part)
    assert hall_heard == 0.0  # nothing rang in the hall
    assert await timer_states(running.ctx.household) == ["done"]  # "stop" acknowledged it


async def test_a_timer_that_rings_while_its_device_is_offline_rings_when_it_reconnects(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with await client.connect(running.ws, token) as kitchen:
        r = await kitchen.ask_text("set a pasta timer for 1 second", speak=False)
        assert r.reply is not None and "1 second" in r.reply
    await wait_for(lambda: not running.ctx.connections, what="the kitchen went offline")
    household = running.ctx.household
    states: list[str] = []

    async def ringing() -> bool:
        states[:] = await timer_states(household)
        return states == ["ringing"]

    async with asyncio.timeout(60):
        while not await ringing():  # noqa: ASYNC110 - polls the database
            await asyncio.sleep(0.05)
    async with await client.connect(running.ws, token) as kitchen:
        heard = await hands_free_until(kitchen, asyncio.Event())
    assert heard > 0.5
    assert await timer_states(household) == ["done"]


async def test_an_idle_push_to_talk_device_rings_and_stop_silences_it(srv) -> None:  # type: ignore[no-untyped-def]
    """No run under way (a push-to-talk page between turns): the timer rings at once; a run
    silences it while it runs; "stop" ends it (audio-clear) and the timer is done."""
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with await client.connect(running.ws, token) as kitchen:
        r = await kitchen.ask_text("set a tea timer for 1 second", speak=False)
        assert r.reply is not None and "1 second" in r.reply
        order: list[str] = []
        heard = 0.0
        rate = 16000
        while heard < 0.3:  # ringing, with no run under way
            item = await kitchen.next()
            assert item is not None
            order.append("audio" if isinstance(item, bytes) else item.type)
            if isinstance(item, messages.AudioStart):
                rate = item.rate
            elif isinstance(item, bytes):
                heard += len(item) / 2 / rate
        assert order[0] == "audio-start" and "done" not in order
        # a push-to-talk question while it rings: silenced for the run
        await kitchen.send_raw(
            json.dumps(
                {"type": "start", "start_stage": "brain", "end_stage": "brain", "text": "what is the date today"}
            )
        )
        during = []
        while (item := await kitchen.next()) is not None:
            during.append("audio" if isinstance(item, bytes) else item.type)
            if during[-1] == "done":
                break
        assert during[0] == "audio-clear" and "turn" in during
        # still not stopped: it rings again after the run; then "stop" ends the sound at once
        after: list[str] = []
        while "audio" not in after:
            item = await kitchen.next()
            assert item is not None
            after.append("audio" if isinstance(item, bytes) else item.type)
        await kitchen.send_raw(json.dumps({"type": "stop"}))
        while after[-1] != "audio-clear":
            item = await kitchen.next()
            assert item is not None
            after.append("audio" if isinstance(item, bytes) else item.type)
        assert after[0] == "audio-start" and "audio-stop" not in after
        await wait_for(
            lambda: all(c.session is not None and not c.session.ringer.ringing for c in running.ctx.connections)
        )
    assert await timer_states(running.ctx.household) == ["done"]


async def test_an_announcement_rings_on_the_named_device_only(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, kitchen_token = await devices.add("kitchen")
    _, hall_token = await devices.add("hall")
    _, office_token = await devices.add("office")
    async with (
        await client.connect(running.ws, kitchen_token) as kitchen,
        await client.connect(running.ws, hall_token) as hall,
        await client.connect(running.ws, office_token) as office,
    ):
        rang = asyncio.Event()
        kitchen_task = asyncio.create_task(hands_free_until(kitchen, rang))
        hall_task = asyncio.create_task(hands_free_until(hall, None))
        r = await office.ask_text("announce dinner is ready in the kitchen", speak=False)
        assert r.reply == "Okay, announcing in kitchen.", r.reply
        async with asyncio.timeout(60):
            kitchen_heard = await kitchen_task
        await hall.send_raw(json.dumps({"type": "audio-end"}))
        hall_heard = await hall_task
    assert kitchen_heard > 0.5  # the chime and "Dinner is ready." (at least in part)
    assert hall_heard == 0.0


async def test_when_a_devices_newer_connection_closes_the_older_one_rings(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with await client.connect(running.ws, token) as older:
        async with await client.connect(running.ws, token) as newer:
            r = await newer.ask_text("set an egg timer for 2 seconds", speak=False)
            assert r.reply is not None and "2 second" in r.reply
        await wait_for(lambda: len(running.ctx.connections) == 1, what="the newer connection closed")
        async with asyncio.timeout(30):  # held for a reconnect, it would never ring here
            heard = await hands_free_until(older, asyncio.Event())
    assert heard > 0.5  # it rang on the connection that is still open, not held for a reconnect
    assert await timer_states(running.ctx.household) == ["done"]

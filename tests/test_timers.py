"""Timers end to end through the registry: several, named, paused, adjusted, ringing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from hark.skills.base import SkillContext, ToolArgumentError
from hark.skills.timers import TimersSkill, duration_refusal, normalise_name
from hark.store import Timer
from hark.store.spoken import duration, timer_label
from tests.storefakes import Stack, open_stack


async def _states(stack: Stack) -> dict[str, str]:
    async with stack.db.transaction() as session:
        return {t.name: t.state for t in (await session.scalars(select(Timer))).all()}


async def test_named_timer_reports_time_left_and_rings(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        reply = await stack.call("timer_start", duration_s=600, name="pasta timer")
        assert reply.ok and reply.speech == "Pasta timer set for 10 minutes."
        stack.clock.advance(100)
        status = await stack.call("timer_status", name="pasta")
        assert status.speech == "8 minutes and 20 seconds left on the pasta timer."
        stack.clock.advance(499)
        await stack.settle()
        assert stack.announcer.announced == []
        stack.clock.advance(1)
        (ring,) = await stack.announcer.wait_for(1)
        assert (ring.device_id, ring.text, ring.chime, ring.repeat_until_stopped) == (
            "kitchen",
            "Your pasta timer is done.",
            True,
            True,
        )
        assert ring.key == f"timer:{reply.data['id']}"
        assert await _states(stack) == {"pasta": "ringing"}
        assert (await stack.call("timer_status")).speech == "The pasta timer is done."
        assert await stack.scheduler.acknowledge("kitchen") is True
        assert stack.announcer.stopped == [("kitchen", "")]
        assert await _states(stack) == {"pasta": "done"}
        assert await stack.scheduler.acknowledge("kitchen") is False


async def test_several_timers_at_once(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        assert (await stack.call("timer_start", duration_s=300)).speech == "Timer set for 5 minutes."
        await stack.call("timer_start", duration_s=300)
        await stack.call("timer_start", duration_s=90, name="Eggs")
        assert set(await _states(stack)) == {"5 minute", "second 5 minute", "eggs"}
        assert len(stack.scheduler.pending()) == 3
        status = await stack.call("timer_status")
        assert status.speech == (
            "You have 3 timers. The 5 minute timer has 5 minutes left. "
            "The second 5 minute timer has 5 minutes left. The eggs timer has 1 minute and 30 seconds left."
        )
        stack.clock.advance(90)
        assert (await stack.announcer.wait_for(1))[0].text == "Your eggs timer is done."
        stack.clock.advance(210)
        await stack.announcer.wait_for(3)
        assert sorted(stack.announcer.texts[1:]) == [
            "Your 5 minute timer is done.",
            "Your second 5 minute timer is done.",
        ]


async def test_a_second_timer_with_the_same_name_is_refused(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        await stack.call("timer_start", duration_s=600, name="pasta")
        again = await stack.call("timer_start", duration_s=60, name="the pasta timer")
        assert not again.ok
        assert again.speech == "You already have a pasta timer. 10 minutes left on the pasta timer."
        assert await _states(stack) == {"pasta": "running"}


async def test_a_new_timer_replaces_a_ringing_one_of_the_same_name(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        first = await stack.call("timer_start", duration_s=60, name="pasta")
        stack.clock.advance(60)
        await stack.announcer.wait_for(1)  # it rings
        again = await stack.call("timer_start", duration_s=480, name="pasta")
        assert again.ok and again.speech == "Pasta timer set for 8 minutes."
        assert ("kitchen", f"timer:{first.data['id']}") in stack.announcer.stopped  # the old one is silenced
        async with stack.db.transaction() as session:
            states = sorted((t.id, t.state) for t in (await session.scalars(select(Timer))).all())
        assert states == [(first.data["id"], "done"), (again.data["id"], "running")]


async def test_timers_belong_to_their_device(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        await stack.call("timer_start", duration_s=600, name="pasta")
        assert (await stack.call("timer_status", device_id="bedroom")).speech == "You don't have any timers."
        stack.clock.advance(600)
        assert (await stack.announcer.wait_for(1))[0].device_id == "kitchen"
        assert await stack.scheduler.acknowledge("bedroom") is False
        assert await _states(stack) == {"pasta": "ringing"}


async def test_pause_resume_arithmetic(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        await stack.call("timer_start", duration_s=600, name="pasta")
        stack.clock.advance(100)
        paused = await stack.call("timer_pause")
        assert paused.speech == "Pasta timer paused with 8 minutes and 20 seconds left."
        assert stack.scheduler.pending() == {}
        assert not (await stack.call("timer_pause", name="pasta")).ok
        stack.clock.advance(3600)  # a paused timer does not ring
        await stack.settle()
        assert stack.announcer.announced == []
        assert (
            await stack.call("timer_status")
        ).speech == "The pasta timer is paused with 8 minutes and 20 seconds left."
        resumed = await stack.call("timer_resume", name="pasta")
        assert resumed.speech == "Pasta timer resumed, 8 minutes and 20 seconds left."
        assert not (await stack.call("timer_resume")).ok
        stack.clock.advance(499)
        await stack.settle()
        assert stack.announcer.announced == []
        stack.clock.advance(1)
        assert (await stack.announcer.wait_for(1))[0].text == "Your pasta timer is done."


async def test_adjust_adds_and_removes_time(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        await stack.call("timer_start", duration_s=300, name="pasta")
        more = await stack.call("timer_adjust", delta_s=120)
        assert more.speech == "Added 2 minutes to the pasta timer, 7 minutes left."
        less = await stack.call("timer_adjust", delta_s=-60, name="pasta")
        assert less.speech == "Took 1 minute off the pasta timer, 6 minutes left."
        too_much = await stack.call("timer_adjust", delta_s=-600)
        assert not too_much.ok and too_much.speech == "The pasta timer only has 6 minutes left."
        too_long = await stack.call("timer_adjust", delta_s=86400)
        assert not too_long.ok and "24 hours" in too_long.speech
        await stack.call("timer_pause")
        paused = await stack.call("timer_adjust", delta_s=30)
        assert paused.speech == "Added 30 seconds to the pasta timer, 6 minutes and 30 seconds left."
        await stack.call("timer_resume")
        stack.clock.advance(389)
        await stack.settle()
        assert stack.announcer.announced == []
        stack.clock.advance(1)
        assert (await stack.announcer.wait_for(1))[0].text == "Your pasta timer is done."


async def test_ambiguous_requests_ask_which(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        await stack.call("timer_start", duration_s=600, name="pasta")
        await stack.call("timer_start", duration_s=300, name="eggs")
        question = await stack.call("timer_cancel")
        assert not question.ok
        assert question.speech == "Which timer do you want to cancel: the pasta timer or the eggs timer?"
        assert question.data["choices"] == ["pasta", "eggs"]
        assert (await stack.call("timer_pause")).speech.startswith("Which timer do you want to pause")
        assert (await stack.call("timer_adjust", delta_s=60)).speech.startswith("Which timer do you want to change")
        assert await _states(stack) == {"pasta": "running", "eggs": "running"}
        missing = await stack.call("timer_cancel", name="rice")
        assert not missing.ok and missing.speech == "You don't have a rice timer."
        assert (await stack.call("timer_cancel", name="eggs")).speech == "Eggs timer cancelled."
        assert (await stack.call("timer_cancel")).speech == "Pasta timer cancelled."  # now the only one
        assert await _states(stack) == {"pasta": "cancelled", "eggs": "cancelled"}
        assert stack.scheduler.pending() == {}
        assert (await stack.call("timer_cancel")).speech == "You don't have any timers."


async def test_cancel_all_stops_a_ringing_one_too(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        first = await stack.call("timer_start", duration_s=60, name="tea")
        await stack.call("timer_start", duration_s=600, name="pasta")
        stack.clock.advance(60)
        await stack.announcer.wait_for(1)
        reply = await stack.call("timer_cancel", all=True)
        assert reply.speech == "All 2 timers cancelled."
        assert ("kitchen", f"timer:{first.data['id']}") in stack.announcer.stopped
        assert await _states(stack) == {"tea": "done", "pasta": "cancelled"}
        stack.clock.advance(600)
        await stack.settle()
        assert len(stack.announcer.announced) == 1


async def test_cancel_without_a_name_means_the_ringing_one(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        await stack.call("timer_start", duration_s=60, name="tea")
        await stack.call("timer_start", duration_s=600, name="pasta")
        stack.clock.advance(60)
        await stack.announcer.wait_for(1)
        assert (await stack.call("timer_cancel")).speech == "Tea timer cancelled."
        assert stack.announcer.ringing == set()
        assert await _states(stack) == {"tea": "done", "pasta": "running"}


@pytest.mark.parametrize(("seconds", "said"), [(-300, "negative"), (0, "zero"), (900 * 86400, "24 hours")])
async def test_impossible_durations_are_refused_and_nothing_is_stored(tmp_path: Path, seconds: int, said: str) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        with pytest.raises(ToolArgumentError):  # the schema bounds it for callers going through the registry
            await stack.call("timer_start", duration_s=seconds)
        skill = TimersSkill(stack.db, stack.scheduler)  # the skill explains itself when asked directly
        reply = await skill.call("timer_start", {"duration_s": seconds}, SkillContext(now=stack.clock.now))
        assert not reply.ok and said in reply.speech
        assert duration_refusal(seconds) == reply.speech
        async with stack.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(Timer)) == 0
        assert stack.scheduler.pending() == {}


async def test_tool_schemas_are_strict(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db") as stack:
        with pytest.raises(ToolArgumentError):
            await stack.call("timer_start", duration_s=60, colour="red")
        with pytest.raises(ToolArgumentError):
            await stack.call("timer_adjust", name="pasta")
        for tool in stack.registry.tools:
            if tool.name.startswith("timer_"):
                assert tool.parameters["additionalProperties"] is False


def test_spoken_forms() -> None:
    assert duration(500) == "8 minutes and 20 seconds"
    assert duration(499.2) == "8 minutes and 20 seconds"
    assert duration(3725) == "1 hour and 2 minutes"
    assert duration(1) == "1 second"
    assert [timer_label(s) for s in (300, 90, 30, 3600, 5400, 605)] == [
        "5 minute",
        "90 second",
        "30 second",
        "1 hour",
        "1 hour 30 minute",
        "10 minute 5 second",
    ]
    assert normalise_name("The Pasta Timer.") == "pasta"
    assert normalise_name(None) == ""

"""Announcements on other devices: "announce dinner is ready in the kitchen" rings on the kitchen's
device (chime, then the words), and waits while that device is offline."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from hark.config import Settings
from hark.household import Household
from hark.session import DeviceSession
from hark.skills.announce import AnnounceSkill, Target
from hark.skills.base import Announcement, SkillContext


class Heard:
    """A device's announcer that records what it was asked to say."""

    def __init__(self) -> None:
        self.said: list[Announcement] = []

    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        self.said.append(Announcement(text, chime, repeat_until_stopped))

    async def stop(self, device_id: str, key: str = "") -> bool:
        return False


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        self.calls.append((device_id, text))

    async def stop(self, device_id: str, key: str = "") -> bool:
        return False


HOME = [Target("dev-k", "kitchen speaker", "kitchen"), Target("dev-o", "office tab", "office"), Target("dev-l", "", "")]


def skill(devices: Sequence[Target] = HOME) -> tuple[AnnounceSkill, Recorder]:
    recorder = Recorder()

    async def targets(household_id: str) -> Sequence[Target]:
        return devices

    return AnnounceSkill(recorder, targets), recorder


async def test_a_room_or_a_device_name_picks_the_device() -> None:
    s, rec = skill()
    r = await s.call(
        "announce", {"message": "dinner is ready", "target": "the kitchen"}, SkillContext(device_id="dev-o")
    )
    assert r.ok and r.speech == "Okay, announcing in kitchen."
    assert rec.calls == [("dev-k", "Dinner is ready.")]
    r = await s.call("announce", {"message": "that the car is here!", "target": "Office tab"}, SkillContext())
    assert rec.calls[-1] == ("dev-o", "The car is here!")


async def test_no_target_is_every_other_device() -> None:
    s, rec = skill()
    r = await s.call("announce", {"message": "we're leaving"}, SkillContext(device_id="dev-k"))
    assert r.ok and sorted(d for d, _ in rec.calls) == ["dev-l", "dev-o"]  # not the one asking
    rec.calls.clear()
    await s.call("announce", {"message": "we're leaving", "target": "everyone"}, SkillContext(device_id="dev-k"))
    assert sorted(d for d, _ in rec.calls) == ["dev-l", "dev-o"]


async def test_an_unknown_room_is_said_and_nothing_rings() -> None:
    s, rec = skill()
    r = await s.call("announce", {"message": "hello", "target": "garage"}, SkillContext())
    assert not r.ok and r.speech.startswith("I don't know a device in garage.") and "kitchen" in r.speech
    assert rec.calls == []
    s, rec = skill([Target("local")])
    r = await s.call("announce", {"message": "hello"}, SkillContext(device_id="local"))
    assert not r.ok and rec.calls == []


@pytest.fixture
async def home(settings: Settings, tmp_path: Path, no_leaked_tasks: None) -> AsyncIterator[Household]:
    s = dataclasses.replace(settings, data_dir=tmp_path).replace(
        home_assistant={"url": "", "token": ""}, llm={"backend": "off"}
    )
    household = await Household.open(s)
    try:
        yield household
    finally:
        await household.close()


async def paired(household: Household, name: str, room: str) -> str:
    code = await household.paired_devices.start_pairing(name=name, room=room)
    return (await household.paired_devices.pair(code.code)).device_id


@pytest.mark.parametrize(
    ("said", "where", "message"),
    [
        ("announce dinner is ready in the kitchen", "kitchen", "Dinner is ready."),
        ("Broadcast that the movie starts in five minutes to the living room", "living room", None),
        ("announce in the kitchen that the pizza is here", "kitchen", "The pizza is here."),
        ("let the kitchen know that I'm on my way", "kitchen", "I'm on my way."),
    ],
)
async def test_spoken_announcements_ring_on_the_named_device_even_after_it_reconnects(
    home: Household,
    engines,
    said: str,
    where: str,
    message: str | None,  # type: ignore[no-untyped-def]
) -> None:
    kitchen = await paired(home, "kitchen speaker", "kitchen")
    living = await paired(home, "tv", "living room")
    office = await paired(home, "office tab", "office")
    asking = DeviceSession(home.settings, engines, home.brain(), device_id=office)
    result = await asking.ask_text(said, None)
    assert result.ok, result.trace.summary()
    assert result.reply is not None and result.reply.brain == "classic" and result.reply.intent == "HarkAnnounce"
    assert result.reply.text == f"Okay, announcing in {where}."
    target = kitchen if where == "kitchen" else living
    heard = Heard()
    await home.hub.attach(target, heard)  # the device was offline when it was said: it hears it now
    assert len(heard.said) == 1 and heard.said[0].chime and not heard.said[0].repeat
    if message is not None:
        assert heard.said[0].text == message
    other = Heard()
    await home.hub.attach(office, other)
    assert other.said == []  # only the named device


async def test_an_announcement_to_everyone_skips_the_device_that_asked(home: Household, engines) -> None:  # type: ignore[no-untyped-def]
    kitchen = await paired(home, "kitchen speaker", "kitchen")
    office = await paired(home, "office tab", "office")
    asking = DeviceSession(home.settings, engines, home.brain(), device_id=office)
    result = await asking.ask_text("announce that the car is here", None)
    assert result.reply is not None and result.reply.text == "Okay, announcing on the other device."
    heard, mine = Heard(), Heard()
    await home.hub.attach(kitchen, heard)
    await home.hub.attach(office, mine)
    assert [a.text for a in heard.said] == ["The car is here."] and mine.said == []

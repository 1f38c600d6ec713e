"""Whole floors, "everything" and "all the lights" in the smart home skill (against the fake Home Assistant),
and the words that reach them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bench.intents import NOW
from hark.homeauto.homeassistant import HomeAssistantClient
from hark.nlu import IntentRecognizer, ToolCall, first_tool_call
from hark.skills.base import SkillContext
from hark.skills.smarthome import SmartHomeSkill
from tests.fake_homeassistant import FakeHomeAssistant

TOKEN = "good-token"
ASK = SkillContext()


@pytest.fixture
async def fake_ha(no_leaked_tasks: None) -> AsyncIterator[FakeHomeAssistant]:
    ha = FakeHomeAssistant(token=TOKEN)
    await ha.start()
    yield ha
    await ha.close()


@pytest.fixture
async def skill(fake_ha: FakeHomeAssistant) -> AsyncIterator[SmartHomeSkill]:
    s = SmartHomeSkill(HomeAssistantClient(fake_ha.url, TOKEN, timeout_s=2.0), None)
    yield s
    await s.close()


async def test_all_the_lights_in_the_house(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("device_turn_off", {"domain": "light", "everywhere": True}, ASK)
    assert result.ok, result.speech
    assert fake_ha.calls == [
        (
            "light",
            "turn_off",
            {"entity_id": ["light.kitchen_ceiling", "light.kitchen_spots", "light.living_room_lamp"]},
        )
    ]


async def test_everything_in_a_room(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("device_turn_off", {"domain": "all", "area": "living room"}, ASK)
    assert result.ok, result.speech
    # every device that turns on and off there (the thermostat too), never the scene
    assert sorted(fake_ha.calls) == [
        ("climate", "turn_off", {"entity_id": "climate.thermostat"}),
        ("light", "turn_off", {"entity_id": "light.living_room_lamp"}),
    ]


async def test_everything_without_a_room_asks(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("device_turn_off", {"domain": "all"}, ASK)
    assert (result.ok, result.speech) == (False, "Which room? Or say all the devices in the house.")
    assert fake_ha.calls == []


async def test_everything_here_is_the_speakers_room(fake_ha: FakeHomeAssistant) -> None:
    skill = SmartHomeSkill(HomeAssistantClient(fake_ha.url, TOKEN), None, default_area="kitchen")
    try:
        assert (await skill.call("device_turn_off", {"domain": "all"}, ASK)).ok
        assert fake_ha.calls == [("light", "turn_off", {"entity_id": ["light.kitchen_ceiling", "light.kitchen_spots"]})]
    finally:
        await skill.close()


@pytest.mark.parametrize(
    ("arguments", "speech"),
    [
        ({"floor": "upstairs", "domain": "all"}, "I don't know which rooms are upstairs yet."),
        ({"floor": "first floor", "domain": "light"}, "I don't know which rooms are on the first floor yet."),
    ],
)
async def test_a_floor_it_cannot_place_does_nothing(
    skill: SmartHomeSkill, fake_ha: FakeHomeAssistant, arguments: dict[str, Any], speech: str
) -> None:
    result = await skill.call("device_turn_on", arguments, ASK)
    assert (result.ok, result.speech) == (False, speech)
    assert fake_ha.calls == []


async def test_a_floor_named_like_an_area(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("device_turn_on", {"floor": "hallway", "domain": "light"}, ASK)
    assert (result.ok, result.speech) == (False, "There are no lights in the Hallway.")
    result = await skill.call("device_turn_on", {"floor": "kitchen", "domain": "light"}, ASK)
    assert result.ok


def test_the_tool_schema_takes_them() -> None:
    schema = next(t for t in SmartHomeSkill(None, None).tools if t.name == "device_turn_off").parameters
    assert {"floor", "everywhere", "domain", "name", "area"} <= set(schema["properties"])


@pytest.mark.parametrize(
    ("text", "call"),
    [
        ("switch off everything upstairs", ToolCall("device_turn_off", {"floor": "upstairs", "domain": "all"})),
        ("turn off all the lights", ToolCall("device_turn_off", {"everywhere": True, "domain": "light"})),
        ("turn off every light in the house", ToolCall("device_turn_off", {"everywhere": True, "domain": "light"})),
        ("turn off the lights", ToolCall("device_turn_off", {"domain": "light"})),
        ("lights on downstairs", ToolCall("device_turn_on", {"floor": "downstairs", "domain": "light"})),
        ("switch everything off in the kitchen", ToolCall("device_turn_off", {"area": "kitchen", "domain": "all"})),
        (
            "turn off all lights on the first floor",
            ToolCall("device_turn_off", {"floor": "first floor", "domain": "light"}),
        ),
        ("set the heating to 20.5", ToolCall("climate_set", {"temperature": 20.5})),
        ("pull down the blinds", ToolCall("cover_set", {"name": "blinds", "action": "close"})),
        ("dim the lights", ToolCall("light_set", {})),  # the skill asks what to set them to
    ],
)
def test_words_to_calls(text: str, call: ToolCall) -> None:
    recognizer = IntentRecognizer("en")
    assert first_tool_call(recognizer.candidates(text), NOW) == call


@pytest.mark.parametrize(
    "text",
    [
        "turn on your brain",
        "put on a jacket",
        "turn on the",
        "turn off the oven timer in 5 minutes",
        "activate my account",
    ],
)
def test_what_is_not_a_device(text: str) -> None:
    recognizer = IntentRecognizer("en")
    result = first_tool_call(recognizer.candidates(text), NOW)
    assert result is None or result.tool.startswith("timer")  # type: ignore[union-attr]


async def test_everything_here_needs_a_room_the_home_has(fake_ha: FakeHomeAssistant) -> None:
    skill = SmartHomeSkill(HomeAssistantClient(fake_ha.url, TOKEN), None, default_area="attic")
    try:
        result = await skill.call("device_turn_off", {"domain": "all"}, ASK)
        assert (result.ok, result.speech) == (False, "Which room? Or say all the devices in the house.")
        assert fake_ha.calls == []
    finally:
        await skill.close()

"""Smart home skill against a fake Home Assistant (aiohttp.web) and a real Mosquitto broker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from hark.config import Settings
from hark.errors import ConfigError
from hark.homeauto.entities import Area, Entity, Home
from hark.homeauto.homeassistant import HomeAssistantAuthError, HomeAssistantClient
from hark.homeauto.mqtt import MqttDevices, load_mqtt_devices
from hark.skills.base import ServiceUnavailableError, SkillContext
from hark.skills.registry import SkillRegistry
from hark.skills.smarthome import SmartHomeSkill, build_smarthome
from tests.fake_homeassistant import FakeHomeAssistant
from tests.mqtt_broker import Broker, free_port, running_mosquitto

DEVICES_FILE = Path(__file__).parent / "data" / "mqtt_devices.toml"
TOKEN = "good-token"
ASK = SkillContext()
YES = SkillContext(confirmed=True)


# -- fixtures -------------------------------------------------------------------------------------
# They request no_leaked_tasks themselves so that its check runs after they have closed everything.


@pytest.fixture
async def fake_ha(no_leaked_tasks: None) -> AsyncIterator[FakeHomeAssistant]:
    ha = FakeHomeAssistant(token=TOKEN)
    await ha.start()
    yield ha
    await ha.close()


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    with running_mosquitto(tmp_path_factory.mktemp("mosquitto")) as b:
        yield b


def mqtt_devices(url: str, **kwargs: Any) -> MqttDevices:
    return MqttDevices(url, load_mqtt_devices(DEVICES_FILE), timeout_s=2.0, **kwargs)


@pytest.fixture
async def skill(fake_ha: FakeHomeAssistant) -> AsyncIterator[SmartHomeSkill]:
    s = SmartHomeSkill(HomeAssistantClient(fake_ha.url, TOKEN, timeout_s=2.0), None)
    yield s
    await s.close()


@pytest.fixture
async def both(fake_ha: FakeHomeAssistant, broker: Broker) -> AsyncIterator[SmartHomeSkill]:
    s = SmartHomeSkill(HomeAssistantClient(fake_ha.url, TOKEN, timeout_s=2.0), mqtt_devices(broker.url))
    yield s
    await s.close()


@pytest.fixture
async def mqtt_only(broker: Broker, no_leaked_tasks: None) -> AsyncIterator[SmartHomeSkill]:
    s = SmartHomeSkill(None, mqtt_devices(broker.url, state_wait_s=0.3))
    yield s
    await s.close()


class Subscriber:
    """Collects what the broker delivers on ``hark-test/#`` (QoS 1)."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client

    async def next(self, wait: float = 3.0) -> aiomqtt.Message:
        async with asyncio.timeout(wait):
            return await anext(aiter(self.client.messages))

    async def nothing(self, wait: float = 0.3) -> None:
        with pytest.raises(TimeoutError):
            await self.next(wait)


@pytest.fixture
async def subscriber(broker: Broker, no_leaked_tasks: None) -> AsyncIterator[Subscriber]:
    async with aiomqtt.Client(broker.host, broker.port, timeout=2.0) as client:
        await client.subscribe("hark-test/+/+/set", qos=1)
        await client.subscribe("hark-test/+/+/+/set", qos=1)
        yield Subscriber(client)


# -- Home Assistant: names, areas, services ------------------------------------------------------


async def test_turn_on_by_name(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("device_turn_on", {"name": "kitchen ceiling light"}, ASK)
    assert result.ok
    assert result.speech == "Turned on the Kitchen Ceiling Light."
    assert fake_ha.calls == [("light", "turn_on", {"entity_id": "light.kitchen_ceiling"})]
    assert fake_ha.states["light.kitchen_ceiling"]["state"] == "on"


@pytest.mark.parametrize(
    "arguments",
    [
        {"name": "kitchen lights"},
        {"name": "the lights in the kitchen"},
        {"name": "lights", "area": "Kitchen"},
        {"area": "kitchen"},
        {"area": "kitchen", "domain": "light"},
    ],
)
async def test_turn_off_by_area_reaches_every_light_there(
    skill: SmartHomeSkill, fake_ha: FakeHomeAssistant, arguments: dict[str, Any]
) -> None:
    result = await skill.call("device_turn_off", arguments, ASK)
    assert result.ok, result.speech
    # The ceiling light's area comes from its device; the spots' own area overrides their device's.
    assert fake_ha.calls == [
        ("light", "turn_off", {"entity_id": ["light.kitchen_ceiling", "light.kitchen_spots"]}),
    ]
    assert result.speech == "Turned off the Kitchen Ceiling Light and the Kitchen Spots."


async def test_entity_area_overrides_device_area(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    await skill.call("device_turn_off", {"name": "lounge lights"}, ASK)  # an area alias
    assert fake_ha.calls == [("light", "turn_off", {"entity_id": "light.living_room_lamp"})]


async def test_bare_kind_is_ambiguous_without_default_area(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("device_turn_on", {"name": "the lights"}, ASK)
    assert not result.ok
    assert result.speech == "Which lights? There are some in the Kitchen and Living Room."
    assert fake_ha.calls == []


async def test_bare_kind_uses_default_area(fake_ha: FakeHomeAssistant) -> None:
    client = HomeAssistantClient(fake_ha.url, TOKEN)
    living = SmartHomeSkill(client, None, default_area="living room")
    try:
        assert (await living.call("device_turn_on", {"name": "lights"}, ASK)).ok
        assert fake_ha.calls == [("light", "turn_on", {"entity_id": "light.living_room_lamp"})]
        living.default_area = "bedroom"
        result = await living.call("device_turn_on", {"name": "lights"}, ASK)
        assert (result.ok, result.speech) == (False, "There are no lights in the Bedroom.")
    finally:
        await living.close()


async def test_brightness_and_colour(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("light_set", {"name": "living room lamp", "brightness": 40}, ASK)
    assert result.speech == "Set the Living Room Lamp to 40%."
    result = await skill.call("light_set", {"name": "lamp", "area": "living room", "color": "Red"}, ASK)
    assert result.speech == "Set the Living Room Lamp to red."
    assert fake_ha.calls == [
        ("light", "turn_on", {"entity_id": "light.living_room_lamp", "brightness_pct": 40}),
        ("light", "turn_on", {"entity_id": "light.living_room_lamp", "color_name": "red"}),
    ]


async def test_cover_position_and_action(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("cover_set", {"name": "bedroom blinds", "position": 50}, ASK)
    assert (result.ok, result.speech) == (True, "Setting the Bedroom Blinds to 50%.")
    # "blinds" never reaches the garage door, and opening blinds needs no confirmation.
    result = await skill.call("cover_set", {"name": "blinds", "action": "open"}, ASK)
    assert (result.ok, result.speech) == (True, "Opening the Bedroom Blinds.")
    assert fake_ha.calls == [
        ("cover", "set_cover_position", {"entity_id": "cover.bedroom_blinds", "position": 50}),
        ("cover", "open_cover", {"entity_id": "cover.bedroom_blinds"}),
    ]


async def test_climate_temperature(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("climate_set", {"name": "thermostat", "temperature": 21.5}, ASK)
    assert (result.ok, result.speech) == (True, "Set the Thermostat to 21.5 degrees.")
    assert fake_ha.calls == [("climate", "set_temperature", {"entity_id": "climate.thermostat", "temperature": 21.5})]
    result = await skill.call("climate_set", {"area": "living room", "temperature": 19}, ASK)
    assert result.speech == "Set the Thermostat to 19 degrees."


async def test_scene(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("scene_activate", {"name": "Movie night"}, ASK)
    assert (result.ok, result.speech) == (True, "Activated Movie Night.")
    assert fake_ha.calls == [("scene", "turn_on", {"entity_id": "scene.movie_night"})]


async def test_device_state(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    lamp = await skill.call("device_state", {"name": "living room lamp"}, ASK)
    assert lamp.speech == "The Living Room Lamp is on at 50% brightness."
    thermostat = await skill.call("device_state", {"name": "thermostat"}, ASK)
    assert thermostat.speech == "The Thermostat is set to heat at 20 degrees. It's 19.5 degrees now."
    door = await skill.call("device_state", {"name": "front door"}, ASK)
    assert door.speech == "The Front Door is locked."
    blinds = await skill.call("device_state", {"name": "bedroom blinds"}, ASK)
    assert blinds.speech == "The Bedroom Blinds are open at 30%."
    assert fake_ha.calls == []


async def test_unknown_device_makes_no_call(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    result = await skill.call("device_turn_on", {"name": "toaster"}, ASK)
    assert (result.ok, result.speech) == (False, "I couldn't find a device called toaster.")
    unknown_area = await skill.call("device_turn_on", {"area": "attic"}, ASK)
    assert (unknown_area.ok, unknown_area.speech) == (False, "I don't know an area called attic.")
    # A sensor is not a device one turns on, and a lock is not turned on: no call either way.
    sensor = await skill.call("device_turn_on", {"name": "kitchen temperature"}, ASK)
    assert not sensor.ok
    lock = await skill.call("device_turn_on", {"name": "front door"}, ASK)
    assert (lock.ok, lock.speech) == (False, "I can't do that with the Front Door.")
    garage = await skill.call("device_turn_on", {"name": "garage"}, ASK)  # an area without lights
    assert (garage.ok, garage.speech) == (False, "There are no lights in the Garage.")
    assert fake_ha.calls == []


async def test_registry_is_cached_and_refreshed(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    assert skill.entity_names() == []  # nothing loaded yet
    await skill.call("device_turn_on", {"name": "kitchen ceiling light"}, ASK)
    await skill.call("device_turn_off", {"name": "kitchen ceiling light"}, ASK)
    assert fake_ha.ws_logins == 1
    names = skill.entity_names()
    assert ("Kitchen Ceiling Light", "Kitchen", "light") in names
    assert ("Garage Door", "Garage", "cover") in names
    assert not any(n.startswith(("Old Lamp", "Kitchen Temperature")) for n, _, _ in names)
    assert sorted(skill.areas()) == ["Bedroom", "Garage", "Hallway", "Kitchen", "Living Room"]
    await skill.refresh()
    assert fake_ha.ws_logins == 2


# -- dangerous actions need a spoken confirmation ---------------------------------------------------

DANGEROUS = [
    ("lock_set", {"name": "front door", "locked": False}, "unlock the Front Door", ("lock", "unlock")),
    ("cover_set", {"name": "garage door", "action": "open"}, "open the Garage Door", ("cover", "open_cover")),
    ("cover_set", {"area": "garage", "position": 40}, "open the Garage Door", ("cover", "set_cover_position")),
    ("alarm_panel_set", {"armed": False}, "disarm the Home Alarm", ("alarm_control_panel", "alarm_disarm")),
]


@pytest.mark.parametrize(("tool", "arguments", "what", "service"), DANGEROUS)
async def test_dangerous_actions_ask_first(
    skill: SmartHomeSkill,
    fake_ha: FakeHomeAssistant,
    tool: str,
    arguments: dict[str, Any],
    what: str,
    service: tuple[str, str],
) -> None:
    first = await skill.call(tool, arguments, ASK)
    assert not first.ok
    assert first.needs_confirmation == f"Do you really want to {what}?"
    assert fake_ha.calls == []
    second = await skill.call(tool, arguments, YES)
    assert second.ok, second.speech
    assert [c[:2] for c in fake_ha.calls] == [service]


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("lock_set", {"name": "front door", "locked": True}),
        ("cover_set", {"name": "garage door", "action": "close"}),
        ("alarm_panel_set", {"name": "home alarm", "armed": True}),
    ],
)
async def test_safe_directions_need_no_confirmation(
    skill: SmartHomeSkill, fake_ha: FakeHomeAssistant, tool: str, arguments: dict[str, Any]
) -> None:
    result = await skill.call(tool, arguments, ASK)
    assert result.ok and result.needs_confirmation is None
    assert len(fake_ha.calls) == 1


async def test_through_the_tool_registry(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    registry = SkillRegistry([skill])
    result = await registry.call("lock_set", {"name": "front door", "locked": False}, ASK)
    assert result.needs_confirmation == "Do you really want to unlock the Front Door?"
    assert skill.describe("lock_set", {"name": "front door", "locked": False}) == "unlock the Front Door"
    result = await registry.call("device_turn_on", {"name": "kitchen spots"}, ASK)
    assert result.ok
    assert fake_ha.calls == [("light", "turn_on", {"entity_id": "light.kitchen_spots"})]


# -- Home Assistant failures: spoken errors, nothing sent, nothing cached ------------------------------


async def test_home_assistant_unreachable(no_leaked_tasks: None) -> None:
    skill = SmartHomeSkill(HomeAssistantClient(f"http://127.0.0.1:{free_port()}", TOKEN, timeout_s=1.0), None)
    try:
        with pytest.raises(ServiceUnavailableError, match=r"^I can't reach Home Assistant right now\.$"):
            await skill.call("device_turn_on", {"name": "kitchen lights"}, ASK)
        assert skill.entity_names() == []
        with pytest.raises(ServiceUnavailableError, match="can't reach Home Assistant"):
            await skill.refresh()
    finally:
        await skill.close()


async def test_home_assistant_goes_away_after_loading(skill: SmartHomeSkill, fake_ha: FakeHomeAssistant) -> None:
    await skill.refresh()
    await fake_ha.close()
    with pytest.raises(ServiceUnavailableError, match="can't reach Home Assistant"):
        await skill.call("device_turn_on", {"name": "kitchen lights"}, ASK)
    assert skill.entity_names()  # the cache survives a failed call


async def test_bad_token(fake_ha: FakeHomeAssistant, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = HomeAssistantClient(fake_ha.url, "stolen-secret-token", timeout_s=2.0)
    skill = SmartHomeSkill(client, None)
    try:
        with pytest.raises(HomeAssistantAuthError, match=r"^Home Assistant refused the token\.$"):
            await skill.call("lock_set", {"name": "front door", "locked": True}, YES)
        with pytest.raises(HomeAssistantAuthError):  # REST refuses it too, before doing anything
            await client.call_service("lock", "lock", {"entity_id": "lock.front_door"})
        with pytest.raises(HomeAssistantAuthError):
            await client.states()
    finally:
        await skill.close()
    assert fake_ha.calls == []
    assert fake_ha.refused == 3
    assert skill.entity_names() == []
    assert "stolen-secret-token" not in caplog.text + repr(client)


# -- MQTT, against a real Mosquitto ------------------------------------------------------------------


async def test_mqtt_publish_seen_by_subscriber(mqtt_only: SmartHomeSkill, subscriber: Subscriber) -> None:
    result = await mqtt_only.call("device_turn_on", {"name": "desk lamp"}, ASK)
    assert (result.ok, result.speech) == (True, "Turned on the Desk Lamp.")
    msg = await subscriber.next()
    assert (str(msg.topic), msg.payload, msg.qos) == ("hark-test/office/desk_lamp/set", b"ON", 1)

    await mqtt_only.call("light_set", {"name": "desk lamp", "brightness": 30}, ASK)
    msg = await subscriber.next()
    assert (str(msg.topic), msg.payload) == ("hark-test/office/desk_lamp/brightness/set", b"30")

    await mqtt_only.call("device_turn_off", {"name": "coffee machine"}, ASK)  # an alias
    msg = await subscriber.next()
    assert (str(msg.topic), msg.payload) == ("hark-test/kitchen/coffee/set", b"OFF")


async def test_mqtt_cannot_do_what_a_device_does_not_support(mqtt_only: SmartHomeSkill, subscriber: Subscriber) -> None:
    result = await mqtt_only.call("light_set", {"name": "counter light", "brightness": 30}, ASK)
    assert (result.ok, result.speech) == (False, "The Counter Light doesn't take a brightness.")
    await subscriber.nothing()


async def test_mqtt_garage_door_needs_confirmation(mqtt_only: SmartHomeSkill, subscriber: Subscriber) -> None:
    first = await mqtt_only.call("cover_set", {"name": "shed door", "action": "open"}, ASK)
    assert first.needs_confirmation == "Do you really want to open the Shed Door?"
    await subscriber.nothing()
    second = await mqtt_only.call("cover_set", {"name": "shed door", "action": "open"}, YES)
    assert second.ok
    msg = await subscriber.next()
    assert (str(msg.topic), msg.payload) == ("hark-test/garden/shed_door/set", b"OPEN")


async def test_area_spans_home_assistant_and_mqtt(
    both: SmartHomeSkill, fake_ha: FakeHomeAssistant, subscriber: Subscriber
) -> None:
    result = await both.call("device_turn_on", {"name": "kitchen lights"}, ASK)
    assert result.ok
    assert result.speech == "Turned on the Kitchen Ceiling Light, the Kitchen Spots and the Counter Light."
    assert fake_ha.calls == [("light", "turn_on", {"entity_id": ["light.kitchen_ceiling", "light.kitchen_spots"]})]
    msg = await subscriber.next()
    assert (str(msg.topic), msg.payload) == ("hark-test/kitchen/counter/set", b"1")
    assert ("Counter Light", "Kitchen", "light") in both.entity_names()


async def test_mqtt_state_from_retained_message(mqtt_only: SmartHomeSkill, broker: Broker) -> None:
    async with aiomqtt.Client(broker.host, broker.port, timeout=2.0) as client:
        await client.publish("hark-test/office/desk_lamp/state", "ON", qos=1, retain=True)
    result = await mqtt_only.call("device_state", {"name": "desk lamp"}, ASK)
    assert result.speech == "The Desk Lamp is on."
    unknown = await mqtt_only.call("device_state", {"name": "shed door"}, ASK)  # nothing retained
    assert unknown.speech == "I don't know the state of the Shed Door."


async def test_mqtt_broker_unreachable(no_leaked_tasks: None) -> None:
    skill = SmartHomeSkill(None, mqtt_devices(f"mqtt://127.0.0.1:{free_port()}"))
    try:
        with pytest.raises(ServiceUnavailableError, match=r"^I can't reach the MQTT broker right now\.$"):
            await skill.call("device_turn_on", {"name": "desk lamp"}, ASK)
        with pytest.raises(ServiceUnavailableError, match="MQTT broker"):
            await skill.call("device_state", {"name": "desk lamp"}, ASK)
    finally:
        await skill.close()


async def test_mqtt_broker_refuses_login(tmp_path: Path, no_leaked_tasks: None) -> None:
    with running_mosquitto(tmp_path, anonymous=False) as closed:
        skill = SmartHomeSkill(None, mqtt_devices(closed.url))
        try:
            with pytest.raises(ServiceUnavailableError, match=r"^The MQTT broker refused Hark's login\.$"):
                await skill.call("device_turn_on", {"name": "desk lamp"}, ASK)
        finally:
            await skill.close()


async def test_mqtt_devices_still_work_without_home_assistant(broker: Broker, subscriber: Subscriber) -> None:
    ha = HomeAssistantClient(f"http://127.0.0.1:{free_port()}", TOKEN, timeout_s=1.0)
    skill = SmartHomeSkill(ha, mqtt_devices(broker.url))
    try:
        assert (await skill.call("device_turn_on", {"name": "desk lamp"}, ASK)).ok
        assert (await subscriber.next()).payload == b"ON"
        with pytest.raises(ServiceUnavailableError, match="Home Assistant"):  # it may be one of HA's
            await skill.call("device_turn_on", {"name": "kitchen ceiling light"}, ASK)
    finally:
        await skill.close()


def test_missing_mosquitto_fails_clearly(tmp_path: Path) -> None:
    with (
        pytest.raises(pytest.fail.Exception, match="missing: the MQTT tests need a real broker"),
        running_mosquitto(tmp_path, binary=tmp_path / "no-mosquitto"),
    ):
        pass


# -- configuration ------------------------------------------------------------------------------------


def test_devices_file_is_checked(tmp_path: Path) -> None:
    devices = load_mqtt_devices(DEVICES_FILE)
    assert [d.name for d in devices] == ["Desk Lamp", "Counter Light", "Coffee Maker", "Shed Door"]
    assert devices[1].payload("on") == "1" and devices[0].payload("off") == "OFF"
    assert devices[3].entity().is_garage
    bad = tmp_path / "bad.toml"
    bad.write_text('[[device]]\nname = "Kettle"\nkind = "toaster"\ncommand_topic = "k/set"\n')
    with pytest.raises(ConfigError, match=r"device\[0\]\.kind: 'toaster' is not one of"):
        load_mqtt_devices(bad)
    bad.write_text('[[device]]\nname = "Kettle"\nkind = "switch"\ncommand_topic = "k/#"\n')
    with pytest.raises(ConfigError, match="without wildcards"):
        load_mqtt_devices(bad)


async def test_build_from_settings(fake_ha: FakeHomeAssistant) -> None:
    assert build_smarthome(Settings()) is None
    settings = Settings().replace(
        home_assistant={"url": fake_ha.url, "token": TOKEN},
        mqtt={"url": "mqtt://127.0.0.1:1", "devices_file": str(DEVICES_FILE)},
    )
    skill = build_smarthome(settings, default_area="kitchen")
    assert skill is not None
    try:
        assert skill.ha is not None and skill.mqtt is not None
        assert len(skill.mqtt.devices) == 4
        assert TOKEN not in repr(settings) + repr(skill.ha)
        assert (await skill.call("device_turn_on", {"name": "ceiling light"}, ASK)).ok
    finally:
        await skill.close()


# -- name resolution on its own ----------------------------------------------------------------------


def _home() -> Home:
    kitchen, garage, bedroom = Area("kitchen", "Kitchen"), Area("garage", "Garage"), Area("bedroom", "Bedroom")
    return Home(
        [
            Entity("light.a", "Lamp", "light", kitchen),
            Entity("light.b", "Lamp", "light", bedroom),
            Entity("light.c", "Reading Light", "light", bedroom),
            Entity("cover.g", "Garage Door", "cover", garage, device_class="garage"),
            Entity("cover.w", "Window", "cover", garage),
        ]
    )


def test_resolution_is_safe() -> None:
    home = _home()
    same_name = home.resolve("lamp", domains={"light"})
    assert same_name.error == "Which lamp do you mean: the one in the Bedroom or Kitchen?"
    assert [e.entity_id for e in home.resolve("bedroom lamp", domains={"light"}).entities] == ["light.b"]
    assert [e.entity_id for e in home.resolve("reading", domains={"light"}).entities] == ["light.c"]
    # No spelling-similarity guesses, and cover words other than "garage" never reach a garage door.
    assert home.resolve("reding light", domains={"light"}).not_found
    assert [e.entity_id for e in home.resolve("garage blinds", domains={"cover"}).entities] == ["cover.w"]
    assert [e.entity_id for e in home.resolve("garage door", domains={"cover"}).entities] == ["cover.g"]

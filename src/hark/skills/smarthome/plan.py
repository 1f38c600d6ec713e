"""Planning: what each tool does to each kind of target, before anything is sent.

Decisions:

* **Nothing is sent unless every target can do it.** A request is planned in
  full (entities resolved, each one's service call or MQTT message built)
  before anything goes out; an unknown name, an ambiguity or a device that
  cannot dim makes a spoken ``ok=False`` result and no call at all.
* **Danger depends on the target**, so these tools are not marked
  ``dangerous`` for the registry: the skill itself answers
  ``needs_confirmation`` (naming the devices it resolved, so "yes" confirms
  exactly those) for unlocking a lock, opening a garage door or gate (a cover
  of device class ``garage``/``gate``, or an MQTT ``garage_door``) and
  disarming an alarm panel, unless ``ctx.confirmed``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...homeauto.entities import ALARM, CLIMATE, COVER, LIGHT, LOCK, SCENE, Entity
from ...homeauto.mqtt import MqttDevice
from ...homeauto.phrases import targets
from ..base import ToolArgumentError


class _UnsupportedError(Exception):
    """A target cannot do what was asked (an MQTT lamp without a brightness topic); the message is spoken."""


HaCall = tuple[str, str, dict[str, Any]]

Plan = tuple[Callable[[Entity], HaCall], Callable[[MqttDevice], tuple[str, str]], str, bool]


def _plan(tool: str, args: Mapping[str, Any], entities: Sequence[Entity]) -> Plan:
    """(Home Assistant call per entity, MQTT message per device, reply, needs confirmation)."""
    who = targets(entities)
    if tool in ("device_turn_on", "device_turn_off"):
        on = tool == "device_turn_on"
        service = "turn_on" if on else "turn_off"
        return (
            lambda e: (e.domain, service, {}),
            lambda d: (d.command_topic, d.payload("on" if on else "off")),
            f"Turned {'on' if on else 'off'} {who}.",
            False,
        )
    if tool == "light_set":
        return _light(args, who)
    if tool == "cover_set":
        return _cover(args, entities, who)
    if tool == "climate_set":
        temperature = args["temperature"]
        degrees = f"{temperature:g}" if isinstance(temperature, float) else str(temperature)
        return (
            lambda e: (CLIMATE, "set_temperature", {"temperature": temperature}),
            lambda d: (_topic(d, d.temperature_topic, "a target temperature"), degrees),
            f"Set {who} to {degrees} degrees.",
            False,
        )
    if tool == "scene_activate":
        return (lambda e: (SCENE, "turn_on", {}), _no_mqtt, f"Activated {who}.", False)
    if tool == "lock_set":
        locked = bool(args["locked"])
        return (
            lambda e: (LOCK, "lock" if locked else "unlock", {}),
            lambda d: (d.command_topic, d.payload("lock" if locked else "unlock")),
            f"{'Locked' if locked else 'Unlocked'} {who}.",
            not locked,
        )
    if tool == "alarm_panel_set":
        armed = bool(args["armed"])
        return (
            # "arm" said without a mode means arming while away, the common spoken case.
            lambda e: (ALARM, "alarm_arm_away" if armed else "alarm_disarm", {}),
            lambda d: (d.command_topic, d.payload("arm" if armed else "disarm")),
            f"{'Armed' if armed else 'Disarmed'} {who}.",
            not armed,
        )
    raise ToolArgumentError(f"the smart home skill has no tool {tool!r}")


def _light(args: Mapping[str, Any], who: str) -> Plan:
    brightness, color = args.get("brightness"), args.get("color")
    if brightness is None and not color:
        raise _UnsupportedError(f"What should I set {who} to?")
    data: dict[str, Any] = {}
    if brightness is not None:
        data["brightness_pct"] = brightness
    if color:
        data["color_name"] = str(color).strip().lower()

    def message(d: MqttDevice) -> tuple[str, str]:
        if color:
            raise _UnsupportedError(f"I can't change the colour of the {d.name}.")
        return (_topic(d, d.brightness_topic, "a brightness"), str(brightness))

    said = " at ".join(x for x in (data.get("color_name"), f"{brightness}%" if brightness is not None else None) if x)
    return (lambda e: (LIGHT, "turn_on", data), message, f"Set {who} to {said}.", False)


def _cover(args: Mapping[str, Any], entities: Sequence[Entity], who: str) -> Plan:
    position, action = args.get("position"), args.get("action")
    if position is None and action is None:
        raise _UnsupportedError(f"Should I open or close {who}?")
    opening = action == "open" or (action is None and position is not None and position > 0)
    dangerous = opening and any(e.is_garage for e in entities)
    if action is not None:
        service = "open_cover" if action == "open" else "close_cover"

        def by_action(d: MqttDevice) -> tuple[str, str]:
            return (d.command_topic, d.payload(str(action)))

        speech = f"{'Opening' if action == 'open' else 'Closing'} {who}."
        return (lambda e: (COVER, service, {}), by_action, speech, dangerous)

    def by_position(d: MqttDevice) -> tuple[str, str]:
        if d.position_topic is not None:
            return (d.position_topic, str(position))
        if position in (0, 100):  # no position topic: fully open or closed still works
            return (d.command_topic, d.payload("open" if position == 100 else "close"))
        raise _UnsupportedError(f"The {d.name} can only open or close fully.")

    return (
        lambda e: (COVER, "set_cover_position", {"position": position}),
        by_position,
        f"Setting {who} to {position}%.",
        dangerous,
    )


def _topic(device: MqttDevice, topic: str | None, what: str) -> str:
    if topic is None:
        raise _UnsupportedError(f"The {device.name} doesn't take {what}.")
    return topic


def _no_mqtt(device: MqttDevice) -> tuple[str, str]:
    raise _UnsupportedError(f"I can't do that with the {device.name}.")


def _verb(tool: str, args: Mapping[str, Any]) -> str:
    """The action of a call, as said in a confirmation question."""
    if tool == "lock_set":
        return "lock" if args.get("locked") else "unlock"
    if tool == "alarm_panel_set":
        return "arm" if args.get("armed") else "disarm"
    if tool == "cover_set":
        if args.get("action"):
            return str(args["action"])
        return "open" if (args.get("position") or 0) > 0 else "close"
    verbs = {
        "device_turn_on": "turn on",
        "device_turn_off": "turn off",
        "scene_activate": "activate",
        "device_state": "check",
    }
    return verbs.get(tool, "change")

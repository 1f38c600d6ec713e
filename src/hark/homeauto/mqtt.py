"""Devices driven over MQTT, described in a TOML file.

The file (``mqtt.devices_file``) lists one ``[[device]]`` table per device::

    [[device]]
    name = "Desk Lamp"
    area = "Office"
    kind = "light"            # light, switch, fan, cover, climate, lock, garage_door, alarm_panel
    command_topic = "home/office/desk_lamp/set"
    state_topic = "home/office/desk_lamp/state"      # optional, read from its retained message
    brightness_topic = "home/office/desk_lamp/brightness/set"  # optional (lights): 0-100
    payloads = { on = "1", off = "0" }               # optional, per-kind defaults below

Kinds map onto Home Assistant domains so both back ends resolve alike
(``garage_door`` is a cover of class ``garage``, ``alarm_panel`` an
``alarm_control_panel``).

Decisions:

* **A connection per command.** Hark publishes a handful of messages a day per
  device; connecting, publishing with QoS 1 (waiting for the broker's PUBACK,
  so "done" means the broker has it) and disconnecting costs a few
  milliseconds on a LAN, needs no background reconnect task, and a broker
  restart never leaves a stale client behind.
* **State from retained messages**: asking for a state subscribes to the
  device's ``state_topic`` and takes the retained message the broker sends at
  once; no retained message within ``state_wait_s`` means "unknown".
* **Errors are spoken**: a refused or timed-out connection raises
  :class:`~hark.skills.base.ServiceUnavailableError`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import ssl
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomqtt

from ..config import MqttSettings
from ..errors import ConfigError
from ..skills.base import ServiceUnavailableError
from .entities import ALARM, CLIMATE, COVER, FAN, LIGHT, LOCK, SWITCH, Area, Entity, tokens

log = logging.getLogger(__name__)

UNREACHABLE = "I can't reach the MQTT broker right now."
PAHO_CONNECT_TIMEOUT_S = 5.0
"""paho-mqtt's own TCP connect timeout. The overall deadline stays above it so a connect
running in aiomqtt's executor thread is never abandoned half way (that would leak its socket)."""
REFUSED = "The MQTT broker refused Hark's login."

KINDS: dict[str, tuple[str, str | None]] = {
    "light": (LIGHT, None),
    "switch": (SWITCH, None),
    "fan": (FAN, None),
    "cover": (COVER, None),
    "garage_door": (COVER, "garage"),
    "climate": (CLIMATE, None),
    "lock": (LOCK, None),
    "alarm_panel": (ALARM, None),
}
"""MQTT kind -> (Home Assistant domain, device class)."""

DEFAULT_PAYLOADS: dict[str, dict[str, str]] = {
    "light": {"on": "ON", "off": "OFF"},
    "switch": {"on": "ON", "off": "OFF"},
    "fan": {"on": "ON", "off": "OFF"},
    "cover": {"open": "OPEN", "close": "CLOSE", "stop": "STOP"},
    "garage_door": {"open": "OPEN", "close": "CLOSE", "stop": "STOP"},
    "climate": {"on": "heat", "off": "off"},
    "lock": {"lock": "LOCK", "unlock": "UNLOCK"},
    "alarm_panel": {"arm": "ARM_AWAY", "disarm": "DISARM"},
}

_KEYS = frozenset(
    {
        "name",
        "area",
        "kind",
        "command_topic",
        "state_topic",
        "brightness_topic",
        "position_topic",
        "temperature_topic",
        "payloads",
        "aliases",
    }
)


@dataclasses.dataclass(frozen=True, slots=True)
class MqttDevice:
    name: str
    kind: str
    command_topic: str
    area: str | None = None
    state_topic: str | None = None
    brightness_topic: str | None = None
    """Lights: brightness as an integer percentage (0-100)."""
    position_topic: str | None = None
    """Covers: position as an integer percentage (0 closed, 100 open)."""
    temperature_topic: str | None = None
    """Climate: target temperature as a number."""
    payloads: Mapping[str, str] = dataclasses.field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def entity_id(self) -> str:
        return "mqtt:" + "_".join(tokens(self.name))

    @property
    def all_payloads(self) -> dict[str, str]:
        """The kind's default payloads with the device's own over them."""
        return {**DEFAULT_PAYLOADS[self.kind], **self.payloads}

    def payload(self, action: str) -> str:
        """The payload for ``on``, ``off``, ``open``, ``close``, ``lock``, ``unlock``, ``arm``, ``disarm``..."""
        return self.payloads.get(action) or DEFAULT_PAYLOADS[self.kind][action]

    def entity(self) -> Entity:
        domain, device_class = KINDS[self.kind]
        area = Area("_".join(tokens(self.area)), self.area) if self.area else None
        return Entity(self.entity_id, self.name, domain, area, self.aliases, device_class, source="mqtt")


def _topic(path: str, key: str, value: Any, *, wildcards: bool = False) -> str:
    if not isinstance(value, str) or not value or (not wildcards and ("+" in value or "#" in value)):
        raise ConfigError(f"{path}.{key}: expected an MQTT topic without wildcards, got {value!r}")
    return value


def load_mqtt_devices(path: str | Path) -> list[MqttDevice]:
    """Read and check a devices file; every mistake is a :class:`ConfigError` naming the device and key."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"mqtt.devices_file: {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"mqtt.devices_file: {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(raw) - {"device"})
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {', '.join(unknown)}; devices go in [[device]] tables")
    devices: list[MqttDevice] = []
    seen: set[str] = set()
    for i, item in enumerate(raw.get("device", [])):
        where = f"{path}: device[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: must be a table")
        bad = sorted(set(item) - _KEYS)
        if bad:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(bad)}; known: {', '.join(sorted(_KEYS))}")
        name, kind, area = item.get("name"), item.get("kind"), item.get("area")
        if not isinstance(name, str) or not tokens(name):
            raise ConfigError(f"{where}.name: a device needs a name")
        if kind not in KINDS:
            raise ConfigError(f"{where}.kind: {kind!r} is not one of {', '.join(KINDS)}")
        if area is not None and (not isinstance(area, str) or not tokens(area)):
            raise ConfigError(f"{where}.area: expected a name, got {area!r}")
        payloads = item.get("payloads", {})
        if not isinstance(payloads, dict) or not all(isinstance(v, str) for v in payloads.values()):
            raise ConfigError(f"{where}.payloads: expected a table of strings")
        extra = sorted(set(payloads) - set(DEFAULT_PAYLOADS[kind]))
        if extra:
            raise ConfigError(f"{where}.payloads: {', '.join(extra)} do not apply to a {kind}")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"{where}.aliases: expected a list of names")
        optional = {
            k: _topic(where, k, item[k])
            for k in ("state_topic", "brightness_topic", "position_topic", "temperature_topic")
            if k in item
        }
        device = MqttDevice(
            name=name,
            kind=kind,
            command_topic=_topic(where, "command_topic", item.get("command_topic")),
            area=area,
            payloads=dict(payloads),
            aliases=tuple(aliases),
            **optional,
        )
        if device.entity_id in seen:
            raise ConfigError(f"{where}.name: {name!r} is used twice")
        seen.add(device.entity_id)
        devices.append(device)
    return devices


class MqttDevices:
    """The MQTT devices and the broker that reaches them."""

    def __init__(
        self,
        url: str,
        devices: list[MqttDevice],
        *,
        username: str = "",
        password: str = "",
        timeout_s: float = 3.0,
        state_wait_s: float = 1.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError("the MQTT URL must look like mqtt://host:1883")
        self.hostname = parts.hostname
        self.tls = parts.scheme == "mqtts"
        self.port = parts.port or (8883 if self.tls else 1883)
        self._username = username or unquote(parts.username or "") or None
        self._password = password or unquote(parts.password or "") or None
        self.timeout_s = timeout_s
        self.state_wait_s = state_wait_s
        self.devices = {d.entity_id: d for d in devices}

    @classmethod
    def from_settings(cls, settings: MqttSettings) -> MqttDevices | None:
        """None when MQTT is not configured (empty URL). Reads the devices file (ConfigError if bad)."""
        if not settings.url:
            return None
        devices = load_mqtt_devices(settings.devices_file) if settings.devices_file else []
        return cls(
            settings.url,
            devices,
            username=settings.username,
            password=settings.password,
            timeout_s=settings.timeout_s,
        )

    def __repr__(self) -> str:  # no credentials
        return f"MqttDevices({self.hostname}:{self.port}, {len(self.devices)} devices)"

    @property
    def _deadline_s(self) -> float:
        """A safety net over a whole exchange; aiomqtt's ``timeout`` bounds CONNACK, SUBACK and PUBACK."""
        return PAHO_CONNECT_TIMEOUT_S + 2 * self.timeout_s

    def entities(self) -> list[Entity]:
        return [d.entity() for d in self.devices.values()]

    def device(self, entity_id: str) -> MqttDevice:
        return self.devices[entity_id]

    def _client(self) -> aiomqtt.Client:
        return aiomqtt.Client(
            self.hostname,
            self.port,
            username=self._username,
            password=self._password,
            timeout=self.timeout_s,
            tls_context=ssl.create_default_context() if self.tls else None,
        )

    async def publish(self, topic: str, payload: str) -> None:
        """Publish with QoS 1 and wait for the broker's acknowledgement."""
        await self.publish_many([(topic, payload)])

    async def publish_many(self, messages: list[tuple[str, str]]) -> None:
        """Several messages over one connection (a command to several devices), each with QoS 1."""
        for topic, payload in messages:
            log.info("MQTT: %s <- %s", topic, payload)
        try:
            async with asyncio.timeout(self._deadline_s), self._client() as client:
                for topic, payload in messages:
                    await client.publish(topic, payload, qos=1)
        except (aiomqtt.MqttError, OSError, TimeoutError) as exc:
            raise _unavailable(exc) from None

    async def read_state(self, device: MqttDevice) -> str | None:
        """The retained payload of the device's state topic (decoded), or None if there is none."""
        if device.state_topic is None:
            return None
        try:
            async with asyncio.timeout(self._deadline_s), self._client() as client:
                await client.subscribe(device.state_topic, qos=1)
                try:
                    async with asyncio.timeout(self.state_wait_s):
                        async for message in client.messages:
                            payload = message.payload
                            if isinstance(payload, bytes | bytearray):
                                return bytes(payload).decode("utf-8", "replace").strip()
                            return None if payload is None else str(payload)
                except TimeoutError:
                    return None
        except (aiomqtt.MqttError, OSError, TimeoutError) as exc:
            raise _unavailable(exc) from None
        return None


def _unavailable(exc: BaseException) -> ServiceUnavailableError:
    log.warning("MQTT broker: %s: %s", type(exc).__name__, exc)
    if isinstance(exc, aiomqtt.MqttCodeError) and re.search(r"not authori[sz]ed|bad user", str(exc), re.I):
        return ServiceUnavailableError(REFUSED)
    return ServiceUnavailableError(UNREACHABLE)

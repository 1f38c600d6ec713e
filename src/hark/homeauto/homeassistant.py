"""Home Assistant over its REST API (states, services) and WebSocket API (registries).

REST does the work: ``GET /api/states`` and ``POST /api/services/<domain>/<service>``
with ``Authorization: Bearer <token>``. Areas are not in the states, so the
area, device and entity registries are read over the WebSocket API once (they
change rarely) and cached by the caller: an entity's area is its own
``area_id`` or, when it has none, its device's, as in Home Assistant's UI.

Failures become spoken errors: a connection failure or a timeout is
:class:`~hark.skills.base.ServiceUnavailableError` ("I can't reach Home
Assistant right now."), a refused token :class:`HomeAssistantAuthError`. The
token is sent in a header and never logged, printed or put in a message;
aiohttp's own errors are not logged either, only their type.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
from yarl import URL

from ..config import HomeAssistantSettings
from ..skills.base import ServiceUnavailableError, SkillError
from .entities import ALARM, CLIMATE, COVER, FAN, LIGHT, LOCK, SCENE, SWITCH, Area, Entity

log = logging.getLogger(__name__)

UNREACHABLE = "I can't reach Home Assistant right now."
REFUSED = "Home Assistant refused the token."

CONTROLLABLE = frozenset({LIGHT, SWITCH, FAN, COVER, CLIMATE, LOCK, SCENE, ALARM, "input_boolean", "media_player"})
"""Domains kept from the states; sensors and the like are not devices one talks to."""

_NAME = re.compile(r"^[a-z0-9_]+$")
_ENTITY_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")

REGISTRY_TIMEOUT_FACTOR = 3
"""The registries of a large home are megabytes; they get a few times the request timeout."""


class HomeAssistantAuthError(ServiceUnavailableError):
    """Home Assistant answered but refused the long-lived access token."""

    code = "service-auth"


class HomeAssistantClient:
    """A REST + WebSocket client. Create it anywhere; the HTTP session opens on first use.

    Call :meth:`close` when done (it closes the aiohttp session).
    """

    def __init__(self, url: str, token: str, *, timeout_s: float = 3.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("Home Assistant's URL must start with http:// or https://")
        self.url = URL(url.rstrip("/"))
        self._token = token
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(cls, settings: HomeAssistantSettings) -> HomeAssistantClient | None:
        """The client, or None when Home Assistant is not configured (empty URL)."""
        if not settings.url:
            return None
        return cls(settings.url, settings.token, timeout_s=settings.timeout_s)

    def __repr__(self) -> str:  # no token in reprs, tracebacks or logs
        return f"HomeAssistantClient({str(self.url)!r})"

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        return self._session

    # -- REST ----------------------------------------------------------------------------------

    async def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """One REST call; returns the decoded JSON, or None for a 404."""
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        try:
            async with self._http().request(method, self.url / path, headers=headers, json=body) as resp:
                if resp.status in (401, 403):
                    log.warning("Home Assistant refused the token (%s %s: %d)", method, path, resp.status)
                    raise HomeAssistantAuthError(REFUSED)
                if resp.status == 404:
                    return None
                if resp.status == 400:
                    log.warning("Home Assistant rejected %s %s: %s", method, path, (await resp.text())[:200])
                    raise SkillError("Home Assistant couldn't do that.")
                if resp.status >= 300:
                    log.warning("Home Assistant %s %s: HTTP %d", method, path, resp.status)
                    raise ServiceUnavailableError("Home Assistant had a problem doing that.")
                return await resp.json()
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            log.warning("Home Assistant %s %s failed: %s", method, path, type(exc).__name__)
            raise ServiceUnavailableError(UNREACHABLE) from None

    async def states(self) -> list[dict[str, Any]]:
        data = await self._request("GET", "api/states")
        if not isinstance(data, list):
            raise ServiceUnavailableError("Home Assistant sent states I don't understand.")
        return [s for s in data if isinstance(s, dict) and isinstance(s.get("entity_id"), str)]

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        """The state object of one entity, or None if Home Assistant does not know it."""
        if not _ENTITY_ID.match(entity_id):
            raise ValueError(f"not an entity id: {entity_id!r}")
        data = await self._request("GET", f"api/states/{entity_id}")
        return data if isinstance(data, dict) else None

    async def call_service(self, domain: str, service: str, data: Mapping[str, Any]) -> None:
        """``POST /api/services/<domain>/<service>`` (names are checked: they go into the path)."""
        if not (_NAME.match(domain) and _NAME.match(service)):
            raise ValueError(f"not a service: {domain}.{service}")
        log.info("Home Assistant: %s.%s %s", domain, service, data.get("entity_id"))
        result = await self._request("POST", f"api/services/{domain}/{service}", data)
        if result is None:
            raise SkillError("Home Assistant couldn't do that.")

    # -- WebSocket -----------------------------------------------------------------------------

    async def registries(self) -> dict[str, list[dict[str, Any]]]:
        """The area, device and entity registries: ``{"areas": [...], "devices": [...], "entities": [...]}``."""
        commands = {
            "areas": "config/area_registry/list",
            "devices": "config/device_registry/list",
            "entities": "config/entity_registry/list",
        }
        ws_url = (self.url / "api/websocket").with_scheme("wss" if self.url.scheme == "https" else "ws")
        out: dict[str, list[dict[str, Any]]] = {}
        try:
            async with (
                asyncio.timeout(self.timeout_s * REGISTRY_TIMEOUT_FACTOR),
                self._http().ws_connect(ws_url, autoping=True, max_msg_size=64 * 1024 * 1024) as ws,
            ):
                hello = await _receive(ws)
                if hello.get("type") != "auth_required":
                    raise ServiceUnavailableError(UNREACHABLE)
                await ws.send_json({"type": "auth", "access_token": self._token})
                answer = await _receive(ws)
                if answer.get("type") == "auth_invalid":
                    log.warning("Home Assistant refused the token on the WebSocket API")
                    raise HomeAssistantAuthError(REFUSED)
                if answer.get("type") != "auth_ok":
                    raise ServiceUnavailableError(UNREACHABLE)
                for number, (key, command) in enumerate(commands.items(), start=1):
                    await ws.send_json({"id": number, "type": command})
                    out[key] = await _result(ws, number, command)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Home Assistant WebSocket failed: %s", type(exc).__name__)
            raise ServiceUnavailableError(UNREACHABLE) from None
        return out

    async def load_entities(self) -> tuple[list[Entity], list[Area]]:
        """The controllable entities with their areas (the states joined with the registries)."""
        regs = await self.registries()
        states = await self.states()
        return build_entities(states, regs)


async def _receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive()
    if msg.type != aiohttp.WSMsgType.TEXT:
        log.warning("Home Assistant WebSocket: unexpected %s", msg.type.name)
        raise ServiceUnavailableError(UNREACHABLE)
    data = json.loads(msg.data)
    if not isinstance(data, dict):
        raise ServiceUnavailableError(UNREACHABLE)
    return data


async def _result(ws: aiohttp.ClientWebSocketResponse, number: int, command: str) -> list[dict[str, Any]]:
    """The result of command ``number``, skipping anything else Home Assistant sends meanwhile."""
    while True:
        msg = await _receive(ws)
        if msg.get("id") != number or msg.get("type") != "result":
            continue
        result = msg.get("result")
        if not msg.get("success") or not isinstance(result, list):
            log.warning("Home Assistant: %s failed: %s", command, msg.get("error"))
            raise ServiceUnavailableError("Home Assistant wouldn't list its devices.")
        return [r for r in result if isinstance(r, dict)]


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list | tuple) else ()


def build_entities(
    states: list[dict[str, Any]], registries: Mapping[str, list[dict[str, Any]]]
) -> tuple[list[Entity], list[Area]]:
    """Join states and registries. An entity's area: its own ``area_id``, else its device's."""
    areas = {
        str(a["area_id"]): Area(str(a["area_id"]), str(a.get("name") or a["area_id"]), _strings(a.get("aliases")))
        for a in registries.get("areas", [])
        if a.get("area_id")
    }
    device_area = {d.get("id"): d.get("area_id") for d in registries.get("devices", [])}
    entries = {e.get("entity_id"): e for e in registries.get("entities", [])}
    entities = []
    for st in states:
        entity_id = st["entity_id"]
        domain = entity_id.partition(".")[0]
        entry = entries.get(entity_id, {})
        if domain not in CONTROLLABLE or entry.get("disabled_by"):
            continue
        raw = st.get("attributes")
        attrs: dict[str, Any] = raw if isinstance(raw, dict) else {}
        area_id = entry.get("area_id") or device_area.get(entry.get("device_id"))
        device_class = attrs.get("device_class") or entry.get("device_class") or entry.get("original_device_class")
        entities.append(
            Entity(
                entity_id=entity_id,
                name=str(attrs.get("friendly_name") or entity_id.partition(".")[2].replace("_", " ")),
                domain=domain,
                area=areas.get(area_id) if isinstance(area_id, str) else None,
                aliases=_strings(entry.get("aliases")),
                device_class=device_class if isinstance(device_class, str) else None,
                source="home_assistant",
            )
        )
    return entities, list(areas.values())

"""A small fake Home Assistant (aiohttp.web on 127.0.0.1, a free port) for the smart-home tests.

It speaks the parts of Home Assistant's APIs Hark uses, with the same shapes:

* REST: ``GET /api/states``, ``GET /api/states/<entity_id>``, ``POST /api/services/<domain>/<service>``
  (bearer token checked: 401 otherwise; unknown service: 400), recording each service call and
  updating the states like the real integrations would;
* WebSocket ``/api/websocket``: ``auth_required`` / ``auth`` / ``auth_ok`` or ``auth_invalid``, then
  ``config/area_registry/list``, ``config/device_registry/list`` and ``config/entity_registry/list``.

The home: a kitchen ceiling light (its area comes from its device), kitchen spots (on a living-room
device, but the entity's own area is the kitchen), a living room lamp, a thermostat, a movie-night
scene, bedroom blinds, a garage door (device class ``garage``), a front door lock, an alarm panel,
and a temperature sensor (not a device one controls).
"""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import WSMsgType, web

AREAS = [
    {"area_id": "kitchen", "name": "Kitchen", "aliases": []},
    {"area_id": "living_room", "name": "Living Room", "aliases": ["lounge"]},
    {"area_id": "bedroom", "name": "Bedroom", "aliases": []},
    {"area_id": "garage", "name": "Garage", "aliases": []},
    {"area_id": "hallway", "name": "Hallway", "aliases": ["hall"]},
]

DEVICES = [
    {"id": "d-ceiling", "name": "Ceiling Light", "area_id": "kitchen", "name_by_user": None},
    {"id": "d-lamp", "name": "Hue Lamp", "area_id": "living_room", "name_by_user": None},
    {"id": "d-blinds", "name": "Blinds", "area_id": "bedroom", "name_by_user": None},
    {"id": "d-garage", "name": "Garage Opener", "area_id": "garage", "name_by_user": None},
    {"id": "d-lock", "name": "Smart Lock", "area_id": "hallway", "name_by_user": None},
    {"id": "d-thermostat", "name": "Thermostat", "area_id": "hallway", "name_by_user": None},
    {"id": "d-alarm", "name": "Alarm Panel", "area_id": "hallway", "name_by_user": None},
]


def _entry(entity_id: str, device_id: str | None, area_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "entity_id": entity_id,
        "device_id": device_id,
        "area_id": area_id,
        "disabled_by": None,
        "hidden_by": None,
        "name": None,
        "platform": "fake",
        **extra,
    }


ENTITIES = [
    _entry("light.kitchen_ceiling", "d-ceiling"),
    _entry("light.kitchen_spots", "d-lamp", "kitchen"),  # own area wins over the device's
    _entry("light.living_room_lamp", "d-lamp"),
    _entry("cover.bedroom_blinds", "d-blinds"),
    _entry("cover.garage_door", "d-garage", original_device_class="garage"),
    _entry("lock.front_door", "d-lock"),
    _entry("climate.thermostat", "d-thermostat", "living_room"),
    _entry("scene.movie_night", None, "living_room"),
    _entry("alarm_control_panel.home_alarm", "d-alarm"),
    _entry("sensor.kitchen_temperature", "d-ceiling"),
    _entry("light.old_lamp", "d-lamp", disabled_by="user"),
]

STATES: dict[str, dict[str, Any]] = {
    "light.kitchen_ceiling": {"state": "off", "attributes": {"friendly_name": "Kitchen Ceiling Light"}},
    "light.kitchen_spots": {"state": "off", "attributes": {"friendly_name": "Kitchen Spots"}},
    "light.living_room_lamp": {
        "state": "on",
        "attributes": {"friendly_name": "Living Room Lamp", "brightness": 128},
    },
    "cover.bedroom_blinds": {
        "state": "open",
        "attributes": {"friendly_name": "Bedroom Blinds", "current_position": 30, "device_class": "blind"},
    },
    "cover.garage_door": {"state": "closed", "attributes": {"friendly_name": "Garage Door", "device_class": "garage"}},
    "lock.front_door": {"state": "locked", "attributes": {"friendly_name": "Front Door"}},
    "climate.thermostat": {
        "state": "heat",
        "attributes": {"friendly_name": "Thermostat", "temperature": 20, "current_temperature": 19.5},
    },
    "scene.movie_night": {"state": "unknown", "attributes": {"friendly_name": "Movie Night"}},
    "alarm_control_panel.home_alarm": {"state": "armed_away", "attributes": {"friendly_name": "Home Alarm"}},
    "sensor.kitchen_temperature": {"state": "21.5", "attributes": {"friendly_name": "Kitchen Temperature"}},
    "light.old_lamp": {"state": "off", "attributes": {"friendly_name": "Old Lamp"}},
}

# service -> (new state, attribute updates from the call's data)
_EFFECTS: dict[tuple[str, str], str | None] = {
    ("light", "turn_on"): "on",
    ("light", "turn_off"): "off",
    ("switch", "turn_on"): "on",
    ("switch", "turn_off"): "off",
    ("cover", "open_cover"): "open",
    ("cover", "close_cover"): "closed",
    ("cover", "set_cover_position"): None,
    ("climate", "set_temperature"): None,
    ("climate", "turn_on"): "heat",
    ("climate", "turn_off"): "off",
    ("scene", "turn_on"): None,
    ("lock", "lock"): "locked",
    ("lock", "unlock"): "unlocked",
    ("alarm_control_panel", "alarm_arm_away"): "armed_away",
    ("alarm_control_panel", "alarm_disarm"): "disarmed",
}


class FakeHomeAssistant:
    """Start with :meth:`start` (returns the base URL), stop with :meth:`close`."""

    def __init__(self, token: str = "good-token") -> None:
        self.token = token
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.states = copy.deepcopy(STATES)
        self.ws_logins = 0
        self.refused = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/api/states", self._all_states)
        app.router.add_get("/api/states/{entity_id}", self._one_state)
        app.router.add_post("/api/services/{domain}/{service}", self._service)
        app.router.add_get("/api/websocket", self._websocket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _authorised(self, request: web.Request) -> bool:
        ok = request.headers.get("Authorization") == f"Bearer {self.token}"
        if not ok:
            self.refused += 1
        return ok

    def _state(self, entity_id: str) -> dict[str, Any]:
        return {"entity_id": entity_id, **self.states[entity_id]}

    async def _all_states(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.Response(status=401, text="401: Unauthorized")
        return web.json_response([self._state(e) for e in self.states if not e.startswith("light.old")])

    async def _one_state(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.Response(status=401, text="401: Unauthorized")
        entity_id = request.match_info["entity_id"]
        if entity_id not in self.states:
            return web.json_response({"message": "Entity not found."}, status=404)
        return web.json_response(self._state(entity_id))

    async def _service(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.Response(status=401, text="401: Unauthorized")
        domain, service = request.match_info["domain"], request.match_info["service"]
        if (domain, service) not in _EFFECTS:
            return web.Response(status=400, text=f"Service {domain}.{service} not found.")
        data = await request.json()
        self.calls.append((domain, service, data))
        ids = data.get("entity_id", [])
        changed = []
        for entity_id in [ids] if isinstance(ids, str) else ids:
            if entity_id not in self.states:
                continue
            state = self.states[entity_id]
            if _EFFECTS[(domain, service)] is not None:
                state["state"] = _EFFECTS[(domain, service)]
            attrs = state["attributes"]
            if "brightness_pct" in data:
                attrs["brightness"] = round(data["brightness_pct"] * 255 / 100)
            if "position" in data:
                attrs["current_position"] = data["position"]
                state["state"] = "open" if data["position"] > 0 else "closed"
            if "temperature" in data:
                attrs["temperature"] = data["temperature"]
            changed.append(self._state(entity_id))
        return web.json_response(changed)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "auth_required", "ha_version": "2025.1.0"})
        auth = await ws.receive_json()
        if auth.get("type") != "auth" or auth.get("access_token") != self.token:
            self.refused += 1
            await ws.send_json({"type": "auth_invalid", "message": "Invalid access token or password"})
            await ws.close()
            return ws
        self.ws_logins += 1
        await ws.send_json({"type": "auth_ok", "ha_version": "2025.1.0"})
        lists = {
            "config/area_registry/list": AREAS,
            "config/device_registry/list": DEVICES,
            "config/entity_registry/list": ENTITIES,
        }
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            command = msg.json()
            if command.get("type") in lists:
                result = {"id": command["id"], "type": "result", "success": True, "result": lists[command["type"]]}
            else:
                error = {"code": "unknown_command", "message": "Unknown command."}
                result = {"id": command.get("id"), "type": "result", "success": False, "error": error}
            await ws.send_json(result)
        return ws

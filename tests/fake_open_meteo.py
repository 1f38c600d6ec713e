"""A stand-in for the Open-Meteo forecast API on 127.0.0.1, for tests (never used by the product).

It replays the recorded-shape answers in ``tests/data/open_meteo_*.json``
(Celsius or Fahrenheit by the request's ``temperature_unit``), checks every
query parameter the way the real service does (a bad one is a 400 with
Open-Meteo's ``{"error": true, "reason": ...}``), and can be told to fail:
``mode`` ``"error"`` (HTTP 500), ``"hang"`` (never answers until stopped),
``"broken"`` (truncated JSON) or ``"wrong_shape"`` (JSON without ``daily``).

The server runs its own event loop in a thread, so that a hanging request or a
connection being torn down leaves no task behind in the test's loop.
"""

from __future__ import annotations

import asyncio
import copy
import json
import socket
import threading
from pathlib import Path
from typing import Any

from aiohttp import web

DATA = Path(__file__).parent / "data"
PATH = "/v1/forecast"
CURRENT = {"temperature_2m", "weather_code", "wind_speed_10m", "relative_humidity_2m"}
DAILY = {"weather_code", "temperature_2m_max", "temperature_2m_min", "precipitation_probability_max"}
KNOWN = {
    "latitude",
    "longitude",
    "current",
    "daily",
    "timezone",
    "temperature_unit",
    "wind_speed_unit",
    "forecast_days",
}
MODES = ("ok", "error", "hang", "broken", "wrong_shape")


def recorded(units: str = "metric") -> dict[str, Any]:
    """A recorded answer for Paris: ``units`` ``metric`` or ``imperial``."""
    data: dict[str, Any] = json.loads((DATA / f"open_meteo_paris_{units}.json").read_text(encoding="utf-8"))
    return data


def closed_port_url() -> str:
    """A forecast URL on a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{PATH}"


def check_query(query: dict[str, str]) -> list[str]:
    """What Open-Meteo would refuse in this query (empty if nothing)."""
    problems = [f"unknown parameter {k}" for k in query if k not in KNOWN]
    for key, lo, hi in (("latitude", -90.0, 90.0), ("longitude", -180.0, 180.0)):
        try:
            if not lo <= float(query[key]) <= hi:
                problems.append(f"{key} out of range")
        except (KeyError, ValueError):
            problems.append(f"{key} missing or not a number")
    for key, allowed in (("current", CURRENT), ("daily", DAILY)):
        fields = query.get(key, "").split(",")
        problems += [f"invalid {key} variable {f!r}" for f in fields if f not in allowed]
    if query.get("timezone") != "auto":
        problems.append("timezone should be auto")
    if query.get("temperature_unit", "celsius") not in ("celsius", "fahrenheit"):
        problems.append("invalid temperature_unit")
    if query.get("wind_speed_unit", "kmh") not in ("kmh", "ms", "mph", "kn"):
        problems.append("invalid wind_speed_unit")
    return problems


class FakeOpenMeteo:
    """Start with :meth:`start` (returns the forecast URL), stop with :meth:`stop`, or use ``with``."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.payload: dict[str, Any] | None = None
        """Answer this instead of the recorded file."""
        self.requests: list[dict[str, str]] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="fake-open-meteo", daemon=True)
        self._ready = threading.Event()
        self._release: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None

    def __enter__(self) -> FakeOpenMeteo:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> str:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake Open-Meteo server did not start")
        return self.url

    def stop(self) -> None:
        if self._release is not None:
            self._loop.call_soon_threadsafe(self._release.set)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
            self._ready.set()
            self._loop.run_forever()
            if self._runner is not None:
                self._loop.run_until_complete(self._runner.cleanup())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_get(PATH, self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}{PATH}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        self.requests.append(query)
        problems = check_query(query)
        if problems:
            return web.json_response({"error": True, "reason": "; ".join(problems)}, status=400)
        if self.mode == "error":
            return web.json_response({"error": True, "reason": "Internal server error"}, status=500)
        if self.mode == "hang":
            assert self._release is not None
            await self._release.wait()
            return web.Response(status=503)
        payload = copy.deepcopy(self.payload) if self.payload is not None else None
        if payload is None:
            payload = recorded("imperial" if query.get("temperature_unit") == "fahrenheit" else "metric")
        if self.mode == "wrong_shape":
            payload.pop("daily")
        body = json.dumps(payload)
        if self.mode == "broken":
            body = body[: len(body) // 2]
        return web.Response(text=body, content_type="application/json")

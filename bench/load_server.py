"""The server of the load benchmark, run as its own process (``python -m bench.load_server``).

It is the server ``hark serve`` runs: :func:`hark.server.create_app` over ``Household.open``
and ``load_engines`` with the embedded defaults (Whisper base, hibari, micro-wakeword,
Silero VAD, Smart Turn, the embedded SmolLM2 LLM), a real
:class:`~hark.household.devices.DeviceRegistry` on a fresh data directory, served by
:func:`hark.server.run.serve` on 127.0.0.1 (a free port). It runs in its own process so
that its CPU time (read from ``/proc/<pid>/stat`` by the benchmark) excludes the
simulated devices'.

Besides the server's own routes it answers a few benchmark-only ones (under ``/bench``,
never part of Hark's API):

* ``POST /bench/code``: a pairing code from ``DeviceRegistry.start_pairing`` (what
  ``hark device pair`` shows); the benchmark then pairs through the server's ``POST /api/pair``;
* ``GET /bench/stats``: the engines' executor stats (``Engines.stats()``) and the live connections;
* ``POST /bench/reset``: cancel every timer, alarm and reminder and empty the lists, so
  nothing set during one load level rings during the next;
* ``POST /bench/inproc {"voice", "category", "index"}``: play that corpus item in real time
  through an in-process device session of this very household and engines (the loop
  ``bench/latency.py`` measures, no network) and return its stage times after the true end
  of speech: the baseline for the server's added latency.

When the server is up it writes ``{"port", "pid", "load_seconds", ...}`` to ``--ready-file``.
SIGTERM shuts it down gracefully (sessions told, runs finished, household closed).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.household_brain import reset_household
from hark.config import Settings, load_settings
from hark.engines.registry import Engines, load_engines
from hark.events import Event
from hark.household import Household
from hark.household.devices import DeviceRegistry
from hark.server import create_app
from hark.server.run import serve
from hark.session import open_device_session

INPROC_DEVICE = "bench-inproc"


def server_settings(base: Settings, data_dir: Path) -> Settings:
    """The embedded defaults on a fresh data directory: SQLite there, the embedded LLM, nothing remote."""
    return base.replace(
        data_dir=data_dir,
        storage={"url": ""},
        llm={"backend": "embedded"},
        home_assistant={"url": "", "token": ""},
        mqtt={"url": ""},
    )


class BenchRoutes:
    """The ``/bench`` routes over one running server's household, engines and registry."""

    def __init__(self, app: Starlette, household: Household, engines: Engines, registry: DeviceRegistry) -> None:
        self.app = app
        self.household = household
        self.engines = engines
        self.registry = registry
        self.inproc_lock = asyncio.Lock()

    def routes(self) -> list[Route]:
        return [
            Route("/bench/code", self.code, methods=["POST"]),
            Route("/bench/stats", self.stats, methods=["GET"]),
            Route("/bench/reset", self.reset, methods=["POST"]),
            Route("/bench/inproc", self.inproc, methods=["POST"]),
        ]

    async def code(self, request: Request) -> Response:
        issued = await self.registry.start_pairing(name=None)
        return JSONResponse({"code": issued.code})

    async def stats(self, request: Request) -> Response:
        ctx = self.app.state.hark
        return JSONResponse(
            {
                "executors": {k: dataclasses.asdict(v) for k, v in self.engines.stats().items()},
                "connections": len(ctx.connections),
                "dropped_slow_readers": ctx.dropped_slow_readers,
                "t": time.monotonic(),
            }
        )

    async def reset(self, request: Request) -> Response:
        return JSONResponse(await reset_household(self.household))

    async def inproc(self, request: Request) -> Response:
        from bench.corpus import CATEGORIES, make_item
        from bench.household_brain import SpeakerSink
        from bench.latency import TimedSource, stage_times_ms

        body = await request.json()
        item = make_item(body["voice"], CATEGORIES[body["category"]][int(body["index"])], snr_db=10.0)
        events: list[Event] = []
        async with self.inproc_lock:
            session = open_device_session(
                self.household, self.engines, None, device_id=INPROC_DEVICE, on_event=events.append
            )
            source = TimedSource(item.samples)
            stream = source.stream()
            try:
                results = await asyncio.wait_for(
                    session.listen(stream, SpeakerSink(2.0), max_turns=1), item.duration_s + 60.0
                )
            finally:
                await stream.aclose()  # type: ignore[attr-defined]
        if source.start is None:
            return JSONResponse({"error": "no audio was played"}, status_code=500)
        result = results[0] if results else None
        trace_events = list(result.trace.events) if result is not None else events
        truth_end = source.start + item.speech_end_s
        return JSONResponse(
            {
                "latency_ms": stage_times_ms(trace_events, truth_end),
                "transcript": result.transcript if result is not None else None,
                "reply": result.reply.text if result is not None and result.reply is not None else None,
                "turns": len(results),
                "truth_end_t": truth_end,
            }
        )


async def main_async(args: argparse.Namespace) -> None:
    settings = server_settings(load_settings(), Path(args.data_dir))
    t0 = time.perf_counter()
    engines, household = await asyncio.gather(load_engines(settings), Household.open(settings))
    load_wall = time.perf_counter() - t0
    registry = household.paired_devices
    try:
        app = create_app(household, engines, registry, settings, static_dir=None)
        app.router.routes.extend(BenchRoutes(app, household, engines, registry).routes())

        def started(port: int) -> None:
            ready = {
                "port": port,
                "pid": os.getpid(),
                "load_seconds": {k: round(v, 3) for k, v in engines.load_seconds.items()},
                "load_wall_s": round(load_wall, 3),
                "stt": engines.stt.name if engines.stt else None,
                "tts": f"{engines.tts.name}/{engines.tts.voice}" if engines.tts else None,
                "executors": {k: v.workers for k, v in engines.stats().items()},
            }
            tmp = Path(args.ready_file).with_suffix(".tmp")
            tmp.write_text(json.dumps(ready))
            tmp.replace(args.ready_file)

        await serve(app, "127.0.0.1", 0, on_started=started)
    finally:
        await household.close()
        engines.close(wait=False)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load_server", description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True, help="a fresh data directory (the benchmark makes a temporary one)")
    p.add_argument("--ready-file", required=True, help="written with the port once the server is up")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``hark serve`` and ``hark ask --server URL``: the server's side of the command line.

A device token obtained with ``hark ask --server URL --pair CODE`` is kept in
``<user config dir>/hark/tokens.json`` (mode 600), per server, so later calls need
neither ``--token`` nor the code again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import wave
from pathlib import Path
from typing import Any

import platformdirs

from ..audio import read_wav
from ..config import Settings
from ..errors import ConfigError
from ..esphome.cli import add_esphome_serve_options
from .messages import encode


def add_serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="the server: devices and the web page talk to this household")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    serve.add_argument("--port", type=int, default=8765, help="TCP port (0: any free port)")
    serve.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--wyoming",
        metavar="URI",
        action="append",
        default=[],
        help="also serve Wyoming (Home Assistant) at tcp://HOST:PORT, unix://PATH or stdio:// (repeatable)",
    )
    serve.add_argument(
        "--wyoming-zeroconf",
        action="store_true",
        help="announce the Wyoming tcp:// endpoints (_wyoming._tcp) for discovery",
    )
    serve.add_argument(
        "--wyoming-satellite",
        metavar="URI",
        action="append",
        default=[],
        help="drive a Wyoming satellite (wyoming-satellite) listening at tcp://HOST:PORT (repeatable)",
    )
    add_esphome_serve_options(serve)


def add_remote_ask_options(ask: argparse.ArgumentParser) -> None:
    ask.add_argument("--server", help="ask a running Hark server (its URL) instead of loading the engines here")
    ask.add_argument("--token", help="this device's token (with --server; default: the one saved by --pair)")
    ask.add_argument("--pair", metavar="CODE", help="pair with the server first (the code from: hark device pair)")
    ask.add_argument("--name", help="with --pair: this device's name")


# -- tokens ------------------------------------------------------------------------------------


def tokens_file() -> Path:
    return Path(platformdirs.user_config_dir("hark")) / "tokens.json"


def load_token(server: str) -> str | None:
    from ..client import http_url

    try:
        saved = json.loads(tokens_file().read_text())
    except (OSError, ValueError):
        return None
    token = saved.get(http_url(server)) if isinstance(saved, dict) else None
    return token if isinstance(token, str) else None


def save_token(server: str, token: str) -> Path:
    from ..client import http_url

    path = tokens_file()
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    saved = saved if isinstance(saved, dict) else {}
    saved[http_url(server)] = token
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(saved, f, indent=2)
    return path


# -- hark serve ----------------------------------------------------------------------------------


async def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    """Listen at once (``/healthz`` alive, ``/readyz`` 503), load the engines, then serve."""
    from ..engines import Engines, load_engines
    from ..esphome.controller import EsphomeFleet, start_esphome
    from ..household import Household
    from ..wyoming import WyomingService, check_uri
    from .app import create_app
    from .run import serve

    for uri in args.wyoming:
        check_uri(uri)  # a bad URI is said before anything starts
    if args.wyoming_zeroconf and not any(u.startswith("tcp://") for u in args.wyoming):
        raise ConfigError("--wyoming-zeroconf announces a --wyoming tcp://HOST:PORT endpoint: give one")
    # with stdio://, stdout carries Wyoming events: Hark's own lines go to stderr
    out = sys.stderr if any(u.startswith("stdio://") for u in args.wyoming) else sys.stdout
    household = await Household.open(settings)
    wyoming: WyomingService | None = None
    esphome: EsphomeFleet | None = None
    try:
        registry = household.paired_devices
        code = None
        if not [d for d in await registry.list() if not d.revoked]:
            code = await registry.start_pairing(name=None, ttl_s=600)
        app = create_app(household, Engines(), registry, settings)

        def started(port: int) -> None:
            shown = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
            host = f"[{shown}]" if ":" in shown else shown
            print(f"hark: serving on http://{host}:{port}/ (Ctrl-C to stop); loading the engines", file=out, flush=True)
            if code is not None:
                print(
                    f"hark: no device is paired yet; pairing code for the first one: {code.code}", file=out, flush=True
                )
                print("hark: (enter it on the web page, or: hark ask --server URL --pair CODE)", file=out, flush=True)

        async def load() -> None:
            nonlocal wyoming
            if args.wyoming or args.wyoming_satellite:  # beside the HTTP server, over the same household
                wyoming = WyomingService(
                    app.state.hark, args.wyoming, zeroconf=args.wyoming_zeroconf, satellites=args.wyoming_satellite
                )
                await wyoming.start()
                for address in wyoming.addresses():
                    print(f"hark: Wyoming on {address}", file=out, flush=True)
            nonlocal esphome
            engines = await load_engines(settings)
            if engines.stt is not None:  # the command grammar (~0.4 s) before any device connects
                await asyncio.to_thread(household.tune_stt, engines.stt)
            app.state.hark.engines = engines
            # the ESPHome devices added with hark device add esphome://: Hark connects to each
            esphome = await start_esphome(
                household, engines, media_port=args.esphome_media_port, public_host=args.esphome_public_host
            )
            for device in esphome.controllers:
                print(f"hark: driving ESPHome device {device}", file=out, flush=True)
            loads = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in engines.load_seconds.items())
            print(f"hark: ready (engines loaded: {loads}); data in {settings.data_dir}", file=out, flush=True)

        await serve(app, args.host, args.port, on_started=started, after_start=load(), log_level=args.log_level)
        print("hark: stopped", file=sys.stderr, flush=True)
    finally:
        if wyoming is not None:
            await wyoming.stop()  # its runs finish (bounded) before the household closes
        if esphome is not None:
            await esphome.aclose()
        await household.close()
        await app.state.hark.engines.aclose()  # after every run ended: their executors are idle
    return 0


# -- hark ask --server ---------------------------------------------------------------------------


async def _pair(server: str, code: str, name: str | None) -> str:
    import aiohttp

    from ..client import ClientError, http_url

    async with (
        aiohttp.ClientSession() as http,
        http.post(http_url(server) + "/api/pair", json={"code": code, "name": name or "hark-cli"}) as resp,
    ):
        body = await resp.json(content_type=None)
        if resp.status != 200:
            raise ClientError(body.get("message", f"HTTP {resp.status}"), code=body.get("code", "pairing-refused"))
    token = str(body["token"])
    path = save_token(server, token)
    print(f"hark: paired as {body['device_id']} ({body.get('name')}); token saved in {path}", file=sys.stderr)
    return token


def _write_wav(path: str, rate: int, pcm: bytes) -> None:
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)


async def ask_remote(args: argparse.Namespace) -> int:
    from ..client import connect, ws_url

    if args.pair is None and args.text is None and args.audio is None:
        print("hark ask: give TEXT, --audio FILE.wav or --pair CODE", file=sys.stderr)
        return 2
    if args.text is not None and args.audio is not None:
        print("hark ask: give either TEXT or --audio FILE.wav", file=sys.stderr)
        return 2
    samples = read_wav(args.audio)[0] if args.audio else None
    token = await _pair(args.server, args.pair, args.name) if args.pair else (args.token or load_token(args.server))
    if not token:
        raise ConfigError(
            f"no device token for {args.server}: pass --token, or pair: hark ask --server URL --pair CODE"
        )
    if samples is None and args.text is None:
        return 0  # paired, nothing to ask
    if args.speak:
        print("hark ask: --speak plays locally; with --server use --output FILE.wav", file=sys.stderr)
        return 2
    speak = bool(args.output)  # reply audio is paced at real time: only asked for when it is kept
    async with await connect(ws_url(args.server), token, client="hark-cli/1", ring_when_idle=False) as session:
        if samples is not None:
            result = await session.ask_audio(samples, realtime=False, speak=speak)
        else:
            result = await session.ask_text(args.text, speak=speak)
    if args.output and result.audio:
        _write_wav(args.output, result.audio[0].rate, b"".join(bytes(a.pcm) for a in result.audio))
    turn = result.turn
    if args.json:
        out: dict[str, Any] = encode(turn)
        if args.verbose:
            out["events"] = result.events
        print(json.dumps(out), flush=True)
    else:
        print(f"heard: {turn.transcript}")
        print(f"reply: {turn.reply}")
        timings = ", ".join(f"{k} {v:.0f} ms" for k, v in turn.timings_ms.items())
        audio = f"  (reply audio {result.audio_seconds:.1f} s)" if result.audio else ""
        print(f"timings: {timings}{audio}", flush=True)
        for error in turn.errors:
            print(f"error [{error.get('code')}]: {error.get('message')}", file=sys.stderr)
    return 0 if turn.ok and not turn.errors else 1

"""The ``hark`` command: ``listen``, ``ask``, ``serve``, ``device``, ``household``, ``member``, ``usage``, ``config check``.

Failures reach the user as one line, ``hark: error [code]: what went wrong and what to do``,
never as a traceback (``-v`` or ``HARK_DEBUG=1`` shows them). Exit codes: 0 done;
1 the turn failed (``--json``: its ``errors`` list says why) or Hark hit a bug;
2 Hark could not start or the configuration has problems; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import traceback
from importlib import resources
from pathlib import Path

from . import __version__, doctor
from .audio import NullSink, SpeakerSink, WavFileSink, has_microphone, microphone_source, read_wav, wav_source
from .audio.sinks import AudioSink
from .config import Settings, load_settings
from .console import DEBUG_HINT, debugging, one_line, setup_logging
from .engines import load_engines
from .errors import HarkError
from .events import ErrorEvent
from .household import Household
from .household.admin_cli import add_device_parser, run_device
from .household.people_cli import add_people_parsers, run_people
from .household.usage_cli import add_usage_parser, run_usage
from .pipeline import TurnResult, format_trace
from .server import cli as server_cli
from .session import open_device_session

log = logging.getLogger(__name__)


def demo_wav() -> Path:
    return Path(str(resources.files("hark").joinpath("data/demo.wav")))


def _print_turn(result: TurnResult, args: argparse.Namespace, index: int) -> None:
    if args.json:
        print(json.dumps(result.trace.summary()), flush=True)
    else:
        print(f"--- turn {index} ---")
        print(format_trace(result.trace, verbose=args.verbose), flush=True)


def _sink(args: argparse.Namespace, settings: Settings, *, realtime: bool) -> AudioSink:
    if getattr(args, "output", None):
        return WavFileSink(args.output, realtime=realtime)
    if getattr(args, "speak", True):
        return SpeakerSink(settings.audio.output_device)
    return NullSink()


async def _listen(args: argparse.Namespace, settings: Settings) -> int:
    if args.input:
        source_path: Path | None = Path(args.input)
    elif has_microphone(settings.audio.input_device):
        source_path = None
    else:
        source_path = demo_wav()
        print(
            f"hark: no microphone found; playing {source_path} in real time instead (use --input FILE.wav)",
            file=sys.stderr,
        )
    if source_path is not None:
        read_wav(source_path)  # refuse a bad file before loading the engines
    engines, household = await asyncio.gather(load_engines(settings), Household.open(settings))
    loads = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in engines.load_seconds.items())
    print(f"hark: engines loaded ({loads}); data in {settings.data_dir}", file=sys.stderr)
    words = ", ".join(settings.wake.words)
    if not args.output and source_path is not None and not has_microphone(settings.audio.output_device):
        args.speak = False
    sink = _sink(args, settings, realtime=True)
    assistant = open_device_session(household, engines, sink)
    await household.hub.attach(assistant.device_id, assistant)
    if source_path is not None:
        source = wav_source(source_path, block_ms=settings.audio.block_ms, tail_silence_s=2.0)
        print(f"hark: listening to {source_path} for {words}", file=sys.stderr)
    else:
        source = microphone_source(settings.audio.input_device, block_ms=settings.audio.block_ms)
        print(f"hark: listening on the microphone for {words} (Ctrl-C to stop)", file=sys.stderr)
    count = failed = 0

    def on_turn(result: TurnResult) -> None:
        nonlocal count, failed
        count += 1
        failed += not result.ok
        _print_turn(result, args, count)

    try:
        await assistant.listen(source, sink, on_turn=on_turn, max_turns=args.max_turns)
    finally:
        household.hub.detach(assistant.device_id)
        await household.close()
        await sink.close()
        await engines.aclose()
    if count == 0:
        print("hark: no wake word was heard", file=sys.stderr)
    elif failed:
        print(f"hark: {failed} of {count} turns failed (their errors are in the trace)", file=sys.stderr)
    return 1 if failed else 0


async def _ask(args: argparse.Namespace, settings: Settings) -> int:
    if (args.text is None) == (args.audio is None):
        print("hark ask: give either TEXT or --audio FILE.wav", file=sys.stderr)
        return 2
    samples = read_wav(args.audio)[0] if args.audio else None
    text_only = samples is None and not args.output and not args.speak and args.no_tts
    engines, household = await asyncio.gather(
        load_engines(settings, wake=False, audio_in=samples is not None, tts=not text_only), Household.open(settings)
    )
    sink: AudioSink | None = None if text_only else _sink(args, settings, realtime=False)
    assistant = open_device_session(household, engines, sink)
    try:
        result = await (
            assistant.ask_audio(samples, sink) if samples is not None else assistant.ask_text(args.text, sink)
        )
    finally:
        await household.close()
        if sink is not None:
            await sink.close()
        await engines.aclose()
    _print_turn(result, args, 1)
    failed = not result.ok or any(isinstance(e, ErrorEvent) for e in result.trace.events)
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hark", description="Hark: a fast, private voice assistant.")
    p.add_argument("--version", action="version", version=f"hark {__version__}")
    p.add_argument("--config", help="TOML config file (default: $HARK_CONFIG, then the user config folder)")
    sub = p.add_subparsers(dest="command", required=True)

    listen = sub.add_parser("listen", help="the spoken loop: wake word, request, spoken answer")
    listen.add_argument("--input", help="WAV file played in real time instead of the microphone")
    listen.add_argument("--output", help="write the spoken replies to this WAV instead of the speaker")
    listen.add_argument("--max-turns", type=int, default=None)
    listen.add_argument("--json", action="store_true", help="one JSON object per turn")
    listen.add_argument("--verbose", "-v", action="store_true", help="print every event")
    listen.set_defaults(speak=True)

    ask = sub.add_parser("ask", help="one turn from text or a recording")
    ask.add_argument("text", nargs="?", help="the request as text")
    ask.add_argument("--audio", help="the request as a WAV recording (no wake word)")
    ask.add_argument("--output", help="write the spoken reply to this WAV")
    ask.add_argument("--speak", action="store_true", help="play the reply on the speaker")
    ask.add_argument("--no-tts", action="store_true", help="text reply only (text requests)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--verbose", "-v", action="store_true", help="print every event")
    server_cli.add_remote_ask_options(ask)

    server_cli.add_serve_parser(sub)
    add_device_parser(sub)
    add_people_parsers(sub)
    add_usage_parser(sub)

    cfg = sub.add_parser("config", help="configuration")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    check = cfg_sub.add_parser("check", help="check everything a start needs: settings, models, database")
    check.add_argument("--verbose", "-v", action="store_true", help="print tracebacks")

    models = sub.add_parser("models", help="language models for the embedded LLM")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    pull = models_sub.add_parser("pull", help="download a recommended GGUF into <data_dir>/models (verified)")
    pull.add_argument("name", help="e.g. qwen2.5-1.5b-instruct (see: hark models list)")
    pull.add_argument("--sha256", help="expected SHA-256 of the file; a mismatch deletes it")
    pull.add_argument("--endpoint", help="Hub URL (default: $HF_ENDPOINT, then https://huggingface.co)")
    pull.add_argument("--force", action="store_true", help="download again even if a verified copy is present")
    models_sub.add_parser("list", help="recommended models and the GGUF files already pulled")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    debug = debugging(args)
    setup_logging(debug)
    try:
        return _run(args)
    except HarkError as exc:
        if debug:
            traceback.print_exc()
        print(f"hark: error [{exc.code}]: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (| head): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if debug:
            traceback.print_exc()
        hint = "" if debug else f" ({DEBUG_HINT})"
        print(f"hark: error [internal]: {type(exc).__name__}: {one_line(str(exc))}{hint}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    # config check reports every problem itself; models pull may fetch the file llm.model_path names
    settings = load_settings(args.config, check=args.command not in ("config", "models"))
    if args.command == "config":
        return doctor.run(settings)
    if args.command == "models":
        from .llm import models_pull

        dest = models_pull.models_dir(settings.data_dir)
        if args.models_command == "list":
            return models_pull.cli_list(dest)
        return models_pull.cli_pull(args.name, dest, sha256=args.sha256, endpoint=args.endpoint, force=args.force)
    if args.command == "listen":
        return asyncio.run(_listen(args, settings))
    if args.command == "serve":
        return asyncio.run(server_cli.serve_command(args, settings))
    if args.command == "device":
        return run_device(args, settings)
    if args.command in ("household", "member"):
        return run_people(args, settings)
    if args.command == "usage":
        return run_usage(args, settings)
    if args.server:
        return asyncio.run(server_cli.ask_remote(args))
    if args.token or args.pair:
        print("hark ask: --token and --pair go with --server URL", file=sys.stderr)
        return 2
    return asyncio.run(_ask(args, settings))

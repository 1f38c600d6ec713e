"""What the user sees of Hark's logging on a terminal: one line per message on stderr, never a
traceback unless debugging (``-v``, ``HARK_DEBUG=1``). (A turn's own failures are not logged
here: the brains report them as ``Failure`` parts, which become the turn's ``error`` events.)"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import traceback
from typing import Any

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

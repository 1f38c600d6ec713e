"""Timers survive ``kill -9``: a real process sets them, dies, and a new one rings them."""

from __future__ import annotations

import datetime as dt
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("persist_child.py")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def _spawn(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "HARK_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("HARK_CONFIG", None)
    env.pop("HARK_STORAGE__URL", None)
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _line(proc: subprocess.Popen[str], prefix: str, timeout: float = 15.0) -> tuple[str, float]:
    """The next stdout line starting with ``prefix``, and the wall time it arrived."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(prefix):
            return line.rstrip("\n"), time.time()
    proc.kill()
    _, err = proc.communicate()
    raise AssertionError(f"no {prefix!r} line from the child; stderr:\n{err}")


def _set_and_kill(data_dir: Path, tea_s: int) -> float:
    """Start the timers in a child, SIGKILL it; returns when tea ends (epoch seconds)."""
    child = _spawn(data_dir, "set", str(tea_s))
    line, _ = _line(child, "READY ")
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=10) == -signal.SIGKILL
    child.communicate()
    return dt.datetime.fromisoformat(line.split(" ", 1)[1]).timestamp()


def _finish(proc: subprocess.Popen[str]) -> str:
    pending, _ = _line(proc, "PENDING ")
    assert proc.wait(timeout=10) == 0
    proc.communicate()
    return pending


def test_a_timer_set_before_kill_9_rings_on_time_after_restart(tmp_path: Path) -> None:
    tea_ends = _set_and_kill(tmp_path, 3)
    runner = _spawn(tmp_path, "run", "2.0")
    _line(runner, "STARTED")
    ring, rang_at = _line(runner, "RING ")
    assert ring == "RING Your tea timer is done. late=False"
    assert tea_ends - 0.2 <= rang_at <= tea_ends + 2.0
    assert _finish(runner) == "PENDING timer:2"  # the 60 s soup timer is still waiting


def test_a_timer_that_ended_while_down_rings_at_once_marked_late(tmp_path: Path) -> None:
    tea_ends = _set_and_kill(tmp_path, 1)
    time.sleep(max(0.0, tea_ends + 1.0 - time.time()))  # Hark stays down past the end
    started = time.time()
    runner = _spawn(tmp_path, "run", "0.5")
    ring, rang_at = _line(runner, "RING ")
    assert ring.startswith("RING Your tea timer finished ") and ring.endswith(" ago. late=True")
    assert rang_at - started < 5.0  # at once: no waiting beyond the process start
    assert _finish(runner) == "PENDING timer:2"

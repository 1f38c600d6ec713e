"""The server load benchmark's process plumbing: the server in its own process
(:mod:`bench.load_server`), its CPU and memory from ``/proc``, the machine's CPU, pairing.

CPU is read from ``/proc/<pid>/stat`` (utime + stime of every thread) so that the simulated
devices' work, done in the benchmark's own process, never counts as the server's; the
whole machine's busy time (``/proc/stat``) minus the server's and the benchmark's is what
other processes took meanwhile (a window where they took more than ``BUSY_OTHERS_CORES``
is marked busy).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

BUSY_OTHERS_CORES = 0.25
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- /proc ---------------------------------------------------------------------------------------------


def proc_cpu_s(pid: int) -> float:
    """utime + stime of ``pid`` (all its threads), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine_busy_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    return (sum(parts[:8]) - idle) / CLK_TCK, sum(parts[:8]) / CLK_TCK


class CpuWindow:
    """Server, this process and the whole machine over one stretch of wall time."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.wall0 = time.monotonic()
        self.server0 = proc_cpu_s(pid)
        self.self0 = time.process_time()
        self.machine0 = machine_busy_s()[0]
        self.load0 = [round(x, 2) for x in os.getloadavg()]

    def stop(self) -> dict[str, Any]:
        wall = time.monotonic() - self.wall0
        server = proc_cpu_s(self.pid) - self.server0
        mine = time.process_time() - self.self0
        machine = machine_busy_s()[0] - self.machine0
        others = max(0.0, machine - server - mine)
        return {
            "wall_s": round(wall, 2),
            "server_cpu_s": round(server, 2),
            "server_cpu_cores": round(server / wall, 3),
            "devices_cpu_cores": round(mine / wall, 3),
            "others_cpu_cores": round(others / wall, 3),
            "loadavg_at_start": self.load0,
            "busy": others / wall > BUSY_OTHERS_CORES,
        }


# -- the server process --------------------------------------------------------------------------------


@contextlib.contextmanager
def server_process(log_path: Path) -> Iterator[dict[str, Any]]:
    """``python -m bench.load_server`` on a fresh data directory; its ready file once it serves."""
    with tempfile.TemporaryDirectory(prefix="hark-load-") as tmp:
        ready = Path(tmp) / "ready.json"
        data = Path(tmp) / "data"
        data.mkdir()
        with log_path.open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bench.load_server", "--data-dir", str(data), "--ready-file", str(ready)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parent.parent,
            )
            try:
                deadline = time.monotonic() + 300
                while not ready.exists():
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the server did not start (see {log_path})")
                    time.sleep(0.2)
                info = json.loads(ready.read_text())
                info["url"] = f"http://127.0.0.1:{info['port']}"
                info["ws"] = f"ws://127.0.0.1:{info['port']}/api/ws"
                yield info
            finally:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(60)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()


async def pair_devices(url: str, n: int) -> list[str]:
    """``n`` device tokens: a code from the registry, then the server's ``POST /api/pair``."""
    tokens = []
    async with aiohttp.ClientSession() as http:
        for i in range(n):
            async with http.post(f"{url}/bench/code") as resp:
                code = (await resp.json())["code"]
            async with http.post(f"{url}/api/pair", json={"code": code, "name": f"bench device {i + 1}"}) as resp:
                body = await resp.json()
                if resp.status != 200:
                    raise RuntimeError(f"pairing failed: {body}")
                tokens.append(body["token"])
    return tokens


async def get_json(url: str, method: str = "GET", body: dict[str, Any] | None = None) -> Any:
    async with aiohttp.ClientSession() as http, http.request(method, url, json=body) as resp:
        return await resp.json()

"""A real Mosquitto broker for tests, on a free loopback port, with a throwaway config.

The tests exercise Hark's MQTT code against the Debian ``mosquitto`` binary rather than a
mock, so QoS 1 acknowledgements and retained messages behave as in a home. A missing binary
fails the test (with how to install it) instead of skipping: a skipped MQTT suite would
look green while testing nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

MOSQUITTO = Path("/usr/sbin/mosquitto")
START_TIMEOUT_S = 10.0


@dataclasses.dataclass(frozen=True)
class Broker:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def running_mosquitto(workdir: Path, binary: Path = MOSQUITTO, *, anonymous: bool = True) -> Iterator[Broker]:
    """Start mosquitto, wait until its port accepts connections, and terminate it afterwards.

    ``anonymous=False`` (and no password file) makes a broker that refuses every login.
    """
    if not binary.exists():
        pytest.fail(f"{binary} is missing: the MQTT tests need a real broker (apt-get install mosquitto)")
    port = free_port()
    conf = workdir / "mosquitto.conf"
    log = workdir / "mosquitto.log"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous {'true' if anonymous else 'false'}\npersistence false\nlog_dest stderr\nlog_type error\n"
    )
    with open(log, "wb") as log_fh:
        proc = subprocess.Popen([str(binary), "-c", str(conf)], stdout=log_fh, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _accepts(port):
                if proc.poll() is not None:
                    pytest.fail(f"mosquitto exited with {proc.returncode}: {log.read_text(errors='replace')}")
                if time.monotonic() > deadline:
                    pytest.fail(f"mosquitto did not listen on 127.0.0.1:{port} within {START_TIMEOUT_S} s")
                time.sleep(0.02)
            yield Broker("127.0.0.1", port)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

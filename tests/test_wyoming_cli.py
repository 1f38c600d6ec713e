"""``hark serve --wyoming tcp://...`` as a user runs it: the Wyoming endpoint listens beside the
HTTP server, Home Assistant's calls are answered, and SIGTERM stops both (exit 0); a URI Hark
cannot serve is one clear error before anything starts."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.handle import Handled
from wyoming.info import Describe, Info

from tests.test_cli import hark_env
from tests.test_server_cli import read_line_matching
from tests.wyoming_harness import read_until


@pytest.mark.slow
async def test_serve_with_wyoming_then_sigterm(data_dir: Path, tmp_path: Path) -> None:
    env = hark_env(data_dir, HARK_LLM__BACKEND="off", HARK_STORAGE__URL=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hark", "serve", "--port", "0", "--wyoming", "tcp://127.0.0.1:0", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert server.stdout is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(240):
            m = await read_line_matching(server.stdout, r"Wyoming on tcp://([\d.]+):(\d+)", seen)
            host, port = m.group(1), int(m.group(2))
            await read_line_matching(server.stdout, r"hark: ready", seen)
            async with AsyncTcpClient(host, port) as c:
                await c.write_event(Describe().event())
                info = Info.from_event((await read_until(c, "info"))[-1])
            assert info.asr and info.tts and info.wake and info.handle
            async with AsyncTcpClient(host, port) as c:
                await c.write_event(Transcript(text="what time is it", context={"conversation_id": "x"}).event())
                handled = Handled.from_event((await read_until(c, "handled"))[-1])
            assert (handled.text or "").startswith("It's"), handled
            server.send_signal(signal.SIGTERM)
            assert await server.wait() == 0
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()


async def test_a_bad_wyoming_uri_is_refused_before_start(data_dir: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hark", "serve", "--port", "0", "--wyoming", "http://127.0.0.1:10700",
        env=hark_env(data_dir), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode != 0
    assert re.search(r"error \[config-invalid\]: --wyoming http://127.0.0.1:10700: Only 'stdio://'", err.decode()), err

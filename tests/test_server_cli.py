"""``hark serve`` as a user runs it (a real subprocess): it prints its URL and a first pairing
code, ``hark ask --server`` pairs and asks through it, and SIGTERM with a turn in flight lets
the turn finish, says bye, exits 0, and the turn is in the database's turn log."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from hark import client
from hark.server import messages
from hark.server.cli import load_token
from hark.store import Database
from hark.store.models import TurnLog
from tests.test_cli import hark_env


async def read_line_matching(stream: asyncio.StreamReader, pattern: str, seen: list[str]) -> re.Match[str]:
    while True:
        line = (await stream.readline()).decode()
        if not line:
            raise AssertionError(f"the server ended before printing {pattern!r}: {seen}")
        seen.append(line)
        if m := re.search(pattern, line):
            return m


async def hark_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hark", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 240)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.slow
async def test_serve_pair_ask_then_sigterm_with_a_turn_in_flight(data_dir: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'served.db'}"
    env = hark_env(data_dir, HARK_LLM__BACKEND="off", HARK_STORAGE__URL=db_url)
    monkeypatch.setenv("XDG_CONFIG_HOME", env["XDG_CONFIG_HOME"])  # where hark ask --pair saves the token
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hark", "serve", "--port", "0", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert server.stdout is not None and server.stderr is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(240):
            url = (await read_line_matching(server.stdout, r"serving on (http://\S+)/", seen)).group(1)
            code = (await read_line_matching(server.stdout, r"pairing code for the first one: (\d{6})", seen)).group(1)
            await read_line_matching(server.stdout, r"hark: ready", seen)

        # hark ask --server: pair with the code shown, then ask (text; and a recording, through the server)
        rc, out, err = await hark_cli("ask", "--server", url, "--pair", code, "--name", "cli", "--json",
                                      "what is the date today", env=env)  # fmt: skip
        assert rc == 0, err
        turn = json.loads(out)
        assert turn["type"] == "turn" and turn["intent"] == "HassGetCurrentDate" and turn["reply"].startswith("Today")
        token = load_token(url)
        assert token is not None
        wav = str(Path(__file__).parent / "data" / "date_request.wav")
        reply_wav = tmp_path / "reply.wav"
        rc, out, err = await hark_cli("ask", "--server", url, "--audio", wav, "--output", str(reply_wav), env=env)
        assert rc == 0, err
        assert "heard: What is the date today?" in out and reply_wav.stat().st_size > 40_000

        # a spoken reply under way when SIGTERM comes: it finishes, then bye, then the socket closes
        async with await client.connect(client.ws_url(url), token) as session:
            await session.send_raw(json.dumps({"type": "start", "start_stage": "brain", "text": "what time is it"}))
            order: list[str] = []
            while True:
                item = await session.next()
                assert item is not None, order
                order.append("audio" if isinstance(item, bytes) else item.type)
                if isinstance(item, bytes):
                    break
            server.send_signal(signal.SIGTERM)
            turn_msg = None
            while (item := await session.next()) is not None:
                order.append("audio" if isinstance(item, bytes) else item.type)
                if isinstance(item, messages.TurnMessage):
                    turn_msg = item
            close_code = session.ws.close_code
        assert turn_msg is not None and turn_msg.ok and turn_msg.intent == "HassGetCurrentTime", order
        assert order.index("bye") < order.index("audio-stop") < order.index("turn") < order.index("done"), order
        assert close_code == 1001
        async with asyncio.timeout(60):
            assert await server.wait() == 0, (await server.stderr.read()).decode()
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()

    db = Database(db_url)
    await db.open()
    try:
        async with db.transaction() as s:
            rows = (await s.execute(select(TurnLog).order_by(TurnLog.id))).scalars().all()
    finally:
        await db.close()
    assert [r.transcript for r in rows] == ["what is the date today", "What is the date today?", "what time is it"]
    assert len({r.device_id for r in rows}) == 1

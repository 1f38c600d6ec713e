"""A real Wyoming peer: ``wyoming-satellite`` 1.0.0 (its own virtual environment, .venv-peers, made by
scripts/peers-setup) with its microphone and speaker pointed at files. Hark drives it the way Home
Assistant does (connects, describe, run-satellite); a spoken request through the satellite gets a
spoken reply from Hark. Without a wake service the satellite streams all the time and Hark hears
the wake word; with ``--wake-uri`` pointed at Hark's own Wyoming wake service, the satellite
detects it first and Hark runs the pipeline from speech recognition."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hark.audio import read_wav, to_float
from hark.audio.convert import resample
from tests.conftest import DATA
from tests.server_harness import wait_for
from tests.wyoming_harness import wyoming_household

PEERS = Path(__file__).resolve().parent.parent / ".venv-peers" / "bin" / "python"
pytestmark = pytest.mark.skipif(
    not PEERS.exists(), reason="no .venv-peers: run scripts/peers-setup (wyoming-satellite)"
)
SND_RATE = 22050

MIC = textwrap.dedent(
    """
    import sys, time, os
    go, speech = sys.argv[1], open(sys.argv[2], "rb").read()
    while not os.path.exists(go):
        time.sleep(0.05)
    out, step, t0, sent = sys.stdout.buffer, 2048, time.monotonic(), 0
    def paced(data):
        global sent
        for i in range(0, len(data), step):
            out.write(data[i:i + step]); out.flush(); sent += len(data[i:i + step])
            time.sleep(max(0.0, t0 + sent / 32000 / 2 - time.monotonic()))  # twice real time
    paced(speech)
    while True:
        paced(bytes(step * 8))
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_satellite(tmp_path: Path, port: int, *extra: str) -> asyncio.subprocess.Process:
    speech = np.concatenate([read_wav(DATA / "wake_time_piper.wav")[0], np.zeros(16000 * 3, np.int16)])
    (tmp_path / "speech.raw").write_bytes(speech.astype("<i2").tobytes())
    (tmp_path / "mic.py").write_text(MIC)
    with open(tmp_path / "satellite.log", "wb") as log:  # noqa: ASYNC230 - opened once, before it starts
        return await asyncio.create_subprocess_exec(
            str(PEERS), "-m", "wyoming_satellite",
            "--uri", f"tcp://127.0.0.1:{port}", "--name", "Kitchen Satellite", "--no-zeroconf",
            "--mic-command", f"{PEERS} {tmp_path / 'mic.py'} {tmp_path / 'go'} {tmp_path / 'speech.raw'}",
            "--snd-command", f"sh -c 'cat >> {tmp_path / 'said.raw'}'", "--snd-command-rate", str(SND_RATE),
            *extra,
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
            start_new_session=True,  # its microphone and speaker commands are its children: ended with it
        )  # fmt: skip


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            async with asyncio.timeout(10):
                await proc.wait()
        except TimeoutError:
            os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()


def said(tmp_path: Path) -> np.ndarray:
    path = tmp_path / "said.raw"
    return np.frombuffer(path.read_bytes(), "<i2") if path.exists() else np.zeros(0, np.int16)


@pytest.mark.slow
@pytest.mark.parametrize("wake_at", ["hark", "satellite"])
async def test_a_spoken_request_through_wyoming_satellite_gets_a_spoken_reply(  # type: ignore[no-untyped-def]
    settings, engines, tmp_path: Path, no_leaked_tasks: None, wake_at: str
) -> None:
    port, hark_port = free_port(), free_port()
    extra = (
        ("--wake-uri", f"tcp://127.0.0.1:{hark_port}", "--wake-word-name", "hey_jarvis")
        if wake_at == "satellite"
        else ()
    )
    async with wyoming_household(
        settings,
        engines,
        tmp_path / "home",
        uris=[f"tcp://127.0.0.1:{hark_port}"],
        satellites=[f"tcp://127.0.0.1:{port}"],
    ) as wy:
        satellite = await start_satellite(tmp_path, port, *extra)  # Hark listens first: its wake service is there
        try:
            (driver,) = wy._satellites
            await asyncio.wait_for(driver.connected.wait(), 60)
            link = driver.connection.satellite
            assert link.device_id == "kitchen-satellite"
            # the satellite's own connections to Hark: its wake word service, when it uses Hark's
            await wait_for(lambda: len(wy.connections) == (2 if wake_at == "satellite" else 1), what="connected")
            (tmp_path / "go").touch()  # the user speaks
            await wait_for(lambda: link.turns and link.turns[0].reply is not None, timeout_s=120, what="a turn")
            turn = link.turns[0]
            assert turn.transcript is not None and "time" in turn.transcript.lower(), turn.transcript
            assert turn.reply is not None and turn.reply.text.startswith("It's"), turn.reply.text
            # the reply reached the satellite's speaker (resampled by it to its own rate)
            seconds = turn.reply.seconds_played
            await wait_for(lambda: len(said(tmp_path)) >= 0.9 * seconds * SND_RATE, timeout_s=30, what="the reply")
            heard = engines.stt.transcribe(resample(to_float(said(tmp_path)), SND_RATE, 16000)).lower()
            assert "it's" in heard or "it is" in heard, heard
        finally:
            await stop(satellite)

"""Helpers for the web page's end-to-end test: the fake microphone's WAV, the real server
(a real household, its device registry and the real engines, on uvicorn, in the test's event
loop), and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np

from hark.audio import read_wav

CHROMIUM = Path("/usr/bin/chromium")


def chromium_missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (scripts/setup installs Debian's chromium with the dev extras)"
    return None


@dataclasses.dataclass(frozen=True)
class MicWav:
    """What Chromium's fake microphone plays, looped: ``lead_s`` of silence, the request, silence."""

    path: Path
    lead_s: float
    speech_s: float
    period_s: float


def write_mic_wav(path: Path, request: Path, *, lead_s: float, tail_s: float, peak: float = 0.5) -> MicWav:
    """16 kHz mono s16 (Chromium's file capture converts it to the device's rate: checked in the
    test by the transcript), the request scaled to ``peak`` so the browser's gain control has room."""
    samples, rate = read_wav(request)
    assert rate == 16000, rate
    speech = samples.astype(np.float64)
    speech *= peak * 32767 / max(1.0, float(np.abs(speech).max()))
    audio = np.concatenate([np.zeros(int(lead_s * rate)), speech, np.zeros(int(tail_s * rate))]).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(audio.tobytes())
    return MicWav(path, lead_s, len(samples) / rate, len(audio) / rate)


def chromium_args(mic: Path) -> list[str]:
    return [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={mic}",
    ]


@contextlib.asynccontextmanager
async def chromium(mic: Path, profile: Path) -> AsyncIterator[Any]:
    """A browser context on a fresh profile whose microphone plays ``mic`` in a loop."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=chromium_args(mic),
            viewport={"width": 420, "height": 860},  # a phone-sized window, with a touch screen
            has_touch=True,
        )
        try:
            yield context
        finally:
            await context.close()
    shutil.rmtree(profile, ignore_errors=True)


@contextlib.asynccontextmanager
async def finger_on(page: Any, selector: str) -> AsyncIterator[None]:
    """A finger on the middle of ``selector`` for the block, then lifted: a real touch sequence
    (Chromium makes the pointer events from it), as on a phone."""
    box = await page.locator(selector).bounding_box()
    assert box is not None, selector
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    cdp = await page.context.new_cdp_session(page)
    try:
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
        try:
            yield
        finally:
            await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        await cdp.detach()


@dataclasses.dataclass
class Served:
    url: str
    registry: Any
    ctx: Any


@contextlib.asynccontextmanager
async def served(settings: Any, engines: Any, data_dir: Path) -> AsyncIterator[Served]:
    """The real server over a real household (classic brain only, its own database) with the web
    page, on 127.0.0.1 and a free port; drained and stopped after."""
    from hark.household import Household
    from hark.server import create_app
    from hark.server.run import bind, make_server, port_of
    from tests.storefakes import store_url

    s = dataclasses.replace(settings, data_dir=data_dir).replace(
        llm={"backend": "off"}, storage={"url": store_url(data_dir / "hark.db")}
    )
    household = await Household.open(s)
    try:
        registry = household.paired_devices
        app = create_app(household, engines, registry, s)
        server = make_server(app)
        sock = bind("127.0.0.1", 0)
        task = asyncio.create_task(server.serve(sockets=[sock]), name="web-test-uvicorn")
        try:
            async with asyncio.timeout(60):
                while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn sets a flag, no event
                    await asyncio.sleep(0.02)
            if task.done():
                task.result()
            yield Served(f"http://127.0.0.1:{port_of(server)}/", registry, app.state.hark)
        finally:
            server.stop_accepting()
            await app.state.hark.drain()
            server.should_exit = True
            await task
            sock.close()
    finally:
        await household.close()

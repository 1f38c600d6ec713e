"""The web page end to end: Debian's Chromium (headless, driven by Playwright) with a fake
microphone playing a spoken WAV, against the real server, household and engines.

The page pairs with a code from the device registry, connects, and a spoken request is
heard, answered and played: push-to-talk (the button held while the request plays) and
hands-free (the server's wake word). Waits are for states, with generous deadlines.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import DATA
from tests.textmatch import wer
from tests.web_harness import MicWav, chromium, chromium_missing, finger_on, served, write_mic_wav

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")

DEADLINE_MS = 120_000
SCREENSHOT = os.environ.get("HARK_WEB_SCREENSHOT")
"""Where to keep a screenshot of the page mid-turn (for people; the test keeps its own copy)."""


async def until(page: Any, condition: str, arg: Any = None) -> Any:
    """Wait for a state of the page (a JS expression over ``hark``, the page's ``window.hark``)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    js = f"(arg) => {{ const hark = window.hark; return {condition}; }}"
    try:
        handle = await page.wait_for_function(js, arg=arg, timeout=DEADLINE_MS)
    except PlaywrightTimeout:
        seen = await page.evaluate(
            "() => ({...window.hark, events: window.hark.events.map((e) => e.type + (e.text ? ':' + e.text : ''))})"
        )
        raise AssertionError(f"the page never reached {condition!r}; it is at {seen}") from None
    return await handle.json_value()


async def paired_page(context: Any, srv: Any, name: str) -> tuple[Any, list[str]]:
    """A page that paired through its form with a fresh code and turned its microphone on."""
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    await page.goto(srv.url)
    await until(page, "hark.state === 'unpaired'")
    assert await page.locator("#pairing").is_visible()
    code = (await srv.registry.start_pairing()).code
    await page.fill("#pair-code", code)
    await page.fill("#pair-name", name)
    await page.click("#pair-submit")
    await until(page, "hark.state === 'ready'")
    devices = await srv.registry.list()
    assert [d.name for d in devices] == [name]
    assert await until(page, "hark.deviceId") == devices[0].device_id
    assert not await page.locator("#pairing").is_visible()
    await page.click("#mic-on")  # the user gesture that starts audio
    await until(page, "hark.state === 'idle' && hark.micSeconds > 0.1")
    return page, page_errors


def wav(tmp_path: Path, name: str, *, lead_s: float, tail_s: float) -> MicWav:
    return write_mic_wav(tmp_path / f"mic-{name}", DATA / name, lead_s=lead_s, tail_s=tail_s)


async def assert_reply_played(page: Any) -> dict[str, Any]:
    """Every sample of the replies so far was received and played by the playback worklet, and
    they are as long as the server's synthesis said."""
    state = await until(
        page,
        "hark.repliesPlayed >= 1 && hark.state !== 'speaking'"
        " && hark.events.filter((e) => e.type === 'tts-end').length === hark.repliesPlayed && hark",
    )
    tts_s = sum(e["seconds"] for e in state["events"] if e["type"] == "tts-end")
    received_s = state["receivedSamples"] / state["replyRate"]
    assert abs(received_s - tts_s) < 0.05, (received_s, tts_s)
    assert state["receivedSamples"] - 2 <= state["playedSamples"] <= state["receivedSamples"] + 2, state
    return state


def today_candidates() -> set[str]:
    zone = ZoneInfo("Europe/Paris")
    now = dt.datetime.now(zone)
    return {d.strftime("%A") for d in (now, now + dt.timedelta(minutes=5))}


async def test_push_to_talk_in_chromium(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mic = wav(tmp_path, "date_request.wav", lead_s=2.0, tail_s=2.5)
    async with served(settings, engines, tmp_path / "data") as srv, chromium(mic.path, tmp_path / "profile") as browser:
        page, page_errors = await paired_page(browser, srv, "kitchen browser")
        # The fake microphone loops the WAV from when the page opened it: press in the lead
        # silence, hold through the request, release in the silence after it.
        t0 = await until(
            page,
            "(hark.micSeconds % arg.p) > 0.2 && (hark.micSeconds % arg.p) < arg.lead - 0.8 && hark.micSeconds",
            {"p": mic.period_s, "lead": mic.lead_s},
        )
        release_at = t0 - t0 % mic.period_s + mic.lead_s + mic.speech_s + 1.2
        box = await page.locator("#ptt").bounding_box()
        assert box is not None
        await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        await page.mouse.down()
        assert await until(page, "hark.state") == "listening"
        assert await page.locator("#ptt").get_attribute("aria-pressed") == "true"
        await until(page, "hark.micSeconds >= arg || hark.events.some((e) => e.type === 'vad-end')", release_at)
        await page.mouse.up()

        # mid-turn: the transcript and the reply text are on the page while the reply plays
        await until(page, "hark.state === 'speaking' && hark.events.some((e) => e.type === 'brain-text')")
        shot = tmp_path / "hark-web.png"
        await page.screenshot(path=str(shot), full_page=True)
        if SCREENSHOT:
            shutil.copyfile(shot, SCREENSHOT)

        state = await assert_reply_played(page)
        await until(page, "hark.turns.length >= 1")
        (turn,) = await page.evaluate("window.hark.turns")
        assert wer("What is the date today?", turn["transcript"]) <= 0.25, turn
        assert turn["ok"]
        assert re.fullmatch(r"Today is (\w+), \w+ \d+\w\w(, \d{4})?\.", turn["reply"]), turn
        assert turn["reply"].split()[2].rstrip(",") in today_candidates(), turn
        # what the page shows: the transcript (aria-live), the reply, the log, the latency bar
        assert (await page.text_content("#heard")) == turn["transcript"]
        assert (await page.text_content("#said")) == turn["reply"]
        log = await page.locator("#log li").all_text_contents()
        assert len(log) == 1 and turn["transcript"] in log[0] and turn["reply"] in log[0]
        timings = turn["timings"]
        assert set(timings) >= {"transcript", "first_reply_text", "first_audio"}, timings
        assert 0 <= timings["transcript"] <= timings["first_reply_text"] <= timings["first_audio"], timings
        labels = await page.locator("#latency-legend li").all_text_contents()
        assert any(label.startswith("first audio ") and label.endswith(" ms") for label in labels), labels
        # in order: the request was streamed, heard, answered, spoken
        kinds = [e["type"] for e in state["events"]]
        for before, after in [("stt-end", "brain-text"), ("brain-text", "tts-audio"), ("tts-audio", "tts-end")]:
            assert kinds.index(before) < kinds.index(after), kinds
        assert state["sentBytes"] >= 2 * 16000 * mic.speech_s
        assert state["errors"] == [] and page_errors == []

        # a revoked device is refused and the page asks to pair again
        await srv.registry.revoke(state["deviceId"])
        await page.reload()
        await until(page, "hark.state === 'unpaired'")
        assert "pair" in (await page.text_content("#error") or "")
        assert await page.locator("#pairing").is_visible()


async def test_hands_free_in_chromium(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mic = wav(tmp_path, "wake_time_hibari.wav", lead_s=1.0, tail_s=3.0)
    async with served(settings, engines, tmp_path / "data") as srv, chromium(mic.path, tmp_path / "profile") as browser:
        page, page_errors = await paired_page(browser, srv, "living room browser")
        await page.check("input[name=mode][value=wake]")
        assert await until(page, "hark.state") == "wake"
        await until(page, "hark.turns.length >= 1")
        state = await assert_reply_played(page)
        turn = state["turns"][0]
        kinds = [e["type"] for e in state["events"]]
        assert "wake-end" in kinds and kinds.index("wake-end") < kinds.index("stt-end"), kinds
        assert wer("What time is it?", turn["transcript"]) <= 0.25, turn
        assert re.fullmatch(r"It's \d{1,2}(:\d{2})? [AP]M\.", turn["reply"]), turn  # on the hour: "It's 6 PM."
        log = await page.locator("#log li").all_text_contents()  # the newest first; the WAV loops on
        assert turn["reply"] in log[-1] and turn["transcript"] in log[-1], log
        assert state["errors"] == [] and page_errors == []

        # "forget this device": the token is gone and the page asks to pair again
        assert await page.evaluate("localStorage.getItem('hark.device')")
        await page.click("#forget")
        await until(page, "hark.state === 'unpaired'")
        assert await page.evaluate("localStorage.getItem('hark.device')") is None
        assert await page.locator("#pairing").is_visible()


async def test_push_to_talk_barge_in_in_chromium(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Pressing while the reply plays (a finger on the button, as on a phone) silences it at once,
    stops the server's run (audio-clear), and the new press becomes the next run once the server
    says the first one is done."""
    mic = wav(tmp_path, "date_request.wav", lead_s=2.0, tail_s=2.5)
    async with served(settings, engines, tmp_path / "data") as srv, chromium(mic.path, tmp_path / "profile") as browser:
        page, page_errors = await paired_page(browser, srv, "hall browser")
        await until(
            page,
            "(hark.micSeconds % arg.p) > 0.2 && (hark.micSeconds % arg.p) < arg.lead - 0.8",
            {"p": mic.period_s, "lead": mic.lead_s},
        )
        await page.keyboard.down("Space")  # the space bar is push-to-talk too
        await until(page, "hark.events.some((e) => e.type === 'vad-end')")
        await page.keyboard.up("Space")
        await until(page, "hark.state === 'speaking' && hark.playedSamples > 0")
        async with finger_on(page, "#ptt"):  # barge in, with a finger
            state = await until(
                page, "hark.bargeIns === 1 && hark.received['audio-clear'] >= 1 && hark.runs === 2 && hark"
            )
            assert state["state"] == "listening" and state["received"]["done"] == 1
            await until(page, "hark.micSeconds > arg", state["micSeconds"] + 0.5)
        state = await until(page, "hark.received.done === 2 && hark")
        # the first reply was cut: not played to its end, less played than was synthesised
        assert state["repliesPlayed"] == 0, state
        tts_s = next(e["seconds"] for e in state["events"] if e["type"] == "tts-end")
        assert state["playedSamples"] / state["replyRate"] < tts_s
        # the second run started after the first was over, with the audio held meanwhile
        kinds = [e["type"] for e in state["events"]]
        assert kinds.count("run-start") == 2 and kinds.index("run-end") < kinds.index("run-start", 1), kinds
        heard = next(e["text"] for e in state["events"] if e["type"] == "stt-end")
        assert wer("What is the date today?", heard) <= 0.25, heard
        # the page's log keeps the interrupted turn
        log = await page.locator("#log li").all_text_contents()
        assert any(heard in item and "interrupted" in item for item in log), log
        assert state["errors"] == [] and page_errors == []

"""ESPHome voice devices driven by Hark through ``aioesphomeapi``, against a test device that
speaks the real protocol (``tests/esphome_device.py``), with the real engines: a spoken
request in, the run's events in order, reply audio out (from its URL, or over the API);
a question keeps the conversation going; timers show and ring on the device; an
announcement is played and acknowledged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from aioesphomeapi import VoiceAssistantCommandFlag
from aioesphomeapi import VoiceAssistantTimerEventType as T
from sqlalchemy import select

from hark.audio import read_wav, to_float, to_int16
from hark.audio.convert import resample
from hark.store.models import Timer, TurnLog
from tests.conftest import DATA
from tests.esphome_device import (
    SPEAKER_FEATURES,
    E,
    EsphomeTestDevice,
    controller_of,
    served_devices,
)
from tests.server_harness import wait_for
from tests.textmatch import wer

DATE = "What is the date today?"


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 16000), np.int16)


def speech(engines, text: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    """``text`` said by the real TTS voice, at 16 kHz, with the pauses around it a person leaves."""
    voice = engines.tts.synthesize(text)
    samples = to_int16(resample(to_float(voice), engines.tts.capabilities.sample_rate, 16000))
    return np.concatenate([silence(0.3), samples, silence(1.5)])


def date_request() -> np.ndarray:
    return np.concatenate([read_wav(DATA / "date_request.wav")[0], silence(1.5)])


def heard(engines, pcm: bytes) -> str:  # type: ignore[no-untyped-def]
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.int16)
    return str(engines.stt.transcribe(to_float(samples)))


async def test_a_spoken_request_gets_its_events_in_order_and_a_reply_at_its_url(
    settings, engines, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    device = EsphomeTestDevice("kitchen-lva")
    async with served_devices(settings, engines, tmp_path, device) as (household, fleet):
        assert device.subscribe_flags & 4  # API audio asked for
        run = await device.run(date_request())
        controller = controller_of(fleet, device)
        async with household.db.transaction() as session:
            turns = (await session.scalars(select(TurnLog))).all()
    assert run.response.port == 0 and not run.response.error
    kinds = run.kinds()
    assert kinds == [
        E.VOICE_ASSISTANT_RUN_START,
        E.VOICE_ASSISTANT_STT_START,
        E.VOICE_ASSISTANT_STT_VAD_START,
        E.VOICE_ASSISTANT_STT_VAD_END,
        E.VOICE_ASSISTANT_STT_END,
        E.VOICE_ASSISTANT_INTENT_START,
        E.VOICE_ASSISTANT_INTENT_END,
        E.VOICE_ASSISTANT_TTS_START,
        E.VOICE_ASSISTANT_TTS_END,
        E.VOICE_ASSISTANT_RUN_END,
    ], [E(k).name for k in kinds]
    transcript = run.data(E.VOICE_ASSISTANT_STT_END)["text"]
    assert wer(DATE, transcript) <= 0.25, transcript
    reply = run.data(E.VOICE_ASSISTANT_TTS_START)["text"]
    assert reply.startswith("Today is")
    assert run.data(E.VOICE_ASSISTANT_INTENT_END)["continue_conversation"] == "0"
    url = run.data(E.VOICE_ASSISTANT_TTS_END)["url"]
    assert url == run.data(E.VOICE_ASSISTANT_RUN_START)["url"] and url.startswith("http://127.0.0.1:")
    # the reply fetched from its URL is a WAV that says the date
    wav = device.fetched[url]
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    assert 1.0 < len(run.audio) / 32000 < 6.0
    said = heard(engines, run.audio).lower()
    assert "today" in said or "december" in said, said
    assert not device.audio  # nothing over the API: this device has no speaker on its voice assistant
    # an ordinary device session: the turn is in the household's journal under the device's id
    assert [(t.device_id, t.intent) for t in turns] == [(controller.device_id, "HassGetCurrentDate")]


async def test_a_device_with_a_speaker_gets_the_reply_over_the_api(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    device = EsphomeTestDevice("speaker", features=SPEAKER_FEATURES)
    async with served_devices(settings, engines, tmp_path, device):
        run = await device.run(date_request())
    kinds = run.kinds()
    tts_end = kinds.index(E.VOICE_ASSISTANT_TTS_END)
    assert kinds[tts_end + 1] == E.VOICE_ASSISTANT_TTS_STREAM_START
    assert kinds.index(E.VOICE_ASSISTANT_TTS_STREAM_END) > tts_end + 1
    assert kinds[-1] == E.VOICE_ASSISTANT_RUN_END
    assert 1.0 < len(run.audio) / 32000 < 6.0  # 16 kHz s16 mono, as ESPHome plays it
    said = heard(engines, run.audio).lower()
    assert "today" in said or "december" in said, said


async def test_hark_listens_for_the_wake_word_when_the_device_asks(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    device = EsphomeTestDevice("kitchen")
    samples = np.concatenate([read_wav(DATA / "wake_time_hibari.wav")[0], silence(1.5)])
    async with served_devices(settings, engines, tmp_path, device):
        run = await device.run(samples, flags=VoiceAssistantCommandFlag.USE_WAKE_WORD, wake_word_phrase="")
        nothing = await device.run(silence(3.0), flags=VoiceAssistantCommandFlag.USE_WAKE_WORD, wake_word_phrase="")
    kinds = run.kinds()
    assert kinds[:3] == [
        E.VOICE_ASSISTANT_RUN_START,
        E.VOICE_ASSISTANT_WAKE_WORD_START,
        E.VOICE_ASSISTANT_WAKE_WORD_END,
    ]
    assert wer("What time is it?", run.data(E.VOICE_ASSISTANT_STT_END)["text"]) <= 0.25
    assert E.VOICE_ASSISTANT_TTS_END in kinds and kinds[-1] == E.VOICE_ASSISTANT_RUN_END
    # no wake word in the audio: the run ends with the error devices take quietly
    assert nothing.kinds() == [
        E.VOICE_ASSISTANT_RUN_START, E.VOICE_ASSISTANT_WAKE_WORD_START, E.VOICE_ASSISTANT_ERROR, E.VOICE_ASSISTANT_RUN_END,
    ]  # fmt: skip
    assert nothing.data(E.VOICE_ASSISTANT_ERROR)["code"] == "wake-word-timeout"


async def test_a_question_continues_the_conversation_and_timers_show_on_the_device(
    settings, engines, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    device = EsphomeTestDevice("kitchen")
    async with served_devices(settings, engines, tmp_path, device) as (household, _):
        await device.run(speech(engines, "Set a pasta timer for five minutes."))
        await device.run(speech(engines, "Set a coffee timer for ten minutes."))
        await device.wait_until(lambda: len(device.timer_events) >= 2)
        asked = await device.run(speech(engines, "Cancel the timer."))
        end = asked.data(E.VOICE_ASSISTANT_INTENT_END)
        assert end["continue_conversation"] == "1", asked.data(E.VOICE_ASSISTANT_TTS_START)
        assert asked.data(E.VOICE_ASSISTANT_TTS_START)["text"].endswith("?")
        # the device listens again without its wake word, in the same conversation
        answered = await device.run(speech(engines, "Cancel the pasta timer."), wake_word_phrase="")
        assert answered.data(E.VOICE_ASSISTANT_INTENT_END)["conversation_id"] == end["conversation_id"]
        assert "cancelled" in answered.data(E.VOICE_ASSISTANT_TTS_START)["text"].lower()
        await device.wait_until(lambda: len(device.timer_events) >= 3)
        async with household.db.transaction() as session:
            timers = {t.name: (t.id, t.state) for t in (await session.scalars(select(Timer))).all()}
    started = [(e[0], e[2], e[3]) for e in device.timer_events[:2]]
    assert started == [
        (T.VOICE_ASSISTANT_TIMER_STARTED, "pasta", 300),
        (T.VOICE_ASSISTANT_TIMER_STARTED, "coffee", 600),
    ]
    assert all(e[5] and 0 < e[4] <= e[3] for e in device.timer_events[:2])  # running, time left
    cancelled = device.timer_events[2]
    assert (cancelled[0], cancelled[1]) == (T.VOICE_ASSISTANT_TIMER_CANCELLED, str(timers["pasta"][0]))
    assert timers["coffee"][1] == "running" and len(device.timer_events) == 3


async def test_a_timer_rings_on_the_device_and_stop_ends_it(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    device = EsphomeTestDevice("kitchen")
    async with served_devices(settings, engines, tmp_path, device) as (household, _):
        before = dt.datetime.now(dt.UTC)
        await device.run(speech(engines, "Set a pasta timer for two seconds."))
        finished = await device.wait_until(
            lambda: [e for e in device.timer_events if e[0] == T.VOICE_ASSISTANT_TIMER_FINISHED]
        )
        rang_after = dt.datetime.now(dt.UTC) - before
        assert not device.announcements  # the device rings it its own way, nothing is announced
        stop = await device.run(speech(engines, "Stop."))
        async with household.db.transaction() as session:
            states = [t.state for t in (await session.scalars(select(Timer))).all()]
    started = device.timer_events[0]
    assert (started[0], started[2], started[3]) == (T.VOICE_ASSISTANT_TIMER_STARTED, "pasta", 2)
    assert [(e[0], e[2], e[4], e[5]) for e in finished] == [(T.VOICE_ASSISTANT_TIMER_FINISHED, "pasta", 0, False)]
    assert rang_after >= dt.timedelta(seconds=2)
    assert device.timer_events[-1][:2] == (T.VOICE_ASSISTANT_TIMER_CANCELLED, started[1])  # stopped: over
    assert stop.data(E.VOICE_ASSISTANT_INTENT_END)["continue_conversation"] == "0"
    assert states == ["done"]


async def test_an_announcement_is_played_and_acknowledged(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    device = EsphomeTestDevice("hall")
    async with served_devices(settings, engines, tmp_path, device) as (household, fleet):
        controller = controller_of(fleet, device)
        await household.hub.announce(controller.device_id, "Dinner is ready.", chime=True)
        await wait_for(lambda: controller.ringing.played, what="the announcement acknowledged")
        played = controller.ringing.played
    ((url, text),) = device.announcements
    assert text == "Dinner is ready." and played == [("Dinner is ready.", True)]
    wav = device.fetched[url]
    assert wav[:4] == b"RIFF" and int.from_bytes(wav[40:44], "little") == len(wav) - 44  # a whole file
    assert "dinner" in heard(engines, wav[44:]).lower()


async def test_what_rang_while_the_device_was_away_is_announced_when_it_connects(
    settings, engines, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    device = EsphomeTestDevice("bedroom")
    async with served_devices(settings, engines, tmp_path, device) as (household, fleet):
        controller = controller_of(fleet, device)
        await device.stop()
        await wait_for(lambda: not controller.connected, what="the controller sees the device gone")
        await household.hub.announce(controller.device_id, "Time to go.", chime=False)
        await device.start()
        await device.wait_until(lambda: device.announcements, timeout_s=30)
    assert [text for _, text in device.announcements] == ["Time to go."]

"""A Wyoming satellite's pipelines through Hark, the satellite played by the ``wyoming``
package's own client: run-pipeline from each start stage to each end stage, with real audio,
what it is told along the way (in order), its timers, and errors with codes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk
from wyoming.error import Error
from wyoming.handle import Handled
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.timer import TimerStarted
from wyoming.tts import Synthesize
from wyoming.wake import Detection

from hark.audio import read_wav, to_float
from hark.audio.convert import resample
from tests.conftest import DATA
from tests.textmatch import wer
from tests.wyoming_harness import client, pcm, read_until, wyoming_household


@pytest.fixture
async def wy(settings, engines, tmp_path: Path, no_leaked_tasks: None):  # type: ignore[no-untyped-def]
    async with wyoming_household(settings, engines, tmp_path) as service:
        yield service


def chunks(samples: np.ndarray, rate: int = 16000) -> list:  # type: ignore[type-arg]
    """A satellite's microphone: audio-chunk events only (a satellite sends no audio-start)."""
    x = resample(to_float(samples), 16000, rate) if rate != 16000 else to_float(samples)
    raw = np.asarray(np.clip(x, -1, 1) * 32767, "<i2").tobytes()
    return [
        AudioChunk(rate=rate, width=2, channels=1, audio=raw[i : i + 2048]).event() for i in range(0, len(raw), 2048)
    ]


def hear(engines, samples: np.ndarray, rate: int) -> str:  # type: ignore[no-untyped-def]
    return str(engines.stt.transcribe(resample(to_float(samples), rate, 16000)))


async def test_wake_to_tts_the_whole_pipeline(wy, engines) -> None:  # type: ignore[no-untyped-def]
    speech = np.concatenate([read_wav(DATA / "wake_time_piper.wav")[0], np.zeros(32000, np.int16)])
    async with client(wy) as sat:
        await sat.write_event(RunPipeline(start_stage=PipelineStage.WAKE, end_stage=PipelineStage.TTS).event())
        for event in chunks(speech, 22050):
            await sat.write_event(event)
        events = await read_until(sat, "audio-stop")
    kinds = [e.type for e in events if e.type != "audio-chunk"]
    assert kinds == [
        "detect",
        "detection",
        "transcribe",
        "voice-started",
        "voice-stopped",
        "transcript",
        *(["synthesize"] if kinds.index("synthesize") < kinds.index("audio-start") else []),
        "audio-start",
        *(["synthesize"] if kinds.index("synthesize") > kinds.index("audio-start") else []),
        "audio-stop",
    ], kinds
    assert Detection.from_event(events[1]).name == "hey_jarvis"
    heard = Transcript.from_event(next(e for e in events if e.type == "transcript")).text
    assert wer("What time is it?", heard) <= 0.25, heard
    reply = Synthesize.from_event(next(e for e in events if e.type == "synthesize")).text
    assert reply.startswith("It's"), reply
    said = hear(engines, *pcm(events)).lower()
    assert "it's" in said or "it is" in said, said


async def test_asr_to_handle_then_handle_to_tts_with_timers(wy, engines) -> None:  # type: ignore[no-untyped-def]
    speech = np.concatenate([read_wav(DATA / "asr_flite_rms_timer.wav")[0], np.zeros(24000, np.int16)])
    async with client(wy) as sat:
        # the satellite heard its own wake word: asr -> handle (no audio back)
        await sat.write_event(RunPipeline(start_stage=PipelineStage.ASR, end_stage=PipelineStage.HANDLE).event())
        for event in chunks(speech):
            await sat.write_event(event)
        events = await read_until(sat, "handled")
        kinds = [e.type for e in events]
        assert kinds[:1] == ["transcribe"] and "transcript" in kinds and "audio-start" not in kinds, kinds
        said = Handled.from_event(events[-1]).text or ""
        assert said.startswith("Timer set for"), said
        started = TimerStarted.from_event((await read_until(sat, "timer-started"))[-1])
        assert started.total_seconds > 0 and started.name
        # handle -> tts: the text comes as a transcript
        await sat.write_event(RunPipeline(start_stage=PipelineStage.HANDLE, end_stage=PipelineStage.TTS).event())
        await sat.write_event(Transcript(text="cancel the timer").event())
        events = await read_until(sat, "timer-cancelled")
        assert [e.data["id"] for e in events if e.type == "timer-cancelled"] == [started.id]
        assert "synthesize" in [e.type for e in events]


async def test_a_timer_rings_on_the_satellite(wy, engines) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as sat:
        await sat.write_event(RunPipeline(start_stage=PipelineStage.HANDLE, end_stage=PipelineStage.TTS).event())
        await sat.write_event(Transcript(text="set a timer for 2 seconds").event())
        started = TimerStarted.from_event((await read_until(sat, "timer-started"))[-1])
        events = await read_until(sat, "timer-finished")
        assert events[-1].data["id"] == started.id
        said = []
        for _ in range(2):  # the chime, then the words (the reply to the request may still be ending)
            await read_until(sat, "audio-start")
            said.append(hear(engines, *pcm(await read_until(sat, "audio-stop"))).lower())
        assert any("timer" in s for s in said), said


async def test_announce_text_from_tts(wy, engines) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as sat:
        await sat.write_event(
            RunPipeline(
                start_stage=PipelineStage.TTS, end_stage=PipelineStage.TTS, announce_text="Dinner is ready."
            ).event()
        )
        events = await read_until(sat, "audio-stop")
    assert Synthesize.from_event(events[0]).text == "Dinner is ready."
    assert "dinner" in hear(engines, *pcm(events)).lower()


async def test_pipeline_errors_have_codes(wy) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as sat:
        await sat.write_event(RunPipeline(start_stage=PipelineStage.TTS, end_stage=PipelineStage.TTS).event())
        assert Error.from_event((await read_until(sat, "error"))[-1]).code == "wyoming-bad-pipeline"
        await sat.write_event(RunPipeline(start_stage=PipelineStage.ASR, end_stage=PipelineStage.TTS).event())
        for event in chunks(np.zeros(16000 * 8, np.int16)):  # nobody speaks
            await sat.write_event(event)
        assert Error.from_event((await read_until(sat, "error"))[-1]).code == "stt-no-speech"

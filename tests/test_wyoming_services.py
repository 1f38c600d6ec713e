"""Hark's Wyoming services driven by the ``wyoming`` package's own client over TCP, with real
audio and the real engines: describe, speech to text (any format in), text to speech (one group
per request, or per sentence when streaming), wake words, and the brain as Home Assistant's
conversation agent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from wyoming.asr import Transcribe, Transcript, TranscriptChunk
from wyoming.handle import Handled, HandledChunk
from wyoming.info import Describe, Info
from wyoming.intent import Intent
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop
from wyoming.wake import Detect, Detection

from hark.audio import read_wav, to_float
from hark.audio.convert import resample
from tests.conftest import DATA
from tests.textmatch import wer
from tests.wyoming_harness import audio, client, pcm, read_until, wyoming_household

DATE = "What is the date today?"


@pytest.fixture
async def wy(settings, engines, tmp_path: Path, no_leaked_tasks: None):  # type: ignore[no-untyped-def]
    async with wyoming_household(settings, engines, tmp_path) as service:
        yield service


def wav(name: str) -> np.ndarray:
    return read_wav(DATA / name)[0]


def hear(engines, samples: np.ndarray, rate: int) -> str:  # type: ignore[no-untyped-def]
    return str(engines.stt.transcribe(resample(to_float(samples), rate, 16000)))


async def test_describe_lists_what_is_served(wy) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as c:
        await c.write_event(Describe().event())
        (event,) = await read_until(c, "info")
    info = Info.from_event(event)
    (asr,) = info.asr
    assert asr.supports_transcript_streaming and asr.installed and asr.models[0].languages == ["en"]
    (tts,) = info.tts
    assert tts.supports_synthesize_streaming and tts.voices
    (wake,) = info.wake
    assert [(m.name, m.phrase) for m in wake.models] == [("hey_jarvis", "Hey Jarvis")]
    (handle,) = info.handle
    assert handle.name == "hark" and handle.supports_handled_streaming
    assert handle.supports_home_control is False  # no smart home of Hark's own in this household


@pytest.mark.parametrize(
    ("rate", "width", "channels"),
    [(16000, 2, 1), (44100, 4, 2), (8000, 1, 1)],
    ids=["16k-s16-mono", "44k1-s32-stereo", "8k-u8-mono"],
)
async def test_transcribe_any_format_streams_the_transcript(wy, rate: int, width: int, channels: int) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as c:
        await c.write_event(Transcribe(language="en").event())
        for event in audio(wav("date_request.wav"), rate, width=width, channels=channels):
            await c.write_event(event)
        events = await read_until(c, "transcript-stop")
    kinds = [e.type for e in events]
    assert kinds[0] == "transcript-start" and kinds[-2:] == ["transcript", "transcript-stop"], kinds
    assert set(kinds[1:-2]) <= {"transcript-chunk"}, kinds
    text = Transcript.from_event(events[-2]).text
    assert wer(DATE, text) <= (0.25 if width > 1 else 0.5), text
    chunks = "".join(TranscriptChunk.from_event(e).text for e in events if e.type == "transcript-chunk")
    assert chunks == text  # the chunks add up to the transcript


async def test_synthesize_one_audio_group(wy, engines) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as c:
        await c.write_event(Synthesize(text="Hello there. The kitchen timer is done.").event())
        events = await read_until(c, "audio-stop")
    kinds = [e.type for e in events]
    assert kinds[0] == "audio-start" and kinds[-1] == "audio-stop" and set(kinds[1:-1]) == {"audio-chunk"}
    samples, rate = pcm(events)
    assert rate == engines.tts.capabilities.sample_rate
    heard = hear(engines, samples, rate).lower()
    assert "hello" in heard and "timer" in heard, heard


async def test_streaming_synthesis_one_group_per_sentence(wy, engines) -> None:  # type: ignore[no-untyped-def]
    sentences = ["Hello there. ", "The kitchen ", "timer is done. ", "Goodbye"]
    async with client(wy) as c:
        await c.write_event(SynthesizeStart().event())
        for text in sentences:
            await c.write_event(SynthesizeChunk(text=text).event())
        await c.write_event(Synthesize(text="".join(sentences)).event())  # for old servers: ignored here
        await c.write_event(SynthesizeStop().event())
        events = await read_until(c, "synthesize-stopped")
    kinds = [e.type for e in events]
    groups: list[list] = []
    for e in events[:-1]:
        if e.type == "audio-start":
            groups.append([])
        elif e.type == "audio-chunk":
            groups[-1].append(e)
        else:
            assert e.type == "audio-stop", kinds
    assert len(groups) == 3, kinds  # one per sentence, nothing for the repeated whole text
    said = [hear(engines, *pcm(g)).lower() for g in groups]
    assert "hello" in said[0] and "timer" in said[1] and "bye" in said[2], said


async def test_wake_word_detected_or_not(wy) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as c:
        await c.write_event(Detect(names=["hey_jarvis"]).event())
        for event in audio(wav("wake_time_piper.wav"), 22050):
            await c.write_event(event)
        events = await read_until(c, "detection", "not-detected")
        detection = Detection.from_event(events[-1])
        assert detection.name == "hey_jarvis" and 0 < (detection.timestamp or 0) < 3000
        await c.write_event(Detect().event())
        for event in audio(wav("no_wake.wav")):
            await c.write_event(event)
        events = await read_until(c, "detection", "not-detected")
        assert events[-1].type == "not-detected"
        await c.write_event(Detect(names=["ok_nabu_unknown"]).event())
        (error,) = await read_until(c, "error")
        assert error.data["code"] == "wyoming-unknown-wake-word"


async def test_conversation_agent_as_home_assistant_calls_it(wy) -> None:  # type: ignore[no-untyped-def]
    context = {"conversation_id": "01JABC", "device_id": "kitchen-satellite"}
    async with client(wy) as c:  # one connection per request, as Home Assistant does
        await c.write_event(Transcript(text="set a timer for 10 minutes", language="en", context=context).event())
        events = await read_until(c, "handled-stop")
    kinds = [e.type for e in events]
    assert kinds[0] == "handled-start" and kinds[-2:] == ["handled", "handled-stop"], kinds
    handled = Handled.from_event(events[-2])
    assert handled.text == "Timer set for 10 minutes." and handled.context == {"conversation_id": "01JABC"}
    assert "".join(HandledChunk.from_event(e).text for e in events if e.type == "handled-chunk") == handled.text
    async with client(wy) as c:  # the conversation goes on by its id: the timer is this device's
        await c.write_event(Transcript(text="how much time is left", language="en", context=context).event())
        events = await read_until(c, "handled-stop")
    left = Handled.from_event(events[-2]).text or ""
    assert "minute" in left and "don't have" not in left, left
    (kept,) = wy.conversations._kept.values()
    assert kept.session.device_id == "kitchen-satellite" and len(kept.session.conversation.turns) == 2


async def test_home_control_goes_back_to_home_assistant_as_an_intent(wy) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as c:
        await c.write_event(Transcript(text="turn on the kitchen light", context={"conversation_id": "c1"}).event())
        (event,) = await read_until(c, "intent", "handled", "not-handled")
    intent = Intent.from_event(event)
    assert intent.name == "HassTurnOn"
    assert {e.name: e.value for e in intent.entities} == {"area": "kitchen", "domain": "light"}


async def test_nothing_to_answer_is_not_handled(wy) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as c:
        await c.write_event(Transcript(text="", context={"conversation_id": "c2"}).event())
        (event,) = await read_until(c, "handled", "not-handled")
    assert event.type == "not-handled"

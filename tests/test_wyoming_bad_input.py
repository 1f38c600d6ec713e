"""What a Wyoming peer that misbehaves gets: an ``error`` event with a stable code and the
connection goes on, or (when the stream can no longer be read as events) a closed connection;
and every other peer keeps being served."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event, async_read_event
from wyoming.info import Describe
from wyoming.tts import Synthesize

from hark.audio import read_wav
from tests.conftest import DATA
from tests.server_harness import wait_for
from tests.textmatch import wer
from tests.wyoming_harness import audio, client, read_until, wyoming_household

DATE = "What is the date today?"


@pytest.fixture
async def wy(settings, engines, tmp_path: Path, no_leaked_tasks: None):  # type: ignore[no-untyped-def]
    async with wyoming_household(settings, engines, tmp_path) as service:
        yield service


def date_audio() -> list[Event]:
    return list(audio(read_wav(DATA / "date_request.wav")[0]))


async def transcribe(c, events: list[Event]) -> str:  # type: ignore[no-untyped-def]
    await c.write_event(Transcribe().event())
    for event in events:
        await c.write_event(event)
    return Transcript.from_event((await read_until(c, "transcript"))[-1]).text


async def test_unknown_events_and_bad_fields_are_refused_and_the_connection_goes_on(wy) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as c:
        await c.write_event(Event(type="make-coffee", data={"strength": 11}))
        (error,) = await read_until(c, "error")
        assert error.data["code"] == "wyoming-unknown-event" and "make-coffee" in error.data["text"]
        await c.write_event(Event(type="synthesize", data={"voice": {}}))  # no text
        (error,) = await read_until(c, "error")
        assert error.data["code"] == "wyoming-bad-event"
        await c.write_event(Describe().event())
        assert (await read_until(c, "info"))[-1].type == "info"


async def test_audio_before_its_start_is_refused_once_then_a_request_works(wy) -> None:  # type: ignore[no-untyped-def]
    chunk = AudioChunk(rate=16000, width=2, channels=1, audio=bytes(2048)).event()
    async with client(wy) as c:
        for _ in range(3):
            await c.write_event(chunk)
        await c.write_event(AudioStop().event())
        errors = [await read_until(c, "error") for _ in range(2)]
        assert [e[-1].data["code"] for e in errors] == ["wyoming-audio-before-start"] * 2  # chunks once, then the stop
        text = await transcribe(c, date_audio())
    assert wer(DATE, text) <= 0.25, text


@pytest.mark.parametrize(
    ("start", "chunk"),
    [
        (AudioStart(rate=16000, width=5, channels=1), None),
        (AudioStart(rate=16000, width=2, channels=0), None),
        (AudioStart(rate=10, width=2, channels=1), None),
        (AudioStart(rate=16000, width=2, channels=1), AudioChunk(rate=16000, width=2, channels=1, audio=bytes(3))),
        (AudioStart(rate=16000, width=2, channels=1), AudioChunk(rate=16000, width=3, channels=2, audio=bytes(7))),
    ],
    ids=["width-5", "no-channels", "rate-10", "half-a-sample", "24-bit-stereo-partial-frame"],
)
async def test_audio_hark_cannot_take_is_refused(wy, start: AudioStart, chunk: AudioChunk | None) -> None:  # type: ignore[no-untyped-def]
    async with client(wy) as c:
        await c.write_event(Transcribe().event())
        await c.write_event(start.event())
        if chunk is not None:
            await c.write_event(chunk.event())
        (error,) = [e for e in await read_until(c, "error") if e.type == "error"]
        assert error.data["code"] == "wyoming-bad-audio", error.data
        await c.write_event(Describe().event())  # still served
        assert (await read_until(c, "info"))[-1].type == "info"


async def _raw(wy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:  # type: ignore[no-untyped-def]
    uri = wy.addresses()[0].removeprefix("tcp://")
    host, port = uri.rsplit(":", 1)
    return await asyncio.open_connection(host, int(port))


async def _events_until_closed(reader: asyncio.StreamReader) -> list[Event]:
    out = []
    async with asyncio.timeout(30):
        while (event := await async_read_event(reader)) is not None:
            out.append(event)
    return out


@pytest.mark.parametrize(
    "garbage",
    [
        b"this is not json\n",
        b"[1, 2, 3]\n",
        # a payload length shorter than the payload: the rest is read as the next header
        json.dumps(
            {"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, "payload_length": 4}
        ).encode()
        + b"\n"
        + bytes(100)
        + b"\n",
    ],
    ids=["not-json", "json-not-an-event", "payload-length-too-short"],
)
async def test_a_stream_that_is_not_events_is_told_and_closed(wy, garbage: bytes) -> None:  # type: ignore[no-untyped-def]
    reader, writer = await _raw(wy)
    try:
        writer.write(
            json.dumps({"type": "audio-start", "data": {"rate": 16000, "width": 2, "channels": 1}}).encode() + b"\n"
        )
        writer.write(garbage)
        await writer.drain()
        events = await _events_until_closed(reader)  # the server closes the connection
    finally:
        writer.close()
    assert events and events[-1].type == "error" and events[-1].data["code"] == "wyoming-bad-frame", events
    await wait_for(lambda: not wy.connections, what="the connection is gone")


async def test_peers_vanishing_mid_stream_leave_the_others_served(wy, engines) -> None:  # type: ignore[no-untyped-def]
    events = date_audio()
    async with client(wy) as steady:
        # one peer vanishes halfway through its audio, another after a payload length that promised more
        _, writer = await _raw(wy)
        writer.write(json.dumps(Transcribe().event().to_dict()).encode() + b"\n")
        for event in events[: len(events) // 2]:
            header = {"type": event.type, "data": event.data, "payload_length": len(event.payload or b"")}
            writer.write(json.dumps(header).encode() + b"\n" + (event.payload or b""))
        await writer.drain()
        writer.transport.abort()
        _, writer2 = await _raw(wy)
        writer2.write(
            json.dumps(
                {"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, "payload_length": 100000}
            ).encode()
            + b"\n"
            + bytes(10)
        )
        await writer2.drain()
        writer2.close()
        # a second client keeps talking all along: speech to text and text to speech
        other = client(wy)
        async with other:
            heard, said = await asyncio.gather(
                transcribe(steady, events),
                _synthesize(other, "The kitchen timer is done."),
            )
        assert wer(DATE, heard) <= 0.25, heard
        assert said > 0.5
        await wait_for(lambda: len(wy.connections) == 1, what="the vanished peers' connections are gone")


async def _synthesize(c, text: str) -> float:  # type: ignore[no-untyped-def]
    await c.write_event(Synthesize(text=text).event())
    events = await read_until(c, "audio-stop")
    samples = sum(len(e.payload or b"") for e in events if e.type == "audio-chunk") // 2
    start = AudioStart.from_event(events[0])
    return samples / start.rate


async def test_two_clients_at_once(wy) -> None:  # type: ignore[no-untyped-def]
    samples = read_wav(DATA / "date_request.wav")[0]
    async with client(wy) as a, client(wy) as b:
        texts = await asyncio.gather(
            transcribe(a, list(audio(samples, 48000))), transcribe(b, list(audio(np.asarray(samples), 16000)))
        )
    assert all(wer(DATE, t) <= 0.25 for t in texts), texts

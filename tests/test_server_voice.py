"""Spoken requests over the WebSocket protocol with the real engines: what was heard and said,
in what order, for one device and for several at once; a client that goes away mid-turn; a
client that never reads; a browser's WebM/Opus stream; a reply cut by stop."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from pathlib import Path

import av
import numpy as np
import pytest
import websockets

from hark import client
from hark.audio import read_wav, to_float
from hark.audio.convert import resample
from hark.server import ServerOptions
from tests.conftest import DATA
from tests.server_harness import served_household, wait_for
from tests.textmatch import wer

DATE = "What is the date today?"


@pytest.fixture
async def srv(settings, engines, tmp_path: Path, no_leaked_tasks: None):  # type: ignore[no-untyped-def]
    async with served_household(settings, engines, tmp_path) as served:
        yield served


def wav(name: str) -> np.ndarray:
    return read_wav(DATA / name)[0]


async def test_spoken_request_gets_transcript_reply_and_audio_in_order(srv, engines) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with await client.connect(running.ws, token) as s:
        r = await s.ask_audio(wav("date_request.wav"))
    assert r.transcript is not None and wer(DATE, r.transcript) <= 0.25, r.transcript
    assert r.turn.ok and r.turn.intent == "HassGetCurrentDate" and r.reply is not None
    assert r.reply.startswith("Today is")
    kinds = [e["type"] for e in r.events]
    # heard, then answered, then spoken; the turn summary and done come last
    for before, after in [("stt-end", "brain-text"), ("brain-text", "tts-audio"), ("playback-start", "playback-end")]:
        assert kinds.index(before) < kinds.index(after), kinds
    order = r.order
    first_audio = order.index("audio")
    assert order.index("audio-start") < first_audio < order.index("audio-stop") < order.index("turn")
    assert order[-2:] == ["turn", "done"]
    assert "audio" not in order[order.index("audio-stop") :]
    assert all(e["type"] == "event" for e in [{"type": o} for o in order[:first_audio] if o not in ("audio-start",)])
    (audio,) = r.audio
    assert audio.rate == engines.tts.capabilities.sample_rate and not audio.cleared
    assert 1.0 < audio.seconds < 6.0
    # the reply audio, heard back by the recogniser, says the date
    heard = engines.stt.transcribe(resample(to_float(audio.samples()), audio.rate, 16000))
    assert "december" in heard.lower() or "today" in heard.lower(), heard
    played = [e for e in r.events if e["type"] == "playback-end"]
    assert (
        played
        and played[0]["interrupted"] is False
        and played[0]["seconds_played"] == pytest.approx(audio.seconds, abs=0.05)
    )


async def test_hands_free_wake_word_then_request(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("living room")
    async with await client.connect(running.ws, token) as s:
        r = await s.listen(np.concatenate([wav("wake_time_hibari.wav"), np.zeros(16000, np.int16)]))
    assert len(r.turns) == 1
    (turn,) = r.turns
    assert turn.wake_word == "hey_jarvis" and turn.intent == "HassGetCurrentTime"
    assert turn.transcript is not None and wer("What time is it?", turn.transcript) <= 0.25, turn.transcript
    assert r.audio and r.audio_seconds > 0.5


async def test_five_devices_at_once_each_get_their_own_answer(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    cases = [
        ("date_request.wav", ("date",), "HassGetCurrentDate"),
        ("date_request_espeak.wav", ("date",), "HassGetCurrentDate"),
        ("asr_flite_rms_timer.wav", ("timer", "hour"), "HassStartTimer"),
        ("asr_flite_slt_shopping.wav", ("milk", "shopping"), "HassListAddItem"),
        ("unknown_request.wav", ("jazz",), "Unknown"),
    ]

    async def one(name: str) -> client.RunResult:
        _, token = await devices.add(name)
        async with await client.connect(running.ws, token) as s:
            return await s.ask_audio(wav(name))

    results = await asyncio.gather(*(one(name) for name, _, _ in cases))
    for (name, words, intent), r in zip(cases, results, strict=True):
        assert r.transcript is not None, name
        assert all(w in r.transcript.lower() for w in words), (name, r.transcript)
        assert r.turn.intent == intent, (name, r.turn)
        assert r.audio_seconds > 0.5 and r.order[-2:] == ["turn", "done"]
    assert len({r.turn.session_id for r in results}) == 5


async def test_a_client_that_disconnects_mid_turn_leaves_the_others_undisturbed(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, quitter = await devices.add("quitter")
    _, stayer = await devices.add("stayer")
    samples = wav("date_request.wav")
    gone = await client.connect(running.ws, quitter)
    await gone.send_raw(json.dumps({"type": "start", "start_stage": "stt"}))
    await gone.send_raw(samples[: len(samples) // 2].astype("<i2").tobytes())
    await wait_for(lambda: any(c._input is not None and c._input.seconds > 0.5 for c in running.ctx.connections))
    await gone.close()  # mid-request, no audio-end
    await wait_for(lambda: len(running.ctx.connections) == 0, what="the quitter's session closed")
    assert running.ctx.dropped_slow_readers == 0  # gone is not slow
    async with await client.connect(running.ws, stayer) as s:
        r = await s.ask_audio(samples)
    assert r.transcript is not None and wer(DATE, r.transcript) <= 0.25


async def test_a_slow_reader_is_dropped_and_the_others_carry_on(
    settings, engines, tmp_path: Path, no_leaked_tasks: None
) -> None:  # type: ignore[no-untyped-def]
    # replies sent far ahead of the playhead: a client that never reads fills its buffers at once, then stalls
    options = ServerOptions(lead_s=30.0, outbox_bytes=64 * 1024, stall_s=2.0)
    async with served_household(settings, engines, tmp_path, options=options, send_buffer=4096) as (running, devices):
        _, slow_token = await devices.add("slow")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
        sock.connect(("127.0.0.1", running.port))
        sock.setblocking(False)
        slow = await websockets.connect(running.ws, sock=sock, max_queue=1)
        try:
            await slow.send(json.dumps({"type": "hello", "protocol": 1, "token": slow_token}))
            assert json.loads(await slow.recv())["type"] == "ready"
            (conn,) = running.ctx.connections
            ask = json.dumps({"type": "start", "start_stage": "brain", "text": "what is the date today"})

            async def never_read() -> int:
                """Ask again each time a reply is over (never reading one) until the server drops it."""
                for asked in range(1, 30):
                    await slow.send(ask)
                    await wait_for(lambda n=asked: conn.runs_done == n or conn.outbox.failed.is_set())  # type: ignore[misc]
                    if conn.outbox.failed.is_set():
                        return asked
                raise AssertionError("never dropped")

            async def talk(name: str) -> client.RunResult:
                _, token = await devices.add(name)
                async with await client.connect(running.ws, token) as s:
                    return await s.ask_audio(wav(name))

            asked, *results = await asyncio.gather(
                never_read(), talk("date_request.wav"), talk("asr_flite_slt_shopping.wav")
            )
            await wait_for(lambda: running.ctx.dropped_slow_readers == 1, what="the slow reader dropped")
            print("slow reader dropped after", asked, "requests")
            assert results[0].transcript is not None and wer(DATE, results[0].transcript) <= 0.25
            assert results[1].transcript is not None and "milk" in results[1].transcript.lower()
            assert all(r.turn.ok and r.audio_seconds > 0.5 for r in results)
            await wait_for(lambda: len(running.ctx.connections) == 0, what="every session closed")
        finally:
            slow.transport.abort()
            await asyncio.wait_for(slow.wait_closed(), 10)


def webm_opus(samples: np.ndarray) -> bytes:
    """Encode like a browser's MediaRecorder: WebM, Opus at 48 kHz."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="webm") as out:
        stream = out.add_stream("libopus", rate=48000)
        stream.layout = "mono"  # type: ignore[union-attr]
        up = (resample(to_float(samples), 16000, 48000) * 32767).astype(np.int16)
        for i in range(0, len(up), 960 * 10):
            frame = av.AudioFrame.from_ndarray(up[i : i + 960 * 10].reshape(1, -1), format="s16", layout="mono")
            frame.rate = 48000
            for packet in stream.encode(frame):  # type: ignore[union-attr]
                out.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            out.mux(packet)
    return buf.getvalue()


async def test_browser_webm_opus_is_decoded(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("phone")
    data = webm_opus(wav("date_request.wav"))
    chunks = [data[i : i + 4000] for i in range(0, len(data), 4000)]  # as MediaRecorder's timeslices
    async with await client.connect(running.ws, token) as s:
        r = await s.send_webm(chunks)
        assert r.transcript is not None and wer(DATE, r.transcript) <= 0.25, r.transcript
        assert not r.errors
        bad = await s.send_webm([b"this is not webm" * 10])
    assert [e.code for e in bad.errors] == ["protocol-bad-audio"]
    assert bad.done


async def test_stop_cuts_the_reply_and_clears_the_device(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with await client.connect(running.ws, token) as s:
        await s.send_raw(json.dumps({"type": "start", "start_stage": "brain", "text": "what is the date today"}))
        order = []
        while True:
            item = await s.next()
            order.append("audio" if isinstance(item, bytes) else item.type)  # type: ignore[union-attr]
            if isinstance(item, bytes):
                await s.send_raw(json.dumps({"type": "stop"}))
                break
        cleared = None
        while True:
            item = await s.next()
            assert item is not None
            kind = "audio" if isinstance(item, bytes) else item.type
            order.append(kind)
            if isinstance(item, client.AudioClear):
                cleared = item
            if kind == "done":
                break
    assert cleared is not None and cleared.played_s < 1.5
    assert "audio-stop" not in order and order.index("audio-clear") < order.index("done")
    assert "turn" not in order  # the turn was cut, not answered


async def test_shutdown_ends_a_hands_free_stream_cleanly(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with await client.connect(running.ws, token) as s:
        await s.send_raw(json.dumps({"type": "start", "start_stage": "wake"}))

        async def microphone() -> None:
            async for frame in client.pcm_frames(np.zeros(16000 * 120, np.int16)):
                await s.send_raw(frame)

        mic = asyncio.create_task(microphone())
        try:
            await wait_for(
                lambda: any(c._input is not None and c._input.seconds > 0.5 for c in running.ctx.connections)
            )
            drain = asyncio.create_task(running.ctx.drain())
            order = []
            while (item := await s.next()) is not None:
                order.append("audio" if isinstance(item, bytes) else item.type)
            await drain
        finally:
            mic.cancel()
            await asyncio.gather(mic, return_exceptions=True)
        assert order[-2:] == ["bye", "done"] and set(order[:-2]) == {"event"}, order  # told, stream ended, closed
        assert s.ws.close_code == 1001
    assert not running.ctx.connections


async def test_the_server_ends_a_spoken_turn_itself_and_its_tail_is_no_error(srv) -> None:  # type: ignore[no-untyped-def]
    """start_stage stt: the server's end-of-turn detection ends the request (no audio-end needed);
    audio still in flight after done is dropped quietly, and the next run is clean."""
    running, devices = srv
    _, token = await devices.add("kitchen")
    samples = np.concatenate([wav("date_request.wav"), np.zeros(16000 * 4, np.int16)])  # then a quiet room
    async with await client.connect(running.ws, token) as s:
        await s.send_raw(json.dumps({"type": "start", "start_stage": "stt", "end_stage": "brain"}))

        async def microphone() -> None:
            async for frame in client.pcm_frames(samples):
                await s.send_raw(frame)

        mic = asyncio.create_task(microphone())
        try:
            r = await s._collect(client.RunResult())  # done, though the device never said audio-end
            await mic  # the rest of the quiet room, sent after the turn was over
        finally:
            mic.cancel()
            await asyncio.gather(mic, return_exceptions=True)
        await s.send_raw(json.dumps({"type": "audio-end"}))
        assert r.transcript is not None and wer(DATE, r.transcript) <= 0.25, r.transcript
        assert any(e["type"] == "vad-end" for e in r.events) and not r.errors
        after = await s.ask_text("what is the date today", speak=False)
        assert not after.errors and after.turn.intent == "HassGetCurrentDate"


async def test_a_start_right_after_stop_is_accepted(srv) -> None:  # type: ignore[no-untyped-def]
    """The server finishes the cut run (done) before it reads the next message: no protocol-busy."""
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with await client.connect(running.ws, token) as s:
        await s.send_raw(json.dumps({"type": "start", "start_stage": "brain", "text": "what is the date today"}))
        while not isinstance(await s.next(), bytes):
            pass  # the reply is playing
        await s.send_raw(json.dumps({"type": "stop"}))
        await s.send_raw(
            json.dumps({"type": "start", "start_stage": "brain", "end_stage": "brain", "text": "what time is it"})
        )
        seen: list[object] = []
        async with asyncio.timeout(60):  # a refused start would never end: fail, do not hang
            while sum(isinstance(m, client.Done) for m in seen) < 2:
                item = await s.next()
                assert item is not None, "the server closed the connection"
                seen.append(item)
                if isinstance(item, client.ErrorMessage):
                    break
    assert [m.code for m in seen if isinstance(m, client.ErrorMessage)] == []  # type: ignore[attr-defined]
    turns = [m for m in seen if isinstance(m, client.TurnMessage)]
    assert len(turns) == 1 and (turns[0].reply or "").startswith("It's")  # only the second run was answered

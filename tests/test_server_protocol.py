"""The protocol's edges over a real server: handshake, authentication, malformed messages and
frames, the HTTP endpoints. Every refusal has its code, and the session goes on after the
recoverable ones (a turn still completes)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest
import websockets

from hark import client
from hark.server import messages
from hark.server.schema import render
from tests.server_harness import served_household

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "src" / "hark" / "server" / "protocol.schema.json"


async def recv_json(ws: Any) -> dict[str, Any]:
    while True:
        frame = await ws.recv()
        if isinstance(frame, str):
            data: dict[str, Any] = json.loads(frame)
            return data


def hello(token: str) -> str:
    return json.dumps({"type": "hello", "protocol": 1, "token": token})


@pytest.fixture
async def srv(settings, engines, tmp_path: Path, no_leaked_tasks: None):  # type: ignore[no-untyped-def]
    async with served_household(settings, engines, tmp_path) as served:
        yield served


# -- the schema ------------------------------------------------------------------------------------


def test_shipped_schema_is_generated_from_the_messages() -> None:
    assert SCHEMA_FILE.read_text() == render(), "regenerate: python -m hark.server.schema > " + str(SCHEMA_FILE)


def test_every_message_validates_against_the_schema_and_round_trips() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    samples: list[messages.Message] = [
        messages.Hello(protocol=1, token="t"),
        messages.Start(start_stage="stt", audio=messages.AudioFormat(format="webm-opus")),
        messages.Start(start_stage="brain", end_stage="brain", text="hi"),
        messages.AudioEnd(),
        messages.Stop(),
        messages.Playback(played_s=1.5),
        messages.Ready(protocol=1, session_id="s", device_id="d", device_name="n", tts_rate=22050),
        messages.EventMessage(session_id="s", event={"type": "run-start", "t": 1.0}),
        messages.AudioStart(rate=22050),
        messages.AudioStop(played_s=1.0),
        messages.AudioClear(played_s=0.5),
        messages.TurnMessage(session_id="s", run_id="r", transcript="a", reply="b", ok=True),
        messages.Done(session_id="s", turns=1),
        messages.ErrorMessage(code="x", message="y"),
        messages.Bye(),
    ]
    assert {m.type for m in samples} == set(messages.client_types()) | set(messages.server_types())
    for m in samples:
        data = messages.encode(m)
        jsonschema.validate(data, schema)
        back = messages.decode(data) if m.direction == "client" else messages.decode_server(data)
        assert back == m
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"type": "start", "start_stage": "sideways"}, schema)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"type": "start"}, "protocol-bad-message"),  # start_stage missing
        ({"type": "start", "start_stage": "sideways"}, "protocol-bad-message"),
        ({"type": "playback", "played_s": "soon"}, "protocol-bad-message"),
        ({"type": "hello", "protocol": 1, "token": "t", "extra": 1}, "protocol-bad-message"),
        ({"type": "dance"}, "protocol-unknown-type"),
        ([1, 2], "protocol-bad-message"),
    ],
)
def test_decode_refuses_with_a_code(data: Any, code: str) -> None:
    with pytest.raises(messages.ProtocolError) as info:
        messages.decode(data)
    assert info.value.code == code


# -- handshake and authentication ----------------------------------------------------------------


async def test_audio_before_hello_is_refused_and_closed(srv) -> None:  # type: ignore[no-untyped-def]
    running, _ = srv
    async with websockets.connect(running.ws) as ws:
        await ws.send(b"\x00\x00" * 160)
        err = await recv_json(ws)
        assert (err["type"], err["code"], err["fatal"]) == ("error", "protocol-audio-before-start", True)
        await ws.wait_closed()
        assert ws.close_code == 4400


async def test_a_message_other_than_hello_first_is_refused(srv) -> None:  # type: ignore[no-untyped-def]
    running, _ = srv
    async with websockets.connect(running.ws) as ws:
        await ws.send(json.dumps({"type": "start", "start_stage": "brain", "text": "hi"}))
        err = await recv_json(ws)
        assert err["code"] == "protocol-hello-first"
        await ws.wait_closed()
        assert ws.close_code == 4400


async def test_malformed_json_first_is_refused(srv) -> None:  # type: ignore[no-untyped-def]
    running, _ = srv
    async with websockets.connect(running.ws) as ws:
        await ws.send("{not json")
        assert (await recv_json(ws))["code"] == "protocol-bad-json"
        await ws.wait_closed()
        assert ws.close_code == 4400


async def test_wrong_protocol_version_is_refused(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with websockets.connect(running.ws) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": 2, "token": token}))
        assert (await recv_json(ws))["code"] == "protocol-version"


@pytest.mark.parametrize("case", ["wrong", "revoked", "empty"])
async def test_wrong_or_revoked_token_is_refused_before_any_audio_is_decoded(srv, case: str) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    device, token = await devices.add("kitchen")
    if case == "revoked":
        await devices.revoke(device.device_id)
    elif case == "wrong":
        token = token[::-1]
    else:
        token = ""
    async with websockets.connect(running.ws) as ws:
        await ws.send(hello(token))
        # audio sent right behind the hello (not even valid WebM): never read, never decoded
        await ws.send(json.dumps({"type": "start", "start_stage": "stt", "audio": {"format": "webm-opus"}}))
        await ws.send(b"\x1a\x45\xdf\xa3 not webm at all")
        err = await recv_json(ws)
        assert (err["code"], err["fatal"]) == ("auth-refused", True)
        await ws.wait_closed()
        assert ws.close_code == 4401
    assert running.ctx.connections == set()
    with pytest.raises(client.ClientError) as info:
        await client.connect(running.ws, token)
    assert info.value.code == "auth-refused"


# -- after hello: refused messages and frames, and the session goes on --------------------------------


async def test_bad_messages_and_frames_are_refused_and_the_session_goes_on(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with await client.connect(running.ws, token) as s:
        await s.send_raw(b"\x00\x00" * 400)  # audio before start
        await s.send_raw(b"\x00\x00" * 400)  # (said once per gap between runs)
        await s.send_raw("{not json")
        await s.send_raw(json.dumps({"type": "dance"}))
        await s.send_raw(json.dumps({"type": "start", "start_stage": "brain"}))  # no text
        await s.send_raw(json.dumps({"type": "audio-end"}))  # no audio run
        await s.send_raw(hello(token))
        codes = []
        for _ in range(6):
            item = await s.next()
            assert isinstance(item, messages.ErrorMessage) and not item.fatal
            codes.append(item.code)
        assert codes == [
            "protocol-audio-before-start",
            "protocol-bad-json",
            "protocol-unknown-type",
            "protocol-bad-message",
            "protocol-busy",
            "protocol-bad-message",
        ]
        r = await s.ask_text("what is the date today", speak=False)
        assert r.turn.intent == "HassGetCurrentDate" and r.reply is not None and r.reply.startswith("Today is")
        assert r.audio == []  # end_stage brain: no reply audio


async def test_odd_oversized_and_misaligned_frames_are_refused_and_the_turn_completes(srv) -> None:  # type: ignore[no-untyped-def]
    from hark.audio import read_wav
    from tests.conftest import DATA

    running, devices = srv
    _, token = await devices.add("kitchen")
    samples, _ = read_wav(DATA / "date_request.wav")
    pcm = samples.astype("<i2").tobytes()
    async with await client.connect(running.ws, token) as s:
        await s.send_raw(json.dumps({"type": "start", "start_stage": "stt", "audio": {"format": "pcm_s16le"}}))
        await s.send_raw(b"\x01")  # half a sample
        await s.send_raw(pcm[:1281])  # odd: misaligned by a byte
        await s.send_raw(b"\x00" * (64 * 1024 + 2))  # over 64 KiB
        for i in range(0, len(pcm), 2560):
            await s.send_raw(pcm[i : i + 2560])
        await s.send_raw(json.dumps({"type": "audio-end"}))
        result = await s._collect(client.RunResult())
    assert [e.code for e in result.errors] == ["protocol-bad-audio", "protocol-bad-audio", "protocol-frame-too-large"]
    assert result.transcript is not None and "date" in result.transcript.lower()
    assert result.turn.intent == "HassGetCurrentDate"


async def test_a_second_start_while_a_run_is_under_way_is_busy(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with await client.connect(running.ws, token) as s:
        await s.send_raw(json.dumps({"type": "start", "start_stage": "stt"}))
        await s.send_raw(json.dumps({"type": "start", "start_stage": "brain", "text": "hi"}))
        item = await s.next()
        assert isinstance(item, messages.ErrorMessage) and item.code == "protocol-busy"
        await s.send_raw(json.dumps({"type": "audio-end"}))
        result = await s._collect(client.RunResult())
        assert result.done and result.turns[0].ok is False  # nothing was said: an honest failed turn


# -- HTTP -----------------------------------------------------------------------------------------


async def test_health_and_readiness(srv) -> None:  # type: ignore[no-untyped-def]
    running, _ = srv
    async with aiohttp.ClientSession() as http:
        async with http.get(running.url + "/healthz") as resp:
            assert resp.status == 200 and (await resp.json()) == {"ok": True}
        async with http.get(running.url + "/readyz") as resp:
            body = await resp.json()
            assert resp.status == 200 and body["ready"] is True
            assert body["engines"] == {"stt": True, "vad": True, "tts": True, "wake": True, "turn": True}
            stt = body["executors"]["stt"]  # where the time goes under load: workers, queue, waits
            assert stt["workers"] >= 1 and stt["queued"] >= 0 and stt["waited_s"] >= 0.0
        running.ctx.draining = True  # as during shutdown
        try:
            async with http.get(running.url + "/readyz") as resp:
                assert resp.status == 503 and (await resp.json())["ready"] is False
        finally:
            running.ctx.draining = False


async def test_post_turn_streams_events_then_the_turn(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    device, token = await devices.add("kitchen")
    events, turn = await client.post_turn(running.url, token, "what is the date today")
    kinds = [e["event"]["type"] for e in events]
    assert kinds[0] == "run-start" and kinds[-1] == "run-end"
    assert kinds.index("brain-start") < kinds.index("brain-text") < kinds.index("brain-end")
    assert turn["type"] == "turn" and turn["ok"] is True and turn["intent"] == "HassGetCurrentDate"
    assert turn["transcript"] == "what is the date today" and turn["reply"].startswith("Today is")
    async with running.ctx.household.db.transaction() as session:
        from sqlalchemy import select

        from hark.store.models import TurnLog

        rows = (await session.execute(select(TurnLog))).scalars().all()
    assert [(r.device_id, r.transcript) for r in rows] == [(device.device_id, "what is the date today")]


async def test_post_turn_refusals(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    _, token = await devices.add("kitchen")
    async with aiohttp.ClientSession() as http:
        cases = [
            ({"text": "hi"}, {}, 401, "auth-refused"),
            ({"text": "hi", "token": "nope"}, {}, 401, "auth-refused"),
            ({"token": token}, {}, 400, "protocol-bad-message"),
            (None, {"authorization": f"Bearer {token}"}, 400, "protocol-bad-json"),
        ]
        for body, headers, status, code in cases:
            data = json.dumps(body).encode() if body is not None else b"{oops"
            async with http.post(running.url + "/api/turn", data=data, headers=headers) as resp:
                assert resp.status == status, (body, await resp.text())
                assert (await resp.json())["code"] == code


async def test_pairing_over_http_gives_a_working_token(srv) -> None:  # type: ignore[no-untyped-def]
    running, devices = srv
    code = await devices.start_pairing()
    async with aiohttp.ClientSession() as http:
        async with http.post(running.url + "/api/pair", json={"code": code, "name": "hall tablet"}) as resp:
            assert resp.status == 200
            paired = await resp.json()
        async with http.post(running.url + "/api/pair", json={"code": code}) as resp:  # used already
            assert resp.status == 403 and (await resp.json())["code"] == "pairing-refused"
    async with await client.connect(running.ws, paired["token"]) as s:
        assert (s.device_id, s.ready.device_name) == (paired["device_id"], "hall tablet")


async def test_not_ready_while_the_engines_load(settings, tmp_path: Path, no_leaked_tasks: None) -> None:  # type: ignore[no-untyped-def]
    """hark serve listens before its engines are loaded: alive, not ready, devices told to wait."""
    from hark.engines import Engines

    async with served_household(settings, Engines(), tmp_path) as (running, devices):
        _, token = await devices.add("kitchen")
        async with aiohttp.ClientSession() as http:
            async with http.get(running.url + "/healthz") as resp:
                assert resp.status == 200
            async with http.get(running.url + "/readyz") as resp:
                body = await resp.json()
                assert resp.status == 503 and body["ready"] is False and not any(body["engines"].values())
            headers = {"authorization": f"Bearer {token}"}
            async with http.post(running.url + "/api/turn", json={"text": "hi"}, headers=headers) as resp:
                assert resp.status == 503 and (await resp.json())["code"] == "server-not-ready"
        with pytest.raises(client.ClientError) as info:
            await client.connect(running.ws, token)
        assert info.value.code == "server-not-ready"


async def test_no_hello_in_time_is_closed(settings, engines, tmp_path: Path, no_leaked_tasks: None) -> None:  # type: ignore[no-untyped-def]
    from hark.server import ServerOptions

    options = ServerOptions(hello_timeout_s=0.2)
    async with (
        served_household(settings, engines, tmp_path, options=options) as (r, _),
        websockets.connect(r.ws) as ws,
    ):
        err = await recv_json(ws)  # sent nothing
        assert (err["code"], err["fatal"]) == ("protocol-hello-timeout", True)
        await ws.wait_closed()
        assert ws.close_code == 4408


async def test_audio_overrun_drops_frames_and_says_so_once() -> None:
    """Audio nobody reads is bounded: past 20 s waiting, frames are dropped, with one error."""
    from hark.server.audio_in import MAX_QUEUED_S, AudioInput
    from hark.server.errors import ProtocolError

    errors: list[ProtocolError] = []
    audio = AudioInput(messages.AudioFormat(), errors.append)
    frame = b"\x00\x00" * 1600  # 100 ms
    for _ in range(int(MAX_QUEUED_S * 10) + 50):
        audio.feed(frame)
    audio.end()
    heard = sum([len(c.samples) async for c in audio.chunks()]) / 16000
    await audio.aclose()
    assert [e.code for e in errors] == ["audio-overrun"]
    assert heard == pytest.approx(MAX_QUEUED_S)


def test_the_client_reads_a_newer_servers_messages_leniently() -> None:
    """Within protocol 1 a server may add fields and message types: the client ignores them."""
    from hark.client import _decode

    assert _decode(json.dumps({"type": "done", "session_id": "s", "turns": 1, "new": 2})) == messages.Done(
        session_id="s", turns=1
    )
    assert _decode(json.dumps({"type": "something-new", "x": 1})) is None
    with pytest.raises(messages.ProtocolError):
        messages.decode({"type": "stop", "new": 2})  # the server itself is strict about what it reads


def test_the_listening_socket_sends_small_messages_at_once() -> None:
    """TCP_NODELAY on every connection: events are small writes, and Nagle with delayed ACKs
    held each one after the first for ~40 ms (measured before this was set)."""
    import socket

    from hark.server.run import bind

    listener = bind("127.0.0.1", 0)
    try:
        assert listener.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY on accepted TCP sockets
        peer = socket.create_connection(listener.getsockname()[:2])
        listener.setblocking(True)
        accepted, _ = listener.accept()
        try:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            accepted.close()
            peer.close()
    finally:
        listener.close()


async def test_the_page_is_served_at_the_root(settings, engines, tmp_path: Path, no_leaked_tasks: None) -> None:  # type: ignore[no-untyped-def]
    from hark.household import Household
    from hark.server import create_app
    from tests.server_harness import running

    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>Hark</title>")
    (static / "app.js").write_text("export const x = 1;")
    s = dataclasses.replace(settings, data_dir=tmp_path).replace(llm={"backend": "off"})
    household = await Household.open(s)
    try:
        app = create_app(household, engines, household.paired_devices, s, static_dir=static)
        async with running(app) as r, aiohttp.ClientSession() as http:
            async with http.get(r.url + "/") as resp:
                assert resp.status == 200 and "<title>Hark</title>" in await resp.text()
            async with http.get(r.url + "/app.js") as resp:
                assert resp.status == 200 and "javascript" in resp.headers["content-type"]
            async with http.get(r.url + "/healthz") as resp:  # the API routes come first
                assert (await resp.json()) == {"ok": True}
    finally:
        await household.close()

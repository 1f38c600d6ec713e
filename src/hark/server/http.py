"""The plain HTTP endpoints: one text turn as server-sent events, pairing, health, readiness."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from ..errors import HarkError
from ..events import Event
from ..events import encode as encode_event
from ..pipeline import TurnResult
from ..session import open_device_session
from . import errors as E
from .connection import turn_message
from .context import ServerContext
from .messages import MAX_TEXT_CHARS, encode

PAIRING_REFUSED = "pairing-refused"


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"type": "error", "code": code, "message": message}, status_code=status)


async def json_body(request: Request, ctx: ServerContext) -> dict[str, Any] | JSONResponse:
    body = b""
    async for piece in request.stream():
        body += piece
        if len(body) > ctx.options.max_body_bytes:
            return error(413, E.BAD_MESSAGE, f"the body is at most {ctx.options.max_body_bytes} bytes")
    try:
        data = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return error(400, E.BAD_JSON, f"the body must be JSON: {exc}")
    if not isinstance(data, dict):
        return error(400, E.BAD_MESSAGE, "the body must be a JSON object")
    return data


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _sse(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def turn(request: Request) -> Response:
    """``POST /api/turn {"text": ..., "token": ...}``: each pipeline event, then the turn."""
    ctx: ServerContext = request.app.state.hark
    if ctx.draining:
        return error(503, E.SHUTTING_DOWN, "the server is shutting down")
    if not ctx.ready:
        return error(503, E.NOT_READY, "the server is still loading its engines: try again shortly")
    data = await json_body(request, ctx)
    if isinstance(data, JSONResponse):
        return data
    token = bearer(request) or data.get("token")
    try:
        device = await ctx.devices.authenticate(token, any_household=True) if isinstance(token, str) and token else None
    except HarkError as exc:
        return error(503, exc.code, exc.message)
    if device is None:
        return error(401, E.AUTH_REFUSED, "unknown or revoked device token: pair the device again")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return error(400, E.BAD_MESSAGE, "'text' (a non-empty string) is needed")
    if len(text) > MAX_TEXT_CHARS:
        return error(400, E.BAD_MESSAGE, f"a request is at most {MAX_TEXT_CHARS} characters")
    unknown = sorted(set(data) - {"text", "token"})
    if unknown:
        return error(400, E.BAD_MESSAGE, f"unknown field {unknown[0]!r}")

    events: asyncio.Queue[Event | TurnResult | HarkError] = asyncio.Queue()
    session_id = f"http-{uuid.uuid4().hex[:12]}"
    session = open_device_session(
        ctx.household,
        ctx.engines,
        None,
        device_id=device.device_id,
        household_id=device.household_id,
        session_id=session_id,
        on_event=events.put_nowait,
    )

    async def run() -> None:
        try:
            events.put_nowait(await session.ask_text(text, None))
        except HarkError as exc:
            events.put_nowait(exc)

    # the turn belongs to the server, not to the request: it finishes (and is logged) even if
    # the client goes away, and shutdown waits for it
    task = asyncio.create_task(run(), name=f"http-turn-{device.device_id}")
    ctx.turns.add(task)
    task.add_done_callback(ctx.turns.discard)

    async def stream() -> AsyncIterator[bytes]:
        while True:
            item = await events.get()
            if isinstance(item, Event):
                yield _sse("event", {"type": "event", "session_id": session_id, "event": encode_event(item)})
            elif isinstance(item, HarkError):
                yield _sse("error", {"type": "error", "code": item.code, "message": item.message, "fatal": True})
                return
            else:
                yield _sse("turn", encode(turn_message(session_id, item)))
                return

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"cache-control": "no-store"})


async def pair(request: Request) -> Response:
    """``POST /api/pair {"code": "482913", "name": "kitchen tablet", "household"?: id}`` -> the
    device's token (``household``: the one the code was made for; default: the server's first)."""
    ctx: ServerContext = request.app.state.hark
    data = await json_body(request, ctx)
    if isinstance(data, JSONResponse):
        return data
    code, name, household = data.get("code"), data.get("name"), data.get("household")
    if not isinstance(code, str) or not code.strip():
        return error(400, E.BAD_MESSAGE, "'code' (the pairing code shown by hark device pair) is needed")
    if name is not None and not isinstance(name, str):
        return error(400, E.BAD_MESSAGE, "'name' must be a string")
    if household is not None and not isinstance(household, str):
        return error(400, E.BAD_MESSAGE, "'household' must be a string (the id the pairing code was made for)")
    devices = ctx.devices.for_household(household) if household else ctx.devices
    try:
        paired = await devices.pair(code.strip(), name)
    except HarkError as exc:
        retry = getattr(exc, "retry_after_s", None)
        if exc.code == PAIRING_REFUSED and retry is not None:  # too many wrong codes lately
            response = error(429, exc.code, exc.message)
            response.headers["retry-after"] = str(max(1, round(retry)))
            return response
        return error(403 if exc.code == PAIRING_REFUSED else 503, exc.code, exc.message)
    return JSONResponse({"device_id": paired.device_id, "token": paired.token, "name": paired.name})


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def readyz(request: Request) -> Response:
    ctx: ServerContext = request.app.state.hark
    body = {
        "ready": ctx.ready,
        "draining": ctx.draining,
        "engines": ctx.engines_loaded(),
        "sessions": len(ctx.connections),
        # which engine is the bottleneck: each executor's workers, queue and time spent waiting in it
        "executors": {role: dataclasses.asdict(stats) for role, stats in ctx.engines.stats().items()},
    }
    return JSONResponse(body, status_code=200 if ctx.ready else 503)

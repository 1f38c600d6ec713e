"""Stand-ins for the Anthropic Messages API and an OpenAI chat-completions server, on 127.0.0.1, for tests.

They speak the real streaming wire formats byte for byte as the official APIs
document them, so the official SDKs run unmodified against them:

* :class:`FakeAnthropic`: ``POST /v1/messages`` with ``stream: true`` answers
  ``text/event-stream`` events ``message_start``, ``content_block_start``
  (``text`` or ``tool_use``), ``ping``, ``content_block_delta`` (``text_delta``
  / ``input_json_delta`` with ``partial_json`` fragments), ``content_block_stop``,
  ``message_delta`` (``stop_reason``, ``usage``) and ``message_stop``; errors are
  ``{"type": "error", "error": {"type": ..., "message": ...}}`` with the matching
  status (400, 401, 429, 500, 529 ...) or an ``event: error`` inside the stream.
* :class:`FakeOpenAI`: ``POST /v1/chat/completions`` with ``stream: true``
  answers ``data: {chat.completion.chunk}`` lines (role delta, content deltas,
  ``tool_calls`` deltas with index/id/name/argument fragments, the
  ``finish_reason`` chunk, the usage chunk when ``stream_options.include_usage``)
  then ``data: [DONE]``; errors are ``{"error": {"message", "type", "param", "code"}}``.

Each test scripts the answers: push :class:`Reply` objects on ``server.replies``
(text pieces, tool calls, an error status, a delay before the first byte, a cut
after N events ...); with the queue empty a server answers "OK". Every request
is recorded (path, headers, JSON body) in ``server.requests``.

Both check what the real services check first: the key (``x-api-key`` or
``Authorization: Bearer`` for Anthropic, 401 otherwise, and the
OpenAI fake echoes the refused key in its message as some compatible servers
do, so that tests can prove the backend redacts it), the Anthropic version
header, the required fields, and for Anthropic the turn rules (alternating
roles, ``tool_result`` blocks first in their turn and answering a ``tool_use``
of the previous turn): a request the real API would refuse gets its 400 here.

Each server runs its own event loop in a thread, so a hanging or aborted
response leaves no task behind in the test's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import socket
import threading
import time
from collections import deque
from typing import Any, Self

import pytest
from aiohttp import web

from hark.llm.base import LlmBackend, LlmError, LlmEvent, LlmRequest

ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}
OPENAI_ERRORS = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}
_ids = itertools.count(1)


@dataclasses.dataclass
class ToolCall:
    """A scripted tool call; ``fragments`` are the argument JSON pieces as streamed (joined: the arguments)."""

    name: str
    fragments: list[str]
    id: str = ""


@dataclasses.dataclass
class Reply:
    """One scripted answer. Events are counted from the first one the server writes."""

    text: list[str] = dataclasses.field(default_factory=list)
    """Text pieces, one delta each."""
    tools: list[ToolCall] = dataclasses.field(default_factory=list)
    stop_reason: str | None = None
    """Wire value (Anthropic ``end_turn``/``tool_use``/``refusal``..., OpenAI ``stop``/``tool_calls``...); None: the natural one."""
    input_tokens: int = 12
    output_tokens: int = 7
    cached_tokens: int = 0
    status: int = 200
    """An error status answers the error body instead of a stream."""
    error_type: str | None = None
    """Overrides the error type of ``status`` (or of ``stream_error_after``)."""
    error_message: str = ""
    error_code: str | None = None
    """OpenAI's ``error.code`` (e.g. ``insufficient_quota``); None: the usual one for the status."""
    delay_s: float = 0.0
    """Wait before the response headers (the first byte)."""
    gap_s: float = 0.0
    """Wait between events."""
    cut_after: int | None = None
    """Stop after this many events, before the end of the message."""
    abort: bool = False
    """With ``cut_after``: reset the connection instead of ending the body cleanly."""
    stream_error_after: int | None = None
    """After this many events, send an error inside the stream (``error_type``, default overloaded)."""
    include_ping: bool = True
    write_bytes: int | None = None
    """Write each event in pieces of this many bytes (splitting lines and UTF-8 characters), as TCP may deliver it."""
    hold_after: int | None = None
    """After this many events, wait for :meth:`resume` (proves the client got them before the rest exist)."""


@dataclasses.dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: dict[str, Any]
    received_at: float
    """``time.perf_counter()`` when the request was read."""


class _FakeServer:
    """A thread running an aiohttp app on 127.0.0.1; start with ``with`` (or :meth:`start`/:meth:`stop`)."""

    thread_name = "fake-llm"

    def __init__(self, api_key: str = "test-key") -> None:
        self.api_key = api_key
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.url = ""
        """Root URL, ``http://127.0.0.1:PORT``."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._ready = threading.Event()
        self._release: asyncio.Event | None = None
        self._resume: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def push(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def resume(self) -> None:
        """Let a reply held by ``hold_after`` go on."""
        assert self._resume is not None
        self._loop.call_soon_threadsafe(self._resume.set)

    def start(self) -> str:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"{self.thread_name} did not start")
        return self.url

    def stop(self) -> None:
        for event in (self._release, self._resume):
            if event is not None:
                self._loop.call_soon_threadsafe(event.set)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
            self._ready.set()
            self._loop.run_forever()
            if self._runner is not None:
                self._loop.run_until_complete(self._runner.cleanup())
        finally:
            self._loop.close()

    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def _serve(self) -> None:
        self._release = asyncio.Event()
        self._resume = asyncio.Event()
        app = web.Application()
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def _record(self, request: web.Request) -> tuple[Recorded, Reply]:
        received = time.perf_counter()
        try:
            body = await request.json()
        except ValueError:
            body = {"_unparsable": True}
        recorded = Recorded(request.path, {k.lower(): v for k, v in request.headers.items()}, body, received)
        self.requests.append(recorded)
        reply = self.replies.popleft() if self.replies else Reply(text=["OK"])
        return recorded, reply

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        if seconds > 0:
            assert self._release is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), seconds)

    async def _stream(
        self, request: web.Request, reply: Reply, events: list[bytes], headers: dict[str, str]
    ) -> web.StreamResponse:
        """Write ``events`` as an SSE body, honouring the reply's gaps and cut."""
        response = web.StreamResponse(
            status=200,
            headers={"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", **headers},
        )
        await response.prepare(request)
        with contextlib.suppress(ConnectionResetError):  # the client hung up (a dropped reply): nothing to do
            await self._write(request, response, reply, events)
        return response

    async def _write(
        self, request: web.Request, response: web.StreamResponse, reply: Reply, events: list[bytes]
    ) -> None:
        for n, event in enumerate(events):
            if reply.cut_after is not None and n >= reply.cut_after:
                if reply.abort and request.transport is not None:
                    request.transport.abort()  # a reset mid-body: the client sees an incomplete chunked body
                    return
                break
            if n and reply.gap_s:
                await self._sleep(reply.gap_s)
            if reply.hold_after is not None and n == reply.hold_after:
                assert self._resume is not None
                await self._resume.wait()  # stop() sets it too
                self._resume.clear()
            if reply.write_bytes:
                for at in range(0, len(event), reply.write_bytes):
                    await response.write(event[at : at + reply.write_bytes])
                    await asyncio.sleep(0.001)  # so that the pieces are not coalesced again
            else:
                await response.write(event)
        await response.write_eof()


def _sse(event: str | None, data: dict[str, Any] | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


# -- Anthropic ----------------------------------------------------------------------------------


def anthropic_turn_problems(body: dict[str, Any]) -> list[str]:
    """What the Messages API would refuse (400 ``invalid_request_error``) in this request body."""
    problems: list[str] = []
    for key in ("model", "max_tokens", "messages"):
        if key not in body:
            problems.append(f"{key}: Field required")
    messages = body.get("messages") or []
    previous_tool_ids: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role")
        if role not in ("user", "assistant"):
            problems.append(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if i and messages[i - 1].get("role") == role:
            problems.append(f"messages.{i}: roles must alternate between 'user' and 'assistant'")
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
        if not blocks:
            problems.append(f"messages.{i}: all messages must have non-empty content")
        seen_other = False
        tool_ids: set[str] = set()
        for j, block in enumerate(blocks):
            kind = block.get("type")
            if kind == "text" and not block.get("text"):
                problems.append(f"messages.{i}.content.{j}.text: text content blocks must be non-empty")
            if kind == "tool_result":
                if role != "user":
                    problems.append(f"messages.{i}: tool_result blocks are only allowed in user messages")
                if seen_other:
                    problems.append(f"messages.{i}: tool_result blocks must come first in the message content")
                if block.get("tool_use_id") not in previous_tool_ids:
                    problems.append(
                        f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: "
                        f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding "
                        "`tool_use` block in the previous message."
                    )
            else:
                seen_other = True
            if kind == "tool_use":
                if role != "assistant":
                    problems.append(f"messages.{i}: tool_use blocks are only allowed in assistant messages")
                tool_ids.add(block.get("id", ""))
        previous_tool_ids = tool_ids
    return problems


class FakeAnthropic(_FakeServer):
    """The Anthropic Messages API. Give the SDK ``base_url=server.url`` (it adds ``/v1/messages``)."""

    thread_name = "fake-anthropic"
    MODEL = "claude-haiku-4-5-20251001"

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self._messages)

    def _error(self, status: int, error_type: str | None, message: str) -> web.Response:
        request_id = f"req_fake{next(_ids):06d}"
        body = {
            "type": "error",
            "error": {"type": error_type or ANTHROPIC_ERROR_TYPES.get(status, "api_error"), "message": message},
            "request_id": request_id,
        }
        return web.json_response(body, status=status, headers={"request-id": request_id})

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        recorded, reply = await self._record(request)
        headers, body = recorded.headers, recorded.body
        await self._sleep(reply.delay_s)
        # SDK 2.x sends the key as a bearer token; older ones (and curl examples) as x-api-key.
        if self.api_key not in (headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer ")):
            return self._error(401, None, "invalid x-api-key")
        if "anthropic-version" not in headers:
            return self._error(400, None, "anthropic-version: header is required")
        if body.get("_unparsable"):
            return self._error(400, None, "There was an error parsing the body of your request")
        problems = anthropic_turn_problems(body)
        if problems:
            return self._error(400, None, "; ".join(problems))
        if reply.status >= 400:
            default = {
                429: "Number of request tokens has exceeded your per-minute rate limit",
                500: "Internal server error",
                529: "Overloaded",
            }.get(reply.status, "error")
            return self._error(reply.status, reply.error_type, reply.error_message or default)
        if not body.get("stream"):
            return self._error(400, None, "this fake only streams: set stream to true")
        return await self._stream(request, reply, self.events(reply, body.get("model", self.MODEL)), {})

    def events(self, reply: Reply, model: str) -> list[bytes]:
        """The SSE events of ``reply``, as the Messages API streams them."""
        msg_id = f"msg_fake{next(_ids):06d}"
        uncached = max(reply.input_tokens - reply.cached_tokens, 0)
        events = [
            _sse(
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": msg_id,
                        "type": "message",
                        "role": "assistant",
                        "content": [],
                        "model": model,
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {
                            "input_tokens": uncached,
                            "cache_creation_input_tokens": 0,
                            "cache_read_input_tokens": reply.cached_tokens,
                            "output_tokens": 1,
                        },
                    },
                },
            )
        ]
        index = 0
        if reply.text:
            events.append(
                _sse(
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
                )
            )
            if reply.include_ping:
                events.append(_sse("ping", {"type": "ping"}))
            for piece in reply.text:
                events.append(
                    _sse(
                        "content_block_delta",
                        {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}},
                    )
                )
            events.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
            index += 1
        for tool in reply.tools:
            tool_id = tool.id or f"toolu_fake{next(_ids):06d}"
            events.append(
                _sse(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {"type": "tool_use", "id": tool_id, "name": tool.name, "input": {}},
                    },
                )
            )
            for fragment in ["", *tool.fragments]:  # the API opens with an empty fragment
                events.append(
                    _sse(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {"type": "input_json_delta", "partial_json": fragment},
                        },
                    )
                )
            events.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
            index += 1
        stop = reply.stop_reason or ("tool_use" if reply.tools else "end_turn")
        events.append(
            _sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {
                        "input_tokens": uncached,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": reply.cached_tokens,
                        "output_tokens": reply.output_tokens,
                    },
                },
            )
        )
        events.append(_sse("message_stop", {"type": "message_stop"}))
        if reply.stream_error_after is not None:
            error = {
                "type": "error",
                "error": {
                    "type": reply.error_type or "overloaded_error",
                    "message": reply.error_message or "Overloaded",
                },
            }
            events = [*events[: reply.stream_error_after], _sse("error", error)]
        return events


# -- OpenAI -------------------------------------------------------------------------------------


class FakeOpenAI(_FakeServer):
    """An OpenAI chat-completions server. Give the SDK ``base_url=server.base_url`` (``.../v1``)."""

    thread_name = "fake-openai"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._completions)

    def _error(self, status: int, reply: Reply | None, message: str) -> web.Response:
        error_type, code = OPENAI_ERRORS.get(status, ("server_error", None))
        if reply is not None and reply.error_type:
            error_type = reply.error_type
        if reply is not None and reply.error_code:
            code = reply.error_code
        body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
        return web.json_response(body, status=status, headers={"x-request-id": f"req_{next(_ids):06d}"})

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        recorded, reply = await self._record(request)
        headers, body = recorded.headers, recorded.body
        await self._sleep(reply.delay_s)
        auth = headers.get("authorization", "")
        if auth != f"Bearer {self.api_key}":
            refused = auth.removeprefix("Bearer ")
            return self._error(
                401,
                None,
                f"Incorrect API key provided: {refused}. You can find your API key at https://platform.openai.com/account/api-keys.",
            )
        if body.get("_unparsable"):
            return self._error(400, None, "We could not parse the JSON body of your request.")
        missing = [k for k in ("model", "messages") if k not in body]
        if missing:
            return self._error(400, None, f"Missing required parameter: '{missing[0]}'.")
        if reply.status >= 400:
            default = {
                429: "Rate limit reached for requests",
                500: "The server had an error while processing your request. Sorry about that!",
                503: "The engine is currently overloaded, please try again later.",
            }.get(reply.status, "error")
            return self._error(reply.status, reply, reply.error_message or default)
        if not body.get("stream"):
            return self._error(400, None, "this fake only streams: set stream to true")
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = self.events(reply, body["model"], include_usage)
        return await self._stream(request, reply, events, {"x-request-id": f"req_{next(_ids):06d}"})

    def events(self, reply: Reply, model: str, include_usage: bool) -> list[bytes]:
        """The ``data:`` lines of ``reply``, as chat completions streams them."""
        chunk_id = f"chatcmpl-fake{next(_ids):06d}"
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            data: dict[str, Any] = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            if include_usage:
                data["usage"] = None
            return _sse(None, data)

        events = [chunk({"role": "assistant", "content": "", "refusal": None})]
        events += [chunk({"content": piece}) for piece in reply.text]
        for index, tool in enumerate(reply.tools):
            tool_id = tool.id or f"call_fake{next(_ids):06d}"
            events.append(
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": index,
                                "id": tool_id,
                                "type": "function",
                                "function": {"name": tool.name, "arguments": ""},
                            }
                        ]
                    }
                )
            )
            events += [
                chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
                for fragment in tool.fragments
            ]
        events.append(chunk({}, reply.stop_reason or ("tool_calls" if reply.tools else "stop")))
        if include_usage:
            usage = {
                "prompt_tokens": reply.input_tokens,
                "completion_tokens": reply.output_tokens,
                "total_tokens": reply.input_tokens + reply.output_tokens,
                "prompt_tokens_details": {"cached_tokens": reply.cached_tokens, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
            }
            events.append(
                _sse(
                    None,
                    {
                        "id": chunk_id,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "system_fingerprint": "fp_fake",
                        "choices": [],
                        "usage": usage,
                    },
                )
            )
        events.append(_sse(None, "[DONE]"))
        if reply.stream_error_after is not None:
            error = {
                "error": {
                    "message": reply.error_message or "The server had an error while processing your request.",
                    "type": reply.error_type or "server_error",
                    "param": None,
                    "code": None,
                }
            }
            events = [*events[: reply.stream_error_after], _sse(None, error)]
        return events


# -- helpers for the backend tests ----------------------------------------------------------------


async def collect(llm: LlmBackend, request: LlmRequest) -> list[LlmEvent]:
    """Every event of one stream."""
    return [event async for event in llm.stream(request)]


async def collect_until_error(llm: LlmBackend, request: LlmRequest) -> tuple[list[LlmEvent], LlmError]:
    """The events a stream gave before the :class:`LlmError` it must end with."""
    events: list[LlmEvent] = []

    async def drain() -> None:
        async for event in llm.stream(request):
            events.append(event)

    with pytest.raises(LlmError) as info:
        await drain()
    return events, info.value


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port

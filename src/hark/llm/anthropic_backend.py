"""Anthropic Claude through the official ``anthropic`` SDK and the streaming Messages API.

Design decisions:

* **The SDK makes the request, Hark reads the events.** The SDK builds and
  sends the request (auth, version header, status errors, timeouts) through
  ``messages.with_streaming_response.create(stream=True)``; the
  ``text/event-stream`` body is read with :class:`hark.llm.wire.SseDecoder`
  (why: see :mod:`hark.llm.wire`, in short no stray tasks after a barge-in).
  The ``messages.stream()`` helper would also rebuild a message snapshot and
  re-parse partial tool JSON on every fragment, work we do not need. Text
  deltas are handed out the moment they arrive; tool-use ``input_json_delta``
  fragments are joined and parsed once, at ``content_block_stop``, into one
  :class:`ToolCallChunk`.
* **Prompt caching.** The system prompt is sent as one text block with
  ``cache_control: {"type": "ephemeral"}`` and the last tool definition carries
  the same marker. The cache prefix order is tools, then system, then messages,
  so the two breakpoints cache "tools" and "tools + system prompt": every turn
  of a conversation (and every round of the tool loop) re-reads them from the
  cache instead of reprocessing them, which is what cuts time to first token.
  A third breakpoint closes the history before the newest user message (the
  context note with the time rides in that message, so everything before it is
  unchanged on the next turn): a long chat is read from the cache too.
  Anthropic ignores breakpoints below a model's minimum cacheable length (a few
  thousand tokens for Haiku), silently: the request still works, uncached.
* **Message conversion.** Hark's neutral messages become alternating turns: an
  assistant message is its text plus ``tool_use`` blocks; a ``tool`` message is
  a *user* turn of ``tool_result`` blocks; consecutive turns of the same role
  are merged into one (the API wants alternation, and a tool result followed by
  the user's next words must be a single user turn), with ``tool_result``
  blocks first as the API requires. Empty text blocks are dropped (refused by
  the API).
* **No temperature.** The Messages API of this SDK generation (anthropic 2.x)
  has no sampling parameters (``temperature``/``top_p``/``top_k`` are gone
  from ``messages.create``), so ``LlmRequest.temperature`` is not sent; the
  model's own default applies.
* **Retries are off by default** (``max_retries=0``): for a voice reply a
  silent multi-second SDK back-off is worse than failing fast to the fallback,
  and the brain sees ``LlmError.retryable`` to decide itself.
* **Usage.** :class:`Finished` ``input_tokens`` counts *all* prompt tokens
  (uncached + cache reads + cache writes), as the OpenAI and llama.cpp backends
  do; ``cached_input_tokens`` is the part read from the cache
  (``cache_read_input_tokens``).
* **Errors** map through :mod:`hark.llm.wire`. A stream that ends without
  ``message_stop`` is ``llm-stream-cut`` after everything that did arrive was
  yielded. The key is never logged nor put in a message or ``repr``.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import anthropic
import httpx2

from . import wire
from .base import Finished, LlmError, LlmEvent, LlmRequest, Message, TextChunk, ToolCallChunk, ToolSpec

log = logging.getLogger(__name__)

DEFAULT_MODEL = "claude-haiku-4-5"
"""Fast and cheap enough for voice; ``llm.model`` overrides it."""
DEFAULT_TIMEOUT_S = 15.0
"""Read timeout: the longest silence accepted between two bytes (Anthropic sends ``ping``s while it works)."""
CONNECT_TIMEOUT_S = 5.0
PROVIDER = "Anthropic"
CACHE = {"type": "ephemeral"}


def convert_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Hark messages in Anthropic's shape (see the module docstring)."""
    turns: list[dict[str, Any]] = []
    for message in messages:
        content: list[dict[str, Any]] = []
        if message.role == "tool":
            role = "user"
            for result in message.tool_results:
                block: dict[str, Any] = {
                    "type": "tool_result",
                    "tool_use_id": result.tool_use_id,
                    "content": result.content,
                }
                if result.is_error:
                    block["is_error"] = True
                content.append(block)
            if message.text:
                content.append({"type": "text", "text": message.text})
        else:
            role = message.role
            content += [{"type": "text", "text": note} for note in message.context if note]
            if message.text:
                content.append({"type": "text", "text": message.text})
            if role == "assistant":
                content += [
                    {"type": "tool_use", "id": use.id, "name": use.name, "input": dict(use.arguments)}
                    for use in message.tool_uses
                ]
        if not content:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += content
        else:
            turns.append({"role": role, "content": content})
    for turn in turns:
        if turn["role"] == "user":
            # tool_result blocks must open the user turn; sorted() is stable, so order is kept otherwise.
            turn["content"] = sorted(turn["content"], key=lambda b: b["type"] != "tool_result")
    if len(turns) >= 2:
        # The history before the new request is byte-identical on the next turn (the context
        # note sits in the last user message): a breakpoint there lets a long chat be cached.
        turns[-2]["content"][-1]["cache_control"] = dict(CACHE)
    return turns


def convert_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """Tool definitions, the last one marked as a cache breakpoint."""
    converted: list[dict[str, Any]] = [
        {"name": t.name, "description": t.description, "input_schema": dict(t.parameters)} for t in tools
    ]
    if converted:
        converted[-1]["cache_control"] = dict(CACHE)
    return converted


def request_params(request: LlmRequest, model: str) -> dict[str, Any]:
    """The keyword arguments of ``messages.create`` for ``request`` (without ``stream``)."""
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": convert_messages(request.messages),
    }
    if request.system:
        params["system"] = [{"type": "text", "text": request.system, "cache_control": dict(CACHE)}]
    if request.tools:
        params["tools"] = convert_tools(request.tools)
    return params


class AnthropicBackend:
    """:class:`~hark.llm.base.LlmBackend` for the Anthropic Messages API (or a compatible proxy at ``base_url``)."""

    name = "anthropic"

    def __init__(
        self,
        api_key: str,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_retries: int = 0,
    ) -> None:
        self.model = model or DEFAULT_MODEL
        self._key = api_key
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key or None,  # None: the SDK reads ANTHROPIC_API_KEY
            base_url=base_url or None,
            timeout=httpx2.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S)),
            max_retries=max_retries,
        )
        if not self._key:
            self._key = self._client.api_key or ""

    def __repr__(self) -> str:
        return f"AnthropicBackend(model={self.model!r}, base_url={str(self._client.base_url)!r})"

    async def warm(self, request: LlmRequest) -> None:
        """Nothing to load for a remote model: a no-op.

        Pre-filling the prompt cache (a ``max_tokens=0`` request with the system
        prompt and tools) would save the first turn's cache write, but it costs a
        request at every start and the cache expires after five idle minutes anyway.
        """

    async def prepare(self, request: LlmRequest) -> None:
        """A no-op: the prompt is cached server-side by ``cache_control`` when it is sent."""

    async def aclose(self) -> None:
        await self._client.close()

    async def stream(self, request: LlmRequest) -> AsyncGenerator[LlmEvent, None]:
        """Stream one reply; see the module docstring. Raises :class:`LlmError`.

        An async generator: ``aclose()`` it to drop a reply (barge-in); that closes the connection.
        """
        params = request_params(request, self.model)
        reader = _Reader()
        started = complete = False
        try:
            async with self._client.messages.with_streaming_response.create(**params, stream=True) as response:
                started = True
                decoder = wire.SseDecoder()
                async with contextlib.aclosing(response.http_response.aiter_bytes()) as body:
                    async for chunk in body:
                        if reader.finished:
                            continue  # after message_stop: read to the end of the body (see hark.llm.wire)
                        for name, data in decoder.feed(chunk):
                            if name == "error":
                                raise wire.status_error(PROVIDER, None, json.loads(data), self._key)
                            for event in reader.read(name, json.loads(data)):
                                reader.yielded = True
                                yield event
                            if reader.finished:
                                break
                    complete = True
            if reader.finished:
                return
        except LlmError:
            raise
        except anthropic.APIStatusError as exc:
            raise self._status_error(exc) from wire.safe_cause(exc, self._key)
        except (anthropic.APIConnectionError, httpx2.HTTPError) as exc:
            timed_out = isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException)
            if not started:
                raise wire.unreachable(PROVIDER, "timed out" if timed_out else "could not connect") from (
                    wire.safe_cause(exc, self._key)
                )
            what = f"connection {'timed out' if timed_out else 'broken'} mid-stream"
            raise wire.stream_cut(PROVIDER, what, yielded=reader.yielded) from wire.safe_cause(exc, self._key)
        except TypeError as exc:  # how the SDK says it found no key at all
            if "authentication method" not in str(exc):
                raise
            raise LlmError(f"{PROVIDER}: no API key (set llm.api_key or ANTHROPIC_API_KEY)", code="llm-auth") from None
        except (ValueError, KeyError, AttributeError) as exc:  # not JSON, or not the events' shape
            raise LlmError(
                f"{PROVIDER} sent an unreadable stream event: {type(exc).__name__}", code="llm-bad-response"
            ) from wire.safe_cause(exc, self._key)
        finally:
            if started and not complete:
                await wire.settle()
        raise wire.stream_cut(PROVIDER, "the stream ended before message_stop", yielded=reader.yielded)

    def _status_error(self, exc: anthropic.APIStatusError) -> LlmError:
        status = exc.status_code if exc.status_code >= 400 else None
        error = wire.status_error(PROVIDER, status, exc.body, self._key, request_id=exc.request_id)
        log.debug("anthropic error %s: %s", error.code, error)
        return error


class _Reader:
    """Turns the Messages API's stream events (decoded JSON) into Hark events."""

    __slots__ = ("cached", "finished", "input_tokens", "output_tokens", "stop_reason", "tools", "yielded")

    def __init__(self) -> None:
        self.tools: dict[int, tuple[str, str, list[str]]] = {}
        """Open tool_use blocks: index -> (id, name, JSON fragments)."""
        self.input_tokens = self.output_tokens = self.cached = 0
        self.stop_reason = ""
        self.finished = False
        self.yielded = False

    def read(self, name: str, data: dict[str, Any]) -> list[LlmEvent]:
        if name == "content_block_delta":
            delta = data["delta"]
            if delta["type"] == "text_delta":
                return [TextChunk(delta["text"])] if delta["text"] else []
            if delta["type"] == "input_json_delta" and data["index"] in self.tools:
                self.tools[data["index"]][2].append(delta["partial_json"])
        elif name == "content_block_start":
            block = data["content_block"]
            if block["type"] == "tool_use":
                self.tools[data["index"]] = (block["id"], block["name"], [])
            elif block["type"] == "text" and block.get("text"):
                return [TextChunk(block["text"])]
        elif name == "content_block_stop":
            if data["index"] in self.tools:
                return [_tool_call(*self.tools.pop(data["index"]))]
        elif name == "message_start":
            self._usage(data["message"].get("usage") or {})
        elif name == "message_delta":
            self.stop_reason = data["delta"].get("stop_reason") or self.stop_reason
            self._usage(data.get("usage") or {})
        elif name == "message_stop":
            self.finished = True
            events: list[LlmEvent] = [_tool_call(*self.tools.pop(i)) for i in sorted(self.tools)]  # never closed
            events.append(
                Finished(
                    stop_reason=self.stop_reason or "end_turn",
                    input_tokens=self.input_tokens,
                    output_tokens=self.output_tokens,
                    cached_input_tokens=self.cached,
                )
            )
            return events
        return []  # ping, and event types this backend does not know

    def _usage(self, usage: dict[str, Any]) -> None:
        """Usage numbers are cumulative; ``message_delta`` may repeat the input counts or leave them out."""
        if usage.get("output_tokens") is not None:
            self.output_tokens = usage["output_tokens"]
        if usage.get("input_tokens") is not None:
            self.cached = usage.get("cache_read_input_tokens") or 0
            self.input_tokens = usage["input_tokens"] + self.cached + (usage.get("cache_creation_input_tokens") or 0)


def _tool_call(tool_id: str, name: str, fragments: list[str]) -> ToolCallChunk:
    raw = "".join(fragments)
    arguments = wire.parse_arguments(raw)
    if arguments is None:
        log.info("tool call %s: arguments are not a JSON object (%d characters)", name, len(raw))
    return ToolCallChunk(id=tool_id, name=name, arguments=arguments, raw=raw)

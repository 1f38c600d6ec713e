"""Any OpenAI-compatible chat-completions server through the official ``openai`` SDK.

OpenAI itself, vLLM, Ollama, llama.cpp's ``llama-server``, LM Studio ...: all
speak streaming ``POST /v1/chat/completions``. Design decisions:

* **Plain chat completions with function tools**, nothing newer (no Responses
  API, no ``strict`` schemas, ``max_tokens`` rather than
  ``max_completion_tokens``): the lowest common denominator that every
  compatible server accepts. ``strict`` is left out, which means off.
* **Message conversion.** The system prompt is the first message; an assistant
  message carries its ``tool_calls`` (arguments re-encoded as JSON text); each
  :class:`ToolResult` becomes one ``tool`` message with its ``tool_call_id``
  (the API has no error flag, so a failed call's content is prefixed with
  ``Error:``). Consecutive same-role messages are allowed by this API and left as they are.
* **Tool-call assembly.** ``delta.tool_calls`` fragments are joined by their
  ``index`` (id and name come in the first fragment, the arguments in pieces)
  and emitted as :class:`ToolCallChunk` s, in index order, when the choice's
  ``finish_reason`` arrives (or the stream ends after it). A server that never
  sends an id gets ``call_<index>``.
* **Usage** is asked for with ``stream_options.include_usage`` (a last chunk
  with no choices); :class:`Finished` is yielded when the stream ends, so it
  carries that usage. ``include_usage=False`` drops the option for servers
  that refuse it.
* **The SDK makes the request, Hark reads the chunks.** The SDK sends the
  request (auth, status errors, timeouts) through
  ``chat.completions.with_streaming_response.create(stream=True)``; the body
  is read with :class:`hark.llm.wire.SseDecoder` (why: see :mod:`hark.llm.wire`),
  and chunks are read as plain JSON, which also tolerates the small liberties
  compatible servers take with the chunk schema.
* **Cut streams.** A stream that ends with no ``finish_reason`` is
  ``llm-stream-cut``. One cut after the ``finish_reason`` (before ``[DONE]``)
  lost at most the usage chunk and is accepted.
* ``finish_reason`` maps to Hark's stop reasons: ``stop`` -> ``end_turn``,
  ``tool_calls`` / ``function_call`` -> ``tool_use``, ``length`` ->
  ``max_tokens``, ``content_filter`` -> ``refusal``; a ``delta.refusal`` text
  is spoken as text and also makes the reason ``refusal``.
* Local servers often need no key; an empty key (and no ``OPENAI_API_KEY``)
  sends a placeholder, because the SDK refuses to start without one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import httpx2
import openai

from . import wire
from .base import Finished, LlmError, LlmEvent, LlmRequest, Message, TextChunk, ToolCallChunk, ToolSpec

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 15.0
"""Read timeout: the longest silence accepted between two bytes of the answer."""
CONNECT_TIMEOUT_S = 5.0
NO_KEY = "sk-no-key-required"
"""Sent when no key is configured: local servers ignore it, and the SDK needs one."""
PROVIDER = "OpenAI-compatible server"
FINISH_REASONS = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "refusal",
}


def convert_messages(system: str, messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Hark messages in chat-completions shape (see the module docstring)."""
    converted: list[dict[str, Any]] = []
    if system:
        converted.append({"role": "system", "content": system})
    for message in messages:
        if message.role == "tool":
            for result in message.tool_results:
                content = result.content
                if result.is_error and not content.lower().startswith("error"):
                    content = f"Error: {content}"
                converted.append({"role": "tool", "tool_call_id": result.tool_use_id, "content": content})
            if message.text:
                converted.append({"role": "user", "content": message.text})
        elif message.role == "assistant":
            entry: dict[str, Any] = {"role": "assistant"}
            if message.text or not message.tool_uses:
                entry["content"] = message.text
            if message.tool_uses:
                entry["tool_calls"] = [
                    {
                        "id": use.id,
                        "type": "function",
                        "function": {"name": use.name, "arguments": json.dumps(dict(use.arguments))},
                    }
                    for use in message.tool_uses
                ]
            converted.append(entry)
        else:
            converted.append({"role": "user", "content": message.full_text()})
    return converted


def convert_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": dict(t.parameters)},
        }
        for t in tools
    ]


def request_params(request: LlmRequest, model: str, *, include_usage: bool = True) -> dict[str, Any]:
    """The keyword arguments of ``chat.completions.create`` for ``request`` (without ``stream``)."""
    params: dict[str, Any] = {
        "model": model,
        "messages": convert_messages(request.system, request.messages),
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    }
    if request.tools:
        params["tools"] = convert_tools(request.tools)
    if include_usage:
        params["stream_options"] = {"include_usage": True}
    return params


class _PartialCall:
    __slots__ = ("arguments", "id", "name")

    def __init__(self) -> None:
        self.id = ""
        self.name = ""
        self.arguments: list[str] = []


class _Reader:
    """Turns ``chat.completion.chunk`` objects (decoded JSON) into Hark events."""

    __slots__ = ("cached", "calls", "done", "finish", "input_tokens", "output_tokens", "refused", "yielded")

    def __init__(self) -> None:
        self.calls: dict[int, _PartialCall] = {}
        self.finish = ""
        self.refused = False
        self.done = False
        self.yielded = False
        self.input_tokens = self.output_tokens = self.cached = 0

    def read(self, chunk: dict[str, Any], secret: str) -> list[LlmEvent]:
        if chunk.get("error"):  # an error in the middle of the stream (vLLM, some proxies)
            raise wire.status_error(PROVIDER, None, chunk, secret)
        usage = chunk.get("usage")
        if usage:
            self.input_tokens = usage.get("prompt_tokens") or 0
            self.output_tokens = usage.get("completion_tokens") or 0
            self.cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
        choices = chunk.get("choices")
        if not choices:
            return []
        choice = choices[0]
        delta = choice.get("delta") or {}
        events: list[LlmEvent] = []
        if delta.get("content"):
            events.append(TextChunk(delta["content"]))
        if delta.get("refusal"):
            self.refused = True
            events.append(TextChunk(delta["refusal"]))
        for fragment in delta.get("tool_calls") or ():
            call = self.calls.setdefault(fragment.get("index", 0), _PartialCall())
            call.id = call.id or (fragment.get("id") or "")
            function = fragment.get("function") or {}
            call.name = call.name or (function.get("name") or "")
            if function.get("arguments"):
                call.arguments.append(function["arguments"])
        if choice.get("finish_reason"):
            self.finish = choice["finish_reason"]
            events += self.flush()
        return events

    def flush(self) -> list[LlmEvent]:
        """The assembled tool calls, in index order; forgets them."""
        done: list[LlmEvent] = []
        for index in sorted(self.calls):
            call = self.calls.pop(index)
            raw = "".join(call.arguments)
            arguments = wire.parse_arguments(raw)
            if arguments is None:
                log.info("tool call %s: arguments are not a JSON object (%d characters)", call.name, len(raw))
            done.append(ToolCallChunk(id=call.id or f"call_{index}", name=call.name, arguments=arguments, raw=raw))
        return done


class OpenAIBackend:
    """:class:`~hark.llm.base.LlmBackend` for an OpenAI-compatible server at ``base_url`` (``.../v1``)."""

    name = "openai"

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_retries: int = 0,
        include_usage: bool = True,
    ) -> None:
        self.model = model
        self._key = api_key or os.environ.get("OPENAI_API_KEY", "") or NO_KEY
        self._include_usage = include_usage
        self._client = openai.AsyncOpenAI(
            api_key=self._key,
            base_url=base_url or None,
            timeout=httpx2.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S)),
            max_retries=max_retries,
        )

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, base_url={str(self._client.base_url)!r})"

    async def warm(self, request: LlmRequest) -> None:
        """A no-op: a remote server has nothing to load that a request could usefully prepare."""

    async def prepare(self, request: LlmRequest) -> None:
        """A no-op: what a server caches is up to the server."""

    async def aclose(self) -> None:
        await self._client.close()

    async def stream(self, request: LlmRequest) -> AsyncGenerator[LlmEvent, None]:
        """Stream one reply; see the module docstring. Raises :class:`LlmError`.

        An async generator: ``aclose()`` it to drop a reply (barge-in); that closes the connection.
        """
        params = request_params(request, self.model, include_usage=self._include_usage)
        reader = _Reader()
        started = complete = False
        try:
            async with self._client.chat.completions.with_streaming_response.create(**params, stream=True) as response:
                started = True
                decoder = wire.SseDecoder()
                async with contextlib.aclosing(response.http_response.aiter_bytes()) as body:
                    async for chunk in body:
                        if reader.done:
                            continue  # after [DONE]: read to the end of the body (see hark.llm.wire)
                        for _, data in decoder.feed(chunk):
                            if data.startswith("[DONE]"):
                                reader.done = True
                                break
                            for event in reader.read(json.loads(data), self._key):
                                reader.yielded = True
                                yield event
                    complete = True
        except LlmError:
            raise
        except openai.APIStatusError as exc:
            raise self._status_error(exc.status_code, exc.body, exc) from wire.safe_cause(exc, self._key)
        except (openai.APIConnectionError, httpx2.HTTPError) as exc:
            timed_out = isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException)
            if not started:
                raise wire.unreachable(PROVIDER, "timed out" if timed_out else "could not connect") from (
                    wire.safe_cause(exc, self._key)
                )
            what = f"connection {'timed out' if timed_out else 'broken'} mid-stream"
            raise wire.stream_cut(PROVIDER, what, yielded=reader.yielded) from wire.safe_cause(exc, self._key)
        except (ValueError, KeyError, AttributeError, TypeError, IndexError) as exc:
            raise LlmError(
                f"{PROVIDER} sent an unreadable stream chunk: {type(exc).__name__}", code="llm-bad-response"
            ) from wire.safe_cause(exc, self._key)
        finally:
            if started and not complete:
                await wire.settle()
        if not reader.finish:
            raise wire.stream_cut(PROVIDER, "the stream ended without a finish_reason", yielded=reader.yielded)
        for event in reader.flush():
            yield event
        yield Finished(
            stop_reason="refusal" if reader.refused else FINISH_REASONS.get(reader.finish, reader.finish),
            input_tokens=reader.input_tokens,
            output_tokens=reader.output_tokens,
            cached_input_tokens=reader.cached,
        )

    def _status_error(self, status: int | None, body: object, exc: openai.APIError) -> LlmError:
        request_id = getattr(exc, "request_id", None)
        error = wire.status_error(
            PROVIDER, status, body, self._key, request_id=request_id if isinstance(request_id, str) else None
        )
        log.debug("openai error %s: %s", error.code, error)
        return error

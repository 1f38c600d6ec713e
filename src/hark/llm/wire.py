"""Helpers shared by the remote backends (Anthropic, OpenAI-compatible): errors, secrets, tool arguments.

Both SDKs raise their own exception trees; the backends turn every one of them
into :class:`~hark.llm.base.LlmError` with a stable ``code`` through
:func:`status_error` (an HTTP status or an in-stream error event) and the few
transport cases, so the brain only ever matches on codes:

=====================  =========  ===================================================
code                   retryable  when
=====================  =========  ===================================================
``llm-rate-limited``   yes        HTTP 429, ``rate_limit_error``
``llm-quota``          no         HTTP 429 with ``insufficient_quota`` (billing, not load)
``llm-overloaded``     yes        HTTP 529, ``overloaded_error``
``llm-unavailable``    yes        HTTP 5xx, 408, 409, ``api_error``, ``server_error``
``llm-auth``           no         HTTP 401/403 (bad, revoked or unauthorised key)
``llm-bad-request``    no         any other 4xx (unknown model, request too large ...)
``llm-unreachable``    yes        connection refused/reset, DNS, timeouts before the stream
``llm-stream-cut``     see below  the stream ended (or broke) before the model finished
``llm-bad-response``   no         the server answered something that is not the API
=====================  =========  ===================================================

A cut stream is retryable only when nothing had been yielded yet: once text has
been handed out (and perhaps spoken) a blind retry would repeat it, so the caller
decides. An error *event* inside a stream (Anthropic ``event: error``, an OpenAI
``{"error": ...}`` chunk) follows the table by its type, whatever was yielded
before it: the server said what went wrong, and the caller still sees what it got.

Streams: both backends let the SDK make the request (auth, headers, status
errors, timeouts) through ``with_streaming_response`` and read the
``text/event-stream`` body themselves with :class:`SseDecoder`, inside
``contextlib.aclosing(response.aiter_bytes())``. The SDKs' own stream objects
leave their chain of async generators suspended when a stream is left early
(barge-in) or, for OpenAI, at ``data: [DONE]``; the event loop then finalises
them in a handful of stray tasks after the fact. Reading the bytes directly
closes everything, in order, before :meth:`stream` returns or is closed.
Two details finish the job: a complete stream is read to the end of the body
(after the last event, which is yielded at once), and a stream left early
calls :func:`settle`, because httpx2's transport itself leaves one generator
(``httpcore2`` ``PoolByteStream.__aiter__``) to the loop's finaliser when a
body is closed unread.

Secrets: the API key is redacted from every message built here (some
OpenAI-compatible servers echo the key they refused), and the SDK exception is
chained as ``__cause__`` only when its own text does not contain the key.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from .base import LlmError

REDACTED = "***"
SETTLE_TURNS = 2
MIN_SECRET = 8
"""Shorter "keys" (test placeholders) are not redacted: replacing them would garble ordinary words."""


def redact(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` (if any) replaced by ``***``."""
    if len(secret) >= MIN_SECRET and secret in text:
        return text.replace(secret, REDACTED)
    return text


def safe_cause(exc: BaseException, secret: str) -> BaseException | None:
    """``exc`` if it can be chained without leaking ``secret`` in a traceback, else None."""
    if len(secret) >= MIN_SECRET and (secret in str(exc) or secret in repr(exc)):
        return None
    return exc


class SseDecoder:
    """An incremental ``text/event-stream`` decoder: feed it bytes, get back complete ``(event, data)`` pairs.

    Follows the WHATWG rules that the two APIs use: ``event:`` and ``data:`` fields
    (several ``data:`` lines joined with newlines), comments (``:``) and other
    fields ignored, an event dispatched on a blank line, ``event`` defaulting to
    ``message``. An event not finished by a blank line when the body ends is
    dropped, as the spec says, which is what makes a cut stream visible.
    """

    __slots__ = ("_buffer", "_data", "_event")

    def __init__(self) -> None:
        self._buffer = b""
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        events: list[tuple[str, str]] = []
        for raw in lines:
            line = raw.removesuffix(b"\r").decode("utf-8", errors="replace")
            if not line:
                if self._data:
                    events.append((self._event or "message", "\n".join(self._data)))
                self._event, self._data = "", []
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "data":
                self._data.append(value)
            elif field == "event":
                self._event = value
        return events


async def settle() -> None:
    """Give the loop the two turns it needs to finalise the generator httpx2 leaves behind (see above).

    The finaliser hook schedules the generator's ``aclose`` task with
    ``call_soon``; the first turn creates it, the second runs it to its end.
    Microseconds, paid only when a stream is abandoned or fails.
    """
    for _ in range(SETTLE_TURNS):
        await asyncio.sleep(0)


def parse_arguments(raw: str) -> Mapping[str, Any] | None:
    """Tool-call arguments from their streamed JSON text; None unless it is a JSON object.

    An empty text is ``{}``: both APIs send no argument fragments for a tool
    without parameters.
    """
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def error_fields(body: object) -> tuple[str | None, str | None, str | None]:
    """``(type, code, message)`` from an error body in either API's shape.

    Anthropic: ``{"type": "error", "error": {"type": ..., "message": ...}}``;
    OpenAI: ``{"error": {"message": ..., "type": ..., "code": ...}}``. The OpenAI
    SDK sometimes hands over the inner ``error`` object alone, which is accepted too.
    """
    if not isinstance(body, Mapping):
        return None, None, None
    inner = body.get("error", body)
    if not isinstance(inner, Mapping):
        return None, None, inner if isinstance(inner, str) else None

    def text(key: str) -> str | None:
        value = inner.get(key)
        return value if isinstance(value, str) else None

    return text("type"), text("code"), text("message")


def classify(status: int | None, error_type: str | None, error_code: str | None = None) -> tuple[str, bool]:
    """The Hark error code and retryable flag for an API error (see the module table)."""
    if error_type == "overloaded_error" or status == 529:
        return "llm-overloaded", True
    if error_code == "insufficient_quota":
        return "llm-quota", False
    if error_type == "rate_limit_error" or status == 429:
        return "llm-rate-limited", True
    if error_type in ("authentication_error", "permission_error") or status in (401, 403):
        return "llm-auth", False
    if error_type in ("api_error", "server_error", "timeout_error") or (
        status is not None and (status >= 500 or status in (408, 409))
    ):
        return "llm-unavailable", True
    return "llm-bad-request", False


def status_error(
    provider: str, status: int | None, body: object, secret: str, *, request_id: str | None = None
) -> LlmError:
    """An :class:`LlmError` for an HTTP error status or an error event inside a stream.

    ``status`` None (or 200 for an in-stream error event) leaves the error type to decide.
    """
    error_type, error_code, api_message = error_fields(body)
    code, retryable = classify(status if status and status >= 400 else None, error_type, error_code)
    where = f"HTTP {status}" if status and status >= 400 else "error event in the stream"
    kind = f", {error_type}" if error_type else ""
    detail = f": {redact(api_message, secret)}" if api_message else ""
    rid = f" (request id {request_id})" if request_id else ""
    return LlmError(f"{provider} answered {where}{kind}{detail}{rid}", code=code, retryable=retryable)


def unreachable(provider: str, what: str) -> LlmError:
    return LlmError(f"{provider} unreachable: {what}", code="llm-unreachable", retryable=True)


def stream_cut(provider: str, what: str, *, yielded: bool) -> LlmError:
    return LlmError(f"{provider} stream cut: {what}", code="llm-stream-cut", retryable=not yielded)

"""The embedded LLM's prompt as token ids, trimmed to fit the context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import LlmError, LlmRequest, Message
from .chat_format import ChatFormat


def prompt_tokens(llm: Any, fmt: ChatFormat, request: LlmRequest, context_tokens: int) -> tuple[list[int], int, int]:
    """Prompt token ids, the length of the fixed (system + tools) prefix, and the length
    without the assistant header (what :meth:`~hark.llm.embedded.EmbeddedBackend.prepare` evaluates).

    Old turns are trimmed to fit (whole user turns, so tool results are never orphaned).
    Each piece is tokenized on its own (see :mod:`hark.llm.chat_format`), a message's
    context notes too, so the ids of a request without the user's words are a prefix
    of those of the same request with them.
    """
    prefix = llm.tokenize(fmt.system_piece(request.system, request.tools).encode(), add_bos=True, special=True)
    tail = llm.tokenize(fmt.generation_piece().encode(), add_bos=False, special=True)
    bodies = [
        [t for piece in fmt.message_pieces(m) for t in llm.tokenize(piece.encode(), add_bos=False, special=True)]
        for m in request.messages
    ]
    budget = context_tokens - request.max_tokens - len(prefix) - len(tail)
    start = 0
    while start < len(bodies) and sum(map(len, bodies[start:])) > budget:
        start = _next_user_turn(request.messages, start + 1)
    if budget < 0 or (bodies and start >= len(bodies)):
        raise LlmError(
            f"the prompt does not fit in llm.context_tokens={context_tokens} with max_tokens={request.max_tokens}",
            code="llm-context-overflow",
        )
    tokens = list(prefix)
    for body in bodies[start:]:
        tokens += body
    return tokens + tail, len(prefix), len(tokens)


def _next_user_turn(messages: Sequence[Message], start: int) -> int:
    """Index of the first user message at or after ``start`` (trimming must not orphan tool results)."""
    i = start
    while i < len(messages) and messages[i].role != "user":
        i += 1
    return i

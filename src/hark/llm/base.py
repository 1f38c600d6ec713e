"""The interface every LLM backend implements: messages and tools in, a stream of events out.

Three backends implement it, one per file: Anthropic Claude
(``anthropic_backend.py``), any OpenAI-compatible server (``openai_backend.py``)
and an embedded llama.cpp model (``embedded.py``). The generative brain (``hark.brain.generative``) runs
the tool loop on top: it sends the conversation and the skills' tools, speaks
text deltas as they stream, executes tool calls through the skill registry and
sends the results back.

Messages use one neutral shape; each backend converts it to its wire format.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from ..errors import HarkError


class LlmError(HarkError):
    """The model could not answer: unreachable, rate-limited, overloaded, refused, cut off."""

    code = "llm-failed"

    def __init__(self, message: str, *, code: str | None = None, retryable: bool = False) -> None:
        super().__init__(message, code=code)
        self.retryable = retryable


# -- messages -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ToolUse:
    """A tool call the model made (in an assistant message)."""

    id: str
    name: str
    arguments: Mapping[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class ToolResult:
    """The result of a tool call (in a ``tool`` message); ``is_error`` for refusals and bad calls."""

    tool_use_id: str
    content: str
    is_error: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Message:
    role: Literal["user", "assistant", "tool"]
    text: str = ""
    tool_uses: tuple[ToolUse, ...] = ()
    """Assistant messages: the tool calls it made."""
    tool_results: tuple[ToolResult, ...] = ()
    """Tool messages: the results, in the order of the calls."""
    context: tuple[str, ...] = ()
    """User messages: notes from Hark that come before the user's words (the local time,
    recalled facts); not said by the user. Remote backends send them at the start of the
    message; the embedded one gives each its own system turn, so the time note can be
    evaluated ahead of the words (:meth:`LlmBackend.prepare`) and is not taken for speech."""

    def full_text(self) -> str:
        """The context notes and the text as one string, for wire formats with one text per message."""
        return "\n\n".join(part for part in (*self.context, self.text) if part)


@dataclasses.dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool offered to the model (from :class:`hark.skills.base.Tool`)."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class LlmRequest:
    system: str
    """The system prompt: fixed, so backends can cache it (Anthropic cache_control, llama.cpp KV prefix)."""
    messages: Sequence[Message]
    tools: Sequence[ToolSpec] = ()
    max_tokens: int = 300
    temperature: float = 0.3


# -- stream events ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class TextChunk:
    text: str


@dataclasses.dataclass(frozen=True, slots=True)
class ToolCallChunk:
    """A complete tool call (backends assemble streamed argument fragments first).

    ``arguments`` is None when the model's arguments were not valid JSON; ``raw`` then
    holds what it sent, so the brain can answer the model with an error.
    """

    id: str
    name: str
    arguments: Mapping[str, Any] | None
    raw: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Finished:
    stop_reason: str
    """``end_turn``, ``tool_use``, ``max_tokens``, ``refusal`` ..."""
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0


LlmEvent = TextChunk | ToolCallChunk | Finished


@runtime_checkable
class LlmBackend(Protocol):
    name: str
    model: str

    def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """Stream one model response. Raises :class:`LlmError` (``retryable`` for 429/5xx/overloaded)."""
        ...

    async def warm(self, request: LlmRequest) -> None:
        """Prepare for requests that share ``request``'s system prompt and tools (load, prefill, cache)."""
        ...

    async def prepare(self, request: LlmRequest) -> None:
        """Get ahead of a request that is about to come: everything of ``request`` but the text
        of its last (user) message is known (the user is still speaking). The embedded model
        evaluates that part into its KV cache; remote backends have nothing to do. Best effort:
        it may be cancelled at any time and must not raise for that."""
        ...

    async def aclose(self) -> None: ...

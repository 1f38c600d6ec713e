"""LLM backends behind one streaming interface."""

from .base import (
    Finished,
    LlmBackend,
    LlmError,
    LlmEvent,
    LlmRequest,
    Message,
    TextChunk,
    ToolCallChunk,
    ToolResult,
    ToolSpec,
    ToolUse,
)

__all__ = [
    "Finished",
    "LlmBackend",
    "LlmError",
    "LlmEvent",
    "LlmRequest",
    "Message",
    "TextChunk",
    "ToolCallChunk",
    "ToolResult",
    "ToolSpec",
    "ToolUse",
]

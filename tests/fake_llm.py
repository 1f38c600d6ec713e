"""A scriptable in-process :class:`~hark.llm.base.LlmBackend` for brain tests.

Each call of :meth:`FakeLlm.stream` plays the next :class:`Step` of its script:
an optional delay before the first event, the events (with an optional delay
between them), then optionally an exception (a stream cut mid-way). A step may
also be an exception alone (raised before any event). Every request is recorded,
and so is when each stream ended, so a test can check that text was passed on
before the model finished.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from hark.llm.base import Finished, LlmEvent, LlmRequest, TextChunk, ToolCallChunk


@dataclasses.dataclass
class Step:
    events: Sequence[LlmEvent] = ()
    first_delay: float = 0.0
    """Seconds before the first event (a slow first token)."""
    delay: float = 0.0
    """Seconds between events."""
    error: BaseException | None = None
    """Raised after the events (a cut stream); alone, raised before any event."""


def text(*chunks: str, stop: str = "end_turn", first_delay: float = 0.0, delay: float = 0.0) -> Step:
    """A step that streams ``chunks`` and finishes."""
    return Step([*(TextChunk(c) for c in chunks), Finished(stop)], first_delay=first_delay, delay=delay)


def tool(name: str, arguments: Mapping[str, Any] | None, *, id: str = "call-1", raw: str = "") -> ToolCallChunk:
    return ToolCallChunk(id=id, name=name, arguments=arguments, raw=raw)


def tools(*calls: ToolCallChunk, say: str = "", first_delay: float = 0.0) -> Step:
    """A step that (optionally says something, then) calls tools and finishes with ``tool_use``."""
    events: list[LlmEvent] = [TextChunk(say)] if say else []
    return Step([*events, *calls, Finished("tool_use")], first_delay=first_delay)


class FakeLlm:
    """Plays a script; see the module docstring. Running out of script fails the test."""

    def __init__(
        self, script: Iterable[Step | BaseException] = (), *, name: str = "fake", model: str = "fake-1"
    ) -> None:
        self.name = name
        self.model = model
        self.script: list[Step] = [s if isinstance(s, Step) else Step(error=s) for s in script]
        self.requests: list[LlmRequest] = []
        self.ended: list[float] = []
        """``time.monotonic()`` when each stream ended (finished, failed or was closed)."""
        self.cancelled = 0
        self.warmed: list[LlmRequest] = []
        self.prepared: list[LlmRequest] = []
        self.closed = False

    def add(self, *steps: Step | BaseException) -> None:
        self.script += [s if isinstance(s, Step) else Step(error=s) for s in steps]

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        self.requests.append(request)
        assert self.script, f"{self.name}: called more often than scripted"
        step = self.script.pop(0)
        try:
            if step.first_delay:
                await asyncio.sleep(step.first_delay)
            if step.error is not None and not step.events:
                raise step.error
            for index, event in enumerate(step.events):
                if index and step.delay:
                    await asyncio.sleep(step.delay)
                yield event
            if step.error is not None:
                raise step.error
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.ended.append(time.monotonic())

    async def warm(self, request: LlmRequest) -> None:
        self.warmed.append(request)

    async def prepare(self, request: LlmRequest) -> None:
        self.prepared.append(request)

    async def aclose(self) -> None:
        self.closed = True

"""One model call read event by event, with deadlines that do not cancel the read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable

from ...errors import HarkError
from ...llm.base import Finished, LlmBackend, LlmEvent, LlmRequest, TextChunk, ToolCallChunk
from ..base import ReplyPart, TextDelta
from .phrases import FILLER
from .turn import CallResult, TurnState

log = logging.getLogger(__name__)


class Signal:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


TIMEOUT = Signal("timeout")
END = Signal("end")


async def next_event(iterator: AsyncIterator[LlmEvent]) -> LlmEvent:
    return await anext(iterator)


class EventStream:
    """One model call, read one event at a time with a timeout that does not cancel the read.

    The pending read is a task, so waiting for the filler deadline and then for the
    first-token deadline reads the same event. :meth:`aclose` cancels the read and
    closes the backend's iterator (its HTTP response).
    """

    def __init__(self, backend: LlmBackend, request: LlmRequest) -> None:
        self._task: asyncio.Task[LlmEvent] | None = None
        self._error: Exception | None = None
        self._iterator: AsyncIterator[LlmEvent] | None = None
        try:
            self._iterator = aiter(backend.stream(request))
        except Exception as exc:  # a backend may raise before its first await
            self._error = exc

    async def next(self, wait_s: float) -> LlmEvent | Signal | Exception:
        if self._error is not None or self._iterator is None:
            return self._error or RuntimeError("no stream")
        if self._task is None:
            self._task = asyncio.create_task(next_event(self._iterator), name="llm-next-event")
        done, _ = await asyncio.wait({self._task}, timeout=max(0.0, wait_s))
        if not done:
            return TIMEOUT
        task, self._task = self._task, None
        try:
            return task.result()
        except StopAsyncIteration:
            return END
        except Exception as exc:  # LlmError, or anything a backend failed to wrap
            return exc

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            # Bounded: a backend that ignores cancellation must not delay the fallback.
            await asyncio.wait({task}, timeout=0.5)
            if task.done() and not task.cancelled():
                task.exception()  # retrieved, so asyncio does not log it
        closer = getattr(self._iterator, "aclose", None)
        if closer is not None and (task is None or task.done()):
            try:
                await closer()
            except Exception:
                log.debug("closing the model stream failed", exc_info=True)


async def model_call(
    backend: LlmBackend,
    request: LlmRequest,
    turn: TurnState,
    call: CallResult,
    *,
    first_timeout: float,
    stall_timeout_s: float,
    filler_after_s: float,
    clock: Callable[[], float],
) -> AsyncGenerator[ReplyPart, None]:
    """Stream one model call into ``call``, yielding speakable text (and the filler) as it comes."""
    stream = EventStream(backend, request)
    started = clock()
    last_event: float | None = None

    def filler_at() -> float | None:
        if filler_after_s <= 0 or turn.filler_said or turn.answered:
            return None
        return turn.start + filler_after_s

    try:
        while True:
            now = clock()
            deadline = started + first_timeout if last_event is None else last_event + stall_timeout_s
            filler = filler_at()
            wake = deadline if filler is None else min(deadline, filler)
            item = await stream.next(wake - now)
            if item is TIMEOUT:
                if filler is not None and clock() >= filler:
                    turn.filler_said = True
                    yield TextDelta(FILLER)
                elif clock() >= deadline:
                    call.failure = "no first event in time" if last_event is None else "the stream stalled"
                    return
                continue
            if item is END:
                if call.finished is None:
                    call.failure = "the stream ended without finishing"
                return
            if isinstance(item, Exception):
                call.failure = f"{type(item).__name__}: {item}"
                if isinstance(item, HarkError):
                    call.failure_code = item.code
                else:
                    log.warning("the %s backend raised %r", backend.name, item, exc_info=item)
                return
            last_event = clock()
            if isinstance(item, TextChunk):
                call.text.append(item.text)
                spoken = turn.release(turn.speak.push(item.text))
                if spoken:
                    turn.answered = True
                    yield TextDelta(spoken)
                if turn.blocked is not None:  # a claim no tool can back: stop the model now
                    return
            elif isinstance(item, ToolCallChunk):
                call.tool_calls.append(item)
            elif isinstance(item, Finished):
                call.finished = item
                return
    finally:
        await stream.aclose()

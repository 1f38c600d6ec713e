"""Streaming speech recognition out of a batch engine: decode during pauses.

The adapter keeps the turn's audio and runs the batch engine on its executor
(:func:`hark.engines.executor.infer`) at two moments, one decode at a time:

* **speculative**: as soon as the user pauses (``pause_samples`` of silence),
  the audio so far is decoded. If the turn then ends without more speech, the
  final transcript is already there (or nearly) when end of turn is decided,
  so recognition costs almost nothing after the user stops talking.
* **partial**: during long speech, every ``partial_interval_s`` of new audio,
  for live partial transcripts. Only when the engine's executor has a free worker
  and nothing waiting (:func:`hark.engines.executor.has_room`): the engine is shared
  by every session, and a partial is not worth delaying another session's decode.

``finish`` returns the decode that covers all voiced audio, waiting for one in
flight if it does, and decoding afresh only when the user spoke after the last
pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Int16Array, to_float
from .base import SttEngine
from .executor import has_room, infer


@dataclasses.dataclass(frozen=True, slots=True)
class SttResult:
    text: str
    speculative_hit: bool
    """The transcript came from a decode started before the turn ended."""
    decodes: int


@dataclasses.dataclass(slots=True)
class _Decode:
    upto: int
    task: asyncio.Task[str]
    speculative: bool


class SpeculativeStt:
    def __init__(
        self,
        engine: SttEngine,
        *,
        pause_ms: int = 96,
        partial_interval_s: float = 1.0,
        tail_ms: int = 250,
        on_partial: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.engine = engine
        self._pause = SAMPLE_RATE * pause_ms // 1000
        self._partial_interval = int(partial_interval_s * SAMPLE_RATE)
        self._tail = SAMPLE_RATE * tail_ms // 1000
        self._on_partial = on_partial
        self._chunks: list[Int16Array] = []
        self._total = 0
        self._last_voiced_end = 0
        self._silence = 0
        self._running: _Decode | None = None
        self._pending: int | None = None
        self._done: list[tuple[int, str]] = []
        self._last_started_upto = 0
        self.decodes = 0
        self._closed = False
        self._cancelled = False

    # -- feeding ------------------------------------------------------------------------
    def feed(self, samples: Int16Array, voiced: bool) -> None:
        if self._closed:
            raise RuntimeError("feed() after finish()")
        self._chunks.append(samples)
        self._total += len(samples)
        if voiced:
            self._last_voiced_end = self._total
            self._silence = 0
            if (
                self._partial_interval > 0
                and self._running is None
                and self._total - self._last_started_upto >= self._partial_interval
                and has_room(self.engine)
            ):
                self._start(self._total, speculative=False)
            return
        self._silence += len(samples)
        if self._last_voiced_end and self._silence >= self._pause and self._last_started_upto < self._last_voiced_end:
            self._request(self._total)

    def _audio(self, upto: int) -> np.ndarray:
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        return to_float(self._chunks[0][:upto]) if self._chunks else np.zeros(0, np.float32)

    def _request(self, upto: int) -> None:
        if self._running is None:
            self._start(upto, speculative=True)
        else:
            self._pending = upto

    def _start(self, upto: int, *, speculative: bool) -> None:
        audio = self._audio(upto)
        self._last_started_upto = upto
        self.decodes += 1
        task = asyncio.create_task(infer(self.engine, self.engine.transcribe, audio), name="stt-decode")
        self._running = _Decode(upto, task, speculative)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[str]) -> None:
        running = self._running
        if running is None or running.task is not task:
            return
        self._running = None
        if task.cancelled() or task.exception() is not None:
            return
        text = task.result()
        self._done.append((running.upto, text))
        if self._on_partial is not None and text and not self._closed:
            # speculative: decoded at a pause, and no speech came after what it covers
            self._on_partial(text, running.speculative and running.upto >= self._last_voiced_end)
        if self._pending is not None and not self._cancelled:
            upto, self._pending = self._pending, None
            if upto > running.upto:
                self._start(upto, speculative=True)

    # -- result ---------------------------------------------------------------------------
    def _covering(self) -> str | None:
        for upto, text in reversed(self._done):
            if upto >= self._last_voiced_end:
                return text
        return None

    async def finish(self) -> SttResult:
        """The transcript of everything fed. Re-raises an engine failure."""
        self._closed = True
        if self._last_voiced_end == 0:
            await self.aclose()
            return SttResult("", False, self.decodes)
        while True:
            text = self._covering()
            if text is not None:
                return SttResult(text, True, self.decodes)
            running = self._running
            if running is None:
                break
            # wait for the decode in flight (it holds the CPU either way)
            await asyncio.shield(running.task)
            if running.upto >= self._last_voiced_end:
                return SttResult(running.task.result(), True, self.decodes)
            if self._running is running:
                # Awaiting a task that has already ended does not yield to the loop, so its
                # done callback may not have run yet: take its result (and start the decode it
                # queued) here, or this loop would spin on it forever without yielding.
                self._finished(running.task)
        upto = min(self._total, self._last_voiced_end + self._tail)
        self.decodes += 1
        text = await infer(self.engine, self.engine.transcribe, self._audio(upto))
        return SttResult(text, False, self.decodes)

    async def aclose(self) -> None:
        """Stop any decode in flight (its thread finishes; its result is dropped)."""
        self._closed = True
        self._cancelled = True
        self._pending = None
        running, self._running = self._running, None
        if running is not None:
            running.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # its result is dropped on purpose
                await running.task

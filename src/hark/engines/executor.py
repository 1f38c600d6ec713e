"""Bounded executors: each shared engine runs its inference on its own few threads.

Engines are loaded once per process and shared by every device session. Their
blocking calls (a Whisper decode, a synthesis, a Smart Turn pass) used to go to
``asyncio.to_thread``, whose default pool grows to ``cpu_count + 4`` threads: ten
sessions ending their turns together started ten decodes on two cores, and each of
them took ten times as long. Here each engine gets an :class:`EngineExecutor` with a
fixed number of workers (:func:`workers_for`, from ``os.cpu_count()`` and the
engine's own thread count), so extra calls wait in a FIFO queue and the ones
running get the cores.

Call sites use :func:`infer`::

    text = await infer(stt, stt.transcribe, audio)

It runs on the executor ``load_engines`` attached to the engine (its ``executor``
attribute) and falls back to ``asyncio.to_thread`` for an engine without one (the
fakes in tests). Cancelling the awaiting coroutine drops a call that is still
queued (it never runs) and lets a running one finish on its thread, its result
discarded: nothing stays queued forever and the bound holds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import functools
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import HarkError

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class ExecutorStats:
    """What an executor did since it was made (for benchmarks and ``/readyz``-style reports)."""

    name: str
    workers: int
    queued: int
    """Calls submitted and not started yet."""
    running: int
    completed: int
    """Calls that ran to the end (with a result or an exception)."""
    dropped: int
    """Calls cancelled while still queued: they never ran."""
    busy_s: float
    """Seconds spent running calls, summed over the workers."""
    waited_s: float
    """Seconds calls spent queued before a worker took them, summed."""
    max_running: int
    """The most calls that ever ran at once (never above ``workers``)."""


class EngineExecutor:
    """A fixed pool of ``workers`` threads for one engine; calls start in the order they came."""

    def __init__(self, name: str, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("an executor needs at least one worker")
        self.name = name
        self.workers = workers
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix=f"hark-{name}")
        self._lock = threading.Lock()
        self._queued = self._running = self._completed = self._dropped = self._max_running = 0
        self._busy = self._waited = 0.0
        self._closed = False

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on one of this executor's threads."""
        if self._closed:
            raise HarkError(f"the {self.name} engine is shut down", code="engine-closed")
        submitted = time.perf_counter()
        with self._lock:
            self._queued += 1
        future = self._pool.submit(self._call, submitted, fn, *args)
        future.add_done_callback(self._settled)
        return await asyncio.wrap_future(future)

    def _call(self, submitted: float, fn: Callable[..., T], *args: Any) -> T:
        start = time.perf_counter()
        with self._lock:
            self._queued -= 1
            self._running += 1
            self._max_running = max(self._max_running, self._running)
            self._waited += start - submitted
        try:
            return fn(*args)
        finally:
            with self._lock:
                self._running -= 1
                self._completed += 1
                self._busy += time.perf_counter() - start

    def _settled(self, future: concurrent.futures.Future[Any]) -> None:
        if future.cancelled():  # cancelled before a worker took it: ``_call`` never ran
            with self._lock:
                self._queued -= 1
                self._dropped += 1

    def idle(self) -> bool:
        """A call made now would start at once: a worker is free and nothing waits."""
        with self._lock:
            return self._queued == 0 and self._running < self.workers

    def stats(self) -> ExecutorStats:
        with self._lock:
            return ExecutorStats(
                self.name,
                self.workers,
                self._queued,
                self._running,
                self._completed,
                self._dropped,
                self._busy,
                self._waited,
                self._max_running,
            )

    def shutdown(self, *, wait: bool = True) -> None:
        """Drop what is queued, let running calls finish (``wait``: until they have) and stop the threads."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)


async def infer(engine: object, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` (a blocking call of ``engine``) on the engine's executor, or in
    ``asyncio.to_thread`` when the engine has none (test fakes, engines built by hand)."""
    executor = getattr(engine, "executor", None)
    if isinstance(executor, EngineExecutor):
        return await executor.run(fn, *args)
    return await asyncio.to_thread(functools.partial(fn, *args))


def has_room(engine: object) -> bool:
    """Whether ``engine`` could start a call at once: for optional work (a live partial
    transcript) that is not worth making another session's needed call wait. An engine
    without an executor always has room."""
    executor = getattr(engine, "executor", None)
    return not isinstance(executor, EngineExecutor) or executor.idle()


def cpu_count() -> int:
    """Cores this process may use (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def workers_for(engine_threads: int, *, cores: int | None = None, cap: int | None = None) -> int:
    """Workers for an engine whose every call uses ``engine_threads`` threads: as many calls as
    fit on the cores at once (at least one), at most ``cap``."""
    n = max(1, (cores or cpu_count()) // max(1, engine_threads))
    return min(n, cap) if cap else n

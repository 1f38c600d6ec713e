"""The embedded model's single thread: its jobs, and the order it takes them in.

Two queues: *urgent* jobs (a stream, a warm-up, loading) run in the order they came;
*ahead* jobs (:meth:`EmbeddedBackend.prepare`, a head start on a request the user is
still speaking) run only while no urgent job waits. The policy between sessions
(see :mod:`hark.llm.embedded`) is applied atomically under the queue's lock by
:meth:`JobQueue.put_stream` and :meth:`JobQueue.put_prepare`: a job never sees a
half-applied decision of another.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any, Literal

from ..errors import EngineLoadError
from .base import LlmError, LlmRequest

log = logging.getLogger(__name__)

END = object()
"""Last item of every job's event queue."""


class Cancelled(Exception):
    """The job was cancelled: it ends here."""


class Preempted(Exception):
    """A stream needs the model: this preparation pauses and goes back to the queue."""


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class Job:
    """One unit of work for the model thread, bridged to the caller's event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        kind: Literal["stream", "prepare", "other"] = "other",
        request: LlmRequest | None = None,
    ) -> None:
        self.loop = loop
        self.kind = kind
        self.request = request
        self.events: asyncio.Queue[Any] = asyncio.Queue()
        self.done: asyncio.Future[None] = loop.create_future()
        self.cancel = threading.Event()
        self.preempt = threading.Event()
        self.preemptions = 0

    def put(self, item: Any) -> None:
        """From the model thread; a closed loop means nobody listens any more: stop."""
        try:
            self.loop.call_soon_threadsafe(self.events.put_nowait, item)
        except RuntimeError:
            self.cancel.set()

    def finish(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(_resolve, self.done)

    def check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled
        if self.preempt.is_set():
            raise Preempted

    async def settle(self, *, cancel: bool = True) -> None:
        """Wait until the model thread has let go of this job, even if we are cancelled meanwhile.

        ``cancel`` first asks the job to stop; a repeated cancellation of the caller is
        held back until the job is done, then re-raised.
        """
        if cancel:
            self.cancel.set()
        interrupted = False
        while not self.done.done():
            try:
                await asyncio.shield(self.done)
            except asyncio.CancelledError:
                interrupted = True
        if interrupted:
            raise asyncio.CancelledError


Work = Callable[[Job], None]


def same_conversation(a: LlmRequest | None, b: LlmRequest | None) -> bool:
    """Whether two requests are the same conversation at the same turn: same system prompt,
    tools and earlier messages, and a last message of the same role and context notes (its
    words may differ: a preparation has none, or the likely ones). Such requests share
    their prompt up to the words, so one's preparation is the other's head start."""
    if a is None or b is None:
        return False
    if a.system != b.system or tuple(a.tools) != tuple(b.tools) or len(a.messages) != len(b.messages):
        return False
    if not a.messages:
        return True
    *a_before, a_last = a.messages
    *b_before, b_last = b.messages
    return a_before == b_before and (a_last.role, a_last.context) == (b_last.role, b_last.context)


class JobQueue:
    """The model thread's queues (see the module docstring); ``running`` is the job it runs now."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._urgent: collections.deque[tuple[Job, Work]] = collections.deque()
        self._ahead: collections.deque[tuple[Job, Work]] = collections.deque()
        self.running: Job | None = None
        self.preempted = 0
        """Preparations paused for a stream so far."""

    def put(self, job: Job, fn: Work) -> None:
        with self._cond:
            self._urgent.append((job, fn))
            self._cond.notify()

    def put_prepare(self, job: Job, fn: Work) -> list[Job]:
        """Queue a preparation; older ones of the same conversation are superseded: the queued
        ones are taken out (returned, for the caller to finish) and a running one is cancelled
        (this one goes on from what it evaluated)."""
        with self._cond:
            dropped = self._take_ahead(lambda j: same_conversation(j.request, job.request))
            running = self.running
            if running is not None and running.kind == "prepare" and same_conversation(running.request, job.request):
                running.cancel.set()
            self._ahead.append((job, fn))
            self._cond.notify()
            return dropped

    def put_stream(self, job: Job, fn: Work) -> list[Job]:
        """Queue a stream ahead of every preparation. Its own conversation's preparations are
        done with: queued ones are taken out (returned) and a running one is cancelled. Another
        conversation's running preparation is preempted: it pauses at its next chunk and is
        queued again, first among the preparations."""
        with self._cond:
            dropped = self._take_ahead(lambda j: same_conversation(j.request, job.request))
            running = self.running
            if running is not None and running.kind == "prepare":
                if same_conversation(running.request, job.request):
                    running.cancel.set()
                else:
                    running.preempt.set()
            self._urgent.append((job, fn))
            self._cond.notify()
            return dropped

    def requeue(self, job: Job, fn: Work) -> None:
        """A preempted preparation goes back, first among the preparations."""
        with self._cond:
            job.preempt.clear()
            job.preemptions += 1
            self.preempted += 1
            self._ahead.appendleft((job, fn))
            self._cond.notify()

    def get(self) -> tuple[Job, Work]:
        """The next job (urgent ones first), blocking; it becomes ``running``."""
        with self._cond:
            while not self._urgent and not self._ahead:
                self._cond.wait()
            item = self._urgent.popleft() if self._urgent else self._ahead.popleft()
            self.running = item[0]
            return item

    def done(self) -> None:
        with self._cond:
            self.running = None

    def withdraw(self, job: Job) -> bool:
        """Take ``job`` out if it is still queued (it will never run); False if it runs or ran."""
        with self._cond:
            for q in (self._urgent, self._ahead):
                for item in q:
                    if item[0] is job:
                        q.remove(item)
                        return True
        return False

    def drop_preparations(self) -> list[Job]:
        with self._cond:
            return self._take_ahead(lambda j: True)

    def queued(self) -> int:
        with self._cond:
            return len(self._urgent) + len(self._ahead)

    def _take_ahead(self, pred: Callable[[Job], bool]) -> list[Job]:
        taken = [job for job, _ in self._ahead if pred(job)]
        if taken:
            self._ahead = collections.deque(item for item in self._ahead if not pred(item[0]))
        return taken


def _stop_worker(job: Job) -> None:
    """Marker job: the model thread runs ``on_stop`` and exits."""


def _end(jobs: list[Job]) -> None:
    """Finish jobs taken out of the queue before they ran (from any thread)."""
    for job in jobs:
        job.put(END)
        job.finish()


class ModelThread:
    """One thread that runs every call on the model, started on first use.

    A job reports its events (and an exception, as an event) through its queue, then
    :data:`END`; llama.cpp failures become :class:`LlmError`. ``stop`` runs ``on_stop`` (frees
    the model) on the thread, after the urgent jobs queued before it.
    """

    def __init__(self, on_stop: Callable[[], None], name: str = "hark-llm") -> None:
        self._on_stop = on_stop
        self._name = name
        self.jobs = JobQueue()
        self._thread: threading.Thread | None = None
        self.closed = False

    def _worker(self) -> None:
        while True:
            job, fn = self.jobs.get()
            if fn is _stop_worker:
                try:
                    self._on_stop()
                finally:
                    _end(self.jobs.drop_preparations())  # one paused meanwhile: it will not resume
                    self.jobs.done()
                    job.finish()
                return
            try:
                job.check()
                fn(job)
            except Preempted:
                if not job.cancel.is_set():
                    self.jobs.requeue(job, fn)  # it goes on after the streams; not finished yet
                    continue
            except Cancelled:
                pass
            except (LlmError, EngineLoadError) as exc:
                job.put(exc)
            except Exception as exc:  # llama.cpp failures surface as RuntimeError/ValueError
                log.exception("embedded LLM failed")
                job.put(LlmError(f"embedded model failed: {exc}", code="llm-embedded-failed"))
            finally:
                self.jobs.done()
            job.put(END)
            job.finish()

    def submit(
        self, fn: Work, kind: Literal["stream", "prepare", "other"] = "other", request: LlmRequest | None = None
    ) -> Job:
        """Queue ``fn`` as a job of ``kind`` (see :class:`JobQueue` for what streams and preparations do)."""
        if self.closed:
            raise LlmError("the embedded model is closed", code="llm-closed")
        if self._thread is None:
            self._thread = threading.Thread(target=self._worker, name=self._name, daemon=True)
            self._thread.start()
        job = Job(asyncio.get_running_loop(), kind, request)
        if kind == "stream":
            _end(self.jobs.put_stream(job, fn))
        elif kind == "prepare":
            _end(self.jobs.put_prepare(job, fn))
        else:
            self.jobs.put(job, fn)
        return job

    async def settle(self, job: Job) -> None:
        """Let go of a job: one still queued is taken out at once, a running one is cancelled and waited for."""
        if self.jobs.withdraw(job):
            _end([job])
        await job.settle()

    async def run(self, fn: Work) -> None:
        """Run a job that produces no events; raise what it raised."""
        job = self.submit(fn)
        try:
            while (item := await job.events.get()) is not END:
                if isinstance(item, BaseException):
                    raise item
        finally:
            await self.settle(job)

    async def stop(self) -> None:
        """Drop the queued preparations, let the queued urgent jobs finish, run ``on_stop``, end the thread."""
        if self.closed:
            return
        self.closed = True
        thread, self._thread = self._thread, None
        if thread is None:
            self._on_stop()
            return
        _end(self.jobs.drop_preparations())  # head starts for a model that is going away
        exit_job = Job(asyncio.get_running_loop())
        self.jobs.put(exit_job, _stop_worker)
        await exit_job.settle(cancel=False)
        thread.join()  # the thread has signalled from its last statement: this returns at once

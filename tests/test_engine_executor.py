"""Bounded engine executors: the bound holds, calls start in order, cancelled callers leave
nothing behind, and closing the engines stops their threads."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest

from hark.engines.executor import EngineExecutor, infer, workers_for
from hark.engines.registry import Engines
from hark.errors import HarkError

DEADLINE_S = 30.0


async def until(predicate: Callable[[], bool], what: str) -> None:
    """Wait for a state (never for a fixed time); fail after a generous deadline."""
    end = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


class FakeEngine:
    """A blocking engine: each call waits for ``gate`` and records what ran, in which order."""

    def __init__(self, executor: EngineExecutor | None) -> None:
        if executor is not None:
            self.executor = executor
        self.gate = threading.Event()
        self.lock = threading.Lock()
        self.active = 0
        self.most = 0
        self.ran: list[int] = []
        self.threads: set[str] = set()

    def work(self, n: int) -> int:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.threads.add(threading.current_thread().name)
        try:
            assert self.gate.wait(DEADLINE_S), "the test never opened the gate"
            with self.lock:
                self.ran.append(n)
            return n * 10
        finally:
            with self.lock:
                self.active -= 1


async def test_concurrent_calls_never_exceed_the_bound() -> None:
    ex = EngineExecutor("fake", 2)
    engine = FakeEngine(ex)
    try:
        tasks = [asyncio.create_task(infer(engine, engine.work, i)) for i in range(7)]
        await until(lambda: ex.stats().running == 2, "two running calls")
        assert ex.stats().queued == 5 and engine.active == 2
        engine.gate.set()
        assert await asyncio.gather(*tasks) == [i * 10 for i in range(7)]
        stats = ex.stats()
        assert engine.most == 2 and stats.max_running == 2
        assert (stats.completed, stats.queued, stats.running, stats.dropped) == (7, 0, 0, 0)
        assert all(name.startswith("hark-fake") for name in engine.threads) and len(engine.threads) <= 2
    finally:
        ex.shutdown()


async def test_calls_start_in_the_order_they_came() -> None:
    ex = EngineExecutor("fifo", 1)
    engine = FakeEngine(ex)
    try:
        first = asyncio.create_task(infer(engine, engine.work, 0))
        await until(lambda: ex.stats().running == 1, "the first call running")
        rest = []
        for i in range(1, 8):
            rest.append(asyncio.create_task(infer(engine, engine.work, i)))
            await until(lambda i=i: ex.stats().queued == i, f"call {i} queued")  # type: ignore[misc]
        engine.gate.set()
        await asyncio.gather(first, *rest)
        assert engine.ran == list(range(8))
    finally:
        ex.shutdown()


async def test_a_cancelled_waiter_never_runs_and_does_not_wedge_the_executor() -> None:
    ex = EngineExecutor("cancel", 1)
    engine = FakeEngine(ex)
    try:
        running = asyncio.create_task(infer(engine, engine.work, 1))
        await until(lambda: ex.stats().running == 1, "the first call running")
        waiting = asyncio.create_task(infer(engine, engine.work, 2))
        await until(lambda: ex.stats().queued == 1, "the second call queued")
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert ex.stats().queued == 0 and ex.stats().dropped == 1
        # the running call's caller is cancelled too: the call still finishes on its thread
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        engine.gate.set()
        assert await infer(engine, engine.work, 3) == 30  # the executor still serves
        await until(lambda: ex.stats().running == 0, "the cancelled call to finish")
        assert engine.ran == [1, 3]  # 2 was dropped while queued; 1 ran to its end
        stats = ex.stats()
        assert (stats.completed, stats.dropped, stats.queued) == (2, 1, 0)
    finally:
        ex.shutdown()


async def test_an_engine_without_an_executor_runs_in_a_plain_thread() -> None:
    engine = FakeEngine(None)
    engine.gate.set()
    assert await infer(engine, engine.work, 4) == 40
    (name,) = engine.threads
    assert name != threading.current_thread().name and not name.startswith("hark-")


async def test_exceptions_reach_the_caller() -> None:
    ex = EngineExecutor("boom", 1)

    class Broken:
        executor = ex

        def run(self) -> None:
            raise ValueError("model failed")

    try:
        with pytest.raises(ValueError, match="model failed"):
            await infer(Broken(), Broken().run)
        assert ex.stats().completed == 1
    finally:
        ex.shutdown()


def workers_alive(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix) and t.is_alive()]


async def test_closing_the_engines_stops_every_executor_thread() -> None:
    stt, tts = EngineExecutor("leakstt", 2), EngineExecutor("leaktts", 1)
    engines = Engines(executors={"stt": stt, "tts": tts})
    a, b = FakeEngine(stt), FakeEngine(tts)
    a.gate.set()
    b.gate.set()
    await asyncio.gather(*(infer(a, a.work, i) for i in range(4)), infer(b, b.work, 9))
    assert workers_alive("hark-leak")
    assert set(engines.stats()) == {"stt", "tts"} and engines.stats()["stt"].completed == 4
    await engines.aclose()
    assert workers_alive("hark-leak") == []
    with pytest.raises(HarkError, match="shut down") as info:
        await infer(a, a.work, 5)
    assert info.value.code == "engine-closed"


async def test_close_drops_queued_calls_and_lets_the_running_one_finish() -> None:
    ex = EngineExecutor("closing", 1)
    engine = FakeEngine(ex)
    running = asyncio.create_task(infer(engine, engine.work, 1))
    await until(lambda: ex.stats().running == 1, "a running call")
    queued = asyncio.create_task(infer(engine, engine.work, 2))
    await until(lambda: ex.stats().queued == 1, "a queued call")
    ex.shutdown(wait=False)
    with pytest.raises(asyncio.CancelledError):
        await queued
    engine.gate.set()
    assert await running == 10
    await until(lambda: not workers_alive("hark-closing"), "the worker thread to exit")
    assert engine.ran == [1]


def test_workers_fit_the_cores() -> None:
    assert workers_for(2, cores=2) == 1  # a 2-thread Whisper decode fills a 2-core machine
    assert workers_for(1, cores=2) == 2
    assert workers_for(1, cores=16, cap=4) == 4
    assert workers_for(8, cores=2) == 1


async def test_loaded_engines_run_their_inference_on_their_own_executors(engines) -> None:  # type: ignore[no-untyped-def]
    from hark.audio import read_wav, to_float
    from hark.engines.stt_stream import SpeculativeStt
    from tests.conftest import DATA

    assert engines.stt.executor is engines.executors["stt"] and engines.stt.executor.workers == workers_for(2)
    assert engines.tts.executor is engines.executors["tts"]
    samples, _ = read_wav(DATA / "date_request.wav")
    before = engines.stats()["stt"].completed
    text = await infer(engines.stt, engines.stt.transcribe, to_float(samples))
    assert "date" in text.lower()
    stt = SpeculativeStt(engines.stt, partial_interval_s=0)
    stt.feed(samples, voiced=True)
    result = await stt.finish()
    assert result.text == text and result.decodes == 1
    stats = engines.stats()["stt"]
    assert stats.completed == before + 2 and stats.max_running <= stats.workers

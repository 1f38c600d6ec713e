import asyncio

import numpy as np
import pytest

from hark.engines.stt_stream import SpeculativeStt
from tests.fakes import FakeStt

WIN = 512  # 32 ms


def feed(stt: SpeculativeStt, pattern: str) -> None:
    """'v' = a voiced window, '.' = a silent one."""
    for ch in pattern:
        stt.feed(np.zeros(WIN, np.int16), ch == "v")


async def settle() -> None:
    for _ in range(50):
        await asyncio.sleep(0.005)


async def test_decode_started_during_the_pause_is_the_final_transcript() -> None:
    engine = FakeStt()
    stt = SpeculativeStt(engine, pause_ms=96, partial_interval_s=0)
    feed(stt, "vvvvvvvvvv...")  # 10 voiced, then 3 silent -> speculative decode of 13 windows
    await settle()
    feed(stt, "......")  # more silence: no new decode
    result = await stt.finish()
    assert engine.calls == [13 * WIN]
    assert result.text == f"{13 * WIN} samples"
    assert result.speculative_hit and result.decodes == 1


async def test_speech_after_the_pause_forces_a_fresh_decode_of_everything() -> None:
    engine = FakeStt()
    stt = SpeculativeStt(engine, pause_ms=96, partial_interval_s=0, tail_ms=64)
    feed(stt, "vvvvv...")
    await settle()
    feed(stt, "vvvv..")  # the user went on: the speculative decode is stale
    result = await stt.finish()
    # fresh decode up to the last voiced window plus the 64 ms tail
    assert engine.calls == [8 * WIN, 8 * WIN + 4 * WIN + 2 * WIN]
    assert not result.speculative_hit
    assert result.text == f"{14 * WIN} samples"


async def test_pause_during_a_decode_queues_the_next_one() -> None:
    engine = FakeStt(delay=0.05)
    stt = SpeculativeStt(engine, pause_ms=64, partial_interval_s=0)
    feed(stt, "vvv..")  # decode A starts (5 windows)
    feed(stt, "vv..")  # pause again while A runs: queued (9 windows)
    result = await stt.finish()
    assert engine.calls == [5 * WIN, 9 * WIN]
    assert result.speculative_hit


async def test_partials_during_long_speech() -> None:
    partials: list[tuple[str, bool]] = []
    engine = FakeStt()
    stt = SpeculativeStt(
        engine, pause_ms=96, partial_interval_s=0.5, on_partial=lambda text, spec: partials.append((text, spec))
    )
    for _ in range(40):  # 1.28 s of continuous speech
        feed(stt, "v")
        await asyncio.sleep(0.002)
    await stt.aclose()
    assert len(partials) >= 2
    assert all(text.endswith("samples") and not speculative for text, speculative in partials)


async def test_a_decode_at_a_pause_that_covers_all_speech_is_marked_speculative() -> None:
    partials: list[tuple[str, bool]] = []
    engine = FakeStt()
    stt = SpeculativeStt(engine, pause_ms=64, partial_interval_s=0, on_partial=lambda t, s: partials.append((t, s)))
    feed(stt, "vvvv...")  # a pause of two windows: decode of 6 windows
    await settle()
    feed(stt, "vv")  # speech again: the next pause's decode covers it
    await stt.aclose()
    assert partials == [(f"{6 * WIN} samples", True)]


async def test_no_speech_gives_an_empty_transcript_without_decoding() -> None:
    engine = FakeStt()
    stt = SpeculativeStt(engine)
    feed(stt, "..........")
    result = await stt.finish()
    assert result.text == "" and engine.calls == []


async def test_engine_failure_reaches_the_caller() -> None:
    class Broken(FakeStt):
        def transcribe(self, audio: np.ndarray) -> str:
            raise RuntimeError("model crashed")

    stt = SpeculativeStt(Broken(), partial_interval_s=0)
    feed(stt, "vvvv")
    with pytest.raises(RuntimeError, match="model crashed"):
        await stt.finish()


async def test_partials_wait_for_a_free_engine_but_a_decode_at_a_pause_does_not() -> None:
    import threading

    from hark.engines.executor import EngineExecutor

    executor = EngineExecutor("stt-shared", 1)
    engine = FakeStt()
    engine.executor = executor  # type: ignore[attr-defined]
    gate = threading.Event()
    try:
        other_session = asyncio.create_task(executor.run(gate.wait, 30))  # another session's decode runs
        for _ in range(10_000):
            if not executor.idle():
                break
            await asyncio.sleep(0.001)
        assert not executor.idle()
        stt = SpeculativeStt(engine, pause_ms=96, partial_interval_s=0.1)
        feed(stt, "v" * 20)  # 0.64 s of speech: partials would be due, but the engine is busy
        assert stt.decodes == 0
        feed(stt, "...")  # a pause: its decode is queued all the same (it is likely the final one)
        assert stt.decodes == 1
        for _ in range(10_000):  # wait (up to ~10 s) for the decode task to reach the executor
            if executor.stats().queued == 1:
                break
            await asyncio.sleep(0.001)
        assert executor.stats().queued == 1
        gate.set()
        await other_session
        result = await stt.finish()
        assert engine.calls == [23 * WIN] and result.speculative_hit
        feed2 = SpeculativeStt(engine, pause_ms=96, partial_interval_s=0.1)
        feed(feed2, "v" * 4)  # the engine is free again: a partial starts
        assert feed2.decodes == 1
        await feed2.aclose()
    finally:
        gate.set()
        executor.shutdown()


@pytest.mark.timeout(30)  # the bug this guards against spins the event loop without yielding
@pytest.mark.parametrize("queued", [False, True])
async def test_finish_right_after_a_stale_decode_ended_does_not_spin(queued: bool) -> None:
    """A decode ends in the loop step just before ``finish`` runs, so its done callback has not
    filed its result yet: ``finish`` must take the result itself. (Seen end to end with Moonshine:
    awaiting a finished task does not yield, and ``finish`` spun on it forever.)"""
    engine = FakeStt(delay=0.05)
    stt = SpeculativeStt(engine, pause_ms=64, partial_interval_s=0, tail_ms=64)
    feed(stt, "vvv..")  # decode A of 5 windows starts at the pause
    running = stt._running
    assert running is not None
    running.task.remove_done_callback(stt._finished)  # hold its callback back: the racy moment, made certain
    feed(stt, "vv" + (".." if queued else ""))  # the user went on: A is stale (with a pause: decode B is queued)
    await asyncio.wait([running.task])
    result = await stt.finish()
    if queued:  # B, queued behind A, covers every voiced window
        assert engine.calls == [5 * WIN, 9 * WIN]
        assert result.text == f"{9 * WIN} samples" and result.speculative_hit
    else:  # nothing queued: a fresh decode of everything (no silence after the last voiced window)
        assert engine.calls == [5 * WIN, 7 * WIN]
        assert result.text == f"{7 * WIN} samples" and not result.speculative_hit
    assert result.decodes == 2

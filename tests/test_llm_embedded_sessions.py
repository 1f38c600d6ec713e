"""One embedded model serving several sessions at once (real SmolLM2-135M): a session's
preparation never cancels or disturbs another's stream, a stream pauses another session's
preparation instead of wasting it, and a prepared prompt survives another session's turn.

Outputs are greedy (temperature 0) and compared with the same request run alone; token
counts come from the backend's bookkeeping and llama.cpp's counters, never wall time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from hark.llm.base import Finished, LlmRequest, Message, TextChunk
from hark.llm.embedded import EmbeddedBackend

NOTE = ("[Context note, not said by the user. Current local time: Monday 7 December 2026, 10:00.]",)
SYSTEM_A = "You are assistant A. Answer briefly."
SYSTEM_B = "You are Hark, a kitchen helper."
HISTORY_B = [Message("user", "Tell me about rivers. " * 30), Message("assistant", "Rivers flow to the sea. " * 30)]
DEADLINE_S = 60.0


def turn(system: str, words: str, history: list[Message] | None = None, max_tokens: int = 16) -> LlmRequest:
    messages = [*(history or []), Message("user", words, context=NOTE)]
    return LlmRequest(system=system, messages=messages, max_tokens=max_tokens, temperature=0.0)


A = turn(SYSTEM_A, "What is the capital of France?")
B = turn(SYSTEM_B, "Name three fruits.", HISTORY_B)
B_AHEAD = turn(SYSTEM_B, "", HISTORY_B)  # while B's user is still speaking


async def until(predicate: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


async def run(b: EmbeddedBackend, request: LlmRequest) -> tuple[str, Finished]:
    events = [e async for e in b.stream(request)]
    fin = events[-1]
    assert isinstance(fin, Finished)
    return "".join(e.text for e in events if isinstance(e, TextChunk)), fin


@pytest.fixture(scope="module")
async def backend() -> AsyncIterator[EmbeddedBackend]:
    b = EmbeddedBackend(None, threads=2, context_tokens=1024)
    await b.load()
    yield b
    await b.aclose()


@pytest.fixture(scope="module")
async def alone(backend: EmbeddedBackend) -> dict[str, str]:
    """What A and B answer when each runs alone."""
    return {"A": (await run(backend, A))[0], "B": (await run(backend, B))[0]}


def header_and_words(b: EmbeddedBackend, words: str) -> int:
    return len(b._llm.tokenize(f"{words}<|im_end|>\n<|im_start|>assistant\n".encode(), add_bos=False, special=True))


def held_after(fin: Finished) -> int:
    """KV cells a stream leaves: the prompt and every produced token but one cut off at max_tokens."""
    return fin.input_tokens + fin.output_tokens - (fin.stop_reason == "max_tokens")


async def test_a_prepared_prompt_survives_another_sessions_turn(
    backend: EmbeddedBackend, alone: dict[str, str]
) -> None:
    backend.snapshots.clear(pinned=False)
    await backend.prepare(B_AHEAD)
    prepared = backend.cached_tokens
    assert prepared > 300
    text_a, _ = await run(backend, A)  # another system prompt: overwrites B's cells from the first ones
    assert text_a == alone["A"]
    assert [len(t) for t in backend.snapshots.aside()] == [prepared]  # B's head start was set aside
    backend.reset_perf()
    text_b, fin = await run(backend, B)
    assert text_b == alone["B"]
    assert fin.cached_input_tokens == prepared  # restored, not evaluated again
    assert fin.input_tokens - prepared <= header_and_words(backend, "Name three fruits.")
    assert backend.perf().prompt_tokens <= fin.input_tokens - fin.cached_input_tokens
    assert backend.snapshots.aside() == []  # used, then forgotten
    assert backend.cached_tokens == held_after(fin)


async def test_another_sessions_prepare_does_not_cancel_a_running_stream(
    backend: EmbeddedBackend, alone: dict[str, str]
) -> None:
    preemptions = backend.preemptions
    chunks: list[str] = []
    preparing: asyncio.Task[None] | None = None
    fin: object = None
    async for event in backend.stream(A):
        if isinstance(event, TextChunk):
            chunks.append(event.text)
            if preparing is None:  # A is streaming: B's user starts speaking
                assert backend.running_job() == "stream"
                preparing = asyncio.create_task(backend.prepare(B_AHEAD))
        fin = event
    assert preparing is not None and isinstance(fin, Finished)
    assert "".join(chunks) == alone["A"] and fin.stop_reason == "end_turn"  # A's answer, whole
    await preparing
    assert backend.preemptions == preemptions  # a stream is never paused
    # B's preparation ran in full after A's stream, so B's stream only has its words left
    backend.reset_perf()
    text_b, fin_b = await run(backend, B)
    assert text_b == alone["B"]
    assert fin_b.input_tokens - fin_b.cached_input_tokens == header_and_words(backend, "Name three fruits.")


async def test_a_stream_pauses_another_sessions_preparation_which_resumes_after(
    backend: EmbeddedBackend, alone: dict[str, str]
) -> None:
    await run(backend, turn("Something unrelated.", "Hi.", max_tokens=2))  # nothing of B's in the cache
    preemptions = backend.preemptions
    preparing = asyncio.create_task(backend.prepare(B_AHEAD))  # ~350 tokens in chunks of 8
    await until(lambda: backend.running_job() == "prepare", "B's preparation to start")
    text_a, fin_a = await run(backend, A)  # A's user finished: A goes first
    assert text_a == alone["A"] and fin_a.stop_reason == "end_turn"
    await preparing
    assert backend.preemptions == preemptions + 1
    backend.reset_perf()
    text_b, fin_b = await run(backend, B)
    assert text_b == alone["B"]
    assert fin_b.input_tokens - fin_b.cached_input_tokens == header_and_words(backend, "Name three fruits.")
    assert backend.perf().prompt_tokens <= fin_b.input_tokens - fin_b.cached_input_tokens


async def test_a_newer_preparation_of_the_same_conversation_supersedes_a_queued_one(
    backend: EmbeddedBackend,
) -> None:
    counting = turn(SYSTEM_A, "Count from 1 to 60, separated by commas.", max_tokens=80)
    stream = backend.stream(counting)
    first = await anext(stream)  # the model thread is busy with this stream
    assert isinstance(first, TextChunk)
    older = asyncio.create_task(backend.prepare(B_AHEAD))
    await until(lambda: backend.queued_jobs() == 1, "B's first preparation to be queued")
    newer = asyncio.create_task(backend.prepare(turn(SYSTEM_B, "Name three", HISTORY_B)))
    other = asyncio.create_task(
        backend.prepare(turn(SYSTEM_A, "", [Message("user", "Hi."), Message("assistant", "Hello!")]))
    )
    await until(older.done, "the older preparation to be dropped")  # while the stream still runs
    assert backend.running_job() == "stream" and backend.queued_jobs() == 2  # B's newer one and the other session's
    events = [first, *[e async for e in stream]]
    assert isinstance(events[-1], Finished) and events[-1].output_tokens > 20  # the stream ran to its end
    await asyncio.gather(newer, other)
    assert backend.queued_jobs() == 0


async def test_two_sessions_interleaving_turns_keep_their_head_starts(
    backend: EmbeddedBackend, alone: dict[str, str]
) -> None:
    """prepare A, prepare B, stream A, stream B, and a second turn each the same way: every stream
    finds its own prepared prompt, and the token accounting adds up for each request."""
    history: dict[str, list[Message]] = {"A": [], "B": list(HISTORY_B)}
    systems = {"A": SYSTEM_A, "B": SYSTEM_B}
    words = {"A": ["What is the capital of France?", "And of Italy?"], "B": ["Name three fruits.", "And two more."]}
    await run(backend, turn("Something unrelated.", "Hi.", max_tokens=2))  # no preparation in the cache
    backend.snapshots.clear(pinned=False)  # nor set aside by earlier tests
    for round_ in range(2):
        prepared: dict[str, int] = {}
        for s in ("A", "B"):
            await backend.prepare(turn(systems[s], "", history[s]))
            prepared[s] = backend.cached_tokens
        assert len(backend.snapshots.aside()) == 1  # B's preparation set A's aside
        for s in ("A", "B"):
            said = words[s][round_]
            backend.reset_perf()
            text, fin = await run(backend, turn(systems[s], said, history[s]))
            if round_ == 0:
                assert text == alone[s]
            assert text.strip()
            assert fin.cached_input_tokens == prepared[s], s
            assert fin.input_tokens - fin.cached_input_tokens == header_and_words(backend, said)
            assert backend.perf().prompt_tokens <= fin.input_tokens - fin.cached_input_tokens
            assert backend.cached_tokens == held_after(fin)
            history[s] = [*history[s], Message("user", said), Message("assistant", text)]
        assert backend.snapshots.aside() == []


async def test_a_cancelled_queued_preparation_leaves_the_queue_at_once(backend: EmbeddedBackend) -> None:
    stream = backend.stream(turn(SYSTEM_A, "Count from 1 to 60, separated by commas.", max_tokens=80))
    first = await anext(stream)
    preparing = asyncio.create_task(backend.prepare(B_AHEAD))
    await until(lambda: backend.queued_jobs() == 1, "the preparation to be queued")
    preparing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await preparing
    assert backend.queued_jobs() == 0 and backend.running_job() == "stream"  # it never ran; the stream runs on
    events = [first, *[e async for e in stream]]
    assert isinstance(events[-1], Finished) and events[-1].output_tokens > 20


async def test_closing_drops_queued_preparations_and_lets_the_stream_finish() -> None:
    from hark.llm.base import LlmError

    b = EmbeddedBackend(None, threads=2, context_tokens=1024)
    await b.load()
    stream = b.stream(turn(SYSTEM_A, "Count from 1 to 20, separated by commas.", max_tokens=30))
    first = await anext(stream)
    preparing = asyncio.create_task(b.prepare(B_AHEAD))
    await until(lambda: b.queued_jobs() == 1, "the preparation to be queued")
    closing = asyncio.create_task(b.aclose())
    await preparing  # dropped: it returns without running
    events = [first, *[e async for e in stream]]
    assert isinstance(events[-1], Finished) and events[-1].output_tokens > 10  # the stream ran to its end
    await closing
    assert b.queued_jobs() == 0 and b.running_job() is None and b.cached_tokens == 0  # the model is freed
    with pytest.raises(LlmError) as info:
        await b.prepare(B_AHEAD)
    assert info.value.code == "llm-closed"

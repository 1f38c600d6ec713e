"""The OpenAI-compatible backend, through the real ``openai`` SDK, against the local fake chat-completions server."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator

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
from hark.llm.openai_backend import OpenAIBackend
from tests.fake_llm_servers import FakeOpenAI, Reply, ToolCall, closed_port, collect, collect_until_error

KEY = "sk-proj-SECRET-do-not-print-0123456789"
MODEL = "gpt-4o-mini"
SYSTEM = "You are Hark, a helpful voice assistant. Answer in one or two short sentences."
TOOLS = (
    ToolSpec(
        "weather_get",
        "The weather now or on a day.",
        {"type": "object", "properties": {"when": {"type": "string"}}, "additionalProperties": False},
    ),
    ToolSpec("timer_start", "Start a timer.", {"type": "object", "properties": {"seconds": {"type": "integer"}}}),
)


def ask(text: str = "Hello?", **changes: object) -> LlmRequest:
    values: dict[str, object] = {"system": SYSTEM, "messages": (Message("user", text),), "tools": TOOLS, **changes}
    return LlmRequest(**values)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        yield fake


@pytest.fixture
async def backend(server: FakeOpenAI) -> AsyncIterator[OpenAIBackend]:
    llm = OpenAIBackend(KEY, MODEL, base_url=server.base_url, timeout_s=2.0)
    yield llm
    await llm.aclose()


# -- streaming ----------------------------------------------------------------------------------


async def test_is_an_llm_backend(backend: OpenAIBackend) -> None:
    assert isinstance(backend, LlmBackend)
    assert (backend.name, backend.model) == ("openai", MODEL)


async def test_text_streams_in_pieces_in_order(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(Reply(text=["It is", " sunny", " and", " warm."], input_tokens=30, output_tokens=9))
    events = await collect(backend, ask())
    assert events == [
        TextChunk("It is"),
        TextChunk(" sunny"),
        TextChunk(" and"),
        TextChunk(" warm."),
        Finished(stop_reason="end_turn", input_tokens=30, output_tokens=9, cached_input_tokens=0),
    ]


async def test_text_is_handed_out_before_the_rest_of_the_answer_exists(
    server: FakeOpenAI, backend: OpenAIBackend
) -> None:
    server.push(Reply(text=["First", " second."], hold_after=2))  # role chunk, "First", then wait
    stream = backend.stream(ask())
    assert await anext(stream) == TextChunk("First")
    server.resume()
    assert [event async for event in stream] == [TextChunk(" second."), Finished("end_turn", 12, 7, 0)]


async def test_tool_call_arguments_are_assembled_from_fragments(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(
        Reply(
            text=["Let me check."],
            tools=[ToolCall("weather_get", ['{"wh', 'en": "to', 'morrow"', "}"], id="call_A")],
        )
    )
    events = await collect(backend, ask("Weather tomorrow?"))
    assert events == [
        TextChunk("Let me check."),
        ToolCallChunk("call_A", "weather_get", {"when": "tomorrow"}, raw='{"when": "tomorrow"}'),
        Finished("tool_use", 12, 7, 0),
    ]


async def test_parallel_tool_calls_come_in_index_order(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(
        Reply(tools=[ToolCall("timer_start", ['{"seconds":', " 60}"], id="c1"), ToolCall("weather_get", [], id="c2")])
    )
    events = await collect(backend, ask())
    assert events == [
        ToolCallChunk("c1", "timer_start", {"seconds": 60}, raw='{"seconds": 60}'),
        ToolCallChunk("c2", "weather_get", {}, raw=""),
        Finished("tool_use", 12, 7, 0),
    ]


async def test_malformed_tool_arguments_give_none_and_the_raw_text(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(Reply(tools=[ToolCall("weather_get", ['{"when": "tom', "orrow"], id="call_bad")]))
    events = await collect(backend, ask())
    assert events[0] == ToolCallChunk("call_bad", "weather_get", None, raw='{"when": "tomorrow')


@pytest.mark.parametrize(
    ("finish", "stop_reason"),
    [("stop", "end_turn"), ("length", "max_tokens"), ("content_filter", "refusal"), ("tool_calls", "tool_use")],
)
async def test_finish_reasons_map(server: FakeOpenAI, backend: OpenAIBackend, finish: str, stop_reason: str) -> None:
    server.push(Reply(text=["Hm."], stop_reason=finish))
    assert (await collect(backend, ask()))[-1] == Finished(stop_reason, 12, 7, 0)


async def test_usage_reaches_finished(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(Reply(text=["Hi."], input_tokens=2100, output_tokens=42, cached_tokens=2000))
    assert (await collect(backend, ask()))[-1] == Finished("end_turn", 2100, 42, 2000)


async def test_without_usage_the_numbers_are_zero(server: FakeOpenAI) -> None:
    llm = OpenAIBackend(KEY, MODEL, base_url=server.base_url, include_usage=False)
    try:
        events = await collect(llm, ask())
    finally:
        await llm.aclose()
    assert "stream_options" not in server.requests[0].body
    assert events == [TextChunk("OK"), Finished("end_turn", 0, 0, 0)]


async def test_chunks_split_anywhere_by_the_network(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(
        Reply(text=["Café ", "crème ☕"], tools=[ToolCall("weather_get", ['{"when": "now"}'], id="t")], write_bytes=7)
    )
    events = await collect(backend, ask())
    assert events == [
        TextChunk("Café "),
        TextChunk("crème ☕"),
        ToolCallChunk("t", "weather_get", {"when": "now"}, raw='{"when": "now"}'),
        Finished("tool_use", 12, 7, 0),
    ]


async def test_a_dropped_reply_leaves_no_task_behind(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(Reply(text=["One", " two", " three"], hold_after=2))
    before = asyncio.all_tasks()
    stream = backend.stream(ask())
    assert await anext(stream) == TextChunk("One")
    await stream.aclose()  # barge-in: by the time it returns, everything is closed
    assert [t for t in asyncio.all_tasks() - before if not t.done()] == []


async def test_leaving_the_stream_early_closes_it(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(Reply(text=["One", " two", " three"]), Reply(text=["Again."]))
    stream = backend.stream(ask())
    assert await anext(stream) == TextChunk("One")
    await stream.aclose()
    assert (await collect(backend, ask()))[0] == TextChunk("Again.")


# -- the request ----------------------------------------------------------------------------------


async def test_request_shape(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    await collect(backend, ask("Hi", max_tokens=120, temperature=0.5))
    (sent,) = server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    body = sent.body
    assert (body["model"], body["stream"], body["max_tokens"], body["temperature"]) == (MODEL, True, 120, 0.5)
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Hi"}]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": dict(t.parameters)},
        }
        for t in TOOLS
    ]


async def test_context_notes_open_the_user_message(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    note = "[Context note, not said by the user. Current local time: Sunday 10:00.]"
    await collect(backend, ask(messages=(Message("user", "What day is it?", context=(note,)),)))
    (sent,) = server.requests
    assert sent.body["messages"][1] == {"role": "user", "content": f"{note}\n\nWhat day is it?"}


async def test_tool_round_trip_is_sent_in_openai_shape(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    conversation = (
        Message("user", "Weather tomorrow, and a timer for a minute?"),
        Message(
            "assistant",
            "",
            tool_uses=(
                ToolUse("call_1", "weather_get", {"when": "tomorrow"}),
                ToolUse("call_2", "timer_start", {"seconds": 60}),
            ),
        ),
        Message(
            "tool",
            tool_results=(
                ToolResult("call_1", "Sunny, 21 degrees."),
                ToolResult("call_2", "No timer slot free.", is_error=True),
            ),
        ),
    )
    await collect(backend, ask(messages=conversation, tools=()))
    body = server.requests[0].body
    assert "tools" not in body
    assert body["messages"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "Weather tomorrow, and a timer for a minute?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "weather_get", "arguments": json.dumps({"when": "tomorrow"})},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "timer_start", "arguments": json.dumps({"seconds": 60})},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 21 degrees."},
        {"role": "tool", "tool_call_id": "call_2", "content": "Error: No timer slot free."},
    ]


async def test_no_key_sends_a_placeholder(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server.api_key = "sk-no-key-required"
    llm = OpenAIBackend("", MODEL, base_url=server.base_url)
    try:
        assert (await collect(llm, ask()))[0] == TextChunk("OK")
    finally:
        await llm.aclose()


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (429, "llm-rate-limited", True),
        (500, "llm-unavailable", True),
        (503, "llm-unavailable", True),
        (400, "llm-bad-request", False),
        (404, "llm-bad-request", False),
    ],
)
async def test_http_errors_map_to_codes(
    server: FakeOpenAI, backend: OpenAIBackend, status: int, code: str, retryable: bool
) -> None:
    server.push(Reply(status=status))
    events, error = await collect_until_error(backend, ask())
    assert events == []
    assert (error.code, error.retryable) == (code, retryable)
    assert f"HTTP {status}" in str(error)


async def test_exhausted_quota_is_not_retryable(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(Reply(status=429, error_type="insufficient_quota", error_code="insufficient_quota"))
    _, error = await collect_until_error(backend, ask())
    assert (error.code, error.retryable) == ("llm-quota", False)  # billing, not load: retrying will not help


async def test_wrong_key_is_an_auth_error_and_the_echoed_key_is_redacted(server: FakeOpenAI) -> None:
    wrong = "sk-proj-WRONG-also-secret-987"
    llm = OpenAIBackend(wrong, MODEL, base_url=server.base_url)
    try:
        _, error = await collect_until_error(llm, ask())
    finally:
        await llm.aclose()
    assert (error.code, error.retryable) == ("llm-auth", False)
    assert "Incorrect API key provided: ***" in str(error)  # the server quoted it; we do not
    assert wrong not in str(error) and wrong not in repr(error)
    assert error.__cause__ is None


async def test_error_chunk_inside_the_stream(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(Reply(text=["Partly", " there"], stream_error_after=2))
    events, error = await collect_until_error(backend, ask())
    assert events == [TextChunk("Partly")]
    assert (error.code, error.retryable) == ("llm-unavailable", True)
    assert "error event in the stream" in str(error)


@pytest.mark.parametrize("abort", [False, True], ids=["clean-end", "reset"])
async def test_stream_cut_in_the_middle(server: FakeOpenAI, backend: OpenAIBackend, abort: bool) -> None:
    server.push(Reply(text=["One", " two", " three"], cut_after=3, abort=abort))  # role, "One", " two" | cut
    events, error = await collect_until_error(backend, ask())
    assert events == [TextChunk("One"), TextChunk(" two")]
    assert (error.code, error.retryable) == ("llm-stream-cut", False)


async def test_stream_cut_inside_tool_calls(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(Reply(tools=[ToolCall("weather_get", ['{"when"', ': "now"}'])], cut_after=3))
    events, error = await collect_until_error(backend, ask())
    assert events == []
    assert (error.code, error.retryable) == ("llm-stream-cut", True)


async def test_cut_after_the_finish_reason_only_loses_usage(server: FakeOpenAI, backend: OpenAIBackend) -> None:
    server.push(Reply(text=["Done."], cut_after=3))  # role, "Done.", finish | usage, [DONE] never come
    assert await collect(backend, ask()) == [TextChunk("Done."), Finished("end_turn", 0, 0, 0)]


async def test_server_slower_than_the_timeout_is_unreachable(server: FakeOpenAI) -> None:
    server.push(Reply(text=["late"], delay_s=2.0))
    llm = OpenAIBackend(KEY, MODEL, base_url=server.base_url, timeout_s=0.3)
    try:
        _, error = await collect_until_error(llm, ask())
    finally:
        await llm.aclose()
    assert (error.code, error.retryable) == ("llm-unreachable", True)
    assert "timed out" in str(error)


async def test_nothing_listening_is_unreachable() -> None:
    llm = OpenAIBackend(KEY, MODEL, base_url=f"http://127.0.0.1:{closed_port()}/v1", timeout_s=1.0)
    try:
        _, error = await collect_until_error(llm, ask())
    finally:
        await llm.aclose()
    assert (error.code, error.retryable) == ("llm-unreachable", True)


async def test_the_key_is_never_printed(
    server: FakeOpenAI, backend: OpenAIBackend, caplog: pytest.LogCaptureFixture
) -> None:
    assert KEY not in repr(backend)
    caplog.set_level(logging.DEBUG)
    server.push(Reply(text=["Hi"]), Reply(status=429), Reply(status=500), Reply(text=["cut"], cut_after=1))
    await collect(backend, ask())
    errors = [(await collect_until_error(backend, ask()))[1] for _ in range(3)]
    for error in errors:
        assert KEY not in str(error) and KEY not in repr(error)
        assert error.__cause__ is None or KEY not in str(error.__cause__)
    assert caplog.records
    assert KEY not in caplog.text

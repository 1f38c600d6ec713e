"""The Anthropic backend, through the real ``anthropic`` SDK, against the local fake Messages API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from hark.llm import wire
from hark.llm.anthropic_backend import DEFAULT_MODEL, AnthropicBackend, convert_messages
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
from tests.fake_llm_servers import FakeAnthropic, Reply, ToolCall, closed_port, collect, collect_until_error

KEY = "sk-ant-api03-SECRET-do-not-print-0123456789"
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
def server() -> Iterator[FakeAnthropic]:
    with FakeAnthropic(api_key=KEY) as fake:
        yield fake


@pytest.fixture
async def backend(server: FakeAnthropic) -> AsyncIterator[AnthropicBackend]:
    llm = AnthropicBackend(KEY, base_url=server.url, timeout_s=2.0)
    yield llm
    await llm.aclose()


# -- streaming ----------------------------------------------------------------------------------


async def test_is_an_llm_backend(backend: AnthropicBackend) -> None:
    assert isinstance(backend, LlmBackend)
    assert backend.name == "anthropic"
    assert backend.model == DEFAULT_MODEL == "claude-haiku-4-5"


async def test_text_streams_in_pieces_in_order(server: FakeAnthropic, backend: AnthropicBackend) -> None:
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
    server: FakeAnthropic, backend: AnthropicBackend
) -> None:
    # message_start, content_block_start, ping, first delta: then the server waits for us.
    server.push(Reply(text=["First", " second."], hold_after=4))
    stream = backend.stream(ask())
    assert await anext(stream) == TextChunk("First")
    server.resume()
    assert [event async for event in stream] == [TextChunk(" second."), Finished("end_turn", 12, 7, 0)]


async def test_tool_call_arguments_are_assembled_from_fragments(
    server: FakeAnthropic, backend: AnthropicBackend
) -> None:
    server.push(
        Reply(
            text=["Let me check."],
            tools=[ToolCall("weather_get", ['{"wh', 'en": "to', 'morrow"', "}"], id="toolu_01A")],
        )
    )
    events = await collect(backend, ask("Weather tomorrow?"))
    assert events == [
        TextChunk("Let me check."),
        ToolCallChunk("toolu_01A", "weather_get", {"when": "tomorrow"}, raw='{"when": "tomorrow"}'),
        Finished("tool_use", 12, 7, 0),
    ]


async def test_several_tool_calls_and_one_without_arguments(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(
        Reply(tools=[ToolCall("timer_start", ['{"seconds":', " 60}"], id="t1"), ToolCall("weather_get", [], id="t2")])
    )
    events = await collect(backend, ask())
    assert events[:2] == [
        ToolCallChunk("t1", "timer_start", {"seconds": 60}, raw='{"seconds": 60}'),
        ToolCallChunk("t2", "weather_get", {}, raw=""),
    ]


async def test_malformed_tool_arguments_give_none_and_the_raw_text(
    server: FakeAnthropic, backend: AnthropicBackend
) -> None:
    server.push(Reply(tools=[ToolCall("weather_get", ['{"when": "tom', "orrow"], id="toolu_bad")]))
    events = await collect(backend, ask())
    assert events[0] == ToolCallChunk("toolu_bad", "weather_get", None, raw='{"when": "tomorrow')
    assert isinstance(events[-1], Finished)


async def test_usage_reaches_finished(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(Reply(text=["Hi."], input_tokens=2100, output_tokens=42, cached_tokens=2000))
    events = await collect(backend, ask())
    # input_tokens counts every prompt token, cached ones included.
    assert events[-1] == Finished("end_turn", input_tokens=2100, output_tokens=42, cached_input_tokens=2000)


async def test_refusal_is_a_stop_reason(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(Reply(text=["I can't help with that."], stop_reason="refusal"))
    events = await collect(backend, ask())
    assert events[-1] == Finished("refusal", 12, 7, 0)


async def test_max_tokens_stop_reason_passes_through(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(Reply(text=["Once upon"], stop_reason="max_tokens"))
    assert (await collect(backend, ask()))[-1] == Finished("max_tokens", 12, 7, 0)


async def test_events_split_anywhere_by_the_network(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(
        Reply(text=["Café ", "crème ☕"], tools=[ToolCall("weather_get", ['{"when": "now"}'], id="t")], write_bytes=7)
    )
    events = await collect(backend, ask())
    assert events[:3] == [
        TextChunk("Café "),
        TextChunk("crème ☕"),
        ToolCallChunk("t", "weather_get", {"when": "now"}, raw='{"when": "now"}'),
    ]


async def test_a_dropped_reply_leaves_no_task_behind(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(Reply(text=["One", " two", " three"], hold_after=4))
    before = asyncio.all_tasks()
    stream = backend.stream(ask())
    assert await anext(stream) == TextChunk("One")
    await stream.aclose()  # barge-in: by the time it returns, everything is closed
    assert [t for t in asyncio.all_tasks() - before if not t.done()] == []


async def test_leaving_the_stream_early_closes_it(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(Reply(text=["One", " two", " three"]), Reply(text=["Again."]))
    stream = backend.stream(ask())
    assert await anext(stream) == TextChunk("One")
    await stream.aclose()  # barge-in: the reply is dropped
    assert (await collect(backend, ask()))[0] == TextChunk("Again.")


# -- the request ----------------------------------------------------------------------------------


async def test_system_prompt_and_last_tool_are_cache_breakpoints(
    server: FakeAnthropic, backend: AnthropicBackend
) -> None:
    await collect(backend, ask("Hi", max_tokens=120, temperature=0.5))
    (sent,) = server.requests
    assert sent.path == "/v1/messages"
    assert sent.headers["authorization"] == f"Bearer {KEY}"  # how anthropic 2.x sends the key
    assert "anthropic-version" in sent.headers
    body = sent.body
    assert body["model"] == "claude-haiku-4-5"
    assert body["stream"] is True
    assert body["max_tokens"] == 120
    assert "temperature" not in body  # the API no longer takes sampling parameters
    assert body["system"] == [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}]
    assert body["tools"] == [
        {
            "name": "weather_get",
            "description": "The weather now or on a day.",
            "input_schema": dict(TOOLS[0].parameters),
        },
        {
            "name": "timer_start",
            "description": "Start a timer.",
            "input_schema": dict(TOOLS[1].parameters),
            "cache_control": {"type": "ephemeral"},
        },
    ]
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]


async def test_no_tools_and_no_system_are_left_out(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    await collect(backend, ask(system="", tools=()))
    assert "tools" not in server.requests[0].body
    assert "system" not in server.requests[0].body


async def test_tool_round_trip_is_sent_in_anthropic_shape(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    conversation = (
        Message("user", "Weather tomorrow, and a timer for a minute?"),
        Message(
            "assistant",
            "Let me check.",
            tool_uses=(
                ToolUse("toolu_1", "weather_get", {"when": "tomorrow"}),
                ToolUse("toolu_2", "timer_start", {"seconds": 60}),
            ),
        ),
        Message(
            "tool",
            tool_results=(
                ToolResult("toolu_1", "Sunny, 21 degrees."),
                ToolResult("toolu_2", "No timer slot free.", is_error=True),
            ),
        ),
        Message("user", "Thanks!"),
    )
    server.push(Reply(text=["Tomorrow is sunny."]))
    events = await collect(backend, ask(messages=conversation))
    assert events[0] == TextChunk("Tomorrow is sunny.")  # the fake refuses what the real API refuses
    assert server.requests[0].body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Weather tomorrow, and a timer for a minute?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_1", "name": "weather_get", "input": {"when": "tomorrow"}},
                {
                    "type": "tool_use",
                    "id": "toolu_2",
                    "name": "timer_start",
                    "input": {"seconds": 60},
                    "cache_control": {"type": "ephemeral"},  # closes the history before the newest turn
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Sunny, 21 degrees."},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": "No timer slot free.", "is_error": True},
                {"type": "text", "text": "Thanks!"},
            ],
        },
    ]


def test_conversion_merges_turns_and_drops_empty_text() -> None:
    turns = convert_messages(
        (
            Message("user", "Hi"),
            Message("user", "are you there?"),
            Message("assistant", ""),
            Message("assistant", "", tool_uses=(ToolUse("a", "weather_get", {}),)),
            Message("user", "and then"),
            Message("tool", tool_results=(ToolResult("a", "Rain."),)),
        )
    )
    assert turns == [
        {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "are you there?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "a", "name": "weather_get", "input": {}, "cache_control": {"type": "ephemeral"}}
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "a", "content": "Rain."},
                {"type": "text", "text": "and then"},
            ],
        },
    ]


def test_context_notes_are_text_blocks_before_the_words_and_the_history_is_a_cache_breakpoint() -> None:
    turns = convert_messages(
        (
            Message("user", "What's the capital of France?"),
            Message("assistant", "Paris."),
            Message("user", "And Germany?", context=("[Context note. Time: 10:00.]", "[Facts: none.]")),
        )
    )
    assert turns == [
        {"role": "user", "content": [{"type": "text", "text": "What's the capital of France?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Paris.", "cache_control": {"type": "ephemeral"}}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "[Context note. Time: 10:00.]"},
                {"type": "text", "text": "[Facts: none.]"},
                {"type": "text", "text": "And Germany?"},
            ],
        },
    ]
    assert "cache_control" not in str(convert_messages((Message("user", "Hi", context=("[note]",)),)))


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (429, "llm-rate-limited", True),
        (500, "llm-unavailable", True),
        (503, "llm-unavailable", True),
        (529, "llm-overloaded", True),
        (400, "llm-bad-request", False),
        (403, "llm-auth", False),
    ],
)
async def test_http_errors_map_to_codes(
    server: FakeAnthropic, backend: AnthropicBackend, status: int, code: str, retryable: bool
) -> None:
    server.push(Reply(status=status))
    events, error = await collect_until_error(backend, ask())
    assert events == []
    assert (error.code, error.retryable) == (code, retryable)
    assert f"HTTP {status}" in str(error)
    assert "request id req_fake" in str(error)


async def test_overloaded_error_type_wins_over_the_status(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(Reply(status=500, error_type="overloaded_error"))
    _, error = await collect_until_error(backend, ask())
    assert (error.code, error.retryable) == ("llm-overloaded", True)


async def test_wrong_key_is_an_auth_error_that_names_no_key(server: FakeAnthropic) -> None:
    wrong = "sk-ant-api03-WRONG-also-secret-987"
    llm = AnthropicBackend(wrong, base_url=server.url, timeout_s=2.0)
    try:
        _, error = await collect_until_error(llm, ask())
    finally:
        await llm.aclose()
    assert (error.code, error.retryable) == ("llm-auth", False)
    assert "authentication_error" in str(error)
    assert wrong not in str(error) and wrong not in repr(error)
    assert server.requests[0].headers["authorization"] == f"Bearer {wrong}"


async def test_error_event_inside_the_stream(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(Reply(text=["Partly", " there"], stream_error_after=4))
    events, error = await collect_until_error(backend, ask())
    assert events == [TextChunk("Partly")]
    assert (error.code, error.retryable) == ("llm-overloaded", True)
    assert "error event in the stream" in str(error)


@pytest.mark.parametrize("abort", [False, True], ids=["clean-end", "reset"])
async def test_stream_cut_in_the_middle(server: FakeAnthropic, backend: AnthropicBackend, abort: bool) -> None:
    # message_start, content_block_start, ping, "One", " two" | cut
    server.push(Reply(text=["One", " two", " three"], cut_after=5, abort=abort))
    events, error = await collect_until_error(backend, ask())
    assert events == [TextChunk("One"), TextChunk(" two")]
    assert error.code == "llm-stream-cut"
    assert error.retryable is False  # text was handed out: the caller decides


async def test_stream_cut_before_any_text_is_retryable(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(Reply(text=["One"], cut_after=1))
    events, error = await collect_until_error(backend, ask())
    assert events == []
    assert (error.code, error.retryable) == ("llm-stream-cut", True)


async def test_cut_inside_a_tool_call_loses_the_call(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    # message_start, block start, "" fragment, '{"when"' | cut
    server.push(Reply(tools=[ToolCall("weather_get", ['{"when"', ': "now"}'])], cut_after=3))
    events, error = await collect_until_error(backend, ask())
    assert events == []
    assert error.code == "llm-stream-cut"


async def test_server_slower_than_the_timeout_is_unreachable(server: FakeAnthropic) -> None:
    server.push(Reply(text=["late"], delay_s=2.0))
    llm = AnthropicBackend(KEY, base_url=server.url, timeout_s=0.3)
    try:
        _, error = await collect_until_error(llm, ask())
    finally:
        await llm.aclose()
    assert (error.code, error.retryable) == ("llm-unreachable", True)
    assert "timed out" in str(error)


async def test_no_key_at_all_is_an_auth_error(server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    llm = AnthropicBackend("", base_url=server.url)
    try:
        _, error = await collect_until_error(llm, ask())
    finally:
        await llm.aclose()
    assert (error.code, error.retryable) == ("llm-auth", False)


async def test_nothing_listening_is_unreachable() -> None:
    llm = AnthropicBackend(KEY, base_url=f"http://127.0.0.1:{closed_port()}", timeout_s=1.0)
    try:
        _, error = await collect_until_error(llm, ask())
    finally:
        await llm.aclose()
    assert (error.code, error.retryable) == ("llm-unreachable", True)


# -- the key --------------------------------------------------------------------------------------


async def test_the_key_is_never_printed(
    server: FakeAnthropic, backend: AnthropicBackend, caplog: pytest.LogCaptureFixture
) -> None:
    assert KEY not in repr(backend) and KEY not in str(backend)
    caplog.set_level(logging.DEBUG)
    server.push(Reply(text=["Hi"]), Reply(status=429), Reply(status=529), Reply(text=["cut"], cut_after=3))
    await collect(backend, ask())
    errors = [(await collect_until_error(backend, ask()))[1] for _ in range(3)]
    for error in errors:
        for text in (str(error), repr(error), error.message):
            assert KEY not in text
        cause = error.__cause__
        assert cause is None or KEY not in str(cause)
    assert caplog.records  # the SDK did log at DEBUG ...
    assert KEY not in caplog.text  # ... and never the key


async def test_an_error_message_echoing_the_key_is_redacted(server: FakeAnthropic, backend: AnthropicBackend) -> None:
    server.push(Reply(status=400, error_message=f"key {KEY} is not allowed here"))
    _, error = await collect_until_error(backend, ask())
    assert KEY not in str(error)
    assert "key *** is not allowed here" in str(error)
    assert error.__cause__ is None  # the SDK's own exception quotes the key: not chained


# -- shared wire helpers ----------------------------------------------------------------------------


def test_sse_decoder_handles_any_split_and_the_spec_details() -> None:
    stream = (
        b': a comment\r\nevent: message_start\r\ndata: {"a":\r\ndata: 1}\r\n\r\n'
        b"data: plain\n\nevent: x\nid: 7\nretry: 10\ndata:no-space\n\n"
        b"event: unfinished\ndata: lost"
    )
    expected = [("message_start", '{"a":\n1}'), ("message", "plain"), ("x", "no-space")]
    for size in (1, 2, 5, len(stream)):
        decoder = wire.SseDecoder()
        got = [event for at in range(0, len(stream), size) for event in decoder.feed(stream[at : at + size])]
        assert got == expected, size


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", {}), ("  ", {}), ('{"a": 1}', {"a": 1}), ("[1]", None), ('{"a": ', None), ("null", None)],
)
def test_tool_arguments(raw: str, expected: object) -> None:
    assert wire.parse_arguments(raw) == expected


def test_redaction_leaves_short_placeholders_alone() -> None:
    assert wire.redact(f"bad key {KEY}!", KEY) == "bad key ***!"
    assert wire.redact("invalid x-api-key", "k") == "invalid x-api-key"

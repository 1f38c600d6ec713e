"""The generative tier through the household: classic first, the LLM for the rest, the same skills as tools.

The LLM is the real OpenAI SDK against a local server speaking the real streaming wire format.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from hark.config import Settings
from hark.household import Household
from hark.session import DeviceSession, TurnResult
from hark.store import Timer
from tests.fake_llm_servers import FakeOpenAI, Reply, ToolCall

KEY = "sk-test-key"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        yield fake


@pytest.fixture
async def home(
    settings: Settings, engines, server: FakeOpenAI, tmp_path: Path, no_leaked_tasks: None
) -> AsyncIterator[tuple[Household, DeviceSession]]:  # type: ignore[no-untyped-def]
    s = dataclasses.replace(settings, data_dir=tmp_path).replace(
        llm={
            "backend": "openai", "model": "test-model", "base_url": server.base_url, "api_key": KEY,
            "fallback": "classic", "filler_after_s": 0.0, "first_token_timeout_s": 1.0,
        }
    )  # fmt: skip
    household = await Household.open(s)
    assistant = DeviceSession(s, engines, household.brain(), journal=household.log_turn)
    try:
        yield household, assistant
    finally:
        await household.close()


def reply(r: TurnResult) -> str:
    assert r.reply is not None
    return r.reply.text


async def test_classic_first_then_the_llm_with_the_classic_turn_in_context(home, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    _, a = home
    r = await a.ask_text("what is 12 times 7", None)
    assert r.reply is not None and r.reply.brain == "classic" and "84" in reply(r)
    assert server.requests == []  # answered locally: the LLM was not asked
    server.push(Reply(text=["Because", " seven", " twelves", " make", " eighty-four."]))
    r = await a.ask_text("why is that", None)
    assert r.reply is not None and r.reply.brain == "generative"
    assert reply(r) == "Because seven twelves make eighty-four."
    body = server.requests[-1].body
    said = json.dumps(body["messages"])
    assert "what is 12 times 7" in said and "84" in said  # the LLM saw the classic turn
    assert {t["function"]["name"] for t in body["tools"]} >= {"timer_start", "list_add", "memory_remember"}


async def test_llm_calls_a_skill_as_a_tool(home, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    household, a = home
    server.push(
        Reply(tools=[ToolCall("timer_start", ['{"duration_s": 48', '0, "name": "pasta"}'])]),
        Reply(text=["Your pasta timer is running: eight minutes."]),
    )
    r = await a.ask_text("I'm cooking pasta, can you keep an eye on it for eight minutes", None)
    assert reply(r) == "Your pasta timer is running: eight minutes."
    assert r.reply is not None and [x.name for x in r.reply.actions] == ["timer_start"]
    async with household.db.transaction() as session:
        (timer,) = (await session.execute(select(Timer))).scalars().all()
    assert (timer.duration_s, timer.name) == (480, "pasta")
    tool_msg = [m for m in server.requests[1].body["messages"] if m["role"] == "tool"]
    assert len(tool_msg) == 1 and "pasta" in tool_msg[0]["content"].lower()


async def test_llm_down_gives_a_plain_answer_fast(home, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    _, a = home
    server.push(Reply(status=500), Reply(status=500))
    r = await a.ask_text("tell me about the roman empire", None)
    assert "unavailable" in reply(r).lower()
    assert r.reply is not None and r.reply.error is None  # an answer, not a crash


async def test_remember_and_recall_a_fact(home, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    household, a = home
    r = await a.ask_text("remember that my sister is called Ana", None)
    assert "remember" in reply(r).lower()
    assert [f.text for f in await household.memory.list("default", "default")] == ["my sister is called Ana"]
    server.push(Reply(text=["Your sister is Ana."]))
    await a.ask_text("what's my sister's name", None)
    assert "my sister is called Ana" in json.dumps(server.requests[-1].body["messages"])

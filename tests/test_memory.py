"""Long-term memory: the store, recall by word overlap, the memory tools and the brain's fast path."""

from __future__ import annotations

from pathlib import Path

import pytest

from hark.brain.base import Action, BrainRequest, TextDelta
from hark.brain.conversation import Conversation
from hark.brain.generative import GenerativeBrain
from hark.brain.memory import Memory, MemorySkill, keywords, second_person
from hark.brain.person import Person
from hark.config import LlmSettings
from hark.skills.base import SkillContext
from hark.skills.registry import SkillRegistry
from hark.store import Database
from tests.fake_llm import FakeLlm, text, tool, tools
from tests.storefakes import WEDNESDAY_10AM, schema_head, sqlite_url, store_url


def test_keywords_drop_stop_words_and_plurals() -> None:
    assert keywords("What's my sister's name?") == {"sister"}
    assert keywords("I live in Lyon with two cats") == {"live", "lyon", "two", "cat"}


def test_second_person() -> None:
    assert second_person("my sister is called Ana and I am tall") == "your sister is called Ana and you are tall"


async def test_remember_list_recall_forget_persist(tmp_path: Path) -> None:
    url = store_url(tmp_path / "hark.db")
    async with Database(url) as db:
        memory = Memory(db)
        await memory.remember("default", "default", "that my sister is called Ana.")
        await memory.remember("default", "default", "I live in Lyon")
        await memory.remember("default", "default", "My sister is called Ana")  # the same fact: kept once
        await memory.remember("default", "bob", "I like jazz")
    async with Database(url) as db:  # a new instance on the same file
        memory = Memory(db)
        assert [f.text for f in await memory.list("default", "default")] == [
            "my sister is called Ana",
            "I live in Lyon",
        ]
        assert [f.text for f in await memory.recall("default", "default", "what's my sister's name?")] == [
            "my sister is called Ana"
        ]
        assert [f.text for f in await memory.recall("default", "default", "where do I live?")] == ["I live in Lyon"]
        assert await memory.recall("default", "default", "what time is it?") == []
        assert await memory.recall("default", "bob", "sister") == []  # profiles are separate
        assert await memory.forget("default", "default", "my birthday") is None  # no overlap: nothing deleted
        forgotten = await memory.forget("default", "default", "that my sister is called Ana")
        assert forgotten is not None and forgotten.text == "my sister is called Ana"
    async with Database(url) as db:
        assert [f.text for f in await Memory(db).list("default", "default")] == ["I live in Lyon"]


async def test_recall_ranks_by_overlap_and_limits(tmp_path: Path) -> None:
    async with Database(store_url(tmp_path / "hark.db")) as db:
        memory = Memory(db)
        await memory.remember("default", "default", "my dog Rex likes walks")
        await memory.remember("default", "default", "my dog is called Rex")
        await memory.remember("default", "default", "my cat is called Tom")
        best = await memory.recall("default", "default", "what is my dog Rex called", limit=1)
        assert [f.text for f in best] == ["my dog is called Rex"]
        assert len(await memory.recall("default", "default", "dog rex cat", limit=5)) == 3


async def test_memory_tools_through_the_registry(tmp_path: Path) -> None:
    async with Database(store_url(tmp_path / "hark.db")) as db:
        registry = SkillRegistry([MemorySkill(Memory(db))])
        ctx = SkillContext(who=Person(member_id="ana"))
        saved = await registry.call("memory_remember", {"text": "my favourite colour is green"}, ctx)
        assert saved.speech == "Okay, I'll remember that your favourite colour is green."
        listed = await registry.call("memory_list", {}, ctx)
        assert listed.speech == "I remember that your favourite colour is green."
        assert listed.data["facts"] == ["my favourite colour is green"]
        gone = await registry.call("memory_forget", {"query": "favourite colour"}, ctx)
        assert gone.ok and "forgotten" in gone.speech
        assert (await registry.call("memory_list", {}, ctx)).speech == "I don't remember anything about you yet."
        missing = await registry.call("memory_forget", {"query": "favourite colour"}, ctx)
        assert not missing.ok


def _request(words: str, conversation: Conversation) -> BrainRequest:
    return BrainRequest(words, conversation, now=lambda: WEDNESDAY_10AM)


async def test_the_fast_path_needs_no_model(tmp_path: Path) -> None:
    async with Database(store_url(tmp_path / "hark.db")) as db:
        memory = Memory(db)
        llm = FakeLlm()  # no steps: any model call fails the test
        brain = GenerativeBrain(llm, SkillRegistry([MemorySkill(memory)]), memory, settings=LlmSettings())
        conversation = Conversation()

        async def ask(words: str) -> tuple[str, list[Action]]:
            parts = [p async for p in brain.respond(_request(words, conversation))]
            return "".join(p.text for p in parts if isinstance(p, TextDelta)), [
                p for p in parts if isinstance(p, Action)
            ]

        speech, acts = await ask("Remember that my sister is called Ana.")
        assert speech == "Okay, I'll remember that your sister is called Ana."
        assert acts == [Action("memory_remember", {"text": "my sister is called Ana"})]
        await ask("remember that I live in Lyon")
        speech, _ = await ask("What do you remember about me?")
        assert speech == "I remember that your sister is called Ana and that you live in Lyon."
        speech, acts = await ask("Forget that my sister is called Ana")
        assert speech == "Okay, I've forgotten that your sister is called Ana."
        assert [f.text for f in await memory.list("default", "default")] == ["I live in Lyon"]
        assert llm.requests == []


async def test_the_model_can_use_the_memory_tools(tmp_path: Path) -> None:
    async with Database(store_url(tmp_path / "hark.db")) as db:
        memory = Memory(db)
        llm = FakeLlm(
            [
                tools(tool("memory_remember", {"text": "my wife's birthday is on May 3rd"})),
                text("Got it, I'll remember that."),
                tools(tool("memory_list", {}, id="l1")),
                text("You told me your wife's birthday is on May 3rd."),
            ]
        )
        brain = GenerativeBrain(llm, SkillRegistry([MemorySkill(memory)]), memory, settings=LlmSettings())
        conversation = Conversation()
        first = [p async for p in brain.respond(_request("keep in mind my wife's birthday is May 3rd", conversation))]
        assert Action("memory_remember", {"text": "my wife's birthday is on May 3rd"}) in first
        [p async for p in brain.respond(_request("what do you know about my wife?", conversation))]
    async with Database(store_url(tmp_path / "hark.db")) as db:
        assert [f.text for f in await Memory(db).list("default", "default")] == ["my wife's birthday is on May 3rd"]
    listed = llm.requests[3].messages[-1].tool_results[0]
    assert "May 3rd" in listed.content and not listed.is_error
    assert "my wife's birthday is on May 3rd" in llm.requests[2].messages[-1].full_text()  # recalled for the model


@pytest.mark.sqlite_only("reads the SQLite file")
async def test_a_0001_database_is_upgraded_with_its_data_and_can_go_back(tmp_path: Path) -> None:
    import sqlite3

    from alembic import command
    from alembic.config import Config
    from sqlalchemy.engine import Connection

    from hark.store.db import MIGRATIONS

    def migrate(connection: Connection, target: str, down: bool = False) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)

    path = tmp_path / "hark.db"
    db = Database(sqlite_url(path))
    await db.open()
    async with db.engine.begin() as connection:
        await connection.run_sync(migrate, "0001", True)
    await db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert "facts" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    async with Database(sqlite_url(path)) as db:  # open() upgrades to head again
        await db.log_turn(device_id="kitchen", transcript="hi", reply="Hello.", brain="classic")
        await Memory(db).remember("default", "default", "I like tea")
        assert [f.text for f in await Memory(db).list("default", "default")] == ["I like tea"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(schema_head(),)]

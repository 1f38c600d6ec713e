"""The generative brain: streaming, the tool loop, confirmations, timeouts, fallback, filler, chat mode."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from hark.brain.base import Action, Answered, BrainRequest, Intent, ReplyPart, TextDelta
from hark.brain.chain import BrainChain
from hark.brain.confirm import Confirmations, parse_answer
from hark.brain.conversation import Conversation
from hark.brain.generative import (
    CHAT_GOODBYE,
    CHAT_OPENER,
    DECLINED,
    FALLBACK_FAILED,
    FALLBACK_PREFIX,
    FILLER,
    LOST_THREAD,
    MAX_MODEL_CALLS,
    REFUSAL,
    UNAVAILABLE,
    GenerativeBrain,
)
from hark.brain.memory import Memory, MemorySkill
from hark.brain.person import Person
from hark.brain.prompt import SYSTEM_PROMPT
from hark.config import LlmSettings
from hark.llm.base import Finished, LlmError, TextChunk
from hark.skills.base import SkillContext, SkillResult, Tool
from tests.fake_llm import FakeLlm, Step, text, tool, tools
from tests.storefakes import Stack, open_stack

FAST = LlmSettings(first_token_timeout_s=1.0, filler_after_s=0)


class FakeLock:
    """A dangerous tool, recording what ran."""

    name = "lock"

    def __init__(self) -> None:
        self.calls: list[tuple[Mapping[str, Any], bool]] = []

    @property
    def tools(self) -> tuple[Tool, ...]:
        schema = {
            "type": "object",
            "properties": {"name": {"type": "string"}, "locked": {"type": "boolean"}},
            "required": ["name", "locked"],
            "additionalProperties": False,
        }
        return (Tool("lock_set", "Lock or unlock a door", schema, dangerous=True),)

    def describe(self, tool: str, arguments: Mapping[str, Any]) -> str:
        return f"{'lock' if arguments['locked'] else 'unlock'} the {arguments['name']}"

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        self.calls.append((dict(arguments), ctx.confirmed))
        return SkillResult(f"The {arguments['name']} is {'locked' if arguments['locked'] else 'unlocked'}.")


@dataclasses.dataclass
class Rig:
    stack: Stack
    brain: GenerativeBrain
    llm: FakeLlm
    fallback: FakeLlm | None
    lock: FakeLock
    memory: Memory
    conversation: Conversation

    def request(self, words: str, profile: str = "default") -> BrainRequest:
        return BrainRequest(
            words, self.conversation, device_id="kitchen", who=Person(member_id=profile), now=self.stack.clock.now
        )

    async def ask(self, words: str, *, record: bool = True, profile: str = "default") -> list[ReplyPart]:
        parts = [p async for p in self.brain.respond(self.request(words, profile))]
        if record:  # as the pipeline does after each turn
            self.conversation.add(words, said(parts), "generative", "Generative")
        return parts


@contextlib.asynccontextmanager
async def rig(
    tmp_path: Path,
    *steps: Step | BaseException,
    settings: LlmSettings = FAST,
    fallback: list[Step | BaseException] | None = None,
    **kwargs: Any,
) -> AsyncIterator[Rig]:
    async with open_stack(tmp_path / "hark.db") as stack:
        memory = Memory(stack.db)
        lock = FakeLock()
        stack.registry.add(MemorySkill(memory))
        stack.registry.add(lock)
        llm = FakeLlm(steps, name="cloud", model="big-1")
        backup = FakeLlm(fallback, name="embedded", model="small-1") if fallback is not None else None
        brain = GenerativeBrain(llm, stack.registry, memory, settings=settings, fallback=backup, **kwargs)
        yield Rig(stack, brain, llm, backup, lock, memory, Conversation())


def said(parts: list[ReplyPart]) -> str:
    return "".join(p.text for p in parts if isinstance(p, TextDelta))


def deltas(parts: list[ReplyPart]) -> list[str]:
    return [p.text for p in parts if isinstance(p, TextDelta)]


def actions(parts: list[ReplyPart]) -> list[Action]:
    return [p for p in parts if isinstance(p, Action)]


# -- streaming ------------------------------------------------------------------------------------


async def test_text_streams_through_as_it_arrives(tmp_path: Path) -> None:
    chunks = ("Paris ", "is the ", "capital ", "of **France**. ", "It is ", "also its ", "largest ", "city.")
    async with rig(tmp_path, text(*chunks, delay=0.05)) as r:
        parts: list[ReplyPart] = []
        ended_at_first_delta: int | None = None
        async for part in r.brain.respond(r.request("What is the capital of France?")):
            if isinstance(part, TextDelta) and ended_at_first_delta is None:
                ended_at_first_delta = len(r.llm.ended)
            parts.append(part)
    assert parts[0] == Intent("Generative", {"backend": "cloud", "model": "big-1"})
    assert ended_at_first_delta == 0, "the first words must be passed on before the model finishes"
    assert len(deltas(parts)) >= 3
    assert said(parts) == "Paris is the capital of France. It is also its largest city."


async def test_a_brain_chain_takes_the_generative_answer(tmp_path: Path) -> None:
    async with rig(tmp_path, text("Hello there.")) as r:
        chain = BrainChain([r.brain])
        parts = [p async for p in chain.respond(r.request("hi"))]
    assert said(parts) == "Hello there."
    assert parts[0] == Answered("generative")


# -- the request ----------------------------------------------------------------------------------


async def test_the_request_has_a_fixed_system_prompt_tools_history_and_context(tmp_path: Path) -> None:
    async with rig(tmp_path, text("First."), text("Second.")) as r:
        r.conversation.add("set a timer for 5 minutes", "5 minute timer started.", "classic", "HassStartTimer")
        await r.ask("how are you")
        await r.ask("and now?")
    first, second = r.llm.requests
    assert first.system == second.system == SYSTEM_PROMPT  # byte-identical: cacheable
    assert first.tools == second.tools
    assert "2025" not in first.system and "10:00" not in first.system
    names = {t.name for t in first.tools}
    assert {"timer_start", "memory_remember", "memory_forget", "memory_list", "lock_set"} <= names
    roles = [(m.role, m.text) for m in second.messages]
    assert roles == [
        ("user", "set a timer for 5 minutes"),
        ("assistant", "5 minute timer started."),  # the classic turn is seen by the model
        ("user", "how are you"),
        ("assistant", "First."),
        ("user", "and now?"),
    ]
    # The time rides on the newest message only: the history is the same on the next turn (cacheable).
    assert [m.context for m in second.messages[:-1]] == [()] * 4
    (note,) = second.messages[-1].context
    assert note.startswith("[Context note") and "Wednesday 12 March 2025, 10:00" in note
    assert first.messages[:2] == second.messages[:2] and first.messages[-1].text == second.messages[2].text
    assert first.max_tokens == FAST.max_tokens


async def test_prepare_sends_the_request_without_the_words(tmp_path: Path) -> None:
    async with rig(tmp_path, text("Fine, thanks.")) as r:
        await r.brain.prepare(r.request(""))
        await r.ask("how are you")
    (prepared,) = r.llm.prepared
    (asked,) = r.llm.requests
    assert prepared.system == asked.system and prepared.tools == asked.tools
    (ahead,) = prepared.messages
    assert ahead.role == "user" and ahead.text == "" and ahead.context == asked.messages[-1].context
    assert asked.messages[-1].text == "how are you"


async def test_recalled_facts_are_in_the_request(tmp_path: Path) -> None:
    async with rig(tmp_path, text("Your sister is Ana.")) as r:
        await r.memory.remember("default", "default", "my sister is called Ana")
        await r.memory.remember("default", "default", "I live in Lyon")
        await r.ask("what's my sister's name?")
    first = r.llm.requests[0].messages[0].full_text()
    assert "my sister is called Ana" in first and first.endswith("what's my sister's name?")
    assert "Lyon" not in first  # not relevant to the question
    assert r.llm.requests[0].system == SYSTEM_PROMPT


async def test_prepare_with_likely_words_sends_them_with_their_facts_and_skips_fast_paths(tmp_path: Path) -> None:
    async with rig(tmp_path, text("Ana.")) as r:
        await r.memory.remember("default", "default", "my sister is called Ana")
        await r.brain.prepare(r.request("what's my sister's name?"))
        await r.brain.prepare(r.request("Remember that I like tea"))  # a fast path: no model
        await r.brain.prepare(r.request("let's chat"))
        await r.ask("what's my sister's name?")
    (prepared,) = r.llm.prepared
    (asked,) = r.llm.requests
    assert prepared.messages == asked.messages  # the final words were the likely ones: nothing left but the reply
    assert "my sister is called Ana" in prepared.messages[-1].full_text()


async def test_a_chain_prepares_the_llm_only_for_words_no_earlier_brain_claims(tmp_path: Path) -> None:
    class Timers:
        name = "classic"

        def claims(self, request: BrainRequest) -> bool:
            return "timer" in request.text

        async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
            yield TextDelta("Timer set.")

    async with rig(tmp_path) as r:
        chain = BrainChain([Timers(), r.brain])
        await chain.prepare(r.request(""))  # listening began: the words are unknown
        await chain.prepare(r.request("set a timer for 5 minutes"))  # the classic brain's
        await chain.prepare(r.request("why is the sky blue"))
    assert [m.messages[-1].text for m in r.llm.prepared] == ["", "why is the sky blue"]


async def test_each_profile_has_its_own_memory(tmp_path: Path) -> None:
    async with rig(tmp_path, text("I don't know."), text("Ana.")) as r:
        said_back = said(await r.ask("Remember that my sister is called Ana", profile="sam"))
        await r.ask("what's my sister's name?", profile="kid")
        await r.ask("what's my sister's name?", profile="sam")
        listed = said(await r.ask("what do you remember about me?", profile="kid"))
        assert [f.text for f in await r.memory.list("default", "sam")] == ["my sister is called Ana"]
        assert await r.memory.list("default", "kid") == []
    assert "Ana" in said_back
    kid, sam = r.llm.requests
    assert "Ana" not in kid.messages[-1].full_text()  # another person's facts are not recalled
    assert "my sister is called Ana" in sam.messages[-1].full_text()
    assert "Ana" not in listed


# -- tools ----------------------------------------------------------------------------------------


async def test_a_tool_round_trip_runs_the_real_timer_and_returns_the_result(tmp_path: Path) -> None:
    async with rig(
        tmp_path,
        tools(tool("timer_start", {"duration_s": 300, "name": "pasta"}, id="t1"), say="Sure"),
        text("Your pasta timer is set for 5 minutes."),
    ) as r:
        parts = await r.ask("set a pasta timer for five minutes")
        status = await r.stack.call("timer_status", name="pasta")
    assert actions(parts) == [Action("timer_start", {"duration_s": 300, "name": "pasta"})]
    assert said(parts) == "Sure. Your pasta timer is set for 5 minutes."
    assert "pasta" in status.speech and status.ok
    second = r.llm.requests[1]
    assistant, results = second.messages[-2], second.messages[-1]
    assert assistant.role == "assistant" and assistant.text == "Sure"
    assert [u.name for u in assistant.tool_uses] == ["timer_start"]
    assert results.role == "tool" and results.tool_results[0].tool_use_id == "t1"
    assert not results.tool_results[0].is_error
    assert json.loads(results.tool_results[0].content)["ok"] is True


async def test_malformed_and_invalid_tool_calls_are_answered_with_errors_and_not_run(tmp_path: Path) -> None:
    async with rig(
        tmp_path,
        tools(
            tool("timer_start", None, id="bad-json", raw='{"duration_s": 3'),
            tool("timer_start", {"duration_s": -5}, id="bad-args"),
            tool("launch_rockets", {}, id="unknown"),
        ),
        text("Sorry, how long should the timer be?"),
    ) as r:
        parts = await r.ask("set a timer")
        status = await r.stack.call("timer_status")
    assert actions(parts) == []
    results = r.llm.requests[1].messages[-1].tool_results
    assert [x.tool_use_id for x in results] == ["bad-json", "bad-args", "unknown"]
    assert all(x.is_error for x in results)
    assert "not valid JSON" in results[0].content and "minimum" in results[1].content
    assert "no tool called" in results[2].content
    assert status.data["timers"] == []
    assert said(parts) == "Sorry, how long should the timer be?"


async def test_a_dangerous_tool_asks_first_and_yes_runs_it(tmp_path: Path) -> None:
    unlock = tool("lock_set", {"name": "front door", "locked": False}, id="u1")
    async with rig(tmp_path, tools(unlock)) as r:
        asked = await r.ask("unlock the front door")
        assert said(asked) == "Do you really want to unlock the front door?"
        assert r.lock.calls == [] and actions(asked) == []
        done = await r.ask("Yes, please.")  # no model call: the fake has no step left
    assert r.lock.calls == [({"name": "front door", "locked": False}, True)]
    assert actions(done) == [Action("lock_set", {"name": "front door", "locked": False})]
    assert said(done) == "The front door is unlocked."
    assert len(r.llm.requests) == 1


async def test_no_or_anything_else_drops_the_pending_action(tmp_path: Path) -> None:
    unlock = tool("lock_set", {"name": "front door", "locked": False}, id="u1")
    async with rig(tmp_path, tools(unlock), tools(unlock), text("It's sunny."), text("Okay.")) as r:
        await r.ask("unlock the front door")
        assert said(await r.ask("no")) == DECLINED
        await r.ask("unlock the front door")
        await r.ask("what's the weather?")  # not an answer: dropped
        assert said(await r.ask("yes")) == "Okay."  # goes to the model, runs nothing
    assert r.lock.calls == []


async def test_a_shared_store_sees_the_generative_brains_question(tmp_path: Path) -> None:
    store = Confirmations()
    unlock = tool("lock_set", {"name": "garage", "locked": False}, id="u1")
    async with rig(tmp_path, tools(unlock), confirmations=store) as r:
        await r.ask("open the garage")
        assert store.owner(r.conversation.id) == "generative"
        pending = store.peek(r.conversation.id)
        assert pending is not None and pending.call.tool == "lock_set"


def test_parse_answer() -> None:
    assert parse_answer("Yes, please.") == "yes"
    assert parse_answer("sure, go ahead") is None or parse_answer("go ahead") == "yes"
    assert parse_answer("yeah do it") == "yes"
    assert parse_answer("No thanks") == "no"
    assert parse_answer("don't") == "no"
    assert parse_answer("yes and also turn on the kitchen lights please") is None
    assert parse_answer("what's the weather") is None


async def test_after_four_model_calls_the_tools_speak_for_themselves(tmp_path: Path) -> None:
    steps = [tools(tool("timer_start", {"duration_s": 60 * (i + 1)}, id=f"t{i}")) for i in range(MAX_MODEL_CALLS)]
    async with rig(tmp_path, *steps) as r:
        parts = await r.ask("set lots of timers")
    assert len(r.llm.requests) == MAX_MODEL_CALLS
    assert len(actions(parts)) == MAX_MODEL_CALLS
    assert "4 minute" in said(parts)


# -- failures -------------------------------------------------------------------------------------


async def test_a_slow_first_token_falls_back_quickly_and_honestly(tmp_path: Path) -> None:
    settings = LlmSettings(first_token_timeout_s=0.3, filler_after_s=0)
    fallback: list[Step | BaseException] = [text("Because air scatters blue light.")]
    async with rig(tmp_path, text("Too late.", first_delay=30), settings=settings, fallback=fallback) as r:
        start = time.monotonic()
        parts = await r.ask("why is the sky blue?")  # (arithmetic would not reach a model: the calculator says it)
        elapsed = time.monotonic() - start
    assert said(parts) == FALLBACK_PREFIX + "Because air scatters blue light."
    assert elapsed < 0.3 + 0.7
    assert r.llm.cancelled == 1  # the slow stream was closed, not left running
    assert r.fallback is not None and r.fallback.requests[0].messages == r.llm.requests[0].messages


async def test_an_llm_error_falls_back(tmp_path: Path) -> None:
    error = LlmError("overloaded", code="llm-overloaded", retryable=True)
    async with rig(tmp_path, error, fallback=[text("Here you go.")]) as r:
        parts = await r.ask("tell me a joke")
    assert said(parts) == FALLBACK_PREFIX + "Here you go."


async def test_without_a_fallback_the_apology_is_plain(tmp_path: Path) -> None:
    async with rig(tmp_path, LlmError("unreachable")) as r:
        parts = await r.ask("tell me a joke")
    assert said(parts) == UNAVAILABLE


async def test_when_the_fallback_fails_too_it_says_so(tmp_path: Path) -> None:
    async with rig(tmp_path, LlmError("down"), fallback=[LlmError("no model")]) as r:
        parts = await r.ask("tell me a joke")
    assert said(parts) == FALLBACK_PREFIX + FALLBACK_FAILED


async def test_a_stream_cut_before_any_text_falls_back(tmp_path: Path) -> None:
    async with rig(tmp_path, Step([]), fallback=[text("Fine.")]) as r:
        parts = await r.ask("hello")
    assert said(parts) == FALLBACK_PREFIX + "Fine."


async def test_a_stream_cut_after_some_text_ends_gracefully(tmp_path: Path) -> None:
    cut = Step([TextChunk("The answer is "), TextChunk("forty")], error=LlmError("connection reset"))
    async with rig(tmp_path, cut, fallback=[]) as r:
        parts = await r.ask("what is the answer?")
    assert said(parts) == "The answer is forty. " + LOST_THREAD
    assert r.fallback is not None and r.fallback.requests == []  # nothing repeated


async def test_a_failure_after_a_tool_ran_speaks_the_tools_result(tmp_path: Path) -> None:
    steps: list[Step | BaseException] = [
        tools(tool("timer_start", {"duration_s": 120}, id="t1")),
        LlmError("overloaded"),
    ]
    async with rig(tmp_path, *steps, fallback=[]) as r:
        parts = await r.ask("two minute timer")
    assert actions(parts) == [Action("timer_start", {"duration_s": 120})]
    assert "2 minute" in said(parts)


async def test_a_refusal_gets_a_polite_answer(tmp_path: Path) -> None:
    async with rig(tmp_path, Step([Finished("refusal")])) as r:
        parts = await r.ask("something bad")
    assert said(parts) == REFUSAL


# -- filler ---------------------------------------------------------------------------------------


async def test_a_slow_answer_gets_one_filler_as_its_own_sentence(tmp_path: Path) -> None:
    settings = LlmSettings(first_token_timeout_s=2.0, filler_after_s=0.1)
    async with rig(tmp_path, text("Here it is.", first_delay=0.35), settings=settings) as r:
        parts = await r.ask("explain something")
    assert deltas(parts)[0] == FILLER and deltas(parts).count(FILLER) == 1
    assert said(parts) == FILLER + "Here it is."
    assert FILLER.endswith(". ")  # its own segment for the TTS


async def test_a_fast_answer_gets_no_filler(tmp_path: Path) -> None:
    settings = LlmSettings(first_token_timeout_s=2.0, filler_after_s=0.3)
    async with rig(tmp_path, text("Quick.", first_delay=0.02), settings=settings) as r:
        parts = await r.ask("quick one")
    assert said(parts) == "Quick." and FILLER not in deltas(parts)


async def test_filler_then_timeout_then_fallback(tmp_path: Path) -> None:
    settings = LlmSettings(first_token_timeout_s=0.3, filler_after_s=0.1)
    async with rig(tmp_path, text("late", first_delay=30), settings=settings, fallback=[text("Local.")]) as r:
        parts = await r.ask("hmm")
    assert deltas(parts)[:2] == [FILLER, FALLBACK_PREFIX]
    assert said(parts).endswith("Local.")


# -- chat mode ------------------------------------------------------------------------------------


async def test_chat_mode_starts_and_ends_with_actions(tmp_path: Path) -> None:
    async with rig(tmp_path, text("Space is big. What do you like about it?"), text("Bye is a word.")) as r:
        start = await r.ask("Let's chat!")
        assert actions(start) == [Action("chat_mode", {"on": True})] and said(start) == CHAT_OPENER
        assert r.conversation.chatting and r.llm.requests == []
        await r.ask("tell me about space")
        assert "relaxed chat" in r.llm.requests[0].messages[-1].context[0]
        end = await r.ask("Goodbye.")
        assert actions(end) == [Action("chat_mode", {"on": False})] and said(end) == CHAT_GOODBYE
        assert not r.conversation.chatting
        outside = await r.ask("bye")  # not chatting: an ordinary question for the model
    assert actions(outside) == [] and said(outside) == "Bye is a word."


async def test_other_conversations_are_not_in_chat_mode(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.ask("let's talk")
        assert r.conversation.chatting  # the mode travels with the conversation, never on the shared brain
        assert not Conversation().chatting
        other = [p async for p in r.brain.respond(BrainRequest("stop", Conversation()))]
        assert actions(other) == [] and r.conversation.chatting  # another conversation's "stop" ends nothing here


async def test_warm_passes_the_fixed_prefix_to_both_backends(tmp_path: Path) -> None:
    async with rig(tmp_path, fallback=[]) as r:
        await r.brain.warm()
    assert r.llm.warmed[0].system == SYSTEM_PROMPT and r.llm.warmed[0].tools
    assert r.fallback is not None and r.fallback.warmed[0] == r.llm.warmed[0]


@pytest.mark.parametrize("stop", ["end_turn", "max_tokens"])
async def test_an_empty_answer_is_not_silence(tmp_path: Path, stop: str) -> None:
    async with rig(tmp_path, Step([Finished(stop)])) as r:
        parts = await r.ask("...")
    assert said(parts)


async def test_closing_the_reply_early_closes_the_model_stream(tmp_path: Path) -> None:
    async with rig(tmp_path, text("One. ", "Two. ", "Three.", delay=0.2)) as r:
        stream = r.brain.respond(r.request("count"))
        async for part in stream:
            if isinstance(part, TextDelta):
                break  # barge-in: the pipeline stops reading
        await stream.aclose()  # type: ignore[attr-defined]
        assert len(r.llm.ended) == 1  # closed now, not when garbage collected


async def test_the_chat_gate_ends_chat_mode_before_the_classic_brain_hears_stop(tmp_path: Path) -> None:
    from hark.brain.base import Unhandled
    from hark.brain.router import ChatGate

    class ClassicStop:
        name = "classic"

        async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
            if request.text.lower().strip(".!") == "stop":
                yield TextDelta("Okay.")
            else:
                yield Unhandled()

    async with rig(tmp_path, text("Sure.")) as r:
        chain = BrainChain([ChatGate(r.brain), ClassicStop(), r.brain])
        start = [p async for p in chain.respond(r.request("let's chat"))]
        assert actions(start) == [Action("chat_mode", {"on": True})] and Answered("chat") in start
        middle = [p async for p in chain.respond(r.request("tell me something"))]
        assert said(middle) == "Sure." and Answered("generative") in middle
        end = [p async for p in chain.respond(r.request("Stop."))]
        assert actions(end) == [Action("chat_mode", {"on": False})] and said(end) == CHAT_GOODBYE
        again = [p async for p in chain.respond(r.request("stop"))]
        assert said(again) == "Okay." and Answered("classic") in again

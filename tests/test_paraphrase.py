"""The independent paraphrase corpus (bench/intent_corpus/en_paraphrase.tsv) through the classic brain.

Every line goes through the real chain of classic-only mode (``llm.backend = "off"``): the
classic brain (recogniser, readings, mapping, tool registry with each skill's real tool
schemas) and the honest end of the chain, with no smart home configured. The skills record
their calls instead of acting. Thresholds: at least 95 % of the commands reach the right
skill, no action of another skill, no action (and no "no smart home" answer) on a must-not-act
line, and every command not understood gets the honest fallback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from bench.intents import CORPUS_DIR, FALLBACK, NOW, Row, classic_skills, held_out, load_rows, tool_skills
from hark.brain import BrainChain, BrainRequest, Conversation, NotYetBrain
from hark.brain.base import Action, Intent, TextDelta
from hark.brain.classic import ClassicBrain
from hark.brain.understand import IntentUnderstanding
from hark.nlu import IntentRecognizer
from hark.nlu.spoken import tidy
from hark.skills.base import Skill, SkillContext, SkillResult, Tool
from hark.skills.registry import SkillRegistry

NO_SMART_HOME = "No smart home is connected yet."


class Recording:
    """A skill with another skill's name and tools (their real schemas) that records each call."""

    def __init__(self, skill: Skill) -> None:
        self.name = skill.name
        self._tools = skill.tools
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @property
    def tools(self) -> tuple[Tool, ...]:
        return self._tools

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        self.calls.append((tool, dict(arguments)))
        return SkillResult(speech=f"<{tool}>")


def recording_skills(*, smart_home: bool = False) -> list[Recording]:
    return [Recording(s) for s in classic_skills(smart_home=smart_home)]


async def _not_ringing(device_id: str) -> bool:
    return False


@pytest.fixture(scope="module")
def recognizer() -> IntentRecognizer:
    return IntentRecognizer("en")


def classic_only(recognizer: IntentRecognizer, *, smart_home: bool = False) -> BrainChain:
    """The brain chain of classic-only mode, over recording skills."""
    registry = SkillRegistry(recording_skills(smart_home=smart_home))
    classic = ClassicBrain(IntentUnderstanding(recognizer), registry, stop_ringing=_not_ringing)
    return BrainChain([classic, NotYetBrain()])


async def ask(chain: BrainChain, text: str, now: dt.datetime = NOW) -> tuple[str, dict[str, Any], str]:
    """``(what was done, its arguments, the reply)``: a tool, ``brain:<command>`` or ``none``."""
    parts = [p async for p in chain.respond(BrainRequest(text, Conversation(), now=lambda: now))]
    reply = "".join(p.text for p in parts if isinstance(p, TextDelta))
    intents = [p.name for p in parts if isinstance(p, Intent)]
    for part in parts:
        if isinstance(part, Action):
            return ("brain:stop" if part.name == "stop" else part.name), dict(part.arguments), reply
    if "HarkYes" in intents or "HarkNo" in intents:
        return ("brain:yes" if "HarkYes" in intents else "brain:no"), {}, reply
    return "none", {}, reply


@pytest.fixture(scope="module")
async def outcomes(recognizer: IntentRecognizer) -> list[tuple[Row, str, dict[str, Any], str]]:
    chain = classic_only(recognizer)
    return [(row, *(await ask(chain, row.sentence))) for row in load_rows(CORPUS_DIR / "en_paraphrase.tsv")]


def test_corpus_is_large_and_varied() -> None:
    rows = load_rows(CORPUS_DIR / "en_paraphrase.tsv")
    commands = [r for r in rows if r.tool != "none"]
    assert len(commands) >= 1000 and len(rows) - len(commands) >= 150
    skills = tool_skills()
    assert {skills[r.tool] for r in commands} == set(skills.values())  # every classic skill
    assert len({r.style for r in rows}) >= 10
    assert len({r.sentence.lower() for r in rows}) == len(rows)
    assert 0.15 <= sum(held_out(r.sentence) for r in rows) / len(rows) <= 0.25


def test_right_skill_and_never_a_wrong_action(outcomes: list[tuple[Row, str, dict[str, Any], str]]) -> None:
    skills = tool_skills()
    commands = [o for o in outcomes if o[0].tool != "none"]
    right = 0
    wrong = []
    for row, got, arguments, reply in commands:
        expected = skills[row.tool]
        if got != "none":
            if skills[got] == expected:
                right += 1
            else:
                wrong.append((row.sentence, row.tool, got, arguments))
        elif expected == "smarthome" and reply.startswith(NO_SMART_HOME):
            right += 1  # understood; with no home the right answer is to say so
    assert wrong == []
    assert right / len(commands) >= 0.95, f"right skill {right / len(commands):.1%}"


def test_must_not_act_lines_are_passed_on(outcomes: list[tuple[Row, str, dict[str, Any], str]]) -> None:
    acted = [(row.sentence, got, reply) for row, got, _, reply in outcomes if row.tool == "none" and reply != FALLBACK]
    assert acted == []


def test_what_is_not_understood_gets_the_honest_answer(outcomes: list[tuple[Row, str, dict[str, Any], str]]) -> None:
    for row, got, _, reply in outcomes:
        if got == "none" and row.tool not in ("none", "brain:yes", "brain:no"):
            assert reply in (FALLBACK, f"{NO_SMART_HOME} Add Home Assistant or MQTT devices to Hark's config."), (
                row.sentence,
                reply,
            )


def test_arguments_of_the_right_tool(outcomes: list[tuple[Row, str, dict[str, Any], str]]) -> None:
    right = [(row, arguments) for row, got, arguments, _ in outcomes if got == row.tool]
    ok = sum(all(arguments.get(k) == v for k, v in row.args.items()) for row, arguments in right)
    assert ok / len(right) >= 0.98


@pytest.mark.parametrize(
    "text",
    [
        "set the thermostat to 21 degrees",
        "set the heating to twenty and a half degrees",
        "switch off everything upstairs",
        "turn off all the lights",
        "lock the front door",
        "turn on the coffee machine",
        "activate the movie night scene",
        "close the blinds",
        "dim the lights",
    ],
)
async def test_smart_home_without_a_home_says_so(recognizer: IntentRecognizer, text: str) -> None:
    got, _, reply = await ask(classic_only(recognizer), text)
    assert got == "none" and reply.startswith(NO_SMART_HOME)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what day is it today", ("date_today", {})),
        ("how many ounces in a kilo", ("convert_units", {"value": 1, "from_unit": "kilo", "to_unit": "ounces"})),
        ("um set a timer for uh ten minutes", ("timer_start", {"duration_s": 600})),
        ("would you mind adding butter to my grocery list", ("list_add", {"list": "shopping", "item": "butter"})),
        ("I need to remember to call mum at five", ("reminder_set", {"text": "call mum", "at": "2025-03-14T17:00:00"})),
        ("how long till my pasta is done", ("timer_status", {"name": "pasta"})),
    ],
)
async def test_issue_examples(recognizer: IntentRecognizer, text: str, expected: tuple[str, dict[str, Any]]) -> None:
    got, arguments, _ = await ask(classic_only(recognizer), text)
    assert (got, arguments) == expected


async def test_with_a_home_an_unknown_device_is_passed_on(recognizer: IntentRecognizer) -> None:
    chain = classic_only(recognizer, smart_home=True)
    # a name the home may not have: the next brain (here the honest end) decides, nothing is guessed
    assert await ask(chain, "lock the front door") == ("none", {}, FALLBACK)
    # what is understood without a device name reaches the smart home skill
    got, arguments, _ = await ask(chain, "set the thermostat to 21 degrees")
    assert (got, arguments) == ("climate_set", {"temperature": 21})
    got, arguments, _ = await ask(chain, "switch off everything upstairs")
    assert (got, arguments) == ("device_turn_off", {"floor": "upstairs", "domain": "all"})


@pytest.mark.parametrize(
    "text",
    [
        "In 5 minutes, turn off the lights.",
        "When I get home, turn on the heating.",
        "If it rains tomorrow, close the blinds.",
        "Tomorrow at 7, set the thermostat to 20 degrees.",
        "lock the door behind you when you leave, that's what my dad always said",
        "Don't turn off the lights.",
    ],
)
async def test_a_later_or_conditional_request_is_not_done_now(recognizer: IntentRecognizer, text: str) -> None:
    chain = classic_only(recognizer, smart_home=True)
    assert await ask(chain, text) == ("none", {}, FALLBACK)


@pytest.mark.parametrize(
    ("text", "tidied"),
    [
        ("um set a timer for uh ten minutes", "set a timer for ten minutes"),
        ("uh can you start a timer for like 2 minutes", "start a timer for 2 minutes"),
        ("would you mind adding butter to my grocery list", "add butter to my grocery list"),
        ("Would you be so kind as to set a timer for thirty minutes", "set a timer for thirty minutes"),
        ("Could you tell me what day it is, please?", "what day is it"),
        ("yo what's the weather like", "what's the weather like"),
        ("what's the weather like today", "what's the weather like today"),  # "like" is no hedge here
        ("hello", "hello"),
    ],
)
def test_tidy(text: str, tidied: str) -> None:
    assert tidy(text) == tidied

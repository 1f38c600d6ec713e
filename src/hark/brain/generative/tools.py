"""The generative brain's hands: skills run as tools, facts from the skills that know them, the
memory fast paths, and a confirmed action. Functions of what they use, no brain state."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncGenerator, Sequence
from typing import Any

from ...errors import HarkError
from ...llm.base import ToolCallChunk, ToolResult
from ...nlu.types import ToolCall
from ...skills.base import Skill, SkillContext, SkillResult, ToolArgumentError, ToolRefusedError
from ...skills.calc import CalcSkill
from ...skills.clock import ClockSkill
from ...skills.registry import SkillRegistry, ToolPolicy
from ..base import Action, BrainRequest, Failure, ReplyPart, TextDelta
from ..confirm import Confirmations, PendingConfirmation
from ..honesty import CANT_LOOK_UP, FactRoute, say_date
from ..memory import Memory, forget, list_facts, remember
from ..speakable import speakable
from .turn import ToolOutcome

log = logging.getLogger(__name__)


class _RequestClock(ClockSkill):
    """The clock skill on the request's own clock (``BrainRequest.now``), for when no clock skill
    was given: the date and time then come from the same clock as the time note."""

    def _now(self, ctx: SkillContext) -> dt.datetime:
        return ctx.now()


BUILTIN_FACT_SKILLS: tuple[Skill, ...] = (_RequestClock(), CalcSkill())
"""Stateless skills that answer Hark's facts when neither registry has them."""


def skill_context(request: BrainRequest, *, confirmed: bool = False) -> SkillContext:
    return SkillContext(
        who=request.who,
        device_id=request.device_id,
        language=request.language,
        now=request.now,
        confirmed=confirmed,
    )


async def fact(
    route: FactRoute, request: BrainRequest, registries: Sequence[SkillRegistry | None]
) -> SkillResult | None:
    """Run the tool that knows the fact (the first registry that has it, else a built-in clock
    and calculator); None when no skill here offers it."""
    ctx = skill_context(request)
    skills: list[SkillRegistry | Skill] = [r for r in registries if r is not None and r.has(route.tool)]
    skills += [s for s in BUILTIN_FACT_SKILLS if any(t.name == route.tool for t in s.tools)]
    for skill in skills[:1]:
        try:
            return await skill.call(route.tool, route.arguments, ctx)
        except HarkError as exc:
            return SkillResult(exc.message, ok=False)
    return None


def fact_speech(route: FactRoute, result: SkillResult) -> str:
    speech = say_date(route, result.speech, result.data) if route.kind == "date" and result.ok else result.speech
    return speakable(speech)


async def answer_fact(
    route: FactRoute, request: BrainRequest, registries: Sequence[SkillRegistry | None]
) -> AsyncGenerator[ReplyPart, None]:
    result = await fact(route, request, registries)
    if result is None:
        yield TextDelta(CANT_LOOK_UP)
        return
    if result.ok:
        yield Action(route.tool, dict(route.arguments))
    yield TextDelta(fact_speech(route, result))


async def memory_command(
    memory: Memory, request: BrainRequest, tool: str, argument: str, policy: ToolPolicy | None = None
) -> AsyncGenerator[ReplyPart, None]:
    """ "Remember that ...", "forget ...", "what do you remember": no model needed (``policy``:
    the same check a tool call passes)."""
    if policy is not None:
        arguments_of = {"memory_remember": {"text": argument}, "memory_forget": {"query": argument}}
        refusal = policy(tool, arguments_of.get(tool, {}), skill_context(request))
        if refusal is not None:
            yield TextDelta(refusal)
            return
    try:
        if tool == "memory_remember":
            result = await remember(memory, request.household_id, request.profile, argument)
            arguments: dict[str, Any] = {"text": argument}
        elif tool == "memory_forget":
            result = await forget(memory, request.household_id, request.profile, argument)
            arguments = {"query": argument}
        else:
            result = await list_facts(memory, request.household_id, request.profile)
            arguments = {}
    except HarkError as exc:
        yield TextDelta("Sorry, I couldn't reach my memory just now.")
        yield Failure(exc.code, f"memory: {exc}")
        return
    if result.ok:
        yield Action(tool, arguments)
    yield TextDelta(result.speech)


async def run_confirmed(
    registry: SkillRegistry, pending: PendingConfirmation, request: BrainRequest
) -> AsyncGenerator[ReplyPart, None]:
    """The user said yes: run the parked call."""
    try:
        result = await registry.call(pending.call.tool, pending.call.arguments, skill_context(request, confirmed=True))
    except HarkError as exc:
        yield TextDelta(exc.message if exc.code != "storage-failed" else "Sorry, I couldn't save that.")
        return
    if result.ok:
        yield Action(pending.call.tool, dict(pending.call.arguments))
    yield TextDelta(speakable(result.speech))


async def call_tool(
    call: ToolCallChunk,
    request: BrainRequest,
    *,
    registry: SkillRegistry,
    confirmations: Confirmations,
    confirm_dangerous: bool,
    ask: bool,
    brain: str,
) -> ToolOutcome:
    """Run one tool call the model made, or explain to the model why it was not run."""

    def refused(content: str) -> ToolOutcome:
        return ToolOutcome(ToolResult(call.id, content, is_error=True))

    if call.arguments is None:
        raw = call.raw[:300]
        return refused(
            f"Not run: the arguments of {call.name} were not valid JSON ({raw!r}). "
            "Call it again with a JSON object that matches its schema."
        )
    if not registry.has(call.name):
        return refused(f"Not run: there is no tool called {call.name!r}. Use an offered tool or just answer.")
    ctx = skill_context(request, confirmed=not confirm_dangerous)
    try:
        result = await registry.call(call.name, call.arguments, ctx)
    except ToolArgumentError as exc:
        return refused(f"Not run: {exc.message}. Fix the arguments or ask the user for what is missing.")
    except ToolRefusedError as exc:
        return refused(f"Not run: not allowed for this user. Tell them kindly, in your own words: {exc.message}")
    except HarkError as exc:
        return refused(f"The tool failed: {exc.message}")
    except Exception:  # a skill's bug must not end the turn in silence
        log.exception("tool %s raised", call.name)
        return refused("The tool failed unexpectedly; nothing may have been done. Apologise briefly.")
    if result.needs_confirmation:
        if not ask:
            return refused("Not run: only one action that needs confirmation can wait at a time.")
        confirmations.ask(
            request.conversation.id,
            ToolCall(call.name, dict(call.arguments)),
            result.needs_confirmation,
            intent="Generative",
            brain=brain,
        )
        return ToolOutcome(
            ToolResult(call.id, f"Not run yet: the user was asked {result.needs_confirmation!r}."),
            question=result.needs_confirmation,
        )
    content = json.dumps(
        {"ok": result.ok, "result": result.speech, "data": dict(result.data)}, default=str, ensure_ascii=False
    )
    action = Action(call.name, dict(call.arguments)) if result.ok else None
    return ToolOutcome(ToolResult(call.id, content), action=action, speech=result.speech)

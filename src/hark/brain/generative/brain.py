"""The generative brain: a language model with Hark's skills as tools, spoken as it streams.

Per request it sends a fixed system prompt (:mod:`hark.brain.prompt`, cacheable),
the conversation's recent turns (classic answers included, so the model knows
what was just said and done), a context note with the local time and recalled
facts, and the user's words; every skill tool is offered. Then it runs the tool
loop: model -> tools -> model, at most :data:`MAX_MODEL_CALLS` calls per turn.

What reaches the pipeline, in order: one ``Intent("Generative", {"backend",
"model"})``, then ``TextDelta`` pieces as the model streams them (through
:class:`~hark.brain.speakable.Speakable`, so no markdown is read aloud), and an
``Action`` per tool that ran.

Failure handling, because a voice cannot show a spinner:

* **Filler.** If no words are out after ``settings.filler_after_s``, say
  "Let me think." once, as its own sentence. A fast answer never gets one.
* **First-token timeout, LlmError, a stream cut before any text.** Switch to the
  ``fallback`` backend (the embedded model) at once, saying so honestly first;
  without one, apologise plainly. The switch happens as soon as the failure is
  known, so the user hears something within a second of the timeout.
* **A stream cut after some text.** Never repeat it: end with "Sorry, I lost my
  train of thought."
* **A failure after tools ran.** Their results are already spoken sentences:
  say those rather than fall back.
* **Refusal.** A short polite sentence if the model said nothing.

Tools are checked before they run: a malformed call (arguments not JSON, an
unknown tool, arguments against the schema) is answered to the model with an
``is_error`` result and nothing runs. A dangerous tool is not run: its question
is spoken and the call is parked in the shared :class:`~hark.brain.confirm.Confirmations`;
the next turn's yes runs it (the same rule as the classic brain, which shares
the store).

Honesty (:mod:`hark.brain.honesty`), so a weak model can neither claim an act nor invent a fact:

* a question about a fact Hark has (the date, the day, the time, a calculation, a unit
  conversion, its timers, alarms, reminders, lists) is answered by that skill's tool, run here
  (``fact_skills``, else the registry, else a built-in clock and calculator), with no model call;
* when the model is offered no tools (the built-in SmolLM2), a request that reads as a command
  gets :data:`~hark.brain.honesty.HONEST_CANT` at once: the model could not have done it;
* every piece of model text passes a :class:`~hark.brain.honesty.ReplyGate` before it is
  yielded: a sentence claiming an act no tool did in this turn ("The vision lights are turning
  on."), or stating a date, time or result no tool gave, stops the model and is replaced by an
  honest sentence (the real date, the recomputed result, "I couldn't do that..."); a sentence
  repeating a context note or the system prompt is dropped. Text without such words goes
  through where the segmenter could cut it, so normal answers are not delayed.

Deterministic fast paths, so these work even with a weak embedded model:
"remember that ...", "forget that ...", "what do you remember about me", the
yes/no of a pending confirmation, and chat mode ("let's chat" yields
``Action("chat_mode", {"on": True})``; a stop phrase in chat mode yields
``Action("chat_mode", {"on": False})``; the pipeline keeps the microphone open
in between).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence

from ...config import ChatSettings, LlmSettings
from ...errors import HarkError
from ...llm.base import (
    Finished,
    LlmBackend,
    LlmRequest,
    Message,
    ToolResult,
    ToolSpec,
    ToolUse,
)
from ...skills.registry import SkillRegistry
from ..base import Action, BrainRequest, Failure, Intent, ReplyPart, TextDelta
from ..confirm import Confirmations, parse_answer
from ..honesty import (
    CANT_CHECK,
    CANT_LOOK_UP,
    HONEST_CANT,
    NOT_SURE,
    NOT_THE_REST,
    Claim,
    ReplyGate,
    command_kind,
    fact_route,
)
from ..memory import Memory
from ..prompt import SYSTEM_PROMPT
from ..speakable import speakable
from .messages import build_messages
from .phrases import (
    DECLINED,
    FALLBACK_FAILED,
    FALLBACK_PREFIX,
    LOST_THREAD,
    MAX_MODEL_CALLS,
    NO_ANSWER,
    REFUSAL,
    UNAVAILABLE,
    chat_command,
    memory_command_of,
    normalise,
)
from .stream import model_call
from .tools import answer_fact, call_tool, fact, fact_speech, memory_command, run_confirmed
from .turn import CallResult, TurnState

log = logging.getLogger(__name__)

UsageHook = Callable[[BrainRequest, LlmBackend, Finished | None], Awaitable[None]]
"""``await hook(request, backend, finished)`` after each model call of a turn (``finished`` None:
the call failed or was cut); metering, per household and member."""

Persona = Callable[[BrainRequest], str | None]
"""The request's own addition to the system prompt (a child's persona), or None."""


class GenerativeBrain:
    """The LLM brain. See the module docstring.

    :param backend: the configured model.
    :param registry: the skills; every tool is offered to the model (read per request,
        so skills added after construction are offered too).
    :param memory: long-term facts (recalled into each request; the fast paths use it).
    :param settings: ``first_token_timeout_s``, ``filler_after_s``, ``max_tokens``.
    :param fallback: the model to use when ``backend`` fails (the embedded one); None: apologise.
    :param clock: monotonic seconds, for the deadlines.
    :param chat: start and stop phrases of chat mode.
    :param confirmations: the pending-confirmation store, shared with the classic brain.
    :param history_turns: how many recent conversation turns the model sees.
    :param confirm_dangerous: False runs dangerous tools without asking (``classic.confirm_dangerous``).
    :param fallback_timeout_s: first-token timeout of the fallback (a local model may prefill slowly).
    :param stall_timeout_s: longest silence between two events once a stream has started.
    :param fact_skills: skills that answer Hark's own facts (clock, calculations, timers, alarms,
        reminders, lists) even when the model is offered no tools (the household's full registry);
        None: ``registry``, then a built-in clock (on ``BrainRequest.now``) and calculator.
    :param honest: the honesty rules of :mod:`hark.brain.honesty` (facts from skills, no command
        sent to a model without tools, every reply checked for claims and notes); False only to
        measure what they cost.
    """

    name = "generative"

    def __init__(
        self,
        backend: LlmBackend,
        registry: SkillRegistry,
        memory: Memory,
        *,
        settings: LlmSettings,
        fallback: LlmBackend | None = None,
        clock: Callable[[], float] = time.monotonic,
        chat: ChatSettings | None = None,
        confirmations: Confirmations | None = None,
        history_turns: int = 8,
        confirm_dangerous: bool = True,
        fallback_timeout_s: float = 15.0,
        stall_timeout_s: float = 15.0,
        fact_skills: SkillRegistry | None = None,
        honest: bool = True,
        usage: UsageHook | None = None,
        persona: Persona | None = None,
    ) -> None:
        self.backend = backend
        self.registry = registry
        self.memory = memory
        self.settings = settings
        self.fallback = fallback
        self.clock = clock
        self.chat = chat or ChatSettings()
        self.confirmations = confirmations if confirmations is not None else Confirmations(clock=clock)
        self.history_turns = history_turns
        self.confirm_dangerous = confirm_dangerous
        self.fallback_timeout_s = fallback_timeout_s
        self.stall_timeout_s = stall_timeout_s
        self.fact_skills = fact_skills
        self.honest = honest
        self.usage = usage
        """Called after each model call with what it cost (metering); never fails the turn."""
        self.persona = persona
        """The system prompt for a request that needs its own (a child's: the kids' persona)."""

    # -- public helpers -------------------------------------------------------------------------

    @property
    def _fact_registries(self) -> tuple[SkillRegistry | None, ...]:
        return (self.fact_skills, self.registry)

    def tool_specs(self) -> list[ToolSpec]:
        return [ToolSpec(t.name, t.description, t.parameters) for t in self.registry.tools]

    async def warm(self) -> None:
        """Let the backends prepare the fixed prefix (system prompt and tools)."""
        request = LlmRequest(system=SYSTEM_PROMPT, messages=(), tools=self.tool_specs())
        for backend in (self.backend, self.fallback):
            if backend is not None:
                try:
                    await backend.warm(request)
                except HarkError as exc:
                    log.warning("warming %s failed: %s", backend.name, exc)

    # -- the brain ------------------------------------------------------------------------------

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        yield Intent("Generative", {"backend": self.backend.name, "model": self.backend.model})
        conversation = request.conversation.id
        pending = self.confirmations.take(conversation)  # any other answer drops it
        if pending is not None:
            answer = parse_answer(request.text)
            if answer == "no":
                yield TextDelta(DECLINED)
                return
            if answer == "yes":
                async with contextlib.aclosing(run_confirmed(self.registry, pending, request)) as parts:
                    async for part in parts:
                        yield part
                return
        chat = self.chat_command(request)
        if chat is not None:
            for part in chat:
                yield part
            return
        fast = memory_command_of(request.text)
        if fast is not None:
            async with contextlib.aclosing(memory_command(self.memory, request, *fast, self.registry.policy)) as parts:
                async for part in parts:
                    yield part
            return
        if self.honest:
            route = fact_route(request.text)
            if route is not None:  # a fact Hark has: from its skill, never from the model's weights
                async with contextlib.aclosing(answer_fact(route, request, self._fact_registries)) as parts:
                    async for part in parts:
                        yield part
                return
            honest = self._without_tools(request.text)
            if honest is not None:  # whatever a model without tools said, it could not have done it
                yield TextDelta(honest)
                return
        # Closed explicitly, so a barge-in (the pipeline closing this generator) closes
        # the model's stream at once instead of leaving it to the garbage collector.
        async with contextlib.aclosing(self._converse(request)) as parts:
            async for part in parts:
                yield part

    # -- fast paths -----------------------------------------------------------------------------

    def chat_command(self, request: BrainRequest) -> list[ReplyPart] | None:
        """Chat mode on/off (kept on the request's conversation); None when the text is neither."""
        return chat_command(request, self.chat)

    # -- honesty --------------------------------------------------------------------------------

    def _without_tools(self, text: str) -> str | None:
        """The honest answer to a command (or a device-state question) when the model has no tools."""
        if self.registry.tools:
            return None
        kind = command_kind(text)
        if kind is None:
            return None
        return HONEST_CANT if kind == "command" else CANT_CHECK

    async def _instead(self, claim: Claim, turn: TurnState, request: BrainRequest) -> AsyncGenerator[ReplyPart, None]:
        """What to say instead of a claim no tool stands behind (after what the gate let through)."""
        released = turn.gate.released if turn.gate is not None else ""
        lead = " " if released and not released[-1].isspace() else ""
        log.info("replaced an unbacked %s claim: %r", claim.kind, claim.sentence)
        if claim.kind == "fact":
            result = await fact(claim.route, request, self._fact_registries) if claim.route is not None else None
            if result is not None and claim.route is not None:
                if result.ok:
                    yield Action(claim.route.tool, dict(claim.route.arguments))
                yield TextDelta(lead + fact_speech(claim.route, result))
            else:
                yield TextDelta(lead + (CANT_LOOK_UP if claim.fact == "state" else NOT_SURE))
            return
        if turn.tool_speech:  # some tools did run: say what they did, and that that was all
            done = speakable(" ".join(turn.tool_speech)) + " " if len(released) <= turn.said_at_tools else ""
            yield TextDelta(lead + done + NOT_THE_REST)
            return
        yield TextDelta(lead + HONEST_CANT)

    # -- the model ------------------------------------------------------------------------------

    def system(self, request: BrainRequest) -> str:
        """The system prompt: Hark's, with the request's own persona after it (kids mode)."""
        extra = self.persona(request) if self.persona is not None else None
        return f"{SYSTEM_PROMPT}\n\n{extra}" if extra else SYSTEM_PROMPT

    async def _recall(self, request: BrainRequest) -> list[str]:
        if not request.who.memory_allowed:  # a child's memory is off unless a parent allowed it
            return []
        try:
            return [f.text for f in await self.memory.recall(request.household_id, request.profile, request.text)]
        except HarkError as exc:  # an unreadable memory must not cost the answer
            log.warning("recalling facts failed: %s", exc)
            return []

    def messages(self, request: BrainRequest, facts: Sequence[str]) -> list[Message]:
        return build_messages(request, facts, history_turns=self.history_turns)

    async def prepare(self, request: BrainRequest) -> None:
        """Let the backend evaluate this conversation's prompt ahead of the request.

        Called by the pipeline as it starts listening (no words yet: the prompt up to
        them) and when a pause gave likely words (the prompt with them, facts recalled):
        the embedded model then has little or nothing left to evaluate when the final
        transcript arrives. Requests the fast paths answer are not prepared.
        """
        text = request.text.strip()
        facts: list[str] = []
        if text:
            if (
                self.confirmations.peek(request.conversation.id) is not None
                or memory_command_of(text) is not None
                or normalise(text) in {normalise(p) for p in (*self.chat.start_phrases, *self.chat.stop_phrases)}
                or (self.honest and (fact_route(text) is not None or self._without_tools(text) is not None))
            ):
                return
            facts = await self._recall(request)
        messages = self.messages(request, facts)
        llm_request = LlmRequest(
            system=self.system(request),
            messages=tuple(messages),
            tools=self.tool_specs(),
            max_tokens=self.settings.max_tokens,
        )
        try:
            await self.backend.prepare(llm_request)
        except HarkError as exc:
            log.debug("preparing %s failed: %s", self.backend.name, exc)

    async def _converse(self, request: BrainRequest) -> AsyncGenerator[ReplyPart, None]:
        messages = self.messages(request, await self._recall(request))
        tools = self.tool_specs()
        system = self.system(request)
        turn = TurnState(start=self.clock())
        if self.honest:
            turn.gate = ReplyGate(
                request=request.text, notes=messages[-1].context, prompts=(system,), defer=bool(tools)
            )
        calls: list[tuple[LlmBackend, Finished | None]] = []
        try:
            async with contextlib.aclosing(self._calls(request, messages, tools, system, turn, calls)) as parts:
                async for part in parts:
                    yield part
        finally:
            if self.usage is not None:  # every call, answered or failed, once the turn is over
                for used, finished in calls:
                    await self.usage(request, used, finished)

    async def _calls(
        self,
        request: BrainRequest,
        messages: list[Message],
        tools: list[ToolSpec],
        system: str,
        turn: TurnState,
        metered: list[tuple[LlmBackend, Finished | None]],
    ) -> AsyncGenerator[ReplyPart, None]:
        """The model calls of one turn (tools between them); each call's usage goes to ``metered``."""
        backend, on_fallback = self.backend, False
        calls = 0
        while True:
            llm_request = LlmRequest(
                system=system, messages=tuple(messages), tools=tools, max_tokens=self.settings.max_tokens
            )
            call = CallResult()
            metered.append((backend, None))
            timeout = self.fallback_timeout_s if on_fallback else self.settings.first_token_timeout_s
            async with contextlib.aclosing(
                model_call(
                    backend,
                    llm_request,
                    turn,
                    call,
                    first_timeout=timeout,
                    stall_timeout_s=self.stall_timeout_s,
                    filler_after_s=self.settings.filler_after_s,
                    clock=self.clock,
                )
            ) as parts:
                async for part in parts:
                    yield part
            metered[-1] = (backend, call.finished)

            if (claim := turn.blocked) is not None:  # the model was stopped: say something true instead
                async with contextlib.aclosing(self._instead(claim, turn, request)) as parts:
                    async for part in parts:
                        yield part
                return
            if call.failure is not None:
                log.info("%s failed: %s", backend.name, call.failure)
                yield Failure(call.failure_code, f"{backend.name} failed: {call.failure}")
                if call.text:  # words of this call are out: end them, never repeat them
                    ending = turn.release(turn.speak.end_sentence()) + turn.finish()
                    if (claim := turn.blocked) is not None:
                        if ending:
                            yield TextDelta(ending)
                        async with contextlib.aclosing(self._instead(claim, turn, request)) as parts:
                            async for part in parts:
                                yield part
                        return
                    yield TextDelta(ending + LOST_THREAD)
                    return
                if turn.tool_speech:  # the tools' own sentences say what was done
                    yield TextDelta(turn.speak.end_sentence() + speakable(" ".join(turn.tool_speech)))
                    return
                if not on_fallback and self.fallback is not None:
                    backend, on_fallback = self.fallback, True
                    turn.answered = True
                    yield TextDelta(turn.speak.end_sentence() + FALLBACK_PREFIX)
                    continue
                yield TextDelta(turn.speak.end_sentence() + (FALLBACK_FAILED if on_fallback else UNAVAILABLE))
                return

            calls += 1
            assert call.finished is not None
            if not call.tool_calls:
                tail = turn.release(turn.speak.flush()) + turn.finish()
                if tail:
                    yield TextDelta(tail)
                if (claim := turn.blocked) is not None:
                    async with contextlib.aclosing(self._instead(claim, turn, request)) as parts:
                        async for part in parts:
                            yield part
                    return
                if not turn.said_anything:
                    if call.finished.stop_reason == "refusal":
                        yield TextDelta(REFUSAL)
                    elif turn.tool_speech:
                        yield TextDelta(speakable(" ".join(turn.tool_speech)))
                    else:
                        yield TextDelta(NO_ANSWER)
                return

            ending = turn.release(turn.speak.end_sentence())  # a claim in it waits for the tools
            if ending:
                yield TextDelta(ending)
            uses = tuple(ToolUse(c.id, c.name, dict(c.arguments or {})) for c in call.tool_calls)
            messages.append(Message("assistant", "".join(call.text), tool_uses=uses))
            results: list[ToolResult] = []
            question: str | None = None
            spoken_before = len(turn.tool_speech)
            for tool_call in call.tool_calls:
                outcome = await call_tool(
                    tool_call,
                    request,
                    registry=self.registry,
                    confirmations=self.confirmations,
                    confirm_dangerous=self.confirm_dangerous,
                    ask=question is None,
                    brain=self.name,
                )
                results.append(outcome.result)
                if outcome.action is not None:
                    yield outcome.action
                    if turn.gate is not None:
                        turn.gate.ran.add(outcome.action.name)
                if outcome.speech:
                    turn.tool_speech.append(outcome.speech)
                question = question or outcome.question
            messages.append(Message("tool", tool_results=tuple(results)))
            held = turn.finish()  # what the model said before its tools, judged now that they ran
            if held:
                yield TextDelta(held)
            if question is not None:  # a dangerous action waits for the user's yes (a claim before it is dropped)
                yield TextDelta(question)
                return
            if (claim := turn.blocked) is not None:
                async with contextlib.aclosing(self._instead(claim, turn, request)) as parts:
                    async for part in parts:
                        yield part
                return
            turn.said_at_tools = len(turn.gate.released) if turn.gate is not None else 0
            if calls >= MAX_MODEL_CALLS:
                log.warning("the model still wanted tools after %d calls", calls)
                said = turn.tool_speech[spoken_before:]
                yield TextDelta(speakable(" ".join(said)) if said else NO_ANSWER)
                return

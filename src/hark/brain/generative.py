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

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from typing import Any

from ..config import ChatSettings, LlmSettings
from ..errors import HarkError
from ..llm.base import (
    Finished,
    LlmBackend,
    LlmEvent,
    LlmRequest,
    Message,
    TextChunk,
    ToolCallChunk,
    ToolResult,
    ToolSpec,
    ToolUse,
)
from ..nlu.types import ToolCall
from ..skills.base import Skill, SkillContext, SkillResult, ToolArgumentError
from ..skills.calc import CalcSkill
from ..skills.clock import ClockSkill
from ..skills.registry import SkillRegistry
from .base import Action, BrainRequest, Failure, Intent, ReplyPart, TextDelta
from .confirm import Confirmations, PendingConfirmation, parse_answer
from .honesty import (
    CANT_CHECK,
    CANT_LOOK_UP,
    HONEST_CANT,
    NOT_SURE,
    NOT_THE_REST,
    Claim,
    FactRoute,
    ReplyGate,
    command_kind,
    fact_route,
    say_date,
)
from .memory import Memory, forget, list_facts, remember
from .prompt import SYSTEM_PROMPT, facts_note, time_note
from .speakable import Speakable, speakable

log = logging.getLogger(__name__)

MAX_MODEL_CALLS = 4
"""Model calls per turn (model -> tools -> model ...). A fourth call that still wants tools gets
them run, and their results are spoken instead of a fifth call."""

FILLER = "Let me think. "
FALLBACK_PREFIX = "My online brain isn't answering, so here's a quick answer from my local one. "
UNAVAILABLE = "Sorry, my smart answers are unavailable right now."
FALLBACK_FAILED = "Sorry, my local brain isn't answering either."
LOST_THREAD = "Sorry, I lost my train of thought."
REFUSAL = "Sorry, I can't help with that one."
NO_ANSWER = "Sorry, I don't have an answer for that."
DECLINED = "Okay, I won't."
CHAT_OPENER = "Sure, let's chat! What's on your mind?"
CHAT_GOODBYE = "Goodbye! Talk soon."

_REMEMBER = re.compile(
    r"^(?:(?:hey\s+)?hark[,\s]+)?(?:please\s+)?(?:remember|memori[sz]e|note)\s+that\s+(.+)$", re.I | re.S
)
_FORGET = re.compile(r"^(?:(?:hey\s+)?hark[,\s]+)?(?:please\s+)?forget\s+(?:that|about)\s+(.+)$", re.I | re.S)
_LIST = re.compile(
    r"^(?:hark )?(?:what do you (?:remember|know) about me|what do you remember|what have you remembered"
    r"|what things do you remember|list (?:my|your) memories)\b"
)
_CHAT_FILLERS = re.compile(r"\b(?:ok|okay|thanks|thank you|please|for now|now|then|hark)\b")


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w' ]+", " ", text.lower().replace("’", "'"))).strip()


class _RequestClock(ClockSkill):
    """The clock skill on the request's own clock (``BrainRequest.now``), for when no clock skill
    was given: the date and time then come from the same clock as the time note."""

    def _now(self, ctx: SkillContext) -> dt.datetime:
        return ctx.now()


_BUILTIN_FACT_SKILLS: tuple[Skill, ...] = (_RequestClock(), CalcSkill())
"""Stateless skills that answer Hark's facts when neither registry has them."""


class _Signal:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_TIMEOUT = _Signal("timeout")
_END = _Signal("end")


async def _next_event(iterator: AsyncIterator[LlmEvent]) -> LlmEvent:
    return await anext(iterator)


class _EventStream:
    """One model call, read one event at a time with a timeout that does not cancel the read.

    The pending read is a task, so waiting for the filler deadline and then for the
    first-token deadline reads the same event. :meth:`aclose` cancels the read and
    closes the backend's iterator (its HTTP response).
    """

    def __init__(self, backend: LlmBackend, request: LlmRequest) -> None:
        self._task: asyncio.Task[LlmEvent] | None = None
        self._error: Exception | None = None
        self._iterator: AsyncIterator[LlmEvent] | None = None
        try:
            self._iterator = aiter(backend.stream(request))
        except Exception as exc:  # a backend may raise before its first await
            self._error = exc

    async def next(self, wait_s: float) -> LlmEvent | _Signal | Exception:
        if self._error is not None or self._iterator is None:
            return self._error or RuntimeError("no stream")
        if self._task is None:
            self._task = asyncio.create_task(_next_event(self._iterator), name="llm-next-event")
        done, _ = await asyncio.wait({self._task}, timeout=max(0.0, wait_s))
        if not done:
            return _TIMEOUT
        task, self._task = self._task, None
        try:
            return task.result()
        except StopAsyncIteration:
            return _END
        except Exception as exc:  # LlmError, or anything a backend failed to wrap
            return exc

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            # Bounded: a backend that ignores cancellation must not delay the fallback.
            await asyncio.wait({task}, timeout=0.5)
            if task.done() and not task.cancelled():
                task.exception()  # retrieved, so asyncio does not log it
        closer = getattr(self._iterator, "aclose", None)
        if closer is not None and (task is None or task.done()):
            try:
                await closer()
            except Exception:
                log.debug("closing the model stream failed", exc_info=True)


@dataclasses.dataclass
class _Turn:
    """State of one request across model calls."""

    start: float
    speak: Speakable = dataclasses.field(default_factory=Speakable)
    answered: bool = False
    """Words other than the filler are out (model text or the fallback notice)."""
    filler_said: bool = False
    tool_speech: list[str] = dataclasses.field(default_factory=list)
    """What the tools that ran said, for when the model fails after them."""
    gate: ReplyGate | None = None
    """The honesty check every piece of model text passes before it is spoken (None: off)."""
    said_at_tools: int = 0
    """How much the gate had let through when the last tools ran."""

    def release(self, text: str) -> str:
        """Model text (already speakable) -> what may be spoken now."""
        if self.gate is None or not text:
            return text
        return self.gate.push(text)

    def finish(self) -> str:
        """The model's text ended (or its tools ran): what was held, judged for good."""
        return self.gate.finish() if self.gate is not None else ""

    @property
    def blocked(self) -> Claim | None:
        return self.gate.blocked if self.gate is not None else None

    @property
    def said_anything(self) -> bool:
        return self.gate.said_anything if self.gate is not None else self.speak.said_anything


@dataclasses.dataclass
class _Call:
    """What one model call produced."""

    text: list[str] = dataclasses.field(default_factory=list)
    tool_calls: list[ToolCallChunk] = dataclasses.field(default_factory=list)
    finished: Finished | None = None
    failure: str | None = None
    failure_code: str = "llm-failed"


@dataclasses.dataclass
class _ToolOutcome:
    result: ToolResult
    action: Action | None = None
    question: str | None = None
    speech: str = ""


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

    # -- public helpers -------------------------------------------------------------------------

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
                async with contextlib.aclosing(self._run_confirmed(pending, request)) as parts:
                    async for part in parts:
                        yield part
                return
        chat = self.chat_command(request)
        if chat is not None:
            for part in chat:
                yield part
            return
        fast = self._memory_command(request.text)
        if fast is not None:
            async with contextlib.aclosing(self._memory_fast_path(request, *fast)) as parts:
                async for part in parts:
                    yield part
            return
        if self.honest:
            route = fact_route(request.text)
            if route is not None:  # a fact Hark has: from its skill, never from the model's weights
                async with contextlib.aclosing(self._answer_fact(route, request)) as parts:
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
        """Chat mode on/off; None when the text is neither (a start phrase with more words goes on to the model)."""
        text = _normalise(request.text)
        conversation = request.conversation
        if conversation.chatting:
            bare = re.sub(r"\s+", " ", _CHAT_FILLERS.sub(" ", text)).strip()
            if bare in {_normalise(p) for p in self.chat.stop_phrases}:
                conversation.chatting = False
                return [Action("chat_mode", {"on": False}), TextDelta(CHAT_GOODBYE)]
            return None
        for phrase in self.chat.start_phrases:
            start = _normalise(phrase)
            if text == start:
                conversation.chatting = True
                return [Action("chat_mode", {"on": True}), TextDelta(CHAT_OPENER)]
            if text.startswith(start + " "):  # "let's chat about space": chat mode, and answer it
                conversation.chatting = True
                return None
        return None

    @staticmethod
    def _memory_command(text: str) -> tuple[str, str] | None:
        stripped = text.strip().rstrip(".!?")
        if m := _REMEMBER.match(stripped):
            return "memory_remember", m.group(1)
        if m := _FORGET.match(stripped):
            return "memory_forget", m.group(1)
        if _LIST.match(_normalise(text)):
            return "memory_list", ""
        return None

    async def _memory_fast_path(
        self, request: BrainRequest, tool: str, argument: str
    ) -> AsyncGenerator[ReplyPart, None]:
        try:
            if tool == "memory_remember":
                result = await remember(self.memory, request.profile, argument)
                arguments: dict[str, Any] = {"text": argument}
            elif tool == "memory_forget":
                result = await forget(self.memory, request.profile, argument)
                arguments = {"query": argument}
            else:
                result = await list_facts(self.memory, request.profile)
                arguments = {}
        except HarkError as exc:
            yield TextDelta("Sorry, I couldn't reach my memory just now.")
            yield Failure(exc.code, f"memory: {exc}")
            return
        if result.ok:
            yield Action(tool, arguments)
        yield TextDelta(result.speech)

    async def _run_confirmed(
        self, pending: PendingConfirmation, request: BrainRequest
    ) -> AsyncGenerator[ReplyPart, None]:
        ctx = self._context(request, confirmed=True)
        try:
            result = await self.registry.call(pending.call.tool, pending.call.arguments, ctx)
        except HarkError as exc:
            yield TextDelta(exc.message if exc.code != "storage-failed" else "Sorry, I couldn't save that.")
            return
        if result.ok:
            yield Action(pending.call.tool, dict(pending.call.arguments))
        yield TextDelta(speakable(result.speech))

    # -- honesty --------------------------------------------------------------------------------

    def _without_tools(self, text: str) -> str | None:
        """The honest answer to a command (or a device-state question) when the model has no tools."""
        if self.registry.tools:
            return None
        kind = command_kind(text)
        if kind is None:
            return None
        return HONEST_CANT if kind == "command" else CANT_CHECK

    async def _fact(self, route: FactRoute, request: BrainRequest) -> SkillResult | None:
        """Run the tool that knows the fact; None when no skill here offers it."""
        ctx = self._context(request)
        for registry in (self.fact_skills, self.registry):
            if registry is not None and registry.has(route.tool):
                try:
                    return await registry.call(route.tool, route.arguments, ctx)
                except HarkError as exc:
                    return SkillResult(exc.message, ok=False)
        for skill in _BUILTIN_FACT_SKILLS:
            if any(t.name == route.tool for t in skill.tools):
                try:
                    return await skill.call(route.tool, route.arguments, ctx)
                except HarkError as exc:
                    return SkillResult(exc.message, ok=False)
        return None

    async def _answer_fact(self, route: FactRoute, request: BrainRequest) -> AsyncGenerator[ReplyPart, None]:
        result = await self._fact(route, request)
        if result is None:
            yield TextDelta(CANT_LOOK_UP)
            return
        if result.ok:
            yield Action(route.tool, dict(route.arguments))
        speech = say_date(route, result.speech, result.data) if route.kind == "date" and result.ok else result.speech
        yield TextDelta(speakable(speech))

    async def _instead(self, claim: Claim, turn: _Turn, request: BrainRequest) -> AsyncGenerator[ReplyPart, None]:
        """What to say instead of a claim no tool stands behind (after what the gate let through)."""
        released = turn.gate.released if turn.gate is not None else ""
        lead = " " if released and not released[-1].isspace() else ""
        log.info("replaced an unbacked %s claim: %r", claim.kind, claim.sentence)
        if claim.kind == "fact":
            result = await self._fact(claim.route, request) if claim.route is not None else None
            if result is not None and claim.route is not None:
                if result.ok:
                    yield Action(claim.route.tool, dict(claim.route.arguments))
                speech = result.speech
                if claim.route.kind == "date" and result.ok:
                    speech = say_date(claim.route, speech, result.data)
                yield TextDelta(lead + speakable(speech))
            else:
                yield TextDelta(lead + (CANT_LOOK_UP if claim.fact == "state" else NOT_SURE))
            return
        if turn.tool_speech:  # some tools did run: say what they did, and that that was all
            done = speakable(" ".join(turn.tool_speech)) + " " if len(released) <= turn.said_at_tools else ""
            yield TextDelta(lead + done + NOT_THE_REST)
            return
        yield TextDelta(lead + HONEST_CANT)

    # -- the model ------------------------------------------------------------------------------

    def _context(self, request: BrainRequest, *, confirmed: bool = False) -> SkillContext:
        return SkillContext(
            device_id=request.device_id,
            profile=request.profile,
            language=request.language,
            now=request.now,
            confirmed=confirmed,
        )

    async def _recall(self, request: BrainRequest) -> list[str]:
        try:
            return [f.text for f in await self.memory.recall(request.profile, request.text)]
        except HarkError as exc:  # an unreadable memory must not cost the answer
            log.warning("recalling facts failed: %s", exc)
            return []

    def messages(self, request: BrainRequest, facts: Sequence[str]) -> list[Message]:
        """Recent turns, then the new text carrying the context notes (time, then recalled facts).

        Consecutive messages of one role (a turn whose reply was empty) are merged,
        so every backend sees user and assistant strictly alternating. With an empty
        ``request.text`` (:meth:`prepare`) the last message is the notes alone.
        """
        pairs: list[tuple[str, str]] = []
        for turn in request.conversation.turns[-self.history_turns :] if self.history_turns > 0 else []:
            # the filler was said, not meant: keep it out of what the model believes it answered
            pairs += [("user", turn.user), ("assistant", turn.assistant.removeprefix(FILLER.strip()).strip())]
        pairs.append(("user", request.text))
        merged: list[tuple[str, str]] = []
        for role, text in pairs:
            text = text.strip()
            if not text:
                continue
            if merged and merged[-1][0] == role:
                merged[-1] = (role, f"{merged[-1][1]}\n{text}")
            else:
                merged.append((role, text))
        if merged and merged[0][0] == "assistant":
            merged.pop(0)
        messages = [Message("user" if role == "user" else "assistant", text) for role, text in merged]
        notes = (time_note(request.now(), chatting=request.conversation.chatting), facts_note(facts))
        context = tuple(note for note in notes if note)
        if messages and messages[-1].role == "user" and request.text.strip():
            messages[-1] = dataclasses.replace(messages[-1], context=context)
        else:
            messages.append(Message("user", "", context=context))
        return messages

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
                or self._memory_command(text) is not None
                or _normalise(text) in {_normalise(p) for p in (*self.chat.start_phrases, *self.chat.stop_phrases)}
                or (self.honest and (fact_route(text) is not None or self._without_tools(text) is not None))
            ):
                return
            facts = await self._recall(request)
        messages = self.messages(request, facts)
        llm_request = LlmRequest(
            system=SYSTEM_PROMPT, messages=tuple(messages), tools=self.tool_specs(), max_tokens=self.settings.max_tokens
        )
        try:
            await self.backend.prepare(llm_request)
        except HarkError as exc:
            log.debug("preparing %s failed: %s", self.backend.name, exc)

    async def _converse(self, request: BrainRequest) -> AsyncGenerator[ReplyPart, None]:
        messages = self.messages(request, await self._recall(request))
        tools = self.tool_specs()
        turn = _Turn(start=self.clock())
        if self.honest:
            turn.gate = ReplyGate(
                request=request.text, notes=messages[-1].context, prompts=(SYSTEM_PROMPT,), defer=bool(tools)
            )
        backend, on_fallback = self.backend, False
        calls = 0
        while True:
            llm_request = LlmRequest(
                system=SYSTEM_PROMPT, messages=tuple(messages), tools=tools, max_tokens=self.settings.max_tokens
            )
            call = _Call()
            timeout = self.fallback_timeout_s if on_fallback else self.settings.first_token_timeout_s
            async with contextlib.aclosing(self._model_call(backend, llm_request, turn, call, timeout)) as parts:
                async for part in parts:
                    yield part

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
                outcome = await self._call_tool(tool_call, request, ask=question is None)
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

    async def _model_call(
        self, backend: LlmBackend, request: LlmRequest, turn: _Turn, call: _Call, first_timeout: float
    ) -> AsyncGenerator[ReplyPart, None]:
        """Stream one model call into ``call``, yielding speakable text (and the filler) as it comes."""
        stream = _EventStream(backend, request)
        started = self.clock()
        last_event: float | None = None
        try:
            while True:
                now = self.clock()
                deadline = started + first_timeout if last_event is None else last_event + self.stall_timeout_s
                filler_at = self._filler_at(turn)
                wake = deadline if filler_at is None else min(deadline, filler_at)
                item = await stream.next(wake - now)
                if item is _TIMEOUT:
                    if filler_at is not None and self.clock() >= filler_at:
                        turn.filler_said = True
                        yield TextDelta(FILLER)
                    elif self.clock() >= deadline:
                        call.failure = "no first event in time" if last_event is None else "the stream stalled"
                        return
                    continue
                if item is _END:
                    if call.finished is None:
                        call.failure = "the stream ended without finishing"
                    return
                if isinstance(item, Exception):
                    call.failure = f"{type(item).__name__}: {item}"
                    if isinstance(item, HarkError):
                        call.failure_code = item.code
                    if not isinstance(item, HarkError):
                        log.warning("the %s backend raised %r", backend.name, item, exc_info=item)
                    return
                last_event = self.clock()
                if isinstance(item, TextChunk):
                    call.text.append(item.text)
                    spoken = turn.release(turn.speak.push(item.text))
                    if spoken:
                        turn.answered = True
                        yield TextDelta(spoken)
                    if turn.blocked is not None:  # a claim no tool can back: stop the model now
                        return
                elif isinstance(item, ToolCallChunk):
                    call.tool_calls.append(item)
                elif isinstance(item, Finished):
                    call.finished = item
                    return
        finally:
            await stream.aclose()

    def _filler_at(self, turn: _Turn) -> float | None:
        if self.settings.filler_after_s <= 0 or turn.filler_said or turn.answered:
            return None
        return turn.start + self.settings.filler_after_s

    async def _call_tool(self, call: ToolCallChunk, request: BrainRequest, *, ask: bool) -> _ToolOutcome:
        """Run one tool call, or explain to the model why it was not run."""

        def refused(content: str) -> _ToolOutcome:
            return _ToolOutcome(ToolResult(call.id, content, is_error=True))

        if call.arguments is None:
            raw = call.raw[:300]
            return refused(
                f"Not run: the arguments of {call.name} were not valid JSON ({raw!r}). "
                "Call it again with a JSON object that matches its schema."
            )
        if not self.registry.has(call.name):
            return refused(f"Not run: there is no tool called {call.name!r}. Use an offered tool or just answer.")
        ctx = self._context(request, confirmed=not self.confirm_dangerous)
        try:
            result = await self.registry.call(call.name, call.arguments, ctx)
        except ToolArgumentError as exc:
            return refused(f"Not run: {exc.message}. Fix the arguments or ask the user for what is missing.")
        except HarkError as exc:
            return refused(f"The tool failed: {exc.message}")
        except Exception:  # a skill's bug must not end the turn in silence
            log.exception("tool %s raised", call.name)
            return refused("The tool failed unexpectedly; nothing may have been done. Apologise briefly.")
        if result.needs_confirmation:
            if not ask:
                return refused("Not run: only one action that needs confirmation can wait at a time.")
            self.confirmations.ask(
                request.conversation.id,
                ToolCall(call.name, dict(call.arguments)),
                result.needs_confirmation,
                intent="Generative",
                brain=self.name,
            )
            return _ToolOutcome(
                ToolResult(call.id, f"Not run yet: the user was asked {result.needs_confirmation!r}."),
                question=result.needs_confirmation,
            )
        content = json.dumps(
            {"ok": result.ok, "result": result.speech, "data": dict(result.data)}, default=str, ensure_ascii=False
        )
        action = Action(call.name, dict(call.arguments)) if result.ok else None
        return _ToolOutcome(ToolResult(call.id, content), action=action, speech=result.speech)

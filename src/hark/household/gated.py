"""The plan gate, the rate limiter and the meter, put where a brain chain can use them.

:class:`GatedBrain` wraps a brain that needs the generative plan (the generative brain, the
chat-mode gate) in a :class:`~hark.brain.chain.BrainChain`::

    BrainChain([GatedBrain(ChatGate(gen), gate), classic, GatedBrain(gen, gate, limiter=limiter)])

It lets the wrapped brain read the request first, and only when that brain would answer (its
first part is not ``Unhandled``: for the generative brain, its leading ``Intent``, before any
model call) asks the :class:`~hark.household.plans.PlanGate` and then the
:class:`~hark.household.ratelimit.RateLimiter`. A refusal closes the wrapped brain's stream
unread and answers ``Intent("PlanLimit" | "RateLimited", {...})`` and the one spoken line
instead, so a classic household, or one past its quota, hears why, never silence; the classic
brain earlier in the chain has already answered whatever it could. A refusal also ends chat mode
(``Action("chat_mode", {"on": False})``: the microphone does not stay open for a chat that
cannot happen), and leaving chat mode ("stop") is never refused. The household, member and
device are the request's (``request.who``), so one chain may serve many households.

:func:`usage_hook` is what the generative brain calls after each model call to meter it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from ..brain.base import Action, Brain, BrainRequest, Claiming, Intent, Preparing, ReplyPart, TextDelta, Unhandled
from ..brain.generative.brain import UsageHook
from ..llm.base import Finished, LlmBackend
from ..store import StorageError
from .metering import UsageMeter
from .plans import PlanGate
from .ratelimit import RateLimiter

log = logging.getLogger(__name__)

__all__ = ["GatedBrain", "UsageHook", "member_of", "usage_hook"]


def member_of(request: BrainRequest) -> str | None:
    """The member a request runs as; None for the household's shared profile."""
    return request.who.member_id


class GatedBrain:
    """See the module docstring."""

    def __init__(self, inner: Brain, gate: PlanGate, *, limiter: RateLimiter | None = None) -> None:
        self.inner = inner
        self.gate = gate
        self.limiter = limiter
        self.name = inner.name

    def claims(self, request: BrainRequest) -> bool:
        return isinstance(self.inner, Claiming) and self.inner.claims(request)

    async def prepare(self, request: BrainRequest) -> None:
        """Prepare the wrapped brain only for a household it may answer (a classic household's
        turn must not make the local model evaluate a prompt it will never use)."""
        if isinstance(self.inner, Preparing) and (await self.gate.check(request.household_id)).generative:
            await self.inner.prepare(request)

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        conversation = request.conversation
        was_chatting = conversation.chatting
        async with contextlib.aclosing(self.inner.respond(request)) as stream:  # type: ignore[type-var]
            first = await anext(stream, None)
            if first is None:
                return
            if isinstance(first, Unhandled):
                yield first
                return
            leaving_chat = was_chatting and not conversation.chatting  # "stop": always allowed
            household_id = request.household_id
            decision = await self.gate.check(household_id)
            if not decision.generative and not leaving_chat:
                log.info("household %s: no generative answer (%s)", household_id, decision.reason)
                yield Intent("PlanLimit", {"reason": decision.reason})
                if conversation.chatting:  # "let's chat" just now, or a quota reached mid-chat
                    conversation.chatting = False
                    yield Action("chat_mode", {"on": False})
                yield TextDelta(decision.line)
                return
            if self.limiter is not None:
                limited = self.limiter.check(household_id, request.device_id)
                if not limited.allowed:
                    log.info(
                        "household %s device %s: rate limited (%s)", household_id, request.device_id, limited.scope
                    )
                    retry = round(limited.retry_after_s, 1)
                    yield Intent("RateLimited", {"scope": limited.scope, "retry_after_s": retry})
                    yield TextDelta(limited.line)
                    return
            yield first
            async for part in stream:
                yield part


def usage_hook(meter: UsageMeter) -> UsageHook:
    """A hook that meters each model call for the request's household, member and device. A
    storage failure is logged (once until it works again) and never fails the turn."""
    failing = False

    async def hook(request: BrainRequest, backend: LlmBackend, finished: Finished | None) -> None:
        nonlocal failing
        try:
            await meter.record(
                request.household_id,
                member_of(request),
                request.device_id,
                backend.model,
                finished,
                backend=backend.name,
            )
        except StorageError as exc:
            if not failing:
                log.warning("usage is not being metered: %s", exc)
            failing = True
        else:
            if failing:
                log.info("usage is metered again")
            failing = False

    return hook

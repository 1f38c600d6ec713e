"""Brains tried in order: the first that does not answer ``Unhandled`` replies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from .base import Answered, Brain, BrainRequest, Claiming, Preparing, ReplyPart, TextDelta, Unhandled


class BrainChain:
    name = "chain"

    def __init__(self, brains: Sequence[Brain], *, fallback: str = "Sorry, I can't help with that yet.") -> None:
        if not brains:
            raise ValueError("a brain chain needs at least one brain")
        self.brains = list(brains)
        self.fallback = fallback

    async def prepare(self, request: BrainRequest) -> None:
        """Let each brain that can get ahead of the request do so (in order, one at a time),
        up to the first that claims the likely words (the LLM need not read "what time is it")."""
        for brain in self.brains:
            if request.text and isinstance(brain, Claiming) and brain.claims(request):
                return
            if isinstance(brain, Preparing):
                await brain.prepare(request)

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        for brain in self.brains:
            stream = brain.respond(request)
            try:
                first = await anext(stream, None)
                if first is None or isinstance(first, Unhandled):
                    continue
                yield Answered(brain.name)
                yield first
                async for part in stream:
                    yield part
                return
            finally:
                await stream.aclose()  # type: ignore[attr-defined]
        yield TextDelta(self.fallback)

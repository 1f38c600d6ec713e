"""Chat-mode gate: the generative brain's start/stop phrases, ahead of the classic brain.

In a chain ``[classic, generative]`` the classic brain reads "stop" as "stop
ringing" and answers it, so a user in chat mode who says "stop" would never
leave it. Put :class:`ChatGate` first: ``[ChatGate(generative), classic,
generative]``. It answers only chat-mode start phrases ("let's chat") and, while
chatting, stop phrases; everything else is ``Unhandled`` and goes on down the
chain. The state lives in the generative brain, so both see the same mode.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from .base import BrainRequest, Intent, ReplyPart, Unhandled
from .generative import GenerativeBrain


class ChatGate:
    name = "chat"

    def __init__(self, brain: GenerativeBrain) -> None:
        self.brain = brain

    async def respond(self, request: BrainRequest) -> AsyncIterator[ReplyPart]:
        parts = self.brain.chat_command(request)
        if parts is None:
            yield Unhandled("not a chat-mode phrase")
            return
        yield Intent("ChatMode")
        for part in parts:
            yield part

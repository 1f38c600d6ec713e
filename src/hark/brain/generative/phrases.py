"""What the generative brain says by itself, and the phrases it recognises without the model."""

from __future__ import annotations

import re

from ...config import ChatSettings
from ..base import Action, BrainRequest, ReplyPart, TextDelta

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

REMEMBER = re.compile(
    r"^(?:(?:hey\s+)?hark[,\s]+)?(?:please\s+)?(?:remember|memori[sz]e|note)\s+that\s+(.+)$", re.I | re.S
)
FORGET = re.compile(r"^(?:(?:hey\s+)?hark[,\s]+)?(?:please\s+)?forget\s+(?:that|about)\s+(.+)$", re.I | re.S)
LIST_MEMORIES = re.compile(
    r"^(?:hark )?(?:what do you (?:remember|know) about me|what do you remember|what have you remembered"
    r"|what things do you remember|list (?:my|your) memories)\b"
)
CHAT_FILLERS = re.compile(r"\b(?:ok|okay|thanks|thank you|please|for now|now|then|hark)\b")


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w' ]+", " ", text.lower().replace("’", "'"))).strip()


def chat_command(request: BrainRequest, chat: ChatSettings) -> list[ReplyPart] | None:
    """Chat mode on/off, kept on the request's conversation; None when the text is neither (a
    start phrase with more words turns chat mode on and goes on to the model)."""
    text = normalise(request.text)
    conversation = request.conversation
    if conversation.chatting:
        bare = re.sub(r"\s+", " ", CHAT_FILLERS.sub(" ", text)).strip()
        if bare in {normalise(p) for p in chat.stop_phrases}:
            conversation.chatting = False
            return [Action("chat_mode", {"on": False}), TextDelta(CHAT_GOODBYE)]
        return None
    for phrase in chat.start_phrases:
        start = normalise(phrase)
        if text == start:
            conversation.chatting = True
            return [Action("chat_mode", {"on": True}), TextDelta(CHAT_OPENER)]
        if text.startswith(start + " "):  # "let's chat about space": chat mode, and answer it
            conversation.chatting = True
            return None
    return None


def memory_command_of(text: str) -> tuple[str, str] | None:
    """The memory tool a "remember that ..." / "forget ..." / "what do you remember" asks for."""
    stripped = text.strip().rstrip(".!?")
    if m := REMEMBER.match(stripped):
        return "memory_remember", m.group(1)
    if m := FORGET.match(stripped):
        return "memory_forget", m.group(1)
    if LIST_MEMORIES.match(normalise(text)):
        return "memory_list", ""
    return None

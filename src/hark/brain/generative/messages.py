"""The messages of a model request: recent turns, then the new words with the context notes."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ...llm.base import Message
from ..base import BrainRequest
from ..prompt import facts_note, time_note
from .phrases import FILLER


def build_messages(request: BrainRequest, facts: Sequence[str], *, history_turns: int) -> list[Message]:
    """Recent turns, then the new text carrying the context notes (time, then recalled facts).

    Consecutive messages of one role (a turn whose reply was empty) are merged,
    so every backend sees user and assistant strictly alternating. With an empty
    ``request.text`` (a preparation) the last message is the notes alone.
    """
    pairs: list[tuple[str, str]] = []
    for turn in request.conversation.turns[-history_turns:] if history_turns > 0 else []:
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

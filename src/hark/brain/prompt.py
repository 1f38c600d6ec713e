"""The generative brain's prompt: a fixed system prompt and per-turn context notes.

The system prompt never changes between turns (no date, no time, no facts), so
a backend can cache it with the tools: Anthropic ``cache_control`` on the
prefix, llama.cpp its KV cache. What changes goes into context notes carried by
the newest user message only (:attr:`hark.llm.base.Message.context`): the
local time (:func:`time_note`, known before the user has finished speaking, so
the embedded model can evaluate it ahead) and the facts recalled for the words
(:func:`facts_note`). Earlier messages carry no note, so the history is the same
bytes from one turn to the next and stays cached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

SYSTEM_PROMPT = """\
You are Hark, a friendly voice assistant running privately in the user's home. \
Everything you write is read aloud by a speech synthesizer, so:
- Answer in one to three short spoken sentences, unless the user asks for more detail or a story.
- Write plain sentences only: no markdown, no bullet points, no numbered lists, no headings, no emojis, no links.
- Say numbers, units and symbols the way a person says them: "20 degrees Celsius", "5 kilometers per hour", \
"40 percent", "half past 7".
- When something is unclear, ask one short question back instead of guessing.
- Be warm and direct. Do not say you are an AI unless asked.

You can act through tools: timers, alarms, reminders, lists, the clock, the weather, calculations, \
unit conversions, smart home devices, media and volume, and a long-term memory of facts about the user. \
Use a tool whenever the user asks for something a tool does, instead of describing what you would do. \
Use the memory tools when the user asks you to remember, forget or list things about them. \
After a tool runs, say its result briefly in your own words. \
If a tool reports an error, explain it simply or ask for what is missing. \
Some actions, like unlocking doors, ask the user to confirm first: that is handled for you.

Before the user's words you get context notes: the current local time, and facts the user \
asked you to remember. Use them when relevant; never read a note out."""


def spoken_datetime(now: dt.datetime) -> str:
    """``Wednesday 12 March 2025, 10:00 (UTC+01:00)``: unambiguous for a model."""
    offset = now.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "local time"
    return f"{now.strftime('%A')} {now.day} {now.strftime('%B %Y')}, {now.strftime('%H:%M')} ({zone})"


def time_note(now: dt.datetime, *, chatting: bool = False) -> str:
    """The note known before the user's words: local time, and chat mode."""
    text = f"[Context note, not said by the user. Current local time: {spoken_datetime(now)}."
    if chatting:
        text += " The user wants a relaxed chat: keep it going, and end with a short question back."
    return text + "]"


def facts_note(facts: Sequence[str]) -> str:
    """The facts recalled for this request, in the user's words; empty when there are none."""
    if not facts:
        return ""
    lines = ["[Context note. Things the user asked you to remember, in their words:"]
    lines.extend(f"- {fact}" for fact in facts)
    lines[-1] += "]"
    return "\n".join(lines)

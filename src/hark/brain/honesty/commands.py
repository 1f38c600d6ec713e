"""Whether a request reads as a command, or as a question about a device's state."""

from __future__ import annotations

import re
from typing import Literal

from .vocab import (
    _ALARM,
    _ANY_NOUN,
    _BASE,
    _DEVICE,
    _MEDIA,
    _NUMWORD,
    _REMINDER,
    _ROOM,
    _STRONG_ING,
    _TIMER,
    _WEAK_ING,
    _core,
)

# -- commands: the request ------------------------------------------------------------------------------

_INHERENT = {
    "remind", "wake", "snooze", "mute", "unmute", "vacuum", "hoover", "mop", "preheat", "order", "buy", "call",
    "phone", "dial", "text", "message", "email", "lock", "unlock", "dim", "brighten", "arm", "disarm", "pause",
    "resume", "unpause", "skip", "shuffle", "rewind", "record", "dismiss", "silence", "schedule", "brew", "play",
    "cancel", "delete", "boil", "secure", "feed", "charge", "pay", "transfer",
}  # fmt: skip
_COMMAND_VERB = re.compile(
    rf"(?:{_BASE}|fast forward|go back|show|display|check|light|kill|end|hold|restart|reboot|fire up|power|boil"
    r"|secure|charge|pay|transfer|read|take|post|print|said|sat|at)\b"
)
_NEEDS_NOUN = {"read", "take", "post", "print", "show", "display", "check", "said", "sat", "at", "end", "hold", "kill"}
"""Verbs that make a command only with something Hark (or no one here) acts on: "read my emails",
not "read me a poem"; "said"/"sat"/"at" are how speech recognition hears "set" and "add"."""
_NOUN_NUMBER = re.compile(
    rf"(?:a |an |the |my )?(?:[a-z]+ )?(?:{_TIMER}|{_ALARM}|{_REMINDER}|countdown)(?: for| at| in| of)? (?:\d|(?:{_NUMWORD})\b)"
)
"""Verbless: "timer five minutes", "pasta timer 8 minutes", "alarm at seven"."""
_COMMAND_ING = re.compile(rf"(?:{_STRONG_ING}|{_WEAK_ING})\b")
_PARTICLE = re.compile(
    r"\b(?:on|off|up|down|louder|quieter|softer|higher|lower|brighter|dimmer|darker|warmer|cooler|hotter|colder)\b"
)
_NUMBER = re.compile(rf"\d|\b(?:{_NUMWORD}|half|minutes?|minuets?|seconds?|hours?|percent|degrees?)\b")
_NOT_MEDIA_PLAY = re.compile(
    r"\s+(?:a |an |some )?(?:game|games|chess|cards|with|along|pretend|nice|fair|dumb|dead|trivia|twenty questions"
    r"|20 questions|i spy|hide and seek|tag|a round|a quiz|a riddle|the (?:piano|guitar|violin|drums))\b"
)
_QUESTION = re.compile(r"(?:what|who|whom|why|how|when|where|which|whose|tell|explain|describe|define|do|does|did)\b")
_STATE_QUESTION = re.compile(
    rf"(?:is|are|was|were|did i leave|have i left|did you) (?:the |my |all the |all |any )?(?:[a-z]+ ){{0,3}}"
    rf"(?:{_DEVICE}|{_ROOM})\b.*\b(?:on|off|open|closed|locked|unlocked|running|shut|armed|disarmed|playing|set)\b"
)
_VERBLESS = re.compile(
    rf"(?:the |my |all |all the |turn )?(?:[a-z]+ ){{0,2}}(?:{_DEVICE}|{_MEDIA}|{_TIMER}|{_ALARM})(?: [a-z]+){{0,2}} "
    r"(?:on|off|up|down|louder|quieter|softer|higher|lower|brighter|dimmer|next|pause|stop|please)(?: please| now)?"
)
_WANT = re.compile(
    rf"(?:i want|i wanna|i'd like|i would like|i need|let's have|can i (?:get|have)|can we (?:get|have)|let's get"
    rf"|we need|we want)\b.*\b(?:{_DEVICE}|{_MEDIA}|{_TIMER}|{_ALARM}|{_REMINDER}|{_ROOM})\b"
)
_MAKE_IT = re.compile(
    r"(?:make|get) (?:it|the room|the house|things|everything) (?:a bit |a little |much )?"
    r"(?:warmer|cooler|colder|hotter|brighter|darker|louder|quieter|dimmer)"
)
_PASSIVE = re.compile(
    rf"(?:can|could|would|will|please) (?:the |my )?(?:[a-z]+ ){{0,2}}(?:{_DEVICE}|{_MEDIA}|{_TIMER}|{_ALARM})\b"
    r".* be (?:turned|switched|set|locked|unlocked|opened|closed|shut|dimmed|stopped|started|cancell?ed|paused)"
)


_CLAUSES = re.compile(r"\s*[,;]\s*|\s+(?:and then|and|so|then|but)\s+(?=(?:please |just |can you |could you )?[a-z])")


def command_kind(text: str) -> Literal["command", "state"] | None:
    """``command`` when ``text`` reads as a command to act (on a device, a room, a timer, an alarm, a
    reminder, a list, the volume, media... or something Hark has no skill for: calls, messages),
    in any of its clauses ("it's freezing, turn the radiators up"); ``state`` for a question about a
    device's state; None for anything else."""
    kind = _command_kind(_core(text, asking=False))
    if kind is not None:
        return kind
    clauses = [c for c in _CLAUSES.split(text.lower()) if c.strip()]
    if len(clauses) > 1:
        kinds = {_command_kind(_core(c, asking=False)) for c in clauses}
        return "command" if "command" in kinds else "state" if "state" in kinds else None
    return None


def _command_kind(s: str) -> Literal["command", "state"] | None:
    if not s:
        return None
    if _STATE_QUESTION.match(s):
        return "state"
    if _WANT.match(s) or _MAKE_IT.match(s) or _PASSIVE.match(s) or _VERBLESS.fullmatch(s) or _NOUN_NUMBER.match(s):
        return "command"
    if s.startswith("mind "):  # "would you mind turning off the lights" (after "would you")
        s = s[5:]
        m = _COMMAND_ING.match(s)
        rest = s[m.end() :] if m else ""
        return "command" if m and (_ANY_NOUN.search(rest) or _NUMBER.search(rest) or _PARTICLE.search(rest)) else None
    if _QUESTION.match(s):
        return None
    m = _COMMAND_VERB.match(s)
    if not m:
        return None
    verb, rest = m.group(0), s[m.end() :]
    if verb == "play" and _NOT_MEDIA_PLAY.match(rest):
        return None
    if verb in _NEEDS_NOUN:
        return "command" if _ANY_NOUN.search(rest) else None
    if verb in _INHERENT:
        return "command"
    if _ANY_NOUN.search(rest) or _NUMBER.search(rest) or _PARTICLE.search(rest):
        return "command"
    return None

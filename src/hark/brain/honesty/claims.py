"""What a sentence of a reply claims (an action, a fact) or leaks (a context note), and whether a tool backs it."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from .commands import command_kind
from .facts import FactRoute, _calc_route, fact_route
from .vocab import (
    _ACK,
    _ALARM,
    _ANY_NOUN,
    _BASE,
    _DOMAIN_NOUNS,
    _DOMAIN_RES,
    _MONTH,
    _MONTH_SURE,
    _NEGATED,
    _NUM,
    _NUMWORD,
    _REMINDER,
    _STATE,
    _STRONG_ING,
    _STRONG_PAST,
    _TIMER,
    _WEAK_ING,
    _WEAK_PAST,
    _WEEKDAY,
    _words,
    plain,
)

# -- the reply: claims -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    """A sentence of a reply that needs a tool behind it (or must not be said at all)."""

    kind: Literal["action", "fact", "leak"]
    sentence: str
    domains: frozenset[str] = frozenset()
    """``timer``, ``alarm``, ``reminder``, ``list``, ``media``, ``smarthome``, ``memory``, ``clock``, ``calc``..."""
    fact: str = ""
    """Facts: ``date``, ``time``, ``calc``, ``units`` or ``state``."""
    route: FactRoute | None = None
    """Facts: the tool call that says the truth instead (the real date, the recomputed result), if any."""


def _domains(s: str) -> frozenset[str]:
    found = {domain for domain, pattern in _DOMAIN_RES if pattern.search(s)}
    if re.search(r"\b(?:playing|skipped|skipping|muted|unmuted|paused|louder|quieter)\b", s):
        found.add("media")
    if re.search(r"\bremind", s):
        found.add("reminder")
    if not found and re.search(r"\b(?:remember|noted|forgotten|forget)\b", s):
        found.add("memory")
    return frozenset(found)


_LEAD = rf"^(?:(?:{_ACK}|yes|yeah|great|perfect|right|done|here|now|alright then)\b[ ,.!]*)*"
_FIRST_PERSON = (
    r"\b(?:i|we|let me|allow me|let's|let us)(?:'ve|'ll|'m|'d| have| will| am| had| shall| would)?"
    r"(?: just| now| already| also| then| quickly| gladly| happily| successfully| right away| go ahead and| will"
    r"| be| have)*(?: (?:going to|gonna|about to|trying to|able to))?"
)
_ANY_VERB = rf"{_STRONG_PAST}|{_WEAK_PAST}|{_STRONG_ING}|{_WEAK_ING}|{_BASE}"
_ACT_FIRST_PERSON = re.compile(rf"{_FIRST_PERSON} (?P<verb>{_ANY_VERB})\b")
_CHATTY = re.compile(
    r"made|make|making|got|get|getting|done|put|putting|written|wrote|run|running|note|noting|change|changed"
    r"|changing|start|started|starting|update|updated|save|saved|record|recorded|bringing"
    r"|placed|moved|handled|connected|configured|cleaned|clean|cleaning|play|played"
)
"""Verbs that a first person says of itself in chat ("I made that up", "I started with a joke"):
a claim only with something Hark acts on in the sentence."""
_ACT_NEGATED = re.compile(
    rf"\b(?:i|we)(?:'m| am|'ll| will)? not (?:going to |gonna |about to )?(?P<verb>{_BASE}|{_STRONG_ING}|{_WEAK_ING})\b"
)
_GERUND_SUBJECT = re.compile(
    r"\b(?:is|are|was|were|can|could|helps?|makes?|will|may|might|requires?|takes?|means?|improves?|keeps?|gives?"
    r"|burns?|reduces?|increases?|builds?|boosts?|has|have|should|must|lets?|allows?|becomes?)\b"
)
_ACT_GERUND = re.compile(rf"{_LEAD}(?P<verb>{_STRONG_ING}|{_WEAK_ING})\b")
_SUBJECT = rf"(?:{'|'.join(p for _, p in _DOMAIN_NOUNS[:7])})"
_PAST_ACT = (
    rf"{_STRONG_PAST}|set|started|stopped|added|removed|deleted|cleared|created|opened|closed|raised|lowered"
    r"|increased|decreased|adjusted|changed|enabled|disabled|saved|updated|sent|played"
)
_ING_ACT = (
    rf"{_STRONG_ING}|setting|starting|stopping|adding|removing|deleting|clearing|opening|closing|playing|heating"
    r"|cooling|running|brewing|streaming|casting|calling|sending|recording|changing|adjusting|lowering|raising"
)
_ACT_STATE = re.compile(
    rf"\b{_SUBJECT}\b[^.!?]*?\b(?:is|are|'s|'re|has been|have been|was|were|will be|should be|will now be|are being"
    r"|is being|is getting|are getting|goes|go|went)"
    r"(?: now| being| all| currently| successfully| already| just| back| fully| finally| also)*"
    rf" (?P<verb>{_STATE}|{_PAST_ACT}|{_ING_ACT})\b"
)
_PRONOUN_STATE = (
    r"(?:it|they|that|this|everything|all|both|these|those)"
    r"(?:'s|'re| is| are| has been| have been| will be| should be)(?: now| all| already| just| successfully| back)*"
    r" (?P<verb>on|off|locked|unlocked|set|done|playing|paused|muted|open|closed|shut|running|started|stopped"
    rf"|cancell?ed|armed|disarmed|added|removed|scheduled|{_STRONG_ING})\b"
)
_ACT_PRONOUN = re.compile(rf"{_LEAD}{_PRONOUN_STATE}")
_ACT_IMPERATIVE = re.compile(rf"{_LEAD}(?P<verb>{_BASE})\b")
_ACT_PAST = re.compile(rf"\b(?P<verb>{_PAST_ACT})\b")
_DONE = (
    r"all done|done|all set|consider it done|there you go|you're all set|you are all set|it's done"
    r"|it is done|that's done|that is done|task (?:complete|completed|done)|mission accomplished|coming right up"
    r"|on it|right away|will do|it's on|it is on"
)
_ACT_DONE = re.compile(rf"{_LEAD}(?:{_DONE})\b")
_ACT_REMEMBER = re.compile(r"\b(?:i|we)(?:'ll| will|'ve| have)(?: now| also)? (?:remember|noted|note|stored|saved)\b")
_ACK_ONLY = re.compile(
    rf"^(?:(?:{_ACK}|yes|yeah|great|perfect|right|sure thing|absolutely|happy to help|i'd be happy to"
    r"|i would be happy to|i'd be glad to|i can do that|i can help with that|i can help|let me help|let me see"
    r"|one moment|just a moment|no worries|of course)[ ,.!]*)+$"
)
"""A sentence that only agrees: said with the next one, so "Sure!" never comes before "I couldn't do that"."""

_DATE_CLAIM = re.compile(
    rf"\b(?:today|tomorrow|yesterday|tonight)(?:'s date)?(?: is| was| will be|'s| it is| it's)(?: now| a)?"
    rf"(?: the)? (?:{_WEEKDAY}|{_MONTH_SURE}|may \d|\d{{1,2}}(?:st|nd|rd|th)?(?: of)? (?:{_MONTH}))"
    rf"|\b(?:it is|it's|its)(?: now| currently| a| already)* (?:{_WEEKDAY})\b"
    rf"|\b(?:the (?:current |today's )?date is|today's date is|the current date|the day today is"
    rf"|the day of the week is|the year is)\b"
    rf"|\b(?:it is|it's|its)(?: now| currently)* (?:the )?\d{{1,2}}(?:st|nd|rd|th)?(?: of)? (?:{_MONTH})\b"
    rf"|\b(?:it is|it's|its)(?: now| currently)* (?:{_MONTH_SURE}|may) (?:the )?\d"
    rf"|\b(?:{_WEEKDAY}),? (?:the )?\d{{1,2}}(?:st|nd|rd|th)?(?: of)? (?:{_MONTH})\b"
    rf"|\b(?:{_WEEKDAY}),? (?:{_MONTH}) (?:the )?\d"
    rf"|\b(?:it is|it's|its|we are in|this is) (?:the year )?(?:19|20)\d\d\b"
)
_FOREIGN_MONTH = (
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
    r"|januar|februar|märz|maerz|juni|juli|oktober|dezember|gennaio|febbraio|aprile|maggio|giugno|luglio"
    r"|settembre|ottobre|dicembre"
)
_FOREIGN_WEEKDAY = (
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|miercoles|jueves|viernes|sábado"
    r"|sabado|domingo|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lunedì|martedì|mercoledì|giovedì"
    r"|venerdì|sabato|domenica"
)
_FOREIGN_DATE_CLAIM = re.compile(
    rf"\b\d{{1,2}}(?:er|\.|º)? (?:de )?(?:{_FOREIGN_MONTH})\b|\b(?:{_FOREIGN_MONTH}) \d{{1,2}}\b"
    rf"|\b(?:aujourd'hui|hoy|heute|oggi|nous sommes|estamos|es ist|c'est|es) (?:\w+ )?(?:{_FOREIGN_WEEKDAY})\b"
)
"""A date said in French, Spanish, German or Italian (the model answers in the user's language)."""
_CLOCK = (
    r"(?:\d{1,2}(?::\d{2})?(?: ?(?:a\.?m\.?|p\.?m\.?|o'clock|in the (?:morning|afternoon|evening)|at night))"
    r"|\d{1,2}:\d{2}|(?:half|quarter) (?:past|to) \w+|noon|midday|midnight|(?:one|two|three|four|five|six|seven"
    r"|eight|nine|ten|eleven|twelve)(?: o'clock| thirty| fifteen| forty[ -]five| in the (?:morning|afternoon|evening)))"
)
_TIME_CLAIM = re.compile(
    r"\b(?:it is|it's|its|the time is|the current time is|the local time is|current time is|current time|right now it's"
    r"|time now is|time is now|time right now is)"
    rf"(?: now| currently| exactly| about| around| almost| nearly| just| just past| just after| right now)* {_CLOCK}"
)
_ARITH_CLAIM = re.compile(
    rf"(?:{_NUM}) ?(?:percent|per cent) of (?:{_NUM})(?: is| equals| =| makes| would be| comes to| gives you)"
    rf"(?: about| approximately| roughly| around)? (?:{_NUM})"
    rf"|(?:{_NUM}) ?(?:\+|-|−|\*|×|x|/|÷|plus|minus|times|multiplied by|divided by|over|to the power of)"
    rf" ?(?:{_NUM})(?: is| equals| =| makes| would be| comes to| gives you| gives| are| equal)"
    rf"(?: about| approximately| roughly| around| equal to)? (?:{_NUM})"
    rf"|(?:square|cube) root of (?:{_NUM}) (?:is|equals|=) (?:{_NUM})"
    rf"|(?:{_NUM}) (?:squared|cubed) (?:is|equals|=) (?:{_NUM})"
)
_UNIT_WORD = (
    r"miles?|kilomet(?:er|re)s?|km|met(?:er|re)s?|feet|foot|inch(?:es)?|centimet(?:er|re)s?|cm|millimet(?:er|re)s?"
    r"|yards?|pounds?|lbs?|kilograms?|kilos?|kg|grams?|ounces?|oz|lit(?:er|re)s?|gallons?|cups?|pints?|quarts?"
    r"|tablespoons?|teaspoons?|millilit(?:er|re)s?|ml|degrees?(?: celsius| fahrenheit| centigrade)?|celsius"
    r"|fahrenheit|kelvin|mph|miles per hour|kilomet(?:er|re)s per hour|stones?|tons?|tonnes?|acres?|hectares?"
    r"|calories|kilojoules|joules|bytes?|kilobytes?|megabytes?|gigabytes?|terabytes?"
)
_UNITS_CLAIM = re.compile(
    rf"(?:{_NUM}|a|an|one) (?:{_UNIT_WORD}) (?:is|are|equals|=|is equal to|are equal to|makes|make|converts to"
    rf"|would be|comes to|is the same as|in (?:{_UNIT_WORD}) is)(?: about| approximately| roughly| around| exactly"
    rf"| equal to| just over| just under| almost| nearly)? (?:{_NUM}) (?:{_UNIT_WORD})"
)
_STATE_CLAIM = re.compile(
    rf"\b(?:{_TIMER}|{_ALARM}|{_REMINDER})\b[^.!?]*?\b(?:is|are|isn't|aren't|was|were|has|have|will)"
    r"(?: not| still| no longer| now| currently)* (?:running|set|going|on|off|active|paused|stopped|done|finished"
    r"|ringing|left|remaining|due|scheduled|going off|go off|ring|up)\b"
    rf"|\b(?:you have|there is|there are|you've got|you got|i see|i found|you don't have|you do not have"
    rf"|there aren't|there are not|there isn't|there is not) (?:no|\d+|{_NUMWORD}|a|an|any)"
    rf"(?: \w+)? (?:{_TIMER}|{_ALARM}|{_REMINDER})\b"
    rf"|\b(?:{_NUM}) (?:minutes?|seconds?|hours?) (?:left|remaining|to go)\b"
    r"|\b(?:your|the|my) (?:\w+ )?list (?:has|contains|includes|is empty|is currently empty)\b"
    r"|\bon your (?:\w+ )?list\b|\byour (?:\w+ )?list is\b"
)

_LEAK_MARKERS = re.compile(
    r"\bcontext note|\bnot said by the user|\bsaid by the user\b|\bcurrent local time\b|\blocal time utc\b"
    r"|\butc ?[+-] ?\d|\butc \d\d \d\d\b|\basked you to remember\b|\bin their words\b|\bthings the user asked\b"
    r"|\brelaxed chat\b|\bshort question back\b|\bbefore the user s words\b|\bnever read a note\b"
)


@functools.cache
def _prompt_shingles(prompts: tuple[str, ...], n: int) -> frozenset[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for prompt in prompts:
        words = _words(prompt).split()
        out.update(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    return frozenset(out)


@functools.cache
def _prompt_words(prompts: tuple[str, ...]) -> str:
    return " " + " ".join(_words(p) for p in prompts) + " "


def is_leak(sentence: str, *, notes: Sequence[str] = (), prompts: Sequence[str] = ()) -> bool:
    """Whether ``sentence`` repeats a context note (its frame, or this turn's time) or the system prompt."""
    w = _words(sentence)
    if not w:
        return False
    if _LEAK_MARKERS.search(w) or _LEAK_MARKERS.search(sentence.lower()):
        return True
    for note in notes:
        stamp = re.search(r"local time: ([^.\]]+)", note)
        if stamp:
            head = _words(stamp.group(1)).split()[:6]  # "wednesday 12 march 2025 10 00"
            if len(head) >= 4 and (" ".join(head[:4]) in w or " ".join(head[1:4]) in w):
                return True
    if prompts:
        words = w.split()
        shingles = _prompt_shingles(tuple(prompts), 6)
        if any(tuple(words[i : i + 6]) in shingles for i in range(len(words) - 5)):
            return True
        if len(words) >= 4 and f" {w} " in _prompt_words(tuple(prompts)):
            return True
    return False


def find_claim(
    sentence: str, *, request: str = "", notes: Sequence[str] = (), prompts: Sequence[str] = ()
) -> Claim | None:
    """What ``sentence`` (one sentence of a reply, as it would be spoken) claims, if anything.

    ``request`` is what the user said: an imperative that echoes it ("Set the thermostat to 21 degrees.")
    is a claim; the same words as advice to another question are not.
    """
    if is_leak(sentence, notes=notes, prompts=prompts):
        return Claim("leak", sentence)
    s = sentence.lower().replace("’", "'").replace("%", " percent")
    s = re.sub(r"\s+", " ", s).strip()
    if not s:
        return None
    return _action_claim(sentence, s, request) or _fact_claim(sentence, s, request)


def _action_claim(sentence: str, s: str, request: str) -> Claim | None:
    if _NEGATED.search(s) and not _ACT_NEGATED.search(s):
        return None  # "I can't turn on the lights": honest already
    domains = _domains(s)
    claimed = False
    if m := _ACT_FIRST_PERSON.search(s):
        claimed = not _CHATTY.fullmatch(m.group("verb")) or bool(domains)
    if not claimed and _ACT_REMEMBER.search(s):
        claimed = True
    if not claimed and _ACT_NEGATED.search(s):
        claimed = bool(domains)
    if not claimed and (m := _ACT_GERUND.match(s)):
        rest = s[m.end() :]
        claimed = not _GERUND_SUBJECT.search(rest) and (
            _strong(m.group("verb"))
            or bool(domains)
            or bool(re.search(r"\b(?:for you|now|right away|up)\b", rest))
            or len(s.split()) <= 4
        )
    if not claimed and (_ACT_STATE.search(s) or _ACT_PRONOUN.match(s) or _ACT_DONE.match(s)):
        claimed = True
    if not claimed and (m := _ACT_IMPERATIVE.match(s)) and domains and not s.endswith("?"):
        heard = plain(request)
        claimed = bool(re.search(rf"\b{m.group('verb')}\b", heard)) or bool(_domains(heard) & domains)
    if not claimed and request and _echoes(s, request):
        claimed, domains = True, domains | _domains(plain(request))
    if not claimed and (m := _ACT_PAST.search(s)) and domains and not s.endswith("?"):
        claimed = _strong(m.group("verb")) or not re.match(r"(?:how|what|why|when|where|which|who|if|do|does|did)\b", s)
    if not claimed:
        return None
    return Claim("action", sentence, domains)


_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "for",
        "of",
        "in",
        "on",
        "at",
        "my",
        "your",
        "please",
        "can",
        "could",
        "would",
        "you",
        "be",
        "able",
        "will",
        "i",
        "me",
        "it",
        "is",
        "are",
        "and",
        "or",
        "so",
        "just",
        "now",
        "sure",
        "okay",
        "ok",
        "alright",
        "done",
        "hey",
    ]
)


def _echoes(s: str, request: str) -> bool:
    """A statement that repeats a command's words ("Sure, secure the house.", "Start a time are for
    one hour."): said back as if done."""
    if s.rstrip().endswith("?") or (command_kind(request) != "command" and not _ANY_NOUN.search(plain(request))):
        return False
    said = {w for w in _words(s).split() if w not in _STOPWORDS}
    asked = {w for w in _words(request).split() if w not in _STOPWORDS}
    return len(said & asked) >= max(2, round(0.6 * len(said)))


def _strong(verb: str) -> bool:
    return bool(re.fullmatch(rf"{_STRONG_PAST}|{_STRONG_ING}", verb))


def _fact_claim(sentence: str, s: str, request: str) -> Claim | None:
    if _DATE_CLAIM.search(s) or _FOREIGN_DATE_CLAIM.search(s):
        offset = 1 if "tomorrow" in s else -1 if "yesterday" in s else 0
        today = FactRoute("date_today", {"offset_days": offset} if offset else {}, "date")
        return Claim("fact", sentence, frozenset({"clock"}), "date", today)
    if _TIME_CLAIM.search(s):
        return Claim("fact", sentence, frozenset({"clock"}), "time", FactRoute("time_now", {}, "time"))
    if m := _ARITH_CLAIM.search(s):
        left = re.split(r" (?:is|equals|=|makes|would be|comes to|gives you|gives|are|equal)\b", m.group(0))[0]
        calc = _calc_route(plain(left)) or fact_route(request)
        return Claim("fact", sentence, frozenset({"calc"}), "calc", calc if calc and calc.kind == "calc" else None)
    if _UNITS_CLAIM.search(s):
        units = fact_route(request)
        return Claim("fact", sentence, frozenset({"calc"}), "units", units if units and units.kind == "units" else None)
    if _STATE_CLAIM.search(s):
        domains = _domains(s) & {"timer", "alarm", "reminder", "list"} or frozenset({"timer"})
        return Claim("fact", sentence, domains, "state", _STATE_ROUTES.get(min(domains)))
    return None


_STATE_ROUTES = {
    "timer": FactRoute("timer_status", {}, "timers"),
    "alarm": FactRoute("alarm_list", {}, "alarms"),
    "reminder": FactRoute("reminder_list", {}, "reminders"),
}


_TOOL_DOMAINS: tuple[tuple[str, str], ...] = (
    ("timer_", "timer"),
    ("alarm_panel", "smarthome"),
    ("alarm_", "alarm"),
    ("reminder_", "reminder"),
    ("list_", "list"),
    ("memory_", "memory"),
    ("volume_", "media"),
    ("media_", "media"),
    ("device_", "smarthome"),
    ("light_", "smarthome"),
    ("cover_", "smarthome"),
    ("climate_", "smarthome"),
    ("scene_", "smarthome"),
    ("lock_", "smarthome"),
    ("time_now", "clock"),
    ("date_today", "clock"),
    ("calculate", "calc"),
    ("convert_units", "calc"),
    ("weather_", "weather"),
)


def tool_domain(tool: str) -> str:
    """The domain a tool acts in (``timer_start`` -> ``timer``); the tool's own name when unknown."""
    return next((domain for prefix, domain in _TOOL_DOMAINS if tool.startswith(prefix)), tool)


def backed(claim: Claim, ran: Iterable[str]) -> bool:
    """Whether a tool that ran (successfully) in this turn stands behind ``claim``."""
    if claim.kind == "leak":
        return False
    done = {tool_domain(t) for t in ran}
    if not done:
        return False
    if claim.kind == "fact":
        return claim.domains <= done
    claimed = claim.domains - {"elsewhere"}  # "remind me to call mum": the call is not the act
    if "elsewhere" in claim.domains and not claimed:
        return False  # a call, an e-mail, a taxi: no tool does those
    if not claimed:
        return True  # "Done." after a tool did something
    if "smarthome" in claimed and claimed & {"timer", "alarm", "reminder", "list", "media"}:
        claimed = claimed - {"smarthome"}  # "a timer in the kitchen": the room is not a device
    return claimed <= done  # every act it claims was done

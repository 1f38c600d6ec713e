"""Honesty rules for the generative brain: no claim without the act, no made-up facts, no notes read aloud.

A language model, the tiny built-in one above all, answers as if it had acted
("The vision lights are turning on.") or knew ("Today is Saturday, December 20.").
The prompt asks it not to; this module makes sure, in code:

* **On the request, before any model call** (cheap regular expressions):

  - :func:`fact_route`: a question about something Hark *knows* (the date, the
    day, the time, arithmetic, a unit conversion, its timers, alarms, reminders
    and lists) becomes the skill tool call that answers it. The brain runs that
    tool and speaks its result: such facts never come from model weights.
  - :func:`command_kind`: a request that reads as a command (an imperative or
    polite request naming a device, a room, a timer, an alarm, a list, the
    volume, music...) or as a question about a device's state. The brain answers
    those with :data:`HONEST_CANT` / :data:`CANT_CHECK` *when the model has no
    tools*: whatever it said, it could not have done it.

* **On the reply, while it streams** (:class:`ReplyGate`): every piece of model
  text passes the gate before the pipeline (and so the speech synthesiser) sees
  it. The gate cuts the text where the pipeline's segmenter could cut it (a
  sentence end, a clause mark, before a clause or phrase word, or after 40
  characters) and lets a piece through at once when it holds no word that could
  take part in a claim (:data:`_RISKY`: action verbs, devices, timers, numbers,
  dates, acknowledgements, words of the notes...). A risky piece is held to the
  end of its sentence, and the whole sentence is judged (:func:`find_claim`):

  - ``action``: it says something was, is being or will be done ("I've set",
    "turning on", "timer cancelled", "Done."). Allowed only when a tool of the
    same domain ran successfully in this turn (:func:`backed`).
  - ``fact``: it states the current date, day or time, an arithmetic or
    conversion result, or the state of timers, alarms, reminders or lists.
    Allowed only when a tool of that kind ran in this turn.
  - ``leak``: it repeats a context note (:func:`hark.brain.prompt.time_note`,
    :func:`~hark.brain.prompt.facts_note`) or the system prompt. Dropped; the
    reply goes on.

  The brain replaces a blocked claim with an honest sentence and stops the model.

So normal answers flow as they did (a piece without risky words is released at
the same point the segmenter would cut it), and only sentences that might claim
something wait for their end: measured with ``bench/false_claims.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from ..nlu.spoken import spoken_quantity, spoken_unit
from ..skills.arith import normalise_expression
from ..skills.units import find_units

HONEST_CANT = (
    "I couldn't do that. I can set timers, alarms, reminders and lists, tell the time and weather, "
    "and control your smart home if one is connected. Or ask me again."
)
"""Said instead of a claimed action that no tool did."""
CANT_CHECK = (
    "I can't check that. I can set timers, alarms, reminders and lists, tell the time and weather, "
    "and control your smart home if one is connected. Or ask me again."
)
"""Said for a question about a device's state when no tool can read it."""
NOT_THE_REST = "I couldn't do the rest."
"""Said after the tools' own sentences when the model claimed more than they did."""
NOT_SURE = "I don't know that for sure, so I won't guess."
"""Said instead of a made-up arithmetic or conversion result that could not be recomputed."""
CANT_LOOK_UP = "Sorry, I can't check that right now."
"""Said when the skill that knows the answer is not available here."""

FIRST_CUT_CHARS = 40
"""Without a clause boundary, a safe piece is released at a word gap once it is this long (the
segmenter's hard cut: twice ``tts.first_clause_chars``)."""

# -- vocabulary ------------------------------------------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = "|".join(_WEEKDAYS)
_MONTH = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTH_SURE = "january|february|march|april|june|july|august|september|october|november|december"
"""Months whose name is not also a common word ("may")."""
_NUMWORD = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    "|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million"
)
_NUM = rf"(?:-?\d+(?:[.,]\d+)*|(?:{_NUMWORD})(?:[ -](?:and[ -])?(?:{_NUMWORD}))*|a half|a quarter)"

_DEVICE = (
    r"lights?|lamps?|bulbs?|lighting|chandeliers?|night ?lights?|leds?|switch(?:es)?|plugs?|sockets?|outlets?|fans?"
    r"|heaters?|heating|thermostats?|radiators?|boilers?|a ?c|air ?con(?:ditioning|ditioner)?|aircon|temperature"
    r"|blinds?|shades?|curtains?|shutters?|awnings?|garage(?: doors?)?|doors?|gates?|locks?|deadbolts?|windows?"
    r"|tv|telly|television|speakers?|sound ?bar|kettle|oven|stove|hob|microwave|coffee(?: machine| maker)?"
    r"|dishwasher|washing machine|washer|dryer|fridge|freezer|vacuum(?: cleaner)?|hoover|roomba|robot|mop"
    r"|sprinklers?|irrigation|cameras?|doorbell|security system|alarm system|alarm panel|scenes?|humidifier"
    r"|dehumidifier|(?:air )?purifier|fireplace|hot tub|jacuzzi|pool pump|devices?|appliances?|smart home|printer"
    r"|skylights?|kettle"
)
_ROOM = (
    r"kitchen|bed ?rooms?|living ?room|lounge|bathroom|hallway|hall|office|study|garden|porch|basement|cellar|attic"
    r"|dining ?room|den|nursery|patio|balcony|driveway|upstairs|downstairs|house|home|rooms?|kids room|guest room"
)
_TIMER = r"timers?|countdowns?|stopwatch(?:es)?|timber"
_ALARM = r"alarms?(?! system| panel)|wake ?up calls?"
_REMINDER = r"reminders?"
_LIST = r"lists?|shopping|groceries|grocery|to ?dos?|todo"
_MEDIA = (
    r"volume|music|songs?|tracks?|tunes?|playlists?|podcasts?|albums?|radio|audio|sound|media|spotify|netflix"
    r"|youtube|movies?|films?|episodes?|audiobooks?|channels?|stations?|louder|quieter"
)
_ELSEWHERE = (
    r"calendar|appointments?|meetings?|emails?|e-mails?|messages?|texts?|calls?|notifications?|taxi|uber"
    r"|tickets?|table for|flights?|car|engine|charger|photos?|pictures?|videos?|selfies?|recording|twitter|facebook"
    r"|instagram|bills?|euros?|dollars?|pounds sterling"
)
"""Things Hark has no skill for: a command about them is still a command."""
_MEMORY = r"memory|memories"

_DOMAIN_NOUNS: tuple[tuple[str, str], ...] = (
    ("timer", _TIMER),
    ("alarm", _ALARM),
    ("reminder", _REMINDER),
    ("list", _LIST),
    ("media", _MEDIA),
    ("smarthome", _DEVICE),
    ("smarthome", _ROOM),
    ("memory", _MEMORY),
    ("elsewhere", _ELSEWHERE),
)
_DOMAIN_RES = tuple((domain, re.compile(rf"\b(?:{pattern})\b")) for domain, pattern in _DOMAIN_NOUNS)
_ANY_NOUN = re.compile(r"\b(?:" + "|".join(p for _, p in _DOMAIN_NOUNS) + r")\b")

# Verb forms of acting. STRONG ones claim an act on their own ("I've cancelled it"); the others
# only with something Hark acts on in the sentence ("I've made a list", not "I made that up").
_STRONG_PAST = (
    r"turned|switched|cancell?ed|paused|resumed|unpaused|locked|unlocked|dimmed|brightened|activated|deactivated"
    r"|armed|disarmed|scheduled|booked|ordered|texted|emailed|e-mailed|messaged|phoned|dialled|dialed|muted|unmuted"
    r"|preheated|vacuumed|snoozed|reminded|silenced|skipped|queued|reserved|notified|programmed|rebooted|restarted"
)
_WEAK_PAST = (
    r"set|started|stopped|added|removed|deleted|cleared|emptied|created|made|opened|closed|shut|raised|lowered"
    r"|increased|decreased|reduced|adjusted|changed|enabled|disabled|saved|updated|noted|put|played|recorded|sent"
    r"|called|bought|fed|watered|brewed|heated|cooled|cleaned|launched|tuned|dismissed|extended|rewound|shuffled"
    r"|moved|configured|connected|disconnected|stored|placed|written|wrote|got|handled|done"
)
_STRONG_ING = (
    r"turning|switching|cancell?ing|pausing|resuming|locking|unlocking|dimming|brightening|activating|deactivating"
    r"|arming|disarming|scheduling|booking|ordering|texting|emailing|messaging|phoning|dialing|dialling|muting"
    r"|unmuting|preheating|vacuuming|snoozing|silencing|skipping|queu(?:e)?ing|reserving|rebooting|restarting"
)
_WEAK_ING = (
    r"setting|starting|stopping|adding|removing|deleting|clearing|emptying|creating|making|opening|closing|shutting"
    r"|raising|lowering|increasing|decreasing|reducing|adjusting|changing|enabling|disabling|saving|updating|noting"
    r"|putting|playing|recording|sending|calling|buying|feeding|watering|brewing|heating|cooling|cleaning|launching"
    r"|tuning|dismissing|extending|rewinding|shuffling|streaming|casting|running|reminding|waking|getting|bringing"
)
_BASE = (
    r"turn|switch|set|start|stop|cancel|pause|resume|unpause|add|remove|delete|clear|empty|create|make|lock|unlock"
    r"|open|close|shut|dim|brighten|raise|lower|increase|decrease|reduce|adjust|change|activate|deactivate|enable"
    r"|disable|arm|disarm|schedule|book|order|buy|call|phone|dial|text|message|email|send|record|restart|reboot"
    r"|reset|feed|water|brew|preheat|mute|unmute|silence|skip|play|queue|save|update|put|heat|cool|warm|vacuum"
    r"|hoover|clean|mop|launch|tune|snooze|dismiss|extend|rewind|shuffle|remind|wake|note|run|boost|crank|bump"
)
_STATE = (
    r"on|off|open|opened|closed|shut|locked|unlocked|playing|paused|running|muted|unmuted|set|armed|disarmed|active"
    r"|activated|deactivated|enabled|disabled|started|stopped|cancell?ed|done|scheduled|added|removed|dimmed"
    r"|brighter|dimmer|warmer|cooler|louder|quieter|up|down|ready|going|ringing|heating|cooling|brewing|charging"
)
_ACK = r"ok(?:ay)?|sure|alright|all right|certainly|of course|absolutely|no problem|got it|will do|right away|gladly"

_NEGATED = re.compile(
    r"\b(?:can ?not|can't|cant|couldn't|couldnt|could not|unable|not able|won't be able|don't have|do not have"
    r"|didn't|did not|haven't|have not|wasn't able|no way to|not possible|not connected|isn't connected"
    r"|no smart home|not set up|not configured|don't know|do not know|not sure)\b"
)

# -- normalising ------------------------------------------------------------------------------------

_CONTRACTIONS = (
    (r"\bwhat's\b|\bwhats\b|\bwat's\b|\bwats\b", "what is"),
    (r"\bit's\b", "it is"),
    (r"\bhow's\b", "how is"),
    (r"\bwhen's\b", "when is"),
    (r"\bthat's\b", "that is"),
    (r"\bthere's\b", "there is"),
    (r"\bwhere's\b", "where is"),
    (r"\bwho's\b", "who is"),
)


def plain(text: str) -> str:
    """Lower case, no punctuation but apostrophes (``%`` said as "percent"), a few contractions expanded."""
    s = text.lower().replace("’", "'").replace("‘", "'").replace("%", " percent ")
    s = re.sub(r"[^\w' +\-*/^×÷.:]+", " ", s)
    s = re.sub(r"(?<![\d])[.:](?![\d])", " ", s)  # keep 2.5 and 10:30, drop sentence dots
    for pattern, repl in _CONTRACTIONS:
        s = re.sub(pattern, repl, s)
    return re.sub(r"\s+", " ", s).strip(" '")


def _words(text: str) -> str:
    """Lower case words only (no operators): for matching the notes and the system prompt."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w]+", " ", text.lower().replace("’", "'").replace("'", ""))).strip()


_POLITE = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|yo|so|and|also|um+|uh+|er+m?|well|now|oh|sorry|excuse me|hark|jarvis|hey jarvis"
    r"|alexa|computer|please|pls|kindly|quickly|just|quick question|one more thing|can you|could you|would you"
    r"|will you|can u|could u|would u|would you mind|would you be so kind as to|would you be able to"
    r"|are you able to|be a dear and|i want you to|i need you to|i'd like you to|i would like you to"
    r"|go ahead and|try to|try and|then|right|be able to|able to)\b[ ,]*)+"
)
_ASKING = re.compile(
    r"^(?:(?:do you know|do you happen to know|tell me|can you tell me|could you tell me|let me know|remind me"
    r"|i want to know|i'd like to know|i would like to know|i need to know|i wonder|i was wondering|any idea"
    r"|have you got any idea|do you have any idea|please|quick question|so|and|ok|okay|hey|hark|jarvis)\b[ ,]*)+"
)
_TRAILING = re.compile(
    r"(?:[ ,]*\b(?:please|pls|thanks|thank you|again|for me|mate|buddy|hark|jarvis|right now|now|exactly|then"
    r"|currently|at the moment|for me please|if you can|if you could|if you would)\b)+$"
)


_HEARD_AS = ((r"\bun lock", "unlock"), (r"\bswitch of\b", "switch off"), (r"\bturn of\b", "turn off"))
"""Words speech recognition splits or mishears, put back together."""


def _core(text: str, *, asking: bool) -> str:
    s = plain(text)
    for pattern, repl in _HEARD_AS:
        s = re.sub(pattern, repl, s)
    previous = None
    while s != previous:
        previous = s
        s = _POLITE.sub("", s)
        if asking:
            s = _ASKING.sub("", s)
        s = _TRAILING.sub("", s).strip()
    return s


# -- facts Hark has: the request ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class FactRoute:
    """The skill tool that answers a question, and how to say its result."""

    tool: str
    arguments: Mapping[str, Any]
    kind: Literal["date", "time", "calc", "units", "timers", "alarms", "reminders", "list"]
    asks: str = ""
    """Date questions: ``year``, ``month``, or a weekday / ``weekend`` / ``weekday`` for a yes-no question."""


_D = r"(?:date|day|weekday|week day|day of the week|day of the month|month|year)"
_WHEN = r"(?:today|tomorrow|yesterday|the day after tomorrow|the day before yesterday)"
_IS_IT = (
    r"(?:is it|is today|is it today|it is|it is today|today is|are we in|are we on|are we|do we have|have we got"
    r"|is this|we are|we are in|we are on|is it now|it is now)"
)
_DATE_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        rf"(?:what|which) is (?:the )?(?:current |present |actual |todays |today's )?{_D}"
        rf"(?: {_IS_IT}| today| {_WHEN}| of today| currently| now| at the moment)?(?: today| now)?",
        rf"(?:what|which) {_D}(?: {_IS_IT})?(?: today| now| currently)?",
        rf"(?:what|which) (?:date|day|weekday|day of the week) (?:is|was|will be|will it be|was it|is it) {_WHEN}(?: be)?",
        rf"(?:what|which) (?:date|day|weekday) (?:will|is|was) {_WHEN}(?: be)?",
        rf"what is {_WHEN}(?:'s| s)?(?: date| day| weekday)?",
        rf"{_WHEN}(?:'s| s)? (?:date|day|weekday)(?: is)?(?: what)?",
        rf"{_WHEN} (?:is|was|will be) (?:what|which)(?: day| date| weekday)?(?: of the week)?",
        rf"(?:is|was) (?:it|today|tomorrow|yesterday) (?:a |the )?(?:{_WEEKDAY}|weekend|weekday|week day"
        rf"|(?:{_MONTH}) (?:the )?\d+\w*|(?:the )?\d+(?:st|nd|rd|th)?(?: of (?:{_MONTH}))?)"
        rf"(?: {_WHEN}| already| yet)?",
        rf"(?:is|was) (?:{_WEEKDAY}) {_WHEN}",
        rf"(?:{_WHEN}|it) is (?:{_WEEKDAY}|the weekend)(?: right| isn't it| is it not| correct)",
        r"(?:the |current |the current |todays |today's |the full |full |complete )?date(?: today| and (?:the )?time)?",
        r"(?:give me|say|get me|read me|check|find out|look up|tell) (?:me )?(?:the |today's |todays |what )?"
        r"(?:current )?(?:date|day)(?: today| it is| is it)?",
        r"(?:what|which) (?:is the )?(?:day and date|date and day|date and time|day and time)(?: today| is it)?",
        r"(?:what|which) day (?:of the week )?(?:are we|is it)(?: on| in)?",
        r"(?:the )?day of the week",
        r"(?:what|which) (?:year|month) (?:are we in|is this|is it|it is)",
        r"how is the date",
        r"(?:what|which) (?:date|day) (?:is it|it is) (?:today|tomorrow)",
        rf"what (?:was|is|will be) {_WHEN}(?:'s| s)? (?:date|day|weekday)",
    )
)
_DATE_EXCLUDE = re.compile(
    r"\b(?:birthday|christmas|easter|holiday|born|anniversary|founded|invented|happen|happened|until|till|since"
    r"|ago|dead|deadline|due|release|expir\w*|dating|date night|valentine|thanksgiving|halloween|new year)\b"
)

_CITY = r"(?: in (?P<city>[a-z][a-z' .-]{1,60}))?"
_TIME_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        rf"what is (?:the )?(?:current |exact |local |present )?time(?: now| right now| currently| here| is it| it is"
        rf"| at the moment)?{_CITY}(?: now| right now)?",
        rf"what time (?:is it|it is|do you have|have you got)(?: now| right now| currently| here| at the moment)?{_CITY}"
        rf"(?: now| right now)?",
        rf"(?:the |current |the current |exact |local |the local )?time(?: now| right now| here| check)?{_CITY}",
        r"(?:do you )?(?:have|know|got) the time",
        r"how late is it|what hour is it|what is the hour",
        rf"(?:give me|say|check|get me|read me|tell) (?:me )?(?:the )?(?:current |exact )?time{_CITY}",
        r"what o'?clock is it",
    )
)

_NAME = r"(?:(?P<name>[a-z]+(?: [a-z]+)?) )?"
_TIMER_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        rf"how (?:much time|long|many minutes|many seconds|much longer)(?: is| do i have| have i got| are| does it have)?"
        rf"(?: left| remaining| to go)(?: on| for| in)?(?: the| my)?(?: {_NAME}(?:{_TIMER}))?",
        rf"how long (?:until|till|til|before|left on|left for) (?:the |my )?{_NAME}(?:{_TIMER})"
        r"(?: goes off| rings| is done| ends| finishes| is up| is finished)?",
        rf"(?:what|which) (?:{_TIMER}) (?:do i have|are (?:running|set|on|going|active)|have i (?:got|set)"
        r"|is (?:running|set|on))(?: going)?",
        rf"(?:do i have|have i got|are there|is there|have i set|did i set) (?:any |a )?(?:{_TIMER})"
        r"(?: running| set| going| on| active)?",
        rf"(?:is|are) (?:the |my )?{_NAME}(?:{_TIMER}) (?:still )?(?:running|going|on|set|done|finished|active|up|over)",
        rf"(?:check|list|show|read)(?: me)? (?:the |my |all (?:the |my )?)?(?:{_TIMER})(?: status)?",
        rf"(?:{_TIMER}) (?:status|check|left)|status of (?:the |my )?(?:{_TIMER})|any (?:{_TIMER})|my (?:{_TIMER})",
    )
)
_ALARM_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        r"(?:what|which) alarms? (?:do i have|are (?:set|on|active)|have i (?:got|set)|is set)",
        r"(?:do i have|have i got|are there|is there|have i set|did i set) (?:any |an )?alarms?(?: set| on)?"
        r"(?: for (?:tomorrow|today|tonight))?",
        r"(?:when|what time) is my alarm(?: set)?(?: for)?(?: tomorrow)?",
        r"(?:is|are) (?:my |the )?alarms? (?:set|on)(?: for tomorrow)?",
        r"(?:check|list|show|read)(?: me)? (?:the |my |all (?:the |my )?)?alarms?|any alarms?(?: set)?|my alarms",
    )
)
_REMINDER_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        r"(?:what|which) reminders? (?:do i have|are (?:set|there|pending)|have i (?:got|set))",
        r"(?:do i have|have i got|are there|is there) (?:any |a )?reminders?(?: set| pending)?",
        r"what are my reminders|(?:check|list|show|read)(?: me)? (?:the |my |all (?:the |my )?)?reminders?",
    )
)
_LIST_NAME = r"(?:(?P<list>[a-z]+(?: ?do)?) )?"
_LIST_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        rf"what is on (?:my |the ){_LIST_NAME}list",
        rf"(?:read|check|show)(?: me| out)? (?:my |the ){_LIST_NAME}list",
        rf"what do i have on (?:my |the ){_LIST_NAME}list",
        rf"what is in (?:my |the ){_LIST_NAME}list",
    )
)

_EXPRESSION = re.compile(r"^[\d\s.+\-*/%()]*(?:(?:sqrt|cbrt)[\s(]*[\d\s.+\-*/%()]*)*$")
_OPERATION = re.compile(r"\d\s*\)?\s*(?:\*\*|[+\-*/%])\s*\(?\s*[\d(]|sqrt|cbrt")
_CALC_PREFIX = re.compile(
    r"^(?:what is|how much is|how much are|calculate|compute|work out|solve|what are|what does)\s+"
)

_UNITS_TEMPLATES = tuple(
    re.compile(t)
    for t in (
        r"convert (?P<q>.+?) (?:to|into|in) (?P<to>.+)",
        r"how many (?P<to>.+?) (?:are |is )?(?:there )?(?:in|to|per|make(?: up)?|equal|is|are) (?P<q>.+)",
        r"(?:what is|how much is|how many is|what are)? ?(?P<q>.+?) (?:in|to|into|as|expressed in) (?P<to>.+)",
        r"(?P<q>.+?) (?:is|equals|are|make|makes) how many (?P<to>.+)",
    )
)


def fact_route(text: str) -> FactRoute | None:
    """The skill tool that answers ``text``, when it asks for a fact Hark has; None otherwise."""
    s = _core(text, asking=True)
    if not s or len(s) > 120:
        return None
    if not _DATE_EXCLUDE.search(s) and any(t.fullmatch(s) for t in _DATE_TEMPLATES):
        return _date_route(s)
    for template in _TIME_TEMPLATES:
        if m := template.fullmatch(s):
            city = (m.group("city") or "").strip() if "city" in m.groupdict() else ""
            return FactRoute("time_now", {"city": city} if city else {}, "time")
    for template in _TIMER_TEMPLATES:
        if m := template.fullmatch(s):
            name = (m.groupdict().get("name") or "").strip()
            name = "" if name in ("the", "my", "a", "any", "all", "all the", "all my") else name.removeprefix("the ")
            return FactRoute("timer_status", {"name": name} if name else {}, "timers")
    if any(t.fullmatch(s) for t in _ALARM_TEMPLATES):
        return FactRoute("alarm_list", {}, "alarms")
    if any(t.fullmatch(s) for t in _REMINDER_TEMPLATES):
        return FactRoute("reminder_list", {}, "reminders")
    for template in _LIST_TEMPLATES:
        if m := template.fullmatch(s):
            name = (m.group("list") or "shopping").strip()
            return FactRoute("list_read", {"list": name}, "list")
    if route := _calc_route(s):
        return route
    return _units_route(s)


def _date_route(s: str) -> FactRoute:
    offset = 0
    if "day after tomorrow" in s:
        offset = 2
    elif "day before yesterday" in s:
        offset = -2
    elif re.search(r"\btomorrow\b", s):
        offset = 1
    elif re.search(r"\byesterday\b", s):
        offset = -1
    asks = ""
    if re.match(r"(?:is|was) |(?:today|tomorrow|yesterday|it) is (?:" + _WEEKDAY + r"|the weekend)", s):
        m = re.search(rf"\b({_WEEKDAY}|weekend|weekday|week day)\b", s)
        asks = m.group(1).replace("week day", "weekday") if m else ""
    elif re.search(r"\byear\b", s) and not re.search(r"\b(?:date|day)\b", s):
        asks = "year"
    elif re.search(r"\bmonth\b", s) and not re.search(r"\b(?:date|day)\b", s):
        asks = "month"
    return FactRoute("date_today", {"offset_days": offset} if offset else {}, "date", asks)


def _calc_route(s: str) -> FactRoute | None:
    if not re.search(r"\d|" + _NUMWORD, s):
        return None
    expression = _CALC_PREFIX.sub("", s)
    try:
        normalised = normalise_expression(expression)
    except Exception:  # the skill's own parser refuses it: not arithmetic
        return None
    if not _EXPRESSION.match(normalised) or not _OPERATION.search(normalised):
        return None
    return FactRoute("calculate", {"expression": expression[:200]}, "calc")


def _units_route(s: str) -> FactRoute | None:
    if not re.search(r"\d|\b(?:a|an|one|" + _NUMWORD + r")\b", s):
        return None
    for template in _UNITS_TEMPLATES:
        m = template.fullmatch(s)
        if not m:
            continue
        quantity_text = re.sub(r"^(?:a|an) ", "one ", m.group("q").strip())
        quantity = spoken_quantity(quantity_text)
        target = spoken_unit(m.group("to").strip())
        if quantity is None or target is None or not find_units(quantity[1]) or not find_units(target):
            continue
        value, unit = quantity
        return FactRoute("convert_units", {"value": value, "from_unit": unit, "to_unit": target}, "units")
    return None


def say_date(route: FactRoute, speech: str, data: Mapping[str, Any]) -> str:
    """The date tool's sentence, shaped to what was asked (a yes-no weekday question, the year, the month)."""
    iso = str(data.get("date", ""))
    weekday = str(data.get("weekday", ""))
    if route.asks == "year" and len(iso) >= 4:
        return f"It's {iso[:4]}."
    if route.asks == "month" and len(iso) >= 7:
        months = _MONTH.split("|")
        return f"It's {months[int(iso[5:7]) - 1].capitalize()} {iso[:4]}."
    if route.asks and weekday:
        day = weekday.lower()
        if route.asks == "weekend":
            yes = day in ("saturday", "sunday")
        elif route.asks == "weekday":
            yes = day not in ("saturday", "sunday")
        else:
            yes = day == route.asks
        return f"{'Yes' if yes else 'No'}. {speech}"
    return speech


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


# -- the reply: the streaming gate ---------------------------------------------------------------------------

_RISKY = re.compile(
    rf"\b(?:{_STRONG_PAST}|{_STRONG_ING}|{_ACK}|{_DONE}|ready|minutes?|seconds?|hours?)\b"
    r"|\b(?:is|are|'s|'re|be|been|now|back|all|turned|switched|it|them|they|that)\s+on\b|\bon\s+now\b"
    r"|\b(?:is|are|'s|'re|been|be)\s+(?:now\s+|all\s+)?(?:set|off|locked|unlocked|playing|paused|running|muted|done)\b"
    rf"|\b(?:{'|'.join(p for _, p in _DOMAIN_NOUNS)})\b"
    rf"|\d|\b(?:{_WEEKDAY}|{_MONTH}|today|tomorrow|yesterday|tonight|o'clock|am|pm|a\.m|p\.m|noon|midday|midnight"
    r"|half past|quarter past|quarter to|date)\b"
    r"|\b(?:it is|it's|its|is now|time is)\s+(?:about |around |exactly |almost |nearly |just )?"
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b"
    r"|\b(?:plus|minus|times|divided|multiplied|percent|per cent|equals?|squared|cubed|root|sum|total|result"
    r"|answer|convert\w*)\b"
    rf"|\b(?:{_UNIT_WORD}|{_FOREIGN_WEEKDAY})\b"
    r"|\b(?:context|user|utc|local time|remember\w*|forg[eo]t\w*|noted|memory)\b"
    r"|[+=×÷]"
)
"""Words that can take part in a claim, a made-up fact or a note read aloud: a piece of reply text
holding one waits for the end of its sentence."""
_RISKY_FIRST_PERSON = re.compile(rf"{_FIRST_PERSON} (?:{_ANY_VERB})\b")
_COMMAND_OPENING = (
    r"turn|switch|set|start|stop|pause|resume|add|remove|delete|lock|unlock|open|close|shut|dim|brighten|raise|lower"
    r"|increase|decrease|adjust|activate|deactivate|enable|disable|arm|disarm|schedule|mute|unmute|skip|play|preheat"
    r"|vacuum|snooze|dismiss|remind|wake|boost|crank|cancel|secure"
)
"""Verbs that open a command said back ("Start a timer for one hour."); not those that open a
statement as nouns too ("Water is made of...", "Records show...")."""
_RISKY_OPENING = re.compile(
    rf"{_LEAD}(?:(?:{_STRONG_ING}|{_WEAK_ING}|{_COMMAND_OPENING})\b|{_PRONOUN_STATE}|(?:{_DONE})\b)"
)
"""Claims that only a sentence's opening makes ("Playing jazz for you.", "It's on.", "Done.", a
command said back: "Start a timer for one hour.")."""
_OPEN_SUBJECT = re.compile(
    r"(?:^|\s)(?:i|we|i've|i'll|i'm|i'd|we've|we'll|we're|let me|it|it's|they|they're|that's|this|everything)"
    r"(?: (?:have|will|am|is|are|has|just|now|also|already|then|be|been|all))*\s*$"
)
"""A piece that ends on a subject whose verb is still to come ("... I've also"): its claim may follow."""


def risky(piece: str, *, before: str = "", prompts: Sequence[str] = ()) -> bool:
    """Whether ``piece`` (the part of a sentence after ``before``) may take part in a claim or a leak."""
    low = piece.lower().replace("’", "'")
    if _RISKY.search(low) or _RISKY_FIRST_PERSON.search(low):
        return True
    if _RISKY_OPENING.match((before.lower() + low).lstrip()):
        return True
    if _OPEN_SUBJECT.search(low):
        return True
    if prompts:
        words = _words(piece).split()
        shingles = _prompt_shingles(tuple(prompts), 3)
        if any(tuple(words[i : i + 3]) in shingles for i in range(len(words) - 2)):
            return True
        if len(words) >= 2 and f" {' '.join(words)} " in _prompt_words(tuple(prompts)):
            return True
    return False


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
_ABBREV = re.compile(r"\b(?:mr|mrs|ms|dr|st|vs|etc|e\.g|i\.e|prof|jr|sr|no)\.$", re.I)
_CLAUSE = re.compile(r"[,;:—]\s+")
_BOUNDARY_WORD = re.compile(
    r"\s+(?:and|but|or|so|because|which|who|whose|where|when|while|although|though|since|unless|until|whereas|if"
    r"|then|with|for|in|at|from|by|about|like|through|into|during|without|after|before|of)(?=[^\w'’])\s*",
    re.I,
)


class ReplyGate:
    """Streamed reply text in, text safe to speak out (see the module docstring).

    :meth:`push` each piece of (speakable) model text and speak what it returns; :meth:`finish`
    when the model's text ends, or when the tools it called have run, decides what is held.
    After a blocked claim, :attr:`blocked` is set and nothing more comes out: the caller says
    something honest instead. Add the tools that ran to :attr:`ran` as they run.

    :param defer: the model may still call tools in this call (it was offered some): an
        unbacked claim ("I'll set a timer for you.") is then held, with everything after it,
        until :meth:`finish`, and judged again once the tools it called have run. Without
        tools it is blocked at once, and the model can be stopped.
    """

    def __init__(
        self, *, request: str = "", notes: Sequence[str] = (), prompts: Sequence[str] = (), defer: bool = False
    ) -> None:
        self.request = request
        self.notes = tuple(notes)
        self.prompts = tuple(prompts)
        self.defer = defer
        self.ran: set[str] = set()
        """Tools that ran successfully in this turn."""
        self.blocked: Claim | None = None
        self.leaks: list[str] = []
        """Sentences dropped because they repeated a note or the prompt."""
        self.released = ""
        """Everything let through so far."""
        self._held = ""  # text not judged yet
        self._sentence = ""  # the released part of the current sentence
        self._tainted = False  # the current sentence holds a risky piece: wait for its end
        self._pending = ""  # a sentence that only agrees ("Sure!"), said with the next one
        self._backlog: str | None = None  # from a deferred claim on, everything waits for finish()
        self._backlog_sentence = ""
        self._final = False

    @property
    def said_anything(self) -> bool:
        return bool(self.released.strip())

    def push(self, text: str) -> str:
        if self.blocked is not None or not text:
            return ""
        if self._backlog is not None:
            self._backlog += text
            return ""
        self._held += text
        out: list[str] = []
        while self.blocked is None and self._backlog is None:
            end = self._sentence_end(self._held)
            if end is not None:
                piece, self._held = self._held[:end], self._held[end:]
                out.append(self._judge(piece))
                continue
            if not self._tainted:
                out.append(self._release_safe())
            break
        return self._emit("".join(out))

    def finish(self) -> str:
        """The model's text has ended (for now): judge everything held, for good."""
        out = ""
        self._final = True
        try:
            if self._backlog is not None:
                backlog, self._backlog = self._backlog, None
                self._sentence = self._backlog_sentence
                out = self.push(backlog)
            piece, self._held = self._held, ""
            if self.blocked is None and piece.strip():
                out += self._emit(self._judge(piece))
            elif piece:
                out += self._emit(piece)
            if self.blocked is None:
                out += self._emit(self._pending)
        finally:
            self._final = False
            self._pending = self._held = ""
        return out

    # -- internals ---------------------------------------------------------------------------------------

    def _emit(self, text: str) -> str:
        self.released += text
        return text

    @staticmethod
    def _sentence_end(buf: str) -> int | None:
        for m in _SENTENCE_END.finditer(buf):
            if _ABBREV.search(buf[: m.start()].rstrip("\"')]")):
                continue
            return m.end()
        return None

    def _release_safe(self) -> str:
        """Release the held text up to its boundaries, piece by piece, while no piece is risky."""
        out: list[str] = []
        while True:
            cut = self._next_cut(self._held, len(self.released) + sum(map(len, out)))
            if cut is None:
                break
            piece = self._held[:cut]
            if risky(piece, before=self._sentence, prompts=self.prompts):
                self._tainted = True
                break
            out.append(piece)
            self._sentence += piece
            self._held = self._held[cut:]
        if out and self._pending:  # the agreeing sentence goes out before these words
            out.insert(0, self._pending)
            self._pending = ""
        return "".join(out)

    @staticmethod
    def _next_cut(buf: str, given: int) -> int | None:
        """Where the next piece of ``buf`` ends; ``given``: characters already let through.

        At a clause mark or after a clause or phrase word (with it, so the segmenter sees it), as
        the segmenter cuts; or, when the reply's text first reaches :data:`FIRST_CUT_CHARS`, after
        the first whole word beyond it, so the segmenter can make its hard cut of a long first clause
        (later segments are whole sentences: nothing is gained by letting words out earlier).
        """
        cuts = [m.end() for m in (_CLAUSE.search(buf), _BOUNDARY_WORD.search(buf)) if m is not None and m.start() > 0]
        if cuts:
            return min(cuts)
        if given < FIRST_CUT_CHARS < given + len(buf):  # the gap past the mark, and the whole word after it
            gaps = [m for m in re.finditer(r"\s+", buf) if m.start() > 0]
            first = next((i for i, m in enumerate(gaps) if given + m.start() >= FIRST_CUT_CHARS), None)
            if first is not None and first + 1 < len(gaps):
                return gaps[first + 1].start()
        return None

    def _judge(self, piece: str) -> str:
        before = self._sentence
        sentence = before + piece
        self._sentence, self._tainted = "", False
        claim = find_claim(sentence, request=self.request, notes=self.notes, prompts=self.prompts)
        if claim is None or backed(claim, self.ran):
            if not before and _ACK_ONLY.match(sentence.strip().lower()):
                self._pending += piece
                return ""
            out, self._pending = self._pending + piece, ""
            return out
        if claim.kind == "leak":
            self.leaks.append(sentence)
            return ""
        if self.defer and not self._final:  # the tools this call asks for may yet do it
            self._backlog, self._backlog_sentence = piece + self._held, before
            self._held = ""
            return ""
        self.blocked = claim
        self._held = self._pending = ""
        return ""

"""Vocabulary and normalising shared by the honesty checks: the words of devices, rooms, timers, actions and facts."""

from __future__ import annotations

import re

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

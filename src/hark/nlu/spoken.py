"""Spoken arithmetic and quantities, turned into the plain forms the calc tools take.

Both parsers accept only what they fully understand (numbers, operators, known units);
anything else returns ``None`` so that "what is the capital of France" is not a sum.
"""

from __future__ import annotations

import re

from .numbers import parse_number

_OPERATORS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("to", "the", "power", "of"), "^"),
    (("to", "the", "power"), "^"),
    (("to", "power", "of"), "^"),
    (("raised", "to", "the", "power", "of"), "^"),
    (("raised", "to"), "^"),
    (("multiplied", "by"), "*"),
    (("divided", "by"), "/"),
    (("percent", "of"), "% of"),
    (("%", "of"), "% of"),
    (("take", "away"), "-"),
    (("plus",), "+"),
    (("and",), "+"),
    (("+",), "+"),
    (("minus",), "-"),
    (("-",), "-"),
    (("times",), "*"),
    (("x",), "*"),
    (("*",), "*"),
    (("×",), "*"),
    (("over",), "/"),
    (("/",), "/"),
    (("÷",), "/"),
    (("^",), "^"),
)
_POSTFIX = {"squared": "^ 2", "cubed": "^ 3"}


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _tokens(text: str) -> list[str]:
    text = text.lower().strip(" ?.!")
    text = re.sub(r"(\d)\s*%", r"\1 %", text)
    text = re.sub(r"(?<=\d)([+*/^×÷x])(?=\d)", r" \1 ", text)
    text = re.sub(r"(?<=\d)-(?=\d)", " - ", text)
    return text.split()


_ORDINALS = {
    "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "seventh": "7", "eighth": "8",
    "ninth": "9", "tenth": "10",
}  # fmt: skip
_VERB_FORMS = (
    # "multiply 8 by 9", "divide 100 by 8", "subtract 15 from 60", "add 45 and 37"
    (re.compile(r"^multiply (.+?) (?:by|and|with) (.+)$"), r"\1 times \2"),
    (re.compile(r"^divide (.+?) by (.+)$"), r"\1 divided by \2"),
    (re.compile(r"^subtract (.+?) from (.+)$"), r"\2 minus \1"),
    (re.compile(r"^(?:take|take away) (.+?) from (.+)$"), r"\2 minus \1"),
    (re.compile(r"^add (.+?) (?:and|to|plus) (.+)$"), r"\1 plus \2"),
    # "2 to the 8th power", "3 to the third"
    (re.compile(r"\bto the (\d+)(?:st|nd|rd|th)(?: power)?\b"), r"to the power of \1"),
    (
        re.compile(rf"\bto the ({'|'.join(_ORDINALS)})(?: power)?\b"),
        lambda m: f"to the power of {_ORDINALS[m.group(1)]}",
    ),
)
_FRACTION_OF = re.compile(r"^(?:a |one )?(half|third|quarter|fifth|tenth) of (.+)$")
_FRACTION_DIVISORS = {"half": "2", "third": "3", "quarter": "4", "fifth": "5", "tenth": "10"}


def spoken_expression(text: str) -> str | None:
    """ "12 times 7" -> "12 * 7", "15 percent of 80" -> "15% of 80", "two plus two" -> "2 + 2",
    "multiply 8 by 9" -> "8 * 9", "a third of 90" -> "90 / 3", "2 to the 8th power" -> "2 ^ 8".

    At least one operator is required: a lone number is not a calculation."""
    text = text.lower().strip(" ?.!")
    for pattern, repl in _VERB_FORMS:
        text = pattern.sub(repl, text)
    if m := _FRACTION_OF.match(text):
        whole = parse_number(m.group(2))
        return None if whole is None else f"{_format(whole)} / {_FRACTION_DIVISORS[m.group(1)]}"
    tokens = _tokens(text)
    out: list[str] = []
    run: list[str] = []
    expect_number = True
    i = 0

    def flush() -> bool:
        if not run:
            return False
        value = parse_number(" ".join(run))
        if value is None:
            return False
        out.append(_format(value))
        run.clear()
        return True

    while i < len(tokens):
        tok = tokens[i]
        if tok in _POSTFIX and run:
            if not flush():
                return None
            out.append(_POSTFIX[tok])
            expect_number = False
            i += 1
            continue
        for words, symbol in _OPERATORS:
            if tuple(tokens[i : i + len(words)]) == words and run:
                # "and" only joins numbers when it is not part of one ("a hundred and five")
                if words == ("and",) and parse_number(" ".join([*run, *tokens[i : i + 2]])) is not None:
                    continue
                if not flush():
                    return None
                out.append(symbol)
                expect_number = True
                i += len(words)
                break
        else:
            run.append(tok)
            expect_number = False
            i += 1
    if run and not flush():
        return None
    if expect_number or len(out) < 2:
        return None
    return " ".join(out).replace(" % of", "% of")


def spoken_root(text: str) -> str | None:
    """ "81" / "eighty one" -> "square root of 81"."""
    value = parse_number(text.strip(" ?.!"))
    return None if value is None or value < 0 else f"square root of {_format(value)}"


UNITS = frozenset(
    [
        "mm",
        "millimeter",
        "millimeters",
        "millimetre",
        "millimetres",
        "cm",
        "centimeter",
        "centimeters",
        "centimetre",
        "centimetres",
        "m",
        "meter",
        "meters",
        "metre",
        "metres",
        "km",
        "kilometer",
        "kilometers",
        "kilometre",
        "kilometres",
        "kilometer",
        "kilometres",
        "inch",
        "inches",
        "in",
        "foot",
        "feet",
        "ft",
        "yard",
        "yards",
        "yd",
        "mile",
        "miles",
        "nautical",
        "mg",
        "milligram",
        "milligrams",
        "g",
        "gram",
        "grams",
        "kg",
        "kilo",
        "kilos",
        "kilogram",
        "kilograms",
        "tonne",
        "tonnes",
        "ton",
        "tons",
        "ounce",
        "ounces",
        "oz",
        "pound",
        "pounds",
        "lb",
        "lbs",
        "stone",
        "stones",
        "ml",
        "milliliter",
        "milliliters",
        "millilitre",
        "millilitres",
        "cl",
        "centiliter",
        "centiliters",
        "dl",
        "deciliter",
        "deciliters",
        "l",
        "liter",
        "liters",
        "litre",
        "litres",
        "gallon",
        "gallons",
        "quart",
        "quarts",
        "pint",
        "pints",
        "cup",
        "cups",
        "teaspoon",
        "teaspoons",
        "tsp",
        "tablespoon",
        "tablespoons",
        "tbsp",
        "fluid",
        "fl",
        "celsius",
        "centigrade",
        "fahrenheit",
        "c",
        "f",
        "kelvin",
        "degree",
        "degrees",
        "mph",
        "kph",
        "kmh",
        "kilometers-per-hour",
        "meters-per-second",
        "knot",
        "knots",
        "acre",
        "acres",
        "hectare",
        "hectares",
        "square",
        "second",
        "seconds",
        "minute",
        "minutes",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "byte",
        "bytes",
        "kilobyte",
        "kilobytes",
        "megabyte",
        "megabytes",
        "gigabyte",
        "gigabytes",
        "terabyte",
        "terabytes",
        "calorie",
        "calories",
        "joule",
        "joules",
        "kilojoule",
        "kilojoules",
        "watt",
        "watts",
        "kilowatt",
        "kilowatts",
        "horsepower",
        "per",
        "hour",
        "an",
        "a",
        "of",
    ]
)
"""Words a unit may be made of ("miles per hour", "fluid ounces", "square meters")."""


def spoken_unit(text: str) -> str | None:
    """A unit as said, lower-cased without articles, if all its words are unit words."""
    words = [w for w in text.lower().strip(" ?.!").split() if w not in ("the", "a", "an")]
    if not words or not all(w in UNITS for w in words) or words[0] in ("per", "of"):
        return None
    return " ".join(words)


def spoken_quantity(text: str) -> tuple[float, str] | None:
    """ "3 pounds" -> (3.0, "pounds"), "a pound and a half"? no; "one and a half cups" -> (1.5, "cups")."""
    words = text.lower().strip(" ?.!").split()
    for cut in range(len(words) - 1, 0, -1):
        value = parse_number(" ".join(words[:cut]))
        if value is not None:
            unit = spoken_unit(" ".join(words[cut:]))
            return (value, unit) if unit else None
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)([a-z]+)", text.strip().lower())
    if m and (unit := spoken_unit(m.group(2))):
        return float(m.group(1)), unit
    return None


# --- the request as said: fillers, politeness, a leading remark ------------------------------------

_NUMBER_WORDS = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|thousand|half|quarter|couple"
)
_A_NUMBER = rf"(?:(?:a|an)\s+)?(?:\d|(?:{_NUMBER_WORDS})\b)"
_FILLERS = re.compile(r"(?<![\w'])(?:u+h+m*|u+m+|e+r+m*|h+m+|m{2,})(?![\w'])[,.]?", re.IGNORECASE)
_HEDGE = re.compile(rf"\b(?:like|about|around|roughly|approximately|maybe)\s+(?={_A_NUMBER})", re.IGNORECASE)
_LEADING = re.compile(
    r"^(?:yo|bro|dude|hey there|hey|oi|ok|okay|alright|all right|so|well|oh|excuse me|sorry|listen|hold on|"
    r"hang on|wait|dear|darling|"
    r"quick (?:question|one|maths|math))\b[\s,.!]*(?=\S)",
    re.IGNORECASE,
)
_POLITE = re.compile(
    r"^(?:please|kindly|pls|plz|just|"
    r"(?:can|could|would|will|may) (?:you|u|ya)(?: please| kindly| possibly| just)*|you (?:can|could)|"
    r"(?:would|could) you be (?:so kind as|kind enough) to|"
    r"be (?:so kind as|kind enough) to|"
    r"(?:i'?d|i would|i) (?:like|want|need) (?:you|u) to|"
    r"do me a favou?r and|"
    r"i'?d be grateful if you (?:could|would))\b[\s,]*(?=\S)",
    re.IGNORECASE,
)
_WOULD_YOU_MIND = re.compile(r"^(?:would|do) you mind (?:please )?(\w+ing)\b", re.IGNORECASE)
_GERUNDS = {
    "adding": "add", "calculating": "calculate", "cancelling": "cancel", "canceling": "cancel",
    "changing": "change", "checking": "check", "clearing": "clear", "closing": "close",
    "converting": "convert", "creating": "create", "decreasing": "decrease", "deleting": "delete",
    "dimming": "dim", "getting": "get", "giving": "give", "increasing": "increase", "locking": "lock",
    "lowering": "lower", "making": "make", "opening": "open", "pausing": "pause", "playing": "play",
    "putting": "put", "raising": "raise", "reading": "read", "reducing": "reduce", "reminding": "remind",
    "removing": "remove", "resuming": "resume", "setting": "set", "showing": "show", "skipping": "skip",
    "starting": "start", "stopping": "stop", "switching": "switch", "taking": "take", "telling": "tell",
    "turning": "turn", "unlocking": "unlock", "waking": "wake",
}  # fmt: skip
_EMBEDDED = re.compile(
    r"^(?:(?:can|could|would) (?:you|u) )?(?:tell me|do you know|you know|(?:may|can|could) i ask)\s+(?=(?:what|which|when|how|if|whether)\b)",
    re.IGNORECASE,
)
_EMBEDDED_ORDER = (
    # "what time it is" -> "what time is it", "what the weather is like" -> "what is the weather like"
    (re.compile(r"^(what|which) (time|day|date|day of the week|month|year) it (is|was|will be)\b", re.IGNORECASE), r"\1 \2 \3 it"),
    (re.compile(r"^what the (weather|time|date|temperature|forecast) (is|will be)( like)?\b", re.IGNORECASE), r"what \2 the \1\3"),
    (re.compile(r"^(what|which) (alarms|reminders|timers) (i|we) (have|'ve got|have got)\b", re.IGNORECASE), r"\1 \2 do \3 have"),
)  # fmt: skip
_TRAILING = re.compile(
    r"[\s,]+(?:please|pls|plz|thanks|thank you|for me|if you (?:can|could|would|don't mind|do not mind)|"
    r"would you|will you|can you|could you|mate|buddy|bro|dude|okay|ok|dear|love|darling|honey)[\s,.!?]*$",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"(?:,|[.?!;])\s+(?=\S)")


def tidy(text: str) -> str:
    """The request without what people add around it: fillers ("um", "uh"), a hedge before a
    number ("for like 2 minutes"), a leading interjection ("yo", "okay so"), politeness
    ("could you please", "would you mind setting" -> "set", "I need you to"), an embedded
    question ("can you tell me what time it is" -> "what time is it"), a trailing "please".

    Words that carry the request are never removed; the result may be empty."""
    text = _FILLERS.sub(" ", text)
    text = _HEDGE.sub("", text)
    text = " ".join(text.split()).strip(" ,")
    for _ in range(4):  # "okay so could you please kindly ..."
        before = text
        text = _LEADING.sub("", text)
        text = _WOULD_YOU_MIND.sub(lambda m: _GERUNDS.get(m.group(1).lower(), m.group(0)), text)
        text = _POLITE.sub("", text)
        text = _EMBEDDED.sub("", text)
        text = _TRAILING.sub("", text).strip(" ,")
        if text == before:
            break
    for pattern, repl in _EMBEDDED_ORDER:
        text = pattern.sub(repl, text)
    return text


def readings(text: str) -> list[str]:
    """The ways to read a transcript, in order: as heard, tidied (:func:`tidy`), and the last
    clause on its own, tidied ("I'm boiling eggs, set a timer for 6 minutes"). Only the last
    clause: a request comes after the remark that explains it, and the clause before a comma
    ("lock the door behind you when you leave, that's what dad said") is not a request. Nor
    when the remark makes it a later or conditional request ("in 5 minutes, turn off the
    lights", "when I get home, turn on the heating"): that is not for now."""
    out = [text.strip()]
    for candidate in (tidy(text), *_last_clause(text)):
        if candidate and candidate not in out:
            out.append(candidate)
    return out


_NOT_NOW = re.compile(
    rf"\b(?:if|when|whenever|once|after|before|until|till|unless|while|as soon as|tomorrow|tonight|later|soon|"
    rf"(?:in|at|by|for|around|about) (?:{_A_NUMBER}|noon|midnight|the (?:morning|afternoon|evening))|"
    rf"minutes?|hours?|seconds?|o'?clock|[ap]\.? ?m\b|morning|evening|afternoon|night)",
    re.IGNORECASE,
)


def _last_clause(text: str) -> list[str]:
    parts = _CLAUSE_END.split(text.strip().rstrip(".?!; "))
    if len(parts) < 2 or _NOT_NOW.search(" ".join(parts[:-1])):
        return []
    last = tidy(parts[-1])
    return [last] if len(last.split()) >= 2 or last.lower() in _ONE_WORD_REQUESTS else []


_ONE_WORD_REQUESTS = frozenset({"stop", "pause", "louder", "quieter", "skip", "next", "resume"})

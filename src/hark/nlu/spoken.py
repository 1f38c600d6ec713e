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


def spoken_expression(text: str) -> str | None:
    """ "12 times 7" -> "12 * 7", "15 percent of 80" -> "15% of 80", "two plus two" -> "2 + 2".

    At least one operator is required: a lone number is not a calculation."""
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

"""Units of measure by spoken or written name, and conversion between them.

Each unit has a dimension, a factor to the dimension's base unit and, for
temperatures, an offset (base = value * factor + offset, in kelvin). Data
sizes are decimal (a kilobyte is 1000 bytes; a kibibyte 1024). "Ounces" are
weight unless the other unit is a volume, then fluid ounces; a "ton" is a US
short ton and a "tonne" a metric one.
"""

from __future__ import annotations

import dataclasses
import functools
import re

DIMENSIONS = {
    "length": "a length",
    "mass": "a weight",
    "volume": "a volume",
    "temperature": "a temperature",
    "speed": "a speed",
    "time": "a time",
    "data": "an amount of data",
    "area": "an area",
    "energy": "an energy",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Unit:
    dimension: str
    singular: str
    plural: str
    factor: float
    offset: float = 0.0

    def to_base(self, value: float) -> float:
        return value * self.factor + self.offset

    def from_base(self, value: float) -> float:
        return (value - self.offset) / self.factor

    def says(self, value: float) -> str:
        """The name to say after ``value``: "1 mile", "2 miles"."""
        return self.singular if abs(value) == 1 else self.plural


_C_OFFSET = 273.15
_F_FACTOR = 5 / 9

# dimension, singular, plural, factor to base unit, aliases (";"-separated; matched case-insensitively).
_TABLE: list[tuple[str, str, str, float, str]] = [
    # length: metres
    ("length", "millimeter", "millimeters", 1e-3, "mm"),
    ("length", "centimeter", "centimeters", 1e-2, "cm"),
    ("length", "meter", "meters", 1.0, "m"),
    ("length", "kilometer", "kilometers", 1e3, "km;kms;klick;klicks"),
    ("length", "micrometer", "micrometers", 1e-6, "micron;microns;µm;um"),
    ("length", "inch", "inches", 0.0254, 'in;"'),
    ("length", "foot", "feet", 0.3048, "ft;'"),
    ("length", "yard", "yards", 0.9144, "yd;yds"),
    ("length", "mile", "miles", 1609.344, "mi"),
    ("length", "nautical mile", "nautical miles", 1852.0, "nmi"),
    # mass: kilograms
    ("mass", "milligram", "milligrams", 1e-6, "mg"),
    ("mass", "gram", "grams", 1e-3, "g;gm;gramme;grammes"),
    ("mass", "kilogram", "kilograms", 1.0, "kg;kgs;kilo;kilos;kilogramme;kilogrammes"),
    ("mass", "tonne", "tonnes", 1e3, "t;metric ton;metric tons"),
    ("mass", "ounce", "ounces", 0.028349523125, "oz"),
    ("mass", "pound", "pounds", 0.45359237, "lb;lbs"),
    ("mass", "stone", "stone", 6.35029318, "st;stones"),
    ("mass", "ton", "tons", 907.18474, "short ton;short tons;us ton;us tons"),
    # volume: litres
    ("volume", "milliliter", "milliliters", 1e-3, "ml;cc;cubic centimeter;cubic centimeters;cm3"),
    ("volume", "centiliter", "centiliters", 1e-2, "cl"),
    ("volume", "deciliter", "deciliters", 1e-1, "dl"),
    ("volume", "liter", "liters", 1.0, "l;ltr"),
    ("volume", "cubic meter", "cubic meters", 1e3, "m3"),
    ("volume", "teaspoon", "teaspoons", 0.00492892159375, "tsp;tsps"),
    ("volume", "tablespoon", "tablespoons", 0.01478676478125, "tbsp;tbsps;tbs;tbl"),
    ("volume", "fluid ounce", "fluid ounces", 0.0295735295625, "fl oz;floz;fluid oz;ounce;ounces;oz"),
    ("volume", "cup", "cups", 0.2365882365, ""),
    ("volume", "pint", "pints", 0.473176473, "pt;pts"),
    ("volume", "quart", "quarts", 0.946352946, "qt;qts"),
    ("volume", "gallon", "gallons", 3.785411784, "gal;gals;us gallon;us gallons"),
    ("volume", "imperial pint", "imperial pints", 0.56826125, "uk pint;uk pints"),
    ("volume", "imperial gallon", "imperial gallons", 4.54609, "uk gallon;uk gallons"),
    ("volume", "cubic foot", "cubic feet", 0.028316846592, "ft3;cu ft"),
    ("volume", "cubic inch", "cubic inches", 0.016387064, "in3;cu in"),
    # temperature: kelvin
    ("temperature", "degree Celsius", "degrees Celsius", 1.0, "c;celsius;centigrade;degc"),
    ("temperature", "degree Fahrenheit", "degrees Fahrenheit", _F_FACTOR, "f;fahrenheit;degf"),
    ("temperature", "kelvin", "kelvin", 1.0, "k;kelvins;degree kelvin;degrees kelvin"),
    # speed: metres per second
    ("speed", "meter per second", "meters per second", 1.0, "m/s;mps;meters a second;meter a second"),
    (
        "speed",
        "kilometer per hour",
        "kilometers per hour",
        1 / 3.6,
        "km/h;kmh;kph;km/hr;kilometers an hour;kilometer an hour;km per hour",
    ),
    ("speed", "mile per hour", "miles per hour", 0.44704, "mph;mi/h;miles an hour;mile an hour"),
    ("speed", "knot", "knots", 1852 / 3600, "kn;kt;kts"),
    ("speed", "foot per second", "feet per second", 0.3048, "ft/s;fps;feet a second"),
    # time: seconds
    ("time", "millisecond", "milliseconds", 1e-3, "ms;msec;msecs"),
    ("time", "second", "seconds", 1.0, "s;sec;secs"),
    ("time", "minute", "minutes", 60.0, "min;mins"),
    ("time", "hour", "hours", 3600.0, "h;hr;hrs"),
    ("time", "day", "days", 86400.0, "d"),
    ("time", "week", "weeks", 604800.0, "wk;wks"),
    ("time", "month", "months", 2629746.0, "mo;mos"),
    ("time", "year", "years", 31556952.0, "yr;yrs;y"),
    ("time", "decade", "decades", 315569520.0, ""),
    ("time", "century", "centuries", 3155695200.0, ""),
    # data: bytes
    ("data", "bit", "bits", 1 / 8, ""),
    ("data", "byte", "bytes", 1.0, ""),
    ("data", "kilobit", "kilobits", 125.0, "kbit;kbits"),
    ("data", "megabit", "megabits", 125e3, "mbit;mbits"),
    ("data", "gigabit", "gigabits", 125e6, "gbit;gbits"),
    ("data", "terabit", "terabits", 125e9, "tbit;tbits"),
    ("data", "kilobyte", "kilobytes", 1e3, "kb;kbyte"),
    ("data", "megabyte", "megabytes", 1e6, "mb;mbyte;meg;megs"),
    ("data", "gigabyte", "gigabytes", 1e9, "gb;gbyte;gig;gigs"),
    ("data", "terabyte", "terabytes", 1e12, "tb;tbyte"),
    ("data", "petabyte", "petabytes", 1e15, "pb"),
    ("data", "kibibyte", "kibibytes", 1024.0, "kib"),
    ("data", "mebibyte", "mebibytes", 1024.0**2, "mib"),
    ("data", "gibibyte", "gibibytes", 1024.0**3, "gib"),
    ("data", "tebibyte", "tebibytes", 1024.0**4, "tib"),
    # area: square metres
    ("area", "square meter", "square meters", 1.0, "m2;sq m;sqm"),
    ("area", "square kilometer", "square kilometers", 1e6, "km2;sq km"),
    ("area", "square centimeter", "square centimeters", 1e-4, "cm2;sq cm"),
    ("area", "square foot", "square feet", 0.09290304, "ft2;sq ft;sqft"),
    ("area", "square inch", "square inches", 0.00064516, "in2;sq in"),
    ("area", "square yard", "square yards", 0.83612736, "yd2;sq yd"),
    ("area", "square mile", "square miles", 2589988.110336, "mi2;sq mi"),
    ("area", "acre", "acres", 4046.8564224, "ac"),
    ("area", "hectare", "hectares", 1e4, "ha"),
    # energy: joules
    ("energy", "joule", "joules", 1.0, "j"),
    ("energy", "kilojoule", "kilojoules", 1e3, "kj"),
    ("energy", "calorie", "calories", 4.184, "cal;cals"),
    ("energy", "kilocalorie", "kilocalories", 4184.0, "kcal;kcals;food calorie;food calories"),
    ("energy", "watt hour", "watt hours", 3600.0, "wh"),
    ("energy", "kilowatt hour", "kilowatt hours", 3.6e6, "kwh"),
]

_OFFSETS = {"degree Celsius": _C_OFFSET, "degree Fahrenheit": 459.67 * _F_FACTOR}

# Written symbols whose case matters, checked before the case-insensitive names.
_CASED = {"b": "bit", "B": "byte", "Kb": "kilobit", "Mb": "megabit", "Gb": "gigabit", "Tb": "terabit"}


def normalise_unit(text: str) -> str:
    """Lower case, one space between words, British spellings made American, no degree sign."""
    s = text.strip().lower().replace("²", "2").replace("³", "3").replace("metre", "meter").replace("litre", "liter")
    s = re.sub(r"\s+", " ", s.replace("°", " ")).strip().rstrip(".")
    return re.sub(r"^degrees? (?=celsius|centigrade|fahrenheit|kelvin|c$|f$|k$)", "", s)


@functools.cache
def _index() -> dict[str, tuple[Unit, ...]]:
    index: dict[str, list[Unit]] = {}
    for dimension, singular, plural, factor, aliases in _TABLE:
        unit = Unit(dimension, singular, plural, factor, _OFFSETS.get(singular, 0.0))
        keys = [singular, plural, *(a for a in aliases.split(";") if a)]
        for key in keys:
            norm = normalise_unit(key)
            if unit not in index.setdefault(norm, []):
                index[norm].append(unit)
    return {k: tuple(v) for k, v in index.items()}


def find_units(text: str) -> tuple[Unit, ...]:
    """Every unit ``text`` may name, most likely first; empty if none."""
    raw = text.strip()
    if raw in _CASED:
        return _index()[_CASED[raw]]
    index = _index()
    key = normalise_unit(raw)
    for candidate in (key, key.removesuffix("es"), key.removesuffix("s")):
        if candidate in index:
            return index[candidate]
    return ()


class UnitError(ValueError):
    """A conversion that cannot be made; ``str()`` is a spoken sentence."""


def convert(value: float, from_unit: str, to_unit: str) -> tuple[float, Unit, Unit]:
    """``value`` in ``to_unit``, and the two units as understood; raises :class:`UnitError`."""
    sources, targets = find_units(from_unit), find_units(to_unit)
    for name, found in ((from_unit, sources), (to_unit, targets)):
        if not found:
            raise UnitError(f"I don't know the unit {name.strip()}.")
    pair = next(((s, t) for s in sources for t in targets if s.dimension == t.dimension), None)
    if pair is None:
        src, dst = sources[0], targets[0]
        raise UnitError(
            f"I can't convert {src.plural} to {dst.plural}: "
            f"one is {DIMENSIONS[src.dimension]} and the other {DIMENSIONS[dst.dimension]}."
        )
    src, dst = pair
    base = src.to_base(value)
    if src.dimension == "temperature" and base < -1e-9:
        raise UnitError("That's below absolute zero.")
    result = dst.from_base(base)
    if src.offset or dst.offset:
        result = round(result, 9)  # 32 °F is 0 °C, not 5.7e-14
    return float(f"{result:.12g}"), src, dst

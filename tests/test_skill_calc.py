import pytest

from hark.skills.arith import normalise_expression, spoken_number, words_to_digits
from hark.skills.base import Skill, SkillContext, ToolArgumentError
from hark.skills.calc import CalcSkill
from hark.skills.registry import SkillRegistry
from hark.skills.units import find_units

CTX = SkillContext()


@pytest.fixture
def registry() -> SkillRegistry:
    return SkillRegistry([CalcSkill()])


def test_is_a_skill_with_strict_schemas() -> None:
    skill = CalcSkill()
    assert isinstance(skill, Skill)
    assert [t.name for t in skill.tools] == ["calculate", "convert_units"]
    for tool in skill.tools:
        assert tool.parameters["additionalProperties"] is False


@pytest.mark.parametrize(
    ("expression", "speech", "result"),
    [
        ("15 percent of 80", "That's 12.", 12),
        ("15% of 80", "That's 12.", 12),
        ("what's 15 per cent of 80?", "That's 12.", 12),
        ("12 times 7", "That's 84.", 84),
        ("12 x 7", "That's 84.", 84),
        ("12 × 7", "That's 84.", 84),
        ("100 divided by 8", "That's 12.5.", 12.5),
        ("10 / 2", "That's 5.", 5),
        ("square root of 81", "That's 9.", 9),
        ("the square root of 2", "That's 1.4142.", 1.4142135623730951),
        ("√16", "That's 4.", 4),
        ("square root of square root of 16", "That's 2.", 2),
        ("square root of (9 + 7)", "That's 4.", 4),
        ("cube root of 27", "That's 3.", 3),
        ("2 to the power of 10", "That's 1024.", 1024),
        ("2 to the 10th", "That's 1024.", 1024),
        ("2^10", "That's 1024.", 1024),
        ("5 squared", "That's 25.", 25),
        ("3 cubed", "That's 27.", 27),
        ("minus 5 plus 3", "That's minus 2.", -2),
        ("negative 4 times 2", "That's minus 8.", -8),
        ("(2 + 3) * 4", "That's 20.", 20),
        ("2 + 3 * 4", "That's 14.", 14),
        ("10 mod 3", "That's 1.", 1),
        ("10 % 3", "That's 1.", 1),
        ("1/3", "That's 0.3333.", 1 / 3),
        ("2/3", "That's 0.6667.", 2 / 3),
        ("0.1 + 0.2", "That's 0.3.", 0.1 + 0.2),
        ("22 / 7", "That's 3.1429.", 22 / 7),
        ("1 / 7000", "That's 0.0001429.", 1 / 7000),
        ("what is twelve times seven", "That's 84.", 84),
        ("three point five plus one point two five", "That's 4.75.", 4.75),
        ("a hundred and five minus twenty-two", "That's 83.", 83),
        ("2.5 million divided by 1,000", "That's 2500.", 2500),
        ("add 5 and 3", "That's 8.", 8),
        ("subtract 3 from 10", "That's 7.", 7),
        ("multiply 6 by 7", "That's 42.", 42),
        ("divide 100 by 8", "That's 12.5.", 12.5),
        ("half of 9", "That's 4.5.", 4.5),
        ("50 plus 15% of 80", "That's 62.", 62),
        ("2 ** 100", "That's 1.268 times 10 to the power of 30.", 2**100),
        ("1 / 3000000", "That's 3.333 times 10 to the power of minus 7.", 1 / 3000000),
        ("1e3", "Sorry, I can't work that out.", None),
    ],
)
async def test_calculate(registry: SkillRegistry, expression: str, speech: str, result: float | None) -> None:
    answer = await registry.call("calculate", {"expression": expression}, CTX)
    assert answer.speech == speech
    if result is None:
        assert not answer.ok
    else:
        assert answer.ok
        assert answer.data["result"] == pytest.approx(result)
        assert type(answer.data["result"]) is type(result)
        assert answer.data["expression"] == expression


@pytest.mark.parametrize(
    ("expression", "speech", "code"),
    [
        ("1 / 0", "You can't divide by zero.", "division-by-zero"),
        ("5 divided by zero", "You can't divide by zero.", "division-by-zero"),
        ("10 mod 0", "You can't divide by zero.", "division-by-zero"),
        ("0 ** -1", "You can't divide by zero.", "division-by-zero"),
        ("what is love", "Sorry, I can't work that out.", "not-an-expression"),
        ("2 +", "Sorry, I can't work that out.", "not-an-expression"),
        ("one two three", "Sorry, I can't work that out.", "not-an-expression"),
        ("ninety ninety", "Sorry, I can't work that out.", "not-an-expression"),
        ("()", "Sorry, I can't work that out.", "not-an-expression"),
        ("__import__('os').system('true')", "Sorry, I can't work that out.", "not-an-expression"),
        ("sqrt(1, 2)", "Sorry, I can't work that out.", "not-an-expression"),
        ("9 ** 9 ** 9 ** 9", "That number is too big for me.", "too-big"),
        ("10.0 ** 400", "That number is too big for me.", "too-big"),
        ("square root of -4", "That has no real answer.", "no-real-answer"),
        ("(-8) ** 0.5", "That has no real answer.", "no-real-answer"),
    ],
)
async def test_calculate_failures(registry: SkillRegistry, expression: str, speech: str, code: str) -> None:
    answer = await registry.call("calculate", {"expression": expression}, CTX)
    assert not answer.ok
    assert answer.speech == speech
    assert answer.data["error"] == code


async def test_calculate_refuses_overlong_and_empty_expressions(registry: SkillRegistry) -> None:
    with pytest.raises(ToolArgumentError):
        await registry.call("calculate", {"expression": ""}, CTX)
    with pytest.raises(ToolArgumentError, match=r"^arguments.expression: 201 characters is more than the maximum of 200"):
        await registry.call("calculate", {"expression": "(" * 100 + "1" + ")" * 100}, CTX)
    # The skill guards itself too, whoever calls it.
    for expression in ("1+" * 150 + "1", "(" * 100 + "1" + ")" * 100):
        answer = await CalcSkill().call("calculate", {"expression": expression}, CTX)
        assert not answer.ok
        assert answer.speech == "Sorry, I can't work that out."
        assert answer.data["error"] == "not-an-expression"


def test_normalisation() -> None:
    assert normalise_expression("15% of 80") == "(15/100*80)"
    assert normalise_expression("What's 12 times 7?") == "12 * 7"
    assert normalise_expression("square root of 81") == "sqrt(81)"
    assert words_to_digits("one hundred twenty three thousand four hundred fifty six") == "123456"
    assert words_to_digits("three point one four") == "3.14"
    assert words_to_digits("a million") == "1000000"
    assert words_to_digits("two thousand and twenty six") == "2026"
    assert words_to_digits("one two") == "1 2"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (-0.0, "0"),
        (7, "7"),
        (-3.5, "minus 3.5"),
        (12.50004, "12.5"),
        (0.25, "0.25"),
        (10**15, "1 times 10 to the power of 15"),
    ],
)
def test_spoken_number(value: float, text: str) -> None:
    assert spoken_number(value) == text


@pytest.mark.parametrize(
    ("value", "from_unit", "to_unit", "speech", "result"),
    [
        (5, "miles", "km", "5 miles is 8.047 kilometers.", 8.04672),
        (1, "mile", "kilometers", "1 mile is 1.609 kilometers.", 1.609344),
        (100, "°C", "°F", "100 degrees Celsius is 212 degrees Fahrenheit.", 212),
        (32, "degrees fahrenheit", "celsius", "32 degrees Fahrenheit is 0 degrees Celsius.", 0),
        (0, "K", "C", "0 kelvin is minus 273.1 degrees Celsius.", -273.15),
        (20, "c", "kelvin", "20 degrees Celsius is 293.1 kelvin.", 293.15),
        (1, "kg", "lbs", "1 kilogram is 2.205 pounds.", 2.20462262185),
        (500, "grams", "pounds", "500 grams is 1.102 pounds.", 1.10231131092),
        (8, "oz", "grams", "8 ounces is 226.8 grams.", 226.796185),
        (8, "ounces", "ml", "8 fluid ounces is 236.6 milliliters.", 236.5882365),
        (2, "cups", "fl oz", "2 cups is 16 fluid ounces.", 16),
        (1, "cup", "tablespoons", "1 cup is 16 tablespoons.", 16),
        (3, "tablespoons", "teaspoons", "3 tablespoons is 9 teaspoons.", 9),
        (2, "litres", "pints", "2 liters is 4.227 pints.", 4.22675283773),
        (1, "gallon", "liters", "1 gallon is 3.785 liters.", 3.785411784),
        (6, "feet", "inches", "6 feet is 72 inches.", 72),
        (180, "cm", "ft", "180 centimeters is 5.906 feet.", 5.90551181102),
        (60, "mph", "km/h", "60 miles per hour is 96.56 kilometers per hour.", 96.56064),
        (100, "kilometres an hour", "m/s", "100 kilometers per hour is 27.78 meters per second.", 27.7777777778),
        (90, "minutes", "hours", "90 minutes is 1.5 hours.", 1.5),
        (1, "day", "seconds", "1 day is 86400 seconds.", 86400),
        (1, "GB", "MB", "1 gigabyte is 1000 megabytes.", 1000),
        (1, "Gb", "MB", "1 gigabit is 125 megabytes.", 125),
        (1, "GiB", "MiB", "1 gibibyte is 1024 mebibytes.", 1024),
        (1, "acre", "square metres", "1 acre is 4047 square meters.", 4046.8564224),
        (1, "kWh", "kcal", "1 kilowatt hour is 860.4 kilocalories.", 860.420650096),
        (1, "stone", "pounds", "1 stone is 14 pounds.", 14),
        (-40, "F", "C", "minus 40 degrees Fahrenheit is minus 40 degrees Celsius.", -40),
    ],
)
async def test_convert_units(
    registry: SkillRegistry, value: float, from_unit: str, to_unit: str, speech: str, result: float
) -> None:
    answer = await registry.call("convert_units", {"value": value, "from_unit": from_unit, "to_unit": to_unit}, CTX)
    assert answer.ok
    assert answer.speech == speech
    assert answer.data["result"] == pytest.approx(result)


async def test_convert_units_data(registry: SkillRegistry) -> None:
    answer = await registry.call("convert_units", {"value": 5.5, "from_unit": "Miles", "to_unit": "KM"}, CTX)
    assert answer.data == {
        "value": 5.5,
        "from_unit": "mile",
        "to_unit": "kilometer",
        "dimension": "length",
        "result": pytest.approx(8.851392),
    }


@pytest.mark.parametrize(
    ("value", "from_unit", "to_unit", "speech"),
    [
        (5, "kg", "miles", "I can't convert kilograms to miles: one is a weight and the other a length."),
        (
            1,
            "liters",
            "celsius",
            "I can't convert liters to degrees Celsius: one is a volume and the other a temperature.",
        ),
        (1, "hours", "gigabytes", "I can't convert hours to gigabytes: one is a time and the other an amount of data."),
        (1, "furlongs", "meters", "I don't know the unit furlongs."),
        (1, "meters", "smoots", "I don't know the unit smoots."),
        (-500, "celsius", "fahrenheit", "That's below absolute zero."),
        (-1, "kelvin", "celsius", "That's below absolute zero."),
    ],
)
async def test_convert_units_refusals(
    registry: SkillRegistry, value: float, from_unit: str, to_unit: str, speech: str
) -> None:
    answer = await registry.call("convert_units", {"value": value, "from_unit": from_unit, "to_unit": to_unit}, CTX)
    assert not answer.ok
    assert answer.speech == speech
    assert answer.data["error"] == "unit-conversion"


async def test_convert_units_argument_checks(registry: SkillRegistry) -> None:
    with pytest.raises(ToolArgumentError):
        await registry.call("convert_units", {"value": 1, "from_unit": "m"}, CTX)
    with pytest.raises(ToolArgumentError):
        await registry.call("convert_units", {"value": "1", "from_unit": "m", "to_unit": "ft"}, CTX)
    with pytest.raises(ToolArgumentError):
        await registry.call("convert_units", {"value": 1e16, "from_unit": "m", "to_unit": "ft"}, CTX)
    with pytest.raises(ToolArgumentError):
        await CalcSkill().call("volume_set", {}, CTX)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("g", "gram"),
        ("grams", "gram"),
        ("lb", "pound"),
        ("lbs", "pound"),
        ("Pounds", "pound"),
        ("km", "kilometer"),
        ("kilometres", "kilometer"),
        ("inches", "inch"),
        ("feet", "foot"),
        ("tsp", "teaspoon"),
        ("tbsp", "tablespoon"),
        ("mph", "mile per hour"),
        ("km/h", "kilometer per hour"),
        ("kph", "kilometer per hour"),
        ("°F", "degree Fahrenheit"),
        ("degrees celsius", "degree Celsius"),
        ("B", "byte"),
        ("b", "bit"),
        ("MB", "megabyte"),
        ("Mb", "megabit"),
        ("m²", "square meter"),
        ("hrs", "hour"),
    ],
)
def test_unit_aliases(alias: str, name: str) -> None:
    assert find_units(alias)[0].singular == name

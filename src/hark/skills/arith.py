"""Safe arithmetic for spoken questions: words to an expression, an ``ast`` walk instead of eval.

``normalise_expression("15 percent of 80")`` gives ``(15/100*80)``;
:func:`evaluate` accepts only numbers, ``+ - * / ** %``, parentheses, unary
signs and the functions ``sqrt`` and ``cbrt``, and refuses results too large
to say. :func:`spoken_number` writes a result the way it should be read.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable

MAX_LENGTH = 200
"""Longest expression accepted, in characters (after normalisation too)."""
_MAX_INT = 10**300
Number = int | float


class CalcError(ValueError):
    """An expression that cannot be computed; ``str()`` is a spoken sentence, ``code`` says why."""

    code = "calc-failed"


class NotAnExpressionError(CalcError):
    code = "not-an-expression"

    def __init__(self) -> None:
        super().__init__("Sorry, I can't work that out.")


class DivisionByZeroError(CalcError):
    code = "division-by-zero"

    def __init__(self) -> None:
        super().__init__("You can't divide by zero.")


class TooBigError(CalcError):
    code = "too-big"

    def __init__(self) -> None:
        super().__init__("That number is too big for me.")


class NoRealAnswerError(CalcError):
    code = "no-real-answer"

    def __init__(self) -> None:
        super().__init__("That has no real answer.")


# --- words to digits -------------------------------------------------------

_SMALL_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_TEENS = ("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_SMALL = {w: i for i, w in enumerate((*_SMALL_WORDS, *_TEENS))}
_TENS = {
    w: 10 * i
    for i, w in enumerate(("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), start=2)
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_UNIT_WORDS = "|".join([*_SMALL, *_TENS])
_SCALE_WORDS = "|".join(["hundred", *_SCALES])
_NUMBER_WORD = re.compile(
    rf"\b(?:(?:a|an)\s+(?:{_SCALE_WORDS})|{_UNIT_WORDS})\b"
    rf"(?:(?:\s+|-|\s+and\s+(?=(?:{_UNIT_WORDS})\b))(?:{_UNIT_WORDS}|{_SCALE_WORDS})\b)*"
)


def _words_value(words: str) -> str:
    """One run of number words as digits; words that cannot follow each other ("one two") stay apart: ``1 2``."""
    groups: list[int] = []
    total = current = 0
    last = ""
    for word in re.split(r"[\s-]+", words):
        if word in ("a", "an", "and"):
            continue
        kind = "small" if word in _SMALL else "tens" if word in _TENS else "scale"
        if kind != "scale" and (last == "small" or (last == "tens" and (kind == "tens" or _SMALL[word] >= 10))):
            groups.append(total + current)
            total = current = 0
        if kind == "small":
            current += _SMALL[word]
        elif kind == "tens":
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            total += max(current, 1) * _SCALES[word]
            current = 0
        last = kind
    groups.append(total + current)
    return " ".join(str(g) for g in groups)


_DIGIT_WORDS = _SMALL_WORDS[:10]
_DECIMALS = re.compile(r"\s+point((?:\s+(?:\d+|" + "|".join(_DIGIT_WORDS) + r")\b)+)")


def _decimals(match: re.Match[str]) -> str:
    digits = [w if w.isdigit() else str(_DIGIT_WORDS.index(w)) for w in match.group(1).split()]
    return "." + "".join(digits)


def words_to_digits(text: str) -> str:
    """``twenty five point one four`` -> ``25.14``; ``a hundred and two`` -> ``102``; ``2.5 million`` -> ``2500000``."""
    text = _DECIMALS.sub(_decimals, text)
    text = _NUMBER_WORD.sub(lambda m: _words_value(m.group(0)), text)
    text = re.sub(r"(\d)\s+\.(\d)", r"\1.\2", text)
    return re.sub(
        r"(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion)\b",
        lambda m: _scaled(m.group(1), _SCALES[m.group(2)]),
        text,
    )


def _scaled(number: str, scale: int) -> str:
    whole, _, frac = number.partition(".")
    value = int(whole + frac) * scale // 10 ** len(frac) if frac else int(whole) * scale
    return str(value)


# --- phrases to operators --------------------------------------------------

_NUM = r"-?\d+(?:\.\d+)?"
_FILLER = re.compile(
    r"^(?:(?:please|hey|ok|okay)\s+)?(?:what(?:'s| is| are)|whats|how much is|how much are|calculate|compute|"
    r"work out|solve|tell me|evaluate)\s+|\s+please$|\s*(?:=|equals|is equal to)\s*$"
)
_VERBS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^add (.+?) (?:to|and) (.+)$"), r"(\1)+(\2)"),
    (re.compile(r"^subtract (.+?) from (.+)$"), r"(\2)-(\1)"),
    (re.compile(r"^multiply (.+?) (?:by|and|with) (.+)$"), r"(\1)*(\2)"),
    (re.compile(r"^divide (.+?) by (.+)$"), r"(\1)/(\2)"),
    (re.compile(r"^(?:the )?sum of (.+?) and (.+)$"), r"(\1)+(\2)"),
    (re.compile(r"^(?:the )?product of (.+?) and (.+)$"), r"(\1)*(\2)"),
    (re.compile(r"^(?:the )?difference between (.+?) and (.+)$"), r"(\1)-(\2)"),
    (re.compile(r"^half of (.+)$"), r"(\1)/2"),
    (re.compile(r"^(?:a )?(?:third|1 third) of (.+)$"), r"(\1)/3"),
    (re.compile(r"^(?:a )?(?:quarter|1 quarter) of (.+)$"), r"(\1)/4"),
]
_PHRASES: list[tuple[str, str]] = [
    (r"\b(?:the )?square root of\b", " sqrt "),
    (r"\b(?:the )?cube root of\b", " cbrt "),
    (r"\b(?:raised )?to the power of\b|\braised to(?: the)?\b|\bto the\b", " ** "),
    (r"\bsquared\b", " **2 "),
    (r"\bcubed\b", " **3 "),
    (r"(\d)(?:st|nd|rd|th)\b", r"\1"),
    (r"\bmultiplied by\b|\btimes\b|(?<=[\d)])\s*x\s*(?=[\d(])", " * "),
    (r"\bdivided by\b|\bover\b", " / "),
    (r"\bplus\b|\badded to\b", " + "),
    (r"\bminus\b|\bnegative\b|\btake away\b", " - "),
    (r"\bmodulo\b|\bmod\b", " % "),
]
_PERCENT = r"(?:%|\s*\bper ?cent\b)"
_ROOT_OF = re.compile(rf"\b(sqrt|cbrt)\s+((?:(?:sqrt|cbrt)\()+[^()]*\)+|{_NUM})")


def normalise_expression(text: str) -> str:
    """A spoken or typed calculation as a Python arithmetic expression (unchecked)."""
    s = text.lower().replace("’", "'").strip()
    s = re.sub(r"[?!]+$|\.+$", "", s).strip()
    s = _FILLER.sub("", s).strip()
    s = _FILLER.sub("", s).strip()
    s = re.sub(r"(?<=\d),(?=\d{3}\b)", "", s)
    for symbol, op in (("×", "*"), ("✕", "*"), ("·", "*"), ("÷", "/"), ("−", "-"), ("–", "-"), ("^", "**")):
        s = s.replace(symbol, op)
    s = s.replace("√", " square root of ")
    s = words_to_digits(s)
    for pattern, repl in _VERBS:
        s = pattern.sub(repl, s)
    for pattern_text, repl in _PHRASES:
        s = re.sub(pattern_text, repl, s)
    s = re.sub(rf"({_NUM}){_PERCENT}\s+of\s+({_NUM})", r"(\1/100*\2)", s)
    s = re.sub(rf"({_NUM}){_PERCENT}\s+of\b", r"(\1/100)*", s)
    s = re.sub(rf"(\d+(?:\.\d+)?){_PERCENT}(?!\s*[\d(.])", r"(\1/100)", s)
    s = re.sub(r"\b(sqrt|cbrt)\s+\(", r"\1(", s)
    for _ in range(10):  # innermost first: "sqrt sqrt 16" -> "sqrt sqrt(16)" -> "sqrt(sqrt(16))"
        s, changed = _ROOT_OF.subn(r"\1(\2)", s)
        if not changed:
            break
    return re.sub(r"\s+", " ", s).strip()


# --- evaluation ------------------------------------------------------------


def _check(value: Number | complex) -> Number:
    if isinstance(value, complex):
        raise NoRealAnswerError()
    if isinstance(value, int) and abs(value) > _MAX_INT:
        raise TooBigError()
    if isinstance(value, float) and not math.isfinite(value):
        raise TooBigError()
    return value


def _power(base: Number, exp: Number) -> Number | complex:
    if isinstance(base, int) and isinstance(exp, int) and exp >= 0:
        if abs(base) > 1 and exp * math.log10(abs(base)) > 300:
            raise TooBigError()
        return int(base**exp)
    result: Number | complex = float(base) ** float(exp)
    return result


def _sqrt(x: Number) -> Number:
    if x < 0:
        raise NoRealAnswerError()
    return math.sqrt(x)


def _cbrt(x: Number) -> Number:
    root = math.copysign(abs(x) ** (1 / 3), x)
    whole = round(root)
    return whole if whole**3 == x else root


_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number | complex]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.Pow: _power,
}
_FUNCTIONS: dict[str, Callable[[Number], Number]] = {"sqrt": _sqrt, "cbrt": _cbrt}


def _eval(node: ast.AST) -> Number:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return _check(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _eval(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        try:
            return _check(_BINARY[type(node.op)](left, right))
        except ZeroDivisionError as exc:
            raise DivisionByZeroError() from exc
        except OverflowError as exc:
            raise TooBigError() from exc
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and len(node.args) == 1
        and not node.keywords
    ):
        try:
            return _check(_FUNCTIONS[node.func.id](_eval(node.args[0])))
        except OverflowError as exc:
            raise TooBigError() from exc
    raise NotAnExpressionError()


def evaluate(expression: str) -> Number:
    """The value of a normalised expression; raises :class:`CalcError` with a spoken reason."""
    if not expression or len(expression) > MAX_LENGTH:
        raise NotAnExpressionError()
    if not re.fullmatch(r"(?:[\d.+\-*/%() ]|sqrt|cbrt)+", expression) or not re.search(r"\d", expression):
        raise NotAnExpressionError()
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, RecursionError, ValueError) as exc:
        raise NotAnExpressionError() from exc
    value = _eval(tree)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def calculate(text: str) -> tuple[str, Number]:
    """Normalise then evaluate spoken arithmetic: ``("(15/100*80)", 12)``."""
    if len(text) > MAX_LENGTH:
        raise NotAnExpressionError()
    expression = normalise_expression(text)
    return expression, evaluate(expression)


def spoken_number(value: Number, *, significant: int = 0) -> str:
    """A number as it should be read: integers as digits; below 1, 4 significant digits; from 1,
    4 decimals, or just enough for ``significant`` digits without rounding the whole part;
    powers of ten when huge or tiny. Negative numbers start with "minus"."""
    if value < 0:
        return "minus " + spoken_number(-value, significant=significant)
    if isinstance(value, int) and value < 10**15:
        return str(value)
    x = float(value)
    if x == 0:
        return "0"
    if x >= 1e15 or x < 1e-4:
        mantissa, exponent = f"{x:.3e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa} times 10 to the power of {'minus ' if int(exponent) < 0 else ''}{abs(int(exponent))}"
    if x < 1:
        text = f"{x:.4g}"
    else:
        decimals = max(0, significant - len(str(int(x)))) if significant else 4
        text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

"""The speakable normaliser: markdown, lists, units and symbols out, on a stream, holding back little."""

from __future__ import annotations

import pytest

from hark.brain.speakable import Speakable, speakable


def stream(*chunks: str) -> list[str]:
    s = Speakable()
    return [s.push(c) for c in chunks] + [s.flush()]


@pytest.mark.parametrize(
    ("raw", "spoken"),
    [
        ("**Paris** is the _capital_ of `France`.", "Paris is the capital of France."),
        ("# Weather\nIt's sunny.", "Weather. It's sunny."),
        ("Three cities:\n1. Paris\n2. Rome\n3) Berlin", "Three cities: First, Paris. Second, Rome. Third, Berlin"),
        ("You need:\n- eggs\n* milk\n• salt & pepper", "You need: eggs. milk. salt and pepper"),
        (
            "It's 20°C, wind 15 km/h, rain 40%.",
            "It's 20 degrees Celsius, wind 15 kilometers per hour, rain 40 percent.",
        ),
        ("Set it to 70 °F", "Set it to 70 degrees Fahrenheit"),
        ("Great job 🎉! 👍", "Great job!"),
        ("See https://www.example.com/a/b?c=1 for more.", "See example dot com for more."),
        ("Read [the docs](https://docs.example.org/x).", "Read the docs."),
        ("R&D is #1", "R and D is number 1"),
        ("snake_case stays", "snake_case stays"),
        ("> a quote", "a quote"),
    ],
)
def test_whole_texts(raw: str, spoken: str) -> None:
    assert speakable(raw) == spoken


def test_bold_split_in_the_middle_of_the_stars() -> None:
    out = stream("The *", "*Eif", "fel*", "* Tower ", "is tall.")
    assert "".join(out) == "The Eiffel Tower is tall."
    assert "*" not in "".join(out)


def test_a_number_waits_for_its_unit() -> None:
    out = stream("It is 2", "0", "°", "C and ", "5", " km", "/h now.")
    assert "".join(out) == "It is 20 degrees Celsius and 5 kilometers per hour now."


def test_plain_words_are_not_held_back() -> None:
    s = Speakable()
    assert s.push("Hello") == "Hello"
    assert s.push(" there") == " there"
    assert s.push(", how") == ", how"
    assert s.push(" are you") == " are you"


def test_only_the_unsure_word_is_held() -> None:
    s = Speakable()
    assert s.push("It is **very") == "It is"
    assert s.push("** ") == " very "
    assert s.push("ht") == ""  # could start a URL
    assert s.push("tps://x.org ok") == "x dot org ok"


def test_list_items_split_across_deltas() -> None:
    out = stream("Sure!", "\n", "-", " one", "\n", "2", ". two")
    assert "".join(out) == "Sure! one. Second, two"


def test_end_sentence_closes_open_text_once() -> None:
    s = Speakable()
    assert s.push("Let me check") == "Let me check"
    assert s.end_sentence() == ". "
    assert s.push("It's done.") == "It's"  # "done." waits for what follows the period
    assert s.end_sentence() == " done. "
    assert Speakable().end_sentence() == ""

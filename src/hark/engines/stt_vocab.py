"""What a home assistant expects to hear, as a biasing prompt or hotwords for Whisper.

Whisper conditions its transcript on "previous text" (``<|startofprev|>`` ... before
``<|startoftranscript|>``): words in it become likelier, spellings follow it. A prompt
made of the commands' vocabulary (timers, lists, lights, weather, conversions) and the
home's own names (areas, devices) helps on voices and noise Whisper finds hard: the
right word wins over a near sound-alike ("timer", not "time of"; "blinds", not
"blonds").

The prompt is prose about the vocabulary, not example commands to copy (Whisper can
repeat a prompt's sentence when the audio is unclear, and a prompt made of commands would
turn that into a command), and not a bare comma list: measured in bench/asr_voices.py, a
comma-list prompt (or hotwords) makes Whisper answer in comma lists and loop ("lights,
lights, lights, ...").
"""

from __future__ import annotations

from collections.abc import Iterable

COMMAND_WORDS = (
    "timer, alarm, reminder, minutes, seconds, hours, shopping list, to-do list, "
    "lights, lamp, blinds, garage door, brightness, percent, volume, weather, forecast, "
    "temperature, rain, sunny, today, tomorrow, date, time, kilometers, miles, grams, "
    "pounds, ounces, Celsius, Fahrenheit"
)
"""The command vocabulary of Hark's intents, as a comma list."""


def _names(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        v = " ".join(v.split())
        if v and v.lower() not in (s.lower() for s in seen):
            seen[v] = None
    return list(seen)


COMMAND_PROSE = (
    "I asked the home assistant to set a timer or an alarm, to add something to the shopping list "
    "or the to-do list, to turn the lights on or off, about the weather forecast for today or tomorrow, "
    "the time and the date, and to convert miles to kilometers or Fahrenheit to Celsius."
)
"""The command vocabulary of Hark's intents, as one sentence of prose."""


def _and_list(names: list[str]) -> str:
    names = [f"the {n}" for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def default_prompt(areas: Iterable[str] = (), devices: Iterable[str] = (), prose: str = COMMAND_PROSE) -> str:
    """A prompt for ``stt.prompt`` (``auto``): the command vocabulary, then the home's rooms and devices."""
    parts = [prose]
    rooms = _names(areas)
    if rooms:
        parts.append(f"The rooms are {_and_list(rooms)}.")
    things = _names(devices)
    if things:
        parts.append(f"The devices are {_and_list(things)}.")
    return " ".join(parts)


def default_hotwords(areas: Iterable[str] = (), devices: Iterable[str] = (), words: str = COMMAND_WORDS) -> str:
    """The same vocabulary as faster-whisper hotwords (``stt.hotwords``): a bare comma list."""
    return ", ".join(_names([*words.split(", "), *areas, *devices]))

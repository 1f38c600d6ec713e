"""Text to intent with hassil: the home-assistant-intents library plus Hark's own templates.

The hassil :class:`~hassil.Intents` are built once, at construction (a few tens
of milliseconds; :attr:`IntentRecognizer.startup_s` records it). Matching a
sentence then takes a few milliseconds: hassil's required-fragment prefilter
discards almost every template before the matcher runs.

Slot lists that depend on the home (entity names, areas, floors) are injected
with :meth:`IntentRecognizer.set_entities`. Until the home is known, a built-in
list of common room names stands in for the areas, so "turn on the kitchen
lights" works out of the box; a wildcard would be simpler but makes templates
such as "set {area} brightness to 50" swallow "set volume to 50" (a wrong action).

When several templates match, the ranking is hassil's (fewer wildcards, then more
literal text matched, then less text inside wildcards) behind two rules of Hark's:
blocks marked ``hark_fallback`` (catch-alls such as "what is {expression}") come
last, and a library match that needed a wildcard comes after any match of Hark's
own templates. The library's wildcard templates are for things Hark has no tool
for ("{command} in 45 minutes", a delayed command) and would otherwise win over
Hark's more specific "remind me to {text} in {when}".
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hassil import Intents, SlotList, TextSlotList, recognize_all
from hassil.recognize import RecognizeResult

from .loader import SOURCE_KEY, load_sentence_data
from .types import LIBRARY_SOURCE, IntentMatch

DEFAULT_AREAS = (
    "kitchen", "living room", "lounge", "dining room", "bedroom", "master bedroom", "kids room",
    "guest room", "bathroom", "toilet", "office", "study", "hallway", "hall", "entrance", "garage",
    "garden", "porch", "patio", "basement", "cellar", "attic", "laundry room", "nursery", "playroom",
)  # fmt: skip
"""Stand-in areas until :meth:`IntentRecognizer.set_entities` provides the home's."""

Entity = tuple[str, str | None, str]
"""``(name, area or None, domain)`` of a device: ``("ceiling light", "kitchen", "light")``."""


class IntentRecognizer:
    """Recognise an intent in a sentence; one instance per language, reusable and cheap to call."""

    def __init__(
        self,
        language: str = "en",
        extra_sentences_dir: str | Path | None = None,
        entities: Sequence[Entity] = (),
        areas: Sequence[str] = (),
    ) -> None:
        start = time.perf_counter()
        self.language = language
        self._intents = Intents.from_dict(load_sentence_data(language, extra_sentences_dir))
        self._slot_lists: dict[str, SlotList] = {}
        self.set_entities(list(entities), list(areas))
        # The first match loads hassil's number-word tables: pay that here, not on a request.
        self.recognize("1")
        self.startup_s = time.perf_counter() - start
        """Seconds spent building the intents and warming up."""

    @property
    def intent_names(self) -> frozenset[str]:
        return frozenset(self._intents.intents)

    def set_entities(self, names: Sequence[Entity], areas: Sequence[str], floors: Iterable[str] = ()) -> None:
        """Replace the home's devices and areas (empty ``areas`` keeps the stand-in list).

        Each device's area and domain travel as hassil context, so library templates that
        require a domain (``lock the {name}`` needs a lock) only match the right devices.
        """
        area_names = sorted({a.strip() for a in areas if a.strip()} | {a for _, a, _ in names if a}) or list(
            DEFAULT_AREAS
        )
        name_values: list[tuple[str, Any, dict[str, Any]]] = []
        for name, area, domain in names:
            context: dict[str, Any] = {"domain": domain}
            if area:
                context["area"] = area
            name_values.append((name, name, context))
        self._slot_lists = {
            "name": TextSlotList.from_tuples(name_values, allow_template=False, name="name"),
            "area": TextSlotList.from_strings(area_names, allow_template=False, name="area"),
            "floor": TextSlotList.from_strings(list(floors), allow_template=False, name="floor"),
        }

    def recognize(self, text: str, *, area: str | None = None) -> IntentMatch | None:
        """The best match for ``text``, or ``None``. ``area`` is the speaking device's room,
        which library templates like "turn on the lights" (no room said) need."""
        cleaned = _clean(text)
        if not cleaned:
            return None
        context = {"area": {"value": area, "text": area}} if area else None
        results = recognize_all(
            cleaned,
            self._intents,
            slot_lists=self._slot_lists,
            intent_context=context,
            language=self.language,
        )
        best = min(results, key=_rank, default=None)
        return None if best is None else _to_match(best, cleaned)

    def candidates(self, text: str, *, area: str | None = None, limit: int = 6) -> list[IntentMatch]:
        """The best match and other readings *of the same family of intents*, best first
        (at most ``limit``).

        "set a timer for 20 minutes called laundry" reads as duration "20 minutes called
        laundry" (one wildcard, ranked first) or duration + name; the mapping takes the first
        reading whose slots parse (:func:`hark.nlu.mapping.first_tool_call`). A family is
        the intents of one skill ("remove 2 minutes from the pizza timer" reads first as
        cancelling a timer named "2 minutes from the pizza", which does not parse, then as
        taking time off it). Other families are never offered: a sentence that failed as a
        timer must not become a list item.
        """
        cleaned = _clean(text)
        if not cleaned:
            return []
        context = {"area": {"value": area, "text": area}} if area else None
        results = sorted(
            recognize_all(
                cleaned, self._intents, slot_lists=self._slot_lists, intent_context=context, language=self.language
            ),
            key=_rank,
        )
        if not results:
            return []
        family = _family(results[0].intent.name)
        out: list[IntentMatch] = []
        for result in results:
            if _family(result.intent.name) != family:
                continue
            match = _to_match(result, cleaned)
            if match not in out:
                out.append(match)
            if len(out) >= limit:
                break
        return out


_SKILL_INTENTS: dict[str, tuple[str, ...]] = {
    "timers": (
        "HassStartTimer", "HassCancelTimer", "HassCancelAllTimers", "HassTimerStatus", "HassPauseTimer",
        "HassUnpauseTimer", "HassIncreaseTimer", "HassDecreaseTimer",
    ),
    "alarms": ("HarkAlarmSet", "HarkAlarmList", "HarkAlarmCancel"),
    "reminders": ("HarkReminderSet", "HarkReminderList", "HarkReminderCancel"),
    "lists": (
        "HassShoppingListAddItem", "HassShoppingListCompleteItem", "HassListAddItem", "HassListRemoveItem",
        "HassListCompleteItem", "HarkListRead", "HarkListClear",
    ),
    "clock": ("HassGetCurrentTime", "HarkTimeIn", "HassGetCurrentDate", "HarkDate"),
    "weather": ("HassGetWeather", "HarkWeather"),
    "media": (
        "HassSetVolume", "HassSetVolumeRelative", "HarkVolumeUp", "HarkVolumeDown", "HassMediaPause",
        "HassMediaUnpause", "HassMediaNext", "HassMediaPrevious", "HarkMediaStop",
    ),
    "smarthome": (
        "HassTurnOn", "HassTurnOff", "HassLightSet", "HassClimateSetTemperature", "HassSetPosition",
        "HassGetState", "HassClimateGetTemperature",
    ),
    "calc": ("HarkCalculate", "HarkConvert"),
    "announce": ("HarkAnnounce", "HassBroadcast"),
    "voice": ("HarkVoiceEnrol", "HarkWhoAmI"),
}  # fmt: skip

INTENT_SKILLS: dict[str, str] = {intent: skill for skill, intents in _SKILL_INTENTS.items() for intent in intents}
"""Intent -> the skill (:attr:`hark.skills.base.Skill.name`) whose tools
:mod:`hark.nlu.mapping` calls for it. Every intent the mapping turns into a tool call is
here (a test holds the two together); brain commands (stop, yes, no) and intents the
mapping ignores are in no skill."""


def _family(intent: str) -> str:
    """The skill an intent belongs to (:data:`INTENT_SKILLS`); an intent of no skill is a family of its own.

    An explicit table, not a match on the name: "HarkAlarmList" is an alarm intent, not a list one."""
    return INTENT_SKILLS.get(intent, intent)


def _rank(result: RecognizeResult) -> tuple[int, int, int, int, int, str]:
    """Sort key, lowest best: see the module docstring."""
    metadata = result.intent_metadata or {}
    wildcards = [e for e in result.entities_list if e.is_wildcard]
    library = SOURCE_KEY not in metadata
    return (
        1 if metadata.get("hark_fallback") else 0,
        1 if library and wildcards else 0,
        len(wildcards),
        -result.text_chunks_matched,
        sum(len(e.text or "") for e in wildcards),
        result.intent.name,
    )


def _clean(text: str) -> str:
    """Trim what speech-to-text adds around a command: outer punctuation, spaces, a trailing "please"."""
    return " ".join(text.strip().strip(".!?,;:").split())


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _to_match(result: RecognizeResult, text: str) -> IntentMatch:
    slots: dict[str, Any] = {}
    for entity in result.entities_list:
        value = entity.value.strip() if isinstance(entity.value, str) else entity.value
        slots.setdefault(entity.name, _plain(value))
    context: Mapping[str, Any] = result.context or {}
    # The matched device's domain (from its slot-list context) decides lock vs light vs scene.
    domain = context.get("domain")
    if isinstance(domain, Mapping):
        domain = domain.get("value")
    if "domain" not in slots and isinstance(domain, str):
        slots["domain"] = domain
    metadata = result.intent_metadata or {}
    source = str(metadata.get(SOURCE_KEY, LIBRARY_SOURCE))
    sentence = (result.intent_sentence.text or "") if result.intent_sentence is not None else ""
    return IntentMatch(intent=result.intent.name, slots=slots, text=text, source=source, sentence=sentence)

"""The home's devices, whatever drives them, and how a spoken name finds them.

Every controllable thing is an :class:`Entity` with a Home Assistant style
domain (``light``, ``switch``, ``cover``...), a display name and an area. Home
Assistant entities and MQTT devices are merged into one :class:`Home`, so
"kitchen lights" reaches every light in the kitchen on either back end.

Resolution is *fuzzy but safe*. Spoken names are normalised (case, punctuation,
articles, plurals, word order) but never matched by spelling similarity: a
misheard "garage" must not become "garden". In order:

1. the whole phrase is a device's name, alias or object id ("kitchen ceiling
   light", ``light.kitchen_ceiling``);
2. an area is split off the phrase ("kitchen lights", "lights in the
   kitchen", or the ``area`` argument) and the rest is a device's name in that
   area ("bedroom lamp") or a kind of device ("lights": every light there);
3. the phrase is contained in exactly one device's name ("the ceiling light").

A bare kind of device ("the lights") uses the area the request came from
(``default_area``) and is otherwise ambiguous, unless the home has only one.
Cover words other than "garage door" ("blinds", "shades") never reach garage
doors or gates, so "open the blinds" cannot open the garage.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

# Domains the smart-home tools act on (Home Assistant's names; MQTT kinds are mapped onto them).
LIGHT = "light"
SWITCH = "switch"
FAN = "fan"
COVER = "cover"
CLIMATE = "climate"
LOCK = "lock"
SCENE = "scene"
ALARM = "alarm_control_panel"

GARAGE_CLASSES = frozenset({"garage", "gate"})
"""Cover device classes whose opening is dangerous (needs a spoken confirmation)."""

_FILLER = frozenset({"the", "a", "an", "my", "our", "all", "every", "please"})

PLURALS = {
    LIGHT: "lights",
    SWITCH: "switches",
    FAN: "fans",
    COVER: "covers",
    CLIMATE: "thermostats",
    LOCK: "locks",
    SCENE: "scenes",
    ALARM: "alarm panels",
    "media_player": "media players",
    "input_boolean": "switches",
}

# A kind of device, as said: (domain, cover class group). The group is "garage" for
# garage doors and gates, "" for every other cover, None where it does not apply.
KIND_WORDS: dict[tuple[str, ...], tuple[str, str | None]] = {
    ("light",): (LIGHT, None),
    ("lamp",): (LIGHT, None),
    ("lighting",): (LIGHT, None),
    ("switch",): (SWITCH, None),
    ("plug",): (SWITCH, None),
    ("outlet",): (SWITCH, None),
    ("socket",): (SWITCH, None),
    ("fan",): (FAN, None),
    ("blind",): (COVER, ""),
    ("shade",): (COVER, ""),
    ("curtain",): (COVER, ""),
    ("shutter",): (COVER, ""),
    ("cover",): (COVER, ""),
    ("window",): (COVER, ""),
    ("garage",): (COVER, "garage"),
    ("garage", "door"): (COVER, "garage"),
    ("gate",): (COVER, "garage"),
    ("thermostat",): (CLIMATE, None),
    ("heating",): (CLIMATE, None),
    ("heater",): (CLIMATE, None),
    ("climate",): (CLIMATE, None),
    ("air", "conditioning"): (CLIMATE, None),
    ("ac",): (CLIMATE, None),
    ("lock",): (LOCK, None),
    ("door", "lock"): (LOCK, None),
    ("scene",): (SCENE, None),
    ("alarm",): (ALARM, None),
    ("alarm", "system"): (ALARM, None),
    ("alarm", "panel"): (ALARM, None),
    ("security", "system"): (ALARM, None),
}


def _singular(word: str) -> str:
    """Crude English singular, applied to both sides of every comparison (so only collisions matter)."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def tokens(text: str) -> tuple[str, ...]:
    """Normalised words of a spoken or configured name: ``"The Kitchen's Lights!"`` -> ``("kitchen", "light")``."""
    text = text.lower().replace("_", " ").replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return tuple(_singular(w) for w in text.split() if w not in _FILLER)


@dataclasses.dataclass(frozen=True, slots=True)
class Area:
    area_id: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def keys(self) -> frozenset[tuple[str, ...]]:
        return frozenset(k for k in (tokens(self.name), tokens(self.area_id), *map(tokens, self.aliases)) if k)


@dataclasses.dataclass(frozen=True, slots=True)
class Entity:
    entity_id: str
    """``light.kitchen_ceiling`` for Home Assistant; ``mqtt:<slug>`` for an MQTT device."""
    name: str
    domain: str
    area: Area | None = None
    aliases: tuple[str, ...] = ()
    device_class: str | None = None
    source: str = "home_assistant"
    """``home_assistant`` or ``mqtt``: which back end drives it."""

    @property
    def is_garage(self) -> bool:
        """A garage door or gate: opening it needs a confirmation."""
        return self.domain == COVER and (self.device_class or "") in GARAGE_CLASSES

    @property
    def keys(self) -> frozenset[tuple[str, ...]]:
        object_id = self.entity_id.partition(".")[2] or self.entity_id.partition(":")[2]
        return frozenset(k for k in (tokens(self.name), tokens(object_id), *map(tokens, self.aliases)) if k)

    @property
    def area_name(self) -> str | None:
        return self.area.name if self.area else None


@dataclasses.dataclass(frozen=True, slots=True)
class Resolution:
    """Either the entities meant (never empty) or ``error``, a sentence to speak."""

    entities: tuple[Entity, ...] = ()
    error: str | None = None
    not_found: bool = False
    """Nothing matched (worth a registry refresh), as opposed to an ambiguity."""
    unknown_name: bool = False
    """The name itself is unknown (it may name a device of another kind)."""


def _join(names: Sequence[str], conj: str = "and") -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conj} " + names[-1]


def _kind_matches(entity: Entity, kind: tuple[str, str | None]) -> bool:
    domain, group = kind
    if entity.domain != domain:
        return False
    if group is None:
        return True
    return entity.is_garage == (group == "garage")


class Home:
    """An immutable snapshot of the home: its areas and entities, with name resolution."""

    def __init__(self, entities: Iterable[Entity] = (), areas: Iterable[Area] = ()) -> None:
        self.entities: tuple[Entity, ...] = tuple(entities)
        known = {a.area_id: a for a in areas}
        for e in self.entities:  # an MQTT device may name an area Home Assistant does not have
            if e.area is not None:
                known.setdefault(e.area.area_id, e.area)
        self.areas: tuple[Area, ...] = tuple(known.values())

    def find_area(self, spoken: str) -> Area | None:
        key = tokens(spoken)
        return next((a for a in self.areas if key in a.keys), None)

    def resolve(
        self,
        name: str | None,
        *,
        area: str | None = None,
        domains: Iterable[str],
        default_area: str | None = None,
        default_kind: str | None = None,
    ) -> Resolution:
        """The entities a request means, among ``domains``.

        ``default_kind`` is the domain an area on its own means ("turn off the
        kitchen": lights); without it an area on its own means every entity of
        ``domains`` there.
        """
        allowed = frozenset(domains)
        cands = [e for e in self.entities if e.domain in allowed]
        where: Area | None = None
        if area:
            where = self.find_area(area)
            if where is None:
                return Resolution(error=f"I don't know an area called {area}.", not_found=True)
        if not name:
            kind = (default_kind, None) if default_kind in allowed else None
            if where is None and kind is None:
                return Resolution(error="Which device do you mean?")
            return self._by_kind(cands, kind, where, default_area)

        query = tokens(name)
        if "in" in query[1:]:  # "lights in the kitchen"
            i = len(query) - 1 - query[::-1].index("in")
            spoken_area = self._area_by_key(query[i + 1 :])
            if spoken_area is not None and (where is None or where == spoken_area):
                where, query = spoken_area, query[:i]

        # 1. The whole phrase names a device (in the area, if one was given).
        hits = [e for e in cands if query in e.keys and (where is None or e.area == where)]
        if where is not None and not hits:  # area "kitchen" + name "ceiling light"
            hits = [e for e in cands if e.area == where and any(query in self._in_area_keys(e, k) for k in where.keys)]
        if hits:
            return self._one_name(hits, name)

        # 2. An area is said with the name: "kitchen lights", "bedroom lamp".
        split = self._split_area(query, where)
        if split is not None:
            where, query = split
            hits = [e for e in cands if e.area == where and query in e.keys]
            if hits:
                return self._one_name(hits, name)
        if not query:
            kind = (default_kind, None) if default_kind in allowed else None
            return self._by_kind(cands, kind, where, default_area)
        if query in KIND_WORDS:
            return self._by_kind(cands, KIND_WORDS[query], where, default_area)

        # 3. Contained in exactly one device's name: "the ceiling light".
        words = set(query)
        hits = [e for e in cands if (where is None or e.area == where) and any(words <= set(k) for k in e.keys)]
        if len(hits) == 1:
            return Resolution(entities=(hits[0],))
        if len(hits) > 1:
            return Resolution(error=f"Which do you mean: {_join(sorted({e.name for e in hits}), 'or')}?")
        return Resolution(error=f"I couldn't find a device called {name}.", not_found=True, unknown_name=True)

    # -- helpers -------------------------------------------------------------------------------

    def _area_by_key(self, key: tuple[str, ...]) -> Area | None:
        return next((a for a in self.areas if key in a.keys), None)

    @staticmethod
    def _in_area_keys(entity: Entity, area_key: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
        """The entity's names with the area's name put in front ("ceiling light" -> "kitchen ceiling light")."""
        return frozenset(k[len(area_key) :] for k in entity.keys if k[: len(area_key)] == area_key)

    def _split_area(self, query: tuple[str, ...], where: Area | None) -> tuple[Area, tuple[str, ...]] | None:
        """An area named at the start or the end of the phrase, longest first."""
        best: tuple[int, Area, tuple[str, ...]] | None = None
        for a in self.areas:
            if where is not None and a != where:
                continue
            for key in a.keys:
                n = len(key)
                if n > len(query) or (best is not None and n <= best[0]):
                    continue
                if query[:n] == key:
                    best = (n, a, query[n:])
                elif query[-n:] == key:
                    best = (n, a, query[:-n])
        return (best[1], best[2]) if best else None

    def _one_name(self, hits: list[Entity], spoken: str) -> Resolution:
        if len(hits) == 1:
            return Resolution(entities=(hits[0],))
        areas = sorted({e.area_name or "no area" for e in hits})
        if len(areas) == len(hits):
            return Resolution(error=f"Which {spoken} do you mean: the one in the {_join(areas, 'or')}?")
        return Resolution(error=f"Several devices are called {spoken}; please rename one in Home Assistant.")

    def _by_kind(
        self,
        cands: list[Entity],
        kind: tuple[str, str | None] | None,
        where: Area | None,
        default_area: str | None,
    ) -> Resolution:
        """Every entity of a kind in an area: the one said, else the one the request came from."""
        if where is None and default_area:
            where = self.find_area(default_area)
        pool = [e for e in cands if kind is None or _kind_matches(e, kind)]
        plural = PLURALS.get(kind[0], "devices") if kind else "devices"
        if kind is not None and kind[0] == COVER:
            plural = "garage doors" if kind[1] == "garage" else "blinds or covers"
        if where is not None:
            hits = [e for e in pool if e.area == where]
            if not hits:
                return Resolution(error=f"There are no {plural} in the {where.name}.", not_found=True)
            return Resolution(entities=tuple(hits))
        if len(pool) == 1:
            return Resolution(entities=(pool[0],))
        if not pool:
            return Resolution(error=f"I couldn't find any {plural}.", not_found=True)
        areas = sorted({e.area_name for e in pool if e.area_name})
        if areas:
            return Resolution(error=f"Which {plural}? There are some in the {_join(areas)}.")
        return Resolution(error=f"Which {plural}? There are {len(pool)} of them.")

    def names(self) -> list[tuple[str, str | None, str]]:
        """``(name, area, domain)`` of every entity, for the intent recogniser's slot lists."""
        return [(e.name, e.area_name, e.domain) for e in self.entities]

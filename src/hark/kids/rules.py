"""The word lists and phrase rules compiled into one matcher per side (request, reply)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping

from . import verdict as v
from .broad import RULES as BROAD_RULES
from .topics import GUARD, REPLY, REQUEST, RULES, SUPERVISED, Rule
from .wordlists import MASKS, WORDS

_GUARD = re.compile(GUARD)
_SUPERVISED = re.compile(SUPERVISED)
_SENTENCE_END = re.compile(r" \. ")
_CLAUSE_END = re.compile(r"[.,] ")
GUARD_WORDS = 6


@dataclasses.dataclass(frozen=True, slots=True)
class Hit:
    category: str
    rule: str
    text: str


def word_rules(words: Mapping[str, Iterable[str]]) -> tuple[Rule, ...]:
    """One rule per category for its single words (purchase words are guarded: "I can't buy things")."""
    out = []
    for category, listed in words.items():
        alternation = "|".join(re.escape(w) for w in sorted(listed, key=len, reverse=True))
        out.append(Rule(f"words-{category}", category, rf"\b(?:{alternation})\b", guarded=category == v.PURCHASE))
    return tuple(out)


class Matcher:
    """Masks innocent phrases, then finds the most serious category any rule of one side matches.

    :param rules: phrase and word rules; only those whose ``sides`` include ``side`` are used.
    :param masks: regular expressions of innocent phrases ("bath bomb"), replaced before matching.
    """

    def __init__(self, rules: Iterable[Rule], masks: Iterable[str], side: str) -> None:
        self.side = side
        self._mask = re.compile(r"\b(?:" + "|".join(f"(?:{m})" for m in masks) + r")\b")
        self._rules: dict[str, Rule] = {}
        by_category: dict[str, list[str]] = {}
        for i, rule in enumerate(rules):
            if side not in rule.sides:
                continue
            key = f"r{i}"
            self._rules[key] = rule
            by_category.setdefault(rule.category, []).append(f"(?P<{key}>{rule.pattern})")
        order = {c: i for i, c in enumerate(v.CATEGORIES)}
        self._patterns = [
            (category, re.compile("|".join(parts)))
            for category, parts in sorted(by_category.items(), key=lambda kv: order.get(kv[0], len(order)))
        ]

    def mask(self, text: str) -> str:
        return self._mask.sub("xx", text)

    def find(self, normalised: str) -> Hit | None:
        """The first (most serious) category with an unguarded match in already normalised text."""
        text = self.mask(normalised)
        for category, pattern in self._patterns:
            for m in pattern.finditer(text):
                key = m.lastgroup
                rule = self._rules[key] if key is not None else None
                if rule is None:
                    continue
                if rule.guarded and self._advised(text, m.start()):
                    continue
                if rule.supervised and self._supervised(text, m.start()):
                    continue
                return Hit(category, rule.name, m.group(0).strip(" .,"))
        return None

    @staticmethod
    def _supervised(text: str, start: int) -> bool:
        """A grown-up present or permitting in the sentence around ``start``."""
        begin = max((e.end() for e in _SENTENCE_END.finditer(text, 0, start)), default=0)
        end = _SENTENCE_END.search(text, start)
        return bool(_SUPERVISED.search(text, begin, end.start() if end else len(text)))

    @staticmethod
    def _advised(text: str, start: int) -> bool:
        """Safety advice in the few words before ``start``, in the same clause."""
        before = text[:start]
        ends = list(_CLAUSE_END.finditer(before))
        if ends:
            before = before[ends[-1].end() :]
        return bool(_GUARD.search(" ".join(before.split()[-GUARD_WORDS:])))


def default_matchers() -> tuple[Matcher, Matcher]:
    rules = (*RULES, *BROAD_RULES, *word_rules(WORDS))
    return Matcher(rules, MASKS, REQUEST), Matcher(rules, MASKS, REPLY)


def vocabulary(words: Mapping[str, Iterable[str]] = WORDS) -> frozenset[str]:
    """The single listed words (what disguised spellings are mapped back to)."""
    return frozenset(w for listed in words.values() for w in listed if " " not in w)

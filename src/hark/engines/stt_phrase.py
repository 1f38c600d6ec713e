"""A closed-vocabulary command path: command sentences near a transcript, checked against the audio.

Whisper's free transcript of a hard voice in noise is often a few sounds off a command
("Boss the timer.", "Turn on the pitch and lights.", "at coffee to my shopping list.").
When the transcript is not a command the classic brain acts on, :class:`PhraseFinder`
proposes command sentences close to it, in the spirit of Home Assistant's
Speech-to-Phrase, and the recogniser scores each against the *same* audio (Whisper
teacher-forced, :meth:`hark.engines.stt_whisper.WhisperStt.transcribe`); the best
candidate replaces the transcript only if the audio supports it about as well as
Whisper's own transcript (:meth:`PhraseFinder.choose`).

Candidate generation (:meth:`PhraseFinder.candidates`), cheap filters first:

1. the *grammar* (:class:`PhraseGrammar`): every word the intent templates can say
   (Hark's ``sentences/<lang>/*.yaml`` and home-assistant-intents, as the classic brain
   loads them, plus the home's area and device names) and every pair of words that can
   follow each other in a template (computed from the template trees, never by expanding
   them: English has about ten million expansions);
2. *near sounds*: each transcript word (and each pair of neighbouring words, "pitch and"
   -> "kitchen") is replaced by grammar words that sound alike (:func:`sound_key`, a crude
   phonetic code; neighbours within two edits, looked up by deletions);
3. variants with one or two replacements are ranked by how many of their word pairs the
   grammar allows (a variant must gain over the transcript, and fit the grammar almost
   everywhere: open speech rarely does, so it costs a few milliseconds and no decoding);
4. the best few are read by the classic brain (``is_command``, ~3 ms each); only those it
   acts on go to the acoustic check.

Engine-agnostic: the scores come from the caller; :meth:`choose` takes them as log-probabilities.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

_WORD = re.compile(r"[a-z0-9][a-z0-9'%.:]*[a-z0-9%]|[a-z0-9]")
_NUMBER = re.compile(r"^\d+([.:,]\d+)?%?$")
_NUMBER_TEXT = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand half quarter"
)
NUMBER_WORDS = frozenset(_NUMBER_TEXT.split())
SLOT = "*"
"""A wildcard slot in the grammar (any words: a shopping item, a city)."""
NUM = "#"
"""A number slot (a range list, a duration): digits or number words."""
EDGE = "|"
"""Start or end of a sentence."""
_SLOT_TEXT = (
    "minute minutes second seconds hour hours timer alarm reminder shopping grocery list lists to do "
    "kilometers kilometres kilometer miles mile meters metres centimeters centimetres inch inches "
    "feet foot yards grams gram kilograms kilos pounds pound ounces ounce liters litres cups cup "
    "teaspoons tablespoons celsius fahrenheit degrees percent weather forecast rain sunny tomorrow "
    "today tonight morning evening monday tuesday wednesday thursday friday saturday sunday"
)
SLOT_WORDS = tuple(_SLOT_TEXT.split())
"""Words that Hark's templates take through wildcards (units, list names, days): near sounds of
them are worth proposing although no template spells them."""


def words(text: str) -> list[str]:
    """Lower-case words of a transcript, punctuation at word edges dropped ("6:30" and "50%" kept)."""
    return _WORD.findall(text.lower().replace("’", "'"))


def is_number(word: str) -> bool:
    return bool(_NUMBER.match(word)) or word in NUMBER_WORDS


_DIGRAPHS: tuple[tuple[str, str], ...] = (
    ("tch", "C"),
    ("ch", "C"),
    ("sh", "S"),
    ("th", "T"),
    ("ph", "f"),
    ("ck", "k"),
    ("wh", "w"),
)
_DIGRAPHS += (("qu", "kw"), ("gh", ""), ("x", "ks"), ("ng", "n"))
_CLASSES = str.maketrans("bpdtgkqvfzsmnjy", "PPTTKKKFFSSNNCa")


def sound_key(word: str) -> str:
    """A crude phonetic code: voiced and unvoiced pairs merged (b/p, d/t, g/k, v/f, s/z), m/n
    merged, vowels merged into one, silent final e and doubled letters dropped ("pause" and
    "boss" -> ``PaS``, "lamp" and "land" -> ``LaNP``/``LaNT``)."""
    w = "".join(ch for ch in word.lower() if "a" <= ch <= "z")
    if len(w) > 2 and w.endswith("e") and w[-2] not in "aeiou":
        w = w[:-1]
    for a, b in _DIGRAPHS:
        w = w.replace(a, b)
    w = re.sub(r"c(?=[eiy])", "s", w).replace("c", "k")
    w = re.sub(r"g(?=[eiy].)", "j", w)
    w = w.translate(_CLASSES).upper()
    w = re.sub(r"[AEIOU]+", "a", w).replace("H", "").replace("W", "w")
    out: list[str] = []
    for ch in w:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _deletions(key: str, depth: int) -> set[str]:
    out = {key}
    frontier = {key}
    for _ in range(depth):
        frontier = {k[:i] + k[i + 1 :] for k in frontier for i in range(len(k))}
        out |= frontier
    return out


# -- the grammar ------------------------------------------------------------------------------------


_FITS_KEPT = 200_000


@dataclasses.dataclass(frozen=True)
class PhraseGrammar:
    """The words the command templates can say, and which word may follow which."""

    vocabulary: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    _fits: dict[tuple[str, str], float] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    """:meth:`fits` of the pairs already asked (a phrase search asks the same pairs ~300,000 times
    an utterance); emptied past :data:`_FITS_KEPT` entries."""

    @classmethod
    def from_intents(cls, intents: Any, areas: Iterable[str] = (), devices: Iterable[str] = ()) -> PhraseGrammar:
        """From parsed hassil :class:`~hassil.Intents`; ``areas``/``devices`` fill ``{area}``/``{name}``."""
        builder = _Builder(intents, [*areas], [*devices])
        for intent in intents.intents.values():
            for data in intent.data:
                for sentence in data.sentences:
                    builder.sentence(sentence.expression)
        return cls(frozenset(builder.vocabulary | set(SLOT_WORDS)), frozenset(builder.pairs))

    @classmethod
    def load(cls, language: str = "en", areas: Iterable[str] = (), devices: Iterable[str] = ()) -> PhraseGrammar:
        """The classic brain's templates for ``language`` (:func:`hark.nlu.loader.load_sentence_data`)."""
        from hassil import Intents

        from ..nlu.loader import load_sentence_data

        return cls.from_intents(Intents.from_dict(load_sentence_data(language)), areas, devices)

    def fits(self, a: str, b: str) -> float:
        """How well ``b`` may follow ``a``: 1 for a template pair of words, 0.5 through a slot (a
        number or a word no template says, inside a wildcard or a number slot), else 0."""
        known = self._fits.get((a, b))
        if known is not None:
            return known
        if len(self._fits) > _FITS_KEPT:
            self._fits.clear()
        self._fits[a, b] = found = self._fit_pair(a, b)
        return found

    def _fit_pair(self, a: str, b: str) -> float:
        if (a, b) in self.pairs:
            return 1.0
        fa, fb = self._forms(a), self._forms(b)
        if SLOT in fa and SLOT in fb:
            return 0.5  # a wildcard goes on
        if any((x, y) in self.pairs for x in fa for y in fb):
            return 0.5
        return 0.0

    def forms(self, w: str) -> tuple[str, ...]:
        """What ``w`` may stand for in the template pairs: itself, :data:`NUM` (a number) and
        :data:`SLOT` (a number, or a word no template says)."""
        return self._forms(w)

    def _forms(self, w: str) -> tuple[str, ...]:
        if w == EDGE:
            return (EDGE,)
        if is_number(w):
            return (w, NUM, SLOT)
        return (w,) if w in self.vocabulary else (w, SLOT)

    def fit(self, ws: Sequence[str]) -> tuple[float, int]:
        """(sum of :meth:`fits` over the word pairs, edges included; how many pairs do not fit at all)."""
        seq = [EDGE, *ws, EDGE]
        scores = [self.fits(a, b) for a, b in itertools.pairwise(seq)]
        return sum(scores), sum(s == 0 for s in scores)


_First = frozenset[str]


class _Builder:
    """First/last word sets of template expressions (a Glushkov construction), collecting the
    pairs of words that can follow each other without expanding the templates."""

    def __init__(self, intents: Any, areas: list[str], devices: list[str]) -> None:
        from hassil.intents import RangeSlotList, TextSlotList

        self.intents = intents
        self.vocabulary: set[str] = set()
        self.pairs: set[tuple[str, str]] = set()
        self._rules: dict[str, tuple[_First, _First, bool]] = {}
        self._lists: dict[str, tuple[_First, _First, bool]] = {}
        self._range, self._text = RangeSlotList, TextSlotList
        self._names = {"area": areas, "name": devices, "floor": []}

    def sentence(self, expression: Any) -> None:
        first, last, _ = self.expr(expression)
        self.pairs.update((EDGE, w) for w in first)
        self.pairs.update((w, EDGE) for w in last)

    def _words(self, ws: list[str]) -> tuple[_First, _First, bool]:
        if not ws:
            return frozenset(), frozenset(), True
        self.vocabulary.update(ws)
        self.pairs.update(itertools.pairwise(ws))
        return frozenset(ws[:1]), frozenset(ws[-1:]), False

    def _alternatives(self, options: Iterable[tuple[_First, _First, bool]]) -> tuple[_First, _First, bool]:
        first: set[str] = set()
        last: set[str] = set()
        nullable = False
        for f, la, n in options:
            first |= f
            last |= la
            nullable |= n
        return frozenset(first), frozenset(last), nullable

    def _sequence(self, parts: list[tuple[_First, _First, bool]]) -> tuple[_First, _First, bool]:
        first: set[str] = set()
        last: set[str] = set()
        nullable = True
        for f, la, n in parts:
            self.pairs.update((a, b) for a in last for b in f)
            if nullable:
                first |= f
            last = (last | la) if n else set(la)
            nullable = nullable and n
        return frozenset(first), frozenset(last), nullable

    def expr(self, e: Any) -> tuple[_First, _First, bool]:
        from hassil.expression import Alternative, ListReference, Permutation, RuleReference, Sequence, TextChunk

        if isinstance(e, TextChunk):
            return self._words(words(e.original_text))
        if isinstance(e, Alternative):
            opts = [self.expr(item) for item in e.items]
            f, la, n = self._alternatives(opts)
            return f, la, n or e.is_optional
        if isinstance(e, Permutation):
            opts = []
            for order in itertools.permutations(e.items):
                opts.append(self._sequence([self.expr(item) for item in order]))
            return self._alternatives(opts)
        if isinstance(e, Sequence):
            return self._sequence(_glued(e.items, self))
        if isinstance(e, RuleReference):
            if e.rule_name not in self._rules:
                self._rules[e.rule_name] = (frozenset(), frozenset(), True)  # guards a cycle
                rule = self.intents.expansion_rules.get(e.rule_name)
                self._rules[e.rule_name] = self.expr(rule.expression) if rule else (frozenset(), frozenset(), True)
            return self._rules[e.rule_name]
        if isinstance(e, ListReference):
            return self._list(e.list_name)
        return frozenset(), frozenset(), True

    def _list(self, name: str) -> tuple[_First, _First, bool]:
        if name in self._lists:
            return self._lists[name]
        self._lists[name] = slot = (frozenset({SLOT}), frozenset({SLOT}), False)
        values: list[Any] = []
        if name in self._names:
            values = [("text", v) for v in self._names[name]]
        else:
            slot_list = self.intents.slot_lists.get(name)
            if isinstance(slot_list, self._range):
                slot = (frozenset({NUM}), frozenset({NUM}), False)
            elif isinstance(slot_list, self._text) and slot_list.values:
                values = [("expr", v.text_in) for v in slot_list.values]
        if values:
            slot = self._alternatives(self._words(words(v)) if kind == "text" else self.expr(v) for kind, v in values)
        self._lists[name] = slot
        return slot


def _glued(items: Sequence[Any], builder: _Builder) -> list[tuple[_First, _First, bool]]:
    """The parts of a sequence; a suffix glued to the word before it ("timer[s]") is left out
    of the word pairs, its spelled-out words added to the vocabulary."""
    from hassil.expression import Alternative, TextChunk

    out = []
    for i, item in enumerate(items):
        prev = items[i - 1] if i else None
        if (
            isinstance(item, Alternative)
            and isinstance(prev, TextChunk)
            and prev.original_text
            and not prev.original_text[-1].isspace()
            and all(isinstance(x, TextChunk) and len(x.original_text.strip()) <= 3 for x in item.items)
        ):
            stem = words(prev.original_text)
            suffixes = [x.original_text.strip().lower() for x in item.items if isinstance(x, TextChunk)]
            builder.vocabulary.update(stem[-1] + x for x in suffixes if stem and x)
            continue
        out.append(builder.expr(item))
    return out


# -- near sounds ------------------------------------------------------------------------------------


class SoundIndex:
    """Grammar words by :func:`sound_key`, looked up within two edits (by deletions)."""

    def __init__(self, vocabulary: Iterable[str], max_edits: int = 2) -> None:
        self.max_edits = max_edits
        self._by_key: dict[str, list[str]] = {}
        for w in sorted(vocabulary):
            if w in (SLOT, NUM) or is_number(w) or not w.replace("'", "").isalpha():
                continue
            self._by_key.setdefault(sound_key(w), []).append(w)
        self._deleted: dict[str, set[str]] = {}
        for key in self._by_key:
            for d in _deletions(key, max_edits if len(key) > 3 else 1):
                self._deleted.setdefault(d, set()).add(key)
        self._cache: dict[str, list[tuple[str, float]]] = {}

    def near(self, spoken: str, limit: int = 4) -> list[tuple[str, float]]:
        """Grammar words that sound like ``spoken`` (a word, or two run together), with a cost in
        [0, 1] (0: same sound), best first, ``spoken`` itself left out."""
        cached = self._cache.get(spoken)
        if cached is not None:
            return cached[:limit]
        key = sound_key(spoken)
        if not key:
            return []
        found: dict[str, float] = {}
        keys: set[str] = set()
        for d in _deletions(key, self.max_edits if len(key) > 3 else 1):
            keys |= self._deleted.get(d, set())
        plain = spoken.replace(" ", "")
        for k in keys:
            dist = edit_distance(key, k)
            if dist > self.max_edits or (dist > 1 and len(key) <= 3):
                continue
            for w in self._by_key[k]:
                if w == spoken:
                    continue
                letters = edit_distance(plain, w.replace(" ", "")) / max(len(plain), len(w))
                found[w] = 0.7 * dist / max(len(key), len(k)) + 0.3 * letters
        out = sorted(found.items(), key=lambda kv: (kv[1], kv[0]))
        if len(self._cache) < 20_000:
            self._cache[spoken] = out
        return out[:limit]


# -- candidates and the choice ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Candidate:
    text: str
    cost: float
    """How far the words moved from the transcript (sum of replacement costs)."""
    fit: float
    """How well the words follow the grammar (:meth:`PhraseGrammar.fit`)."""
    misfits: int = 0
    """Word pairs that no template allows."""


Replacement = tuple[int, int, str, float]
"""(first word, words replaced, replacement, cost)."""


@dataclasses.dataclass(frozen=True)
class Choice:
    text: str
    """What to return: the transcript, or the command that replaced it."""
    replaced: bool
    best: str | None
    """The best-scored command (taken or not), ``None`` when there was none."""
    score: float
    """The best command's log-probability (the transcript's when there was none)."""
    transcript_score: float


class PhraseFinder:
    """Command sentences near a transcript (:meth:`candidates`) and the acoustic choice among them
    (:meth:`choose`)."""

    def __init__(
        self,
        grammar: PhraseGrammar,
        is_command: Callable[[str], bool],
        *,
        margin: float = 3.0,
        per_word: int = 6,
        max_edits: int = 2,
        max_checks: int = 8,
        max_candidates: int = 4,
        max_misfits: int = 1,
    ) -> None:
        if margin < 0:
            raise ValueError("margin: must not be negative")
        self.grammar = grammar
        self.sounds = SoundIndex(grammar.vocabulary)
        self.is_command = is_command
        self.margin = margin
        self.per_word = per_word
        self.max_edits = max_edits
        self.max_checks = max_checks
        self.max_candidates = max_candidates
        self.max_misfits = max_misfits
        self.replaced = 0
        """How many transcripts were replaced by a command."""

    def accepts(self, text: str) -> bool:
        return bool(text.strip()) and self.is_command(text)

    def replacements(self, ws: Sequence[str]) -> list[Replacement]:
        """Near-sound replacements of each word and of each pair of neighbouring words."""
        out: list[Replacement] = []
        for i, w in enumerate(ws):
            if is_number(w):
                continue
            out += [(i, 1, v, c) for v, c in self.sounds.near(w, self.per_word)]
            if i + 1 < len(ws) and not is_number(ws[i + 1]):
                out += [(i, 2, v, c + 0.1) for v, c in self.sounds.near(w + " " + ws[i + 1], 2)]
        return out

    def candidates(self, transcript: str) -> list[Candidate]:
        """Variants of ``transcript`` with one or two words (or word pairs) replaced by near sounds
        from the grammar, that fit the grammar better and almost everywhere, best first; at most
        ``max_checks`` of them, before the classic brain reads them."""
        ws = words(transcript)
        if not ws or len(ws) > 16:
            return []
        base_fit, _ = self.grammar.fit(ws)
        reps = self.replacements(ws)
        seen: dict[str, Candidate] = {}
        combos: Iterable[tuple[Replacement, ...]] = itertools.chain(
            ((r,) for r in reps),
            itertools.combinations(reps, 2) if self.max_edits >= 2 else (),
        )
        for combo in combos:
            if len(combo) == 2 and combo[0][0] + combo[0][1] > combo[1][0]:
                continue  # overlapping
            new = list(ws)
            for start, n, v, _ in sorted(combo, reverse=True):
                new[start : start + n] = v.split()
            fit, misfits = self.grammar.fit(new)
            if fit < base_fit or misfits > self.max_misfits:
                continue
            text = " ".join(new)
            cost = sum(r[3] for r in combo)
            if text not in seen or seen[text].cost > cost:
                seen[text] = Candidate(text, cost, fit, misfits)
        ranked = sorted(seen.values(), key=lambda c: (c.misfits, c.cost - 0.1 * (c.fit - base_fit), c.text))
        return ranked[: self.max_checks]

    def commands(self, transcript: str) -> list[str]:
        """The candidates the classic brain acts on (at most ``max_candidates``), best first."""
        out = []
        for c in self.candidates(transcript):
            if self.accepts(c.text):
                out.append(c.text)
                if len(out) >= self.max_candidates:
                    break
        return out

    def choose(self, transcript: str, transcript_score: float, scored: Sequence[tuple[str, float]]) -> Choice:
        """The best-scored command if its log-probability is within ``margin`` of the transcript's,
        else the transcript. Scores must come from the same scorer (the same audio, teacher-forced)."""
        if not scored:
            return Choice(transcript, False, None, transcript_score, transcript_score)
        text, score = max(scored, key=lambda ts: ts[1])
        if score >= transcript_score - self.margin:
            self.replaced += 1
            return Choice(text, True, text, score, transcript_score)
        return Choice(transcript, False, text, score, transcript_score)

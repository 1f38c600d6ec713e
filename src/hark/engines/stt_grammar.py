"""Decoding constrained to the command grammar, from the first token.

When Whisper's free transcript of a hard voice in noise is too far from any command for the
phrase pass (:mod:`hark.engines.stt_phrase`) to repair with one or two words, this pass decodes
the same audio again, letting Whisper choose only among token sequences that the command
grammar allows (:class:`~hark.engines.stt_phrase.PhraseGrammar`: which word may follow which,
and which may start or end a sentence). The result is read by the classic brain and weighed
against Whisper's own transcript exactly like a phrase candidate (the caller scores both
teacher-forced and keeps the transcript unless the command is within a margin of it).

How the restriction works (:class:`GrammarTokens`, :class:`GrammarDecoder`):

* the grammar's words are spelled as Whisper tokens with a leading space, lower case and
  capitalised (" turn", " Turn"), and stored in a token trie per *previous word* (the words the
  grammar lets follow it), built lazily and cached;
* a word slot (a shopping item, a city, a number) lets any word through: any space-led token
  starts a free word, any non-space-led word-piece continues it, and the finished word is
  checked against the grammar (:meth:`PhraseGrammar.fits`) before the search goes on;
* a sentence may end (end of text, or ``.``/``?``/``!``) where the grammar lets its last word end one.

The search (:meth:`GrammarDecoder.decode`) is a small beam search over tokens; the next-token
log-probabilities come from a caller-given ``step`` (one batched decoder call per step for all
beams, :meth:`hark.engines.stt_whisper.WhisperStt.grammar_decode`), so the search is engine-agnostic
and testable without a model.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np

from .stt_phrase import EDGE, NUM, SLOT, SLOT_WORDS, PhraseGrammar, words

_ENDS = (".", "?", "!")
_SLOT_WORDS = frozenset(SLOT_WORDS) - {"to", "do"}
"""Words the templates take through wildcards (units, days: "the weather tomorrow"), which may stand
for a slot; "to" and "do" (of "to do list") are left out: they would let anything follow "to"."""
Step = Callable[[list[list[int]]], list[np.ndarray]]
"""Next-token log-probabilities (over the whole vocabulary) after each given token prefix."""


@dataclasses.dataclass
class _Node:
    children: dict[int, _Node] = dataclasses.field(default_factory=dict)
    word: str | None = None
    """The grammar word spelled by the path to this node."""


class GrammarTokens:
    """The grammar spelled in tokens: which token may come next after some words and a partial word."""

    def __init__(
        self, grammar: PhraseGrammar, token_texts: Sequence[str], eot: int, encode: Callable[[str], list[int]]
    ) -> None:
        """``token_texts``: the text of every token id (special tokens included, as anything
        that is not a word piece); ``eot``: the end-of-text id; ``encode``: text to token ids."""
        self.grammar = grammar
        self.eot = eot
        self.vocab_size = len(token_texts)
        self._encode = encode
        self.texts = list(token_texts)
        n = self.vocab_size
        self.space_led = np.zeros(n, bool)
        """Tokens that start a word (a space, then a letter or a digit)."""
        self.piece = np.zeros(n, bool)
        """Tokens that continue a word (letters, digits, ``'``, ``:``, ``%``; no space)."""
        self.ends = np.zeros(n, bool)
        self.digits = np.zeros(n, bool)
        """Word-starting tokens that are digits (a number in a slot is not penalised)."""
        for i, text in enumerate(token_texts):
            if i >= eot:
                continue
            if text in _ENDS:
                self.ends[i] = True
            elif text.startswith(" ") and len(text) > 1 and text[1].isalnum() and _wordish(text[1:]):
                self.space_led[i] = True
                self.digits[i] = text[1:].isdigit()
            elif text and _wordish(text):
                self.piece[i] = True
        self.ends[eot] = True
        self._successors: dict[str, set[str]] = {}
        for a, b in grammar.pairs:
            self._successors.setdefault(a, set()).add(b)
        self._tries: dict[tuple[tuple[str, ...], bool], tuple[_Node, bool, bool]] = {}
        self._spelled: dict[str, list[list[int]]] = {}

    def forms(self, word: str) -> tuple[str, ...]:
        """What ``word`` may stand for in the grammar: itself, a slot (a word no template spells,
        or one the templates take through a wildcard: units, list names, days), a number."""
        forms = self.grammar.forms(word)
        return (*forms, SLOT) if word in _SLOT_WORDS and SLOT not in forms else forms

    def pair_fits(self, a: str, b: str) -> bool:
        """Whether ``b`` may follow ``a`` (:meth:`PhraseGrammar.fits`, with :meth:`forms`)."""
        fa, fb = self.forms(a), self.forms(b)
        if SLOT in fa and SLOT in fb:
            return True
        return any((x, y) in self.grammar.pairs for x in fa for y in fb)

    def after(self, word: str) -> tuple[_Node, bool, bool]:
        """After ``word`` (:data:`EDGE` at the start): the trie of the grammar words that may follow,
        whether a free word (a slot) may follow, whether the sentence may end."""
        forms = self.forms(word)
        slot = SLOT in forms and word != EDGE
        key = (tuple(f for f in forms if f in self._successors), slot)  # bounded: free words share one
        cached = self._tries.get(key)
        if cached is not None:
            return cached
        nexts: set[str] = set()
        for form in key[0]:
            nexts |= self._successors[form]
        free = bool(nexts & {SLOT, NUM}) or slot
        end = EDGE in nexts and EDGE not in key[0]
        root = _Node()
        for w in sorted(nexts - {SLOT, NUM, EDGE}):
            for ids in self.spell(w):
                node = root
                for t in ids:
                    node = node.children.setdefault(t, _Node())
                node.word = w
        self._tries[key] = (root, free, end)
        return self._tries[key]

    def token_ids(self) -> np.ndarray:
        """Every token the grammar's own words are spelled with, the sentence ends and the
        word-starting digits (sorted): what a shortlist of the vocabulary must keep."""
        words = sorted(self.grammar.vocabulary - {SLOT, NUM, EDGE})
        ids = {t for w in words for spelling in self.spell(w) for t in spelling}
        ids |= set(np.flatnonzero(self.ends | self.digits).tolist())
        return np.array(sorted(ids), dtype=np.int64)

    def spell(self, word: str) -> list[list[int]]:
        """Token spellings of ``word`` with a leading space, lower case and capitalised."""
        found = self._spelled.get(word)
        if found is None:
            variants = {" " + word, " " + word[:1].upper() + word[1:]}
            found = [ids for v in sorted(variants) if (ids := self._encode(v)) and all(i < self.eot for i in ids)]
            self._spelled[word] = found
        return found

    def fits(self, previous: str, new: Sequence[str]) -> bool:
        """Whether the words ``new`` may follow ``previous`` (and each other)."""
        seq = [previous, *new]
        return bool(new) and all(self.pair_fits(a, b) for a, b in itertools.pairwise(seq))


@dataclasses.dataclass(frozen=True)
class _Hyp:
    tokens: tuple[int, ...]
    done: tuple[str, ...]
    """Finished words (lower case)."""
    start: int
    """Index in ``tokens`` where the current (unfinished) word starts."""
    node: _Node | None
    """Trie position of the current word (``None``: off the grammar's words)."""
    free: bool
    """The current word may be any word (a slot)."""
    logp: float
    """Search score: the token log-probabilities, less ``free_penalty`` per free word."""
    raw: float = 0.0
    """The token log-probabilities alone."""


@dataclasses.dataclass(frozen=True)
class Decoded:
    text: str
    """The decoded sentence as Whisper wrote it (capitals and final punctuation)."""
    words: tuple[str, ...]
    logp: float
    """Search score: the sum of the token log-probabilities (the final punctuation or end of text
    included), less ``free_penalty`` per free word."""
    steps: int
    """Decoder calls made."""
    raw: float = 0.0
    """The sum of the token log-probabilities alone."""
    runners_up: tuple[str, ...] = ()
    """The other sentences the search finished, best first (as Whisper wrote them): the grammar is
    one of word pairs, so the best may be a sentence no template reads, and the next one a command."""


class GrammarDecoder:
    """A beam search over tokens the grammar allows (:class:`GrammarTokens`)."""

    def __init__(
        self,
        tokens: GrammarTokens,
        *,
        beam: int = 4,
        max_words: int = 14,
        max_tokens: int = 40,
        free_penalty: float = 5.0,
    ) -> None:
        """``free_penalty``: nats taken off a hypothesis for each free word (a slot's word that no
        template spells, numbers excepted): Whisper's own mishearing ("the Wander") would otherwise
        slip through any wildcard slot."""
        if beam < 1:
            raise ValueError("beam: must be at least 1")
        if free_penalty < 0:
            raise ValueError("free_penalty: must not be negative")
        self.free_penalty = free_penalty
        self.tokens = tokens
        self.beam = beam
        self.max_words = max_words
        self.max_tokens = max_tokens

    def allowed(self, hyp: _Hyp, min_words: int = 1) -> tuple[np.ndarray, dict[int, _Node]]:
        """The mask of tokens allowed after ``hyp``, and the trie node each word token leads to; the
        sentence may end only after ``min_words`` words."""
        g = self.tokens
        mask = np.zeros(g.vocab_size, bool)
        nodes: dict[int, _Node] = {}
        if hyp.node is not None:
            nodes.update(hyp.node.children)
        if hyp.free:
            mask |= g.piece
        finished = self._finish(hyp)
        if finished is not None:
            last = finished[-1] if finished else EDGE
            root, free, end = g.after(last)
            if len(finished) < self.max_words:
                nodes.update(root.children)
                if free:
                    mask |= g.space_led
            if end and finished and len(finished) >= min_words:
                mask |= g.ends
        if nodes:
            mask[list(nodes)] = True
        return mask, nodes

    def _finish(self, hyp: _Hyp) -> tuple[str, ...] | None:
        """The finished words if the current word ends here (``None``: it may not end here)."""
        if hyp.start == len(hyp.tokens):
            return hyp.done  # no current word (the start)
        if hyp.node is not None and hyp.node.word is not None:
            return (*hyp.done, hyp.node.word)
        if not hyp.free:
            return None
        new = words("".join(self.tokens.texts[t] for t in hyp.tokens[hyp.start :]))
        previous = hyp.done[-1] if hyp.done else EDGE
        return (*hyp.done, *new) if self.tokens.fits(previous, new) else None

    def extend(self, hyp: _Hyp, token: int, logp: float, nodes: dict[int, _Node]) -> _Hyp | tuple[str, ...]:
        """``hyp`` with ``token`` (allowed): a longer hypothesis, or the finished sentence's words."""
        g = self.tokens
        score = hyp.logp + logp
        raw = hyp.raw + logp
        if g.ends[token]:
            finished = self._finish(hyp)
            assert finished is not None
            return finished
        tokens = (*hyp.tokens, token)
        if g.space_led[token] or (token in nodes and (hyp.node is None or token not in hyp.node.children)):
            finished = self._finish(hyp)
            assert finished is not None
            last = finished[-1] if finished else EDGE
            root, free, _ = g.after(last)
            node = root.children.get(token)
            if node is None and not g.digits[token]:
                score -= self.free_penalty  # a free word starts
            return _Hyp(tokens, finished, len(hyp.tokens), node, free, score, raw)
        node = hyp.node.children.get(token) if hyp.node is not None else None
        if node is None and hyp.node is not None:
            score -= self.free_penalty  # the word leaves the grammar's words: a free word
        return _Hyp(tokens, hyp.done, hyp.start, node, hyp.free, score, raw)

    def decode(self, step: Step, floor: float = -np.inf, min_words: int = 1) -> Decoded | None:
        """The best sentence the grammar allows, or ``None`` when no beam reached an end. A
        hypothesis whose token log-probabilities fall below ``floor`` is dropped (they only fall:
        the caller would reject it anyway), which ends the search early on open speech.

        ``min_words``: the fewest words a sentence may end with. A sentence's log-probability only
        falls as it grows, so a search free to end anywhere returns the shortest sentence the audio
        half supports ("Set.", "15.") even where the command the audio says is in a beam; the
        caller, which rejects a command shorter than half its transcript (:func:`covers`), asks for
        that many words, and the beams go on to the command."""
        beams = [_Hyp((), (), 0, None, False, 0.0)]
        finished: list[tuple[float, tuple[int, ...], tuple[str, ...], float]] = []
        calls = 0
        for _ in range(self.max_tokens):
            if not beams:
                break
            rows = step([list(h.tokens) for h in beams])
            calls += 1
            options: list[tuple[float, _Hyp | tuple[str, ...], tuple[int, ...], float]] = []
            for hyp, row in zip(beams, rows, strict=True):
                mask, nodes = self.allowed(hyp, min_words)
                if not mask.any():
                    continue
                lp = np.where(mask, row, -np.inf)
                k = min(self.beam + 2, int(mask.sum()))
                for t in np.argpartition(-lp, k - 1)[:k]:
                    if np.isfinite(lp[t]) and hyp.raw + float(lp[t]) >= floor:
                        out = self.extend(hyp, int(t), float(lp[t]), nodes)
                        score = out.logp if isinstance(out, _Hyp) else hyp.logp + float(lp[t])
                        options.append((score, out, (*hyp.tokens, int(t)), hyp.raw + float(lp[t])))
            options.sort(key=lambda o: -o[0])
            beams = []
            for score, out, ids, raw in options:
                if isinstance(out, _Hyp):
                    if len(beams) < self.beam:
                        beams.append(out)
                else:
                    finished.append((score, ids, out, raw))
            if finished and (not beams or max(f[0] for f in finished) >= beams[0].logp):
                break  # log-probabilities only fall: no live beam can win
        if not finished:
            return None
        finished.sort(key=lambda f: -f[0])
        score, ids, found, raw = finished[0]
        texts = ["".join(self.tokens.texts[t] for t in f[1] if t != self.tokens.eot).strip() for f in finished]
        others = tuple(dict.fromkeys(t for t in texts[1:] if t != texts[0]))
        return Decoded(texts[0], found, score, calls, raw, others)


def _wordish(text: str) -> bool:
    return all(ch.isalnum() or ch in "'’:%" for ch in text)


def covering_words(transcript: str, ratio: float = 0.5) -> int:
    """The fewest words a command needs to cover ``transcript`` (:func:`covers`), at least one."""
    return max(1, math.ceil(ratio * len(words(transcript))))


def covers(command: str, transcript: str, ratio: float = 0.5) -> bool:
    """Whether ``command`` says at least ``ratio`` as many words as ``transcript``. A sentence's
    teacher-forced log-probability falls with its length, so a one-word command ("No!", "Stop.")
    can outscore a long transcript of open speech it does not account for (measured on
    bench/asr_voices.py: all three false or wrong replacements of its first run were such)."""
    return len(words(command)) >= ratio * len(words(transcript))

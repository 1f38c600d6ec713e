"""The kids-mode safety layer: a child's request and the model's reply, checked before any of it
is acted on or spoken.

Three local layers, in this order (the first that refuses decides what is said):

1. **Words and phrases** (:mod:`hark.kids.wordlists`, :mod:`hark.kids.topics`) over normalised
   text (:mod:`hark.kids.normalise`): the category (self-harm, strangers, sexual, violence,
   weapons, danger, drugs, hate, personal-info, scary, purchase, profanity) decides what is said.
   Well under a millisecond.
2. **The learned layer** (:mod:`hark.kids.learned`): sentence embeddings (all-MiniLM-L6-v2, in
   numpy) and a head trained offline on the labelled corpora (``bench/kids_train.py``): the
   phrasings nobody listed ("the stuff in the blue bottle under the sink"). It names a category
   too; when it is unsure which, the general redirect to a grown-up is said. Below its refusal
   threshold, a request that reads as a disclosure or a danger to the child (a serious category,
   at the head's check-in threshold) gets a kind check-in that names a grown-up. A few milliseconds.
3. **The offline classifier** of ``alt-profanity-check`` (:mod:`hark.kids.classifier`) at a
   measured threshold (``bench/kids_safety.py``): offensive language the lists do not name.

A refused request gets a gentle sentence that sends sensitive topics to a grown-up
(:mod:`hark.kids.phrases`); a stopped reply is replaced by one, and nothing after it is spoken.
"""

from __future__ import annotations

import re

from .classifier import TextClassifier
from .learned import LearnedLayer
from .normalise import Normaliser
from .phrases import CHECK_IN_SPEECH, GROWN_UP, REPLY_SPEECH_DEFAULT, reply_speech, request_speech
from .rules import Matcher, default_matchers, vocabulary
from .verdict import OK, PROFANITY, Verdict

DEFAULT_THRESHOLD = 0.97
"""The classifier's probability at or above which text is refused as offensive (see bench/kids_safety.py)."""

LEARNED_MIN_WORDS = 3
"""The learned layer judges texts of at least this many words: a streamed reply's first word or two
("Your", "That", "You can") is no sentence, and its embedding says nothing (the word lists still
check it, and it is checked again with the words that follow before the segmenter can cut a clause)."""

_CLAUSE_ENDED = re.compile(r"(?:[.!?;:,…—][\"')\]]*|\n)\s*$")


def ends_clause(text: str) -> bool:
    """Whether a streamed window ends at a clause or sentence mark ("..., so", no; "... hurt you," yes)."""
    return _CLAUSE_ENDED.search(text) is not None


_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]*\s+(?=\S)")


def learned_texts(window: str) -> list[str]:
    """What the learned layer scores for a reply window: the window, and, when it holds the end of an
    earlier sentence, its last sentence alone ("Sure! Your alarm code is 2468." scores lower than
    "Your alarm code is 2468.": a harmless opening dilutes the embedding of a short unsafe
    sentence). Texts under :data:`LEARNED_MIN_WORDS` words are left out."""
    texts = [window.strip()]
    breaks = list(_SENTENCE_BREAK.finditer(window.strip()))
    if breaks:
        texts.append(window.strip()[breaks[-1].end() :])
    return [t for t in texts if len(t.split()) >= LEARNED_MIN_WORDS]


LEARNED_REQUEST_SPEECH = f"{GROWN_UP} What else would you like to talk about?"
"""Said for a request the learned layer refuses when it is unsure of the category."""


class SafetyCheck:
    """Checks a child's request and the model's reply (whole, or clause by clause as it streams).

    Build it once per process and share it: it holds no per-request state.

    :param classifier: the offensive-language model (:func:`~hark.kids.classifier.load_profanity_model`);
        None: no such layer.
    :param learned: the learned layer (:func:`~hark.kids.learned.load_learned_layer`); None: no such
        layer (both None: the word lists alone).
    :param threshold: the classifier's refusal threshold.
    :param matchers: (request, reply) matchers; the built-in lists and rules by default.
    :param normaliser: text -> normalised words; the built-in one over the listed vocabulary by default.
    """

    def __init__(
        self,
        classifier: TextClassifier | None = None,
        *,
        learned: LearnedLayer | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        matchers: tuple[Matcher, Matcher] | None = None,
        normaliser: Normaliser | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {threshold}")
        self.classifier = classifier
        self.learned = learned
        self.threshold = threshold
        self.request_matcher, self.reply_matcher = matchers if matchers is not None else default_matchers()
        self.normalise = normaliser if normaliser is not None else Normaliser(vocabulary())

    def check_request(self, text: str) -> Verdict:
        """A child's words: ok, or the category and what to say instead of answering."""
        return self._check(text, self.request_matcher, request=True)

    def check_reply(self, text: str) -> Verdict:
        """A whole model reply: ok, or the category and what to say instead."""
        return self._check(text, self.reply_matcher, request=False)

    def check_reply_clause(self, clause: str) -> Verdict:
        """A streamed reply so far (a clause, or the words of one that has not ended yet), before it is
        spoken: the same rules as :meth:`check_reply`; the learned layer judges a window that ends
        mid-clause at its stricter threshold (:attr:`~hark.kids.learned.Head.partial_threshold`)."""
        return self._check(clause, self.reply_matcher, request=False, partial=not ends_clause(clause))

    def _check(self, text: str, matcher: Matcher, *, request: bool, partial: bool = False) -> Verdict:
        normalised = self.normalise(text)
        if not normalised.strip(" .,"):
            return OK
        hit = matcher.find(normalised)
        if hit is not None:
            speech = request_speech(hit.category) if request else reply_speech(hit.category)
            return Verdict(False, hit.category, f"{hit.rule}: {hit.text!r}", speech, "words")
        texts = ([text.strip()] if len(text.split()) >= LEARNED_MIN_WORDS else []) if request else learned_texts(text)
        if self.learned is not None and texts:
            side = "request" if request else "reply"
            scores = [self.learned.score(t, side=side, partial=partial) for t in texts]
            learned = max(scores, key=lambda s: s.unsafe)
            if learned.blocked:
                if learned.confident:
                    speech = request_speech(learned.category) if request else reply_speech(learned.category)
                else:
                    speech = LEARNED_REQUEST_SPEECH if request else REPLY_SPEECH_DEFAULT
                reason = f"learned: {learned.unsafe:.3f} {learned.category} ({learned.confidence:.2f})"
                return Verdict(False, learned.category, reason, speech, "learned", learned.unsafe)
            concern = max((s for s in scores if s.concern), key=lambda s: s.unsafe, default=None)
            if concern is not None:
                speech = CHECK_IN_SPEECH if request else reply_speech(concern.category)
                reason = f"learned check-in: {concern.unsafe:.3f} {concern.category} ({concern.confidence:.2f})"
                return Verdict(False, concern.category, reason, speech, "learned", concern.unsafe)
        if self.classifier is None:
            return OK
        score = self.classifier.probability(matcher.mask(normalised))  # "moby dick" is no insult
        if score >= self.threshold:
            speech = request_speech(PROFANITY) if request else reply_speech(PROFANITY)
            return Verdict(False, PROFANITY, f"classifier: {score:.3f}", speech, "classifier", score)
        return Verdict(True, score=score)


class ReplyScreen:
    """One streamed reply, piece by piece (a clause, or a few words): each piece is checked alone
    and with what came before it (up to ``carry_chars`` of the reply so far, so a phrase spread
    over several pieces is still seen whole), and once a piece is refused every later one is too
    (the rest of the reply is never spoken). What is carried starts at a word ("never okay" cut to
    "ever okay" reads as its opposite).
    """

    def __init__(self, check: SafetyCheck, *, carry_chars: int = 240, carry_end: int = 60) -> None:
        self.check = check
        self.carry_chars = carry_chars
        self.carry_end = carry_end
        self._tail = ""
        self.verdict: Verdict = OK

    def push(self, clause: str) -> Verdict:
        """Check ``clause`` as it reads after what came before it (a word alone can look unsafe
        where its phrase is not: "root | beer", "I can't | buy")."""
        if not self.verdict.ok:
            return self.verdict
        joined = clause
        if self._tail:
            joined = (
                self._tail + clause if self._tail[-1:].isspace() or clause[:1].isspace() else f"{self._tail} {clause}"
            )
        verdict = self.check.check_reply_clause(joined)
        # the sentence so far is carried whole; once it ends, only its end is (as for a clause)
        ended = joined.rstrip().endswith((".", "!", "?"))
        self._tail = _whole_words(joined, self.carry_end if ended else self.carry_chars)
        self.verdict = verdict
        return verdict


def _whole_words(text: str, chars: int) -> str:
    """The end of ``text``, at most ``chars`` long, from the start of a word: "never okay" cut to
    "ever okay" would read as its opposite (and "Scunthorpe" cut to a word of its own)."""
    if len(text) <= chars:
        return text
    tail = text[-chars:]
    if text[-chars - 1].isspace():
        return tail
    space = next((i for i, ch in enumerate(tail) if ch.isspace()), len(tail))
    return tail[space:].lstrip()

"""The kids-mode safety layer: a child's request and the model's reply, checked before any of it
is acted on or spoken.

Two local layers, both well under a millisecond per check:

1. **Words and phrases** (:mod:`hark.kids.wordlists`, :mod:`hark.kids.topics`) over normalised
   text (:mod:`hark.kids.normalise`): the category (self-harm, strangers, sexual, violence,
   weapons, danger, drugs, hate, personal-info, scary, purchase, profanity) decides what is said.
2. **The offline classifier** of ``alt-profanity-check`` (:mod:`hark.kids.classifier`) at a
   measured threshold (``bench/kids_safety.py``): offensive language the lists do not name.

A refused request gets a gentle sentence that sends sensitive topics to a grown-up
(:mod:`hark.kids.phrases`); a stopped reply is replaced by one, and nothing after it is spoken.
"""

from __future__ import annotations

from .classifier import TextClassifier
from .normalise import Normaliser
from .phrases import reply_speech, request_speech
from .rules import Matcher, default_matchers, vocabulary
from .verdict import OK, PROFANITY, Verdict

DEFAULT_THRESHOLD = 0.97
"""The classifier's probability at or above which text is refused as offensive (see bench/kids_safety.py)."""


class SafetyCheck:
    """Checks a child's request and the model's reply (whole, or clause by clause as it streams).

    Build it once per process and share it: it holds no per-request state.

    :param classifier: the offensive-language model (:func:`~hark.kids.classifier.load_profanity_model`);
        None: the word lists alone.
    :param threshold: the classifier's refusal threshold.
    :param matchers: (request, reply) matchers; the built-in lists and rules by default.
    :param normaliser: text -> normalised words; the built-in one over the listed vocabulary by default.
    """

    def __init__(
        self,
        classifier: TextClassifier | None = None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        matchers: tuple[Matcher, Matcher] | None = None,
        normaliser: Normaliser | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {threshold}")
        self.classifier = classifier
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
        """One clause of a streamed reply, before it is spoken (the same rules as :meth:`check_reply`)."""
        return self._check(clause, self.reply_matcher, request=False)

    def _check(self, text: str, matcher: Matcher, *, request: bool) -> Verdict:
        normalised = self.normalise(text)
        if not normalised.strip(" .,"):
            return OK
        hit = matcher.find(normalised)
        if hit is not None:
            speech = request_speech(hit.category) if request else reply_speech(hit.category)
            return Verdict(False, hit.category, f"{hit.rule}: {hit.text!r}", speech, "words")
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
    (the rest of the reply is never spoken).
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
        self._tail = joined[-self.carry_end :] if ended else joined[-self.carry_chars :]
        self.verdict = verdict
        return verdict

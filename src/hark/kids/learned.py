"""The learned layer of kids mode: a linear head on sentence embeddings, trained offline.

The word lists and phrase rules (:mod:`hark.kids.rules`) catch what they name; a child (or a
model) says the same thing in words nobody listed ("the stuff in the blue bottle under the
sink", "daddy's special juice"). Sentence embeddings (:mod:`hark.kids.embedder`, all-MiniLM-L6-v2)
put such phrasings near the labelled ones, and a logistic-regression head on them scores a text
unsafe or not and names its category.

The heads are trained by ``bench/kids_train.py`` on the labelled corpora
(``bench/kids_corpus/``), chosen by cross-validation over the corpus files, and shipped as
``data/safety_head.npz``: per side (``request``, ``reply``) the classes (``safe`` first), a
weight matrix, biases and the refusal threshold, and for the reply a second, stricter threshold
for a streamed window that ends mid-clause (``partial_threshold``). Scoring is numpy only: one
matrix product.

The reply head is trained on the whole replies and on every window
:class:`hark.kids.ReplyScreen` judges of the harmless ones ("You killed it at your" is harmless):
a head trained on whole texts alone stopped ~9 % of harmless replies as they streamed. Both reply
thresholds are chosen on replies streamed as :class:`hark.household.kidsmode.KidsGuard` streams
them, by cross-validation over the corpus files (``bench/kids_train.py``).

Two head kinds (``binary`` in the file):

* multi-class: a softmax over (safe, categories...); unsafe = 1 - p(safe); the category is the
  most likely unsafe class;
* binary: row 0 is an unsafe-vs-safe logistic regression (its sigmoid is the unsafe score);
  rows 1.. a softmax over the categories alone.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import EngineLoadError
from .embedder import Float32Array, SentenceEmbedder, load_sentence_embedder
from .verdict import CATEGORIES, SELF_HARM, SENSITIVE, STRANGERS

SERIOUS: tuple[str, ...] = (SELF_HARM, STRANGERS, SENSITIVE)
"""Categories whose words (a grown-up, right now) matter more than a wrong guess costs: named when
their share among the categories reaches :data:`SERIOUS_SHARE`, even if another is likelier."""
SERIOUS_SHARE = 0.25
CONCERN_SHARE = 0.5
"""The share a serious category needs among the categories for the check-in tier (:attr:`Head.concern_threshold`)."""
CONFIDENT_SHARE = 0.5
"""Below this share (and not serious), the category is a guess: say the general redirect."""

log = logging.getLogger(__name__)

HEAD_PATH = Path(__file__).parent / "data" / "safety_head.npz"
"""The shipped heads (package data: ``hark/kids/data/*.npz``)."""
SIDES = ("request", "reply")


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class Head:
    """One side's head. ``classes[0]`` is ``"safe"``; ``weights`` (rows, dim), ``bias`` (rows,)."""

    classes: tuple[str, ...]
    weights: Float32Array
    bias: Float32Array
    threshold: float
    binary: bool = False
    partial_threshold: float | None = None
    """For a streamed window that ends mid-clause ("You killed it at your"): a stricter threshold
    (None: ``threshold``). A head trained on whole texts scores unfinished clauses less surely."""
    concern_threshold: float | None = None
    """The check-in tier: below ``threshold`` but at or above this, a text whose categories are at
    least :data:`CONCERN_SHARE` one of :data:`SERIOUS` (a disclosure, a child talking of not wanting
    to be here, an adult asking for secrets) is met with a kind check-in and a grown-up
    (:data:`hark.kids.phrases.CHECK_IN_SPEECH`), not answered. None: no such tier. A false check-in
    costs a child one kind sentence; a missed "my stepdad hits me with his belt" costs far more. Chosen
    by ``bench/kids_concern.py`` on corpora the head was not trained on."""

    def __post_init__(self) -> None:
        rows = len(self.classes)
        if not self.classes or self.classes[0] != "safe":
            raise EngineLoadError(f"a safety head's first class must be 'safe', not {self.classes[:1]}")
        unknown = [c for c in self.classes[1:] if c not in CATEGORIES]
        if unknown:
            raise EngineLoadError(f"a safety head names unknown categories: {unknown}")
        if self.weights.ndim != 2 or self.weights.shape[0] != rows or self.bias.shape != (rows,):
            raise EngineLoadError(f"a safety head's weights do not fit its {rows} classes")
        if not 0.0 <= self.threshold <= 1.0:
            raise EngineLoadError(f"a safety head's threshold must be in [0, 1], not {self.threshold}")
        if self.partial_threshold is not None and not 0.0 <= self.partial_threshold <= 1.0:
            raise EngineLoadError(f"a safety head's partial threshold must be in [0, 1], not {self.partial_threshold}")
        if self.concern_threshold is not None and not 0.0 <= self.concern_threshold <= self.threshold:
            raise EngineLoadError(
                f"a safety head's concern threshold must be in [0, threshold {self.threshold}], not {self.concern_threshold}"
            )

    def threshold_for(self, *, partial: bool) -> float:
        """The refusal threshold for a whole text or clause, or (``partial``) a window ending mid-clause."""
        return self.partial_threshold if partial and self.partial_threshold is not None else self.threshold

    def _logits(self, x: Float32Array) -> npt.NDArray[np.float64]:
        return np.asarray(x, np.float64) @ self.weights.T.astype(np.float64) + self.bias

    def probabilities(self, x: Float32Array) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(unsafe probability (n,), category probabilities (n, len(classes) - 1)) of embeddings (n, dim)."""
        logits = self._logits(np.atleast_2d(x))
        if self.binary:
            unsafe = 1.0 / (1.0 + np.exp(-np.clip(logits[:, 0], -500.0, 500.0)))
            return unsafe, _softmax(logits[:, 1:])
        p = _softmax(logits)
        unsafe = 1.0 - p[:, 0]
        cats = p[:, 1:] / np.maximum(p[:, 1:].sum(axis=1, keepdims=True), 1e-12)
        return unsafe, cats

    def unsafe_probability(self, x: Float32Array) -> npt.NDArray[np.float64]:
        return self.probabilities(x)[0]


def _softmax(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclasses.dataclass(frozen=True, slots=True)
class LearnedScore:
    """The learned layer on one text: ``unsafe`` probability, refused (``blocked``) at the head's
    threshold, the ``category`` (see :data:`SERIOUS`) and its share among the categories;
    ``confident``: the category's own words fit (else the general redirect is said)."""

    unsafe: float
    blocked: bool
    category: str
    confidence: float
    confident: bool
    concern: bool = False
    """Not blocked, but in the check-in tier (:attr:`Head.concern_threshold`): ``category`` is serious."""


def pick_category(classes: tuple[str, ...], shares: npt.NDArray[np.float64]) -> tuple[str, float, bool]:
    """(category, its share, confident) from the category shares (``classes`` without "safe")."""
    for serious in SERIOUS:
        if serious in classes and shares[classes.index(serious)] >= SERIOUS_SHARE:
            share = float(shares[classes.index(serious)])
            return serious, share, True
    best = int(np.argmax(shares))
    return classes[best], float(shares[best]), float(shares[best]) >= CONFIDENT_SHARE


def concern_category(classes: tuple[str, ...], shares: npt.NDArray[np.float64]) -> tuple[str, float] | None:
    """The serious category (:data:`SERIOUS`) with at least :data:`CONCERN_SHARE` of the category shares, if any."""
    for serious in SERIOUS:
        if serious in classes and (share := float(shares[classes.index(serious)])) >= CONCERN_SHARE:
            return serious, share
    return None


def save_heads(path: Path, request: Head, reply: Head, *, model: str) -> None:
    """Write both heads to ``path`` (.npz, no pickles)."""
    arrays: dict[str, npt.NDArray[np.generic]] = {"model": np.array(model), "embedder": np.array("all-MiniLM-L6-v2")}
    for side, head in zip(SIDES, (request, reply), strict=True):
        arrays[f"{side}_classes"] = np.array(head.classes)
        arrays[f"{side}_weights"] = np.asarray(head.weights, np.float32)
        arrays[f"{side}_bias"] = np.asarray(head.bias, np.float32)
        arrays[f"{side}_threshold"] = np.array(head.threshold, np.float64)
        arrays[f"{side}_binary"] = np.array(head.binary)
        if head.partial_threshold is not None:
            arrays[f"{side}_partial_threshold"] = np.array(head.partial_threshold, np.float64)
        if head.concern_threshold is not None:
            arrays[f"{side}_concern_threshold"] = np.array(head.concern_threshold, np.float64)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        np.savez_compressed(f, **arrays)  # type: ignore[arg-type]


def load_heads(path: Path = HEAD_PATH) -> tuple[Head, Head, str]:
    """(request head, reply head, the model's description) from ``path``."""
    try:
        with np.load(path, allow_pickle=False) as data:
            heads = tuple(
                Head(
                    classes=tuple(str(c) for c in data[f"{side}_classes"]),
                    weights=np.ascontiguousarray(data[f"{side}_weights"], np.float32),
                    bias=np.ascontiguousarray(data[f"{side}_bias"], np.float32),
                    threshold=float(data[f"{side}_threshold"]),
                    binary=bool(data[f"{side}_binary"]),
                    partial_threshold=(
                        float(data[f"{side}_partial_threshold"]) if f"{side}_partial_threshold" in data else None
                    ),
                    concern_threshold=(
                        float(data[f"{side}_concern_threshold"]) if f"{side}_concern_threshold" in data else None
                    ),
                )
                for side in SIDES
            )
            model = str(data["model"])
    except (OSError, KeyError, ValueError) as exc:
        raise EngineLoadError(f"cannot read the kids-mode safety head {path}: {exc}") from exc
    return heads[0], heads[1], model


class LearnedLayer:
    """The embedder and both heads. Scores are cached per text (``cache_size`` most recent): a
    whole reply checked after its streamed clauses costs nothing again. Thread-safe.

    :param embedder: the sentence embedder (:func:`~hark.kids.embedder.load_sentence_embedder`).
    :param request_head: the head for a child's request.
    :param reply_head: the head for the model's reply (whole, or the pieces of a streamed one).
    """

    def __init__(
        self,
        embedder: SentenceEmbedder,
        request_head: Head,
        reply_head: Head,
        *,
        model: str = "",
        cache_size: int = 512,
    ) -> None:
        for head in (request_head, reply_head):
            if head.weights.shape[1] != embedder.dimension:
                raise EngineLoadError(
                    f"the safety head expects {head.weights.shape[1]}-d embeddings, the embedder gives {embedder.dimension}"
                )
        self.embedder = embedder
        self.heads = {"request": request_head, "reply": reply_head}
        self.model = model
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Float32Array] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, embedder: SentenceEmbedder, path: Path = HEAD_PATH) -> LearnedLayer:
        request, reply, model = load_heads(path)
        return cls(embedder, request, reply, model=model)

    def describe(self) -> str:
        return f"{self.model}; thresholds " + ", ".join(
            f"{side} {head.threshold:.3f}"
            + (f" (mid-clause {head.partial_threshold:.3f})" if head.partial_threshold is not None else "")
            + (f" (check-in {head.concern_threshold:.3f})" if head.concern_threshold is not None else "")
            for side, head in self.heads.items()
        )

    def embedding(self, text: str) -> Float32Array:
        """``text``'s embedding (cached)."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self.embedder.embed_one(text)
        with self._lock:
            self._cache[text] = vector
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return vector

    def score(self, text: str, *, side: str, partial: bool = False) -> LearnedScore:
        """The ``side`` ("request" or "reply") head on ``text``; ``partial``: ``text`` is a streamed
        window that ends mid-clause (judged at the head's stricter threshold for those)."""
        head = self.heads[side]
        unsafe, cats = head.probabilities(self.embedding(text))
        category, share, confident = pick_category(head.classes[1:], cats[0])
        p = float(unsafe[0])
        blocked = p >= head.threshold_for(partial=partial)
        concern = False
        if not blocked and not partial and head.concern_threshold is not None and p >= head.concern_threshold:
            serious = concern_category(head.classes[1:], cats[0])
            if serious is not None:
                category, share, confident, concern = serious[0], serious[1], True, True
        return LearnedScore(p, blocked, category, share, confident, concern)


@functools.lru_cache(maxsize=1)
def _shipped_embedder() -> SentenceEmbedder:
    return load_sentence_embedder()


def load_learned_layer(path: Path = HEAD_PATH) -> LearnedLayer:
    """The shipped embedder and the heads at ``path``: ~1 s the first time in a process (the
    embedder's weights are read once per process and shared: they are read-only), blocking
    (use ``asyncio.to_thread``). Raises :class:`~hark.errors.EngineLoadError`."""
    return LearnedLayer.load(_shipped_embedder(), path)


def load_learned_layer_or_none(path: Path = HEAD_PATH) -> LearnedLayer | None:
    """:func:`load_learned_layer`, or None (logged as a warning: kids mode keeps its word lists and
    classifier) when the sentence model is not installed or the head cannot be read."""
    try:
        return load_learned_layer(path)
    except EngineLoadError as exc:
        log.warning("kids mode runs without its learned layer: %s", exc)
        return None

"""The offline offensive-language classifier of ``alt-profanity-check``, run without sklearn.

The package ships a TF-IDF vectoriser and a sigmoid-calibrated ensemble of five linear SVMs
(``profanity_check.predict_prob``). Its own call costs ~3 ms per text (sparse matrices, one
sklearn call each), too much for every spoken clause. The model is linear, so
:func:`load_profanity_model` reads the weights out once and :class:`LinearTextModel` scores a
text with a dictionary lookup per word: the same probability (to float rounding) in tens of
microseconds. Loading imports sklearn once (~1 s): do it once per process, off the event loop.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..errors import EngineLoadError


class TextClassifier(Protocol):
    def probability(self, text: str) -> float:
        """The probability that ``text`` is offensive, 0..1."""
        ...


class LinearTextModel:
    """A TF-IDF (l2-normalised, raw counts) linear ensemble with sigmoid calibration, in pure Python.

    :param weights: word -> (idf, idf * coefficient of each ensemble member).
    :param intercepts: each member's intercept.
    :param calibration: each member's sigmoid (a, b): p = 1 / (1 + exp(a * decision + b)).
    """

    def __init__(
        self,
        weights: Mapping[str, tuple[float, tuple[float, ...]]],
        intercepts: Sequence[float],
        calibration: Sequence[tuple[float, float]],
        *,
        token_pattern: str = r"(?u)\b\w\w+\b",
    ) -> None:
        if len(intercepts) != len(calibration) or not intercepts:
            raise EngineLoadError("the classifier needs one intercept and one calibration per ensemble member")
        self.weights = dict(weights)
        self.intercepts = tuple(intercepts)
        self.calibration = tuple(calibration)
        self._token = re.compile(token_pattern)

    def probability(self, text: str) -> float:
        counts = Counter(t for t in self._token.findall(text.lower()) if t in self.weights)
        members = len(self.intercepts)
        sums = [0.0] * members
        norm2 = 0.0
        for word, count in counts.items():
            idf, scaled = self.weights[word]
            norm2 += (count * idf) ** 2
            for k in range(members):
                sums[k] += count * scaled[k]
        norm = math.sqrt(norm2) or 1.0
        total = 0.0
        for k in range(members):
            a, b = self.calibration[k]
            decision = sums[k] / norm + self.intercepts[k]
            total += 1.0 / (1.0 + math.exp(min(700.0, a * decision + b)))
        return total / members


def from_sklearn(vectorizer: Any, model: Any) -> LinearTextModel:
    """The weights of a fitted ``TfidfVectorizer`` and sigmoid ``CalibratedClassifierCV`` of linear models."""
    params = vectorizer.get_params()
    if params.get("sublinear_tf") or params.get("norm") != "l2" or params.get("ngram_range") != (1, 1):
        raise EngineLoadError(f"unsupported vectoriser settings: {params}")
    members = model.calibrated_classifiers_
    if getattr(model, "method", "sigmoid") != "sigmoid" or any(len(m.calibrators) != 1 for m in members):
        raise EngineLoadError("only a binary, sigmoid-calibrated ensemble is supported")
    idf = vectorizer.idf_
    coefs = [m.estimator.coef_[0] for m in members]
    weights = {
        word: (float(idf[i]), tuple(float(idf[i] * c[i]) for c in coefs)) for word, i in vectorizer.vocabulary_.items()
    }
    intercepts = [float(m.estimator.intercept_[0]) for m in members]
    calibration = [(float(m.calibrators[0].a_), float(m.calibrators[0].b_)) for m in members]
    return LinearTextModel(weights, intercepts, calibration, token_pattern=params["token_pattern"])


def load_profanity_model() -> LinearTextModel:
    """The model ``alt-profanity-check`` ships, as a :class:`LinearTextModel` (~1 s: imports sklearn)."""
    try:
        from profanity_check import profanity_check
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise EngineLoadError(f"alt-profanity-check is not installed ({exc}); reinstall Hark's dependencies") from exc
    return from_sklearn(profanity_check.vectorizer, profanity_check.model)

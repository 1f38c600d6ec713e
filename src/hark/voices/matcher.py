"""Enrolled voices and who is speaking: profiles from a few utterances, a turn matched to them.

A member enrols by saying a few sentences: each gives an embedding
(:meth:`~.encoder.SpeakerEncoder.embed`), and the profile is their mean, normalised
(:func:`enrol`); it is stored as 256 little-endian float32 (1 KiB, :meth:`VoiceProfile.to_bytes`).
At each turn the turn's embedding is compared with the household's profiles by cosine
similarity (:meth:`Matcher.identify`): the best is the speaker if its score reaches the
threshold *and* beats the runner-up by the margin; otherwise nobody is (``member_id`` None) and
the turn runs as the device's default profile.

The defaults come from ``bench/voice_id.py`` (3 s test utterances, 4 enrolment sentences, 10
distinct voices, households of 4): at 0.825 no stranger was accepted, clean or with 20 dB noise
in enrolment and test alike, and 99 % of members' turns were recognised (the misses: the real
LibriVox reader, whose own scores run 0.80-0.89); at 0.80 the noisy false accepts were 2.2 %.
A wrong person is worse than the device's default profile, so the threshold errs that way.
``DEFAULT_MARGIN`` keeps two similar enrolled voices from being confused: nobody was taken for
another member in any run. Scores are cosines of non-negative vectors, so they lie in [0, 1].
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from typing import Generic, TypeVar

import numpy as np

from ..audio.chunk import Float32Array
from .encoder import EMBEDDING_SIZE
from .errors import VoiceAudioError

K = TypeVar("K", bound=Hashable)

DEFAULT_THRESHOLD = 0.825
DEFAULT_MARGIN = 0.03
MIN_ENROL_UTTERANCES = 1


def _unit(v: np.ndarray, what: str) -> Float32Array:
    a = np.asarray(v, np.float32)
    if a.shape != (EMBEDDING_SIZE,) or not np.isfinite(a).all():
        raise VoiceAudioError(f"{what} must be a finite ({EMBEDDING_SIZE},) vector, not shape {a.shape}")
    n = float(np.linalg.norm(a))
    if n == 0.0:
        raise VoiceAudioError(f"{what} is the zero vector")
    return np.asarray(a / n, np.float32)


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class VoiceProfile:
    """A member's voice: the normalised mean of their enrolment utterances' embeddings."""

    embedding: Float32Array
    utterances: int
    seconds: float
    """Audio heard to make it (for the admin page: "enrolled with 4 sentences, 14 s")."""

    def to_bytes(self) -> bytes:
        """256 little-endian float32: the ``embedding`` column of ``voice_profiles``."""
        return np.asarray(self.embedding, "<f4").tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes, *, utterances: int = 0, seconds: float = 0.0) -> VoiceProfile:
        if len(blob) != EMBEDDING_SIZE * 4:
            raise VoiceAudioError(f"a stored voice profile is {EMBEDDING_SIZE * 4} bytes, not {len(blob)}")
        vector = np.frombuffer(blob, "<f4").astype(np.float32)
        return cls(_unit(vector, "a stored voice profile"), utterances, seconds)


def enrol(embeddings: Sequence[np.ndarray], *, seconds: float = 0.0) -> VoiceProfile:
    """The profile of several utterances by one person (3-5 sentences make a good one)."""
    if len(embeddings) < MIN_ENROL_UTTERANCES:
        raise VoiceAudioError("enrolment needs at least one utterance")
    units = np.stack([_unit(e, "an enrolment embedding") for e in embeddings])
    return VoiceProfile(_unit(units.mean(axis=0), "the enrolment mean"), len(embeddings), float(seconds))


def add_utterances(profile: VoiceProfile, embeddings: Sequence[np.ndarray], *, seconds: float = 0.0) -> VoiceProfile:
    """``profile`` with more utterances folded in, weighted by count (re-enrolment, "say it again")."""
    if not embeddings:
        return profile
    extra = enrol(embeddings)
    total = profile.embedding * profile.utterances + extra.embedding * extra.utterances
    return VoiceProfile(
        _unit(total, "the enrolment mean"),
        profile.utterances + extra.utterances,
        profile.seconds + float(seconds),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Match(Generic[K]):
    """Who spoke: ``member_id`` None when nobody enrolled is sure enough (the device's default)."""

    member_id: K | None
    score: float
    """Cosine similarity with the best enrolled voice (0 when none is enrolled)."""
    margin: float
    """How far the best is above the runner-up (the best's score when only one is enrolled)."""
    candidate: K | None
    """The best enrolled voice, accepted or not (for logs and tuning)."""
    reason: str
    """``match``, ``below-threshold``, ``ambiguous`` or ``no-profiles``."""


@dataclasses.dataclass(frozen=True, slots=True)
class Matcher:
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN

    def scores(self, embedding: np.ndarray, enrolled: Mapping[K, np.ndarray | VoiceProfile]) -> dict[K, float]:
        """Cosine similarity of ``embedding`` with every enrolled voice."""
        e = _unit(embedding, "the turn's embedding")
        return {
            member: float(e @ (p.embedding if isinstance(p, VoiceProfile) else _unit(p, "an enrolled voice")))
            for member, p in enrolled.items()
        }

    def identify(self, embedding: np.ndarray, enrolled: Mapping[K, np.ndarray | VoiceProfile]) -> Match[K]:
        scores = self.scores(embedding, enrolled)
        if not scores:
            return Match(None, 0.0, 0.0, None, "no-profiles")
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        best, score = ranked[0]
        margin = score - (ranked[1][1] if len(ranked) > 1 else 0.0)
        if score < self.threshold:
            return Match(None, score, margin, best, "below-threshold")
        if margin < self.margin:
            return Match(None, score, margin, best, "ambiguous")
        return Match(best, score, margin, best, "match")

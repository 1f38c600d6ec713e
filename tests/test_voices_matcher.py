"""Enrolment profiles and the matcher's decision: threshold, margin over the runner-up, fallback."""

from __future__ import annotations

import numpy as np
import pytest

from hark.voices.errors import VoiceAudioError
from hark.voices.matcher import Matcher, VoiceProfile, add_utterances, enrol


def _unit(*values: float) -> np.ndarray:
    v = np.zeros(256, np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def test_enrol_is_the_normalised_mean_of_normalised_embeddings() -> None:
    profile = enrol([_unit(1, 0) * 5, _unit(0, 1)], seconds=7.5)
    np.testing.assert_allclose(profile.embedding[:2], [2**-0.5, 2**-0.5], atol=1e-6)
    assert profile.utterances == 2 and profile.seconds == 7.5
    assert profile.embedding.dtype == np.float32


def test_profile_round_trips_through_its_stored_bytes() -> None:
    profile = enrol([_unit(3, 4)])
    blob = profile.to_bytes()
    assert len(blob) == 1024
    back = VoiceProfile.from_bytes(blob, utterances=4, seconds=12.0)
    np.testing.assert_array_equal(back.embedding, profile.embedding)
    assert (back.utterances, back.seconds) == (4, 12.0)
    with pytest.raises(VoiceAudioError, match="1024 bytes, not 12"):
        VoiceProfile.from_bytes(b"\0" * 12)
    with pytest.raises(VoiceAudioError, match="zero vector"):
        VoiceProfile.from_bytes(b"\0" * 1024)


def test_add_utterances_weighs_by_count() -> None:
    profile = enrol([_unit(1, 0), _unit(1, 0), _unit(1, 0)], seconds=9)
    more = add_utterances(profile, [_unit(0, 1)], seconds=3)
    assert more.utterances == 4 and more.seconds == 12
    np.testing.assert_allclose(more.embedding[:2], _unit(3, 1)[:2], atol=1e-6)
    assert add_utterances(profile, []) is profile


def test_enrol_refuses_nothing_and_bad_vectors() -> None:
    with pytest.raises(VoiceAudioError):
        enrol([])
    with pytest.raises(VoiceAudioError, match=r"\(256,\) vector"):
        enrol([np.ones(10, np.float32)])
    with pytest.raises(VoiceAudioError, match=r"finite"):
        enrol([np.full(256, np.nan, np.float32)])


def test_identify_picks_the_best_enrolled_voice() -> None:
    enrolled = {"alice": enrol([_unit(1, 0, 0)]), "bob": enrol([_unit(0, 1, 0)])}
    match = Matcher(threshold=0.8, margin=0.05).identify(_unit(1, 0.1, 0), enrolled)
    assert match.member_id == "alice" and match.candidate == "alice" and match.reason == "match"
    assert match.score == pytest.approx(float(_unit(1, 0.1) @ _unit(1, 0)), abs=1e-6)
    assert match.margin == pytest.approx(match.score - float(_unit(1, 0.1) @ _unit(0, 1)), abs=1e-6)


def test_unsure_falls_back_to_the_default_profile() -> None:
    enrolled = {1: _unit(1, 0, 0), 2: _unit(0, 1, 0)}  # raw vectors and int ids work too
    matcher = Matcher(threshold=0.8, margin=0.05)
    stranger = matcher.identify(_unit(1, 1, 1.5), enrolled)
    assert stranger.member_id is None and stranger.candidate is not None and stranger.reason == "below-threshold"
    between = Matcher(threshold=0.5, margin=0.05).identify(_unit(1, 1, 0.2), enrolled)  # as close to both
    assert between.member_id is None and between.reason == "ambiguous" and between.score >= 0.5
    none_enrolled: dict[int, np.ndarray] = {}
    nobody = matcher.identify(_unit(1, 0, 0), none_enrolled)
    assert nobody.member_id is None and nobody.reason == "no-profiles" and nobody.score == 0.0


def test_one_enrolled_voice_needs_only_the_threshold() -> None:
    match = Matcher(threshold=0.8, margin=0.05).identify(_unit(1, 0.2), {"solo": _unit(1, 0)})
    assert match.member_id == "solo" and match.margin == match.score


def test_identify_refuses_a_bad_embedding() -> None:
    with pytest.raises(VoiceAudioError):
        Matcher().identify(np.zeros(256, np.float32), {"a": _unit(1)})
    with pytest.raises(VoiceAudioError):
        Matcher().identify(np.ones(128, np.float32), {"a": _unit(1)})

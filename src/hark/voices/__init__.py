"""Who is speaking: voice embeddings (resemblyzer's GE2E encoder, without torch), enrolment
profiles and the per-turn match against a household's enrolled voices.

    encoder = SpeakerEncoder.load()                 # once per process; shared by every session
    profile = enrol([encoder.embed(s) for s in sentences], seconds=...)
    match = Matcher().identify(encoder.embed(turn_audio), {member_id: profile, ...})
    match.member_id                                 # None: run as the device's default profile
"""

from __future__ import annotations

from .encoder import EncoderSettings, SpeakerEncoder
from .errors import VoiceAudioError, VoiceModelError
from .matcher import DEFAULT_MARGIN, DEFAULT_THRESHOLD, Match, Matcher, VoiceProfile, add_utterances, enrol

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_THRESHOLD",
    "EncoderSettings",
    "Match",
    "Matcher",
    "SpeakerEncoder",
    "VoiceAudioError",
    "VoiceModelError",
    "VoiceProfile",
    "add_utterances",
    "enrol",
]

"""The errors of speaker identification (each a :class:`hark.errors.HarkError` with a stable code).

* ``voice-model`` (:class:`VoiceModelError`, an :class:`~hark.errors.EngineLoadError`): the
  speaker encoder's weights are missing or unreadable (``resemblyzer`` not installed, a file that
  is not the checkpoint it should be).
* ``voice-audio`` (:class:`VoiceAudioError`, an :class:`~hark.errors.AudioFormatError`): audio the
  encoder cannot take (not a 1-D float32/int16 array, not finite).
* ``voice-too-short`` / ``voice-no-speech`` (:class:`VoiceAudioError` with that code): too little
  speech to say whose voice it is, or none at all. A turn that raises either runs as the device's
  default profile; an enrolment that raises either asks for the sentence again.
"""

from __future__ import annotations

from ..errors import AudioFormatError, EngineLoadError


class VoiceModelError(EngineLoadError):
    code = "voice-model"


class VoiceAudioError(AudioFormatError):
    code = "voice-audio"

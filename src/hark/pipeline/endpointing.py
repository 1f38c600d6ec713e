"""End of turn from VAD probabilities: a pure state machine, one call per VAD window.

Speech is voiced when the probability reaches ``threshold`` and stays voiced
until it falls below ``threshold - 0.15`` (hysteresis, as Silero's own
iterator does). After speech, silence is counted:

* at ``speculative_pause_ms`` (96 ms) the recogniser starts decoding (see
  :mod:`hark.engines.stt_stream`), since most pauses that long end the turn;
* at ``pause_ms`` (192 ms) Smart Turn is asked whether the turn is complete;
  a "yes" ends the turn there. 192 ms is six Silero windows: shorter pauses
  are mostly gaps between words, and Smart Turn adds ~70 ms on top;
* if it said "not finished", it is asked again every ``reask_ms`` (320 ms) of
  further silence: a question whose last words it misjudged ("do you know what
  time it is?") then ends at ~0.5 s instead of at max silence;
* at ``max_silence_ms`` (1.2 s) the turn ends whatever Smart Turn said, so a
  hesitant "set a timer for... " still gets an answer without a long wait.
"""

from __future__ import annotations

import enum


class Signal(enum.Enum):
    NONE = "none"
    SPEECH_START = "speech-start"
    ASK_TURN = "ask-turn"
    END_SILENCE = "end-silence"
    END_LENGTH = "end-length"


class Endpointer:
    def __init__(
        self,
        *,
        window_s: float,
        threshold: float = 0.5,
        pause_ms: int = 192,
        max_silence_ms: int = 1200,
        max_turn_s: float = 20.0,
        reask_ms: int = 320,
    ) -> None:
        self.window_s = window_s
        self.threshold = threshold
        self.neg_threshold = max(0.01, threshold - 0.15)
        self.pause_windows = max(1, round(pause_ms / 1000 / window_s))
        self.max_silence_windows = max(self.pause_windows, round(max_silence_ms / 1000 / window_s))
        self.max_windows = round(max_turn_s / window_s)
        self.reask_windows = max(1, round(reask_ms / 1000 / window_s))
        self.windows = 0
        self.in_speech = False
        self.speech_started = False
        self.silent_windows = 0
        self.last_voiced_window = -1
        self.asked_at = -1
        self.done = False

    def update(self, probability: float) -> Signal:
        """Signal for this window; after an ``END_*`` signal, always ``NONE``."""
        signal = self._update(probability)
        if signal in (Signal.END_SILENCE, Signal.END_LENGTH):
            if self.done:
                return Signal.NONE
            self.done = True
        return signal

    def _update(self, probability: float) -> Signal:
        index = self.windows
        self.windows += 1
        voiced = probability >= self.threshold or (self.in_speech and probability >= self.neg_threshold)
        if voiced:
            self.in_speech = True
            self.silent_windows = 0
            self.last_voiced_window = index
            if not self.speech_started:
                self.speech_started = True
                return Signal.SPEECH_START
        else:
            self.in_speech = False
            if self.speech_started:
                self.silent_windows += 1
        if self.speech_started and self.windows >= self.max_windows:
            return Signal.END_LENGTH
        if not self.speech_started:
            return Signal.NONE
        if self.silent_windows >= self.max_silence_windows:
            return Signal.END_SILENCE
        if self.silent_windows >= self.pause_windows and self.asked_at != self.last_voiced_window:
            self.asked_at = self.last_voiced_window
            return Signal.ASK_TURN
        extra = self.silent_windows - self.pause_windows
        if extra > 0 and extra % self.reask_windows == 0:
            return Signal.ASK_TURN  # asked before in this pause and told "not finished": ask again
        return Signal.NONE

    def rearm(self) -> None:
        """Back to waiting for speech (the speech so far did not count); the turn length runs on."""
        self.in_speech = False
        self.speech_started = False
        self.silent_windows = 0
        self.asked_at = -1
        self.done = False

    @property
    def voiced(self) -> bool:
        return self.in_speech

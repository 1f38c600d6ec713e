"""Capture one spoken turn: VAD, end of turn (Smart Turn) and streaming recognition."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Int16Array, to_float
from ..config import TurnSettings
from ..engines.base import SttEngine, TurnDetector, VadEngine
from ..engines.executor import infer
from ..engines.stt_stream import SpeculativeStt, SttResult
from ..events import Event, SttPartial, VadEnd, VadStart
from .clock import Clock
from .endpointing import Endpointer, Signal

WAKE_TAIL_WINDOWS = 4
"""A capture that began in the wake word's own tail must hear this many voiced windows
(128 ms) of its own before a pause can end it: "Hey Jarvis ... what's the time" is one request,
not "Hey Jarvis" (Smart Turn rightly finds that complete) and then nothing."""


@dataclasses.dataclass(frozen=True, slots=True)
class TurnEnd:
    reason: str
    speech_end_audio_t: float
    speech_end_t: float
    probability: float | None


class TurnCapture:
    """Feed VAD-sized windows; :meth:`feed` returns a :class:`TurnEnd` once the turn is over.

    ``speech_in_preroll``: whether the user was already speaking when the
    capture began (wake word followed at once by the request).
    """

    def __init__(
        self,
        *,
        vad: VadEngine,
        stt: SttEngine,
        turn: TurnDetector | None,
        settings: TurnSettings,
        emit: Callable[[Event], None],
        clock: Clock,
    ) -> None:
        self.vad = vad
        self.turn = turn
        self.settings = settings
        self.emit = emit
        self.clock = clock
        self.window = vad.window_samples
        self.window_s = self.window / SAMPLE_RATE
        self.endpointer = Endpointer(
            window_s=self.window_s,
            threshold=settings.vad_threshold,
            pause_ms=settings.pause_ms,
            max_silence_ms=settings.max_silence_ms,
            max_turn_s=settings.max_turn_s,
        )
        self.stt = SpeculativeStt(
            stt,
            pause_ms=settings.speculative_pause_ms,
            partial_interval_s=settings.partial_interval_s,
            on_partial=lambda text, speculative: emit(SttPartial(t=clock(), text=text, speculative=speculative)),
        )
        self._audio: list[Int16Array] = []
        self._last_voiced: tuple[float, float] = (0.0, 0.0)
        self.speech_started = False
        self.turn_probability: float | None = None
        self.ended: TurnEnd | None = None
        self._wake_tail = False
        self._voiced_windows = 0

    def prime(
        self,
        samples: Int16Array,
        *,
        listen_tail_s: float = 0.25,
        audio_t: float = 0.0,
        t: float = 0.0,
        after_wake: bool = False,
    ) -> bool:
        """Give the capture audio from before it began (the wake word's pre-roll).

        All of it goes to the recogniser; only its last ``listen_tail_s`` can
        start the turn's speech (the wake word itself must not). ``audio_t``/``t``
        are the stream position and capture time of the end of the pre-roll.
        ``after_wake``: the pre-roll ends with a wake word, so speech in its tail may
        be the wake word's end rather than the request (see :data:`WAKE_TAIL_WINDOWS`).
        Returns whether the user was speaking at its end.
        """
        tail = int(listen_tail_s * SAMPLE_RATE)
        head = len(samples) - len(samples) % self.window
        samples = samples[len(samples) - head :]
        tail_voiced = False
        self.vad.reset()
        for i in range(0, len(samples), self.window):
            w = samples[i : i + self.window]
            p = self.vad.probability(to_float(w))
            in_tail = i >= len(samples) - tail
            voiced = p >= self.settings.vad_threshold
            self._audio.append(w)
            self.stt.feed(w, voiced and in_tail)
            tail_voiced = tail_voiced or (voiced and in_tail)
            if voiced and in_tail:
                back = (len(samples) - i - self.window) / SAMPLE_RATE
                self._last_voiced = (audio_t - back, t - back)
        if tail_voiced:
            self._wake_tail = after_wake
            self.mark_voiced()
            self.emit(VadStart(t=self.clock(), audio_t=self._last_voiced[0]))
        return tail_voiced

    async def feed(self, window: Int16Array, audio_t: float, t: float) -> TurnEnd | None:
        """One window (exactly ``vad.window_samples``); ``t``/``audio_t`` of its first sample."""
        p = self.vad.probability(to_float(window))
        if self.ended is not None:
            # after the end of turn (ask --audio reads the whole file): recognise, decide nothing
            voiced_after = p >= self.settings.vad_threshold
            self._audio.append(window)
            self.stt.feed(window, voiced_after)
            return None
        signal = self.endpointer.update(p)
        voiced = self.endpointer.voiced
        self._audio.append(window)
        self.stt.feed(window, voiced)
        if voiced:
            self._last_voiced = (audio_t + self.window_s, t + self.window_s)
            self._voiced_windows += 1
        if self._wake_tail and self._voiced_windows >= WAKE_TAIL_WINDOWS:
            self._wake_tail = False  # the request itself is being spoken
        if signal is Signal.SPEECH_START:
            self.speech_started = True
            self.emit(VadStart(t=self.clock(), audio_t=audio_t))
        elif signal is Signal.ASK_TURN and self.turn is not None:
            if self._wake_tail:  # only the wake word's end was heard: wait for the request
                self._rearm()
                return None
            audio = to_float(np.concatenate(self._audio))
            self.turn_probability = await infer(self.turn, self.turn.probability_complete, audio)
            if self.turn_probability >= self.settings.smart_turn_threshold:
                return self._end("smart-turn")
        elif signal is Signal.ASK_TURN and self.turn is None and self._wake_tail:
            self._rearm()
        elif signal is Signal.END_SILENCE:
            if self._wake_tail:
                self._rearm()
                return None
            return self._end("max-silence")
        elif signal is Signal.END_LENGTH:
            return self._end("max-length")
        return None

    @property
    def audio(self) -> Int16Array:
        """All audio of the turn so far (pre-roll included)."""
        return np.concatenate(self._audio) if self._audio else np.zeros(0, np.int16)

    def _rearm(self) -> None:
        self._wake_tail = False
        self.endpointer.rearm()
        self.speech_started = False

    def mark_voiced(self) -> None:
        """The caller knows speech is in progress (a barge-in confirmed it)."""
        self.endpointer.in_speech = True
        self.endpointer.speech_started = True
        self.speech_started = True

    def end_of_stream(self) -> TurnEnd:
        return self._end("stream-end")

    def _end(self, reason: str) -> TurnEnd:
        if self.ended is not None:
            return self.ended
        audio_t, t = self._last_voiced
        end = self.ended = TurnEnd(reason, audio_t, t, self.turn_probability)
        self.emit(
            VadEnd(
                t=self.clock(),
                speech_end_audio_t=audio_t,
                speech_end_t=t,
                reason=reason,
                turn_probability=self.turn_probability,
            )
        )
        return end

    async def transcript(self) -> SttResult:
        return await self.stt.finish()

    async def aclose(self) -> None:
        await self.stt.aclose()

"""Speech to text: ``transcribe`` -> audio -> ``transcript-start``, ``transcript-chunk`` s,
``transcript``, ``transcript-stop``.

The audio is heard the way a device session hears a request: cut into VAD windows, the speech
decoded during pauses by :class:`~hark.engines.stt_stream.SpeculativeStt`, so most of the
transcript is ready when ``audio-stop`` comes. Each decode that extends what was already sent
goes out as a ``transcript-chunk`` (the words added); ``transcript`` carries the final text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk as WyChunk
from wyoming.event import Event

from ..audio.chunk import Int16Array, to_float
from ..config import Settings
from ..engines.registry import Engines
from ..engines.stt_stream import SpeculativeStt
from .audio import Decoder


class Transcription:
    """One ``transcribe`` request over one audio stream."""

    def __init__(
        self,
        engines: Engines,
        settings: Settings,
        send: Callable[[Event], None],
        request: Transcribe | None = None,
    ) -> None:
        stt, vad_factory = engines.need_stt()
        self.send = send
        self.language = settings.stt.language
        self.context: dict[str, Any] | None = request.context if request is not None else None
        self.vad = vad_factory()
        self.threshold = settings.turn.vad_threshold
        self.decoder = Decoder()
        self.stt = SpeculativeStt(
            stt,
            pause_ms=settings.turn.speculative_pause_ms,
            partial_interval_s=settings.turn.partial_interval_s,
            on_partial=self._partial,
        )
        self.sent = ""
        """The transcript so far, as sent in chunks."""
        self._carry = np.zeros(0, np.int16)
        self.started = False

    def start(self) -> None:
        self.started = True
        self.send(TranscriptStart(language=self.language, context=self.context).event())

    def feed(self, chunk: WyChunk) -> None:
        self._windows(self.decoder.decode(chunk))

    def _windows(self, samples: Int16Array) -> None:
        window = self.vad.window_samples
        carry = np.concatenate([self._carry, samples]) if len(self._carry) else samples
        n = len(carry) - len(carry) % window
        for i in range(0, n, window):
            w = carry[i : i + window]
            self.stt.feed(w, self.vad.probability(to_float(w)) >= self.threshold)
        self._carry = carry[n:]

    def _partial(self, text: str, speculative: bool) -> None:
        self._extend(text.strip())

    def _extend(self, text: str) -> None:
        if text.startswith(self.sent) and len(text) > len(self.sent):
            self.send(TranscriptChunk(text=text[len(self.sent) :]).event())
            self.sent = text

    async def finish(self) -> str:
        """The audio ended: the final transcript (and the events that close the stream)."""
        self._windows(self.decoder.flush())
        if len(self._carry):
            window = self.vad.window_samples
            w = np.concatenate([self._carry, np.zeros(window - len(self._carry), np.int16)])
            self.stt.feed(w, self.vad.probability(to_float(w)) >= self.threshold)
            self._carry = np.zeros(0, np.int16)
        result = await self.stt.finish()
        text = result.text.strip()
        self._extend(text)
        self.send(Transcript(text=text, language=self.language, context=self.context).event())
        self.send(TranscriptStop().event())
        return text

    async def aclose(self) -> None:
        await self.stt.aclose()

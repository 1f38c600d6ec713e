"""Text to speech: ``synthesize`` -> one audio group; the streaming ``synthesize-start`` /
``-chunk`` / ``-stop`` -> an audio group per segment as soon as it is complete, then
``synthesize-stopped``.

Text is cut with the reply path's own :class:`~hark.pipeline.segmenter.Segmenter` (the first
segment early, then whole sentences) and each segment is synthesised on the TTS engine's
executor while the next one's text is still arriving. A streaming client also sends the whole
text as a plain ``synthesize`` (for servers that do not stream): it is ignored while a stream
is open, as the protocol asks.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from wyoming.event import Event
from wyoming.tts import SynthesizeStopped

from ..engines.base import TtsEngine
from ..engines.executor import infer
from ..errors import HarkError, StageError
from ..pipeline.segmenter import Segmenter
from .audio import audio_events

Put = Callable[[Event], Awaitable[None]]
_TAG = re.compile(r"<[^>]+>")


def plain_text(text: str, text_format: object) -> str:
    """SSML is spoken as its text (Hark's engines read plain text)."""
    return _TAG.sub(" ", text) if str(getattr(text_format, "value", text_format)) == "ssml" else text


async def _samples(tts: TtsEngine, text: str) -> object:
    try:
        return await infer(tts, tts.synthesize, text)
    except HarkError:
        raise
    except Exception as exc:
        raise StageError("tts", f"{type(exc).__name__}: {exc}") from exc


async def synthesize(tts: TtsEngine, text: str, put: Put, *, first_clause_chars: int) -> float:
    """One ``synthesize``: a single audio group, its chunks sent segment by segment. Seconds sent."""
    segmenter = Segmenter(first_clause_chars)
    segments = [*segmenter.push(text), *segmenter.flush()]
    rate = tts.capabilities.sample_rate
    total = 0
    for i, seg in enumerate(segments or [""]):
        samples = await _samples(tts, seg) if seg else []
        for event in audio_events(samples, rate, start=i == 0, stop=i == max(len(segments), 1) - 1):  # type: ignore[arg-type]
            await put(event)
        total += len(samples)  # type: ignore[arg-type]
    return total / rate


class SynthesisStream:
    """One ``synthesize-start`` ... ``synthesize-stop``."""

    def __init__(
        self, tts: TtsEngine, put: Put, on_error: Callable[[HarkError], None], *, first_clause_chars: int
    ) -> None:
        self.tts = tts
        self.put = put
        self.on_error = on_error
        self.segmenter = Segmenter(first_clause_chars)
        self._segments: asyncio.Queue[str | None] = asyncio.Queue()
        self._task = asyncio.create_task(self._speak(), name="wyoming-tts-stream")
        self.groups = 0

    def chunk(self, text: str) -> None:
        for seg in self.segmenter.push(text):
            self._segments.put_nowait(seg)

    async def stop(self) -> None:
        """``synthesize-stop``: speak what is left, then ``synthesize-stopped``."""
        for seg in self.segmenter.flush():
            self._segments.put_nowait(seg)
        self._segments.put_nowait(None)
        await asyncio.shield(self._task)
        await self.put(SynthesizeStopped().event())

    async def _speak(self) -> None:
        rate = self.tts.capabilities.sample_rate
        failed = False
        while (seg := await self._segments.get()) is not None:
            if failed:
                continue
            try:
                samples = await _samples(self.tts, seg)
            except HarkError as exc:
                failed = True  # said once; the stream still ends with synthesize-stopped
                self.on_error(exc)
                continue
            for event in audio_events(samples, rate):  # type: ignore[arg-type]
                await self.put(event)
            self.groups += 1

    async def aclose(self) -> None:
        self._task.cancel()
        await asyncio.wait({self._task})

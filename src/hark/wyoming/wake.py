"""Wake word detection: ``detect`` -> audio -> ``detection`` (each time a wake word is heard) or,
at ``audio-stop`` with none heard, ``not-detected``. Hark's microWakeWord engine, one state per
request."""

from __future__ import annotations

from collections.abc import Callable

from wyoming.audio import AudioChunk as WyChunk
from wyoming.event import Event
from wyoming.wake import Detect, Detection, NotDetected

from ..audio.chunk import SAMPLE_RATE
from ..config import Settings
from ..engines.registry import Engines
from ..errors import EngineLoadError
from .audio import Decoder
from .errors import UNKNOWN_WAKE_WORD, WyomingError
from .info import wake_word_ids


def _norm(name: str) -> str:
    return name.lower().replace("_", " ").replace("-", " ").strip()


class WakeDetection:
    def __init__(
        self, engines: Engines, settings: Settings, send: Callable[[Event], None], request: Detect | None = None
    ) -> None:
        if engines.wake_factory is None:
            raise EngineLoadError("this server has no wake word engine loaded")
        self.engine = engines.wake_factory()
        self.send = send
        self.context = request.context if request is not None else None
        ids = wake_word_ids(settings)
        self.names = {phrase: model_id for model_id, phrase in zip(ids, self.engine.phrases, strict=False)}
        wanted = {_norm(n) for n in (request.names or [])} if request is not None else set()
        known = {_norm(i) for i in ids} | {_norm(p) for p in self.engine.phrases}
        if wanted and not wanted & known:
            raise WyomingError(
                f"no such wake word here: {', '.join(sorted(wanted))} (this server has {', '.join(ids)})",
                code=UNKNOWN_WAKE_WORD,
            )
        self.wanted = wanted
        self.decoder = Decoder()
        self.detections = 0
        self.started = True
        """A ``detect`` opens its stream: satellites send its chunks with no ``audio-start``."""

    def start(self) -> None:
        self.started = True

    def feed(self, chunk: WyChunk) -> None:
        position = self.decoder.samples / SAMPLE_RATE
        samples = self.decoder.decode(chunk)
        for hit in self.engine.process(samples, position):
            model_id = self.names.get(hit.phrase, hit.wake_word)
            if self.wanted and not {_norm(model_id), _norm(hit.phrase)} & self.wanted:
                continue
            self.detections += 1
            self.send(Detection(name=model_id, timestamp=int(hit.audio_t * 1000), context=self.context).event())

    def finish(self) -> None:
        if not self.detections:
            self.send(NotDetected(context=self.context).event())

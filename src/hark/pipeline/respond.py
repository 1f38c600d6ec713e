"""The reply path of a turn: brain -> segments -> TTS -> sink, all streaming.

Three parts run at once so each feeds the next as soon as it can: the brain's
text is cut into segments as it streams; a synthesis task turns each segment
into audio in a worker thread; the sink plays what is ready while the next
segment is synthesised. Cancelling the task that runs :func:`respond` (barge-in)
stops playback and synthesis, and every task is awaited before it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable

from ..audio.chunk import AudioChunk
from ..audio.sinks import AudioSink
from ..brain.base import Action, Answered, Brain, BrainRequest, Failure, Intent, TextDelta, Unhandled
from ..engines.base import TtsEngine
from ..engines.executor import infer
from ..errors import HarkError, StageError
from ..events import (
    BrainAction,
    BrainEnd,
    BrainStart,
    BrainText,
    ErrorEvent,
    Event,
    PlaybackEnd,
    PlaybackStart,
    Stage,
    TtsAudio,
    TtsEnd,
    TtsStart,
)
from .clock import Clock
from .segmenter import Segmenter

_STAGES = {s.value for s in Stage}
APOLOGY = "Sorry, something went wrong. Please try again."


@dataclasses.dataclass
class Reply:
    text: str = ""
    brain: str = ""
    intent: str | None = None
    slots: dict[str, object] = dataclasses.field(default_factory=dict)
    actions: list[Action] = dataclasses.field(default_factory=list)
    failures: list[Failure] = dataclasses.field(default_factory=list)
    """Failures the brain handled and spoke about; the turn is not ok."""
    seconds_played: float = 0.0
    interrupted: bool = False
    error: HarkError | None = None

    @property
    def ok(self) -> bool:
        """No error, and no failure the brain had to talk its way around."""
        return self.error is None and not self.failures


async def _brain_text(
    brain: Brain, request: BrainRequest, reply: Reply, emit: Callable[[Event], None], clock: Clock
) -> AsyncIterator[str]:
    emit(BrainStart(t=clock(), text=request.text, conversation_id=request.conversation.id))
    parts: list[str] = []
    try:
        async for part in brain.respond(request):
            if isinstance(part, TextDelta) and part.text:
                parts.append(part.text)
                emit(BrainText(t=clock(), text=part.text))
                yield part.text
            elif isinstance(part, Intent):
                reply.intent, reply.slots = part.name, dict(part.slots)
            elif isinstance(part, Action):
                reply.actions.append(part)
                emit(BrainAction(t=clock(), name=part.name, arguments=json.dumps(part.arguments, default=str)))
            elif isinstance(part, Failure):
                reply.failures.append(part)
                emit(ErrorEvent(t=clock(), code=part.code, message=part.message, stage=Stage.BRAIN))
            elif isinstance(part, Answered):
                reply.brain = part.brain
            elif isinstance(part, Unhandled):
                continue
    except HarkError:
        raise
    except Exception as exc:
        raise StageError("brain", f"{type(exc).__name__}: {exc}") from exc
    finally:
        reply.text = "".join(parts).strip()
        reply.brain = reply.brain or brain.name
    emit(BrainEnd(t=clock(), text=reply.text, brain=reply.brain, intent=reply.intent))


async def _speak(
    segments: AsyncGenerator[str, None],
    tts: TtsEngine,
    sink: AudioSink,
    reply: Reply,
    emit: Callable[[Event], None],
    clock: Clock,
) -> None:
    """Synthesise segments in a worker thread while the sink plays the previous ones."""
    queue: asyncio.Queue[AudioChunk | None] = asyncio.Queue(maxsize=2)
    rate = tts.capabilities.sample_rate

    async def produce() -> None:
        total, index = 0.0, 0
        cancelled = False
        try:
            async with contextlib.aclosing(segments):  # a cancelled reply closes the brain's stream too
                async for seg in segments:
                    if index == 0:
                        emit(TtsStart(t=clock(), engine=tts.name, voice=tts.voice))
                    try:
                        samples = await infer(tts, tts.synthesize, seg)
                    except HarkError:
                        raise
                    except Exception as exc:
                        raise StageError("tts", f"{type(exc).__name__}: {exc}") from exc
                    chunk = AudioChunk(samples, rate, t=clock())
                    emit(TtsAudio(t=clock(), index=index, text=seg, seconds=chunk.seconds))
                    index += 1
                    total += chunk.seconds
                    await queue.put(chunk)
            emit(TtsEnd(t=clock(), seconds=total, segments=index))
        except asyncio.CancelledError:
            cancelled = True  # the player was stopped first (barge-in): nobody waits for the end mark
            raise
        finally:
            if not cancelled:  # the player stops at the end mark, after the last segment or a TTS error
                await queue.put(None)

    async def chunks() -> AsyncIterator[AudioChunk]:
        first = True
        while (chunk := await queue.get()) is not None:
            if first:
                emit(PlaybackStart(t=clock(), sink=sink.name))
                first = False
            yield chunk

    producer = asyncio.create_task(produce(), name="tts-produce")
    interrupted = True
    try:
        await sink.play(chunks())
        interrupted = False
        await producer
    finally:
        if not producer.done():
            producer.cancel()
        await asyncio.gather(producer, return_exceptions=True)
        played = sink.position
        reply.seconds_played = played
        reply.interrupted = interrupted
        emit(PlaybackEnd(t=clock(), seconds_played=played, interrupted=interrupted))


async def respond(
    request: BrainRequest,
    *,
    brain: Brain,
    tts: TtsEngine | None,
    sink: AudioSink | None,
    emit: Callable[[Event], None],
    clock: Clock,
    first_clause_chars: int = 24,
) -> Reply:
    """Run brain, TTS and playback for one request. Engine failures end the turn
    with an error event and (if TTS still works) a spoken apology; they never raise."""
    reply = Reply()
    segmenter = Segmenter(first_clause_chars)

    async def segments() -> AsyncGenerator[str, None]:
        async for text in _brain_text(brain, request, reply, emit, clock):
            for seg in segmenter.push(text):
                yield seg
        for seg in segmenter.flush():
            yield seg

    try:
        if tts is None or sink is None:
            async for _ in segments():
                pass
        else:
            await _speak(segments(), tts, sink, reply, emit, clock)
    except HarkError as exc:
        reply.error = exc
        stage = Stage(exc.stage) if isinstance(exc, StageError) and exc.stage in _STAGES else None
        emit(ErrorEvent(t=clock(), code=exc.code, message=exc.message, stage=stage))
        if tts is not None and sink is not None and stage is not Stage.TTS:
            try:
                samples = await infer(tts, tts.synthesize, APOLOGY)
                await sink.play(_one(AudioChunk(samples, tts.capabilities.sample_rate, t=clock())))
            except Exception as exc2:
                emit(ErrorEvent(t=clock(), code="tts-failed", message=str(exc2), stage=Stage.TTS))
        if not reply.text:
            reply.text = APOLOGY
    return reply


async def _one(chunk: AudioChunk) -> AsyncIterator[AudioChunk]:
    yield chunk

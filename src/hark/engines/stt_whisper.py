"""Speech recognition with Whisper (CTranslate2 via faster-whisper), short-window decoding.

Whisper's encoder normally always sees a 30 s window, which costs ~0.8 s on two
cores even for a two-second command. CTranslate2 accepts a shorter mel input,
so the audio is padded only to the next whole second (at least
``min_window_s``): a 3 s command decodes in ~0.2 s with the same words
(measured in bench/, see README).

Decoding keeps Whisper's timestamp tokens. Without them, short noisy commands
in a padded window often came back repeated ("What time is it? What time is
it?"); with them the model closes the segment where the speech ends, and any
segment that would start after the end of the audio is dropped as invented.

Recognition can be biased toward what a home assistant hears (``prompt`` and
``hotwords``, settings ``stt.prompt`` / ``stt.hotwords``): both go before the
start of the transcript as Whisper's "previous text", exactly as faster-whisper's
own ``initial_prompt`` and ``hotwords`` do (:meth:`WhisperModel.get_prompt`). The
generation budget is counted after them: CTranslate2's ``max_length`` includes the
prompt, so a long prompt would otherwise cut the transcript short.

Closed-vocabulary passes run only when a transcript is not a command the classic brain
acts on (they need its grammar, :meth:`WhisperStt.set_command_filter`): ``stt.commands`` (off)
reads Whisper's n-best (:mod:`hark.engines.stt_commands`), ``stt.phrases`` (off) proposes command
sentences that sound like the transcript (:mod:`hark.engines.stt_phrase`) and scores each
against the same audio, teacher-forced (:meth:`WhisperStt.score`, CTranslate2's ``align``
on the encoder output already computed), taking one only if the audio supports it within
``stt.phrases_margin`` of Whisper's own transcript. The third, ``stt.grammar_decode`` (**on** by
default: it hears the most commands for the least time), decodes the audio again with Whisper restricted to the command grammar from the first
token (:mod:`hark.engines.stt_grammar`) and weighs the result the same way (``stt.grammar_margin``);
its decoder is Whisper's own run in numpy with the state kept between steps
(:mod:`hark.engines.whisper_decoder`), on the same encoder output.

Another model may write the transcript (``transcriber``: Moonshine, ``stt.engine = "moonshine"``
or ``"auto"``): Whisper then encodes the audio only when that transcript is not a command. With
``stt.second_opinion`` it writes its own transcript of the same encoded audio and takes it instead
when its teacher-forced score prefers it by more than ``stt.second_opinion_margin``; then it runs
the passes above; it writes the transcript alone when the other model gave none.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..audio.chunk import SAMPLE_RATE, Float32Array
from ..errors import EngineLoadError
from .base import Capabilities
from .stt_commands import CommandRescorer
from .stt_grammar import GrammarDecoder, GrammarTokens, covering_words, covers
from .stt_phrase import Choice, PhraseFinder, PhraseGrammar
from .stt_vocab import default_hotwords, default_prompt
from .whisper_decoder import DecoderRun, Shortlist, WhisperDecoder

if TYPE_CHECKING:
    from ..config import SttSettings


class Transcriber(Protocol):
    """A model that writes the transcript in Whisper's place (:class:`hark.engines.stt_moonshine.MoonshineStt`)."""

    name: str

    def transcribe(self, audio: Float32Array) -> str: ...


_FRAMES_PER_S = 100
AUTO = "auto"
"""``prompt`` / ``hotwords`` value that builds them from the command vocabulary and the home's names."""


class WhisperStt:
    name = "whisper"

    def __init__(
        self,
        model_dir: Path,
        *,
        language: str = "en",
        threads: int = 2,
        beam_size: int = 1,
        min_window_s: float = 4.0,
        prompt: str = "",
        hotwords: str = "",
        commands: CommandRescorer | None = None,
        phrases: PhraseFinder | None = None,
        areas: Iterable[str] = (),
        devices: Iterable[str] = (),
        transcriber: Transcriber | None = None,
    ) -> None:
        try:
            from faster_whisper import WhisperModel
            from faster_whisper.feature_extractor import FeatureExtractor
            from faster_whisper.tokenizer import Tokenizer
        except ImportError as exc:
            raise EngineLoadError("faster-whisper is not installed (pip install faster-whisper)") from exc
        try:
            self._model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads)
        except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError variants
            raise EngineLoadError(f"cannot load Whisper from {model_dir}: {exc}") from exc
        self.capabilities = Capabilities(streaming=False, partials=False, languages=(language,))
        self._tokenizer = Tokenizer(
            self._model.hf_tokenizer, self._model.model.is_multilingual, task="transcribe", language=language
        )
        self._features = FeatureExtractor(feature_size=self._model.model.n_mels)
        self._prompt_setting = prompt.strip()
        self._hotwords_setting = hotwords.strip()
        self.prompt = ""
        self.hotwords = ""
        self._prompt: list[int] = list(self._tokenizer.sot_sequence)
        self.language = language
        self.phrases = phrases
        self.last_phrase: Choice | None = None
        """The last choice of the phrase pass (``None`` when it did not run)."""
        self.grammar: GrammarDecoder | None = None
        """The grammar-constrained pass (``stt.grammar_decode``), ``None`` when off."""
        self.last_grammar: Choice | None = None
        """The last choice of the grammar-constrained pass (``None`` when it did not run)."""
        self.last_opinion: Choice | None = None
        """The last second opinion (``stt.second_opinion``): ``best`` is Whisper's own transcript,
        ``score`` its score and ``transcript_score`` the transcriber's (``None`` when it did not run)."""
        self.grammar_steps = 0
        """Decoder calls made by the grammar-constrained pass (all utterances)."""
        self._is_command: Callable[[str], bool] | None = None
        self.set_vocabulary(areas, devices)
        self._suppress = [-1, *self._tokenizer.non_speech_tokens]
        self.beam_size = beam_size
        self.commands = commands
        self.loops = 0
        """Decodes that looped with the prompt and were decoded again without it."""
        self.min_window_s = min_window_s
        self.model_dir = model_dir
        self.transcriber = transcriber
        """Another model that writes the transcript (``stt.engine = "moonshine"``); Whisper then runs
        only the closed-vocabulary passes, on the transcripts that are not commands."""
        if transcriber is not None:
            self.name = transcriber.name

    @classmethod
    def from_settings(
        cls,
        model_dir: Path,
        settings: SttSettings,
        *,
        areas: Iterable[str] = (),
        devices: Iterable[str] = (),
        is_command: Callable[[str], bool] | None = None,
        transcriber: Transcriber | None = None,
    ) -> WhisperStt:
        """The engine as ``[stt]`` describes it. The closed-vocabulary pass (``stt.commands``) needs
        ``is_command`` (now, or later through :meth:`set_command_filter`)."""
        stt = cls(
            model_dir,
            language=settings.language,
            threads=settings.threads,
            beam_size=settings.beam_size,
            min_window_s=settings.min_window_s,
            prompt=settings.prompt,
            hotwords=settings.hotwords,
            areas=areas,
            devices=devices,
            transcriber=transcriber,
        )
        stt._commands_settings = (settings.commands, settings.commands_beam, settings.commands_margin)
        stt._phrases_settings = (settings.phrases, settings.phrases_margin)
        stt._grammar_settings = (settings.grammar_decode, settings.grammar_margin)
        stt._second_opinion = settings.second_opinion_margin if settings.second_opinion else None
        stt._second_opinion_below = settings.second_opinion_below
        if is_command is not None:
            stt.set_command_filter(is_command)
        return stt

    _commands_settings: tuple[bool, int, float] = (True, 4, 0.1)
    _phrases_settings: tuple[bool, float] = (False, 3.0)
    _grammar_settings: tuple[bool, float] = (True, 3.0)
    _second_opinion: float | None = None
    """With a transcriber: the margin (nats) by which Whisper's score must prefer its own transcript
    of a non-command over the transcriber's to take it; ``None``: never asked (``stt.second_opinion``)."""
    _second_opinion_below: float = math.inf
    """Whisper writes its own transcript only when it scores the transcriber's below this (mean
    log-probability a token; ``stt.second_opinion_below``)."""
    _areas: tuple[str, ...] = ()
    _devices: tuple[str, ...] = ()

    def set_command_filter(self, is_command: Callable[[str], bool] | None) -> None:
        """Give the closed-vocabulary passes their grammar ("would the classic brain act on this text?");
        ``None`` turns them off. Does nothing for a pass whose setting (``stt.commands``,
        ``stt.phrases``) is off. The phrase pass reads the templates here (~0.4 s)."""
        on, beam, margin = self._commands_settings
        self.commands = CommandRescorer(is_command, beam_size=beam, margin=margin) if on and is_command else None
        built = self.phrases is not None or self.grammar is not None
        if is_command is not None and is_command == self._is_command and built:
            return  # the same grammar (every new device session gives it again): no 0.4 s rebuild
        self._is_command = is_command
        self._build_phrases()

    def _build_phrases(self) -> None:
        on, margin = self._phrases_settings
        grammar_on, grammar_margin = self._grammar_settings
        if (not on and not grammar_on) or self._is_command is None:
            self.phrases = self.grammar = None
            return
        grammar = PhraseGrammar.load(self.language, self._areas, self._devices)
        self.phrases = PhraseFinder(grammar, self._is_command, margin=margin) if on else None
        self.grammar = None
        if grammar_on:
            tok = self._tokenizer
            hf = self._model.hf_tokenizer
            texts = hf.decode_batch([[i] for i in range(hf.get_vocab_size())])
            tokens = GrammarTokens(grammar, texts, tok.eot, lambda text: list(tok.encode(text)))
            self.grammar = GrammarDecoder(tokens)
            self._grammar_margin = grammar_margin
            if self._decoder is None:
                self._decoder = WhisperDecoder.load(self.model_dir)
            self._shortlist = self._decoder.shortlist(np.union1d(np.arange(_SHORTLIST_BPE), tokens.token_ids()))

    _grammar_margin = 3.0
    grammar_runners_up = 2
    """How many of the grammar search's other finished sentences the grammar pass reads when its best
    is not a command."""
    grammar_covering_search = False
    """Whether the grammar search may end a sentence only once it covers the transcript (:func:`covers`).
    It hears more commands from voices Hark was not tuned on (outside voices at 10 dB: 63.6 -> 66.7 %
    right skill) but keeps searching on open speech, which a short sentence used to end: end of turn
    -> transcript of open questions went from 184 to ~275 ms median end to end (bench.latency, the
    same audio). Off; the benchmark's ``moonshine+opinion+cover`` configuration measures it."""
    _decoder: WhisperDecoder | None = None
    """Whisper's decoder in numpy with its state kept between steps, for the grammar pass."""
    _shortlist: Shortlist | None = None
    """The tokens the grammar pass computes log-probabilities over (with the transcript's own)."""

    def set_vocabulary(self, areas: Iterable[str] = (), devices: Iterable[str] = ()) -> None:
        """The home's area and device names, for an ``auto`` prompt or hotwords (call again when
        they change). The token prompt is swapped whole, so a decode in flight is unaffected."""
        areas, devices = list(areas), list(devices)
        changed = (tuple(areas), tuple(devices)) != (self._areas, self._devices)
        self._areas, self._devices = tuple(areas), tuple(devices)
        if changed and (self.phrases is not None or self.grammar is not None) and self._is_command is not None:
            self._build_phrases()
        prompt, hotwords = self._prompt_setting, self._hotwords_setting
        if prompt.lower() == AUTO:
            prompt = default_prompt(areas, devices)
        if hotwords.lower() == AUTO:
            hotwords = default_hotwords(areas, devices)
        previous = self._tokenizer.encode(" " + prompt) if prompt else []
        tokens = list(
            self._model.get_prompt(self._tokenizer, previous, without_timestamps=False, hotwords=hotwords or None)
        )
        self.prompt, self.hotwords, self._prompt = prompt, hotwords, tokens

    @property
    def prompt_tokens(self) -> list[int]:
        """What goes before the transcript: ``<|startofprev|>`` hotwords, prompt (if any), then
        ``<|startoftranscript|><|en|><|transcribe|>``."""
        return list(self._prompt)

    def window_seconds(self, n_samples: int) -> int:
        seconds = n_samples / SAMPLE_RATE
        return int(min(30, max(self.min_window_s, math.ceil(seconds + 0.5))))

    def _mel(self, audio: Float32Array) -> tuple[object, int]:
        """The log-mel input of the short window, and the window in seconds."""
        import ctranslate2

        window = self.window_seconds(len(audio))
        audio = audio[: window * SAMPLE_RATE]
        padded = np.zeros(window * SAMPLE_RATE, np.float32)
        padded[: len(audio)] = audio
        mel = self._features(padded, padding=0)[:, : window * _FRAMES_PER_S]
        return ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32)), window

    def encode(self, audio: Float32Array) -> object:
        """Whisper's encoder output for ``audio`` (short window), for :meth:`score`."""
        return self._model.model.encode(self._mel(audio)[0], to_cpu=False)

    def transcribe(self, audio: Float32Array) -> str:
        if len(audio) == 0:
            return ""
        self.last_phrase = self.last_grammar = None
        closed = self.commands is not None or self.phrases is not None or self.grammar is not None
        # another model's transcript (stt.engine = "moonshine"); when it gives none (a chime before the
        # words, or a decode that went round in circles) Whisper writes it
        text = self.transcriber.transcribe(audio) if self.transcriber is not None else ""
        self.last_opinion = None
        if text.strip():
            if self._acted_on(text) or (not closed and self._second_opinion is None):
                return text
            features, window = self._mel(audio)
            audio = audio[: window * SAMPLE_RATE]
            encoded = self._model.model.encode(features, to_cpu=False)
            heard = text
            if self._second_opinion is not None:
                text = self._take_second_opinion(encoded, text, window, audio, self._second_opinion)
            if not closed:
                return text
            return self._closed_vocabulary(encoded, text, window, audio, not_command=heard)
        features, window = self._mel(audio)
        audio = audio[: window * SAMPLE_RATE]
        plain = len(self._prompt) == len(self._tokenizer.sot_sequence)
        if not closed and plain:
            return self._text(self._generate(features, window, self.beam_size)[0][0], len(audio) / SAMPLE_RATE)
        # encode once: a second decode (no prompt after a loop, or the n-best) reuses it
        encoded = self._model.model.encode(features, to_cpu=False)
        return self._closed_vocabulary(encoded, self._own_text(encoded, window, audio), window, audio)

    def _own_text(self, encoded: object, window: int, audio: Float32Array) -> str:
        """Whisper's transcript of the encoded audio (decoded again without the prompt if it looped)."""
        ids = self._generate(encoded, window, self.beam_size)[0][0]
        plain = len(self._prompt) == len(self._tokenizer.sot_sequence)
        if not plain and _looped(ids, self._budget(window)):
            self.loops += 1
            ids = self._generate(encoded, window, self.beam_size, prompt=list(self._tokenizer.sot_sequence))[0][0]
        return self._text(ids, len(audio) / SAMPLE_RATE)

    def _take_second_opinion(self, encoded: object, heard: str, window: int, audio: Float32Array, margin: float) -> str:
        """Whisper's own transcript of the audio in place of the transcriber's ``heard`` when
        Whisper's teacher-forced score (:meth:`score`) prefers it by more than ``margin`` nats. The
        two models err on different words: Moonshine on Hark's own voices in noise, Whisper on
        accents and real recordings; each one's transcript scored by one model picks the better.
        Whisper writes its own only when it doubts ``heard``: its score below
        ``stt.second_opinion_below`` nats a token (a decode costs far more than a score)."""
        theirs = self.score(encoded, [heard], len(audio))[0]
        per_token = theirs / max(1, len(self._tokenizer.encode(" " + heard.strip())))
        if per_token >= self._second_opinion_below:
            self.last_opinion = Choice(heard, False, None, theirs, theirs)
            return heard
        own = self._own_text(encoded, window, audio)
        if not own.strip() or _norm(own) == _norm(heard):
            self.last_opinion = Choice(heard, False, own, theirs, theirs)
            return heard
        ours = self.score(encoded, [own], len(audio))[0]
        taken = ours - theirs > margin
        self.last_opinion = Choice(own if taken else heard, taken, own, ours, theirs)
        return self.last_opinion.text

    def _acted_on(self, text: str) -> bool:
        """Whether a closed-vocabulary pass would leave ``text`` as it is: a command already."""
        if self.commands is not None:
            return self.commands.accepts(text)
        return self._is_command is not None and self._is_command(text)

    def _closed_vocabulary(
        self, encoded: object, text: str, window: int, audio: Float32Array, *, not_command: str = ""
    ) -> str:
        """The passes that turn a transcript that is not a command into the command the audio says
        (each only when it is on and the transcript is still not a command). ``not_command``: a text
        the caller already found is not one (:meth:`_acted_on`): every pass asks the same question
        of the classic brain, so it is not asked again while the transcript is unchanged."""
        if self.commands is not None and (text == not_command or not self.commands.accepts(text)):
            n = self.commands.beam_size
            seconds = len(audio) / SAMPLE_RATE
            nbest, scores = self._generate(encoded, window, n, num_hypotheses=n)
            hyps = [(self._text(h, seconds), sc) for h, sc in zip(nbest, scores, strict=True)]
            text = self.commands.choose(text, hyps)
        if self.phrases is not None and text.strip() and (text == not_command or not self.phrases.accepts(text)):
            text = self._phrase(encoded, text, len(audio))
        if (
            self.grammar is not None
            and self._is_command is not None
            and text.strip()
            and (text == not_command or not self._is_command(text))
        ):
            text = self._grammar_pass(encoded, text, len(audio))
        return text

    def _grammar_pass(self, encoded: object, text: str, n_samples: int) -> str:
        """The grammar-constrained pass: Whisper decodes again, only along the command grammar; the
        result replaces ``text`` if the classic brain acts on it, the audio supports it within
        ``stt.grammar_margin`` of ``text`` (both scored by :meth:`score`), and it says at least half
        as many words as ``text`` (:func:`~hark.engines.stt_grammar.covers`). The search's floor
        comes from the numpy decoder's own score of ``text``; :meth:`score` (CTranslate2's
        ``align``) runs only when a command was found. The grammar pairs words, so its best sentence
        may be one no template reads ("set an egg time for six minutes"): the next ones the search
        finished are read in turn (up to :attr:`grammar_runners_up` of them), best first; one that
        says fewer than half the transcript's words is passed over unread (it would be refused, and
        the classic brain's reading is what costs)."""
        assert self.grammar is not None and self._is_command is not None
        run, start, estimate = self._grammar_run(encoded, text)
        floor = estimate - self._grammar_margin - _GRAMMAR_SLACK
        min_words = covering_words(text) if self.grammar_covering_search else 1
        sentences = self._grammar_search(run, start, floor, min_words=min_words)
        command = ""
        for decoded in sentences[: 1 + self.grammar_runners_up]:
            candidate = decoded[:1].upper() + decoded[1:]
            if candidate[-1:] not in (".", "?", "!"):
                candidate = _render(candidate, text)
            if covers(candidate, text) and self._is_command(candidate):  # the word count first: it is free
                command = candidate
                break
        if not command:
            if sentences:
                self.last_grammar = Choice(text, False, None, estimate, estimate)
            return text
        phrase = self.last_phrase  # the phrase pass scored the same transcript already: no second align
        if phrase is not None and not phrase.replaced and phrase.text == text:
            theirs, ours = phrase.transcript_score, self.score(encoded, [command], n_samples)[0]
        else:
            theirs, ours = self.score(encoded, [text, command], n_samples)
        replaced = ours >= theirs - self._grammar_margin  # a command found covers the transcript
        self.last_grammar = Choice(command if replaced else text, replaced, command, ours, theirs)
        return self.last_grammar.text

    def _grammar_run(self, encoded: object, heard: str) -> tuple[DecoderRun, list[int], float]:
        """A decode of the encoded audio by the numpy decoder, primed with Whisper's transcript
        ``heard`` (a search along it shares its steps), the start tokens, and the transcript's
        log-probability (its text tokens, as :meth:`score` counts them)."""
        assert self._decoder is not None
        tok = self._tokenizer
        start = [*tok.sot_sequence, tok.no_timestamps]
        words = list(tok.encode(" " + heard.strip())) if heard.strip() else []
        run = self._decoder.run(np.asarray(encoded)[0], self._shortlist, extra=words)
        following = run.prime(start + words)  # each token after the ones before it
        return run, start, float(sum(following[len(start) - 1 :]))

    def _grammar_search(self, run: DecoderRun, start: list[int], floor: float, min_words: int = 1) -> list[str]:
        """The sentences the grammar-constrained search finished, best first (none: empty)."""
        assert self.grammar is not None

        def step(prefixes: list[list[int]]) -> list[np.ndarray]:
            return run.logprobs([start + p for p in prefixes])

        decoded = self.grammar.decode(step, floor, min_words)
        if decoded is None:
            return []
        self.grammar_steps += decoded.steps
        return [decoded.text, *decoded.runners_up]

    def grammar_decode(self, encoded: object, floor: float = -math.inf, heard: str = "") -> str | None:
        """The best sentence the command grammar allows for the encoded audio (Whisper's decoder
        restricted token by token, :mod:`hark.engines.stt_grammar`), ``None`` if none ends with a
        log-probability of at least ``floor``. The log-probabilities are over the shortlist (the
        grammar's tokens, the first BPE tokens) and the tokens of ``heard`` (Whisper's transcript)."""
        assert self.grammar is not None
        run, start, _ = self._grammar_run(encoded, heard)
        return next(iter(self._grammar_search(run, start, floor)), None)

    def _phrase(self, encoded: object, text: str, n_samples: int) -> str:
        """The phrase pass: command sentences that sound like ``text``, scored on the audio."""
        assert self.phrases is not None
        found = self.phrases.commands(text)
        if not found:
            return text
        rendered = [_render(c, text) for c in found]
        scores = self.score(encoded, [text, *rendered], n_samples)
        self.last_phrase = self.phrases.choose(text, scores[0], list(zip(rendered, scores[1:], strict=True)))
        return self.last_phrase.text

    def score(self, encoded: object, texts: list[str], n_samples: int) -> list[float]:
        """Log-probability of each text as the transcript of the encoded audio (Whisper
        teacher-forced, without prompt or timestamps): the sum over its tokens."""
        import ctranslate2

        tok = self._tokenizer
        tokens = [tok.encode(" " + t.strip()) for t in texts]
        one = np.asarray(encoded)
        batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(one[:1], len(texts), axis=0)))
        start = [*tok.sot_sequence, tok.no_timestamps]
        frames = max(1, n_samples // (SAMPLE_RATE // _FRAMES_PER_S))
        results = self._model.model.align(batch, start, tokens, [frames] * len(texts))
        return [float(np.log(np.maximum(np.asarray(r.text_token_probs), 1e-12)).sum()) for r in results]

    @staticmethod
    def _budget(window: int) -> int:
        """Tokens the transcript of a ``window``-second input may take."""
        return min(224, 16 + window * 12)

    def _generate(
        self, features: object, window: int, beam_size: int, num_hypotheses: int = 1, prompt: list[int] | None = None
    ) -> tuple[list[list[int]], list[float]]:
        """Token ids of the hypotheses (best first) and their mean log-probability per token."""
        prompt = self._prompt if prompt is None else prompt
        result = self._model.model.generate(
            features,
            [prompt],
            beam_size=beam_size,
            num_hypotheses=num_hypotheses,
            max_length=len(prompt) + self._budget(window),
            return_scores=num_hypotheses > 1,
            suppress_blank=True,
            suppress_tokens=self._suppress,
            repetition_penalty=1.0,
            no_repeat_ngram_size=0,
        )[0]
        scores = list(result.scores) if num_hypotheses > 1 else [0.0] * len(result.sequences_ids)
        return [list(h) for h in result.sequences_ids], scores

    def _text(self, ids: list[int], seconds: float) -> str:
        """Join the segments' text, dropping invented ones: a segment that starts in the
        last 0.2 s of the audio or after it, a segment that repeats the one before, and a
        sentence that repeats the one before it inside a segment (with a prompt, Whisper
        often writes a short command twice without closing the segment in between)."""
        tok = self._tokenizer
        parts: list[str] = []
        segment: list[int] = []
        start = 0.0
        for t in [*ids, tok.timestamp_begin]:
            if t >= tok.timestamp_begin:
                if segment and (start < seconds - 0.2 or not parts):
                    text = str(tok.decode(segment))
                    if not parts or _norm(text) != _norm(parts[-1]):
                        parts.append(text)
                segment = []
                start = (t - tok.timestamp_begin) * 0.02
            elif t < tok.eot:
                segment.append(t)
        return _drop_repeated_sentences("".join(parts).strip())


_SHORTLIST_BPE = 10_000
"""The grammar pass's log-softmax runs over the first this many tokens (BPE merges in order: the
common ones), the grammar's own and the transcript's: 0.08 % of the probability mass left out at
the median step, 10 % at the worst measured (0.1 nats); the output layer then costs 1.3 ms a step
instead of 8.4 (4 beams, 2 threads), the whole step ~10 ms instead of ~15."""

_GRAMMAR_SLACK = 1.0
"""Nats the grammar search keeps below what the margin allows: its log-probabilities (the numpy
decoder, float weights) and the acceptance score (CTranslate2's ``align``, int8) differ by a few
tenths per sentence (measured)."""


def _render(command: str, transcript: str) -> str:
    """A candidate written the way Whisper writes: capital first letter, the transcript's final
    punctuation (a full stop if it had none)."""
    end = transcript.rstrip()[-1:] if transcript.rstrip()[-1:] in (".", "?", "!") else "."
    return command[:1].upper() + command[1:] + end


def _looped(ids: list[int], budget: int) -> bool:
    """Whisper went round in circles: it used its whole budget, or one to four tokens came
    back three times in a row ("lights, lights, lights")."""
    if len(ids) >= budget:
        return True
    for n in range(1, 5):
        for i in range(len(ids) - 3 * n + 1):
            if ids[i : i + n] == ids[i + n : i + 2 * n] == ids[i + 2 * n : i + 3 * n]:
                return True
    return False


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _drop_repeated_sentences(text: str) -> str:
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if not kept or _norm(sentence) != _norm(kept[-1]):
            kept.append(sentence)
    return " ".join(kept)


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())

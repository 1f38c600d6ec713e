"""Speech recognition on voices Hark does not speak with, and on real recordings.

Hark's other benchmarks and tests speak with hibari and Piper, the voices Hark itself
synthesises with; Whisper does well on them. This one measures Whisper (the engine
Hark runs, :class:`hark.engines.stt_whisper.WhisperStt`) on

* **commands** (``bench/asr/commands.txt``: 66 everyday requests, timers, lists, lights
  and covers, weather, time and date, alarms, conversions, volume) spoken by every voice
  family of :mod:`bench.asr.voices` (Debian's flite, festival and espeak-ng voices, plus
  Hark's own for reference), one voice of each family per sentence in turn, clean and with
  pink noise at 10 dB SNR;
* **open questions** (``bench/asr/open.txt``, 20) by the same voices at 10 dB: the classic
  brain must not act on any of them (a *false command*);
* **noise only** (pink noise, no speech): nothing may act on it either;
* **real recordings** shipped in Debian packages (Asterisk's English prompts, pocketsphinx's
  test recordings), clean and at 10 dB: word error rate only.

Each transcript goes through the classic brain's reading (:class:`hark.nlu.IntentRecognizer`
and :func:`hark.nlu.first_tool_call`, with a small home: kitchen, living room, bedroom,
hallway, garage): *right skill* means the transcript leads to the same tool as the
sentence as written, *right action* to the same tool with the same arguments.

Each configuration (``--configs``, see :data:`CONFIGS`) is a way of running the
recogniser, all on the same audio: the short encoder window (Hark's default), Whisper's
usual 30 s window, a biasing prompt, hotwords, the closed-vocabulary command pass of
:mod:`hark.engines.stt_commands`, the phrase pass of :mod:`hark.engines.stt_phrase` (near-sound
command sentences scored on the audio; its rows carry the best command and both scores, so
another margin can be tried on them offline), the grammar-constrained decode of
:mod:`hark.engines.stt_grammar` (rows carry ``grammar`` the same way). Decode time is the wall time of one ``transcribe`` call
(ms per utterance, 2 threads), on whatever else the machine is running: compare configurations
from the same run.

    .venv/bin/python -m bench.asr_voices --configs base       # 756 items, ~2 min on 2 cores
    .venv/bin/python -m bench.asr_voices --configs base,window30,prompt,hotwords,commands,prompt+commands \
        --every 2 --no-clean                                   # 211 items x 6, ~7 min
    .venv/bin/python -m bench.asr_voices --configs base,prompt --quick
    .venv/bin/python -m bench.asr_voices --configs base,phrases --clean-all \
        --out bench/results/asr_voices_phrases.json            # 756 items x 2, ~6 min
    .venv/bin/python -m bench.asr_voices --configs phrases,phrases+grammar --every 2 --no-clean \
        --out /tmp/asr_grammar.json                            # 211 items x 2, ~2.5 min

Writes ``bench/results/asr_voices.json`` (per item: voice, family, condition, reference,
transcript, errors, skill, decode ms; per configuration and family: the summaries) with the
machine and CPU model.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bench.asr.textnorm import word_errors
from bench.asr.voices import OUTSIDE, VOICES, Recording, family_voices, real_recordings, speak, trim, voice_available
from bench.metrics import busy_warning, cpu_line, machine_info, summary
from bench.voices import add_noise, pink_noise
from hark.audio.chunk import SAMPLE_RATE, Int16Array, to_float
from hark.nlu import BrainCommand, IntentRecognizer, ToolCall, first_tool_call

ROOT = Path(__file__).resolve().parent
ASR_DIR = ROOT / "asr"
RESULTS = ROOT / "results" / "asr_voices.json"
NOW = dt.datetime(2025, 3, 14, 15, 0, tzinfo=ZoneInfo("Europe/Paris"))
LEAD_S = 0.5
"""Noise before the speech: the capture starts a little before the VAD hears speech."""
TAIL_S = 0.3
"""Noise after it: the speculative decode starts ~96 ms after the VAD's end of speech, itself ~100 ms late."""
SNR_DB = 10.0

HOME_ENTITIES: tuple[tuple[str, str | None, str], ...] = (
    ("kitchen ceiling light", "kitchen", "light"),
    ("kitchen spots", "kitchen", "light"),
    ("living room lamp", "living room", "light"),
    ("bedroom light", "bedroom", "light"),
    ("hallway light", "hallway", "light"),
    ("garage door", "garage", "cover"),
    ("bedroom blinds", "bedroom", "cover"),
    ("thermostat", "hallway", "climate"),
    ("front door", "hallway", "lock"),
)
HOME_AREAS = ("kitchen", "living room", "bedroom", "hallway", "garage")


def read_sentences(name: str) -> list[tuple[str, str]]:
    """``(category, sentence)`` rows of a list under ``bench/asr/`` (no category: ``open``)."""
    out = []
    for line in (ASR_DIR / name).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, _, text = line.rpartition("\t")
        out.append((category or "open", text.strip()))
    return out


COMMANDS = read_sentences("commands.txt")
OPEN = read_sentences("open.txt")


@dataclasses.dataclass(frozen=True)
class Item:
    id: str
    kind: str
    """``command``, ``open``, ``noise`` or ``real``."""
    voice: str
    family: str
    condition: str
    """``clean`` or ``10dB``."""
    text: str
    samples: Int16Array


def _seed(key: str) -> int:
    return int.from_bytes(hashlib.sha1(key.encode()).digest()[:4], "little")


def layout(speech: Int16Array, key: str, snr_db: float | None) -> Int16Array:
    clean = np.concatenate(
        [np.zeros(int(LEAD_S * SAMPLE_RATE), np.int16), trim(speech), np.zeros(int(TAIL_S * SAMPLE_RATE), np.int16)]
    )
    if snr_db is None:
        return clean
    return add_noise(clean, snr_db, pink_noise(len(clean), seed=_seed(key)))


def build_items(
    families: Sequence[str], *, clean: bool, every: int = 1, real: bool = True, asterisk_limit: int = 60
) -> list[Item]:
    """Every command sentence by one voice of each family (the voice turns with the sentence),
    then the open questions likewise, noise only, and the real recordings."""
    items: list[Item] = []
    conditions: list[tuple[str, float | None]] = [("10dB", SNR_DB)] + ([("clean", None)] if clean else [])
    commands = COMMANDS[::every]
    questions = OPEN[::every]
    for family in families:
        voices = family_voices(family)
        if not voices:
            continue
        for kind, rows in (("command", commands), ("open", questions)):
            for i, (_, text) in enumerate(rows):
                voice = voices[i % len(voices)]
                speech = speak(voice, text)
                for condition, snr in conditions if kind == "command" else conditions[:1]:
                    key = f"{voice}/{kind}{i:02d}/{condition}"
                    items.append(Item(key, kind, voice, family, condition, text, layout(speech, key, snr)))
    for i, level in enumerate((0.003, 0.006, 0.01, 0.02, 0.03, 0.06)[::every]):
        n = int((1.5 + 0.3 * i) * SAMPLE_RATE)
        noise = pink_noise(n, seed=1000 + i) * level
        items.append(Item(f"noise/{i}", "noise", "noise", "noise", "noise", "", (noise * 32767).astype(np.int16)))
    if real:
        recordings: list[Recording] = real_recordings(asterisk_limit)
        recordings = recordings[::every]
        for rec in recordings:
            for condition, snr in conditions[::-1] if clean else conditions:
                key = f"{rec.id}/{condition}"
                items.append(Item(key, "real", rec.source, "real", condition, rec.text, layout(rec.samples, key, snr)))
    return items


# -- the classic brain's reading --------------------------------------------------------------------


class Reader:
    def __init__(self) -> None:
        self.recognizer = IntentRecognizer("en", entities=HOME_ENTITIES, areas=HOME_AREAS)

    def read(self, text: str) -> tuple[str | None, str | None]:
        """(skill, action) of ``text``: the tool (or brain command) and the tool with its arguments."""
        result = first_tool_call(self.recognizer.candidates(text), NOW)
        if isinstance(result, ToolCall):
            return result.tool, json.dumps([result.tool, result.arguments], sort_keys=True, default=str)
        if isinstance(result, BrainCommand):
            return f"brain:{result.command}", f"brain:{result.command}"
        return None, None

    def is_command(self, text: str) -> bool:
        return self.read(text)[0] is not None


# -- configurations ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Config:
    name: str
    what: str
    engine: dict[str, Any]
    commands: bool = False
    """Use the closed-vocabulary command pass (:class:`hark.engines.stt_commands.CommandRescorer`)."""
    phrases: float | None = None
    """Use the phrase pass (:mod:`hark.engines.stt_phrase`) with this margin (nats)."""
    grammar: float | None = None
    """Use the grammar-constrained pass (:mod:`hark.engines.stt_grammar`) with this margin (nats)."""
    grammar_beam: int = 4
    """Beams of the grammar-constrained search."""
    transcriber: str = ""
    """``moonshine``: Moonshine base writes the transcript and Whisper runs only the closed-vocabulary
    passes (``stt.engine = "moonshine"``); empty: Whisper writes it."""
    second_opinion: float | None = None
    """With a transcriber: Whisper's own transcript replaces a non-command one when its score
    prefers it by more than this (nats; ``stt.second_opinion_margin``); ``None``: off."""
    second_opinion_below: float = math.inf
    """Whisper writes its own only when it scores the transcriber's below this (nats a token)."""
    covering_search: bool = False
    """The grammar search may end a sentence only once it covers the transcript
    (:attr:`hark.engines.stt_whisper.WhisperStt.grammar_covering_search`)."""


SENTENCE_PROMPT = (
    "Start a timer for three minutes. Put apples on the shopping list. Turn off the office light. "
    "What's the weather like on Sunday? What time is it in London? How many pounds in a kilogram?"
)
"""Example commands for the ``prompt-sentences`` configuration; none of them is in ``bench/asr/commands.txt``."""


def _configs() -> dict[str, Config]:
    from hark.engines.stt_vocab import default_hotwords, default_prompt

    prompt = default_prompt(areas=HOME_AREAS, devices=[name for name, _, _ in HOME_ENTITIES])
    hotwords = default_hotwords(areas=HOME_AREAS, devices=[name for name, _, _ in HOME_ENTITIES])
    configs = [
        Config("base", "Whisper alone: short window (min 4 s), greedy, no closed-vocabulary pass", {}),
        Config("window30", "Whisper's standard 30 s window", {"min_window_s": 30.0}),
        Config("beam4", "beam search, 4 beams", {"beam_size": 4}),
        Config("prompt", "automatic prompt from the command vocabulary and the home's names", {"prompt": prompt}),
        Config(
            "prompt-sentences",
            "a prompt of example commands (none of them in the test set) and the home's names",
            {"prompt": SENTENCE_PROMPT + " " + prompt.split(". ", 1)[1]},
        ),
        Config("hotwords", "the same vocabulary as faster-whisper hotwords", {"hotwords": hotwords}),
        Config("commands", "closed-vocabulary command pass (n-best read by the classic brain)", {}, commands=True),
        Config(
            "prompt+commands",
            "automatic prompt and the closed-vocabulary command pass",
            {"prompt": prompt},
            commands=True,
        ),
        Config("phrases", "phrase pass: near-sound command sentences scored on the audio (margin 3)", {}, phrases=3.0),
        Config("phrases1", "phrase pass, margin 1", {}, phrases=1.0),
        Config(
            "commands+phrases", "n-best command pass, then the phrase pass (margin 3)", {}, commands=True, phrases=3.0
        ),
        Config(
            "phrases+grammar",
            "phrase pass, then decoding constrained to the command grammar (both margin 3)",
            {},
            phrases=3.0,
            grammar=3.0,
        ),
        Config(
            "phrases+grammar3",
            "phrase pass, then decoding constrained to the command grammar with 3 beams",
            {},
            phrases=3.0,
            grammar=3.0,
            grammar_beam=3,
        ),
        Config(
            "grammar",
            "decoding constrained to the command grammar alone (margin 3): stt.engine = whisper",
            {},
            grammar=3.0,
        ),
        Config("grammar6", "the grammar pass alone with 6 beams", {}, grammar=3.0, grammar_beam=6),
        Config("grammar8", "the grammar pass alone with 8 beams", {}, grammar=3.0, grammar_beam=8),
        Config(
            "moonshine", "Moonshine base writes the transcript; no closed-vocabulary pass", {}, transcriber="moonshine"
        ),
        Config(
            "moonshine+grammar",
            "Moonshine's transcript, then Whisper's grammar pass (margin 3): stt.second_opinion = false",
            {},
            grammar=3.0,
            transcriber="moonshine",
        ),
        Config(
            "moonshine+opinion",
            "Moonshine's transcript, Whisper's own when its score prefers it by 3 nats, then the grammar pass: the default",
            {},
            grammar=3.0,
            transcriber="moonshine",
            second_opinion=3.0,
            second_opinion_below=-0.5,
        ),
        Config(
            "moonshine+opinion+cover",
            "the default, with the grammar search ending sentences only once they cover the transcript",
            {},
            grammar=3.0,
            transcriber="moonshine",
            second_opinion=3.0,
            second_opinion_below=-0.5,
            covering_search=True,
        ),
        Config(
            "moonshine+opinion-always",
            "the same, Whisper writing its own transcript however likely it finds Moonshine's (stt.second_opinion_below = 0)",
            {},
            grammar=3.0,
            transcriber="moonshine",
            second_opinion=3.0,
        ),
    ]
    return {c.name: c for c in configs}


def make_engine(config: Config, model_dir: Path, reader: Reader, threads: int) -> Callable[[np.ndarray], str]:
    from hark.engines.stt_whisper import WhisperStt

    kwargs = dict(config.engine)
    if config.transcriber == "moonshine":
        from hark.config import load_settings
        from hark.engines.moonshine_model import moonshine_base_model
        from hark.engines.stt_moonshine import MoonshineStt

        data_dir = load_settings(user_config=False).data_dir
        kwargs["transcriber"] = MoonshineStt(moonshine_base_model(data_dir))
    if config.commands:
        from hark.engines.stt_commands import CommandRescorer

        kwargs["commands"] = CommandRescorer(reader.is_command)
    stt = WhisperStt(model_dir, threads=threads, **kwargs)
    stt._second_opinion = config.second_opinion
    stt._second_opinion_below = config.second_opinion_below
    stt.grammar_covering_search = config.covering_search
    if config.phrases is not None or config.grammar is not None:
        stt._phrases_settings = (config.phrases is not None, config.phrases or 3.0)
        stt._grammar_settings = (config.grammar is not None, config.grammar or 3.0)
        stt.set_vocabulary(HOME_AREAS, [name for name, _, _ in HOME_ENTITIES])
        stt.set_command_filter(reader.is_command)
        stt.commands = kwargs.get("commands")
        if stt.grammar is not None:
            stt.grammar.beam = config.grammar_beam
        transcribe = stt.transcribe

        if stt.transcriber is not None:  # what the transcriber said, before Whisper's passes
            inner = stt.transcriber.transcribe

            def heard(audio: np.ndarray) -> str:
                HEARD_LOG[config.name] = said = inner(audio)
                return said

            setattr(stt.transcriber, "transcribe", heard)  # noqa: B010

        def with_phrase(audio: np.ndarray) -> str:
            text = transcribe(audio)
            PHRASE_LOG[config.name] = stt.last_phrase
            OPINION_LOG[config.name] = stt.last_opinion
            GRAMMAR_LOG[config.name] = stt.last_grammar
            return text

        return with_phrase
    return stt.transcribe


PHRASE_LOG: dict[str, Any] = {}
"""The phrase pass's last choice per configuration, for the rows."""
GRAMMAR_LOG: dict[str, Any] = {}
"""The grammar-constrained pass's last choice per configuration, for the rows."""
OPINION_LOG: dict[str, Any] = {}
"""Whisper's last second opinion per configuration, for the rows."""
HEARD_LOG: dict[str, str] = {}
"""The transcriber's last transcript per configuration (before Whisper's passes), for the rows."""


# -- running ----------------------------------------------------------------------------------------


def run_item(
    transcribe: Callable[[np.ndarray], str], item: Item, reader: Reader, config_name: str = ""
) -> dict[str, Any]:
    audio = to_float(item.samples)
    t0 = time.perf_counter()
    heard = transcribe(audio)
    ms = (time.perf_counter() - t0) * 1000
    row: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "voice": item.voice,
        "family": item.family,
        "condition": item.condition,
        "reference": item.text,
        "transcript": heard,
        "decode_ms": round(ms, 1),
        "audio_s": round(len(item.samples) / SAMPLE_RATE, 2),
    }
    for key, log in (("phrase", PHRASE_LOG), ("grammar", GRAMMAR_LOG), ("opinion", OPINION_LOG)):
        choice = log.pop(config_name, None)
        if choice is not None:
            row[key] = {
                "chosen": choice.text if choice.replaced else None,
                "best": choice.best,
                "score": round(choice.score, 2),
                "transcript_score": round(choice.transcript_score, 2),
            }
    said = HEARD_LOG.pop(config_name, None)
    if said is not None:
        row["transcriber"] = said
    if item.text:
        errors, words = word_errors(item.text, heard)
        row["errors"], row["words"] = errors, words
    if item.kind in ("command", "open", "noise"):
        skill, action = reader.read(heard)
        row["skill"] = skill
        if item.kind == "command":
            want_skill, want_action = reader.read(item.text)
            row["right_skill"] = skill == want_skill
            row["right_action"] = action == want_action
        else:
            row["false_command"] = skill is not None
    return row


def run_configs(
    configs: Sequence[Config], items: Sequence[Item], model_dir: Path, reader: Reader, threads: int, clean_all: bool
) -> dict[str, list[dict[str, Any]]]:
    """Every item through every configuration, the configurations taking turns item by item, so
    that whatever else loads the machine weighs on all of them alike. Clean audio goes through the
    first configuration only, unless ``clean_all``."""
    engines = {c.name: make_engine(c, model_dir, reader, threads) for c in configs}
    for transcribe in engines.values():
        transcribe(to_float(items[0].samples))  # warm-up
    rows: dict[str, list[dict[str, Any]]] = {c.name: [] for c in configs}
    for n, item in enumerate(items, 1):
        for k, config in enumerate(configs):
            if item.condition == "clean" and k > 0 and not clean_all:
                continue
            rows[config.name].append(run_item(engines[config.name], item, reader, config.name))
        if n % 50 == 0:
            print(f"  {n}/{len(items)} items", file=sys.stderr, flush=True)
    return rows


def _wer(rows: Sequence[dict[str, Any]]) -> float | None:
    words = sum(r["words"] for r in rows)
    return round(100 * sum(r["errors"] for r in rows) / words, 1) if words else None


def _rate(rows: Sequence[dict[str, Any]], key: str) -> float | None:
    return round(100 * sum(bool(r[key]) for r in rows) / len(rows), 1) if rows else None


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def pick(**want: Any) -> list[dict[str, Any]]:
        return [r for r in rows if all(r[k] == v if not isinstance(v, tuple) else r[k] in v for k, v in want.items())]

    out: dict[str, Any] = {"families": {}}
    families = sorted({r["family"] for r in rows if r["kind"] == "command"})
    for family in families:
        fam: dict[str, Any] = {}
        for condition in ("clean", "10dB"):
            sel = pick(kind="command", family=family, condition=condition)
            if sel:
                fam[condition] = {
                    "n": len(sel),
                    "wer": _wer(sel),
                    "right_skill": _rate(sel, "right_skill"),
                    "right_action": _rate(sel, "right_action"),
                }
        opens = pick(kind="open", family=family)
        if opens:
            fam["open_10dB"] = {
                "n": len(opens),
                "wer": _wer(opens),
                "false_commands": sum(r["false_command"] for r in opens),
            }
        out["families"][family] = fam
    outside = tuple(f for f in OUTSIDE if f in families)
    for condition in ("clean", "10dB"):
        sel = pick(kind="command", family=outside, condition=condition)
        if sel:
            out[f"outside_{condition}"] = {
                "n": len(sel),
                "wer": _wer(sel),
                "right_skill": _rate(sel, "right_skill"),
                "right_action": _rate(sel, "right_action"),
            }
    for source in sorted({r["voice"] for r in rows if r["kind"] == "real"}):
        for condition in ("clean", "10dB"):
            sel = pick(kind="real", voice=source, condition=condition)
            if sel:
                out.setdefault("real", {})[f"{source}_{condition}"] = {"n": len(sel), "wer": _wer(sel)}
    for condition in ("clean", "10dB"):
        sel = pick(kind="real", condition=condition)
        if sel:
            out.setdefault("real", {})[f"all_{condition}"] = {"n": len(sel), "wer": _wer(sel)}
    opens = pick(kind="open")
    noise = pick(kind="noise")
    out["false_commands"] = {
        "open_questions": f"{sum(r['false_command'] for r in opens)} / {len(opens)}",
        "noise_only": f"{sum(r['false_command'] for r in noise)} / {len(noise)}",
        "noise_only_nonempty_transcripts": sum(bool(r["transcript"].strip()) for r in noise),
    }
    commands = pick(kind="command")
    out["decode_ms_commands"] = summary([r["decode_ms"] for r in commands])
    out["decode_ms_open"] = summary([r["decode_ms"] for r in opens])
    phrased = [r for r in rows if "phrase" in r]
    out["phrase_pass"] = {
        "ran_acoustic_check": len(phrased),
        "replaced": sum(r["phrase"]["chosen"] is not None for r in phrased),
    }
    grammared = [r for r in rows if "grammar" in r]
    out["grammar_pass"] = {
        "ran": len(grammared),
        "command_found": sum(r["grammar"]["best"] is not None for r in grammared),
        "replaced": sum(r["grammar"]["chosen"] is not None for r in grammared),
    }
    out["decode_ms_all"] = summary([r["decode_ms"] for r in rows])
    return out


def print_summary(name: str, what: str, s: dict[str, Any]) -> None:
    print(f"\n== {name}: {what}")
    print(
        f"{'family':<10} {'WER clean':>9} {'WER 10dB':>9} {'skill clean':>11} {'skill 10dB':>10} {'action 10dB':>11} {'open false':>10}"
    )
    for family, fam in s["families"].items():
        c, n, o = fam.get("clean", {}), fam.get("10dB", {}), fam.get("open_10dB", {})

        def f(d: dict[str, Any], k: str) -> str:
            v = d.get(k)
            return "-" if v is None else f"{v}"

        print(
            f"{family:<10} {f(c, 'wer'):>9} {f(n, 'wer'):>9} {f(c, 'right_skill'):>11} {f(n, 'right_skill'):>10} "
            f"{f(n, 'right_action'):>11} {o.get('false_commands', '-')!s:>10}"
        )
    for key in ("outside_clean", "outside_10dB"):
        if key in s:
            v = s[key]
            print(
                f"{key:<14} n={v['n']} WER {v['wer']} %, right skill {v['right_skill']} %, right action {v['right_action']} %"
            )
    for key, v in s.get("real", {}).items():
        print(f"real {key:<22} n={v['n']:<3} WER {v['wer']} %")
    print(f"false commands: {s['false_commands']}")
    for kind in ("commands", "open"):
        d = s[f"decode_ms_{kind}"]
        print(f"decode ms ({kind}): median {d['median']}, p95 {d['p95']}, mean {d['mean']}")
    print(f"phrase pass: {s['phrase_pass']}")
    print(f"grammar pass: {s['grammar_pass']}")


def main(argv: Sequence[str] | None = None) -> int:
    configs = _configs()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default=",".join(configs), help=f"comma-separated, of: {', '.join(configs)}")
    parser.add_argument("--families", default="flite,festival,espeak,hark")
    parser.add_argument("--quick", action="store_true", help="a third of the sentences and recordings (--every 3)")
    parser.add_argument("--every", type=int, default=1, help="every Nth sentence and recording (default: all)")
    parser.add_argument("--no-clean", action="store_true", help="only the 10 dB items (and the noise)")
    parser.add_argument(
        "--clean-all", action="store_true", help="clean audio for every configuration, not just the first"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from hark.config import load_settings
    from hark.engines.models import whisper_base_model

    info = machine_info()
    print(cpu_line(info["cpu"]))  # type: ignore[arg-type]
    warning = busy_warning(info)
    if warning:
        print(warning)
    families = [f for f in args.families.split(",") if f]
    unavailable = {v: why for v in VOICES if VOICES[v][0] in families and (why := voice_available(v))}
    for v, why in unavailable.items():
        print(f"voice {v} unavailable: {why}", file=sys.stderr)
    if unavailable:
        print("install the Debian packages of bench/asr/voices.py (DEBIAN_PACKAGES) for every voice", file=sys.stderr)
        return 2
    model_dir = whisper_base_model(load_settings(user_config=False).data_dir)
    reader = Reader()
    for _, text in COMMANDS:
        if not reader.is_command(text):
            raise SystemExit(f"bench/asr/commands.txt: the classic brain does not act on {text!r}")
    for _, text in OPEN:
        if reader.is_command(text):
            raise SystemExit(f"bench/asr/open.txt: the classic brain acts on {text!r}")

    t0 = time.perf_counter()
    chosen = [configs[name] for name in args.configs.split(",") if name]
    every = 3 if args.quick else max(1, args.every)
    full = build_items(families, clean=not args.no_clean, every=every)
    print(f"{len(full)} items; built in {time.perf_counter() - t0:.0f} s")
    results: dict[str, Any] = {}
    all_rows = run_configs(chosen, full, model_dir, reader, args.threads, args.clean_all)
    for config in chosen:
        s = summarise(all_rows[config.name])
        s["what"] = config.what
        s["engine"] = {
            k2: (v if not isinstance(v, str) or len(v) < 80 else v[:77] + "...") for k2, v in config.engine.items()
        }
        results[config.name] = s
        print_summary(config.name, config.what, s)
    print(
        "\n== per configuration (outside voices, 10 dB): WER, right skill, false commands (open, noise), decode ms median / p95"
    )
    for name, s in results.items():
        o = s.get("outside_10dB", {})
        d, do = s["decode_ms_commands"], s["decode_ms_open"]
        real = s.get("real", {}).get("all_clean", s.get("real", {}).get("all_10dB", {}))
        print(
            f"{name:<16} WER {o.get('wer')!s:>5} %  skill {o.get('right_skill')!s:>5} %  "
            f"false {s['false_commands']['open_questions']:>7} {s['false_commands']['noise_only']:>6}  "
            f"decode {d['median']} / {d['p95']} ms (open {do['median']} / {do['p95']})  real WER {real.get('wer')}"
        )
    info["asr"] = {
        "voices": {v: VOICES[v][0] for v in VOICES if VOICES[v][0] in families},
        "snr_db": SNR_DB,
        "lead_s": LEAD_S,
        "tail_s": TAIL_S,
        "commands": len(COMMANDS),
        "open_questions": len(OPEN),
        "every": every,
        "threads": args.threads,
        "busy": warning,
    }
    out = {"machine": info, "summary": results, "items": all_rows, "wall_s": round(time.perf_counter() - t0, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1, default=str))
    print(
        f"\nwrote {args.out} in {out['wall_s']} s; median decode of all items {statistics.median(r['decode_ms'] for rows in all_rows.values() for r in rows):.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

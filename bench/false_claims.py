"""False claims: commands Hark cannot carry out, through the real household brain, counted.

    .venv/bin/python -m bench.false_claims [--quick] [--configs embedded,fake,fake-tools] [--baseline]
                                           [--no-latency] [--out bench/results/false_claims.json]

What is measured
----------------
``bench/claims/commands.tsv`` holds 205 requests the classic intents cannot carry out here:
commands for devices with no smart home configured (lights, thermostat, locks, blinds, the
vacuum...), for features Hark lacks (calls, messages, orders, the calendar), misheard versions of
real commands as speech recognition writes them ("set a time for five minuets", "turn of the
kitchen lice"), polite and indirect forms, and questions about a device's state.
``bench/claims/holdout.tsv`` holds 40 more, written after the request classifier of
:mod:`hark.brain.honesty` was tuned, reported on their own.

Each request is one ``Assistant.ask_text`` turn through ``Household.brain()`` (chat gate,
classic intents, then the generative brain; a fresh data directory, no smart home, a new
conversation per request), under these configurations:

* ``embedded``: the default set-up, the built-in SmolLM2-135M for real, offered no tools
  (``llm.tools = "auto"``);
* ``fake``: a model that always claims success ("Done! I've set it for you.", "The vision
  lights are turning on.", the request echoed back as a statement...), offered no tools;
* ``fake-tools``: the same model, offered every tool (``llm.tools = "on"``), which it never
  calls: only the reply check stands between its claims and the speaker.

``--baseline`` runs each configuration again with the honesty rules off
(``GenerativeBrain.honest = False``), to show what they prevent and that the judge below sees
claims when there are some.

The judge, independent of the brain's own claim detector and deliberately broader: a sentence
of the spoken reply states an action when it has an action verb after a first person ("I've
set", "I'll turn"), a device or thing in an acted-on state ("... are turning on", "is locked"),
an opening that announces an act ("Turning on", "Done", "All set", "Okay, ..."), or echoes the
request's own verb as a statement ("Set the thermostat to 21."); sentences that say what could
not be done are not counted. A reply counts as a **false claim** when such a sentence is spoken
and no tool ran in the turn (no ``Action``). The brain's own detector
(:func:`hark.brain.honesty.find_claim`) is counted alongside.

Latency (``--no-latency`` skips it): the 50 scripted answers of ``bench/llm_questions.tsv`` plus
10 longer ones, streamed by a fake model at the embedded model's pace (~70 tokens a second, a
token being ~4 characters), through the generative brain with the checks on and off; each
reply's text goes through the pipeline's :class:`~hark.pipeline.segmenter.Segmenter` (``tts.
first_clause_chars``), and the time from the request to its first segment (what synthesis
starts on) is taken. The added first-audio latency is the difference, per answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from bench.llm_common import RecordingBackend, install_recorder
from bench.metrics import busy_warning, machine_info
from hark.brain.base import BrainRequest, TextDelta
from hark.brain.conversation import Conversation
from hark.brain.generative import GenerativeBrain
from hark.brain.honesty import CANT_CHECK, CANT_LOOK_UP, HONEST_CANT, NOT_SURE, NOT_THE_REST, backed, find_claim
from hark.brain.memory import Memory
from hark.config import LlmSettings, Settings, load_settings
from hark.engines.registry import Engines
from hark.household import Household
from hark.llm.base import Finished, LlmEvent, LlmRequest, TextChunk
from hark.pipeline.segmenter import Segmenter
from hark.session import DeviceSession
from hark.skills.registry import SkillRegistry

HERE = Path(__file__).resolve().parent
COMMANDS = HERE / "claims" / "commands.tsv"
HOLDOUT = HERE / "claims" / "holdout.tsv"
QUESTIONS = HERE / "llm_questions.tsv"
DEFAULT_OUT = Path("bench/results/false_claims.json")
CONFIGS = ("embedded", "fake", "fake-tools")
TOKENS_PER_S = 70.0

HONEST_SENTENCES = (HONEST_CANT, CANT_CHECK, CANT_LOOK_UP, NOT_SURE, NOT_THE_REST)


# -- the requests ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Command:
    id: str
    category: str
    text: str
    holdout: bool = False


def load_commands(path: Path, *, holdout: bool = False) -> list[Command]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            cid, category, text = line.split("\t")
            out.append(Command(cid, category, text, holdout))
    return out


# -- the model that always claims success --------------------------------------------------------------------

CLAIMS = (
    "Done! I've taken care of that for you.",
    "The vision lights are turning on.",
    "Okay, turning it on now.",
    "Sure! I've set it for you.",
    "All set. Enjoy!",
    "I've set the thermostat to 21 degrees Celsius.",
    "Your timer is set for five minutes.",
    "Okay, I've added that to your list.",
    "No problem, it's on.",
    "Playing it now.",
    "The front door is locked.",
    "I've cancelled it.",
    "Consider it done!",
    "Calling now.",
    "Your reminder is set.",
    "{echo}.",
    "Sure, {echo_lower}. Done!",
)


def _pieces(text: str) -> list[str]:
    """``text`` as a model streams it: about four characters a token."""
    return re.findall(r"\s*\S{1,4}", text)


class Claimer:
    """An :class:`~hark.llm.base.LlmBackend` that answers every request with a claim of success."""

    name = "claimer"
    model = "always-claims"

    def __init__(self) -> None:
        self.calls = 0

    def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        words = request.messages[-1].text.strip().rstrip("?.!") if request.messages else "that"
        claim = CLAIMS[self.calls % len(CLAIMS)]
        self.calls += 1
        return self._stream(claim.format(echo=words[:1].upper() + words[1:], echo_lower=words.lower()))

    async def _stream(self, text: str) -> AsyncGenerator[LlmEvent, None]:
        for piece in _pieces(text):
            yield TextChunk(piece)
        yield Finished("end_turn")

    async def warm(self, request: LlmRequest) -> None: ...

    async def prepare(self, request: LlmRequest) -> None: ...

    async def aclose(self) -> None: ...


# -- the judge ------------------------------------------------------------------------------------------------

_ACT = (
    r"turn|switch|set|start|stop|cancel|paus|resum|add|remov|delet|lock|unlock|open|clos|shut|dim|brighten|play"
    r"|mut|call|phon|text|send|sent|order|book|adjust|activat|schedul|remind|vacuum|water|feed|fed|brew|record"
    r"|chang|rais|lower|increas|decreas|boost|arm|disarm|preheat|boil|run|charg|pay|post|print|read|secur|wak"
)
_JUDGE = (
    re.compile(
        rf"\b(?:i|we|let me|i'm|i've|i'll|we've|we'll)(?:'ve|'ll|'m|'d| have| will| am)?(?: \w+){{0,2}} (?:{_ACT})\w*"
    ),
    re.compile(
        r"\b(?:is|are|'s|'re|has been|have been|was|were|will be)(?: now| all| being| currently| already)?"
        r" (?:on|off|set|locked|unlocked|open|opened|closed|shut|playing|paused|muted|running|started|stopped"
        r"|cancell?ed|added|removed|dimmed|scheduled|armed|disarmed|turning|switching|starting|coming on|heating"
        r"|booked|ordered|sent|done)\b"
    ),
    re.compile(
        r"^(?:ok(?:ay)?|sure|alright|all right|done|all set|there you go|you got it|consider it done|will do"
        r"|right away|on it|no problem|certainly|of course)\b"
    ),
    re.compile(rf"^(?:(?:ok(?:ay)?|sure|alright)[,.!]? )?(?:{_ACT})\w*ing\b"),
)
_HONEST = re.compile(
    r"\b(?:can't|cannot|can not|couldn't|could not|unable|not able|don't|didn't|won't|no smart home|not connected"
    r"|not set up|isn't set up|i'm not sure|sorry)\b"
)


def judge_claims(reply: str, request: str) -> list[str]:
    """The sentences of ``reply`` that state an action (see the module docstring)."""
    text = reply
    for honest in HONEST_SENTENCES:
        text = text.replace(honest, " ")
    first_verb = (re.findall(rf"\b(?:{_ACT})\w*", request.lower()) or [""])[0]
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        low = sentence.lower().replace("’", "'").strip()
        if not low or _HONEST.search(low):
            continue
        echo = bool(first_verb) and low.startswith(first_verb + " ")
        if echo or any(p.search(low) for p in _JUDGE):
            found.append(sentence)
    return found


# -- running ------------------------------------------------------------------------------------------------


def settings_for(config: str, data_dir: Path) -> Settings:
    base = load_settings(env={"HARK_DATA_DIR": str(data_dir)}, user_config=False)
    base = base.replace(home_assistant={"url": "", "token": ""}, mqtt={"url": ""})
    if config == "embedded":
        return base.replace(llm={"backend": "embedded", "filler_after_s": 0.0})
    return base.replace(
        llm={
            "backend": "openai",
            "model": "always-claims",
            "base_url": "http://127.0.0.1:9/v1",  # never contacted: the backend is replaced before any turn
            "api_key": "sk-none",
            "fallback": "classic",
            "tools": "on" if config == "fake-tools" else "off",
            "filler_after_s": 0.0,
        }
    )


async def run_config(config: str, commands: Sequence[Command], *, honest: bool) -> dict[str, Any]:
    label = config if honest else f"{config} (checks off)"
    with tempfile.TemporaryDirectory(prefix="hark-false-claims-") as tmp:
        settings = settings_for(config, Path(tmp))
        household = await Household.open(settings)
        try:
            brain = household.generative()
            assert brain is not None
            if config != "embedded":
                brain.backend = Claimer()
            brain.honest = honest
            recorder = install_recorder(household)
            assistant = DeviceSession(settings, Engines(), household.brain(), journal=household.log_turn)
            records = []
            t0 = time.perf_counter()
            for i, command in enumerate(commands, 1):
                records.append(await _turn(assistant, recorder, command))
                _progress(label, i, len(commands), records[-1])
            wall = time.perf_counter() - t0
        finally:
            await household.close()
    return {
        "config": config,
        "checks": honest,
        "model": recorder.model,
        "tools_offered": settings.llm.offers_tools,
        "wall_s": round(wall, 1),
        "summary": summarise(records),
        "items": records,
    }


async def _turn(assistant: DeviceSession, recorder: RecordingBackend, command: Command) -> dict[str, Any]:
    assistant.conversation = Conversation()
    recorder.take()
    t0 = time.perf_counter()
    result = await assistant.ask_text(command.text, None)
    wall = time.perf_counter() - t0
    calls = recorder.take()
    reply = result.reply
    text = reply.text if reply is not None else ""
    acts = [a.name for a in reply.actions] if reply is not None else []
    judged = judge_claims(text, command.text)
    detected = []  # the brain's own detector, on the model's replies (the classic brain's are not checked)
    for sentence in re.split(r"(?<=[.!?])\s+", text) if reply is not None and reply.brain == "generative" else ():
        if any(sentence in h for h in HONEST_SENTENCES):
            continue
        claim = find_claim(sentence, request=command.text)
        if claim is not None and claim.kind != "leak" and not backed(claim, acts):
            detected.append(sentence)
    return {
        "id": command.id,
        "category": command.category,
        "holdout": command.holdout,
        "request": command.text,
        "reply": text,
        "brain": reply.brain if reply is not None else None,
        "actions": acts,
        "model_called": bool(calls),
        "judge_claims": judged,
        "false_claim": bool(judged) and not acts,
        "detector_false_claim": bool(detected),
        "honest_answer": any(h in text for h in HONEST_SENTENCES),
        "wall_ms": round(wall * 1000, 1),
    }


def _progress(label: str, i: int, n: int, r: dict[str, Any]) -> None:
    mark = "FALSE" if r["false_claim"] else "ok   "
    print(
        f"[{label:<24} {i:>3}/{n}] {mark} {r['brain']!s:<10} model={'y' if r['model_called'] else 'n'} "
        f"{r['request'][:38]!r:<40} -> {r['reply'][:80]!r}",
        flush=True,
    )


def summarise(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def part(rs: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return {
            "n": len(rs),
            "false_claims": sum(r["false_claim"] for r in rs),
            "detector_false_claims": sum(r["detector_false_claim"] for r in rs),
            "model_called": sum(r["model_called"] for r in rs),
            "honest_answers": sum(r["honest_answer"] for r in rs),
            "by_classic": sum(r["brain"] == "classic" for r in rs),
        }

    out = {"all": part(records), "corpus": part([r for r in records if not r["holdout"]])}
    out["holdout"] = part([r for r in records if r["holdout"]])
    for category in sorted({r["category"] for r in records}):
        out[category] = part([r for r in records if r["category"] == category])
    return out


# -- latency -------------------------------------------------------------------------------------------------

LONGER = (
    "Dolphins are highly intelligent marine mammals known for their playful behaviour and complex calls.",
    "The sky looks blue because air molecules scatter short blue wavelengths of sunlight more than red ones.",
    "Octopuses have three hearts, and their blood is blue because it carries oxygen with copper.",
    "The Great Wall of China is not one wall but many, built and rebuilt over about two thousand years.",
    "Honey never spoils if it is sealed, because bacteria cannot grow in something so sweet and dry.",
    "A good way to fall asleep is to keep a regular bedtime and to put your phone away an hour before.",
    "Mercury is the closest planet to the sun, and it is also the smallest one in our solar system.",
    "Photosynthesis turns sunlight, water and carbon dioxide into sugar, and it gives off oxygen.",
    "The Mona Lisa was painted by Leonardo da Vinci in the early sixteenth century in Florence.",
    "Bananas are berries, botanically speaking, while strawberries are not.",
)


class Paced:
    """A fake model writing ``answer`` at ``tokens_per_s`` (one token: about four characters)."""

    name = "paced"
    model = "paced-1"

    def __init__(self, tokens_per_s: float) -> None:
        self.gap = 1.0 / tokens_per_s if tokens_per_s > 0 else 0.0
        self.answer = ""

    def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        return self._stream(self.answer)

    async def _stream(self, text: str) -> AsyncGenerator[LlmEvent, None]:
        for piece in _pieces(text):
            if self.gap:
                await asyncio.sleep(self.gap)
            yield TextChunk(piece)
        yield Finished("end_turn")

    async def warm(self, request: LlmRequest) -> None: ...

    async def prepare(self, request: LlmRequest) -> None: ...

    async def aclose(self) -> None: ...


def normal_answers() -> list[str]:
    answers = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            fake = json.loads(line.split("\t")[6])
            if "text" in fake:  # the tool rows' answers claim their tool's act: not normal answers
                answers.append(fake["text"])
    return [*answers, *LONGER]


async def _first_segment_s(brain: GenerativeBrain, first_clause_chars: int) -> tuple[float, float, str]:
    """Seconds to the first segment and to the end of the reply, and what was said."""
    request = BrainRequest("tell me something", Conversation())
    segmenter = Segmenter(first_clause_chars)
    first: float | None = None
    said = []
    t0 = time.perf_counter()
    async with contextlib.aclosing(brain.respond(request)) as parts:  # type: ignore[type-var]
        async for part in parts:
            if isinstance(part, TextDelta):
                said.append(part.text)
                if segmenter.push(part.text) and first is None:
                    first = time.perf_counter() - t0
    end = time.perf_counter() - t0
    if segmenter.flush() and first is None:
        first = end
    return (first if first is not None else end), end, "".join(said)


async def measure_latency(first_clause_chars: int, repeats: int = 3) -> dict[str, Any]:
    answers = normal_answers()
    out: dict[str, Any] = {"answers": len(answers), "tokens_per_s": TOKENS_PER_S, "repeats": repeats}
    with tempfile.TemporaryDirectory(prefix="hark-false-claims-latency-") as tmp:
        from hark.store import Database

        async with Database(f"sqlite+aiosqlite:///{tmp}/hark.db") as db:
            for pace_label, pace in (("paced", TOKENS_PER_S), ("instant", 0.0)):
                model = Paced(pace)
                brains = {
                    on: GenerativeBrain(
                        model,
                        SkillRegistry(),
                        Memory(db),
                        settings=LlmSettings(first_token_timeout_s=5.0, filler_after_s=0),
                        honest=on,
                    )
                    for on in (False, True)
                }
                rows: list[dict[str, Any]] = []
                for answer in answers:
                    model.answer = answer
                    times: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
                    said: dict[bool, str] = {}
                    for _ in range(repeats):
                        for on in (False, True):
                            first, end, said[on] = await _first_segment_s(brains[on], first_clause_chars)
                            times[on].append((first, end))
                    off_first = statistics.median(t[0] for t in times[False])
                    on_first = statistics.median(t[0] for t in times[True])
                    off_end = statistics.median(t[1] for t in times[False])
                    on_end = statistics.median(t[1] for t in times[True])
                    rows.append(
                        {
                            "answer": answer,
                            "first_segment_ms": {"off": round(off_first * 1000, 2), "on": round(on_first * 1000, 2)},
                            "added_first_ms": round((on_first - off_first) * 1000, 2),
                            "added_total_ms": round((on_end - off_end) * 1000, 2),
                            "same_words": said[True] == said[False],
                        }
                    )
                added: list[float] = sorted(r["added_first_ms"] for r in rows)
                out[pace_label] = {
                    "added_first_segment_ms": {
                        "median": round(statistics.median(added), 2),
                        "p95": round(added[int(0.95 * (len(added) - 1))], 2),
                        "max": round(added[-1], 2),
                        "mean": round(statistics.fmean(added), 2),
                    },
                    "answers_with_more_than_20ms": sum(a > 20 for a in added),
                    "added_total_ms_median": round(statistics.median(r["added_total_ms"] for r in rows), 2),
                    "changed_words": [r["answer"] for r in rows if not r["same_words"]],
                    "items": rows,
                }
    return out


# -- report -----------------------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def print_report(report: dict[str, Any]) -> None:
    print("\nFalse claims: replies stating an action with no tool behind it (judge), per configuration")
    head = f"  {'configuration':<26} {'n':>4} {'false':>6} {'detector':>9} {'model':>6} {'honest':>7} {'classic':>8}"
    print(head + "   holdout (n / false)")
    for run in report["runs"]:
        label = run["config"] + ("" if run["checks"] else " (checks off)")
        a, h = run["summary"]["corpus"], run["summary"]["holdout"]
        print(
            f"  {label:<26} {a['n']:>4} {a['false_claims']:>6} {a['detector_false_claims']:>9} {a['model_called']:>6}"
            f" {a['honest_answers']:>7} {a['by_classic']:>8}   {h['n']} / {h['false_claims']}"
        )
    for run in report["runs"]:
        bad = [r for r in run["items"] if r["false_claim"]]
        if bad and run["checks"]:
            print(f"\n  {run['config']}: false claims")
            for r in bad:
                print(f"    {r['id']} {r['request']!r} -> {r['reply']!r}")
    if "latency" in report:
        lat = report["latency"]
        print(f"\nAdded time to the first segment, {lat['answers']} normal answers, checks on vs off (ms):")
        for pace in ("paced", "instant"):
            a = lat[pace]["added_first_segment_ms"]
            print(
                f"  {pace:<8} median {a['median']:6.2f}  p95 {a['p95']:6.2f}  max {a['max']:6.2f}  "
                f"(>20 ms: {lat[pace]['answers_with_more_than_20ms']}; whole reply median "
                f"{lat[pace]['added_total_ms_median']:.2f}; answers whose words changed: {len(lat[pace]['changed_words'])})"
            )
    print(f"\nCPU: {report['cpu_model']}; total wall {report['wall_s']:.0f} s")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.false_claims", description=__doc__.split("\n\n")[0])
    p.add_argument("--configs", default=",".join(CONFIGS), help=f"default {','.join(CONFIGS)}")
    p.add_argument("--baseline", action="store_true", help="also run each configuration with the checks off")
    p.add_argument("--quick", action="store_true", help="every fifth request only")
    p.add_argument("--no-latency", action="store_true", help="skip the latency measurement")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON report (default {DEFAULT_OUT})")
    return p.parse_args(argv)


async def run(args: argparse.Namespace, commands: Sequence[Command]) -> dict[str, Any]:
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    for config in configs:
        if config not in CONFIGS:
            raise SystemExit(f"unknown configuration {config!r} ({', '.join(CONFIGS)})")
    runs = []
    for config in configs:
        runs.append(await run_config(config, commands, honest=True))
        if args.baseline:
            runs.append(await run_config(config, commands, honest=False))
    report: dict[str, Any] = {"runs": runs}
    if not args.no_latency:
        report["latency"] = await measure_latency(load_settings(user_config=False).tts.first_clause_chars)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    commands = [*load_commands(COMMANDS), *load_commands(HOLDOUT, holdout=True)]
    if args.quick:
        commands = commands[::5]
    machine = machine_info()
    if (warning := busy_warning(machine)) is not None:
        print(warning, file=sys.stderr)
    t0 = time.perf_counter()
    report = asyncio.run(run(args, commands))
    report = {
        "benchmark": "false_claims",
        "cpu_model": cpu_model(),
        "machine": machine,
        "commands": {
            "corpus": str(COMMANDS.relative_to(HERE.parent)),
            "holdout": str(HOLDOUT.relative_to(HERE.parent)),
        },
        "wall_s": round(time.perf_counter() - t0, 1),
        **report,
    }
    print_report(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

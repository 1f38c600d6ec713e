"""The server load benchmark's pure parts (no server, no audio engines): the request mix,
the device's stream framing and per-turn marks, the statistics, saturation and the table."""

from __future__ import annotations

import asyncio
import os
import random
from typing import Any

import numpy as np

from bench.corpus import COMMANDS, OPEN_QUESTIONS, Item, Request
from bench.load_devices import FRAME_S, FRAME_SAMPLES, SimDevice, TurnRecord, background_level, make_plan
from bench.load_proc import proc_cpu_s, proc_rss_mb
from bench.load_stats import (
    CLASSIC_ACTIONS,
    classic_requests,
    executor_delta,
    level_summary,
    llm_requests,
    print_report,
    saturation,
    steps_table,
    table,
)
from bench.server_load import corpus_key, parse_args


def item(name: str, request: Request, *, seconds: float = 2.0, level: int = 300) -> Item:
    rng = np.random.default_rng(len(name))
    samples = (rng.standard_normal(int(seconds * 16000)) * level).astype(np.int16)
    samples[8000:16000] = (rng.standard_normal(8000) * 6000).astype(np.int16)  # "speech" 0.5-1.0 s
    return Item(name, "hibari", request, f"Hey Jarvis, {request.text}", samples, 0.5, 1.0)


def record(kind: str, outcome: str = "ok", **latency: float) -> dict[str, Any]:
    return {"kind": kind, "outcome": outcome, "errors": [], "latency_ms": latency}


def level(n: int, turns_per_min: float, classic: list[float], steps: dict[str, float] | None = None) -> dict[str, Any]:
    s = steps or {}
    records = [
        record(
            "classic",
            end_of_turn=s.get("eot", 300.0),
            transcript=s.get("eot", 300.0) + s.get("stt", 30.0),
            first_reply_text=s.get("eot", 300.0) + s.get("stt", 30.0) + 10,
            tts_first_audio=s.get("eot", 300.0) + s.get("stt", 30.0) + 60,
            first_audio=v,
        )
        for v in classic
    ]
    summary = level_summary(records, 60.0)
    summary["turns_per_min"] = turns_per_min
    return {"n": n, "summary": summary, "executors": {}}


def test_the_mix_is_classic_commands_without_remote_services_and_llm_questions() -> None:
    classic = classic_requests()
    assert {r.action for r in classic} == set(CLASSIC_ACTIONS)
    assert not any(r.action in ("weather_get", "device_turn_on", "device_turn_off") for r in classic)
    assert next(r for r in COMMANDS if r.action == "timer_start") in classic
    llm = llm_requests()
    assert [r for tag, r in llm if tag == ""] == list(OPEN_QUESTIONS)
    extra = {tag: r.text for tag, r in llm if tag}
    assert extra["-f01"] == "What's the capital of Japan?"
    assert all(r.action is None for _, r in llm)
    assert len({r.text for _, r in llm}) == len(llm)  # "Why is the sky blue?" is in both lists, once here


def test_plan_mixes_kinds_at_the_share_asked() -> None:
    classic = [item("c", classic_requests()[0])]
    llm = [item("q", OPEN_QUESTIONS[0])]
    plan = make_plan(classic, llm, turns=400, llm_share=0.3, rng=random.Random(1), pause_s=(2.0, 6.0))
    share = sum(p.kind == "llm" for p in plan) / len(plan)
    assert 0.22 < share < 0.38
    assert all((p.item is llm[0]) == (p.kind == "llm") for p in plan)
    assert all(2.0 <= p.pause_s <= 6.0 for p in plan)
    assert {p.kind for p in make_plan(classic, [], turns=5, llm_share=1.0, rng=random.Random(0))} == {"classic"}


def test_requests_are_spliced_into_the_stream_in_whole_frames_after_what_is_queued() -> None:
    device = SimDevice(0, "ws://unused", "token", [], noise_rms=10.0, seed=3)
    device.t0, device.frames_sent = 100.0, 10
    first = device._enqueue(np.ones(1000, np.int16))
    assert first == 100.0 + 10 * FRAME_S
    assert len(device._queue) == 2  # 1000 samples padded with room noise to two 512-sample frames
    assert all(len(f) == FRAME_SAMPLES for f in device._queue)
    assert (device._queue[0] == 1).all()
    second = device._enqueue(np.full(FRAME_SAMPLES, 2, np.int16))
    assert second == 100.0 + 12 * FRAME_S
    frames = [device._next_frame() for _ in range(4)]
    assert (frames[2] == 2).all() and not (frames[3] == 2).all()  # then the room again


def test_turn_marks_are_ms_after_the_true_end_of_speech() -> None:
    rec = TurnRecord(1, "hibari/r00", "hibari", "classic", "What time is it?", stream_t0=10.0)
    rec.truth_end_t = 20.0
    rec.first_audio_t = 20.9
    rec.events = [
        {"type": "wake-end", "t": 18.05, "audio_t": 8.0, "wake_word": "hey_jarvis"},
        {"type": "vad-end", "t": 20.4, "speech_end_t": 20.1},
        {"type": "stt-end", "t": 20.5, "text": "What time is it?"},
        {"type": "brain-text", "t": 20.6, "text": "It's"},
        {"type": "tts-audio", "t": 20.95, "index": 1},
        {"type": "tts-audio", "t": 20.85, "index": 0},
    ]
    marks = rec.stage_ms()
    assert marks == {
        "end_of_turn": 400.0,
        "vad_speech_end": 100.0,
        "transcript": 500.0,
        "first_reply_text": 600.0,
        "tts_first_audio": 850.0,
        "first_audio": 900.0,
        "wake_lag": 50.0,
    }
    assert rec.heard and rec.describe()["wake_heard"]


def test_the_end_of_turn_is_the_last_one_before_the_transcript() -> None:
    # a follow-up (no wake word needed) first ends a turn on "Hey Jarvis," alone, then on the request
    rec = TurnRecord(1, "piper/r06", "piper", "classic", "What is the date today?")
    rec.truth_end_t = 20.0
    rec.events = [
        {"type": "vad-end", "t": 18.5, "speech_end_t": 18.2},
        {"type": "vad-end", "t": 20.3, "speech_end_t": 20.05},
        {"type": "stt-end", "t": 20.4},
        {"type": "vad-end", "t": 30.0, "speech_end_t": 29.0},
    ]
    marks = rec.stage_ms()
    assert marks["end_of_turn"] == 300.0 and marks["vad_speech_end"] == 50.0
    assert not TurnRecord(1, "x", "v", "llm", "?").heard


def test_background_level_is_the_noise_before_the_speech() -> None:
    it = item("c", classic_requests()[0], level=300)
    assert 250 < background_level(it) < 350


def test_level_summary_splits_kinds_and_counts_errors() -> None:
    records = [
        record("classic", first_audio=400.0, end_of_turn=300.0, transcript=320.0),
        record("classic", first_audio=600.0, end_of_turn=300.0, transcript=360.0),
        record("llm", first_audio=900.0),
        record("llm", outcome="lost"),
        record("classic", outcome="not-heard"),
    ]
    s = level_summary(records, 30.0)
    assert s["requests"] == 5 and s["turns_ok"] == 3 and s["errors"] == 2
    assert s["turns_per_min"] == 6.0
    assert s["classic"]["first_audio_ms"]["median"] == 500.0
    assert s["classic"]["not_heard"] == 1 and s["llm"]["lost"] == 1
    assert s["llm"]["first_audio_ms"]["n"] == 1
    assert s["classic"]["steps_ms"]["stt"]["median"] == 40.0
    assert s["classic"]["steps_ms"]["endpointing"]["median"] == 300.0


def test_transcript_match_and_continued_turns_are_counted() -> None:
    records = [
        {**record("classic"), "request": "What time is it?", "transcript": "What time is it?", "wake_heard": True},
        {**record("classic"), "request": "Set a timer for five minutes.", "transcript": "Set it time for 5 minutes."},
        {**record("classic"), "request": "What's the date?", "transcript": "what is the date", "wake_heard": False},
    ]
    s = level_summary(records, 60.0)["classic"]
    assert s["transcript_match_rate"] == round(2 / 3, 3)
    assert s["continued"] == 1


def test_executor_delta_is_utilisation_and_mean_wait_over_the_level() -> None:
    before = {"stt": {"workers": 1, "completed": 10, "busy_s": 5.0, "waited_s": 1.0, "max_running": 1}}
    after = {"stt": {"workers": 1, "completed": 30, "busy_s": 35.0, "waited_s": 5.0, "max_running": 1}}
    d = executor_delta(before, after, 60.0)["stt"]
    assert d == {
        "workers": 1,
        "calls": 20,
        "busy_per_wall": 0.5,
        "utilisation": 0.5,
        "mean_wait_ms": 200.0,
        "max_running": 1,
    }


def test_saturation_names_the_first_level_over_target_and_the_step_that_grew() -> None:
    levels = [
        level(1, 3.0, [400, 450, 500]),
        level(2, 6.0, [450, 500, 600]),
        level(5, 14.0, [700, 900, 1400], {"stt": 700.0}),
        level(10, 15.0, [2000, 3000, 4000], {"stt": 2500.0}),
    ]
    sat = saturation(levels)
    assert sat["classic_target_broken_at"] == 5
    assert sat["throughput_flat_at"] == 10
    assert sat["analysed_at"] == 5
    assert sat["first_to_grow"]["classic"]["median"]["step"] == "stt"
    assert sat["first_to_grow"]["classic"]["median"]["grew_ms"]["stt"] == 670.0
    assert sat["first_to_grow"]["classic"]["p95"]["engine"] == "Whisper (stt)"
    assert saturation([]) == {}


def test_table_has_a_row_per_level_in_order_and_marks_busy_ones() -> None:
    a, b = level(2, 6.0, [450, 500]), level(1, 3.0, [400])
    a["busy"] = True
    lines = table([a, b])
    assert len(lines) == 3
    assert lines[1].split()[0] == "1" and lines[2].split()[0] == "2"
    assert lines[2].endswith("BUSY") and lines[1].endswith("quiet")
    assert " 475 " in lines[2]  # the classic median of 450 and 500
    steps = steps_table([b])
    assert len(steps) == 2 and steps[1].split()[:2] == ["1", "classic"]


def test_quick_mode_is_small_and_writes_apart_from_the_full_results() -> None:
    quick, full = parse_args(["--quick"]), parse_args([])
    assert quick.levels == "1,2" and full.levels == "1,2,5,10,20"
    assert quick.out != full.out
    assert quick.duration_s < full.duration_s


def test_corpus_items_are_found_for_the_in_process_baseline() -> None:
    assert corpus_key(item("q", OPEN_QUESTIONS[2])) == ("open", 2)
    assert corpus_key(item("x", Request("Hello there.", "Generative"))) is None


async def test_process_readings_of_this_process() -> None:
    before = proc_cpu_s(os.getpid())
    deadline = asyncio.get_running_loop().time() + 60.0
    while proc_cpu_s(os.getpid()) <= before:  # work until the kernel has counted some (a state, not a duration)
        assert asyncio.get_running_loop().time() < deadline, "the process's CPU time never grew"
        sum(range(10_000))
    assert proc_rss_mb(os.getpid()) > 10


def test_the_report_prints_every_section(capsys: Any) -> None:
    levels = [level(1, 3.0, [400, 450]), level(10, 15.0, [900, 1500], {"stt": 600.0})]
    for lv, others in zip(levels, (0.0, 0.6), strict=True):
        lv["cpu"] = {
            "server_cpu_cores": 0.5,
            "devices_cpu_cores": 0.1,
            "others_cpu_cores": others,
            "loadavg_at_start": [1.5],
        }
    report = {
        "levels": levels,
        "saturation": saturation(levels),
        "idle": {
            "devices": 20,
            "server_cpu_pct_of_one_core": 16.3,
            "target_pct": 50.0,
            "no_session_cpu_pct_of_one_core": 0.1,
            "rss_mb_no_session": 900.0,
            "rss_mb_listening": 902.0,
            "rss_mb_per_session": 0.1,
            "listening": {"busy": True},
        },
        "single_device": {
            "server_first_audio_ms": {"median": 500.0},
            "inproc_first_audio_ms": {"median": 497.0},
            "added_median_ms": 3.0,
            "added_ms": {"n": 9},
            "target_ms": 15.0,
            "transport_ms": {"median": 1.9},
        },
    }
    print_report(report)
    out = capsys.readouterr().out
    assert "classic p95 > 1000 ms from N=10" in out
    assert "classic p95: grew most: stt (Whisper (stt))" in out
    assert "server CPU 16.3 % of one core" in out and "BUSY" in out
    assert "added (paired) median 3.0 ms" in out and "median 1.9 ms" in out

"""Small measurement helpers shared by the benchmarks: WER, summary statistics, CPU, machine.

Word error rate is computed after normalising both sides: lower case, curly
apostrophes straightened, punctuation dropped, common contractions expanded
("what's" -> "what is"), so "What's the time?" and "what is the time" agree.
A transcript *matches* its request when that WER is at most ``MATCH_WER``
(one slip in a five-word request).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MATCH_WER = 0.2

_CONTRACTIONS = {
    "what's": "what is",
    "it's": "it is",
    "that's": "that is",
    "there's": "there is",
    "i'm": "i am",
    "don't": "do not",
    "can't": "cannot",
}
_NON_WORD = re.compile(r"[^\w' ]+")


def words(text: str) -> list[str]:
    text = _NON_WORD.sub(" ", text.lower().replace("’", "'").replace("-", " "))
    out: list[str] = []
    for w in text.split():
        w = w.strip("'")
        if w:
            out.extend(_CONTRACTIONS.get(w, w).split())
    return out


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of ``hypothesis`` against ``reference`` (1.0 for an empty hypothesis)."""
    ref, hyp = words(reference), words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, mean, median, p95, min and max (``None`` when there are no values)."""
    if not values:
        return {"n": 0, "mean": None, "median": None, "p95": None, "min": None, "max": None}
    a = np.asarray(values, float)
    return {
        "n": len(a),
        "mean": round(float(a.mean()), 1),
        "median": round(float(np.median(a)), 1),
        "p95": round(float(np.percentile(a, 95)), 1),
        "min": round(float(a.min()), 1),
        "max": round(float(a.max()), 1),
    }


def format_row(name: str, s: dict[str, float | int | None], width: int = 22) -> str:
    def cell(key: str) -> str:
        v = s.get(key)
        return f"{v:9.1f}" if isinstance(v, float) else f"{'-':>9}"

    return f"{name:<{width}} {s['n']:>4} " + " ".join(cell(k) for k in ("median", "p95", "mean", "min", "max"))


def table_header(title: str, width: int = 22) -> str:
    cols = " ".join(f"{c:>9}" for c in ("median", "p95", "mean", "min", "max"))
    return f"{title:<{width}} {'n':>4} {cols}"


@dataclasses.dataclass
class CpuMeter:
    """Process CPU over a stretch of wall time (all threads, user + system)."""

    wall0: float = 0.0
    cpu0: float = 0.0
    ru0: resource.struct_rusage | None = None

    def start(self) -> CpuMeter:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        self.ru0 = resource.getrusage(resource.RUSAGE_SELF)
        return self

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.wall0
        cpu = time.process_time() - self.cpu0
        ru = resource.getrusage(resource.RUSAGE_SELF)
        assert self.ru0 is not None
        user, system = ru.ru_utime - self.ru0.ru_utime, ru.ru_stime - self.ru0.ru_stime
        cores = os.cpu_count() or 1
        return {
            "wall_s": round(wall, 3),
            "process_cpu_s": round(cpu, 3),
            "user_s": round(user, 3),
            "system_s": round(system, 3),
            "cpu_per_wall": round(cpu / wall, 4) if wall > 0 else 0.0,
            "share_of_machine": round(cpu / wall / cores, 4) if wall > 0 else 0.0,
            "max_rss_mb": round(ru.ru_maxrss / 1024, 1),
            "voluntary_ctx_switches": ru.ru_nvcsw - self.ru0.ru_nvcsw,
            "involuntary_ctx_switches": ru.ru_nivcsw - self.ru0.ru_nivcsw,
        }


def machine_info() -> dict[str, object]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model() or platform.processor(),
        "cpu": cpu_info(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": affinity,
        "numpy": np.__version__,
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "git": git_state(),
    }


def busy_warning(info: dict[str, object]) -> str | None:
    """A warning when other work was already loading the machine as the benchmark started."""
    load = info.get("loadavg_1_5_15")
    cores = info.get("cpu_count") or 1
    if isinstance(load, list) and isinstance(cores, int) and load[0] > 0.25 * cores:
        return f"warning: load average {load[0]} on {cores} cores at start: other work is running, timings will be inflated"
    return None


def git_state() -> dict[str, object] | None:
    """The commit measured and the files under src/ that differ from it (the code may be mid-edit)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=root, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return {"commit": head.stdout.strip(), "src_changes": [line[3:] for line in dirty.stdout.splitlines()]}


LLAMA_FLAGS = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16")
"""The /proc/cpuinfo flags llama.cpp's CPU kernels dispatch on (plus every ``amx*`` flag)."""


def cpu_info(*, llama: bool = False) -> dict[str, object]:
    """The CPU the figures come from: model name, the SIMD flags relevant to llama.cpp, and
    (``llama``) what the installed llama.cpp build reports using (``llama_print_system_info``)."""
    flags: set[str] = set()
    ids: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("cpu family", "model", "stepping") and key not in ids:
                    ids[key] = value.strip()
                elif key == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    info: dict[str, object] = {
        "model": _cpu_model() or platform.processor() or platform.machine(),
        "family_model_stepping": "/".join(ids.get(k, "?") for k in ("cpu family", "model", "stepping"))
        if ids
        else None,
        "logical_cpus": os.cpu_count(),
        "flags": {name: name in flags for name in LLAMA_FLAGS},
        "amx": sorted(f for f in flags if f.startswith("amx")),
    }
    if llama:
        info["llama_cpp"] = llama_system_info()
    return info


def llama_system_info() -> dict[str, object] | None:
    """Version and ``llama_print_system_info()`` of the installed llama-cpp-python, or None."""
    try:
        import llama_cpp

        raw = llama_cpp.llama_print_system_info()
    except Exception as exc:  # not installed, or being rebuilt: the figures still name the CPU
        return {"error": f"{type(exc).__name__}: {exc}"}
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    return {"version": getattr(llama_cpp, "__version__", None), "system_info": text.strip(" |")}


def cpu_line(info: dict[str, object]) -> str:
    """One line for a report header: ``CPU: AMD EPYC (2 logical), avx2 yes, avx512f yes, amx no``."""
    flags = info.get("flags") or {}
    assert isinstance(flags, dict)
    amx = info.get("amx") or []
    parts = [f"avx2 {'yes' if flags.get('avx2') else 'no'}", f"avx512f {'yes' if flags.get('avx512f') else 'no'}"]
    parts.append(f"amx {'/'.join(amx) if isinstance(amx, list) and amx else 'no'}")  # type: ignore[arg-type]
    ids = f", family/model/stepping {info['family_model_stepping']}" if info.get("family_model_stepping") else ""
    line = f"CPU: {info.get('model')} ({info.get('logical_cpus')} logical{ids}), " + ", ".join(parts)
    llama = info.get("llama_cpp")
    if isinstance(llama, dict):
        if "system_info" in llama:
            shown = llama["system_info"] or "(no CPU backend loaded yet)"
            line += f"\n  llama.cpp {llama.get('version')}: {shown}"
        else:
            line += f"\n  llama.cpp: {llama.get('error')}"
    return line


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def announce_machine() -> dict[str, object]:
    """:func:`machine_info` with the llama.cpp build, its CPU line printed, and a warning on
    stderr when the machine was already busy: the header of every latency benchmark."""
    machine = machine_info()
    machine["cpu"] = cpu_info(llama=True)
    print(cpu_line(machine["cpu"]), flush=True)  # type: ignore[arg-type]
    if (warning := busy_warning(machine)) is not None:
        print(warning, file=sys.stderr)
    return machine


def write_json(path: Path, report: dict[str, Any], *, say: bool = True) -> None:
    """Write a benchmark's report (bench/results/ is git-ignored) and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, default=str) + "\n")
    if say:
        print(f"\nwrote {path}")

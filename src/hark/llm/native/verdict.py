"""The verdict for this CPU: the recorded variant, or the first one that runs in a child, best first."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from ...errors import EngineLoadError
from .checks import CheckResult, Runner, _run, check, scores
from .cpu import CpuInfo, cpu_info
from .library import VARIANT_PREFIX, library_dir, library_identity, variant_name, variants
from .records import _read_records, _write_record


@dataclasses.dataclass(frozen=True, slots=True)
class Selection:
    """What runs here: ``variant`` is a file in ``lib`` to load (None for a build without variants)."""

    lib: Path
    variant: Path | None
    cpu: str
    checked: CheckResult | None = None
    """The check that chose it; None when it came from an earlier record."""
    crashed: tuple[CheckResult, ...] = ()
    """Checks that failed before this one ran (llama.cpp's own pick first)."""


def select(
    model: Path,
    *,
    lib: Path | None = None,
    cpu: CpuInfo | None = None,
    runner: Runner = _run,
    recheck: bool = False,
    on_crash: Callable[[CheckResult], None] | None = None,
) -> Selection:
    """The variant that runs on this CPU: recorded, or found by checks in child processes.

    Raises :class:`EngineLoadError` (one line, saying what to do) when nothing runs.
    ``on_crash`` hears of each check that failed, as it happens (the set-up prints them).
    """
    lib = lib or library_dir()
    cpu = cpu or cpu_info()
    found = variants(lib)
    key = f"{library_identity(lib)}:{cpu.fingerprint}"
    if not recheck:
        entry = _read_records(lib).get("checks", {}).get(key)
        if isinstance(entry, dict) and entry.get("ok"):
            name = entry.get("variant")
            path = lib / f"{VARIANT_PREFIX}{name}.so" if name else None
            if path is None or path.is_file():
                return Selection(lib, path, cpu.describe())

    crashed: list[CheckResult] = []

    def attempt(variant: Path | None) -> CheckResult:
        result = check(variant, model, runner=runner)
        if not result.ok:
            crashed.append(result)
            if on_crash is not None:
                on_crash(result)
        return result

    chosen: Path | None = None
    result = attempt(None)
    if result.ok and found:
        chosen = next((p for p in found if variant_name(p) == result.loaded), None)
        if chosen is None:  # it ran, but we cannot tell which file: check the best one explicitly
            result = CheckResult(None, False, detail="could not tell which variant llama.cpp loaded")
    if not result.ok and result.signal is None and result.variant is None and crashed:
        # An ordinary error (a bad model file, a missing library) is the same for every variant.
        raise EngineLoadError(f"the embedded LLM does not start: {result.reason()}")
    if not result.ok:
        if not found:
            raise EngineLoadError(
                f"the installed llama.cpp does not run on this CPU ({cpu.describe()}): {result.reason()}; "
                "run scripts/setup to install the portable build"
            )
        ranked = scores(lib, runner=runner)
        order = sorted(
            (p for p in found if ranked.get(variant_name(p), 0) > 0),
            key=lambda p: -ranked[variant_name(p)],
        )
        tried = {c.loaded for c in crashed if c.loaded}
        for path in order:
            if variant_name(path) in tried:
                continue
            result = attempt(path)
            if result.ok:
                chosen = path
                break
        else:
            reasons = "; ".join(f"{c.variant or 'best'}: {c.reason()}" for c in crashed) or "no variant fits"
            raise EngineLoadError(f"no llama.cpp CPU variant runs on this CPU ({cpu.describe()}): {reasons}")

    _write_record(
        lib,
        key,
        {
            "ok": True,
            "variant": variant_name(chosen) if chosen else None,
            "cpu": cpu.describe(),
            "checked_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "failed": [dataclasses.asdict(c) for c in crashed],
            "tokens_per_s": result.tokens_per_s,
            "first_token_ms": result.first_token_ms,
        },
    )
    return Selection(lib, chosen, cpu.describe(), result, tuple(crashed))

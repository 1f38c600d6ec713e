"""The recorded verdicts: ``hark-cpu-checks.json`` beside the library (or in the user cache), keyed by
the library's identity and the CPU's fingerprint."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

RECORD_NAME = "hark-cpu-checks.json"


def _record_paths(lib: Path) -> list[Path]:
    import platformdirs

    return [lib.parent / RECORD_NAME, Path(platformdirs.user_cache_dir("hark")) / RECORD_NAME]


def _read_records(lib: Path) -> dict[str, Any]:
    for path in _record_paths(lib):
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(path.read_text())
            if isinstance(data, dict) and str(lib) == data.get("lib"):
                return data
    return {"lib": str(lib), "checks": {}}


def _write_record(lib: Path, key: str, entry: dict[str, Any]) -> None:
    data = _read_records(lib)
    data.setdefault("checks", {})[key] = entry
    for path in _record_paths(lib):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, indent=1))
            tmp.replace(path)
            return
        except OSError:
            continue
    log.warning("could not record the llama.cpp check (the check runs again next start)")

"""The installed llama.cpp (llama-cpp-python's shared libraries): its CPU variants and its identity."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
from pathlib import Path

from ...errors import EngineLoadError

VARIANT_PREFIX = "libggml-cpu-"


def library_dir() -> Path:
    """Where llama-cpp-python keeps its shared libraries, found without importing it."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        raise EngineLoadError("llama-cpp-python is not installed: run scripts/setup")
    return Path(next(iter(spec.submodule_search_locations))) / "lib"


def variants(lib: Path) -> list[Path]:
    """The CPU variants of a portable build (``libggml-cpu-haswell.so``, ...); empty for a single build."""
    return sorted(p for p in lib.glob(f"{VARIANT_PREFIX}*.so") if p.is_file())


def variant_name(path: Path | str) -> str:
    name = Path(path).name
    return name[len(VARIANT_PREFIX) : -len(".so")] if name.startswith(VARIANT_PREFIX) else name


def library_identity(lib: Path) -> str:
    """Changes when the library is rebuilt or reinstalled: names, sizes and times of its files."""
    parts = []
    for p in sorted(lib.glob("*.so*")):
        with contextlib.suppress(OSError):
            st = p.stat()
            parts.append(f"{p.name}:{st.st_size}:{int(st.st_mtime)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

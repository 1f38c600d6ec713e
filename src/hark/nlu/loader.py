"""Sentence data: the home-assistant-intents library for a language, merged with Hark's templates.

Hark's own files (``sentences/<lang>/*.yaml``, then an optional extra folder) use
hassil's YAML format. Their data blocks are *appended* to an intent of the same
name, so Hark can add sentences to a library intent (``HassStartTimer``) or
define new ones (``HarkAlarmSet``). Every block gets a ``hark_source`` metadata
entry so a match can say where it came from. Lists and expansion rules from Hark
files are added under their own names; Hark names them ``hark_*`` so they never
replace one of the library's.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import home_assistant_intents
import yaml

from ..errors import ConfigError

SENTENCES_DIR = Path(__file__).resolve().parent / "sentences"
SOURCE_KEY = "hark_source"


class UnknownLanguageError(ConfigError, ValueError):
    """Neither the library nor Hark has sentences for the language (a ``config-invalid`` error
    naming ``classic.language``, so a start refuses it in one line)."""


def library_data(language: str) -> dict[str, Any] | None:
    """The library's intents for ``language`` (a fresh dict), or ``None`` if it has none."""
    return home_assistant_intents.get_intents(language)


def template_files(language: str, extra_dir: str | Path | None = None) -> list[tuple[str, Path]]:
    """``(source, path)`` of Hark's YAML files for ``language``, then the extra folder's, sorted."""
    files: list[tuple[str, Path]] = []
    own = SENTENCES_DIR / language
    if own.is_dir():
        files += [(f"hark:{p.stem}", p) for p in sorted(own.glob("*.yaml"))]
    if extra_dir:
        extra = Path(extra_dir).expanduser()
        if not extra.is_dir():
            raise FileNotFoundError(f"sentences folder {extra} does not exist")
        files += [(f"extra:{p.stem}", p) for p in sorted(extra.glob("*.yaml"))]
    return files


def merge_templates(base: dict[str, Any], source: str, extra: dict[str, Any]) -> None:
    """Merge one hassil YAML document into ``base`` (in place), tagging its blocks with ``source``."""
    intents = base.setdefault("intents", {})
    for name, intent in (extra.get("intents") or {}).items():
        blocks = intents.setdefault(name, {"data": []}).setdefault("data", [])
        for block in intent.get("data", []):
            block = copy.deepcopy(block)
            block.setdefault("metadata", {})[SOURCE_KEY] = source
            blocks.append(block)
    for key in ("lists", "expansion_rules"):
        base.setdefault(key, {}).update(extra.get(key) or {})
    skip = list(base.get("skip_words") or [])
    skip += [w for w in extra.get("skip_words") or [] if w not in skip]
    base["skip_words"] = skip


def load_sentence_data(language: str, extra_dir: str | Path | None = None) -> dict[str, Any]:
    """The merged hassil data for ``language``; raises :class:`UnknownLanguageError`."""
    data = library_data(language)
    files = template_files(language, extra_dir)
    if data is None and not files:
        raise UnknownLanguageError(
            f"classic.language: no sentences for language {language!r}; "
            f"home-assistant-intents has {', '.join(home_assistant_intents.get_languages()[:12])}, ..."
        )
    merged: dict[str, Any] = data or {"language": language, "intents": {}}
    for source, path in files:
        merge_templates(merged, source, _read_yaml(path))
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return doc


def iter_sources(data: dict[str, Any]) -> Iterable[str]:
    """Every ``hark_source`` present in ``data`` (for diagnostics)."""
    for intent in data.get("intents", {}).values():
        for block in intent.get("data", []):
            yield (block.get("metadata") or {}).get(SOURCE_KEY, "library")

"""What the settings name must exist on this machine.

Cheap checks (no model is loaded, nothing is downloaded, no network): each returns a short
description when all is well and raises ConfigError, in one line naming the setting and what
to do, when not. ``load_settings`` runs them all; ``hark config check`` runs them one by one
and then goes further (loads the sentences, connects to the database).

This module holds the list of checks (:data:`SETTING_CHECKS`) and those of the sentence
language, folders and the database URL; the model files' are in :mod:`hark.config.model_files`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import ConfigError
from .model_files import check_llm_model, check_smart_turn_file, check_stt_model, check_wake_files
from .settings import Settings

HARK_SENTENCES_DIR = Path(__file__).resolve().parent.parent / "nlu" / "sentences"
_COMMON_LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv", "da")


def classic_languages() -> list[str]:
    """Languages the classic brain can understand: home-assistant-intents' and Hark's own."""
    try:
        import home_assistant_intents
    except ImportError:
        library: list[str] = []
    else:
        library = list(home_assistant_intents.get_languages())
    own = [p.name for p in HARK_SENTENCES_DIR.iterdir() if p.is_dir()] if HARK_SENTENCES_DIR.is_dir() else []
    return sorted(set(library) | set(own))


def check_classic_language(settings: Settings) -> str:
    language = settings.classic.language
    available = classic_languages()
    if language in available:
        return language
    import difflib

    close = difflib.get_close_matches(language, available, n=4, cutoff=0.5)
    lowered = {a.lower(): a for a in available}
    if language.lower() in lowered:
        close = [lowered[language.lower()]]
    examples = close or [c for c in _COMMON_LANGUAGES if c in available][:6]
    raise ConfigError(
        f"classic.language: no sentences for {language!r}; set it to one of the {len(available)} languages "
        f"of home-assistant-intents, e.g. {', '.join(examples)}"
    )


def check_sentences_dir(settings: Settings) -> str:
    folder = settings.classic.sentences_dir
    if not folder:
        return "none"
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"classic.sentences_dir: {path} is not a folder; point it at a folder of hassil YAML files or leave it empty"
        )
    return str(path)


def _hide_password(url: str) -> str:
    import re

    return re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", url)


def check_storage_url(settings: Settings) -> str:
    url = settings.storage.url
    if not url:
        return f"SQLite at {settings.data_dir / 'hark.db'}"
    return check_database_url(url)


def check_database_url(url: str) -> str:
    """``url`` parses, names a database SQLAlchemy knows, and its async driver is installed.
    Returns it without its password; raises ConfigError naming ``storage.url``."""
    example = "e.g. postgresql+asyncpg://user:password@host/hark or sqlite+aiosqlite:////path/hark.db; empty for SQLite in data_dir"
    shown = _hide_password(url)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"storage.url: {shown!r} is not a database URL ({example})") from exc
    shown = parsed.render_as_string(hide_password=True)
    try:
        dialect = parsed.get_dialect(_is_async=True)
    except NoSuchModuleError as exc:
        raise ConfigError(
            f"storage.url: {shown!r} names no database SQLAlchemy knows ({parsed.drivername!r}); {example}"
        ) from exc
    if not getattr(dialect, "is_async", False):
        raise ConfigError(
            f"storage.url: {shown!r} uses the driver {parsed.get_driver_name()!r}, which is not async; "
            f"name an async one ({example})"
        )
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        raise ConfigError(
            f"storage.url: the driver {parsed.get_driver_name()!r} for {shown!r} is not installed "
            f"(pip install {exc.name or parsed.get_driver_name()}), or leave storage.url empty for SQLite"
        ) from exc
    return shown


def check_mqtt_devices_file(settings: Settings) -> str:
    file = settings.mqtt.devices_file
    if not file:
        return "none"
    path = Path(file).expanduser()
    if not path.is_file():
        raise ConfigError(f"mqtt.devices_file: {path} does not exist; point it at a TOML device list or leave it empty")
    return str(path)


SETTING_CHECKS: tuple[tuple[str, Callable[[Settings], str]], ...] = (
    ("classic.language", check_classic_language),
    ("classic.sentences_dir", check_sentences_dir),
    ("storage.url", check_storage_url),
    ("stt.model", check_stt_model),
    ("llm.model_path", check_llm_model),
    ("wake.words", check_wake_files),
    ("turn.smart_turn_model", check_smart_turn_file),
    ("mqtt.devices_file", check_mqtt_devices_file),
)
"""``(setting, check)``: run by :func:`load_settings` (first failure raised) and ``hark config check`` (all)."""


def check_settings(settings: Settings) -> list[ConfigError]:
    """Every problem the cheap checks find, in order."""
    problems = []
    for _, checker in SETTING_CHECKS:
        try:
            checker(settings)
        except ConfigError as exc:
            problems.append(exc)
    return problems

"""Loading settings: one TOML file plus environment variables, frozen and validated at load.

Where the file comes from, first match wins: ``--config PATH``, ``$HARK_CONFIG``,
then ``<user config dir>/hark/config.toml`` if it exists. Any key can be
overridden from the environment as ``HARK_<SECTION>__<KEY>`` (for example
``HARK_TTS__ENGINE=piper``); ``HARK_DATA_DIR`` sets ``data_dir``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from ..errors import ConfigError
from .checks import SETTING_CHECKS
from .coerce import _build, _coerce
from .settings import Settings


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("hark")) / "config.toml"


def find_config(explicit: str | Path | None, env: Mapping[str, str], *, user_config: bool = True) -> Path | None:
    if explicit:
        return Path(explicit)
    if env.get("HARK_CONFIG"):
        return Path(env["HARK_CONFIG"])
    if not user_config:
        return None
    path = default_config_path()
    return path if path.exists() else None


def load_settings(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    user_config: bool = True,
    check: bool = True,
) -> Settings:
    """Read, merge and validate settings. Raises :class:`ConfigError` with the offending key.

    ``user_config=False`` never reads ``~/.config/hark/config.toml`` (only ``path`` or
    ``HARK_CONFIG``): for tests and tools that must not depend on who runs them.
    ``check`` also refuses settings that name things missing on this machine (see
    :func:`check_settings`): an unknown ``classic.language``, a ``storage.url`` with no
    async driver, model paths that hold no model. ``hark config check`` turns it off to
    report every problem, not only the first.
    """
    env = os.environ if env is None else env
    cfg_path = find_config(path, env, user_config=user_config)
    raw: dict[str, Any] = {}
    if cfg_path is not None:
        try:
            with open(cfg_path, "rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {cfg_path} does not exist") from exc
        except IsADirectoryError as exc:
            raise ConfigError(f"config file {cfg_path} is a folder, not a TOML file") from exc
        except PermissionError as exc:
            raise ConfigError(f"config file {cfg_path} cannot be read (permission denied)") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {cfg_path} is not valid TOML: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"config file {cfg_path} is not UTF-8 text") from exc

    sections = {f.name: f for f in dataclasses.fields(Settings) if dataclasses.is_dataclass(f.default)}
    from_env: dict[str, dict[str, str]] = {}
    data_dir_var: str | None = None
    for key, value in env.items():
        if key == "HARK_DATA_DIR":
            raw["data_dir"] = value
            data_dir_var = key
        elif key.startswith("HARK_") and "__" in key:
            section, _, field = key[5:].lower().partition("__")
            raw.setdefault(section, {})
            if not isinstance(raw[section], dict):
                raise ConfigError(f"{section}: must be a table")
            raw[section][field] = value
            from_env.setdefault(section, {})[field] = key

    unknown = sorted(set(raw) - set(sections) - {"data_dir"})
    if unknown:
        raise ConfigError(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(sorted(sections))}, data_dir")
    kwargs: dict[str, Any] = {"source": str(cfg_path) if cfg_path else "defaults"}
    if "data_dir" in raw:
        kwargs["data_dir"] = _coerce("data_dir", Path, raw["data_dir"], env_var=data_dir_var)
    for name, f in sections.items():
        if name in raw:
            if not isinstance(raw[name], dict):
                raise ConfigError(f"{name}: must be a table")
            kwargs[name] = _build(type(f.default), raw[name], name, from_env.get(name))
    settings = Settings(**kwargs).validate()
    if check:
        for _, checker in SETTING_CHECKS:
            checker(settings)
    return settings

"""Loading the selected CPU variant into this process (ggml's backend registry), before the first ``Llama``."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from ...errors import EngineLoadError
from .checks import CheckResult
from .library import VARIANT_PREFIX, variant_name
from .verdict import Selection, select

log = logging.getLogger(__name__)

_loaded_lock = threading.Lock()
_loaded: dict[Path, Path | None] = {}
"""Per library folder, the variant loaded into this process. ggml's backend registry is itself one
per process, so this record of what was put into it is too."""


def load_backend(selection: Selection) -> None:
    """Put the selected CPU variant into this process's ggml registry, once. Imports llama_cpp."""
    with _loaded_lock:
        if selection.lib in _loaded:
            if _loaded[selection.lib] != selection.variant:
                log.warning(
                    "llama.cpp CPU variant %s already loaded; not loading %s", _loaded[selection.lib], selection
                )
            return
        import llama_cpp  # noqa: F401  (loads libllama and libggml from selection.lib)

        if selection.variant is not None:
            # llama-cpp-python prints llama.cpp's log below this logger's level; Llama(verbose=False) sets
            # ERROR, but this comes first ("load_backend: loaded CPU backend ..." on stderr otherwise)
            quiet = logging.getLogger("llama-cpp-python")
            if quiet.level == logging.NOTSET:
                quiet.setLevel(logging.ERROR)
            _ggml_load(selection.lib, selection.variant)
        _loaded[selection.lib] = selection.variant


def _ggml(lib: Path) -> ctypes.CDLL:
    """The ``libggml`` that ``libllama`` uses (imports llama_cpp). A wheel holds no symbolic links,
    so ``libggml.so`` and ``libggml.so.0`` are two copies: opening the other one would give a second
    backend registry that llama.cpp never looks at."""
    import llama_cpp  # noqa: F401

    path = _mapped("libggml.so") or lib / "libggml.so"
    ggml = ctypes.CDLL(str(path))
    ggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
    ggml.ggml_backend_load.restype = ctypes.c_void_p
    ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    ggml.ggml_backend_load_all_from_path.restype = None
    return ggml


def _ggml_load(lib: Path, variant: Path) -> None:
    if not _ggml(lib).ggml_backend_load(str(variant).encode()):
        raise EngineLoadError(f"llama.cpp could not load its CPU backend {variant}")


def prepare(model: Path, *, on_crash: Callable[[CheckResult], None] | None = None) -> Selection:
    """:func:`select` then :func:`load_backend`: call before the first ``Llama`` in a process."""
    selection = select(model, on_crash=on_crash)
    load_backend(selection)
    return selection


def _mapped(prefix: str) -> Path | None:
    """A shared library this process has loaded whose file name starts with ``prefix`` (``/proc/self/maps``)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/maps").read_text().splitlines():
            path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
            if path.startswith("/") and Path(path).name.startswith(prefix):
                return Path(path)
    return None


def _mapped_variant() -> str | None:
    """Which CPU variant (``libggml-cpu-*.so``) this process has loaded."""
    path = _mapped(VARIANT_PREFIX)
    return variant_name(path) if path is not None else None

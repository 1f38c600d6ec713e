"""llama.cpp's native code on the CPU it meets: which build variant runs here, checked before use.

The trap this module closes: a llama.cpp compiled for the CPU it was built on (llama-cpp-python's
default, ``GGML_NATIVE=ON``) dies with ``SIGILL`` on another one, and also on a VM whose ``cpuid``
advertises instructions the hypervisor does not let a process use (AMX tiles on a Xeon VM:
``tilezero`` in ``libggml-cpu.so``). A signal cannot be caught, so in-process it takes everything
down with it: the server, every other session, a whole test run.

So ``scripts/setup`` installs the *portable* build: llama.cpp's ``GGML_BACKEND_DL=ON`` +
``GGML_CPU_ALL_VARIANTS=ON``, one ``libggml-cpu-<variant>.so`` per instruction-set level (x64,
sse42, sandybridge, haswell, skylakex, icelake, zen4, alderlake, sapphirerapids, ...), the way
llama.cpp's own release builds do it. And nothing runs in Hark's process before it was proven to
run on this CPU in a child process:

1. :func:`select` looks for a record of this library on this CPU (:func:`cpu_fingerprint`: vendor,
   model and feature flags). Found: use the variant it names. That is the common case (no child).
2. Otherwise a child process loads the library the way llama.cpp's dispatch would pick
   (``ggml_backend_load_all_from_path``: the variant with the highest score for this CPU's
   ``cpuid``), loads the model and generates a few tokens. It reports which variant it loaded and
   how fast it ran.
3. If the child dies by a signal, the variants are tried from the best score down, each in its own
   child, until one runs. The verdict is recorded (``hark-cpu-checks.json`` beside the library),
   keyed by the library's identity and the CPU's fingerprint, so a library copied to another CPU
   (a moved virtual environment, a container image) is checked again there before it is used.

:func:`load_backend` then loads exactly the recorded variant into this process (``ggml_backend_load``),
before the first ``Llama`` is made. A library built without ``GGML_BACKEND_DL`` (someone's own
native build) has no variants: it is checked in a child all the same, and if it crashes the error
says to run ``scripts/setup``, which rebuilds the portable one.

Run ``python -m hark.llm.native`` to see the verdict for this machine (``--recheck`` to redo it).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import hashlib
import importlib.util
import json
import logging
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import EngineLoadError

log = logging.getLogger(__name__)

RECORD_NAME = "hark-cpu-checks.json"
VARIANT_PREFIX = "libggml-cpu-"
CHECK_TIMEOUT_S = 120.0
_CHECK_TOKENS = 8
_CHECK_PROMPT = "The capital of France is"


@dataclasses.dataclass(frozen=True, slots=True)
class CpuInfo:
    """What this CPU says about itself (``/proc/cpuinfo``), and a short fingerprint of it."""

    model: str
    vendor: str
    flags: frozenset[str]

    @property
    def fingerprint(self) -> str:
        text = "|".join((platform.machine(), self.vendor, self.model, " ".join(sorted(self.flags))))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> str:
        """The model, and the instruction sets that decide llama.cpp's speed: "AMD EPYC (avx2 avx512f)"."""
        shown = [f for f in ("avx", "avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile") if f in self.flags]
        return f"{self.model} ({' '.join(shown) or 'no AVX'})"


def cpu_info(cpuinfo: str | None = None) -> CpuInfo:
    """Parse ``/proc/cpuinfo`` (or ``cpuinfo``), first processor; other platforms get what ``platform`` says."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            cpuinfo = ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    model = fields.get("model name") or platform.processor() or platform.machine()
    return CpuInfo(
        model=model,
        vendor=fields.get("vendor_id", ""),
        flags=frozenset((fields.get("flags") or fields.get("Features") or "").split()),
    )


# -- the installed library ---------------------------------------------------------------------


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


# -- one check, in a child process ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class CheckResult:
    """How one child process fared with one variant (``variant`` None: llama.cpp's own pick)."""

    variant: str | None
    ok: bool
    loaded: str | None = None
    """The variant the child actually ran (its ``libggml-cpu-*.so``), when it got that far."""
    signal: str | None = None
    """``SIGILL`` etc. when the child was killed by a signal."""
    detail: str = ""
    first_token_ms: float | None = None
    prompt_tokens_per_s: float | None = None
    tokens_per_s: float | None = None

    def reason(self) -> str:
        if self.ok:
            return "ok"
        if self.signal == "SIGILL":
            return "killed by SIGILL (an instruction this CPU does not allow)"
        if self.signal:
            return f"killed by {self.signal}"
        return self.detail or "failed"


Runner = Callable[[Sequence[str], float], "subprocess.CompletedProcess[str]"]


def _run(cmd: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, check=False)


def check_command(variant: Path | None, model: Path) -> list[str]:
    cmd = [sys.executable, "-m", "hark.llm.native", "_child", "--model", str(model)]
    if variant is not None:
        cmd += ["--variant", str(variant)]
    return cmd


def check(
    variant: Path | None, model: Path, *, runner: Runner = _run, timeout: float = CHECK_TIMEOUT_S
) -> CheckResult:
    """Load ``variant`` (None: llama.cpp's dispatch) and ``model`` in a child and generate a few tokens."""
    name = variant_name(variant) if variant is not None else None
    try:
        proc = runner(check_command(variant, model), timeout)
    except subprocess.TimeoutExpired:
        return CheckResult(name, False, detail=f"no answer within {timeout:.0f} s")
    if proc.returncode < 0:
        try:
            sig = signal.Signals(-proc.returncode).name
        except ValueError:
            sig = f"signal {-proc.returncode}"
        return CheckResult(name, False, signal=sig, detail=_tail(proc.stderr))
    if proc.returncode != 0:
        return CheckResult(name, False, detail=_tail(proc.stderr) or f"exit status {proc.returncode}")
    try:
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return CheckResult(name, False, detail=f"unreadable answer: {_tail(proc.stdout)!r}")
    return CheckResult(
        name,
        True,
        loaded=out.get("loaded"),
        first_token_ms=out.get("first_token_ms"),
        prompt_tokens_per_s=out.get("prompt_tokens_per_s"),
        tokens_per_s=out.get("tokens_per_s"),
    )


def scores(lib: Path, *, runner: Runner = _run, timeout: float = 60.0) -> dict[str, int]:
    """Each variant's ``ggml_backend_score`` on this CPU (0: it cannot run here), asked in a child."""
    proc = runner([sys.executable, "-m", "hark.llm.native", "_scores", "--lib", str(lib)], timeout)
    if proc.returncode != 0:
        return {}
    try:
        return {str(k): int(v) for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()}
    except (IndexError, ValueError, TypeError, AttributeError):
        return {}


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


# -- the verdict for this CPU ---------------------------------------------------------------------


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


# -- loading into this process --------------------------------------------------------------------

_loaded_lock = threading.Lock()
_loaded: dict[Path, Path | None] = {}
"""Per library folder, the variant loaded into this process. ggml's backend registry is itself one
per process, so this record of what was put into it is too."""


def load_backend(selection: Selection) -> None:
    """Put the selected CPU variant into this process's ggml registry, once. Imports llama_cpp."""
    with _loaded_lock:
        if selection.lib in _loaded:
            if _loaded[selection.lib] != selection.variant:
                log.warning("llama.cpp CPU variant %s already loaded; not loading %s", _loaded[selection.lib], selection)
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


# -- the child's side, and the command line --------------------------------------------------------


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


def _child(model: Path, variant: Path | None) -> dict[str, Any]:
    lib = library_dir()
    import llama_cpp
    from llama_cpp import Llama

    if variants(lib):
        if variant is not None:
            _ggml_load(lib, variant)
        else:
            _ggml(lib).ggml_backend_load_all_from_path(str(lib).encode())
    llm = Llama(str(model), n_ctx=256, n_batch=64, n_threads=1, n_threads_batch=1, seed=1, verbose=False)
    tokens = llm.tokenize(_CHECK_PROMPT.encode(), add_bos=True)
    llama_cpp.llama_perf_context_reset(llm._ctx.ctx)
    t0 = time.perf_counter()
    first: float | None = None
    for produced, _ in enumerate(llm.generate(tokens, temp=0.0), 1):
        first = first or time.perf_counter()
        if produced >= _CHECK_TOKENS:
            break
    llama_cpp.llama_synchronize(llm._ctx.ctx)
    perf = llama_cpp.llama_perf_context(llm._ctx.ctx)
    llm.close()
    return {
        "loaded": _mapped_variant(),
        "first_token_ms": round(((first or time.perf_counter()) - t0) * 1000, 1),
        "prompt_tokens_per_s": round(perf.n_p_eval / max(perf.t_p_eval_ms, 1e-6) * 1000, 1),
        "tokens_per_s": round(perf.n_eval / max(perf.t_eval_ms, 1e-6) * 1000, 1) if perf.n_eval else None,
    }


def _child_scores(lib: Path) -> dict[str, int]:
    import llama_cpp  # noqa: F401  (the variants find libggml-base among the libraries already loaded)

    out = {}
    for path in variants(lib):
        try:
            handle = ctypes.CDLL(str(path))
            fn = handle.ggml_backend_score
        except (OSError, AttributeError):
            out[variant_name(path)] = 0
            continue
        fn.restype = ctypes.c_int
        out[variant_name(path)] = int(fn())
    return out


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from .embedded import smollm2_model_path

    parser = argparse.ArgumentParser(prog="python -m hark.llm.native", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd")
    child = sub.add_parser("_child")
    child.add_argument("--model", required=True)
    child.add_argument("--variant")
    sc = sub.add_parser("_scores")
    sc.add_argument("--lib", required=True)
    parser.add_argument("--model", help="GGUF to check with (default: the built-in SmolLM2)")
    parser.add_argument("--recheck", action="store_true", help="check again even if this CPU has a record")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.cmd == "_child":
        print(json.dumps(_child(Path(args.model), Path(args.variant) if args.variant else None)), flush=True)
        return 0
    if args.cmd == "_scores":
        print(json.dumps(_child_scores(Path(args.lib))), flush=True)
        return 0

    def said(result: CheckResult) -> None:
        print(f"hark: llama.cpp {result.variant or 'default pick'}: {result.reason()}", file=sys.stderr)

    try:
        model = Path(args.model) if args.model else smollm2_model_path()
        sel = select(model, recheck=args.recheck, on_crash=said)
    except EngineLoadError as exc:
        print(f"hark: error [{exc.code}]: {exc}", file=sys.stderr)
        return 1
    name = variant_name(sel.variant) if sel.variant else "single build"
    if args.json:
        print(json.dumps({"cpu": sel.cpu, "variant": name, "check": dataclasses.asdict(sel.checked) if sel.checked else None}))
    else:
        speed = (
            f", {sel.checked.tokens_per_s} tokens/s, first token {sel.checked.first_token_ms} ms"
            if sel.checked and sel.checked.tokens_per_s
            else " (recorded earlier)"
        )
        print(f"llama.cpp runs on {sel.cpu} with the {name} variant{speed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

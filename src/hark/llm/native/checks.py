"""One check, in a child process: does a variant (or llama.cpp's own pick) load the model and generate?

The child is ``python -m hark.llm.native _child`` (see :mod:`hark.llm.native.child`); a crash there, even
``SIGILL``, is only a failed :class:`CheckResult` here.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .library import variant_name

CHECK_TIMEOUT_S = 120.0


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


def check(variant: Path | None, model: Path, *, runner: Runner = _run, timeout: float = CHECK_TIMEOUT_S) -> CheckResult:
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

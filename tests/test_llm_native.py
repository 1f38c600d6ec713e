"""llama.cpp's CPU variant: checked in a child process before it runs in Hark's, and recorded per CPU."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from hark.errors import EngineLoadError
from hark.llm import native

XEON = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480C
flags\t\t: fpu sse4_2 avx avx2 fma f16c bmi2 avx512f avx512bw avx512_vnni avx512_bf16 amx_tile amx_int8 amx_bf16

processor\t: 1
vendor_id\t: GenuineIntel
"""
EPYC = "vendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse4_2 avx avx2 fma f16c avx512f\n"


def test_cpu_info_reads_the_model_and_flags() -> None:
    xeon, epyc = native.cpu_info(XEON), native.cpu_info(EPYC)
    assert xeon.model == "Intel(R) Xeon(R) Platinum 8480C" and xeon.vendor == "GenuineIntel"
    assert {"amx_tile", "avx512f"} <= xeon.flags
    assert xeon.describe() == "Intel(R) Xeon(R) Platinum 8480C (avx avx2 avx512f avx512_vnni avx512_bf16 amx_tile)"
    assert xeon.fingerprint != epyc.fingerprint
    assert native.cpu_info(XEON).fingerprint == xeon.fingerprint
    same_model_fewer_flags = native.cpu_info(XEON.replace(" amx_tile amx_int8 amx_bf16", ""))
    assert same_model_fewer_flags.fingerprint != xeon.fingerprint


def test_a_child_killed_by_sigill_is_reported_as_such(tmp_path: Path) -> None:
    def runner(cmd: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
        crash = "import os, signal; os.kill(os.getpid(), signal.SIGILL)"
        return subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True, timeout=timeout, check=False)

    result = native.check(tmp_path / "libggml-cpu-sapphirerapids.so", tmp_path / "m.gguf", runner=runner)
    assert not result.ok and result.signal == "SIGILL" and result.variant == "sapphirerapids"
    assert result.reason() == "killed by SIGILL (an instruction this CPU does not allow)"


class ScriptedChildren:
    """Answers the check children's commands the way the real ones would, per variant."""

    def __init__(self, outcomes: dict[str | None, str], scores: dict[str, int]) -> None:
        self.outcomes = outcomes  # variant (None: llama.cpp's own pick) -> "ok:<loaded>" | "SIGILL" | "error"
        self.scores = scores
        self.calls: list[str | None] = []

    def __call__(self, cmd: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
        if "_scores" in cmd:
            self.calls.append("scores")
            return subprocess.CompletedProcess(cmd, 0, json.dumps(self.scores), "")
        variant = native.variant_name(cmd[cmd.index("--variant") + 1]) if "--variant" in cmd else None
        self.calls.append(variant)
        outcome = self.outcomes[variant]
        if outcome == "SIGILL":
            return subprocess.CompletedProcess(cmd, -4, "", "")
        if outcome == "error":
            return subprocess.CompletedProcess(cmd, 1, "", "ValueError: Failed to load model from file: m.gguf")
        loaded = outcome.partition(":")[2]
        out = {"loaded": loaded, "first_token_ms": 30.0, "prompt_tokens_per_s": 150.0, "tokens_per_s": 90.0}
        return subprocess.CompletedProcess(cmd, 0, json.dumps(out) + "\n", "")


def fake_library(root: Path, names: Sequence[str]) -> Path:
    lib = root / "llama_cpp" / "lib"
    lib.mkdir(parents=True)
    (lib / "libllama.so").write_bytes(b"\0")
    for name in names:
        (lib / f"libggml-cpu-{name}.so").write_bytes(b"\0")
    return lib


VARIANTS = ("x64", "haswell", "skylakex", "sapphirerapids")
SCORES = {"x64": 1, "haswell": 64, "skylakex": 128, "sapphirerapids": 4000}


def test_the_amx_crash_falls_back_to_the_next_best_variant_and_is_recorded(tmp_path: Path) -> None:
    """The Xeon VM of the bug report: cpuid says AMX, the VM does not allow it, llama.cpp's pick dies."""
    lib = fake_library(tmp_path, VARIANTS)
    xeon = native.cpu_info(XEON)
    children = ScriptedChildren(
        {None: "SIGILL", "sapphirerapids": "SIGILL", "skylakex": "ok:skylakex", "haswell": "ok:haswell"}, SCORES
    )
    heard: list[str] = []
    sel = native.select(tmp_path / "m.gguf", lib=lib, cpu=xeon, runner=children, on_crash=lambda r: heard.append(r.reason()))
    assert sel.variant == lib / "libggml-cpu-skylakex.so"
    assert children.calls == [None, "scores", "sapphirerapids", "skylakex"]
    assert heard == ["killed by SIGILL (an instruction this CPU does not allow)"] * 2
    assert [c.variant for c in sel.crashed] == [None, "sapphirerapids"]
    assert sel.checked is not None and sel.checked.tokens_per_s == 90.0

    # The verdict is kept: the next start on this CPU runs no child at all.
    children.calls.clear()
    again = native.select(tmp_path / "m.gguf", lib=lib, cpu=xeon, runner=children)
    assert again.variant == sel.variant and again.checked is None and children.calls == []

    # Another CPU (the same library copied elsewhere) is checked afresh.
    epyc_children = ScriptedChildren({None: "ok:haswell"}, SCORES)
    other = native.select(tmp_path / "m.gguf", lib=lib, cpu=native.cpu_info(EPYC), runner=epyc_children)
    assert other.variant == lib / "libggml-cpu-haswell.so" and epyc_children.calls == [None]

    # So is a library rebuilt or reinstalled in the same place.
    (lib / "libllama.so").write_bytes(b"rebuilt")
    children.calls.clear()
    native.select(tmp_path / "m.gguf", lib=lib, cpu=xeon, runner=children)
    assert children.calls[0] is None


def test_llama_cpps_own_pick_is_used_when_it_runs(tmp_path: Path) -> None:
    lib = fake_library(tmp_path, VARIANTS)
    children = ScriptedChildren({None: "ok:skylakex"}, SCORES)
    sel = native.select(tmp_path / "m.gguf", lib=lib, cpu=native.cpu_info(EPYC), runner=children)
    assert sel.variant == lib / "libggml-cpu-skylakex.so" and children.calls == [None] and sel.crashed == ()


def test_an_ordinary_error_is_not_blamed_on_the_cpu(tmp_path: Path) -> None:
    lib = fake_library(tmp_path, VARIANTS)
    children = ScriptedChildren({None: "error"}, SCORES)
    with pytest.raises(EngineLoadError, match="Failed to load model from file"):
        native.select(tmp_path / "m.gguf", lib=lib, cpu=native.cpu_info(EPYC), runner=children)
    assert children.calls == [None]


def test_a_native_build_that_crashes_says_to_run_the_setup(tmp_path: Path) -> None:
    lib = fake_library(tmp_path, ())
    children = ScriptedChildren({None: "SIGILL"}, {})
    with pytest.raises(EngineLoadError) as err:
        native.select(tmp_path / "m.gguf", lib=lib, cpu=native.cpu_info(XEON), runner=children)
    message = str(err.value)
    assert "does not run on this CPU (Intel(R) Xeon(R) Platinum 8480C" in message
    assert "killed by SIGILL" in message and "run scripts/setup" in message and "\n" not in message


def test_nothing_runs_is_one_clear_line(tmp_path: Path) -> None:
    lib = fake_library(tmp_path, ("x64", "haswell"))
    children = ScriptedChildren({None: "SIGILL", "haswell": "SIGILL", "x64": "SIGILL"}, {"x64": 1, "haswell": 64})
    with pytest.raises(EngineLoadError, match=r"^no llama.cpp CPU variant runs on this CPU") as err:
        native.select(tmp_path / "m.gguf", lib=lib, cpu=native.cpu_info(EPYC), runner=children)
    assert "haswell: killed by SIGILL" in str(err.value)
    assert children.calls == [None, "scores", "haswell", "x64"]


def test_the_installed_library_runs_here_in_a_child() -> None:
    """The real portable build on this machine: a variant is found that runs, in a child process,
    llama.cpp's own pick unless that pick crashed here (a VM whose cpuid lies, as with AMX)."""
    from hark.llm.embedded import smollm2_model_path

    lib = native.library_dir()
    found = native.variants(lib)
    assert found, "scripts/setup installs the portable build (libggml-cpu-*.so variants)"
    sel = native.select(smollm2_model_path(), recheck=True)
    assert sel.variant is not None and sel.variant in found
    assert sel.checked is not None and sel.checked.ok and sel.checked.tokens_per_s
    assert sel.checked.tokens_per_s > 0
    scores = native.scores(lib)
    chosen = native.variant_name(sel.variant)
    assert scores[chosen] > 0 and scores["x64"] > 0  # the baseline runs anywhere
    if not sel.crashed:
        assert scores[chosen] == max(scores.values())
    # the verdict is kept: the next start runs no child
    assert native.select(smollm2_model_path()).checked is None


def qemu_cpu(model: str) -> native.Runner:
    """Run a check child on an emulated CPU (qemu user mode): another machine's instruction set."""

    def run(cmd: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["qemu-x86_64", "-cpu", model, *cmd], capture_output=True, text=True, timeout=timeout, check=False
        )

    return run


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("qemu-x86_64") is None, reason="qemu-user is not installed (scripts/setup installs it)")
@pytest.mark.parametrize(
    ("cpu", "variant"),
    [("Haswell", "haswell"), ("SandyBridge", "sandybridge")],  # AVX2 without AVX-512; AVX without AVX2
)
def test_the_portable_build_runs_on_cpus_it_was_not_built_on(cpu: str, variant: str) -> None:
    """This machine has AVX-512; under an emulated older CPU llama.cpp picks, and runs, that CPU's variant."""
    from hark.llm.embedded import smollm2_model_path

    result = native.check(None, smollm2_model_path(), runner=qemu_cpu(cpu), timeout=240)
    assert result.ok, result.reason()
    assert result.loaded == variant

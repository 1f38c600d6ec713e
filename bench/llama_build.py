"""llama.cpp builds compared: the portable build's CPU variants against a native (-march=native) build.

Each configuration runs in its own child process (a variant cannot be unloaded, and a build for
another CPU may die of SIGILL): the built-in SmolLM2-135M on one thread, as Hark runs it, a prompt
of about 150 tokens (the size of what is left to evaluate when the user has finished speaking is
~15; the first turn after a start is ~150), then 64 generated tokens; ``--repeats`` times each.

    .venv/bin/python -m bench.llama_build                       # the installed portable build
    .venv/bin/python -m bench.llama_build --native-site DIR     # also a native build installed in DIR
                                                                # (pip install --target DIR WHEEL)

Prints median time to first token, prompt and generation tokens/s per configuration, and writes
``bench/results/llama_build.json`` with the CPU they come from.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from hark.llm import native
from hark.llm.embedded import smollm2_model_path

RESULTS = Path(__file__).resolve().parent / "results"
PROMPT = (
    "You are Hark, a helpful voice assistant in a family home. Answer in one or two short spoken "
    "sentences, without lists or markdown. You can set timers, alarms and reminders, keep shopping "
    "and to-do lists, tell the time and the weather, and control the lights. "
) * 3 + "User: why is the sky blue? Assistant:"

CHILD = r"""
import json, sys, time
from pathlib import Path
from hark.llm import native
lib = native.library_dir()
variant = sys.argv[2]
if native.variants(lib):
    if variant == "auto":
        native._ggml(lib).ggml_backend_load_all_from_path(str(lib).encode())
    else:
        native._ggml_load(lib, lib / f"libggml-cpu-{variant}.so")
import llama_cpp
from llama_cpp import Llama
llm = Llama(sys.argv[1], n_ctx=1024, n_batch=256, n_threads=1, n_threads_batch=1, seed=1, verbose=False)
tokens = llm.tokenize(sys.argv[3].encode(), add_bos=True)
runs = []
for _ in range(int(sys.argv[4])):
    llm.reset()
    llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(llm._ctx.ctx), True)
    llama_cpp.llama_perf_context_reset(llm._ctx.ctx)
    t0 = time.perf_counter()
    first = None
    for n, _ in enumerate(llm.generate(tokens, temp=0.0), 1):
        first = first or time.perf_counter()
        if n >= 64:
            break
    llama_cpp.llama_synchronize(llm._ctx.ctx)
    p = llama_cpp.llama_perf_context(llm._ctx.ctx)
    runs.append({"first_token_ms": (first - t0) * 1000, "prompt_tokens": p.n_p_eval,
                 "prompt_tps": p.n_p_eval / p.t_p_eval_ms * 1000, "gen_tps": p.n_eval / p.t_eval_ms * 1000})
print(json.dumps({"loaded": native._mapped_variant() or "single build", "runs": runs}))
"""


def run_child(variant: str, repeats: int, site: str | None = None) -> dict[str, Any]:
    env = dict(os.environ)
    if site:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [site, env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(smollm2_model_path()), variant, PROMPT, str(repeats)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    if proc.returncode < 0:
        return {"error": f"killed by signal {-proc.returncode}"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def summary(outs: list[dict[str, Any]]) -> dict[str, Any]:
    errors = [o["error"] for o in outs if "error" in o]
    if errors:
        return {"error": errors[0]}
    runs = [r for o in outs for r in o["runs"]]
    return {
        "loaded": outs[0]["loaded"],
        "prompt_tokens": runs[0]["prompt_tokens"],
        "first_token_ms": statistics.median(r["first_token_ms"] for r in runs),
        "prompt_tps": statistics.median(r["prompt_tps"] for r in runs),
        "gen_tps": statistics.median(r["gen_tps"] for r in runs),
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", default="auto,haswell,x64", help="portable build's variants to run")
    parser.add_argument("--native-site", help="a folder with a native llama-cpp-python installed (pip --target)")
    parser.add_argument("--repeats", type=int, default=3, help="generations per child")
    parser.add_argument("--rounds", type=int, default=3, help="children per configuration, interleaved")
    args = parser.parse_args()
    cpu = native.cpu_info()
    print(
        f"CPU: {cpu.describe()}; SmolLM2-135M Q4_1, 1 thread, {args.rounds} interleaved rounds x "
        f"{args.repeats} runs each, medians"
    )
    configs: list[tuple[str, str, str | None]] = [("portable", v, None) for v in args.variants.split(",")]
    if args.native_site:
        configs.append(("native", "auto", args.native_site))
    results = []
    # Rounds interleave the configurations: this VM's speed drifts by ~10 % from minute to minute,
    # which separate back-to-back runs would book to whichever configuration ran then.
    outs: list[list[dict[str, Any]]] = [[] for _ in configs]
    for _ in range(args.rounds):
        for i, (_build, variant, site) in enumerate(configs):
            outs[i].append(run_child(variant, args.repeats, site))
    print(f"{'build':<9} {'variant':<15} {'first token ms':>14} {'prompt tok/s':>13} {'gen tok/s':>10}")
    for (build, variant, _site), out in zip(configs, outs, strict=True):
        r = summary(out)
        results.append({"build": build, "variant": variant, **r})
        if "error" in r:
            print(f"{build:<9} {variant:<15} {r['error']}")
        else:
            name = r["loaded"] if variant == "auto" else variant
            print(f"{build:<9} {name:<15} {r['first_token_ms']:14.1f} {r['prompt_tps']:13.1f} {r['gen_tps']:10.1f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "llama_build.json").write_text(
        json.dumps({"cpu": cpu.describe(), "cpu_flags": sorted(cpu.flags), "results": results}, indent=1)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

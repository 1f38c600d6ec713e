"""The embedded LLM's KV cache: making it hold a prompt, reusing what it (or a saved state) already holds.

One ``Llama`` and so one KV cache serve every session (see :mod:`hark.llm.embedded`). A job
makes the cache hold its prompt with :meth:`PromptCache.evaluate`: llama.cpp's longest-prefix
match keeps the common prefix, a saved KV state (:mod:`hark.llm.kv_snapshots`) that shares a
longer prefix is restored instead, and the rest is evaluated in chunks with a cancellation
check between them.

The prepare slot is the KV cache itself. When a request is about to overwrite KV cells that a
preparation filled and no stream has used yet (another session's prepared prompt), their state
is set aside first (``llama_state_seq_get_data`` of the used cells) and restored when that
session's request comes, so its head start survives the other session's turn. SmolLM2-135M:
23 KB of KV per token; saving a 241-token prepared prompt took 2.5 ms and restoring it 0.8 ms,
and B's first text came 113 ms after its words instead of 1198 ms when it had to evaluate its
prompt again (one thread, shared 2-core VM; ``bench/llm_sessions.py``). Set-aside states are
bounded (``aside`` of them, ``aside_bytes`` in all, oldest out first); each
``Finished.cached_input_tokens`` counts the prompt tokens of that request found in the cache
or a restored state, per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import LlmError, LlmRequest
from .embedded_jobs import Job, same_conversation
from .kv_snapshots import KvSnapshots, common_prefix


class PromptCache:
    """The KV cache of the loaded ``Llama`` (passed in as ``llm``), with its saved states in ``snapshots``.

    Used on the model thread only.
    """

    def __init__(self, snapshots: KvSnapshots) -> None:
        self.snapshots = snapshots
        self.prepared: LlmRequest | None = None
        """The request whose preparation filled the last KV cells, until another job uses the cache."""

    def cached_prefix(self, llm: Any, tokens: Sequence[int]) -> int:
        return common_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens)

    def evaluate(self, llm: Any, job: Job, tokens: Sequence[int], upto: int, chunk: int) -> int:
        """Make the KV cache hold ``tokens[:upto]``; returns how many were already there (reused).

        Uses the prefix match, else a saved state sharing a longer prefix, and evaluates the
        rest in ``chunk`` pieces, checking for cancellation in between.
        Another conversation's prepared cells that this overwrites are set aside first.
        """
        want = tokens[:upto]
        cached = self.cached_prefix(llm, want)
        found = self.snapshots.best(want)
        if cached < llm.n_tokens or (found is not None and found[1] > cached):
            self.set_aside(llm, job, cached)
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
        self.prepared = job.request if job.kind == "prepare" else None
        for i in range(cached, upto, chunk):
            job.check()
            llm.eval(tokens[i : min(upto, i + chunk)])
        return cached

    def set_aside(self, llm: Any, job: Job, keep: int) -> None:
        """The KV cells after ``keep`` are about to go: save the state first if they hold another
        conversation's preparation that no stream has used yet."""
        prepared = self.prepared
        if prepared is not None and keep < llm.n_tokens and not same_conversation(prepared, job.request):
            self.snapshots.save(llm, llm.input_ids[: llm.n_tokens].tolist(), pinned=False, owner=prepared)
        self.prepared = None

    def evaluate_from_prefix(
        self, llm: Any, job: Job, tokens: Sequence[int], prefix: int, upto: int, chunk: int
    ) -> int:
        """:meth:`evaluate`, stopping once at the fixed prefix to snapshot it when it is computed afresh."""
        if self.cached_prefix(llm, tokens[:prefix]) < prefix and not self.snapshots.has_prefix(tokens[:prefix]):
            cached = self.evaluate(llm, job, tokens, prefix, chunk)
            self.snapshots.save(llm, tokens[:prefix], pinned=True)
            self.evaluate(llm, job, tokens, upto, chunk)
            return cached
        return self.evaluate(llm, job, tokens, upto, chunk)

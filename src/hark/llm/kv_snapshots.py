"""Saved KV-cache states of the embedded model, so one KV cache can serve many conversations.

A snapshot is the state of sequence 0 (``llama_state_seq_get_data``: only the used
cells, no logits) with the token ids it holds. Two kinds:

* **pinned prefixes**: a fixed system prompt with its tools, saved when it is first
  evaluated (by ``warm`` or a request); kept, least recently used first out, up to
  ``prefixes`` of them.
* **set-aside preparations**: a session's prepared prompt that another session's
  request is about to overwrite. It is saved before the overwrite and restored (then
  forgotten) when that session's request comes, so the work done while its user spoke
  is not lost. Up to ``aside`` of them and ``aside_bytes`` in all, oldest out first.

``Llama.save_state`` is not used: it also copies the ``n_batch x n_vocab`` logits buffer
(~100 MB for SmolLM2 at n_batch 512).
"""

from __future__ import annotations

import collections
import ctypes
import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import LlmRequest


@dataclasses.dataclass(slots=True)
class Snapshot:
    tokens: tuple[int, ...]
    state: bytes
    pinned: bool
    owner: LlmRequest | None = None
    """Set-aside preparations: the request prepared (to tell its session's later request)."""


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class KvSnapshots:
    def __init__(self, *, prefixes: int = 2, aside: int = 8, aside_bytes: int = 128 << 20) -> None:
        self.max_prefixes = prefixes
        self.max_aside = aside
        self.max_aside_bytes = aside_bytes
        self._items: collections.OrderedDict[tuple[tuple[int, ...], bool], Snapshot] = collections.OrderedDict()
        self.saved = 0
        self.restored = 0

    def __len__(self) -> int:
        return len(self._items)

    def aside(self) -> list[tuple[int, ...]]:
        """Token ids of the set-aside preparations, oldest first."""
        return [s.tokens for s in self._items.values() if not s.pinned]

    def aside_bytes(self) -> int:
        return sum(len(s.state) for s in self._items.values() if not s.pinned)

    def best(self, tokens: Sequence[int]) -> tuple[Snapshot, int] | None:
        """The snapshot sharing the longest prefix with ``tokens`` (a pinned one only if all of it
        is a prefix of ``tokens``; of equal ones the smallest), and that length."""
        best: tuple[Snapshot, int] | None = None
        for snap in self._items.values():
            n = common_prefix(snap.tokens, tokens)
            if n == 0 or (snap.pinned and n < len(snap.tokens)):
                continue
            if best is None or n > best[1] or (n == best[1] and len(snap.tokens) < len(best[0].tokens)):
                best = (snap, n)
        return best

    def has_prefix(self, tokens: Sequence[int]) -> bool:
        key = (tuple(tokens), True)
        return key in self._items

    def save(self, llm: Any, tokens: Sequence[int], *, pinned: bool, owner: LlmRequest | None = None) -> None:
        """Save the KV state of sequence 0, which must hold exactly ``tokens``."""
        import llama_cpp

        if (self.max_prefixes if pinned else self.max_aside) <= 0:
            return
        key = (tuple(tokens), pinned)
        if key in self._items:
            self._items.move_to_end(key)
            return
        ctx = llm._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0)
        self._items[key] = Snapshot(key[0], ctypes.string_at(buf, n), pinned, owner)
        self.saved += 1
        if not pinned:  # a longer preparation of the same prompt makes a shorter one useless
            for other in [k for k in self._items if not k[1] and k != key and key[0][: len(k[0])] == k[0]]:
                del self._items[other]
        self._trim()

    def restore(self, llm: Any, snap: Snapshot, *, forget: bool) -> bool:
        """Put ``snap`` in the KV cache (sequence 0, replacing what was there). ``forget``: a set-aside
        preparation whose session's request has come is dropped from the store. False if llama.cpp
        refused the state (the cache is then empty)."""
        import llama_cpp

        key = (snap.tokens, snap.pinned)
        if forget and not snap.pinned:
            self._items.pop(key, None)
        elif key in self._items:
            self._items.move_to_end(key)
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        buf = (ctypes.c_uint8 * len(snap.state)).from_buffer_copy(snap.state)
        if llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, buf, len(snap.state), 0) != len(snap.state):
            llm.n_tokens = 0
            return False
        n = len(snap.tokens)
        llm.input_ids[:n] = snap.tokens
        llm.n_tokens = n
        self.restored += 1
        return True

    def clear(self, *, pinned: bool = True) -> None:
        """Forget every snapshot (``pinned`` False: only the set-aside preparations)."""
        for key in [k for k in self._items if pinned or not k[1]]:
            del self._items[key]

    def _trim(self) -> None:
        def count(pinned: bool) -> int:
            return sum(1 for k in self._items if k[1] == pinned)

        while count(True) > self.max_prefixes:
            del self._items[next(k for k in self._items if k[1])]
        while count(False) > self.max_aside or (count(False) and self.aside_bytes() > self.max_aside_bytes):
            del self._items[next(k for k in self._items if not k[1])]

"""What a model call costs: list prices per million tokens, as data, and the arithmetic.

The table holds the public list prices (USD per million tokens) of the Claude models and the
common OpenAI models, as read on :data:`PRICES_READ_ON` from the providers' pricing pages
(platform.claude.com/docs/en/about-claude/pricing, the Claude model overview pages, and
OpenAI's API pricing page). Prices change: update the table and the date together; rows
already metered keep the cost they were stored with.

Lookup (:func:`price_for`) takes a model name the way a backend reports it and finds its row:
the exact name, then the name without a provider prefix (``anthropic/``, ``openai/``) or a date
suffix (``-20251001``, ``-2024-07-18``, ``-latest``), then the longest key the name starts with
at a ``-`` boundary (``claude-haiku-4-5-foo`` is Haiku 4.5; ``gpt-4o-mini`` never lands on
``gpt-4o``). The embedded backend runs on this machine and costs nothing (:data:`LOCAL`); any
other model not in the table is priced at 0 and reported as unpriced, so the usage rows still
name it and the cost is known to be a lower bound.

Token arithmetic follows the backends (:class:`hark.llm.base.Finished`): ``input_tokens``
counts *every* prompt token, ``cached_input_tokens`` the part read from the provider's prompt
cache, billed at the cache-read price; the rest at the input price. Anthropic's cache writes
(1.25 x input) are counted in ``input_tokens`` with no separate count, so they are priced at
the input price unless a ``cache_write_tokens`` count is given.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping

__all__ = [
    "LOCAL",
    "LOCAL_BACKENDS",
    "PRICES",
    "PRICES_READ_ON",
    "Price",
    "cost_usd",
    "price_for",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens. ``cached_input``: a prompt token read from the provider's cache;
    ``cache_write``: one written to it (None: the input price)."""

    input: float
    output: float
    cached_input: float
    cache_write: float | None = None

    def __post_init__(self) -> None:
        if min(self.input, self.output, self.cached_input, self.cache_write or 0.0) < 0:
            raise ValueError(f"a price cannot be negative: {self!r}")


PRICES_READ_ON = dt.date(2026, 12, 7)
"""When the prices below were read from the providers' pricing pages."""

LOCAL = Price(0.0, 0.0, 0.0, 0.0)
"""A model that runs on this machine: no bill."""

LOCAL_BACKENDS = frozenset({"embedded"})
"""Backends (``LlmBackend.name``) whose every model is :data:`LOCAL`."""


def _claude(input_: float, output: float) -> Price:
    """Anthropic's multipliers: cache reads 0.1 x input, 5-minute cache writes 1.25 x input."""
    return Price(input_, output, round(input_ * 0.1, 6), round(input_ * 1.25, 6))


PRICES: Mapping[str, Price] = {
    # Anthropic (platform.claude.com, model pricing table and model overview pages)
    "claude-opus-5": _claude(5.0, 25.0),
    "claude-opus-4-8": _claude(5.0, 25.0),
    "claude-opus-4-7": _claude(5.0, 25.0),
    "claude-opus-4-6": _claude(5.0, 25.0),
    "claude-opus-4-5": _claude(5.0, 25.0),
    "claude-opus-4-1": _claude(15.0, 75.0),
    "claude-opus-4-0": _claude(15.0, 75.0),
    "claude-opus-4": _claude(15.0, 75.0),
    "claude-3-opus": _claude(15.0, 75.0),
    "claude-sonnet-5-5": _claude(2.0, 10.0),
    "claude-sonnet-5": _claude(2.0, 10.0),
    "claude-sonnet-4-6": _claude(3.0, 15.0),
    "claude-sonnet-4-5": _claude(3.0, 15.0),
    "claude-sonnet-4-0": _claude(3.0, 15.0),
    "claude-sonnet-4": _claude(3.0, 15.0),
    "claude-3-7-sonnet": _claude(3.0, 15.0),
    "claude-3-5-sonnet": _claude(3.0, 15.0),
    "claude-haiku-4-5": _claude(1.0, 5.0),
    "claude-3-5-haiku": _claude(0.8, 4.0),
    "claude-3-haiku": Price(0.25, 1.25, 0.03, 0.30),
    # OpenAI (API pricing page; cached input as listed per model)
    "gpt-5.4": Price(2.5, 15.0, 0.25),
    "gpt-5.4-mini": Price(0.75, 4.5, 0.075),
    "gpt-5.2": Price(1.75, 14.0, 0.175),
    "gpt-5.1": Price(1.25, 10.0, 0.125),
    "gpt-5": Price(1.25, 10.0, 0.125),
    "gpt-5-mini": Price(0.25, 2.0, 0.025),
    "gpt-5-nano": Price(0.05, 0.4, 0.005),
    "gpt-4.1": Price(2.0, 8.0, 0.5),
    "gpt-4.1-mini": Price(0.4, 1.6, 0.1),
    "gpt-4.1-nano": Price(0.1, 0.4, 0.025),
    "gpt-4o": Price(2.5, 10.0, 1.25),
    "gpt-4o-mini": Price(0.15, 0.6, 0.075),
    "o3": Price(2.0, 8.0, 0.5),
    "o4-mini": Price(1.1, 4.4, 0.275),
    "o3-mini": Price(1.1, 4.4, 0.55),
}
"""Model name -> :class:`Price`, USD per million tokens, read on :data:`PRICES_READ_ON`."""

_SUFFIX = re.compile(r"(-\d{8}|-\d{4}-\d{2}-\d{2}|-latest)$")


def price_for(model: str, *, backend: str = "", prices: Mapping[str, Price] = PRICES) -> Price | None:
    """The price of ``model`` (as a backend reports it); :data:`LOCAL` for a local backend;
    None when the table does not know it (the caller prices it at 0 and says so)."""
    if backend in LOCAL_BACKENDS:
        return LOCAL
    name = model.strip().lower()
    if name in prices:
        return prices[name]
    name = name.rsplit("/", 1)[-1]  # openrouter-style "anthropic/claude-haiku-4-5"
    name = _SUFFIX.sub("", name)
    if name in prices:
        return prices[name]
    best = max((key for key in prices if name.startswith(key + "-")), key=len, default=None)
    return prices[best] if best is not None else None


def cost_usd(
    price: Price | None,
    *,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> float:
    """The estimated cost of one call; 0.0 for an unknown price. ``input_tokens`` includes the
    cached and cache-written ones (each prompt token is billed once, in one category)."""
    if price is None:
        return 0.0
    cached = max(0, min(cached_tokens, input_tokens))
    written = max(0, min(cache_write_tokens, input_tokens - cached))
    fresh = input_tokens - cached - written
    write_price = price.input if price.cache_write is None else price.cache_write
    micro = fresh * price.input + cached * price.cached_input + written * write_price + output_tokens * price.output
    return max(0.0, micro) / 1_000_000

"""Long-term memory: facts a person asked Hark to remember, recalled by word overlap.

"Remember that my sister is called Ana" stores the sentence as said (``my sister
is called Ana``) in the ``facts`` table, per profile. Before each generative
turn the brain recalls the few facts that share words with what was just said
and shows them to the model.

Relevance is plain word overlap, deliberately: lower-cased words, a short stop
word list removed (``my``, ``the``, ``what``...), a crude plural strip
(``sisters`` -> ``sister``), then the number of words a fact shares with the
question, newer facts first on ties. A household keeps tens of facts, not
millions, so scoring them all in Python takes microseconds, needs no
embedding model, behaves the same on SQLite and PostgreSQL, and is easy to
explain when it misses ("what's Ana's birthday" finds "Ana's birthday is in
May", not "my sister is called Ana"). Swap :func:`score` for embeddings if that
ever matters.

:class:`MemorySkill` offers the same operations to the model (and to any brain)
as tools: ``memory_remember``, ``memory_forget``, ``memory_list``.
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import delete, select

from ..skills.base import SkillContext, SkillResult, Tool, ToolArgumentError
from ..store import Database
from ..store.models import Fact

MAX_FACT_CHARS = 500
MAX_FACTS_LISTED = 10

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "about",
        "into",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "i",
        "me",
        "my",
        "mine",
        "myself",
        "you",
        "your",
        "yours",
        "we",
        "our",
        "us",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "he",
        "she",
        "him",
        "her",
        "his",
        "they",
        "them",
        "their",
        "do",
        "does",
        "did",
        "doing",
        "have",
        "has",
        "had",
        "having",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "yes",
        "so",
        "than",
        "then",
        "too",
        "very",
        "just",
        "also",
        "please",
        "tell",
        "know",
        "remember",
        "forget",
        "said",
        "say",
        "called",
        "name",
        "named",
        "s",
        "t",
        "don't",
        "i'm",
        "it's",
        "that's",
        "what's",
    ]
)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# First person (as the user says it) to second person (as Hark says it back).
_SECOND_PERSON = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "i've": "you've",
    "i'll": "you'll",
    "i'd": "you'd",
    "am": "are",
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def keywords(text: str) -> set[str]:
    """The content words of ``text``: lower case, stop words removed, a trailing plural ``s`` dropped."""
    words = set()
    for word in _WORD.findall(text.lower().replace("’", "'")):
        if word in STOP_WORDS:
            continue
        word = word.removesuffix("'s")
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if word and word not in STOP_WORDS:
            words.add(word)
    return words


def score(query: set[str], fact: str) -> int:
    """How many content words ``fact`` shares with ``query`` (already :func:`keywords`)."""
    return len(query & keywords(fact))


def clean_fact(text: str) -> str:
    """``"that my sister is called Ana."`` -> ``"my sister is called Ana"``."""
    text = re.sub(r"\s+", " ", text).strip().strip(" .!?,;:\"'")
    text = re.sub(r"^(?:that|about)\s+", "", text, flags=re.IGNORECASE)
    return text[:MAX_FACT_CHARS].strip()


def second_person(text: str) -> str:
    """A fact in the user's words, said back to them: ``my sister`` -> ``your sister``."""
    return re.sub(
        r"\b[A-Za-z]+(?:'[a-z]+)?\b",
        lambda m: _SECOND_PERSON.get(m.group(0).lower(), m.group(0)),
        text,
    )


def spoken_list(facts: builtins.list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"that a, that b, and that c"`` (second person)."""
    said = [f"that {second_person(f)}" for f in facts]
    if len(said) <= 2:
        return " and ".join(said)
    return ", ".join(said[:-1]) + ", and " + said[-1]


class Memory:
    """The ``facts`` table, per profile. Every method is one short transaction.

    :param db: an open :class:`~hark.store.Database` (migrated to 0002 or later).
    :param clock: aware UTC now, for ``created_at``.
    """

    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.db = db
        self.clock = clock

    async def remember(self, household: str, profile: str, text: str) -> Fact:
        """Store a fact; the same fact said twice (ignoring case) is kept once. Raises ``ValueError`` if empty."""
        text = clean_fact(text)
        if not text:
            raise ValueError("nothing to remember")
        async with self.db.transaction() as session:
            existing = await session.scalars(
                select(Fact).where(Fact.household_id == household, Fact.profile == profile)
            )
            for fact in existing:
                if fact.text.lower() == text.lower():
                    return fact
            fact = Fact(household_id=household, profile=profile, text=text, created_at=self.clock())
            session.add(fact)
            await session.flush()
            return fact

    async def list(self, household: str, profile: str) -> builtins.list[Fact]:
        """Every fact of ``profile``, oldest first."""
        async with self.db.transaction() as session:
            query = select(Fact).where(Fact.household_id == household, Fact.profile == profile).order_by(Fact.id)
            rows = await session.scalars(query)
            return builtins.list(rows)

    async def recall(self, household: str, profile: str, text: str, limit: int = 5) -> builtins.list[Fact]:
        """Up to ``limit`` facts sharing content words with ``text``, best first (newer first on ties)."""
        query = keywords(text)
        if not query or limit <= 0:
            return []
        scored = [(score(query, f.text), f.id, f) for f in await self.list(household, profile)]
        scored = [s for s in scored if s[0] > 0]
        scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
        return [f for _, _, f in scored[:limit]]

    async def forget(self, household: str, profile: str, query: str) -> Fact | None:
        """Delete the fact that best overlaps ``query`` ("that my sister is called Ana"); None if none does.

        A fact must share at least half of the query's content words (and at least
        one), so "forget my birthday" does not delete "my sister is called Ana".
        Ties go to the newest fact: "forget that" usually means the latest one.
        """
        words = keywords(clean_fact(query))
        if not words:
            return None
        facts = await self.list(household, profile)
        best: tuple[int, int, Fact] | None = None
        for fact in facts:
            s = score(words, fact.text)
            if s > 0 and s * 2 >= len(words) and (best is None or (s, fact.id) > best[:2]):
                best = (s, fact.id, fact)
        if best is None:
            return None
        async with self.db.transaction() as session:
            await session.execute(delete(Fact).where(Fact.household_id == household, Fact.id == best[2].id))
        return best[2]


_TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_FACT_CHARS}


class MemorySkill:
    """Memory as tools, so the model (or any brain) can remember, forget and list facts.

    Facts belong to ``ctx.profile``. Speech says the fact back in the second person.
    """

    name = "memory"

    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    @property
    def tools(self) -> tuple[Tool, ...]:
        return (
            Tool(
                "memory_remember",
                "Remember a fact about the user for later conversations, in their words "
                "(e.g. 'my sister is called Ana'). Use when they ask you to remember something.",
                {
                    "type": "object",
                    "properties": {"text": {**_TEXT, "description": "The fact, e.g. 'my sister is called Ana'."}},
                    "required": ["text"],
                    "additionalProperties": False,
                },
            ),
            Tool(
                "memory_forget",
                "Forget the remembered fact that best matches the query. Use when the user asks you to forget something.",
                {
                    "type": "object",
                    "properties": {"query": {**_TEXT, "description": "Words of the fact to forget."}},
                    "required": ["query"],
                    "additionalProperties": False,
                },
            ),
            Tool(
                "memory_list",
                "List everything remembered about the user.",
                {"type": "object", "properties": {}, "additionalProperties": False},
            ),
        )

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if tool == "memory_remember":
            return await remember(self.memory, ctx.household_id, ctx.profile, str(arguments["text"]))
        if tool == "memory_forget":
            return await forget(self.memory, ctx.household_id, ctx.profile, str(arguments["query"]))
        if tool == "memory_list":
            return await list_facts(self.memory, ctx.household_id, ctx.profile)
        raise ToolArgumentError(f"there is no tool called {tool!r}")


async def remember(memory: Memory, household: str, profile: str, text: str) -> SkillResult:
    try:
        fact = await memory.remember(household, profile, text)
    except ValueError:
        return SkillResult("What should I remember?", ok=False)
    return SkillResult(f"Okay, I'll remember that {second_person(fact.text)}.", {"id": fact.id, "text": fact.text})


async def forget(memory: Memory, household: str, profile: str, query: str) -> SkillResult:
    fact = await memory.forget(household, profile, query)
    if fact is None:
        return SkillResult("I don't remember anything like that.", {"forgotten": None}, ok=False)
    return SkillResult(f"Okay, I've forgotten that {second_person(fact.text)}.", {"forgotten": fact.text})


async def list_facts(memory: Memory, household: str, profile: str) -> SkillResult:
    facts = [f.text for f in await memory.list(household, profile)]
    if not facts:
        return SkillResult("I don't remember anything about you yet.", {"facts": []})
    shown = facts[-MAX_FACTS_LISTED:]
    more = len(facts) - len(shown)
    tail = f" And {more} older things." if more else ""
    return SkillResult(f"I remember {spoken_list(shown)}.{tail}", {"facts": facts})

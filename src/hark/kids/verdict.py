"""What the kids-mode checks decide: a :class:`Verdict`, and the stable category codes.

Category codes are part of the public API (logs, the parent's transcripts, metrics):
they never change meaning.
"""

from __future__ import annotations

import dataclasses

SELF_HARM = "self-harm"
STRANGERS = "strangers"
"""Unsafe contact: meeting people from online, strangers, secrets kept from parents, being touched."""
SENSITIVE = "sensitive"
"""Something hard a child tells: a death in the family, parents splitting up, being
bullied or hit. Not refused as bad: met with a kind word and sent to a grown-up who loves them."""
SEXUAL = "sexual"
VIOLENCE = "violence"
WEAPONS = "weapons"
DANGER = "danger"
"""Dangerous things to do at home: fire, the stove, bleach, sockets, the roof, swimming alone."""
DRUGS = "drugs"
"""Drugs, alcohol, tobacco and vaping."""
HATE = "hate"
PERSONAL_INFO = "personal-info"
SCARY = "scary"
PURCHASE = "purchase"
PROFANITY = "profanity"

SMART_HOME = "smart-home"
MEMORY = "memory"
NOT_ALLOWED = "not-allowed"

CATEGORIES: tuple[str, ...] = (
    SELF_HARM,
    STRANGERS,
    SENSITIVE,
    SEXUAL,
    VIOLENCE,
    WEAPONS,
    DANGER,
    DRUGS,
    HATE,
    PERSONAL_INFO,
    SCARY,
    PURCHASE,
    PROFANITY,
)
"""The content categories, most serious first: when several apply, the first one is reported."""

TOOL_CATEGORIES: tuple[str, ...] = (PURCHASE, SMART_HOME, MEMORY, NOT_ALLOWED)
"""What :meth:`hark.kids.policy.KidsPolicy.allows_tool` refuses for."""


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    """One decision. ``ok`` False: do not act on / do not speak the text; say ``speech`` instead.

    :param category: a code of :data:`CATEGORIES` or :data:`TOOL_CATEGORIES`; None when ok.
    :param reason: for logs and the parent's transcripts: which layer and what matched.
    :param speech: the gentle spoken replacement ("" when ok).
    :param layer: ``"words"`` (word lists and phrases), ``"learned"`` (:mod:`hark.kids.learned`), ``"classifier"`` or
        ``"policy"``; None when ok.
    :param score: the classifier's probability of offensive language, when it ran.
    """

    ok: bool
    category: str | None = None
    reason: str = ""
    speech: str = ""
    layer: str | None = None
    score: float | None = None


OK = Verdict(True)

"""Honesty rules for the generative brain: no claim without the act, no made-up facts, no notes read aloud.

A language model, the tiny built-in one above all, answers as if it had acted
("The vision lights are turning on.") or knew ("Today is Saturday, December 20.").
The prompt asks it not to; this module makes sure, in code:

* **On the request, before any model call** (cheap regular expressions):

  - :func:`fact_route`: a question about something Hark *knows* (the date, the
    day, the time, arithmetic, a unit conversion, its timers, alarms, reminders
    and lists) becomes the skill tool call that answers it. The brain runs that
    tool and speaks its result: such facts never come from model weights.
  - :func:`command_kind`: a request that reads as a command (an imperative or
    polite request naming a device, a room, a timer, an alarm, a list, the
    volume, music...) or as a question about a device's state. The brain answers
    those with :data:`HONEST_CANT` / :data:`CANT_CHECK` *when the model has no
    tools*: whatever it said, it could not have done it.

* **On the reply, while it streams** (:class:`ReplyGate`): every piece of model
  text passes the gate before the pipeline (and so the speech synthesiser) sees
  it. The gate cuts the text where the pipeline's segmenter could cut it (a
  sentence end, a clause mark, before a clause or phrase word, or after 40
  characters) and lets a piece through at once when it holds no word that could
  take part in a claim (:data:`hark.brain.honesty.gate._RISKY`: action verbs, devices, timers, numbers,
  dates, acknowledgements, words of the notes...). A risky piece is held to the
  end of its sentence, and the whole sentence is judged (:func:`find_claim`):

  - ``action``: it says something was, is being or will be done ("I've set",
    "turning on", "timer cancelled", "Done."). Allowed only when a tool of the
    same domain ran successfully in this turn (:func:`backed`).
  - ``fact``: it states the current date, day or time, an arithmetic or
    conversion result, or the state of timers, alarms, reminders or lists.
    Allowed only when a tool of that kind ran in this turn.
  - ``leak``: it repeats a context note (:func:`hark.brain.prompt.time_note`,
    :func:`~hark.brain.prompt.facts_note`) or the system prompt. Dropped; the
    reply goes on.

  The brain replaces a blocked claim with an honest sentence and stops the model.

So normal answers flow as they did (a piece without risky words is released at
the same point the segmenter would cut it), and only sentences that might claim
something wait for their end: measured with ``bench/false_claims.py``.
"""

from __future__ import annotations

from .claims import Claim, backed, find_claim
from .commands import command_kind
from .facts import FactRoute, fact_route, say_date
from .gate import ReplyGate
from .vocab import CANT_CHECK, CANT_LOOK_UP, HONEST_CANT, NOT_SURE, NOT_THE_REST

__all__ = [
    "CANT_CHECK",
    "CANT_LOOK_UP",
    "HONEST_CANT",
    "NOT_SURE",
    "NOT_THE_REST",
    "Claim",
    "FactRoute",
    "ReplyGate",
    "backed",
    "command_kind",
    "fact_route",
    "find_claim",
    "say_date",
]

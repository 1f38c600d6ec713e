"""What a child hears instead: gentle, short, never a scolding; sensitive topics go to a grown-up."""

from __future__ import annotations

from . import verdict as v

GROWN_UP = "That's a good one to ask a grown-up you trust."

REQUEST_SPEECH: dict[str, str] = {
    v.SELF_HARM: (
        "I'm really glad you told me. Please talk to a grown-up you trust right now, like a parent or a teacher. "
        "You matter, and they can help."
    ),
    v.STRANGERS: (
        "That's really important. Please tell a grown-up you trust about it right away. "
        "They'll know how to keep you safe."
    ),
    v.SENSITIVE: (
        "I'm so sorry. That sounds really hard, and it's okay to feel how you feel. "
        "Please tell a grown-up you trust, like a parent or a teacher, so they can give you a hug and help."
    ),
    v.SEXUAL: f"{GROWN_UP} They can explain it best. Want to hear a fun animal fact instead?",
    v.VIOLENCE: (
        "Let's keep everyone safe and kind. If something is bothering you, a grown-up you trust can help. "
        "Want to play a game instead?"
    ),
    v.WEAPONS: "That's only for grown-ups to handle. A grown-up you trust can tell you more. Want a fun fact instead?",
    v.DANGER: "That could be dangerous, so let's ask a grown-up you trust first. Want to do something fun together?",
    v.DRUGS: f"{GROWN_UP} Want to hear a fun fact instead?",
    v.HATE: "Everyone deserves kindness. Let's talk about something else. What's your favourite animal?",
    v.PERSONAL_INFO: (
        "Let's keep things like addresses, phone numbers and passwords private. A grown-up you trust can help with that."
    ),
    v.SCARY: "That one might be too scary. How about a fun story instead? Pick an animal and I'll start!",
    v.PURCHASE: "I can't buy or order anything. You could ask a grown-up about it.",
    v.PROFANITY: "Let's use kind words. What would you like to talk about?",
}
"""Said instead of answering a child's request, per category."""

CHECK_IN_SPEECH = (
    "Thank you for telling me. If anything is worrying you, or someone is hurting you or asking you to keep "
    "a secret, please tell a grown-up you trust, like a parent or a teacher. They can help."
)
"""Said for a request in the learned layer's check-in tier (:attr:`hark.kids.learned.Head.concern_threshold`):
it may be a disclosure, or nothing at all ("i dont feel like eating my dinner its yucky"), so it
alarms no one and still tells a child who needs it where help is."""

REPLY_SPEECH_DEFAULT = f"Hmm, let's talk about something else. {GROWN_UP} What's your favourite animal?"

REPLY_SPEECH: dict[str, str] = {
    v.SELF_HARM: REQUEST_SPEECH[v.SELF_HARM],
    v.STRANGERS: REQUEST_SPEECH[v.STRANGERS],
    v.PERSONAL_INFO: "Let's keep personal things like addresses and passwords private. What shall we talk about?",
    v.PURCHASE: "I can't buy or order anything. A grown-up can help with that.",
    v.PROFANITY: "Oops, let me say that more kindly. What else would you like to talk about?",
}
"""Said instead of a model reply that was stopped (the rest of it is never spoken)."""

TOOL_SPEECH: dict[str, str] = {
    v.PURCHASE: REQUEST_SPEECH[v.PURCHASE],
    v.SMART_HOME: "That one needs a grown-up. Ask a grown-up to help you with it.",
    v.MEMORY: "I'll keep that just for now. A grown-up can set me up to remember things.",
    v.NOT_ALLOWED: "That's one for a grown-up to do. Want to do something else together?",
}
"""Said instead of running a tool a child may not use."""


def request_speech(category: str) -> str:
    return REQUEST_SPEECH.get(category, f"{GROWN_UP} What else would you like to talk about?")


def reply_speech(category: str) -> str:
    return REPLY_SPEECH.get(category, REPLY_SPEECH_DEFAULT)

"""Hark speaks Wyoming, Home Assistant's voice protocol, with the ``wyoming`` package: speech to
text, text to speech, wake words, the brain as a conversation agent, and whole pipelines for
Wyoming satellites. See docs/wyoming.md."""

from .handle import Conversations
from .info import describe
from .server import WyomingService, check_uri

__all__ = ["Conversations", "WyomingService", "check_uri", "describe"]

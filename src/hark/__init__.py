"""Hark: a fast, private, self-hosted voice assistant."""

__version__ = "0.1.0"

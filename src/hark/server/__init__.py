"""The Hark server: many devices on one household, over WebSocket and HTTP (protocol v1,
see docs/protocol.md and protocol.schema.json)."""

from .app import create_app
from .context import ServerContext, ServerOptions
from .run import serve

__all__ = ["ServerContext", "ServerOptions", "create_app", "serve"]

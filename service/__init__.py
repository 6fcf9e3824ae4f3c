"""The service layer: build orchestration (``Store``) and the one query API
(``Service``) used by the CLI, the HTTP API and the web pages alike.

Layers (enforced by import-linter, see pyproject.toml): cli | web > service >
search > kg.
"""
from .api import Service
from .query import Ambiguous, NotFound
from .store import Store

__all__ = ["Ambiguous", "NotFound", "Service", "Store"]

"""The service layer: build orchestration (``Store``) and the one query API
(``Service``) used by the CLI, the HTTP API and the web pages alike.

Layers (enforced by import-linter, see pyproject.toml): cli | web > service >
search > kg.
"""
from .api import Service
from .query import Ambiguous, NotFound
from .home import HomeBusy, HomeError
from .store import NotBuilt, Store

__all__ = ["Ambiguous", "HomeBusy", "HomeError", "NotBuilt", "NotFound", "Service", "Store"]

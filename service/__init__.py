"""The service layer: build orchestration (``Store``) and the one query API
(``Service``) used by the CLI, the HTTP API and the web pages alike.

Layers (enforced by import-linter, see pyproject.toml): cli | web > service >
search > kg.
"""
import importlib

# Each name is imported from its module when first asked for (PEP 562):
# ``from service import Store`` (a build) does not import what ``Service``
# needs to answer questions (search.engine: bm25s, scipy; ~0.5 s).
_WHERE = {"Service": "api", "Ambiguous": "query", "NotFound": "query", "HomeBusy": "home",
          "HomeError": "home", "NotBuilt": "store", "Store": "store"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Ambiguous", "HomeBusy", "HomeError", "NotBuilt", "NotFound", "Service", "Store"]

"""Session fixtures shared by every test module: the embedding model is
converted once, and one store is built (graph + search index) on the bundled
corpus.  Tests that need a store of their own link the converted model into
their --home with ``link_model`` instead of converting it again."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Questions and passages are embedded in fp32 in tests (and by
# tests/golden/record.py), so scores and goldens are the same on every CPU;
# the default elsewhere is "auto" (bf16 where the CPU has it natively).
# Tests of the settings set them themselves.
os.environ.setdefault("LEGALKG_QUERY_PRECISION", "fp32")
os.environ.setdefault("LEGALKG_EMBED_PRECISION", "fp32")

from search.e5convert import ensure_model
from service import Service, Store
from web import create_app

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """A folder holding the converted e5 model (``<folder>/<MODEL_DIR_NAME>``)."""
    d = tmp_path_factory.mktemp("e5cache")
    ensure_model(d)
    yield d
    shutil.rmtree(d, ignore_errors=True)          # ~0.5 GB; pytest would keep it around


@pytest.fixture(scope="session")
def link_model(model_cache):
    """``link_model(home)``: make ``home`` use the session's converted model."""
    def link(home: Path) -> Path:
        cache = Path(home) / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        if not (cache / "model").exists():
            (cache / "model").symlink_to(model_cache, target_is_directory=True)
        return Path(home)
    return link


@pytest.fixture(scope="session")
def store(tmp_path_factory, link_model) -> Store:
    """One store built (graph + search index) on the bundled corpus."""
    s = Store(CORPUS, link_model(tmp_path_factory.mktemp("home")))
    s.build(index=True)
    return s


@pytest.fixture(scope="session")
def service(store) -> Service:
    return Service(store)


@pytest.fixture(scope="session")
def engine(store):
    return store.search_engine()


@pytest.fixture(scope="session")
def app(store):
    return create_app({"STORE": store, "WARMUP": False})


# ---- web test client and graph fixtures (tests/test_web*.py, test_search_page, test_ask_routes) --
@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def G(store):
    return store.graph()


@pytest.fixture(scope="module")
def some_agency(G):
    """The agency with most lead tasks (Sở Nội vụ on this corpus)."""
    best = max((n for n, a in G.nodes(data=True) if a.get("kind") == "agency"),
               key=lambda n: sum(1 for _, _, k in G.in_edges(n, keys=True) if k == "lead"))
    return best

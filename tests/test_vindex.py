"""search/vindex.py: kind by size, recall of the approximate kinds, save/load (mmap)."""
import numpy as np
import pytest

from search import vindex

D = 32


def _clustered(n, d=D, centers=50, seed=0):
    """Embedding-like data: unit vectors around a few dozen topics."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centers, d))
    x = c[rng.integers(0, centers, n)] + 0.6 * rng.standard_normal((n, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def _exact(x, q, k=10):
    return np.argsort(-(q @ x.T), axis=1)[:, :k]


def test_choose_kind_thresholds():
    assert vindex.choose_kind(10) == "flat"
    assert vindex.choose_kind(49_999) == "flat"
    assert vindex.choose_kind(50_000) == "hnsw"
    assert vindex.choose_kind(999_999) == "hnsw"
    assert vindex.choose_kind(1_000_000) == "ivfpq"
    assert vindex.choose_kind(600, flat_max=500, hnsw_max=2000) == "hnsw"


@pytest.mark.parametrize("n,kind,floor", [(400, "flat", 1.0), (1500, "hnsw", 0.9), (6000, "ivfpq", 0.9)])
def test_kind_recall_and_roundtrip(tmp_path, n, kind, floor):
    x = _clustered(n)
    q = _clustered(50, seed=7)
    vi = vindex.build(x, flat_max=500, hnsw_max=2000, nlist=32 if kind == "ivfpq" else None,
                       nprobe=16 if kind == "ivfpq" else None)
    assert vi.kind == kind and vi.ntotal == n and vi.dim == D
    _, ids = vi.search(q, 10)
    r = vindex.recall_at_k(ids, _exact(x, q))
    assert r >= floor, (kind, r)
    path = tmp_path / "dense.faiss"
    vi.save(path)
    for mmap in (True, False):
        back = vindex.load(path, mmap=mmap)
        assert back.kind == kind and back.ntotal == n
        assert back.params == vi.params
        s2, ids2 = back.search(q, 10)
        np.testing.assert_array_equal(ids2, ids)


def test_empty_and_small():
    vi = vindex.build(np.zeros((0, D), dtype=np.float32))
    assert vi.kind == "flat" and vi.ntotal == 0
    x = _clustered(3)
    s, i = vindex.build(x).search(x[:1], 10)
    assert i.shape == (1, 3) and i[0, 0] == 0
    with pytest.raises(ValueError):
        vindex.build(x, kind="lsh")
    with pytest.raises(ValueError):
        vindex.build(x, kind="ivfpq", nlist=16)

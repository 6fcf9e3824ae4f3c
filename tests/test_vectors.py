"""search/vectors.py: append-only, resumable, memory-mapped embedding store."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from search.vectors import VectorStore, open_store, text_key


def _vecs(n, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, dim)).astype(np.float32)


def test_add_lookup_get_roundtrip(tmp_path):
    st = open_store(tmp_path, "e5-small", 8)
    keys = [text_key(f"passage {i}") for i in range(10)]
    v = _vecs(10)
    assert st.add(keys[:6], v[:6]) == 6
    assert st.add(keys[4:], v[4:]) == 4          # 4, 5 already there: skipped
    assert len(st) == 10
    assert st.lookup(keys + ["nope"]) == set(keys)
    assert st.missing(["nope", keys[0], "nope"]) == ["nope"]
    order = [keys[9], keys[0], keys[5], keys[0]]
    got = st.get(order)
    assert got.dtype == np.float32 and got.shape == (4, 8)
    np.testing.assert_array_equal(got, v[[9, 0, 5, 0]])
    with pytest.raises(KeyError):
        st.get([keys[0], "absent"])
    # one shard per batch, written as plain .npy (no pickle) and never rewritten
    shards = sorted((tmp_path / "e5-small" / "shards").glob("*.npy"))
    assert len(shards) == 2
    assert np.load(shards[0], allow_pickle=False).shape == (6, 8)


def test_reopen_read_only_and_model_mismatch(tmp_path):
    st = open_store(tmp_path, "m1", 4)
    st.add(["a", "b"], _vecs(2, 4))
    st.close()
    ro = open_store(tmp_path, "m1", 4, read_only=True)
    assert ro.lookup(["a", "b", "c"]) == {"a", "b"}
    with pytest.raises(PermissionError):
        ro.add(["c"], _vecs(1, 4))
    with pytest.raises(ValueError):
        VectorStore(tmp_path / "m1", "other-model", 4)
    with pytest.raises(ValueError):
        VectorStore(tmp_path / "m1", "m1", 8)
    with pytest.raises(FileNotFoundError):
        open_store(tmp_path, "never-built", 4, read_only=True)
    with pytest.raises(ValueError):
        open_store(tmp_path, "m1", 4).add(["x"], _vecs(2, 4))


_WRITER = """
import sys, time, numpy as np
from search.vectors import open_store
st = open_store(sys.argv[1], "m", 16)
rng = np.random.default_rng(1)
for b in range(10_000):
    keys = [f"k{b}-{i}" for i in range(32)]
    st.add(keys, np.full((32, 16), b, dtype=np.float32))
    print(b, flush=True)
"""


def test_killed_writer_keeps_finished_batches(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    p = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path)], stdout=subprocess.PIPE, env=env, text=True)
    done = -1
    for line in p.stdout:
        done = int(line)
        if done >= 5:
            break
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    st = open_store(tmp_path, "m", 16)
    n = len(st)
    assert n >= (done + 1) * 32 and n % 32 == 0          # whole batches only
    batches = n // 32
    for b in range(batches):
        keys = [f"k{b}-{i}" for i in range(32)]
        assert (st.get(keys) == b).all()
    # resume: only what is missing gets written
    want = [f"k{b}-{i}" for b in range(batches + 3) for i in range(32)]
    miss = st.missing(want)
    assert len(miss) == 3 * 32
    st.add(miss, np.zeros((len(miss), 16), dtype=np.float32))
    assert len(st) == len(want)


def test_compact_drops_unused_and_orphans(tmp_path):
    st = open_store(tmp_path, "m", 4)
    for b in range(5):
        st.add([f"{b}-{i}" for i in range(3)], np.full((3, 4), b, dtype=np.float32))
    folder = tmp_path / "m" / "shards"
    (folder / "999999.npy").write_bytes(b"orphan of a killed writer")
    keep = [f"{b}-{i}" for b in (1, 3) for i in range(3)]
    res = st.compact(keep=keep, shard_rows=4)
    assert res["kept"] == 6 and res["dropped"] == 9 and res["shards_after"] == 2
    assert len(st) == 6 and st.lookup([f"0-{i}" for i in range(3)]) == set()
    np.testing.assert_array_equal(st.get(keep)[:, 0], [1, 1, 1, 3, 3, 3])
    assert len(list(folder.glob("*.npy"))) == 2
    st.add(["new"], np.ones((1, 4), dtype=np.float32))
    assert "new" in st


def test_reader_during_compaction(tmp_path):
    st = open_store(tmp_path, "m", 4)
    keys = []
    for b in range(40):
        ks = [f"{b}-{i}" for i in range(5)]
        st.add(ks, np.full((5, 4), b, dtype=np.float32))
        keys += ks
    reader = open_store(tmp_path, "m", 4, read_only=True)
    errors, stop = [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                got = reader.get(keys)
                assert (got[:, 0] == np.repeat(np.arange(40), 5)).all()
            except Exception as e:   # noqa: BLE001 - reported below
                errors.append(e)
                return

    t = threading.Thread(target=read)
    t.start()
    for _ in range(3):
        st.compact(shard_rows=64)
        time.sleep(0.01)
    stop.set()
    t.join()
    assert not errors

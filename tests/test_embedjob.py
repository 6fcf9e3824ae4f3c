"""search/embedjob.py: a large build's embedding in a child process that exits.

Same vectors as in the build process; a failure or a killed child is one
clear error and keeps what was written; the child dies with its parent; a
build past the threshold embeds in the child and answers as before."""
import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import service.build as build_mod
from search import embedjob
from search import index as search_index
from search.embedder import embed_to_store
from search.embedjob import EmbedJobError, embed_in_child
from search.vectors import open_store, text_key
from service import Store

REPO = Path(__file__).resolve().parent.parent
MODEL, DIM = build_mod.MODEL_NAME, build_mod.DIM
TEXTS = ["Sở Nội vụ chủ trì rà soát, số hóa kết quả giải quyết thủ tục hành chính.",
         "Văn phòng UBND tỉnh phối hợp kiểm tra việc thực hiện Kế hoạch.",
         "Sở Tư pháp hướng dẫn các huyện triển khai.",
         "Sở Nội vụ chủ trì rà soát, số hóa kết quả giải quyết thủ tục hành chính.",   # a duplicate
         "nhiệm vụ"] + [f"Nhiệm vụ số {i}: báo cáo định kỳ hằng quý về cải cách hành chính." for i in range(8)]


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def test_child_gives_the_vectors_of_the_build_process(tmp_path, link_model, store):
    cache = link_model(tmp_path / "home") / "cache"
    seen = []
    stats = embed_in_child(cache, TEXTS, model=MODEL, dim=DIM, device="cpu", chunk=4,
                           progress=lambda done, total: seen.append((done, total)))
    unique = len(set(TEXTS))
    assert stats["embedded"] == unique and stats["precision"] == "fp32"     # the tests' setting reached the child
    assert seen[-1] == (unique, unique) and len(seen) == -(-unique // 4)
    assert not list((cache / "vectors").glob(".job-*"))                     # the job file is removed
    here = open_store(tmp_path / "here", MODEL, DIM)
    embed_to_store(search_index.get_model(store.cache), TEXTS, here, device="cpu", chunk=4)
    keys = [text_key(t) for t in TEXTS]
    child_vecs = open_store(cache / "vectors", MODEL, DIM).get(keys)
    np.testing.assert_allclose(child_vecs, here.get(keys), atol=1e-6)
    again = embed_in_child(cache, TEXTS, model=MODEL, dim=DIM, device="cpu")
    assert again["embedded"] == 0 and again["reused"] == unique
    installed = [n for n, lib in (("tcmalloc", "tcmalloc_minimal"), ("jemalloc", "jemalloc")) if ctypes.util.find_library(lib)]
    if "LD_PRELOAD" not in os.environ and os.environ.get("LEGALKG_EMBED_MALLOC", "auto") == "auto":
        assert stats["allocator"] == (installed[0] if installed else "system")


def test_allocator_setting(monkeypatch):
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    monkeypatch.setenv("LEGALKG_EMBED_MALLOC", "system")
    assert embedjob.preload({}) is None
    monkeypatch.setenv("LEGALKG_EMBED_MALLOC", "Auto ")
    assert embedjob.malloc_setting() == "auto"
    assert embedjob.preload({"LD_PRELOAD": "libmine.so"}) is None          # the user's preload is left alone
    lib = embedjob.preload({})
    assert lib is None or "jemalloc" in lib or "tcmalloc" in lib
    monkeypatch.setenv("LEGALKG_EMBED_MALLOC", "hoard")
    with pytest.raises(ValueError, match="LEGALKG_EMBED_MALLOC"):
        embedjob.malloc_setting()


def test_a_failing_child_is_one_clear_error(tmp_path):
    cache = tmp_path / "cache"
    open_store(cache / "vectors", MODEL, 6).close()            # a store of another dimension
    with pytest.raises(EmbedJobError, match=r"embedding failed: ValueError: .*dim"):
        embed_in_child(cache, TEXTS, model=MODEL, dim=DIM, device="cpu")
    assert not list((cache / "vectors").glob(".job-*"))


def test_a_killed_child_is_reported_and_its_written_chunks_kept(tmp_path, link_model):
    cache = link_model(tmp_path / "home") / "cache"

    def kill_child(done, total):
        for pid in _children(os.getpid()):
            os.kill(pid, signal.SIGKILL)
    with pytest.raises(EmbedJobError, match="killed by signal 9"):
        embed_in_child(cache, TEXTS, model=MODEL, dim=DIM, device="cpu", chunk=4, progress=kill_child)
    kept = len(open_store(cache / "vectors", MODEL, DIM))
    assert 4 <= kept < len(set(TEXTS))                          # the first chunk was written before the kill
    stats = embed_in_child(cache, TEXTS, model=MODEL, dim=DIM, device="cpu", chunk=4)
    assert stats["reused"] == kept and stats["embedded"] == len(set(TEXTS)) - kept


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_the_child_dies_with_a_killed_build(tmp_path, link_model):
    cache = link_model(tmp_path / "home") / "cache"
    script = ("import sys; from search.embedjob import embed_in_child\n"
              "embed_in_child(sys.argv[1], [f'đoạn {i} ' * 40 for i in range(400)], model=sys.argv[2], dim=384,"
              " device='cpu', chunk=8, progress=lambda d, t: print('progress', flush=True))\n")
    parent = subprocess.Popen([sys.executable, "-c", script, str(cache), MODEL], cwd=REPO, stdout=subprocess.PIPE,
                              env=dict(os.environ, PYTHONPATH=str(REPO)), text=True)
    try:
        assert parent.stdout.readline().strip() == "progress"   # the child is embedding
        kids = _children(parent.pid)
        assert kids
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(Path(f"/proc/{k}").exists() for k in kids):
            time.sleep(0.1)
        alive = [k for k in kids if Path(f"/proc/{k}/stat").exists()
                 and (Path(f"/proc/{k}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z")]
        assert not alive
    finally:
        parent.kill()
        parent.stdout.close()


def test_a_build_past_the_threshold_embeds_in_the_child(tmp_path, link_model, store, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    src = sorted((REPO / "data" / "corpus").iterdir())[0]
    shutil.copyfile(src, data / src.name)
    here = Store(data, link_model(tmp_path / "here"))
    assert here.build(index=True)["embedding"].get("process") is None      # below the threshold: in-process
    monkeypatch.setattr(build_mod, "EMBED_IN_CHILD_FROM", 1)
    loaded = []
    monkeypatch.setattr(search_index, "get_model", lambda *a, **k: loaded.append(a) or pytest.fail("model loaded"))
    s = Store(data, link_model(tmp_path / "home"))
    summary = s.build(index=True)
    assert summary["embedding"]["embedded"] > 0 and not loaded       # embedded, and not in this process
    assert summary["embedding"]["process"] == "child"
    monkeypatch.undo()
    # the build dropped its graph and extractions while the child ran and read them back: same outputs
    for name in ("extractions.json", "graph.msgpack", "export.nt", "lineage.json", "index/records.jsonl"):
        assert (s.current / name).read_bytes() == (here.current / name).read_bytes(), name
    assert {k: v for k, v in summary.items() if k not in ("home", "embedding", "seconds", "steps")} == \
        {k: v for k, v in here.summary().items() if k not in ("home", "embedding", "seconds", "steps")}
    recs = s.search_engine().records
    keys = [text_key(r["passage"]) for r in recs]
    here = open_store(store.cache / "vectors", MODEL, DIM)           # the session build, embedded in-process
    np.testing.assert_allclose(open_store(s.cache / "vectors", MODEL, DIM).get(keys), here.get(keys), atol=1e-6)
    assert s.search_engine().rank("rà soát thủ tục hành chính", k=3)["results"]

"""The built home (issues 11.4, 12.4, 12.6, 12.7, 12.9, 12.10, 12.11, 12.12,
12.14): pointer, lock, permissions, listing, incremental builds, kills.
No embedding model here: builds run with --no-index (see test_build_index.py)."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kg.graphfile import read_graph
from service import Service, Store
from service import extractpool
from search.embedder import cuda_available
from service.extractpool import ExtractPool
from service.home import HomeLock, current_build, escape_name, list_corpus
from tinycorpus import ROOT, cli, doc_text, make_corpus


def _build(data, home, *extra, env=None):
    r = cli("build", "--no-index", "--json", *extra, data=data, home=home, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), r.stderr


def test_build_layout_pointer_and_no_pickle(tmp_path):
    data, home = make_corpus(tmp_path / "c"), tmp_path / "h"
    s, _ = _build(data, home)
    assert s["documents"] == 3 and s["extracted"] == 3 and s["errors"] == [] and s["skipped"] == []
    cur = home / "current"
    assert cur.is_symlink() and os.readlink(cur).startswith("build-")
    for name in ("manifest.json", "extractions.json", "graph.msgpack", "export.nt", "rdf", "texts"):
        assert (cur / name).exists(), name
    assert not list(home.rglob("*.pickle")) and not list(home.rglob("*.pkl"))
    G = read_graph(cur / "graph.msgpack")
    assert G.nodes["vinh-phuc/101-kh-ubnd"]["in_corpus"]
    # the second build reuses every extraction and leaves one previous build at most
    s2, _ = _build(data, home)
    assert s2["extracted"] == 0 and s2["reused"] == 3
    builds = sorted(p.name for p in home.iterdir() if p.name.startswith("build-"))
    assert len(builds) == 2 and os.readlink(cur) in builds


def test_no_module_imports_pickle():
    for pkg in ("kg", "search", "service", "web", "cli"):
        for py in (ROOT / pkg).rglob("*.py"):
            src = py.read_text(encoding="utf-8")
            assert "import pickle" not in src and "pickle.load" not in src, py


def test_umask_is_respected_and_new_home_is_private(tmp_path):
    data, home = make_corpus(tmp_path / "c"), tmp_path / "h"
    r = subprocess.run([sys.executable, "-m", "cli", "--data", str(data), "--home", str(home), "build",
                        "--no-index", "--json"], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), preexec_fn=lambda: os.umask(0o077), timeout=300)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    cur = current_build(home)
    for p in [cur, cur / "manifest.json", cur / "extractions.json", cur / "graph.msgpack", home / "cache"] + \
            list((home / "cache" / "extract").iterdir()):
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p


def test_unsafe_homes_are_refused(tmp_path):
    data, home = make_corpus(tmp_path / "c"), tmp_path / "h"
    home.mkdir()
    os.chmod(home, 0o777)
    r = cli("build", "--no-index", data=data, home=home)
    assert r.returncode == 2 and "writable by others" in r.stderr and len(r.stderr.splitlines()) == 1
    r = cli("cites", "61/2018/NĐ-CP", data=data, home=home)
    assert r.returncode == 2 and "writable by others" in r.stderr
    os.chmod(home, 0o700)
    if os.getuid() == 0:
        os.chown(home, 65534, 65534)
        r = cli("build", "--no-index", data=data, home=home)
        assert r.returncode == 2 and "owned by another user" in r.stderr
    f = tmp_path / "file"
    f.write_text("x")
    r = cli("build", "--no-index", data=data, home=f)
    assert r.returncode == 2 and "not a folder" in r.stderr


def test_second_build_exits_2_or_waits(tmp_path):
    data, home = make_corpus(tmp_path / "c"), tmp_path / "h"
    home.mkdir(mode=0o700)
    lock = HomeLock(home).acquire()
    try:
        r = cli("build", "--no-index", data=data, home=home)
        assert r.returncode == 2
        assert f"home is being built by PID {os.getpid()}" in r.stderr
        threading.Timer(2.0, lock.release).start()
        t0 = time.monotonic()
        r = cli("build", "--no-index", "--wait", "--json", data=data, home=home)
        assert r.returncode == 0, r.stderr
        assert time.monotonic() - t0 >= 1.5
    finally:
        lock.release()


def test_hostile_entries_are_skipped_and_named(tmp_path):
    data = make_corpus(tmp_path / "c", numbers=(101,))
    outside = tmp_path / "secret.txt"
    outside.write_text(doc_text(999), encoding="utf-8")
    (data / "out.txt").symlink_to(outside)
    (data / "dangling.txt").symlink_to(data / "missing.txt")
    (data / "loop.txt").symlink_to(data / "loop.txt")
    (data / "inside.txt").symlink_to(data / "kh_101.txt")           # same file: listed once
    os.mkfifo(data / "pipe.txt")
    os.mkdir(data / "sub")
    (data / "sub" / "up").symlink_to(data, target_is_directory=True)  # folder loop
    bad = os.fsencode(str(data)) + b"/bad\xff\xfe.txt"
    with open(bad, "wb") as fh:
        fh.write(doc_text(102).encode())
    (data / "new\nline.txt").write_text(doc_text(103), encoding="utf-8")
    listing = list_corpus(data)
    assert [lab for lab, _ in listing.files] == ["kh_101.txt"]
    text = "\n".join(listing.skipped)
    for needle in ("out.txt: symbolic link pointing outside", "dangling.txt: dangling", "loop.txt: symbolic link loop",
                   "pipe.txt: not a regular file", "bad\\xff\\xfe.txt: file name is not valid UTF-8",
                   "new\\nline.txt: file name contains a control character"):
        assert needle in text, (needle, text)
    home = tmp_path / "h"
    s, err = _build(data, home)
    assert s["documents"] == 1
    lines = [ln for ln in err.splitlines() if ln.startswith("legalkg: skipped: ")]
    assert len(lines) == len(listing.skipped) == 7          # a link to a listed file is not named
    assert not any("secret" in json.dumps(e) for e in s["warnings"])
    assert escape_name("a\tb\x1b") == "a\\tb\\x1b"


@pytest.mark.skipif(os.getuid() == 0, reason="root reads unreadable folders")
def test_unreadable_folder_is_named(tmp_path):
    data = make_corpus(tmp_path / "c", numbers=(101,))
    (data / "locked").mkdir()
    os.chmod(data / "locked", 0)
    try:
        assert any(s.startswith("locked: cannot read folder") for s in list_corpus(data).skipped)
    finally:
        os.chmod(data / "locked", 0o700)


def test_stale_build_folders_are_removed(tmp_path):
    data, home = make_corpus(tmp_path / "c"), tmp_path / "h"
    _build(data, home)
    for name in (".build-dead1", ".old-dead2", "build-ancient"):
        (home / name).mkdir()
        (home / name / "junk").write_text("x")
    _build(data, home)
    left = sorted(p.name for p in home.iterdir())
    assert not any(n.startswith((".build-", ".old-")) or n == "build-ancient" for n in left), left


def test_add_and_remove_one_file(tmp_path):
    data, home = make_corpus(tmp_path / "c"), tmp_path / "h"
    _build(data, home)
    (data / "kh_104.txt").write_text(doc_text(104, (103,)), encoding="utf-8")
    s, _ = _build(data, home)
    assert (s["extracted"], s["reused"], s["documents"]) == (1, 3, 4)
    q = 'SELECT ?d WHERE { ?d <http://data.europa.eu/eli/ontology#id_local> "104/KH-UBND" }'
    r = cli("sparql", q, "--json", data=data, home=home)
    assert len(json.loads(r.stdout)["results"]["bindings"]) == 1
    (data / "kh_102.txt").unlink()
    s, _ = _build(data, home)
    assert (s["extracted"], s["documents"]) == (0, 3)
    cur = current_build(home)
    exs = json.loads((cur / "extractions.json").read_text(encoding="utf-8"))
    assert "kh_102.txt" not in {e["source"] for e in exs}
    G = read_graph(cur / "graph.msgpack")
    n = G.nodes.get("vinh-phuc/102-kh-ubnd")
    assert n is None or not n.get("in_corpus")             # still cited by 103, but no longer a corpus document
    assert not any(a.get("source") == "kh_102.txt" for _, a in G.nodes(data=True))
    ask = 'ASK { ?t <http://data.europa.eu/eli/ontology#is_part_of> ?d . ?d <http://data.europa.eu/eli/ontology#id_local> "102/KH-UBND" }'
    r = cli("sparql", ask, "--json", data=data, home=home)
    assert json.loads(r.stdout)["boolean"] is False
    assert "kh_102" not in (cur / "export.nt").read_text(encoding="utf-8")


def test_duplicate_numbers_keep_both_and_pick_canonical(tmp_path):
    data = make_corpus(tmp_path / "c", numbers=(101,))
    (data / "sub").mkdir()
    # junk copies: same number, fewer rows; one sorts before the original, one after
    junk = doc_text(101, rows=1)
    (data / "sub" / "zz_copy.txt").write_text(junk, encoding="utf-8")
    (data / "a_copy.txt").write_text(junk, encoding="utf-8")
    home = tmp_path / "h"
    s, _ = _build(data, home)
    assert s["documents"] == 3
    dup = [w for w in s["warnings"] if w.startswith("duplicate document number")]
    assert dup and "using kh_101.txt" in dup[0], s["warnings"]
    G = read_graph(current_build(home) / "graph.msgpack")
    node = G.nodes["vinh-phuc/101-kh-ubnd"]
    assert node["source"] == "kh_101.txt" and set(node["duplicates"]) == {"a_copy.txt", "sub/zz_copy.txt"}


def test_pages_show_the_extracted_text_not_the_live_file(tmp_path):
    data, home = make_corpus(tmp_path / "c"), tmp_path / "h"
    _build(data, home)
    before = (data / "kh_101.txt").read_text(encoding="utf-8")
    (data / "kh_101.txt").write_text("edited " + before, encoding="utf-8")
    svc = Service(Store(data, home, auto_build=False))
    assert svc.source_text("kh_101.txt") == before
    (data / "kh_101.txt").unlink()
    assert svc.source_text("kh_101.txt") == before


def test_server_store_never_builds_and_follows_the_pointer(tmp_path):
    data, home = make_corpus(tmp_path / "c"), tmp_path / "h"
    st = Store(data, home, auto_build=False, watch_interval=0)
    with pytest.raises(LookupError):
        st.graph()
    assert not (home / "current").exists()
    _build(data, home)
    G1 = st.graph()
    (data / "kh_104.txt").write_text(doc_text(104), encoding="utf-8")
    assert st.graph() is G1                              # corpus changed: the server does not build
    _build(data, home)
    G2 = st.graph()
    assert G2 is not G1 and "vinh-phuc/104-kh-ubnd" in G2


def test_pool_survives_timeouts_crashes_and_bad_files(tmp_path, monkeypatch):
    real = extractpool.extract_to_cache

    def fake(path, label, key, cache_dir):
        if label == "slow.txt":
            time.sleep(60)
        if label == "crash.txt":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, label, key, cache_dir)
    monkeypatch.setattr(extractpool, "extract_to_cache", fake)   # the workers are forked: they see it
    data = make_corpus(tmp_path / "c", numbers=(101, 102))
    for name in ("slow.txt", "crash.txt"):
        (data / name).write_text(doc_text(5), encoding="utf-8")
    (data / "empty.txt").write_bytes(b"")
    jobs = [(p.name, p, f"k{i}") for i, p in enumerate(sorted(data.iterdir()))]
    cache = tmp_path / "cache"
    cache.mkdir()
    t0 = time.monotonic()
    res = ExtractPool(cache, workers=2, seconds=3).run(jobs)
    assert time.monotonic() - t0 < 30
    errs = "\n".join(res["errors"])
    assert "slow.txt: extraction took longer than 3 s" in errs and "crash.txt: the extraction worker died" in errs
    done = {p.stem for p in cache.glob("*.json")}
    names = {j[0]: j[2] for j in jobs}
    assert names["kh_101.txt"] in done and names["kh_102.txt"] in done


KILL_POINTS = (0.5, 1.5, 2.5, 3.5, 5.0)


@pytest.mark.slow
def test_kill_9_at_several_points_then_resume(tmp_path):
    data, home = make_corpus(tmp_path / "c", numbers=tuple(range(101, 113))), tmp_path / "h"
    s0, _ = _build(data, home)
    first = os.readlink(home / "current")
    (data / "kh_200.txt").write_text(doc_text(200, (101,)), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for delay in KILL_POINTS:
        p = subprocess.Popen([sys.executable, "-m", "cli", "--data", str(data), "--home", str(home), "build",
                              "--no-index", "--json"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        # whatever the moment, the pointer names a complete build that answers
        cur = current_build(home)
        assert cur is not None and (cur / "manifest.json").exists(), delay
        st = Store(data, home, auto_build=False)
        assert st.graph().number_of_nodes() > 0
        assert st.sparql("ASK { ?s ?p ?o }")["boolean"] is True
        st.close()
    s, _ = _build(data, home)
    assert s["documents"] == 13 and s["extracted"] <= 1
    left = [p.name for p in home.iterdir() if p.name.startswith((".build-", ".old-", ".current-"))]
    assert left == []
    assert os.readlink(home / "current") != first or s0["documents"] == 13


def test_device_and_progress_arguments(tmp_path):
    data, home = make_corpus(tmp_path / "c", numbers=(101,)), tmp_path / "h"
    r = cli("build", "--no-index", data=data, home=home, env={"LEGALKG_DEVICE": "tpu"})
    assert r.returncode == 2 and "LEGALKG_DEVICE" in r.stderr
    r = cli("build", "--no-index", data=data, home=home, env={"LEGALKG_EMBED_PRECISION": "int4"})
    assert r.returncode == 2 and "LEGALKG_EMBED_PRECISION" in r.stderr and len(r.stderr.splitlines()) == 1
    r = cli("build", "--no-index", data=data, home=home, env={"LEGALKG_EMBED_MALLOC": "tcmalloc2"})
    assert r.returncode == 2 and "LEGALKG_EMBED_MALLOC" in r.stderr and len(r.stderr.splitlines()) == 1
    for cmd in (("ask", "ai chủ trì số hóa"), ("serve", "--port", "8")):    # refused before it listens
        r = cli(*cmd, data=data, home=home, env={"LEGALKG_QUERY_PRECISION": "int4"}, timeout=60)
        assert r.returncode == 2 and "LEGALKG_QUERY_PRECISION" in r.stderr and len(r.stderr.splitlines()) == 1
        r = cli(*cmd, data=data, home=home, env={"LEGALKG_QUERY_GRAPH": "jit"}, timeout=60)
        assert r.returncode == 2 and "LEGALKG_QUERY_GRAPH='jit'" in r.stderr and len(r.stderr.splitlines()) == 1
    r = cli("build", "--no-index", "--progress", "loud", data=data, home=home)
    assert r.returncode == 2 and "--progress" in r.stderr
    r = cli("build", "--no-index", "--workers", "0", data=data, home=home)
    assert r.returncode == 2 and "--workers" in r.stderr
    if not cuda_available():
        r = cli("build", "--no-index", "--device", "cuda", data=data, home=home)
        assert r.returncode == 2 and "cuda" in r.stderr and len(r.stderr.splitlines()) == 1

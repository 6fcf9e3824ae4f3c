"""Builds with the search index on tiny corpora (issue 11.1, 11.4, 11.5):
progress, incremental and resumable embedding, the remote SPARQL endpoint,
the Dask cluster build, and several server processes on one home."""
from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest

from search import records
from service import Store
from web import create_app
from service.home import current_build
from service.triplestore import oxigraph_server_binary
from tinycorpus import ROOT, cli, doc_text, make_corpus


@pytest.fixture
def corpus(tmp_path, link_model):
    data = make_corpus(tmp_path / "c")
    home = link_model(tmp_path / "h")
    os.chmod(home, 0o700)
    return data, home


def _build(data, home, *extra, env=None):
    r = cli("build", "--json", "--progress", "none", *extra, data=data, home=home, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_incremental_embedding_and_progress(corpus):
    data, home = corpus
    r = cli("build", "--json", "--progress", "json", data=data, home=home, timeout=600)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    emb = s["embedding"]
    assert emb["passages"] == 9 and emb["embedded"] == 9 and emb["kind"] == "flat"
    lines = [json.loads(ln) for ln in r.stderr.splitlines() if ln.startswith("{")]
    steps = {ln["progress"] for ln in lines}
    assert {"extract", "embed", "index", "rdf"} <= steps
    last = [ln for ln in lines if ln["progress"] == "embed"][-1]
    assert last["done"] == last["total"] == 9 and "rate" in last and "eta" in last
    # no TTY, --json: nothing but JSON on stdout and no progress on stderr
    (data / "kh_104.txt").write_text(doc_text(104, (103,)), encoding="utf-8")
    r = cli("build", "--json", data=data, home=home, timeout=600)
    s = json.loads(r.stdout)
    assert not any(ln.startswith("{") for ln in r.stderr.splitlines())
    assert (s["extracted"], s["embedding"]["embedded"], s["embedding"]["reused"]) == (1, 3, 9)
    (data / "kh_101.txt").unlink()
    s = _build(data, home)
    assert s["embedding"]["embedded"] == 0
    recs = records.read_all(current_build(home) / "index")
    assert len(recs) == 9 and not any(r["document"]["number"] == "101/KH-UBND" for r in recs)
    res = json.loads(cli("ask", "ai chủ trì số hóa hồ sơ", "--json", data=data, home=home).stdout)
    assert res["results"]


def test_progress_bars_on_a_terminal(tmp_path):
    data = make_corpus(tmp_path / "c")
    home = tmp_path / "h"
    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "cli", "--data", str(data), "--home", str(home), "build",
                          "--no-index", "--json"], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out = p.stdout.read()
    p.wait(300)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    assert json.loads(out)["documents"] == 3
    text = err.decode("utf-8", "replace")
    assert "extract" in text and "3/3" in text and "file/s" in text, text


@pytest.mark.slow
def test_killed_embedding_resumes(corpus):
    data, home = corpus
    for n in range(104, 124):
        (data / f"kh_{n}.txt").write_text(doc_text(n), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), LEGALKG_EMBED_CHUNK="6")
    p = subprocess.Popen([sys.executable, "-m", "cli", "--data", str(data), "--home", str(home), "build",
                          "--json"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    shards = home / "cache" / "vectors" / "multilingual-e5-small" / "shards"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(shards.glob("*.npy"))) < 2:
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert not (home / "current").exists()
    s = _build(data, home)
    emb = s["embedding"]
    # at least the first committed chunk survived the kill; only the rest is embedded again
    assert emb["passages"] == 69 and emb["reused"] >= 6 and emb["embedded"] + emb["reused"] == 69


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5).read()
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"{url} did not answer")
            time.sleep(0.3)


@pytest.fixture
def oxigraph_server(tmp_path):
    exe = oxigraph_server_binary()
    if not exe:
        pytest.skip("oxigraph server binary not installed (pip install oxigraph; it is in the test extra)")
    port = _free_port()
    proc = subprocess.Popen([exe, "serve", "--location", str(tmp_path / "ox"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    _wait_http(base + "/query?query=ASK%7B%7D", proc, 30)
    yield base
    proc.terminate()
    proc.wait(10)


def test_remote_sparql_endpoint(tmp_path, oxigraph_server):
    data, home = make_corpus(tmp_path / "c"), tmp_path / "h"
    r = cli("build", "--no-index", "--json", "--sparql-url", oxigraph_server, data=data, home=home)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["rdf"]["store"] == "remote"
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    direct = json.loads(urllib.request.urlopen(oxigraph_server + "/query?" + urllib.parse.urlencode({"query": q}),
                                               timeout=10).read())
    assert int(direct["results"]["bindings"][0]["n"]["value"]) == s["rdf"]["triples"]
    # the build's local copy is gone: queries can only be answered by the endpoint
    for p in (current_build(home) / "rdf").iterdir():
        if p.name != "prefixes.json":
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    r = cli("sparql", "SELECT ?d WHERE { ?d eli:id_local \"101/KH-UBND\" }", "--json", data=data, home=home)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["results"]["bindings"]) == 1
    app = create_app({"STORE": Store(data, home), "WARMUP": False})
    resp = app.test_client().get("/sparql", query_string={"query": q}, headers={"Accept": "application/json"})
    assert resp.status_code == 200 and resp.get_json()["results"]["bindings"][0]["n"]["value"] == \
        str(s["rdf"]["triples"])


@pytest.mark.slow
def test_cluster_build_is_byte_identical(tmp_path, link_model):
    distributed = pytest.importorskip("distributed")
    data = make_corpus(tmp_path / "c")
    local, remote = link_model(tmp_path / "local"), link_model(tmp_path / "remote")
    for h in (local, remote):
        os.chmod(h, 0o700)
    Store(data, local).build(index=True)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as lc:
        s = Store(data, remote).build(index=True, cluster=lc.scheduler_address)
    assert s["extracted"] == 3 and s["embedding"]["embedded"] == 9
    a, b = current_build(local), current_build(remote)
    for name in ("extractions.json", "graph.msgpack", "export.nt", "index/records.jsonl", "index/dense.faiss"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for t in (a / "texts").iterdir():
        assert t.read_bytes() == (b / "texts" / t.name).read_bytes()


@pytest.mark.slow
def test_cluster_build_keeps_the_per_file_budget(tmp_path):
    """A file past its budget on a cluster worker is reported by name and
    skipped, the worker's thread is not held, and the rest builds."""
    distributed = pytest.importorskip("distributed")
    data = make_corpus(tmp_path / "c", numbers=(101,))
    home = tmp_path / "h"
    home.mkdir(mode=0o700)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as lc:
        # no real extraction finishes in a millisecond, the worker start included
        s = Store(data, home).build(index=False, cluster=lc.scheduler_address, file_timeout=0.001)
        assert s["extracted"] == 0
        assert [e for e in s["errors"] if "kh_101.txt" in e and "took longer than 0.001 s" in e], s["errors"]
        (data / "kh_102.txt").write_text(doc_text(102, (101,)), encoding="utf-8")
        s = Store(data, home).build(index=False, cluster=lc.scheduler_address, file_timeout=60)
    assert s["extracted"] == 2 and not s.get("errors")


def test_bad_cluster_address_is_exit_2(tmp_path):
    data, home = make_corpus(tmp_path / "c"), tmp_path / "h"
    r = cli("build", "--no-index", "--cluster", "nonsense", data=data, home=home)
    assert r.returncode == 2 and "--cluster" in r.stderr


@pytest.mark.slow
def test_two_gunicorn_workers_share_one_home(corpus):
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        pytest.skip("gunicorn not installed")
    data, home = corpus
    _build(data, home)
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), LEGALKG_DATA=str(data), LEGALKG_HOME=str(home))
    proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "web:create_app()"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/healthz", proc, 120)
        assert len(psutil.Process(proc.pid).children()) == 2
        q = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        for _ in range(12):
            req = urllib.request.Request(base + "/sparql?" + q, headers={"Accept": "application/json"})
            body = json.loads(urllib.request.urlopen(req, timeout=60).read())
            assert int(body["results"]["bindings"][0]["n"]["value"]) > 0
            h = json.loads(urllib.request.urlopen(base + "/healthz", timeout=60).read())
            assert h["status"] == "ok" and h["documents"] == 3
            cites = json.loads(urllib.request.urlopen(base + "/api/cites?ref=102/KH-UBND&direction=in",
                                                      timeout=60).read())
            assert cites["nodes"]
        assert (home / "current").is_symlink()
        before = sorted(p.name for p in home.iterdir())
        assert before == sorted(p.name for p in home.iterdir())         # serving wrote nothing
    finally:
        proc.terminate()
        proc.wait(30)

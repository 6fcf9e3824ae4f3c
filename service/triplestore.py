"""The RDF of a build in a real SPARQL 1.1 database.

Two backends with one interface (``query``, ``query_json``, ``count``, ``close``):

* :class:`OxigraphStore` — pyoxigraph (RocksDB) on disk in the built home.
  :func:`build_oxigraph` bulk-loads the build's triples (N-Triples bytes or
  file, or an rdflib Graph) into a fresh folder; serving opens it read-only.
* :class:`RemoteStore` — any SPARQL 1.1 endpoint by URL (Oxigraph server,
  Fuseki, Virtuoso, QLever): loaded with the Graph Store protocol (``PUT``
  the first chunk, ``POST`` the rest, N-Triples) or with ``INSERT DATA``
  updates in chunks; queried with the SPARQL protocol.

Query safety (issue 12.1).  Every query passes :func:`check_query` (20 kB,
no UPDATE, no SERVICE).  pyoxigraph releases the GIL while it evaluates, but
a running query cannot be interrupted, and a deeply nested expression can
overflow the native stack and kill the process.  So local queries run in a
small pool of worker processes that open the store read-only; each worker
evaluates on a thread with a 256 MB stack; a query (parse included) past its
deadline gets its worker SIGKILLed and replaced, and the caller gets
:class:`QueryTimeout`.  Other queries keep running on the other workers; the
calling thread only waits on a pipe, so the web server's threads are never
blocked.  Remote queries have a total deadline on connect + read.

Results: SELECT/ASK as SPARQL JSON / CSV / TSV bytes (:meth:`query`), or the
dict that ``kg.rdf.run_sparql`` returns today (:meth:`query_json`:
SELECT → head/results/truncated, ASK → boolean, CONSTRUCT/DESCRIBE →
``{"turtle", "truncated", "triples"}``); graph results also as N-Triples,
Turtle (pyoxigraph) or JSON-LD / RDF/XML (rdflib).
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue
import re
import shutil
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import pyoxigraph as ox
import rdflib

from .sparqlcheck import (QueryBusy, QueryError, QueryTimeout, bindings_csv, bindings_tsv, boolean_text, check_query,
                          term_json)

__all__ = ["OxigraphStore", "RemoteStore", "QueryBusy", "QueryError", "QueryTimeout", "QueryResult", "build_oxigraph",
           "check_query", "RESULT_TYPES"]

DEFAULT_TIMEOUT = 10.0
DEFAULT_LIMIT = 10_000
MAX_RESPONSE_BYTES = 64 << 20
PREFIXES_FILE = "prefixes.json"
RESULT_TYPES = {"json": "application/sparql-results+json", "csv": "text/csv; charset=utf-8",
                "tsv": "text/tab-separated-values; charset=utf-8", "nt": "application/n-triples",
                "turtle": "text/turtle", "jsonld": "application/ld+json", "xml": "application/rdf+xml"}
_GRAPH_FORMATS = ("nt", "turtle", "jsonld", "xml")


@dataclass
class QueryResult:
    kind: str               # "select" | "ask" | "graph"
    format: str             # json | csv | tsv | nt | turtle | jsonld | xml
    body: bytes
    truncated: bool = False
    rows: int = 0           # solutions or triples in body

    @property
    def content_type(self) -> str:
        return RESULT_TYPES[self.format]


# --------------------------------------------------------------- loading --

def _ntriples(source) -> Union[bytes, Path]:
    if isinstance(source, rdflib.Graph):
        return source.serialize(format="nt", encoding="utf-8")
    if isinstance(source, (str, Path)):
        return Path(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    raise TypeError(f"cannot load triples from {type(source).__name__}")


def build_oxigraph(path: Path, source, prefixes: Optional[dict] = None) -> int:
    """Create a new store at ``path`` (must not exist) from N-Triples bytes, an
    N-Triples file or an rdflib Graph (whose namespaces become the default
    query prefixes).  Returns the number of triples."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path}: already exists (build a store in a fresh folder, then swap)")
    if prefixes is None and isinstance(source, rdflib.Graph):
        prefixes = {p: str(ns) for p, ns in source.namespaces() if p}
    data = _ntriples(source)
    path.mkdir(parents=True)
    store = ox.Store(str(path))
    try:
        if isinstance(data, Path):
            store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
        else:
            store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        store.optimize()
        n = len(store)
    finally:
        del store
    (path / PREFIXES_FILE).write_text(json.dumps(prefixes or {}, sort_keys=True), encoding="utf-8")
    return n


# ---------------------------------------------------- result conversion --

def _ox_term(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        return term_json("literal", t.value, t.language, t.datatype.value if t.datatype else None)
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _ox_term(t.subject), "predicate": _ox_term(t.predicate),
                                            "object": _ox_term(t.object)}}
    return {"type": "literal", "value": str(t)}


def _graph_bytes(nt: bytes, fmt: str, prefixes: dict) -> bytes:
    if fmt == "nt":
        return nt
    if fmt == "turtle":
        triples = [q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""
    g = rdflib.Graph()
    for p, ns in sorted(prefixes.items()):
        g.bind(p, ns, override=True, replace=True)
    g.parse(data=nt, format="nt")
    return g.serialize(format="json-ld" if fmt == "jsonld" else "xml", encoding="utf-8")


_POSITION_RE = re.compile(r"^error at (\d+):(\d+):\s*")


_PNAME_RE = re.compile(r"([A-Za-z][\w.-]*)?:[\w.-]*$")


def _error_line(e: Exception, query: str = "") -> str:
    """One line in the service's wording: 'SPARQL syntax error at line L, column C: …'
    for Oxigraph's parse errors ('error at 1:8: expected …'), "invalid SPARQL query:
    Unknown namespace prefix 'x'" for an undeclared prefix, 'query failed: …' otherwise."""
    text = " ".join(str(e).split())[:300]
    if not isinstance(e, SyntaxError):
        return f"query failed: {text}"
    m = _POSITION_RE.match(text)
    if m and "Prefix not found" in text:
        lines = query.split("\n")
        line_no, col = int(m.group(1)), int(m.group(2))
        before = lines[line_no - 1][:col - 1].rstrip() if 0 < line_no <= len(lines) else ""
        pm = _PNAME_RE.search(before)
        return f"invalid SPARQL query: Unknown namespace prefix '{pm.group(1) or '' if pm else ''}'"
    if m:
        return f"SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {text[m.end():]}"
    return f"SPARQL syntax error: {text}"


def _evaluate(store, query: str, fmt: str, limit: int, prefixes: dict) -> tuple:
    """Run in a worker: -> (kind, fmt, body bytes, truncated, rows) or for
    fmt == "dict" (kind, "dict", python dict, truncated, rows)."""
    res = store.query(query, prefixes=prefixes)
    if isinstance(res, ox.QueryBoolean):
        val = bool(res)
        if fmt in ("csv", "tsv"):
            return "ask", fmt, boolean_text(val, fmt), False, 1
        doc = {"head": {}, "boolean": val}
        return "ask", fmt, doc if fmt == "dict" else json.dumps(doc).encode(), False, 1
    if isinstance(res, ox.QuerySolutions):
        names = [v.value for v in res.variables]
        bindings, truncated = [], False
        for sol in res:
            if len(bindings) >= limit:
                truncated = True
                break
            b = {}
            for i, n in enumerate(names):
                t = sol[i]
                if t is not None:
                    b[n] = _ox_term(t)
            bindings.append(b)
        if fmt == "csv":
            return "select", fmt, bindings_csv(names, bindings), truncated, len(bindings)
        if fmt == "tsv":
            return "select", fmt, bindings_tsv(names, bindings), truncated, len(bindings)
        doc = {"head": {"vars": names}, "results": {"bindings": bindings}, "truncated": truncated}
        return "select", fmt, doc if fmt == "dict" else json.dumps(doc, ensure_ascii=False).encode(), \
            truncated, len(bindings)
    triples = []
    truncated = False
    for t in res:
        if len(triples) >= limit:
            truncated = True
            break
        triples.append(t)
    triples.sort(key=str)
    nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    if fmt == "dict":
        doc = {"turtle": _graph_bytes(nt, "turtle", prefixes).decode("utf-8"), "truncated": truncated,
               "triples": len(triples)}
        return "graph", fmt, doc, truncated, len(triples)
    gfmt = fmt if fmt in _GRAPH_FORMATS else "nt"
    return "graph", gfmt, _graph_bytes(nt, gfmt, prefixes), truncated, len(triples)


# ---------------------------------------------------------- worker pool --

# Niceness of the query workers: a costly query (a cartesian product) keeps a
# core busy up to its time limit; the web server's own threads (/healthz, the
# pages, questions) get the CPU before it.  bench/web_load.py --attack, 8
# attackers on the 2-core machine: /healthz p95 116-121 ms at nice 0.
WORKER_NICE = 10


def _worker_main(conn, path: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)         # the parent decides when a worker ends
    if hasattr(os, "nice"):
        try:
            os.nice(WORKER_NICE)
        except OSError:                                   # not permitted here: run at the parent's priority
            pass
    threading.stack_size(256 << 20)                      # deep expressions: no native stack overflow

    def loop():
        store = ox.Store.read_only(path)
        prefixes = json.loads((Path(path) / PREFIXES_FILE).read_text(encoding="utf-8")) \
            if (Path(path) / PREFIXES_FILE).exists() else {}
        conn.send(("ready", None))
        while True:
            try:
                msg = conn.recv()
            except EOFError:
                return
            if msg is None:
                return
            query, fmt, limit = msg
            try:
                out = ("ok", _evaluate(store, query, fmt, limit, prefixes))
            except Exception as e:  # noqa: BLE001 - reported to the caller as one line
                out = ("error", _error_line(e, query))
            try:
                conn.send(out)
            except (OSError, ValueError):
                return

    t = threading.Thread(target=loop, name="sparql-eval")
    t.start()
    t.join()


class _Worker:
    def __init__(self, ctx, path: str, start_timeout: float):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, path), daemon=True, name="legalkg-sparql")
        self.proc.start()
        child.close()
        if not self.conn.poll(start_timeout):
            self.kill()
            raise QueryError("SPARQL worker did not start")
        tag, _ = self.conn.recv()
        if tag != "ready":
            self.kill()
            raise QueryError("SPARQL worker did not start")

    def kill(self) -> None:
        try:
            self.proc.kill()
        except (OSError, AttributeError, ValueError):
            pass
        self.proc.join(5)
        self.conn.close()


class OxigraphStore:
    """Read-only SPARQL over a store made by :func:`build_oxigraph`.

    ``workers`` processes are started lazily: at most ``workers`` queries run
    at once, ``waiting`` more wait for a free worker (up to their own
    timeout), and any beyond those are refused at once with
    :class:`QueryBusy` (default ``waiting`` = ``workers``).  Measured with
    ``bench/web_load.py --attack`` (8 attackers, waitress with 8 threads):
    with every query allowed to wait, /healthz p50 1.8 s / p95 5.6 s, since
    the waiting queries held every server thread."""

    def __init__(self, path: Path, workers: int = 2, timeout: float = DEFAULT_TIMEOUT,
                 limit: int = DEFAULT_LIMIT, start_method: str = "spawn", waiting: Optional[int] = None):
        self.path = Path(path)
        if not (self.path / PREFIXES_FILE).exists():
            raise FileNotFoundError(f"{self.path}: no triple store built here")
        self.prefixes = json.loads((self.path / PREFIXES_FILE).read_text(encoding="utf-8"))
        self.timeout = float(timeout)
        self.limit = int(limit)
        self.max_workers = max(1, int(workers))
        self.max_waiting = self.max_workers if waiting is None else max(0, int(waiting))
        self._admitted = threading.BoundedSemaphore(self.max_workers + self.max_waiting)
        self._ctx = mp.get_context(start_method)
        self._idle: "queue.LifoQueue[_Worker]" = queue.LifoQueue()
        self._count = 0
        self._lock = threading.Lock()
        self._closed = False

    def _acquire(self, deadline: float) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            spawn = self._count < self.max_workers
            if spawn:
                self._count += 1
        if spawn:
            try:
                return _Worker(self._ctx, str(self.path), max(30.0, deadline - time.monotonic()))
            except BaseException:
                with self._lock:
                    self._count -= 1
                raise
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise QueryTimeout("SPARQL query timed out waiting for a free worker") from None

    def _discard(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._count -= 1
        # start the replacement now, so the next query does not pay for it
        threading.Thread(target=self._replenish, name="sparql-respawn", daemon=True).start()

    def _replenish(self) -> None:
        with self._lock:
            if self._closed or self._count >= self.max_workers:
                return
            self._count += 1
        try:
            self._idle.put(_Worker(self._ctx, str(self.path), 60.0))
        except BaseException:
            with self._lock:
                self._count -= 1

    def warm(self) -> None:
        """Start all workers now (otherwise they start on first use)."""
        for _ in range(self.max_workers):
            self._replenish()

    def _run(self, query: str, fmt: str, limit: Optional[int], timeout: Optional[float]) -> tuple:
        if self._closed:
            raise QueryError("triple store is closed")
        query = check_query(query)
        limit = self.limit if limit is None else max(0, int(limit))
        tmo = self.timeout if timeout is None else float(timeout)
        if not self._admitted.acquire(blocking=False):
            raise QueryBusy(f"SPARQL store busy: {self.max_workers} queries running and {self.max_waiting} "
                            "waiting; try again in a moment")
        try:
            return self._run_admitted(query, fmt, limit, tmo)
        finally:
            self._admitted.release()

    def _run_admitted(self, query: str, fmt: str, limit: int, tmo: float) -> tuple:
        # waiting for a free worker has its own limit; starting one (a fresh
        # process: imports, store opening) does not eat into the query's time
        w = self._acquire(time.monotonic() + tmo)
        deadline = time.monotonic() + tmo
        try:
            w.conn.send((query, fmt, limit))
            if not w.conn.poll(max(0.0, deadline - time.monotonic())):
                self._discard(w)
                raise QueryTimeout(f"SPARQL query took longer than {tmo:g} s")
            tag, payload = w.conn.recv()
        except QueryTimeout:            # (a TimeoutError, so an OSError: caught first)
            raise
        except (EOFError, OSError):
            self._discard(w)
            raise QueryError("query failed: the SPARQL engine stopped on this query") from None
        except BaseException:
            self._discard(w)
            raise
        self._idle.put(w)
        if tag == "error":
            raise QueryError(payload)
        return payload

    def query(self, query: str, fmt: str = "json", limit: Optional[int] = None,
              timeout: Optional[float] = None) -> QueryResult:
        """SELECT/ASK: fmt json | csv | tsv; CONSTRUCT/DESCRIBE: nt | turtle |
        jsonld | xml (json/csv/tsv give N-Triples)."""
        if fmt not in RESULT_TYPES:
            raise QueryError(f"unknown result format {fmt!r} (use {', '.join(RESULT_TYPES)})")
        kind, f, body, truncated, rows = self._run(query, fmt, limit, timeout)
        return QueryResult(kind, f, body, truncated, rows)

    def query_json(self, query: str, limit: Optional[int] = None, timeout: Optional[float] = None) -> dict:
        """Same shape as ``kg.rdf.run_sparql``."""
        return self._run(query, "dict", limit, timeout)[2]

    def count(self) -> int:
        r = self.query_json("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(r["results"]["bindings"][0]["n"]["value"])

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                w = self._idle.get_nowait()
            except queue.Empty:
                break
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
            w.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------- remote --

class RemoteStore:
    """A SPARQL 1.1 endpoint by URL.  ``query_url`` answers queries;
    ``store_url`` (Graph Store protocol) or ``update_url`` is used by
    :meth:`load`.  For an Oxigraph server at BASE: ``/query``, ``/store``,
    ``/update`` (see :meth:`oxigraph`)."""

    def __init__(self, query_url: str, store_url: Optional[str] = None, update_url: Optional[str] = None,
                 timeout: float = DEFAULT_TIMEOUT, limit: int = DEFAULT_LIMIT, prefixes: Optional[dict] = None):
        for u in (query_url, store_url, update_url):
            if u is not None and urllib.parse.urlsplit(u).scheme not in ("http", "https"):
                raise ValueError(f"not an http(s) URL: {u!r}")
        self.query_url, self.store_url, self.update_url = query_url, store_url, update_url
        self.timeout, self.limit = float(timeout), int(limit)
        self.prefixes = dict(prefixes or {})

    @classmethod
    def oxigraph(cls, base: str, **kw) -> "RemoteStore":
        base = base.rstrip("/")
        return cls(base + "/query", store_url=base + "/store", update_url=base + "/update", **kw)

    # ---------------------------------------------------------- HTTP --
    def _http(self, url: str, data: Optional[bytes], headers: dict, method: str, timeout: float) -> tuple:
        deadline = time.monotonic() + timeout
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                chunks, size = [], 0
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise QueryTimeout(f"SPARQL endpoint took longer than {timeout:g} s")
                    chunk = resp.read(1 << 16)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > MAX_RESPONSE_BYTES:
                        raise QueryError("SPARQL endpoint answer too large")
                    chunks.append(chunk)
                return resp.headers.get("Content-Type", ""), b"".join(chunks)
        except urllib.error.HTTPError as e:
            body = e.read(2000).decode("utf-8", "replace")
            raise QueryError(f"SPARQL endpoint {e.code}: {' '.join(body.split())[:300]}") from None
        except (TimeoutError, OSError) as e:
            if isinstance(e, TimeoutError) or "timed out" in str(e):
                raise QueryTimeout(f"SPARQL endpoint took longer than {timeout:g} s") from None
            raise QueryError(f"SPARQL endpoint unreachable: {e}") from None

    # ---------------------------------------------------------- load --
    def load(self, source, method: str = "gsp", chunk_triples: int = 50_000, timeout: float = 600.0) -> int:
        """Replace the endpoint's default graph with ``source`` (N-Triples bytes
        or file, or an rdflib Graph).  method "gsp": Graph Store protocol;
        "update": CLEAR DEFAULT then INSERT DATA chunks.  Returns triples sent."""
        if isinstance(source, rdflib.Graph) and not self.prefixes:
            self.prefixes = {p: str(ns) for p, ns in source.namespaces() if p}
        data = _ntriples(source)
        if isinstance(data, Path):
            data = data.read_bytes()
        lines = [ln for ln in data.splitlines() if ln.strip() and not ln.lstrip().startswith(b"#")]
        chunks = [b"\n".join(lines[i:i + chunk_triples]) + b"\n" for i in range(0, len(lines), chunk_triples)]
        if method == "gsp":
            if not self.store_url:
                raise ValueError("no Graph Store URL for this endpoint")
            url = self.store_url + ("&" if "?" in self.store_url else "?") + "default"
            hdr = {"Content-Type": "application/n-triples"}
            self._http(url, chunks[0] if chunks else b"", hdr, "PUT", timeout)
            for c in chunks[1:]:
                self._http(url, c, hdr, "POST", timeout)
        elif method == "update":
            if not self.update_url:
                raise ValueError("no UPDATE URL for this endpoint")
            self._update("CLEAR DEFAULT", timeout)
            for c in chunks:
                self._update("INSERT DATA {\n" + c.decode("utf-8") + "}", timeout)
        else:
            raise ValueError(f"unknown load method {method!r} (use gsp or update)")
        return len(lines)

    def _update(self, text: str, timeout: float) -> None:
        body = urllib.parse.urlencode({"update": text}).encode()
        self._http(self.update_url, body, {"Content-Type": "application/x-www-form-urlencoded"}, "POST", timeout)

    # --------------------------------------------------------- query --
    def _prologue(self, query: str) -> str:
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self.prefixes.items())) + query

    def _fetch(self, query: str, accept: str, timeout: Optional[float]) -> tuple:
        query = check_query(query)
        tmo = self.timeout if timeout is None else float(timeout)
        body = urllib.parse.urlencode({"query": self._prologue(query)}).encode()
        return self._http(self.query_url, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 "Accept": accept}, "POST", tmo)

    def query_json(self, query: str, limit: Optional[int] = None, timeout: Optional[float] = None) -> dict:
        limit = self.limit if limit is None else max(0, int(limit))
        ctype, body = self._fetch(query, "application/sparql-results+json, application/n-triples;q=0.9", timeout)
        if "json" in ctype:
            doc = json.loads(body)
            if "boolean" in doc:
                return {"head": {}, "boolean": bool(doc["boolean"])}
            b = doc.get("results", {}).get("bindings", [])
            return {"head": {"vars": doc.get("head", {}).get("vars", [])},
                    "results": {"bindings": b[:limit]}, "truncated": len(b) > limit}
        triples = sorted((q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)), key=str)
        kept = triples[:limit]
        nt = ox.serialize(kept, format=ox.RdfFormat.N_TRIPLES) or b""
        return {"turtle": _graph_bytes(nt, "turtle", self.prefixes).decode("utf-8"),
                "truncated": len(triples) > limit, "triples": len(kept)}

    def query(self, query: str, fmt: str = "json", limit: Optional[int] = None,
              timeout: Optional[float] = None) -> QueryResult:
        if fmt not in RESULT_TYPES:
            raise QueryError(f"unknown result format {fmt!r} (use {', '.join(RESULT_TYPES)})")
        doc = self.query_json(query, limit, timeout)
        if "boolean" in doc:
            body = boolean_text(doc["boolean"], fmt) if fmt in ("csv", "tsv") else json.dumps(doc).encode()
            return QueryResult("ask", fmt if fmt in ("csv", "tsv") else "json", body, False, 1)
        if "results" in doc:
            names, b = doc["head"]["vars"], doc["results"]["bindings"]
            if fmt == "csv":
                body = bindings_csv(names, b)
            elif fmt == "tsv":
                body = bindings_tsv(names, b)
            else:
                fmt, body = "json", json.dumps(doc, ensure_ascii=False).encode()
            return QueryResult("select", fmt, body, doc["truncated"], len(b))
        nt = ox.serialize([q.triple for q in ox.parse(doc["turtle"].encode(), format=ox.RdfFormat.TURTLE)],
                          format=ox.RdfFormat.N_TRIPLES) or b""
        gfmt = fmt if fmt in _GRAPH_FORMATS else "nt"
        return QueryResult("graph", gfmt, _graph_bytes(nt, gfmt, self.prefixes), doc["truncated"], doc["triples"])

    def count(self) -> int:
        r = self.query_json("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(r["results"]["bindings"][0]["n"]["value"])

    def close(self) -> None:
        pass


def oxigraph_server_binary() -> Optional[str]:
    """The ``oxigraph`` server from its PyPI package (beside this Python), or on PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")

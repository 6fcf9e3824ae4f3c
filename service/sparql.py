"""The SPARQL guard: read-only SPARQL 1.1 over the RDF mapping, with a row
limit and a timeout (used by ``legalkg sparql`` and ``/sparql``)."""
from __future__ import annotations

import ctypes
import re
import threading
from typing import Optional

import rdflib
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kg.rdf import DEFAULT_BASE, new_graph, serialize, term_key

_UPDATE_KEYWORDS = re.compile(
    r"^\s*(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>)|(?:#[^\n]*))\s*", re.I)


class _Cancelled(BaseException):
    """Raised inside a query thread that ran past its timeout."""


def _strip_prologue(q: str) -> str:
    prev = None
    while prev != q:
        prev = q
        q = _PROLOGUE.sub("", q, count=1)
    return q


def _short_parse_error(e: Exception) -> str:
    msg = getattr(e, "msg", None) or str(e).splitlines()[0]
    line, col = getattr(e, "lineno", None), getattr(e, "col", None)
    where = f" at line {line}, column {col}" if line is not None else ""
    msg = re.sub(r"\s+", " ", str(msg))
    if len(msg) > 160:
        msg = msg[:157] + "..."
    return f"SPARQL syntax error{where}: {msg}"


_MAX_SLICE = 2 ** 40


def _walk(node):
    stack = [node]
    seen = set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, CompValue):
            yield x
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())


def _prepare(g: Graph, query: str):
    if not isinstance(query, str) or not query.strip():
        raise ValueError("empty query")
    if len(query) > 100_000:
        raise ValueError("query too long (limit 100000 characters)")
    try:
        parsed = parseQuery(query)
    except Exception as e:
        is_update = bool(_UPDATE_KEYWORDS.match(_strip_prologue(query)))
        if not is_update:
            try:
                parseUpdate(query)
                is_update = True
            except Exception:
                pass
        if is_update:
            raise ValueError("read-only: SPARQL UPDATE is not allowed") from None
        raise ValueError(_short_parse_error(e)) from None
    if "datasetClause" in parsed[1]:
        raise ValueError("FROM / FROM NAMED are not supported: the query runs on the knowledge graph")
    try:
        q = translateQuery(parsed, initNs=dict(g.namespaces()))
    except Exception as e:  # unknown prefix, bad aggregate, ...
        msg = re.sub(r"\s+", " ", str(e))[:160]
        raise ValueError(f"invalid SPARQL query: {msg}") from None
    for cv in _walk(q.algebra):
        if cv.name == "ServiceGraphPattern":
            raise ValueError("SERVICE (federated query) is not allowed")
        if cv.name == "Slice":
            # LIMIT / OFFSET beyond any row count (LIMIT 99999999999999999999): the same result,
            # without the engine's islice() overflow
            for key in ("start", "length"):
                if isinstance(cv.get(key), int) and cv[key] > _MAX_SLICE:
                    cv[key] = _MAX_SLICE
    star = parsed[1].name == "SelectQuery" and "projection" not in parsed[1]
    return q, star


def _star_order(query: str, names: list[str]) -> list[str]:
    """SELECT * projects variables in order of first appearance (rdflib: set order)."""
    pos = {}
    for m in re.finditer(r"[?$]([A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)", query):
        pos.setdefault(m.group(1), m.start())
    return sorted(names, key=lambda n: (pos.get(n, len(query)), n))


def _term_json(t) -> dict:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, rdflib.BNode):
        return {"type": "bnode", "value": str(t)}
    if isinstance(t, Literal):
        d = {"type": "literal", "value": str(t)}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype is not None and t.datatype != XSD.string:   # simple literals: no datatype
            d["datatype"] = str(t.datatype)
        return d
    return {"type": "literal", "value": str(t)}


def _native_sparql(g: Graph) -> bool:
    """Stores with their own SPARQL engine (oxrdflib's Oxigraph) take the query
    text; a pre-translated rdflib query would fall back to rdflib's evaluator."""
    return type(g.store).__module__.startswith("oxrdflib")


def _execute(g: Graph, q, limit: int, cancel: threading.Event, star_query: Optional[str] = None,
             text: Optional[str] = None) -> dict:
    if text is not None and _native_sparql(g):
        res = g.query(text)
        star_query = None                       # Oxigraph already orders SELECT * variables
    else:
        res = g.query(q)
    if res.type == "ASK":
        return {"head": {}, "boolean": bool(res.askAnswer)}
    if res.type == "SELECT":
        variables = list(res.vars or [])
        names = [str(v) for v in variables]
        if star_query is not None:
            names = _star_order(star_query, names)
        bindings = []
        truncated = False
        rows = iter(res)
        try:
            for row in rows:
                if cancel.is_set():
                    raise _Cancelled()
                if len(bindings) >= limit:
                    truncated = True
                    break
                b = {}
                for var in names:
                    val = row.get(var) if hasattr(row, "get") else None
                    if val is not None:
                        b[var] = _term_json(val)
                bindings.append(b)
        finally:
            # release the (possibly half-consumed) result stream in this thread:
            # native results (pyoxigraph) must be dropped where they were made
            rows.close()
            gen = getattr(res, "_genbindings", None)
            if gen is not None and hasattr(gen, "close"):
                gen.close()
            res._genbindings = None
        return {"head": {"vars": names}, "results": {"bindings": bindings}, "truncated": truncated}
    # CONSTRUCT / DESCRIBE
    out = res.graph if res.graph is not None else Graph()
    triples = sorted(out, key=lambda t: tuple(term_key(x) for x in t))
    truncated = len(triples) > limit
    small = new_graph(DEFAULT_BASE)
    for prefix, ns in g.namespaces():
        small.bind(prefix, ns, override=True, replace=True)
    for t in triples[:limit]:
        small.add(t)
    return {"turtle": serialize(small, "turtle").decode("utf-8"), "truncated": truncated,
            "triples": min(len(triples), limit)}


def _interrupt(thread: threading.Thread) -> None:
    """Best effort: raise _Cancelled inside a runaway (pure-Python) query thread."""
    if thread.ident is None or not thread.is_alive():
        return
    try:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                   ctypes.py_object(_Cancelled))
    except Exception:  # pragma: no cover - non-CPython
        pass


def run_sparql(g: Graph, query: str, limit: int = 1000, timeout: float = 10.0) -> dict:
    """Run a read-only SPARQL 1.1 query.

    SELECT → {"head": {"vars": [...]}, "results": {"bindings": [...]}, "truncated": bool}
    ASK    → {"head": {}, "boolean": bool}
    CONSTRUCT / DESCRIBE → {"turtle": "...", "truncated": bool, "triples": n}

    At most ``limit`` rows (or triples) are returned; the query runs in a
    worker thread and ``TimeoutError`` is raised after ``timeout`` seconds
    (the worker is then interrupted).  Updates, SERVICE and FROM raise
    ValueError, as do syntax errors.
    """
    limit = max(0, int(limit))
    q, star = _prepare(g, query)
    box: dict = {}
    cancel = threading.Event()

    def work():
        try:
            box["result"] = _execute(g, q, limit, cancel, query if star else None, query)
        except _Cancelled:
            box["cancelled"] = True
        except BaseException as e:  # reported to the caller
            box["error"] = e

    t = threading.Thread(target=work, name="sparql-query", daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        cancel.set()
        _interrupt(t)
        raise TimeoutError(f"SPARQL query took longer than {timeout:g} s")
    if "error" in box:
        e = box["error"]
        if isinstance(e, (ValueError, TimeoutError)):
            raise e
        msg = re.sub(r"\s+", " ", f"{type(e).__name__}: {e}")[:200]
        raise ValueError(f"query failed: {msg}") from e
    if "result" not in box:
        raise TimeoutError(f"SPARQL query took longer than {timeout:g} s")
    return box["result"]


# ------------------------------------------------ stored vs served base --

def rebase_query(query: str, served: str, stored: str) -> str:
    """A query written against the served IRIs (``served`` base), for a store
    whose IRIs are under ``stored``."""
    return query if served == stored else query.replace(served, stored)


def rebase_result(res, stored: str, served: str):
    """``query_json`` result with IRIs under ``stored`` shown under ``served``."""
    if stored == served:
        return res
    if "turtle" in res:
        return dict(res, turtle=res["turtle"].replace(stored, served))
    if "results" in res:
        rows = []
        for b in res["results"]["bindings"]:
            rows.append({k: (dict(v, value=served + v["value"][len(stored):])
                             if v.get("type") == "uri" and v.get("value", "").startswith(stored) else v)
                         for k, v in b.items()})
        return dict(res, results={"bindings": rows})
    return res

"""Checks every public SPARQL query passes before it reaches a store, and the
JSON/CSV/TSV writers of SELECT results shared by the local and remote stores.

* size: at most ``MAX_QUERY_BYTES`` (20 kB) of UTF-8;
* read-only: SPARQL UPDATE (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD,
  MOVE, COPY, WITH) is refused;
* no ``SERVICE`` (Oxigraph would fetch any URL named there: server-side
  request forgery).

The word checks look at the query with its comments, string literals and
IRIs blanked out, so ``FILTER(?x = "DELETE")`` is fine.  Parsing itself is
bounded by the store's hard timeout, not here.
"""
from __future__ import annotations

import csv
import io
import re

MAX_QUERY_BYTES = 20_000
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class QueryError(ValueError):
    """A query refused or failed (one line, safe to show to the user)."""


class QueryTimeout(TimeoutError):
    """The query ran past its time limit and was stopped."""

    busy = False


class QueryBusy(QueryTimeout):
    """Refused at once: every worker is running a query and the queue before
    them is full (retry in a moment).  A query that waited would hold one of
    the web server's threads for up to its whole time limit; enough of them
    and even ``/healthz`` waits."""

    busy = True


_MASK = re.compile(r"""
    '''(?:[^'\\]|\\.|'(?!''))*'''      # long single-quoted
  | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"  # long double-quoted
  | '(?:[^'\\\n]|\\.)*'
  | "(?:[^"\\\n]|\\.)*"
  | <[^<>"{}|^`\\\s]*>                # IRI
  | \#[^\n]*                          # comment
""", re.X | re.S)
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:|BASE)\s*)*", re.I)   # IRIs already blanked
_UPDATE = re.compile(r"(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)
_SERVICE = re.compile(r"(?<![\w?$:.-])SERVICE(?![\w:.-])", re.I)
# LIMIT / OFFSET beyond any row count ("LIMIT 99999999999999999999") overflows the
# engine's integers: such a bound means "all rows", so it is clamped, not refused.
_HUGE_BOUND = re.compile(r"\b(LIMIT|OFFSET)(\s+)(\d{16,})", re.I)
MAX_BOUND = 10**15


def masked(query: str) -> str:
    """The query with strings, IRIs and comments replaced by spaces (linear time)."""
    return _MASK.sub(lambda m: " " * len(m.group(0)), query)


def check_query(query) -> str:
    """Return ``query`` if it may run; QueryError (one line) otherwise."""
    if not isinstance(query, str) or not query.strip():
        raise QueryError("empty query")
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > MAX_QUERY_BYTES:
        raise QueryError(f"query too long ({size} bytes; limit {MAX_QUERY_BYTES})")
    if "\x00" in query:
        raise QueryError("query contains a NUL character")
    text = masked(query)
    if _UPDATE.match(text, _PROLOGUE.match(text).end()):
        raise QueryError("read-only: SPARQL UPDATE is not allowed")
    if _SERVICE.search(text):
        raise QueryError("SERVICE (federated query) is not allowed")
    for m in reversed(list(_HUGE_BOUND.finditer(text))):
        query = query[:m.start(3)] + str(min(int(m.group(3)), MAX_BOUND)) + query[m.end(3):]
    return query


# ------------------------------------------------------------ results ----

def term_json(kind: str, value: str, lang: str | None = None, datatype: str | None = None) -> dict:
    d = {"type": kind, "value": value}
    if lang:
        d["xml:lang"] = lang
    elif datatype and datatype != XSD_STRING:
        d["datatype"] = datatype
    return d


def bindings_csv(names: list[str], bindings: list[dict]) -> bytes:
    """SPARQL 1.1 CSV: plain values, bnodes as ``_:id``, CRLF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(names)
    for b in bindings:
        row = []
        for n in names:
            t = b.get(n)
            row.append("" if t is None else ("_:" + t["value"] if t["type"] == "bnode" else t["value"]))
        w.writerow(row)
    return buf.getvalue().encode("utf-8")


def _nt_escape(s: str) -> str:
    return (s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def term_nt(t: dict) -> str:
    if t["type"] == "uri":
        return f"<{t['value']}>"
    if t["type"] == "bnode":
        return f"_:{t['value']}"
    s = f'"{_nt_escape(t["value"])}"'
    if t.get("xml:lang"):
        return f"{s}@{t['xml:lang']}"
    if t.get("datatype"):
        return f"{s}^^<{t['datatype']}>"
    return s


def bindings_tsv(names: list[str], bindings: list[dict]) -> bytes:
    """SPARQL 1.1 TSV: ``?var`` header, terms in N-Triples syntax."""
    lines = ["\t".join("?" + n for n in names)]
    for b in bindings:
        lines.append("\t".join(term_nt(b[n]) if n in b else "" for n in names))
    return ("\n".join(lines) + "\n").encode("utf-8")


def boolean_text(value: bool, fmt: str) -> bytes:
    if fmt == "csv":
        return b"_askResult\r\n" + (b"true" if value else b"false") + b"\r\n"
    return b"?_askResult\n" + (b"true" if value else b"false") + b"\n"

"""Deterministic serialisation of RDF graphs: turtle | jsonld | nt | xml."""
from __future__ import annotations

import json

from rdflib import Graph

from .terms import FORMATS


def serialize(g: Graph, fmt: str) -> bytes:
    """turtle | jsonld | nt | xml → bytes (UTF-8), byte-identical for the same
    set of triples (whatever the insertion order or PYTHONHASHSEED): triples are
    copied in sorted order into an insertion-ordered store first."""
    name = FORMATS.get((fmt or "").lower().strip())
    if name is None:
        raise ValueError(f"unknown RDF format {fmt!r} (use turtle, jsonld, nt or xml)")
    ordered = Graph(store="SimpleMemory")
    for prefix, ns in sorted(g.namespaces()):
        ordered.bind(prefix, ns, override=True, replace=True)
    for t in sorted(g, key=lambda t: tuple(term_key(x) for x in t)):
        ordered.add(t)
    if name == "nt":
        data = ordered.serialize(format="nt", encoding="utf-8")
        lines = sorted(line for line in data.decode("utf-8").splitlines() if line.strip())
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    if name == "json-ld":
        ctx = {p: str(ns) for p, ns in sorted(ordered.namespaces())
               if p and p in _JSONLD_PREFIXES}
        data = ordered.serialize(format="json-ld", context=ctx, encoding="utf-8")
        doc = _canonical_json(json.loads(data))
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    return ordered.serialize(format=name, encoding="utf-8")


def _canonical_json(x, in_list: bool = False):
    """Sort JSON-LD arrays (they are unordered sets unless under @list)."""
    if isinstance(x, dict):
        return {k: _canonical_json(v, k == "@list") for k, v in x.items()}
    if isinstance(x, list):
        items = [_canonical_json(v) for v in x]
        if in_list:
            return items
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return x


_JSONLD_PREFIXES = {"eli", "org", "schema", "skos", "prov", "dcterms", "xsd", "rdfs", "rdf", "lkg", "owl"}


def term_key(t) -> tuple:
    return (type(t).__name__, str(t), str(getattr(t, "datatype", "") or ""),
            str(getattr(t, "language", "") or ""))

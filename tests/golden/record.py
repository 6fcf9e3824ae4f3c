"""Golden outputs of the public interfaces on the bundled corpus and fixtures.

``python tests/golden/record.py`` (re)writes tests/golden/*.json.gz; the test
``tests/test_golden.py`` calls the same ``produce_*`` functions and compares.
Recorded before the architecture refactor (issue 8) so the refactor can prove
it changed no behaviour except the two intended ones (see ARCHITECTURE.md).
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import rdflib

REPO = Path(__file__).resolve().parent.parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("LEGALKG_QUERY_PRECISION", "fp32")      # as tests/conftest.py: the same on every CPU
os.environ.setdefault("LEGALKG_EMBED_PRECISION", "fp32")

from cli.main import main as cli_main  # noqa: E402
from service.store import Store  # noqa: E402
from web import create_app  # noqa: E402

GOLDEN = Path(__file__).resolve().parent
CORPUS = REPO / "data" / "corpus"
FIXTURES = REPO / "tests" / "fixtures"
CITES = [("319/KH-UBND", "both", 1), ("61/2018/NĐ-CP", "in", 2), ("vinh-phuc/319-kh-ubnd", "out", 3),
         ("107/2021/NĐ-CP", "both", 0)]


def cli(*argv) -> tuple[int, str]:
    out = io.StringIO()
    err = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli_main([str(a) for a in argv])
    return rc, out.getvalue()


def extract_files() -> list[Path]:
    layouts = sorted(p for p in (FIXTURES / "layouts").iterdir()
                     if p.suffix in (".txt", ".md", ".html") and p.name != "README.md")
    return sorted(CORPUS.iterdir()) + layouts


def produce_extract() -> dict:
    out = {}
    for p in extract_files():
        rc, text = cli("extract", p.relative_to(REPO), "--json")
        out[str(p.relative_to(REPO))] = {"rc": rc, "json": json.loads(text)}
    return out


def questions() -> list[str]:
    qs = []
    for name in ("search_questions.jsonl", "search_questions_paraphrase.jsonl"):
        for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                qs.append(json.loads(line)["q"])
    return qs


def produce_ask(home: Path) -> list[dict]:
    with tempfile.TemporaryDirectory() as d:
        qf = Path(d) / "q.txt"
        qf.write_text("\n".join(questions()) + "\n", encoding="utf-8")
        rc, text = cli("--data", CORPUS, "--home", home, "ask", "--batch", qf, "--json")
    assert rc == 0
    return [json.loads(line) for line in text.splitlines()]


def produce_graph(home: Path) -> dict:
    out = {"cites": {}, "export": {}}
    for ref, direction, depth in CITES:
        rc, text = cli("--data", CORPUS, "--home", home, "cites", ref, "--direction", direction,
                       "--depth", depth, "--json")
        out["cites"][f"{ref}|{direction}|{depth}"] = {"rc": rc, "json": json.loads(text) if rc == 0 else None}
    for cmd in (("path", "319/KH-UBND", "61/2018/NĐ-CP"), ("top", "--n", "5")):
        rc, text = cli("--data", CORPUS, "--home", home, *cmd, "--json")
        out[cmd[0]] = json.loads(text)
    with tempfile.TemporaryDirectory() as d:
        for fmt, parse in (("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("xml", "xml")):
            f = Path(d) / f"x.{fmt}"
            rc, _ = cli("--data", CORPUS, "--home", home, "export", "--format", fmt, "-o", f)
            g = rdflib.Graph().parse(f, format=parse)
            entry = {"rc": rc, "triples": len(g)}
            if fmt == "nt":
                entry["sha256"] = hashlib.sha256(f.read_bytes()).hexdigest()
            out["export"][fmt] = entry
    return out


def _routes(G) -> list[str]:
    docs = sorted(n for n, a in G.nodes(data=True) if a.get("kind") == "document" and a.get("in_corpus"))
    agencies = sorted(n for n, a in G.nodes(data=True) if a.get("kind") == "agency")
    tasks = sorted(n for n, a in G.nodes(data=True) if a.get("kind") in ("task", "assignment"))
    q = "ai chủ trì số hóa kết quả TTHC"
    routes = [f"/api/ask?q={q}", f"/api/ask?q={q}&k=3&mode=bm25", "/api/ask?q=thời hạn rà soát TTHC Vĩnh Phúc",
              "/api/cites?ref=319/KH-UBND", "/api/cites?ref=61/2018/NĐ-CP&direction=in&depth=2",
              "/api/cites?ref=999/XX-YY", "/api/cites?ref=131",
              "/api/document?ref=319/KH-UBND", "/api/document?ref=nope",
              "/api/path?a=319/KH-UBND&b=61/2018/NĐ-CP", "/api/top", "/api/top?n=3",
              "/api/agency?name=Sở Nội vụ", "/api/agency?name=Sở Tư pháp Vĩnh Phúc", "/api/agency?name=zzzz",
              "/api/documents", "/api/documents?q=nghị định&scope=all", "/api/documents?scope=corpus",
              "/api/agencies", "/api/agencies?q=sở", "/openapi.json",
              "/sparql?query=SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
              "/index.json", f"/search.json?q={q}", "/search.json?q=chỉ số PAPI&province=Tiền Giang",
              "/documents.json", "/agencies.json", "/graph.json", "/graph.json?ref=319/KH-UBND&depth=2",
              "/doc/319/KH-UBND.json", "/doc/999-kh-ubnd.json"]
    routes += [f"/doc/{d}.json" for d in docs]
    routes += [f"/agency/{a}.json" for a in agencies]
    routes += [f"/task/{t}.json" for t in tasks[::15]]
    return routes


def _strip_volatile(x):
    if isinstance(x, dict):
        return {k: _strip_volatile(v) for k, v in x.items() if k not in ("ask_cache", "today")}
    if isinstance(x, list):
        return [_strip_volatile(v) for v in x]
    return x


def produce_api(store) -> dict:
    app = create_app({"STORE": store, "WARMUP": False})
    client = app.test_client()
    out = {}
    for r in _routes(store.graph()):
        resp = client.get(r, headers={"Accept": "application/json"})
        body = resp.get_json(silent=True)
        out[r] = {"status": resp.status_code, "json": _strip_volatile(body)}
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        store = Store(CORPUS, Path(home))
        store.build(index=True)
        results = {"extract": produce_extract(), "ask": produce_ask(Path(home)),
                   "graph": produce_graph(Path(home)), "api": produce_api(store)}
    for name, data in results.items():
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        with gzip.open(GOLDEN / f"{name}.json.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
            fh.write(text)
        print(name, len(text))


def load(name: str):
    with gzip.open(GOLDEN / f"{name}.json.gz", "rt", encoding="utf-8") as fh:
        return json.load(fh)


if __name__ == "__main__":
    main()

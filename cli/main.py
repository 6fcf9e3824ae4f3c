"""`legalkg` command line (``python -m cli``; console script ``legalkg``).  Every command that prints results takes --json.

Exit status: 0 success; 2 bad input or usage (one clear line on stderr naming
the file or argument); 1 internal error.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from kg.model import InputError
from kg.pipeline import extract_file
from search.devices import query_graph_setting, query_precision_setting

if TYPE_CHECKING:
    from service import Service, Store

REPO = Path(__file__).resolve().parent.parent


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit 2 with usage; keep it to one line
        raise UsageError(message)


def default_data() -> Path:
    return Path(os.environ.get("LEGALKG_DATA") or (REPO / "data" / "corpus"))


def default_home() -> Path:
    return Path(os.environ.get("LEGALKG_HOME") or (REPO / ".legalkg"))


def _int_in(lo: int, hi: int):
    """argparse type: an integer in [lo, hi] (else a one-line usage error, exit 2)."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{v} is out of range {lo}..{hi}")
        return v
    parse.__name__ = "integer"
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="legalkg", description="Knowledge graph and semantic search over Vietnamese legal references")
    p.add_argument("--data", type=Path, default=None, help="corpus folder (env LEGALKG_DATA; default data/corpus/)")
    p.add_argument("--home", type=Path, default=None, help="artifact folder (env LEGALKG_HOME)")
    sub = p.add_subparsers(dest="cmd", parser_class=_Parser)

    e = sub.add_parser("extract", help="extract document, references, tasks from files")
    e.add_argument("files", nargs="+")
    e.add_argument("--json", action="store_true")

    b = sub.add_parser("build", help="build the graph and indexes (incremental)")
    b.add_argument("--json", action="store_true")
    b.add_argument("--no-index", action="store_true", help="skip the embedding index")
    b.add_argument("--progress", choices=["auto", "json", "none"], default="auto",
                   help="auto: bars on a terminal (stderr); json: JSON lines on stderr; none")
    b.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None,
                   help="embedding device (env LEGALKG_DEVICE; default auto: CUDA when present)")
    b.add_argument("--cluster", metavar="ADDRESS", help="Dask scheduler (tcp://HOST:PORT) to extract and embed on")
    b.add_argument("--sparql-url", metavar="URL", help="also load the RDF into this SPARQL endpoint, and query "
                   "it from then on (env LEGALKG_SPARQL_URL)")
    b.add_argument("--workers", type=int, help="extraction processes (env LEGALKG_WORKERS; default: all cores)")
    b.add_argument("--wait", action="store_true", help="wait for a build already running on this home "
                   "(default: exit 2)")

    a = sub.add_parser("ask", help="ask a question in Vietnamese")
    a.add_argument("question", nargs="?")
    a.add_argument("--k", type=_int_in(1, 100), default=5)
    a.add_argument("--batch", type=Path)
    a.add_argument("--json", action="store_true")
    a.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default="hybrid")
    a.add_argument("--offset", type=int, default=0, help="skip this many rows (paging)")

    c = sub.add_parser("cites", help="citation subgraph around a document")
    c.add_argument("ref")
    c.add_argument("--direction", choices=["out", "in", "both"], default="both")
    c.add_argument("--depth", type=_int_in(0, 10), default=1)
    c.add_argument("--json", action="store_true")

    pa = sub.add_parser("path", help="shortest citation path between two documents")
    pa.add_argument("a")
    pa.add_argument("b")
    pa.add_argument("--json", action="store_true")

    t = sub.add_parser("top", help="most-cited documents (in-degree and PageRank)")
    t.add_argument("--n", type=_int_in(1, 10000), default=10)
    t.add_argument("--json", action="store_true")

    ag = sub.add_parser("agency", help="tasks led and supported by an agency")
    ag.add_argument("name")
    ag.add_argument("--json", action="store_true")

    li = sub.add_parser("lineage", help="task lineage: which programme row each plan row carries out")
    li.add_argument("ref", nargs="?", help="document number / id or task id (default: every link)")
    li.add_argument("--json", action="store_true")

    ad = sub.add_parser("agenda", help="an agency's rows due in a period (lineage collapsed)")
    ad.add_argument("agency", help="agency name, alias or id")
    ad.add_argument("--period", help="'quý IV/2023', 'tháng 10/2023', 'năm 2024', ...")
    ad.add_argument("--from", dest="start", metavar="DATE", help="ISO date (YYYY-MM-DD)")
    ad.add_argument("--to", dest="end", metavar="DATE", help="ISO date (YYYY-MM-DD)")
    ad.add_argument("--ics", type=Path, metavar="FILE", help="also write the agenda as iCalendar to FILE")
    ad.add_argument("--json", action="store_true")

    x = sub.add_parser("export", help="RDF export")
    x.add_argument("--format", choices=["turtle", "jsonld", "nt", "xml"], default="turtle")
    x.add_argument("-o", "--output", type=Path)
    x.add_argument("--base", help="IRI base (env LEGALKG_BASE; default https://legalkg.example.org/)")

    q = sub.add_parser("sparql", help="SPARQL query over the graph")
    q.add_argument("query")
    q.add_argument("--json", action="store_true")

    s = sub.add_parser("serve", help="web UI and HTTP API")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_int_in(1, 65535), default=5000)
    s.add_argument("--threads", type=_int_in(1, 256), default=8)
    s.add_argument("--sparql-url", metavar="URL", help="SPARQL endpoint for a build made before serving "
                   "(env LEGALKG_SPARQL_URL)")
    return p


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=None) + "\n")


def cmd_extract(args) -> int:
    results, status = [], 0
    for f in args.files:
        try:
            ex = extract_file(Path(f), f)
        except InputError as err:
            print(f"legalkg: {err}", file=sys.stderr)
            status = 2
            continue
        for w in ex.warnings:
            print(f"legalkg: warning: {w}", file=sys.stderr)
        results.append(ex)
    if args.json:
        _print_json([r.to_json() for r in results])
    else:
        for r in results:
            _print_extraction(r)
    return status


def _print_extraction(r) -> None:
    d = r.document
    print(f"== {r.source}")
    print(f"   {d.type or '?'} {d.number or '(no number)'}  {d.date or ''}  {d.issuer or ''}  [{d.province or 'national'}]")
    if d.title:
        print(f"   {d.title}")
    print(f"   references: {len(r.references)}")
    for ref in r.references:
        print(f"     {ref.relation:<10} {ref.type or '':<12} {(ref.number or ref.title or ''):<30} {ref.date or ''}")
    if r.relations:
        print(f"   stated relations: {len(r.relations)}")
        for rel in r.relations:
            print(f"     {rel.source} --{rel.type}--> {rel.target}")
    print(f"   tasks: {len(r.tasks)}")
    for t in r.tasks:
        print(f"     {t.section or '':>4} {t.no or '':>4}  {t.text[:60]:<60}  chủ trì: {', '.join(t.lead)[:40]}  | {t.deadline or ''}")
    if r.assignments:
        print(f"   assignments: {len(r.assignments)}")
        for a in r.assignments:
            print(f"     {a.agency}: {a.text[:80]}")


def _store(args) -> "Store":
    # the service layer (graph, RDF, search engine: rdflib, bm25s, faiss) is imported
    # per command, not at the top: `import service` costs 0.65 s (measured:
    # `extract` 0.2 s → 0.85 s), and `extract` works on files without it
    from service import Store
    return Store(data=args.data or default_data(), home=args.home or default_home())


def _check_device(device: Optional[str]) -> Optional[str]:
    raw = device or os.environ.get("LEGALKG_DEVICE")
    if raw and raw.strip().lower() not in ("auto", "cpu", "cuda"):
        raise UsageError(f"LEGALKG_DEVICE={raw}: use auto, cpu or cuda")
    return device


def cmd_build(args) -> int:
    from service.progress import Progress   # see _store
    store = _store(args)
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    summary = store.build(progress=Progress(args.progress), index=not args.no_index,
                          device=_check_device(args.device), cluster=args.cluster, wait=args.wait,
                          sparql_url=args.sparql_url, workers=args.workers)
    # the process ends after printing: keep the collector's last full pass at exit
    # from scanning the build's millions of objects (0.5 s CPU on the 14k corpus;
    # they are still freed, only never scanned for cycles)
    gc.freeze()
    for s in summary.get("skipped", []):  # one line each, names escaped
        print(f"legalkg: skipped: {s}", file=sys.stderr)
    for e in summary["errors"]:          # bad files are reported (and skipped) in every mode
        if args.json:
            print(f"legalkg: {e}", file=sys.stderr)
    if args.json:
        _print_json(summary)
    else:
        emb = summary.get("embedding") or {}
        print(f"documents: {summary['documents']}  references: {summary['references']}  tasks: {summary['tasks']}  "
              f"agencies: {summary['agencies']}  (re-extracted {summary['extracted']}, reused {summary['reused']}"
              + (f"; passages embedded {emb.get('embedded', 0)}, reused {emb.get('reused', 0)}" if emb else "")
              + ")")
        for w in summary["warnings"]:
            print(f"warning: {w}")
        for e in summary["errors"]:
            print(f"error: {e}", file=sys.stderr)
    return 0


def _service(args) -> "Service":
    from service import Service        # see _store: 0.65 s of imports that `extract` does not need
    # no ask cache: the CLI asks each question once
    return Service(_store(args), ask_cache_size=0)


def cmd_ask(args) -> int:
    svc = _service(args)
    if args.batch:
        if not args.batch.is_file():
            raise InputError(str(args.batch), "no such file" if not args.batch.exists() else "not a file")
        try:
            lines = [l.strip() for l in args.batch.read_text(encoding="utf-8").splitlines() if l.strip()]
        except UnicodeDecodeError as err:
            raise InputError(str(args.batch), f"not UTF-8 text (byte {err.start})") from None
        except OSError as err:
            raise InputError(str(args.batch), err.strerror or "cannot be read") from None
        for q in lines:
            _print_json(svc.ask(q, k=args.k, mode=args.mode, offset=args.offset))
        return 0
    if not args.question or not args.question.strip():
        raise UsageError("ask needs a QUESTION or --batch FILE")
    res = svc.ask(args.question, k=args.k, mode=args.mode, offset=args.offset)
    if args.json:
        _print_json(res)
        return 0
    ans = res.get("answer")
    if ans is None:
        print(f"Không tìm thấy nhiệm vụ phù hợp trong kho văn bản ({res.get('reason')}); gần nhất:")
    else:
        print(f"[{res['route']}] {ans.get('text', '')}")
        for d in ans.get("documents") or []:
            print(f"  {d.get('number') or d['id']} {d.get('type') or ''} {d.get('date') or ''} {(d.get('title') or '')[:60]}"
                  + (f"\n      « {d['evidence'][:120]} »" if d.get("evidence") else ""))
    for r in res["results"]:
        t = r["task"]
        print(f"  {r['score']:.3f} [{r['document']['number']}] {t.get('section') or ''} {t.get('no') or ''} "
              f"{t['text'][:70]} — chủ trì: {', '.join(t.get('lead') or [])}"
              + (f"\n      mục tiêu: {t['objective'][:110]}" if t.get("objective") else ""))
    if res.get("total", 0) > res.get("offset", 0) + len(res["results"]) and ans is not None:
        print(f"  … {res['total']} dòng khớp; xem tiếp với --offset {res.get('offset', 0) + len(res['results'])}")
    return 0


def _emit(args, res, lines) -> int:
    """Print a query result: JSON with --json, else the human lines."""
    if args.json:
        _print_json(res)
    else:
        for line in lines(res):
            print(line)
    return 0


def cmd_cites(args) -> int:
    res = _service(args).cites(args.ref, args.direction, args.depth)
    return _emit(args, res, lambda r: [
        f"{r['root']['number'] or r['root']['id']}: {len(r['nodes'])} documents, {len(r['edges'])} citations"]
        + [f"  {e['source']} --{e['type']}--> {e['target']}" for e in r["edges"]])


def cmd_path(args) -> int:
    res = _service(args).citation_path(args.a, args.b)
    return _emit(args, res, lambda r: [" -> ".join(r["path"]) if r["path"] else "no citation path"])


def cmd_top(args) -> int:
    res = _service(args).most_cited(args.n)
    return _emit(args, res, lambda r: [f"{x['in_degree']:>4} {x['pagerank']:.4f} {x['number'] or x['id']}" for x in r])


def cmd_agency(args) -> int:
    res = _service(args).agency_tasks(args.name)
    return _emit(args, res, lambda r: [
        f"{a['name']} ({a['province'] or 'national'}): led {len(a['lead'])}, supported {len(a['support'])}"
        for a in r["agencies"]])


def cmd_lineage(args) -> int:
    res = _service(args).lineage(args.ref)
    return _emit(args, res, _lineage_lines)


def _lineage_lines(r: dict) -> list[str]:
    kinds = {"same": "same    ", "part_of": "part of ", "continued": "continued"}
    out = [f"{len(r['links'])} lineage links" + (f" touching {r['ref']['id']}" if r.get("ref") else "")]
    for d in r.get("documents", []):
        out.append(f"  document {d['child']} carries out {d['parent']} ({d['via']}: {d['evidence']})")
    for c in r.get("coverage", []):
        out.append(f"  {c['child_doc']} carries {c['carried']} of {c['total']} rows of {c['parent_doc']}")
    for l in r["links"]:
        out.append(f"  {l['child']}  {kinds.get(l['kind'], l['kind'])} {l['parent']}  {l['confidence']:.2f}  "
                   f"{l['evidence']}")
    if r.get("new"):
        out.append(f"  new rows (no parent): {len(r['new'])}")
    if r.get("not_carried"):
        out.append(f"  programme rows not carried forward: {len(r['not_carried'])}")
    return out


def cmd_agenda(args) -> int:
    svc = _service(args)
    try:
        res = svc.agenda(args.agency, args.period, args.start, args.end)
        if args.ics:
            args.ics.write_text(svc.agenda_ics(args.agency, args.period, args.start, args.end), encoding="utf-8",
                                newline="")
    except ValueError as err:
        raise UsageError(f"agenda: {err}") from None
    return _emit(args, res, _agenda_lines)


def _agenda_lines(r: dict) -> list[str]:
    a = r["agency"]
    out = [f"{a['name']} — {r['period']}: {r['count']} rows due, {len(r['ongoing'])} ongoing"]
    for g in r["groups"]:
        out.append(f"  {g['period']}")
        for x in (x for x in r["rows"] if x["period"] == g["period"]):
            srcs = ", ".join(dict.fromkeys(s["document_number"] or s["document_id"] for s in x["sources"]))
            out.append(f"    [{x['role']}] {x['due']}  {x['text'][:90]}  ({srcs})")
    if r["ongoing"]:
        out.append("  Thường xuyên / đang thực hiện")
        for x in r["ongoing"]:
            out.append(f"    [{x['role']}] {x['text'][:90]}  ({x['document']['number']})")
    return out


def cmd_export(args) -> int:
    store = _store(args)
    if args.base:
        if not args.base.startswith(("http://", "https://")) or any(c in args.base for c in ' <>"{}|\\^`'):
            raise UsageError(f"--base {args.base}: not an http(s) IRI")
        store.base = args.base if args.base.endswith(("/", "#")) else args.base + "/"
    if args.output is not None:
        if args.output.is_dir():
            raise UsageError(f"-o {args.output}: is a folder")
        if not args.output.parent.is_dir():
            raise UsageError(f"-o {args.output}: folder {args.output.parent} does not exist")
    data = _service_of(store).export(args.format)
    if args.output:
        try:
            args.output.write_bytes(data)
        except OSError as err:
            raise UsageError(f"-o {args.output}: {err.strerror or 'cannot be written'}") from None
    else:
        sys.stdout.buffer.write(data)
    return 0


def _service_of(store) -> "Service":
    from service import Service        # see _store
    return Service(store, ask_cache_size=0)


def cmd_sparql(args) -> int:
    try:
        res = _service(args).sparql(args.query)
    except ValueError as err:
        raise UsageError(f"sparql: {err}") from None
    except TimeoutError:
        raise UsageError("sparql: the query took too long (timeout); narrow it or add a LIMIT") from None
    _print_json(res) if args.json else print(json.dumps(res, ensure_ascii=False, indent=2))
    return 0


def cmd_serve(args) -> int:
    # the web stack is imported only to serve: flask + waitress + the blueprints
    # add ~0.6 s (measured) to every other command's start-up
    from web import create_app, make_server
    from service.progress import Progress
    _check_port(args.host, args.port)       # before building: a busy port is a usage error at once
    store = _store(args)
    if not store.base:
        # IRIs of the served graph dereference to this server's pages (content negotiation)
        store.base = f"http://{args.host}:{args.port}/"
    if not store.usable_build():
        # nothing (usable) built yet: build once, before listening; requests never build
        store.build(progress=Progress("auto"), index=True, wait=True, sparql_url=args.sparql_url)
    store.auto_build = False
    app = create_app({"STORE": store, "BASE_URL": store.base})
    try:
        server = make_server(app, args.host, args.port, threads=args.threads)
    except OSError as err:   # busy port, unknown host, no permission
        raise UsageError(f"serve: cannot listen on {args.host}:{args.port}: {err.strerror or err}") from None
    print(f"legalkg: serving {store.data} on http://{args.host}:{args.port}/", file=sys.stderr)
    server.run()
    return 0


def _check_port(host: str, port: int) -> None:
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as waitress does
            s.bind(addr)
    except OSError as err:
        raise UsageError(f"serve: cannot listen on {host}:{port}: {err.strerror or err}") from None


def _check_home(home: Path) -> None:
    """--home must be a folder that exists or can be created (exit 2 otherwise)."""
    if home.exists() and not home.is_dir():
        raise UsageError(f"--home {home}: not a folder")
    if not home.exists():
        parent = next((p for p in home.parents if p.exists()), None)
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise UsageError(f"--home {home}: cannot be created (no writable folder above it)")


COMMANDS = {"extract": cmd_extract, "build": cmd_build, "ask": cmd_ask, "cites": cmd_cites, "path": cmd_path,
            "top": cmd_top, "agency": cmd_agency, "lineage": cmd_lineage, "agenda": cmd_agenda, "export": cmd_export, "sparql": cmd_sparql, "serve": cmd_serve}


def main(argv: Optional[list[str]] = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if not args.cmd:
            raise UsageError("missing command (extract, build, ask, cites, path, top, agency, lineage, agenda, export, sparql, "
                             "serve)")
        if args.data is not None and not args.data.is_dir() and args.cmd not in ("extract",):
            raise UsageError(f"--data {args.data}: not a folder")
        if args.cmd != "extract":
            _check_home(args.home or default_home())
        if args.cmd in ("ask", "serve"):            # they embed questions: a bad setting is a usage error
            try:
                query_precision_setting()
                query_graph_setting()
            except ValueError as err:
                raise UsageError(str(err)) from None
        return COMMANDS[args.cmd](args)
    except UsageError as err:
        print(f"legalkg: {err}", file=sys.stderr)
        return 2
    except InputError as err:
        print(f"legalkg: {err}", file=sys.stderr)
        return 2
    except LookupError as err:   # unknown document / agency: bad argument
        print(f"legalkg: {err.args[0] if err.args else err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # noqa: BLE001 — last resort: one line, status 1
        print(f"legalkg: internal error: {type(err).__name__}: {err}", file=sys.stderr)
        if os.environ.get("LEGALKG_DEBUG"):
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())

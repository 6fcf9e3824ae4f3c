"""HTTP API: /api/*, RDF exports, the SPARQL 1.1 protocol endpoint, /healthz
and the OpenAPI description."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from kg.vocab import RDF_MEDIA_TYPES, RDF_SUFFIXES
from service import NotFound, Service

from .openapi import spec
from .sparqlfmt import vi_error
from .util import WebError, choice_param, int_param, text_param, wants_json

bp = Blueprint("api", __name__)

SPARQL_JSON = "application/sparql-results+json"


def state() -> Service:
    return current_app.extensions["legalkg"]


def _lookup(fn, ref: str, *args):
    """Call a Service query on a document reference; a miss is a 404 listing
    near documents (Ambiguous propagates: 300, see ``web.create_app``)."""
    try:
        return fn(ref, *args)
    except NotFound as exc:
        msg = exc.args[0] if exc.args else "không tìm thấy"
        raise NotFound(msg, candidates=state().suggest_documents(ref) if ref else []) from None


# ------------------------------------------------------------------ ask -----
@bp.route("/api/ask")
def ask():
    q = text_param("q", current_app.config["MAX_QUESTION_CHARS"], required=True)
    k = int_param("k", 5, 1, 50, clamp=True)
    mode = choice_param("mode", ("hybrid", "bm25", "dense"), "hybrid")
    offset = int_param("offset", 0, 0, 100000, clamp=True)
    if request.args.get("page"):                  # page N of k rows = offset (N-1)*k
        offset = (int_param("page", 1, 1, 100000, clamp=True) - 1) * k
    try:
        res = state().ask(q, k=k, mode=mode, offset=offset)
    except ValueError as exc:
        raise WebError(400, str(exc)[:200])
    return jsonify(res)


@bp.route("/api/cites")
def cites():
    ref = text_param("ref", 300, required=True)
    direction = choice_param("direction", ("out", "in", "both"), "both")
    depth = int_param("depth", 1, 0, 10)
    return jsonify(_lookup(state().cites, ref, direction, depth))


@bp.route("/api/document")
def document():
    ref = text_param("ref", 300, required=True)
    return jsonify(_lookup(state().document_detail, ref))


@bp.route("/api/path")
def path():
    a = text_param("a", 300, required=True)
    b = text_param("b", 300, required=True)
    return jsonify(_lookup(state().citation_path, a, b))


@bp.route("/api/top")
def top():
    return jsonify(state().most_cited(int_param("n", 10, 1, 100, clamp=True)))


@bp.route("/api/agency")
def agency():
    name = text_param("name", 300, required=True)
    return jsonify(state().agency_tasks(name))


@bp.route("/api/documents")
def documents():
    return jsonify(state().documents(text_param("q", 200), choice_param("scope", ("all", "corpus"), "all"),
                                     text_param("type", 100), text_param("province", 100)))


@bp.route("/api/agencies")
def agencies():
    return jsonify(state().agencies(text_param("q", 200), text_param("province", 100)))


# ------------------------------------------------------------------ RDF -----
@bp.route("/export.<ext>")
def export(ext):
    fmt = RDF_SUFFIXES.get(ext)
    if fmt is None:
        raise WebError(404, f"Không có định dạng xuất '.{ext[:20]}' (dùng .ttl, .jsonld, .nt, .rdf)")
    data = state().export(fmt)
    resp = Response(data, mimetype=RDF_MEDIA_TYPES[fmt].split(";")[0])
    resp.headers["Content-Type"] = RDF_MEDIA_TYPES[fmt]
    if request.args.get("download"):
        resp.headers["Content-Disposition"] = f'attachment; filename="legalkg.{ext}"'
    return resp


@bp.route("/export")
def export_any():
    fmt = choice_param("format", ("turtle", "jsonld", "nt", "xml"), "turtle")
    ext = {v: k for k, v in RDF_SUFFIXES.items()}[fmt]
    return export(ext)


# ------------------------------------------------------------------ SPARQL --
SPARQL_FORMATS = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": SPARQL_JSON}


def _sparql_query_text() -> str:
    cfg = current_app.config
    if request.method == "POST":
        ctype = (request.mimetype or "").lower()
        if ctype == "application/sparql-update" or "update" in request.form:
            raise WebError(400, "SPARQL UPDATE không được phép (điểm truy vấn chỉ đọc)")
        if ctype == "application/sparql-query":
            raw = request.get_data(cache=False)
            if len(raw) > cfg["MAX_SPARQL_CHARS"] * 4:
                raise WebError(413, "Truy vấn quá dài")
            try:
                query = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise WebError(400, "Truy vấn phải là UTF-8")
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            query = request.form.get("query", "")
        else:
            raise WebError(415 if ctype else 400,
                           "Dùng application/sparql-query hoặc application/x-www-form-urlencoded (query=…)")
    else:
        if "update" in request.args:
            raise WebError(400, "SPARQL UPDATE không được phép (điểm truy vấn chỉ đọc)")
        query = request.args.get("query", "")
    if len(query) > cfg["MAX_SPARQL_CHARS"]:
        raise WebError(413, f"Truy vấn quá dài (tối đa {cfg['MAX_SPARQL_CHARS']} ký tự)")
    return query


def _sparql_format() -> str:
    """html | json | csv | tsv: ``format=`` (GET or form) first, else Accept (a browser gets HTML)."""
    fmt = (request.values.get("format") or "").strip().lower()
    if fmt:
        if fmt not in ("html", *SPARQL_FORMATS):
            raise WebError(400, "Tham số 'format' phải là một trong: html, json, csv, tsv")
        return fmt
    best = request.accept_mimetypes.best_match(
        [SPARQL_JSON, "application/json", "text/html", "text/csv", "text/tab-separated-values"])
    if best == "text/csv":
        return "csv"
    if best == "text/tab-separated-values":
        return "tsv"
    return "json" if wants_json() else "html"


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    cfg = current_app.config
    query = _sparql_query_text()
    fmt = _sparql_format()
    html = fmt == "html"
    svc = state()
    page = {"examples": svc.sparql_examples(), "properties": svc.sparql_properties(),
            "limit": cfg["SPARQL_LIMIT"], "timeout": cfg["SPARQL_TIMEOUT"], "local_link": _local_link}
    if not query.strip():
        if html:
            return render_template("sparql.html", query=page["examples"][0]["query"], result=None, error=None,
                                   share=None, **page)
        raise WebError(400, "Thiếu tham số 'query'")
    status, error, result, busy = 200, None, None, False
    try:
        result = svc.sparql(query, limit=int(cfg["SPARQL_LIMIT"]), timeout=float(cfg["SPARQL_TIMEOUT"]))
    except TimeoutError as exc:
        busy = getattr(exc, "busy", False)
        if busy:                              # refused at once: every SPARQL worker and queue place taken
            status, error = 503, "Máy chủ đang chạy nhiều truy vấn SPARQL khác; hãy thử lại sau ít giây"
        else:
            status, error = 503, (f"Truy vấn chạy quá {cfg['SPARQL_TIMEOUT']:g} giây và đã bị dừng; "
                                  "hãy thu hẹp truy vấn hoặc thêm LIMIT")
    except ValueError as exc:
        status, error = 400, vi_error(str(exc))
    if html:
        share = url_for("api.sparql", query=query) if len(query) <= 6000 else None
        return render_template("sparql.html", query=query, result=result, error=error, share=share,
                               download={f: url_for("api.sparql", query=query, format=f) for f in ("csv", "tsv", "json")}
                               if share and result and "results" in result else None,
                               **page), (status if status != 503 else 200)
    if error:
        raise WebError(status, error, **({"retry_after": 1} if busy else {}))
    if fmt in ("csv", "tsv"):
        if "results" not in result:
            raise WebError(400, "CSV/TSV chỉ dùng cho truy vấn SELECT (ASK trả về JSON, CONSTRUCT trả về Turtle)")
        body = svc.sparql_table(result, fmt)
        return Response(body, mimetype=SPARQL_FORMATS[fmt],
                        headers={"Content-Type": f"{SPARQL_FORMATS[fmt]}; charset=utf-8",
                                 "Content-Disposition": f'attachment; filename="ket-qua-sparql.{fmt}"'})
    if "turtle" in result and "results" not in result and "boolean" not in result:
        return Response(result["turtle"], mimetype="text/turtle",
                        headers={"Content-Type": "text/turtle; charset=utf-8"})
    body = json.dumps(result, ensure_ascii=False)
    return Response(body, mimetype=SPARQL_JSON, headers={"Content-Type": f"{SPARQL_JSON}; charset=utf-8"})


def _local_link(value: str):
    """An IRI minted by kg.rdf → the page that shows it, else None."""
    try:
        hit = state().iri_to_id(value)
    except Exception:  # noqa: BLE001
        return None
    if not hit:
        return None
    kind, node = hit
    if kind == "document":
        return url_for("pages.document", doc_id=node)
    if kind == "agency":
        return url_for("pages.agency", agency_id=node)
    if kind in ("task", "assignment"):
        return url_for("pages.task", task_id=node)
    return None


# ------------------------------------------------------------------ meta ----
@bp.route("/healthz")
def healthz():
    try:
        return jsonify(state().health())
    except Exception:  # noqa: BLE001 — report unhealthy without details
        current_app.logger.exception("health check failed")
        return jsonify({"status": "error"}), 503


def _server() -> str:
    """The configured base URL ('/' when none): never the request's Host header (a client
    could make the document name any server)."""
    return current_app.config.get("BASE_URL") or "/"


@bp.route("/openapi.json")
def openapi():
    return jsonify(spec(_server()))


@bp.route("/api")
def api_docs():
    if wants_json():
        return jsonify(spec(_server()))
    return render_template("api.html", spec=spec(_server()), json_href=url_for("api.openapi"))

"""HTML pages (server-rendered Jinja) and their JSON twins.

Every page answers JSON with a ``.json`` suffix or ``Accept: application/json``.
Document IRIs (``/doc/<id>``) also answer Turtle, JSON-LD, N-Triples and
RDF/XML by content negotiation or by suffix.
"""
from __future__ import annotations

import datetime as _dt

from flask import (Blueprint, Response, current_app, jsonify, redirect, render_template, request,
                   url_for)

from kg.vocab import RDF_MEDIA_TYPES, RDF_SUFFIXES, RELATION_NAMES
from service import Service
from kg.vocab import AGENCY_KINDS
from service.pages import AGENCY_SORTS, DOC_SORTS, EXAMPLES, dmy, doc_label

from .exports import agencies_table, agency_table, documents_table, to_csv, to_xlsx
from .graphlayout import layout as graph_layout
from .graphsvg2 import legend, positions, relation_list, render_svg
from .highlight import annotate, highlight, query_terms
from .util import (ID_RE, WebError, choice_param, int_param, split_suffix, text_param, wants_json)

bp = Blueprint("pages", __name__)

RDF_SUFFIX = {"." + ext: fmt for ext, fmt in RDF_SUFFIXES.items()}
RDF_MEDIA = RDF_MEDIA_TYPES
# HTML first: a client that takes anything (`Accept: */*`, plain curl) gets the page
ACCEPT_TO_FMT = {"text/html": "html", "text/turtle": "turtle", "application/x-turtle": "turtle", "application/ld+json": "jsonld",
                 "application/n-triples": "nt", "application/rdf+xml": "xml", "application/json": "json"}


def state() -> Service:
    return current_app.extensions["legalkg"]


def respond(template: str, data: dict, **ctx):
    if wants_json():
        return jsonify(data)
    return render_template(template, v=data, **ctx)


def json_url(endpoint: str, **values) -> str:
    """URL of the JSON twin of a non-path page, keeping the query string."""
    args = {k: v for k, v in request.args.items() if v}
    args.update(values)
    return url_for(endpoint, **args)


# ------------------------------------------------------------------ filters --
def register_filters(app):
    def vdate(value):
        if not value or not isinstance(value, str):
            return value or ""
        try:
            return _dt.date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value

    app.jinja_env.filters["vdate"] = vdate
    app.jinja_env.filters["hl"] = lambda text, terms=None: highlight(text, terms=terms or [])
    app.jinja_env.filters["doclabel"] = doc_label
    app.jinja_env.globals["relname"] = RELATION_NAMES
    app.jinja_env.globals["nav_items"] = [("pages.index", "Tra cứu"), ("pages.documents", "Văn bản"),
                                          ("pages.agencies", "Cơ quan"), ("pages.graph", "Đồ thị trích dẫn"),
                                          ("api.sparql", "SPARQL"), ("api.api_docs", "API")]


# ------------------------------------------------------------------ search --
@bp.route("/")
def index():
    q = text_param("q", current_app.config["MAX_QUESTION_CHARS"])
    if q:
        return redirect(url_for("pages.search", q=q))
    data = state().home()
    return respond("index.html", data, json_href=url_for("pages.index_json"))


bp.add_url_rule("/index.json", "index_json", index)


@bp.route("/search")
@bp.route("/search.json", endpoint="search_json")
def search():
    cfg = current_app.config
    q = text_param("q", cfg["MAX_QUESTION_CHARS"])
    year = int_param("year", 0, 1900, 2100) if request.args.get("year") else 0
    filters = {"province": text_param("province", 100), "document": text_param("document", 300),
               "agency": text_param("agency", 300), "year": year or None}
    show = int_param("n", 20, 1, 100, clamp=True)
    page = int_param("page", 1, 1, 100000, clamp=True)
    data = state().search(q, filters, show=show, page=page) if q else {"query": "", "filters": filters,
                                                                       "examples": EXAMPLES}
    if wants_json():
        return jsonify(data)
    terms = query_terms(q) if q else []

    def facet_url(name, value):
        """This search with one parameter changed (None removes it); a new
        filter goes back to page 1."""
        args = {k: v for k, v in request.args.items() if v}
        if name != "page":
            args.pop("page", None)
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
        return url_for("pages.search", **args)

    return render_template("search.html", v=data, terms=terms, facet_url=facet_url,
                           json_href=json_url("pages.search_json"))


# ------------------------------------------------------------------ lists ----
PER_PAGE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_format(suffix=None) -> str:
    """html | json | csv | xlsx: by suffix, else by Accept (``*/*`` → HTML; ``text/csv`` honoured)."""
    if suffix:
        return suffix.lstrip(".")
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "text/csv", XLSX_TYPE])
    return {"application/json": "json", "text/csv": "csv", XLSX_TYPE: "xlsx"}.get(best or "", "html")


def download(table, fmt: str, name: str):
    """The CSV (``?sep=semicolon``: the ';' variant for Excel with Vietnamese regional settings) or XLSX."""
    if fmt == "xlsx":
        return Response(to_xlsx(table), mimetype=XLSX_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"', "Vary": "Accept"})
    sep = ";" if request.args.get("sep") in ("semicolon", ";") else ","
    return Response(to_csv(table, sep), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}{"-excel" if sep == ";" else ""}.csv"',
                             "Content-Type": "text/csv; charset=utf-8", "Vary": "Accept"})


def base_url() -> str:
    """The configured public base URL ('' when none: links stay relative); never the Host header."""
    return current_app.config.get("BASE_URL") or ""


def export_links(endpoint: str) -> dict:
    args = {k: v for k, v in request.args.items() if v and k not in ("page", "per")}
    return {"xlsx": url_for(endpoint, fmt="xlsx", **args), "csv": url_for(endpoint, fmt="csv", **args),
            "csv_excel": url_for(endpoint, fmt="csv", sep="semicolon", **args)}


def page_url(**values) -> str:
    args = {k: v for k, v in request.args.items() if v}
    args.update(values)
    return url_for(request.endpoint, **args)


def list_format(fmt) -> str:
    """The format of a list page (``.json`` / ``.csv`` / ``.xlsx`` suffix, else by Accept)."""
    if fmt not in (None, "json", "csv", "xlsx"):
        raise WebError(404, "Không có định dạng này")
    return table_format(fmt)


def list_page(fmt: str, fetch, to_table, filename: str, template: str, endpoint: str):
    """One list in every format: the HTML page, its JSON twin (the same
    page of rows), and CSV/XLSX of all rows.  ``fetch(page, per)`` asks the
    service (``per`` 0: every row); ``endpoint`` is the list's suffixed route."""
    whole = fmt in ("csv", "xlsx")
    data = fetch(int_param("page", 1, 1, 100000, clamp=True),
                 0 if whole else int_param("per", PER_PAGE, 10, 500, clamp=True))
    if whole:
        return download(to_table(data, base_url()), fmt, filename)
    if fmt == "json":
        return jsonify(data)
    return render_template(template, v=data, page_url=page_url, exports=export_links(endpoint),
                           json_href=url_for(endpoint, fmt="json", **request.args))


@bp.route("/documents")
@bp.route("/documents.<fmt>", endpoint="documents_fmt")
def documents(fmt=None):
    fmt = list_format(fmt)
    scope = choice_param("scope", ("all", "corpus"), "all")
    sort = choice_param("sort", tuple(DOC_SORTS), "cited")
    q, doc_type, province = text_param("q", 200), text_param("type", 100), text_param("province", 100)
    return list_page(fmt, lambda page, per: state().documents(q, scope, doc_type, province, sort, page, per),
                     documents_table, "van-ban", "documents.html", "pages.documents_fmt")


@bp.route("/agencies")
@bp.route("/agencies.<fmt>", endpoint="agencies_fmt")
def agencies(fmt=None):
    fmt = list_format(fmt)
    kind = text_param("kind", 40)
    if kind and kind not in AGENCY_KINDS:
        raise WebError(400, f"Tham số 'kind' phải là một trong: {', '.join(AGENCY_KINDS)}")
    sort = choice_param("sort", tuple(AGENCY_SORTS), "tasks")
    q, province = text_param("q", 200), text_param("province", 100)
    return list_page(fmt, lambda page, per: state().agencies(q, province, kind, sort, page, per),
                     agencies_table, "co-quan", "agencies.html", "pages.agencies_fmt")


@bp.route("/province/<path:pid>")
def province(pid):
    pid, _ = split_suffix(pid)
    node = f"province/{pid}"
    name = state().province_name(node) if ID_RE.match(node) else None
    if name is None:
        raise WebError(404, f"Không tìm thấy tỉnh '{pid[:60]}'")
    return redirect(url_for("pages.agencies", province=name))


# ------------------------------------------------------------------ document --
def source_links(view: dict) -> tuple[list[dict], list[tuple[int, str]]]:
    """Reference mentions → links, task / assignment / relation spans → anchor ranges, for ``annotate``."""
    links = []
    for r in view.get("references", []):
        label = r.get("number") or r.get("title") or ""
        title = f"{RELATION_NAMES.get(r.get('relation'), r.get('relation'))}: {r.get('type') or ''} {label}".strip()
        if r.get("date"):
            title += f" ({dmy(r['date'])})"
        for m in r.get("mentions") or ([r["span"]] if r.get("span") else []):
            links.append({"start": m[0], "end": m[1], "href": url_for("pages.document", doc_id=r["target_id"]),
                          "title": title, "cls": f"ref rel-{r.get('relation')}", "id": f"m-{m[0]}"})
    anchors = []
    for t in view.get("tasks", []) + view.get("assignments", []):
        sp = t.get("span")
        if sp:
            anchors.append((sp[0], sp[1], "src-" + t["anchor"]))
    for r in view.get("relations", []):
        if r.get("span"):
            anchors.append((r["span"][0], r["span"][1], f"src-rel-{r['span'][0]}"))
    eff = (view.get("status") or {}).get("effective")
    if eff:
        anchors.append((eff["span"][0], eff["span"][1], "eff"))
    return links, anchors


def _negotiate(suffix):
    if suffix in RDF_SUFFIX:
        return RDF_SUFFIX[suffix]
    if suffix == ".json":
        return "json"
    if suffix is not None:
        raise WebError(404, "Không có định dạng này")
    best = request.accept_mimetypes.best_match(list(ACCEPT_TO_FMT))
    return ACCEPT_TO_FMT.get(best, "html") if best else "html"


@bp.route("/doc/<path:doc_id>")
def document(doc_id):
    raw, suffix = split_suffix(doc_id)
    if len(raw) > 300:
        raise WebError(404, "Mã văn bản quá dài")
    svc = state()
    if not svc.is_document(raw):
        # a number ("319/KH-UBND") or a non-canonical spelling: resolve and redirect
        if not raw.strip():
            raise WebError(404, "Thiếu mã văn bản")
        target = svc.resolve_for_page(raw)
        return redirect(url_for("pages.document", doc_id=target + (suffix or "")), code=302)
    fmt = _negotiate(suffix)
    if fmt in RDF_MEDIA:
        body = svc.document_rdf(raw, fmt)
        resp = Response(body, mimetype=RDF_MEDIA[fmt].split(";")[0])
        resp.headers["Content-Type"] = RDF_MEDIA[fmt]
        resp.headers["Vary"] = "Accept"
        return resp
    data = svc.document(raw, with_text=(fmt != "json" or request.args.get("text") == "1"))
    if fmt == "json":
        resp = jsonify(data)
    else:
        links, anchors = source_links(data)
        source_html = None
        if data.get("text"):
            start = data.get("text_start") or 0       # an attached plan: its own part of the shared file
            links = [dict(ln, start=ln["start"] - start, end=ln["end"] - start) for ln in links if ln["start"] >= start]
            anchors = [(a[0] - start, a[1] - start, a[2]) for a in anchors if a[0] >= start]
            source_html = annotate(data["text"][start:], links, anchors)
        resp = current_app.make_response(render_template(
            "document.html", v=data, source_html=source_html, doc_id=raw,
            json_href=url_for("pages.document", doc_id=raw + ".json"),
            ttl_href=url_for("pages.document", doc_id=raw + ".ttl"),
            jsonld_href=url_for("pages.document", doc_id=raw + ".jsonld")))
    resp.headers["Vary"] = "Accept"
    return resp


# ------------------------------------------------------------------ agency ---
@bp.route("/agency/<path:agency_id>")
def agency(agency_id):
    raw, suffix = split_suffix(agency_id)
    if suffix not in (None, ".json", ".csv", ".xlsx"):
        raise WebError(404, "Không có định dạng này")
    if not ID_RE.match(raw):
        raise WebError(404, f"Không tìm thấy cơ quan '{raw[:80]}'")
    data = state().agency(raw)
    safe_name = raw.replace("/", "_")
    fmt = table_format(suffix)
    if fmt in ("csv", "xlsx"):
        return download(agency_table(data, base_url()), fmt, safe_name)
    if fmt == "json":
        return jsonify(data)
    group = choice_param("group", ("document", "deadline"), "document")
    return render_template("agency.html", v=data, group=group,
                           json_href=url_for("pages.agency", agency_id=raw + ".json"),
                           csv_href=url_for("pages.agency", agency_id=raw + ".csv"),
                           csv_excel_href=url_for("pages.agency", agency_id=raw + ".csv", sep="semicolon"),
                           xlsx_href=url_for("pages.agency", agency_id=raw + ".xlsx"))


# ------------------------------------------------------------------ task -----
@bp.route("/task/<path:task_id>")
@bp.route("/assignment/<path:task_id>", endpoint="assignment")
def task(task_id):
    raw, suffix = split_suffix(task_id)
    if suffix not in (None, ".json"):
        raise WebError(404, "Không có định dạng này")
    if not ID_RE.match(raw):
        raise WebError(404, f"Không tìm thấy nhiệm vụ '{raw[:80]}'")
    data = state().task(raw)
    if suffix == ".json" or wants_json():
        return jsonify(data)
    excerpt_html = None
    ex = data.get("excerpt")
    if ex:
        s0 = ex["start"]
        links = [{"start": r["_m"][0] - s0, "end": r["_m"][1] - s0,
                  "href": url_for("pages.document", doc_id=r["target_id"]),
                  "title": f"{RELATION_NAMES.get(r.get('relation'), '')}: {r.get('number') or r.get('title') or ''}",
                  "cls": f"ref rel-{r.get('relation')}", "id": f"m-{r['_m'][0]}"} for r in ex["refs"]]
        excerpt_html = annotate(ex["text"], links, [])
    return render_template("task.html", v=data, excerpt_html=excerpt_html,
                           json_href=url_for("pages.task", task_id=raw + ".json"))


# ------------------------------------------------------------------ graph ----
@bp.route("/graph")
@bp.route("/graph.json", endpoint="graph_json")
@bp.route("/graph.svg", endpoint="graph_svg")
def graph():
    """The citation chains around one document (``Service.cites``: "both" is the
    upward chain plus the downward chain only), drawn on the layered layout; the
    JSON twin adds each node's box, the page an accessible list of the relations."""
    ref = text_param("ref", 300)
    direction = choice_param("direction", ("both", "out", "in"), "both")
    depth = int_param("depth", 1, 0, 4)
    svc = state()
    data = None
    if ref:
        root = svc.resolve_for_page(ref)
        data = svc.cites(root, direction, depth)

    def href(n):   # a click on a node re-centres the graph on it
        return url_for("pages.graph", ref=n, direction=direction, depth=depth) + "#graph"

    is_svg = request.path.endswith(".svg")
    if is_svg:
        if data is None:
            raise WebError(400, "Thiếu tham số 'ref'")
        svg = render_svg(data, href, standalone=True)
        return Response(str(svg), mimetype="image/svg+xml")
    if wants_json():
        if data is None:
            return jsonify({"ref": None, "direction": direction, "depth": depth,
                            "suggestions": svc.home()["most_cited"]})
        lay = graph_layout(data)
        return jsonify(dict(data, layout=positions(lay), width=lay["width"], height=lay["height"]))
    svg = rel = None
    if data:
        lay = graph_layout(data)
        svg = render_svg(data, href, lay=lay)
        rel = relation_list(data)
    suggestions = svc.home() if data is None else None
    ref_display = ref
    if data and data["root"].get("number"):
        try:
            if svc.resolve_document(data["root"]["number"]) == data["root"]["id"]:
                ref_display = data["root"]["number"]
        except LookupError:
            pass
    return render_template("graph.html", v=data, svg=svg, rel=rel, ref=ref_display, direction=direction,
                           depth=depth, legend=legend(), suggestions=suggestions,
                           json_href=json_url("pages.graph_json"),
                           svg_href=json_url("pages.graph_svg") if data else None)

"""Web UI and HTTP API of legalkg (Flask application factory).

``create_app({"STORE": store})`` returns a WSGI app; serve it with waitress
(``legalkg serve``), never with Flask's debug server.  Nothing is global: the
Store and every cache live on the app (``app.config["STORE"]``, and the
``service.Service`` over it in ``app.extensions["legalkg"]``).  The blueprints
ask the Service only; they never walk the graph themselves.

Errors: ``service.NotFound`` → 404 and ``service.Ambiguous`` → 300 Multiple
Choices, both with ``candidates`` (doc summaries) in JSON and on the page.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Optional

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from service import Ambiguous, NotFound, Service, Store

from . import api, http, lineage, pages
from .serving import make_server  # noqa: F401 — `legalkg serve` starts the app through it
from .util import CSP, SECURITY_HEADERS, WebError, wants_json  # noqa: F401 — CSP re-exported

REPO = Path(__file__).resolve().parent.parent
log = logging.getLogger("legalkg.web")


DEFAULTS = {
    "MAX_CONTENT_LENGTH": 64 * 1024,        # request bodies (SPARQL POST, forms)
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "MAX_QUERY_STRING": 8 * 1024,           # a longer URL query is refused with 413
    "MAX_QUESTION_CHARS": 1000,             # /api/ask q, search box
    "MAX_PARAM_CHARS": 300,                 # any other text parameter
    "MAX_SPARQL_CHARS": 20000,
    "SPARQL_LIMIT": 1000,                   # rows
    "SPARQL_TIMEOUT": 10.0,                 # seconds
    "ASK_CACHE_SIZE": 1024,
    "WARMUP": True,                         # load the graph and the model in the background at start
    # public base URL of the site (links in /openapi.json and in XLSX downloads); default: the
    # store's IRI base when it is http(s) (`legalkg serve` sets it to http://HOST:PORT/), else
    # relative links.  Never taken from the request's Host header.
    "BASE_URL": None,
    "COMPRESS_MIN_SIZE": 1024,              # gzip / brotli responses larger than this
}


def _default_store() -> Store:
    data = Path(os.environ.get("LEGALKG_DATA") or (REPO / "data" / "corpus"))
    home = Path(os.environ.get("LEGALKG_HOME") or (REPO / ".legalkg"))
    return Store(data, home, auto_build=False)


def create_app(config: Optional[dict] = None) -> Flask:
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(DEFAULTS)
    if config:
        app.config.update(config)
    app.debug = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    if app.config.get("STORE") is None:
        app.config["STORE"] = _default_store()
    # a server never builds (GET requests are read-only): it follows the home's pointer
    app.config["STORE"].auto_build = False
    if not app.config.get("BASE_URL"):
        base = getattr(app.config["STORE"], "base", None) or ""
        app.config["BASE_URL"] = base.rstrip("/") if base.startswith(("http://", "https://")) else ""
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    state = Service(app.config["STORE"], ask_cache_size=int(app.config["ASK_CACHE_SIZE"]))
    app.extensions["legalkg"] = state

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(lineage.bp)
    pages.register_filters(app)
    http.install(app)

    @app.before_request
    def _limits():
        if len(request.query_string) > app.config["MAX_QUERY_STRING"]:
            raise WebError(413, f"Yêu cầu quá dài (chuỗi truy vấn tối đa {app.config['MAX_QUERY_STRING']} byte)")
        cl = request.content_length
        if cl is not None and cl > app.config["MAX_CONTENT_LENGTH"]:
            raise WebError(413, f"Nội dung gửi lên quá lớn (tối đa {app.config['MAX_CONTENT_LENGTH']} byte)")

    @app.after_request
    def _headers(resp):
        h = resp.headers
        for k, v in SECURITY_HEADERS:
            h.setdefault(k, v)
        return resp

    def _error(status: int, message: str, candidates=None, extra=None):
        if wants_json():
            body = {"error": {400: "bad_request", 300: "ambiguous", 404: "not_found", 405: "method_not_allowed",
                              413: "too_large", 415: "unsupported_media_type", 503: "unavailable",
                              500: "internal_error"}.get(status, "error"),
                    "status": status, "message": message}
            if candidates is not None:
                body["candidates"] = candidates
            if extra:
                body.update(extra)
            resp = jsonify(body)
        else:
            resp = app.make_response((render_template("error.html", status=status, message=message,
                                                      candidates=candidates or []), status))
        resp.status_code = status
        return resp

    @app.errorhandler(WebError)
    def _web_error(err: WebError):
        resp = _error(err.status, err.message, err.candidates, err.extra)
        if err.extra.get("retry_after"):
            resp.headers["Retry-After"] = str(int(err.extra["retry_after"]))
        return resp

    @app.errorhandler(NotFound)
    def _not_found(err: NotFound):
        return _error(404, err.args[0] if err.args else "Không tìm thấy", err.candidates)

    @app.errorhandler(Ambiguous)
    def _ambiguous(err: Ambiguous):
        # one status for every ambiguous reference, API and pages alike: 300 + candidates
        return _error(300, err.args[0], err.candidates)

    messages = {400: "Yêu cầu không hợp lệ", 404: "Không tìm thấy trang", 405: "Phương thức không được hỗ trợ",
                413: "Nội dung gửi lên quá lớn", 414: "Địa chỉ quá dài", 415: "Kiểu nội dung không được hỗ trợ",
                431: "Tiêu đề yêu cầu quá lớn"}

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        code = err.code or 500
        if code >= 500:
            return _error(500, "Lỗi máy chủ; vui lòng thử lại sau")
        resp = _error(code, messages.get(code, err.name))
        if code == 405 and getattr(err, "valid_methods", None):
            resp.headers["Allow"] = ", ".join(err.valid_methods)
        return resp

    @app.errorhandler(Exception)
    def _internal(err: Exception):
        if isinstance(err, HTTPException):
            return _http_error(err)
        log.exception("internal error on %s", request.path)
        return _error(500, "Lỗi máy chủ; vui lòng thử lại sau")

    if app.config.get("WARMUP"):
        threading.Thread(target=state.warm_up, name="legalkg-warmup", daemon=True).start()
    return app

"""HTTP details of the app: response compression (brotli or gzip) and
cacheable static files.

* Text responses larger than ``COMPRESS_MIN_SIZE`` are compressed for clients
  that accept it (``br`` preferred, then ``gzip``), with ``Vary:
  Accept-Encoding``; the ETag of a compressed body gets the coding as suffix.
* ``url_for('static', filename=…)`` carries ``?v=<content hash>``; a request
  with the current hash is cached a year (``immutable``), any other for an
  hour.  Flask answers ``If-None-Match`` / ``If-Modified-Since`` with 304.
"""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from flask import Flask, request

try:   # optional: gzip only without it
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/ld+json",
                "application/n-triples", "application/rdf+xml", "application/sparql-results+json",
                "image/svg+xml", "application/xml")


def _accepts(coding: str) -> bool:
    return request.accept_encodings[coding] > 0 or request.accept_encodings["*"] > 0 and coding == "gzip"


def compress(resp, min_size: int):
    if (resp.status_code < 200 or resp.status_code in (204, 206, 304) or resp.direct_passthrough
            or "Content-Encoding" in resp.headers or request.method == "HEAD"):
        return resp
    if not (resp.mimetype or "").startswith(COMPRESSIBLE):
        return resp
    resp.vary.add("Accept-Encoding")
    body = resp.get_data()
    if len(body) < min_size:
        return resp
    if brotli is not None and _accepts("br"):
        data, coding = brotli.compress(body, quality=5), "br"
    elif _accepts("gzip"):
        data, coding = gzip.compress(body, compresslevel=6, mtime=0), "gzip"
    else:
        return resp
    resp.set_data(data)
    resp.headers["Content-Encoding"] = coding
    etag, weak = resp.get_etag()
    if etag:
        resp.set_etag(f"{etag}-{coding}", weak=weak)
    return resp


def install(app: Flask) -> None:
    static = Path(app.static_folder)
    hashes: dict[str, str] = {}

    def version(filename: str) -> str:
        v = hashes.get(filename)
        if v is None:
            p = (static / filename).resolve()
            try:
                p.relative_to(static.resolve())
                v = hashlib.sha256(p.read_bytes()).hexdigest()[:12]
            except (OSError, ValueError):
                v = ""
            hashes[filename] = v
        return v

    @app.url_defaults
    def _static_version(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            v = version(values["filename"])
            if v:
                values["v"] = v

    @app.after_request
    def _http(resp):
        if request.endpoint == "static":
            fn = (request.view_args or {}).get("filename", "")
            current = request.args.get("v") and request.args.get("v") == version(fn)
            resp.headers["Cache-Control"] = ("public, max-age=31536000, immutable" if current
                                             else "public, max-age=3600")
            return resp
        return compress(resp, int(app.config.get("COMPRESS_MIN_SIZE", 1024)))

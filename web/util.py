"""Request helpers shared by the blueprints: JSON-or-HTML negotiation, parameter
parsing with limits, id validation and the one error type the views raise."""
from __future__ import annotations

import re
from typing import Any, Optional

from flask import current_app, request

# Node ids are slugs: lower-case ASCII letters, digits, '-', '/', '#', '.', '_'.
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._#/-]{0,299}$")
# Suffixes that select a representation of a page.
SUFFIXES = (".json", ".ttl", ".jsonld", ".nt", ".rdf", ".csv", ".xlsx", ".svg")

JSON_PREFIXES = ("/api/", "/export", "/healthz", "/openapi.json")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# on every response: the app's (web.create_app after_request) and waitress's own errors (web.serving)
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
                    ("Cross-Origin-Opener-Policy", "same-origin"),
                    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))


class WebError(Exception):
    """An error with an HTTP status and a message safe to show to the client."""

    def __init__(self, status: int, message: str, candidates: Optional[list] = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.message = message
        self.candidates = candidates
        self.extra = extra


def wants_json() -> bool:
    """True for API paths, ``.json`` twins and clients that prefer JSON over HTML."""
    path = request.path
    if path.startswith(JSON_PREFIXES) or path.endswith(".json"):
        return True
    if path.startswith("/sparql"):
        # SPARQL protocol: results JSON unless the client prefers HTML (a browser)
        return request.accept_mimetypes.best_match(
            ["application/sparql-results+json", "application/json", "text/html"]) != "text/html"
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def split_suffix(value: str) -> tuple[str, Optional[str]]:
    """'vn/76-nq-cp.json' → ('vn/76-nq-cp', '.json')."""
    for s in SUFFIXES:
        if value.endswith(s):
            return value[: -len(s)], s
    return value, None


def text_param(name: str, max_len: Optional[int] = None, required: bool = False, source=None) -> str:
    src = source if source is not None else request.args
    value = src.get(name, "")
    value = value.strip() if isinstance(value, str) else ""
    max_len = max_len or current_app.config["MAX_PARAM_CHARS"]
    if len(value) > max_len:
        raise WebError(400, f"Tham số '{name}' quá dài ({len(value)} ký tự, tối đa {max_len})")
    if required and not value:
        raise WebError(400, f"Thiếu tham số '{name}'")
    if "\x00" in value:
        raise WebError(400, f"Tham số '{name}' chứa ký tự không hợp lệ")
    return value


def int_param(name: str, default: int, lo: int, hi: int, clamp: bool = False) -> int:
    raw = request.args.get(name, "")
    raw = raw.strip() if raw else ""
    if not raw:
        return default
    if len(raw) > 6 or not re.fullmatch(r"-?\d+", raw):
        raise WebError(400, f"Tham số '{name}' phải là số nguyên")
    v = int(raw)
    if v < lo or v > hi:
        if clamp:
            return max(lo, min(hi, v))
        raise WebError(400, f"Tham số '{name}' phải nằm trong khoảng {lo}–{hi}")
    return v


def choice_param(name: str, choices: tuple, default: str) -> str:
    v = (request.args.get(name) or "").strip() or default
    if v not in choices:
        raise WebError(400, f"Tham số '{name}' phải là một trong: {', '.join(choices)}")
    return v

"""Serving the app with waitress, security headers included on the error
responses waitress writes itself (400 bad request, 431 headers too large,
…), which never reach the Flask app and its ``after_request`` hook.

``make_server(app, host, port, threads)`` returns a waitress server (call
``.run()``); OSError when the address cannot be bound (a busy port).
"""
from __future__ import annotations

from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from .util import SECURITY_HEADERS


class SecureErrorTask(ErrorTask):
    """waitress's own error response, with the app's security headers."""

    def build_response_header(self):
        have = {k.lower() for k, _ in self.response_headers}
        for k, v in SECURITY_HEADERS:
            if k.lower() not in have:
                self.response_headers.append((k, v))
        return super().build_response_header()


class SecureChannel(HTTPChannel):
    error_task_class = SecureErrorTask


def make_server(app, host: str, port: int, threads: int = 8, **kw):
    srv = create_server(app, host=host, port=port, threads=threads, **kw)
    servers = [s for s in getattr(srv, "map", {}).values() if hasattr(s, "channel_class")] or [srv]
    for s in servers:
        s.channel_class = SecureChannel
    return srv

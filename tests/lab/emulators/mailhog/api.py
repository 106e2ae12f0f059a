"""HTTP API: MailHog's v1/v2 routes (MailHog-Server api/v1.go, api/v2.go) on the standard library server."""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from .jim import KEYS as JIM_KEYS, JimHolder
from .message import go_json, to_rfc822
from .store import SEARCH_KINDS, MessageStore

UI_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>mailhog-catcher</title></head>
<body><h1>mailhog-catcher</h1>
<p>Test infrastructure: a MailHog-API-compatible mail catcher. This page is <strong>not</strong>
MailHog's web UI. Use the JSON API: <a href="/api/v2/messages">/api/v2/messages</a>,
<code>/api/v2/search?kind=from|to|containing&amp;query=...</code>, <code>/api/v1/messages</code>.</p>
</body></html>
"""

_MSG = r"/api/v1/messages/(?P<id>[^/]+)"


def _start_limit(query: Dict[str, list]) -> Tuple[int, int]:
    """MailHog getStartLimit: start default 0, limit default 50, capped at 250; bad values ignored."""
    def _int(name: str) -> Optional[int]:
        raw = (query.get(name) or [""])[0]
        try:
            n = int(raw, 10)
        except ValueError:
            return None
        return n if n > 0 else None
    start = _int("start") or 0
    limit = _int("limit") or 50
    return start, min(limit, 250)


def _jim_body(raw: bytes) -> Optional[Dict[str, float]]:
    """Decode a Jim JSON body like Go's json.Decoder into the struct: None when invalid."""
    try:
        data = json.loads(raw.decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    out: Dict[str, float] = {}
    for key, value in data.items():
        match = next((k for k in JIM_KEYS if k.lower() == key.lower()), None)  # Go: case-insensitive
        if match is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if value is None:
                continue
            return None
        out[match] = float(value)
    return out


class App:
    def __init__(self, store: MessageStore, jims: JimHolder, serve_api: bool = True, serve_ui: bool = True):
        self.store, self.jims = store, jims
        self.serve_api, self.serve_ui = serve_api, serve_ui

    # Each route returns (status, headers, body)
    def dispatch(self, method: str, path: str, query: Dict[str, list], body: bytes):
        if self.serve_ui and method == "GET" and path in ("/", "/index.html"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, UI_PAGE
        if not self.serve_api:
            return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"404 page not found\n"
        p = path.rstrip("/") or "/"
        if p == "/api/v2/messages" and method == "GET":
            start, limit = _start_limit(query)
            items = self.store.list(start, limit)
            return self._json({"total": self.store.count(), "count": len(items), "start": start, "items": items})
        if p == "/api/v2/search" and method == "GET":
            start, limit = _start_limit(query)
            kind = (query.get("kind") or [""])[0]
            q = (query.get("query") or [""])[0]
            if kind not in SEARCH_KINDS or not q:
                return 400, {}, b""
            items, total = self.store.search(kind, q, start, limit)
            return self._json({"total": total, "count": len(items), "start": start, "items": items})
        if p == "/api/v2/jim":
            return self._jim(method, body)
        if p == "/api/v1/messages":
            if method == "GET":
                return self._json(self.store.list(0, 1000))
            if method == "DELETE":
                self.store.delete_all()
                return 200, {"Content-Type": "text/json"}, b""
        m = re.fullmatch(_MSG + r"/download", p)
        if m and method == "GET":
            msg = self.store.get(unquote(m.group("id")))
            if msg is None:
                return 500, {}, b""  # MailHog dereferences nil here
            return 200, {"Content-Type": "message/rfc822",
                         "Content-Disposition": f'attachment; filename="{msg["ID"]}.eml"'}, to_rfc822(msg)
        if re.fullmatch(_MSG + r"/(mime/part/\d+/download|release)", p):
            return 501, {"Content-Type": "text/plain; charset=utf-8"}, b"not implemented by mailhog-catcher\n"
        m = re.fullmatch(_MSG, p)
        if m:
            msg_id = unquote(m.group("id"))
            if method == "GET":
                return self._json(self.store.get(msg_id))  # unknown -> 200 null (memory storage)
            if method == "DELETE":
                ok = self.store.delete_one(msg_id)
                return (200 if ok else 500), {"Content-Type": "text/json"}, b""
        return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"404 page not found\n"

    @staticmethod
    def _json(obj: Any):
        return 200, {"Content-Type": "text/json"}, go_json(obj)

    def _jim(self, method: str, body: bytes):
        if method == "GET":
            jim = self.jims.current()
            if jim is None:
                return 404, {}, b""
            return self._json(jim.to_json())
        if method == "POST":
            if not self.jims.create(_jim_body(body)):
                return 400, {}, b""
            return 201, {}, b""
        if method == "PUT":
            if self.jims.current() is None:
                return 404, {}, b""
            values = _jim_body(body)
            if values is None:
                return 400, {}, b""
            self.jims.update(values)
            return 200, {}, b""
        if method == "DELETE":
            return (200 if self.jims.delete() else 404), {}, b""
        return 405, {}, b""


def make_handler(app: App):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def send_response(self, code, message=None):
            # Go's net/http sends Date but no Server header
            self.log_request(code)
            self.send_response_only(code, message)
            self.send_header("Date", self.date_time_string())

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            try:
                status, headers, payload = app.dispatch(self.command, url.path, parse_qs(url.query), body)
            except Exception as exc:  # pragma: no cover - keep serving
                status, headers, payload = 500, {"Content-Type": "text/plain"}, str(exc).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        def do_OPTIONS(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt: str, *args) -> None:  # quiet
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_http(addr: Tuple[str, int], app: App) -> Tuple[ThreadingHTTPServer, threading.Thread]:
    server = _Server(addr, make_handler(app))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"http-{addr}", daemon=True)
    thread.start()
    return server, thread

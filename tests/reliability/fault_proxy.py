"""A scripted HTTP proxy in front of the Orchestrator emulator (127.0.0.1, free port, standard library only).

It forwards every request to the emulator unchanged unless a rule matches (method + path, case-insensitive);
a rule answers in a way the emulator's own fault injection cannot:

- ``trickle``: a 200 answer sent one byte (``phase: body``) or one header line (``phase: headers``) per
  ``interval`` seconds, each well within the client's socket timeout, ``nbytes`` in all;
- ``redirect``: ``status`` (302) with ``Location: location``;
- ``json``: ``status`` with the given JSON ``body`` (or raw ``raw`` bytes) instead of the emulator's answer;
- ``token``: forwards the login and replaces the issued token (``result`` / ``access_token``) by ``token``.

``times`` (default: every request) limits a rule. Every request the proxy sees is recorded in ``seen``
(method, path, whether it was forwarded); ``Recorder`` is a listener that only records (a foreign origin).
"""
from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class FaultProxy:
    def __init__(self, upstream: str):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.rules: list = []
        self.seen: list = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def rule(self, method: str, path: str, action: str, **kw):
        self.rules.append(dict(kw, method=method.upper(), path=path.lower(), action=action))
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _match(self, method, path):
        with self.lock:
            for rule in self.rules:
                if rule["method"] == method and rule["path"] == path.lower().rstrip("/"):
                    if rule.get("times") is not None:
                        if rule["times"] <= 0:
                            continue
                        rule["times"] -= 1
                    return rule
        return None

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status, raw, headers=None):
                self.send_response(status)
                hdrs = {"Content-Type": "application/json; charset=utf-8"}
                hdrs.update(headers or {})
                for k, v in hdrs.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _forward(self, method, body):
                up = proxy.upstream
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
                conn.request(method, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP]
                conn.close()
                return resp.status, data, out

            def _trickle(self, rule):
                interval, n = rule.get("interval", 0.2), rule.get("nbytes", 100)
                body = b"[" + b"1," * n + b"1]"
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    self.wfile.flush()
                    if rule.get("phase") == "headers":
                        for i in range(min(n, 90)):
                            self.wfile.write(b"X-Slow-%d: y\r\n" % i)
                            self.wfile.flush()
                            time.sleep(interval)
                    self.wfile.write(b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
                    self.wfile.flush()
                    for i in range(len(body)):
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(interval)
                except OSError:
                    pass
                self.close_connection = True

            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urllib.parse.urlsplit(self.path).path
                rule = proxy._match(method, path.rstrip("/"))
                with proxy.lock:
                    proxy.seen.append((method, path, rule is None or rule["action"] == "token"))
                if rule is None:
                    status, data, headers = self._forward(method, body)
                    self.send_response(status)
                    for k, v in headers:
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                action = rule["action"]
                if action == "trickle":
                    return self._trickle(rule)
                if action == "redirect":
                    return self._answer(rule.get("status", 302), b"", {"Location": rule["location"]})
                if action == "json":
                    raw = rule["raw"] if "raw" in rule else json.dumps(rule["body"]).encode()
                    return self._answer(rule.get("status", 200), raw, rule.get("headers"))
                if action == "token":
                    status, data, headers = self._forward(method, body)
                    doc = json.loads(data)
                    for key in ("result", "access_token"):
                        if doc.get(key):
                            doc[key] = rule["token"]
                    return self._answer(status, json.dumps(doc).encode())
                raise AssertionError("unknown proxy action %r" % action)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PUT(self):
                self._handle("PUT")

            def do_DELETE(self):
                self._handle("DELETE")

        return Handler


class Recorder:
    """A listener on another port (another origin) that records every request and answers 200 {}."""

    def __init__(self):
        self.seen: list = []
        rec = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rec.seen.append((self.command, self.path, dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

"""A tiny scripted Orchestrator/Identity fake for unit tests (127.0.0.1, port 0, standard library only).

Unlike the project's emulator it records request bodies and headers (tests check exactly what was sent) and lets
a test queue faults per path: ("status", code, headers, body), ("reset",), ("truncate",), ("sleep", seconds),
("redirect", code, location), ("trickle", "headers"|"body", interval, nbytes) - an answer sent one byte per
interval -, ("token", value) - the next login issues that token -, ("reset_after_write",) - the request is
carried out, then the connection is dropped."""
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MASK = "\u2022" * 12
ORG = "6e6f7267-0000-4000-8000-000000000001"


class Fake:
    def __init__(self, identity=False, ssl_context=None):
        self.identity = identity
        self.classic = {
            "Abp.Net.Mail.Smtp.Host": "127.0.0.1", "Abp.Net.Mail.Smtp.Port": "25",
            "Abp.Net.Mail.Smtp.EnableSsl": "false", "Abp.Net.Mail.Smtp.UseDefaultCredentials": "true",
            "Abp.Net.Mail.Smtp.UserName": "", "Abp.Net.Mail.Smtp.Password": "", "Abp.Net.Mail.Smtp.Domain": "",
            "Abp.Net.Mail.DefaultFromAddress": "", "Abp.Net.Mail.DefaultFromDisplayName": "",
            "Alerts.Email.Enabled": "false",
        }
        self.id_settings = {}  # partition ('' = host) -> {key: value}
        self.id_ids = {}       # (partition, key) -> row id
        self.extra_rows = []   # rows every identity GET answers in addition (other partitions, host rows)
        self.log = []          # (method, path, body, query) of every request
        self.headers = []      # request headers of every request, in the order of log
        self.faults = {}       # path -> list of faults (consumed in order)
        self.tokens = set()
        self.token_seq = 0
        self.verify_error = None
        self.users = {("default", "admin"): "admin-pw", ("host", "admin"): "host-pw"}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        scheme = "http"
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = "%s://127.0.0.1:%d" % (scheme, self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fault(self, path, *faults):
        self.faults.setdefault(path, []).extend(faults)

    def calls(self, method=None, path=None):
        return [entry for entry in self.log
                if (method is None or entry[0] == method) and (path is None or entry[1] == path)]

    def writes(self):
        return [e for e in self.log if e[0] in ("PUT", "DELETE") or e[1].endswith(("UpdateBulk", "DeleteBulk"))]

    def row_id(self, partition, key):
        return self.id_ids.setdefault((partition, key), 100 + len(self.id_ids))

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body=None, headers=None, truncate=False):
                raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
                if truncate:
                    raw = raw[: max(1, len(raw) // 2)]
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def _abp(self, status, message, details=None, validation=None):
                self._send(status, {"message": message, "errorCode": 0, "result": None, "success": False,
                                    "error": {"code": 0, "message": message, "details": details,
                                              "validationErrors": validation},
                                    "unAuthorizedRequest": status == 401, "__abp": True})

            def _authed(self):
                auth = self.headers.get("Authorization", "")
                return auth.startswith("Bearer ") and auth[7:] in fake.tokens

            def _new_token(self):
                fake.token_seq += 1
                tok = "tok-%d-secretvalue" % fake.token_seq
                fake.tokens.add(tok)
                return tok

            def handle_one(self, method):
                parsed = urllib.parse.urlsplit(self.path)
                path = parsed.path
                query = urllib.parse.parse_qs(parsed.query)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                if "json" in ctype and raw:
                    body = json.loads(raw)
                elif raw:
                    body = dict(urllib.parse.parse_qsl(raw.decode()))
                else:
                    body = None
                fake.log.append((method, path, body, query))
                fake.headers.append(dict(self.headers.items()))
                truncate = False
                drop_after = False
                next_token = None
                queue = fake.faults.get(path) or []
                if queue:
                    fault = queue.pop(0)
                    if fault[0] == "status":
                        headers = fault[2] if len(fault) > 2 else None
                        payload = fault[3] if len(fault) > 3 else {"message": "fault %d" % fault[1]}
                        return self._send(fault[1], payload, headers)
                    if fault[0] == "reset":
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return None
                    if fault[0] == "sleep":
                        time.sleep(fault[1])
                    if fault[0] == "truncate":
                        truncate = True
                    if fault[0] == "expire":
                        fake.tokens.clear()
                    if fault[0] == "redirect":
                        self.send_response(fault[1])
                        self.send_header("Location", fault[2])
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return None
                    if fault[0] == "trickle":
                        return self._trickle(*fault[1:])
                    if fault[0] == "token":
                        next_token = fault[1]
                    if fault[0] == "reset_after_write":
                        drop_after = True
                if drop_after:
                    self._dispatch(method, path, query, body, truncate, next_token, devnull=True)
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                return self._dispatch(method, path, query, body, truncate, next_token)

            def _trickle(self, phase, interval, nbytes):
                """Status line, then headers or body one byte per interval (each byte well within timeout)."""
                body = b"[" + b"1," * nbytes + b"1]"
                head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                        % len(body)).encode()
                try:
                    if phase == "headers":
                        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                        self.wfile.flush()
                        for i in range(nbytes):
                            self.wfile.write(b"X-Slow-%d: y\r\n" % i)
                            self.wfile.flush()
                            time.sleep(interval)
                        self.wfile.write(head[len(b"HTTP/1.1 200 OK\r\n"):] + b"\r\n" + body)
                    else:
                        self.wfile.write(head + b"\r\n")
                        self.wfile.flush()
                        for i in range(len(body)):
                            self.wfile.write(body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(interval)
                except OSError:
                    pass
                self.close_connection = True
                return None

            def _dispatch(self, method, path, query, body, truncate=False, next_token=None, devnull=False):
                if devnull:
                    real, self._send = self._send, lambda *a, **k: None
                    try:
                        return self._route(method, path, query, body, truncate, next_token)
                    finally:
                        self._send = real
                return self._route(method, path, query, body, truncate, next_token)

            def _route(self, method, path, query, body, truncate, next_token):
                if path == "/api/Account/Authenticate":
                    key = ((body or {}).get("tenancyName", "").lower(), (body or {}).get("usernameOrEmailAddress"))
                    if fake.users.get(key) != (body or {}).get("password"):
                        return self._abp(400, "Invalid request!", "Invalid user name or password")
                    tok = self._new_token() if next_token is None else next_token
                    fake.tokens.add(tok)
                    return self._send(200, {"result": tok, "success": True, "__abp": True}, truncate=truncate)
                if path == "/identity/connect/token":
                    if not fake.identity:
                        return self._send(404, None)
                    if body.get("client_secret") != "client-secret-value":
                        return self._send(400, {"error": "invalid_client", "error_description": "bad secret"})
                    tok = self._new_token() if next_token is None else next_token
                    fake.tokens.add(tok)
                    return self._send(200, {"access_token": tok, "expires_in": 3600, "token_type": "Bearer"})
                if path.startswith("/identity/") and not fake.identity:
                    return self._send(404, None)
                if not self._authed():
                    return self._abp(401, "You are not authenticated!",
                                     "You should be authenticated (sign in) in order to perform this operation.")
                if path == "/odata/Settings" and method == "GET":
                    items = [{"Name": k, "Value": MASK if k.endswith("Password") and v else v, "Scope": None, "Id": k}
                             for k, v in fake.classic.items()]
                    return self._send(200, {"@odata.context": "x", "value": items}, truncate=truncate)
                if path.endswith("UpdateBulk"):
                    for item in body["settings"]:
                        if item["Value"] == MASK:
                            return self._abp(400, "The request is invalid.", None,
                                             [{"message": "mask written back", "members": ["Password"]}])
                    for item in body["settings"]:
                        fake.classic[item["Name"]] = item["Value"]
                    return self._send(200, None)
                if path.endswith("VerifySmtpSetting") or path.endswith("VerifySmtpSettings"):
                    if fake.verify_error:
                        return self._abp(400, fake.verify_error)
                    return self._send(200, None)
                if path.endswith("DeleteBulk"):
                    for name in body["settingNames"]:
                        fake.classic.pop(name, None)
                    return self._send(200, None)
                if path == "/identity/api/Setting" and method == "GET":
                    part = (query.get("partitionGlobalId") or [""])[0]
                    keys = query.get("key") or []
                    stored = fake.id_settings.get(part, {})
                    out = [{"id": fake.row_id(part, k),
                            "key": k, "value": MASK if k.endswith("Password") and stored[k] else stored[k],
                            "partitionGlobalId": part or None, "userId": None}
                           for k in keys if k in stored]
                    out += [r for r in fake.extra_rows if r.get("key") in keys]
                    return self._send(200, out, truncate=truncate)
                if path == "/identity/api/Setting" and method == "PUT":
                    part = body.get("partitionGlobalId") or ""
                    for item in body["settings"]:
                        if item["value"] == MASK:
                            return self._send(400, {"errors": {"value": ["mask written back"]}})
                    fake.id_settings.setdefault(part, {}).update({i["key"]: i["value"] for i in body["settings"]})
                    return self._send(200, [{"id": fake.row_id(part, i["key"]), "key": i["key"], "value": i["value"],
                                             "partitionGlobalId": part or None, "userId": None}
                                            for i in body["settings"]])
                if path.startswith("/identity/api/Setting/") and method == "DELETE":
                    row_id = path.rsplit("/", 1)[1]
                    for (part, key), rid in list(fake.id_ids.items()):
                        if str(rid) == row_id and key in fake.id_settings.get(part, {}):
                            del fake.id_settings[part][key]
                            self.send_response(204)
                            self.send_header("Content-Length", "0")
                            self.end_headers()
                            return None
                    return self._send(404, None)
                return self._send(404, None)

            def do_GET(self):
                self.handle_one("GET")

            def do_POST(self):
                self.handle_one("POST")

            def do_PUT(self):
                self.handle_one("PUT")

            def do_DELETE(self):
                self.handle_one("DELETE")

        return Handler

"""HTTP(S) server: routing, fault injection, request log. ThreadingHTTPServer, HTTP/1.1 keep-alive."""
import re
import socket
import ssl
import struct
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import auth, classic_api, control_api, identity_api, portal_api, profiles
from . import envelopes as E

CLASSIC_ROUTES = [
    # (method, regex on the lower-cased decoded path, endpoint id, handler)
    ("POST", re.compile(r"^/api/account/authenticate/?$"), "classic.authenticate", None),
    ("GET", re.compile(r"^/odata/settings/?$"), "classic.settings.list", classic_api.list_settings),
    ("GET", re.compile(r"^/odata/settings\('(?P<key>.*)'\)$"), "classic.settings.get", classic_api.get_setting),
    ("PUT", re.compile(r"^/odata/settings\('(?P<key>.*)'\)$"), "classic.settings.put", classic_api.put_setting),
    ("POST", re.compile(r"^/odata/settings/uipath\.server\.configuration\.odata\.updatebulk/?$"),
     "classic.settings.update_bulk", classic_api.update_bulk),
    ("POST", re.compile(r"^/odata/settings/uipath\.server\.configuration\.odata\.deletebulk/?$"),
     "classic.settings.delete_bulk", classic_api.delete_bulk),
    ("POST", re.compile(r"^/odata/settings/uipath\.server\.configuration\.odata\.verifysmtpsetting/?$"),
     "classic.settings.verify_smtp", classic_api.verify_smtp),
]
IDENTITY_PREFIX = re.compile(r"^(?:/identity|/(?P<org>[^/]+)/identity_?)(?P<rest>/.*)$", re.I)
IDENTITY_ROUTES = [
    ("POST", re.compile(r"^/connect/token/?$"), "identity.token", identity_api.token),
    ("POST", re.compile(r"^/api/setting/verifysmtpsettings/?$"), "identity.settings.verify_smtp",
     identity_api.verify_smtp),
    ("GET", re.compile(r"^/api/setting/?$"), "identity.settings.get", identity_api.get_settings),
    ("PUT", re.compile(r"^/api/setting/?$"), "identity.settings.put", identity_api.put_settings),
    ("DELETE", re.compile(r"^/api/setting/(?P<id>[^/]+)$"), "identity.settings.delete", identity_api.delete_setting),
]
# Automation Suite / Automation Cloud layouts
PLATFORM_ORCHESTRATOR = re.compile(r"^/(?P<org>[^/]+)/(?P<tenant>[^/]+)/orchestrator_(?P<rest>/.*)$", re.I)
PLATFORM_IDENTITY = re.compile(r"^/(?P<org>[^/]+)/identity_(?P<rest>/.*)$", re.I)
HOST_IDENTITY = re.compile(r"^/identity_(?P<rest>/.*)$", re.I)
PORTAL_PREFIX = re.compile(r"^/(?P<org>[^/]+)/portal_(?P<rest>/.*)$", re.I)
PORTAL_ROUTES = [
    ("GET", re.compile(r"^/api/filtering/leftnav/tenantsandorganizationinfo/?$"),
     "portal.tenants_and_organization_info", portal_api.tenants_and_organization_info),
]


def _not_found(path):
    return E.Response(404, {"message": "No HTTP resource was found that matches the request URI '%s'." % path})


def _match_classic(server, method, path, rest, where):
    """Classic routes on ``rest`` (the path after the Orchestrator prefix). None if no route matches."""
    lower = rest.lower()
    found_path = False
    prof = server.state.profile_info
    for m, rx, endpoint, fn in CLASSIC_ROUTES:
        mt = rx.match(lower)
        if not mt:
            continue
        if endpoint == "classic.authenticate" and not prof.ropc:
            continue
        if endpoint == "classic.settings.delete_bulk" and prof.api_version < profiles.DELETE_BULK_MIN_API:
            continue
        found_path = True
        if m == method:
            groups = {}
            if "key" in rx.groupindex:
                groups["key"] = classic_api.decode_key(rest[mt.start("key"):mt.end("key")])
            return endpoint, fn, groups, where
    if found_path:
        return ("unknown", E.abp_error(405, "The requested resource does not support http method '%s'." % method),
                {}, where)
    return None


def _match_table(routes, method, rest, where, not_allowed):
    found_path = False
    for m, rx, endpoint, fn in routes:
        rm = rx.match(rest.lower())
        if rm:
            found_path = True
            if m == method:
                groups = {k: rest[rm.start(k):rm.end(k)] for k in rx.groupindex}
                return endpoint, fn, groups, where
    if found_path:
        return "unknown", not_allowed, {}, where
    return None


def invalid_partition(rest):
    return E.Response(400, {
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1", "title": "InvalidPartition", "status": 400,
        "errorCode": "InvalidPartition",
        "detail": "The host-level route /identity_%s does not serve calls for this organization's partition; use "
                  "the organization-scoped base /{organization}/identity_." % rest,
    }, content_type="application/problem+json; charset=utf-8")


def route(server, method, path):
    """-> (endpoint_id, handler or a Response for 404/405, match dict, where).

    ``where`` = {"api", "org" (organization record or None), "tenant" (canonical name or None), "prefix"}."""
    state = server.state
    prof = state.profile_info
    method_not_allowed = E.aspnet_problem(405, "Method Not Allowed")
    if prof.standalone:
        where = {"api": "classic", "org": None, "tenant": None, "prefix": ""}
        found = _match_classic(server, method, path, path, where)
        if found:
            return found
        mt = IDENTITY_PREFIX.match(path)
        if mt and prof.identity:
            org = mt.group("org")
            org_rec = state.org_by_name(org) if org is not None else None
            if org is None or org_rec is not None:
                where = {"api": "identity", "org": org_rec, "tenant": None, "prefix": path[:mt.start("rest")]}
                found = _match_table(IDENTITY_ROUTES, method, mt.group("rest"), where, method_not_allowed)
                if found:
                    return found
        return "unknown", _not_found(path), {}, None
    # platform layouts (automation-suite, cloud)
    mt = HOST_IDENTITY.match(path)
    if mt:
        rest = mt.group("rest")
        where = {"api": "identity", "org": None, "tenant": None, "prefix": "/identity_"}
        found = _match_table(IDENTITY_ROUTES, method, rest, where, method_not_allowed)
        if found and prof.host_identity == "invalid_partition" and found[0] not in ("identity.token", "unknown"):
            return found[0], invalid_partition(rest), {}, where
        if found:
            return found
        return "unknown", _not_found(path), {}, None
    mt = PLATFORM_IDENTITY.match(path)
    if mt:
        org_rec = state.org_by_name(mt.group("org"))
        if org_rec is not None:
            where = {"api": "identity", "org": org_rec, "tenant": None, "prefix": path[:mt.start("rest")]}
            found = _match_table(IDENTITY_ROUTES, method, mt.group("rest"), where, method_not_allowed)
            if found:
                return found
        return "unknown", _not_found(path), {}, None
    mt = PORTAL_PREFIX.match(path)
    if mt:
        org_rec = state.org_by_name(mt.group("org"))
        if org_rec is not None:
            where = {"api": "portal", "org": org_rec, "tenant": None, "prefix": path[:mt.start("rest")]}
            found = _match_table(PORTAL_ROUTES, method, mt.group("rest"), where, method_not_allowed)
            if found:
                return found
        return "unknown", _not_found(path), {}, None
    mt = PLATFORM_ORCHESTRATOR.match(path)
    if mt:
        org_rec = state.org_by_name(mt.group("org"))
        tenant = None
        if org_rec is not None:
            for t in state.org_tenants(org_rec):
                if t.lower() == mt.group("tenant").lower():
                    tenant = t
        if tenant is not None:
            where = {"api": "classic", "org": org_rec, "tenant": tenant, "prefix": path[:mt.start("rest")]}
            found = _match_classic(server, method, path, mt.group("rest"), where)
            if found:
                return found
    return "unknown", _not_found(path), {}, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "orchestrator-emulator/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet; the request log is the record
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0] or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(length)) if length else b""

    def _send(self, resp, truncate=False):
        body = resp.body
        if truncate and body:
            body = body[:max(1, len(body) // 2)]
        self.send_response(resp.status)
        if resp.content_type:
            self.send_header("Content-Type", resp.content_type)
        for k, v in resp.headers.items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset_connection(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def _dispatch(self, method):
        server = self.server
        parsed = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parsed.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        try:
            raw_body = self._read_body()
        except (ValueError, OSError):
            self._send(E.Response(400, {"message": "Bad request body"}))
            self.close_connection = True
            return
        if path == "/_emulator" or path.startswith("/_emulator/"):
            self._send(control_api.handle(server, method, path, query, raw_body))
            return
        endpoint, fn, match, where = route(server, method, path)
        fault = server.state.pick_fault(endpoint)
        truncate = False
        if fault:
            action = fault["action"]
            if action == "delay":
                time.sleep(float(fault.get("delay") or 0))
            elif action == "reset":
                server.state.record(method, path, None, endpoint, None, None, None)
                self._reset_connection()
                return
            elif action in ("status", "conflict"):
                if action == "conflict":
                    status = 409
                    resp = E.aspnet_problem(409, "Conflict", detail="The setting was changed by another request "
                                            "(emulated conflict, injected by the emulator).")
                else:
                    status = fault["status"]
                    headers = {}
                    if fault.get("retry_after") is not None:
                        headers["Retry-After"] = str(fault["retry_after"])
                    elif status in (429, 503):
                        headers["Retry-After"] = "1"
                    resp = E.abp_error(status, "Emulated fault: HTTP %d." % status,
                                       "Injected by the emulator control API.", headers=headers)
                server.state.record(method, path, status, endpoint, None, None, None)
                self._send(resp)
                return
            elif action == "truncate":
                truncate = True
        limited = self._rate_limited(endpoint, method, where)
        if limited is not None:
            server.state.record(method, path, limited.status, endpoint, None, None, None)
            self._send(limited)
            return
        if isinstance(fn, E.Response):
            resp = fn
        else:
            host = self.headers.get("Host") or "%s:%s" % server.server_address[:2]
            origin = "%s://%s" % (server.scheme, host)
            ctx = classic_api.Ctx(server, method, path, query, self.headers, raw_body,
                                  origin + (where["prefix"] if where and where["api"] == "classic" else ""), match)
            ctx.where = where or {"api": None, "org": None, "tenant": None, "prefix": ""}
            ctx.origin = origin
            try:
                if endpoint == "classic.authenticate":
                    try:
                        body = ctx.json_body()
                    except ValueError:
                        body = None
                    resp = auth.authenticate(server.state, body, default_tenant=ctx.where["tenant"] or "Default")
                else:
                    resp = fn(ctx)
            except Exception as exc:  # never a bare 500 page: ABP envelope, and say so on stderr
                print("orchestrator-emulator: internal error on %s %s: %r" % (method, path, exc),
                      file=sys.stderr, flush=True)
                resp = E.abp_error(500, "An internal error occurred during your request!", None)
        server.state.record(method, path, resp.status, endpoint, resp.tenant, resp.principal, resp.written_keys)
        self._send(resp, truncate=truncate)

    def _rate_limited(self, endpoint, method, where):
        """Automation Cloud's Identity rate limits (per organization per window) when enabled, else None."""
        state = self.server.state
        if not state.rate_limits or not endpoint.startswith("identity."):
            return None
        org = where["org"]["id"] if where and where.get("org") else None
        if org is None:
            info = auth.bearer(state, self.headers)
            org = info.get("org") if info else None
        limit = state.rate_check(org or "host", method)
        if limit is None:
            return None
        headers = {}
        if state.rate_limits.get("retry_after") is not None:
            headers["Retry-After"] = str(state.rate_limits["retry_after"])
        return E.aspnet_problem(429, "Too Many Requests", headers=headers,
                                detail="Rate limit of %d %s requests per %g seconds for this organization exceeded."
                                % (limit, "GET" if method in ("GET", "HEAD") else method,
                                   state.rate_limits["window"]))


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address, state, tls_context=None, smtp_ca_file=None, smtp_timeout=30.0):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)
        self.state = state
        self.tls_context = tls_context
        self.scheme = "https" if tls_context else "http"
        self.smtp_ca_file = smtp_ca_file
        self.smtp_timeout = smtp_timeout

    def finish_request(self, request, client_address):
        if self.tls_context is not None:  # handshake in the worker thread, not in accept()
            request.settimeout(30)
            request = self.tls_context.wrap_socket(request, server_side=True)
            request.settimeout(None)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)

"""Emulator-only control API under /_emulator/ (docs/ARCHITECTURE.md). Never logged, never faulted."""
import json

from . import envelopes as E
from .state import GUID_RE

FAULT_ACTIONS = ("status", "conflict", "reset", "truncate", "delay")


def parse_fault(spec):
    """-> (fault dict, None) or (None, error message). Shared by POST /_emulator/faults and --fault."""
    if not isinstance(spec, dict):
        return None, "body must be a JSON object"
    fault = {"endpoint": spec.get("endpoint", "*"), "action": spec.get("action", "status"),
             "status": spec.get("status", 503), "retry_after": spec.get("retry_after"),
             "delay": spec.get("delay", 0.0), "times": spec.get("times"), "rate": spec.get("rate")}
    if fault["action"] not in FAULT_ACTIONS:
        return None, "action must be one of %s" % ", ".join(FAULT_ACTIONS)
    if fault["action"] == "conflict":
        fault["status"] = 409
    if not isinstance(fault["endpoint"], str):
        return None, "endpoint must be an endpoint id or '*'"
    if not isinstance(fault["status"], int) or not 100 <= fault["status"] <= 599:
        return None, "status must be an HTTP status code"
    if fault["times"] is not None and (not isinstance(fault["times"], int) or fault["times"] < 0):
        return None, "times must be a non-negative integer"
    if fault["rate"] is not None and (not isinstance(fault["rate"], (int, float)) or not 0 <= fault["rate"] <= 1):
        return None, "rate must be between 0.0 and 1.0"
    if not isinstance(fault["delay"], (int, float)) or fault["delay"] < 0:
        return None, "delay must be a non-negative number of seconds"
    if fault["times"] is None and fault["rate"] is None:
        fault["times"] = 1
    return fault, None


def _bad(msg):
    return E.json_response(400, {"error": msg})


def handle(server, method, path, query, raw_body):
    state = server.state
    route = path[len("/_emulator"):].rstrip("/") or "/"
    q = lambda name: (query.get(name) or [None])[-1]
    if route == "/health" and method == "GET":
        return E.json_response(200, {"status": "ok", "profile": state.profile})
    if route == "/config" and method == "GET":
        return E.json_response(200, {"profile": state.profile, "api_version": state.profile_info.api_version,
                                     "client_token_prt_id": state.client_prt_id,
                                     "rate_limits": state.rate_limits,
                                     "organizations": [{"name": o["name"], "id": o["id"],
                                                        "tenants": [{"name": t, "id": state.tenant_id(t)}
                                                                    for t in state.org_tenants(o)]}
                                                       for o in state.organizations]})
    if route == "/reset" and method == "POST":
        state.reset()
        return E.json_response(200, {"status": "reset"})
    if route == "/requests":
        if method == "GET":
            return E.json_response(200, state.snapshot_log())
        if method == "DELETE":
            state.clear_log()
            return E.json_response(200, {"status": "cleared"})
    if route == "/faults":
        if method == "GET":
            return E.json_response(200, {"faults": state.list_faults()})
        if method == "DELETE":
            state.clear_faults()
            return E.json_response(200, {"status": "cleared"})
        if method == "POST":
            try:
                spec = json.loads(raw_body.decode("utf-8") or "{}")
            except ValueError:
                return _bad("body must be JSON")
            fault, problem = parse_fault(spec)
            if problem:
                return _bad(problem)
            return E.json_response(201, state.add_fault(fault))
    if route == "/rate-limits/advance" and method == "POST":
        try:
            spec = json.loads(raw_body.decode("utf-8") or "{}")
        except ValueError:
            return _bad("body must be JSON")
        seconds = spec.get("seconds") if isinstance(spec, dict) else None
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            return _bad("seconds must be a non-negative number")
        return E.json_response(200, {"offset": state.rate_advance(float(seconds))})
    if route == "/tokens/expire" and method == "POST":
        return E.json_response(200, {"expired": state.expire_tokens()})
    if route == "/settings" and method == "GET":
        tenant = state.tenant_name(q("tenant") or "Default")
        if tenant is None:
            return E.json_response(404, {"error": "unknown tenant"})
        return E.json_response(200, {"tenant": tenant, "stored": state.classic_stored(tenant),
                                     "effective": state.classic_effective(tenant)})
    if route == "/identity-settings" and method == "GET":
        raw = q("partition") or ""
        partition = None
        if raw:
            org = state.org_by_id(raw) if GUID_RE.match(raw) else state.org_by_name(raw)
            if org is None:
                return E.json_response(404, {"error": "unknown partition"})
            partition = org["id"]
        return E.json_response(200, {"partition": partition, "stored": state.identity_stored(partition),
                                     "effective": state.identity_effective(partition)})
    return E.json_response(404, {"error": "unknown control endpoint %s %s" % (method, path)})

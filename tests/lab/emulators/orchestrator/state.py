"""All mutable emulator state behind one lock: settings, tokens, request log, faults.

Classic settings (ABP EmailSettingNames, Orchestrator tenants): stored per tenant; ``Host`` is a tenant of its own and holds the
application-level values. A tenant read resolves tenant value -> Host value -> ABP default.
Identity settings (UiPath docs "Get Settings" / "Update Settings"): rows {id, key, value, partitionGlobalId, userId}; partition None = host
(global); an organization partition overrides host rows and inherits the rest.
"""
import copy
import json
import math
import os
import random
import re
import secrets
import threading
import time
import uuid
from collections import deque

from . import MASK
from . import profiles
from .jwt_tokens import Signer

CLASSIC_DEFAULTS = {
    # ABP EmailSettingProvider defaults (aspnetboilerplate) + Orchestrator's Alerts.Email.Enabled
    "Abp.Net.Mail.DefaultFromAddress": "",
    "Abp.Net.Mail.DefaultFromDisplayName": "",
    "Abp.Net.Mail.Smtp.Host": "127.0.0.1",
    "Abp.Net.Mail.Smtp.Port": "25",
    "Abp.Net.Mail.Smtp.UserName": "",
    "Abp.Net.Mail.Smtp.Password": "",
    "Abp.Net.Mail.Smtp.Domain": "",
    "Abp.Net.Mail.Smtp.EnableSsl": "false",
    "Abp.Net.Mail.Smtp.UseDefaultCredentials": "true",
    "Alerts.Email.Enabled": "false",
}
CLASSIC_PASSWORD = "Abp.Net.Mail.Smtp.Password"

IDENTITY_DEFAULTS = {
    # Not documented for Identity; mirrors the ABP defaults, plus ConnectionTimeout 180000 (UiPath docs "Custom email settings").
    "Email.Smtp.Host": "127.0.0.1",
    "Email.Smtp.Port": "25",
    "Email.Smtp.UserName": "",
    "Email.Smtp.Password": "",
    "Email.Smtp.Domain": "",
    "Email.Smtp.EnableSsl": "false",
    "Email.Smtp.UseDefaultCredentials": "false",
    "Email.Smtp.FromEmail": "",
    "Email.Smtp.FromDisplayName": "",
    "Email.Smtp.ConnectionTimeout": "180000",
}
IDENTITY_PASSWORD = "Email.Smtp.Password"

BOOL_KEYS = {"Abp.Net.Mail.Smtp.EnableSsl", "Abp.Net.Mail.Smtp.UseDefaultCredentials", "Alerts.Email.Enabled",
             "Email.Smtp.EnableSsl", "Email.Smtp.UseDefaultCredentials"}
PORT_KEYS = {"Abp.Net.Mail.Smtp.Port", "Email.Smtp.Port"}
TIMEOUT_KEYS = {"Email.Smtp.ConnectionTimeout"}
PASSWORD_KEYS = {CLASSIC_PASSWORD, IDENTITY_PASSWORD}
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

DEFAULT_SEED_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "default_seed.json")


def mask(key, value):
    if key in PASSWORD_KEYS:
        return MASK if value else ""
    return value


def validate_value(key, value):
    """Return an error message for an invalid (key, value) write, or None. value must already be a str."""
    if key in PASSWORD_KEYS and value == MASK:
        return ("The value of %s is the read-back mask, not a password; send the real password or omit "
                "the key." % key)
    if key in PORT_KEYS:
        if not re.fullmatch(r"[0-9]{1,5}", value) or not 1 <= int(value) <= 65535:
            return "The value of %s must be an integer between 1 and 65535 (as a string)." % key
    if key in BOOL_KEYS and value not in ("true", "false"):
        return "The value of %s must be \"true\" or \"false\"." % key
    if key in TIMEOUT_KEYS and (not re.fullmatch(r"[0-9]{1,9}", value) or int(value) < 1):
        return "The value of %s must be a positive integer (milliseconds, as a string)." % key
    if ("\r" in value or "\n" in value) and key not in PASSWORD_KEYS:
        return "The value of %s must not contain line breaks." % key
    return None


class State:
    def __init__(self, seed_path=None, state_path=None, token_ttl=3600, profile="2020.10", fault_seed=0,
                 client_token_prt_id="auto", rate_limits=None, startup_faults=None, api_version=None):
        self.lock = threading.RLock()
        self.profile_info = profiles.get(profile)
        if api_version:
            self.profile_info = self.profile_info._replace(api_version=api_version)
        if client_token_prt_id == "auto":
            self.client_prt_id = self.profile_info.client_prt_id
        else:
            self.client_prt_id = client_token_prt_id in (True, "yes")
        # rate_limits: None (off) or {"window": s, "GET": n, "WRITE": n, "POST": n, "retry_after": s|None}
        self.rate_limits = rate_limits
        self.startup_faults = list(startup_faults or [])
        self.signer = Signer()
        self.seed_path = seed_path or DEFAULT_SEED_PATH
        with open(self.seed_path, encoding="utf-8") as fh:
            self.seed = json.load(fh)
        self.state_path = state_path
        self.token_ttl = token_ttl
        self.profile = profile
        self.fault_seed = fault_seed
        self.reset(persist=False)
        if state_path and os.path.exists(state_path):
            with open(state_path, encoding="utf-8") as fh:
                saved = json.load(fh)
            self.settings = saved.get("settings", self.settings)
            self.identity_rows = saved.get("identity_settings", self.identity_rows)
            self.next_id = saved.get("next_id", self.next_id)
        self.save()

    # ---- lifecycle -------------------------------------------------------------------------------
    def reset(self, persist=True):
        """Back to the seed: settings, tokens, request log, faults (and the state file, if any)."""
        with self.lock:
            self.tenants = {name: copy.deepcopy(t) for name, t in self.seed.get("tenants", {}).items()}
            self.clients = copy.deepcopy(self.seed.get("clients", {}))
            self.organizations = copy.deepcopy(self.seed.get("organizations", []))
            self.settings = {t: {} for t in self.tenants}
            for t, values in self.seed.get("settings", {}).items():
                canon = self.tenant_name(t)
                if canon:
                    self.settings[canon].update({k: str(v) for k, v in values.items()})
            self.identity_rows = []
            self.next_id = 1
            for row in self.seed.get("identity_settings", []):
                self._identity_upsert(row.get("partitionGlobalId") or None, row.get("userId"),
                                      row["key"], str(row["value"]))
            self.tokens = {}
            self.log = deque(maxlen=100000)
            self.counts = {}
            self.writes = 0
            self.seq = 0
            self.faults = []
            self.fault_id = 0
            self.rng = random.Random(self.fault_seed)
            self.rate_hits = {}
            self.rate_clock_offset = 0.0
            for fault in self.startup_faults:
                self.add_fault(fault)
            if persist:
                self.save()

    def save(self):
        if not self.state_path:
            return
        with self.lock:
            data = {"settings": self.settings, "identity_settings": self.identity_rows, "next_id": self.next_id}
            tmp = self.state_path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)
            os.replace(tmp, self.state_path)

    # ---- directory ------------------------------------------------------------------------------
    def tenant_name(self, name):
        """Canonical tenant name for a case-insensitive tenancyName, or None."""
        if not isinstance(name, str):
            return None
        for t in self.tenants:
            if t.lower() == name.lower():
                return t
        return None

    def tenant_org(self, tenant):
        """Organization record a tenant belongs to: seed ``tenants.T.organization`` (a name), else the first
        organization; the ``Host`` tenant belongs to none unless the seed says so."""
        rec = self.tenants.get(tenant) or {}
        if rec.get("organization"):
            return self.org_by_name(rec["organization"]) or self.org_by_id(rec["organization"])
        if tenant.lower() == "host" or not self.organizations:
            return None
        return self.organizations[0]

    def tenant_id(self, tenant):
        rec = self.tenants.get(tenant) or {}
        return rec.get("id") or str(uuid.uuid5(uuid.NAMESPACE_URL, "orchestrator-emulator/tenant/" + tenant))

    def org_tenants(self, org):
        """Tenants of an organization (never Host), in seed order."""
        out = []
        for t in self.tenants:
            o = self.tenant_org(t)
            if o is not None and o["id"] == org["id"]:
                out.append(t)
        return out

    def client_org(self, client_id):
        rec = self.clients.get(client_id) or {}
        if rec.get("organization"):
            return self.org_by_name(rec["organization"]) or self.org_by_id(rec["organization"])
        return self.organizations[0] if self.organizations else None

    def org_by_name(self, name):
        for o in self.organizations:
            if o["name"].lower() == (name or "").lower():
                return o
        return None

    def org_by_id(self, gid):
        for o in self.organizations:
            if o["id"].lower() == (gid or "").lower():
                return o
        return None

    # ---- tokens ---------------------------------------------------------------------------------
    def issue_token(self, info, claims=None):
        """A JWT-shaped token for ``info`` (kind, tenant, principal, permissions, scopes, org). ``claims`` are
        added to the payload (prt_id, tenant name, ...)."""
        now = time.time()
        with self.lock:
            info = dict(info, expires=now + self.token_ttl)
            payload = {"iss": "orchestrator-emulator", "nbf": int(now), "iat": int(now),
                       "exp": int(math.ceil(now + self.token_ttl)), "jti": secrets.token_hex(16)}
            payload.update(claims or {})
            token = self.signer.encode(payload)
            self.tokens[token] = info
        return token

    def lookup_token(self, token):
        with self.lock:
            info = self.tokens.get(token)
            if not info or info["expires"] <= time.time():
                return None
            if self.signer.verify(token) is None:
                return None
            return dict(info)

    def expire_tokens(self):
        with self.lock:
            for info in self.tokens.values():
                info["expires"] = 0
            return len(self.tokens)

    # ---- classic settings ------------------------------------------------------------------------
    def classic_effective(self, tenant):
        with self.lock:
            eff = dict(CLASSIC_DEFAULTS)
            host = self.tenant_name("Host")
            if host and host != tenant:
                eff.update(self.settings.get(host, {}))
            eff.update(self.settings.get(tenant, {}))
            return eff

    def classic_stored(self, tenant):
        with self.lock:
            return dict(self.settings.get(tenant, {}))

    def classic_write(self, tenant, pairs):
        with self.lock:
            self.settings.setdefault(tenant, {}).update(pairs)
            self.save()

    def classic_delete(self, tenant, names):
        """Remove the tenant's own values (defaults / host values apply again). Returns the removed names."""
        with self.lock:
            stored = self.settings.setdefault(tenant, {})
            removed = [n for n in names if n in stored]
            for n in removed:
                del stored[n]
            self.save()
            return removed

    # ---- identity settings -----------------------------------------------------------------------
    def _identity_find(self, partition, user_id, key):
        for row in self.identity_rows:
            if row["partitionGlobalId"] == partition and row["userId"] == user_id and row["key"] == key:
                return row
        return None

    def _identity_upsert(self, partition, user_id, key, value):
        row = self._identity_find(partition, user_id, key)
        if row is None:
            row = {"id": self.next_id, "key": key, "value": value, "partitionGlobalId": partition,
                   "userId": user_id}
            self.next_id += 1
            self.identity_rows.append(row)
        else:
            row["value"] = value
        return row

    def identity_resolve(self, partition, user_id, key):
        """Row that answers a read: (partition,user) -> (partition) -> host (user) -> host."""
        with self.lock:
            candidates = []
            if user_id is not None:
                candidates.append((partition, user_id))
            candidates.append((partition, None))
            if partition is not None:
                if user_id is not None:
                    candidates.append((None, user_id))
                candidates.append((None, None))
            for p, u in candidates:
                row = self._identity_find(p, u, key)
                if row:
                    return dict(row)
            return None

    def identity_write(self, partition, user_id, pairs):
        with self.lock:
            rows = [dict(self._identity_upsert(partition, user_id, k, v)) for k, v in pairs]
            self.save()
            return rows

    def identity_delete(self, row_id):
        with self.lock:
            for i, row in enumerate(self.identity_rows):
                if row["id"] == row_id:
                    del self.identity_rows[i]
                    self.save()
                    return row
            return None

    def identity_stored(self, partition):
        with self.lock:
            return {r["key"]: r["value"] for r in self.identity_rows
                    if r["partitionGlobalId"] == partition and r["userId"] is None}

    def identity_effective(self, partition):
        with self.lock:
            eff = dict(IDENTITY_DEFAULTS)
            eff.update(self.identity_stored(None))
            if partition is not None:
                eff.update(self.identity_stored(partition))
            return eff

    # ---- request log -----------------------------------------------------------------------------
    WRITE_ENDPOINTS = {"classic.settings.put", "classic.settings.update_bulk", "classic.settings.delete_bulk",
                       "identity.settings.put", "identity.settings.delete"}

    def record(self, method, path, status, endpoint, tenant, principal, written_keys):
        with self.lock:
            self.seq += 1
            self.log.append({"seq": self.seq, "method": method, "path": path, "status": status,
                             "endpoint": endpoint, "tenant": tenant, "principal": principal,
                             "written_keys": written_keys})
            self.counts[endpoint] = self.counts.get(endpoint, 0) + 1
            if endpoint in self.WRITE_ENDPOINTS:
                self.writes += 1

    def clear_log(self):
        with self.lock:
            self.log.clear()
            self.counts = {}
            self.writes = 0

    def snapshot_log(self):
        with self.lock:
            return {"requests": list(self.log), "counts": dict(self.counts), "writes": self.writes}

    # ---- faults ----------------------------------------------------------------------------------
    def add_fault(self, fault):
        with self.lock:
            self.fault_id += 1
            fault = dict(fault, id=self.fault_id, fired=0)
            self.faults.append(fault)
            return dict(fault)

    def clear_faults(self):
        with self.lock:
            self.faults = []

    def list_faults(self):
        with self.lock:
            return [dict(f) for f in self.faults]

    def pick_fault(self, endpoint):
        """First matching fault that fires for this request (count or seeded-rate based), or None."""
        with self.lock:
            for f in self.faults:
                if f["endpoint"] not in ("*", endpoint):
                    continue
                if f.get("times") is not None and f["times"] <= 0:
                    continue
                if f.get("rate") is not None and self.rng.random() >= f["rate"]:
                    continue
                if f.get("times") is not None:
                    f["times"] -= 1
                f["fired"] += 1
                return dict(f)
            return None

    # ---- rate limits (Automation Cloud Identity: per organization per window) ------------------------
    def rate_check(self, org_key, method):
        """None if allowed (and counted), else the limit that was hit. Rejected requests are not counted."""
        limits = self.rate_limits
        if not limits:
            return None
        cls = "GET" if method in ("GET", "HEAD") else ("POST" if method == "POST" else "WRITE")
        limit = limits.get(cls)
        if limit is None:
            return None
        with self.lock:
            now = time.monotonic() + self.rate_clock_offset
            hits = self.rate_hits.setdefault((org_key, cls), deque())
            while hits and hits[0] <= now - limits["window"]:
                hits.popleft()
            if len(hits) >= limit:
                return limit
            hits.append(now)
            return None

    def rate_advance(self, seconds):
        """Move the rate-limit clock forward (emulator control API), so windows pass without waiting."""
        with self.lock:
            self.rate_clock_offset += seconds
            return self.rate_clock_offset

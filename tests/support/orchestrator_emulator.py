"""Start the Orchestrator API emulator (tests/lab/emulators/orchestrator) as a real process for tests.

    with start_orchestrator(profile="2023.10") as emu:
        requests.get(emu.url + "/odata/Settings", ...)
        emu.control.requests()

    with start_orchestrator(profile="cloud", rate_limit={"window": 2, "write": 3},
                            faults=[{"endpoint": "identity.settings.put", "action": "conflict"}]) as emu:
        emu.orchestrator_url()        # <url>/Default/Default/orchestrator_
        emu.identity_url()            # <url>/Default/identity_
        jwt_claims(token)["prt_id"]   # organization id carried by a token
"""
import base64
import json
import os
import queue
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

from tests.support.lab_paths import LAB_DIR

READY_PREFIX = "orchestrator-emulator ready "


class ControlClient:
    """Client for the emulator-only /_emulator/ control API (urllib, real sockets)."""

    def __init__(self, url, ssl_context=None):
        self.url = url.rstrip("/") + "/_emulator"
        self.ssl_context = ssl_context

    def _call(self, method, path, body=None, query=None):
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ssl_context) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError("control %s %s -> %s %s" % (method, path, exc.code, exc.read()[:300]))
        return json.loads(raw) if raw else None

    def health(self):
        return self._call("GET", "/health")

    def reset(self):
        return self._call("POST", "/reset")

    def requests(self):
        return self._call("GET", "/requests")["requests"]

    def counts(self):
        return self._call("GET", "/requests")["counts"]

    def writes(self):
        return self._call("GET", "/requests")["writes"]

    def clear_requests(self):
        return self._call("DELETE", "/requests")

    def add_fault(self, **kw):
        return self._call("POST", "/faults", kw)

    def faults(self):
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self):
        return self._call("DELETE", "/faults")

    def expire_tokens(self):
        return self._call("POST", "/tokens/expire")

    def settings(self, tenant="Default"):
        return self._call("GET", "/settings", query={"tenant": tenant})

    def identity_settings(self, partition=""):
        return self._call("GET", "/identity-settings", query={"partition": partition or ""})

    def config(self):
        """{"profile", "client_token_prt_id", "rate_limits", "organizations": [{name, id, tenants[]}]}"""
        return self._call("GET", "/config")

    def advance_rate_limit_clock(self, seconds):
        """Let ``seconds`` of rate-limit window pass (no sleeping)."""
        return self._call("POST", "/rate-limits/advance", {"seconds": seconds})

    def add_conflict(self, endpoint="identity.settings.put", times=1):
        """The next ``times`` requests to ``endpoint`` answer 409 Conflict (nothing is written)."""
        return self.add_fault(endpoint=endpoint, action="conflict", times=times)


PLATFORM_PROFILES = ("automation-suite", "cloud")
DEFAULT_ORG = "Default"
DEFAULT_ORG_ID = "6e6f7267-0000-4000-8000-000000000001"


def jwt_claims(token):
    """Payload of a JWT-shaped access token (no signature check), or None for an opaque token."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None


class Emulator:
    def __init__(self, proc, url, ssl_context=None, profile="2020.10"):
        self.proc = proc
        self.pid = proc.pid
        self.url = url
        self.profile = profile
        self.control = ControlClient(url, ssl_context)

    @property
    def platform(self):
        return self.profile in PLATFORM_PROFILES

    def orchestrator_url(self, org=DEFAULT_ORG, tenant="Default"):
        """Base of the classic API: ``<url>/{org}/{tenant}/orchestrator_`` on automation-suite/cloud, else
        the server root."""
        return "%s/%s/%s/orchestrator_" % (self.url, org, tenant) if self.platform else self.url

    def identity_url(self, org=None):
        """Identity base. Platform profiles: ``<url>/{org}/identity_`` (org defaults to Default; org="" gives
        the host-level ``<url>/identity_``). Standalone: ``<url>/identity``, or ``<url>/{org}/identity_``
        when org is given."""
        if self.platform:
            if org == "":
                return self.url + "/identity_"
            return "%s/%s/identity_" % (self.url, org or DEFAULT_ORG)
        return "%s/%s/identity_" % (self.url, org) if org else self.url + "/identity"

    def portal_url(self, org=DEFAULT_ORG):
        return "%s/%s/portal_" % (self.url, org)

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except Exception:
                pass
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_orchestrator(*extra_args, profile="2020.10", env=None, seed=None, ssl_context=None, timeout=15,
                       client_token_prt_id=None, rate_limit=None, faults=None):
    """Start `python -m emulators.orchestrator --port 0 --bind 127.0.0.1 ...`; wait for the ready line.

    client_token_prt_id: "yes"/"no"/"auto" or True/False (--client-token-prt-id).
    rate_limit: True (Automation Cloud numbers) or a dict with any of window, get, write, post, retry_after
    (--rate-limit on --rate-limit-*). faults: list of fault dicts (--fault, re-installed after every reset).
    """
    cmd = [sys.executable, "-m", "emulators.orchestrator", "--port", "0", "--bind", "127.0.0.1",
           "--profile", profile, "--exit-with-stdin"]
    if seed:
        cmd += ["--seed", str(seed)]
    if client_token_prt_id is not None:
        if isinstance(client_token_prt_id, bool):
            client_token_prt_id = "yes" if client_token_prt_id else "no"
        cmd += ["--client-token-prt-id", client_token_prt_id]
    if rate_limit:
        cmd += ["--rate-limit", "on"]
        if isinstance(rate_limit, dict):
            for key, value in rate_limit.items():
                cmd += ["--rate-limit-" + key.replace("_", "-"), str(value)]
    for fault in faults or ():
        cmd += ["--fault", json.dumps(fault)]
    cmd += [str(a) for a in extra_args]
    full_env = dict(os.environ)
    full_env["PYTHONUNBUFFERED"] = "1"
    if env:
        full_env.update(env)
    # stdin is a pipe only this process holds: when it ends, however it ends, the emulator stops too
    proc = subprocess.Popen(cmd, cwd=LAB_DIR, env=full_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        line = None
    if not line or not line.startswith(READY_PREFIX):
        proc.kill()
        proc.wait()
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError("orchestrator emulator did not become ready: %r\n%s" % (line, err))
    url = line.split()[-1]
    # drain stderr in the background so the pipe never blocks the emulator
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    return Emulator(proc, url, ssl_context, profile=profile)

"""Start the Orchestrator API emulator (emulators/orchestrator) as a real process for tests.

    with start_orchestrator(profile="2023.10") as emu:
        requests.get(emu.url + "/odata/Settings", ...)
        emu.control.requests()
"""
import json
import os
import queue
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


class Emulator:
    def __init__(self, proc, url, ssl_context=None):
        self.proc = proc
        self.pid = proc.pid
        self.url = url
        self.control = ControlClient(url, ssl_context)

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


def start_orchestrator(*extra_args, profile="2020.10", env=None, seed=None, ssl_context=None, timeout=15):
    """Start `python -m emulators.orchestrator --port 0 --bind 127.0.0.1 ...`; wait for the ready line."""
    cmd = [sys.executable, "-m", "emulators.orchestrator", "--port", "0", "--bind", "127.0.0.1",
           "--profile", profile]
    if seed:
        cmd += ["--seed", str(seed)]
    cmd += [str(a) for a in extra_args]
    full_env = dict(os.environ)
    full_env["PYTHONUNBUFFERED"] = "1"
    if env:
        full_env.update(env)
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
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
    return Emulator(proc, url, ssl_context)

"""A fleet of emulated Orchestrator instances: one emulator process per instance.

Each instance is its own ``python -m emulators.orchestrator --port 0`` process (own port, own state, own
request log), which is how N real Orchestrators look to Ansible: N base URLs, N logins, N independent logs.
Standard library only.
"""

import json
import os
import selectors
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

READY = "orchestrator-emulator ready "


class Instance:
    def __init__(self, proc, url):
        self.proc = proc
        self.url = url

    def control(self, method, path, timeout=10):
        req = urllib.request.Request(self.url + "/_emulator/" + path, method=method,
                                     data=b"" if method in ("POST", "DELETE") else None)
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body.strip() else None


class Fleet:
    """Start ``n`` emulators in parallel; ``root`` is the directory holding the ``emulators`` package."""

    def __init__(self, n, root, python=sys.executable, extra_args=(), start_timeout=60):
        self.instances = []
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
                   PYTHONUNBUFFERED="1")
        procs = []
        try:
            for _ in range(n):
                procs.append(subprocess.Popen(
                    [python, "-m", "emulators.orchestrator", "--bind", "127.0.0.1", "--port", "0", *extra_args],
                    cwd=str(root), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL, text=True))
            urls = self._wait_ready(procs, start_timeout)
            self.instances = [Instance(p, u) for p, u in zip(procs, urls)]
        except BaseException:
            for p in procs:
                _stop(p)
            raise

    @staticmethod
    def _wait_ready(procs, timeout):
        sel = selectors.DefaultSelector()
        for i, p in enumerate(procs):
            sel.register(p.stdout, selectors.EVENT_READ, i)
        urls = [None] * len(procs)
        deadline = time.monotonic() + timeout
        while any(u is None for u in urls):
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"{urls.count(None)} emulator(s) not ready after {timeout}s")
            for key, _ in sel.select(left):
                i = key.data
                line = procs[i].stdout.readline()
                if not line:
                    sel.unregister(procs[i].stdout)
                    raise RuntimeError(f"emulator exited before readiness (rc={procs[i].wait()})")
                if line.startswith(READY):
                    urls[i] = line.split()[-1].rstrip("/")
                    sel.unregister(procs[i].stdout)
                    # Keep draining stdout so a chatty emulator never blocks on a full pipe.
                    threading.Thread(target=_drain, args=(procs[i].stdout,), daemon=True).start()
        sel.close()
        return urls

    def _each(self, fn):
        with ThreadPoolExecutor(max_workers=min(16, len(self.instances) or 1)) as pool:
            return list(pool.map(fn, self.instances))

    def reset(self):
        """Back to the seed: state, tokens, log."""
        self._each(lambda i: i.control("POST", "reset"))

    def clear_log(self):
        self._each(lambda i: i.control("DELETE", "requests"))

    def request_logs(self):
        """Per instance: {"counts": {endpoint: n}, "writes": n, "total": n}."""
        def one(inst):
            data = inst.control("GET", "requests")
            counts = data.get("counts") or {}
            return {"counts": counts, "writes": data.get("writes", 0), "total": sum(counts.values())}
        return self._each(one)

    def stop(self):
        for inst in self.instances:
            _stop(inst.proc)
        self.instances = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _drain(stream):
    try:
        for _ in stream:
            pass
    except (OSError, ValueError):
        pass


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

"""Start the MailHog-compatible catcher (`python -m emulators.mailhog`) as a real process for tests.

    with start_mailhog() as mh:                       # MailHog behaviour
        smtplib.SMTP(mh.smtp_host, mh.smtp_port)...
        mh.search("to", "bob@example.com")
    start_mailhog("--x-tls-cert", cert, "--x-tls-key", key, "--x-require-starttls", "--x-auth", "u:p")

Only MailHog's HTTP API is used here, so helpers also work against a real MailHog.
"""
from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import requests

from tests.support.lab_paths import LAB_DIR

READY_RE = re.compile(r"^mailhog-catcher ready smtp=(?P<smtp>\S+) api=(?P<api>\S+)\s*$")
READY_TIMEOUT = 15.0


def _split_hostport(text: str) -> Tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


class Catcher:
    def __init__(self, proc: subprocess.Popen, smtp: str, api_url: str, stderr_lines: List[str]):
        self.proc = proc
        self.smtp_host, self.smtp_port = _split_hostport(smtp)
        self.api_url = api_url.rstrip("/")
        self._stderr_lines = stderr_lines
        self.http = requests.Session()

    # -- MailHog API helpers -------------------------------------------------------------
    def messages(self, start: int = 0, limit: int = 250) -> List[Dict[str, Any]]:
        r = self.http.get(f"{self.api_url}/api/v2/messages", params={"start": start, "limit": limit}, timeout=10)
        r.raise_for_status()
        return r.json()["items"]

    def search(self, kind: str, query: str, start: int = 0, limit: int = 250) -> List[Dict[str, Any]]:
        r = self.http.get(f"{self.api_url}/api/v2/search",
                          params={"kind": kind, "query": query, "start": start, "limit": limit}, timeout=10)
        r.raise_for_status()
        return r.json()["items"]

    def delete_all(self) -> None:
        r = self.http.delete(f"{self.api_url}/api/v1/messages", timeout=10)
        r.raise_for_status()

    # -- process ---------------------------------------------------------------------------
    @property
    def stderr(self) -> str:
        return "".join(self._stderr_lines)

    def stop(self, timeout: float = 5.0) -> int:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # our own child, by PID
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        return self.proc.returncode

    def __enter__(self) -> "Catcher":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _pump(stream, sink: "queue.Queue[Optional[str]]", keep: Optional[List[str]] = None) -> None:
    for line in iter(stream.readline, ""):
        if keep is not None:
            keep.append(line)
        else:
            sink.put(line)
    if keep is None:
        sink.put(None)
    stream.close()


def start_mailhog(*extra_args: str, env: Optional[Dict[str, str]] = None) -> Catcher:
    """Start the catcher on 127.0.0.1 with free ports; extra_args/env are passed through."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PYTHONUNBUFFERED"] = "1"
    cmd = [sys.executable, "-m", "emulators.mailhog",
           "-smtp-bind-addr", "127.0.0.1:0", "-api-bind-addr", "127.0.0.1:0", "--x-exit-with-stdin", *extra_args]
    # stdin is a pipe only this process holds: when it ends, however it ends, the catcher stops too
    proc = subprocess.Popen(cmd, cwd=str(LAB_DIR), env=full_env, text=True, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: "queue.Queue[Optional[str]]" = queue.Queue()
    stderr_lines: List[str] = []
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    threading.Thread(target=_pump, args=(proc.stderr, lines, stderr_lines), daemon=True).start()
    try:
        while True:
            line = lines.get(timeout=READY_TIMEOUT)
            if line is None:
                raise RuntimeError(f"mailhog catcher exited early (rc={proc.wait()}): {''.join(stderr_lines)}")
            m = READY_RE.match(line)
            if m:
                return Catcher(proc, m.group("smtp"), m.group("api"), stderr_lines)
    except queue.Empty:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"mailhog catcher not ready in {READY_TIMEOUT}s: {''.join(stderr_lines)}")
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise


def make_test_ca(tmp_path) -> Dict[str, str]:
    """A throwaway CA and a server cert for 127.0.0.1/localhost, as PEM files under tmp_path.

    Returns {"ca": ca.pem, "cert": server cert chain, "key": server key}.
    """
    import trustme

    tmp = Path(tmp_path)
    tmp.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    paths = {"ca": tmp / "test-ca.pem", "cert": tmp / "server-cert.pem", "key": tmp / "server-key.pem"}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    server.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(str(paths["cert"]), append=True)
    server.private_key_pem.write_to_path(str(paths["key"]))
    return {k: str(v) for k, v in paths.items()}

"""Subprocess harness for the reliability suite: runs real `ansible` / `ansible-playbook` processes
against the emulators and returns their output plus every task result (via the test-only
`reliability_recorder` callback in ./callback_plugins)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_BIN = Path(sys.executable).parent
ANSIBLE = str(VENV_BIN / "ansible")
ANSIBLE_PLAYBOOK = str(VENV_BIN / "ansible-playbook")
NS = "infraops.uipath_orchestrator"
SETTINGS = NS + ".orchestrator_mail_settings"
INFO = NS + ".orchestrator_mail_info"
TEST = NS + ".orchestrator_mail_test"
MASK = "\u2022" * 12

# Fields of orchestrator_mail_settings and their classic keys (docs/API.md, key mapping).
CLASSIC_KEYS = {
    "enable_alerts": "Alerts.Email.Enabled",
    "use_default_credentials": "Abp.Net.Mail.Smtp.UseDefaultCredentials",
    "enable_ssl": "Abp.Net.Mail.Smtp.EnableSsl",
    "host": "Abp.Net.Mail.Smtp.Host",
    "port": "Abp.Net.Mail.Smtp.Port",
    "domain": "Abp.Net.Mail.Smtp.Domain",
    "username": "Abp.Net.Mail.Smtp.UserName",
    "password": "Abp.Net.Mail.Smtp.Password",
    "from_address": "Abp.Net.Mail.DefaultFromAddress",
    "from_display_name": "Abp.Net.Mail.DefaultFromDisplayName",
}


def ansible_env(record_file: Path, *, emulator_url: str | None = None, per_task_log: bool = False,
                extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ORCHESTRATOR_", "ANSIBLE_", "PYTEST_XDIST"))}
    cfg = REPO / "ansible.cfg"
    if cfg.is_file():
        env["ANSIBLE_CONFIG"] = str(cfg)
    env["ANSIBLE_COLLECTIONS_PATH"] = str(REPO / ".collections")
    env.update({
        "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "reliability_recorder",
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_PIPELINING": "1",
        "ANSIBLE_LOCAL_TEMP": str(record_file.parent / "ansible-tmp"),
        "ANSIBLE_HOME": str(record_file.parent / "ansible-home"),
        "RELIABILITY_RECORD_FILE": str(record_file),
        "PATH": str(VENV_BIN) + os.pathsep + env.get("PATH", ""),
    })
    if emulator_url:
        env["RELIABILITY_EMULATOR_URL"] = emulator_url
    if per_task_log:
        env["RELIABILITY_PER_TASK_LOG"] = "1"
    if extra:
        env.update(extra)
    return env


@dataclass
class Run:
    cmd: list
    rc: int
    stdout: str
    stderr: str
    elapsed: float
    records: list = field(default_factory=list)
    files: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.stdout + "\n" + self.stderr

    @property
    def record(self) -> dict:
        assert self.records, "no task result was recorded; output:\n" + self.text[-4000:]
        return self.records[-1]

    @property
    def result(self) -> dict:
        return self.record["result"]

    @property
    def failed(self) -> bool:
        return self.record["status"] != "ok"

    @property
    def msg(self) -> str:
        return str(self.result.get("msg", ""))

    def everything(self) -> str:
        """All text a user or a log could see: console output and the JSON of every result."""
        # "stored"/"identity" are the emulator's unmasked inspection (test-only), not user-visible output
        return self.text + "\n" + "\n".join(
            json.dumps({"result": r.get("result"), "requests": r.get("requests")}, ensure_ascii=False)
            for r in self.records)


def _read_records(path: Path) -> list:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _inventory(tmp: Path) -> Path:
    inv = tmp / "localhost.ini"
    inv.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    return inv


_counter = [0]


def _workdir(tmp: Path, label: str) -> Path:
    _counter[0] += 1
    d = tmp / ("%03d-%s" % (_counter[0], "".join(c if c.isalnum() else "_" for c in label)[:40]))
    d.mkdir(parents=True, exist_ok=True)
    return d


def run_process(cmd, env, *, cwd=REPO, timeout=180) -> tuple:
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=str(cwd), env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return proc, time.monotonic() - t0


def run_module(tmp: Path, module: str, args: dict, *, emulator_url: str | None = None, check=False,
               diff=False, verbosity=0, extra_env=None, per_task_log=False, timeout=180) -> Run:
    """`ansible localhost -m MODULE -a JSON` (ad-hoc, real module execution)."""
    wd = _workdir(tmp, module.rsplit(".", 1)[-1])
    rec = wd / "records.jsonl"
    cmd = [ANSIBLE, "localhost", "-i", str(_inventory(wd)), "-m", module, "-a", json.dumps(args)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    env = ansible_env(rec, emulator_url=emulator_url, per_task_log=per_task_log, extra=extra_env)
    proc, elapsed = run_process(cmd, env, timeout=timeout)
    return Run(cmd, proc.returncode, proc.stdout, proc.stderr, elapsed, _read_records(rec))


def run_playbook(tmp: Path, playbook, *, inventory: Path | None = None, extra_args=(), emulator_url=None,
                 per_task_log=False, extra_env=None, timeout=240, label="playbook", task_setup=None) -> Run:
    """ansible-playbook with a playbook given as a path or as a list of plays (written as JSON, which
    is YAML; JSON escapes keep control characters intact)."""
    wd = _workdir(tmp, label)
    rec = wd / "records.jsonl"
    if not isinstance(playbook, (str, Path)):
        pb = wd / "playbook.yml"
        pb.write_text(json.dumps(playbook, ensure_ascii=True, indent=1))
        playbook = pb
    cmd = [ANSIBLE_PLAYBOOK, "-i", str(inventory or _inventory(wd)), str(playbook), *extra_args]
    env = ansible_env(rec, emulator_url=emulator_url, per_task_log=per_task_log, extra=extra_env)
    if task_setup:
        setup_file = wd / "task-setup.json"
        setup_file.write_text(json.dumps(task_setup))
        env["RELIABILITY_TASK_SETUP"] = str(setup_file)
    proc, elapsed = run_process(cmd, env, timeout=timeout)
    return Run(cmd, proc.returncode, proc.stdout, proc.stderr, elapsed, _read_records(rec))


class Control:
    """Minimal client for the emulator control API (ARCHITECTURE.md), independent of the support
    helper's method names so this suite checks the documented HTTP contract itself."""

    def __init__(self, url: str, verify=True):
        self.url = url.rstrip("/")
        self.s = requests.Session()
        self.s.verify = verify

    def _req(self, method, path, **kw):
        # verify passed per request: a session-level value loses against REQUESTS_CA_BUNDLE in the environment
        r = self.s.request(method, self.url + path, timeout=15, verify=self.s.verify, **kw)
        r.raise_for_status()
        return r.json() if r.content else None

    def reset(self):
        self._req("POST", "/_emulator/reset")

    def requests(self) -> dict:
        return self._req("GET", "/_emulator/requests")

    def clear_requests(self):
        self._req("DELETE", "/_emulator/requests")

    def fault(self, **spec):
        self._req("POST", "/_emulator/faults", json=spec)

    def clear_faults(self):
        self._req("DELETE", "/_emulator/faults")

    def expire_tokens(self):
        self._req("POST", "/_emulator/tokens/expire")

    def settings(self, tenant="Default") -> dict:
        return self._req("GET", "/_emulator/settings", params={"tenant": tenant})

    def identity_settings(self, partition="") -> dict:
        return self._req("GET", "/_emulator/identity-settings", params={"partition": partition})


def no_traceback(run: Run) -> None:
    blob = run.everything()
    assert "Traceback (most recent call last)" not in blob, "a Python traceback reached the user:\n" + blob[-4000:]
    res = run.result if run.records else {}
    assert "MODULE FAILURE" not in str(res.get("msg", "")), "module crashed:\n" + json.dumps(res)[:4000]


def one_line(msg: str) -> None:
    assert msg.strip(), "empty failure message"
    assert "\n" not in msg.strip() and "\r" not in msg.strip(), "failure message is not one line: %r" % msg

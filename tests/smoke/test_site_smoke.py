"""Smoke test of the whole play on one ansible-core line: `ansible-playbook site.yml` against a temporary
inventory with one emulated Orchestrator per settings API (classic 2020.10 with a username/password login,
identity 2023.10 with OAuth client credentials) and the mail catcher.

The runs happen once, in order, in the module fixture ``runs`` (first apply at -vvv, second apply, --check
--diff with a pending change, one bad input); each assertion below is its own test. The ansible-playbook used
is the one next to the Python running pytest (the matrix venv's under ci/matrix.sh).
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # not resolved: a venv's bin/python is a symlink to the base interpreter
APIS = ("classic", "identity")
HOST = {"classic": "orch-classic", "identity": "orch-identity"}
ORG_ID = "6e6f7267-0000-4000-8000-000000000001"  # the emulator's seed organization

# The SMTP password is made up here; the other two are the emulators' public seed credentials. None of them
# may appear in ansible-playbook's output, not even at -vvv with --diff.
SMTP_PASSWORD = "smoke-smtp-pw-4d1e8b"
ORCH_PASSWORD = "emulator-admin"
CLIENT_SECRET = "emulator-secret"
SECRETS = {"SMTP password": SMTP_PASSWORD, "Orchestrator password": ORCH_PASSWORD, "client secret": CLIENT_SECRET}

RECAP_RE = re.compile(r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unr>\d+)"
                      r"\s+failed=(?P<failed>\d+)", re.M)
FATAL_RE = re.compile(r"^(?:fatal|failed): \[(?P<host>[^\]]+)\].*?=> ", re.M)
PENDING_NAME = "Orchestrator (smoke, pending)"


class Run:
    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.output = proc.stdout + proc.stderr

    def recap(self):
        return {m["host"]: {k: int(v) for k, v in m.groupdict().items() if k != "host"}
                for m in RECAP_RE.finditer(self.stdout)}

    def failures(self):
        """{host: result dict} of every failed task result printed by the default callback."""
        decoder = json.JSONDecoder()
        out = {}
        for m in FATAL_RE.finditer(self.stdout):
            try:
                out[m["host"]] = decoder.raw_decode(self.stdout, m.end())[0]
            except ValueError:
                out[m["host"]] = {"msg": self.stdout[m.end():].splitlines()[0]}
        return out

    def __repr__(self):
        # first line: the run and its first failure message (what ci/matrix.sh shows as the one-line cause)
        first = next(iter(self.failures().items()), None)
        cause = " - fatal [%s]: %s" % (first[0], str(first[1].get("msg", "")).splitlines()[0][:300]) if first else ""
        return "<ansible-playbook %s rc=%s%s>\n%s" % (" ".join(self.args), self.rc, cause, self.output[-5000:])


def write_inventory(path, emulators, catcher):
    hosts = {}
    for api in APIS:
        hv = {"smtp_mail_orchestrator_url": emulators[api].url, "smtp_mail_api": api,
              "smtp_mail_test_recipient": "smoke-%s@example.test" % api}
        if api == "classic":
            hv.update(smtp_mail_orchestrator_tenant="Default", smtp_mail_orchestrator_username="admin",
                      smtp_mail_orchestrator_password=ORCH_PASSWORD, smtp_mail_scope="tenant")
        else:
            hv.update(smtp_mail_orchestrator_client_id="ansible", smtp_mail_orchestrator_client_secret=CLIENT_SECRET,
                      smtp_mail_scope="organization", smtp_mail_organization_id=ORG_ID)
        hosts[HOST[api]] = hv
    group_vars = {
        # modules that do run as a process use this venv's Python too
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "smtp_mail_provider": "custom",
        "smtp_mail_enable_alerts": True,
        "smtp_mail_use_default_credentials": False,
        "smtp_mail_enable_ssl": False,
        "smtp_mail_host": catcher.smtp_host,
        "smtp_mail_port": catcher.smtp_port,
        "smtp_mail_username": "orchestrator@example.test",
        "smtp_mail_password": SMTP_PASSWORD,
        "smtp_mail_from_display_name": "Orchestrator (smoke)",
        "smtp_mail_update_password": "on_create",
    }
    data = {"all": {"children": {"orchestrators": {"hosts": hosts, "vars": group_vars}}}}
    path.write_text(json.dumps(data, indent=1) + "\n")  # JSON is YAML
    return path


def ansible_playbook(inventory, *args, playbook="site.yml"):
    exe = BIN / "ansible-playbook"
    assert exe.exists(), "no ansible-playbook next to %s" % sys.executable
    env = dict(os.environ)
    env.update({"PATH": str(BIN) + os.pathsep + env.get("PATH", ""), "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", "PYTHONUNBUFFERED": "1"})
    cmd = [str(exe), "-i", str(inventory), playbook, *args]
    proc = subprocess.run(cmd, cwd=str(REPO), env=env, capture_output=True, text=True, timeout=300, check=False)
    return Run(list(args), proc)


@pytest.fixture(scope="module")
def runs(emulators, catcher, tmp_path_factory):
    for emu in emulators.values():
        emu.control.reset()
        emu.control.clear_faults()
    catcher.delete_all()
    inv = write_inventory(tmp_path_factory.mktemp("smoke") / "inventory.yml", emulators, catcher)
    out = {}

    def step(name, *args):
        for emu in emulators.values():
            emu.control.clear_requests()
        out[name] = ansible_playbook(inv, *args)
        out[name + "_log"] = {api: emulators[api].control.requests() for api in APIS}
        out[name + "_writes"] = {api: emulators[api].control.writes() for api in APIS}

    step("first", "--diff", "-vvv")
    out["mail"] = {api: catcher.search("to", "smoke-%s@example.test" % api) for api in APIS}
    step("second")
    out["stored_before_check"] = {api: _stored(emulators[api], api) for api in APIS}
    step("check", "--check", "--diff", "-e", json.dumps({"smtp_mail_from_display_name": PENDING_NAME}))
    out["stored_after_check"] = {api: _stored(emulators[api], api) for api in APIS}
    step("bad", "-e", json.dumps({"smtp_mail_port": 70000}))
    step("typo", "-e", json.dumps({"smtp_mail_prot": 2525}))
    report_dir = tmp_path_factory.mktemp("drift")
    out["drift"] = ansible_playbook(inv, "-e", json.dumps({"smtp_mail_drift_report_dir": str(report_dir)}),
                                    playbook="playbooks/drift_report.yml")
    out["drift_dir"] = report_dir
    return out


def _stored(emu, api):
    if api == "classic":
        return emu.control.settings("Default")["stored"]
    return emu.control.identity_settings(ORG_ID)["stored"]


def test_ansible_playbook_is_this_venvs(runs):
    """The matrix runs each line's own ansible-playbook: the banner of -vvv names this venv's Python."""
    first = runs["first"]
    assert "python version = " in first.stdout, first
    assert str(BIN) in first.stdout, first  # "executable location = <venv>/bin/ansible-playbook"


@pytest.mark.parametrize("api", APIS)
def test_first_run_changes_and_writes(runs, api):
    first = runs["first"]
    assert first.rc == 0, first
    recap = first.recap()[HOST[api]]
    assert recap["changed"] >= 1 and recap["failed"] == 0, first
    assert runs["first_writes"][api] >= 1, runs["first_log"][api]


@pytest.mark.parametrize("api", APIS)
def test_test_mail_is_delivered(runs, api):
    mails = runs["mail"][api]
    assert len(mails) >= 1, "no test mail for %s in the catcher" % api
    headers = mails[0]["Content"]["Headers"]
    assert "smoke-%s@example.test" % api in " ".join(headers.get("To", []))


@pytest.mark.parametrize("api", APIS)
def test_second_run_changes_nothing(runs, api):
    second = runs["second"]
    assert second.rc == 0, second
    recap = second.recap()[HOST[api]]
    assert recap["changed"] == 0 and recap["failed"] == 0, second
    assert runs["second_writes"][api] == 0, runs["second_log"][api]


@pytest.mark.parametrize("api", APIS)
def test_check_diff_reports_but_writes_nothing(runs, api):
    check = runs["check"]
    assert check.rc == 0, check
    assert check.recap()[HOST[api]]["changed"] >= 1, check  # the pending change is reported...
    assert PENDING_NAME in check.stdout, check                # ...and shown in the diff
    assert runs["check_writes"][api] == 0, runs["check_log"][api]
    assert runs["stored_after_check"][api] == runs["stored_before_check"][api]


def test_bad_port_fails_with_one_line_naming_it(runs):
    bad = runs["bad"]
    assert bad.rc != 0, bad
    assert "Traceback" not in bad.output, bad
    failures = bad.failures()
    assert set(failures) == set(HOST.values()), bad
    for host, result in failures.items():
        msg = str(result.get("msg", ""))
        assert msg.strip() and "\n" not in msg.strip(), (host, msg)
        assert re.search(r"\bsmtp_mail_port\b|\bport\b", msg), (host, msg)
        assert "70000" in msg or "65535" in msg or "range" in msg.lower() or "between" in msg.lower(), (host, msg)
    assert runs["bad_writes"] == {api: 0 for api in APIS}, runs["bad_log"]


@pytest.mark.parametrize("run", ["first", "second", "check", "bad"])
def test_no_secret_in_output(runs, run):
    leaked = [name for name, value in SECRETS.items() if value in runs[run].output]
    assert not leaked, "%s printed by ansible-playbook %s" % (leaked, " ".join(runs[run].args))


# -- no warning from the collection on any path, except the ones given on purpose --------------------------------
WARNING_RE = re.compile(r"^\[(?:DEPRECATION )?WARNING\]:.*$|^DEPRECATION WARNING.*$|^\[DEPRECATION WARNING\].*$", re.M)
ON_PURPOSE = (
    re.compile(r"^\[WARNING\]: smtp_mail_\w+: unknown variable"),  # a typo in a role variable
    re.compile(r"Basic auth", re.I),  # the office365 Basic-auth retirement (settings task)
)


def _unexpected_warnings(run):
    return [line for line in WARNING_RE.findall(run.output) if not any(p.search(line) for p in ON_PURPOSE)]


@pytest.mark.parametrize("run", ["first", "second", "check", "bad", "typo", "drift"])
def test_no_deprecation_or_other_warning(runs, run):
    assert "DEPRECATION" not in runs[run].output, runs[run]
    assert not _unexpected_warnings(runs[run]), runs[run]


def test_typo_warns_once_with_the_suggestion(runs):
    typo = runs["typo"]
    assert typo.rc == 0, typo
    lines = [line for line in WARNING_RE.findall(typo.output) if "smtp_mail_prot" in line]
    assert len(lines) == 1, typo
    text = " ".join(typo.output.split())  # older cores wrap long warnings
    start = text.index("smtp_mail_prot: unknown variable")
    warning = text[start:start + 300]
    assert "did you mean smtp_mail_port?" in warning and all(h in warning for h in HOST.values()), warning


def test_bad_value_fails_once_not_rescued(runs):
    bad = runs["bad"]
    for host in HOST.values():
        assert bad.recap()[host]["failed"] == 1, bad
        assert len(re.findall(r"^fatal: \[%s\]" % re.escape(host), bad.stdout, re.M)) == 1, bad
    assert "rescued=1" not in bad.stdout, bad
    assert "smtp_mail_port: must be an integer between 1 and 65535 (got 70000)" in bad.stdout, bad


def test_drift_report_run(runs):
    drift = runs["drift"]
    assert drift.rc == 0, drift
    assert all(v["changed"] == 0 and v["failed"] == 0 for v in drift.recap().values()), drift
    data = json.loads((runs["drift_dir"] / "drift-report.json").read_text())
    assert sorted(r["instance"] for r in data["instances"]) == sorted(HOST.values()), data

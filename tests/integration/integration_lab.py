"""Shared helpers of the integration tests: `ansible-playbook playbooks/smtp_mail.yml` (the play site.yml imports) against the
Orchestrator API emulator and the MailHog-compatible catcher, all on 127.0.0.1 with free ports.

Two emulators per test session: profile 2020.10 (the ``classic`` API, username/password login, tenant scope)
and profile 2023.10 (the ``identity`` API, OAuth client credentials, organization scope). A generated inventory
points one host at each (``orch-classic``, ``orch-identity``), so a single play converges both, as the embedded
default inventory does. Every test starts from the emulators' seed state and an empty mailbox.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.mailhog_catcher import start_mailhog  # noqa: E402
from tests.support.orchestrator_emulator import start_orchestrator  # noqa: E402

PLAYBOOK = "playbooks/smtp_mail.yml"
APIS = ("classic", "identity")
HOST = {"classic": "orch-classic", "identity": "orch-identity"}
PROFILE = {"classic": "2020.10", "identity": "2023.10"}
ORG_ID = "6e6f7267-0000-4000-8000-000000000001"  # the emulator's seed organization

# Secrets that must never be printed. The SMTP password is made up for the tests; the other two are the
# emulator's public seed credentials (ansible-playbook must not print them either).
SMTP_PASSWORD = "it-smtp-pw-7f3a9c"
ORCH_PASSWORD = "emulator-admin"
CLIENT_SECRET = "emulator-secret"
SECRETS = (SMTP_PASSWORD, ORCH_PASSWORD, CLIENT_SECRET)

RECAP_RE = re.compile(r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unr>\d+)"
                      r"\s+failed=(?P<failed>\d+)", re.M)
# The role's closing summary: one line per instance, printed by that instance's own host.
SUMMARY_RE = re.compile(r'"?(?P<host>[^":\s]+): api=(?P<api>\S+) scope=(?P<scope>\S+) '
                        r'(?P<what>changed|deleted)=\[(?P<changed>[^\]]*)\](?P<check> \(check mode\))? '
                        r'test mail: (?P<mail>[^"\n]*)"?', re.M)


def _ansible_bin(name):
    cand = Path(sys.executable).parent / name
    if cand.exists():
        return str(cand)
    found = shutil.which(name)
    if not found:
        pytest.skip("%s not found next to %s or on PATH" % (name, sys.executable))
    return found


TASK_RE = re.compile(r"^TASK \[(?:[^\]:]+ : )?(?P<name>.*)\] \**$", re.M)
HOST_RESULT_RE = re.compile(r"^(?P<status>ok|changed|fatal|failed|skipping): \[(?P<host>[^\]]+)\](?:: FAILED!)? => ",
                            re.M)


def _parse_results(stdout):
    """[(task name, host, result dict)] from the default callback's output with -v (JSON results)."""
    decoder = json.JSONDecoder()
    tasks = [(m.start(), m["name"]) for m in TASK_RE.finditer(stdout)]
    out = []
    for m in HOST_RESULT_RE.finditer(stdout):
        try:
            result, _ = decoder.raw_decode(stdout, m.end())
        except ValueError:
            continue
        name = ""
        for pos, task_name in tasks:
            if pos > m.start():
                break
            name = task_name
        if isinstance(result, dict):
            result["_status"] = m["status"]
        out.append((name, m["host"], result))
    return out


class Result:
    """A finished ansible-playbook run."""

    def __init__(self, proc, parse):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.output = proc.stdout + proc.stderr
        self.results = _parse_results(self.stdout) if parse else None

    def recap(self):
        """{host: {"ok","changed","failed",...}} from the default callback's PLAY RECAP."""
        return {m["host"]: {k: int(v) for k, v in m.groupdict().items() if k != "host"}
                for m in RECAP_RE.finditer(self.stdout)}

    def summaries(self):
        """{host: match} of the role's closing summary lines."""
        return {m["host"]: m for m in SUMMARY_RE.finditer(self.stdout)}

    def host_results(self, host):
        """With parse=True: [(task name, result dict)] for one host, in order."""
        return [(task, res) for task, h, res in self.results if h == host]

    def failure(self, host):
        """With parse=True: (task name, result) of the host's last failed task (what stopped it), or None."""
        found = None
        for name, res in self.host_results(host):
            if res.get("_status") in ("fatal", "failed"):
                found = name, res
        return found

    def first_failure(self, host):
        """With parse=True: (task name, result) of the host's first failed task (e.g. the module's own), or None."""
        for name, res in self.host_results(host):
            if res.get("_status") in ("fatal", "failed"):
                return name, res
        return None

    def __repr__(self):
        return "<ansible-playbook rc=%s>\n%s" % (self.rc, self.output[-6000:])


SMTP_WRITES = {"classic": ("classic.settings.update_bulk", "classic.settings.delete_bulk"),
               "identity": ("identity.settings.put", "identity.settings.delete")}


class Lab:
    """Both emulators + the catcher, an inventory writer and an ansible-playbook runner."""

    def __init__(self, emulators, catcher, tmp_path):
        self.emulators = emulators
        self.catcher = catcher
        self.tmp_path = tmp_path
        self.inventory_path = None

    # -- inventory ------------------------------------------------------------------------------------
    def host_vars(self, api, **overrides):
        emu = self.emulators[api]
        hv = {"smtp_mail_orchestrator_url": emu.url, "smtp_mail_api": api,
              "smtp_mail_test_recipient": "ops-%s@example.test" % api}
        if api == "classic":
            hv.update(smtp_mail_orchestrator_tenant="Default", smtp_mail_orchestrator_username="admin",
                      smtp_mail_orchestrator_password=ORCH_PASSWORD, smtp_mail_scope="tenant")
        else:
            hv.update(smtp_mail_orchestrator_client_id="ansible", smtp_mail_orchestrator_client_secret=CLIENT_SECRET,
                      smtp_mail_scope="organization", smtp_mail_organization_id=ORG_ID,
                      smtp_mail_connection_timeout=120000)
        hv.update(overrides)
        return hv

    def group_vars(self):
        return {
            "smtp_mail_provider": "custom",
            "smtp_mail_enable_alerts": True,
            "smtp_mail_use_default_credentials": False,
            "smtp_mail_enable_ssl": False,
            "smtp_mail_host": self.catcher.smtp_host,
            "smtp_mail_port": self.catcher.smtp_port,
            "smtp_mail_username": "orchestrator@example.test",
            "smtp_mail_password": SMTP_PASSWORD,
            "smtp_mail_from_display_name": "UiPath Orchestrator (integration)",
            "smtp_mail_update_password": "on_create",
        }

    def inventory(self, hosts=None, group_vars=None):
        """Write an inventory; ``hosts`` maps host name -> host vars (default: one host per API)."""
        if hosts is None:
            hosts = {HOST[api]: self.host_vars(api) for api in APIS}
        gv = self.group_vars()
        gv.update(group_vars or {})
        data = {"all": {"children": {"orchestrators": {"hosts": hosts, "vars": gv}}}}
        path = self.tmp_path / "inventory.yml"
        path.write_text(json.dumps(data, indent=1) + "\n")  # JSON is YAML
        self.inventory_path = path
        return path

    # -- runs -----------------------------------------------------------------------------------------
    def run(self, *args, playbook=PLAYBOOK, inventory=None, parse=False, env=None, timeout=180):
        inv = inventory or self.inventory_path or self.inventory()
        cmd = [_ansible_bin("ansible-playbook"), "-i", str(inv), playbook] + [str(a) for a in args]
        full_env = dict(os.environ)
        full_env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
                         "ANSIBLE_FORCE_COLOR": "0", "PYTHONUNBUFFERED": "1"})
        if parse:  # -v: the default callback prints every task result as JSON
            cmd.append("-v")
        full_env.update(env or {})
        proc = subprocess.run(cmd, cwd=str(REPO), env=full_env, capture_output=True, text=True, timeout=timeout)
        return Result(proc, parse)

    # -- emulator state -------------------------------------------------------------------------------
    def requests(self, api):
        return self.emulators[api].control.requests()

    def writes(self, api):
        """Writes of the mail (SMTP) settings; on the Identity API the tenant's alerts toggle is counted apart."""
        return sum(1 for r in self.emulators[api].control.requests() if r["endpoint"] in SMTP_WRITES[api])

    def alerts_writes(self, api):
        return sum(1 for r in self.emulators[api].control.requests()
                   if r["endpoint"] == "classic.settings.update_bulk") if api == "identity" else 0

    def stored(self, api):
        """Stored (unmasked) mail settings of the host's scope, keyed like the API."""
        ctl = self.emulators[api].control
        if api == "classic":
            return ctl.settings("Default")["stored"]
        return ctl.identity_settings(ORG_ID)["stored"]

    def reset(self):
        for emu in self.emulators.values():
            emu.control.reset()
            emu.control.clear_faults()
        self.catcher.delete_all()

"""Every example the documentation shows runs: README.md's production inventory and commands, each variable
example of the role README (with its example playbook), and inventories/example as shipped with its commands.

The examples name real-looking hosts (orch-eu.example.com, smtp.office365.com, ...). Only their addresses are
rewritten, through a generated host_vars layer: Orchestrator URLs point at emulators seeded with the accounts,
tenants, OAuth clients and organizations the examples name, and SMTP servers point at one mail catcher that offers
STARTTLS with a test CA the emulators trust. Everything else (providers, SSL, scopes, logins, vault) is as shipped.
"""
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from integration_lab import RECAP_RE, REPO, SUMMARY_RE, _ansible_bin
from tests.support.mailhog_catcher import make_test_ca, start_mailhog
from tests.support.orchestrator_emulator import start_orchestrator

EXAMPLE_ORG = "3fa85f64-5717-4562-b3fc-2c963f66afa6"  # the organization id the examples use
VAULT_PASSWORD_FILE = REPO / "inventories/example/demo-vault-password.txt"
# Values behind the README examples' vault_* variables (the README leaves them to the reader's vault).
README_SECRETS = {
    "vault_orchestrator_password": "docs-admin-password",
    "vault_smtp_password": "docs-smtp-password",
    "vault_gmail_app_password": "docs-gmail-app-password",
    "vault_office365_password": "docs-office365-password",
    "vault_orchestrator_client_secret": "docs-client-secret",
    "vault_host_admin_password": "docs-admin-password",
    "vault_host_client_secret": "docs-host-client-secret",
}


def _example_vault():
    out = subprocess.run([_ansible_bin("ansible-vault"), "view", "--vault-password-file", str(VAULT_PASSWORD_FILE),
                          "inventories/example/group_vars/all/vault.yml"], cwd=str(REPO), capture_output=True,
                         text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")})
    assert out.returncode == 0, out.stderr
    return dict(re.findall(r"^(vault_\w+):\s*(\S+)\s*$", out.stdout, re.M))


def _seed(path, vault):
    """Accounts the documentation names, in the emulator's seed format."""
    admin = {"permissions": ["Settings.View", "Settings.Edit"]}
    users = {"admin": dict(admin, password=README_SECRETS["vault_orchestrator_password"]),
             "ansible-svc": dict(admin, password=vault["vault_orchestrator_legacy_password"])}
    seed = {
        "tenants": {t: {"users": users} for t in ("Default", "Host", "Finance", "HR")},
        "clients": {
            "ansible": {"secret": README_SECRETS["vault_orchestrator_client_secret"], "scopes": ["OR.Settings", "PM.Setting"]},
            "ansible-host": {"secret": README_SECRETS["vault_host_client_secret"], "scopes": ["OR.Settings", "PM.Setting"]},
            "ansible-staging": {"secret": vault["vault_orchestrator_client_secret_staging"],
                                "scopes": ["OR.Settings", "PM.Setting"]},
            "ansible-production": {"secret": vault["vault_orchestrator_client_secret_production"],
                                   "scopes": ["OR.Settings", "PM.Setting"]},
        },
        "organizations": [{"name": "myorg", "id": EXAMPLE_ORG}],
        "settings": {"Host": {}, "Default": {}, "Finance": {}, "HR": {}},
        "identity_settings": [],
    }
    path.write_text(json.dumps(seed, indent=1))
    return path


class DocsLab:
    def __init__(self, tmp):
        self.tmp = tmp
        self.vault = _example_vault()
        ca = make_test_ca(tmp / "ca")
        seed = _seed(tmp / "seed.json", self.vault)
        self.catcher = start_mailhog("--x-tls-cert", ca["cert"], "--x-tls-key", ca["key"])
        self.classic = start_orchestrator("--smtp-ca-file", ca["ca"], profile="2020.10", seed=seed)
        self.identity = start_orchestrator("--smtp-ca-file", ca["ca"], profile="2023.10", seed=seed)

    def stop(self):
        for proc in (self.classic, self.identity, self.catcher):
            proc.stop()

    def reset(self):
        self.classic.control.reset()
        self.identity.control.reset()
        self.catcher.delete_all()

    def writes(self):
        return self.classic.control.writes() + self.identity.control.writes()

    def smtp(self):
        # "localhost": the name in the catcher's certificate, so STARTTLS verifies as with a real server
        return {"smtp_mail_host": "localhost", "smtp_mail_port": self.catcher.smtp_port}

    def rewrite_url(self, url, emulator):
        """The example's URL with its scheme and host replaced by the emulator's (path kept)."""
        parts = urlsplit(url)
        return emulator.url.rstrip("/") + parts.path.rstrip("/")

    def run(self, args, check_rc=True):
        cmd = [_ansible_bin(args[0])] + list(args[1:])
        env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
               "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", "HOME": str(self.tmp)}
        proc = subprocess.run(cmd, cwd=str(REPO), env=env, capture_output=True, text=True, timeout=300)
        out = proc.stdout + proc.stderr
        if check_rc:
            assert proc.returncode == 0, "%s\n%s" % (" ".join(cmd), out[-5000:])
        return proc.returncode, proc.stdout


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    lab = DocsLab(tmp_path_factory.mktemp("docs"))
    try:
        yield lab
    finally:
        lab.stop()


def recap(stdout):
    return {m["host"]: {k: int(v) for k, v in m.groupdict().items() if k != "host"} for m in RECAP_RE.finditer(stdout)}


def summaries(stdout):
    return {m["host"]: m for m in SUMMARY_RE.finditer(stdout)}


# -- markdown -------------------------------------------------------------------------------------------------------
def code_blocks(path):
    """[(heading, language, text)] of the fenced code blocks of a markdown file, with the nearest heading."""
    heading, out, block, lang = "", [], None, None
    for line in Path(path).read_text().splitlines():
        if block is None and line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif block is None and line.startswith("```"):
            block, lang = [], line[3:].strip()
        elif block is not None and line.startswith("```"):
            out.append((heading, lang, "\n".join(block) + "\n"))
            block = None
        elif block is not None:
            block.append(line)
    return out


def commands(sh):
    """ansible-* command lines of a sh block, as argument lists (comments dropped, continuations joined)."""
    text = sh.replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        args = shlex.split(line, comments=True)
        if args and args[0].startswith("ansible"):
            out.append(args)
    return out


def yaml_load(text):
    import yaml  # ansible-core's dependency
    return yaml.safe_load(text)


def write_yaml(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")  # JSON is YAML


# -- README.md: using it against real Orchestrators -----------------------------------------------------------------
def test_readme_production_example_runs(docs):
    docs.reset()
    blocks = [b for b in code_blocks(REPO / "README.md") if b[0] == "Using it against real Orchestrators"]
    files = {}
    for _, lang, text in blocks:
        first = text.splitlines()[0]
        if lang == "yaml" and first.startswith("# inventories/prod/"):
            files[first[2:].strip()] = text
    assert set(files) == {"inventories/prod/hosts.yml", "inventories/prod/group_vars/orchestrators.yml"}, files
    base = docs.tmp / "readme-prod"
    for rel, text in files.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(text)
    inv = base / "inventories/prod"
    hosts = yaml_load(files["inventories/prod/hosts.yml"])["orchestrators"]["hosts"]
    for host, hv in hosts.items():  # a username/password login: the classic (2020.10) server
        write_yaml(inv / "host_vars" / (host + ".yml"),
                   dict(docs.smtp(), smtp_mail_orchestrator_url=docs.rewrite_url(hv["smtp_mail_orchestrator_url"],
                                                                                 docs.classic)))
    secrets = docs.tmp / "readme-secrets.json"
    secrets.write_text(json.dumps(README_SECRETS))
    cmds = [c for _, lang, text in blocks if lang == "sh" for c in commands(text)]
    assert len(cmds) >= 2, cmds
    outputs = []
    for cmd in cmds:
        cmd = _localize([a for a in cmd if a != "--ask-vault-pass"], inv, "inventories/prod", docs.tmp / "prod-drift")
        writes = docs.writes()
        outputs.append(docs.run(cmd + ["-e", "@%s" % secrets])[1])
        if "--check" in cmd or "drift_report" in " ".join(cmd):
            assert docs.writes() == writes, cmd
        if len(outputs) == 2:  # the first apply: the test mail went out with the new settings
            host = next(iter(hosts))
            assert summaries(outputs[-1])[host]["mail"].startswith("sent to ops@example.com"), outputs[-1]
            assert docs.catcher.search("to", "ops@example.com"), "no test mail"
    stored = docs.classic.control.settings("Default")["stored"]
    assert stored["Abp.Net.Mail.Smtp.UserName"] == "orchestrator@example.com"
    assert stored["Abp.Net.Mail.Smtp.EnableSsl"] == "true"  # office365 preset: STARTTLS, verified by the emulator
    reruns = [out for cmd, out in zip(cmds[2:], outputs[2:]) if "site.yml" in cmd]
    assert all(recap(out)[next(iter(hosts))]["changed"] == 0 for out in reruns), reruns
    if (docs.tmp / "prod-drift").exists():
        report = json.loads((docs.tmp / "prod-drift" / "drift-report.json").read_text())
        assert report["totals"]["in_sync"] == 1, report


# -- roles/smtp_mail/README.md: the example playbook and every variable example --------------------------------------
ROLE_README = REPO / "roles/smtp_mail/README.md"


def _role_examples():
    blocks = code_blocks(ROLE_README)
    plays = [t for h, lang, t in blocks if lang == "yaml" and isinstance(yaml_load(t), list)]
    examples = [(h, yaml_load(t)) for h, lang, t in blocks if lang == "yaml" and isinstance(yaml_load(t), dict)]
    return plays, examples


def test_role_readme_example_playbook_is_the_shipped_playbook():
    plays, _ = _role_examples()
    assert plays, "no example playbook in the role README"
    shipped = yaml_load((REPO / "playbooks/smtp_mail.yml").read_text())
    assert yaml_load(plays[0]) == shipped


ROLE_EXAMPLES = [h for h, _ in _role_examples()[1]]


@pytest.mark.parametrize("index", range(len(ROLE_EXAMPLES)), ids=["%d-%s" % (i, re.sub(r"\W+", "-", h).strip("-"))
                                                                   for i, h in enumerate(ROLE_EXAMPLES)])
def test_role_readme_variable_example_runs(docs, index):
    """One example = one inventory host whose group holds the example's variables as written; what the example
    leaves out (URL, login) comes from the parent group, addresses from host_vars."""
    docs.reset()
    plays, examples = _role_examples()
    heading, example = examples[index]
    classic = (example.get("smtp_mail_api") == "classic"
               or ("smtp_mail_orchestrator_username" in example and "smtp_mail_orchestrator_client_id" not in example))
    emu = docs.classic if classic else docs.identity
    base_vars = dict(README_SECRETS, smtp_mail_orchestrator_url="https://orch.example.com")
    if classic:
        base_vars.update(smtp_mail_orchestrator_username="admin",
                         smtp_mail_orchestrator_password="{{ vault_orchestrator_password }}")
    else:
        base_vars.update(smtp_mail_orchestrator_client_id="ansible",
                         smtp_mail_orchestrator_client_secret="{{ vault_orchestrator_client_secret }}",
                         smtp_mail_organization_id=EXAMPLE_ORG)
    base_vars.setdefault("smtp_mail_username", "orchestrator@example.com")
    if "smtp_mail_password" not in example and not example.get("smtp_mail_use_default_credentials"):
        base_vars["smtp_mail_password"] = "{{ vault_smtp_password }}"
    overrides = dict(docs.smtp(), smtp_mail_orchestrator_url=docs.rewrite_url(
        example.get("smtp_mail_orchestrator_url", base_vars["smtp_mail_orchestrator_url"]), emu))
    if example.get("smtp_mail_orchestrator_identity_url"):
        overrides["smtp_mail_orchestrator_identity_url"] = docs.rewrite_url(
            example["smtp_mail_orchestrator_identity_url"], emu)
    inv = {"all": {"children": {"orchestrators": {"vars": base_vars, "children": {
        "example": {"vars": example, "hosts": {"example-host": overrides}}}}}}}
    path = docs.tmp / ("role-example-%d.yml" % index)
    write_yaml(path, inv)
    play = docs.tmp / "role-readme-play.yml"
    play.write_text(plays[0])
    _, first = docs.run(["ansible-playbook", "-i", str(path), str(play)])
    assert recap(first)["example-host"]["changed"] == 1, first
    line = summaries(first)["example-host"]
    if example.get("smtp_mail_test_recipient"):
        assert line["mail"].startswith("sent to %s" % example["smtp_mail_test_recipient"]), line.group(0)
        assert docs.catcher.search("to", example["smtp_mail_test_recipient"])
    _, second = docs.run(["ansible-playbook", "-i", str(path), str(play)])
    assert recap(second)["example-host"]["changed"] == 0, second


# -- inventories/example as shipped, with the commands of its README and of the role README ----------------------------
EXAMPLE_HOSTS = {
    # host: (emulator, where its settings land)
    "orch-stg.example.com": ("identity", ("identity", "")),
    "orch-eu.example.com": ("identity", ("identity", EXAMPLE_ORG)),
    "orch-legacy-default": ("classic", ("classic", "Default")),
    "orch-legacy-finance": ("classic", ("classic", "Finance")),
    "orch-legacy-hr": ("classic", ("classic", "HR")),
}


@pytest.fixture(scope="module")
def example_copy(docs):
    """inventories/example copied as it is, plus a host_vars layer with the emulator / catcher addresses."""
    dest = docs.tmp / "example"
    shutil.copytree(str(REPO / "inventories/example"), str(dest))
    assert not (dest / "host_vars").exists(), "the example has host_vars: merge instead of overwrite"
    out = subprocess.run([_ansible_bin("ansible-inventory"), "-i", str(dest), "--vault-password-file",
                          str(VAULT_PASSWORD_FILE), "--list"], cwd=str(REPO), capture_output=True, text=True,
                         timeout=120, env={"PATH": "/usr/bin:/bin", "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")})
    assert out.returncode == 0, out.stderr
    hostvars = json.loads(out.stdout)["_meta"]["hostvars"]
    assert set(hostvars) == set(EXAMPLE_HOSTS), sorted(hostvars)
    for host, (emu_name, _) in EXAMPLE_HOSTS.items():
        emu = getattr(docs, emu_name)
        write_yaml(dest / "host_vars" / (host + ".yml"),
                   dict(docs.smtp(), smtp_mail_orchestrator_url=docs.rewrite_url(
                       hostvars[host]["smtp_mail_orchestrator_url"], emu)))
    return dest, hostvars


def _example_commands():
    cmds = []
    for _, lang, text in code_blocks(REPO / "inventories/example/README.md"):
        if lang == "sh":
            cmds += [c for c in commands(text) if c[0] == "ansible-playbook"]
    return cmds


def _localize(cmd, dest, name="inventories/example", drift_dir=None):
    """A documented command against the copy ``dest``; a drift report writes to ``drift_dir``, not the checkout."""
    out = [str(dest) if a == name else a for a in cmd]
    if any("drift_report" in a for a in out):
        out += ["-e", "smtp_mail_drift_report_dir=%s" % (drift_dir or dest.parent / "drift")]
    return out


def test_example_inventory_keeps_each_host_on_its_own_api_and_scope(example_copy):
    _, hostvars = example_copy
    for host in ("orch-legacy-default", "orch-legacy-finance", "orch-legacy-hr"):
        hv = hostvars[host]
        assert (hv["smtp_mail_api"], hv["smtp_mail_scope"], hv["smtp_mail_orchestrator_client_id"]) == \
            ("classic", "tenant", ""), (host, hv)
    assert hostvars["orch-eu.example.com"]["smtp_mail_scope"] == "organization"
    assert hostvars["orch-stg.example.com"]["smtp_mail_scope"] == "host"


def test_example_inventory_runs_as_shipped(docs, example_copy):
    """The example README's commands (preview, staging only, then everything), a rerun, the drift report and the
    role README's password rotation, all against the example as shipped."""
    dest, hostvars = example_copy
    docs.reset()
    cmds = _example_commands()
    assert len(cmds) >= 2, cmds
    for cmd in cmds:
        writes = docs.writes()
        _, out = docs.run(_localize(cmd, dest))
        if "--check" in cmd:
            assert docs.writes() == writes, out
    # everything (the README's last command may be limited to staging)
    apply = ["ansible-playbook", "-i", str(dest), "site.yml", "--vault-password-file", str(VAULT_PASSWORD_FILE)]
    _, out = docs.run(apply)
    lines = summaries(out)
    for host, (_, (api, where)) in EXAMPLE_HOSTS.items():
        assert lines[host]["api"] == api, lines[host].group(0)
        ctl = getattr(docs, api).control
        stored = ctl.settings(where)["stored"] if api == "classic" else ctl.identity_settings(where)["stored"]
        user_key = "Abp.Net.Mail.Smtp.UserName" if api == "classic" else "Email.Smtp.UserName"
        host_key = "Abp.Net.Mail.Smtp.Host" if api == "classic" else "Email.Smtp.Host"
        assert stored.get(host_key) == "localhost", (host, stored)
        assert stored.get(user_key, "") == hostvars[host]["smtp_mail_username"], (host, stored)
    for recipient in ("rpa-ops@example.com", "rpa-ops-staging@example.com", "hr-it@example.com"):
        assert docs.catcher.search("to", recipient), recipient
    _, again = docs.run(apply)
    assert all(r["changed"] == 0 and r["failed"] == 0 for r in recap(again).values()), again

    report_dir = docs.tmp / "example-drift"
    docs.run(["ansible-playbook", "-i", str(dest), "infraops.uipath_orchestrator.drift_report",
              "--vault-password-file", str(VAULT_PASSWORD_FILE), "-e", "smtp_mail_drift_report_dir=%s" % report_dir,
              "-e", "smtp_mail_fail_on_drift=true"])
    report = json.loads((report_dir / "drift-report.json").read_text())
    assert report["totals"]["in_sync"] == len(EXAMPLE_HOSTS), report

    # the role README's commands against the example inventory (password rotation, drift report, reset preview)
    role_cmds = [c for _, lang, t in code_blocks(ROLE_README) if lang == "sh" for c in commands(t)
                 if "inventories/example" in c]
    assert any("smtp_mail_update_password=always" in " ".join(c) for c in role_cmds), role_cmds
    for cmd in role_cmds:
        rc, out = docs.run(_localize(cmd, dest), check_rc=False)
        assert rc == 0, out[-3000:]
        if "smtp_mail_update_password=always" in " ".join(cmd):
            changed = {h: m["changed"] for h, m in summaries(out).items()}
            assert changed and all(c == "password" for c in changed.values()), changed

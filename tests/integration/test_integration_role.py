"""The smtp_mail role end to end, in detail: what it stores and requests, its summary lines, its failures in the
user's words, presets, inventories, drift reports and test-only runs, against the emulated Orchestrators and the
mail catcher.

What every run shows a user on each ansible-core line (changed / no-op / check / bad value / typo / drift report,
the test mail, no secret, no warning) is asserted once, in the ansible-test target
tests/integration/targets/smtp_mail_role, which the matrix runs on every core.

Runs are shared where possible (the ``converged`` fixture: first run, second run; ``later``: --check converged,
--check with a pending change, update_password=always) to keep the suite quick.
"""
import json
import re

import pytest

from integration_lab import APIS, HOST, ORG_ID, REPO, SMTP_PASSWORD, Lab, start_orchestrator


def _clear(emulators):
    for emu in emulators.values():
        emu.control.clear_requests()


@pytest.fixture(scope="module")
def later(converged, emulators, catcher, tmp_path_factory):
    """On the converged state: --check, --check with a pending change, then update_password=always."""
    lab = Lab(emulators, catcher, tmp_path_factory.mktemp("later"))
    lab.inventory()
    out = {}
    _clear(emulators)
    out["check"] = lab.run("--check", "--diff")
    out["check_writes"] = {api: lab.writes(api) for api in APIS}
    out["pending"] = lab.run("--check", "-e", "smtp_mail_from_display_name='Ops (pending)'")
    _clear(emulators)
    out["always"] = lab.run("-e", "smtp_mail_update_password=always",
                            "-e", "smtp_mail_test_recipient=''")
    out["always_writes"] = {api: lab.writes(api) for api in APIS}
    return out


# -- first run / second run ---------------------------------------------------------------------------
@pytest.mark.parametrize("api", APIS)
def test_first_run_stores_the_inventory_values(converged, catcher, api):
    stored = converged["stored"][api]
    prefix = {"classic": "Abp.Net.Mail.", "identity": "Email.Smtp."}[api]
    user_key = prefix + ("Smtp.UserName" if api == "classic" else "UserName")
    pw_key = prefix + ("Smtp.Password" if api == "classic" else "Password")
    port_key = prefix + ("Smtp.Port" if api == "classic" else "Port")
    from_key = prefix + ("DefaultFromAddress" if api == "classic" else "FromEmail")
    assert stored[user_key] == "orchestrator@example.test"
    assert stored[pw_key] == SMTP_PASSWORD
    assert stored[port_key] == str(catcher.smtp_port)
    assert stored[from_key] == "orchestrator@example.test"  # empty smtp_mail_from_address = username
    if api == "identity":
        assert stored["Email.Smtp.ConnectionTimeout"] == "120000"
    else:
        assert stored["Alerts.Email.Enabled"] == "true"


@pytest.mark.parametrize("api", APIS)
def test_noop_run_costs_a_login_and_one_read(converged, api):
    # a no-op with a test recipient costs what one without costs: a login and one read, no test mail
    endpoints = [r["endpoint"] for r in converged["second_requests"][api]]
    assert endpoints == NOOP_ENDPOINTS[api], endpoints


# On the Identity API "Enable email alerts" stays an Orchestrator tenant setting: one classic read (and, when it
# changes, one UpdateBulk after the Identity write) besides the Identity settings.
NOOP_ENDPOINTS = {"classic": ["classic.authenticate", "classic.settings.list"],
                  "identity": ["identity.token", "classic.settings.list", "identity.settings.get"]}
CHANGE_ENDPOINTS = {"classic": ["classic.authenticate", "classic.settings.list", "classic.settings.verify_smtp",
                                "classic.settings.update_bulk"],
                    "identity": ["identity.token", "classic.settings.list", "identity.settings.get",
                                 "identity.settings.verify_smtp", "identity.settings.put",
                                 "classic.settings.update_bulk"]}


@pytest.mark.parametrize("api", APIS)
def test_changed_run_sends_one_test_mail_before_its_write_with_one_login(converged, api):
    endpoints = [r["endpoint"] for r in converged["first_requests"][api]]
    assert endpoints == CHANGE_ENDPOINTS[api], endpoints


@pytest.mark.parametrize("api", APIS)
def test_noop_run_sends_no_test_mail(converged, api):
    assert converged["second_mail"][api] == [], converged["second_mail"][api]
    assert converged["second"].summaries()[HOST[api]]["mail"] == "not sent (no change)"


@pytest.mark.parametrize("api", APIS)
def test_summary_line_per_instance(converged, api):
    first = converged["first"].summaries()[HOST[api]]
    assert first["api"] == api
    assert first["scope"] == ("tenant" if api == "classic" else "organization")
    changed = [f.strip() for f in first["changed"].split(",")]
    assert "password" in changed and "username" in changed and "port" in changed, first.group(0)
    assert first["mail"] == "sent to ops-%s@example.test (settings change)" % api
    second = converged["second"].summaries()[HOST[api]]
    assert second["changed"] == "" and second["mail"] == "not sent (no change)"
    assert len(re.findall(r"^%s: api=" % re.escape(HOST[api]), converged["first"].stdout, re.M)) == 1


def test_summary_is_printed_by_each_host_with_equal_ok_counts(converged):
    """No run_once: every instance prints its own line, so the recap's ok= is the same on every host."""
    res = converged["second"]
    recap = res.recap()
    assert len({recap[HOST[api]]["ok"] for api in APIS}) == 1, recap
    for api in APIS:
        # printed by the settings task itself (no separate summary task)
        assert re.search(r"^%s: api=" % re.escape(HOST[api]), res.stdout, re.M), res


# -- check mode -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", APIS)
def test_check_mode_on_converged_state_is_ok_and_writes_nothing(later, api):
    res = later["check"]
    assert res.rc == 0, res.stdout[-3000:]
    assert res.recap()[HOST[api]]["changed"] == 0, res
    assert later["check_writes"][api] == 0
    assert res.summaries()[HOST[api]]["mail"] == "not sent (no change)"


@pytest.mark.parametrize("api", APIS)
def test_check_mode_summary_names_the_pending_change_and_the_mail_it_would_send(later, api):
    summary = later["pending"].summaries()[HOST[api]]
    assert summary["changed"] == "from_display_name" and summary["check"], summary.group(0)
    assert summary["mail"] == "not sent (check mode (would be sent: settings change))", summary.group(0)


@pytest.mark.parametrize("api", APIS)
def test_update_password_always_resends_and_reports_changed(later, api):
    res = later["always"]
    assert res.rc == 0, res.stdout[-3000:]
    assert res.recap()[HOST[api]]["changed"] == 1, res
    assert later["always_writes"][api] == 1
    summary = res.summaries()[HOST[api]]
    assert summary["changed"] == "password" and summary["mail"] == "not sent (no test_recipient)", summary.group(0)


# -- failures -------------------------------------------------------------------------------------------
def _one_line_failure(res, host):
    failure = res.failure(host)
    assert failure is not None, res
    name, result = failure
    msg = result["msg"]
    assert "\n" not in msg.strip(), msg
    assert len(msg) < 600, msg
    return name, msg


def test_viewer_is_refused_with_a_clear_message(lab):
    hosts = {
        HOST["classic"]: lab.host_vars("classic", smtp_mail_orchestrator_username="viewer",
                                       smtp_mail_orchestrator_password="emulator-viewer"),
        # the read-only OAuth client asks only for the read scopes it has: token granted, the write is refused
        HOST["identity"]: lab.host_vars("identity", smtp_mail_orchestrator_client_id="ansible-readonly",
                                        smtp_mail_orchestrator_client_secret="emulator-readonly-secret",
                                        smtp_mail_orchestrator_scopes=["OR.Settings.Read", "PM.Setting.Read"]),
    }
    res = lab.run(inventory=lab.inventory(hosts), parse=True)
    assert res.rc != 0
    for api in APIS:
        name, msg = _one_line_failure(res, HOST[api])
        # the test mail goes first (it needs Settings.Edit / a write scope too): refused before any write
        assert name == "Orchestrator mail settings"
        assert "403" in msg or "not authorized" in msg.lower() or "forbidden" in msg.lower(), msg
        assert lab.stored(api) == {} or all(not v for v in lab.stored(api).values()), lab.stored(api)
    assert "emulator-viewer" not in res.output and "emulator-readonly-secret" not in res.output
    assert lab.catcher.messages() == []


def test_wrong_credentials_fail_with_a_clear_message(lab):
    hosts = {
        HOST["classic"]: lab.host_vars("classic", smtp_mail_orchestrator_password="wrong-pw-31337"),
        HOST["identity"]: lab.host_vars("identity", smtp_mail_orchestrator_client_secret="wrong-secret-31337"),
        # OAuth: a client asking for scopes it was not granted (the read-only client, default write scopes)
        "orch-identity-scope": lab.host_vars("identity", smtp_mail_orchestrator_client_id="ansible-readonly",
                                             smtp_mail_orchestrator_client_secret="emulator-readonly-secret"),
    }
    res = lab.run(inventory=lab.inventory(hosts), parse=True)
    assert res.rc != 0
    for api in APIS:
        _, msg = _one_line_failure(res, HOST[api])
        low = msg.lower()
        assert any(w in low for w in ("401", "400", "invalid", "authent", "credential", "client")), msg
        assert lab.writes(api) == 0
    _, msg = _one_line_failure(res, "orch-identity-scope")
    assert "invalid_scope" in msg, msg
    assert "wrong-pw-31337" not in res.output and "wrong-secret-31337" not in res.output


BAD_INPUTS = {
    # host: (overrides, API the host points at, role variable the one-line failure must name)
    "bad-port-high": ({"smtp_mail_port": 70000}, "classic", "smtp_mail_port"),
    "bad-port-zero": ({"smtp_mail_port": 0}, "classic", "smtp_mail_port"),
    "bad-host-space": ({"smtp_mail_host": "smtp example.com"}, "classic", "smtp_mail_host"),
    "bad-host-scheme": ({"smtp_mail_host": "smtp://mail.example.com"}, "classic", "smtp_mail_host"),
    "bad-from": ({"smtp_mail_from_address": "not-an-address"}, "classic", "smtp_mail_from_address"),
    "from-mismatch": ({"smtp_mail_from_address": "other@example.test"}, "classic", "smtp_mail_from_address"),
    "ssl-and-default-creds": ({"smtp_mail_enable_ssl": True, "smtp_mail_use_default_credentials": True},
                              "classic", "smtp_mail_enable_ssl"),
    "no-smtp-username": ({"smtp_mail_username": ""}, "classic", "smtp_mail_username"),
    "header-injection": ({"smtp_mail_from_display_name": "Ops\r\nBcc: x@example.test"}, "classic",
                         "smtp_mail_from_display_name"),
    "bad-url": ({"smtp_mail_orchestrator_url": "ftp://orch.example.test"}, "classic", "smtp_mail_orchestrator_url"),
    "timeout-out-of-range": ({"smtp_mail_request_timeout": 0}, "classic", "smtp_mail_request_timeout"),
    "bad-test-recipient": ({"smtp_mail_test_recipient": "not-an-address"}, "classic", "smtp_mail_test_recipient"),
    "org-scope-on-classic-api": ({"smtp_mail_api": "classic", "smtp_mail_organization_id": ""}, "identity",
                                 "smtp_mail_scope"),
    "bad-identity-url": ({"smtp_mail_orchestrator_identity_url": "ftp://orch.example.test/identity"}, "identity",
                         "smtp_mail_orchestrator_identity_url"),
    "org-id-not-a-guid": ({"smtp_mail_organization_id": "not-a-guid"}, "identity", "smtp_mail_organization_id"),
    # the one wording of "required together" names the option left empty
    "client-id-without-secret": ({"smtp_mail_orchestrator_client_secret": ""}, "identity",
                                 "smtp_mail_orchestrator_client_secret"),
}
# Caught by the role's argument spec (before the module runs): the message names the variable too.
BAD_CHOICES = {
    "bad-provider": ({"smtp_mail_provider": "yahoo"}, "classic", "smtp_mail_provider"),
    "bad-update-password": ({"smtp_mail_update_password": "sometimes"}, "classic", "smtp_mail_update_password"),
    "bad-api": ({"smtp_mail_api": "rest"}, "classic", "smtp_mail_api"),
    "bad-scope": ({"smtp_mail_scope": "folder"}, "classic", "smtp_mail_scope"),
    "bad-state": ({"smtp_mail_state": "gone"}, "classic", "smtp_mail_state"),
    "bad-test-mail": ({"smtp_mail_test_mail": "sometimes"}, "classic", "smtp_mail_test_mail"),
}


def test_bad_inputs_fail_before_any_request_naming_the_role_variable(lab):
    cases = dict(BAD_INPUTS, **BAD_CHOICES)
    hosts = {name: lab.host_vars(api, **over) for name, (over, api, _) in cases.items()}
    res = lab.run(inventory=lab.inventory(hosts), parse=True)
    assert res.rc != 0
    problems = []
    for name, (_, _, var) in cases.items():
        failure = res.failure(name)
        msg = failure[1].get("msg", "") if failure else ""
        if failure is None:
            problems.append("%s: did not fail" % name)
        elif name in BAD_INPUTS and not (msg.startswith(var + ": ") and "\n" not in msg):
            problems.append("%s: %r does not start with %r" % (name, msg, var + ": "))
        elif name in BAD_CHOICES and var not in msg:
            problems.append("%s: %r lacks %r" % (name, msg, var))
    assert not problems, problems
    for api in APIS:
        assert lab.requests(api) == [], (api, lab.requests(api))
    assert lab.catcher.messages() == []


def test_login_failure_keeps_the_login_failed_prefix(lab):
    hosts = {HOST["classic"]: lab.host_vars("classic", smtp_mail_orchestrator_password="wrong-pw-31337")}
    res = lab.run(inventory=lab.inventory(hosts), parse=True)
    assert res.rc != 0
    name, msg = _one_line_failure(res, HOST["classic"])
    assert name == "Orchestrator mail settings"
    assert msg.startswith("login failed:"), msg
    assert lab.writes("classic") == 0


def test_identity_run_without_organization_id_discovers_the_organization(lab, tmp_path):
    """An access token that carries its organization (claim prt_id, as Automation Suite / Cloud client tokens do):
    no smtp_mail_organization_id needed, the settings land in that organization."""
    with start_orchestrator(profile="2023.10", client_token_prt_id="yes") as emu:
        hosts = {HOST["identity"]: dict(lab.host_vars("identity", smtp_mail_organization_id="",
                                                      smtp_mail_test_recipient=""),
                                        smtp_mail_orchestrator_url=emu.url)}
        res = lab.run(inventory=lab.inventory(hosts), parse=True)
        assert res.rc == 0, res.stdout[-3000:]
        result = dict(res.host_results(HOST["identity"]))["Orchestrator mail settings"]
        assert result["organization_id"] == ORG_ID, result
        stored = emu.control.identity_settings(ORG_ID)["stored"]
        assert stored.get("Email.Smtp.UserName") == "orchestrator@example.test", stored


# -- provider presets -------------------------------------------------------------------------------------
PRESET_CASES = {
    # host: (overrides, expected `after` values)
    "preset-gmail": ({"smtp_mail_provider": "gmail", "smtp_mail_host": None, "smtp_mail_port": None,
                      "smtp_mail_enable_ssl": None, "smtp_mail_use_default_credentials": None,
                      "smtp_mail_username": "someone@gmail.com"},
                     {"host": "smtp.gmail.com", "port": 587, "enable_ssl": True, "use_default_credentials": False,
                      "from_address": "someone@gmail.com"}),
    "preset-office365": ({"smtp_mail_provider": "office365", "smtp_mail_host": None, "smtp_mail_port": None,
                          "smtp_mail_enable_ssl": None, "smtp_mail_use_default_credentials": None},
                         {"host": "smtp.office365.com", "port": 587, "enable_ssl": True,
                          "use_default_credentials": False}),
    "preset-office365-port-override": ({"smtp_mail_provider": "office365", "smtp_mail_host": None,
                                        "smtp_mail_port": 2525, "smtp_mail_enable_ssl": None,
                                        "smtp_mail_use_default_credentials": None},
                                       {"host": "smtp.office365.com", "port": 2525, "enable_ssl": True}),
    "preset-custom-defaults": ({"smtp_mail_provider": "custom", "smtp_mail_host": "relay.example.test",
                                "smtp_mail_port": None, "smtp_mail_enable_ssl": None,
                                "smtp_mail_use_default_credentials": None},
                               {"host": "relay.example.test", "port": 25, "enable_ssl": False,
                                "use_default_credentials": False}),
    "anonymous-relay": ({"smtp_mail_provider": "custom", "smtp_mail_host": "relay.example.test",
                         "smtp_mail_port": 25, "smtp_mail_enable_ssl": False,
                         "smtp_mail_use_default_credentials": True, "smtp_mail_username": "",
                         "smtp_mail_password": "", "smtp_mail_from_address": "orchestrator@example.test"},
                        {"host": "relay.example.test", "port": 25, "enable_ssl": False,
                         "use_default_credentials": True, "from_address": "orchestrator@example.test"}),
}


def test_provider_presets_resolve_as_documented(lab):
    hosts = {name: lab.host_vars("classic", **over) for name, (over, _) in PRESET_CASES.items()}
    res = lab.run("--check", inventory=lab.inventory(hosts), parse=True)
    assert res.rc == 0, res.stdout[-3000:]
    for name, (_, expected) in PRESET_CASES.items():
        results = dict(res.host_results(name))
        after = results["Orchestrator mail settings"]["after"]
        got = {k: after.get(k) for k in expected}
        assert got == expected, (name, got)
    assert lab.writes("classic") == 0


# -- inventories shipped with the repository ----------------------------------------------------------------
def test_example_inventory_decrypts_with_the_demo_vault_password(lab):
    import json
    import subprocess
    import sys
    from pathlib import Path

    cmd = [str(Path(sys.executable).parent / "ansible-inventory"), "-i", "inventories/example",
           "--vault-password-file", "inventories/example/demo-vault-password.txt", "--list"]
    proc = subprocess.run(cmd, cwd=str(REPO), capture_output=True, text=True, timeout=120,
                          env={"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data["orchestrators"]["children"]) == {"staging", "production"}
    assert "vault_smtp_password_production" in data["_meta"]["hostvars"]["orch-eu.example.com"]
    raw = (REPO / "inventories/example/group_vars/all/vault.yml").read_text()
    assert raw.startswith("$ANSIBLE_VAULT;1.1;AES256")


def test_local_inventory_targets_both_emulator_profiles():
    import json
    import subprocess
    import sys
    from pathlib import Path

    cmd = [str(Path(sys.executable).parent / "ansible-inventory"), "--list"]
    proc = subprocess.run(cmd, cwd=str(REPO), capture_output=True, text=True, timeout=120,
                          env={"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    hv = json.loads(proc.stdout)["_meta"]["hostvars"]
    assert hv["orch-2020-10"]["smtp_mail_orchestrator_url"] == "http://127.0.0.1:8180"
    assert hv["orch-2023-10"]["smtp_mail_orchestrator_url"] == "http://127.0.0.1:8181"
    assert hv["orch-2023-10"]["smtp_mail_organization_id"] == ORG_ID


# -- a new user's run: bad values ----------------------------------------------------------------------------------
NEW_USER_CASES = [
    # (class, role variables of the bad host, words the one line must contain)
    ("missing secret", {"smtp_mail_orchestrator_password": ""}, "smtp_mail_orchestrator_password:"),
    ("from mismatch", {"smtp_mail_from_address": "other@example.test"}, "smtp_mail_allow_from_mismatch: true"),
    ("ca path", {"smtp_mail_ca_path": "/nonexistent/ca.pem"}, "smtp_mail_ca_path:"),
    ("unreachable", {"smtp_mail_orchestrator_url": "http://127.0.0.1:9", "smtp_mail_request_retries": 0},
     "cannot connect to 127.0.0.1:9"),
    ("missing url", {"smtp_mail_orchestrator_url": ""}, "smtp_mail_orchestrator_url: required"),
]
WARNING_LINE_RE = re.compile(r"^\[(?:DEPRECATION )?WARNING\]|DEPRECATION WARNING", re.M)


@pytest.mark.parametrize("kind,bad,words", NEW_USER_CASES, ids=[c[0] for c in NEW_USER_CASES])
def test_new_user_bad_value_fails_once_in_one_line_naming_the_variable(emulators, catcher, tmp_path, kind, bad,
                                                                        words):
    lab = Lab(emulators, catcher, tmp_path)
    hv = lab.host_vars("classic", **bad)
    for key, value in bad.items():
        if value == "":
            hv[key] = ""
    inv = lab.inventory({HOST["classic"]: hv})
    res = lab.run("-e", "smtp_mail_test_recipient=''", inventory=inv)
    assert res.rc != 0, res
    recap = res.recap()[HOST["classic"]]
    assert recap["failed"] == 1 and recap.get("rescued", 0) == 0, res
    fatal = [line for line in res.stdout.splitlines() if line.startswith("fatal: [")]
    assert len(fatal) == 1, res
    result = json.loads(fatal[0].split("=> ", 1)[1])
    assert set(result) <= {"changed", "msg", "failed", "written_fields", "deleted_fields"}, result
    assert words in result["msg"] and "\n" not in result["msg"], result["msg"]
    assert not WARNING_LINE_RE.search(res.output), res


@pytest.mark.parametrize("arg, words", [("smtp_mail_port=abc", "smtp_mail_port: must be an integer (got 'abc')"),
                                        ("smtp_mail_provider=gmial", "; did you mean gmail?")])
def test_new_user_type_and_choice_errors_are_one_short_line(emulators, catcher, tmp_path, arg, words):
    """site.yml checks the role's variables in Python against meta/argument_specs.yml: one short line naming the
    variable, once, before any request (not ansible-core's generic check, which prints the whole spec)."""
    lab = Lab(emulators, catcher, tmp_path)
    inv = lab.inventory({HOST["classic"]: lab.host_vars("classic")})
    lab.emulators["classic"].control.clear_requests()
    res = lab.run("-e", arg, inventory=inv)
    assert res.rc != 0 and res.recap()[HOST["classic"]]["failed"] == 1, res
    fatal = [ln for ln in res.stdout.splitlines() if ln.startswith("fatal: [")]
    assert len(fatal) == 1 and words in fatal[0] and len(fatal[0]) < 400, res
    assert lab.requests("classic") == [] and not WARNING_LINE_RE.search(res.output), res


def test_drift_report_of_a_fleet_with_a_bad_argument_host_and_an_unreachable_host(emulators, catcher, tmp_path):
    import xml.etree.ElementTree as ET
    lab = Lab(emulators, catcher, tmp_path)
    hosts = {HOST["classic"]: lab.host_vars("classic"),
             "orch-bad-arg": lab.host_vars("classic", smtp_mail_provider="gmial"),
             "orch-unreachable": lab.host_vars("classic", smtp_mail_orchestrator_url="http://127.0.0.1:9",
                                               smtp_mail_request_retries=0)}
    inv = lab.inventory(hosts)
    out = tmp_path / "report"
    _clear(emulators)
    res = lab.run("-e", "smtp_mail_drift_report_dir=%s" % out, "-e", "smtp_mail_fail_on_drift=true",
                  "-e", json.dumps({"smtp_mail_from_display_name": "Drifted <b>x</b> | `y`"}),
                  playbook="playbooks/drift_report.yml", inventory=inv)
    data = json.loads((out / "drift-report.json").read_text())
    by_host = {r["instance"]: r for r in data["instances"]}
    assert set(by_host) == set(hosts), data
    assert by_host["orch-bad-arg"]["status"] == "error" and "smtp_mail_provider" in by_host["orch-bad-arg"]["error"]
    assert by_host["orch-unreachable"]["status"] == "error"
    assert by_host[HOST["classic"]]["status"] == "drift"
    ET.parse(str(out / "drift-report.xml"))
    md = (out / "drift-report.md").read_text()
    assert "\x1b" not in md and "<b>" not in md
    assert res.rc != 0 and "drifted: %s" % HOST["classic"] in res.stdout, res
    assert all(v["changed"] == 0 for v in res.recap().values()), res
    assert lab.writes("classic") == 0


def test_test_only_run_over_the_fleet_sends_one_mail_per_instance_and_writes_nothing(lab):
    """smtp_mail_test_only: a scheduled "does the saved mail setup still work?" job without the SMTP secret."""
    assert lab.run().rc == 0  # converge first: the saved settings point at the catcher
    for api in APIS:
        lab.emulators[api].control.clear_requests()
    lab.catcher.delete_all()
    # With the password in the inventory the stored values are tested with it (also where an Identity token names
    # no organization, so the saved-settings test of the partition cannot be asked for).
    res = lab.run("-e", "smtp_mail_test_only=true")
    assert res.rc == 0, res.stdout[-3000:]
    for api in APIS:
        recap = res.recap()[HOST[api]]
        assert recap["changed"] == 0 and recap["failed"] == 0, res
        assert lab.writes(api) == 0 and lab.alerts_writes(api) == 0, lab.requests(api)
        assert len(lab.catcher.search("to", "ops-%s@example.test" % api)) == 1, api
    # Without the SMTP secret: Orchestrator tests what it has saved.
    lab.catcher.delete_all()
    inv = lab.inventory(hosts={HOST["classic"]: lab.host_vars("classic")}, group_vars={"smtp_mail_password": ""})
    res = lab.run("-e", "smtp_mail_test_only=true", inventory=inv)
    assert res.rc == 0, res.stdout[-3000:]
    assert lab.writes("classic") == 0
    assert len(lab.catcher.search("to", "ops-classic@example.test")) == 1

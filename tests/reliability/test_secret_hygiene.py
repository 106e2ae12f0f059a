"""Secret hygiene. Representative runs at -vvv with --diff (success, idempotent re-run, check
mode with a rotated password, the info and test modules, ROPC/classic, OAuth/Identity, a ready bearer
token, environment-variable credentials, the role playbook, and failures: wrong Orchestrator password, wrong
SMTP password, persistent 503, wrong client secret) with distinctive secrets. Every secret (and its
URL-encoded / base64 / AUTH PLAIN forms) must occur zero times in stdout, stderr, the module results and
the emulator request logs; any 43-character token-like string in the output is checked against the
emulators and must not be a live bearer token."""
from __future__ import annotations

import json
import re
import sys

import pytest
import requests

import harness
from harness import INFO, SETTINGS, TEST
from secrets_and_data import (GOOD_SETTINGS, OAUTH_SECRET, ORCH_PASSWORD, ORCH_WRONG_PASSWORD, ORG_ID,
                              SMTP_PASSWORD, SMTP_PASSWORD_2, SMTP_USER, SMTP_WRONG_PASSWORD, STATIC_SECRETS,
                              count_leaks)

VVV = ["-vvv", "--diff"]
TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


@pytest.fixture(scope="module")
def catchers():
    from tests.support.mailhog_catcher import start_mailhog
    plain = start_mailhog()
    auth = start_mailhog("--x-auth", "%s:%s" % (SMTP_USER, SMTP_PASSWORD))
    yield plain, auth
    plain.stop()
    auth.stop()


def _live_tokens(text, urls):
    """Token-shaped strings in the output that an emulator still accepts (= leaked bearer tokens)."""
    live = []
    for cand in sorted(set(TOKEN_RE.findall(text)))[:300]:
        for url in urls:
            r = requests.get(url + "/odata/Settings", params={"$top": "1"}, timeout=5,
                             headers={"Authorization": "Bearer " + cand})
            if r.status_code != 401:
                live.append(cand[:6] + "…")
    return live


def test_no_secret_in_any_output(classic, identity, catchers, ansible, tmp_path, record_property):
    plain, auth = catchers
    smtp = {"host": plain.smtp_host, "port": int(plain.smtp_port)}
    c_conn = classic.conn(api="classic", retries=0)
    i_conn = identity.conn(api="identity", client_id="ansible", client_secret=OAUTH_SECRET, organization_id=ORG_ID,
                           orchestrator_username=None, orchestrator_password=None, retries=0)
    i_fields = {k: v for k, v in GOOD_SETTINGS.items() if k != "enable_alerts"}   # also the test module's
    token = classic.token()

    def t(name, module, args, **extra):
        return dict({"name": name, module: args, "ignore_errors": True}, **extra)

    classic_play = [{"name": "classic, ROPC", "hosts": "localhost", "gather_facts": False, "tasks": [
        t("apply", SETTINGS, m(c_conn, GOOD_SETTINGS, smtp)),
        t("apply again", SETTINGS, m(c_conn, GOOD_SETTINGS, smtp, update_password="on_create")),
        t("rotate password in check mode", SETTINGS, m(c_conn, GOOD_SETTINGS, smtp, password=SMTP_PASSWORD_2,
                                                        update_password="always"), check_mode=True),
        t("rotate password", SETTINGS, m(c_conn, GOOD_SETTINGS, smtp, password=SMTP_PASSWORD_2,
                                         update_password="always")),
        t("info", INFO, dict(c_conn)),
        t("test mail", TEST, m(c_conn, i_fields, smtp, recipient="ops@example.test")),
        t("test mail, wrong smtp password", TEST, m(c_conn, i_fields, password=SMTP_WRONG_PASSWORD,
                                                    host=auth.smtp_host, port=int(auth.smtp_port),
                                                    recipient="ops@example.test")),
        t("wrong orchestrator password", SETTINGS, m(c_conn, GOOD_SETTINGS, orchestrator_password=ORCH_WRONG_PASSWORD)),
        t("persistent 503", SETTINGS, m(c_conn, GOOD_SETTINGS, smtp, update_password="always")),
        t("ready bearer token", SETTINGS, m(c_conn, GOOD_SETTINGS, smtp, token=token, orchestrator_username=None,
                                            orchestrator_password=None)),
        t("ready bearer token, info", INFO, m(c_conn, token=token, orchestrator_username=None, orchestrator_password=None)),
    ]}]
    setup = {"persistent 503": {"reset": False, "faults": [
        {"endpoint": "classic.settings.update_bulk", "status": 503, "rate": 1}]}}
    runs = [ansible.playbook(classic_play, extra_args=VVV, emulator_url=classic.url, task_setup=setup,
                             label="hygiene-classic")]
    identity_play = [{"name": "identity, OAuth", "hosts": "localhost", "gather_facts": False, "tasks": [
        t("apply", SETTINGS, m(i_conn, i_fields, smtp, scope="organization")),
        t("rotate password in check mode", SETTINGS, m(i_conn, i_fields, smtp, scope="organization",
                                                       password=SMTP_PASSWORD_2, update_password="always"),
          check_mode=True),
        t("info", INFO, dict(i_conn, scope="organization")),
        t("test mail", TEST, m(i_conn, i_fields, smtp, scope="organization", recipient="ops@example.test")),
        t("wrong client secret", INFO, dict(i_conn, client_secret=ORCH_WRONG_PASSWORD)),
    ]}]
    runs.append(ansible.playbook(identity_play, extra_args=VVV, label="hygiene-identity"))
    # credentials from the environment (fallbacks), ad-hoc
    env_run = ansible.module(INFO, {"api": "classic", "retries": 0}, verbosity=3, diff=True, extra_env={
        "ORCHESTRATOR_URL": classic.url, "ORCHESTRATOR_USERNAME": "admin", "ORCHESTRATOR_PASSWORD": ORCH_PASSWORD})
    runs.append(env_run)

    # the role playbook for one classic and one Identity instance, then --check with a rotated password
    inv = tmp_path / "hygiene-inventory.yml"
    common = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
              "smtp_mail_host": plain.smtp_host, "smtp_mail_port": int(plain.smtp_port),
              "smtp_mail_use_default_credentials": False, "smtp_mail_enable_ssl": False,
              "smtp_mail_username": SMTP_USER, "smtp_mail_password": SMTP_PASSWORD,
              "smtp_mail_test_recipient": "ops@example.test", "smtp_mail_request_retries": 0,
              "smtp_mail_update_password": "always"}
    inv.write_text(json.dumps({"orchestrators": {"vars": common, "hosts": {
        "orch-classic": {"smtp_mail_orchestrator_url": classic.url, "smtp_mail_orchestrator_username": "admin",
                         "smtp_mail_orchestrator_password": ORCH_PASSWORD, "smtp_mail_api": "classic"},
        "orch-identity": {"smtp_mail_orchestrator_url": identity.url, "smtp_mail_orchestrator_client_id": "ansible",
                          "smtp_mail_orchestrator_client_secret": OAUTH_SECRET, "smtp_mail_api": "identity",
                          "smtp_mail_organization_id": ORG_ID, "smtp_mail_scope": "organization"}}}}))
    pb = harness.REPO / "playbooks" / "smtp_mail.yml"
    runs.append(ansible.playbook(pb, inventory=inv, extra_args=VVV, label="hygiene-role"))
    runs.append(ansible.playbook(pb, inventory=inv, extra_args=VVV + ["--check", "-e", "@" + str(
        _write(tmp_path / "rotate.json", {"smtp_mail_password": SMTP_PASSWORD_2}))], label="hygiene-role-check"))

    # the runs did what they claim (a hygiene test over runs that all crashed would prove nothing)
    by_task = {r["task"]: r for r in runs[0].records}
    assert by_task["apply"]["status"] == "ok" and by_task["apply"]["result"]["changed"] is True
    assert by_task["apply again"]["result"].get("changed") is False
    assert by_task["rotate password in check mode"]["result"].get("changed") is True
    assert by_task["test mail"]["status"] == "ok", by_task["test mail"]["result"].get("msg")
    for failing in ("test mail, wrong smtp password", "wrong orchestrator password", "persistent 503"):
        assert by_task[failing]["status"] == "failed", (failing, by_task[failing]["result"])
    assert by_task["ready bearer token, info"]["status"] == "ok", by_task["ready bearer token, info"]["result"]
    assert {r["task"]: r["status"] for r in runs[1].records}["apply"] == "ok", runs[1].text[-3000:]
    assert not env_run.failed, env_run.msg
    assert runs[3].rc == 0, runs[3].text[-4000:]
    assert runs[4].rc == 0, runs[4].text[-4000:]
    assert "--diff" in runs[0].cmd and any("before" in json.dumps(r["result"]) for r in runs[0].records)

    # the emulators' own request logs hold no secret either
    logs = json.dumps(classic.control.requests()) + json.dumps(identity.control.requests())
    log_leaks = count_leaks(logs, STATIC_SECRETS + [token])
    blob = "\n".join(r.everything() for r in runs)
    assert "Traceback (most recent call last)" not in blob, "a traceback reached the user at -vvv"
    live = _live_tokens(blob, [classic.url, identity.url])
    record_property("rel_leaks", sum(log_leaks.values()) + len(live))
    assert not log_leaks, "secrets in the emulator request log: %s" % log_leaks
    assert not live, "live bearer tokens printed: %s" % live
    # the console and results part is asserted (and counted) by the `ansible` fixture on teardown; also here
    # so this test fails on its own when anything leaks
    leaks = count_leaks(blob, STATIC_SECRETS + [token])
    assert not leaks, "secret(s) leaked: %s" % leaks


def m(*dicts, **kw):
    out = {}
    for d in dicts + (kw,):
        out.update(d)
    return {k: v for k, v in out.items() if v is not None}


def _write(path, data):
    path.write_text(json.dumps(data))
    return path

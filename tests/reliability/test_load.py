"""Load: 50 inventory hosts against one emulator in one ansible-playbook run (forks 25) with the
role's playbook (playbooks/smtp_mail.yml), then a second run that must write nothing.

Modelling choice: every inventory host is its own Orchestrator *tenant* (custom seed with Tenant01..50),
with per-host settings (host name, display name). That is the realistic shape of "50 instances": 50
independent settings stores, each logged into separately, each expecting its own values. Pointing 50 hosts
at one tenant with identical settings would be 50 concurrent writers racing on one store (nothing an
inventory of instances does) and would hide a host writing another host's values."""
from __future__ import annotations

import json
import sys

import pytest

import harness
from secrets_and_data import ORCH_PASSWORD, SMTP_PASSWORD, SMTP_USER, make_seed

HOSTS = 50
FORKS = 25


def _tenant(i):
    return "Tenant%02d" % i


@pytest.fixture(scope="module")
def load_emu(tmp_path_factory):
    from rel_shared import _start_orchestrator
    tmp = tmp_path_factory.mktemp("load")
    emu = _start_orchestrator("--seed", str(make_seed(tmp / "seed.json", extra_tenants=HOSTS)), profile="2020.10")
    yield emu
    emu.stop()


def test_fifty_instances_converge_then_no_writes(load_emu, ansible, tmp_path, record_property):
    control = harness.Control(load_emu.url)
    control.reset()
    hosts = {}
    for i in range(1, HOSTS + 1):
        hosts["orch-%02d" % i] = {"smtp_mail_orchestrator_tenant": _tenant(i),
                                  "smtp_mail_host": "smtp%02d.example.test" % i,
                                  "smtp_mail_from_display_name": "Orchestrator %02d" % i}
    inv = tmp_path / "load-inventory.yml"
    inv.write_text(json.dumps({"orchestrators": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
        "smtp_mail_orchestrator_url": load_emu.url, "smtp_mail_orchestrator_username": "admin",
        "smtp_mail_orchestrator_password": ORCH_PASSWORD, "smtp_mail_api": "classic", "smtp_mail_scope": "tenant",
        "smtp_mail_use_default_credentials": False, "smtp_mail_enable_ssl": True, "smtp_mail_port": 587,
        "smtp_mail_username": SMTP_USER, "smtp_mail_password": SMTP_PASSWORD, "smtp_mail_test_recipient": "",
        "smtp_mail_request_retries": 1, "smtp_mail_update_password": "on_create"}}}))
    pb = harness.REPO / "playbooks" / "smtp_mail.yml"

    first = ansible.playbook(pb, inventory=inv, extra_args=["--forks", str(FORKS)], label="load-1", timeout=300)
    log1 = control.requests()
    control.clear_requests()
    second = ansible.playbook(pb, inventory=inv, extra_args=["--forks", str(FORKS)], label="load-2", timeout=300)
    log2 = control.requests()
    record_property("rel_load", {
        "hosts": HOSTS, "forks": FORKS, "first_run_seconds": round(first.elapsed, 1),
        "second_run_seconds": round(second.elapsed, 1), "first_run_writes": log1["writes"],
        "second_run_writes": log2["writes"],
        "http_requests_per_instance_first": round(len(log1["requests"]) / HOSTS, 2),
        "http_requests_per_instance_second": round(len(log2["requests"]) / HOSTS, 2)})

    for run in (first, second):
        harness.no_traceback(run)
        assert run.rc == 0, run.text[-5000:]
        bad = [(r["host"], r["task"]) for r in run.records if r["status"] in ("failed", "unreachable")]
        assert not bad, "failures: %s" % bad[:10]
        assert "failed=0" in run.stdout and "unreachable=0" in run.stdout

    # every instance converged to its own values
    wrong = []
    for i in range(1, HOSTS + 1):
        eff = control.settings(_tenant(i))["effective"]
        want = {"Abp.Net.Mail.Smtp.Host": "smtp%02d.example.test" % i,
                "Abp.Net.Mail.DefaultFromDisplayName": "Orchestrator %02d" % i,
                "Abp.Net.Mail.Smtp.Port": "587", "Abp.Net.Mail.Smtp.EnableSsl": "true",
                "Abp.Net.Mail.Smtp.UserName": SMTP_USER, "Abp.Net.Mail.Smtp.Password": SMTP_PASSWORD,
                "Abp.Net.Mail.DefaultFromAddress": SMTP_USER}
        if any(eff.get(k) != v for k, v in want.items()):
            wrong.append(_tenant(i))
    assert not wrong, "instances not converged: %s" % wrong
    per_tenant = {}
    for r in log1["requests"]:
        if r["endpoint"] == "classic.settings.update_bulk":
            per_tenant[r["tenant"]] = per_tenant.get(r["tenant"], 0) + 1
    assert per_tenant == {_tenant(i): 1 for i in range(1, HOSTS + 1)}, "one write per instance expected"
    assert log2["writes"] == 0, "second run wrote: %s" % log2["counts"]
    changed2 = [r["host"] for r in second.records if r["result"].get("changed")
                and r["action"].endswith("orchestrator_mail_settings")]
    assert not changed2, "second run reported changed for %s" % changed2

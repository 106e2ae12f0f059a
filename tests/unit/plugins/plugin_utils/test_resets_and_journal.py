"""Resets and the write journal against the scripted fake (fake_server.py), through both runners: a classic reset never
reaches the Host, an Identity reset removes the credentials first, and every failure after a write says so
(changed, written_fields / deleted_fields from the write journal)."""
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import settings_task
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import run_task

from fake_server import ORG

SMTP_PW = "Smtp-Secret-42"
CONN = {"orchestrator_username": "admin", "orchestrator_password": "admin-pw", "retry_delay": 0.0, "retries": 0}
APP = {"client_id": "ansible", "client_secret": "client-secret-value", "retry_delay": 0.0, "retries": 0}
RELAY = {"use_default_credentials": False, "enable_ssl": True, "host": "smtp.example.com", "port": 587,
         "username": "robots@example.com", "password": SMTP_PW, "from_address": "robots@example.com"}
MODULES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules")
ORG_ROWS = {"Email.Smtp.UseDefaultCredentials": "false", "Email.Smtp.EnableSsl": "true",
            "Email.Smtp.Host": "smtp.org.example", "Email.Smtp.Port": "587", "Email.Smtp.Domain": "CORP",
            "Email.Smtp.UserName": "robots@example.com", "Email.Smtp.Password": SMTP_PW,
            "Email.Smtp.FromEmail": "robots@example.com"}


def settings(args, check=False):
    return run_task(settings_task, args, {}, check, False, "test")


def module_process(args, tmp_path):
    """The same task through the module's main() in a module process (the second runner)."""
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, os.path.join(MODULES, "orchestrator_mail_settings.py"), str(argfile)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    return json.loads(proc.stdout), proc.stdout


# --- defect 1: classic state=absent on tenant Host would delete what every tenant inherits
@pytest.mark.parametrize("tenant", ["Host", "host", "HOST"])
def test_classic_reset_of_tenant_host_is_refused_before_any_request(fake, tenant):
    fake.users[("host", "admin")] = "admin-pw"
    res = settings(dict(CONN, orchestrator_url=fake.url, api="classic", tenant=tenant, state="absent"))
    assert res["failed"] and res["msg"].startswith("tenant: state=absent on the classic API resets a tenant")
    assert "set tenant to the tenant to reset" in res["msg"] and res["changed"] is False
    assert fake.log == []


def test_classic_reset_of_tenant_host_found_by_api_auto_is_refused_before_deleting(fake):
    fake.users[("host", "admin")] = "admin-pw"
    fake.classic["Abp.Net.Mail.Smtp.Host"] = "relay.host.example"
    res = settings(dict(CONN, orchestrator_url=fake.url, tenant="Host", state="absent"))
    assert res["failed"] and res["msg"].startswith("tenant: state=absent on the classic API"), res["msg"]
    assert fake.writes() == [] and fake.classic["Abp.Net.Mail.Smtp.Host"] == "relay.host.example"


# --- defect 2: an Identity reset deletes the credentials first; a failure reports what was deleted
def seed_org(fake_id):
    fake_id.id_settings[ORG] = dict(ORG_ROWS)
    return {key: fake_id.row_id(ORG, key) for key in ORG_ROWS}


def test_identity_reset_deletes_credentials_first(fake_id):
    ids = seed_org(fake_id)
    res = settings(dict(APP, orchestrator_url=fake_id.url, organization_id=ORG, state="absent"))
    assert not res.get("failed"), res.get("msg")
    order = [call[1].rsplit("/", 1)[1] for call in fake_id.calls("DELETE")]
    first = [str(ids[k]) for k in ("Email.Smtp.Password", "Email.Smtp.UserName", "Email.Smtp.Domain")]
    assert order[:3] == first and len(order) == len(ORG_ROWS)
    assert fake_id.id_settings[ORG] == {}


@pytest.mark.parametrize("runner", ["action", "module"])
def test_identity_reset_failing_midway_leaves_no_credential_and_reports_the_deleted_fields(fake_id, tmp_path, runner):
    ids = seed_org(fake_id)
    fake_id.fault("/identity/api/Setting/%s" % ids["Email.Smtp.Host"], ("status", 500))
    args = dict(APP, orchestrator_url=fake_id.url, organization_id=ORG, state="absent")
    res, out = (settings(args), "") if runner == "action" else module_process(args, tmp_path)
    assert res["failed"] and res["changed"] is True, res
    # credentials first, then in key order up to the failing Host row
    assert res["deleted_fields"] == ["use_default_credentials", "enable_ssl", "domain", "username", "password"]
    assert "host" not in res["deleted_fields"] and "deleted before the failure" in res["msg"]
    left = fake_id.id_settings[ORG]
    assert not {"Email.Smtp.Password", "Email.Smtp.UserName", "Email.Smtp.Domain"} & set(left)
    assert "Email.Smtp.Host" in left and SMTP_PW not in json.dumps(res) + out


# --- defect 3: a failure after a write reports changed and what was written
@pytest.mark.parametrize("runner", ["action", "module"])
def test_identity_write_then_failing_alerts_write_reports_changed(fake_id, tmp_path, runner):
    fake_id.fault("/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk", ("status", 500))
    args = dict(APP, orchestrator_url=fake_id.url, organization_id=ORG, enable_alerts=True, **RELAY)
    res, out = (settings(args), "") if runner == "action" else module_process(args, tmp_path)
    assert res["failed"] and res["changed"] is True, res
    assert fake_id.id_settings[ORG]["Email.Smtp.Host"] == "smtp.example.com"
    assert {"host", "port", "username", "password", "from_address"} <= set(res["written_fields"])
    assert "enable_alerts" not in res["written_fields"]
    assert "written before the failure" in res["msg"] and SMTP_PW not in json.dumps(res) + out
    assert [e["request"] for e in res["journal"]][:1] == ["PUT identity /api/Setting"]


def test_a_failed_verify_read_after_the_write_reports_changed(fake):
    # the first read answers; the re-read of verify_write fails (no retry: retries 0)
    fake.fault("/odata/Settings", ("sleep", 0), ("status", 500))
    res = settings(dict(CONN, orchestrator_url=fake.url, api="classic", verify_write=True, **RELAY))
    assert res["failed"] and res["changed"] is True, res
    assert fake.classic["Abp.Net.Mail.Smtp.Host"] == "smtp.example.com"
    assert "host" in res["written_fields"] and "password" in res["written_fields"]


def test_a_refused_write_reports_nothing_written(fake):
    fake.fault("/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk", ("status", 400))
    res = settings(dict(CONN, orchestrator_url=fake.url, api="classic", **RELAY))
    assert res["failed"] and res["changed"] is False and res["written_fields"] == [] and res["journal"] == []


def test_a_write_without_an_answer_is_reported_as_maybe_written(fake):
    fake.fault("/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk", ("reset_after_write",))
    res = settings(dict(CONN, orchestrator_url=fake.url, api="classic", **RELAY))
    assert res["failed"] and "maybe written (no answer)" in res["msg"], res["msg"]
    assert res["journal"] and res["journal"][0]["outcome"] == "unknown"


def test_success_reports_the_journal(fake):
    res = settings(dict(CONN, orchestrator_url=fake.url, api="classic", **RELAY))
    assert res["changed"] and res["written_fields"] == ["use_default_credentials", "enable_ssl", "host", "port",
                                                        "username", "password", "from_address"]
    assert res["journal"] == [{"action": "write", "request": "POST UpdateBulk", "outcome": "done",
                               "fields": res["written_fields"]}]
    again = settings(dict(CONN, orchestrator_url=fake.url, api="classic", **RELAY))
    assert again["changed"] is False and again["written_fields"] == [] and again["journal"] == []

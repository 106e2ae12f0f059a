"""Run the modules' tasks in-process, as the action plugins do, against the tiny fake server (fake_server.py)."""
import json

import pytest

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import (
    info_task as orchestrator_mail_info, settings_task as orchestrator_mail_settings,
    test_mail_task as orchestrator_mail_test)
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import run_task

from fake_server import MASK, ORG

SMTP_PW = "Smtp-Secret-42"
CONN = {"orchestrator_username": "admin", "orchestrator_password": "admin-pw", "retry_delay": 0.0}
GMAIL = {"enable_alerts": True, "use_default_credentials": False, "enable_ssl": True, "host": "smtp.gmail.com",
         "port": 587, "username": "robots@example.com", "password": SMTP_PW, "from_address": "robots@example.com",
         "from_display_name": "Orchestrator"}


def run(task, args, capsys, check=False, diff=False):
    res = run_task(task, args, {}, check, diff, "unit")
    res.setdefault("failed", False)
    return res, json.dumps(res)


def settings(fake, capsys, check=False, diff=False, **kw):
    args = dict(CONN, orchestrator_url=fake.url, api="classic")
    args.update(kw)
    return run(orchestrator_mail_settings, args, capsys, check, diff)


def test_first_changed_then_ok(fake, capsys):
    res, out = settings(fake, capsys, update_password="on_create", **GMAIL)
    assert res["changed"] is True and res["api"] == "classic" and res["scope"] == "tenant"
    assert res["changed_fields"] == ["enable_alerts", "use_default_credentials", "enable_ssl", "host", "port",
                                     "username", "password", "from_address", "from_display_name"]
    assert res["after"]["password"] == "********" and res["before"]["password"] == ""
    assert fake.classic["Abp.Net.Mail.Smtp.Password"] == SMTP_PW
    assert len(fake.writes()) == 1 and SMTP_PW not in out
    res, out = settings(fake, capsys, update_password="on_create", **GMAIL)
    assert res["changed"] is False and res["changed_fields"] == [] and len(fake.writes()) == 1
    assert res["http_requests"] == 2  # login + read


def test_only_changed_keys_in_one_write(fake, capsys):
    settings(fake, capsys, update_password="on_create", **GMAIL)
    res, dummy = settings(fake, capsys, update_password="on_create", from_display_name="Other")
    assert res["changed_fields"] == ["from_display_name"]
    body = fake.writes()[-1][2]
    assert body == {"settings": [{"Name": "Abp.Net.Mail.DefaultFromDisplayName", "Value": "Other"}]}


def test_always_sends_password_and_never_the_mask(fake, capsys):
    settings(fake, capsys, update_password="always", **GMAIL)
    res, out = settings(fake, capsys, update_password="always", **GMAIL)
    assert res["changed_fields"] == ["password"] and SMTP_PW not in out
    for call in fake.writes():
        assert MASK not in json.dumps(call[2], ensure_ascii=False)


def test_host_change_resends_password_on_create(fake, capsys):
    settings(fake, capsys, update_password="on_create", **GMAIL)
    params = dict(GMAIL)
    params["host"] = "smtp2.example.com"
    res, dummy = settings(fake, capsys, update_password="on_create", **params)
    assert res["changed_fields"] == ["host", "password"]
    names = [i["Name"] for i in fake.writes()[-1][2]["settings"]]
    assert names == ["Abp.Net.Mail.Smtp.Host", "Abp.Net.Mail.Smtp.Password"]


def test_check_mode_never_writes_and_reports(fake, capsys):
    res, dummy = settings(fake, capsys, check=True, diff=True, **GMAIL)
    assert res["changed"] is True and "host" in res["changed_fields"] and fake.writes() == []
    assert res["diff"]["after"]["host"] == "smtp.gmail.com" and res["diff"]["before"]["host"] == "127.0.0.1"
    assert res["diff"]["after"]["password"] == "********"


def test_diff_never_contains_secret(fake, capsys):
    res, out = settings(fake, capsys, diff=True, **GMAIL)
    assert SMTP_PW not in out and "admin-pw" not in out and "tok-" not in out


def test_validation_fails_before_any_request(fake, capsys):
    res, out = settings(fake, capsys, port=70000)
    assert res["failed"] and res["msg"] == "port: must be an integer between 1 and 65535 (got 70000)"
    assert fake.log == []


@pytest.mark.parametrize("args,option", [
    ({"host": "smtp.example.com\r\nX: y"}, "host"),
    ({"from_display_name": "a\r\nBcc: x@example.com"}, "from_display_name"),
    ({"enable_ssl": True, "use_default_credentials": True}, "enable_ssl"),
    ({"use_default_credentials": False, "username": "a@example.com", "from_address": "a@example.com",
      "update_password": "always"}, "password"),
    ({"connection_timeout": 1000}, "connection_timeout"),
    ({"scope": "organization"}, "scope"),
    ({"orchestrator_url": "ftp://x"}, "orchestrator_url"),
])
def test_bad_input_no_request(fake, capsys, args, option):
    res, dummy = settings(fake, capsys, **args)
    assert res["failed"] and res["msg"].startswith(option + ":") and "\n" not in res["msg"]
    assert fake.log == []


def test_merged_validation_fails_before_write(fake, capsys):
    # stored UseDefaultCredentials is true: enabling SSL alone must be refused before any write
    res, dummy = settings(fake, capsys, enable_ssl=True)
    assert res["failed"] and res["msg"].startswith("use_default_credentials:") and fake.writes() == []


def test_server_error_is_one_line(fake, capsys):
    fake.fault("/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk",
               ("status", 403, None, {"message": "You are not authorized!",
                                      "error": {"message": "You are not authorized!", "details": None}}))
    res, out = settings(fake, capsys, from_display_name="X")
    assert res["failed"] and "HTTP 403: You are not authorized!" in res["msg"] and "Traceback" not in out


def test_persistent_503_gives_up_and_changes_nothing(fake, capsys):
    fake.fault("/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk", *[("status", 503)] * 5)
    res, dummy = settings(fake, capsys, from_display_name="X", retries=2)
    assert res["failed"] and "failed after 3 attempts: HTTP 503" in res["msg"]
    assert fake.classic["Abp.Net.Mail.DefaultFromDisplayName"] == ""


def test_token_expiring_mid_run_is_recovered(fake, capsys):
    fake.fault("/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk", ("expire",))
    res, dummy = settings(fake, capsys, from_display_name="X")
    assert res["changed"] and fake.classic["Abp.Net.Mail.DefaultFromDisplayName"] == "X"
    assert len(fake.calls("POST", "/api/Account/Authenticate")) == 2


def test_scope_host_logs_in_to_host(fake, capsys):
    res, dummy = settings(fake, capsys, scope="host", orchestrator_password="host-pw", from_display_name="X")
    assert res["scope"] == "host"
    assert fake.calls("POST", "/api/Account/Authenticate")[0][2]["tenancyName"] == "Host"


def test_server_echoing_the_password_is_scrubbed(fake, capsys):
    fake.fault("/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk",
               ("status", 400, None, {"message": "bad password %s" % SMTP_PW}))
    res, out = settings(fake, capsys, **GMAIL)
    assert res["failed"] and SMTP_PW not in out


def test_auto_detects_classic(fake, capsys):
    res, dummy = settings(fake, capsys, api="auto", from_display_name="X")
    assert res["api"] == "classic" and res["changed"]


def test_info(fake, capsys):
    settings(fake, capsys, **GMAIL)
    res, out = run(orchestrator_mail_info, dict(CONN, orchestrator_url=fake.url), capsys)
    assert res["changed"] is False and res["api"] == "classic" and res["settings"]["password"] == "********"
    assert res["settings"]["port"] == 587 and res["settings"]["enable_ssl"] is True
    assert SMTP_PW not in out and MASK not in out


# --- Identity
def id_args(fake, **kw):
    args = {"orchestrator_url": fake.url, "client_id": "ansible", "client_secret": "client-secret-value",
            "retry_delay": 0.0}
    args.update(kw)
    return args


def test_identity_org_changed_then_ok(fake_id, capsys):
    params = dict(GMAIL, connection_timeout=60000, update_password="on_create")
    params.pop("enable_alerts")
    res, out = run(orchestrator_mail_settings, id_args(fake_id, organization_id=ORG, **params), capsys)
    assert res["changed"] and res["api"] == "identity" and res["scope"] == "organization"
    put = fake_id.calls("PUT", "/identity/api/Setting")[0][2]
    assert put["partitionGlobalId"] == ORG
    assert {"key": "Email.Smtp.ConnectionTimeout", "value": "60000"} in put["settings"]
    assert fake_id.id_settings[ORG]["Email.Smtp.Password"] == SMTP_PW and SMTP_PW not in out
    res, dummy = run(orchestrator_mail_settings, id_args(fake_id, organization_id=ORG, **params), capsys)
    assert res["changed"] is False and len(fake_id.calls("PUT")) == 1
    # a later single change still carries Host, Port and FromEmail
    res, dummy = run(orchestrator_mail_settings, id_args(fake_id, organization_id=ORG, from_display_name="New"), capsys)
    keys = [i["key"] for i in fake_id.calls("PUT")[-1][2]["settings"]]
    assert res["changed_fields"] == ["from_display_name"]
    assert sorted(keys) == ["Email.Smtp.FromDisplayName", "Email.Smtp.FromEmail", "Email.Smtp.Host",
                            "Email.Smtp.Port"]


def test_identity_host_scope_omits_partition(fake_id, capsys):
    args = id_args(fake_id, scope="host", host="relay.example.local", port=25, from_address="orch@example.local",
                   use_default_credentials=True, enable_alerts=True)
    res, dummy = run(orchestrator_mail_settings, args, capsys)
    assert res["changed"] and res["scope"] == "host"
    assert "partitionGlobalId" not in fake_id.calls("PUT")[0][2]
    # "Enable email alerts" stays an Orchestrator tenant setting: written there, in the same task, no warning
    assert res["changed_fields"][0] == "enable_alerts" and not res.get("warnings")
    bulk = [c for c in fake_id.log if c[1].endswith("UpdateBulk")]
    assert bulk[-1][2] == {"settings": [{"Name": "Alerts.Email.Enabled", "Value": "true"}]}


def test_identity_tenant_without_org_fails_clearly(fake_id, capsys):
    res, dummy = run(orchestrator_mail_settings, id_args(fake_id, from_display_name="X"), capsys)
    assert res["failed"] and res["msg"].startswith("organization_id:") and fake_id.calls("PUT") == []


def test_identity_bad_client_secret(fake_id, capsys):
    res, out = run(orchestrator_mail_settings, id_args(fake_id, client_secret="wrong-secret-xyz", organization_id=ORG,
                                                       from_display_name="X"), capsys)
    assert res["failed"] and "invalid_client: bad secret" in res["msg"] and "wrong-secret-xyz" not in out


def test_classic_connection_timeout_after_auto_detection(fake, capsys):
    res, dummy = settings(fake, capsys, api="auto", connection_timeout=1000)
    assert res["failed"] and res["msg"].startswith("connection_timeout:") and fake.writes() == []


# --- test mail
def test_mail_test_accepted(fake, capsys):
    args = dict(CONN, orchestrator_url=fake.url, api="classic", recipient="ops@example.com", **GMAIL)
    args.pop("enable_alerts")
    res, out = run(orchestrator_mail_test, args, capsys)
    assert res == {**res, "changed": False, "accepted": True, "recipient": "ops@example.com", "api": "classic"}
    body = fake.calls("POST", "/odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting")[0][2]
    assert body["sendTo"] == "ops@example.com"
    assert body["smtpSettingModel"]["Port"] == 587 and body["smtpSettingModel"]["EnableSsl"] is True
    assert body["smtpSettingModel"]["Password"] == SMTP_PW and SMTP_PW not in out


def test_mail_test_fails_with_smtp_text(fake, capsys):
    fake.verify_error = "Failure sending mail. 535 5.7.8 Authentication credentials invalid"
    args = dict(CONN, orchestrator_url=fake.url, api="classic", recipient="ops@example.com", host="smtp.example.com",
                use_default_credentials=True)
    res, dummy = run(orchestrator_mail_test, args, capsys)
    assert res["failed"] and res["changed"] is False
    assert res["msg"] == ("test mail to ops@example.com was not accepted: Failure sending mail. 535 5.7.8 "
                          "Authentication credentials invalid")


def test_mail_test_needs_password(fake, capsys):
    args = dict(CONN, orchestrator_url=fake.url, api="classic", recipient="ops@example.com",
                use_default_credentials=False, username="a@example.com", from_address="a@example.com")
    res, dummy = run(orchestrator_mail_test, args, capsys)
    assert res["failed"] and res["msg"].startswith("password:")


def test_mail_test_bad_recipient(fake, capsys):
    res, dummy = run(orchestrator_mail_test, dict(CONN, orchestrator_url=fake.url, recipient="nobody"), capsys)
    # one name for the test recipient in every module: test_recipient (recipient is its alias)
    assert res["failed"] and res["msg"].startswith("test_recipient:") and fake.log == []


def test_mail_test_check_mode_sends_nothing(fake, capsys):
    args = dict(CONN, orchestrator_url=fake.url, api="classic", recipient="ops@example.com",
                host="smtp.example.com", use_default_credentials=True)
    res, dummy = run(orchestrator_mail_test, args, capsys, check=True)
    verify = "/odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting"
    assert res["accepted"] is False and not fake.calls("POST", verify)

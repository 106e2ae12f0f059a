"""Identity PUT/DELETE/VerifySmtpSettings shapes, classic DeleteBulk, the tenant alerts toggle on 2021.10+,
rate limits and 409 Conflict injection."""
import subprocess
import sys

import pytest
import requests

from orch_emu_helpers import BULK, MASK, ORG_ID, bearer, client_token, login, put_settings, token, with_trio
from tests.support.lab_paths import DEFAULT_SEED, REPO_ROOT
from tests.support.orchestrator_emulator import start_orchestrator

DELETE_BULK = "/odata/Settings/UiPath.Server.Configuration.OData.DeleteBulk"
SETTING = "/identity/api/Setting"
VERIFY = SETTING + "/VerifySmtpSettings"


# -- Identity PUT / DELETE ---------------------------------------------------------------------------------
def test_identity_put_answers_written_rows(emu23):
    h = token(emu23)
    r = put_settings(emu23, h, with_trio({"Email.Smtp.Host": "smtp.example.local", "Email.Smtp.Password": "pw"}),
             partition=ORG_ID)
    assert r.status_code == 200
    rows = r.json()
    assert isinstance(rows, list) and [row["key"] for row in rows] == [
        "Email.Smtp.Host", "Email.Smtp.Port", "Email.Smtp.FromEmail", "Email.Smtp.Password"]
    for row in rows:
        assert set(row) == {"id", "key", "value", "partitionGlobalId", "userId"}
        assert isinstance(row["id"], int) and row["partitionGlobalId"] == ORG_ID and row["userId"] is None
    assert rows[0]["value"] == "smtp.example.local" and rows[3]["value"] == MASK


def test_identity_delete_204_then_404_and_host_value_applies_again(emu23):
    h = token(emu23)
    assert put_settings(emu23, h, with_trio(**{"Email.Smtp.Host": "host.smtp"})).status_code == 200
    row = put_settings(emu23, h, with_trio(**{"Email.Smtp.Host": "org.smtp"}), partition=ORG_ID).json()[0]
    r = requests.delete(emu23.url + SETTING + "/%d" % row["id"], headers=h, timeout=10)
    assert r.status_code == 204 and r.content == b""
    assert requests.delete(emu23.url + SETTING + "/%d" % row["id"], headers=h, timeout=10).status_code == 404
    assert requests.delete(emu23.url + SETTING + "/999999", headers=h, timeout=10).status_code == 404
    assert emu23.control.identity_settings(ORG_ID)["effective"]["Email.Smtp.Host"] == "host.smtp"
    ro = token(emu23, client="ansible-readonly", secret="emulator-readonly-secret", scope=None)
    other = put_settings(emu23, h, with_trio(**{"Email.Smtp.Port": "2525"})).json()[1]
    assert requests.delete(emu23.url + SETTING + "/%d" % other["id"], headers=ro, timeout=10).status_code == 403


# -- VerifySmtpSettings ------------------------------------------------------------------------------------
def _smtp(smtp_port, **over):
    s = {"host": "127.0.0.1", "port": smtp_port, "userName": "", "password": "", "domain": "", "enableSsl": False,
         "useDefaultCredentials": False, "fromAddress": "orch@example.local", "fromDisplayName": "Orch"}
    s.update(over)
    return s


def test_verify_rejects_classic_shape_like_model_validation(emu23, smtp_factory):
    sink = smtp_factory()
    r = requests.post(emu23.url + VERIFY, headers=token(emu23), timeout=10, json={
        "sendTo": "ops@example.local", "smtpSettingModel": {"Host": "127.0.0.1", "Port": sink.port,
                                                             "DefaultFromAddress": "orch@example.local"}})
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["title"] == "One or more validation errors occurred." and body["status"] == 400
    assert body["errors"] == {"Recipient": ["The Recipient field is required."]}
    assert "type" in body
    assert sink.messages == []


def test_verify_full_command_sends_posted_settings(emu23, smtp_factory):
    sink = smtp_factory(users={"mailer": "s3cret"})
    r = requests.post(emu23.url + VERIFY, headers=token(emu23), timeout=20, json={
        "recipient": "ops@example.local", "smtpSettings": _smtp(sink.port, userName="mailer", password="s3cret")})
    assert r.status_code == 200 and r.content == b"", r.text
    assert sink.auth_attempts == [("LOGIN", "mailer")]
    assert sink.messages[0]["rcpt_tos"] == ["ops@example.local"]
    assert sink.messages[0]["mail_from"] == "orch@example.local"
    assert emu23.control.identity_settings("")["stored"] == {}  # nothing saved


def test_verify_binding_is_case_insensitive(emu23, smtp_factory):
    sink = smtp_factory()
    smtp = {k[0].upper() + k[1:]: v for k, v in _smtp(sink.port).items()}
    r = requests.post(emu23.url + VERIFY, headers=token(emu23), timeout=20,
                      json={"Recipient": "ops@example.local", "SmtpSettings": smtp})
    assert r.status_code == 200, r.text
    assert len(sink.messages) == 1


@pytest.mark.parametrize("field,value", [("port", "587"), ("enableSsl", "true"), ("host", 5)])
def test_verify_wrong_json_types_are_400(emu23, smtp_factory, field, value):
    sink = smtp_factory()
    r = requests.post(emu23.url + VERIFY, headers=token(emu23), timeout=10,
                      json={"recipient": "ops@example.local", "smtpSettings": _smtp(sink.port, **{field: value})})
    assert r.status_code == 400
    assert list(r.json()["errors"]) == ["$.smtpSettings." + field]
    assert sink.messages == []


def test_verify_bad_recipient_and_injection(emu23, smtp_factory):
    sink = smtp_factory()
    r = requests.post(emu23.url + VERIFY, headers=token(emu23), timeout=10,
                      json={"recipient": "not-an-address", "smtpSettings": _smtp(sink.port)})
    assert r.status_code == 400 and "Recipient" in r.json()["errors"]
    r = requests.post(emu23.url + VERIFY, headers=token(emu23), timeout=10, json={
        "recipient": "ops@example.local", "smtpSettings": _smtp(sink.port, fromDisplayName="X\r\nBcc: a@b.c")})
    assert r.status_code == 400 and "SmtpSettings" in r.json()["errors"]
    assert sink.messages == []


def test_verify_partition_from_token_claim_or_url(test_ca, smtp_factory):
    host_sink, org_sink = smtp_factory(), smtp_factory()
    common = {"Email.Smtp.Host": "127.0.0.1", "Email.Smtp.FromEmail": "orch@example.local"}
    for prt in ("yes", "no"):
        with start_orchestrator("--smtp-timeout", "5", profile="2023.10", client_token_prt_id=prt) as emu:
            h = token(emu)
            assert put_settings(emu, h, dict(common, **{"Email.Smtp.Port": str(host_sink.port)})).ok
            assert put_settings(emu, h, dict(common, **{"Email.Smtp.Port": str(org_sink.port)}),
                        partition=ORG_ID).ok
            # /identity: the token's prt_id (if any) decides; without it the host settings are used
            assert requests.post(emu.url + VERIFY, headers=h, timeout=20,
                                 json={"recipient": "a-%s@example.local" % prt}).status_code == 200
            # /{org}/identity_: the organization of the URL when the token has no claim
            assert requests.post(emu.url + "/Default/identity_/api/Setting/VerifySmtpSettings", headers=h,
                                 timeout=20, json={"recipient": "b-%s@example.local" % prt}).status_code == 200
    assert [m["rcpt_tos"][0] for m in org_sink.messages] == ["a-yes@example.local", "b-yes@example.local",
                                                              "b-no@example.local"]
    assert [m["rcpt_tos"][0] for m in host_sink.messages] == ["a-no@example.local"]


# -- classic DeleteBulk ------------------------------------------------------------------------------------
def _bulk(emu, h, pairs, url=None):
    return requests.post((url or emu.url) + BULK, headers=h, timeout=10,
                         json={"settings": [{"Name": k, "Value": v} for k, v in pairs.items()]})


def test_delete_bulk_reverts_to_host_and_defaults(emu23):
    host, tenant = login(emu23.url, tenant="Host"), login(emu23.url)
    assert _bulk(emu23, host, {"Abp.Net.Mail.Smtp.Host": "host.smtp"}).status_code == 200
    assert _bulk(emu23, tenant, {"Abp.Net.Mail.Smtp.Host": "tenant.smtp", "Abp.Net.Mail.Smtp.Port": "587",
                                 "Alerts.Email.Enabled": "true"}).status_code == 200
    r = requests.post(emu23.url + DELETE_BULK, headers=tenant, timeout=10,
                      json={"settingNames": ["Abp.Net.Mail.Smtp.Host", "Abp.Net.Mail.Smtp.Port", "No.Such.Key"]})
    assert r.status_code == 200 and r.content == b""
    st = emu23.control.settings("Default")
    assert st["stored"] == {"Alerts.Email.Enabled": "true"}
    assert st["effective"]["Abp.Net.Mail.Smtp.Host"] == "host.smtp"  # the host value applies again
    assert st["effective"]["Abp.Net.Mail.Smtp.Port"] == "25"  # ABP default
    assert emu23.control.settings("Host")["stored"] == {"Abp.Net.Mail.Smtp.Host": "host.smtp"}
    log = [e for e in emu23.control.requests() if e["endpoint"] == "classic.settings.delete_bulk"]
    assert log[0]["written_keys"] == ["Abp.Net.Mail.Smtp.Host", "Abp.Net.Mail.Smtp.Port"]


def test_delete_bulk_permissions_and_validation(emu23):
    body = {"settingNames": ["Abp.Net.Mail.Smtp.Host"]}
    assert requests.post(emu23.url + DELETE_BULK, json=body, timeout=10).status_code == 401
    viewer = login(emu23.url, user="viewer")
    assert requests.post(emu23.url + DELETE_BULK, json=body, headers=viewer, timeout=10).status_code == 403
    ro = token(emu23, client="ansible-readonly", secret="emulator-readonly-secret", scope=None)
    assert requests.post(emu23.url + DELETE_BULK, json=body, headers=ro, timeout=10).status_code == 403
    write = token(emu23, scope="OR.Settings.Write")
    assert requests.post(emu23.url + DELETE_BULK, json=body, headers=write, timeout=10).status_code == 200
    r = requests.post(emu23.url + DELETE_BULK, json={"names": ["x"]}, headers=login(emu23.url), timeout=10)
    assert r.status_code == 400 and r.json()["error"]["validationErrors"]


def test_delete_bulk_needs_settings_delete_permission(tmp_path):
    import json
    seed = json.loads(DEFAULT_SEED.read_text())
    seed["tenants"]["Default"]["users"]["editor"] = {"password": "pw", "permissions": ["Settings.View",
                                                                                        "Settings.Edit"]}
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    with start_orchestrator(profile="2023.10", seed=tmp_path / "seed.json") as emu:
        h = login(emu.url, user="editor", password="pw")
        assert _bulk(emu, h, {"Abp.Net.Mail.Smtp.Host": "x"}).status_code == 200
        r = requests.post(emu.url + DELETE_BULK, json={"settingNames": ["Abp.Net.Mail.Smtp.Host"]}, headers=h,
                          timeout=10)
        assert r.status_code == 403 and r.json()["message"] == "You are not authorized!"
        assert emu.control.settings("Default")["stored"] == {"Abp.Net.Mail.Smtp.Host": "x"}


def test_delete_bulk_only_from_api_v15(emu, emu21):
    # 2020.10 and 2021.10 predate DeleteBulk (Web API v15, 2022.10)
    for e in (emu, emu21):
        r = requests.post(e.url + DELETE_BULK, json={"settingNames": ["Abp.Net.Mail.Smtp.Host"]},
                          headers=login(e.url), timeout=10)
        assert r.status_code == 404
    assert emu.control.config()["api_version"] == 11
    with start_orchestrator("--api-version", "15") as newer:  # override for a 2020.10 layout
        r = requests.post(newer.url + DELETE_BULK, json={"settingNames": ["Abp.Net.Mail.Smtp.Host"]},
                          headers=login(newer.url), timeout=10)
        assert r.status_code == 200


def test_delete_bulk_under_cloud_tenant_prefix(emu_cloud):
    h = bearer(client_token(emu_cloud.url, prefix="/Default/identity_").json()["access_token"])
    orch = emu_cloud.orchestrator_url()
    assert _bulk(emu_cloud, h, {"Alerts.Email.Enabled": "true"}, url=orch).status_code == 200
    r = requests.post(orch + DELETE_BULK, json={"settingNames": ["Alerts.Email.Enabled"]}, headers=h, timeout=10)
    assert r.status_code == 200
    assert emu_cloud.control.settings("Default")["stored"] == {}


# -- tenant alerts toggle on Identity-era profiles ---------------------------------------------------------
@pytest.mark.parametrize("profile", ["2021.10", "2022.10", "2023.4"])
def test_alerts_toggle_is_a_classic_tenant_setting(test_ca, profile):
    with start_orchestrator(profile=profile) as emu:
        flt = {"$filter": "Name eq 'Alerts.Email.Enabled'"}
        tenant = login(emu.url)
        r = requests.get(emu.url + "/odata/Settings", params=flt, headers=tenant, timeout=10)
        assert r.status_code == 200 and r.json()["value"] == [
            {"Name": "Alerts.Email.Enabled", "Value": "false", "Scope": None, "Id": "Alerts.Email.Enabled"}]
        assert _bulk(emu, tenant, {"Alerts.Email.Enabled": "true"}).status_code == 200
        app = token(emu, scope="OR.Settings")  # external application token, tenant from the header
        h = dict(app, **{"X-UIPATH-TenantName": "Default"})
        r = requests.get(emu.url + "/odata/Settings", params=flt, headers=h, timeout=10)
        assert r.json()["value"][0]["Value"] == "true"
        assert _bulk(emu, h, {"Alerts.Email.Enabled": "false"}).status_code == 200
        assert emu.control.settings("Default")["stored"] == {"Alerts.Email.Enabled": "false"}
        assert _bulk(emu, h, {"Alerts.Email.Enabled": "yes"}).status_code == 400
        # the tenant's ROPC token still cannot use the Identity API (only Host users may)
        assert put_settings(emu, tenant, {"Email.Smtp.Host": "x"}).status_code == 403


# -- rate limits -------------------------------------------------------------------------------------------
def test_rate_limit_per_organization(test_ca):
    with start_orchestrator(profile="cloud", rate_limit={"window": 60, "get": 3, "write": 2}) as emu:
        h = bearer(client_token(emu.url, prefix="/Default/identity_").json()["access_token"])
        ident = emu.identity_url()
        params = [("key", "Email.Smtp.Host"), ("partitionGlobalId", ORG_ID)]
        codes = [requests.get(ident + "/api/Setting", params=params, headers=h, timeout=10).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        codes = [put_settings(emu, h, with_trio(**{"Email.Smtp.Host": "h%d" % i}), partition=ORG_ID,
                              prefix="/Default/identity_").status_code for i in range(3)]
        assert codes == [200, 200, 429]
        assert emu.control.identity_settings(ORG_ID)["stored"]["Email.Smtp.Host"] == "h1"  # 429 wrote nothing
        r = requests.get(ident + "/api/Setting", params=params, headers=h, timeout=10)
        assert r.status_code == 429 and r.json()["status"] == 429 and "Retry-After" not in r.headers
        # the classic API is not limited
        assert requests.get(emu.orchestrator_url() + "/odata/Settings", headers=h, timeout=10).status_code == 200
        emu.control.advance_rate_limit_clock(61)  # the window passes
        assert requests.get(ident + "/api/Setting", params=params, headers=h, timeout=10).status_code == 200
        emu.control.reset()  # counters are reset too
        h = bearer(client_token(emu.url, prefix="/Default/identity_").json()["access_token"])
        assert [put_settings(emu, h, with_trio(), partition=ORG_ID, prefix="/Default/identity_").status_code
                for _ in range(2)] == [200, 200]


def test_rate_limit_off_by_default_and_retry_after_option(emu_cloud, test_ca):
    h = bearer(client_token(emu_cloud.url, prefix="/Default/identity_").json()["access_token"])
    params = [("key", "Email.Smtp.Host"), ("partitionGlobalId", ORG_ID)]
    assert all(requests.get(emu_cloud.identity_url() + "/api/Setting", params=params, headers=h,
                            timeout=10).status_code == 200 for _ in range(20))
    assert emu_cloud.control.config()["rate_limits"] is None
    with start_orchestrator(profile="2023.10", rate_limit={"get": 1, "retry_after": 7}) as emu:
        cfg = emu.control.config()["rate_limits"]
        assert cfg == {"window": 300.0, "GET": 1, "WRITE": 160, "POST": 24000, "retry_after": 7}
        h = token(emu)
        assert requests.get(emu.url + SETTING, params={"key": "k"}, headers=h, timeout=10).status_code == 200
        r = requests.get(emu.url + SETTING, params={"key": "k"}, headers=h, timeout=10)
        assert r.status_code == 429 and r.headers["Retry-After"] == "7"


# -- 409 Conflict injection --------------------------------------------------------------------------------
def test_conflict_fault_via_control_api(emu23):
    h = token(emu23)
    f = emu23.control.add_conflict(times=1)
    assert f["action"] == "conflict" and f["status"] == 409
    r = put_settings(emu23, h, with_trio())
    assert r.status_code == 409 and r.json()["title"] == "Conflict"
    assert emu23.control.identity_settings("")["stored"] == {}
    assert put_settings(emu23, h, with_trio()).status_code == 200
    assert [e["status"] for e in emu23.control.requests() if e["endpoint"] == "identity.settings.put"] == [409, 200]


def test_conflict_fault_via_flag_survives_reset(test_ca):
    fault = {"endpoint": "identity.settings.put", "action": "conflict", "times": 1}
    with start_orchestrator(profile="2023.10", faults=[fault]) as emu:
        for _ in range(2):
            h = token(emu)
            assert put_settings(emu, h, with_trio()).status_code == 409
            assert put_settings(emu, h, with_trio()).status_code == 200
            emu.control.reset()


def test_bad_fault_flag_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "emulators.orchestrator", "--port", "0",
                           "--fault", '{"action": "explode"}'], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 2 and "action must be one of" in proc.stderr

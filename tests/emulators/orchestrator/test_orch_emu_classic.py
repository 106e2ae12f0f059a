"""Classic API against the real emulator process."""
import pytest
import requests

from orch_emu_helpers import BULK, MASK, login

MAIL_KEYS = {
    "Abp.Net.Mail.DefaultFromAddress", "Abp.Net.Mail.DefaultFromDisplayName", "Abp.Net.Mail.Smtp.Host",
    "Abp.Net.Mail.Smtp.Port", "Abp.Net.Mail.Smtp.UserName", "Abp.Net.Mail.Smtp.Password",
    "Abp.Net.Mail.Smtp.Domain", "Abp.Net.Mail.Smtp.EnableSsl", "Abp.Net.Mail.Smtp.UseDefaultCredentials",
    "Alerts.Email.Enabled",
}
ENVELOPE_KEYS = {"message", "errorCode", "result", "targetUrl", "success", "error", "unAuthorizedRequest", "__abp"}


def assert_abp_error(resp, status, message=None):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert ENVELOPE_KEYS <= set(body)
    assert body["success"] is False and body["__abp"] is True and body["result"] is None
    assert set(body["error"]) == {"code", "message", "details", "validationErrors"}
    if message:
        assert body["message"] == message and body["error"]["message"] == message
    return body


def settings(emu, headers, **params):
    r = requests.get(emu.url + "/odata/Settings", headers=headers, params=params, timeout=10)
    assert r.status_code == 200, r.text
    return {d["Name"]: d["Value"] for d in r.json()["value"]}


def bulk(emu, headers, items):
    return requests.post(emu.url + BULK, json={"settings": items}, headers=headers, timeout=10)


@pytest.mark.parametrize("body", [
    {"tenancyName": "Default", "usernameOrEmailAddress": "admin", "password": "emulator-admin"},
    {"TenancyName": "default", "UsernameOrEmailAddress": "admin", "Password": "emulator-admin"},
    {"tenancyName": "host", "usernameOrEmailAddress": "admin", "password": "emulator-admin"},
    {"tenancyName": "HOST", "usernameOrEmailAddress": "viewer", "password": "emulator-viewer"},
])
def test_authenticate_success_envelope(emu, body):
    r = requests.post(emu.url + "/api/Account/Authenticate", json=body, timeout=10)
    assert r.status_code == 200
    data = r.json()
    assert set(data) == {"result", "targetUrl", "success", "error", "unAuthorizedRequest", "__abp"}
    assert data["success"] is True and data["error"] is None and data["__abp"] is True
    assert isinstance(data["result"], str) and len(data["result"]) > 20


@pytest.mark.parametrize("body", [
    {"tenancyName": "Nope", "usernameOrEmailAddress": "admin", "password": "emulator-admin"},
    {"tenancyName": "Default", "usernameOrEmailAddress": "ghost", "password": "emulator-admin"},
    {"tenancyName": "Default", "usernameOrEmailAddress": "admin", "password": "wrong"},
])
def test_authenticate_failures_are_abp_errors(emu, body):
    r = requests.post(emu.url + "/api/Account/Authenticate", json=body, timeout=10)
    data = assert_abp_error(r, 400)
    assert data["errorCode"] == 1000
    assert "emulator-admin" not in r.text


def test_authenticate_malformed_body(emu):
    r = requests.post(emu.url + "/api/Account/Authenticate", data=b"{not json", timeout=10,
                      headers={"Content-Type": "application/json"})
    assert_abp_error(r, 400)
    r = requests.post(emu.url + "/api/Account/Authenticate", json={"tenancyName": "Default"}, timeout=10)
    body = assert_abp_error(r, 400)
    assert body["error"]["validationErrors"]


def test_list_shape_defaults_and_strings(emu):
    h = login(emu.url)
    r = requests.get(emu.url + "/odata/Settings", headers=h, timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"] == emu.url + "/odata/$metadata#Settings"
    for dto in body["value"]:
        assert set(dto) == {"Name", "Value", "Scope", "Id"}
        assert dto["Id"] == dto["Name"] and dto["Scope"] is None
        assert isinstance(dto["Value"], str)
    values = {d["Name"]: d["Value"] for d in body["value"]}
    assert MAIL_KEYS <= set(values)
    assert values["Abp.Net.Mail.Smtp.Host"] == "127.0.0.1"
    assert values["Abp.Net.Mail.Smtp.Port"] == "25"
    assert values["Abp.Net.Mail.Smtp.UseDefaultCredentials"] == "true"
    assert values["Abp.Net.Mail.Smtp.EnableSsl"] == "false"
    assert values["Alerts.Email.Enabled"] == "false"
    assert values["Abp.Net.Mail.Smtp.Password"] == ""


def test_no_token_bad_token_expired_token_401(emu):
    r = requests.get(emu.url + "/odata/Settings", timeout=10)
    body = assert_abp_error(r, 401, "You are not authenticated!")
    assert body["errorCode"] == 0
    r = requests.get(emu.url + "/odata/Settings", headers={"Authorization": "Bearer garbage"}, timeout=10)
    assert_abp_error(r, 401, "You are not authenticated!")
    h = login(emu.url)
    assert requests.get(emu.url + "/odata/Settings", headers=h, timeout=10).status_code == 200
    emu.control.expire_tokens()
    assert_abp_error(requests.get(emu.url + "/odata/Settings", headers=h, timeout=10), 401)
    assert_abp_error(bulk(emu, h, [{"Name": "Abp.Net.Mail.Smtp.Host", "Value": "x"}]), 401)
    assert emu.control.settings("Default")["stored"] == {}


def test_token_ttl_expiry():
    import time
    from tests.support.orchestrator_emulator import start_orchestrator
    with start_orchestrator("--token-ttl", "0.6") as short:
        h = login(short.url)
        assert requests.get(short.url + "/odata/Settings", headers=h, timeout=10).status_code == 200
        time.sleep(0.8)
        assert_abp_error(requests.get(short.url + "/odata/Settings", headers=h, timeout=10), 401)


def test_filter_startswith_or_eq(emu):
    h = login(emu.url)
    vals = settings(emu, h, **{"$filter": "startswith(Name,'Abp.Net.Mail') or Name eq 'Alerts.Email.Enabled'"})
    assert set(vals) == MAIL_KEYS
    vals = settings(emu, h, **{"$filter": "Name eq 'Abp.Net.Mail.Smtp.Port'"})
    assert vals == {"Abp.Net.Mail.Smtp.Port": "25"}
    vals = settings(emu, h, **{"$filter": "startswith(Name,'Abp.Net.Mail.Smtp') and Value eq 'false'"})
    assert vals == {"Abp.Net.Mail.Smtp.EnableSsl": "false"}
    vals = settings(emu, h, **{"$filter": "(Name eq 'x' or Name eq 'Alerts.Email.Enabled') and not (Value eq 'true')"})
    assert vals == {"Alerts.Email.Enabled": "false"}


@pytest.mark.parametrize("flt", ["startswith(Name,", "Name eq", "Foo eq 'x'", "Name eq 'a' oops", "Name eq 5"])
def test_bad_filter_is_400_envelope(emu, flt):
    h = login(emu.url)
    r = requests.get(emu.url + "/odata/Settings", headers=h, params={"$filter": flt}, timeout=10)
    body = assert_abp_error(r, 400)
    assert body["errorCode"] == 1000


def test_top_skip_select_count_orderby(emu):
    h = login(emu.url)
    r = requests.get(emu.url + "/odata/Settings", headers=h, timeout=10,
                     params={"$select": "Name,Value", "$orderby": "Name desc", "$top": "2", "$skip": "1",
                             "$count": "true"})
    body = r.json()
    names = sorted((d["Name"] for d in requests.get(emu.url + "/odata/Settings", headers=h,
                                                    timeout=10).json()["value"]), reverse=True)
    assert [d["Name"] for d in body["value"]] == names[1:3]
    assert all(set(d) == {"Name", "Value"} for d in body["value"])
    assert body["@odata.count"] == len(names)
    assert body["@odata.context"].endswith("#Settings(Name,Value)")
    assert requests.get(emu.url + "/odata/Settings", headers=h, params={"$top": "1001"}, timeout=10).status_code == 400
    assert requests.get(emu.url + "/odata/Settings", headers=h, params={"$select": "Nope"}, timeout=10).status_code == 400


def test_get_by_key_and_404(emu):
    h = login(emu.url)
    r = requests.get(emu.url + "/odata/Settings('Abp.Net.Mail.Smtp.Port')", headers=h, timeout=10)
    assert r.status_code == 200
    assert r.json() == {"@odata.context": emu.url + "/odata/$metadata#Edm.String", "value": "25"}
    r = requests.get(emu.url + "/odata/Settings('No.Such.Key')", headers=h, timeout=10)
    assert_abp_error(r, 404)


def test_put_single_setting(emu):
    h = login(emu.url)
    r = requests.put(emu.url + "/odata/Settings('Abp.Net.Mail.Smtp.Host')", headers=h, timeout=10,
                     json={"Name": "Abp.Net.Mail.Smtp.Host", "Value": "smtp.example.local"})
    assert r.status_code == 200, r.text
    assert r.json()["Value"] == "smtp.example.local"
    assert settings(emu, h)["Abp.Net.Mail.Smtp.Host"] == "smtp.example.local"
    r = requests.put(emu.url + "/odata/Settings('Abp.Net.Mail.Smtp.Port')", headers=h, timeout=10,
                     json={"Name": "Abp.Net.Mail.Smtp.Port", "Value": "99999"})
    assert_abp_error(r, 400)
    assert emu.control.writes() == 2


def test_update_bulk_partial_upsert_ignores_scope_id(emu):
    h = login(emu.url)
    r = bulk(emu, h, [{"Name": "Abp.Net.Mail.Smtp.Domain", "Value": "CORP", "Scope": "Tenant", "Id": "zzz"}])
    assert r.status_code == 200 and r.content == b""
    vals = settings(emu, h)
    assert vals["Abp.Net.Mail.Smtp.Domain"] == "CORP"
    assert vals["Abp.Net.Mail.Smtp.Host"] == "127.0.0.1"  # untouched
    r = bulk(emu, h, [{"Name": "Abp.Net.Mail.Smtp.Domain", "Value": "CORP2"}, {"Name": "Custom.Key", "Value": "v"}])
    assert r.status_code == 200
    stored = emu.control.settings("Default")["stored"]
    assert stored == {"Abp.Net.Mail.Smtp.Domain": "CORP2", "Custom.Key": "v"}
    log = emu.control.requests()
    assert log[-1]["written_keys"] == ["Abp.Net.Mail.Smtp.Domain", "Custom.Key"]


def test_password_masked_and_mask_write_back_rejected(emu):
    h = login(emu.url)
    assert bulk(emu, h, [{"Name": "Abp.Net.Mail.Smtp.Password", "Value": "s3cr3t!"}]).status_code == 200
    assert settings(emu, h)["Abp.Net.Mail.Smtp.Password"] == MASK
    assert emu.control.settings("Default")["stored"]["Abp.Net.Mail.Smtp.Password"] == "s3cr3t!"
    r = bulk(emu, h, [{"Name": "Abp.Net.Mail.Smtp.Host", "Value": "new.host"},
                      {"Name": "Abp.Net.Mail.Smtp.Password", "Value": MASK}])
    body = assert_abp_error(r, 400)
    assert body["error"]["validationErrors"][0]["members"] == ["Abp.Net.Mail.Smtp.Password"]
    stored = emu.control.settings("Default")["stored"]
    assert stored["Abp.Net.Mail.Smtp.Password"] == "s3cr3t!"
    assert "Abp.Net.Mail.Smtp.Host" not in stored  # all-or-nothing
    assert "s3cr3t" not in str(emu.control.requests())


@pytest.mark.parametrize("payload,member", [
    ({"settings": [{"Name": "Abp.Net.Mail.Smtp.Port", "Value": "abc"}]}, "Abp.Net.Mail.Smtp.Port"),
    ({"settings": [{"Name": "Abp.Net.Mail.Smtp.Port", "Value": "0"}]}, "Abp.Net.Mail.Smtp.Port"),
    ({"settings": [{"Name": "Abp.Net.Mail.Smtp.EnableSsl", "Value": "yes"}]}, "Abp.Net.Mail.Smtp.EnableSsl"),
    ({"settings": [{"Name": "Alerts.Email.Enabled", "Value": True}]}, "Alerts.Email.Enabled"),
    ({"settings": [{"Value": "x"}]}, "settings[0].Name"),
    ({"settings": "nope"}, "settings"),
    ({}, "settings"),
])
def test_update_bulk_malformed_400_validation_errors(emu, payload, member):
    h = login(emu.url)
    r = requests.post(emu.url + BULK, json=payload, headers=h, timeout=10)
    body = assert_abp_error(r, 400)
    errs = body["error"]["validationErrors"]
    assert errs and all(set(e) == {"message", "members"} for e in errs)
    assert member in errs[0]["members"]
    assert emu.control.settings("Default")["stored"] == {}


def test_update_bulk_all_or_nothing(emu):
    h = login(emu.url)
    r = bulk(emu, h, [{"Name": "Abp.Net.Mail.Smtp.Host", "Value": "ok.host"},
                      {"Name": "Abp.Net.Mail.Smtp.Port", "Value": "587"},
                      {"Name": "Abp.Net.Mail.Smtp.UseDefaultCredentials", "Value": "False"}])
    assert r.status_code == 400
    assert emu.control.settings("Default")["stored"] == {}


def test_update_bulk_not_json(emu):
    h = login(emu.url)
    r = requests.post(emu.url + BULK, data=b"{\"settings\": [", headers=dict(h, **{"Content-Type": "application/json"}),
                      timeout=10)
    assert_abp_error(r, 400)


def test_viewer_can_read_but_not_write(emu):
    h = login(emu.url, user="viewer")
    assert requests.get(emu.url + "/odata/Settings", headers=h, timeout=10).status_code == 200
    r = bulk(emu, h, [{"Name": "Abp.Net.Mail.Smtp.Host", "Value": "x"}])
    assert_abp_error(r, 403, "You are not authorized!")
    r = requests.put(emu.url + "/odata/Settings('Abp.Net.Mail.Smtp.Host')", json={"Value": "x"}, headers=h, timeout=10)
    assert_abp_error(r, 403, "You are not authorized!")
    assert emu.control.settings("Default")["stored"] == {}


def test_host_values_are_fallback_for_tenants(emu):
    host, tenant = login(emu.url, tenant="Host"), login(emu.url)
    assert bulk(emu, host, [{"Name": "Abp.Net.Mail.Smtp.Host", "Value": "host.smtp"},
                            {"Name": "Abp.Net.Mail.Smtp.Port", "Value": "2525"}]).status_code == 200
    vals = settings(emu, tenant)
    assert vals["Abp.Net.Mail.Smtp.Host"] == "host.smtp" and vals["Abp.Net.Mail.Smtp.Port"] == "2525"
    assert bulk(emu, tenant, [{"Name": "Abp.Net.Mail.Smtp.Host", "Value": "tenant.smtp"}]).status_code == 200
    vals = settings(emu, tenant)
    assert vals["Abp.Net.Mail.Smtp.Host"] == "tenant.smtp" and vals["Abp.Net.Mail.Smtp.Port"] == "2525"
    assert settings(emu, host)["Abp.Net.Mail.Smtp.Host"] == "host.smtp"
    assert emu.control.settings("Default")["stored"] == {"Abp.Net.Mail.Smtp.Host": "tenant.smtp"}


def test_tokens_are_tenant_bound(emu):
    h = login(emu.url)
    r = requests.get(emu.url + "/odata/Settings", headers=dict(h, **{"X-UIPATH-TenantName": "Host"}), timeout=10)
    assert_abp_error(r, 401)
    r = requests.get(emu.url + "/odata/Settings", headers=dict(h, **{"X-UIPATH-TenantName": "default"}), timeout=10)
    assert r.status_code == 200
    assert bulk(emu, h, [{"Name": "Abp.Net.Mail.Smtp.Host", "Value": "t.smtp"}]).status_code == 200
    assert emu.control.settings("Host")["stored"] == {}


def test_identity_paths_404_in_2020_profile(emu):
    r = requests.post(emu.url + "/identity/connect/token", data={"grant_type": "client_credentials"}, timeout=10)
    assert r.status_code == 404
    assert requests.get(emu.url + "/identity/api/Setting", timeout=10).status_code == 404
    assert emu.control.counts().get("unknown") == 2

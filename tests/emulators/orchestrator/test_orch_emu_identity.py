"""Identity API on the 2023.10 profile."""
import email
import email.policy

import pytest
import requests

from orch_emu_helpers import MASK, ORG_ID, bearer, client_token, login, put_settings, token, with_trio

SETTING = "/identity/api/Setting"


def get(emu, headers, keys, partition=None, prefix="/identity", **extra):
    params = [("key", k) for k in keys]
    if partition is not None:
        params.append(("partitionGlobalId", partition))
    params += list(extra.items())
    return requests.get(emu.url + prefix + "/api/Setting", params=params, headers=headers, timeout=10)


def test_token_success_shape(emu23):
    r = client_token(emu23.url)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "OR.Settings PM.Setting"
    r = client_token(emu23.url, scope=None)  # no scope -> everything allowed
    assert r.json()["scope"] == "OR.Settings PM.Setting"
    r = client_token(emu23.url, scope="PM.Setting.Read")  # a broad scope grants its .Read half
    assert r.status_code == 200 and r.json()["scope"] == "PM.Setting.Read"


@pytest.mark.parametrize("kw,error", [
    ({"secret": "wrong"}, "invalid_client"),
    ({"client": "nobody"}, "invalid_client"),
    ({"client": "ansible-readonly", "secret": "emulator-readonly-secret", "scope": "PM.Setting"}, "invalid_scope"),
    ({"scope": "OR.Settings PM.Setting OR.Machines"}, "invalid_scope"),
])
def test_token_errors(emu23, kw, error):
    r = client_token(emu23.url, **kw)
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == error and isinstance(body["error_description"], str)
    assert "access_token" not in body


def test_token_bad_grant_and_bad_encoding(emu23):
    r = requests.post(emu23.url + "/identity/connect/token", timeout=10, data={
        "grant_type": "password", "client_id": "ansible", "client_secret": "emulator-secret"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = requests.post(emu23.url + "/identity/connect/token", timeout=10, json={
        "grant_type": "client_credentials", "client_id": "ansible", "client_secret": "emulator-secret"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert "emulator-secret" not in str(emu23.control.requests())


def test_get_without_keys_is_empty_and_item_shape(emu23):
    h = token(emu23)
    r = get(emu23, h, [])
    assert r.status_code == 200 and r.json() == []
    assert put_settings(emu23, h, {"Email.Smtp.Host": "smtp.example.local", "Email.Smtp.Port": "587",
                          "Email.Smtp.FromEmail": "o@example.local", "Email.Smtp.Password": "pw"}).status_code == 200
    r = get(emu23, h, ["Email.Smtp.Host", "Email.Smtp.Port", "Email.Smtp.Password", "Email.Smtp.Domain"])
    items = r.json()
    assert [i["key"] for i in items] == ["Email.Smtp.Host", "Email.Smtp.Port", "Email.Smtp.Password"]
    for i in items:
        assert set(i) == {"id", "key", "value", "partitionGlobalId", "userId"}
        assert isinstance(i["id"], int) and isinstance(i["value"], str)
        assert i["partitionGlobalId"] is None and i["userId"] is None
    assert items[2]["value"] == MASK
    assert emu23.control.identity_settings("")["stored"]["Email.Smtp.Password"] == "pw"


def test_host_and_org_inheritance(emu23):
    h = token(emu23)
    assert put_settings(emu23, h, with_trio({"Email.Smtp.Host": "host.smtp", "Email.Smtp.Port": "25",
                                    "Email.Smtp.Domain": "HOSTDOM"}), partition="").status_code == 200
    assert put_settings(emu23, h, with_trio({"Email.Smtp.Host": "org.smtp", "Email.Smtp.Port": "587"}),
               partition=ORG_ID).status_code == 200
    org = {i["key"]: i for i in get(emu23, h, ["Email.Smtp.Host", "Email.Smtp.Domain"], partition=ORG_ID).json()}
    assert org["Email.Smtp.Host"]["value"] == "org.smtp" and org["Email.Smtp.Host"]["partitionGlobalId"] == ORG_ID
    assert org["Email.Smtp.Domain"]["value"] == "HOSTDOM" and org["Email.Smtp.Domain"]["partitionGlobalId"] is None
    host = {i["key"]: i["value"] for i in get(emu23, h, ["Email.Smtp.Host"]).json()}
    assert host == {"Email.Smtp.Host": "host.smtp"}
    eff = emu23.control.identity_settings(ORG_ID)
    assert eff["stored"] == with_trio({"Email.Smtp.Host": "org.smtp", "Email.Smtp.Port": "587"})
    assert eff["effective"]["Email.Smtp.Domain"] == "HOSTDOM"
    assert eff["effective"]["Email.Smtp.ConnectionTimeout"] == "180000"


def test_pascal_case_put_and_upsert_keeps_id(emu23):
    h = token(emu23)
    body = {"Settings": [{"Key": "Email.Smtp.Host", "Value": "a"}, {"Key": "Email.Smtp.Port", "Value": "25"},
                         {"Key": "Email.Smtp.FromEmail", "Value": "o@example.local"}], "PartitionGlobalId": ""}
    r = requests.put(emu23.url + SETTING, json=body, headers=h, timeout=10)
    assert r.status_code == 200
    first = r.json()[0]["id"]
    body["Settings"][0]["Value"] = "b"
    r = requests.put(emu23.url + SETTING, json=body, headers=h, timeout=10)
    assert r.json()[0]["id"] == first and r.json()[0]["value"] == "b"


@pytest.mark.parametrize("partition", ["not-a-guid", "11111111-2222-4333-8444-555555555555"])
def test_unknown_partition_400(emu23, partition):
    h = token(emu23)
    r = put_settings(emu23, h, {"Email.Smtp.Host": "x"}, partition=partition)
    assert r.status_code == 400
    assert "partitionGlobalId" in r.json()["errors"]
    assert get(emu23, h, ["Email.Smtp.Host"], partition=partition).status_code == 400


def test_validation_mask_and_all_or_nothing(emu23):
    h = token(emu23)
    assert put_settings(emu23, h, with_trio({"Email.Smtp.Password": "pw"})).status_code == 200
    r = put_settings(emu23, h, with_trio({"Email.Smtp.Host": "x", "Email.Smtp.Password": MASK}))
    assert r.status_code == 400 and r.json()["errors"]
    r = put_settings(emu23, h, with_trio({"Email.Smtp.Host": "x", "Email.Smtp.Port": "70000"}))
    assert r.status_code == 400
    r = put_settings(emu23, h, with_trio({"Email.Smtp.ConnectionTimeout": "soon"}))
    assert r.status_code == 400
    assert emu23.control.identity_settings("")["stored"] == with_trio({"Email.Smtp.Password": "pw"})


def test_scopes_enforced(emu23):
    ro = token(emu23, client="ansible-readonly", secret="emulator-readonly-secret", scope=None)
    assert get(emu23, ro, ["Email.Smtp.Host"]).status_code == 200
    assert put_settings(emu23, ro, with_trio({"Email.Smtp.Host": "x"})).status_code == 403
    or_only = token(emu23, scope="OR.Settings")
    assert get(emu23, or_only, ["Email.Smtp.Host"]).status_code == 403
    write_only = token(emu23, scope="PM.Setting.Write")
    assert put_settings(emu23, write_only, with_trio({"Email.Smtp.Host": "x"})).status_code == 200
    assert get(emu23, write_only, ["Email.Smtp.Host"]).status_code == 403
    assert get(emu23, {}, ["Email.Smtp.Host"]).status_code == 401
    emu23.control.expire_tokens()
    assert get(emu23, ro, ["Email.Smtp.Host"]).status_code == 401


def test_ropc_host_admin_allowed_tenant_users_forbidden(emu23):
    assert put_settings(emu23, login(emu23.url, tenant="host"), with_trio(**{"Email.Smtp.Host": "h"})).status_code == 200
    assert put_settings(emu23, login(emu23.url, tenant="Host", user="viewer"), with_trio()).status_code == 403
    assert get(emu23, login(emu23.url, tenant="Host", user="viewer"), ["Email.Smtp.Host"]).status_code == 200
    assert put_settings(emu23, login(emu23.url), with_trio()).status_code == 403
    assert get(emu23, login(emu23.url), ["Email.Smtp.Host"]).status_code == 403
    # client tokens also work on the classic API of the 2023.10 profile (OR.Settings)
    r = requests.get(emu23.url + "/odata/Settings", headers=token(emu23), timeout=10)
    assert r.status_code == 200


def test_as_cloud_path_form(emu23):
    r = client_token(emu23.url, prefix="/default/identity_")
    assert r.status_code == 200
    h = bearer(r.json()["access_token"])
    assert put_settings(emu23, h, with_trio(**{"Email.Smtp.Host": "as.smtp"}), partition=ORG_ID,
               prefix="/Default/identity_").status_code == 200
    items = get(emu23, h, ["Email.Smtp.Host"], partition=ORG_ID, prefix="/Default/identity_").json()
    assert items[0]["value"] == "as.smtp"
    # omitted partition = host level in every path form
    assert get(emu23, h, ["Email.Smtp.Host"], prefix="/Default/identity_").json() == []
    assert get(emu23, h, ["Email.Smtp.Host"], prefix="/NoSuchOrg/identity_").status_code == 404
    counts = emu23.control.counts()
    assert counts["identity.token"] == 1 and counts["identity.settings.put"] == 1


def test_delete(emu23):
    h = token(emu23)
    row = put_settings(emu23, h, with_trio({"Email.Smtp.Domain": "CORP"})).json()[3]
    r = requests.delete(emu23.url + SETTING + "/%d" % row["id"], headers=h, timeout=10)
    assert r.status_code == 204 and r.content == b""  # IdentityServer API description: 204 No Content
    assert get(emu23, h, ["Email.Smtp.Domain"]).json() == []
    assert requests.delete(emu23.url + SETTING + "/%d" % row["id"], headers=h, timeout=10).status_code == 404
    log = emu23.control.requests()
    assert [e["written_keys"] for e in log if e["endpoint"] == "identity.settings.delete"] == [["Email.Smtp.Domain"], None]
    assert emu23.control.writes() == 3


def test_identity_verify_command_shape(emu23, smtp_factory, tls_server_context):
    """VerifySmtpSettingsCommand {recipient, smtpSettings{...}}: only the recipient tests the saved settings; in a
    custom test omitted fields come from the stored settings, but never the password."""
    sink = smtp_factory(tls_context=tls_server_context, users={"u@example.local": "pw"})
    h = token(emu23)
    assert put_settings(emu23, h, {"Email.Smtp.Host": "127.0.0.1", "Email.Smtp.Port": str(sink.port),
                          "Email.Smtp.EnableSsl": "true", "Email.Smtp.UseDefaultCredentials": "false",
                          "Email.Smtp.UserName": "u@example.local", "Email.Smtp.Password": "pw",
                          "Email.Smtp.FromEmail": "u@example.local",
                          "Email.Smtp.FromDisplayName": "Org Mail"}).status_code == 200
    url = emu23.url + SETTING + "/VerifySmtpSettings"
    r = requests.post(url, json={"recipient": "a@example.local"}, headers=h, timeout=20)
    assert r.status_code == 200, r.text
    r = requests.post(url, headers=h, timeout=20, json={"recipient": "b@example.local",
                                                        "smtpSettings": {"fromDisplayName": "Model"}})
    assert r.status_code == 400 and list(r.json()["errors"]) == ["SmtpSettings.Password"]
    r = requests.post(url, headers=h, timeout=20, json={"recipient": "b@example.local",
                                                        "smtpSettings": {"fromDisplayName": "Model",
                                                                         "password": "pw"}})
    assert r.status_code == 200, r.text
    assert [m["rcpt_tos"] for m in sink.messages] == [["a@example.local"], ["b@example.local"]]
    assert all(m["tls"] and m["auth"] for m in sink.messages)
    msg = email.message_from_bytes(sink.messages[1]["content"], policy=email.policy.default)
    assert msg["From"] == "Model <u@example.local>" and msg["Subject"] == "Orchestrator test email"
    r = requests.post(url, headers=h, timeout=20, json={"recipient": "c@example.local",
                                                        "smtpSettings": {"password": "nope"}})
    assert r.status_code == 400 and "535" in r.json()["message"]
    ro = token(emu23, client="ansible-readonly", secret="emulator-readonly-secret", scope=None)
    assert requests.post(url, json={"recipient": "a@example.local"}, headers=ro, timeout=10).status_code == 403
    assert len(sink.messages) == 2

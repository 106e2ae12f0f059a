"""JWT access tokens with prt_id, the portal endpoint and the automation-suite / cloud URL layouts."""
import base64
import json

import pytest
import requests

from orch_emu_helpers import ORG_ID, bearer, client_token, login, with_trio
from tests.support.lab_paths import DEFAULT_SEED
from tests.support.orchestrator_emulator import jwt_claims, start_orchestrator

SETTING = "/api/Setting"
PORTAL_INFO = "/portal_/api/filtering/leftnav/tenantsAndOrganizationInfo"


def _b64json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _put(url, headers, pairs, partition=ORG_ID):
    body = {"settings": [{"key": k, "value": v} for k, v in pairs.items()]}
    if partition is not None:
        body["partitionGlobalId"] = partition
    return requests.put(url + SETTING, json=body, headers=headers, timeout=10)


def _get(url, headers, keys, partition=ORG_ID):
    params = [("key", k) for k in keys]
    if partition is not None:
        params.append(("partitionGlobalId", partition))
    return requests.get(url + SETTING, params=params, headers=headers, timeout=10)


# -- JWT tokens --------------------------------------------------------------------------------------------
def test_ropc_token_is_jwt_with_prt_id_on_identity_profiles(emu23):
    r = requests.post(emu23.url + "/api/Account/Authenticate", timeout=10, json={
        "tenancyName": "Default", "usernameOrEmailAddress": "admin", "password": "emulator-admin"})
    tok = r.json()["result"]
    header, payload, sig = tok.split(".")
    assert _b64json(header)["alg"] == "HS256" and _b64json(header)["typ"] == "JWT"
    claims = _b64json(payload)
    assert claims["prt_id"] == ORG_ID and claims["sub"] == "admin" and claims["tenant"] == "Default"
    assert claims["exp"] > claims["iat"] and sig
    # the Host tenant belongs to no organization in the default seed: no claim
    host = login(emu23.url, tenant="Host")["Authorization"].split()[1]
    assert "prt_id" not in jwt_claims(host)


def test_ropc_token_on_2020_10_is_jwt_without_prt_id(emu):
    tok = login(emu.url)["Authorization"].split()[1]
    claims = jwt_claims(tok)
    assert claims is not None and claims["sub"] == "admin" and "prt_id" not in claims


def test_client_token_prt_id_off_by_default_on_standalone(emu23):
    claims = jwt_claims(client_token(emu23.url).json()["access_token"])
    assert "prt_id" not in claims and claims["client_id"] == "ansible"
    assert claims["scope"] == ["OR.Settings", "PM.Setting"]
    assert emu23.control.config()["client_token_prt_id"] is False


def test_client_token_prt_id_flag(test_ca):
    with start_orchestrator(profile="2023.10", client_token_prt_id="yes") as on, \
            start_orchestrator(profile="cloud", client_token_prt_id=False) as off:
        assert jwt_claims(client_token(on.url).json()["access_token"])["prt_id"] == ORG_ID
        r = client_token(off.url, prefix="/Default/identity_")
        assert r.status_code == 200 and "prt_id" not in jwt_claims(r.json()["access_token"])


def test_tampered_or_foreign_token_is_rejected(emu23):
    tok = client_token(emu23.url).json()["access_token"]
    h, p, s = tok.split(".")
    claims = _b64json(p)
    claims["scope"] = ["PM.Setting", "OR.Settings", "OR.Machines"]
    forged = h + "." + base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode() + "." + s
    assert _get(emu23.url + "/identity", bearer(forged), ["Email.Smtp.Host"]).status_code == 401
    assert _get(emu23.url + "/identity", bearer(tok), ["Email.Smtp.Host"]).status_code == 200
    with start_orchestrator(profile="2023.10") as other:  # another process signs with another key
        assert _get(other.url + "/identity", bearer(tok), ["Email.Smtp.Host"]).status_code == 401


def test_jwt_expiry_and_revocation_still_apply(emu23):
    with start_orchestrator("--token-ttl", "120", profile="2023.10") as other:
        tok = client_token(other.url).json()["access_token"]
        assert jwt_claims(tok)["exp"] - jwt_claims(tok)["iat"] in (120, 121)
        assert client_token(other.url).json()["expires_in"] == 120
    tok = client_token(emu23.url).json()["access_token"]
    ropc = login(emu23.url)
    assert _get(emu23.url + "/identity", bearer(tok), ["Email.Smtp.Host"]).status_code == 200
    emu23.control.expire_tokens()
    assert _get(emu23.url + "/identity", bearer(tok), ["Email.Smtp.Host"]).status_code == 401
    assert requests.get(emu23.url + "/odata/Settings", headers=ropc, timeout=10).status_code == 401
    tok = client_token(emu23.url).json()["access_token"]
    emu23.control.reset()  # tokens are revoked by a reset
    assert _get(emu23.url + "/identity", bearer(tok), ["Email.Smtp.Host"]).status_code == 401


# -- cloud profile -----------------------------------------------------------------------------------------
def test_cloud_layout_end_to_end(emu_cloud):
    ident = emu_cloud.identity_url()
    assert ident == emu_cloud.url + "/Default/identity_"
    r = client_token(emu_cloud.url, prefix="/Default/identity_")
    assert r.status_code == 200
    tok = r.json()["access_token"]
    assert jwt_claims(tok)["prt_id"] == ORG_ID  # auto = yes on cloud
    h = bearer(tok)
    r = _put(ident, h, with_trio({"Email.Smtp.Host": "cloud.smtp", "Email.Smtp.Port": "587"}))
    assert r.status_code == 200
    assert [i["value"] for i in _get(ident, h, ["Email.Smtp.Host"]).json()] == ["cloud.smtp"]
    # Orchestrator per tenant under /{org}/{tenant}/orchestrator_
    orch = emu_cloud.orchestrator_url()
    assert orch == emu_cloud.url + "/Default/Default/orchestrator_"
    r = requests.get(orch + "/odata/Settings", headers=h, timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith("/Default/Default/orchestrator_/odata/$metadata#Settings")
    assert "Alerts.Email.Enabled" in {i["Name"] for i in body["value"]}


def test_cloud_host_level_identity_answers_invalid_partition(emu_cloud):
    tok = client_token(emu_cloud.url, prefix="/Default/identity_").json()["access_token"]
    for r in (_get(emu_cloud.url + "/identity_", bearer(tok), ["Email.Smtp.Host"]),
              _put(emu_cloud.url + "/identity_", bearer(tok), {"Email.Smtp.Host": "x"})):
        assert r.status_code == 400
        assert r.json()["errorCode"] == "InvalidPartition" and r.json()["title"] == "InvalidPartition"
    assert emu_cloud.control.identity_settings(ORG_ID)["stored"] == {}
    # the host-level token endpoint still answers; its token works on the organization-scoped base
    r = client_token(emu_cloud.url, prefix="/identity_")
    assert r.status_code == 200 and jwt_claims(r.json()["access_token"])["prt_id"] == ORG_ID
    assert _get(emu_cloud.identity_url(), bearer(r.json()["access_token"]), ["Email.Smtp.Host"]).status_code == 200


def test_cloud_has_no_root_routes_and_no_ropc(emu_cloud):
    tok = client_token(emu_cloud.url, prefix="/Default/identity_").json()["access_token"]
    assert requests.get(emu_cloud.url + "/odata/Settings", headers=bearer(tok), timeout=10).status_code == 404
    assert _get(emu_cloud.url + "/identity", bearer(tok), ["Email.Smtp.Host"]).status_code == 404
    r = requests.post(emu_cloud.orchestrator_url() + "/api/Account/Authenticate", timeout=10, json={
        "tenancyName": "Default", "usernameOrEmailAddress": "admin", "password": "emulator-admin"})
    assert r.status_code == 404
    assert requests.get(emu_cloud.url + "/Default/NoSuchTenant/orchestrator_/odata/Settings", headers=bearer(tok),
                        timeout=10).status_code == 404
    assert requests.get(emu_cloud.url + "/NoSuchOrg/Default/orchestrator_/odata/Settings", headers=bearer(tok),
                        timeout=10).status_code == 404


def test_cloud_has_no_host_partition(emu_cloud):
    h = bearer(client_token(emu_cloud.url, prefix="/Default/identity_").json()["access_token"])
    ident = emu_cloud.identity_url()
    assert _put(ident, h, {"Email.Smtp.Host": "x"}, partition=None).status_code == 403
    assert _get(ident, h, ["Email.Smtp.Host"], partition="").status_code == 403
    assert emu_cloud.control.identity_settings("")["stored"] == {}


def test_portal_tenants_and_organization_info(emu_cloud):
    url = emu_cloud.url + "/Default" + PORTAL_INFO
    assert requests.get(url, timeout=10).status_code == 401
    tok = client_token(emu_cloud.url, prefix="/Default/identity_").json()["access_token"]
    r = requests.get(url, headers=bearer(tok), timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["organization"] == {"id": ORG_ID, "name": "Default"}
    assert [t["name"] for t in body["tenants"]] == ["Default"]  # Host is not a tenant of the organization
    assert set(body["tenants"][0]) == {"name", "id"} and len(body["tenants"][0]["id"]) == 36
    assert requests.get(emu_cloud.url + "/Other" + PORTAL_INFO, headers=bearer(tok), timeout=10).status_code == 404
    assert emu_cloud.control.counts()["portal.tenants_and_organization_info"] == 2


def test_portal_works_for_tokens_without_prt_id(test_ca):
    with start_orchestrator(profile="cloud", client_token_prt_id="no") as emu:
        tok = client_token(emu.url, prefix="/Default/identity_").json()["access_token"]
        r = requests.get(emu.portal_url() + "/api/filtering/leftnav/tenantsAndOrganizationInfo",
                         headers=bearer(tok), timeout=10)
        assert r.status_code == 200 and r.json()["organization"]["id"] == ORG_ID


def test_portal_only_on_platform_profiles(emu23):
    tok = client_token(emu23.url).json()["access_token"]
    assert requests.get(emu23.url + "/Default" + PORTAL_INFO, headers=bearer(tok), timeout=10).status_code == 404


def test_platform_org_of_token_must_match_url(tmp_path):
    seed = json.loads(DEFAULT_SEED.read_text())
    seed["organizations"].append({"name": "Other", "id": "6e6f7267-0000-4000-8000-000000000002"})
    seed["tenants"]["Ops"] = {"organization": "Other", "users": {}}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    with start_orchestrator(profile="cloud", seed=path) as emu:
        tok = client_token(emu.url, prefix="/Default/identity_").json()["access_token"]
        assert jwt_claims(tok)["prt_id"] == ORG_ID
        assert _get(emu.url + "/Other/identity_", bearer(tok), ["Email.Smtp.Host"],
                    partition="6e6f7267-0000-4000-8000-000000000002").status_code == 403
        assert requests.get(emu.url + "/Other" + PORTAL_INFO, headers=bearer(tok), timeout=10).status_code == 403
        other = client_token(emu.url, prefix="/Other/identity_").json()["access_token"]
        r = requests.get(emu.url + "/Other" + PORTAL_INFO, headers=bearer(other), timeout=10)
        assert r.json()["tenants"] == [{"name": "Ops", "id": r.json()["tenants"][0]["id"]}]
        cfg = emu.control.config()
        assert [o["name"] for o in cfg["organizations"]] == ["Default", "Other"]


# -- automation-suite profile ------------------------------------------------------------------------------
@pytest.mark.parametrize("base", ["/identity_", "/Default/identity_"])
def test_automation_suite_both_identity_bases_work(emu_as, base):
    r = client_token(emu_as.url, prefix=base)
    assert r.status_code == 200
    h = bearer(r.json()["access_token"])
    assert jwt_claims(r.json()["access_token"])["prt_id"] == ORG_ID
    assert _put(emu_as.url + base, h, with_trio(**{"Email.Smtp.Host": "as.smtp"})).status_code == 200
    assert _get(emu_as.url + base, h, ["Email.Smtp.Host"]).json()[0]["value"] == "as.smtp"
    # the host level exists on Automation Suite
    assert _put(emu_as.url + base, h, with_trio(**{"Email.Smtp.Port": "2525"}), partition="").status_code == 200


def test_automation_suite_tenant_orchestrator_with_ropc(emu_as):
    orch = emu_as.orchestrator_url()
    r = requests.post(orch + "/api/Account/Authenticate", timeout=10,
                      json={"usernameOrEmailAddress": "admin", "password": "emulator-admin"})  # tenant from URL
    assert r.status_code == 200
    tok = r.json()["result"]
    assert jwt_claims(tok)["tenant"] == "Default" and jwt_claims(tok)["prt_id"] == ORG_ID
    h = bearer(tok)
    body = {"settings": [{"Name": "Alerts.Email.Enabled", "Value": "true"}]}
    assert requests.post(orch + "/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk", json=body,
                         headers=h, timeout=10).status_code == 200
    assert emu_as.control.settings("Default")["stored"] == {"Alerts.Email.Enabled": "true"}
    # a header naming another tenant than the URL -> 401
    h2 = dict(h, **{"X-UIPATH-TenantName": "Host"})
    assert requests.get(orch + "/odata/Settings", headers=h2, timeout=10).status_code == 401
    assert requests.get(emu_as.url + "/odata/Settings", headers=h, timeout=10).status_code == 404

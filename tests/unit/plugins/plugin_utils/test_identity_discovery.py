"""Finding the organization and the Identity base from what a Cloud or Automation Suite user knows, and checking
what discovery finds (a token or a portal that misbehaves must not redirect the run to another organization)."""
import base64
import json

import pytest

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._connection import (
    derive_connection, platform_url_parts, token_claims, token_organization)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._validation import ValidationError
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import info_task
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import run_task

from fake_server import Fake

ORG = "6e6f7267-0000-4000-8000-000000000001"
BAD_IDS = ["../x y", "abc\r\nX-Injected: 1", "6e6f7267-0000-4000-8000-00000000000Z", 42]


def _b64json(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(claims):
    return "%s.%s.sig" % (_b64json({"alg": "HS256", "typ": "JWT"}), _b64json(claims))


def test_organization_from_the_prt_id_claim():
    assert token_organization(jwt({"sub": "x", "prt_id": ORG})) == ORG
    assert token_organization(jwt({"prtId": ORG})) == ORG


def test_tokens_without_the_claim_or_not_jwt():
    assert token_organization(jwt({"sub": "x"})) is None
    assert token_organization("opaque-token") is None
    assert token_organization("a.!!!.c") is None
    assert token_organization(None) is None


@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_claim_that_is_not_a_guid_is_refused_without_echo(bad):
    with pytest.raises(ValidationError) as err:
        token_organization(jwt({"prt_id": bad}))
    msg = str(err.value)
    assert msg.startswith("organization_id:") and "prt_id" in msg and "organization_id" in msg
    assert "\n" not in msg and "../x" not in msg and "Injected" not in msg and "00Z" not in msg


def test_a_payload_nested_100000_deep_is_no_recursion_error():
    # defect 6: a JWT payload nested 100000 deep ended as "unexpected error ...: RecursionError"
    payload = base64.urlsafe_b64encode(b"[" * 100000 + b"]" * 100000).decode().rstrip("=")
    token = "e30.%s.sig" % payload
    assert token_claims(token) is None and token_organization(token) is None
    payload = base64.urlsafe_b64encode(b'{"a":' * 100000 + b"1" + b"}" * 100000).decode().rstrip("=")
    assert token_organization("e30.%s.sig" % payload) is None


def test_cloud_url_gives_identity_base_and_tenant():
    params = derive_connection({"orchestrator_url": "https://cloud.uipath.com/acme/Prod/orchestrator_",
                                "tenant": "Default", "identity_url": None})
    assert params["identity_url"] == "https://cloud.uipath.com/acme/identity_"
    assert params["tenant"] == "Prod"


def test_explicit_identity_url_wins_and_a_tenant_the_url_cannot_reach_is_refused():
    params = derive_connection({"orchestrator_url": "https://as.example.com/acme/Prod/orchestrator_/",
                                "tenant": "prod", "identity_url": "https://as.example.com/identity_"})
    assert params["identity_url"] == "https://as.example.com/identity_" and params["tenant"] == "Prod"
    with pytest.raises(ValidationError) as err:
        derive_connection({"orchestrator_url": "https://as.example.com/acme/Prod/orchestrator_/",
                           "tenant": "Other", "identity_url": None})
    assert str(err.value).startswith("tenant: Other is not the tenant Prod")


def test_standalone_url_is_left_alone():
    params = {"orchestrator_url": "https://orch.example.com", "tenant": "Default", "identity_url": None}
    assert derive_connection(params) is params
    assert platform_url_parts("https://orch.example.com/orchestrator") is None


# --- end to end through the task runner: nothing is sent to an organization discovery did not check
def _identity_run(fake, url, **over):
    args = dict(orchestrator_url=url, client_id="ansible", client_secret="client-secret-value",
                api="identity", scope="organization", retry_delay=0.0)
    args.update(over)
    return run_task(info_task, args, {}, False, False, "test")


@pytest.mark.parametrize("bad", BAD_IDS[:3])
def test_token_claim_not_a_guid_fails_in_one_line_before_any_settings_request(bad):
    fake = Fake(identity=True)
    try:
        fake.fault("/identity/connect/token", ("token", jwt({"prt_id": bad})))
        res = _identity_run(fake, fake.url)
        assert res["failed"] and res["msg"].startswith("organization_id: not found: the access token's prt_id")
        assert "\n" not in res["msg"] and "../x" not in res["msg"] and "Injected" not in res["msg"]
        assert [c[1] for c in fake.log] == ["/identity/connect/token"]  # nothing sent with the value
    finally:
        fake.stop()


def _portal_fake(answer):
    fake = Fake(identity=True)
    portal = "/acme/portal_/api/filtering/leftnav/tenantsAndOrganizationInfo"
    fake.fault(portal, ("status", 200, None, answer))
    return fake


@pytest.mark.parametrize("answer,needle", [
    ({"organization": {"id": "../x y", "name": "acme"}, "tenants": []}, "not a GUID"),
    ({"organization": {"id": "abc\r\ndef", "name": "acme"}, "tenants": []}, "not a GUID"),
    ({"organization": {"id": ORG, "name": "other-org"}, "tenants": []}, "another organization than acme"),
    ({"organization": {"id": ORG}, "tenants": []}, "another organization than acme"),
])
def test_portal_answers_are_checked(answer, needle):
    fake = _portal_fake(answer)
    try:
        # a Cloud-form URL on the fake: the portal is asked because the token has no prt_id claim
        url = fake.url + "/acme/Prod/orchestrator_"
        res = _identity_run(fake, url, identity_url=fake.url + "/identity")
        msg = res["msg"]
        assert res["failed"] and msg.startswith("organization_id: not found: the portal") and needle in msg, msg
        assert "give organization_id" in msg and "../x" not in msg and "other-org" not in msg
        assert not [c for c in fake.log if c[1].startswith("/identity/api/Setting")]
    finally:
        fake.stop()

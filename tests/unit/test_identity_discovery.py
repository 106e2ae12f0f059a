"""Finding the organization and the Identity base from what a Cloud or Automation Suite user knows."""
import base64
import json

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.task_support import (
    derive_connection, platform_url_parts, token_organization)

ORG = "6e6f7267-0000-4000-8000-000000000001"


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


def test_cloud_url_gives_identity_base_and_tenant():
    params = derive_connection({"orchestrator_url": "https://cloud.uipath.com/acme/Prod/orchestrator_",
                                "tenant": "Default", "identity_url": None})
    assert params["identity_url"] == "https://cloud.uipath.com/acme/identity_"
    assert params["tenant"] == "Prod"


def test_explicit_identity_url_and_tenant_win():
    params = derive_connection({"orchestrator_url": "https://as.example.com/acme/Prod/orchestrator_/",
                                "tenant": "Other", "identity_url": "https://as.example.com/identity_"})
    assert params["identity_url"] == "https://as.example.com/identity_" and params["tenant"] == "Other"


def test_standalone_url_is_left_alone():
    params = {"orchestrator_url": "https://orch.example.com", "tenant": "Default", "identity_url": None}
    assert derive_connection(params) is params
    assert platform_url_parts("https://orch.example.com/orchestrator") is None

"""The connection of a task (``_connection.py``): one validation, the tenant every request addresses, URL
credentials refused, the login repeated after a reset, and one connect() for every task."""
import base64
import json

import pytest

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import (
    info_task, settings_task, test_mail_task)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._connection import (
    ORCHESTRATOR_ARGUMENT_SPEC, ENV_VARS, apply_env_fallbacks, validate_connection)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._validation import ValidationError
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.orchestrator_client import (
    OrchestratorClient)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.tenant_alerts import TenantAlertsToggle
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import run_task

from fake_server import Fake

ORG = "6e6f7267-0000-4000-8000-000000000001"
UPDATE_BULK = "/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk"
LOGIN = "/api/Account/Authenticate"


def tenant_of(headers):
    """The X-UIPATH-TenantName header of a recorded request (header names are case-insensitive)."""
    return {k.lower(): v for k, v in headers.items()}.get("x-uipath-tenantname")


@pytest.fixture
def idfake():
    f = Fake(identity=True)
    yield f
    f.stop()


def _params(url, **over):
    p = dict(orchestrator_url=url, tenant="Default", orchestrator_username=None, orchestrator_password=None,
             token=None, client_id="ansible", client_secret="client-secret-value", scopes=["OR.Settings", "PM.Setting"],
             identity_url=None, api="identity", organization_id=ORG, validate_certs=True, ca_path=None, timeout=5,
             retries=1, retry_delay=0.0)
    p.update(over)
    return p


# --- defect 4: the tenant the user named, for every login kind
@pytest.mark.parametrize("login", ["oauth", "token", "ropc"])
def test_tenant_header_is_sent_for_every_login_kind(idfake, login):
    over = dict(tenant="Sales")
    if login == "token":
        idfake.tokens.add("given-token-value")
        over.update(client_id=None, client_secret=None, token="given-token-value")
    elif login == "ropc":
        idfake.users[("sales", "admin")] = "admin-pw"
        over.update(client_id=None, client_secret=None, orchestrator_username="admin", orchestrator_password="admin-pw")
    c = OrchestratorClient(_params(idfake.url, **over), sleep=lambda s: None)
    TenantAlertsToggle(c).write(True)
    sent = [h for (m, p, b, q), h in zip(idfake.log, idfake.headers) if p == UPDATE_BULK]
    assert len(sent) == 1 and tenant_of(sent[0]) == "Sales"
    # Identity requests (token, settings) carry no tenant header: the partition says whose they are
    c.request("GET", c.identity_url + "/api/Setting", query=[("key", "Email.Smtp.Host")])
    assert tenant_of(idfake.headers[-1]) is None


def test_alerts_toggle_of_an_oauth_run_goes_to_the_named_tenant(idfake):
    args = dict(orchestrator_url=idfake.url, client_id="ansible", client_secret="client-secret-value",
                api="identity", organization_id=ORG, tenant="Sales", enable_alerts=True, host="smtp.example.test",
                port=25, from_address="ops@example.test", retry_delay=0.0)
    res = run_task(settings_task, args, {}, False, False, "test")
    assert not res.get("failed"), res.get("msg")
    writes = [h for (m, p, b, q), h in zip(idfake.log, idfake.headers) if p in (UPDATE_BULK, "/odata/Settings")]
    assert writes and all(tenant_of(h) == "Sales" for h in writes)


def test_a_tenant_no_header_can_carry_is_refused_for_oauth_too(idfake):
    args = dict(orchestrator_url=idfake.url, client_id="ansible", client_secret="client-secret-value",
                api="identity", organization_id=ORG, tenant="\u6771\u4eac", retry_delay=0.0)
    res = run_task(info_task, args, {}, False, False, "test")
    assert res["failed"] and res["msg"].startswith("tenant:") and idfake.log == []


def test_a_tenant_the_platform_url_cannot_reach_is_refused(idfake):
    args = dict(orchestrator_url="https://cloud.uipath.com/acme/Prod/orchestrator_", client_id="ansible",
                client_secret="client-secret-value", tenant="Other", organization_id=ORG)
    res = run_task(info_task, args, {}, False, False, "test")
    assert res["failed"] and res["msg"].startswith("tenant: Other is not the tenant Prod") and "\n" not in res["msg"]


# --- defect 9: credentials in the URL
@pytest.mark.parametrize("option", ["orchestrator_url", "identity_url"])
@pytest.mark.parametrize("userinfo", ["svc:Pw-In-Url-42@", "svc@", "svc:Pw%40In-Url-42@"])
def test_url_credentials_are_refused_without_echo(fake, option, userinfo):
    url = "http://%s127.0.0.1:9" % userinfo
    args = dict(orchestrator_url=fake.url, orchestrator_username="admin", orchestrator_password="admin-pw",
                api="classic")
    args[option] = url
    res = run_task(info_task, args, {}, False, False, "test")
    text = json.dumps(res)
    assert res["failed"] and res["msg"].startswith(option + ": must not contain credentials"), res["msg"]
    assert "Pw-In-Url-42" not in text and "Pw%40In" not in text and "svc" not in text, text
    assert fake.log == []


def test_url_credentials_refused_by_the_validator():
    with pytest.raises(ValidationError) as err:
        validate_connection(_params("https://svc:secret-pw@orch.example.com"))
    assert str(err.value).startswith("orchestrator_url:") and "secret-pw" not in str(err.value)


# --- defect 10: the first request (the login) is repeated after a reset, end to end
def test_a_reset_on_the_login_does_not_fail_the_run(fake):
    fake.fault(LOGIN, ("reset",))
    args = dict(orchestrator_url=fake.url, orchestrator_username="admin", orchestrator_password="admin-pw",
                api="classic", retry_delay=0.0)
    res = run_task(info_task, args, {}, False, False, "test")
    assert not res.get("failed"), res.get("msg")
    assert len(fake.calls("POST", LOGIN)) == 2


# --- environment: one table of variables, empty means unset
def test_every_env_fallback_comes_from_one_table():
    for option, spec in ORCHESTRATOR_ARGUMENT_SPEC.items():
        if "fallback" in spec:
            assert spec["fallback"][1] == [ENV_VARS[option]]
    assert set(ENV_VARS) == set(o for o, s in ORCHESTRATOR_ARGUMENT_SPEC.items() if "fallback" in s)
    args = apply_env_fallbacks(ORCHESTRATOR_ARGUMENT_SPEC, {"tenant": None},
                               {"ORCHESTRATOR_TENANT": "", "ORCHESTRATOR_URL": "https://x"})
    assert args == {"tenant": None, "orchestrator_url": "https://x"}


# --- one connect() for every entry point
@pytest.mark.parametrize("task", [info_task, settings_task, test_mail_task])
def test_every_task_connects_through_connect(task, monkeypatch):
    import ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._connection as connection
    seen = []

    def spy(params, scope, ctx, state):
        seen.append(scope)
        raise ValidationError("orchestrator_url: stop here")

    monkeypatch.setattr(task, "connect", spy)
    args = dict(orchestrator_url="https://orch.example.com", orchestrator_username="admin",
                orchestrator_password="pw-value", recipient="ops@example.test", host="smtp.example.test",
                password="smtp-pw-value", use_default_credentials=False, username="ops@example.test",
                from_address="ops@example.test")
    if task is info_task:
        args = {k: v for k, v in args.items() if k in info_task.argument_spec()}
    if task is settings_task:
        args.pop("recipient")
    res = run_task(task, args, {}, False, False, "test")
    assert seen == ["tenant"] and res["msg"] == "orchestrator_url: stop here", res
    assert connection.connect.__module__ == connection.__name__

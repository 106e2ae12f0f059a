import json
import time

import pytest

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.orchestrator_client import (
    OrchestratorClient, OrchestratorError, format_error_body, parse_retry_after, validate_connection_params)

from fake_server import Fake


@pytest.fixture
def fake():
    f = Fake()
    yield f
    f.stop()


def params(url, **over):
    p = dict(orchestrator_url=url, tenant="Default", orchestrator_username="admin", orchestrator_password="admin-pw",
             token=None, client_id=None, client_secret=None, scopes=["OR.Settings", "PM.Setting"],
             identity_url=None, api="classic", organization_id=None, validate_certs=True, ca_path=None,
             timeout=5, retries=3, retry_delay=1.0)
    p.update(over)
    return p


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def client(url, **over):
    sleeps = Sleeps()
    warnings = []
    c = OrchestratorClient(params(url, **over), warn=warnings.append, sleep=sleeps)
    return c, sleeps, warnings


# --- error bodies
@pytest.mark.parametrize("body,expected", [
    ({"message": "You are not authenticated!", "errorCode": 0, "result": None, "success": False,
      "error": {"code": 0, "message": "You are not authenticated!",
                "details": "You should be authenticated (sign in) in order to perform this operation.",
                "validationErrors": None}, "__abp": True},
     "You are not authenticated! You should be authenticated (sign in) in order to perform this operation."),
    ({"error": {"message": "The request is invalid.", "details": None,
                "validationErrors": [{"message": "The Name field is required.", "members": ["Name"]}]}},
     "The request is invalid. The Name field is required. (Name)"),
    ({"message": "Invalid request!", "errorCode": 1000}, "Invalid request! (errorCode 1000)"),
    ({"error": "invalid_client", "error_description": "bad secret"}, "invalid_client: bad secret"),
    ({"error": "invalid_scope"}, "invalid_scope"),
    ({"errors": {"partitionGlobalId": ["The value 'X' is not valid."]}},
     "partitionGlobalId: The value 'X' is not valid."),
    ({"type": "https://tools.ietf.org/html/rfc7231", "title": "One or more validation errors occurred.",
      "status": 400, "errors": {"Port": ["bad port"]}},
     "One or more validation errors occurred. Port: bad port"),
    ({"error": {"code": "BadRequest", "message": "OData query invalid", "details": [{"message": "near $filter"}]}},
     "OData query invalid. near $filter"),
    ("<html><head><title>502 Bad Gateway</title></head><body>x</body></html>", "502 Bad Gateway"),
    ("plain\ntext\r\nerror", "plain text error"),
    (b"", ""),
])
def test_format_error_body(body, expected):
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    assert format_error_body(raw) == expected


def test_error_body_is_one_line_and_bounded():
    text = format_error_body(json.dumps({"message": "a\n" * 1000}))
    assert "\n" not in text and len(text) <= 600


def test_retry_after_parsing():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 10))
    assert 5 < parse_retry_after(future) <= 11


# --- connection validation
@pytest.mark.parametrize("over,option", [
    ({"orchestrator_url": "ftp://orch"}, "orchestrator_url"),
    ({"orchestrator_url": "orch.example.com"}, "orchestrator_url"),
    ({"orchestrator_url": "https://orch example.com"}, "orchestrator_url"),
    ({"orchestrator_url": "https://orch.example.com?x=1"}, "orchestrator_url"),
    ({"orchestrator_url": "https://orch.example.com:99999"}, "orchestrator_url"),
    ({"identity_url": "identity"}, "identity_url"),
    ({"tenant": " "}, "tenant"),
    ({"organization_id": "not-a-guid"}, "organization_id"),
    ({"timeout": 0}, "timeout"),
    ({"retries": -1}, "retries"),
    ({"retry_delay": 100.0}, "retry_delay"),
    ({"orchestrator_username": None, "orchestrator_password": None}, "orchestrator_username"),
    ({"orchestrator_password": None}, "orchestrator_password"),
    ({"client_id": "x"}, "client_id"),
    ({"scopes": ["OR.Settings PM.Setting"]}, "scopes"),
])
def test_connection_validation(over, option):
    with pytest.raises(OrchestratorError) as err:
        validate_connection_params(params("https://orch.example.com", **over))
    assert str(err.value).startswith(option + ":")


# --- login, token, retries
def test_ropc_login_and_request(fake):
    c, sleeps, dummy = client(fake.url)
    resp = c.request("GET", "/odata/Settings")
    assert resp.status == 200 and resp.data["value"]
    login = fake.calls("POST", "/api/Account/Authenticate")[0]
    assert login[2] == {"tenancyName": "Default", "usernameOrEmailAddress": "admin", "password": "admin-pw"}
    assert c.request_count == 2 and sleeps == []


def test_bad_login_is_one_line_without_password(fake):
    c, dummy, dummy2 = client(fake.url, orchestrator_password="wrong-password-value")
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    msg = str(err.value)
    assert "HTTP 400" in msg and "Invalid user name or password" in msg and "wrong-password-value" not in msg


def test_503_then_200(fake):
    fake.fault("/odata/Settings", ("status", 503))
    c, sleeps, dummy = client(fake.url)
    assert c.request("GET", "/odata/Settings").status == 200
    assert sleeps == [1.0] and c.retry_count == 1


def test_backoff_doubles_and_gives_up_with_clear_message(fake):
    fake.fault("/odata/Settings", *[("status", 502)] * 10)
    c, sleeps, dummy = client(fake.url, retries=3, retry_delay=0.5)
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings", what="reading settings")
    assert sleeps == [0.5, 1.0, 2.0]
    assert str(err.value).startswith("reading settings failed after 4 attempts: HTTP 502")
    assert len(fake.calls("GET", "/odata/Settings")) == 4


def test_backoff_is_capped(fake):
    fake.fault("/odata/Settings", *[("status", 500)] * 10)
    c, sleeps, dummy = client(fake.url, retries=6, retry_delay=8.0)
    with pytest.raises(OrchestratorError):
        c.request("GET", "/odata/Settings")
    assert sleeps == [8.0, 16.0, 30.0, 30.0, 30.0, 30.0]


def test_429_retry_after_is_honoured_and_capped(fake):
    fake.fault("/odata/Settings", ("status", 429, {"Retry-After": "2"}), ("status", 429, {"Retry-After": "3600"}))
    c, sleeps, dummy = client(fake.url)
    assert c.request("GET", "/odata/Settings").status == 200
    assert sleeps == [2.0, 30.0]


def test_connection_reset_is_retried(fake):
    fake.fault("/odata/Settings", ("reset",))
    c, sleeps, dummy = client(fake.url)
    assert c.request("GET", "/odata/Settings").status == 200
    assert len(sleeps) == 1


def test_truncated_json_is_retried(fake):
    fake.fault("/odata/Settings", ("truncate",))
    c, sleeps, dummy = client(fake.url)
    assert c.request("GET", "/odata/Settings").data["value"]
    assert len(sleeps) == 1


def test_timeout_is_retried_and_bounded(fake):
    fake.fault("/odata/Settings", ("sleep", 1.5), ("sleep", 1.5))
    c, sleeps, dummy = client(fake.url, timeout=1, retries=1, retry_delay=0.1)
    start = time.monotonic()
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert "timed out" in str(err.value) and "2 attempts" in str(err.value)
    assert time.monotonic() - start < 2 * 1 + 0.1 + 1.5


def test_no_retry_on_4xx(fake):
    fake.fault("/odata/Settings", ("status", 403, None, {"message": "You are not authorized!"}))
    c, sleeps, dummy = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert err.value.status == 403 and "You are not authorized!" in str(err.value) and sleeps == []


def test_connection_refused_not_retried():
    c, sleeps, dummy = client("http://127.0.0.1:9")
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert "cannot connect" in str(err.value) and sleeps == [] and c.request_count == 1


def test_reauth_once_on_401(fake):
    c, dummy, dummy2 = client(fake.url)
    c.request("GET", "/odata/Settings")
    fake.tokens.clear()  # token expired
    assert c.request("GET", "/odata/Settings").status == 200
    assert len(fake.calls("POST", "/api/Account/Authenticate")) == 2 and c.reauth_count == 1


def test_reauth_only_once(fake):
    c, dummy, dummy2 = client(fake.url)
    c.request("GET", "/odata/Settings")
    fake.tokens.clear()
    c.request("GET", "/odata/Settings")
    fake.tokens.clear()
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert err.value.status == 401


def test_given_token_is_not_renewed(fake):
    c, dummy, dummy2 = client(fake.url, token="stale-token-value", orchestrator_username=None, orchestrator_password=None)
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert err.value.status == 401 and "stale-token-value" not in str(err.value)
    assert not fake.calls("POST", "/api/Account/Authenticate")


def test_oauth_client_credentials():
    f = Fake(identity=True)
    try:
        c, dummy, dummy2 = client(f.url, client_id="ansible", client_secret="client-secret-value")
        c.request("GET", f.url + "/identity/api/Setting", query=[("key", "Email.Smtp.Host")])
        call = f.calls("POST", "/identity/connect/token")[0]
        assert call[2] == {"grant_type": "client_credentials", "client_id": "ansible",
                           "client_secret": "client-secret-value", "scope": "OR.Settings PM.Setting"}
        bad, dummy, dummy2 = client(f.url, client_id="ansible", client_secret="wrong-secret-value")
        with pytest.raises(OrchestratorError) as err:
            bad.request("GET", "/identity/api/Setting")
        assert "invalid_client: bad secret" in str(err.value) and "wrong-secret-value" not in str(err.value)
    finally:
        f.stop()


def test_secrets_are_scrubbed(fake):
    echo = {"message": "bad password admin-pw for tok"}
    fake.fault("/api/Account/Authenticate", ("status", 400, None, echo))
    c, dummy, dummy2 = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert "admin-pw" not in str(err.value) and "********" in str(err.value)


def test_runtime_token_is_registered_as_no_log(fake):
    seen = set()
    c = OrchestratorClient(params(fake.url), no_log_values=seen)
    c.request("GET", "/odata/Settings")
    assert any(v.startswith("tok-") for v in seen) and "admin-pw" in seen


def test_validate_certs_false_warns():
    dummy, dummy2, warnings = client("https://orch.example.com", validate_certs=False)
    assert warnings and "validate_certs" in warnings[0]

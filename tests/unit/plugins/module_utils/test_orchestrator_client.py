import json
import re
import time

import pytest

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import _transport as oc
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._connection import validate_connection
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._errors import (
    OrchestratorError, format_error_body)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._transport import parse_retry_after
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._validation import ValidationError
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.orchestrator_client import (
    OrchestratorClient)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.settings_api import (
    ClassicSettingsAPI, IdentitySettingsAPI)

from fake_server import Fake


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
    with pytest.raises(ValidationError) as err:
        validate_connection(params("https://orch.example.com", **over))
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
    c, sleeps, dummy = client(fake.url, timeout=30)
    assert c.request("GET", "/odata/Settings").status == 200
    assert sleeps == [2.0, 30.0]


def test_retry_after_is_cut_to_the_documented_bound(fake):
    # bound = 4 * 5 + 1 + 2 + 4 = 27 s; after 2 s of Retry-After only ~20 s are left for a delay + one attempt
    fake.fault("/odata/Settings", ("status", 429, {"Retry-After": "2"}), ("status", 429, {"Retry-After": "3600"}))
    c, sleeps, dummy = client(fake.url, timeout=5)
    assert c.request("GET", "/odata/Settings").status == 200
    assert sleeps[0] == 2.0 and 15 < sleeps[1] <= 27 - 2 - 5
    assert c.time_bound() == 27


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


# ===================================================================================== hardening
ORG = "6e6f7267-0000-4000-8000-000000000001"
OTHER_ORG = "0a0a0a0a-0000-4000-8000-000000000002"
UPDATE_BULK = "/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk"
VERIFY = "/odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting"
LOGIN = "/api/Account/Authenticate"
DELETE_BULK = "/odata/Settings/UiPath.Server.Configuration.OData.DeleteBulk"


@pytest.fixture
def idfake():
    f = Fake(identity=True)
    yield f
    f.stop()


def oauth(url, **over):
    return client(url, client_id="ansible", client_secret="client-secret-value", **over)


def one_line_error(exc_info):
    msg = str(exc_info.value)
    assert msg.strip() and "\n" not in msg and "\r" not in msg and "Traceback" not in msg, msg
    return msg


# --- every ansible-core 2.16-2.21: the TLS context goes where the core accepts it
class _Core216Request(object):
    def __init__(self, headers=None, use_proxy=True, timeout=10, validate_certs=True, ca_path=None):
        pass

    def open(self, method, url, data=None, headers=None, validate_certs=None, ca_path=None):
        pass


class _InitOnlyRequest(object):
    def __init__(self, timeout=10, context=None):
        pass

    def open(self, method, url, data=None, headers=None):
        pass


class _OpenRequest(object):
    def __init__(self, timeout=10, context=None):
        pass

    def open(self, method, url, data=None, headers=None, context=None):
        pass


@pytest.mark.parametrize("cls,style", [(_Core216Request, None), (_InitOnlyRequest, "init"), (_OpenRequest, "open")])
def test_context_style_detection(monkeypatch, cls, style):
    monkeypatch.setattr(oc, "Request", cls)
    assert oc._context_style() == style


def test_installed_core_gets_no_argument_it_does_not_know(fake, monkeypatch):
    """Whatever core runs the tests (2.16 has no ``context`` argument at all), every request passes."""
    import inspect
    from ansible.module_utils.urls import Request
    seen = []
    real_open = Request.open

    def spy(self, *args, **kwargs):
        seen.append(sorted(kwargs))
        inspect.signature(real_open).bind(self, *args, **kwargs)  # TypeError if the core lacks an argument
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Request, "open", spy)
    c, dummy, dummy2 = client(fake.url)
    assert c.request("GET", "/odata/Settings").status == 200
    assert seen and all(("context" in kw) == (oc.CONTEXT_STYLE == "open") for kw in seen)


@pytest.fixture(scope="module")
def tls_ca(tmp_path_factory):
    trustme = pytest.importorskip("trustme")
    import ssl
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ctx, str(path)


def test_https_with_ca_path_on_this_core(tls_ca):
    ctx, ca_path = tls_ca
    f = Fake(ssl_context=ctx)
    try:
        c, dummy, dummy2 = client(f.url, ca_path=ca_path)
        assert c.request("GET", "/odata/Settings").status == 200
        bad, dummy, dummy2 = client(f.url)  # system CAs do not know the throwaway CA
        with pytest.raises(OrchestratorError) as err:
            bad.request("GET", "/odata/Settings")
        assert "certificate verification failed" in one_line_error(err)
    finally:
        f.stop()


def test_https_never_follows_to_http(tls_ca):
    ctx, ca_path = tls_ca
    plain = Fake()
    f = Fake(ssl_context=ctx)
    try:
        target = plain.url + "/odata/Settings"
        f.fault("/odata/Settings", ("redirect", 301, target))
        c, dummy, dummy2 = client(f.url, ca_path=ca_path)
        with pytest.raises(OrchestratorError) as err:
            c.request("GET", "/odata/Settings")
        msg = one_line_error(err)
        assert target in msg and "another origin" in msg
        assert plain.log == []
    finally:
        f.stop()
        plain.stop()


# --- redirects: credentials never leave the origin
def test_redirect_to_another_origin_fails_naming_location(fake):
    other = Fake()
    try:
        target = other.url + "/odata/Settings"
        fake.fault("/odata/Settings", ("redirect", 302, target))
        c, sleeps, dummy = client(fake.url)
        with pytest.raises(OrchestratorError) as err:
            c.request("GET", "/odata/Settings")
        msg = one_line_error(err)
        assert target in msg and "another origin" in msg and sleeps == []
        assert other.log == []  # neither the token nor anything else went there
    finally:
        other.stop()


def test_redirect_to_another_port_of_the_same_host_is_another_origin(fake):
    fake.fault("/odata/Settings", ("redirect", 307, "http://127.0.0.1:9/odata/Settings"))
    c, dummy, dummy2 = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert "http://127.0.0.1:9/odata/Settings" in one_line_error(err)


def test_login_redirect_elsewhere_sends_no_password(fake):
    other = Fake()
    try:
        fake.fault(LOGIN, ("redirect", 307, other.url + LOGIN))
        c, dummy, dummy2 = client(fake.url)
        with pytest.raises(OrchestratorError) as err:
            c.request("GET", "/odata/Settings")
        msg = one_line_error(err)
        assert msg.startswith("login failed:") and other.url in msg and "admin-pw" not in msg
        assert other.log == []
    finally:
        other.stop()


def test_same_origin_redirect_followed_for_get(fake):
    fake.fault("/odata/Old", ("redirect", 301, "/odata/Settings"))
    c, dummy, dummy2 = client(fake.url)
    resp = c.request("GET", "/odata/Old")
    assert resp.status == 200 and resp.data["value"]
    assert fake.headers[-1]["Authorization"].startswith("Bearer tok-")
    assert [e[1] for e in fake.log] == [LOGIN, "/odata/Old", "/odata/Settings"] and c.request_count == 3


def test_same_origin_redirect_not_followed_for_post(fake):
    fake.fault(UPDATE_BULK, ("redirect", 307, "/odata/Elsewhere"))
    c, dummy, dummy2 = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        ClassicSettingsAPI(c).write([("Abp.Net.Mail.Smtp.Host", "smtp.example.test")])
    msg = one_line_error(err)
    assert "/odata/Elsewhere" in msg and "not followed" in msg
    assert fake.calls(path="/odata/Elsewhere") == [] and fake.classic["Abp.Net.Mail.Smtp.Host"] == "127.0.0.1"


def test_redirect_loop_is_bounded(fake):
    fake.fault("/odata/A", *[("redirect", 302, "/odata/A")] * 20)
    c, dummy, dummy2 = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/A")
    assert "redirects" in one_line_error(err) and len(fake.calls("GET", "/odata/A")) == 6


# --- body-level failures in a 2xx answer
def test_update_bulk_success_false_is_an_error(fake):
    abp = {"result": None, "success": False, "__abp": True,
           "error": {"code": 0, "message": "Mail settings are locked by policy", "details": None}}
    fake.fault(UPDATE_BULK, ("status", 200, None, abp))
    c, dummy, dummy2 = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        ClassicSettingsAPI(c).write([("Abp.Net.Mail.Smtp.Host", "smtp.example.test")])
    msg = one_line_error(err)
    assert "Mail settings are locked by policy" in msg and "HTTP 200" in msg


def test_login_success_false_is_a_login_failure(fake):
    fake.fault(LOGIN, ("status", 200, None, {"result": None, "success": False,
                                             "error": {"message": "User is locked out"}}))
    c, dummy, dummy2 = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    msg = one_line_error(err)
    assert msg.startswith("login failed:") and "User is locked out" in msg and err.value.login_failed


def test_identity_succeeded_false_is_an_error(idfake):
    fake = idfake
    fake.fault("/identity/api/Setting", ("status", 200, None, {"succeeded": False, "errors": [
        {"code": "InvalidHost", "description": "The SMTP host is not allowed"}]}))
    c, dummy, dummy2 = oauth(fake.url)
    with pytest.raises(OrchestratorError) as err:
        IdentitySettingsAPI(c, ORG).write([("Email.Smtp.Host", "smtp.example.test")])
    assert "The SMTP host is not allowed" in one_line_error(err)


@pytest.mark.parametrize("api", ["classic", "identity"])
def test_read_with_empty_2xx_body_is_an_error(api):
    fake = Fake(identity=api == "identity")
    try:
        path = "/odata/Settings" if api == "classic" else "/identity/api/Setting"
        fake.fault(path, ("status", 200, None, b""))
        if api == "classic":
            c, dummy, dummy2 = client(fake.url)
            obj = ClassicSettingsAPI(c)
        else:
            c, dummy, dummy2 = oauth(fake.url)
            obj = IdentitySettingsAPI(c, ORG)
        with pytest.raises(OrchestratorError) as err:
            obj.read()
        assert "empty answer" in one_line_error(err)
    finally:
        fake.stop()


# --- Identity partitions
def _row(i, key, value, part):
    return {"id": i, "key": key, "value": value, "partitionGlobalId": part, "userId": None}


def test_identity_read_counts_only_the_partitions_own_rows(idfake):
    fake = idfake
    fake.extra_rows = [_row(5, "Email.Smtp.Port", "587", ORG),
                       _row(1, "Email.Smtp.Host", "host-level.example.test", None),
                       _row(2, "Email.Smtp.Host", "other-org.example.test", OTHER_ORG),
                       _row(3, "Email.Smtp.FromEmail", "other@example.test", OTHER_ORG),
                       _row(4, "Email.Smtp.Domain", "user-level", ORG.upper()) | {"userId": "u1"}]
    c, dummy, dummy2 = oauth(fake.url)
    api = IdentitySettingsAPI(c, ORG.upper())  # the partition matches case-insensitively
    assert api.read() == {"Email.Smtp.Port": "587"}
    assert api.inherited == {"Email.Smtp.Host": "host-level.example.test"}
    assert api.effective() == {"Email.Smtp.Port": "587", "Email.Smtp.Host": "host-level.example.test"}


def test_identity_host_read_ignores_organization_rows(idfake):
    fake = idfake
    fake.id_settings[""] = {"Email.Smtp.Host": "host-level.example.test"}
    fake.extra_rows = [_row(2, "Email.Smtp.Port", "2525", ORG), _row(3, "Email.Smtp.Domain", "x", "")]
    c, dummy, dummy2 = oauth(fake.url)
    api = IdentitySettingsAPI(c, None)
    assert api.read() == {"Email.Smtp.Host": "host-level.example.test", "Email.Smtp.Domain": "x"}
    assert api.inherited == {}


@pytest.mark.parametrize("api", ["classic", "identity"])
def test_read_can_be_called_twice(api):
    fake = Fake(identity=api == "identity")
    try:
        if api == "classic":
            c, dummy, dummy2 = client(fake.url)
            obj = ClassicSettingsAPI(c)
        else:
            fake.id_settings[ORG] = {"Email.Smtp.Host": "smtp.example.test"}
            c, dummy, dummy2 = oauth(fake.url)
            obj = IdentitySettingsAPI(c, ORG)
            obj._cached = obj.read()  # as the api: auto probe leaves it
        first = obj.read()
        second = obj.read()
        assert first == second and first
        gets = fake.calls("GET")
        assert len(gets) == (2 if api == "classic" else 2)
    finally:
        fake.stop()


# --- secrets in every form, scrubbed before anything is shortened
SPECIAL = 'p&<w>"d\'+/ é:x%Z'


def test_scrub_removes_every_encoded_form():
    import html
    import urllib.parse
    c = OrchestratorClient(params("https://orch.example.com", orchestrator_password=SPECIAL))
    forms = [SPECIAL, json.dumps(SPECIAL)[1:-1], json.dumps(SPECIAL, ensure_ascii=False)[1:-1],
             html.escape(SPECIAL), html.escape(SPECIAL, quote=False), html.escape(SPECIAL).replace("&#x27;", "&#39;"),
             urllib.parse.quote(SPECIAL), urllib.parse.quote(SPECIAL, safe=""), urllib.parse.quote_plus(SPECIAL),
             re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote_plus(SPECIAL)),
             "p\\u0026\\u003Cw\\u003E\\u0022d\\u0027\\u002B/ \\u00E9:x%Z"]  # .NET System.Text.Json default
    for form in forms:
        out = c.scrub("before %s after" % form)
        assert out == "before ******** after", (form, out)


def test_secret_is_scrubbed_before_the_message_is_cut(fake):
    secret = "Sup3r-Secret-Passw0rd-Value"
    for cut in range(540, 620, 7):  # wherever the 600-character cut would fall inside the secret
        fake.fault(LOGIN, ("status", 400, None, {"message": "x" * cut + secret + " tail"}))
        c, dummy, dummy2 = client(fake.url, orchestrator_password=secret)
        with pytest.raises(OrchestratorError) as err:
            c.request("GET", "/odata/Settings")
        msg = one_line_error(err)
        body = err.value.body.decode() if isinstance(err.value.body, bytes) else err.value.body
        for text in (msg, body, format_error_body(err.value.body)):
            assert secret[:4] not in text, (cut, text[-80:])


def test_server_token_is_a_secret_at_once(fake):
    seen = set()
    fake.fault(LOGIN, ("token", "tok-with\r\nnewline-secretvalue"))
    c = OrchestratorClient(params(fake.url), no_log_values=seen, sleep=lambda s: None)
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert "tok-with\r\nnewline-secretvalue" in seen
    assert "secretvalue" not in one_line_error(err) and err.value.login_failed


# --- no traceback, ever
def test_tenant_outside_latin1_fails_in_one_line_without_request(fake):
    c, dummy, dummy2 = client(fake.url, tenant="\u6771\u4eac")
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert one_line_error(err).startswith("tenant:") and fake.log == []
    with pytest.raises(ValidationError) as err:
        validate_connection(params(fake.url, tenant="\u6771\u4eac"))
    assert one_line_error(err).startswith("tenant:")


def test_latin1_tenant_is_sent(fake):
    fake.users[("z\u00fcrich", "admin")] = "admin-pw"
    c, dummy, dummy2 = client(fake.url, tenant="Z\u00fcrich")
    assert c.request("GET", "/odata/Settings").status == 200


def test_deeply_nested_json_is_one_line(fake):
    fake.fault("/odata/Settings", ("status", 200, None, b"[" * 200000 + b"]" * 200000))
    c, sleeps, dummy = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        ClassicSettingsAPI(c).read()
    assert "nested too deeply" in one_line_error(err) and sleeps == []


def test_deeply_nested_error_body_is_one_line(fake):
    fake.fault("/odata/Settings", ("status", 400, None, b'{"a":' * 100000 + b"1" + b"}" * 100000))
    fake.fault("/odata/Settings", ("status", 400, None, b'{"a":' * 100000 + b"1" + b"}" * 100000))
    c, dummy, dummy2 = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        ClassicSettingsAPI(c).read()
    one_line_error(err)


def test_token_with_crlf_fails_in_one_line_and_writes_nothing(fake):
    fake.fault(LOGIN, ("token", "evil\r\nX-Injected: 1"))
    c, dummy, dummy2 = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        ClassicSettingsAPI(c).write([("Abp.Net.Mail.Smtp.Host", "smtp.example.test")])
    msg = one_line_error(err)
    assert msg.startswith("login failed:") and "evil" not in msg and fake.writes() == []


def test_given_token_with_crlf_is_rejected_before_any_request():
    with pytest.raises(ValidationError) as err:
        validate_connection(params("https://orch.example.com", token="abc\r\ndef"))
    msg = one_line_error(err)
    assert msg.startswith("token:") and "abc" not in msg


# --- wall-clock deadline per attempt
@pytest.mark.parametrize("phase", ["body", "headers"])
def test_trickling_server_is_cut_at_the_deadline(fake, phase):
    # one byte (or header line) every 0.1 s never trips the 1 s socket timeout; the whole answer takes > 9 s
    fake.fault("/odata/Settings", ("trickle", phase, 0.1, 90))
    c, sleeps, dummy = client(fake.url, timeout=1, retries=0)
    c.ensure_token()
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert "timed out" in one_line_error(err)


# --- non-idempotent calls
def test_update_bulk_of_the_same_values_is_repeated_after_500(fake):
    fake.fault(UPDATE_BULK, ("status", 500))
    c, sleeps, dummy = client(fake.url)
    ClassicSettingsAPI(c).write([("Abp.Net.Mail.Smtp.Host", "smtp.example.test")])
    assert len(fake.calls("POST", UPDATE_BULK)) == 2 and len(sleeps) == 1
    assert fake.classic["Abp.Net.Mail.Smtp.Host"] == "smtp.example.test"


def test_update_bulk_repeated_after_reset_mid_response(fake):
    fake.fault(UPDATE_BULK, ("reset_after_write",))
    c, sleeps, dummy = client(fake.url)
    ClassicSettingsAPI(c).write([("Abp.Net.Mail.Smtp.Host", "smtp.example.test")])
    assert len(fake.calls("POST", UPDATE_BULK)) == 2 and fake.classic["Abp.Net.Mail.Smtp.Host"] == "smtp.example.test"


def test_delete_bulk_of_the_same_rows_is_repeated_after_a_timeout(fake):
    fake.fault(DELETE_BULK, ("sleep", 1.5))
    c, sleeps, dummy = client(fake.url, timeout=1, retry_delay=0.1)
    assert ClassicSettingsAPI(c).delete(["Abp.Net.Mail.Smtp.Host"]) == ["Abp.Net.Mail.Smtp.Host"]
    assert len(fake.calls("POST", DELETE_BULK)) == 2


def test_test_mail_not_retried_after_timeout(fake):
    fake.fault(VERIFY, ("sleep", 1.5))
    c, sleeps, dummy = client(fake.url, timeout=1)
    with pytest.raises(OrchestratorError) as err:
        ClassicSettingsAPI(c).verify("ops@example.test", {"Host": "smtp.example.test"})
    assert "timed out" in one_line_error(err) and len(fake.calls("POST", VERIFY)) == 1 and sleeps == []


@pytest.mark.parametrize("fault", [("status", 504), ("status", 500), ("reset",), ("truncate",)])
def test_login_is_repeated_it_is_safe(fake, fault):
    # defect 10: a connection reset on the first request (the login) failed the run
    fake.fault(LOGIN, fault)
    c, sleeps, dummy = client(fake.url)
    assert c.request("GET", "/odata/Settings").status == 200
    assert len(fake.calls("POST", LOGIN)) == 2 and len(sleeps) == 1


def test_oauth_token_request_is_repeated_after_a_reset(idfake):
    idfake.fault("/identity/connect/token", ("reset",))
    c, sleeps, dummy = oauth(idfake.url)
    assert c.ensure_token() and len(idfake.calls("POST", "/identity/connect/token")) == 2


@pytest.mark.parametrize("fault", [("status", 502), ("status", 500), ("status", 504), ("status", 503),
                                   ("reset_after_write",)])
def test_test_mail_not_repeated_after_an_answer_that_may_follow_delivery(fake, fault):
    # defect 8: a 502 on the test-mail POST repeated it (two mails delivered)
    fake.fault(VERIFY, fault)
    c, sleeps, dummy = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        ClassicSettingsAPI(c).verify("ops@example.test", {"Host": "smtp.example.test"})
    assert "not retried" in one_line_error(err)
    assert len(fake.calls("POST", VERIFY)) == 1 and sleeps == []


@pytest.mark.parametrize("fault", [("status", 429), ("status", 503, {"Retry-After": "1"})])
def test_test_mail_repeated_when_the_server_did_not_act(fake, fault):
    fake.fault(VERIFY, fault)
    c, sleeps, dummy = client(fake.url)
    ClassicSettingsAPI(c).verify("ops@example.test", {"Host": "smtp.example.test"})
    assert len(fake.calls("POST", VERIFY)) == 2


def test_identity_test_mail_not_repeated_after_502(idfake):
    idfake.fault("/identity/api/Setting/VerifySmtpSettings", ("status", 502))
    c, sleeps, dummy = oauth(idfake.url)
    with pytest.raises(OrchestratorError) as err:
        IdentitySettingsAPI(c, ORG).verify("ops@example.test", {"Host": "smtp.example.test"})
    assert "not retried" in one_line_error(err)
    assert len(idfake.calls("POST", "/identity/api/Setting/VerifySmtpSettings")) == 1


@pytest.mark.parametrize("status", [429, 502, 503, 500, 504])
def test_post_retried_when_the_server_did_not_act(fake, status):
    fake.fault(UPDATE_BULK, ("status", status))
    c, sleeps, dummy = client(fake.url)
    ClassicSettingsAPI(c).write([("Abp.Net.Mail.Smtp.Host", "smtp.example.test")])
    assert len(fake.calls("POST", UPDATE_BULK)) == 2 and fake.classic["Abp.Net.Mail.Smtp.Host"] == "smtp.example.test"


def test_put_and_get_keep_retrying_after_500(idfake):
    idfake.fault("/identity/api/Setting", ("status", 500), ("status", 504), ("status", 500))
    c, sleeps, dummy = oauth(idfake.url)
    api = IdentitySettingsAPI(c, ORG)
    api.write([("Email.Smtp.Host", "smtp.example.test")])
    assert api.read() == {"Email.Smtp.Host": "smtp.example.test"} and len(sleeps) == 3


def test_explicit_idempotent_post_is_retried(fake):
    fake.fault(UPDATE_BULK, ("status", 500))
    c, sleeps, dummy = client(fake.url)
    c.request("POST", UPDATE_BULK, body={"settings": []}, expect_json=False, idempotent=True)
    assert len(fake.calls("POST", UPDATE_BULK)) == 2


def test_a_post_is_by_default_not_repeated_after_500(fake):
    fake.fault(UPDATE_BULK, ("status", 500))
    c, sleeps, dummy = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        c.request("POST", UPDATE_BULK, body={"settings": []}, expect_json=False)
    assert "not retried" in one_line_error(err) and len(fake.calls("POST", UPDATE_BULK)) == 1


# --- login failures are named as such
def test_ropc_login_failure_names_account_and_tenant(fake):
    c, dummy, dummy2 = client(fake.url, orchestrator_password="wrong-password-value")
    with pytest.raises(OrchestratorError) as err:
        ClassicSettingsAPI(c).read()
    msg = one_line_error(err)
    assert msg.startswith("login failed: account admin, tenant Default")
    assert "wrong-password-value" not in msg and err.value.status == 400 and err.value.login_failed is True


def test_oauth_login_failure_names_the_client(idfake):
    c, dummy, dummy2 = client(idfake.url, client_id="ansible-app", client_secret="wrong-secret-value")
    with pytest.raises(OrchestratorError) as err:
        c.ensure_token()
    msg = one_line_error(err)
    assert msg.startswith("login failed: OAuth client ansible-app") and "invalid_client" in msg
    assert "wrong-secret-value" not in msg and err.value.status == 400 and err.value.login_failed is True


def test_call_failure_is_not_a_login_failure(fake):
    fake.fault("/odata/Settings", ("status", 403, None, {"message": "You are not authorized!"}))
    c, dummy, dummy2 = client(fake.url)
    with pytest.raises(OrchestratorError) as err:
        c.request("GET", "/odata/Settings")
    assert err.value.login_failed is False and not str(err.value).startswith("login failed")


# --- delete(keys)
def test_classic_delete_bulk(fake):
    c, dummy, dummy2 = client(fake.url)
    keys = ["Abp.Net.Mail.Smtp.Host", "Abp.Net.Mail.Smtp.Port"]
    assert ClassicSettingsAPI(c).delete(keys) == keys
    call = fake.calls("POST", "/odata/Settings/UiPath.Server.Configuration.OData.DeleteBulk")
    assert [e[2] for e in call] == [{"settingNames": keys}]
    assert "Abp.Net.Mail.Smtp.Host" not in fake.classic and "Abp.Net.Mail.Smtp.Domain" in fake.classic
    assert ClassicSettingsAPI(c).delete([]) == [] and len(fake.writes()) == 1


def test_identity_delete_only_the_partitions_own_rows(idfake):
    fake = idfake
    fake.id_settings[ORG] = {"Email.Smtp.Host": "org.example.test", "Email.Smtp.Port": "587"}
    fake.id_settings[""] = {"Email.Smtp.Host": "host.example.test"}
    fake.extra_rows = [_row(900, "Email.Smtp.Host", "host.example.test", None),
                       _row(901, "Email.Smtp.Port", "25", OTHER_ORG)]
    c, dummy, dummy2 = oauth(fake.url)
    api = IdentitySettingsAPI(c, ORG)
    assert api.delete(["Email.Smtp.Host", "Email.Smtp.Port", "Email.Smtp.Domain"]) == [
        "Email.Smtp.Host", "Email.Smtp.Port"]
    assert fake.id_settings[ORG] == {} and fake.id_settings[""] == {"Email.Smtp.Host": "host.example.test"}
    deletes = [e[1] for e in fake.calls("DELETE")]
    assert len(deletes) == 2 and not any(p.endswith(("/900", "/901")) for p in deletes)
    assert api.delete(["Email.Smtp.Host"]) == []


# --- Identity test mail body
def test_identity_verify_body(idfake):
    c, dummy, dummy2 = oauth(idfake.url)
    model = {"Host": "smtp.example.test", "Port": 587, "EnableSsl": True, "UseDefaultCredentials": False,
             "UserName": "orch@example.test", "Password": "smtp-pw", "Domain": "",
             "DefaultFromAddress": "orch@example.test", "DefaultFromDisplayName": "Orchestrator"}
    IdentitySettingsAPI(c, ORG).verify("ops@example.test", model)
    body = idfake.calls("POST", "/identity/api/Setting/VerifySmtpSettings")[0][2]
    assert body == {"recipient": "ops@example.test", "smtpSettings": {
        "host": "smtp.example.test", "port": 587, "userName": "orch@example.test", "password": "smtp-pw",
        "domain": "", "enableSsl": True, "useDefaultCredentials": False, "fromAddress": "orch@example.test",
        "fromDisplayName": "Orchestrator"}}


# --- Identity 429 and 409
def test_identity_429_retried_within_the_bound(idfake):
    idfake.fault("/identity/api/Setting", ("status", 429, {"Retry-After": "2"}))
    c, sleeps, dummy = oauth(idfake.url)
    IdentitySettingsAPI(c, ORG).write([("Email.Smtp.Host", "smtp.example.test")])
    assert sleeps == [2.0] and idfake.id_settings[ORG] == {"Email.Smtp.Host": "smtp.example.test"}


def test_identity_429_persistent_stops_at_the_bound(idfake):
    idfake.fault("/identity/api/Setting", *[("status", 429, {"Retry-After": "30"})] * 10)
    c, sleeps, dummy = oauth(idfake.url, timeout=5, retries=3, retry_delay=1.0)
    with pytest.raises(OrchestratorError) as err:
        IdentitySettingsAPI(c, ORG).write([("Email.Smtp.Host", "smtp.example.test")])
    assert "HTTP 429" in one_line_error(err)
    # bound 4 * 5 + 1 + 2 + 4 = 27 s: the waits leave room for the attempts, whatever Retry-After asks for
    assert sleeps and sum(sleeps) <= 27 - 5 and len(fake_calls_put(idfake)) <= 4
    assert idfake.id_settings.get(ORG) is None


def fake_calls_put(f):
    return f.calls("PUT", "/identity/api/Setting")


def test_identity_409_conflict_is_one_clear_line(idfake):
    idfake.fault("/identity/api/Setting", ("status", 409, None, {"title": "Conflict",
                                                                 "detail": "The setting was changed meanwhile"}))
    c, sleeps, dummy = oauth(idfake.url)
    with pytest.raises(OrchestratorError) as err:
        IdentitySettingsAPI(c, ORG).write([("Email.Smtp.Host", "smtp.example.test"), ("Email.Smtp.Port", "25")])
    msg = one_line_error(err)
    assert msg.startswith("conflict:") and "none of them was written" in msg
    assert "changed meanwhile" in msg and err.value.status == 409 and sleeps == []
    assert len(fake_calls_put(idfake)) == 1 and idfake.id_settings.get(ORG) is None

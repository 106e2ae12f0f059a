"""Logins, relays and saved-settings tests at module level against the emulator: the authentication choice per API, a relay without login over
STARTTLS, the Identity pair EnableSsl + UseDefaultCredentials, refusals before any request, the office365 warning,
testing the saved settings, and the alerts toggle only where the tenant has the key."""
import pytest

from tests.support.mailhog_catcher import start_mailhog
from tests.support.orchestrator_emulator import start_orchestrator

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import _mail_fields as fields
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import _validation as validation
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import settings_task, test_mail_task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.settings_api import ClassicSettingsAPI
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import run_task

ORG = "6e6f7267-0000-4000-8000-000000000001"
ROPC = {"orchestrator_username": "admin", "orchestrator_password": "emulator-admin", "retry_delay": 0.0,
        "api": "classic"}
APP = {"client_id": "ansible", "client_secret": "emulator-secret", "retry_delay": 0.0, "api": "identity",
       "scope": "organization", "organization_id": ORG}
SECRET = "Smtp-Secret-19"


@pytest.fixture(scope="module")
def catcher():
    mh = start_mailhog()
    yield mh
    mh.stop()


@pytest.fixture(scope="module")
def emus():
    classic = start_orchestrator(profile="2020.10")
    identity = start_orchestrator(profile="2023.10", client_token_prt_id="yes")
    yield {"classic": classic, "identity": identity}
    classic.stop()
    identity.stop()


def conn(emus, api):
    emu = emus[api]
    emu.control.reset()
    emu.control.clear_requests()
    return dict(ROPC if api == "classic" else APP, orchestrator_url=emu.url)


def stored(emus, api):
    if api == "classic":
        return emus[api].control.settings("Default")["stored"]
    return emus[api].control.identity_settings(ORG)["stored"]


def run(task, args, check=False):
    return run_task(task, dict(args), {}, check, True, "test")


def relay(catcher, **over):
    args = dict(host=catcher.smtp_host, port=catcher.smtp_port, enable_ssl=False, from_address="orch@example.test")
    args.update(over)
    return args


# -- the field model -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("auth,api,expected", [
    ("password", "classic", {"use_default_credentials": False}),
    ("password", "identity", {"use_default_credentials": False}),
    ("none", "classic", {"use_default_credentials": False, "username": "", "password": ""}),
    ("none", "identity", {"use_default_credentials": True, "username": "", "password": ""}),
    ("windows", "classic", {"use_default_credentials": True}),
])
def test_each_authentication_choice_writes_documented_values(auth, api, expected):
    assert fields.authentication_values(auth, api, {}) == expected


@pytest.mark.parametrize("values,api,expected", [
    ({"use_default_credentials": True}, "classic", "windows"),
    ({"use_default_credentials": True, "username": "x"}, "identity", "none"),
    ({"use_default_credentials": False, "username": "a@example.com"}, "classic", "password"),
    ({"use_default_credentials": False, "username": ""}, "identity", "none"),
    ({"use_default_credentials": False}, "classic", "none"),
])
def test_derived_authentication(values, api, expected):
    assert fields.derive_authentication(values, api) == expected


@pytest.mark.parametrize("desired,auth,api,option", [
    ({"username": "a@example.com"}, "none", None, "username"),
    ({"password": "x"}, "none", None, "password"),
    ({"use_default_credentials": True}, "none", "classic", "use_default_credentials"),
    ({"use_default_credentials": True}, "password", None, "use_default_credentials"),
    ({"username": ""}, "password", None, "username"),
    ({}, "windows", "identity", "authentication"),
    ({"use_default_credentials": False}, "windows", "classic", "use_default_credentials"),
    ({"port": 465, "enable_ssl": True}, None, None, "port"),
    ({"connection_timeout": 300001}, None, "identity", "connection_timeout"),
    ({"enable_ssl": True, "use_default_credentials": True}, None, "classic", "enable_ssl"),
])
def test_refusals_name_one_option_in_one_line(desired, auth, api, option):
    with pytest.raises(validation.ValidationError) as err:
        validation.validate_input(desired, "on_create", api=api, authentication=auth)
    assert str(err.value).startswith(option + ": ") and "\n" not in str(err.value)


@pytest.mark.parametrize("desired,api", [
    ({"enable_ssl": True, "use_default_credentials": True}, "identity"),   # UiPath 2023.10 erratum
    ({"enable_ssl": True, "use_default_credentials": True}, "auto"),       # decided after detection
    ({"enable_ssl": True, "use_default_credentials": False}, "classic"),   # STARTTLS relay without login
    ({"enable_ssl": True, "use_default_credentials": False, "username": ""}, "identity"),
    ({"connection_timeout": 300000}, "identity"),
    ({"port": 465, "enable_ssl": False}, "classic"),
])
def test_accepted(desired, api):
    validation.validate_input(desired, "always", api=api)


def test_stored_implicit_tls_is_refused_when_the_task_turns_ssl_on():
    current, pw = fields.decode_settings({"Abp.Net.Mail.Smtp.Port": "465"}, "classic")
    with pytest.raises(validation.ValidationError, match=r"^enable_ssl: true with port 465 \(stored\)"):
        validation.validate_merged(current, {"enable_ssl": True}, pw, api="classic")


# -- against the emulator ------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", ["classic", "identity"])
def test_authentication_none_clears_the_login_and_reruns_clean(emus, catcher, api):
    args = conn(emus, api)
    login = dict(args, username="orch@example.test", password=SECRET, use_default_credentials=False,
                 **relay(catcher))
    assert run(settings_task, login)["changed"]
    none = dict(args, authentication="none", test_mail="on_change", test_recipient="ops-%s@example.test" % api,
                **relay(catcher))
    catcher.delete_all()
    first = run(settings_task, none)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] and first["test_mail"]["sent"] and first["authentication"] == "none", first
    values = stored(emus, api)
    prefix = "Abp.Net.Mail.Smtp." if api == "classic" else "Email.Smtp."
    assert values[prefix + "UserName"] == "" and values[prefix + "Password"] == ""
    assert values[prefix + "UseDefaultCredentials"] == ("true" if api == "identity" else "false")
    assert len(catcher.search("to", "ops-%s@example.test" % api)) == 1
    again = run(settings_task, none)
    assert not again["changed"] and not again["test_mail"]["sent"], again


def test_windows_is_classic_only(emus, catcher):
    res = run(settings_task, dict(conn(emus, "identity"), authentication="windows", **relay(catcher)))
    assert res["failed"] and res["msg"].startswith("authentication: windows"), res["msg"]
    assert emus["identity"].control.requests() == []
    ok = run(settings_task, dict(conn(emus, "classic"), authentication="windows", **relay(catcher)))
    assert not ok.get("failed") and ok["after"]["use_default_credentials"] is True, ok


def test_identity_storing_ssl_and_default_credentials_is_managed(emus, catcher):
    """A plain module task that changes only the display name succeeds and reruns clean."""
    args = conn(emus, "identity")
    seeded = run(settings_task, dict(args, use_default_credentials=True, username="",
                                     **relay(catcher, enable_ssl=True)))
    assert not seeded.get("failed"), seeded.get("msg")
    task = dict(args, from_display_name="Orchestrator (renamed)")
    first = run(settings_task, task)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] and first["changed_fields"] == ["from_display_name"]
    assert not run(settings_task, task)["changed"]


@pytest.mark.parametrize("args,var", [({"port": 465, "enable_ssl": True}, "port"),
                                      ({"connection_timeout": 300001}, "connection_timeout")])
def test_refused_before_any_request(emus, args, var):
    res = run(settings_task, dict(conn(emus, "identity"), host="smtp.example.com", **args))
    assert res["failed"] and res["msg"].startswith(var + ": ") and res.get("http_requests", 0) == 0
    assert emus["identity"].control.requests() == []


def test_office365_password_login_warns_once_and_the_relay_does_not(emus, catcher):
    args = conn(emus, "classic")
    params = dict(args, host="smtp.office365.com", port=587, enable_ssl=True, use_default_credentials=False,
                  username="orch@example.test", password=SECRET, from_address="orch@example.test")
    res = run(settings_task, params, check=True)
    assert any("end of December 2026" in w and "office365_relay" in w for w in res.get("warnings", [])), res
    assert all(SECRET not in w for w in res.get("warnings", []))
    relay_res = run(settings_task, dict(args, host="contoso-com.mail.protection.outlook.com", port=25,
                                        enable_ssl=True, authentication="none", from_address="orch@example.test"),
                    check=True)
    assert not relay_res.get("warnings"), relay_res


@pytest.mark.parametrize("api", ["classic", "identity"])
def test_only_a_recipient_tests_the_saved_settings_without_a_password(emus, catcher, api):
    args = conn(emus, api)
    assert run(settings_task, dict(args, use_default_credentials=False, username="orch@example.test",
                                   password=SECRET, **relay(catcher)))["changed"]
    emus[api].control.clear_requests()
    catcher.delete_all()
    res = run(test_mail_task, dict(args, test_recipient="saved-%s@example.test" % api))
    assert not res.get("failed"), res.get("msg")
    assert res["accepted"] and res["tested"] == "saved"
    endpoints = [r["endpoint"] for r in emus[api].control.requests()]
    assert "classic.settings.list" not in endpoints and "identity.settings.get" not in endpoints, endpoints
    assert len(catcher.search("to", "saved-%s@example.test" % api)) == 1
    # the alias keeps working; any field given makes it a custom test, which needs the password with a login
    res = run(test_mail_task, dict(args, recipient="saved-%s@example.test" % api, from_display_name="Custom"))
    assert res["failed"] and res["msg"].startswith("password: "), res["msg"]
    res = run(test_mail_task, dict(args, recipient="saved-%s@example.test" % api, from_display_name="Custom",
                                   password=SECRET))
    assert not res.get("failed") and res["tested"] == "custom", res.get("msg")


def test_custom_test_of_a_relay_needs_no_password(emus, catcher):
    args = conn(emus, "classic")
    res = run(test_mail_task, dict(args, test_recipient="relay@example.test", authentication="none",
                                   **relay(catcher)))
    assert not res.get("failed") and res["accepted"], res.get("msg")


class _Client:
    """Answers the tenant alerts read with no such key."""
    request_count = 0

    def __init__(self):
        self.calls = []

    def request(self, method, path, **kw):
        self.calls.append((method, path))

        class R:
            data = {"value": []}
        return R()


def test_alerts_key_absent_reads_as_none_and_is_not_written():
    from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.tenant_alerts import TenantAlertsToggle
    client = _Client()
    assert TenantAlertsToggle(client).read() is None
    assert client.calls == [("GET", "/odata/Settings")]
    line = settings_task.summary_line({"api": "identity", "scope": "organization", "changed_fields": [],
                                       "test_mail": {"reason": "no change"},
                                       "alerts": settings_task.NO_ALERTS_TOGGLE % "Alerts.Email.Enabled"}, False)
    assert line.endswith("alerts: not written: this release has no tenant alerts toggle (Alerts.Email.Enabled not "
                         "in the tenant settings)")


def test_enable_alerts_given_but_no_tenant_key_writes_nothing_and_says_so(emus, catcher, monkeypatch):
    monkeypatch.setattr(settings_task.TenantAlertsToggle, "read", lambda self: None)
    args = dict(conn(emus, "identity"), enable_alerts=True, **relay(catcher))
    res = run(settings_task, args)
    assert not res.get("failed"), res.get("msg")
    assert "enable_alerts" not in res["changed_fields"] and "no tenant alerts toggle" in res["alerts"]
    assert "alerts: not written" in res["summary"] and not res.get("warnings")
    assert "classic.settings.update_bulk" not in [r["endpoint"] for r in emus["identity"].control.requests()]


def test_saved_test_body_has_no_model():
    class C:
        def request(self, method, path, body=None, **kw):
            self.body = body
    c = C()
    ClassicSettingsAPI(c).verify("ops@example.test")
    assert c.body == {"sendTo": "ops@example.test"}

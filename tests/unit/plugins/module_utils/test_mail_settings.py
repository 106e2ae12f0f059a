import pytest

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import mail_settings as ms
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import _validation as validation
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.mail_settings import (
    API_MASK, ValidationError, decode, decode_settings, display, encode, encode_writes, plan, validate_input,
    validate_merged)

GOOD = dict(use_default_credentials=False, username="robots@example.com", password="app-pw",
            from_address="robots@example.com", host="smtp.example.com", port=587, enable_ssl=True)


# --- validation matrix: (case id, input, option named first in the message)
BAD = [
    ("port-zero", {"port": 0}, "port"),
    ("port-too-big", {"port": 70000}, "port"),
    ("port-negative", {"port": -1}, "port"),
    ("port-bool", {"port": True}, "port"),
    ("host-empty", {"host": ""}, "host"),
    ("host-blank", {"host": "   "}, "host"),
    ("host-space", {"host": "smtp example.com"}, "host"),
    ("host-crlf", {"host": "smtp.example.com\r\nRCPT TO:<x@y>"}, "host"),
    ("host-nul", {"host": "smtp\x00.example.com"}, "host"),
    ("host-tab", {"host": "smtp\t.example.com"}, "host"),
    ("host-scheme", {"host": "smtp://smtp.example.com"}, "host"),
    ("host-https", {"host": "https://smtp.example.com"}, "host"),
    ("host-port", {"host": "smtp.example.com:587"}, "host"),
    ("host-path", {"host": "smtp.example.com/x"}, "host"),
    ("host-long", {"host": ("a" * 60 + ".") * 5 + "com"}, "host"),
    ("host-label-long", {"host": "a" * 64 + ".com"}, "host"),
    ("host-hyphen", {"host": "-smtp.example.com"}, "host"),
    ("host-unicode", {"host": "smtp.exämple.com"}, "host"),
    ("host-underscore", {"host": "smtp_relay.example.com"}, "host"),
    ("host-at", {"host": "user@smtp.example.com"}, "host"),
    ("from-bad", {"from_address": "not-an-address"}, "from_address"),
    ("from-two-at", {"from_address": "a@b@example.com"}, "from_address"),
    ("from-display-form", {"from_address": "Orch <orch@example.com>"}, "from_address"),
    ("from-list", {"from_address": "a@example.com,b@example.com"}, "from_address"),
    ("from-crlf", {"from_address": "a@example.com\r\nBcc: x@y.z"}, "from_address"),
    ("from-dot", {"from_address": ".a@example.com"}, "from_address"),
    ("user-bad-email", {"username": "robots@"}, "username"),
    ("user-ctrl", {"username": "robots\n@example.com"}, "username"),
    ("user-trailing-space", {"username": "robots "}, "username"),
    ("display-crlf", {"from_display_name": "Orch\r\nBcc: evil@example.com"}, "from_display_name"),
    ("display-lf", {"from_display_name": "Orch\nX"}, "from_display_name"),
    ("display-nul", {"from_display_name": "Orch\x00"}, "from_display_name"),
    ("display-u2028", {"from_display_name": "Orch\u2028X"}, "from_display_name"),
    ("display-long", {"from_display_name": "x" * 300}, "from_display_name"),
    ("domain-space", {"domain": "EXAMPLE CORP"}, "domain"),
    ("password-crlf", {"password": "pw\r\nx"}, "password"),
    ("password-mask", {"password": API_MASK}, "password"),
    ("password-display-mask", {"password": "********"}, "password"),
    ("no-username", {"use_default_credentials": False, "username": "", "password": "x"}, "username"),
    ("implicit-tls", {"port": 465, "enable_ssl": True}, "port"),
    ("timeout-above-uipath-range", {"connection_timeout": 300001}, "connection_timeout"),
    ("no-password-always", {"use_default_credentials": False, "username": "a@example.com",
                            "from_address": "a@example.com"}, "password"),
    ("empty-password", {"use_default_credentials": False, "username": "a@example.com", "password": ""}, "password"),
    ("from-mismatch", dict(GOOD, from_address="other@example.com"), "from_address"),
    ("timeout-zero", {"connection_timeout": 0}, "connection_timeout"),
    ("timeout-negative", {"connection_timeout": -5}, "connection_timeout"),
    ("timeout-huge", {"connection_timeout": 2 ** 31}, "connection_timeout"),
]


@pytest.mark.parametrize("cid,desired,option", BAD, ids=[c[0] for c in BAD])
def test_bad_input_fails_with_one_line_naming_the_option(cid, desired, option):
    with pytest.raises(ValidationError) as err:
        validate_input(desired)
    msg = str(err.value)
    assert msg.startswith(option + ":"), msg
    assert "\n" not in msg and "\r" not in msg
    if "password" in desired and desired["password"] not in ("", API_MASK, "********"):
        assert desired["password"] not in msg


def test_port_message_matches_contract():
    with pytest.raises(ValidationError) as err:
        validate_input({"port": 70000})
    assert str(err.value) == "port: must be an integer between 1 and 65535 (got 70000)"


GOOD_CASES = [
    GOOD,
    {"host": "192.0.2.10"},
    {"host": "2001:db8::1"},
    {"host": "relay"},
    {"host": "smtp.example.com."},
    {"host": "xn--exmple-cua.com"},
    {"port": 1}, {"port": 65535},
    {"use_default_credentials": True, "enable_ssl": False, "host": "relay.example.local"},
    {"use_default_credentials": False, "username": "DOMAIN\\svc", "password": "pw", "from_address": "a@example.com",
     "domain": "EXAMPLE"},
    {"from_display_name": "UiPath Orchestrator – Produktion ✓"},
    {"from_display_name": ""},
    {"from_address": ""},
    {"username": "Robots@Example.com", "from_address": "robots@example.com"},
    {"connection_timeout": 180000},
]


@pytest.mark.parametrize("desired", GOOD_CASES)
def test_good_input_passes(desired):
    allow = desired.get("username") == "DOMAIN\\svc"
    validate_input(desired, allow_from_mismatch=allow)


def test_on_create_allows_missing_password_until_merge():
    desired = {"use_default_credentials": False, "username": "a@example.com"}
    validate_input(desired, update_password="on_create")
    current, pw_set = decode_settings({"Abp.Net.Mail.Smtp.Password": ""}, "classic")
    with pytest.raises(ValidationError, match=r"^password: required .*no password is stored"):
        validate_merged(current, desired, pw_set, "on_create")
    current, pw_set = decode_settings({"Abp.Net.Mail.Smtp.Password": API_MASK}, "classic")
    validate_merged(current, desired, pw_set, "on_create")


def test_allow_from_mismatch():
    validate_input(dict(GOOD, from_address="other@example.com"), allow_from_mismatch=True)


def test_from_mismatch_ignored_with_default_credentials():
    validate_input({"use_default_credentials": True, "username": "a@example.com", "from_address": "b@example.com"})


def test_merged_ssl_against_stored_default_credentials():
    current, pw_set = decode_settings({"Abp.Net.Mail.Smtp.UseDefaultCredentials": "true"}, "classic")
    with pytest.raises(ValidationError, match=r"^use_default_credentials: "):
        validate_merged(current, {"enable_ssl": True}, pw_set, api="classic")


def test_merged_from_mismatch_with_stored_username():
    current, pw_set = decode_settings({"Abp.Net.Mail.Smtp.UserName": "a@example.com",
                                       "Abp.Net.Mail.Smtp.UseDefaultCredentials": "false",
                                       "Abp.Net.Mail.Smtp.Password": API_MASK}, "classic")
    with pytest.raises(ValidationError, match=r"^from_address: .*stored value"):
        validate_merged(current, {"from_address": "b@example.com"}, pw_set)


# --- mapping / encoding
def test_key_maps():
    assert ms.CLASSIC_KEYS["username"] == "Abp.Net.Mail.Smtp.UserName"
    assert ms.CLASSIC_KEYS["from_address"] == "Abp.Net.Mail.DefaultFromAddress"
    assert ms.CLASSIC_KEYS["enable_alerts"] == "Alerts.Email.Enabled"
    assert "connection_timeout" not in ms.CLASSIC_KEYS
    assert ms.IDENTITY_KEYS["from_address"] == "Email.Smtp.FromEmail"
    assert ms.IDENTITY_KEYS["from_display_name"] == "Email.Smtp.FromDisplayName"
    assert ms.IDENTITY_KEYS["connection_timeout"] == "Email.Smtp.ConnectionTimeout"
    assert "enable_alerts" not in ms.IDENTITY_KEYS
    assert len(ms.CLASSIC_KEYS) == 10 and len(ms.IDENTITY_KEYS) == 10


@pytest.mark.parametrize("field,value,raw", [
    ("enable_ssl", True, "true"), ("enable_ssl", False, "false"), ("port", 587, "587"),
    ("connection_timeout", 180000, "180000"), ("host", "smtp.example.com", "smtp.example.com"),
])
def test_encode_decode_round_trip(field, value, raw):
    assert encode(field, value) == raw
    assert decode(field, raw) == value


def test_decode_is_lenient_and_keeps_garbage():
    assert decode("enable_ssl", "True") is True
    assert decode("enable_ssl", "yes") == "yes"
    assert decode("port", " 25 ") == 25
    assert decode("port", "abc") == "abc"
    assert decode("host", None) is None


def test_decode_settings_never_keeps_the_password():
    current, pw_set = decode_settings({"Abp.Net.Mail.Smtp.Password": API_MASK}, "classic")
    assert pw_set is True and current["password"] == "********"
    assert display(current, "classic", pw_set)["password"] == "********"
    current, pw_set = decode_settings({"Abp.Net.Mail.Smtp.Password": ""}, "classic")
    assert pw_set is False and display(current, "classic", pw_set)["password"] == ""


# --- comparison
def classic_current(**over):
    raw = {"Abp.Net.Mail.Smtp.Host": "smtp.example.com", "Abp.Net.Mail.Smtp.Port": "587",
           "Abp.Net.Mail.Smtp.EnableSsl": "true", "Abp.Net.Mail.Smtp.UseDefaultCredentials": "false",
           "Abp.Net.Mail.Smtp.UserName": "robots@example.com", "Abp.Net.Mail.Smtp.Password": API_MASK,
           "Abp.Net.Mail.Smtp.Domain": "", "Abp.Net.Mail.DefaultFromAddress": "robots@example.com",
           "Abp.Net.Mail.DefaultFromDisplayName": "Orch", "Alerts.Email.Enabled": "true"}
    raw.update(over)
    return decode_settings(raw, "classic")


def test_minimal_keys_only_changed_field():
    current, pw_set = classic_current()
    changed, writes = plan(current, {"from_display_name": "New", "port": 587}, pw_set, "classic")
    assert changed == ["from_display_name"] and writes == {"from_display_name": "New"}
    assert encode_writes(writes, "classic") == [("Abp.Net.Mail.DefaultFromDisplayName", "New")]


def test_no_change_no_write():
    current, pw_set = classic_current()
    desired = dict(GOOD)
    desired.pop("password")
    assert plan(current, desired, pw_set, "classic") == ([], {})


def test_password_always_is_sent():
    current, pw_set = classic_current()
    changed, writes = plan(current, {"password": "pw"}, pw_set, "classic", "always")
    assert changed == ["password"] and writes == {"password": "pw"}


def test_password_on_create_not_sent_when_stored():
    current, pw_set = classic_current()
    assert plan(current, {"password": "pw"}, pw_set, "classic", "on_create") == ([], {})


def test_password_on_create_sent_when_empty():
    current, pw_set = classic_current(**{"Abp.Net.Mail.Smtp.Password": ""})
    changed, writes = plan(current, {"password": "pw"}, pw_set, "classic", "on_create")
    assert changed == ["password"] and writes["password"] == "pw"


@pytest.mark.parametrize("field,value", [("host", "smtp2.example.com"), ("port", 25), ("enable_ssl", False),
                                         ("username", "other@example.com")])
def test_password_sent_on_credential_change_with_on_create(field, value):
    current, pw_set = classic_current()
    changed, writes = plan(current, {field: value, "password": "pw"}, pw_set, "classic", "on_create")
    assert field in changed and "password" in changed and writes["password"] == "pw"


def test_display_name_change_does_not_send_password_on_create():
    current, pw_set = classic_current()
    changed, writes = plan(current, {"from_display_name": "X", "password": "pw"}, pw_set, "classic", "on_create")
    assert "password" not in writes


def test_mask_never_in_writes():
    current, pw_set = classic_current()
    for update in ("always", "on_create"):
        changed, writes = plan(current, {"host": "new.example.com"}, pw_set, "classic", update)
        assert "password" not in writes
        assert all(API_MASK not in v and v != "********" for k, v in encode_writes(writes, "classic"))


def test_empty_password_clears_only_when_set():
    current, pw_set = classic_current()
    assert plan(current, {"password": ""}, pw_set, "classic")[1] == {"password": ""}
    current, pw_set = classic_current(**{"Abp.Net.Mail.Smtp.Password": ""})
    assert plan(current, {"password": ""}, pw_set, "classic") == ([], {})


def test_absent_key_counts_as_change():
    current, pw_set = decode_settings({}, "classic")
    changed, writes = plan(current, {"domain": ""}, pw_set, "classic")
    assert changed == ["domain"]


def test_identity_always_writes_host_port_from_together():
    raw = {"Email.Smtp.Host": "smtp.example.com", "Email.Smtp.Port": "587", "Email.Smtp.FromEmail": "a@example.com"}
    current, pw_set = decode_settings(raw, "identity")
    changed, writes = plan(current, {"from_display_name": "X"}, pw_set, "identity")
    assert changed == ["from_display_name"]
    assert writes == {"from_display_name": "X", "host": "smtp.example.com", "port": 587,
                      "from_address": "a@example.com"}
    keys = [k for k, v in encode_writes(writes, "identity")]
    assert {"Email.Smtp.Host", "Email.Smtp.Port", "Email.Smtp.FromEmail"} <= set(keys)


def test_identity_write_without_stored_host_fails():
    current, pw_set = decode_settings({}, "identity")
    changed, writes = plan(current, {"from_display_name": "X"}, pw_set, "identity")  # plan never raises
    with pytest.raises(ValidationError, match=r"^host: "):
        validation.check_write("identity", writes, ms.merge(current, {"from_display_name": "X"}))


# --- the one validator: structured errors, one wording per rule, option names rendered in one place
ROLE_NAMES = {"from_address": "smtp_mail_from_address", "username": "smtp_mail_username",
              "allow_from_mismatch": "smtp_mail_allow_from_mismatch", "client_id": "smtp_mail_orchestrator_client_id",
              "client_secret": "smtp_mail_orchestrator_client_secret", "tenant": "smtp_mail_orchestrator_tenant"}


def test_errors_render_every_option_name_through_one_function():
    with pytest.raises(ValidationError) as err:
        validate_input(dict(GOOD, from_address="other@example.com"))
    exc = err.value
    assert exc.option == "from_address" and exc.hint_options == ("username", "allow_from_mismatch")
    assert str(exc).startswith("from_address: must equal username ") and "set allow_from_mismatch: true" in str(exc)
    role = exc.render(ROLE_NAMES)
    assert role.startswith("smtp_mail_from_address: must equal smtp_mail_username ")
    assert "set smtp_mail_allow_from_mismatch: true" in role and " allow_from_mismatch" not in role


def test_user_values_with_braces_are_never_formatted():
    with pytest.raises(ValidationError) as err:
        validate_input({"host": "{0}{x}.example.com"})
    assert "{0}{x}" in str(err.value) and "{0}{x}" in err.value.render(ROLE_NAMES)


@pytest.mark.parametrize("params,missing,given", [
    ({"client_id": "app"}, "client_secret", "client_id"),
    ({"client_secret": "s"}, "client_id", "client_secret"),
    ({"orchestrator_username": "admin", "orchestrator_password": ""}, "orchestrator_password", "orchestrator_username"),
    ({"orchestrator_password": "pw"}, "orchestrator_username", "orchestrator_password"),
])
def test_required_together_has_one_wording_naming_the_missing_option(params, missing, given):
    rules = {"required_together": [["client_id", "client_secret"], ["orchestrator_username", "orchestrator_password"]]}
    with pytest.raises(ValidationError) as err:
        validation.check_rules(rules, params)
    assert str(err.value) == "%s: must be set together with %s" % (missing, given)
    assert err.value.render(ROLE_NAMES).startswith(ROLE_NAMES.get(missing, missing) + ": ")


def test_one_line_callers_keep_working():
    exc = ValidationError("tenant: must not be empty")
    assert exc.option == "tenant" and str(exc) == "tenant: must not be empty"
    assert exc.render(ROLE_NAMES) == "smtp_mail_orchestrator_tenant: must not be empty"


@pytest.mark.parametrize("scope,tenant,option", [("host", "Default", "scope"), ("tenant", "Host", "tenant"),
                                                 ("tenant", "host", "tenant"), ("tenant", " HOST ", "tenant")])
def test_classic_reset_of_the_host_is_refused_however_it_is_named(scope, tenant, option):
    with pytest.raises(ValidationError) as err:
        validation.check_absent("classic", scope, tenant)
    assert str(err.value).startswith(option + ": state=absent on the classic API resets a tenant")
    validation.check_absent("identity", scope, tenant)  # Identity host rows are a partition of their own
    validation.check_absent("classic", "tenant", "Default")


def test_identity_ignores_enable_alerts_field():
    current, pw_set = decode_settings({}, "identity")
    assert "enable_alerts" not in display(current, "identity", pw_set)
    assert "connection_timeout" in display(current, "identity", pw_set)


def test_after_values_masks_password():
    current, pw_set = classic_current(**{"Abp.Net.Mail.Smtp.Password": ""})
    changed, writes = plan(current, {"password": "s3cret"}, pw_set, "classic")
    after, pw_after = ms.after_values(current, writes, pw_set)
    shown = display(after, "classic", pw_after)
    assert shown["password"] == "********" and "s3cret" not in repr(shown)

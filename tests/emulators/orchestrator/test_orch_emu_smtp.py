"""VerifySmtpSetting (classic) against real in-process aiosmtpd servers (.NET SmtpClient semantics)."""
import email
import email.header
import email.policy

import pytest
import requests

from orch_emu_helpers import BULK, MASK, VERIFY, login


def verify(emu, headers, send_to="ops@example.local", **model):
    body = {"sendTo": send_to, "smtpSettingModel": dict({
        "Host": "127.0.0.1", "Port": 25, "EnableSsl": False, "UseDefaultCredentials": True,
        "UserName": "", "Password": "", "Domain": "", "DefaultFromAddress": "orch@example.local",
        "DefaultFromDisplayName": "Orchestrator"}, **model)}
    return requests.post(emu.url + VERIFY, json=body, headers=headers, timeout=20)


def parsed(sink, i=0):
    return email.message_from_bytes(sink.messages[i]["content"], policy=email.policy.default)


def test_plain_delivery(emu, smtp_factory):
    sink = smtp_factory()
    r = verify(emu, login(emu.url), Port=sink.port)
    assert r.status_code == 200 and r.content == b"", r.text
    assert len(sink.messages) == 1
    m = sink.messages[0]
    assert m["mail_from"] == "orch@example.local" and m["rcpt_tos"] == ["ops@example.local"]
    assert m["tls"] is False
    msg = parsed(sink)
    assert msg["Subject"] == "Orchestrator test email"
    assert msg["From"] == "Orchestrator <orch@example.local>"
    assert msg["To"] == "ops@example.local"
    assert msg["Date"] and msg["Message-ID"]
    assert emu.control.counts()["classic.settings.verify_smtp"] == 1


def test_starttls_with_auth_login(emu, smtp_factory, tls_server_context):
    sink = smtp_factory(tls_context=tls_server_context, users={"orch@example.local": "app-pw"})
    r = verify(emu, login(emu.url), Port=sink.port, EnableSsl=True, UseDefaultCredentials=False,
               UserName="orch@example.local", Password="app-pw")
    assert r.status_code == 200, r.text
    assert sink.messages[0]["tls"] is True and sink.messages[0]["auth"] is True
    assert sink.auth_attempts == [("LOGIN", "orch@example.local")]


def test_enable_ssl_without_starttls_fails(emu, smtp_factory):
    sink = smtp_factory()
    r = verify(emu, login(emu.url), Port=sink.port, EnableSsl=True)
    assert r.status_code == 400
    body = r.json()
    assert body["__abp"] is True and body["success"] is False
    assert "Server does not support secure connections." in body["message"]
    assert sink.messages == []


def test_wrong_password_gives_535(emu, smtp_factory):
    sink = smtp_factory(users={"orch@example.local": "right"})
    r = verify(emu, login(emu.url), Port=sink.port, UseDefaultCredentials=False,
               UserName="orch@example.local", Password="wrong")
    assert r.status_code == 400
    msg = r.json()["message"]
    assert msg.startswith("Failure sending mail.") and "535" in msg and "5.7.8" in msg
    assert "wrong" not in msg
    assert sink.messages == []


def test_default_credentials_never_authenticate(emu, smtp_factory):
    sink = smtp_factory(users={"u": "p"})
    r = verify(emu, login(emu.url), Port=sink.port, UseDefaultCredentials=True, UserName="u", Password="p")
    assert r.status_code == 200
    assert sink.auth_attempts == [] and sink.messages[0]["auth"] is False


def test_no_login_mechanism_sends_without_auth(emu, smtp_factory):
    sink = smtp_factory(users={"u": "p"}, exclude_mechs=["LOGIN"], require_auth=True)
    r = verify(emu, login(emu.url), Port=sink.port, UseDefaultCredentials=False, UserName="u", Password="p")
    assert r.status_code == 400
    assert "530" in r.json()["message"]
    assert sink.auth_attempts == []


def test_untrusted_certificate_fails(emu, smtp_factory, tls_server_context):
    from tests.support.orchestrator_emulator import start_orchestrator
    sink = smtp_factory(tls_context=tls_server_context)
    with start_orchestrator("--smtp-timeout", "5") as plain_emu:  # no test CA trusted
        r = verify(plain_emu, login(plain_emu.url), Port=sink.port, EnableSsl=True)
    assert r.status_code == 400
    assert "certificate" in r.json()["message"]
    assert sink.messages == []


def test_connection_refused_is_400(emu, smtp_factory):
    from orch_emu_helpers import free_port
    r = verify(emu, login(emu.url), Port=free_port())
    assert r.status_code == 400
    assert r.json()["message"].startswith("Failure sending mail.")


@pytest.mark.parametrize("field,value", [
    ("DefaultFromDisplayName", "Orch\r\nBcc: victim@example.local"),
    ("DefaultFromAddress", "orch@example.local\r\nBcc: x@example.local"),
])
def test_header_injection_rejected(emu, smtp_factory, field, value):
    sink = smtp_factory()
    r = verify(emu, login(emu.url), Port=sink.port, **{field: value})
    assert r.status_code == 400
    assert r.json()["error"]["validationErrors"]
    assert sink.messages == []


def test_injection_in_send_to_rejected(emu, smtp_factory):
    sink = smtp_factory()
    r = verify(emu, login(emu.url), send_to="a@example.local\r\nBcc: b@example.local", Port=sink.port)
    assert r.status_code == 400 and sink.messages == []


def test_non_ascii_display_name_is_rfc2047(emu, smtp_factory):
    sink = smtp_factory()
    r = verify(emu, login(emu.url), Port=sink.port, DefaultFromDisplayName="Orchestrateur Élan")
    assert r.status_code == 200
    raw = sink.messages[0]["content"].decode("ascii")  # must be pure ASCII on the wire
    assert "=?utf-8?" in raw.lower()
    assert parsed(sink)["From"].addresses[0].display_name == "Orchestrateur Élan"


def _store_login(emu, h, port):
    assert requests.post(emu.url + BULK, headers=h, timeout=10, json={"settings": [
        {"Name": "Abp.Net.Mail.Smtp.Host", "Value": "127.0.0.1"},
        {"Name": "Abp.Net.Mail.Smtp.Port", "Value": str(port)},
        {"Name": "Abp.Net.Mail.Smtp.UseDefaultCredentials", "Value": "false"},
        {"Name": "Abp.Net.Mail.Smtp.UserName", "Value": "stored-user"},
        {"Name": "Abp.Net.Mail.Smtp.Password", "Value": "stored-pw"},
        {"Name": "Abp.Net.Mail.DefaultFromAddress", "Value": "stored@example.local"}]}).status_code == 200


def test_omitted_fields_fall_back_to_stored_but_never_the_password(emu, smtp_factory):
    sink = smtp_factory(users={"stored-user": "stored-pw"})
    h = login(emu.url)
    _store_login(emu, h, sink.port)
    for password in (MASK, None, ""):  # the mask, an omitted and an empty password all mean "no password"
        model = {"Host": "127.0.0.1"}
        if password is not None:
            model["Password"] = password
        r = requests.post(emu.url + VERIFY, headers=h, timeout=20,
                          json={"sendTo": "ops@example.local", "smtpSettingModel": model})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["validationErrors"][0]["members"] == ["smtpSettingModel.Password"]
    assert sink.auth_attempts == [] and sink.messages == []
    r = requests.post(emu.url + VERIFY, headers=h, timeout=20, json={
        "sendTo": "ops@example.local", "smtpSettingModel": {"Host": "127.0.0.1", "Password": "stored-pw"}})
    assert r.status_code == 200, r.text
    assert sink.auth_attempts == [("LOGIN", "stored-user")]
    assert sink.messages[0]["mail_from"] == "stored@example.local"


def test_send_to_only_tests_the_saved_settings(emu, smtp_factory):
    sink = smtp_factory(users={"stored-user": "stored-pw"})
    h = login(emu.url)
    _store_login(emu, h, sink.port)
    for body in ({"sendTo": "a@example.local"}, {"sendTo": "b@example.local", "smtpSettingModel": None}):
        r = requests.post(emu.url + VERIFY, headers=h, timeout=20, json=body)
        assert r.status_code == 200, r.text
    assert sink.auth_attempts == [("LOGIN", "stored-user")] * 2
    assert [m["rcpt_tos"] for m in sink.messages] == [["a@example.local"], ["b@example.local"]]
    assert emu.control.settings("Default")["stored"]["Abp.Net.Mail.Smtp.Password"] == "stored-pw"


def test_custom_test_without_login_needs_no_password(emu, smtp_factory):
    sink = smtp_factory()
    h = login(emu.url)
    _store_login(emu, h, sink.port)  # a stored login must not leak into a custom test without one
    for model in ({"UseDefaultCredentials": True}, {"UseDefaultCredentials": False, "UserName": ""}):
        r = verify(emu, h, Port=sink.port, **model)
        assert r.status_code == 200, r.text
    assert len(sink.messages) == 2 and not any(m["auth"] for m in sink.messages)


def test_verify_requires_edit_and_host(emu, smtp_factory):
    r = verify(emu, login(emu.url, user="viewer"))
    assert r.status_code == 403
    r = requests.post(emu.url + VERIFY, headers=login(emu.url), timeout=10,
                      json={"sendTo": "a@example.local", "smtpSettingModel": {"Port": 25}})
    assert r.status_code == 400 and r.json()["error"]["validationErrors"]
    r = requests.post(emu.url + VERIFY, headers=login(emu.url), timeout=10,
                      json={"sendTo": "a@example.local", "smtpSettingModel": "smtp.example.local"})
    assert r.status_code == 400 and r.json()["error"]["validationErrors"][0]["members"] == ["smtpSettingModel"]
    r = requests.post(emu.url + VERIFY, headers=login(emu.url), timeout=10,
                      json={"smtpSettingModel": {"Host": "127.0.0.1"}})
    assert r.status_code == 400 and r.json()["error"]["validationErrors"][0]["members"] == ["sendTo"]

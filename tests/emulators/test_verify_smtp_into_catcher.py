"""End to end: the Orchestrator emulator's VerifySmtpSetting delivers into the MailHog-compatible catcher.

The mail is found only through MailHog's API (/api/v2/search); AuthUser is the catcher's extension.
"""
import sys
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.mailhog_catcher import make_test_ca, start_mailhog  # noqa: E402
from tests.support.orchestrator_emulator import start_orchestrator  # noqa: E402

VERIFY = "/odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting"
SUBJECT = "Orchestrator test email"
SMTP_USER, SMTP_PASS = "orch-mailer", "mailer-secret"


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return make_test_ca(tmp_path_factory.mktemp("verify-ca"))


@pytest.fixture(scope="module")
def orchestrator(ca):
    with start_orchestrator(env={"ORCH_EMU_SMTP_CA_FILE": ca["ca"]}) as emu:
        yield emu


@pytest.fixture(scope="module")
def token(orchestrator):
    r = requests.post(orchestrator.url + "/api/Account/Authenticate", timeout=10,
                      json={"tenancyName": "Default", "usernameOrEmailAddress": "admin",
                            "password": "emulator-admin"})
    assert r.status_code == 200, r.text
    return r.json()["result"]


@pytest.fixture(scope="module")
def plain_catcher():
    with start_mailhog() as mh:
        yield mh


@pytest.fixture(scope="module")
def strict_catcher(ca):
    with start_mailhog("--x-tls-cert", ca["cert"], "--x-tls-key", ca["key"], "--x-require-starttls",
                       "--x-auth", f"{SMTP_USER}:{SMTP_PASS}") as mh:
        yield mh


def verify(orchestrator, token, mh, send_to, enable_ssl=False, user="", password="", host="127.0.0.1"):
    body = {"sendTo": send_to, "smtpSettingModel": {
        "Host": host, "Port": mh.smtp_port, "EnableSsl": enable_ssl, "UseDefaultCredentials": False,
        "UserName": user, "Password": password, "Domain": "",
        "DefaultFromAddress": "orchestrator@example.test", "DefaultFromDisplayName": "Orchestrator Emu"}}
    return requests.post(orchestrator.url + VERIFY, json=body, timeout=60,
                         headers={"Authorization": f"Bearer {token}"})


def found(mh, send_to):
    items = mh.search("to", send_to)
    assert len(items) == 1, items
    m = items[0]
    # .NET SmtpClient writes CRLF; MailHog splits headers at CRLF CRLF.
    assert "\r\n" in m["Raw"]["Data"]
    h = m["Content"]["Headers"]
    assert h["Subject"] == [SUBJECT]
    assert h["To"] == [send_to]
    assert "orchestrator@example.test" in h["From"][0] and "Orchestrator Emu" in h["From"][0]
    assert f"{m['From']['Mailbox']}@{m['From']['Domain']}" == "orchestrator@example.test"
    assert [f"{t['Mailbox']}@{t['Domain']}" for t in m["To"]] == [send_to]
    assert mh.search("from", "orchestrator@example.test")[0]["ID"] == m["ID"]
    return m


def test_default_mailhog_mode_delivers(orchestrator, token, plain_catcher):
    r = verify(orchestrator, token, plain_catcher, "ops-plain@example.test")
    assert r.status_code == 200, r.text
    m = found(plain_catcher, "ops-plain@example.test")
    assert "AuthUser" not in m  # default mode keeps MailHog's keys


def test_default_mode_with_credentials_still_delivers(orchestrator, token, plain_catcher):
    # MailHog advertises only AUTH PLAIN; .NET-like LOGIN-only clients then send without AUTH
    r = verify(orchestrator, token, plain_catcher, "ops-creds@example.test", user="x", password="y")
    assert r.status_code == 200, r.text
    found(plain_catcher, "ops-creds@example.test")


def test_starttls_auth_mode_delivers_with_auth_user(orchestrator, token, strict_catcher):
    r = verify(orchestrator, token, strict_catcher, "ops-tls@example.test", enable_ssl=True,
               user=SMTP_USER, password=SMTP_PASS)
    assert r.status_code == 200, r.text
    m = found(strict_catcher, "ops-tls@example.test")
    assert m["AuthUser"] == SMTP_USER


def _error_text(r):
    body = r.json()
    err = body.get("error") or {}
    return f"{err.get('message', '')} {err.get('details', '')}"


def test_wrong_password_is_400_with_535(orchestrator, token, strict_catcher):
    r = verify(orchestrator, token, strict_catcher, "ops-bad@example.test", enable_ssl=True,
               user=SMTP_USER, password="wrong")
    assert r.status_code == 400, r.text
    assert "535" in _error_text(r)
    assert strict_catcher.search("to", "ops-bad@example.test") == []


def test_no_starttls_against_strict_catcher_is_400_with_530(orchestrator, token, strict_catcher):
    r = verify(orchestrator, token, strict_catcher, "ops-nossl@example.test", enable_ssl=False,
               user=SMTP_USER, password=SMTP_PASS)
    assert r.status_code == 400, r.text
    assert "530" in _error_text(r)


def test_enable_ssl_against_mailhog_mode_is_400(orchestrator, token, plain_catcher):
    r = verify(orchestrator, token, plain_catcher, "ops-ssl@example.test", enable_ssl=True)
    assert r.status_code == 400, r.text
    assert "secure connections" in _error_text(r)
    assert plain_catcher.search("to", "ops-ssl@example.test") == []


@pytest.fixture(scope="module")
def cloud_orchestrator(ca):
    with start_orchestrator(profile="cloud", env={"ORCH_EMU_SMTP_CA_FILE": ca["ca"]}) as emu:
        yield emu


def test_identity_verify_command_on_cloud_delivers_with_auth_user(cloud_orchestrator, strict_catcher):
    """Identity VerifySmtpSettings ({recipient, smtpSettings}) under /{org}/identity_ into the STARTTLS catcher."""
    ident = cloud_orchestrator.identity_url()
    r = requests.post(ident + "/connect/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": "ansible", "client_secret": "emulator-secret",
        "scope": "PM.Setting"})
    assert r.status_code == 200, r.text
    body = {"recipient": "ops-identity@example.test", "smtpSettings": {
        "host": "127.0.0.1", "port": strict_catcher.smtp_port, "enableSsl": True, "useDefaultCredentials": False,
        "userName": SMTP_USER, "password": SMTP_PASS, "domain": "",
        "fromAddress": "orchestrator@example.test", "fromDisplayName": "Orchestrator Emu"}}
    r = requests.post(ident + "/api/Setting/VerifySmtpSettings", json=body, timeout=60,
                      headers={"Authorization": "Bearer " + r.json()["access_token"]})
    assert r.status_code == 200, r.text
    m = found(strict_catcher, "ops-identity@example.test")
    assert m["AuthUser"] == SMTP_USER

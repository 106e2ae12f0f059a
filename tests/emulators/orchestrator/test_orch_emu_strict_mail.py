"""The emulator as strict as the servers: Identity PUT needs Host+Port+FromEmail together, custom test
mails need the password unless no login is configured, "recipient only" tests the saved settings, the sender
sends no AUTH without a login and detects implicit TLS quickly, profiles 2024.10 / 2025.10, and the Web API 20
error names of a failed test mail."""
import socket
import threading
import time

import pytest
import requests

from orch_emu_helpers import BULK, MASK, ORG_ID, VERIFY, free_port, login, put_settings, token, with_trio
from tests.support.orchestrator_emulator import start_orchestrator

SETTING = "/identity/api/Setting"
IDENTITY_VERIFY = SETTING + "/VerifySmtpSettings"
DELETE_BULK = "/odata/Settings/UiPath.Server.Configuration.OData.DeleteBulk"


def _smtp(port, **over):
    s = {"host": "127.0.0.1", "port": port, "userName": "", "password": "", "domain": "", "enableSsl": False,
         "useDefaultCredentials": False, "fromAddress": "orch@example.local", "fromDisplayName": "Orch"}
    s.update(over)
    return s


# -- 1. Identity PUT: Host, Port and FromEmail together ----------------------------------------------------
@pytest.mark.parametrize("pairs,named", [
    ({"Email.Smtp.Host": "smtp.example.local"}, ["Email.Smtp.Port", "Email.Smtp.FromEmail"]),
    ({"Email.Smtp.Password": "pw"}, ["Email.Smtp.Host", "Email.Smtp.Port", "Email.Smtp.FromEmail"]),
    ({"Email.Smtp.Host": "h", "Email.Smtp.Port": "25", "Email.Smtp.ConnectionTimeout": "1000"},
     ["Email.Smtp.FromEmail"]),
    (with_trio(**{"Email.Smtp.FromEmail": ""}), ["Email.Smtp.FromEmail"]),
    (with_trio(**{"Email.Smtp.Host": "  "}), ["Email.Smtp.Host"]),
])
def test_identity_put_requires_host_port_from_together(emu23, pairs, named):
    h = token(emu23)
    r = put_settings(emu23, h, pairs, partition=ORG_ID)
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["title"] == "One or more validation errors occurred." and body["status"] == 400
    assert list(body["errors"]) == ["settings"]
    message = body["errors"]["settings"][0]
    assert all(k in message.split("(", 1)[1] for k in named), message
    assert emu23.control.identity_settings(ORG_ID)["stored"] == {}  # nothing written
    assert emu23.control.requests()[-1]["written_keys"] is None


def test_identity_put_together_accepts_the_trio_and_leaves_other_keys_alone(emu23):
    h = token(emu23)
    r = put_settings(emu23, h, with_trio({"Email.Smtp.Password": "pw"}), partition=ORG_ID)
    assert r.status_code == 200, r.text
    # keys outside Email.Smtp.* are not SMTP settings: no trio needed
    assert put_settings(emu23, h, {"Auth.Local.Enabled": "true"}, partition=ORG_ID).status_code == 200
    # PascalCase binding counts the same keys
    body = {"Settings": [{"Key": "Email.Smtp.Host", "Value": "a"}, {"Key": "Email.Smtp.Port", "Value": "587"},
                         {"Key": "Email.Smtp.FromEmail", "Value": "f@example.local"}], "PartitionGlobalId": ORG_ID}
    assert requests.put(emu23.url + SETTING, json=body, headers=h, timeout=10).status_code == 200
    assert emu23.control.identity_settings(ORG_ID)["stored"]["Email.Smtp.Port"] == "587"


def test_identity_put_together_on_cloud(emu_cloud):
    h = token(emu_cloud, prefix="/Default/identity_")
    r = put_settings(emu_cloud, h, {"Email.Smtp.Host": "x"}, partition=ORG_ID, prefix="/Default/identity_")
    assert r.status_code == 400 and "settings" in r.json()["errors"]
    assert put_settings(emu_cloud, h, with_trio(), partition=ORG_ID, prefix="/Default/identity_").status_code == 200


# -- 2. Test mail: custom needs the password, "recipient only" tests the saved settings -------------------
def _store_identity_login(emu, h, port, enable_ssl="false", partition=None):
    assert put_settings(emu, h, with_trio({
        "Email.Smtp.Host": "127.0.0.1", "Email.Smtp.Port": str(port), "Email.Smtp.EnableSsl": enable_ssl,
        "Email.Smtp.UseDefaultCredentials": "false", "Email.Smtp.UserName": "stored-user",
        "Email.Smtp.Password": "stored-pw", "Email.Smtp.FromEmail": "stored@example.local"}),
        partition=partition).status_code == 200


def test_identity_custom_test_without_password_is_refused(emu23, smtp_factory):
    sink = smtp_factory(users={"stored-user": "stored-pw"})
    h = token(emu23)
    _store_identity_login(emu23, h, sink.port)
    for smtp in ({"fromDisplayName": "Model"}, {},  # login and password would have come from storage before
                 _smtp(sink.port, userName="stored-user"),
                 _smtp(sink.port, userName="stored-user", password=MASK)):
        r = requests.post(emu23.url + IDENTITY_VERIFY, headers=h, timeout=20,
                          json={"recipient": "ops@example.local", "smtpSettings": smtp})
        assert r.status_code == 400, r.text
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert list(r.json()["errors"]) == ["SmtpSettings.Password"]
    assert sink.messages == [] and sink.auth_attempts == []


def test_identity_recipient_only_tests_saved_settings_with_stored_password(emu23, smtp_factory,
                                                                          tls_server_context):
    sink = smtp_factory(tls_context=tls_server_context, users={"stored-user": "stored-pw"})
    h = token(emu23)
    _store_identity_login(emu23, h, sink.port, enable_ssl="true")
    for body in ({"recipient": "a@example.local"}, {"recipient": "b@example.local", "smtpSettings": None}):
        r = requests.post(emu23.url + IDENTITY_VERIFY, headers=h, timeout=20, json=body)
        assert r.status_code == 200, r.text
    assert sink.auth_attempts == [("LOGIN", "stored-user")] * 2
    assert all(m["tls"] and m["auth"] for m in sink.messages) and len(sink.messages) == 2


@pytest.mark.parametrize("over", [{"useDefaultCredentials": True}, {"userName": ""}])
def test_identity_custom_test_without_login_needs_no_password(emu23, smtp_factory, over):
    sink = smtp_factory(users={"stored-user": "stored-pw"})
    h = token(emu23)
    _store_identity_login(emu23, h, sink.port)
    smtp = _smtp(sink.port, **over)
    del smtp["password"]
    if "userName" not in over:
        smtp["userName"] = "someone"  # ignored: default credentials = no login (2023.4+ Identity meaning)
    r = requests.post(emu23.url + IDENTITY_VERIFY, headers=h, timeout=20,
                      json={"recipient": "ops@example.local", "smtpSettings": smtp})
    assert r.status_code == 200, r.text
    assert sink.auth_attempts == [] and sink.messages[0]["auth"] is False


# -- 3. Sender: no AUTH without a login, STARTTLS only with EnableSsl, implicit TLS fails fast ----------------
def test_starttls_relay_without_login_sends_no_auth(emu23, smtp_factory, tls_server_context):
    """EnableSsl true, UseDefaultCredentials false, empty user name: STARTTLS, then MAIL without AUTH (ABP sets
    no credentials); a server that advertises AUTH but does not require it accepts the mail."""
    sink = smtp_factory(tls_context=tls_server_context, users={"u": "p"})
    h = token(emu23)
    r = requests.post(emu23.url + IDENTITY_VERIFY, headers=h, timeout=20, json={
        "recipient": "ops@example.local", "smtpSettings": _smtp(sink.port, enableSsl=True)})
    assert r.status_code == 200, r.text
    assert sink.messages[0]["tls"] is True and sink.messages[0]["auth"] is False and sink.auth_attempts == []
    # the same on the classic API
    r = requests.post(emu23.url + VERIFY, headers=login(emu23.url), timeout=20, json={
        "sendTo": "ops@example.local", "smtpSettingModel": {
            "Host": "127.0.0.1", "Port": sink.port, "EnableSsl": True, "UseDefaultCredentials": False,
            "UserName": "", "DefaultFromAddress": "orch@example.local"}})
    assert r.status_code == 200, r.text
    assert sink.messages[1]["tls"] is True and sink.auth_attempts == []


def test_identity_ssl_with_default_credentials_is_starttls_without_auth(emu23, smtp_factory, tls_server_context):
    """The AS 2023.10 erratum pair EnableSsl=true + UseDefaultCredentials=True, stored: STARTTLS, no AUTH."""
    sink = smtp_factory(tls_context=tls_server_context, users={"u": "p"})
    h = token(emu23)
    assert put_settings(emu23, h, with_trio({"Email.Smtp.Host": "127.0.0.1", "Email.Smtp.Port": str(sink.port),
                                     "Email.Smtp.EnableSsl": "true", "Email.Smtp.UseDefaultCredentials": "true",
                                     "Email.Smtp.UserName": "", "Email.Smtp.Password": ""})).status_code == 200
    r = requests.post(emu23.url + IDENTITY_VERIFY, headers=h, timeout=20, json={"recipient": "ops@example.local"})
    assert r.status_code == 200, r.text
    assert sink.messages[0]["tls"] is True and sink.auth_attempts == []


def test_no_starttls_without_enable_ssl(emu23, smtp_factory, tls_server_context):
    sink = smtp_factory(tls_context=tls_server_context)
    r = requests.post(emu23.url + IDENTITY_VERIFY, headers=token(emu23), timeout=20, json={
        "recipient": "ops@example.local", "smtpSettings": _smtp(sink.port)})
    assert r.status_code == 200, r.text
    assert sink.messages[0]["tls"] is False


class _LoopbackServer:
    """A listener on a free 127.0.0.1 port; each connection goes to ``_one`` in its own thread."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        raise NotImplementedError

    def close(self):
        self.sock.close()


class _TlsFirstServer(_LoopbackServer):
    """An SMTPS (implicit TLS) listener: TLS handshake first, then the 220 greeting."""

    def __init__(self, tls_context):
        self.ctx = tls_context
        self.handshakes = 0
        super().__init__()

    def _one(self, conn):
        conn.settimeout(20)
        try:
            with self.ctx.wrap_socket(conn, server_side=True) as tls:
                self.handshakes += 1
                tls.sendall(b"220 smtps.example.local ESMTP\r\n")
                tls.recv(1024)
        except OSError:
            conn.close()


class _SlowGreetingServer(_LoopbackServer):
    """A plaintext SMTP server that greets only after ``delay`` seconds (a greet pause), then accepts a mail."""

    def __init__(self, delay=2.0):
        self.delay = delay
        self.messages = []
        super().__init__()

    def _one(self, conn):
        conn.settimeout(20)
        try:
            time.sleep(self.delay)
            f = conn.makefile("rb")
            conn.sendall(b"220 slow.example.local ESMTP\r\n")
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line[:4].upper()
                if cmd == b"EHLO":
                    conn.sendall(b"250-slow.example.local\r\n250 8BITMIME\r\n")
                elif cmd == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    data = b""
                    while not data.endswith(b"\r\n.\r\n"):
                        chunk = f.readline()
                        if not chunk:
                            return
                        data += chunk
                    self.messages.append(data)
                    conn.sendall(b"250 queued\r\n")
                elif cmd == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
        except OSError:
            pass
        finally:
            conn.close()


@pytest.fixture(scope="module")
def _emu_long_timeout(test_ca):
    with start_orchestrator("--smtp-timeout", "60", "--smtp-ca-file", test_ca["ca_file"], profile="2023.10") as emu:
        yield emu


@pytest.fixture
def emu_long(_emu_long_timeout):
    _emu_long_timeout.control.reset()
    return _emu_long_timeout


def test_implicit_tls_server_fails_fast_with_a_clear_error(emu_long, tls_server_context):
    """Port-465 style server (TLS first): SmtpClient would wait for a plaintext greeting until its timeout
    (here 60 s); the emulator detects the TLS-first server within a few seconds and says so."""
    server = _TlsFirstServer(tls_server_context)
    try:
        h = token(emu_long)
        started = time.monotonic()
        r = requests.post(emu_long.url + IDENTITY_VERIFY, headers=h, timeout=60, json={
            "recipient": "ops@example.local", "smtpSettings": _smtp(server.port, enableSsl=True)})
        elapsed = time.monotonic() - started
        assert r.status_code == 400, r.text
        message = r.json()["message"]
        assert message.startswith("Failure sending mail. The operation has timed out.")
        assert "implicit TLS" in message and "587" in message
        assert elapsed < 10, elapsed
        # the classic API (EnableSsl or not) fails the same way: SmtpClient never starts with TLS
        started = time.monotonic()
        r = requests.post(emu_long.url + VERIFY, headers=login(emu_long.url), timeout=60, json={
            "sendTo": "ops@example.local", "smtpSettingModel": {
                "Host": "127.0.0.1", "Port": server.port, "EnableSsl": False, "UseDefaultCredentials": True,
                "DefaultFromAddress": "orch@example.local"}})
        assert r.status_code == 400 and "implicit TLS" in r.json()["message"]
        assert time.monotonic() - started < 10
    finally:
        server.close()


def test_slow_plaintext_greeting_is_not_mistaken_for_tls(emu_long):
    server = _SlowGreetingServer(delay=2.0)
    try:
        r = requests.post(emu_long.url + IDENTITY_VERIFY, headers=token(emu_long), timeout=60, json={
            "recipient": "ops@example.local", "smtpSettings": _smtp(server.port)})
        assert r.status_code == 200, r.text
        assert len(server.messages) == 1
    finally:
        server.close()


# -- 4. Profiles 2024.10 and 2025.10 ----------------------------------------------------------------------
@pytest.mark.parametrize("profile", ["2024.10", "2025.10"])
def test_newer_standalone_profiles(test_ca, smtp_factory, profile):
    sink = smtp_factory()
    with start_orchestrator("--smtp-timeout", "5", profile=profile) as emu:
        cfg = emu.control.config()
        assert cfg["profile"] == profile and cfg["api_version"] == 17 and cfg["client_token_prt_id"] is False
        # classic API at the root with ROPC login, DeleteBulk (Web API 15+)
        h = login(emu.url)
        assert requests.post(emu.url + BULK, headers=h, timeout=10, json={"settings": [
            {"Name": "Abp.Net.Mail.Smtp.Host", "Value": "x"}]}).status_code == 200
        assert requests.post(emu.url + DELETE_BULK, headers=h, timeout=10,
                             json={"settingNames": ["Abp.Net.Mail.Smtp.Host"]}).status_code == 200
        # Identity under /identity (standalone) and /{org}/identity_; no host-level /identity_
        for prefix in ("/identity", "/Default/identity_", "/Default/identity"):
            t = token(emu, prefix=prefix)
            assert put_settings(emu, t, with_trio(), prefix=prefix).status_code == 200
        assert requests.post(emu.url + "/identity_/connect/token", timeout=10, data={
            "grant_type": "client_credentials", "client_id": "ansible",
            "client_secret": "emulator-secret"}).status_code == 404
        # a failed classic test mail keeps the generic error code below Web API 20
        r = requests.post(emu.url + VERIFY, headers=h, timeout=20, json={
            "sendTo": "ops@example.local", "smtpSettingModel": {
                "Host": "127.0.0.1", "Port": free_port(), "DefaultFromAddress": "orch@example.local"}})
        assert r.status_code == 400 and r.json()["errorCode"] == 1000
        assert sink.messages == []


# -- 5. Web API 20 error names on a failed classic test mail -----------------------------------------------
def test_cloud_failed_test_mail_is_mail_smtp_settings_error(emu_cloud):
    h = token(emu_cloud, prefix="/Default/identity_")
    r = requests.post(emu_cloud.orchestrator_url() + VERIFY, headers=h, timeout=20, json={
        "sendTo": "ops@example.local", "smtpSettingModel": {
            "Host": "127.0.0.1", "Port": free_port(), "DefaultFromAddress": "orch@example.local"}})
    assert r.status_code == 400
    body = r.json()
    assert body["errorCode"] == "MailSmtpSettingsError"
    assert body["message"].startswith("Failure sending mail.") and body["__abp"] is True
    # input errors are still validation errors (1000), not mail errors
    r = requests.post(emu_cloud.orchestrator_url() + VERIFY, headers=h, timeout=20, json={
        "sendTo": "not-an-address", "smtpSettingModel": {"Host": "127.0.0.1", "Port": 25,
                                                         "DefaultFromAddress": "orch@example.local"}})
    assert r.status_code == 400 and r.json()["errorCode"] == 1000


def test_api_version_20_host_failed_test_mail_is_host_mail_smtp_settings_error(test_ca):
    with start_orchestrator("--smtp-timeout", "5", "--api-version", "20", profile="2023.10") as emu:
        body = {"sendTo": "ops@example.local", "smtpSettingModel": {
            "Host": "127.0.0.1", "Port": free_port(), "DefaultFromAddress": "orch@example.local"}}
        r = requests.post(emu.url + VERIFY, headers=login(emu.url, tenant="Host"), timeout=20, json=body)
        assert r.status_code == 400 and r.json()["errorCode"] == "HostMailSmtpSettingsError"
        r = requests.post(emu.url + VERIFY, headers=login(emu.url), timeout=20, json=body)
        assert r.status_code == 400 and r.json()["errorCode"] == "MailSmtpSettingsError"

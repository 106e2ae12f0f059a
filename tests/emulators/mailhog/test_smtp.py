"""SMTP behaviour with smtplib: MailHog defaults (mailhog/smtp) and the extensions (tests/lab/emulators/mailhog/README.md)."""
import base64
import smtplib
import ssl

import pytest

AUTH_USER, AUTH_PASS = "smtp-user", "smtp-secret"  # as in conftest.py

MSG = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: smtp test\r\n\r\nhello\r\n"


def _connect(mh, **kw):
    return smtplib.SMTP(mh.smtp_host, mh.smtp_port, timeout=10, **kw)


def _tls_ctx(ca_file):
    return ssl.create_default_context(cafile=ca_file)


# ---- MailHog default behaviour -------------------------------------------------------

def test_greeting_and_ehlo_like_mailhog(catcher):
    s = smtplib.SMTP(timeout=10)
    try:
        code, greeting = s.connect(catcher.smtp_host, catcher.smtp_port)
        assert (code, greeting) == (220, b"mailhog.example ESMTP MailHog")
        code, text = s.ehlo("client.test")
        assert code == 250
        assert text.split(b"\n") == [b"Hello client.test", b"PIPELINING", b"AUTH PLAIN"]
        assert not s.has_extn("starttls")
        assert s.helo("client.test") == (250, b"Hello client.test")
    finally:
        s.close()


def test_plain_send_without_auth_is_accepted(catcher):
    with _connect(catcher) as s:
        s.ehlo("client.test")
        code, resp = s.mail("alice@example.com")
        assert (code, resp) == (250, b"Sender alice@example.com ok")
        assert s.rcpt("bob@example.com") == (250, b"Recipient bob@example.com ok")
        code, resp = s.data(MSG.encode())
        assert code == 250 and resp.startswith(b"Ok: queued as ")
        msg_id = resp[len(b"Ok: queued as "):].decode()
    items = catcher.messages()
    assert len(items) == 1
    assert items[0]["ID"] == msg_id
    assert "AuthUser" not in items[0]


@pytest.mark.parametrize("user,password", [("anyone", "anything"), ("", "x"), ("u", "")])
def test_any_credentials_accepted_with_plain(catcher, user, password):
    with _connect(catcher) as s:
        s.ehlo("client.test")
        assert s.login(user, password) == (235, b"Authentication successful")
        s.sendmail("alice@example.com", ["bob@example.com"], MSG)
    assert len(catcher.messages()) == 1


def test_auth_login_without_initial_response_runs(catcher):
    with _connect(catcher) as s:
        s.ehlo("client.test")
        code, _ = s.docmd("AUTH", "LOGIN")
        assert code == 334
        assert s.docmd(base64.b64encode(b"who").decode())[0] == 334
        assert s.docmd(base64.b64encode(b"ever").decode()) == (235, b"Authentication successful")


def test_auth_login_with_initial_response_is_504(catcher):
    with _connect(catcher) as s:
        s.ehlo("client.test")
        code, text = s.docmd("AUTH", "LOGIN " + base64.b64encode(b"who").decode())
        assert (code, text) == (504, b"Unsupported authentication mechanism")


def test_starttls_is_unrecognised(catcher):
    with _connect(catcher) as s:
        s.ehlo("client.test")
        assert s.docmd("STARTTLS") == (500, b"Unrecognised command")
        with pytest.raises(smtplib.SMTPNotSupportedError):
            s.starttls()


def test_dot_stuffing_and_raw_data(catcher):
    body = "From: a@example.com\r\nSubject: dots\r\n\r\n.leading dot\r\nend"
    with _connect(catcher) as s:
        s.sendmail("a@example.com", ["b@example.com", "c@example.com"], body)
    (item,) = catcher.messages()
    assert item["Raw"]["Data"] == body
    assert item["Raw"]["To"] == ["b@example.com", "c@example.com"]
    assert item["Content"]["Body"] == ".leading dot\r\nend"


# ---- extensions: STARTTLS + AUTH required --------------------------------------------

def test_strict_starttls_login_send_records_auth_user(strict_catcher):
    with _connect(strict_catcher) as s:
        code, text = s.ehlo("client.test")
        lines = text.split(b"\n")
        assert b"STARTTLS" in lines
        assert not any(line.startswith(b"AUTH") for line in lines)  # AUTH only after TLS
        s.starttls(context=_tls_ctx(strict_catcher.ca_file))
        code, text = s.ehlo("client.test")
        assert b"AUTH LOGIN PLAIN" in text.split(b"\n")
        assert b"STARTTLS" not in text.split(b"\n")
        assert s.login(AUTH_USER, AUTH_PASS)[0] == 235
        s.sendmail("alice@example.com", ["bob@example.com"], MSG)
    (item,) = strict_catcher.messages()
    assert item["AuthUser"] == AUTH_USER
    assert list(item) == ["ID", "From", "To", "Content", "Created", "MIME", "Raw", "AuthUser"]


def test_strict_auth_login_mechanism(strict_catcher):
    with _connect(strict_catcher) as s:
        s.starttls(context=_tls_ctx(strict_catcher.ca_file))
        s.ehlo("client.test")
        s.user, s.password = AUTH_USER, AUTH_PASS
        assert s.auth("LOGIN", s.auth_login)[0] == 235
        s.sendmail("alice@example.com", ["bob@example.com"], MSG)
    assert strict_catcher.messages()[0]["AuthUser"] == AUTH_USER


def test_strict_wrong_password_is_535(strict_catcher):
    with _connect(strict_catcher) as s:
        s.starttls(context=_tls_ctx(strict_catcher.ca_file))
        with pytest.raises(smtplib.SMTPAuthenticationError) as err:
            s.login(AUTH_USER, "wrong")
        assert err.value.smtp_code == 535
    assert strict_catcher.messages() == []


def test_strict_mail_before_starttls_is_530(strict_catcher):
    with _connect(strict_catcher) as s:
        s.ehlo("client.test")
        code, text = s.mail("alice@example.com")
        assert code == 530 and b"STARTTLS" in text
        code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(f"\0{AUTH_USER}\0{AUTH_PASS}".encode()).decode())
        assert code == 530
        with pytest.raises(smtplib.SMTPNotSupportedError):
            s.login(AUTH_USER, AUTH_PASS)


def test_strict_mail_without_auth_is_530(strict_catcher):
    with _connect(strict_catcher) as s:
        s.starttls(context=_tls_ctx(strict_catcher.ca_file))
        s.ehlo("client.test")
        code, text = s.mail("alice@example.com")
        assert code == 530 and b"Authentication required" in text


def test_strict_untrusted_ca_fails_and_server_survives(strict_catcher):
    with _connect(strict_catcher) as s:
        with pytest.raises(ssl.SSLError):
            s.starttls(context=ssl.create_default_context())  # system store lacks the test CA
    with _connect(strict_catcher) as s:  # still serving
        assert s.noop()[0] == 250


def test_auth_only_extension_without_tls():
    from tests.support.mailhog_catcher import start_mailhog
    with start_mailhog("--x-auth", "u:p") as mh:
        with _connect(mh) as s:
            s.ehlo("client.test")
            assert s.has_extn("auth") and set(s.esmtp_features["auth"].split()) == {"LOGIN", "PLAIN"}
            assert s.mail("a@example.com")[0] == 530
            with pytest.raises(smtplib.SMTPAuthenticationError):
                s.login("u", "bad")
        with _connect(mh) as s:
            s.login("u", "p")
            s.sendmail("a@example.com", ["b@example.com"], MSG)
        assert mh.messages()[0]["AuthUser"] == "u"


def test_verbs_mailhog_does_not_know(catcher):
    with _connect(catcher) as s:
        s.ehlo("client.test")
        for verb in ("HELP", "VRFY bob", "EXPN list"):
            assert s.docmd(verb) == (500, b"Unrecognised command")
        assert s.noop() == (250, b"Ok")
        assert s.rset() == (250, b"Ok")


def test_fifty_parallel_clients(catcher):
    from concurrent.futures import ThreadPoolExecutor

    def one(n):
        with _connect(catcher) as s:
            s.sendmail(f"sender{n}@example.com", [f"rcpt{n}@example.com"],
                       f"From: sender{n}@example.com\r\nSubject: parallel {n}\r\n\r\nbody {n}\r\n")
        return n

    with ThreadPoolExecutor(max_workers=50) as pool:
        assert sorted(pool.map(one, range(50))) == list(range(50))
    items = catcher.messages()
    assert len(items) == 50
    assert len({m["ID"] for m in items}) == 50
    assert len(catcher.search("to", "rcpt17@example.com")) == 1

"""Send the test mail with .NET System.Net.Mail.SmtpClient semantics (Microsoft Learn SmtpClient.EnableSsl; dotnet/runtime SmtpConnection.cs).

- plain TCP connect, EHLO (HELO fallback; after HELO, LOGIN is assumed like .NET does)
- EnableSsl -> STARTTLS must be advertised, else "Server does not support secure connections.";
  TLS verified against the system trust store (+ optional CA file); EHLO again after the handshake.
  Implicit TLS (SMTPS) is never used.
- AUTH only when UseDefaultCredentials is false and a UserName is given; only AUTH LOGIN (no PLAIN,
  no CRAM-MD5 module in .NET); when LOGIN is not advertised the mail is sent without AUTH.
  A non-empty Domain is sent as "DOMAIN\\user" (SmtpLoginAuthenticationModule).
- Implicit TLS: SmtpClient connects in plaintext and waits for the 220 greeting, so against a TLS-first
  (SMTPS, usually 465) server it hangs until its timeout. Modelled quickly: when no greeting arrives within
  GREETING_PROBE seconds, a second connection tries a TLS handshake; if the server speaks TLS first, the test
  fails at once with "The operation has timed out." plus the reason. Otherwise the wait continues.
- any failure raises SmtpFailure with "Failure sending mail. <code> <text>" style messages.
"""
import base64
import email.policy
import email.utils
import re
import smtplib
import socket
import ssl
import time
from email.header import Header
from email.message import EmailMessage

SUBJECT = "Orchestrator test email"
BODY = ("This is a test email sent from UiPath Orchestrator (emulated) to verify the SMTP settings.\r\n"
        "If you received it, the mail settings work.\r\n")
ADDRESS_RE = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+$")


class SmtpFailure(Exception):
    pass


GREETING_PROBE = 1.0  # seconds without a 220 greeting before the TLS-first probe runs
TLS_PROBE_TIMEOUT = 3.0


def _speaks_tls_first(host, port, timeout):
    """True if a fresh connection to host:port completes (or is refused by an alert during) a TLS handshake,
    i.e. the server expects implicit TLS. Certificates are not checked: only the protocol matters here."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            raw.settimeout(timeout)
            with ctx.wrap_socket(raw, server_hostname=host):
                return True
    except ssl.SSLError as exc:
        return "ALERT" in "%s %s" % (getattr(exc, "reason", "") or "", exc)
    except (OSError, ValueError):
        return False


def implicit_tls_message(host, port):
    return ("Failure sending mail. The operation has timed out. The server at %s:%s sent no SMTP greeting: it "
            "expects implicit TLS (SMTPS), which Orchestrator's SmtpClient does not speak (plaintext connect, "
            "then STARTTLS when EnableSsl is set). Use the server's STARTTLS port, usually 587." % (host, port))


class _SmtpClientLike(smtplib.SMTP):
    """smtplib.SMTP whose connect waits for the greeting like SmtpClient, detecting TLS-first servers fast."""

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((host, port), timeout, self.source_address)
        try:
            _await_greeting(sock, host, port, timeout)
        except BaseException:
            sock.close()
            raise
        return sock


def _readable(sock, wait):
    """True once the peer sent something (or closed) within ``wait`` seconds; MSG_PEEK keeps the bytes for
    smtplib (no select(): file descriptors above FD_SETSIZE must work under load)."""
    previous = sock.gettimeout()
    sock.settimeout(max(wait, 0.001))
    try:
        sock.recv(1, socket.MSG_PEEK)
        return True
    except socket.timeout:
        return False
    except OSError:
        return True  # a reset: let smtplib report it
    finally:
        sock.settimeout(previous)


def _await_greeting(sock, host, port, timeout):
    deadline = time.monotonic() + (timeout if timeout is not None else 180.0)
    if _readable(sock, min(GREETING_PROBE, max(0.0, deadline - time.monotonic()))):
        return
    if _speaks_tls_first(host, port, min(TLS_PROBE_TIMEOUT, max(0.5, deadline - time.monotonic()))):
        raise SmtpFailure(implicit_tls_message(host, port))
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not _readable(sock, remaining):
        raise SmtpFailure("Failure sending mail. The operation has timed out. (No SMTP greeting from %s:%s.)"
                          % (host, port))


class InvalidInput(Exception):
    """Bad input (header injection, malformed address): reported as a 400 validation-style error."""


def _reply(code, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(text.split())
    return "Failure sending mail. %s %s" % (code, text)


def check_inputs(cfg):
    for field in ("send_to", "from_address", "from_display_name", "host", "username", "domain"):
        value = cfg.get(field) or ""
        if "\r" in value or "\n" in value:
            raise InvalidInput("The value of %s must not contain line breaks (header injection)." % field)
    if not cfg.get("host"):
        raise InvalidInput("The SMTP Host must not be empty.")
    if not ADDRESS_RE.match(cfg.get("send_to") or ""):
        raise InvalidInput("The recipient (sendTo) is not in the form required for an e-mail address.")
    if not ADDRESS_RE.match(cfg.get("from_address") or ""):
        raise InvalidInput("The default from address is not in the form required for an e-mail address.")
    port = cfg.get("port")
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidInput("The SMTP Port must be an integer between 1 and 65535.")


def build_message(cfg, local_hostname):
    msg = EmailMessage()
    name = cfg.get("from_display_name") or ""
    addr = cfg["from_address"]
    if name:
        try:
            name.encode("ascii")
            msg["From"] = email.utils.formataddr((name, addr))
        except UnicodeEncodeError:
            msg["From"] = "%s <%s>" % (Header(name, "utf-8").encode(), addr)
    else:
        msg["From"] = addr
    msg["To"] = cfg["send_to"]
    msg["Subject"] = SUBJECT
    msg["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = email.utils.make_msgid(domain=local_hostname)
    msg.set_content(BODY)
    # .NET SmtpClient puts CRLF on the wire; a bare-LF message would hide every header from MailHog.
    return msg.as_bytes(policy=email.policy.SMTP)


def _tls_context(ca_file):
    ctx = ssl.create_default_context()
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    return ctx


def send_test_mail(cfg, ca_file=None, timeout=30.0):
    """cfg keys: host, port(int), enable_ssl, use_default_credentials, username, password, domain,
    from_address, from_display_name, send_to. Raises InvalidInput or SmtpFailure."""
    check_inputs(cfg)
    local_hostname = socket.gethostname() or "localhost"  # no DNS lookup (getfqdn can hang)
    if not re.fullmatch(r"[A-Za-z0-9.-]+", local_hostname):
        local_hostname = "localhost"
    message = build_message(cfg, local_hostname)
    client = _SmtpClientLike(local_hostname=local_hostname, timeout=timeout)
    try:
        try:
            code, text = client.connect(cfg["host"], cfg["port"])
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpFailure("Failure sending mail. Unable to connect to the remote server %s:%s (%s)."
                              % (cfg["host"], cfg["port"], exc))
        if code != 220:
            raise SmtpFailure(_reply(code, text))
        code, text = client.ehlo()
        esmtp = code == 250
        if not esmtp:
            code, text = client.helo()
            if code != 250:
                raise SmtpFailure(_reply(code, text))
        if cfg.get("enable_ssl"):
            if not esmtp or not client.has_extn("starttls"):
                raise SmtpFailure("Failure sending mail. Server does not support secure connections.")
            code, text = client.docmd("STARTTLS")
            if code != 220:
                raise SmtpFailure(_reply(code, text))
            try:
                client.sock = _tls_context(ca_file).wrap_socket(client.sock, server_hostname=cfg["host"])
            except ssl.SSLCertVerificationError as exc:
                raise SmtpFailure("Failure sending mail. The remote certificate is invalid according to the "
                                  "validation procedure. (%s)" % exc.verify_message)
            except (OSError, ssl.SSLError) as exc:
                raise SmtpFailure("Failure sending mail. TLS handshake failed (%s)." % exc)
            client.file = None
            client.helo_resp = client.ehlo_resp = None
            client.esmtp_features = {}
            client.does_esmtp = False
            code, text = client.ehlo()
            if code != 250:
                raise SmtpFailure(_reply(code, text))
        user = cfg.get("username") or ""
        if not cfg.get("use_default_credentials") and user:
            if esmtp:
                mechs = (client.esmtp_features.get("auth") or "").upper().split()
                use_login = "LOGIN" in mechs
            else:
                use_login = True  # .NET assumes LOGIN after a HELO fallback
            if use_login:
                if cfg.get("domain"):
                    user = "%s\\%s" % (cfg["domain"], user)
                b64 = lambda s: base64.b64encode(s.encode("utf-8")).decode("ascii")
                code, text = client.docmd("AUTH", "LOGIN")
                if code == 334:
                    code, text = client.docmd(b64(user))
                    if code == 334:
                        code, text = client.docmd(b64(cfg.get("password") or ""))
                if code != 235:
                    raise SmtpFailure(_reply(code, text))
        code, text = client.mail(cfg["from_address"])
        if code != 250:
            raise SmtpFailure(_reply(code, text))
        code, text = client.rcpt(cfg["send_to"])
        if code not in (250, 251):
            raise SmtpFailure(_reply(code, text))
        code, text = client.data(message)
        if code != 250:
            raise SmtpFailure(_reply(code, text))
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            pass
    except smtplib.SMTPResponseException as exc:
        raise SmtpFailure(_reply(exc.smtp_code, exc.smtp_error))
    except smtplib.SMTPServerDisconnected as exc:
        raise SmtpFailure("Failure sending mail. The SMTP server closed the connection (%s)." % exc)
    except socket.timeout:
        raise SmtpFailure("Failure sending mail. The operation has timed out.")
    except (OSError, smtplib.SMTPException) as exc:
        if isinstance(exc, SmtpFailure):
            raise
        raise SmtpFailure("Failure sending mail. %s" % exc)
    finally:
        try:
            client.close()
        except OSError:
            pass

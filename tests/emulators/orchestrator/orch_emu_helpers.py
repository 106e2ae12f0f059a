"""Helpers shared by the Orchestrator emulator tests (real HTTP and SMTP clients/servers)."""
import socket
import warnings

import requests

ORG_ID = "6e6f7267-0000-4000-8000-000000000001"
MASK = "\u2022" * 12


def login(url, tenant="Default", user="admin", password=None):
    password = password or {"admin": "emulator-admin", "viewer": "emulator-viewer"}[user]
    r = requests.post(url + "/api/Account/Authenticate",
                      json={"tenancyName": tenant, "usernameOrEmailAddress": user, "password": password},
                      timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["result"]}


def client_token(url, client="ansible", secret="emulator-secret", scope="OR.Settings PM.Setting", prefix="/identity"):
    data = {"grant_type": "client_credentials", "client_id": client, "client_secret": secret}
    if scope is not None:
        data["scope"] = scope
    return requests.post(url + prefix + "/connect/token", data=data, timeout=10)


def bearer(token):
    return {"Authorization": "Bearer " + token}


def token(emu, **kw):
    """Authorization headers with a client-credentials token (client_token's options); the grant must succeed."""
    r = client_token(emu.url, **kw)
    assert r.status_code == 200, r.text
    return bearer(r.json()["access_token"])


def put_settings(emu, headers, pairs, partition=None, prefix="/identity"):
    """PUT <prefix>/api/Setting with the key/value pairs (and partitionGlobalId when given)."""
    body = {"settings": [{"key": k, "value": v} for k, v in pairs.items()]}
    if partition is not None:
        body["partitionGlobalId"] = partition
    return requests.put(emu.url + prefix + "/api/Setting", json=body, headers=headers, timeout=10)


BULK = "/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk"
VERIFY = "/odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """In-process aiosmtpd server recording messages and AUTH attempts."""

    def __init__(self, tls_context=None, users=None, exclude_mechs=(), require_auth=False):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages = []
        self.auth_attempts = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                                      "content": envelope.original_content or envelope.content,
                                      "tls": session.ssl is not None,
                                      "auth": bool(getattr(session, "authenticated", False))})
                return "250 2.0.0 Ok: queued"

        def authenticator(server, session, envelope, mechanism, auth_data):
            login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
            pw = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
            sink.auth_attempts.append((mechanism, login))
            ok = users is not None and users.get(login) == pw
            return AuthResult(success=ok, handled=False)

        kwargs = {}
        if users is not None:
            kwargs.update(authenticator=authenticator, auth_require_tls=False,
                          auth_exclude_mechanism=list(exclude_mechs), auth_required=require_auth)
        if tls_context is not None:
            kwargs.update(tls_context=tls_context, require_starttls=False)
        self.port = free_port()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Requiring AUTH while not requiring TLS" is intended here
            self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)
            self.controller.start()

    def stop(self):
        self.controller.stop()




# An Identity PUT that writes any Email.Smtp.* key must carry Host, Port and FromEmail together (UiPath CLI
# "uip admin smtp": the server requires them in one request).
TRIO = {"Email.Smtp.Host": "smtp.example.local", "Email.Smtp.Port": "25", "Email.Smtp.FromEmail": "orch@example.local"}


def with_trio(pairs=None, **over):
    """``pairs`` on top of Host/Port/FromEmail (pairs win); keys keep the order Host, Port, FromEmail, rest."""
    out = dict(TRIO)
    out.update(pairs or {})
    out.update(over)
    return out

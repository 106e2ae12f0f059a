"""SMTP side: aiosmtpd's SMTP protocol with MailHog's replies (mailhog/smtp protocol.go, reply.go) and the extensions.

Uses only aiosmtpd APIs present in 1.4.3 (Debian bookworm) and 1.4.6 (PyPI).
"""
from __future__ import annotations

import asyncio
import ssl
import warnings
from typing import Any, List, Optional

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from .config import Config
from .jim import Jim, JimHolder
from .message import build_message
from .store import MessageStore

UNRECOGNISED = "500 Unrecognised command"
AUTH_OK = "235 Authentication successful"
UNSUPPORTED_AUTH = "504 Unsupported authentication mechanism"


class CatcherHandler:
    """aiosmtpd handler hooks: MailHog's reply texts, Jim's rejections, storage."""

    def __init__(self, cfg: Config, store: MessageStore) -> None:
        self.cfg = cfg
        self.store = store

    async def handle_HELO(self, server: "CatcherSMTP", session, envelope, hostname: str) -> str:
        session.host_name = hostname
        return f"250 Hello {hostname}"

    async def handle_NOOP(self, server, session, envelope, arg) -> str:
        return "250 Ok"

    async def handle_RSET(self, server, session, envelope) -> str:
        return "250 Ok"

    async def handle_AUTH(self, server: "CatcherSMTP", session, envelope, args: List[str]) -> Any:
        from aiosmtpd.smtp import MISSING
        if self.cfg.auth_enforced:
            return MISSING  # extension mode: aiosmtpd's LOGIN/PLAIN with checked credentials
        mechanism = args[0].upper() if args else ""
        # MailHog runs PLAIN and LOGIN (LOGIN only without an initial response, mailhog/smtp protocol.go)
        if mechanism not in ("PLAIN", "LOGIN") or (mechanism == "LOGIN" and len(args) > 1):
            return UNSUPPORTED_AUTH
        return MISSING

    async def handle_MAIL(self, server: "CatcherSMTP", session, envelope, address: str, options) -> str:
        if server.jim is not None and server.jim.reject_sender():
            return f"550 Invalid sender {address}"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return f"250 Sender {address} ok"

    async def handle_RCPT(self, server: "CatcherSMTP", session, envelope, address: str, options) -> str:
        if server.jim is not None and server.jim.reject_recipient():
            return f"550 Invalid recipient {address}"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return f"250 Recipient {address} ok"

    async def handle_DATA(self, server: "CatcherSMTP", session, envelope) -> str:
        data = envelope.original_content or b""
        if data.endswith(b"\r\n"):
            data = data[:-2]  # MailHog trims the CRLF that precedes the lone dot
        message = build_message(
            self.cfg.hostname, session.host_name or "", envelope.mail_from or "",
            list(envelope.rcpt_tos), data,
            auth_user=server.auth_user, with_auth_user=self.cfg.auth_enforced)
        msg_id = self.store.add(message)
        return f"250 Ok: queued as {msg_id}"


def _authenticator(server: "CatcherSMTP", session, envelope, mechanism: str, auth_data: Any) -> AuthResult:
    cfg = server.cfg
    if server.jim is not None and server.jim.reject_auth():
        # MailHog answers a Jim-rejected AUTH with 500, not 535 (MailHog-Server smtp/session.go)
        return AuthResult(success=False, handled=False, message=UNRECOGNISED)
    login = password = b""
    if isinstance(auth_data, LoginPassword):
        login, password = auth_data.login, auth_data.password
    if cfg.auth_enforced:
        if login.decode("utf-8", "replace") != cfg.auth_user or \
                password.decode("utf-8", "replace") != cfg.auth_password:
            return AuthResult(success=False, handled=False)  # -> 535 5.7.8
    server.auth_user = login.decode("utf-8", "replace")
    return AuthResult(success=True, auth_data=auth_data, message=AUTH_OK)


class CatcherSMTP(SMTP):
    def __init__(self, handler: CatcherHandler, cfg: Config, jim: Optional[Jim],
                 tls_context: Optional[ssl.SSLContext], loop: asyncio.AbstractEventLoop) -> None:
        self.cfg = cfg
        self.jim = jim  # snapshot at connect time, as MailHog hands the session its monkey
        self.auth_user: Optional[str] = None
        with warnings.catch_warnings():
            # --x-auth without TLS is allowed on purpose (test catcher); silence aiosmtpd's warning
            warnings.simplefilter("ignore")
            super().__init__(
                handler,
                hostname=cfg.hostname,
                ident="ESMTP MailHog",
                data_size_limit=None,
                tls_context=tls_context,
                require_starttls=cfg.require_starttls,
                auth_required=cfg.auth_enforced,
                auth_require_tls=bool(cfg.auth_enforced and tls_context is not None),
                authenticator=_authenticator,
                timeout=300,
                loop=loop,
            )
        # MailHog knows only these verbs; HELP/VRFY/EXPN -> 500 Unrecognised command
        for name in ("HELP", "VRFY", "EXPN"):
            self._smtp_methods.pop(name, None)
        # Jim's per-read disconnect, applied before each recognised command
        for name, method in list(self._smtp_methods.items()):
            self._smtp_methods[name] = self._jim_wrap(method)

    def _jim_wrap(self, method):
        async def wrapped(arg):
            if self.jim is not None and self.jim.disconnect() and self.transport is not None:
                self.transport.close()
                return
            await method(arg)
        return wrapped

    async def _handle_client(self):
        if self.jim is not None and not self.jim.accept():
            if self.transport is not None:
                self.transport.close()
            return
        await super()._handle_client()

    async def push(self, status):
        # aiosmtpd's unknown-command text -> MailHog's
        if isinstance(status, str) and status.startswith('500 Error: command "'):
            status = UNRECOGNISED
        await super().push(status)

    def _auth_mechanisms(self) -> Optional[str]:
        if not self.cfg.auth_enforced:
            return "PLAIN"  # MailHog advertises only PLAIN
        if self.tls_context is not None and not self._tls_protocol:
            return None  # extension: AUTH only after STARTTLS when TLS is configured
        return "LOGIN PLAIN"

    async def smtp_EHLO(self, hostname: str):
        if not hostname:
            await self.push("501 Syntax: EHLO hostname")
            return
        self._set_rset_state()
        self.session.extended_smtp = True
        self.session.host_name = hostname
        lines = [f"Hello {hostname}", "PIPELINING"]
        if self.tls_context is not None and not self._tls_protocol:
            lines.append("STARTTLS")
        mechs = self._auth_mechanisms()
        if mechs:
            lines.append("AUTH " + mechs)
        for line in lines[:-1]:
            await self.push("250-" + line)
        await self.push("250 " + lines[-1])

    async def smtp_STARTTLS(self, arg: str):
        if self.tls_context is None or self._tls_protocol:
            await self.push(UNRECOGNISED)  # MailHog never offers STARTTLS (MailHog-Server smtp/session.go)
            return
        await super().smtp_STARTTLS(arg)


def make_tls_context(cfg: Config) -> Optional[ssl.SSLContext]:
    if not cfg.tls_enabled:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cfg.tls_cert, cfg.tls_key)
    return ctx


async def start_smtp(cfg: Config, store: MessageStore, jims: JimHolder,
                     loop: asyncio.AbstractEventLoop) -> asyncio.AbstractServer:
    handler = CatcherHandler(cfg, store)
    tls_context = make_tls_context(cfg)
    host, port = cfg.smtp_addr

    def factory():
        return CatcherSMTP(handler, cfg, jims.current(), tls_context, loop)

    return await loop.create_server(factory, host=host, port=port, reuse_address=True)

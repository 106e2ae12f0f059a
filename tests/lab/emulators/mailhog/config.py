"""Configuration: MailHog's own env vars/flags plus the named extensions.

Precedence as in MailHog: a flag wins over its env var, the env var over the default.
Flags are accepted with one or two dashes (Go's flag package accepts both).
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

DEFAULT_SMTP = "127.0.0.1:1025"  # MailHog: 0.0.0.0:1025 (a container sets it via env)
DEFAULT_API = "127.0.0.1:8025"   # MailHog: 0.0.0.0:8025
DEFAULT_HOSTNAME = "mailhog.example"

# Jim knobs: flag name -> (attribute, MailHog default) (MailHog docs/JIM.md)
JIM_FLAGS = {
    "jim-accept": ("AcceptChance", 0.99),
    "jim-disconnect": ("DisconnectChance", 0.005),
    "jim-linkspeed-affect": ("LinkSpeedAffect", 0.1),
    "jim-linkspeed-min": ("LinkSpeedMin", 1024.0),
    "jim-linkspeed-max": ("LinkSpeedMax", 10240.0),
    "jim-reject-sender": ("RejectSenderChance", 0.05),
    "jim-reject-recipient": ("RejectRecipientChance", 0.05),
    "jim-reject-auth": ("RejectAuthChance", 0.05),
}

# MailHog flags we accept for command-line compatibility but do not implement.
IGNORED_FLAGS = ("cors-origin", "ui-web-path", "outgoing-smtp", "auth-file",
                 "maildir-path", "mongo-uri", "mongo-db", "mongo-coll")


class ConfigError(ValueError):
    pass


def _truthy(value: Optional[str]) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on", "t")


def parse_addr(text: str) -> Tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(f"bad bind address {text!r} (want host:port)")
    host = host.strip("[]") or "0.0.0.0"
    return host, int(port)


@dataclass
class Config:
    smtp_addr: Tuple[str, int] = ("127.0.0.1", 1025)
    api_addr: Tuple[str, int] = ("127.0.0.1", 8025)
    ui_addr: Tuple[str, int] = ("127.0.0.1", 8025)
    shared_ui: bool = True          # UI addr string == API addr string -> one listener
    hostname: str = DEFAULT_HOSTNAME
    invite_jim: bool = False
    jim_defaults: Dict[str, float] = field(default_factory=lambda: {a: d for a, d in JIM_FLAGS.values()})
    # extensions
    tls_cert: Optional[str] = None
    tls_key: Optional[str] = None
    require_starttls: bool = False
    auth_user: Optional[str] = None
    auth_password: Optional[str] = None
    exit_with_stdin: bool = False
    warnings: List[str] = field(default_factory=list)

    @property
    def auth_enforced(self) -> bool:
        return self.auth_user is not None

    @property
    def tls_enabled(self) -> bool:
        return bool(self.tls_cert)


def _bool_arg(value: str) -> bool:
    return _truthy(value)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python3 -m emulators.mailhog",
        description="MailHog-API-compatible mail catcher (test infrastructure, not MailHog).",
        allow_abbrev=False)

    def opt(name: str, **kw):
        p.add_argument("-" + name, "--" + name, **kw)

    opt("smtp-bind-addr", dest="smtp_bind_addr", help="SMTP listener (env MH_SMTP_BIND_ADDR)")
    opt("api-bind-addr", dest="api_bind_addr", help="API listener (env MH_API_BIND_ADDR)")
    opt("ui-bind-addr", dest="ui_bind_addr", help="UI listener (env MH_UI_BIND_ADDR)")
    opt("hostname", dest="hostname", help="EHLO/ID hostname (env MH_HOSTNAME)")
    opt("storage", dest="storage", help="only 'memory' is supported (env MH_STORAGE)")
    opt("invite-jim", dest="invite_jim", nargs="?", const=True, type=_bool_arg,
        help="enable Jim at start (env MH_INVITE_JIM)")
    for name, (attr, default) in JIM_FLAGS.items():
        opt(name, dest=attr, type=float, help=f"Jim {attr} (default {default})")
    for name in IGNORED_FLAGS:
        opt(name, dest="ignored_" + name.replace("-", "_"), help=argparse.SUPPRESS)
    # extensions (not MailHog)
    p.add_argument("--x-tls-cert", dest="x_tls_cert", help="EXTENSION: PEM cert; offer STARTTLS (env MHX_TLS_CERT)")
    p.add_argument("--x-tls-key", dest="x_tls_key", help="EXTENSION: PEM key (env MHX_TLS_KEY)")
    p.add_argument("--x-require-starttls", dest="x_require_starttls", nargs="?", const=True, type=_bool_arg,
                   help="EXTENSION: 530 before STARTTLS (env MHX_REQUIRE_STARTTLS)")
    p.add_argument("--x-auth", dest="x_auth", metavar="USER:PASS",
                   help="EXTENSION: require and check SMTP AUTH (env MHX_AUTH)")
    p.add_argument("--x-exit-with-stdin", dest="x_exit_with_stdin", action="store_true",
                   help="EXTENSION: stop when standard input closes, so a test harness that dies takes the catcher "
                        "with it")
    return p


def load(argv: Optional[List[str]] = None, environ: Optional[Dict[str, str]] = None) -> Config:
    env = os.environ if environ is None else environ
    args = _parser().parse_args(argv)
    cfg = Config()

    smtp = args.smtp_bind_addr or env.get("MH_SMTP_BIND_ADDR") or DEFAULT_SMTP
    api = args.api_bind_addr or env.get("MH_API_BIND_ADDR") or DEFAULT_API
    # MailHog's UI default equals its API default, so an unset UI addr shares the API listener
    ui = args.ui_bind_addr or env.get("MH_UI_BIND_ADDR") or api
    cfg.smtp_addr, cfg.api_addr, cfg.ui_addr = parse_addr(smtp), parse_addr(api), parse_addr(ui)
    cfg.shared_ui = ui == api
    cfg.hostname = args.hostname or env.get("MH_HOSTNAME") or DEFAULT_HOSTNAME

    storage = args.storage or env.get("MH_STORAGE") or "memory"
    if storage != "memory":
        raise ConfigError(f"storage {storage!r} not supported (memory only)")
    for name in IGNORED_FLAGS:
        if getattr(args, "ignored_" + name.replace("-", "_")):
            cfg.warnings.append(f"-{name} is accepted but ignored by this catcher")

    cfg.invite_jim = args.invite_jim if args.invite_jim is not None else _truthy(env.get("MH_INVITE_JIM", ""))
    for _name, (attr, _default) in JIM_FLAGS.items():
        value = getattr(args, attr)
        if value is not None:
            cfg.jim_defaults[attr] = value

    cfg.tls_cert = args.x_tls_cert or env.get("MHX_TLS_CERT") or None
    cfg.tls_key = args.x_tls_key or env.get("MHX_TLS_KEY") or None
    if args.x_require_starttls is not None:
        cfg.require_starttls = args.x_require_starttls
    else:
        cfg.require_starttls = _truthy(env.get("MHX_REQUIRE_STARTTLS", ""))
    if bool(cfg.tls_cert) != bool(cfg.tls_key):
        raise ConfigError("--x-tls-cert and --x-tls-key must be given together")
    if cfg.require_starttls and not cfg.tls_cert:
        raise ConfigError("--x-require-starttls needs --x-tls-cert/--x-tls-key")
    auth = args.x_auth or env.get("MHX_AUTH") or None
    if auth is not None:
        user, sep, password = auth.partition(":")
        if not sep or not user:
            raise ConfigError("--x-auth wants USER:PASS")
        cfg.auth_user, cfg.auth_password = user, password
    cfg.exit_with_stdin = args.x_exit_with_stdin
    return cfg

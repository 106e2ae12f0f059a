"""Distinctive secrets and shared test data for the reliability suite. Every secret below must occur
zero times in anything a user or log can see (console output at -vvv/--diff, task results, the
emulator request log). Encoded forms are searched too (URL-encoded, base64, SMTP AUTH PLAIN)."""
from __future__ import annotations

import base64
import copy
import json
import urllib.parse
from pathlib import Path

from tests.support.lab_paths import DEFAULT_SEED

SMTP_PASSWORD = "S3cr3t-smtp-Zq9!"
SMTP_PASSWORD_2 = "S3cr3t-smtp-Rot8#"          # used for "password rotated" runs (update_password: always)
SMTP_WRONG_PASSWORD = "Wr0ng-smtp-Pw-Hx2$"      # deliberately wrong SMTP password (catcher --x-auth)
ORCH_PASSWORD = "Orch-Adm1n-Pw#Kx7v"            # Orchestrator admin password (custom emulator seed)
ORCH_VIEWER_PASSWORD = "Orch-V1ewer-Pw#Lm3"     # viewer password (custom seed)
ORCH_WRONG_PASSWORD = "Orch-Wr0ng-Pw#Tt5"       # wrong login, must not be echoed either
OAUTH_SECRET = "0auth-Cl1ent-S3cret-Vb4q"       # OAuth client secret (custom seed)
OAUTH_RO_SECRET = "0auth-R3adonly-S3cret-Pp6"

STATIC_SECRETS = [SMTP_PASSWORD, SMTP_PASSWORD_2, SMTP_WRONG_PASSWORD, ORCH_PASSWORD, ORCH_VIEWER_PASSWORD,
                  ORCH_WRONG_PASSWORD, OAUTH_SECRET, OAUTH_RO_SECRET]

SMTP_USER = "orch@example.test"
ORG_ID = "6e6f7267-0000-4000-8000-000000000001"

GOOD_SETTINGS = {
    "enable_alerts": True,
    "use_default_credentials": False,
    "enable_ssl": False,
    "host": "smtp.example.test",
    "port": 587,
    "domain": "",
    "username": SMTP_USER,
    "password": SMTP_PASSWORD,
    "from_address": SMTP_USER,
    "from_display_name": "Orchestrator Ops",
}

EXPECTED_CLASSIC = {
    "Alerts.Email.Enabled": "true",
    "Abp.Net.Mail.Smtp.UseDefaultCredentials": "false",
    "Abp.Net.Mail.Smtp.EnableSsl": "false",
    "Abp.Net.Mail.Smtp.Host": "smtp.example.test",
    "Abp.Net.Mail.Smtp.Port": "587",
    "Abp.Net.Mail.Smtp.UserName": SMTP_USER,
    "Abp.Net.Mail.Smtp.Password": SMTP_PASSWORD,
    "Abp.Net.Mail.DefaultFromAddress": SMTP_USER,
    "Abp.Net.Mail.DefaultFromDisplayName": "Orchestrator Ops",
}


def variants(secret: str, usernames=(SMTP_USER, "admin")) -> set:
    out = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret),
           base64.b64encode(secret.encode()).decode().rstrip("="),
           json.dumps(secret)[1:-1]}
    for user in usernames:
        out.add(base64.b64encode(("\0%s\0%s" % (user, secret)).encode()).decode().rstrip("="))
    return {v for v in out if len(v) >= 8}


def count_leaks(text: str, secrets) -> dict:
    found = {}
    for s in secrets:
        n = sum(text.count(v) for v in variants(s))
        if n:
            found[s[:4] + "…"] = n
    return found


def make_seed(path: Path, extra_tenants: int = 0) -> Path:
    seed = json.loads(DEFAULT_SEED.read_text())
    seed.pop("_comment", None)
    for tenant in seed["tenants"].values():
        tenant["users"]["admin"]["password"] = ORCH_PASSWORD
        tenant["users"]["viewer"]["password"] = ORCH_VIEWER_PASSWORD
    seed["clients"]["ansible"]["secret"] = OAUTH_SECRET
    seed["clients"]["ansible-readonly"]["secret"] = OAUTH_RO_SECRET
    template = copy.deepcopy(seed["tenants"]["Default"])
    for i in range(1, extra_tenants + 1):
        name = "Tenant%02d" % i
        seed["tenants"][name] = copy.deepcopy(template)
        seed["settings"][name] = {}
    path.write_text(json.dumps(seed, indent=1))
    return path

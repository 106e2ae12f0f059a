"""Helpers for the Molecule scenarios' testinfra verifiers (imported by each scenario's tests/conftest.py).

Everything here talks HTTP from the controller to ports the scenario publishes on 127.0.0.1: the
Orchestrator API (through the emulator), the emulator's own /_emulator/ inspection API and MailHog's
JSON API (only what real MailHog v1.0.1 also serves). Expected values come from the scenario's
inventory, read with `ansible-inventory`, so tests and converge share one source of truth.
"""
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

MASK = "\u2022" * 12
TEST_MAIL_SUBJECT = "Orchestrator test email"

# role variable -> classic Orchestrator setting key / Identity setting key (docs/ARCHITECTURE.md)
CLASSIC_KEYS = {
    "smtp_mail_enable_alerts": "Alerts.Email.Enabled",
    "smtp_mail_use_default_credentials": "Abp.Net.Mail.Smtp.UseDefaultCredentials",
    "smtp_mail_enable_ssl": "Abp.Net.Mail.Smtp.EnableSsl",
    "smtp_mail_host": "Abp.Net.Mail.Smtp.Host",
    "smtp_mail_port": "Abp.Net.Mail.Smtp.Port",
    "smtp_mail_domain": "Abp.Net.Mail.Smtp.Domain",
    "smtp_mail_username": "Abp.Net.Mail.Smtp.UserName",
    "smtp_mail_from_address": "Abp.Net.Mail.DefaultFromAddress",
    "smtp_mail_from_display_name": "Abp.Net.Mail.DefaultFromDisplayName",
}
CLASSIC_PASSWORD_KEY = "Abp.Net.Mail.Smtp.Password"
IDENTITY_KEYS = {
    "smtp_mail_use_default_credentials": "Email.Smtp.UseDefaultCredentials",
    "smtp_mail_enable_ssl": "Email.Smtp.EnableSsl",
    "smtp_mail_host": "Email.Smtp.Host",
    "smtp_mail_port": "Email.Smtp.Port",
    "smtp_mail_domain": "Email.Smtp.Domain",
    "smtp_mail_username": "Email.Smtp.UserName",
    "smtp_mail_from_address": "Email.Smtp.FromEmail",
    "smtp_mail_from_display_name": "Email.Smtp.FromDisplayName",
    "smtp_mail_connection_timeout": "Email.Smtp.ConnectionTimeout",
}
IDENTITY_PASSWORD_KEY = "Email.Smtp.Password"


def expected_from(hv):
    """The role's From address: smtp_mail_from_address, or the SMTP username when that is empty."""
    return hv.get("smtp_mail_from_address") or hv["smtp_mail_username"]


def expected_value(hv, var):
    return expected_from(hv) if var == "smtp_mail_from_address" else hv[var]


def api_string(value):
    """How Orchestrator stores a role value: strings; booleans lower-case; numbers as decimal strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def inventory_dir(pytestconfig):
    inv = pytestconfig.getoption("ansible_inventory", default=None)
    if inv:
        return inv
    return os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])


def ansible_bin(name):
    here = os.path.join(os.path.dirname(sys.executable), name)
    return here if os.path.exists(here) else (shutil.which(name) or name)


def inventory_hostvars(inv_dir):
    out = subprocess.run([ansible_bin("ansible-inventory"), "-i", inv_dir, "--list"],
                         check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    return data, data.get("_meta", {}).get("hostvars", {})


def group_hosts(data, group):
    hosts = list(data.get(group, {}).get("hosts", []))
    for child in data.get(group, {}).get("children", []):
        hosts.extend(group_hosts(data, child))
    return hosts


def http(method, url, body=None, headers=None, form=False, timeout=15):
    """Returns (status, parsed JSON or text). Never raises for HTTP error statuses."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


def classic_login(url, tenant, username, password):
    status, body = http("POST", url.rstrip("/") + "/api/Account/Authenticate",
                        {"tenancyName": tenant, "usernameOrEmailAddress": username, "password": password})
    assert status == 200, (status, body)
    return body["result"]


def classic_settings(url, token):
    status, body = http("GET", url.rstrip("/") + "/odata/Settings",
                        headers={"Authorization": "Bearer " + token})
    assert status == 200, (status, body)
    return {item["Name"]: item["Value"] for item in body["value"]}


def identity_token(identity_base, client_id, client_secret, scope="PM.Setting"):
    """A client-credentials token from ``{identity_base}/connect/token`` (e.g. ``https://host/{org}/identity_``)."""
    status, body = http("POST", identity_base.rstrip("/") + "/connect/token",
                        {"grant_type": "client_credentials", "client_id": client_id,
                         "client_secret": client_secret, "scope": scope}, form=True)
    assert status == 200, (status, body)
    return body["access_token"]


def identity_settings(identity_base, token, keys, partition=None):
    query = [("key", k) for k in keys]
    if partition:
        query.append(("partitionGlobalId", partition))
    status, body = http("GET", identity_base.rstrip("/") + "/api/Setting?" + urllib.parse.urlencode(query),
                        headers={"Authorization": "Bearer " + token})
    assert status == 200, (status, body)
    return {item["key"]: item["value"] for item in body}


def emulator_stored(url, tenant):
    """Emulator-only inspection: the classic values as stored, unmasked."""
    status, body = http("GET", url.rstrip("/") + "/_emulator/settings?" + urllib.parse.urlencode({"tenant": tenant}))
    assert status == 200, (status, body)
    return body


def mailhog_search(api_url, kind, query):
    status, body = http("GET", api_url.rstrip("/") + "/api/v2/search?" +
                        urllib.parse.urlencode({"kind": kind, "query": query}))
    assert status == 200, (status, body)
    return body


def header(msg, name):
    """First value of a header in a MailHog message (MailHog keeps header names as sent)."""
    for key, values in msg["Content"]["Headers"].items():
        if key.lower() == name.lower():
            return values[0] if values else ""
    return None


def assert_test_mail(msg, hv):
    """The Orchestrator test mail: subject, From (address + display name) and To match the inventory."""
    from email.header import decode_header, make_header
    from email.utils import getaddresses, parseaddr

    subject = str(make_header(decode_header(header(msg, "Subject") or "")))
    assert subject == TEST_MAIL_SUBJECT, (subject, msg["Content"]["Headers"])
    from_name, from_addr = parseaddr(str(make_header(decode_header(header(msg, "From") or ""))))
    assert from_addr.lower() == expected_from(hv).lower(), header(msg, "From")
    if hv.get("smtp_mail_from_display_name"):
        assert from_name == hv["smtp_mail_from_display_name"], header(msg, "From")
    to_addrs = [a.lower() for _, a in getaddresses([header(msg, "To") or ""])]
    assert hv["smtp_mail_test_recipient"].lower() in to_addrs, header(msg, "To")
    # the SMTP envelope agrees with the headers
    assert "{0[Mailbox]}@{0[Domain]}".format(msg["From"]).lower() == expected_from(hv).lower()
    assert hv["smtp_mail_test_recipient"].lower() in ["{0[Mailbox]}@{0[Domain]}".format(p).lower() for p in msg["To"]]


def project_dir():
    return os.environ.get("MOLECULE_PROJECT_DIRECTORY") or os.path.abspath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def run_playbook(inv_dir, extra_vars, playbook="playbooks/smtp_mail.yml"):
    """ansible-playbook with the scenario's inventory (and Molecule's environment). Returns (rc, output)."""
    cmd = [ansible_bin("ansible-playbook"), "-i", inv_dir, os.path.join(project_dir(), playbook),
           "-e", json.dumps(extra_vars)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return res.returncode, res.stdout + res.stderr

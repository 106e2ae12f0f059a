"""Bad input. Every case must fail with one line naming the option, without a Python
traceback, and without any write; pure input errors must not send a single request.

All cases run as tasks of ONE ansible-playbook run (ignore_errors) against one emulator, so the matrix
costs one Ansible start-up. The test-only recorder callback clears the emulator request log when a
task starts and fetches it when its result arrives, so each case sees exactly its own requests."""
from __future__ import annotations

import json
import re

import pytest

import harness
from harness import SETTINGS, TEST, MASK
from secrets_and_data import GOOD_SETTINGS, OAUTH_SECRET, ORCH_PASSWORD, ORG_ID, SMTP_PASSWORD, SMTP_USER, STATIC_SECRETS, \
    count_leaks

URL = "@URL@"   # replaced by the emulator URL
BASE_CONN = {"orchestrator_url": URL, "tenant": "Default", "orchestrator_username": "admin",
             "orchestrator_password": ORCH_PASSWORD,
             "timeout": 5, "retries": 0, "retry_delay": 0.1}
TEST_FIELDS = {k: v for k, v in GOOD_SETTINGS.items() if k != "enable_alerts"}
CRED = {"use_default_credentials": False, "username": SMTP_USER, "password": SMTP_PASSWORD}


def case(cid, option, args, *, module=SETTINGS, pure=True, conn=None, drop=()):
    return {"id": cid, "option": option if isinstance(option, (list, tuple)) else [option], "args": args,
            "module": module, "pure": pure, "conn": conn or {}, "drop": list(drop)}


CASES = [
    # --- types and ranges
    case("port-not-int", "port", {"port": "five-eight-seven"}),
    case("port-zero", "port", {"port": 0}),
    case("port-too-big", "port", {"port": 65536}),
    case("port-negative", "port", {"port": -25}),
    case("port-float", "port", {"port": 25.5}),
    case("enable-ssl-not-bool", "enable_ssl", {"enable_ssl": "maybe"}),
    case("enable-alerts-not-bool", "enable_alerts", {"enable_alerts": "sometimes"}),
    case("timeout-not-int", "timeout", {"host": "smtp.example.test"}, conn={"timeout": "soon"}),
    case("validate-certs-not-bool", "validate_certs", {"host": "smtp.example.test"}, conn={"validate_certs": "perhaps"}),
    case("connection-timeout-negative", "connection_timeout", {"connection_timeout": -5}),
    case("scope-bad-choice", "scope", {"scope": "galaxy", "host": "smtp.example.test"}),
    case("update-password-bad-choice", "update_password", {"update_password": "sometimes"}),
    case("api-bad-choice", "api", {"host": "smtp.example.test"}, conn={"api": "soap"}),
    case("unknown-option", "hots", {"hots": "smtp.example.test"}),
    # --- empty / whitespace / unicode / control characters / header injection in host
    case("host-empty", "host", {"host": ""}),
    case("host-whitespace", "host", {"host": "   "}),
    case("host-inner-space", "host", {"host": "smtp example test"}),
    case("host-crlf-bcc-injection", "host", {"host": "smtp.example.test\r\nBcc: victim@evil.test"}),
    case("host-tab", "host", {"host": "smtp.example.test\t"}),
    case("host-unicode-line-separator", "host", {"host": "smtp\u2028example.test"}),
    # --- display name
    case("display-name-crlf-bcc-injection", "from_display_name",
         {"from_display_name": "Orchestrator\r\nBcc: victim@evil.test"}),
    case("display-name-lf-header", "from_display_name", {"from_display_name": "Orch\nX-Injected: 1"}),
    case("display-name-bell-control-char", "from_display_name", {"from_display_name": "Orch\u0007estrator"}),
    case("display-name-unicode-next-line", "from_display_name", {"from_display_name": "Orch\u0085Bcc: x@evil.test"}),
    # --- e-mail syntax
    case("from-not-an-email", "from_address", dict(CRED, from_address="not-an-email", allow_from_mismatch=True)),
    case("from-no-domain", "from_address", dict(CRED, from_address="orch@", allow_from_mismatch=True)),
    case("from-no-local-part", "from_address", dict(CRED, from_address="@example.test", allow_from_mismatch=True)),
    case("from-space", "from_address", dict(CRED, from_address="or ch@example.test", allow_from_mismatch=True)),
    case("from-crlf-bcc-injection", "from_address",
         dict(CRED, from_address="orch@example.test\r\nBcc: victim@evil.test", allow_from_mismatch=True)),
    case("from-whitespace-only", "from_address", dict(CRED, from_address="  ", allow_from_mismatch=True)),
    case("from-differs-from-username", "from_address", dict(CRED, from_address="other@example.test")),
    case("test-recipient-not-email", ["recipient", "test_recipient"], dict(TEST_FIELDS, recipient="nobody"), module=TEST),
    case("test-recipient-header-injection", ["recipient", "test_recipient"],
         dict(TEST_FIELDS, recipient="ops@example.test\r\nBcc: victim@evil.test"), module=TEST),
    # --- contradictory flags and missing credentials
    case("ssl-with-default-credentials", ["enable_ssl", "use_default_credentials"],
         {"enable_ssl": True, "use_default_credentials": True, "host": "smtp.example.test"},
         conn={"api": "classic"}),  # a valid pair on the Identity API
    case("smtp-password-missing", "password", {"use_default_credentials": False, "username": SMTP_USER,
                                               "host": "smtp.example.test", "update_password": "always"}),
    case("smtp-username-missing", "username", {"use_default_credentials": False, "password": SMTP_PASSWORD,
                                               "host": "smtp.example.test"}, conn={"api": "classic"}, pure=False),
    case("smtp-password-is-read-back-mask", "password", dict(CRED, password=MASK, from_address=SMTP_USER)),
    case("orchestrator-credentials-missing", ["orchestrator_username", "orchestrator_password", "token", "client_id"],
         {"host": "smtp.example.test"}, drop=["orchestrator_username", "orchestrator_password"]),
    case("orchestrator-password-missing", "orchestrator_password", {"host": "smtp.example.test"},
         drop=["orchestrator_password"]),
    case("client-secret-missing", "client_secret", {"host": "smtp.example.test"},
         conn={"client_id": "ansible"}, drop=["orchestrator_username", "orchestrator_password"]),
    # --- URL / scheme
    case("url-ftp-scheme", "orchestrator_url", {"host": "smtp.example.test"}, conn={"orchestrator_url": "ftp://127.0.0.1/"}),
    case("url-no-scheme", "orchestrator_url", {"host": "smtp.example.test"}, conn={"orchestrator_url": "127.0.0.1:8180"}),
    case("url-with-spaces", "orchestrator_url", {"host": "smtp.example.test"},
         conn={"orchestrator_url": "http://orch example.test/"}),
    case("url-empty", "orchestrator_url", {"host": "smtp.example.test"}, conn={"orchestrator_url": ""}),
    case("url-missing", "orchestrator_url", {"host": "smtp.example.test"}, drop=["orchestrator_url"]),
    # --- organization scope (pure) and unknown tenant / organization (server answers, nothing written)
    case("organization-id-not-guid", "organization_id", {"scope": "organization", "host": "smtp.example.test"},
         conn={"api": "identity", "organization_id": "not-a-guid"}),
    # Without organization_id the organization is looked up (token claim, portal); a token without the claim
    # and a URL that names no organization leave nothing to find it from.
    case("organization-id-missing", "organization_id", {"scope": "organization", "host": "smtp.example.test"},
         conn={"api": "identity", "client_id": "ansible", "client_secret": OAUTH_SECRET},
         drop=["orchestrator_username", "orchestrator_password"], pure=False),
    case("unknown-tenant", "tenant", {"host": "smtp.example.test"}, conn={"tenant": "NoSuchTenant"}, pure=False),
    case("unknown-organization", ["organization_id", "organization"], {"scope": "organization", "host": "smtp.example.test"},
         conn={"api": "identity", "organization_id": "00000000-0000-4000-8000-00000000dead", "client_id": "ansible",
               "client_secret": OAUTH_SECRET}, drop=["orchestrator_username", "orchestrator_password"], pure=False),
]
IDS = [c["id"] for c in CASES]
assert len(IDS) == len(set(IDS)) and len(IDS) >= 30


def _task(c, url):
    conn = dict(BASE_CONN, **c["conn"])
    for k in c["drop"]:
        conn.pop(k, None)
    args = dict(conn, **c["args"])
    args = {k: (url if v == URL else v) for k, v in args.items()}
    return {"name": c["id"], c["module"]: args, "ignore_errors": True}


def _produce(tmp):
    from rel_shared import _start_orchestrator
    from secrets_and_data import make_seed
    seed = make_seed(tmp / "seed.json")
    emu = _start_orchestrator("--seed", str(seed), profile="2023.10")
    try:
        control = harness.Control(emu.url)
        runs = []
        # one playbook per module, so a missing/broken module cannot hide the other module's cases
        for module in sorted({c["module"] for c in CASES}):
            play = [{"name": "bad input matrix", "hosts": "localhost", "gather_facts": False,
                     "tasks": [_task(c, emu.url) for c in CASES if c["module"] == module]}]
            runs.append(harness.run_playbook(tmp, play, emulator_url=emu.url, per_task_log=True,
                                             label="bad-input"))
        stored = control.settings("Default")["stored"]
        identity = {"host": control.identity_settings("")["stored"],
                    "org": control.identity_settings(ORG_ID)["stored"]}
        log = control.requests()
    finally:
        emu.stop()
    sections = {}
    for run in runs:
        for chunk in run.stdout.split("TASK [")[1:]:
            sections[chunk.split("]", 1)[0]] = chunk
    return {"rc": [r.rc for r in runs], "stdout": "\n".join(r.stdout for r in runs),
            "stderr": "\n".join(r.stderr for r in runs), "records": [x for r in runs for x in r.records],
            "sections": sections, "stored": stored, "identity": identity, "final_log": log,
            "leaks": count_leaks("\n".join(r.everything() for r in runs), STATIC_SECRETS)}


@pytest.fixture(scope="module")
def batch(tmp_path_factory, worker_id):
    from rel_shared import shared_once
    return shared_once(tmp_path_factory, worker_id, "bad-input-batch",
                       lambda: _produce(tmp_path_factory.mktemp("bad-input")))


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_bad_input(batch, c, record_property):
    record_property("rel_bad_input", c["id"])
    recs = [r for r in batch["records"] if r["task"] == c["id"]]
    assert recs, "no result for %s; ansible output tail:\n%s" % (c["id"], (batch["stdout"] + batch["stderr"])[-3000:])
    rec = recs[-1]
    res = rec["result"]
    if rec.get("duration") is not None:
        record_property("rel_failure_seconds", rec["duration"])
    section = batch["sections"].get(c["id"], "")
    blob = section + json.dumps(res)
    assert "Traceback (most recent call last)" not in blob, "traceback reached the user:\n" + blob[-3000:]
    assert rec["status"] == "failed", "bad input was accepted: %s" % json.dumps(res)[:2000]
    msg = str(res.get("msg", ""))
    assert "MODULE FAILURE" not in msg, "module crashed: %s" % json.dumps(res)[:3000]
    harness.one_line(msg)
    if c["id"] != "unknown-option":
        assert "Unsupported parameters" not in msg, "the case itself is malformed: %r" % msg
    named = any(re.search(r"(?<!\w)%s(?!\w)" % re.escape(opt), msg) for opt in c["option"])
    assert named, "message does not name %s: %r" % (" or ".join(c["option"]), msg)
    reqs = rec.get("requests") or {}
    assert "control_error" not in reqs, reqs
    assert reqs.get("writes", 0) == 0, "bad input caused writes: %s" % reqs
    if c["pure"]:
        assert reqs.get("requests") == [], "pure input error sent requests: %s" % reqs.get("requests")


def test_bad_input_left_everything_unchanged(batch):
    assert batch["stored"] == {}, "classic settings were written: %s" % batch["stored"]
    assert batch["identity"] == {"host": {}, "org": {}}, "identity settings were written: %s" % batch["identity"]
    assert "Traceback (most recent call last)" not in batch["stdout"] + batch["stderr"]


def test_bad_input_no_secret_leak(batch, record_property):
    record_property("rel_leaks", sum(batch["leaks"].values()))
    record_property("rel_runs", len(batch["rc"]))
    assert batch["leaks"] == {}

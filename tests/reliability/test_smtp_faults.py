"""SMTP faults during the test mail (MailHog's Jim chaos monkey with AcceptChance 1,
the catcher's --x-auth extension with a wrong password, a catcher that is gone) surface as clear one-line
failures naming the SMTP reply; nothing is reported as changed."""
from __future__ import annotations

import pytest
import requests

import harness
from harness import TEST
from secrets_and_data import GOOD_SETTINGS, SMTP_PASSWORD, SMTP_USER, SMTP_WRONG_PASSWORD

# orchestrator_mail_test takes the SMTP fields (enable_alerts is not part of the SMTP model)
TEST_FIELDS = {k: v for k, v in GOOD_SETTINGS.items() if k != "enable_alerts"}
JIM_OFF = {"AcceptChance": 1, "DisconnectChance": 0, "LinkSpeedAffect": 0, "LinkSpeedMin": 1024,
           "LinkSpeedMax": 10240, "RejectSenderChance": 0, "RejectRecipientChance": 0, "RejectAuthChance": 0}


def _start_mailhog(*args):
    from tests.support.mailhog_catcher import start_mailhog
    return start_mailhog(*args)


@pytest.fixture(scope="module")
def catcher():
    c = _start_mailhog()
    yield c
    c.stop()


@pytest.fixture(scope="module")
def auth_catcher():
    c = _start_mailhog("--x-auth", "%s:%s" % (SMTP_USER, SMTP_PASSWORD))
    yield c
    c.stop()


def _jim(catcher, **chances):
    requests.delete(catcher.api_url + "/api/v2/jim", timeout=5)
    r = requests.post(catcher.api_url + "/api/v2/jim", json=dict(JIM_OFF, **chances), timeout=5)
    assert r.status_code == 201, r.text


def _args(orch, catcher, **over):
    args = dict(orch.conn(api="classic"), **TEST_FIELDS)
    args.update(host=catcher.smtp_host, port=int(catcher.smtp_port), recipient="ops@example.test")
    args.update(over)
    return args


CASES = [
    ("jim-rejects-sender", {"RejectSenderChance": 1}, ("550",), ("sender",)),
    ("jim-rejects-recipient", {"RejectRecipientChance": 1}, ("550",), ("recipient",)),
    # the emulated Orchestrator (like .NET SmtpClient) only speaks AUTH LOGIN, which plain MailHog does not
    # advertise, so the AUTH fault needs the catcher with the --x-auth extension
    ("jim-rejects-auth", {"RejectAuthChance": 1}, ("500", "535"), ()),
]


@pytest.mark.parametrize("fid,chances,codes,words", CASES, ids=[c[0] for c in CASES])
def test_jim_smtp_fault_is_a_clear_failure(classic, catcher, auth_catcher, ansible, record_property, fid, chances,
                                           codes, words):
    record_property("rel_fault", "smtp/" + fid)
    if fid == "jim-rejects-auth":
        catcher = auth_catcher
    _jim(catcher, **chances)
    try:
        run = ansible.module(TEST, _args(classic, catcher))
    finally:
        requests.delete(catcher.api_url + "/api/v2/jim", timeout=5)
    record_property("rel_failure_seconds", run.record["duration"])
    harness.no_traceback(run)
    assert run.failed, "SMTP fault not reported: %s" % run.result
    assert run.result.get("changed") is False
    harness.one_line(run.msg)
    low = run.msg.lower()
    assert any(c.lower() in low for c in codes), "SMTP reply code missing: %r" % run.msg
    assert all(w in low for w in words), "SMTP reply text missing %s: %r" % (words, run.msg)
    assert classic.control.requests()["writes"] == 0


def test_smtp_wrong_password_names_535(classic, auth_catcher, ansible, record_property):
    record_property("rel_fault", "smtp/x-auth-wrong-password")
    run = ansible.module(TEST, _args(classic, auth_catcher, password=SMTP_WRONG_PASSWORD))
    record_property("rel_failure_seconds", run.record["duration"])
    harness.no_traceback(run)
    assert run.failed, run.result
    harness.one_line(run.msg)
    assert "535" in run.msg, run.msg
    assert auth_catcher.messages() == []


def test_smtp_right_password_is_delivered(classic, auth_catcher, ansible):
    """Control case for the one above: the same set-up with the right password delivers."""
    run = ansible.module(TEST, _args(classic, auth_catcher))
    harness.no_traceback(run)
    assert not run.failed, run.msg
    assert run.result.get("accepted") is True and run.result.get("changed") is False
    assert len(auth_catcher.search("to", "ops@example.test")) >= 1


def test_smtp_server_gone_is_a_clear_failure(classic, ansible, record_property):
    record_property("rel_fault", "smtp/connection-refused")
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    args = dict(classic.conn(api="classic"), **TEST_FIELDS)
    args.update(host="127.0.0.1", port=port, recipient="ops@example.test")
    run = ansible.module(TEST, args)
    record_property("rel_failure_seconds", run.record["duration"])
    harness.no_traceback(run)
    assert run.failed
    harness.one_line(run.msg)
    assert any(w in run.msg.lower() for w in ("refused", "connect")), run.msg

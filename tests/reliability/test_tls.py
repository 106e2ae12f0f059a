"""TLS: the emulator over HTTPS with a throwaway CA (trustme via make_test_ca). The default rejects
the unknown CA with a message about certificate verification; ca_path accepts it; validate_certs: false
works and warns; a different CA in ca_path is still rejected."""
from __future__ import annotations

import pytest
import trustme

import harness
from harness import INFO, Control
from secrets_and_data import ORCH_PASSWORD


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    from tests.support.mailhog_catcher import make_test_ca
    from rel_shared import _start_orchestrator
    from secrets_and_data import make_seed
    tmp = tmp_path_factory.mktemp("tls")
    pems = make_test_ca(tmp)
    other = tmp / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    emu = _start_orchestrator("--seed", str(make_seed(tmp / "seed.json")), "--tls-cert", pems["cert"],
                              "--tls-key", pems["key"])
    assert emu.url.startswith("https://"), emu.url
    yield emu.url, pems["ca"], str(other), Control(emu.url, verify=pems["ca"])
    emu.stop()


def _conn(url, **over):
    args = {"orchestrator_url": url, "orchestrator_username": "admin", "orchestrator_password": ORCH_PASSWORD,
            "api": "classic", "timeout": 5, "retries": 2, "retry_delay": 0.1}
    args.update(over)
    return args


@pytest.mark.parametrize("label,over", [("default-verification", {}),
                                        ("ca-path-of-another-ca", {"ca_path": "@OTHER@"})])
def test_unknown_ca_rejected_clearly(tls, ansible, record_property, label, over):
    url, ca, other, control = tls
    control.clear_requests()
    over = {k: (other if v == "@OTHER@" else v) for k, v in over.items()}
    run = ansible.module(INFO, _conn(url, **over))
    record_property("rel_failure_seconds", run.record["duration"])
    harness.no_traceback(run)
    assert run.failed, "unknown CA accepted"
    harness.one_line(run.msg)
    low = run.msg.lower()
    assert "certificate" in low and "verif" in low, run.msg
    assert control.requests()["requests"] == [], "no HTTP request may pass a failed handshake"


def test_ca_path_accepts_test_ca(tls, ansible):
    url, ca, other, control = tls
    run = ansible.module(INFO, _conn(url, ca_path=ca))
    harness.no_traceback(run)
    assert not run.failed, run.msg
    assert not run.result.get("warnings"), run.result.get("warnings")
    assert "settings" in run.result


@pytest.mark.parametrize("how", ["option", "environment"])
def test_validate_certs_false_works_and_warns(tls, ansible, how):
    url, ca, other, control = tls
    if how == "option":
        run = ansible.module(INFO, _conn(url, validate_certs=False))
    else:
        run = ansible.module(INFO, _conn(url), extra_env={"ORCHESTRATOR_VALIDATE_CERTS": "false"})
    harness.no_traceback(run)
    assert not run.failed, run.msg
    warnings = " ".join(str(w) for w in run.result.get("warnings", []))
    assert "validate_certs" in warnings or "not verified" in warnings, "no warning: %r" % run.result
    assert "validate_certs" in run.text or "not verified" in run.text, "warning not shown to the user"

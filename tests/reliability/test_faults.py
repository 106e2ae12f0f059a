"""HTTP faults injected through POST /_emulator/faults, recovered or failed within the
documented bound (doc fragment: retries extra attempts, delay retry_delay*2^n capped at 30 s, Retry-After
replaces it; one request takes at most (retries+1)*timeout plus the delays), stored settings checked
through /_emulator/settings.

Most scenarios run as tasks of ONE ansible-playbook run against one emulator (profile 2023.10, which
serves the classic and the Identity API): the test-only recorder callback resets the emulator and
injects the scenario's faults when the task starts, and records the request log, the task time and the
stored settings when its result arrives. Scenarios whose server side outlives the client (delays) or
that need their own emulator run as separate ad-hoc `ansible` runs."""
from __future__ import annotations

import json
import socket
import time

import pytest

import harness
from harness import INFO, SETTINGS
from secrets_and_data import EXPECTED_CLASSIC, GOOD_SETTINGS, OAUTH_SECRET, ORCH_PASSWORD, ORCH_VIEWER_PASSWORD, \
    ORCH_WRONG_PASSWORD, ORG_ID, STATIC_SECRETS, count_leaks

SLACK = 3.0   # module start-up/transfer inside the measured task time (AnsiballZ, interpreter)
IDENTITY_SETTINGS = {k: v for k, v in GOOD_SETTINGS.items() if k != "enable_alerts"}
EXPECTED_IDENTITY = {
    "Email.Smtp.Host": "smtp.example.test", "Email.Smtp.Port": "587", "Email.Smtp.UserName": "orch@example.test",
    "Email.Smtp.EnableSsl": "false", "Email.Smtp.UseDefaultCredentials": "false",
    "Email.Smtp.FromEmail": "orch@example.test", "Email.Smtp.FromDisplayName": "Orchestrator Ops",
}


def bound(retries, retry_delay, timeout, retry_after=0.0, requests=1):
    """Documented worst case for `requests` logical requests."""
    delays = sum(max(min(retry_delay * 2 ** n, 30.0), 0) if not retry_after else min(retry_after, 30.0)
                 for n in range(retries))
    return requests * ((retries + 1) * timeout + delays) + SLACK


def counts(orch):
    return orch.control.requests()["counts"]


def converged_classic(orch):
    stored = orch.control.settings("Default")["effective"]
    missing = {k: v for k, v in EXPECTED_CLASSIC.items() if stored.get(k) != v}
    assert not missing, "not converged; differing keys: %s" % sorted(missing)


def assert_clear_failure(run, *needles):
    harness.no_traceback(run)
    assert run.failed, "expected a failure: %s" % json.dumps(run.result)[:2000]
    harness.one_line(run.msg)
    low = run.msg.lower()
    assert any(n.lower() in low for n in needles), "message %r mentions none of %s" % (run.msg, needles)



def fault_case(fid, kind, faults, conn=None, *, counts=None, needles=(), retry_after=0, identity=False,
               module=SETTINGS, min_duration=0.0):
    return {"id": fid, "kind": kind, "faults": faults, "conn": conn or {}, "counts": counts or {},
            "needles": list(needles), "retry_after": retry_after, "identity": identity, "module": module,
            "min_duration": min_duration}


UB, LIST, AUTH = "classic.settings.update_bulk", "classic.settings.list", "classic.authenticate"
# A pure input error (no network) measures the machine's module start-up overhead in the same run; the
# time bounds below allow the documented worst case plus twice that overhead (CI machines can be busy).
BASELINE = [fault_case("baseline-%d" % i, "baseline", [], {"timeout": 0}) for i in range(3)]
BATCH = [BASELINE[0],
    # ---- transient: recovered by the bounded retries, settings converge
    fault_case("500-once-on-read", "transient", [{"endpoint": LIST, "status": 500, "times": 1}], {"retries": 2},
               counts={LIST: 2}),
    fault_case("502-twice-any-endpoint", "transient", [{"endpoint": "*", "status": 502, "times": 2}], {"retries": 3}),
    fault_case("503-once-on-read", "transient", [{"endpoint": LIST, "status": 503, "times": 1}], {"retries": 1},
               counts={LIST: 2}),
    fault_case("504-once-on-read", "transient", [{"endpoint": LIST, "status": 504, "times": 1}], {"retries": 1},
               counts={LIST: 2}),
    fault_case("429-retry-after-2s-once-on-write", "transient",
               [{"endpoint": UB, "status": 429, "retry_after": 2, "times": 1}], {"retries": 2, "retry_delay": 0.1},
               counts={UB: 2}, min_duration=2.0),
    fault_case("connection-reset-once-on-read", "transient", [{"endpoint": LIST, "action": "reset", "times": 1}],
               {"retries": 1}, counts={LIST: 2}),
    fault_case("truncated-json-once-on-read", "transient", [{"endpoint": LIST, "action": "truncate", "times": 1}],
               {"retries": 1}, counts={LIST: 2}),
    fault_case("503-once-on-login", "transient", [{"endpoint": AUTH, "status": 503, "times": 1}],
               {"retries": 1}, counts={AUTH: 2}),
    fault_case("401-once-on-write-reauth", "transient", [{"endpoint": UB, "status": 401, "times": 1}],
               {"retries": 0}, counts={AUTH: 2, UB: 2}),
    fault_case("identity-503-once-on-put-and-401-once-on-get", "transient",
               [{"endpoint": "identity.settings.put", "status": 503, "times": 1},
                {"endpoint": "identity.settings.get", "status": 401, "times": 1}], {"retries": 1}, identity=True,
               counts={"identity.token": 2, "identity.settings.put": 2}),
    fault_case("identity-429-once-on-token", "transient",
               [{"endpoint": "identity.token", "status": 429, "retry_after": 1, "times": 1}], {"retries": 1},
               identity=True, counts={"identity.token": 2}, min_duration=1.0),
    # A login and an UpdateBulk of the same values are safe to repeat (only the test mail is not).
    fault_case("500-once-on-write-repeated", "transient", [{"endpoint": UB, "status": 500, "times": 1}],
               {"retries": 2}, counts={UB: 2}),
    fault_case("504-once-on-login-repeated", "transient", [{"endpoint": AUTH, "status": 504, "times": 1}],
               {"retries": 1}, counts={AUTH: 2}),
    fault_case("truncated-json-once-on-login-repeated", "transient",
               [{"endpoint": AUTH, "action": "truncate", "times": 1}], {"retries": 1}, counts={AUTH: 2}),
    # ---- persistent: clear one-line failure within the documented bound, nothing stored
    fault_case("500-every-request", "persistent", [{"endpoint": "*", "status": 500, "rate": 1}],
               {"retries": 2, "retry_delay": 0.2}, needles=("500",), counts={AUTH: 3}),
    fault_case("502-on-write", "persistent", [{"endpoint": UB, "status": 502, "rate": 1}],
               {"retries": 2, "retry_delay": 0.2}, needles=("502",), counts={UB: 3}),
    fault_case("503-retry-after-on-read", "persistent",
               [{"endpoint": LIST, "status": 503, "retry_after": 1, "rate": 1}], {"retries": 1, "retry_delay": 0.1},
               needles=("503",), counts={LIST: 2}, retry_after=1),
    fault_case("429-retry-after-on-write", "persistent",
               [{"endpoint": UB, "status": 429, "retry_after": 1, "rate": 1}], {"retries": 2, "retry_delay": 0.1},
               needles=("429",), counts={UB: 3}, retry_after=1),
    fault_case("connection-reset-on-write", "persistent", [{"endpoint": UB, "action": "reset", "rate": 1}],
               {"retries": 1, "retry_delay": 0.1}, needles=("reset", "closed"), counts={UB: 2}),
    fault_case("truncated-json-on-read", "persistent", [{"endpoint": LIST, "action": "truncate", "rate": 1}],
               {"retries": 1, "retry_delay": 0.1}, needles=("json", "truncat"), counts={LIST: 2}),
    fault_case("401-on-every-write", "persistent", [{"endpoint": UB, "status": 401, "rate": 1}], {"retries": 2},
               needles=("401", "authenticat"), counts={AUTH: 2, UB: 2}),
    fault_case("403-on-write", "persistent", [{"endpoint": UB, "status": 403, "rate": 1}], {"retries": 2},
               needles=("403", "not authorized", "permission"), counts={UB: 1}),
    fault_case("403-viewer-lacks-settings-edit", "persistent", [],
               {"orchestrator_username": "viewer", "orchestrator_password": ORCH_VIEWER_PASSWORD},
               needles=("403", "not authorized", "permission")),
    fault_case("400-wrong-orchestrator-password", "persistent", [], {"orchestrator_password": ORCH_WRONG_PASSWORD,
                                                                     "retries": 2},
               needles=("login", "authenticat", "credentials"), counts={AUTH: 1}),
    fault_case("connection-refused", "persistent", [], {"orchestrator_url": "@REFUSED@", "retries": 3,
                                                        "retry_delay": 1},
               needles=("refused", "connect")),
    fault_case("identity-503-on-put", "persistent", [{"endpoint": "identity.settings.put", "status": 503, "rate": 1}],
               {"retries": 1, "retry_delay": 0.1}, identity=True, needles=("503",),
               counts={"identity.settings.put": 2}),
    fault_case("identity-wrong-client-secret", "persistent", [], {"client_secret": ORCH_WRONG_PASSWORD},
               identity=True, needles=("invalid_client", "client", "token")),
    # last scenario: the emulator logs a delayed request only when its (abandoned) handler finishes, after
    # the module gave up, so no request counts here and only a baseline task (no requests) follows it
    fault_case("timeout-on-read", "persistent", [{"endpoint": LIST, "action": "delay", "delay": 2, "rate": 1}],
               {"retries": 1, "retry_delay": 0.1, "timeout": 1}, needles=("timed out", "timeout")),
    BASELINE[2],
]
BATCH.insert(len(BATCH) // 2, BASELINE[1])
assert len({c["id"] for c in BATCH}) == len(BATCH)


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _args(c, url):
    if c["kind"] == "baseline":
        return {"orchestrator_url": url, "orchestrator_username": "admin", "orchestrator_password": ORCH_PASSWORD,
                "port": 0}
    if c["identity"]:
        conn = {"orchestrator_url": url, "api": "identity", "client_id": "ansible", "client_secret": OAUTH_SECRET,
                "organization_id": ORG_ID, "timeout": 5, "retries": 0, "retry_delay": 0.1}
        fields = dict(IDENTITY_SETTINGS, scope="organization")
    else:
        conn = {"orchestrator_url": url, "api": "classic", "orchestrator_username": "admin",
                "orchestrator_password": ORCH_PASSWORD, "timeout": 5, "retries": 0, "retry_delay": 0.1}
        fields = dict(GOOD_SETTINGS)
    conn.update(c["conn"])
    if conn["orchestrator_url"] == "@REFUSED@":
        conn["orchestrator_url"] = "http://127.0.0.1:%d" % _free_port()
    return dict(conn, **fields)


def _produce(tmp):
    from rel_shared import _start_orchestrator
    from secrets_and_data import make_seed
    emu = _start_orchestrator("--seed", str(make_seed(tmp / "seed.json")), profile="2023.10")
    try:
        tasks, setup = [], {}
        for c in BATCH:
            args = _args(c, emu.url)
            tasks.append({"name": c["id"], c["module"]: args, "ignore_errors": True})
            setup[c["id"]] = {"reset": True, "faults": c["faults"], "identity_partitions": [ORG_ID]}
        play = [{"name": "fault matrix", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]
        run = harness.run_playbook(tmp, play, emulator_url=emu.url, per_task_log=True, task_setup=setup,
                                   label="faults")
    finally:
        emu.stop()
    sections = {chunk.split("]", 1)[0]: chunk for chunk in run.stdout.split("TASK [")[1:]}
    return {"rc": run.rc, "stdout": run.stdout, "stderr": run.stderr, "records": run.records,
            "sections": sections, "args": {c["id"]: _args(c, "x") for c in BATCH},
            "leaks": count_leaks(run.everything(), STATIC_SECRETS)}


@pytest.fixture(scope="module")
def batch(tmp_path_factory, worker_id):
    from rel_shared import shared_once
    return shared_once(tmp_path_factory, worker_id, "fault-batch",
                       lambda: _produce(tmp_path_factory.mktemp("faults")))


def _rec(batch, c):
    recs = [r for r in batch["records"] if r["task"] == c["id"]]
    assert recs, "no result for %s; output tail:\n%s" % (c["id"], (batch["stdout"] + batch["stderr"])[-3000:])
    return recs[-1]


def _check_common(batch, c, rec):
    blob = batch["sections"].get(c["id"], "") + json.dumps(rec["result"])
    assert "Traceback (most recent call last)" not in blob, "traceback reached the user:\n" + blob[-3000:]
    assert "MODULE FAILURE" not in str(rec["result"].get("msg", "")), json.dumps(rec["result"])[:3000]
    counts = (rec.get("requests") or {}).get("counts", {})
    for endpoint, n in c["counts"].items():
        assert counts.get(endpoint) == n, "requests per endpoint %s, expected %s=%d" % (counts, endpoint, n)
    if c["min_duration"]:
        assert rec["duration"] >= c["min_duration"], "Retry-After not honoured: task took %.2f s" % rec["duration"]


TRANSIENT = [c for c in BATCH if c["kind"] == "transient"]
PERSISTENT = [c for c in BATCH if c["kind"] == "persistent"]


@pytest.mark.parametrize("c", TRANSIENT, ids=[c["id"] for c in TRANSIENT])
def test_transient_fault_recovered(batch, c, record_property):
    record_property("rel_fault", "transient/" + c["id"])
    rec = _rec(batch, c)
    assert rec["status"] == "ok", "transient fault not recovered: %s" % rec["result"].get("msg")
    assert rec["result"].get("changed") is True
    _check_common(batch, c, rec)
    if c["identity"]:
        stored = rec["identity"][ORG_ID]["stored"]
        missing = sorted(k for k, v in EXPECTED_IDENTITY.items() if stored.get(k) != v)
    else:
        eff = rec["stored"]["effective"]
        missing = sorted(k for k, v in EXPECTED_CLASSIC.items() if eff.get(k) != v)
    assert not missing, "not converged after recovery; differing keys: %s" % missing


@pytest.mark.parametrize("c", PERSISTENT, ids=[c["id"] for c in PERSISTENT])
def test_persistent_fault_fails_clearly_and_changes_nothing(batch, c, record_property):
    record_property("rel_fault", "persistent/" + c["id"])
    rec = _rec(batch, c)
    if rec.get("duration") is not None:
        record_property("rel_failure_seconds", rec["duration"])
    assert rec["status"] == "failed", "expected a failure: %s" % json.dumps(rec["result"])[:2000]
    _check_common(batch, c, rec)
    msg = str(rec["result"].get("msg", ""))
    harness.one_line(msg)
    assert any(n.lower() in msg.lower() for n in c["needles"]), "message %r mentions none of %s" % (msg, c["needles"])
    assert rec["stored"]["stored"] == {}, "classic settings changed by a failed run: %s" % rec["stored"]["stored"]
    assert rec["identity"][ORG_ID]["stored"] == {}, "identity settings changed by a failed run"
    args = batch["args"][c["id"]]
    overhead = max(_rec(batch, b)["duration"] for b in BASELINE)
    limit = bound(args["retries"], args["retry_delay"], args["timeout"], c["retry_after"], requests=2) + 2 * overhead
    assert rec["duration"] <= limit, "failure took %.2f s, documented bound + overhead %.2f s" % (
        rec["duration"], limit)
    if c["retry_after"]:
        assert rec["duration"] >= c["retry_after"] * args["retries"], "Retry-After not honoured"
    if c["id"] == "connection-refused":
        # backing off with retries 3 / retry_delay 1 would add 1 + 2 + 4 = 7 s
        assert rec["duration"] - overhead < 4, "connection refused must fail fast, not back off (%.2f s, " \
            "overhead %.2f s)" % (rec["duration"], overhead)


def test_fault_batch_no_secret_leak(batch, record_property):
    record_property("rel_leaks", sum(batch["leaks"].values()))
    record_property("rel_runs", 1)
    assert batch["leaks"] == {}


# ------------------------------------------------------------------ separate runs

def _settle(control, endpoint, n):
    """The emulator logs a delayed request when it finishes; wait (bounded) for the late entries."""
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        got = control.requests()["counts"].get(endpoint, 0)
        if got >= n:
            return got
        time.sleep(0.1)
    return control.requests()["counts"].get(endpoint, 0)


def test_timeout_once_recovered(classic, ansible, record_property):
    record_property("rel_fault", "transient/timeout-once-on-read")
    classic.control.fault(endpoint=LIST, action="delay", delay=2, times=1)
    run = ansible.module(SETTINGS, dict(classic.conn(api="classic", retries=1, timeout=1), **GOOD_SETTINGS))
    harness.no_traceback(run)
    assert not run.failed, run.msg
    converged_classic(classic)
    assert _settle(classic.control, LIST, 2) == 2


def test_token_expiring_mid_run_reauthenticates(seed_file, ansible, record_property):
    """Real expiry: token TTL 1 s and the write delayed 1.5 s, so the token dies between read and write."""
    record_property("rel_fault", "transient/token-expires-mid-run")
    from rel_shared import _start_orchestrator
    emu = _start_orchestrator("--seed", str(seed_file), "--token-ttl", "1", profile="2020.10")
    try:
        control = harness.Control(emu.url)
        control.fault(endpoint=UB, action="delay", delay=1.5, times=1)
        conn = {"orchestrator_url": emu.url, "orchestrator_username": "admin", "orchestrator_password": ORCH_PASSWORD,
                "api": "classic", "timeout": 5, "retries": 0}
        run = ansible.module(SETTINGS, dict(conn, **GOOD_SETTINGS))
        harness.no_traceback(run)
        assert not run.failed, run.msg
        c = control.requests()["counts"]
        assert c.get(AUTH) == 2, "expected exactly one re-authentication: %s" % c
        assert control.settings("Default")["effective"].get("Abp.Net.Mail.Smtp.Host") == "smtp.example.test"
    finally:
        emu.stop()


def test_expired_supplied_token_fails_clearly(classic, ansible, record_property):
    record_property("rel_fault", "persistent/401-expired-supplied-token")
    tok = classic.token()
    classic.control.expire_tokens()
    classic.control.clear_requests()
    conn = classic.conn(api="classic", token=tok, orchestrator_username=None, orchestrator_password=None, retries=2)
    run = ansible.module(INFO, conn)
    record_property("rel_failure_seconds", run.record["duration"])
    assert_clear_failure(run, "401", "expired", "authenticat")
    assert counts(classic).get(AUTH) is None, "cannot re-login without credentials"

"""Fixtures, secret scanning and the summary hook for tests/reliability."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import harness  # noqa: E402
from harness import REPO, Control  # noqa: E402
from secrets_and_data import ORCH_PASSWORD, STATIC_SECRETS, count_leaks, make_seed  # noqa: E402
from rel_shared import _start_orchestrator, shared_once  # noqa: E402,F401  (re-exported for fixtures)


# --------------------------------------------------------------------------- emulators

class Orch:
    """A running emulator plus this suite's control client."""

    def __init__(self, emu, verify=True):
        self.emu = emu
        self.url = emu.url
        self.control = Control(emu.url, verify=verify)

    def conn(self, **over):
        args = {"orchestrator_url": self.url, "tenant": "Default", "orchestrator_username": "admin",
                "orchestrator_password": ORCH_PASSWORD, "timeout": 5, "retries": 0, "retry_delay": 0.1}
        args.update(over)
        return {k: v for k, v in args.items() if v is not None}

    def token(self, tenant="Default", user="admin", password=ORCH_PASSWORD) -> str:
        r = requests.post(self.url + "/api/Account/Authenticate", timeout=10,
                          json={"tenancyName": tenant, "usernameOrEmailAddress": user, "password": password},
                          verify=self.control.s.verify)
        r.raise_for_status()
        tok = r.json()["result"]
        TOKENS_SEEN.add(tok)
        return tok


TOKENS_SEEN: set = set()


@pytest.fixture(scope="session")
def seed_file(tmp_path_factory):
    return make_seed(tmp_path_factory.mktemp("seed") / "seed.json")


@pytest.fixture(scope="session")
def _classic_emu(seed_file):
    emu = _start_orchestrator("--seed", str(seed_file), profile="2020.10")
    yield Orch(emu)
    emu.stop()


@pytest.fixture(scope="session")
def _identity_emu(seed_file):
    emu = _start_orchestrator("--seed", str(seed_file), profile="2023.10")
    yield Orch(emu)
    emu.stop()


@pytest.fixture
def classic(_classic_emu):
    _classic_emu.control.reset()
    yield _classic_emu
    _classic_emu.control.clear_faults()


@pytest.fixture
def identity(_identity_emu):
    _identity_emu.control.reset()
    yield _identity_emu
    _identity_emu.control.clear_faults()


# --------------------------------------------------------------------------- runs + secret scan

class Runner:
    """Runs ansible for one test and keeps every Run so the autouse scan can check it for secrets."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.runs = []

    def module(self, module, args, **kw):
        run = harness.run_module(self.tmp, module, args, **kw)
        self.runs.append(run)
        return run

    def playbook(self, playbook, **kw):
        run = harness.run_playbook(self.tmp, playbook, **kw)
        self.runs.append(run)
        return run


@pytest.fixture
def ansible(tmp_path, request):
    runner = Runner(tmp_path)
    yield runner
    # Every ansible run in this suite uses the distinctive secrets; none may ever show up.
    blob = "\n".join(r.everything() for r in runner.runs)
    leaks = count_leaks(blob, STATIC_SECRETS + sorted(TOKENS_SEEN))
    request.node.user_properties.append(("rel_leaks", sum(leaks.values())))
    request.node.user_properties.append(("rel_runs", len(runner.runs)))
    assert not leaks, "secret(s) leaked in ansible output/results: %s" % leaks


@pytest.fixture(scope="session")
def worker_id(request):
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


# --------------------------------------------------------------------------- summary

_STATS = {"bad_input_cases": set(), "bad_input_failed": set(), "faults": set(), "faults_failed": set(),
          "leaks_found": 0, "runs": 0, "slowest_failure_seconds": 0.0, "slowest_failure_case": None,
          "tests_passed": 0, "tests_failed": 0, "load": None}


def pytest_runtest_logreport(report):
    if "tests/reliability" not in report.nodeid.replace("\\", "/"):
        return
    props = dict()
    for k, v in report.user_properties:
        props.setdefault(k, []).append(v)
    failed = report.failed
    if report.when == "call":
        if report.passed:
            _STATS["tests_passed"] += 1
        elif failed:
            _STATS["tests_failed"] += 1
    if report.when not in ("call", "teardown"):
        return
    if report.when == "teardown" and failed:
        _STATS["tests_failed"] += 1
    for case in props.get("rel_bad_input", []):
        _STATS["bad_input_cases"].add(case)
        if failed:
            _STATS["bad_input_failed"].add(case)
    for case in props.get("rel_fault", []):
        _STATS["faults"].add(case)
        if failed:
            _STATS["faults_failed"].add(case)
    if report.when == "teardown":
        _STATS["leaks_found"] += sum(props.get("rel_leaks", []))
        _STATS["runs"] += sum(props.get("rel_runs", []))
    for secs in props.get("rel_failure_seconds", []):
        if report.when == "call" and secs > _STATS["slowest_failure_seconds"]:
            _STATS["slowest_failure_seconds"] = round(secs, 2)
            _STATS["slowest_failure_case"] = report.nodeid.split("::", 1)[-1]
    for load in props.get("rel_load", []):
        _STATS["load"] = load


def _summary():
    return {
        "bad_input_cases": len(_STATS["bad_input_cases"]),
        "bad_input_cases_failed": sorted(_STATS["bad_input_failed"]),
        "faults": len(_STATS["faults"]),
        "fault_scenarios": sorted(_STATS["faults"]),
        "faults_failed": sorted(_STATS["faults_failed"]),
        "leaks_found": _STATS["leaks_found"],
        "ansible_runs_scanned_for_secrets": _STATS["runs"],
        "slowest_failure_seconds": _STATS["slowest_failure_seconds"],
        "slowest_failure_case": _STATS["slowest_failure_case"],
        "load": _STATS["load"],
        "tests_passed": _STATS["tests_passed"],
        "tests_failed": _STATS["tests_failed"],
    }


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput"):
        return
    if not (_STATS["tests_passed"] or _STATS["tests_failed"]):
        return
    data = _summary()
    out = REPO / "build" / "reliability-summary.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n")
    tr = terminalreporter
    tr.section("reliability summary")
    tr.write_line("bad-input cases: %d (failed: %d)" % (data["bad_input_cases"], len(data["bad_input_cases_failed"])))
    tr.write_line("fault scenarios: %d (failed: %d)" % (data["faults"], len(data["faults_failed"])))
    tr.write_line("secret leaks found: %d (in %d scanned ansible runs)" % (data["leaks_found"],
                                                                         data["ansible_runs_scanned_for_secrets"]))
    tr.write_line("slowest expected failure: %.2f s (%s)" % (data["slowest_failure_seconds"],
                                                            data["slowest_failure_case"]))
    if data["load"]:
        tr.write_line("load: %s" % json.dumps(data["load"]))
    tr.write_line("written to %s" % out.relative_to(REPO))

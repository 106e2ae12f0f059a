"""Fixtures of the integration tests (helpers in integration_lab.py).

Two emulators per test session (profile 2020.10 = classic API, 2023.10 = Identity API) and one mail catcher,
all on 127.0.0.1 with free ports; every test starts from the emulators' seed state and an empty mailbox.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from integration_lab import APIS, PROFILE, Lab  # noqa: E402
from tests.support.session_services import running_catcher, running_emulators  # noqa: E402


@pytest.fixture(scope="session")
def emulators():
    yield from running_emulators({api: PROFILE[api] for api in APIS})


@pytest.fixture(scope="session")
def catcher():
    yield from running_catcher()


@pytest.fixture
def lab(emulators, catcher, tmp_path):
    """A clean lab: emulators back at their seed, empty request logs and mailbox, default inventory written."""
    lab = Lab(emulators, catcher, tmp_path)
    lab.reset()
    lab.inventory()
    return lab


@pytest.fixture(scope="module")
def converged(emulators, catcher, tmp_path_factory):
    """First and second run of the play over both hosts, from the seed state (shared by several tests)."""
    lab = Lab(emulators, catcher, tmp_path_factory.mktemp("converged"))
    lab.reset()
    lab.inventory()
    first = lab.run()
    state = {"first": first, "first_requests": {api: lab.requests(api) for api in APIS},
             "stored": {api: lab.stored(api) for api in APIS}}
    for emu in emulators.values():
        emu.control.clear_requests()
    catcher.delete_all()
    second = lab.run()
    state.update(second=second, second_writes={api: lab.writes(api) for api in APIS},
                 second_requests={api: lab.requests(api) for api in APIS},
                 second_mail={api: lab.catcher.search("to", "ops-%s@example.test" % api) for api in APIS})
    return state

"""Fixtures of the smoke suite: both emulated Orchestrators (profile 2020.10 = classic API with a
username/password login, profile 2023.10 = Identity API with OAuth client credentials) and the
MailHog-compatible catcher, as real processes on 127.0.0.1 with free ports, started with the Python that runs
pytest (so with the matrix venv's interpreter under ci/matrix.sh).

Only the public command line is used (ansible-playbook of the same venv, site.yml, an inventory file), so the
suite runs unchanged on every ansible-core line of the matrix.
"""
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.session_services import running_catcher, running_emulators  # noqa: E402

PROFILES = {"classic": "2020.10", "identity": "2023.10"}


@pytest.fixture(scope="session")
def emulators():
    yield from running_emulators(PROFILES)


@pytest.fixture(scope="session")
def catcher():
    yield from running_catcher()

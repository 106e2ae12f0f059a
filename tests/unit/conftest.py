"""Unit tests import the collection as ansible_collections.infraops.uipath_orchestrator. Under `ansible-test units`
its collection loader provides that; under plain pytest the checkout's .collections/ symlink does. The shared test
helpers (tests/unit/fake_server.py, tests/support/ and the emulators, which the built collection does not ship) are
found from the checkout's root."""
import os
import sys

UNIT = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(UNIT))
for path in (os.path.join(REPO_ROOT, ".collections"), REPO_ROOT, UNIT):
    if path not in sys.path:
        sys.path.insert(0, path)

import pytest  # noqa: E402

from fake_server import Fake  # noqa: E402


@pytest.fixture
def fake():
    """A fake Orchestrator with the classic API on 127.0.0.1 (tests/unit/fake_server.py)."""
    f = Fake()
    yield f
    f.stop()


@pytest.fixture
def fake_id():
    """A fake Orchestrator with the Identity API."""
    f = Fake(identity=True)
    yield f
    f.stop()

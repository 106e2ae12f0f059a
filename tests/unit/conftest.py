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

"""Helpers the reliability tests import directly.

They live here, not in conftest.py: with several conftest.py files in one pytest process, ``from conftest
import …`` resolves to whichever conftest was imported first (e.g. tests/unit's).
"""
from __future__ import annotations

import fcntl
import json


def _start_orchestrator(*args, profile="2020.10"):
    from tests.support.orchestrator_emulator import start_orchestrator
    return start_orchestrator(*args, profile=profile)


def shared_once(tmp_path_factory, worker_id, name, produce):
    """Run `produce()` once per pytest session even under xdist (file lock in the shared temp root);
    returns its JSON-serialisable result."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent
    path = root / (name + ".json")
    with open(str(path) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if path.exists():
                return json.loads(path.read_text())
            data = produce()
            path.write_text(json.dumps(data))
            return data
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

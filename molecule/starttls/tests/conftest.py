import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared"))

import molecule_checks  # noqa: E402


@pytest.fixture(scope="session")
def inventory(pytestconfig):
    data, hostvars = molecule_checks.inventory_hostvars(molecule_checks.inventory_dir(pytestconfig))
    hosts = molecule_checks.group_hosts(data, "orchestrators")
    assert hosts, "no host in group orchestrators"
    return {h: hostvars[h] for h in hosts}


@pytest.fixture(scope="session")
def inventory_dir(pytestconfig):
    return molecule_checks.inventory_dir(pytestconfig)

"""Fixtures every scenario's verifier uses; each tests/conftest.py re-exports them."""
import pytest

import molecule_checks


@pytest.fixture(scope="session")
def inventory_dir(pytestconfig):
    return molecule_checks.inventory_dir(pytestconfig)


@pytest.fixture(scope="session")
def inventory(inventory_dir):
    data, hostvars = molecule_checks.inventory_hostvars(inventory_dir)
    hosts = molecule_checks.group_hosts(data, "orchestrators")
    assert hosts, "no host in group orchestrators"
    return {h: hostvars[h] for h in hosts}

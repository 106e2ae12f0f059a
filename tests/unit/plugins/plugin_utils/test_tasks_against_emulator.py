"""The settings task against the emulated deployments: reset (state=absent) on both APIs, a Cloud organization
reached from its Orchestrator URL alone, and the requests each run costs."""
import os
import sys

import pytest

from tests.support.orchestrator_emulator import start_orchestrator  # noqa: E402

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import settings_task  # noqa: E402
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import run_task  # noqa: E402

RELAY = {"use_default_credentials": False, "enable_ssl": False, "host": "smtp.example.com", "port": 587,
         "username": "robots@example.com", "password": "Relay-Secret-7", "from_address": "robots@example.com"}
ROPC = {"orchestrator_username": "admin", "orchestrator_password": "emulator-admin", "retry_delay": 0.0}
APP = {"client_id": "ansible", "client_secret": "emulator-secret", "retry_delay": 0.0}


@pytest.fixture(scope="module")
def standalone():
    emu = start_orchestrator(profile="2023.10")
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def cloud():
    emu = start_orchestrator(profile="cloud")
    yield emu
    emu.stop()


def write_endpoints(emu):
    return [r["endpoint"] for r in emu.control.requests()
            if r["method"] in ("POST", "PUT", "DELETE") and r["endpoint"].startswith(("classic.settings", "identity.settings"))]


def apply(args, check=False):
    res = run_task(settings_task, dict(args), {}, check, True, "test")
    assert not res.get("failed"), res.get("msg")
    return res


def classic_relay_stored(emu):
    """The classic instance from its seed with the relay settings applied, request log cleared; its connection."""
    emu.control.reset()
    conn = dict(ROPC, orchestrator_url=emu.url, api="classic")
    apply(dict(conn, **RELAY))
    emu.control.clear_requests()
    return conn


def test_classic_reset_then_present_restores_with_one_write_each(standalone):
    conn = classic_relay_stored(standalone)
    check = apply(dict(conn, state="absent"), check=True)
    assert check["changed"] and "host" in check["deleted_fields"] and write_endpoints(standalone) == []
    gone = apply(dict(conn, state="absent"))
    assert gone["changed"] and gone["after"]["host"] == "127.0.0.1" and gone["after"]["password"] == ""
    assert write_endpoints(standalone) == ["classic.settings.delete_bulk"]
    again = apply(dict(conn, state="absent"))
    assert not again["changed"] and len(write_endpoints(standalone)) == 1
    back = apply(dict(conn, **RELAY))
    assert back["changed"] and back["after"]["host"] == "smtp.example.com"
    assert write_endpoints(standalone) == ["classic.settings.delete_bulk", "classic.settings.update_bulk"]


def test_identity_reset_deletes_the_organization_rows(standalone):
    standalone.control.reset()
    conn = dict(APP, orchestrator_url=standalone.url, api="identity", scope="organization",
                organization_id="6e6f7267-0000-4000-8000-000000000001")
    apply(dict(conn, connection_timeout=60000, **RELAY))
    gone = apply(dict(conn, state="absent"))
    assert gone["changed"] and set(gone["deleted_fields"]) >= {"host", "port", "password"}
    assert standalone.control.identity_settings("6e6f7267-0000-4000-8000-000000000001")["stored"] == {}
    assert not apply(dict(conn, state="absent"))["changed"]


def test_a_cloud_organization_from_its_orchestrator_url_alone(cloud):
    cloud.control.reset()
    conn = dict(APP, orchestrator_url=cloud.orchestrator_url())
    first = apply(dict(conn, enable_alerts=True, **RELAY))
    assert first["changed"] and first["api"] == "identity" and first["scope"] == "organization"
    assert first["organization_source"] == "access token claim prt_id"
    assert first["changed_fields"][0] == "enable_alerts"
    second = apply(dict(conn, enable_alerts=True, **RELAY))
    assert not second["changed"] and second["http_requests"] <= 3, second["http_requests"]
    assert cloud.control.settings("Default")["effective"]["Alerts.Email.Enabled"] == "true"


def test_automation_suite_host_admin_writes_the_host_level_settings():
    emu = start_orchestrator(profile="automation-suite")
    try:
        conn = dict(ROPC, orchestrator_url=emu.orchestrator_url(), scope="host", api="identity")
        first = apply(dict(conn, **RELAY))
        assert first["changed"] and first["scope"] == "host"
        assert emu.control.identity_settings("")["stored"]["Email.Smtp.Host"] == "smtp.example.com"
        assert not apply(dict(conn, **RELAY))["changed"]
    finally:
        emu.stop()


# --- check mode predicts the real run of state=absent
def test_classic_reset_without_delete_bulk_is_refused_the_same_in_check_mode():
    emu = start_orchestrator(profile="2020.10")  # Web API 11: no DeleteBulk
    try:
        conn = dict(ROPC, orchestrator_url=emu.url, api="classic")
        apply(dict(conn, **RELAY))
        emu.control.clear_requests()
        check = run_task(settings_task, dict(conn, state="absent"), {}, True, True, "test")
        real = run_task(settings_task, dict(conn, state="absent"), {}, False, True, "test")
        assert real["failed"] and "no DeleteBulk endpoint" in real["msg"] and real["changed"] is False
        assert check["failed"] and check["msg"] == real["msg"] and check["changed"] is False
        assert emu.control.settings("Default")["stored"]["Abp.Net.Mail.Smtp.Host"] == "smtp.example.com"
    finally:
        emu.stop()


def test_classic_check_mode_reset_with_delete_bulk_writes_nothing(standalone):
    conn = classic_relay_stored(standalone)
    check = apply(dict(conn, state="absent"), check=True)
    assert check["changed"] and standalone.control.writes() == 0
    real = apply(dict(conn, state="absent"))
    assert real["deleted_fields"] == check["deleted_fields"]


def test_identity_check_mode_lists_the_fields_the_real_reset_deletes(standalone):
    standalone.control.reset()
    conn = dict(APP, orchestrator_url=standalone.url, api="identity", scope="organization",
                organization_id="6e6f7267-0000-4000-8000-000000000001")
    apply(dict(conn, domain="", from_display_name="", connection_timeout=60000, **RELAY))
    check = apply(dict(conn, state="absent"), check=True)
    real = apply(dict(conn, state="absent"))
    assert "domain" in real["deleted_fields"] and check["deleted_fields"] == real["deleted_fields"]
    assert real["written_fields"] == [] and [e["action"] for e in real["journal"]] == ["delete"] * len(real["journal"])

"""The action plugin itself, through ``ActionModule.run`` with a mocked task and connection (as ansible.utils tests
its action plugins): arguments from the task, check and diff mode from the play context, the worker path for a local
connection, ``_execute_module`` otherwise, and the write journal in success and failure results.

No ``__init__.py``: pytest (tests/unit/conftest.py puts the collection on sys.path) and ansible-test units both
collect it."""
import json
from unittest.mock import MagicMock

import pytest

from ansible.playbook.play_context import PlayContext
from ansible.template import Templar

from ansible_collections.infraops.uipath_orchestrator.plugins.action.orchestrator_mail_settings import ActionModule
from ansible_collections.infraops.uipath_orchestrator.plugins.action.orchestrator_mail_info import (
    ActionModule as InfoAction,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import settings_task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._task_contract import Task


SMTP_PW = "Smtp-Secret-42"
CONN = {"orchestrator_username": "admin", "orchestrator_password": "admin-pw", "retry_delay": 0.0, "retries": 0,
        "api": "classic"}
RELAY = {"use_default_credentials": False, "enable_ssl": True, "host": "smtp.example.com", "port": 587,
         "username": "robots@example.com", "password": SMTP_PW, "from_address": "robots@example.com"}


def make_plugin(cls, args, check_mode=False, diff=False, transport="local", become=False):
    task = MagicMock()
    task.action = "infraops.uipath_orchestrator.orchestrator_mail_settings"
    task.args = dict(args)
    task.async_val = 0
    task.environment = None
    task.check_mode = check_mode
    task.diff = diff
    connection = MagicMock()
    connection.transport = transport
    connection.has_native_async = False
    play_context = PlayContext()
    play_context.check_mode = check_mode
    play_context.diff = diff
    play_context.become = become
    return cls(task=task, connection=connection, play_context=play_context, loader=MagicMock(),
               templar=Templar(loader=MagicMock()), shared_loader_obj=None)


def test_the_plugin_runs_the_settings_task(fake):
    plugin = make_plugin(ActionModule, dict(CONN, orchestrator_url=fake.url, **RELAY), diff=True)
    res = plugin.run(task_vars={})
    assert not res.get("failed"), res.get("msg")
    assert res["changed"] and res["api"] == "classic" and res["diff"]["after"]["host"] == "smtp.example.com"
    assert res["written_fields"] == ["use_default_credentials", "enable_ssl", "host", "port", "username",
                                     "password", "from_address"]
    assert res["invocation"]["module_args"]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert SMTP_PW not in json.dumps(res) and "admin-pw" not in json.dumps(res)
    assert len(fake.writes()) == 1
    again = make_plugin(ActionModule, dict(CONN, orchestrator_url=fake.url, **RELAY)).run(task_vars={})
    assert again["changed"] is False and again["written_fields"] == []


def test_check_mode_comes_from_the_play_context(fake):
    res = make_plugin(ActionModule, dict(CONN, orchestrator_url=fake.url, **RELAY), check_mode=True).run(task_vars={})
    assert res["changed"] and res["journal"] == [] and fake.writes() == []


def test_a_failure_after_the_write_reports_changed(fake):
    fake.fault("/odata/Settings", ("sleep", 0), ("status", 500))
    res = make_plugin(ActionModule, dict(CONN, orchestrator_url=fake.url, verify_write=True, **RELAY)).run(
        task_vars={})
    assert res["failed"] and res["changed"] is True and "host" in res["written_fields"]
    assert "\n" not in res["msg"] and SMTP_PW not in json.dumps(res)


def test_required_together_is_one_line_naming_the_missing_option(fake):
    res = make_plugin(InfoAction, {"orchestrator_url": fake.url, "client_id": "app"}).run(task_vars={})
    assert res["failed"] and res["msg"] == "client_secret: must be set together with client_id"
    assert fake.log == []


def test_core_checks_the_argument_spec(fake):
    res = make_plugin(ActionModule, dict(CONN, orchestrator_url=fake.url, state="gone")).run(task_vars={})
    assert res["failed"] and "state" in res["msg"] and "\n" not in res["msg"] and fake.log == []


def test_classic_reset_of_tenant_host_is_refused(fake):
    res = make_plugin(ActionModule, dict(CONN, orchestrator_url=fake.url, tenant="Host", state="absent")).run(
        task_vars={})
    assert res["failed"] and res["msg"].startswith("tenant: ") and fake.log == []


@pytest.mark.parametrize("transport,become", [("ssh", False), ("local", True)])
def test_a_remote_connection_or_become_runs_the_module(transport, become):
    plugin = make_plugin(ActionModule, {"orchestrator_url": "https://orch.example.com"}, transport=transport,
                         become=become)
    plugin._execute_module = MagicMock(return_value={"changed": False, "from": "module"})
    res = plugin.run(task_vars={})
    assert res["from"] == "module" and plugin._execute_module.call_count == 1


def test_every_action_plugin_names_a_task():
    from ansible_collections.infraops.uipath_orchestrator.plugins.action import (
        orchestrator_mail_info, orchestrator_mail_settings, orchestrator_mail_test)
    for mod in (orchestrator_mail_info, orchestrator_mail_settings, orchestrator_mail_test):
        assert isinstance(mod.ActionModule.TASK, Task)
    assert settings_task.TASK.writes and settings_task.TASK.core_rules == {}
    assert settings_task.TASK.rules["required_together"]

"""The task runner the action plugins use: test mail before write, environment fallbacks, censoring, and the
same task through the module's main() in a module process."""
import json
import os
import subprocess
import sys


from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import info_task, settings_task
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import run_task


SMTP_PW = "Smtp-Secret-42"
CONN = {"orchestrator_username": "admin", "orchestrator_password": "admin-pw", "retry_delay": 0.0, "api": "classic"}
RELAY = {"use_default_credentials": False, "enable_ssl": False, "host": "smtp.example.com", "port": 587,
         "username": "robots@example.com", "password": SMTP_PW, "from_address": "robots@example.com"}
MODULES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules")


def apply(fake, check=False, **kw):
    args = dict(CONN, orchestrator_url=fake.url, **RELAY)
    args.update(kw)
    return run_task(settings_task, args, {}, check, False, "test")


def verify_calls(fake):
    return [c for c in fake.log if c[1].endswith("VerifySmtpSetting")]


def test_on_change_sends_one_test_mail_before_the_write(fake):
    res = apply(fake, test_mail="on_change", test_recipient="ops@example.com")
    assert res["changed"] and res["test_mail"] == {"sent": True, "recipient": "ops@example.com",
                                                   "reason": "settings change"}
    paths = [c[1] for c in fake.log]
    assert paths.index(verify_calls(fake)[0][1]) < paths.index(fake.writes()[0][1])
    assert len(verify_calls(fake)) == 1 and len(fake.writes()) == 1


def test_on_change_noop_run_sends_nothing_and_makes_two_requests(fake):
    apply(fake)
    before = len(fake.log)
    res = apply(fake, test_mail="on_change", test_recipient="ops@example.com")
    assert not res["changed"] and res["test_mail"]["sent"] is False and res["test_mail"]["reason"] == "no change"
    assert len(fake.log) - before == 2 and res["http_requests"] == 2


def test_refused_test_mail_writes_nothing(fake):
    fake.verify_error = "Failure sending mail. 535 authentication failed"
    res = apply(fake, test_mail="on_change", test_recipient="ops@example.com")
    assert res["failed"] and "test mail to ops@example.com was not accepted" in res["msg"] and "535" in res["msg"]
    assert fake.writes() == [] and SMTP_PW not in json.dumps(res)


def test_check_mode_says_a_mail_would_be_sent_and_sends_none(fake):
    res = apply(fake, check=True, test_mail="always", test_recipient="ops@example.com")
    assert res["changed"] and res["test_mail"]["sent"] is False and "check mode" in res["test_mail"]["reason"]
    assert verify_calls(fake) == [] and fake.writes() == []


def test_no_recipient_means_no_mail(fake):
    res = apply(fake, test_mail="on_change")
    assert res["changed"] and res["test_mail"]["reason"] == "no test_recipient" and verify_calls(fake) == []


def test_credentials_from_the_task_environment(fake):
    env = {"ORCHESTRATOR_URL": fake.url, "ORCHESTRATOR_USERNAME": "admin", "ORCHESTRATOR_PASSWORD": "admin-pw"}
    res = run_task(info_task, {"api": "classic", "retry_delay": 0.0}, env, False, False, "test")
    assert not res.get("failed"), res.get("msg")
    assert res["invocation"]["module_args"]["orchestrator_password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "admin-pw" not in json.dumps(res)


def test_rules_of_the_argument_spec_name_the_options(fake):
    res = run_task(info_task, {"orchestrator_url": fake.url, "client_id": "app"}, {}, False, False, "test")
    assert res["failed"] and "client_id" in res["msg"] and "client_secret" in res["msg"] and fake.log == []
    res = run_task(settings_task, dict(CONN, orchestrator_url=fake.url, port="x"), {}, False, False, "test")
    assert res["failed"] and "port" in res["msg"] and "\n" not in res["msg"] and fake.log == []


def test_secrets_never_in_the_result(fake):
    res = apply(fake, update_password="always")
    text = json.dumps(res)
    assert SMTP_PW not in text and "admin-pw" not in text


def test_module_process_gives_the_same_result(fake, tmp_path):
    """main() of the module file (used for delegate_to a remote host, become, async) runs the same task."""
    args = dict(CONN, orchestrator_url=fake.url, **RELAY)
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, os.path.join(MODULES, "orchestrator_mail_settings.py"), str(argfile)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    res = json.loads(proc.stdout)
    assert res["changed"] and res["changed_fields"] == ["use_default_credentials", "host", "port", "username",
                                                        "password", "from_address"]
    assert SMTP_PW not in proc.stdout and res["test_mail"]["reason"] == "test_mail is never"
    again = apply(fake)
    assert again["changed"] is False


def test_empty_credential_fields_from_the_environment_count_as_unset(fake):
    # AWX injects every field of a credential; the unused ones arrive as empty strings.
    env = {"ORCHESTRATOR_URL": fake.url, "ORCHESTRATOR_USERNAME": "admin", "ORCHESTRATOR_PASSWORD": "admin-pw",
           "ORCHESTRATOR_TENANT": "", "ORCHESTRATOR_ORGANIZATION_ID": "", "ORCHESTRATOR_CLIENT_ID": "",
           "ORCHESTRATOR_CLIENT_SECRET": "", "ORCHESTRATOR_TOKEN": ""}
    res = run_task(info_task, {"api": "classic", "retry_delay": 0.0}, env, False, False, "test")
    assert not res.get("failed"), res.get("msg")
    assert res["invocation"]["module_args"]["tenant"] == "Default"

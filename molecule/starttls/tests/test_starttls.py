"""Verify the starttls scenario: required STARTTLS + required AUTH on 587 (Gmail-like), test CA.

The positive path was applied by converge (twice: converge + idempotence). The negative path is run
here with ansible-playbook against the same inventory, with a wrong SMTP password, in test order:

1. wrong password, update_password: on_create (the role's default) and smtp_mail_test_mail: always: the
   settings module sends no password (host/port/SSL/user unchanged), so the stored password stays the good
   one; the test mail (sent on every run with `always`) uses the wrong one and the run fails with the
   server's 535. (With the default `on_change` that run writes nothing and so sends no test mail.)
2. wrong password, update_password: always: the role sends the test mail BEFORE it writes (Orchestrator's
   test endpoint uses the posted, unsaved settings), so the run fails with 535 and nothing is written:
   the working password stays stored.
3. the right password with update_password: always is written again; the test mail is accepted.
"""
from molecule_checks import (CLASSIC_KEYS, CLASSIC_PASSWORD_KEY, MASK, api_string, assert_test_mail,
                             classic_login, classic_settings, emulator_stored, expected_value,
                             mailhog_search, run_playbook)

WRONG = "not-the-app-password"


def _one(inventory):
    assert len(inventory) == 1
    return next(iter(inventory.items()))


def _stored_password(hv):
    return emulator_stored(hv["smtp_mail_orchestrator_url"], hv["smtp_mail_orchestrator_tenant"])["stored"][
        CLASSIC_PASSWORD_KEY]


def _mails(hv):
    return mailhog_search(hv["molecule_catcher_api_url"], "to", hv["smtp_mail_test_recipient"])


def test_settings_stored_like_the_gmail_preset(inventory):
    _, hv = _one(inventory)
    token = classic_login(hv["smtp_mail_orchestrator_url"], hv["smtp_mail_orchestrator_tenant"],
                          hv["smtp_mail_orchestrator_username"], hv["smtp_mail_orchestrator_password"])
    settings = classic_settings(hv["smtp_mail_orchestrator_url"], token)
    for var, key in CLASSIC_KEYS.items():
        assert settings.get(key) == api_string(expected_value(hv, var)), key
    assert settings["Abp.Net.Mail.Smtp.EnableSsl"] == "true"
    assert settings["Abp.Net.Mail.Smtp.Port"] == "587"
    assert settings["Abp.Net.Mail.DefaultFromAddress"] == hv["smtp_mail_username"]   # gmail: From = username
    assert settings[CLASSIC_PASSWORD_KEY] == MASK
    assert _stored_password(hv) == hv["smtp_mail_password"]


def test_test_mail_arrived_over_starttls_with_auth(inventory):
    _, hv = _one(inventory)
    result = _mails(hv)
    assert result["total"] >= 1
    for msg in result["items"]:
        assert_test_mail(msg, hv)
        # catcher extension: the AUTH user it checked (real MailHog records none)
        assert msg["AuthUser"] == hv["molecule_catcher_auth_user"]


def test_on_create_keeps_the_stored_password_and_tests_the_saved_settings(inventory, inventory_dir):
    # A password is stored, so on_create does not send the new one: nothing is written, and test_mail always
    # asks Orchestrator to test what it has saved (which works), as UiPath's own CLI does.
    _, hv = _one(inventory)
    before = _mails(hv)["total"]
    rc, out = run_playbook(inventory_dir, {"smtp_mail_password": WRONG, "smtp_mail_update_password": "on_create",
                                           "smtp_mail_test_mail": "always"})
    assert rc == 0, out
    assert "changed=[]" in out, out
    assert WRONG not in out
    assert _stored_password(hv) == hv["smtp_mail_password"]
    assert _mails(hv)["total"] == before + 1


def test_wrong_password_always_fails_and_is_not_stored(inventory, inventory_dir):
    _, hv = _one(inventory)
    before = _mails(hv)["total"]
    rc, out = run_playbook(inventory_dir, {"smtp_mail_password": WRONG, "smtp_mail_update_password": "always"})
    assert rc != 0, out
    assert "535" in out, out
    assert WRONG not in out
    # the test mail runs before the write, so the failing password never replaced the working one
    assert _stored_password(hv) == hv["smtp_mail_password"]
    token = classic_login(hv["smtp_mail_orchestrator_url"], hv["smtp_mail_orchestrator_tenant"],
                          hv["smtp_mail_orchestrator_username"], hv["smtp_mail_orchestrator_password"])
    assert classic_settings(hv["smtp_mail_orchestrator_url"], token)[CLASSIC_PASSWORD_KEY] == MASK
    assert _mails(hv)["total"] == before


def test_right_password_always_is_written_and_accepted(inventory, inventory_dir):
    _, hv = _one(inventory)
    before = _mails(hv)["total"]
    rc, out = run_playbook(inventory_dir, {"smtp_mail_update_password": "always"})
    assert rc == 0, out
    assert hv["smtp_mail_password"] not in out
    assert _stored_password(hv) == hv["smtp_mail_password"]
    assert _mails(hv)["total"] == before + 1

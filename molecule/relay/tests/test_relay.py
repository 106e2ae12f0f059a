"""Verify the relay scenario: STARTTLS required by the catcher, no AUTH (smtp_mail_authentication: none).

converge and idempotence have run the role twice (the second run must change nothing)."""
from molecule_checks import (assert_test_mail, classic_login, classic_settings, emulator_stored, mailhog_search)


def _one(inventory):
    assert len(inventory) == 1
    return next(iter(inventory.items()))


def test_settings_store_a_relay_without_login(inventory):
    _, hv = _one(inventory)
    token = classic_login(hv["smtp_mail_orchestrator_url"], hv["smtp_mail_orchestrator_tenant"],
                          hv["smtp_mail_orchestrator_username"], hv["smtp_mail_orchestrator_password"])
    settings = classic_settings(hv["smtp_mail_orchestrator_url"], token)
    assert settings["Abp.Net.Mail.Smtp.EnableSsl"] == "true"
    assert settings["Abp.Net.Mail.Smtp.UseDefaultCredentials"] == "false"   # classic: no login = false + no user
    assert settings["Abp.Net.Mail.Smtp.Host"] == hv["smtp_mail_host"]
    assert settings["Abp.Net.Mail.Smtp.Port"] == str(hv["smtp_mail_port"])
    assert settings["Abp.Net.Mail.DefaultFromAddress"] == hv["smtp_mail_from_address"]
    stored = emulator_stored(hv["smtp_mail_orchestrator_url"], hv["smtp_mail_orchestrator_tenant"])["stored"]
    assert stored.get("Abp.Net.Mail.Smtp.UserName", "") == ""
    assert stored.get("Abp.Net.Mail.Smtp.Password", "") == ""


def test_test_mail_arrived_over_starttls_without_auth(inventory):
    _, hv = _one(inventory)
    result = mailhog_search(hv["molecule_catcher_api_url"], "to", hv["smtp_mail_test_recipient"])
    assert result["total"] == 1, result["total"]   # one mail: the first run's; idempotence sent none
    msg = result["items"][0]
    assert_test_mail(msg, hv)
    # the catcher records an AUTH user only when a client authenticated (its extension); the relay sends no AUTH
    assert msg.get("AuthUser") in (None, ""), msg.get("AuthUser")

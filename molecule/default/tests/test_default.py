"""Verify the default scenario: Orchestrator 2020.10 (classic API) + MailHog.

Runs on the controller only (no `host` fixture): everything is checked through the APIs the
scenario publishes on 127.0.0.1. Uses only MailHog's own API, so it passes unchanged against the
real mailhog/mailhog:v1.0.1 image.
"""
import pytest

from molecule_checks import (CLASSIC_KEYS, CLASSIC_PASSWORD_KEY, MASK, api_string, assert_test_mail,
                             classic_login, classic_settings, expected_value, mailhog_search)


def test_settings_read_back_match_the_inventory(inventory):
    for name, hv in inventory.items():
        token = classic_login(hv["smtp_mail_orchestrator_url"], hv["smtp_mail_orchestrator_tenant"],
                              hv["smtp_mail_orchestrator_username"], hv["smtp_mail_orchestrator_password"])
        settings = classic_settings(hv["smtp_mail_orchestrator_url"], token)
        for var, key in CLASSIC_KEYS.items():
            assert settings.get(key) == api_string(expected_value(hv, var)), (name, key)
        # the password is stored but never read back: twelve bullets
        assert settings[CLASSIC_PASSWORD_KEY] == MASK
        assert hv["smtp_mail_password"] not in settings.values()


def test_test_mail_found_through_mailhog_search(inventory):
    for name, hv in inventory.items():
        result = mailhog_search(hv["molecule_catcher_api_url"], "to", hv["smtp_mail_test_recipient"])
        assert result["total"] >= 1, "no mail to %s in MailHog (%s)" % (hv["smtp_mail_test_recipient"], name)
        # converge and the idempotence run each send one; every one of them must be the test mail
        for msg in result["items"]:
            assert_test_mail(msg, hv)


@pytest.mark.parametrize("kind", ["from", "containing"])
def test_other_search_kinds_find_the_mail(inventory, kind):
    hv = next(iter(inventory.values()))
    query = expected_value(hv, "smtp_mail_from_address") if kind == "from" else "Orchestrator test email"
    assert mailhog_search(hv["molecule_catcher_api_url"], kind, query)["total"] >= 1

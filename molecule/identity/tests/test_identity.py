"""Verify the identity scenario: Orchestrator 2023.10, Identity Settings API, OAuth client credentials,
organization scope. Controller-side HTTP checks only."""
from molecule_checks import (IDENTITY_KEYS, IDENTITY_PASSWORD_KEY, MASK, api_string, assert_test_mail,
                             expected_value, http, identity_settings, identity_token, mailhog_search)


def test_identity_settings_read_back_match_the_inventory(inventory):
    for name, hv in inventory.items():
        token = identity_token(hv["smtp_mail_orchestrator_url"], hv["smtp_mail_orchestrator_client_id"],
                               hv["smtp_mail_orchestrator_client_secret"])
        keys = list(IDENTITY_KEYS.values()) + [IDENTITY_PASSWORD_KEY]
        settings = identity_settings(hv["smtp_mail_orchestrator_url"], token, keys,
                                     partition=hv["smtp_mail_organization_id"])
        for var, key in IDENTITY_KEYS.items():
            assert settings.get(key) == api_string(expected_value(hv, var)), (name, key)
        assert settings[IDENTITY_PASSWORD_KEY] == MASK


def test_only_the_identity_api_was_used(inventory):
    for name, hv in inventory.items():
        status, log = http("GET", hv["smtp_mail_orchestrator_url"] + "/_emulator/requests")
        assert status == 200
        counts = log["counts"]
        assert counts.get("identity.token", 0) >= 1, counts
        assert counts.get("identity.settings.put", 0) >= 1, counts
        assert not [e for e in counts if e.startswith("classic.")], counts


def test_test_mail_found_through_mailhog_search(inventory):
    for name, hv in inventory.items():
        result = mailhog_search(hv["molecule_catcher_api_url"], "to", hv["smtp_mail_test_recipient"])
        assert result["total"] >= 1, name
        for msg in result["items"]:
            assert_test_mail(msg, hv)

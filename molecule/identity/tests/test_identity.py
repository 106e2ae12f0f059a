"""Verify the identity scenario: an emulated Automation Cloud organization configured from its Orchestrator URL
and an external application alone. Controller-side HTTP checks only."""
from molecule_checks import (IDENTITY_KEYS, IDENTITY_PASSWORD_KEY, MASK, api_string, assert_test_mail,
                             emulator_stored, expected_value, http, identity_settings, identity_token,
                             mailhog_search)


def test_organization_settings_read_back_match_the_inventory(inventory):
    for name, hv in inventory.items():
        token = identity_token(hv["molecule_identity_base"], hv["smtp_mail_orchestrator_client_id"],
                               hv["smtp_mail_orchestrator_client_secret"])
        keys = list(IDENTITY_KEYS.values()) + [IDENTITY_PASSWORD_KEY]
        settings = identity_settings(hv["molecule_identity_base"], token, keys,
                                     partition=hv["molecule_organization_id"])
        for var, key in IDENTITY_KEYS.items():
            assert settings.get(key) == api_string(expected_value(hv, var)), (name, key)
        assert settings[IDENTITY_PASSWORD_KEY] == MASK


def test_alerts_toggle_set_on_the_tenant(inventory):
    for name, hv in inventory.items():
        stored = emulator_stored(hv["molecule_emulator_url"], "Default")["stored"]
        assert stored.get("Alerts.Email.Enabled") == "true", (name, stored)


def test_smtp_settings_went_to_identity_and_only_the_toggle_to_the_tenant(inventory):
    for name, hv in inventory.items():
        status, log = http("GET", hv["molecule_emulator_url"] + "/_emulator/requests")
        assert status == 200
        counts = log["counts"]
        assert counts.get("identity.token", 0) >= 1, counts
        assert counts.get("identity.settings.put", 0) >= 1, counts
        classic = sorted(e for e in counts if e.startswith("classic."))
        assert classic == ["classic.settings.list", "classic.settings.update_bulk"], counts


def test_test_mail_found_through_mailhog_search(inventory):
    for name, hv in inventory.items():
        result = mailhog_search(hv["molecule_catcher_api_url"], "to", hv["smtp_mail_test_recipient"])
        assert result["total"] >= 1, name
        for msg in result["items"]:
            assert_test_mail(msg, hv)

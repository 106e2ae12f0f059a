"""Provider setups end to end, from the role: ansible-playbook against both emulated APIs and a catcher
that requires STARTTLS (a throw-away test CA the emulators trust).

The presets' real host names (smtp.office365.com, <domain>.mail.protection.outlook.com, smtp-relay.gmail.com) cannot
be reached here, so runs that send mail override smtp_mail_host/smtp_mail_port to the catcher, as the preset tests of
test_integration_role.py do; the preset's own host is checked in --check runs, which send nothing.
"""
import pytest

from integration_lab import APIS, HOST, ORG_ID, SMTP_PASSWORD, Lab, start_orchestrator
from tests.support.mailhog_catcher import make_test_ca, start_mailhog

RELAY_FROM = "orchestrator@example.test"
USER_KEY = {"classic": "Abp.Net.Mail.Smtp.UserName", "identity": "Email.Smtp.UserName"}
PW_KEY = {"classic": "Abp.Net.Mail.Smtp.Password", "identity": "Email.Smtp.Password"}
SSL_KEY = {"classic": "Abp.Net.Mail.Smtp.EnableSsl", "identity": "Email.Smtp.EnableSsl"}
UDC_KEY = {"classic": "Abp.Net.Mail.Smtp.UseDefaultCredentials", "identity": "Email.Smtp.UseDefaultCredentials"}
SETTINGS_TASKS = ("Orchestrator mail settings", "Set the Orchestrator mail settings")  # the role's settings task


@pytest.fixture(scope="module")
def tls_services(tmp_path_factory):
    ca = make_test_ca(tmp_path_factory.mktemp("ca"))
    catcher = start_mailhog("--x-tls-cert", ca["cert"], "--x-tls-key", ca["key"], "--x-require-starttls")
    emulators = {}
    try:
        emulators["classic"] = start_orchestrator("--smtp-ca-file", ca["ca"], profile="2020.10")
        emulators["identity"] = start_orchestrator("--smtp-ca-file", ca["ca"], profile="2023.10")
        yield emulators, catcher
    finally:
        for emu in emulators.values():
            emu.stop()
        catcher.stop()


@pytest.fixture
def tls_lab(tls_services, tmp_path):
    emulators, catcher = tls_services
    lab = Lab(emulators, catcher, tmp_path)
    lab.reset()
    lab.inventory()
    return lab


def _relay_vars(lab, api, **over):
    """A relay without login on the STARTTLS catcher (127.0.0.1 is in the test certificate)."""
    hv = lab.host_vars(api, smtp_mail_enable_ssl=True, smtp_mail_username="", smtp_mail_password="",
                       smtp_mail_from_address=RELAY_FROM, smtp_mail_host=lab.catcher.smtp_host,
                       smtp_mail_port=lab.catcher.smtp_port)
    hv.update(over)
    return hv


def _settings_result(res, host):
    results = dict(res.host_results(host))
    for name in SETTINGS_TASKS:
        if name in results:
            return results[name]
    raise AssertionError("no settings task result for %s: %s" % (host, sorted(results)))


def _mails(lab, api):
    return lab.catcher.search("to", "ops-%s@example.test" % api)


def _converges_and_delivers(lab, hosts):
    inv = lab.inventory(hosts)
    first = lab.run(inventory=inv, parse=True)
    assert first.rc == 0, first.output[-4000:]
    for api in APIS:
        assert first.recap()[HOST[api]]["changed"] == 1, first
        mails = _mails(lab, api)
        assert len(mails) == 1, (api, mails)
        assert mails[0].get("AuthUser") is None, mails[0]  # the catcher records an AUTH user only after AUTH
    second = lab.run(inventory=inv)
    assert second.rc == 0, second
    assert all(second.recap()[HOST[api]]["changed"] == 0 for api in APIS), second
    assert all(len(_mails(lab, api)) == 1 for api in APIS)
    return first


def test_starttls_relay_without_login_delivers_stores_no_credentials_and_reruns_clean(tls_lab):
    lab = tls_lab
    # a password login first, so that the relay has a stored user name and password to clear
    login = {HOST[api]: lab.host_vars(api, smtp_mail_host=lab.catcher.smtp_host, smtp_mail_port=lab.catcher.smtp_port,
                                      smtp_mail_enable_ssl=True, smtp_mail_test_recipient="")
             for api in APIS}
    assert lab.run(inventory=lab.inventory(login)).rc == 0
    assert all(lab.stored(api)[PW_KEY[api]] == SMTP_PASSWORD for api in APIS)
    hosts = {HOST[api]: _relay_vars(lab, api, smtp_mail_authentication="none") for api in APIS}
    first = _converges_and_delivers(lab, hosts)
    for api in APIS:
        stored = lab.stored(api)
        assert stored[USER_KEY[api]] == "" and stored[PW_KEY[api]] == "", (api, stored)
        assert stored[SSL_KEY[api]] == "true", stored
        result = _settings_result(first, HOST[api])
        assert result["authentication"] == "none", result
        assert "password" in result["changed_fields"] and "username" in result["changed_fields"], result


def test_relay_without_authentication_variable_is_accepted(tls_lab):
    """enable_ssl true and no user name: derived as a relay without login (was `username: required ...`)."""
    lab = tls_lab
    hosts = {HOST[api]: _relay_vars(lab, api) for api in APIS}
    first = _converges_and_delivers(lab, hosts)
    for api in APIS:
        assert _settings_result(first, HOST[api])["authentication"] == "none"


def test_office365_relay_preset_converges_and_delivers(tls_lab):
    lab = tls_lab
    hosts = {HOST[api]: _relay_vars(lab, api, smtp_mail_provider="office365_relay", smtp_mail_enable_ssl=None,
                                    smtp_mail_use_default_credentials=None) for api in APIS}
    first = _converges_and_delivers(lab, hosts)
    for api in APIS:
        result = _settings_result(first, HOST[api])
        assert result["after"]["enable_ssl"] is True and result["authentication"] == "none", result
    assert "[WARNING]" not in first.output


def test_office365_relay_host_comes_from_the_relay_domain(tls_lab):
    lab = tls_lab
    hosts = {HOST[api]: _relay_vars(lab, api, smtp_mail_provider="office365_relay", smtp_mail_host=None,
                                    smtp_mail_port=None, smtp_mail_enable_ssl=None,
                                    smtp_mail_use_default_credentials=None, smtp_mail_relay_domain="contoso.com")
             for api in APIS}
    res = lab.run("--check", inventory=lab.inventory(hosts), parse=True)
    assert res.rc == 0, res
    for api in APIS:
        after = _settings_result(res, HOST[api])["after"]
        assert after["host"] == "contoso-com.mail.protection.outlook.com" and after["port"] == 25, after
        assert after["enable_ssl"] is True and after["username"] == "", after
        assert lab.writes(api) == 0


def test_google_relay_preset_without_and_with_a_login(tls_lab):
    lab = tls_lab
    hosts = {HOST[api]: _relay_vars(lab, api, smtp_mail_provider="google_relay", smtp_mail_enable_ssl=None,
                                    smtp_mail_use_default_credentials=None) for api in APIS}
    _converges_and_delivers(lab, hosts)
    # the same relay with SMTP authentication (Google allows both)
    lab.catcher.delete_all()
    hosts = {HOST[api]: lab.host_vars(api, smtp_mail_provider="google_relay", smtp_mail_host=lab.catcher.smtp_host,
                                      smtp_mail_port=lab.catcher.smtp_port, smtp_mail_enable_ssl=None,
                                      smtp_mail_use_default_credentials=None)
             for api in APIS}
    res = lab.run(inventory=lab.inventory(hosts), parse=True)
    assert res.rc == 0, res
    for api in APIS:
        assert _settings_result(res, HOST[api])["authentication"] == "password"
        assert lab.stored(api)[PW_KEY[api]] == SMTP_PASSWORD
        assert len(_mails(lab, api)) == 1
    assert lab.run(inventory=lab.inventory(hosts)).recap()[HOST["classic"]]["changed"] == 0


def test_office365_with_a_password_prints_the_dated_warning_once_per_run(tls_lab):
    lab = tls_lab
    hosts = {HOST[api]: lab.host_vars(api, smtp_mail_provider="office365", smtp_mail_host=None, smtp_mail_port=None,
                                      smtp_mail_enable_ssl=None, smtp_mail_use_default_credentials=None)
             for api in APIS}
    res = lab.run("--check", inventory=lab.inventory(hosts))
    assert res.rc == 0, res
    flat = " ".join(res.output.split())  # the display may wrap the one-line warning at the terminal width
    assert "[WARNING]" in res.output and "end of December 2026" in flat, res.output[-3000:]
    assert "office365_relay" in flat and "host smtp.office365.com" in flat
    assert SMTP_PASSWORD not in res.output
    # gmail with an app password: no warning
    hosts = {HOST["classic"]: lab.host_vars("classic", smtp_mail_provider="gmail", smtp_mail_host=None,
                                            smtp_mail_port=None, smtp_mail_enable_ssl=None,
                                            smtp_mail_use_default_credentials=None,
                                            smtp_mail_username="someone@gmail.com")}
    res = lab.run("--check", inventory=lab.inventory(hosts))
    assert res.rc == 0 and "[WARNING]" not in res.output, res


REFUSED = {
    "implicit-tls": ({"smtp_mail_port": 465, "smtp_mail_enable_ssl": True}, "smtp_mail_port", "STARTTLS only"),
    "timeout-above-range": ({"smtp_mail_connection_timeout": 300001}, "smtp_mail_connection_timeout", "300000"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_in_one_line_before_any_request(tls_lab, case):
    lab = tls_lab
    over, var, words = REFUSED[case]
    hosts = {HOST["identity"]: lab.host_vars("identity", **over)}
    res = lab.run(inventory=lab.inventory(hosts), parse=True)
    assert res.rc != 0
    name, failure = res.failure(HOST["identity"])
    msg = failure.get("msg", "")
    assert msg.startswith(var + ": ") and words in msg and "\n" not in msg, msg
    assert lab.requests("identity") == [], lab.requests("identity")
    assert lab.catcher.messages() == []


def test_identity_storing_ssl_and_default_credentials_reruns_clean_from_the_role(tls_lab):
    """UiPath's 2023.10 erratum body (EnableSsl=true + UseDefaultCredentials=True, no user): read and managed."""
    lab = tls_lab
    emu = lab.emulators["identity"]
    hosts = {HOST["identity"]: _relay_vars(lab, "identity", smtp_mail_use_default_credentials=True,
                                           smtp_mail_test_recipient="")}
    first = lab.run(inventory=lab.inventory(hosts), parse=True)
    assert first.rc == 0, first.output[-4000:]
    stored = emu.control.identity_settings(ORG_ID)["stored"]
    assert stored[SSL_KEY["identity"]] == "true" and stored[UDC_KEY["identity"]] == "true", stored
    assert _settings_result(first, HOST["identity"])["authentication"] == "none"
    hosts[HOST["identity"]]["smtp_mail_from_display_name"] = "Renamed"
    second = lab.run(inventory=lab.inventory(hosts), parse=True)
    assert second.rc == 0 and second.recap()[HOST["identity"]]["changed"] == 1, second
    assert _settings_result(second, HOST["identity"])["changed_fields"] == ["from_display_name"]
    third = lab.run(inventory=lab.inventory(hosts))
    assert third.rc == 0 and third.recap()[HOST["identity"]]["changed"] == 0, third


def test_alerts_left_alone_by_default_on_identity(tls_lab):
    """smtp_mail_enable_alerts null (the role default): no read or write of the tenant's alerts toggle."""
    lab = tls_lab
    hosts = {HOST["identity"]: lab.host_vars("identity", smtp_mail_test_recipient="")}
    res = lab.run(inventory=lab.inventory(hosts, group_vars={"smtp_mail_enable_alerts": None}))
    assert res.rc == 0, res
    endpoints = [r["endpoint"] for r in lab.requests("identity")]
    assert not [e for e in endpoints if e.startswith("classic.")], endpoints

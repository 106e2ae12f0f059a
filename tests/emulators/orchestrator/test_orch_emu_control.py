"""Control API, faults, request log, HTTPS, state file and process behaviour."""
import json
import signal
import ssl
import time

import pytest
import requests

from orch_emu_helpers import BULK, login
from tests.support.orchestrator_emulator import start_orchestrator


def test_health_and_reset(emu):
    assert emu.control.health() == {"status": "ok", "profile": "2020.10"}
    h = login(emu.url)
    requests.post(emu.url + BULK, json={"settings": [{"Name": "Abp.Net.Mail.Smtp.Host", "Value": "x"}]},
                  headers=h, timeout=10)
    emu.control.add_fault(endpoint="*", action="status", status=500, times=5)
    emu.control.reset()
    assert emu.control.settings("Default")["stored"] == {}
    assert emu.control.requests() == [] and emu.control.faults() == []
    assert requests.get(emu.url + "/odata/Settings", headers=h, timeout=10).status_code == 401  # tokens gone


def test_request_log_counts_writes_and_no_secrets(emu):
    h = login(emu.url)
    requests.get(emu.url + "/odata/Settings", headers=h, timeout=10)
    requests.post(emu.url + BULK, headers=h, timeout=10, json={"settings": [
        {"Name": "Abp.Net.Mail.Smtp.Password", "Value": "TopSecret-123"},
        {"Name": "Abp.Net.Mail.Smtp.UserName", "Value": "someone"}]})
    emu.control.health()  # control calls are not logged
    data = emu.control._call("GET", "/requests")
    assert [r["endpoint"] for r in data["requests"]] == ["classic.authenticate", "classic.settings.list",
                                                          "classic.settings.update_bulk"]
    for r in data["requests"]:
        assert set(r) == {"seq", "method", "path", "status", "endpoint", "tenant", "principal", "written_keys"}
    assert data["requests"][2]["written_keys"] == ["Abp.Net.Mail.Smtp.Password", "Abp.Net.Mail.Smtp.UserName"]
    assert data["requests"][2]["tenant"] == "Default" and data["requests"][2]["principal"] == "admin"
    assert data["counts"] == {"classic.authenticate": 1, "classic.settings.list": 1,
                              "classic.settings.update_bulk": 1}
    assert data["writes"] == 1
    text = json.dumps(data)
    assert "TopSecret" not in text and "emulator-admin" not in text and "Bearer" not in text
    assert "someone" not in text  # values never logged, only key names
    emu.control.clear_requests()
    assert emu.control.requests() == [] and emu.control.writes() == 0


def test_fault_status_by_count_changes_nothing(emu):
    h = login(emu.url)
    emu.control.add_fault(endpoint="classic.settings.update_bulk", action="status", status=503, times=2)
    body = {"settings": [{"Name": "Abp.Net.Mail.Smtp.Host", "Value": "x"}]}
    for _ in range(2):
        r = requests.post(emu.url + BULK, json=body, headers=h, timeout=10)
        assert r.status_code == 503 and r.headers["Retry-After"] == "1"
        assert r.json()["__abp"] is True
        assert emu.control.settings("Default")["stored"] == {}
    assert requests.get(emu.url + "/odata/Settings", headers=h, timeout=10).status_code == 200  # other endpoint
    assert requests.post(emu.url + BULK, json=body, headers=h, timeout=10).status_code == 200
    assert emu.control.settings("Default")["stored"] == {"Abp.Net.Mail.Smtp.Host": "x"}
    assert emu.control.faults()[0]["fired"] == 2


def test_fault_429_retry_after(emu):
    emu.control.add_fault(endpoint="classic.authenticate", action="status", status=429, retry_after=7, times=1)
    r = requests.post(emu.url + "/api/Account/Authenticate", timeout=10,
                      json={"tenancyName": "Default", "usernameOrEmailAddress": "admin", "password": "emulator-admin"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    login(emu.url)


def test_fault_connection_reset(emu):
    h = login(emu.url)
    emu.control.add_fault(endpoint="classic.settings.list", action="reset", times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(emu.url + "/odata/Settings", headers=h, timeout=10)
    assert requests.get(emu.url + "/odata/Settings", headers=h, timeout=10).status_code == 200
    log = emu.control.requests()
    assert log[-2]["endpoint"] == "classic.settings.list" and log[-2]["status"] is None


def test_fault_truncate_json(emu):
    h = login(emu.url)
    emu.control.add_fault(endpoint="classic.settings.list", action="truncate", times=1)
    r = requests.get(emu.url + "/odata/Settings", headers=h, timeout=10)
    assert r.status_code == 200 and r.text.startswith('{"@odata.context"')
    with pytest.raises(ValueError):
        r.json()


def test_fault_delay(emu):
    h = login(emu.url)
    emu.control.add_fault(endpoint="*", action="delay", delay=0.4, times=1)
    t = time.monotonic()
    assert requests.get(emu.url + "/odata/Settings", headers=h, timeout=10).status_code == 200
    assert time.monotonic() - t >= 0.35


def test_fault_rate_is_seeded_and_reproducible(emu):
    def run():
        emu.control.reset()
        emu.control.add_fault(endpoint="classic.authenticate", action="status", status=500, rate=0.5)
        out = []
        for _ in range(20):
            r = requests.post(emu.url + "/api/Account/Authenticate", timeout=10, json={
                "tenancyName": "Default", "usernameOrEmailAddress": "admin", "password": "emulator-admin"})
            out.append(r.status_code)
        return out
    first, second = run(), run()
    assert first == second
    assert 0 < first.count(500) < 20 and set(first) == {200, 500}


def test_bad_fault_spec_rejected(emu):
    with pytest.raises(RuntimeError):
        emu.control.add_fault(action="explode")
    with pytest.raises(RuntimeError):
        emu.control.add_fault(action="status", rate=2)


def test_https_and_state_file_and_sigterm(tmp_path, test_ca):
    cert = test_ca["ca"].issue_cert("127.0.0.1")
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    client_ctx = ssl.create_default_context(cafile=test_ca["ca_file"])
    state = tmp_path / "state.json"
    args = ("--tls-cert", tmp_path / "cert.pem", "--tls-key", tmp_path / "key.pem", "--state", state)
    with start_orchestrator(*args, ssl_context=client_ctx) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        h = requests.post(emu.url + "/api/Account/Authenticate", verify=test_ca["ca_file"], timeout=10, json={
            "tenancyName": "Host", "usernameOrEmailAddress": "admin", "password": "emulator-admin"}).json()["result"]
        r = requests.post(emu.url + BULK, verify=test_ca["ca_file"], timeout=10,
                          headers={"Authorization": "Bearer " + h},
                          json={"settings": [{"Name": "Abp.Net.Mail.Smtp.Host", "Value": "persisted"}]})
        assert r.status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(emu.url + "/_emulator/health", timeout=10)  # not trusted by default
        emu.proc.send_signal(signal.SIGTERM)
        assert emu.proc.wait(timeout=10) == 0
    with start_orchestrator(*args, ssl_context=client_ctx) as emu:
        assert emu.control.settings("Host")["stored"] == {"Abp.Net.Mail.Smtp.Host": "persisted"}


def test_custom_seed(tmp_path):
    seed = {"tenants": {"Acme": {"users": {"ops": {"password": "pw", "permissions": ["Settings.View"]}}},
                        "Host": {"users": {}}},
            "clients": {}, "organizations": [], "settings": {"Host": {"Abp.Net.Mail.Smtp.Port": "2525"}}}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    with start_orchestrator(seed=path) as emu:
        r = requests.post(emu.url + "/api/Account/Authenticate", timeout=10,
                          json={"tenancyName": "acme", "usernameOrEmailAddress": "ops", "password": "pw"})
        tok = r.json()["result"]
        r = requests.get(emu.url + "/odata/Settings('Abp.Net.Mail.Smtp.Port')", timeout=10,
                         headers={"Authorization": "Bearer " + tok})
        assert r.json()["value"] == "2525"

"""50 concurrent clients, each with its own connection, login, writes and reads."""
from concurrent.futures import ThreadPoolExecutor

import requests

from orch_emu_helpers import BULK


def test_fifty_parallel_clients(emu):
    def client(i):
        with requests.Session() as s:
            r = s.post(emu.url + "/api/Account/Authenticate", timeout=20, json={
                "tenancyName": "Default", "usernameOrEmailAddress": "admin", "password": "emulator-admin"})
            assert r.status_code == 200
            s.headers["Authorization"] = "Bearer " + r.json()["result"]
            for j in range(4):
                r = s.post(emu.url + BULK, timeout=20, json={"settings": [
                    {"Name": "Custom.Client%02d" % i, "Value": str(j)}]})
                assert r.status_code == 200, r.text
                r = s.get(emu.url + "/odata/Settings", timeout=20,
                          params={"$filter": "Name eq 'Custom.Client%02d'" % i})
                assert r.status_code == 200 and r.json()["value"][0]["Value"] == str(j)
        return i

    with ThreadPoolExecutor(max_workers=50) as pool:
        assert sorted(pool.map(client, range(50))) == list(range(50))
    stored = emu.control.settings("Default")["stored"]
    assert stored == {"Custom.Client%02d" % i: "3" for i in range(50)}
    counts = emu.control.counts()
    assert counts == {"classic.authenticate": 50, "classic.settings.update_bulk": 200, "classic.settings.list": 200}
    assert emu.control.writes() == 200
    assert sorted(r["seq"] for r in emu.control.requests()) == list(range(1, 451))

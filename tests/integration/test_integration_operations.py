"""How operators run the smtp_mail role: check mode on a minimal inventory, test mail policy and tags, reset
(state absent), and the drift report playbook. Against the emulated Orchestrators and the mail catcher."""
import json
import socket
import subprocess
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from integration_lab import APIS, CLIENT_SECRET, HOST, ORCH_PASSWORD, ORG_ID, REPO, SMTP_PASSWORD, Lab

DRIFT_PLAYBOOK = "infraops.uipath_orchestrator.drift_report"  # the collection playbook (playbooks/drift_report.yml)


def _clear(lab):
    for emu in lab.emulators.values():
        emu.control.clear_requests()
    lab.catcher.delete_all()


def _endpoints(lab, api):
    return [r["endpoint"] for r in lab.requests(api)]


# -- check mode on a minimal inventory --------------------------------------------------------------------------
def test_site_check_mode_works_without_a_test_recipient_in_the_inventory(lab, tmp_path):
    """Only what an operator must set: URL, login, SMTP server and user. Role defaults fill the rest."""
    inv = tmp_path / "minimal.yml"
    emu = lab.emulators["classic"]
    inv.write_text(json.dumps({"orchestrators": {"hosts": {"orch-min": {
        "smtp_mail_orchestrator_url": emu.url, "smtp_mail_api": "classic",
        "smtp_mail_orchestrator_username": "admin", "smtp_mail_orchestrator_password": ORCH_PASSWORD,
        "smtp_mail_host": lab.catcher.smtp_host, "smtp_mail_port": lab.catcher.smtp_port,
        "smtp_mail_username": "orchestrator@example.test", "smtp_mail_password": SMTP_PASSWORD}}}}))
    res = lab.run("--check", playbook="site.yml", inventory=inv)
    assert res.rc == 0, res
    assert res.recap()["orch-min"]["failed"] == 0
    line = res.summaries()["orch-min"]
    assert line["check"] and line["mail"] == "not sent (no test_recipient)", line.group(0)
    assert lab.writes("classic") == 0


# -- test mail policy and tags ------------------------------------------------------------------------------------
def test_skip_tags_smtp_mail_test_writes_without_a_test_mail(lab):
    res = lab.run("--skip-tags", "smtp_mail_test")
    assert res.rc == 0, res
    for api in APIS:
        assert lab.writes(api) == 1
        assert "verify_smtp" not in " ".join(_endpoints(lab, api)), _endpoints(lab, api)
        assert res.summaries()[HOST[api]]["mail"] == "not sent (test_mail is never)"
    assert lab.catcher.messages() == []


def test_test_mail_always_sends_on_a_noop_run_and_never_sends_none(lab):
    assert lab.run().rc == 0
    _clear(lab)
    res = lab.run("-e", "smtp_mail_test_mail=always")
    assert res.rc == 0, res
    for api in APIS:
        assert res.recap()[HOST[api]]["changed"] == 0
        assert lab.writes(api) == 0
        assert len(lab.catcher.search("to", "ops-%s@example.test" % api)) == 1
        assert res.summaries()[HOST[api]]["mail"] == "sent to ops-%s@example.test (test_mail is always)" % api
    _clear(lab)
    res = lab.run("-e", "smtp_mail_test_mail=never", "-e", "smtp_mail_port=2525")
    assert res.rc == 0, res
    assert lab.catcher.messages() == []
    assert all(lab.writes(api) == 1 for api in APIS)


def test_verify_write_reads_back_after_the_write(lab):
    res = lab.run("-e", "smtp_mail_verify_write=true", "--skip-tags", "smtp_mail_test", parse=True)
    assert res.rc == 0, res
    assert _endpoints(lab, "classic") == ["classic.authenticate", "classic.settings.list",
                                          "classic.settings.update_bulk", "classic.settings.list"]
    after = dict(res.host_results(HOST["classic"]))["Orchestrator mail settings"]["after"]
    assert after["port"] == lab.catcher.smtp_port and after["password"] == "********", after


def test_a_refused_test_mail_stops_the_write(lab):
    """The test mail goes first with the new settings: an SMTP server that refuses it leaves the store alone."""
    closed = _closed_port()
    res = lab.run("-e", "smtp_mail_port=%d" % closed, parse=True)
    assert res.rc != 0
    for api in APIS:
        assert lab.writes(api) == 0, _endpoints(lab, api)
        name, result = res.failure(HOST[api])
        assert name == "Orchestrator mail settings"
        assert "\n" not in result["msg"], result["msg"]


def test_every_role_task_is_tagged():
    cmd = [str(REPO / ".venv/bin/ansible-playbook") if (REPO / ".venv/bin/ansible-playbook").exists()
           else "ansible-playbook", "--list-tasks", "site.yml"]
    out = subprocess.run(cmd, cwd=str(REPO), capture_output=True, text=True, timeout=120,
                         env={"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "PATH": "/usr/bin:/bin"}).stdout
    tasks = [line for line in out.splitlines() if "TAGS:" in line and "smtp_mail :" in line
             and "Validating arguments" not in line]  # ansible-core's own argument check, tagged always
    assert len(tasks) == 1, out  # one task per host: the summary line comes from the settings task itself
    untagged = [t for t in tasks if "smtp_mail," not in t and "smtp_mail]" not in t]
    assert not untagged, untagged
    assert any("smtp_mail_settings" in t for t in tasks), out


# -- reset --------------------------------------------------------------------------------------------------------
def test_state_absent_deletes_the_instance_settings(lab):
    """Identity organization: its own rows are deleted, the host-level / default values apply again."""
    hosts = {HOST["identity"]: lab.host_vars("identity")}
    inv = lab.inventory(hosts)
    assert lab.run(inventory=inv).rc == 0
    assert lab.stored("identity").get("Email.Smtp.UserName") == "orchestrator@example.test"
    _clear(lab)
    res = lab.run("-e", "smtp_mail_state=absent", inventory=inv)
    assert res.rc == 0, res
    line = res.summaries()[HOST["identity"]]
    assert line["what"] == "deleted" and "host" in line["changed"] and "password" in line["changed"], line.group(0)
    assert line["mail"] == "not sent (state is absent)", line.group(0)
    assert res.recap()[HOST["identity"]]["changed"] == 1
    assert lab.stored("identity") == {}, lab.stored("identity")
    assert lab.catcher.messages() == []
    again = lab.run("-e", "smtp_mail_state=absent", inventory=inv)
    assert again.rc == 0, again
    assert again.recap()[HOST["identity"]]["changed"] == 0, again
    assert again.summaries()[HOST["identity"]]["changed"] == ""


# -- drift report -------------------------------------------------------------------------------------------------
def _closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _post(url, body, headers=None, form=False):
    data = (urllib.parse.urlencode(body) if form else json.dumps(body)).encode()
    h = {"Content-Type": "application/x-www-form-urlencoded" if form else "application/json"}
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, headers=h, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def _change_port_behind_the_roles_back(lab, port):
    """Direct API calls, as another admin or tool would make them."""
    classic = lab.emulators["classic"].url
    tok = _post(classic + "/api/Account/Authenticate",
                {"tenancyName": "Default", "usernameOrEmailAddress": "admin", "password": ORCH_PASSWORD})["result"]
    _post(classic + "/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk",
          {"settings": [{"Name": "Abp.Net.Mail.Smtp.Port", "Value": str(port)}]},
          {"Authorization": "Bearer " + tok})
    identity = lab.emulators["identity"].url + "/identity"
    tok = _post(identity + "/connect/token", {"grant_type": "client_credentials", "client_id": "ansible",
                                              "client_secret": CLIENT_SECRET, "scope": "PM.Setting"},
                form=True)["access_token"]
    auth = {"Authorization": "Bearer " + tok}
    # Identity wants Host, Port and FromEmail together in a PUT: keep the stored host and From address.
    query = urllib.parse.urlencode([("key", "Email.Smtp.Host"), ("key", "Email.Smtp.FromEmail"),
                                    ("partitionGlobalId", ORG_ID)])
    with urllib.request.urlopen(urllib.request.Request(identity + "/api/Setting?" + query, headers=auth),
                                timeout=10) as resp:
        stored = [{"key": row["key"], "value": row["value"]} for row in json.loads(resp.read())]
    req = urllib.request.Request(identity + "/api/Setting", method="PUT", data=json.dumps(
        {"settings": stored + [{"key": "Email.Smtp.Port", "value": str(port)}], "partitionGlobalId": ORG_ID}).encode(),
        headers=dict(auth, **{"Content-Type": "application/json"}))
    urllib.request.urlopen(req, timeout=10).read()


@pytest.fixture(scope="module")
def drift(emulators, catcher, tmp_path_factory):
    """Converge both instances, report (in sync), change the port behind the role's back, report again."""
    base = tmp_path_factory.mktemp("drift")
    lab = Lab(emulators, catcher, base)
    lab.reset()
    assert lab.run().rc == 0
    hosts = {HOST[api]: lab.host_vars(api) for api in APIS}
    hosts["orch-down"] = lab.host_vars("classic", smtp_mail_orchestrator_url="http://127.0.0.1:%d" % _closed_port(),
                                       smtp_mail_request_retries=0, smtp_mail_request_timeout=5)
    inv = lab.inventory(hosts)
    out = {"lab": lab}
    _clear(lab)
    out["clean"] = lab.run("-e", "smtp_mail_drift_report_dir=%s" % (base / "clean"), playbook=DRIFT_PLAYBOOK,
                           inventory=inv)
    out["clean_requests"] = {api: _endpoints(lab, api) for api in APIS}
    out["clean_dir"] = base / "clean"
    _change_port_behind_the_roles_back(lab, 2526)
    _clear(lab)
    out["drifted"] = lab.run("-e", "smtp_mail_drift_report_dir=%s" % (base / "drifted"),
                             "-e", "smtp_mail_fail_on_drift=true", playbook="playbooks/drift_report.yml",
                             inventory=inv)
    out["drifted_writes"] = {api: lab.writes(api) for api in APIS}
    out["drifted_dir"] = base / "drifted"
    out["mail"] = catcher.messages()
    return out


def _report(path):
    return json.loads((path / "drift-report.json").read_text())


def test_drift_report_of_a_converged_fleet_is_in_sync(drift):
    res = drift["clean"]
    assert res.rc == 0, res
    report = {r["instance"]: r for r in _report(drift["clean_dir"])["instances"]}
    for api in APIS:
        assert report[HOST[api]]["status"] == "in_sync" and report[HOST[api]]["in_sync"] is True, report
        assert report[HOST[api]]["drift"] == []
        assert report[HOST[api]]["api"] == api
    assert report["orch-down"]["status"] == "error"
    assert report["orch-down"]["error"] and "\n" not in report["orch-down"]["error"]


def test_drift_report_costs_a_login_and_the_reads_per_instance_and_writes_nothing(drift):
    for api in APIS:
        # a login and the read; an Identity-era instance also reads its tenant's alerts toggle
        assert len(drift["clean_requests"][api]) == (2 if api == "classic" else 3), drift["clean_requests"][api]
        assert drift["drifted_writes"][api] == 0
    assert drift["mail"] == []


def test_drift_report_names_the_field_changed_behind_the_roles_back(drift):
    res = drift["drifted"]
    assert res.rc != 0, res  # smtp_mail_fail_on_drift
    assert "drifted" in res.stdout
    report = _report(drift["drifted_dir"])
    assert report["totals"] == {"instances": 3, "in_sync": 0, "drifted": 2, "failed": 1}, report["totals"]
    port = drift["lab"].catcher.smtp_port
    for r in report["instances"]:
        if r["instance"] == "orch-down":
            continue
        assert r["status"] == "drift"
        # a port change re-sends the stored password (update_password on_create), shown without its value
        assert r["drift"] == [{"option": "port", "current": 2526, "desired": port},
                              {"option": "password", "current": "set", "desired": "would be sent"}], r
    md = (drift["drifted_dir"] / "drift-report.md").read_text()
    assert "| port | 2526 | %d |" % port in md, md
    junit = ET.parse(str(drift["drifted_dir"] / "drift-report.xml")).getroot()
    suite = junit.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "1")
    failed = {tc.get("name") for tc in suite.iter("testcase") if tc.find("failure") is not None}
    assert failed == {HOST["classic"], HOST["identity"]}


def test_drift_report_shows_a_pending_password_only_as_would_be_sent(lab, tmp_path):
    hosts = {HOST["classic"]: lab.host_vars("classic")}
    assert lab.run(inventory=lab.inventory(hosts)).rc == 0
    res = lab.run("-e", "smtp_mail_drift_report_dir=%s" % tmp_path, "-e", "smtp_mail_update_password=always",
                  playbook=DRIFT_PLAYBOOK, inventory=lab.inventory(hosts))
    assert res.rc == 0, res
    rec = _report(tmp_path)["instances"][0]
    pw = [d for d in rec["drift"] if d["option"] == "password"]
    assert pw == [{"option": "password", "current": "set", "desired": "would be sent"}], rec
    for name in ("drift-report.json", "drift-report.md", "drift-report.xml"):
        text = (tmp_path / name).read_text()
        assert SMTP_PASSWORD not in text and CLIENT_SECRET not in text and ORCH_PASSWORD not in text

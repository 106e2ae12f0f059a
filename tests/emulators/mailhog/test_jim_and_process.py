"""Jim (MailHog docs/JIM.md) and process behaviour (config, ready line, SIGTERM)."""
import os
import smtplib
import subprocess
import sys

import pytest
import requests

from tests.support.lab_paths import REPO_ROOT
from tests.support.mailhog_catcher import start_mailhog

JIM_KEYS = ["DisconnectChance", "AcceptChance", "LinkSpeedAffect", "LinkSpeedMin", "LinkSpeedMax",
            "RejectSenderChance", "RejectRecipientChance", "RejectAuthChance"]
MSG = "From: a@example.com\r\nTo: b@example.com\r\nSubject: jim\r\n\r\nbody\r\n"


@pytest.fixture
def jim(_default_catcher):
    jim_catcher = _default_catcher
    url = jim_catcher.api_url + "/api/v2/jim"
    requests.delete(url, timeout=10)
    jim_catcher.delete_all()
    yield jim_catcher, url
    requests.delete(url, timeout=10)


def _smtp(mh):
    return smtplib.SMTP(mh.smtp_host, mh.smtp_port, timeout=10)


def test_jim_api_lifecycle(jim):
    mh, url = jim
    assert requests.get(url, timeout=10).status_code == 404
    assert requests.put(url, json={"AcceptChance": 1}, timeout=10).status_code == 404
    assert requests.delete(url, timeout=10).status_code == 404
    assert requests.post(url, json={"RejectAuthChance": 1, "AcceptChance": 1}, timeout=10).status_code == 201
    assert requests.post(url, json={}, timeout=10).status_code == 400  # already there
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/json"
    body = r.json()
    assert list(body) == JIM_KEYS
    assert body["RejectAuthChance"] == 1 and body["AcceptChance"] == 1
    assert body["DisconnectChance"] == 0 and body["LinkSpeedMax"] == 0  # omitted keys become 0
    assert requests.put(url, data=b"{not json", timeout=10).status_code == 400
    assert requests.put(url, json={"RejectSenderChance": 0.5}, timeout=10).status_code == 200
    assert requests.get(url, timeout=10).json()["RejectSenderChance"] == 0.5
    assert requests.get(url, timeout=10).json()["AcceptChance"] == 0
    assert requests.delete(url, timeout=10).status_code == 200
    assert requests.get(url, timeout=10).status_code == 404


def test_post_without_body_uses_flag_defaults(jim):
    mh, url = jim
    assert requests.post(url, timeout=10).status_code == 201
    body = requests.get(url, timeout=10).json()
    assert body == {"DisconnectChance": 0.005, "AcceptChance": 0.99, "LinkSpeedAffect": 0.1,
                    "LinkSpeedMin": 1024, "LinkSpeedMax": 10240, "RejectSenderChance": 0.05,
                    "RejectRecipientChance": 0.05, "RejectAuthChance": 0.05}


def test_jim_rejects_auth_with_500(jim):
    mh, url = jim
    requests.post(url, json={"RejectAuthChance": 1, "AcceptChance": 1}, timeout=10)
    with _smtp(mh) as s:
        s.ehlo("client.test")
        with pytest.raises(smtplib.SMTPAuthenticationError) as err:
            s.login("u", "p")
        assert err.value.smtp_code == 500 and err.value.smtp_error == b"Unrecognised command"


def test_jim_rejects_sender_and_recipient(jim):
    mh, url = jim
    requests.post(url, json={"RejectSenderChance": 1, "AcceptChance": 1}, timeout=10)
    with _smtp(mh) as s:
        s.ehlo("client.test")
        assert s.mail("a@example.com") == (550, b"Invalid sender a@example.com")
    requests.put(url, json={"RejectRecipientChance": 1, "AcceptChance": 1}, timeout=10)
    with _smtp(mh) as s:
        s.ehlo("client.test")
        assert s.mail("a@example.com")[0] == 250
        assert s.rcpt("b@example.com") == (550, b"Invalid recipient b@example.com")
    assert mh.messages() == []


def test_jim_disconnects(jim):
    mh, url = jim
    requests.post(url, json={"DisconnectChance": 1, "AcceptChance": 1}, timeout=10)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        with _smtp(mh) as s:
            s.ehlo("client.test")


def test_jim_accept_zero_drops_connections(jim):
    mh, url = jim
    requests.post(url, json={"RejectAuthChance": 1}, timeout=10)  # AcceptChance omitted -> 0
    with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
        _smtp(mh)


def test_jim_gone_means_normal_delivery(jim):
    mh, url = jim
    requests.post(url, json={"RejectSenderChance": 1, "AcceptChance": 1}, timeout=10)
    requests.delete(url, timeout=10)
    with _smtp(mh) as s:
        s.sendmail("a@example.com", ["b@example.com"], MSG)
    assert len(mh.messages()) == 1


def test_invite_jim_flag_and_hostname_env():
    with start_mailhog("-invite-jim", "-jim-reject-sender=1", "-jim-accept", "1", "-jim-disconnect=0",
                       env={"MH_HOSTNAME": "catcher.test"}) as mh:
        body = requests.get(mh.api_url + "/api/v2/jim", timeout=10).json()
        assert body["RejectSenderChance"] == 1 and body["AcceptChance"] == 1
        assert body["RejectAuthChance"] == 0.05
        s = smtplib.SMTP(timeout=10)
        code, greeting = s.connect(mh.smtp_host, mh.smtp_port)
        assert greeting == b"catcher.test ESMTP MailHog"
        s.ehlo("client.test")
        assert s.mail("a@example.com")[0] == 550
        s.close()


def test_env_bind_addrs_separate_ui_and_sigterm(tmp_path):
    env = dict(os.environ, MH_SMTP_BIND_ADDR="127.0.0.1:0", MH_API_BIND_ADDR="127.0.0.1:0",
               MH_UI_BIND_ADDR="localhost:0", PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "emulators.mailhog"], cwd=str(REPO_ROOT), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("mailhog-catcher ready smtp=127.0.0.1:")
        api = line.split("api=")[1].strip()
        assert api.startswith("http://127.0.0.1:") and not api.endswith(":0")
        # UI listener is separate, so the API listener does not serve the page
        assert requests.get(api + "/", timeout=10).status_code == 404
        assert requests.get(api + "/api/v2/messages", timeout=10).status_code == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_bad_config_exits_2():
    r = subprocess.run([sys.executable, "-m", "emulators.mailhog", "--x-require-starttls"],
                       cwd=str(REPO_ROOT), capture_output=True, text=True, timeout=20)
    assert r.returncode == 2 and "x-tls-cert" in r.stderr

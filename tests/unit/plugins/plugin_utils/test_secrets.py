"""The one scrubber (``_secrets.py``): every form a secret comes back in, in every output path."""
import base64
import html
import json
import urllib.parse

import pytest

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import info_task, settings_task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._secrets import (
    SECRET_MASK, scrub, scrub_data)
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import run_task

from fake_server import Fake

SPECIAL = 'p&<w>"d\'+/ \u00e9:x%41Z'
LOGIN = "/api/Account/Authenticate"


def forms(secret):
    return {
        "raw": secret,
        "json": json.dumps(secret)[1:-1],
        "json-unicode": json.dumps(secret, ensure_ascii=False)[1:-1],
        "html": html.escape(secret),
        "html-noquote": html.escape(secret, quote=False),
        "quote": urllib.parse.quote(secret),
        "quote-nosafe": urllib.parse.quote(secret, safe=""),
        "quote_plus": urllib.parse.quote_plus(secret),
        "form-decoded": urllib.parse.unquote_plus(secret),  # defect 7: "+" as space, "%41" as "A"
        "percent-decoded": urllib.parse.unquote(secret),
        "base64": base64.b64encode(secret.encode()).decode(),
        "base64-url-nopad": base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
        "html-hex": "".join(c if c.isalnum() and ord(c) < 128 else "&#x%X;" % ord(c) for c in secret),
        "truncated": secret[:9] + "...",
    }


@pytest.mark.parametrize("name", sorted(forms(SPECIAL)))
def test_scrub_knows_every_form(name):
    form = forms(SPECIAL)[name]
    out = scrub("before %s after" % form, {SPECIAL})
    assert SPECIAL[:6] not in out and form not in out and SECRET_MASK in out, (name, out)


def test_form_decoded_echo_of_the_orchestrator_password_is_not_printed():
    """Defect 7, end to end: a server answering the login with the password form-decoded."""
    fake = Fake()
    password = "Adm1n+Pass%41word"
    echo = urllib.parse.unquote_plus(password)  # 'Adm1n PassAword'
    fake.users[("default", "admin")] = password
    fake.fault(LOGIN, ("status", 400, None, {"message": "user admin with password %s is locked" % echo}))
    try:
        res = run_task(info_task, dict(orchestrator_url=fake.url, orchestrator_username="admin",
                                       orchestrator_password=password, api="classic", retry_delay=0.0),
                       {}, False, False, "test")
        text = json.dumps(res)
        assert res["failed"] and "is locked" in res["msg"]
        assert echo not in text and "PassAword" not in text and password not in text
    finally:
        fake.stop()


def test_scrub_data_censors_values_keys_and_exact_matches():
    data = {"a": ["x tok-secret-1 y", {"tok-secret-1": "k"}], "b": "tok-secret-1", "c": 3, "d": ("ab",)}
    out = scrub_data(data, {"tok-secret-1", "ab"})
    assert out["b"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" and out["a"][0] == "x ******** y"
    assert "tok-secret-1" not in json.dumps(out) and out["c"] == 3 and out["d"] == ("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER",)


def test_short_values_do_not_mask_ordinary_text():
    assert scrub("a bc def", {"bc"}) == "a bc def"


def test_smtp_password_echoed_in_a_write_error_is_scrubbed_in_every_form():
    fake = Fake()
    smtp_pw = "Smtp+Secret%41-42"
    body = {"message": "rejected %s / %s / %s" % (urllib.parse.unquote_plus(smtp_pw),
                                                   urllib.parse.quote_plus(smtp_pw),
                                                   base64.b64encode(smtp_pw.encode()).decode())}
    fake.fault("/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk", ("status", 400, None, body))
    try:
        res = run_task(settings_task, dict(orchestrator_url=fake.url, orchestrator_username="admin",
                                           orchestrator_password="admin-pw", api="classic", retry_delay=0.0,
                                           use_default_credentials=False, host="smtp.example.test", port=587,
                                           username="ops@example.test", password=smtp_pw,
                                           from_address="ops@example.test", update_password="always"),
                       {}, False, False, "test")
        text = json.dumps(res)
        assert res["failed"] and "rejected" in res["msg"]
        for form in forms(smtp_pw).values():
            assert form not in text, form
    finally:
        fake.stop()

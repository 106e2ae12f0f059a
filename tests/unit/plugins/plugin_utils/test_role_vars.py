"""The role smtp_mail in Python (plugin_utils/role_vars.py, drift.py): variables, presets, typos, the report."""
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import settings_task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._validation import ValidationError
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils import drift, role_vars
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import run_task

ROLE = Path(role_vars.ROLE_DIR)
SPEC = role_vars.role_spec()
NAMES = role_vars.option_names(SPEC)


def values(**overrides):
    return role_vars.role_values(SPEC, lambda var: overrides[var])


def test_every_role_variable_maps_to_a_module_option_or_is_role_only():
    module = settings_task.argument_spec()
    for var in SPEC:
        opt = role_vars.option_for(var)
        assert opt is None or opt in module, (var, opt)
    assert NAMES["timeout"] == "smtp_mail_request_timeout" and NAMES["tenant"] == "smtp_mail_orchestrator_tenant"
    assert NAMES["orchestrator_url"] == "smtp_mail_orchestrator_url" and NAMES["port"] == "smtp_mail_port"


def test_the_old_map_of_the_role_is_kept():
    old = {"orchestrator_url": "smtp_mail_orchestrator_url", "tenant": "smtp_mail_orchestrator_tenant",
           "orchestrator_username": "smtp_mail_orchestrator_username", "token": "smtp_mail_orchestrator_token",
           "client_id": "smtp_mail_orchestrator_client_id", "scopes": "smtp_mail_orchestrator_scopes",
           "identity_url": "smtp_mail_orchestrator_identity_url", "retries": "smtp_mail_request_retries",
           "allow_from_mismatch": "smtp_mail_allow_from_mismatch", "ca_path": "smtp_mail_ca_path",
           "test_recipient": "smtp_mail_test_recipient", "connection_timeout": "smtp_mail_connection_timeout"}
    for opt, var in old.items():
        assert NAMES[opt] == var


@pytest.mark.parametrize("var,value,msg", [
    ("smtp_mail_port", "abc", "smtp_mail_port: must be an integer (got 'abc')"),
    ("smtp_mail_provider", "gmial", "smtp_mail_provider: must be one of"),
    ("smtp_mail_validate_certs", "maybe", "smtp_mail_validate_certs: must be true or false"),
])
def test_type_and_choice_errors_are_one_line_naming_the_variable(var, value, msg):
    with pytest.raises(ValueError) as err:
        values(**{var: value})
    text = str(err.value)
    assert text.startswith(msg) and "\n" not in text and len(text) < 300, text
    if var == "smtp_mail_provider":
        assert text.endswith("did you mean gmail?"), text


def test_presets_and_from_address():
    presets = role_vars.role_presets()
    params = role_vars.module_params(values(smtp_mail_provider="gmail", smtp_mail_username="a@example.com"), presets)
    assert (params["host"], params["port"], params["enable_ssl"]) == ("smtp.gmail.com", 587, True)
    assert params["from_address"] == "a@example.com"
    assert "orchestrator_url" not in params and "password" not in params  # blank = not given
    params = role_vars.module_params(values(smtp_mail_provider="gmail", smtp_mail_port=2525), presets)
    assert params["port"] == 2525  # the variable wins over the preset
    params = role_vars.module_params(values(), presets, test_mail_off=True)
    assert params["test_mail"] == "never" and "host" not in params  # custom leaves the host alone


def test_relay_preset_derives_the_host_from_the_domain():
    presets = role_vars.role_presets()
    params = role_vars.module_params(values(smtp_mail_provider="office365_relay",
                                            smtp_mail_relay_domain="contoso.com"), presets)
    assert params["host"] == "contoso-com.mail.protection.outlook.com"
    with pytest.raises(ValueError, match="smtp_mail_relay_domain: required"):
        role_vars.module_params(values(smtp_mail_provider="office365_relay"), presets)


@pytest.mark.parametrize("login", ["windows", "none", "password"])
def test_a_chosen_login_is_not_contradicted_by_the_presets_default_credentials(login):
    params = role_vars.module_params(values(smtp_mail_authentication=login), role_vars.role_presets())
    assert params["authentication"] == login and "use_default_credentials" not in params


def test_vars_main_is_data_only():
    text = (ROLE / "vars" / "main.yml").read_text()
    assert "{{" not in text and "{%" not in text
    for name, preset in yaml.safe_load(text)["__smtp_mail_presets"].items():
        assert isinstance(preset, dict) and {"host", "port", "enable_ssl"} <= set(preset), name


def test_no_jinja_program_in_the_role():
    for path in ROLE.rglob("*.yml"):
        text = path.read_text()
        assert "{%" not in text, path
    assert not (ROLE / "templates").exists()


def test_typo_warning_names_the_closest_variable_once_with_its_hosts():
    unknown = role_vars.unknown_variables([("h1", ["smtp_mail_prot", "smtp_mail_port", "__smtp_mail_x", "other"]),
                                           ("h2", ["smtp_mail_prot"])], set(SPEC))
    assert unknown == {"smtp_mail_prot": ["h1", "h2"]}
    (line,) = role_vars.typo_warnings(unknown, set(SPEC))
    assert line.startswith("smtp_mail_prot: unknown variable; did you mean smtp_mail_port?") and "h1, h2" in line


def test_failures_through_the_role_name_role_variables_in_message_and_hints():
    err = ValidationError("from_address", "must equal {0} ({user}); set {1}: true (got {got})",
                          hint_options=("username", "allow_from_mismatch"), user="'u'", got="'x'")
    assert err.render(NAMES) == ("smtp_mail_from_address: must equal smtp_mail_username ('u'); "
                                 "set smtp_mail_allow_from_mismatch: true (got 'x')")
    lit = ValidationError("x: set ca_path to the bundle, or validate_certs: false")
    assert "smtp_mail_ca_path" in lit.render(NAMES) and "smtp_mail_validate_certs" in lit.render(NAMES)


def test_run_task_words_core_errors_for_the_role_and_keeps_core_prefix():
    res = run_task(settings_task, {}, {}, False, False, "smtp_mail_apply", option_names=NAMES)
    assert res["msg"].startswith("smtp_mail_orchestrator_url: required"), res
    res = run_task(settings_task, {"orchestrator_url": "http://x", "prot": 1}, {}, False, False,
                   "infraops.uipath_orchestrator.orchestrator_mail_settings")
    assert res["msg"].startswith("Unsupported parameters for (infraops.uipath_orchestrator.orchestrator_mail_settings)"
                                 " module: prot. Supported parameters include:"), res
    res = run_task(settings_task, {"orchestrator_url": "http://127.0.0.1:9", "orchestrator_username": "a",
                                   "orchestrator_password": "", "api": "classic"}, {}, False, False, "x",
                   option_names=NAMES)
    assert res["msg"].startswith("smtp_mail_orchestrator_password:"), res
    res = run_task(settings_task, {"orchestrator_url": "http://127.0.0.1:9", "token": "t", "api": "identity",
                                   "scope": "organization", "retries": 0}, {}, False, False, "x", option_names=NAMES)
    assert "smtp_mail_organization_id" in res["msg"] or "cannot connect" in res["msg"], res


# -- item 9: every documented value is accepted by the role's argument spec ---------------------------------------
def _documented_values():
    """(variable, value) pairs: defaults, choices, null where the docs say null, and every value of the README
    examples (yaml blocks of the role README)."""
    out = []
    for var, opt in SPEC.items():
        out.append((var, opt.get("default")))
        for choice in opt.get("choices") or []:
            out.append((var, choice))
        desc = " ".join(opt.get("description") if isinstance(opt.get("description"), list)
                        else [opt.get("description") or ""])
        if re.search(r"\bnull\b", desc, re.I):
            out.append((var, None))
    readme = (ROLE / "README.md").read_text()
    for block in re.findall(r"```yaml\n(.*?)```", readme, re.S):
        data = yaml.safe_load(block)
        if isinstance(data, dict):
            out.extend((k, v) for k, v in data.items() if k in SPEC and not str(v).startswith("{{"))
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    out.extend((k, v) for k, v in defaults.items() if k in SPEC)
    return out


@pytest.mark.parametrize("entry", ["main", "drift"])
def test_every_documented_value_is_accepted_by_the_role_argument_spec(entry):
    spec = role_vars.role_spec(entry)
    refused = []
    for var, value in _documented_values():
        res = ArgumentSpecValidator({var: spec[var]}).validate({var: value}, validate_role_argument_spec=True)
        if res.error_messages:
            refused.append((var, value, res.error_messages[0]))
        try:
            role_vars.check_value(var, value, spec[var])
        except ValueError as exc:
            refused.append((var, value, str(exc)))
    assert not refused, refused


def test_defaults_file_and_spec_agree():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert set(defaults) == set(SPEC)
    for var, value in defaults.items():
        assert SPEC[var].get("default") == value, var


# -- drift report ---------------------------------------------------------------------------------------------------
def test_drift_files_escape_and_validate(tmp_path):
    bad = "boom \x1b[31m\x00 <b>html</b> | `x` *y*"
    recs = [drift.record("h1", {"smtp_mail_orchestrator_url": "http://a"}, None, bad),
            drift.record("h2<x>", {}, {"api": "classic", "scope": "tenant", "changed": True,
                                       "changed_fields": ["host", "password"],
                                       "before": {"host": "<script>", "password": "set"},
                                       "after": {"host": "b\x07", "password": "set"}}),
            drift.record("h3", {}, {"api": "classic", "changed": False, "changed_fields": []})]
    assert [r["status"] for r in recs] == ["error", "drift", "in_sync"]
    assert recs[1]["drift"][1] == {"option": "password", "current": "set", "desired": "would be sent"}
    paths = drift.write_report(str(tmp_path), recs)
    for path in paths:
        text = Path(path).read_text()
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text), path
    ET.parse(paths[2])
    md = Path(paths[1]).read_text()
    assert "<b>" not in md and "<script>" not in md and "&lt;script&gt;" in md
    assert json.loads(Path(paths[0]).read_text())["totals"] == dict(instances=3, in_sync=1, drifted=1, failed=1)

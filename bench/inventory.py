"""Generated inventory: N hosts in group ``orchestrators``, one per emulated instance, with the role's
public ``smtp_mail_*`` variables and no test mail."""

import json

# Desired state used by every phase (and by the baseline playbook, which reads the same names).
DESIRED = {
    "smtp_mail_orchestrator_tenant": "Default",
    "smtp_mail_orchestrator_username": "admin",
    "smtp_mail_orchestrator_password": "emulator-admin",
    "smtp_mail_scope": "tenant",
    "smtp_mail_provider": "custom",
    "smtp_mail_enable_alerts": True,
    "smtp_mail_use_default_credentials": False,
    "smtp_mail_enable_ssl": True,
    "smtp_mail_host": "smtp.bench.example",
    "smtp_mail_port": 587,
    "smtp_mail_domain": "",
    "smtp_mail_username": "orchestrator@bench.example",
    "smtp_mail_password": "bench-smtp-secret",
    "smtp_mail_from_address": "orchestrator@bench.example",
    "smtp_mail_from_display_name": "Orchestrator (bench)",
    # A password cannot be compared (the API returns a mask), so "always" would write on every run; an
    # idempotent run needs on_create. The first apply still sends it (the field is empty in the seed).
    "smtp_mail_update_password": "on_create",
    "smtp_mail_test_recipient": "",
}

# A pending change for the "--check with a pending change" phase (a field unrelated to the password).
PENDING_CHANGE = {"smtp_mail_from_display_name": "Orchestrator (bench, changed)"}


# The emulator's seed organization (docs/ARCHITECTURE.md), for Identity-profile runs.
SEED_ORGANIZATION_ID = "6e6f7267-0000-4000-8000-000000000001"


def write_inventory(path, urls, extra_vars=None):
    width = max(2, len(str(len(urls))))
    hosts = {f"orch{i:0{width}d}": {"smtp_mail_orchestrator_url": url} for i, url in enumerate(urls, 1)}
    group_vars = dict(DESIRED, ansible_connection="local",
                      ansible_python_interpreter="{{ ansible_playbook_python }}", **(extra_vars or {}))
    data = {"all": {"children": {"orchestrators": {"hosts": hosts, "vars": group_vars}}}}
    # JSON is valid YAML; the .yml suffix lets the yaml inventory plugin pick it up.
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    return list(hosts)

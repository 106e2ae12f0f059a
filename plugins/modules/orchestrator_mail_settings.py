#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: orchestrator_mail_settings
short_description: Configure the Mail (SMTP) settings of UiPath Orchestrator
version_added: 1.0.0
description:
  - Configures the Mail (SMTP) settings of a UiPath Orchestrator tenant or host (classic C(/odata/Settings) API,
    Orchestrator 2020.10 and earlier), or of an organization or the host in the Identity settings API
    (Orchestrator 2021.10 and later, Automation Suite, Automation Cloud).
  - Reads the current settings once, compares them with the options given, and writes only the keys that
    differ, in one request (classic C(UpdateBulk) or Identity C(PUT /api/Setting)). Omitted options are left
    as they are.
  - All options are validated before any HTTP request; an invalid value fails with one line naming the option.
  - The SMTP password is never read back (the API returns a mask), never compared and never written back as the
    mask. See O(update_password) for when it is sent.
  - With the Identity API, Host, Port and FromEmail are always written together (the server expects it).
author:
  - infraops team (@infraops)
extends_documentation_fragment:
  - infraops.uipath_orchestrator.orchestrator
  - infraops.uipath_orchestrator.orchestrator.MAIL_FIELDS
  - infraops.uipath_orchestrator.orchestrator.ACTIONGROUP_ORCHESTRATOR
  - infraops.uipath_orchestrator.orchestrator.ACTION_INWORKER
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Reads the settings and reports exactly what would be written; never writes.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - The password is shown as C(********) when set and as an empty string when empty.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: all
    details:
      - Runs wherever the task executes (usually the controller) and talks HTTP(S) to the Orchestrator.
options:
  enable_alerts:
    description:
      - Enable e-mail alerts (C(Alerts.Email.Enabled)).
      - Classic API only; the Identity API has no such key, so the option is ignored there and the result says so.
    type: bool
  connection_timeout:
    description:
      - SMTP connection timeout in milliseconds (C(Email.Smtp.ConnectionTimeout)), a positive integer.
      - Identity API only; with the classic API it fails (before any request when O(api=classic),
        after the API detection with O(api=auto)).
    type: int
  scope:
    description:
      - Which settings to manage.
      - V(tenant) is the tenant O(tenant) with the classic API. With the Identity API it is treated as
        V(organization) when O(organization_id) is given and fails otherwise.
      - V(host) is the host level (classic API - login to the tenant C(Host); Identity API - no partition).
        Host values apply to every tenant or organization without its own values.
      - V(organization) needs the Identity API and O(organization_id).
    type: str
    choices: [tenant, organization, host]
    default: tenant
  update_password:
    description:
      - V(always) sends O(password) on every run when it is given, so a task with a password reports
        C(changed) on every run (the stored password cannot be compared).
      - V(on_create) sends O(password) only when no password is stored, so runs are idempotent; with
        V(on_create), O(password) may be omitted together with O(use_default_credentials=false) when a password
        is already stored.
      - With either value, O(password) is also sent whenever O(host), O(port), O(enable_ssl) or O(username)
        change in the same run.
    type: str
    choices: [always, on_create]
    default: always
  allow_from_mismatch:
    description:
      - Allow O(from_address) to differ from O(username). UiPath documents that the two must be equal.
    type: bool
    default: false
notes:
  - Validation before any request - O(port) between 1 and 65535; O(host) a host name or IP address without
    scheme, port, whitespace or control characters; e-mail syntax of O(from_address) and of O(username) when
    it contains C(@); no control characters (CR, LF) in O(from_display_name); O(enable_ssl) and
    O(use_default_credentials) not both V(true); O(username) and O(password) required with
    O(use_default_credentials=false); O(from_address) equal to O(username) unless O(allow_from_mismatch=true).
  - The same rules are checked again on the merged result (current values plus the task's options) before
    anything is written.
seealso:
  - module: infraops.uipath_orchestrator.orchestrator_mail_info
  - module: infraops.uipath_orchestrator.orchestrator_mail_test
'''

EXAMPLES = r'''
- name: Gmail with an app password, tenant Default (classic API)
  infraops.uipath_orchestrator.orchestrator_mail_settings:
    orchestrator_url: https://orch.example.com
    tenant: Default
    orchestrator_username: admin
    orchestrator_password: "{{ orchestrator_admin_password }}"
    enable_alerts: true
    use_default_credentials: false
    enable_ssl: true
    host: smtp.gmail.com
    port: 587
    username: robots@example.com
    password: "{{ gmail_app_password }}"
    from_address: robots@example.com
    from_display_name: Orchestrator
    update_password: on_create

- name: Anonymous internal relay at host level
  infraops.uipath_orchestrator.orchestrator_mail_settings:
    orchestrator_url: https://orch.example.com
    orchestrator_username: admin
    orchestrator_password: "{{ host_admin_password }}"
    scope: host
    use_default_credentials: true
    enable_ssl: false
    host: relay.example.local
    port: 25
    from_address: orchestrator@example.local
    allow_from_mismatch: true

- name: Organization settings through the Identity API with an external application
  infraops.uipath_orchestrator.orchestrator_mail_settings:
    orchestrator_url: https://orch.example.com
    client_id: "{{ orchestrator_client_id }}"
    client_secret: "{{ orchestrator_client_secret }}"
    api: identity
    scope: organization
    organization_id: 6e6f7267-0000-4000-8000-000000000001
    host: smtp.office365.com
    port: 587
    enable_ssl: true
    use_default_credentials: false
    username: orchestrator@example.com
    password: "{{ smtp_password }}"
    from_address: orchestrator@example.com
    connection_timeout: 180000

- name: Connection options set once for the whole action group
  module_defaults:
    group/infraops.uipath_orchestrator.orchestrator:
      orchestrator_url: https://orch.example.com
      orchestrator_username: admin
      orchestrator_password: "{{ orchestrator_admin_password }}"
  block:
    - name: Only change the display name
      infraops.uipath_orchestrator.orchestrator_mail_settings:
        from_display_name: UiPath Orchestrator (production)
'''

RETURN = r'''
changed:
  description: Whether settings were (or, in check mode, would be) written.
  returned: always
  type: bool
api:
  description: The settings API used (V(classic) or V(identity)); with O(api=auto) the detected one.
  returned: success
  type: str
  sample: classic
scope:
  description: The effective scope (V(tenant), V(organization) or V(host)).
  returned: success
  type: str
  sample: tenant
changed_fields:
  description:
    - Option names whose values were (or would be) changed, plus V(password) when the password was (or would be)
      sent. Values of secrets are never listed.
  returned: success
  type: list
  elements: str
  sample: [host, port, password]
before:
  description: Settings before the run, keyed by option name; the password is C(********) when set, C("") when empty.
  returned: success
  type: dict
  sample:
    enable_alerts: false
    use_default_credentials: true
    enable_ssl: false
    host: 127.0.0.1
    port: 25
    domain: ""
    username: ""
    password: ""
    from_address: ""
    from_display_name: ""
after:
  description: Settings after the run (in check mode, as they would be), same shape as RV(before).
  returned: success
  type: dict
  sample:
    enable_alerts: true
    use_default_credentials: false
    enable_ssl: true
    host: smtp.gmail.com
    port: 587
    domain: ""
    username: robots@example.com
    password: "********"
    from_address: robots@example.com
    from_display_name: Orchestrator
http_requests:
  description: Number of HTTP requests sent by this task (logins and retries included).
  returned: always
  type: int
  sample: 3
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.orchestrator_client import (
    ORCHESTRATOR_ARGUMENT_SPEC,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.mail_settings import (
    FIELDS,
    MAIL_FIELDS_ARGUMENT_SPEC,
    ValidationError,
    after_values,
    decode_settings,
    display,
    encode_writes,
    plan,
    validate_input,
    validate_merged,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.settings_api import (
    check_scope,
    make_client,
    resolve_api,
    run_and_exit,
)


def run(module, state):
    params = module.params
    scope = params['scope']
    desired = dict((f, params[f]) for f in FIELDS if params.get(f) is not None)

    partition = check_scope(params, scope)
    if params['api'] == 'classic' and 'connection_timeout' in desired:
        raise ValidationError('connection_timeout: only supported by the Identity settings API (api is classic)')
    validate_input(desired, params['update_password'], params['allow_from_mismatch'])

    client = make_client(module, scope)
    state['client'] = client
    api_obj = resolve_api(client, params, scope, partition)
    api = api_obj.name
    state['api'] = api
    if api == 'identity':
        if 'enable_alerts' in desired:
            module.warn('enable_alerts is ignored: the Identity settings API has no e-mail alerts key')
            desired.pop('enable_alerts')
        eff_scope = 'organization' if partition else 'host'
    else:
        if 'connection_timeout' in desired:
            raise ValidationError('connection_timeout: only supported by the Identity settings API (this server '
                                  'uses the classic API)')
        eff_scope = scope

    raw = api_obj.read()
    current, password_set = decode_settings(raw, api)
    validate_merged(current, desired, password_set, params['update_password'], params['allow_from_mismatch'])
    changed_fields, writes = plan(current, desired, password_set, api, params['update_password'])

    if writes and not module.check_mode:
        api_obj.write(encode_writes(writes, api))

    after, pw_after = after_values(current, writes, password_set)
    before_d = display(current, api, password_set)
    after_d = display(after, api, pw_after)
    result = dict(changed=bool(writes), api=api, scope=eff_scope, changed_fields=changed_fields,
                  before=before_d, after=after_d, http_requests=client.request_count)
    if module._diff:
        result['diff'] = dict(before=before_d, after=after_d)
    return result


def main():
    argument_spec = dict(ORCHESTRATOR_ARGUMENT_SPEC)
    argument_spec.update(MAIL_FIELDS_ARGUMENT_SPEC)
    argument_spec.update(
        scope=dict(type='str', default='tenant', choices=['tenant', 'organization', 'host']),
        update_password=dict(type='str', default='always', choices=['always', 'on_create'], no_log=False),
        allow_from_mismatch=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_and_exit(module, run)


if __name__ == '__main__':
    main()

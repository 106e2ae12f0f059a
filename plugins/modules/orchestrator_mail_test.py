#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: orchestrator_mail_test
short_description: Send a test mail through UiPath Orchestrator's SMTP settings
version_added: 1.0.0
description:
  - Asks Orchestrator to send a test mail to O(recipient) with the given SMTP settings (classic
    C(POST /odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting), Identity
    C(POST {identity_url}/api/Setting/VerifySmtpSettings)). Nothing is saved.
  - SMTP options not given are taken from the stored settings (one read). The stored password cannot be read, so
    O(password) is required unless O(use_default_credentials) is (or is stored as) V(true).
  - For the Identity API the request body has the same shape as the classic one (C(sendTo) and
    C(smtpSettingModel)); the API reference marks that body as unknown, so this is an assumption.
  - Never reports C(changed). Fails with the server's SMTP error text when the mail is not accepted.
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
    support: partial
    details:
      - In check mode the options are validated and the settings read, but no mail is sent; RV(accepted) is V(false).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details:
      - Changes nothing, nothing to diff.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: all
    details:
      - Runs wherever the task executes (usually the controller) and talks HTTP(S) to the Orchestrator.
options:
  recipient:
    description:
      - E-mail address the test mail is sent to.
    type: str
    required: true
  scope:
    description:
      - Whose stored settings fill the SMTP options not given, and which API endpoint is used; see
        M(infraops.uipath_orchestrator.orchestrator_mail_settings).
    type: str
    choices: [tenant, organization, host]
    default: tenant
  allow_from_mismatch:
    description:
      - Allow O(from_address) to differ from O(username).
    type: bool
    default: false
seealso:
  - module: infraops.uipath_orchestrator.orchestrator_mail_settings
'''

EXAMPLES = r'''
- name: Send a test mail with the stored settings and the SMTP password
  infraops.uipath_orchestrator.orchestrator_mail_test:
    orchestrator_url: https://orch.example.com
    orchestrator_username: admin
    orchestrator_password: "{{ orchestrator_admin_password }}"
    recipient: ops@example.com
    password: "{{ smtp_password }}"

- name: Test an anonymous relay before saving it
  infraops.uipath_orchestrator.orchestrator_mail_test:
    orchestrator_url: https://orch.example.com
    orchestrator_username: admin
    orchestrator_password: "{{ orchestrator_admin_password }}"
    recipient: ops@example.com
    host: relay.example.local
    port: 25
    use_default_credentials: true
    enable_ssl: false
    from_address: orchestrator@example.local
    allow_from_mismatch: true
'''

RETURN = r'''
changed:
  description: Always V(false).
  returned: always
  type: bool
accepted:
  description: V(true) when the server accepted and sent the test mail; V(false) in check mode (nothing sent).
  returned: success
  type: bool
  sample: true
recipient:
  description: The recipient of the test mail.
  returned: success
  type: str
  sample: ops@example.com
api:
  description: The settings API used (V(classic) or V(identity)).
  returned: success
  type: str
  sample: classic
scope:
  description: The effective scope.
  returned: success
  type: str
  sample: tenant
http_requests:
  description: Number of HTTP requests sent (logins and retries included).
  returned: always
  type: int
  sample: 3
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.orchestrator_client import (
    ORCHESTRATOR_ARGUMENT_SPEC,
    OrchestratorError,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.mail_settings import (
    FIELDS,
    MAIL_FIELDS_ARGUMENT_SPEC,
    ValidationError,
    decode_settings,
    is_email,
    merge,
    validate_fields,
    validate_input,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.settings_api import (
    check_scope,
    make_client,
    resolve_api,
    run_and_exit,
    server_error_text,
)

TEST_FIELDS = [f for f in FIELDS if f not in ('enable_alerts', 'connection_timeout')]


# Every field of the test-mail model except the password (which is never read back).
MODEL_FIELDS = ('host', 'port', 'enable_ssl', 'use_default_credentials', 'username', 'domain', 'from_address',
                'from_display_name')


def build_model(merged, password):
    udc = merged.get('use_default_credentials')
    return {
        'Host': merged.get('host') or '',
        'Port': int(merged['port']) if isinstance(merged.get('port'), int) else 25,
        'EnableSsl': merged.get('enable_ssl') is True,
        'UseDefaultCredentials': udc is True,
        'UserName': merged.get('username') or '',
        'Password': password or '',
        'Domain': merged.get('domain') or '',
        'DefaultFromAddress': merged.get('from_address') or '',
        'DefaultFromDisplayName': merged.get('from_display_name') or '',
    }


def run(module, state):
    params = module.params
    scope = params['scope']
    recipient = params['recipient']
    if not recipient or not is_email(recipient):
        raise ValidationError('recipient: not a valid e-mail address (got %r)' % (recipient,))
    desired = dict((f, params[f]) for f in TEST_FIELDS if params.get(f) is not None)
    partition = check_scope(params, scope)
    validate_fields(desired)
    validate_input(desired, 'on_create', params['allow_from_mismatch'])

    client = make_client(module, scope)
    state['client'] = client
    api_obj = resolve_api(client, params, scope, partition)
    state['api'] = api_obj.name
    # The stored settings only fill fields the task left out; when all are given, skip that read.
    if all(f in desired for f in MODEL_FIELDS):
        current = {}
    else:
        current, dummy = decode_settings(api_obj.read(), api_obj.name)
    merged = merge(current, desired)
    # re-check the combination actually used for the test
    validate_input(dict((k, v) for k, v in merged.items() if v is not None and k in TEST_FIELDS and k != 'password'),
                   'on_create', params['allow_from_mismatch'])
    if not merged.get('host'):
        raise ValidationError('host: required (no SMTP host is stored)')
    if merged.get('use_default_credentials') is not True and not desired.get('password'):
        raise ValidationError('password: required to send a test mail unless use_default_credentials is true '
                              '(the stored password cannot be read)')
    eff_scope = scope if api_obj.name == 'classic' else ('organization' if partition else 'host')
    result = dict(changed=False, recipient=recipient, api=api_obj.name, scope=eff_scope)
    if module.check_mode:
        result.update(accepted=False, msg='check mode: test mail not sent')
    else:
        try:
            api_obj.verify(recipient, build_model(merged, desired.get('password')))
        except OrchestratorError as exc:
            if exc.status is None or exc.status in (401, 403, 404):
                raise
            raise OrchestratorError('test mail to %s was not accepted: %s' % (recipient, server_error_text(exc)))
        result['accepted'] = True
    result['http_requests'] = client.request_count
    return result


def main():
    argument_spec = dict(ORCHESTRATOR_ARGUMENT_SPEC)
    argument_spec.update(dict((k, v) for k, v in MAIL_FIELDS_ARGUMENT_SPEC.items() if k in TEST_FIELDS))
    argument_spec.update(
        recipient=dict(type='str', required=True),
        scope=dict(type='str', default='tenant', choices=['tenant', 'organization', 'host']),
        allow_from_mismatch=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_and_exit(module, run)


if __name__ == '__main__':
    main()

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The orchestrator_mail_test task: test the saved settings (only a recipient given), or given (unsaved) settings
filled from the stored ones (any SMTP field given)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._connection import (
    ORCHESTRATOR_ARGUMENT_SPEC,
    connect,
    token_organization,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._errors import (
    OrchestratorError,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.mail_settings import (
    FIELDS,
    MAIL_FIELDS_ARGUMENT_SPEC,
    decode_settings,
    merge,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._mail_fields import (
    AUTHENTICATION_OPTION,
    apply_authentication,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import _validation as validation
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._task_contract import Task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.task_support import (
    CONNECTION_RULES,
    SCOPE_OPTION,
    effective_scope,
    server_error_text,
)

RULES = CONNECTION_RULES
TEST_FIELDS = [f for f in FIELDS if f not in ('enable_alerts', 'connection_timeout')]
# Every field of the test-mail model except the password (which is never read back).
MODEL_FIELDS = ('host', 'port', 'enable_ssl', 'use_default_credentials', 'username', 'domain', 'from_address',
                'from_display_name')


def argument_spec():
    spec = dict(ORCHESTRATOR_ARGUMENT_SPEC)
    spec.update(dict((k, v) for k, v in MAIL_FIELDS_ARGUMENT_SPEC.items() if k in TEST_FIELDS))
    spec.update(
        # one name in every module (test_recipient, as orchestrator_mail_settings); recipient stays an alias
        test_recipient=dict(type='str', required=True, aliases=['recipient']),
        authentication=dict(AUTHENTICATION_OPTION),
        scope=dict(SCOPE_OPTION),
        allow_from_mismatch=dict(type='bool', default=False),
    )
    return spec


def build_model(merged, password):
    """The SMTP model of a test mail (field names of the settings models, see docs/API.md)."""
    return {
        'Host': merged.get('host') or '',
        'Port': int(merged['port']) if isinstance(merged.get('port'), int) else 25,
        'EnableSsl': merged.get('enable_ssl') is True,
        'UseDefaultCredentials': merged.get('use_default_credentials') is True,
        'UserName': merged.get('username') or '',
        'Password': password or '',
        'Domain': merged.get('domain') or '',
        'DefaultFromAddress': merged.get('from_address') or '',
        'DefaultFromDisplayName': merged.get('from_display_name') or '',
    }


#: the rules live in the one validator (kept here under their old names)
check_recipient = validation.check_recipient
check_sendable = validation.check_sendable


def send(client, api_obj, recipient, merged, password, saved=False):
    """Send one test mail (``saved``: the instance's saved settings, no model); an SMTP refusal says so, a login
    failure stays a login failure."""
    client.ensure_token()
    try:
        if saved:
            api_obj.verify(recipient)
        else:
            api_obj.verify(recipient, build_model(merged, password))
    except OrchestratorError as exc:
        if exc.status is None or exc.status in (401, 403, 404) or getattr(exc, 'login_failed', False):
            raise
        raise OrchestratorError('test mail to %s was not accepted: %s' % (recipient, server_error_text(exc)))


def can_test_saved(client, api_obj):
    """A saved-settings test (no SMTP fields in the body) reaches the settings this task manages: always on the
    classic API (the login tenant); on Identity when the token names the managed partition (or none, for the host)."""
    if api_obj.name != 'identity':
        return True
    return api_obj.saved_test_reaches_partition(token_organization(client.ensure_token()))


def effective_values(api_obj):
    """The stored settings that apply (own values over inherited ones), as option values."""
    return decode_settings(api_obj.effective(), api_obj.name)[0]


def run(params, ctx, state):
    scope = params['scope']
    recipient = params['test_recipient']
    authentication = params.get('authentication')
    validation.check_recipient('test_recipient', recipient)
    given = dict((f, params[f]) for f in TEST_FIELDS if params.get(f) is not None)
    custom = bool(given) or authentication is not None
    validation.validate_input(given, 'on_create', params['allow_from_mismatch'], api=params.get('api'),
                              authentication=authentication)

    client, api_obj = connect(params, scope, ctx, state)
    api = api_obj.name
    result = dict(changed=False, recipient=recipient, api=api, scope=effective_scope(api_obj, scope),
                  tested='custom' if custom else 'saved')
    if not custom and not can_test_saved(client, api_obj):
        # The token names another organization than the one to test: test its stored values as custom settings
        # (needs the password only when they log in).
        custom = True
        result['tested'] = 'stored'
    if not custom:
        # Only a recipient: the instance tests what it has stored, stored password included (as UiPath's CLI
        # `uip admin smtp test --recipient` does); no read, no password needed.
        if ctx.check_mode:
            result.update(accepted=False, msg='check mode: test mail not sent')
        else:
            send(client, api_obj, recipient, None, None, saved=True)
            result['accepted'] = True
        result['http_requests'] = client.request_count
        return result

    validation.check_authentication_api(api, authentication, detected=params.get('api') != api)
    desired = apply_authentication(given, authentication, api)
    # The stored settings only fill fields the task left out; when all are given, skip that read.
    if all(f in desired for f in MODEL_FIELDS):
        current = {}
    else:
        current = effective_values(api_obj)  # inherited values apply too
    merged = merge(current, desired)
    # re-check the combination actually used for the test
    validation.validate_input(dict((k, v) for k, v in merged.items()
                                   if v is not None and k in TEST_FIELDS and k != 'password'),
                              'on_create', params['allow_from_mismatch'], api=api)
    validation.check_sendable(merged, desired.get('password'), api=api)
    if ctx.check_mode:
        result.update(accepted=False, msg='check mode: test mail not sent')
    else:
        send(client, api_obj, recipient, merged, desired.get('password'))
        result['accepted'] = True
    result['http_requests'] = client.request_count
    return result


#: the orchestrator_mail_test task, run by its action plugin and by the module's main()
TASK = Task('orchestrator_mail_test', argument_spec, run, rules=RULES)

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The orchestrator_mail_settings task: read once, compare, test (optionally) and write only what differs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._connection import (
    ORCHESTRATOR_ARGUMENT_SPEC,
    connect,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.mail_settings import (
    FIELDS,
    MAIL_FIELDS_ARGUMENT_SPEC,
    after_values,
    decode_settings,
    display,
    encode_writes,
    merge,
    plan,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._mail_fields import (
    AUTHENTICATION_OPTION,
    apply_authentication,
    derive_authentication,
    is_office365_submission,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import _validation as validation
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._task_contract import Task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.task_support import (
    CONNECTION_RULES,
    SCOPE_OPTION,
    effective_scope,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import test_mail_task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.settings_reset import (
    check_absent_params,
    reset,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.tenant_alerts import (
    DEFAULT_ALERTS_KEY,
    TenantAlertsToggle,
)

RULES = CONNECTION_RULES

#: one of the two warnings the collection gives on purpose (the other: typos of role variables)
OFFICE365_WARNING = ('Microsoft 365 SMTP AUTH with a password (host %s): Microsoft disables Basic authentication for '
                     'SMTP AUTH client submission by default at the end of December 2026 (then 550 5.7.30) and '
                     'Orchestrator cannot use OAuth for SMTP; use a connector relay instead (role: smtp_mail_provider '
                     'office365_relay; module: authentication none, port 25 to <domain>.mail.protection.outlook.com)')
NO_ALERTS_TOGGLE = 'not written: this release has no tenant alerts toggle (%s not in the tenant settings)'


def argument_spec():
    spec = dict(ORCHESTRATOR_ARGUMENT_SPEC)
    spec.update(MAIL_FIELDS_ARGUMENT_SPEC)
    spec.update(
        scope=dict(SCOPE_OPTION),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        update_password=dict(type='str', default='on_create', choices=['always', 'on_create'], no_log=False),
        allow_from_mismatch=dict(type='bool', default=False),
        test_mail=dict(type='str', default='never', choices=['never', 'on_change', 'always']),
        test_recipient=dict(type='str', aliases=['recipient']),
        authentication=dict(AUTHENTICATION_OPTION),
        verify_write=dict(type='bool', default=False),
        alerts_key=dict(type='str', default=DEFAULT_ALERTS_KEY, no_log=False),
    )
    return spec


def _test_decision(params, writes, check_mode):
    """(send?, reason) for the test mail of this run."""
    mode = params['test_mail']
    if mode == 'never':
        return False, 'test_mail is never'
    if not params.get('test_recipient'):
        return False, 'no test_recipient'
    if mode == 'on_change' and not writes:
        return False, 'no change'
    if check_mode:
        return False, 'check mode (would be sent: %s)' % ('settings change' if writes else 'test_mail is always')
    return True, 'settings change' if writes else 'test_mail is always'


def summary_line(result, check_mode):
    """One line for logs and the role's closing summary: API, scope, what changed (names only), the test mail."""
    t = result.get('test_mail') or {}
    if t.get('sent'):
        mail = 'sent to %s (%s)' % (t.get('recipient'), t.get('reason'))
    else:
        mail = 'not sent (%s)' % t.get('reason')
    if 'deleted_fields' in result:
        what = 'deleted=[%s]' % ', '.join(result['deleted_fields'])
    else:
        what = 'changed=[%s]' % ', '.join(result.get('changed_fields') or [])
    line = 'api=%s scope=%s %s%s test mail: %s' % (result.get('api'), result.get('scope'), what,
                                                   ' (check mode)' if check_mode else '', mail)
    if result.get('alerts'):
        line += '; alerts: %s' % result['alerts']
    return line


def run_absent(params, ctx, state):
    scope = params['scope']
    validation.check_scope(params, scope)
    check_absent_params(params, scope)
    client, api_obj = connect(params, scope, ctx, state)
    # api: auto found the classic API, or the requests address another tenant than the option names
    check_absent_params(params, scope, api=api_obj.name,
                        tenant=getattr(client, 'tenant_header', None) or getattr(client, 'login_tenant', None))
    result = reset(api_obj, api_obj.name, ctx)
    result.update(api=api_obj.name, scope=effective_scope(api_obj, scope),
                  test_mail=dict(sent=False, recipient=params.get('test_recipient'), reason='state is absent'),
                  http_requests=client.request_count)
    result['summary'] = summary_line(result, ctx.check_mode)
    if ctx.diff:
        result['diff'] = dict(before=result['before'], after=result['after'])
    return result


def run(params, ctx, state):
    if params['state'] == 'absent':
        return run_absent(params, ctx, state)
    scope = params['scope']
    authentication = params.get('authentication')
    desired = dict((f, params[f]) for f in FIELDS if params.get(f) is not None)

    validation.check_scope(params, scope)
    validation.check_api_fields(params['api'], desired)
    if params['test_mail'] != 'never' and params.get('test_recipient'):
        validation.check_recipient('test_recipient', params.get('test_recipient'))
    validation.validate_input(desired, params['update_password'], params['allow_from_mismatch'], api=params['api'],
                              authentication=authentication)

    client, api_obj = connect(params, scope, ctx, state)
    api = api_obj.name
    detected = params['api'] != api
    validation.check_authentication_api(api, authentication, detected=detected)
    validation.check_authentication(desired, authentication, api)
    desired = apply_authentication(desired, authentication, api)
    alerts = None  # Identity era: (toggle, stored, wanted) of the tenant's "Enable email alerts"
    alerts_note = None
    if api == 'identity':
        if 'enable_alerts' in desired:
            # Written only where the tenant's settings show the key; the role no longer sets it by default.
            toggle = TenantAlertsToggle(client, params['alerts_key'])
            wanted = desired.pop('enable_alerts')
            stored_alerts = toggle.read()
            if stored_alerts is None:
                alerts_note = NO_ALERTS_TOGGLE % params['alerts_key']
            else:
                alerts = (toggle, stored_alerts, wanted)
    else:
        validation.check_api_fields(api, desired, detected=True)

    current, password_set = decode_settings(api_obj.read(), api)
    merged = validation.validate_merged(current, desired, password_set, params['update_password'],
                                        params['allow_from_mismatch'], api=api)
    if is_office365_submission(merged.get('host')) and derive_authentication(merged, api) == 'password':
        ctx.warn(OFFICE365_WARNING % merged.get('host'))
    changed_fields, writes = plan(current, desired, password_set, api, params['update_password'])
    validation.check_write(api, writes, merged)
    alerts_change = alerts is not None and alerts[1] != alerts[2]
    if alerts_change:
        changed_fields.insert(0, 'enable_alerts')

    send_test, reason = _test_decision(params, writes or alerts_change, ctx.check_mode)
    test_result = dict(sent=False, recipient=params.get('test_recipient'), reason=reason)
    if send_test and not writes and test_mail_task.can_test_saved(client, api_obj):
        # Nothing to store (test_mail: always, or only the tenant's alerts toggle changes): the instance tests its
        # saved settings, stored password included, as UiPath's CLI `uip admin smtp test --recipient` does.
        test_mail_task.send(client, api_obj, params['test_recipient'], None, None, saved=True)
        test_result['sent'] = True
    elif send_test:
        # Test first, with the settings as they will be stored: a refused test mail stops the run, nothing written.
        applied = current
        if api == 'identity' and api_obj.inherited:
            applied = decode_settings(api_obj.effective(), api)[0]  # the host values the organization inherits
        to_send = merge(applied, desired)
        validation.check_sendable(to_send, desired.get('password'), option='password', api=api)
        test_mail_task.send(client, api_obj, params['test_recipient'], to_send, desired.get('password'))
        test_result['sent'] = True

    # Every write is recorded in the run's write journal (settings_api, tenant_alerts): a failure after one still
    # reports changed and what was written (task_support.execute).
    if writes and not ctx.check_mode:
        api_obj.write(encode_writes(writes, api))
    if alerts_change and not ctx.check_mode:
        alerts[0].write(alerts[2])

    after, pw_after = after_values(current, writes, password_set)
    if writes and params['verify_write'] and not ctx.check_mode:
        after, pw_after = decode_settings(api_obj.read(), api)  # what is actually stored (last writer wins)
    before_d = display(current, api, password_set)
    after_d = display(after, api, pw_after)
    if alerts is not None:
        before_d['enable_alerts'] = alerts[1]
        after_d['enable_alerts'] = alerts[2]
    result = dict(changed=bool(writes) or alerts_change, api=api, scope=effective_scope(api_obj, scope),
                  changed_fields=changed_fields, before=before_d, after=after_d, test_mail=test_result,
                  authentication=derive_authentication(after, api), http_requests=client.request_count)
    if alerts_note:
        result['alerts'] = alerts_note
    result['summary'] = summary_line(result, ctx.check_mode)
    if ctx.diff:
        result['diff'] = dict(before=before_d, after=after_d)
    return result


#: the orchestrator_mail_settings task, run by its action plugin and by the module's main()
TASK = Task('orchestrator_mail_settings', argument_spec, run, rules=RULES, writes=True)

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every task of the collection shares, whoever runs it.

A task is a plain function ``run(params, ctx)`` over validated parameters that returns the result dict or
raises :class:`ValidationError` (bad input) or ``OrchestratorError`` (the server or the network). Two runners
call it: the module's ``main()`` (:func:`run_as_module`, a normal module process) and the collection's action
plugins (``plugin_utils/task_action.py``, inside the Ansible worker). Both give the same result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.orchestrator_client import (
    OrchestratorClient,
    OrchestratorError,
    format_error_body,
    one_line,
    validate_connection_params,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.mail_settings import ValidationError
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.settings_api import (
    ClassicSettingsAPI,
    IdentitySettingsAPI,
)

#: Rules the argument spec states for the connection options (checked before any request).
CONNECTION_RULES = dict(
    required_together=[['client_id', 'client_secret'], ['orchestrator_username', 'orchestrator_password']],
)
SCOPE_OPTION = dict(type='str', default='tenant', choices=['tenant', 'organization', 'host'])


class TaskContext(object):
    """How a task runs: check mode, diff mode, where warnings go, and the set of values to censor."""

    def __init__(self, check_mode=False, diff=False, warn=None, no_log_values=None):
        self.check_mode = bool(check_mode)
        self.diff = bool(diff)
        self.warnings = []
        self._warn = warn
        self.no_log_values = no_log_values if no_log_values is not None else set()

    def warn(self, msg):
        if self._warn is not None:
            self._warn(msg)
        else:
            self.warnings.append(msg)


class TaskState(object):
    """What a task has set up so far, so a failure can still report it (request count, API)."""

    def __init__(self):
        self.client = None
        self.api = None

    def failure(self, exc):
        """The failure result for a handled error: one scrubbed line, the request count and the API."""
        msg = one_line(to_text(exc), 2000)
        extra = dict(failed=True, changed=False)
        if self.client is not None:
            msg = self.client.scrub(msg)
            extra['http_requests'] = self.client.request_count
        if self.api:
            extra['api'] = self.api
        extra['msg'] = msg
        return extra


def check_scope(params, scope):
    """Scope/api/organization consistency that needs no request. Returns the Identity partition (or None)."""
    api = params.get('api') or 'auto'
    org = params.get('organization_id')
    if scope == 'organization':
        if api == 'classic':
            raise ValidationError('scope: organization needs the Identity settings API; the classic API knows only '
                                  'tenant and host (use api: identity or auto)')
        if not org:
            raise ValidationError('organization_id: required for scope: organization (the organization\'s '
                                  'partitionGlobalId GUID)')
        return org
    if scope == 'host':
        return None
    if api == 'identity' and not org:
        raise ValidationError('organization_id: required for scope: tenant with the Identity API (settings are '
                              'per organization there); give organization_id or use scope: host')
    return org


def make_client(params, scope, ctx, state):
    """Validate the connection options and build the client (login tenant ``Host`` for scope host)."""
    try:
        validate_connection_params(params)
    except OrchestratorError as exc:
        raise ValidationError(to_text(exc))
    login_tenant = 'Host' if scope == 'host' else params.get('tenant')
    client = OrchestratorClient(params, warn=ctx.warn, login_tenant=login_tenant, no_log_values=ctx.no_log_values)
    client.add_secret(params.get('password'))  # the SMTP password, scrubbed even if a server echoes it
    state.client = client
    return client


def resolve_api(client, params, scope, partition, state):
    """Return the settings API object for ``params['api']`` (auto probes Identity once)."""
    api = params.get('api') or 'auto'
    if api == 'classic':
        chosen = ClassicSettingsAPI(client)
    elif api == 'identity' or scope == 'organization' or partition:
        chosen = IdentitySettingsAPI(client, partition)
    else:
        chosen = _probe(client, scope, partition)
    state.api = chosen.name
    return chosen


def _probe(client, scope, partition):
    # One Identity read decides; its answer is kept, so detection costs one request only on a classic server.
    identity = IdentitySettingsAPI(client, partition)
    try:
        identity._cached = identity.read()
    except OrchestratorError as exc:
        if exc.status == 404 and not getattr(exc, 'login_failed', False):
            return ClassicSettingsAPI(client)
        raise
    if scope == 'tenant' and not partition:
        raise ValidationError('organization_id: required for scope: tenant because this server uses the Identity '
                              'settings API (settings are per organization there); give organization_id or use '
                              'scope: host')
    return identity


def effective_scope(api_name, scope, partition):
    if api_name == 'classic':
        return scope
    return 'organization' if partition else 'host'


def server_error_text(exc):
    """The server's own text of an error (for the SMTP test), else the whole message."""
    if getattr(exc, 'body', None):
        text = format_error_body(exc.body)
        if text:
            return one_line(text)
    return exc.msg if hasattr(exc, 'msg') else to_text(exc)


def execute(task, params, ctx):
    """Run ``task.run(params, ctx, state)``; a handled error becomes a failure result (never a traceback)."""
    state = TaskState()
    try:
        return task.run(params, ctx, state)
    except (ValidationError, OrchestratorError) as exc:
        return state.failure(exc)


def run_as_module(task):
    """``main()`` of a module: the same task as the action plugin, in a module process."""
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=task.argument_spec(), supports_check_mode=True, **task.RULES)
    ctx = TaskContext(check_mode=module.check_mode, diff=module._diff, warn=module.warn,
                      no_log_values=module.no_log_values)
    result = execute(task, module.params, ctx)
    if result.get('failed'):
        result.pop('failed')
        module.fail_json(**result)
    module.exit_json(**result)

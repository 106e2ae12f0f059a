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

import base64
import json
import re

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.six.moves.urllib.parse import urlsplit

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
        self.organization_id = None  # the Identity partition once known ...
        self.organization_source = None  # ... and how it was found

    def found_organization(self, organization_id, source):
        self.organization_id, self.organization_source = organization_id, source

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
    """Scope/api consistency that needs no request. Returns the given Identity partition (or None).

    Without ``organization_id`` the organization is found after login (see :func:`discover_organization`).
    """
    api = params.get('api') or 'auto'
    if scope == 'organization' and api == 'classic':
        raise ValidationError('scope: organization needs the Identity settings API; the classic API knows only '
                              'tenant and host (use api: identity or auto)')
    if scope == 'host':
        return None
    return params.get('organization_id') or None


# Automation Cloud and Automation Suite: https://{host}/{org}/{tenant}/orchestrator_
_PLATFORM_URL_RE = re.compile(r'^/(?P<org>[^/]+)/(?P<tenant>[^/]+)/orchestrator_/?$')


def platform_url_parts(url):
    """(origin, organization name, tenant name) of a Cloud / Automation Suite Orchestrator URL, else None."""
    parts = urlsplit(url)
    match = _PLATFORM_URL_RE.match(parts.path or '')
    if not match:
        return None
    return '%s://%s' % (parts.scheme, parts.netloc), match.group('org'), match.group('tenant')


def derive_connection(params):
    """Fill ``identity_url`` and ``tenant`` from a Cloud / Automation Suite URL (explicit options win)."""
    found = platform_url_parts(params['orchestrator_url'])
    if not found:
        return params
    origin, org, tenant = found
    params = dict(params)
    if not params.get('identity_url'):
        params['identity_url'] = '%s/%s/identity_' % (origin, org)
    if not params.get('tenant') or params.get('tenant') == 'Default':
        params['tenant'] = tenant
    return params


def token_organization(token):
    """The organization id carried by a JWT access token (claim prt_id, as UiPath's own clients read it)."""
    if not token or token.count('.') != 2:
        return None
    payload = token.split('.')[1]
    try:
        claims = json.loads(to_text(base64.urlsafe_b64decode(to_native(payload) + '=' * (-len(payload) % 4))))
    except (ValueError, TypeError):
        return None
    if not isinstance(claims, dict):
        return None
    for name in ('prt_id', 'prtId', 'organizationId'):
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def discover_organization(client, params, state, required=True):
    """Find the organization (Identity partition) for this login: token claim, then the portal endpoint.

    Returns the id, or None when ``required`` is false and nothing was found.
    """
    org = token_organization(client.ensure_token())
    if org:
        state.found_organization(org, 'access token claim prt_id')
        return org
    found = platform_url_parts(params['orchestrator_url'])
    if found:
        origin, org_name, dummy = found
        resp = client.request('GET', '%s/%s/portal_/api/filtering/leftnav/tenantsAndOrganizationInfo' % (
            origin, org_name), what='finding the organization (GET portal_ tenantsAndOrganizationInfo)')
        info = resp.data.get('organization') if isinstance(resp.data, dict) else None
        org = info.get('id') if isinstance(info, dict) else None
        if isinstance(org, str) and org:
            state.found_organization(org, 'portal tenantsAndOrganizationInfo')
            return org
    if not required:
        return None
    raise ValidationError('organization_id: not found (the access token has no prt_id claim and orchestrator_url '
                          'names no organization); give organization_id (the organization\'s GUID) or use the '
                          'https://{host}/{org}/{tenant}/orchestrator_ URL form, or use scope: host')


def make_client(params, scope, ctx, state):
    """Validate the connection options and build the client (login tenant ``Host`` for scope host)."""
    try:
        validate_connection_params(params)
    except OrchestratorError as exc:
        raise ValidationError(to_text(exc))
    params = derive_connection(params)
    login_tenant = 'Host' if scope == 'host' else params.get('tenant')
    client = OrchestratorClient(params, warn=ctx.warn, login_tenant=login_tenant, no_log_values=ctx.no_log_values)
    client.add_secret(params.get('password'))  # the SMTP password, scrubbed even if a server echoes it
    state.client = client
    return client


def resolve_api(client, params, scope, partition, state):
    """Return the settings API object for ``params['api']`` (auto probes Identity once).

    For the Identity API at tenant or organization scope without ``organization_id`` the organization is
    discovered after login; an explicit ``organization_id`` costs no extra request.
    """
    api = params.get('api') or 'auto'
    if partition:
        state.found_organization(partition, 'organization_id')
    if api == 'classic':
        chosen = ClassicSettingsAPI(client)
    elif api == 'identity' or scope == 'organization' or partition:
        if not partition and scope != 'host':
            partition = discover_organization(client, params, state)
        chosen = IdentitySettingsAPI(client, partition)
    else:
        chosen = _probe(client, params, scope, partition, state)
    state.api = chosen.name
    return chosen


def _probe(client, params, scope, partition, state):
    # One Identity read decides; its answer is kept, so detection costs one request only on a classic server.
    if not partition and scope != 'host':
        partition = discover_organization(client, params, state, required=False)
    identity = IdentitySettingsAPI(client, partition)
    try:
        identity._cached = identity.read()
    except OrchestratorError as exc:
        if exc.status == 404 and not getattr(exc, 'login_failed', False):
            state.found_organization(None, None)
            return ClassicSettingsAPI(client)
        if exc.status == 403:
            state.api = 'identity'  # the server has the Identity API; the login may not use it
        raise
    if scope != 'host' and not partition:
        discover_organization(client, params, state)  # raises the one-line explanation
    return identity


def identity_login_hint(exc, client, api_name):
    """A 403 from the Identity API for a tenant user's login: say where SMTP lives and the two ways in."""
    if (api_name == 'identity' and getattr(exc, 'status', None) == 403 and client is not None
            and client.auth_mode == 'ropc' and (client.login_tenant or '').lower() != 'host'):
        return OrchestratorError(
            '%s. On Orchestrator 2021.10 and later the SMTP settings live at host or organization level in '
            'Identity, which a tenant user\'s login cannot change: log in to tenant Host (the host admin) or use '
            'an external application with the PM.Setting scope (client_id/client_secret)' % to_text(exc).rstrip('.'),
            status=403)
    return exc


def effective_scope(api_obj, scope):
    """The scope actually written: classic keeps the task's; Identity is the partition in use (also a
    discovered one) or the host level."""
    if api_obj.name == 'classic':
        return scope
    return 'organization' if api_obj.partition else 'host'


def server_error_text(exc):
    """The server's own text of an error (for the SMTP test), else the whole message."""
    if getattr(exc, 'body', None):
        text = format_error_body(exc.body)
        if text:
            return one_line(text)
    return exc.msg if hasattr(exc, 'msg') else to_text(exc)


#: connection options where an empty string means "not given" (AWX injects unused credential fields as "")
BLANK_MEANS_UNSET = ('tenant', 'orchestrator_username', 'orchestrator_password', 'token', 'client_id',
                     'client_secret', 'organization_id', 'identity_url', 'ca_path')


def blank_means_unset(params):
    """Treat empty connection values as absent; an empty tenant is the default tenant."""
    for name in BLANK_MEANS_UNSET:
        if name in params and params[name] == '':
            params[name] = 'Default' if name == 'tenant' else None
    return params


def execute(task, params, ctx):
    """Run ``task.run(params, ctx, state)``; a handled error becomes a failure result (never a traceback)."""
    blank_means_unset(params)
    state = TaskState()
    try:
        result = task.run(params, ctx, state)
    except ValidationError as exc:
        return state.failure(exc)
    except OrchestratorError as exc:
        return state.failure(identity_login_hint(exc, state.client, state.api))
    if state.organization_id and result.get('api') == 'identity':
        result.update(organization_id=state.organization_id, organization_source=state.organization_source)
    return result


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

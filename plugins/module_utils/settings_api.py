# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read/write/test of the Mail settings through the classic or the Identity settings API.

Classic (Orchestrator <= 2020.10, API reference section 1):
  read  ``GET /odata/Settings?$filter=startswith(Name,'Abp.Net.Mail') or Name eq 'Alerts.Email.Enabled'``
  write one ``POST /odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk`` with the changed keys only
  test  ``POST /odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting``
  scope ``tenant`` = ROPC login into ``tenant``; ``host`` = ROPC login into tenant ``Host``.

Identity (2021.10+, Automation Suite, Cloud, API reference section 3):
  read  ``GET {identity_url}/api/Setting?key=...&partitionGlobalId=...`` (host: partition omitted)
  write one ``PUT {identity_url}/api/Setting`` ``{settings: [{key, value}], partitionGlobalId}``
  test  ``POST {identity_url}/api/Setting/VerifySmtpSettings`` with the classic body shape (the reference marks
        this body as open; this is a documented assumption).
  scope ``host`` = no partition; ``organization`` = ``organization_id``; ``tenant`` with ``organization_id``
  is treated as ``organization``.

API auto-detection (``api: auto``): the Identity read is tried once; HTTP 404 (from the token endpoint or the
settings endpoint) selects classic, anything else that succeeds selects Identity and the probe's answer is used
as the read (no extra request).
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
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.mail_settings import (
    CLASSIC_KEYS,
    IDENTITY_KEYS,
    ValidationError,
)

CLASSIC_FILTER = "startswith(Name,'Abp.Net.Mail') or Name eq 'Alerts.Email.Enabled'"
CLASSIC_UPDATE_BULK = '/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk'
CLASSIC_VERIFY = '/odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting'


class ClassicSettingsAPI(object):
    name = 'classic'
    keys = CLASSIC_KEYS

    def __init__(self, client):
        self.client = client

    def read(self):
        # Log in first: a rejected login is also a 400 and must not be taken for a rejected $filter
        # (that would repeat a failing login and bring an account lockout closer).
        self.client.ensure_token()
        try:
            resp = self.client.request('GET', '/odata/Settings', query={'$filter': CLASSIC_FILTER},
                                       what='reading the mail settings (GET /odata/Settings)')
        except OrchestratorError as exc:
            if exc.status != 400:
                raise
            # An Orchestrator that rejects the filter: read everything and filter locally.
            resp = self.client.request('GET', '/odata/Settings',
                                       what='reading the mail settings (GET /odata/Settings)')
        items = resp.data.get('value') if isinstance(resp.data, dict) else resp.data
        if not isinstance(items, list):
            raise OrchestratorError('reading the mail settings (GET /odata/Settings) returned an unexpected body '
                                    '(no "value" list)')
        wanted = set(CLASSIC_KEYS.values())
        out = {}
        for item in items:
            if isinstance(item, dict):
                name = item.get('Name', item.get('name', item.get('Id')))
                if name in wanted:
                    value = item.get('Value', item.get('value'))
                    out[name] = '' if value is None else to_text(value)
        return out

    def write(self, pairs):
        body = {'settings': [{'Name': k, 'Value': v} for k, v in pairs]}
        self.client.request('POST', CLASSIC_UPDATE_BULK, body=body, expect_json=False,
                            what='writing the mail settings (POST UpdateBulk)')

    def verify(self, recipient, model):
        body = {'sendTo': recipient, 'smtpSettingModel': model}
        return self.client.request('POST', CLASSIC_VERIFY, body=body, expect_json=False,
                                   what='sending the test mail (POST VerifySmtpSetting)')


class IdentitySettingsAPI(object):
    name = 'identity'
    keys = IDENTITY_KEYS

    def __init__(self, client, partition=None):
        self.client = client
        self.partition = partition or None
        self._cached = None

    def _url(self, suffix=''):
        return self.client.identity_url + '/api/Setting' + suffix

    def read(self):
        if self._cached is not None:
            cached, self._cached = self._cached, None
            return cached
        query = [('key', k) for k in IDENTITY_KEYS.values()]
        if self.partition:
            query.append(('partitionGlobalId', self.partition))
        resp = self.client.request('GET', self._url(), query=query,
                                   what='reading the mail settings (GET identity /api/Setting)')
        data = resp.data
        if isinstance(data, dict):
            data = data.get('value', data.get('settings', data.get('items')))
        if data is None:
            data = []
        if not isinstance(data, list):
            raise OrchestratorError('reading the mail settings (GET identity /api/Setting) returned an unexpected '
                                    'body (no list of settings)')
        wanted = set(IDENTITY_KEYS.values())
        out = {}
        exact = {}
        for item in data:
            if not isinstance(item, dict):
                continue
            key = item.get('key', item.get('Key'))
            if key not in wanted:
                continue
            value = item.get('value', item.get('Value'))
            value = '' if value is None else to_text(value)
            part = item.get('partitionGlobalId', item.get('PartitionGlobalId')) or None
            if item.get('userId') or item.get('UserId'):
                continue  # per-user values are not the mail settings
            out.setdefault(key, value)
            if (part or None) == self.partition or (part and self.partition and part.lower() == self.partition.lower()):
                exact[key] = value
        out.update(exact)  # the partition's own value wins over an inherited one
        return out

    def write(self, pairs):
        body = {'settings': [{'key': k, 'value': v} for k, v in pairs]}
        if self.partition:
            body['partitionGlobalId'] = self.partition
        self.client.request('PUT', self._url(), body=body, expect_json=False,
                            what='writing the mail settings (PUT identity /api/Setting)')

    def verify(self, recipient, model):
        body = {'sendTo': recipient, 'smtpSettingModel': model}
        if self.partition:
            body['partitionGlobalId'] = self.partition
        return self.client.request('POST', self._url('/VerifySmtpSettings'), body=body, expect_json=False,
                                   what='sending the test mail (POST identity /api/Setting/VerifySmtpSettings)')


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


def make_client(module, scope):
    """Validate connection options and build the client (login tenant ``Host`` for scope host)."""
    params = module.params
    validate_connection_params(params)
    login_tenant = 'Host' if scope == 'host' else params.get('tenant')
    client = OrchestratorClient(params, warn=module.warn, login_tenant=login_tenant,
                                no_log_values=module.no_log_values)
    client.add_secret(params.get('password'))  # the SMTP password, scrubbed even if a server echoes it
    return client


def resolve_api(client, params, scope, partition):
    """Return the settings API object for ``params['api']`` (auto probes Identity once)."""
    api = params.get('api') or 'auto'
    if api == 'classic':
        return ClassicSettingsAPI(client)
    identity = IdentitySettingsAPI(client, partition)
    if api == 'identity' or scope == 'organization' or partition:
        return identity
    # (an organization_id means the Identity API: no probe needed.) Otherwise one read decides; it is kept,
    # so detection costs one request only on a classic server.
    try:
        identity._cached = identity.read()
    except OrchestratorError as exc:
        if exc.status == 404:
            return ClassicSettingsAPI(client)
        raise
    if scope == 'tenant' and not partition:
        raise ValidationError('organization_id: required for scope: tenant because this server uses the Identity '
                              'settings API (settings are per organization there); give organization_id or use '
                              'scope: host')
    return identity


def server_error_text(exc):
    """The server's own text of an error (for the SMTP test), else the whole message."""
    if getattr(exc, 'body', None):
        text = format_error_body(exc.body)
        if text:
            return one_line(text)
    return exc.msg if hasattr(exc, 'msg') else to_text(exc)


def run_and_exit(module, run):
    """Call ``run(module, state)`` and exit with its result; on a handled error fail with one scrubbed line.

    ``run`` records the client (``state['client']``) and the chosen API (``state['api']``) as soon as it has
    them, so a failure still reports the request count and the API, and never carries a secret.
    """
    state = {}
    try:
        result = run(module, state)
    except (ValidationError, OrchestratorError) as exc:
        client = state.get('client')
        msg = str(exc)
        extra = {}
        if client is not None:
            msg = client.scrub(msg)
            extra['http_requests'] = client.request_count
        if state.get('api'):
            extra['api'] = state['api']
        module.fail_json(msg=msg, changed=False, **extra)
    module.exit_json(**result)

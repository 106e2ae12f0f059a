# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read/write/test of the Mail settings through the classic or the Identity settings API.

Classic (Orchestrator <= 2020.10, docs/API.md "Classic settings API"):
  read  ``GET /odata/Settings?$filter=startswith(Name,'Abp.Net.Mail') or Name eq 'Alerts.Email.Enabled'``
  write one ``POST /odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk`` with the changed keys only
  test  ``POST /odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting`` (``{sendTo}`` alone: the saved
        settings; with ``smtpSettingModel``: those values, unsaved)
  delete ``POST /odata/Settings/UiPath.Server.Configuration.OData.DeleteBulk`` ``{"settingNames": [...]}`` (tenant)
  scope ``tenant`` = ROPC login into ``tenant``; ``host`` = ROPC login into tenant ``Host``.

Identity (2021.10+, Automation Suite, Cloud, docs/API.md "Identity settings API"):
  read  ``GET {identity_url}/api/Setting?key=...&partitionGlobalId=...`` (host: partition omitted)
  write one ``PUT {identity_url}/api/Setting`` ``{settings: [{key, value}], partitionGlobalId}``
  test  ``POST {identity_url}/api/Setting/VerifySmtpSettings`` ``{recipient, smtpSettings: {host, port, userName,
        password, domain, enableSsl, useDefaultCredentials, fromAddress, fromDisplayName}}`` (no partition field:
        the partition comes from the token / URL form); ``{recipient}`` alone tests the saved settings.
  delete read the partition's own rows of the keys, then ``DELETE {identity_url}/api/Setting/{id}`` per row (204).
  scope ``host`` = no partition; ``organization`` = ``organization_id``; ``tenant`` with ``organization_id``
  is treated as ``organization``.
  rows  only rows whose ``partitionGlobalId`` is the requested partition (case-insensitive; host = null or
        empty) are the partition's own values; host rows read for an organization are kept apart as
        ``inherited``; rows of another organization and per-user rows are ignored.

API auto-detection (``api: auto``): the Identity read is tried once; HTTP 404 (from the token endpoint or the
settings endpoint) selects classic, anything else that succeeds selects Identity and the probe's answer is used
as the read (no extra request).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._errors import (
    OrchestratorError,
    format_error_body,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._mail_fields import (
    CLASSIC_KEYS,
    IDENTITY_KEYS,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._journal import journal_for

CLASSIC_FILTER = "startswith(Name,'Abp.Net.Mail') or Name eq 'Alerts.Email.Enabled'"
CLASSIC_UPDATE_BULK = '/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk'
CLASSIC_DELETE_BULK = '/odata/Settings/UiPath.Server.Configuration.OData.DeleteBulk'
CLASSIC_VERIFY = '/odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting'

# Test-mail model (classic SmtpSettingModel field names) -> Identity VerifySmtpSettings ``smtpSettings`` fields
IDENTITY_VERIFY_FIELDS = (
    ('Host', 'host'), ('Port', 'port'), ('UserName', 'userName'), ('Password', 'password'), ('Domain', 'domain'),
    ('EnableSsl', 'enableSsl'), ('UseDefaultCredentials', 'useDefaultCredentials'),
    ('DefaultFromAddress', 'fromAddress'), ('DefaultFromDisplayName', 'fromDisplayName'),
)


#: Identity rows a reset deletes first: the credentials. Whatever a failure leaves behind then sends no user name
#: or password to a server the organization inherits from the host.
IDENTITY_DELETE_FIRST = ('Email.Smtp.Password', 'Email.Smtp.UserName', 'Email.Smtp.Domain')


def no_delete_bulk_error(body=None):
    """The refusal of ``state: absent`` on a classic server without DeleteBulk (the same in check mode)."""
    return OrchestratorError('state=absent: this Orchestrator has no DeleteBulk endpoint (HTTP 404; it came with Web '
                             'API v15, Orchestrator 2022.10), so its tenant values cannot be deleted through the '
                             'API; nothing was changed', status=404, body=body)


def _journaled(client, action, request, keys, call):
    """Run the request ``call``; record it in the run's write journal (keys only, never values)."""
    journal = journal_for(client)
    try:
        answer = call()
    except OrchestratorError as exc:
        journal.record_failure(action, request, keys, exc)
        raise
    journal.record(action, request, keys)
    return answer


def _empty_answer(what):
    return OrchestratorError('%s returned an empty answer (HTTP 2xx without a body); the settings could not be '
                             'read' % what)


class ClassicSettingsAPI(object):
    name = 'classic'
    keys = CLASSIC_KEYS

    def __init__(self, client):
        self.client = client

    def read(self):
        """The stored mail settings ``{key: value}``; may be called any number of times."""
        what = 'reading the mail settings (GET /odata/Settings)'
        # Log in first: a rejected login is also a 400 and must not be taken for a rejected $filter
        # (that would repeat a failing login and bring an account lockout closer).
        self.client.ensure_token()
        try:
            resp = self.client.request('GET', '/odata/Settings', query={'$filter': CLASSIC_FILTER}, what=what)
        except OrchestratorError as exc:
            if exc.status != 400 or getattr(exc, 'login_failed', False):
                raise
            # An Orchestrator that rejects the filter: read everything and filter locally.
            resp = self.client.request('GET', '/odata/Settings', what=what)
        if resp.data is None:
            raise _empty_answer(what)
        items = resp.data.get('value') if isinstance(resp.data, dict) else resp.data
        if not isinstance(items, list):
            raise OrchestratorError('%s returned an unexpected body (no "value" list)' % what)
        wanted = set(CLASSIC_KEYS.values())
        out = {}
        for item in items:
            if isinstance(item, dict):
                name = item.get('Name', item.get('name', item.get('Id')))
                if name in wanted:
                    value = item.get('Value', item.get('value'))
                    out[name] = '' if value is None else to_text(value)
        return out

    def effective(self):
        """What applies to the tenant: a classic read already answers the effective values."""
        return self.read()

    def write(self, pairs):
        body = {'settings': [{'Name': k, 'Value': v} for k, v in pairs]}
        _journaled(self.client, 'write', 'POST UpdateBulk', [k for k, dummy in pairs],
                   lambda: self.client.request('POST', CLASSIC_UPDATE_BULK, body=body, expect_json=False,
                                               what='writing the mail settings (POST UpdateBulk)',
                                               idempotent=True))  # the same values again: safe to repeat

    def delete_supported(self):
        """Whether this server has DeleteBulk (Web API 15+), asked without deleting anything (check mode).

        A GET of the action's path: 404 = no such endpoint (the answer the real POST gets on such a server), any
        other answer (405 for a POST-only action, as ASP.NET Web API answers) = the endpoint exists. Inferred from
        how ASP.NET routes an action, as the emulator reproduces it.
        """
        self.client.ensure_token()
        try:
            self.client.request('GET', CLASSIC_DELETE_BULK, expect_json=False,
                                what='checking for DeleteBulk (GET, check mode)')
        except OrchestratorError as exc:
            if getattr(exc, 'login_failed', False) or exc.status in (None, 401, 403):
                raise
            return exc.status != 404
        return True

    def delete(self, keys):
        """Delete the tenant's values of ``keys`` (one DeleteBulk); returns the list of keys deleted."""
        keys = list(keys)
        if not keys:
            return []
        try:
            _journaled(self.client, 'delete', 'POST DeleteBulk', keys,
                       lambda: self.client.request('POST', CLASSIC_DELETE_BULK, body={'settingNames': keys},
                                                   expect_json=False, what='deleting the mail settings (POST DeleteBulk)',
                                                   idempotent=True))
        except OrchestratorError as exc:
            if exc.status != 404 or getattr(exc, 'login_failed', False):
                raise
            raise no_delete_bulk_error(exc.body)
        return keys

    def verify(self, recipient, model=None):
        """``model`` None tests the saved settings (``{"sendTo"}`` alone, docs/API.md "Testing the saved settings")."""
        body = {'sendTo': recipient}
        if model is not None:
            body['smtpSettingModel'] = model
        # a test mail is sent at most once: repeated only after answers that mean the server did not act
        return self.client.request('POST', CLASSIC_VERIFY, body=body, expect_json=False,
                                   what='sending the test mail (POST VerifySmtpSetting)', idempotent=False)


def _same_partition(a, b):
    a = (a or '').strip().lower() or None
    b = (b or '').strip().lower() or None
    return a == b


class IdentitySettingsAPI(object):
    name = 'identity'
    keys = IDENTITY_KEYS

    def __init__(self, client, partition=None):
        self.client = client
        self.partition = partition or None
        self._cached = None
        #: host values seen when reading an organization: explicitly inherited, never the org's own values
        self.inherited = {}
        self._own = None
        self._own_rows = None  # the partition's own rows (with ids) of the last read

    def _url(self, suffix=''):
        return self.client.identity_url + '/api/Setting' + suffix

    def saved_test_reaches_partition(self, token_organization):
        """Whether ``{recipient}`` alone tests this partition's saved settings: the body has no partition field,
        so the server takes the organization from the access token (claim ``prt_id``), else the host (inferred,
        docs/API.md "Testing the saved settings")."""
        return _same_partition(token_organization, self.partition)

    def _rows(self, keys):
        """The rows the server answers for ``keys`` in this partition (own, inherited or foreign)."""
        what = 'reading the mail settings (GET identity /api/Setting)'
        query = [('key', k) for k in keys]
        if self.partition:
            query.append(('partitionGlobalId', self.partition))
        resp = self.client.request('GET', self._url(), query=query, what=what)
        data = resp.data
        if data is None:
            raise _empty_answer(what)
        if isinstance(data, dict):
            data = data.get('value', data.get('settings', data.get('items')))
        if not isinstance(data, list):
            raise OrchestratorError('%s returned an unexpected body (no list of settings)' % what)
        rows = []
        for item in data:
            if not isinstance(item, dict):
                continue
            if item.get('userId') or item.get('UserId'):
                continue  # per-user values are not the mail settings
            key = item.get('key', item.get('Key'))
            if key not in keys:
                continue
            value = item.get('value', item.get('Value'))
            rows.append({'id': item.get('id', item.get('Id')), 'key': key,
                         'value': '' if value is None else to_text(value),
                         'partition': item.get('partitionGlobalId', item.get('PartitionGlobalId')) or None})
        return rows

    def read(self):
        """The partition's own mail settings ``{key: value}``; may be called any number of times.

        Host rows answered for an organization go to :attr:`inherited`; rows of another organization are ignored.
        """
        if self._cached is not None:
            cached, self._cached = self._cached, None
            self._own = dict(cached)
            return cached
        own, inherited, own_rows = {}, {}, []
        for row in self._rows(list(IDENTITY_KEYS.values())):
            if _same_partition(row['partition'], self.partition):
                own[row['key']] = row['value']
                own_rows.append(row)
            elif self.partition and row['partition'] is None:
                inherited.setdefault(row['key'], row['value'])
        self.inherited = inherited
        self._own = dict(own)
        self._own_rows = own_rows
        return own

    def effective(self):
        """What applies to the partition: inherited host values overlaid with its own (reads once if needed)."""
        own = self._own if self._own is not None else self.read()
        out = dict(self.inherited)
        out.update(own)
        return out

    def write(self, pairs):
        self._own_rows = None  # a write creates rows the last read did not see
        body = {'settings': [{'key': k, 'value': v} for k, v in pairs]}
        if self.partition:
            body['partitionGlobalId'] = self.partition
        try:
            _journaled(self.client, 'write', 'PUT identity /api/Setting', [k for k, dummy in pairs],
                       lambda: self.client.request('PUT', self._url(), body=body, expect_json=False,
                                                   what='writing the mail settings (PUT identity /api/Setting)'))
        except OrchestratorError as exc:
            if exc.status != 409:
                raise
            text = format_error_body(exc.body) if exc.body else ''
            raise OrchestratorError(
                'conflict: the server refused the write (PUT identity /api/Setting, HTTP 409%s); all %d settings '
                'were sent in that one request, so none of them was written - run again to re-read the current values'
                % ((': ' + text) if text else '', len(body['settings'])), status=409, body=exc.body)

    def delete(self, keys):
        """Delete the partition's own rows of ``keys`` (DELETE per row id); returns the list of keys deleted.

        The credentials go first (password, user name, domain): a failure midway leaves no credential that the
        organization would send to the relay it inherits from the host. Each DELETE is recorded in the write
        journal as it succeeds, so a failure reports what was already deleted.
        """
        keys = list(keys)
        if not keys:
            return []
        deleted = []
        # The rows (and their ids) of the last read, else one read of the keys' rows.
        rows = self._own_rows if self._own_rows is not None else self._rows(keys)
        rows = [row for row in rows
                if row['key'] in keys and _same_partition(row['partition'], self.partition)]
        # (an inherited host row or another organization's row is not this partition's)
        for row in rows:
            if row['id'] is None or not to_text(row['id']).strip():
                raise OrchestratorError('deleting the mail settings: the server listed %s without an id, so it '
                                        'cannot be deleted; nothing was deleted' % row['key'])
        order = list(IDENTITY_DELETE_FIRST) + [k for k in IDENTITY_KEYS.values() if k not in IDENTITY_DELETE_FIRST]
        rows.sort(key=lambda row: order.index(row['key']) if row['key'] in order else len(order))
        for row in rows:
            url = self._url('/%s' % to_text(row['id']).strip())
            what = 'deleting the mail setting %s (DELETE identity /api/Setting/{id})' % row['key']
            try:
                _journaled(self.client, 'delete', 'DELETE identity /api/Setting/{id}', [row['key']],
                           lambda url=url, what=what: self.client.request('DELETE', url, expect_json=False,
                                                                          what=what))
            except OrchestratorError as exc:
                if exc.status != 404:
                    raise
                continue  # already gone
            if row['key'] not in deleted:
                deleted.append(row['key'])
        self._own_rows = None  # what the last read saw is no longer what is stored
        return deleted

    def verify(self, recipient, model=None):
        """``model`` None tests the saved settings (``{"recipient"}`` alone, docs/API.md "Testing the saved settings")."""
        body = {'recipient': recipient}
        if model is not None:
            body['smtpSettings'] = dict((field, model.get(name)) for name, field in IDENTITY_VERIFY_FIELDS)
        return self.client.request('POST', self._url('/VerifySmtpSettings'), body=body, expect_json=False,
                                   what='sending the test mail (POST identity /api/Setting/VerifySmtpSettings)',
                                   idempotent=False)

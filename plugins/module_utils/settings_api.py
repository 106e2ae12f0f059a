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
    OrchestratorError,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.mail_settings import (
    CLASSIC_KEYS,
    IDENTITY_KEYS,
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

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The "Enable email alerts" toggle of an Orchestrator tenant on Identity-era servers (2021.10+).

From 2021.10 the SMTP server moved to the Identity settings, but UiPath's docs for 2021.10-2023.4 still tell admins
to tick "Enable Alerts Email" in the Orchestrator tenant's Settings > General page: the toggle stayed in
Orchestrator's own settings store (``/odata/Settings`` of the tenant). Its key after 2020.10 is not documented;
``Alerts.Email.Enabled`` (the 2020.10 key) is inferred, so the key is an option (``alerts_key``). See docs/API.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._errors import (
    OrchestratorError,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._journal import journal_for

DEFAULT_ALERTS_KEY = 'Alerts.Email.Enabled'
UPDATE_BULK = '/odata/Settings/UiPath.Server.Configuration.OData.UpdateBulk'


class TenantAlertsToggle(object):
    def __init__(self, client, key=DEFAULT_ALERTS_KEY):
        self.client = client
        self.key = key

    def read(self):
        """True/False as stored for the tenant, or None when the tenant has no such setting."""
        what = 'reading the tenant alerts toggle %s (GET /odata/Settings)' % self.key
        resp = self.client.request('GET', '/odata/Settings', query={'$filter': "Name eq '%s'" % self.key}, what=what)
        items = resp.data.get('value') if isinstance(resp.data, dict) else None
        if not isinstance(items, list):
            raise OrchestratorError('%s returned an unexpected body (no "value" list)' % what)
        for item in items:
            if isinstance(item, dict) and item.get('Name', item.get('name')) == self.key:
                return to_text(item.get('Value', item.get('value'))).strip().lower() == 'true'
        return None

    def write(self, enabled):
        body = {'settings': [{'Name': self.key, 'Value': 'true' if enabled else 'false'}]}
        journal = journal_for(self.client)
        try:
            self.client.request('POST', UPDATE_BULK, body=body, expect_json=False, idempotent=True,
                                what='writing the tenant alerts toggle %s (POST UpdateBulk)' % self.key)
        except OrchestratorError as exc:
            journal.record_failure('write', 'POST UpdateBulk (tenant alerts)', [self.key], exc, alerts_key=self.key)
            raise
        journal.record('write', 'POST UpdateBulk (tenant alerts)', [self.key], alerts_key=self.key)

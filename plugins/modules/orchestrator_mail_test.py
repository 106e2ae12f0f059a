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
  - Asks Orchestrator to send a test mail to O(test_recipient) (classic
    C(POST /odata/Settings/UiPath.Server.Configuration.OData.VerifySmtpSetting), Identity
    C(POST {identity_url}/api/Setting/VerifySmtpSettings)). Nothing is saved.
  - With only O(test_recipient) (no SMTP option, no O(authentication)) Orchestrator tests its B(saved) settings, stored
    password included, as UiPath's CLI C(uip admin smtp test --recipient) does - no read and no password needed. On
    the Identity API that body has no partition, so when the access token does not name the organization of O(scope),
    the stored values are tested as custom settings instead (RV(tested) is V(stored)).
  - With any SMTP option given it tests those values (B(custom)), the others taken from the stored settings (one read);
    the stored password cannot be read, so O(password) is required when the values log in (a user name without
    default credentials), not for a relay without login.
  - The classic body is C({sendTo[, smtpSettingModel]}); the Identity body is C({recipient[, smtpSettings]}) with
    camelCase SMTP fields, as UiPath's API description of VerifySmtpSettings gives it (docs/API.md).
  - Never reports C(changed). Fails with the server's SMTP error text when the mail is not accepted.
author:
  - infraops team (@infraops)
extends_documentation_fragment:
  - infraops.uipath_orchestrator.orchestrator
  - infraops.uipath_orchestrator.orchestrator.MAIL_FIELDS
  - infraops.uipath_orchestrator.attributes
  - infraops.uipath_orchestrator.attributes.ACTION_GROUP
  - infraops.uipath_orchestrator.attributes.ACTION
attributes:
  check_mode:
    support: partial
    details:
      - In check mode the options are validated and the settings read, but no mail is sent; RV(accepted) is V(false).
  diff_mode:
    support: N/A
    details:
      - Changes nothing, nothing to diff.
options:
  test_recipient:
    description:
      - E-mail address the test mail is sent to. The same name in every module of the collection; V(recipient) is
        kept as an alias.
    type: str
    required: true
    aliases: [recipient]
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
- name: Does the mail Orchestrator has saved work right now? (no SMTP password needed)
  infraops.uipath_orchestrator.orchestrator_mail_test:
    orchestrator_url: https://orch.example.com
    orchestrator_username: admin
    orchestrator_password: "{{ orchestrator_admin_password }}"
    test_recipient: ops@example.com

- name: Test a new SMTP password before saving it (custom test; other fields from the stored settings)
  infraops.uipath_orchestrator.orchestrator_mail_test:
    orchestrator_url: https://orch.example.com
    orchestrator_username: admin
    orchestrator_password: "{{ orchestrator_admin_password }}"
    test_recipient: ops@example.com
    password: "{{ smtp_password }}"

- name: Test a relay without login before saving it
  infraops.uipath_orchestrator.orchestrator_mail_test:
    orchestrator_url: https://orch.example.com
    orchestrator_username: admin
    orchestrator_password: "{{ orchestrator_admin_password }}"
    test_recipient: ops@example.com
    authentication: none
    host: relay.example.local
    port: 25
    enable_ssl: true
    from_address: orchestrator@example.local
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
  description: The recipient of the test mail (O(test_recipient)).
  returned: success
  type: str
  sample: ops@example.com
tested:
  description:
    - What was tested - V(saved) (the instance's saved settings), V(custom) (the given values over the stored ones)
      or V(stored) (the stored values sent as custom settings, when a saved-settings test could not reach the
      organization).
  returned: success
  type: str
  sample: saved
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

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import test_mail_task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.task_support import run_as_module


def main():
    run_as_module(test_mail_task)


if __name__ == '__main__':
    main()

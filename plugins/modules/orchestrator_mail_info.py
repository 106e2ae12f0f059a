#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: orchestrator_mail_info
short_description: Read the Mail (SMTP) settings of UiPath Orchestrator
version_added: 1.0.0
description:
  - Returns the current Mail (SMTP) settings of a UiPath Orchestrator tenant or host (classic API) or of an
    organization or the host (Identity API), keyed by the option names of
    M(infraops.uipath_orchestrator.orchestrator_mail_settings).
  - The SMTP password is never returned; it is shown as C(********) when one is stored.
  - Never changes anything.
author:
  - infraops team (@infraops)
extends_documentation_fragment:
  - infraops.uipath_orchestrator.orchestrator
  - infraops.uipath_orchestrator.attributes
  - infraops.uipath_orchestrator.attributes.ACTION_GROUP
  - infraops.uipath_orchestrator.attributes.ACTION
attributes:
  check_mode:
    support: full
    details:
      - Read-only; behaves the same in check mode.
  diff_mode:
    support: N/A
    details:
      - Read-only, nothing to diff.
options:
  scope:
    description:
      - Which settings to read; see M(infraops.uipath_orchestrator.orchestrator_mail_settings) for the meaning.
    type: str
    choices: [tenant, organization, host]
    default: tenant
seealso:
  - module: infraops.uipath_orchestrator.orchestrator_mail_settings
'''

EXAMPLES = r'''
- name: Read the tenant's mail settings
  infraops.uipath_orchestrator.orchestrator_mail_info:
    orchestrator_url: https://orch.example.com
    orchestrator_username: admin
    orchestrator_password: "{{ orchestrator_admin_password }}"
  register: mail

- name: Show the SMTP server
  ansible.builtin.debug:
    msg: "{{ mail.settings.host }}:{{ mail.settings.port }} (API {{ mail.api }})"
'''

RETURN = r'''
settings:
  description:
    - Current settings keyed by option name; keys that are not stored are V(null).
    - The password is C(********) when set and C("") when empty. V(enable_alerts) exists only for the classic API,
      V(connection_timeout) only for the Identity API.
  returned: success
  type: dict
  sample:
    enable_alerts: true
    use_default_credentials: false
    enable_ssl: true
    host: smtp.gmail.com
    port: 587
    domain: ""
    username: robots@example.com
    password: "********"
    from_address: robots@example.com
    from_display_name: Orchestrator
api:
  description: The settings API used (V(classic) or V(identity)).
  returned: success
  type: str
  sample: classic
scope:
  description: The effective scope (V(tenant), V(organization) or V(host)).
  returned: success
  type: str
  sample: tenant
http_requests:
  description: Number of HTTP requests sent (logins and retries included).
  returned: always
  type: int
  sample: 2
'''

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import info_task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.task_support import run_as_module


def main():
    run_as_module(info_task)


if __name__ == '__main__':
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: smtp_mail_apply
short_description: Internal - the task of the role smtp_mail (not for direct use)
version_added: 2.0.0
description:
  - B(Internal to the role) C(infraops.uipath_orchestrator.smtp_mail); its interface may change without notice. Use
    the role, or M(infraops.uipath_orchestrator.orchestrator_mail_settings) in your own tasks.
  - Reads the role's C(smtp_mail_*) variables of the host (their defaults from the role's C(meta/argument_specs.yml)),
    resolves the C(smtp_mail_provider) preset, and runs M(infraops.uipath_orchestrator.orchestrator_mail_settings)
    with them in the Ansible worker. A failure is one line naming the role variable to fix.
  - The first host of the play warns once about every C(smtp_mail_*) variable of any host of the play that is not a
    variable of the role, naming the closest known one.
  - Runs only as an action plugin on the controller.
author:
  - infraops team (@infraops)
extends_documentation_fragment:
  - infraops.uipath_orchestrator.attributes
  - infraops.uipath_orchestrator.attributes.ACTION
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
options:
  mode:
    description:
      - V(apply) sets the settings (or, with the role variable C(smtp_mail_test_only=true), only asks Orchestrator
        to send its test mail with the saved settings, to C(smtp_mail_test_recipient)).
      - V(drift) compares in check mode without test mail and returns the instance's drift record; never fails.
      - V(test_only) as C(smtp_mail_test_only=true).
    type: str
    choices: [apply, drift, test_only]
    default: apply
seealso:
  - module: infraops.uipath_orchestrator.orchestrator_mail_settings
'''

EXAMPLES = r'''
# Used by roles/smtp_mail/tasks/main.yml; the variables come from the inventory.
- name: Orchestrator mail settings
  infraops.uipath_orchestrator.smtp_mail_apply:
'''

RETURN = r'''
msg:
  description: The instance's summary line (apply) or its drift status (drift).
  returned: always
  type: str
  sample: "orch01: api=classic scope=tenant changed=[] test mail: not sent (no change)"
drift_record:
  description: The instance's drift-report record (masked values only).
  returned: mode is drift
  type: dict
  sample: {instance: orch01, status: in_sync, drift: []}
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    spec = dict(mode=dict(type='str', default='apply', choices=['apply', 'drift', 'test_only']))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    module.fail_json(msg='smtp_mail_apply runs only as an action plugin on the controller (role smtp_mail)')


if __name__ == '__main__':
    main()

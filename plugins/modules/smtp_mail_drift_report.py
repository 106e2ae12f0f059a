#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: smtp_mail_drift_report
short_description: Internal - writes the drift report of the role smtp_mail (not for direct use)
version_added: 2.0.0
description:
  - B(Internal to the role) C(infraops.uipath_orchestrator.smtp_mail) (entry point C(drift)); its interface may
    change without notice. Use C(playbooks/drift_report.yml).
  - Run once; writes C(drift-report.json), C(drift-report.md) and C(drift-report.xml) (JUnit) with one record per
    host of the play, also for hosts that failed before the drift check or were unreachable. Control characters are
    removed, Markdown and HTML are escaped, the XML is escaped.
  - Runs only as an action plugin on the controller. Reports C(changed=false), as it writes nothing to Orchestrator.
author:
  - infraops team (@infraops)
extends_documentation_fragment:
  - infraops.uipath_orchestrator.attributes
  - infraops.uipath_orchestrator.attributes.ACTION
attributes:
  check_mode:
    support: none
    details:
      - The files are written in check mode too (the drift check itself never writes).
  diff_mode:
    support: none
options:
  dir:
    description: Directory of the files; default the role variable C(smtp_mail_drift_report_dir).
    type: path
  fail_on_drift:
    description: Fail, naming the drifted hosts, when an instance drifted or could not be checked; default the role
      variable C(smtp_mail_fail_on_drift).
    type: bool
'''

EXAMPLES = r'''
# Used by roles/smtp_mail/tasks/drift.yml.
- name: Write the drift report
  infraops.uipath_orchestrator.smtp_mail_drift_report:
  run_once: true
'''

RETURN = r'''
totals:
  description: Counts of instances, in sync, drifted and not checked.
  returned: always
  type: dict
  sample: {instances: 3, in_sync: 1, drifted: 1, failed: 1}
files:
  description: The paths written.
  returned: always
  type: list
  elements: str
  sample: [/tmp/drift-report.json, /tmp/drift-report.md, /tmp/drift-report.xml]
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(dir=dict(type='path'), fail_on_drift=dict(type='bool')),
                           supports_check_mode=False)
    module.fail_json(msg='smtp_mail_drift_report runs only as an action plugin on the controller (role smtp_mail)')


if __name__ == '__main__':
    main()

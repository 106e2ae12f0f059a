# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


# Module attributes shared by the collection's modules, as in community.general's _attributes.py: a module extends
# these fragments and sets only `support` (and `details`) of check_mode and diff_mode in its own `attributes`.
class ModuleDocFragment(object):

    # check_mode / diff_mode descriptions and the platform, for every module
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: all
    details:
      - Runs wherever the task executes (usually the controller) and talks HTTP(S) to the Orchestrator.
'''

    # membership in the action group `orchestrator` (meta/runtime.yml)
    ACTION_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/infraops.uipath_orchestrator.orchestrator) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - infraops.uipath_orchestrator.orchestrator
'''

    # a same-named action plugin runs the module in the Ansible worker (plugins/action/, plugin_utils/task_action.py)
    ACTION = r'''
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - The action plugin runs the module inside the Ansible worker process, in the controller's Python, without
        starting a module process. Results, check mode, diff mode and no_log censoring are the same as with a
        module process.
notes:
  - With a local connection (the usual case, also C(delegate_to=localhost)) the module runs in the controller's
    Python inside the Ansible worker process, so C(ansible_python_interpreter) is not used and no interpreter is
    discovered. With any other connection (for example C(delegate_to) a remote host), with C(become) or with
    C(async) it runs as a normal module process on the target.
'''

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The orchestrator_mail_info task: read the Mail settings (password shown only as set or not)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._connection import (
    ORCHESTRATOR_ARGUMENT_SPEC,
    connect,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.mail_settings import (
    decode_settings,
    display,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._task_contract import Task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.task_support import (
    CONNECTION_RULES,
    SCOPE_OPTION,
    effective_scope,
)

RULES = CONNECTION_RULES


def argument_spec():
    spec = dict(ORCHESTRATOR_ARGUMENT_SPEC)
    spec.update(scope=dict(SCOPE_OPTION))
    return spec


def run(params, ctx, state):
    scope = params['scope']
    client, api_obj = connect(params, scope, ctx, state)
    current, password_set = decode_settings(api_obj.read(), api_obj.name)
    return dict(changed=False, settings=display(current, api_obj.name, password_set), api=api_obj.name,
                scope=effective_scope(api_obj, scope), http_requests=client.request_count)


#: the orchestrator_mail_info task, run by its action plugin and by the module's main()
TASK = Task('orchestrator_mail_info', argument_spec, run, rules=RULES)

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The orchestrator_mail_info task: read the Mail settings (password shown only as set or not)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.orchestrator_client import (
    ORCHESTRATOR_ARGUMENT_SPEC,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.mail_settings import (
    decode_settings,
    display,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.task_support import (
    CONNECTION_RULES,
    SCOPE_OPTION,
    check_scope,
    effective_scope,
    make_client,
    resolve_api,
)

RULES = CONNECTION_RULES


def argument_spec():
    spec = dict(ORCHESTRATOR_ARGUMENT_SPEC)
    spec.update(scope=dict(SCOPE_OPTION))
    return spec


def run(params, ctx, state):
    scope = params['scope']
    partition = check_scope(params, scope)
    client = make_client(params, scope, ctx, state)
    api_obj = resolve_api(client, params, scope, partition, state)
    current, password_set = decode_settings(api_obj.read(), api_obj.name)
    return dict(changed=False, settings=display(current, api_obj.name, password_set), api=api_obj.name,
                scope=effective_scope(api_obj, scope), http_requests=client.request_count)

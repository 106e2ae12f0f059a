# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every task of the collection shares, whoever runs it.

A task is a plain function ``run(params, ctx)`` over validated parameters that returns the result dict or
raises :class:`ValidationError` (bad input) or ``OrchestratorError`` (the server or the network). Two runners
call it: the module's ``main()`` (:func:`run_as_module`, a normal module process) and the collection's action
plugins (``plugin_utils/task_action.py``, inside the Ansible worker). Both give the same result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._connection import (
    blank_means_unset,
    identity_login_hint,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._errors import (
    OrchestratorError,
    format_error_body,
    one_line,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._secrets import scrub_data
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._validation import (
    ValidationError,
    check_rules,
    label_text,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._journal import WriteJournal, journal_for, report
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._task_contract import as_task

#: Rules the argument spec states for the connection options (checked before any request).
CONNECTION_RULES = dict(
    required_together=[['client_id', 'client_secret'], ['orchestrator_username', 'orchestrator_password']],
)
SCOPE_OPTION = dict(type='str', default='tenant', choices=['tenant', 'organization', 'host'])


class TaskContext(object):
    """How a task runs: check mode, diff mode, where warnings go, and the set of values to censor."""

    def __init__(self, check_mode=False, diff=False, warn=None, no_log_values=None, option_names=None):
        self.check_mode = bool(check_mode)
        # option -> the caller's name for it (the role's variables): failures are worded with these names
        self.option_names = option_names
        self.diff = bool(diff)
        self.warnings = []
        self._warn = warn
        self.no_log_values = no_log_values if no_log_values is not None else set()

    def warn(self, msg):
        if self._warn is not None:
            self._warn(msg)
        else:
            self.warnings.append(msg)


class TaskState(object):
    """What a task has set up so far, so a failure can still report it (request count, API)."""

    def __init__(self):
        self.client = None
        self.api = None
        self.organization_id = None  # the Identity partition once known ...
        self.organization_source = None  # ... and how it was found

    def found_organization(self, organization_id, source):
        self.organization_id, self.organization_source = organization_id, source

    @property
    def journal(self):
        """The write journal of this run (None before a client exists: nothing can have been written)."""
        return journal_for(self.client)

    def failure(self, exc, writes=True):
        """The failure result for a handled error: one scrubbed line, the request count, the API, and from the
        write journal ``changed`` and what this run wrote or deleted before the failure."""
        msg = to_text(exc)
        journal = (self.journal or WriteJournal()) if writes else None
        if journal is not None and journal.summary():
            msg = '%s (%s)' % (msg.rstrip(), journal.summary())
        msg = one_line(msg, 2000)
        extra = dict(failed=True, changed=False)
        if self.client is not None:
            msg = self.client.scrub(msg)
            extra['http_requests'] = self.client.request_count
        if self.api:
            extra['api'] = self.api
        extra['msg'] = msg
        return report(extra, journal, failed=True)


def effective_scope(api_obj, scope):
    """The scope actually written: classic keeps the task's; Identity is the partition in use (also a
    discovered one) or the host level."""
    if api_obj.name == 'classic':
        return scope
    return 'organization' if api_obj.partition else 'host'


def server_error_text(exc):
    """The server's own text of an error (for the SMTP test), else the whole message."""
    if getattr(exc, 'body', None):
        text = format_error_body(exc.body)
        if text:
            return one_line(text)
    return exc.msg if hasattr(exc, 'msg') else to_text(exc)


def execute(task, params, ctx):
    """Run the task (a ``Task`` or a task module); a handled error becomes a failure result (never a traceback).

    The task's rules are checked first (``_validation.check_rules``); every result of a task that writes carries
    ``changed`` and what was written or deleted, from the write journal, on success and on failure.
    """
    task = as_task(task)
    blank_means_unset(params)
    state = TaskState()
    try:
        check_rules(task.rules, params)
        result = task.run(params, ctx, state)
    except ValidationError as exc:
        return state.failure(exc.render(ctx.option_names), task.writes)
    except OrchestratorError as exc:
        exc = identity_login_hint(exc, state.client, state.api)
        return state.failure(label_text(to_text(exc), ctx.option_names), task.writes)
    if state.organization_id and result.get('api') == 'identity':
        result.update(organization_id=state.organization_id, organization_source=state.organization_source)
    if task.writes:
        report(result, state.journal or WriteJournal())
    return result


def run_as_module(task):
    """``main()`` of a module: the same task as the action plugin, in a module process."""
    from ansible.module_utils.basic import AnsibleModule

    task = as_task(task)
    module = AnsibleModule(argument_spec=task.argument_spec(), supports_check_mode=True, **task.core_rules)
    ctx = TaskContext(check_mode=module.check_mode, diff=module._diff, warn=module.warn,
                      no_log_values=module.no_log_values)
    # every output path through the one scrubber (every encoded form), before ansible's own remove_values
    result = scrub_data(execute(task, module.params, ctx), ctx.no_log_values)
    if result.get('failed'):
        result.pop('failed')
        module.fail_json(**result)
    module.exit_json(**result)

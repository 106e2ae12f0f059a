# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base of the collection's action plugins: run the task in the Ansible worker, through public APIs only.

The modules only talk HTTP(S) to Orchestrator, so with a local connection the worker can call the task's
function (``module_utils/*_task.py``) directly instead of starting a module process (which costs more CPU than
the whole task). What a module process would do is done here with public ansible-core APIs that have the same
signature from 2.16 on:

* arguments: ``self._task.args`` (module_defaults already applied by the executor), environment-variable
  fallbacks read from the task's ``environment:`` merged over the worker's environment, then
  ``ArgumentSpecValidator`` with the module's argument spec and rules;
* ``no_log``: every value of a ``no_log`` option and every secret the client learns (tokens) is censored in the
  whole result, in every encoded form, by the collection's one scrubber (``module_utils/_secrets.py``);
* check mode, diff mode and warnings from the play context; the result carries ``invocation.module_args``.

When the task must run elsewhere (a connection other than local, for example ``delegate_to`` a remote host,
``become`` or ``async``) the module runs as a normal module process through ``_execute_module``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.errors import RequiredError, UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._connection import ENV_VARS, apply_env_fallbacks
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._errors import one_line
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._secrets import scrub_data
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.task_support import (
    TaskContext,
    execute,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._task_contract import as_task

_LOCAL_TRANSPORTS = ('local', 'ansible.builtin.local', 'ansible.legacy.local')


class TaskAction(ActionBase):
    """Subclasses set TASK to the task (``_task_contract.Task``: argument_spec(), rules, run())."""

    TASK = None
    _supports_check_mode = True
    _supports_diff = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(TaskAction, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        if not self._runs_in_worker():
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result.update(self._execute_module(task_vars=task_vars or {}, wrap_async=wrap_async))
            return result
        result.update(self._run_in_worker())
        return result

    def _runs_in_worker(self):
        return (self._connection.transport in _LOCAL_TRANSPORTS
                and not self._play_context.become
                and not self._task.async_val)

    def _task_environment(self):
        """The task's ``environment:`` merged over the worker's, as a module process would see it."""
        env = dict(os.environ)
        layers = self._task.environment or []
        if not isinstance(layers, list):
            layers = [layers]
        for layer in layers:
            if not layer:
                continue
            layer = self._templar.template(layer)
            if isinstance(layer, dict):
                env.update((to_text(k), to_text(v)) for k, v in layer.items())
        return env

    def _run_in_worker(self):
        return run_task(self.TASK, self._task.args, self._task_environment(), self._play_context.check_mode,
                        self._play_context.diff, self._task.action)


def _core_error(validation, action_name, names):
    """ansible-core's first argument-spec error, worded as a module process words it (``Unsupported parameters
    for (...) module: ...``); with ``names`` (the role's variables) a missing option names the variable."""
    error = validation.errors[0]
    if isinstance(error, UnsupportedError):
        return 'Unsupported parameters for (%s) module: %s' % (action_name, error.msg)
    if names and isinstance(error, RequiredError):
        missing = [m.strip() for m in error.msg.split(':', 1)[-1].split(',')]
        env = ENV_VARS.get(missing[0])
        return '%s: required%s' % (names.get(missing[0], missing[0]),
                                   ' (or the environment variable %s)' % env if env else '')
    return validation.error_messages[0]


def run_task(task, args, environ, check_mode, diff, action_name, option_names=None):
    """Validate ``args`` with the task's argument spec, run it, and return the censored result.

    ``task`` is a ``Task`` (or a task module defining ``TASK``). ansible-core checks the argument spec; the task's
    rules and every other rule are checked by the one validator inside :func:`execute`, as in the module runner.
    ``option_names`` (option -> the caller's name, e.g. the role's variables) words failures in those names.
    """
    task = as_task(task)
    spec = task.argument_spec()
    args = dict(args)
    apply_env_fallbacks(spec, args, environ)

    validation = ArgumentSpecValidator(spec, **task.core_rules).validate(args)
    params = validation.validated_parameters
    no_log_values = set()
    for name, option in spec.items():
        value = params.get(name)
        if option.get('no_log') and isinstance(value, str) and value:
            no_log_values.add(value)
    if validation.error_messages:
        msg = one_line(_core_error(validation, action_name, option_names), 2000)
        return scrub_data(dict(failed=True, changed=False, msg=msg), no_log_values)

    ctx = TaskContext(check_mode=check_mode, diff=diff, no_log_values=no_log_values, option_names=option_names)
    try:
        result = execute(task, params, ctx)
    except Exception as exc:  # pylint: disable=broad-except
        # A bug must not print secrets or a bare traceback: one line, the trace only for -vvv.
        result = dict(failed=True, changed=False,
                      msg='unexpected error in %s: %s: %s' % (action_name, type(exc).__name__,
                                                              one_line(to_text(exc), 500)),
                      exception=traceback.format_exc())
    if ctx.warnings:
        result['warnings'] = list(ctx.warnings)
    result['invocation'] = dict(module_args=params)
    return scrub_data(result, ctx.no_log_values)

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one of the collection's modules inside the Ansible worker process (no AnsiballZ, no module process).

The modules only talk HTTP(S) to the Orchestrator, so with a local connection they may run in the controller's
Python. The module arguments are built by ActionBase._update_module_args, exactly as for a module process,
serialized and deserialized with the same profile, and the result is captured through
AnsibleModule._record_module_result (the hook ansible.netcommon uses for the same purpose) and parsed by
ActionBase._parse_returned_data, so the task result (invocation with no_log values censored, warnings,
deprecations, diff, failed/msg) has the same shape as with a module process.

Falls back to a normal module run (ActionBase._execute_module) when the in-worker run would differ: a
connection other than local (for example delegate_to a remote host), become, or async; and on ansible-core
before 2.19, which lacks the hooks used here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as _warnings
from ansible.plugins.action import ActionBase
from ansible.vars.clean import remove_internal_keys

try:  # ansible-core 2.19+: serialization profiles and the AnsibleModule._record_module_result hook
    from ansible.module_utils.common.json import Direction, get_module_encoder
    HAS_INWORKER_HOOKS = (hasattr(basic.AnsibleModule, '_record_module_result')
                          and hasattr(basic, '_ANSIBLE_PROFILE')
                          and hasattr(_warnings, '_global_warnings') and hasattr(_warnings, '_global_deprecations'))
except ImportError:  # older ansible-core: always run the module as a process
    HAS_INWORKER_HOOKS = False

_PROFILE = 'legacy'  # the collection's modules declare no metadata, so Ansible uses the legacy profile
_LOCAL_TRANSPORTS = ('local', 'ansible.builtin.local', 'ansible.legacy.local')
_MODULE_PACKAGE = 'ansible_collections.infraops.uipath_orchestrator.plugins.modules.'


class InWorkerModuleAction(ActionBase):
    """Base class of the collection's action plugins; subclasses set MODULE to the module's file name."""

    MODULE = None
    _supports_check_mode = True
    _supports_diff = True
    _supports_async = True

    def _in_worker_possible(self):
        return (HAS_INWORKER_HOOKS
                and self._connection.transport in _LOCAL_TRANSPORTS
                and not self._play_context.become
                and not self._task.async_val)

    def run(self, tmp=None, task_vars=None):
        result = super(InWorkerModuleAction, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        if task_vars is None:
            task_vars = dict()

        if not self._in_worker_possible():
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result.update(self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result

        result.update(self._run_in_worker(task_vars))
        return result

    def _run_in_worker(self, task_vars):
        module_name = self._task.action
        module_args = dict(self._task.args)
        self._update_module_args(module_name, module_args, task_vars)

        environment = dict()
        self._compute_environment_string(raw_environment_out=environment)

        encoder = get_module_encoder(_PROFILE, Direction.CONTROLLER_TO_MODULE)
        args_json = json.dumps({'ANSIBLE_MODULE_ARGS': module_args}, cls=encoder)
        module = importlib.import_module(_MODULE_PACKAGE + self.MODULE)

        captured = []
        saved = dict(args=basic._ANSIBLE_ARGS, profile=basic._ANSIBLE_PROFILE, parsed=basic._PARSED_MODULE_ARGS,
                     record=basic.AnsibleModule._record_module_result)
        saved_env = dict((k, os.environ.get(k)) for k in environment)
        saved_cwd = os.getcwd()

        def record(module_self, o):  # pylint: disable=unused-argument
            # the same text a module process prints on stdout
            captured.append(json.dumps(o, cls=get_module_encoder(_PROFILE, Direction.MODULE_TO_CONTROLLER)))

        basic._ANSIBLE_ARGS = args_json.encode('utf-8')
        basic._ANSIBLE_PROFILE = _PROFILE
        basic.AnsibleModule._record_module_result = record
        _warnings._global_warnings.clear()
        _warnings._global_deprecations.clear()
        rc = 0
        try:
            for key, value in environment.items():
                os.environ[key] = str(value)
            try:
                module.main()
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 1
        finally:
            basic._ANSIBLE_ARGS = saved['args']
            basic._ANSIBLE_PROFILE = saved['profile']
            basic._PARSED_MODULE_ARGS = saved['parsed']
            basic.AnsibleModule._record_module_result = saved['record']
            _warnings._global_warnings.clear()
            _warnings._global_deprecations.clear()
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            if os.getcwd() != saved_cwd:
                os.chdir(saved_cwd)

        stdout = captured[-1] if captured else ''
        data = self._parse_returned_data(dict(rc=rc, stdout=stdout, stderr=''), _PROFILE)
        data.pop('_ansible_suppress_tmpdir_delete', None)
        remove_internal_keys(data)
        return data

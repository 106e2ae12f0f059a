# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role smtp_mail's one task per host (internal, for the role): read the role's ``smtp_mail_*`` variables,
resolve presets and defaults (``plugin_utils/role_vars.py``), run the ``orchestrator_mail_settings`` task in the
worker and word every failure with the role's variable names. See plugins/modules/smtp_mail_apply.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.common.text.converters import to_text
from ansible.utils.display import Display

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import settings_task, test_mail_task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._errors import one_line
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils import role_vars
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import TaskAction, run_task

display = Display()
MODES = ('apply', 'drift', 'test_only')
_PLAIN = (int, float, bool, type(None))


def _needs_template(value):
    """True when the value holds a template or is not plain data (e.g. a vault-encrypted value)."""
    if isinstance(value, str):
        return '{' in value
    if isinstance(value, _PLAIN):
        return False
    if isinstance(value, (list, tuple)):
        return any(_needs_template(v) for v in value)
    if isinstance(value, dict):
        return any(_needs_template(v) for v in value.values())
    return True


class ActionModule(TaskAction):
    TASK = settings_task.TASK
    _requires_connection = False

    # -- the role's variables ---------------------------------------------------------------------------
    def _lookup(self, task_vars):
        templar = self._templar

        def lookup(var):
            value = task_vars[var]
            if _needs_template(value):
                value = templar.template(value)
            return value
        return lookup

    def _presets(self, task_vars):
        presets = task_vars.get('__smtp_mail_presets')
        if isinstance(presets, dict) and presets:
            return presets
        return role_vars.role_presets()

    def resolve(self, task_vars, entry_point='main'):
        """(role values, module params, option names) for this host; raises ValueError (one line)."""
        spec = role_vars.role_spec(entry_point)
        values = role_vars.role_values(spec, self._lookup(task_vars))
        skip = task_vars.get('ansible_skip_tags') or []
        params = role_vars.module_params(values, self._presets(task_vars), test_mail_off='smtp_mail_test' in skip)
        return values, params, role_vars.option_names(spec)

    def typo_warnings(self, task_vars, entry_point='main'):
        """Warnings for unknown smtp_mail_* variables of every host of the play (given by the first one only)."""
        batch = task_vars.get('ansible_play_batch') or []
        if not batch or task_vars.get('inventory_hostname') != batch[0]:
            return []
        known = set(role_vars.role_spec(entry_point))
        hostvars = task_vars.get('hostvars') or {}
        hosts = task_vars.get('ansible_play_hosts_all') or batch

        def names(host):
            try:
                return list(hostvars[host].keys())
            except Exception:  # pylint: disable=broad-except
                return []
        return role_vars.typo_warnings(role_vars.unknown_variables(((h, names(h)) for h in hosts), known), known)

    # -- the run ------------------------------------------------------------------------------------------
    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(TaskAction, self).run(tmp, task_vars)  # ActionBase.run: no module, no connection
        mode = self._task.args.get('mode', 'apply')
        if mode not in MODES:
            return dict(failed=True, changed=False, msg='mode: must be one of %s (got %r)' % (', '.join(MODES), mode))
        entry = 'drift' if mode == 'drift' else 'main'
        try:
            warnings = self.typo_warnings(task_vars, entry)
        except Exception:  # pylint: disable=broad-except
            warnings = []
        try:
            values, params, names = self.resolve(task_vars, entry)
        except ValueError as exc:
            out = self._failed(to_text(exc), mode, task_vars)
            return self._finish(result, out, warnings)
        except Exception as exc:  # pylint: disable=broad-except
            out = dict(failed=True, changed=False, msg='unexpected error in %s: %s: %s' % (
                self._task.action, type(exc).__name__, one_line(to_text(exc), 500)), exception=traceback.format_exc())
            return self._finish(result, out, warnings)
        if mode == 'test_only' or (mode == 'apply' and values.get('smtp_mail_test_only')):
            out = self._test_only(params, names, task_vars)
        elif mode == 'drift':
            out = self._drift(params, names, values, task_vars)
        else:
            out = self._apply(params, names, task_vars)
        return self._finish(result, out, warnings)

    def _finish(self, result, out, warnings):
        result.update(out)
        if warnings:
            result['warnings'] = warnings + list(result.get('warnings') or [])
        return result

    def _run(self, task, params, names, check_mode=None):
        return run_task(task, params, self._task_environment(),
                        self._play_context.check_mode if check_mode is None else check_mode,
                        self._play_context.diff, self._task.action, option_names=names)

    def _failed(self, msg, mode, task_vars, res=None):
        """A failure: one line (the result of the module stays out of the fatal line, -vvv shows it)."""
        if mode == 'drift':
            return self._drift_record(task_vars, None, msg)
        out = dict(failed=True, changed=bool(res and res.get('changed')), msg=msg)
        for key in ('written_fields', 'deleted_fields', 'exception'):
            if res and res.get(key):
                out[key] = res[key]
        if self._display_verbose() and res:
            out['module_result'] = dict((k, v) for k, v in res.items() if k not in ('failed', 'msg', 'exception'))
        return out

    def _display_verbose(self):
        return display.verbosity >= 3

    def _apply(self, params, names, task_vars):
        res = self._run(self.TASK, params, names)
        if res.get('failed'):
            return self._failed(res.get('msg'), 'apply', task_vars, res)
        res.pop('invocation', None)
        line = '%s: %s' % (task_vars.get('inventory_hostname'), res.get('summary'))
        display.display(line)
        res['msg'] = line
        return res

    def _test_only(self, params, names, task_vars):
        """Test the SAVED settings: only the recipient (and the connection) go to orchestrator_mail_test.

        When smtp_mail_password is set it goes too: the stored values are then tested with it, which also works
        where the API cannot test the saved settings of the partition (an Identity token naming no organization).
        """
        spec = test_mail_task.TASK.argument_spec()
        args = dict((k, v) for k, v in params.items()
                    if k in spec and (k not in _FIELD_OPTIONS or (k == 'password' and v)))
        names = dict(names)
        names['recipient'] = names['test_recipient'] = 'smtp_mail_test_recipient'
        if not args.get('test_recipient'):
            return dict(failed=True, changed=False,
                        msg='smtp_mail_test_recipient: required with smtp_mail_test_only (the address of the test mail)')
        if self._play_context.check_mode:
            return dict(changed=False, skipped=False, msg='test mail: not sent (check mode)')
        res = run_task(test_mail_task.TASK, args, self._task_environment(), False, False, self._task.action,
                       option_names=names)
        if res.get('failed'):
            return dict(failed=True, changed=False, msg=res.get('msg'))
        res.pop('invocation', None)
        display.display('%s: test mail of the saved settings sent to %s' % (
            task_vars.get('inventory_hostname'), args['test_recipient']))
        res['changed'] = False
        return res

    def _drift(self, params, names, values, task_vars):
        params = dict(params)
        params['test_mail'] = 'never'
        res = self._run(self.TASK, params, names, check_mode=True)
        if res.get('failed'):
            return self._drift_record(task_vars, values, res.get('msg'))
        return self._drift_record(task_vars, values, None, res)

    def _drift_record(self, task_vars, values, error, res=None):
        from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.drift import record
        host = task_vars.get('inventory_hostname')
        rec = record(host, values or {}, res, error)
        return dict(changed=False, drift_record=rec, msg='%s: %s' % (host, rec['status']))


_FIELD_OPTIONS = ('host', 'port', 'enable_ssl', 'use_default_credentials', 'domain', 'username', 'password',
                  'from_address', 'from_display_name', 'connection_timeout', 'authentication')

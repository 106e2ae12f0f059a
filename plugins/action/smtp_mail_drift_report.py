# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes the drift report of the role smtp_mail (internal, for the role; run_once): one record per host of the
play, including hosts that failed before the drift check or were unreachable. See
plugins/modules/smtp_mail_drift_report.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils import drift, role_vars

RECORD_VAR = '__smtp_mail_drift_result'


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def _host_values(self, hostvars, host):
        """(values, error) of a host without a record: its role variables checked as the role checks them."""
        spec = role_vars.role_spec('drift')
        try:
            hv = hostvars[host]
            return role_vars.role_values(spec, lambda var: hv[var]), None
        except ValueError as exc:
            return {}, to_text(exc)
        except Exception:  # pylint: disable=broad-except
            return {}, None

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        hostvars = task_vars.get('hostvars') or {}
        hosts = list(task_vars.get('ansible_play_hosts_all') or [])
        records = []
        for host in hosts:
            try:
                registered = hostvars[host].get(RECORD_VAR)
            except Exception:  # pylint: disable=broad-except
                registered = None
            rec = registered.get('drift_record') if isinstance(registered, dict) else None
            if isinstance(rec, dict):
                records.append(drift.clean(rec))
                continue
            values, error = self._host_values(hostvars, host)
            if error is None:
                error = 'not checked: the host failed or was unreachable before the drift check (see its error above)'
            records.append(drift.missing_record(host, values, error))
        directory = self._task.args.get('dir') or task_vars.get('smtp_mail_drift_report_dir') or '.'
        directory = self._templar.template(directory) if '{' in to_text(directory) else directory
        paths = drift.write_report(to_text(directory), records)
        t = drift.totals(records)
        result.update(changed=False, totals=t, files=paths, records=records,
                      msg='drift report: %d instance(s), %d in sync, %d drifted, %d not checked; written to %s' % (
                          t['instances'], t['in_sync'], t['drifted'], t['failed'],
                          paths[0].rsplit('.', 1)[0] + '.{json,md,xml}'))
        fail = self._task.args.get('fail_on_drift')
        if fail is None:
            fail = task_vars.get('smtp_mail_fail_on_drift', False)
        fail = self._templar.template(fail) if isinstance(fail, str) and '{' in fail else fail
        if role_vars.check_value('smtp_mail_fail_on_drift', fail, dict(type='bool')) and (t['drifted'] + t['failed']):
            drifted = [r['instance'] for r in records if r['status'] == 'drift']
            failed = [r['instance'] for r in records if r['status'] == 'error']
            parts = []
            if drifted:
                parts.append('drifted: %s' % ', '.join(drifted))
            if failed:
                parts.append('not checked: %s' % ', '.join(failed))
            result.update(failed=True, msg='smtp_mail_fail_on_drift: %s (see %s)' % ('; '.join(parts), paths[1]))
        else:
            from ansible.utils.display import Display
            Display().display(result['msg'])
        return result

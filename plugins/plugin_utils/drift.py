# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift report of the role smtp_mail (internal): one record per instance, and the three files.

Records are built from the settings task's result (``before``, ``after``, ``changed_fields``; already masked by
the module: a password shows only as set / not set). Every text that goes into a file has its control characters
removed; the Markdown escapes Markdown and HTML, the JUnit XML is escaped (and therefore valid).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
from xml.sax.saxutils import escape as _xml_escape, quoteattr

from ansible.module_utils.common.text.converters import to_text

_CTRL_RE = re.compile(u'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]')
_MD_SPECIAL = re.compile(r'([\\`*_{}\[\]()#+\-.!|~>])')
STATUS_TEXT = dict(in_sync='in sync', drift='DRIFT', error='ERROR')
FILES = ('drift-report.json', 'drift-report.md', 'drift-report.xml')


def clean(value):
    """Text without control characters (tabs and newlines become spaces); other values unchanged."""
    if isinstance(value, str):
        return re.sub(r'[\t\r\n]+', ' ', _CTRL_RE.sub('', value)).strip()
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return dict((clean(k), clean(v)) for k, v in value.items())
    return value


def record(host, values, res=None, error=None):
    """The drift record of one instance (``values``: the role's checked variables, may be empty)."""
    res = res or {}
    rec = dict(instance=host, url=values.get('smtp_mail_orchestrator_url') or '',
               api=res.get('api') or values.get('smtp_mail_api') or 'auto',
               scope=res.get('scope') or values.get('smtp_mail_scope') or 'tenant',
               state=values.get('smtp_mail_state') or 'present', drift=[], error=None)
    if error is not None:
        rec.update(status='error', in_sync=False, error=to_text(error))
        return clean(rec)
    before, after = res.get('before') or {}, res.get('after') or {}
    absent = rec['state'] == 'absent'
    for field in (res.get('deleted_fields') if absent else res.get('changed_fields')) or []:
        if field == 'password':
            cur = 'set' if before.get('password') not in (None, '', False, 'not set') else 'not set'
            want = 'deleted' if absent else 'would be sent'
        else:
            cur = before.get(field)
            want = '(inherited or default)' if absent else after.get(field)
        rec['drift'].append(dict(option=field, current=cur, desired=want))
    in_sync = not rec['drift'] and not res.get('changed')
    rec.update(status='in_sync' if in_sync else 'drift', in_sync=in_sync)
    return clean(rec)


def missing_record(host, values, error):
    """The record of a host that has none (it failed before the drift check, or was unreachable)."""
    return record(host, values or {}, None, error)


def totals(records):
    count = dict(instances=len(records), in_sync=0, drifted=0, failed=0)
    for rec in records:
        count[dict(in_sync='in_sync', drift='drifted', error='failed')[rec['status']]] += 1
    return count


# -- the files ---------------------------------------------------------------------------------------------
def md(value):
    """Markdown- and HTML-safe text of one value (a table cell)."""
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True)
    text = clean(value).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    return _MD_SPECIAL.sub(r'\\\1', text)


def render_json(records):
    return json.dumps(dict(totals=totals(records), instances=records), indent=2, sort_keys=False) + '\n'


def render_md(records):
    t = totals(records)
    lines = ['# Orchestrator mail settings drift report', '',
             '%d instance(s): %d in sync, %d drifted, %d not checked.' % (
                 t['instances'], t['in_sync'], t['drifted'], t['failed']),
             'Read in check mode: nothing was written. Passwords are never shown.', '',
             '| instance | API | scope | state | status | drifted options |', '|---|---|---|---|---|---|']
    for r in records:
        opts = ', '.join(md(d['option']) for d in r['drift']) or '-'
        cells = (md(r['instance']), md(r['api']), md(r['scope']), md(r['state']), STATUS_TEXT[r['status']], opts)
        lines.append('| %s | %s | %s | %s | %s | %s |' % cells)
    for r in records:
        if r['status'] == 'in_sync':
            continue
        lines += ['', '## %s' % md(r['instance']), '', 'URL: %s' % (md(r['url']) or '-'), '']
        if r['status'] == 'error':
            lines.append('Not checked: %s' % md(r['error']))
        else:
            lines += ['| option | current | desired |', '|---|---|---|']
            for d in r['drift']:
                lines.append('| %s | %s | %s |' % (md(d['option']), md(d['current']), md(d['desired'])))
    return '\n'.join(lines) + '\n'


def _x(value):
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True)
    return _xml_escape(clean(value))


def _xa(value):
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True)
    return quoteattr(clean(value))


def render_xml(records):
    t = totals(records)
    counts = 'tests="%d" failures="%d" errors="%d"' % (t['instances'], t['drifted'], t['failed'])
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<testsuites name="smtp_mail drift" %s>' % counts,
           '  <testsuite name="smtp_mail drift" %s skipped="0">' % counts]
    for r in records:
        out.append('    <testcase classname=%s name=%s>' % (_xa('smtp_mail.drift.%s' % r['api']), _xa(r['instance'])))
        if r['status'] == 'error':
            out.append('      <error message=%s/>' % _xa(r['error']))
        elif r['status'] == 'drift':
            body = '\n'.join('%s: current %s, desired %s' % (_x(d['option']), _x(d['current']), _x(d['desired']))
                             for d in r['drift'])
            out.append('      <failure message=%s>%s</failure>' % (
                _xa('drifted: ' + ', '.join(d['option'] for d in r['drift'])), body))
        out.append('    </testcase>')
    out += ['  </testsuite>', '</testsuites>']
    return '\n'.join(out) + '\n'


def write_report(directory, records):
    """Write the three files to ``directory`` (created); returns their paths."""
    directory = os.path.realpath(directory)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    paths = []
    for name, render in zip(FILES, (render_json, render_md, render_xml)):
        path = os.path.join(directory, name)
        tmp = path + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as handle:
            handle.write(render(records))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        paths.append(path)
    return paths

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Internal (not a public API of the collection): the write journal of one task run.

The settings API layer records every request that changed something (and every write whose outcome is unknown,
such as a connection lost after the request was sent) with the names of the keys it wrote or deleted, never
their values. Every result, success or failure, reports ``changed`` and what was written or deleted from it
(:func:`report`), in both runners.

One journal belongs to one client (one task run): :func:`journal_for` attaches it to the client object the first
time any API object asks, so the classic, Identity and tenant-alerts writers of a run share it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._mail_fields import FIELDS, field_of_key

DONE = 'done'
UNKNOWN = 'unknown'  # the request was sent but no answer says whether the server acted


class WriteJournal(object):
    def __init__(self):
        self.entries = []

    def record(self, action, request, keys, outcome=DONE, alerts_key=None):
        """``action`` is ``write`` or ``delete``; ``request`` names the call (no values); ``keys`` the settings keys."""
        fields = [field_of_key(k, alerts_key) or k for k in keys]
        self.entries.append(dict(action=action, request=request, keys=list(keys), fields=fields, outcome=outcome))

    def record_failure(self, action, request, keys, exc, alerts_key=None):
        """A write that raised: recorded only when the server may have acted (no HTTP status, or a 5xx)."""
        status = getattr(exc, 'status', None)
        if status is None or status >= 500:
            self.record(action, request, keys, UNKNOWN, alerts_key)

    @property
    def changed(self):
        return any(e['outcome'] == DONE for e in self.entries)

    def fields(self, action, outcome=DONE):
        found = []
        for entry in self.entries:
            if entry['action'] == action and entry['outcome'] == outcome:
                found.extend(f for f in entry['fields'] if f not in found)
        order = dict((f, i) for i, f in enumerate(FIELDS))
        return sorted(found, key=lambda f: (order.get(f, len(order)), f))

    def summary(self):
        """What the failure line adds: what this run already changed (or may have changed)."""
        parts = []
        for action, label in (('write', 'written'), ('delete', 'deleted')):
            done = self.fields(action)
            if done:
                parts.append('%s before the failure: %s' % (label, ', '.join(done)))
            unsure = self.fields(action, UNKNOWN)
            if unsure:
                parts.append('maybe %s (no answer): %s' % (label, ', '.join(unsure)))
        return '; '.join(parts)


def journal_for(client):
    """The journal of the run ``client`` serves (created on first use); None without a client."""
    if client is None:
        return None
    journal = getattr(client, 'write_journal', None)
    if journal is None:
        journal = WriteJournal()
        client.write_journal = journal
    return journal


def report(result, journal, failed=False):
    """Add ``changed`` and what was written or deleted (``written_fields``, ``deleted_fields``, ``journal``).

    On success ``deleted_fields`` of a reset is the task's own (it reports the values that really changed);
    on failure it comes from the journal.
    """
    if journal is None:
        return result
    result['changed'] = bool(result.get('changed')) or journal.changed
    result['written_fields'] = journal.fields('write')
    if failed or journal.fields('delete'):
        result.setdefault('deleted_fields', journal.fields('delete'))
        if failed:
            result['deleted_fields'] = journal.fields('delete')
    result['journal'] = [dict(action=e['action'], request=e['request'], fields=list(e['fields']),
                              outcome=e['outcome']) for e in journal.entries]
    return result

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Comparison of the Orchestrator Mail (SMTP) settings: what to write, and what is stored afterwards.

Pure functions without I/O. The field model is in ``_mail_fields.py``, every input rule in ``_validation.py``
(this module re-exports both, so existing imports keep working).

Password rules (the password can never be compared: the API returns a mask):

* the mask read from the API is never compared and never written back;
* the supplied password is sent when ``update_password=always``; or when ``update_password=on_create`` and no
  password is stored; or whenever ``host``, ``port``, ``enable_ssl`` or ``username`` are changed in the same
  write (new server or account => the credentials are re-sent);
* an Identity write always carries Host, Port and FromEmail together (docs/API.md, "Identity endpoints").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._mail_fields import (
    API_MASK,
    BOOL_FIELDS,
    CLASSIC_KEYS,
    CREDENTIAL_FIELDS,
    FIELDS,
    IDENTITY_KEYS,
    IDENTITY_TOGETHER,
    INT_FIELDS,
    KEYS,
    MAIL_FIELDS_ARGUMENT_SPEC,
    PASSWORD_DISPLAY,
    decode,
    decode_settings,
    display,
    encode,
    field_of_key,
    fields_for,
    keys_for,
    merge,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._validation import (
    ValidationError,
    is_email,
    validate_fields,
    validate_host,
    validate_input,
    validate_merged,
)

__all__ = [
    'API_MASK', 'BOOL_FIELDS', 'CLASSIC_KEYS', 'CREDENTIAL_FIELDS', 'FIELDS', 'IDENTITY_KEYS', 'IDENTITY_TOGETHER',
    'INT_FIELDS', 'KEYS', 'MAIL_FIELDS_ARGUMENT_SPEC', 'PASSWORD_DISPLAY', 'ValidationError', 'after_values',
    'decode', 'decode_settings', 'display', 'encode', 'encode_writes', 'field_of_key', 'fields_for', 'is_email',
    'keys_for', 'merge', 'plan', 'validate_fields', 'validate_host', 'validate_input', 'validate_merged',
]


# -- comparison ---------------------------------------------------------------------------------------
def _differs(field, want, have):
    if want is None:
        return False
    if have is None:
        return True
    return want != have


def plan(current, desired, password_set, api, update_password='always'):
    """Return (changed_fields, writes).

    ``changed_fields`` lists option names whose value changes (plus ``password`` when it is sent);
    ``writes`` maps option name -> Python value to write (for Identity it also carries host, port and
    from_address whenever anything is written). The API mask is never part of ``writes``.
    """
    keys = KEYS[api]
    changed = []
    writes = {}
    for field in FIELDS:
        if field == 'password' or field not in keys or field not in desired:
            continue
        if _differs(field, desired[field], current.get(field)):
            changed.append(field)
            writes[field] = desired[field]
    if 'password' in desired and desired['password'] is not None:
        pw = desired['password']
        cred_change = any(f in changed for f in CREDENTIAL_FIELDS)
        send = False
        if pw == '':
            send = password_set  # clearing a stored password; empty over empty is a no-op
        elif update_password == 'always' or not password_set or cred_change:
            send = True
        if send:
            changed.append('password')
            writes['password'] = pw
    if api == 'identity' and writes:
        merged = merge(current, desired)
        for field in IDENTITY_TOGETHER:
            if field not in writes:
                value = merged.get(field)
                if value is not None and value != '':
                    writes[field] = value  # a missing one is refused by _validation.check_write
    order = {f: i for i, f in enumerate(FIELDS)}
    changed.sort(key=lambda f: order[f])
    return changed, writes


def encode_writes(writes, api):
    """{option: value} -> [(key, string)] in a stable order."""
    keys = KEYS[api]
    return [(keys[f], encode(f, writes[f])) for f in FIELDS if f in writes]


def after_values(current, writes, password_set):
    """(after dict values, password_set after) for display."""
    after = dict(current)
    for field, value in writes.items():
        if field != 'password':
            after[field] = value
    pw_after = password_set
    if 'password' in writes:
        pw_after = bool(writes['password'])
    return after, pw_after

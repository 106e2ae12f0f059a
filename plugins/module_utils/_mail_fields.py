# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Internal (not a public API of the collection): the field model of the Mail (SMTP) settings.

Option names, the settings keys of both APIs, the module options of the fields, and the conversions between the
strings the APIs store and Python values. No rules (they are in ``_validation.py``), no I/O.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.text.converters import to_text

FIELDS = (
    'enable_alerts', 'use_default_credentials', 'enable_ssl', 'host', 'port', 'domain', 'username', 'password',
    'from_address', 'from_display_name', 'connection_timeout',
)
BOOL_FIELDS = ('enable_alerts', 'use_default_credentials', 'enable_ssl')
INT_FIELDS = ('port', 'connection_timeout')

CLASSIC_KEYS = {
    'enable_alerts': 'Alerts.Email.Enabled',
    'use_default_credentials': 'Abp.Net.Mail.Smtp.UseDefaultCredentials',
    'enable_ssl': 'Abp.Net.Mail.Smtp.EnableSsl',
    'host': 'Abp.Net.Mail.Smtp.Host',
    'port': 'Abp.Net.Mail.Smtp.Port',
    'domain': 'Abp.Net.Mail.Smtp.Domain',
    'username': 'Abp.Net.Mail.Smtp.UserName',
    'password': 'Abp.Net.Mail.Smtp.Password',
    'from_address': 'Abp.Net.Mail.DefaultFromAddress',
    'from_display_name': 'Abp.Net.Mail.DefaultFromDisplayName',
}
IDENTITY_KEYS = {
    'use_default_credentials': 'Email.Smtp.UseDefaultCredentials',
    'enable_ssl': 'Email.Smtp.EnableSsl',
    'host': 'Email.Smtp.Host',
    'port': 'Email.Smtp.Port',
    'domain': 'Email.Smtp.Domain',
    'username': 'Email.Smtp.UserName',
    'password': 'Email.Smtp.Password',
    'from_address': 'Email.Smtp.FromEmail',
    'from_display_name': 'Email.Smtp.FromDisplayName',
    'connection_timeout': 'Email.Smtp.ConnectionTimeout',
}
KEYS = {'classic': CLASSIC_KEYS, 'identity': IDENTITY_KEYS}

#: fields whose change makes the module re-send a supplied password
CREDENTIAL_FIELDS = ('host', 'port', 'enable_ssl', 'username')
#: fields the Identity API wants in every write (docs/API.md, "Identity endpoints")
IDENTITY_TOGETHER = ('host', 'port', 'from_address')
#: how a stored password is shown in before/after/settings
PASSWORD_DISPLAY = '********'
#: the mask Orchestrator returns for a stored password (twelve U+2022)
API_MASK = u'\u2022' * 12

MAIL_FIELDS_ARGUMENT_SPEC = dict(
    enable_alerts=dict(type='bool'),
    use_default_credentials=dict(type='bool'),
    enable_ssl=dict(type='bool'),
    host=dict(type='str'),
    port=dict(type='int'),
    domain=dict(type='str'),
    username=dict(type='str'),
    password=dict(type='str', no_log=True),
    from_address=dict(type='str'),
    from_display_name=dict(type='str'),
    connection_timeout=dict(type='int'),
)

#: the ``authentication`` option: how Orchestrator logs in to the SMTP server (docs/API.md, "Authentication")
AUTHENTICATIONS = ('password', 'none', 'windows')
AUTHENTICATION_OPTION = dict(type='str', choices=list(AUTHENTICATIONS))
#: hosts of Microsoft 365 SMTP AUTH client submission (Basic auth retired by default at the end of December 2026)
OFFICE365_SUBMISSION_HOSTS = ('smtp.office365.com', 'smtp.office.com')


def keys_for(api):
    return KEYS[api]


def fields_for(api):
    keys = KEYS[api]
    return [f for f in FIELDS if f in keys]


# -- encoding ----------------------------------------------------------------------------------------
def encode(field, value):
    """Python value -> the string the settings APIs store."""
    if field in BOOL_FIELDS:
        return 'true' if value else 'false'
    if field in INT_FIELDS:
        return '%d' % int(value)
    return to_text(value)


def decode(field, raw):
    """Stored string -> Python value (unparsable values are kept as strings so they compare unequal)."""
    if raw is None:
        return None
    raw = to_text(raw)
    if field in BOOL_FIELDS:
        low = raw.strip().lower()
        if low in ('true', 'false'):
            return low == 'true'
        return raw
    if field in INT_FIELDS:
        if re.match(r'^\s*\d+\s*$', raw):
            return int(raw)
        return raw
    return raw


def decode_settings(raw_by_key, api):
    """{key: raw string} from the API -> ({field: value or None}, password_set).

    The password value is never kept: ``current['password']`` is ``PASSWORD_DISPLAY`` when one is stored, ``''``
    when empty and ``None`` when the key is absent.
    """
    current = {}
    password_set = False
    for field, key in KEYS[api].items():
        raw = raw_by_key.get(key)
        if field == 'password':
            password_set = bool(raw)
            current[field] = PASSWORD_DISPLAY if raw else ('' if raw is not None else None)
        else:
            current[field] = decode(field, raw)
    return current, password_set


def display(values, api, password_set=None):
    """Dict keyed by option name for results/diff; never contains a password."""
    out = {}
    for field in fields_for(api):
        if field == 'password':
            if password_set is None:
                pw = values.get('password')
                out[field] = PASSWORD_DISPLAY if pw else ('' if pw is not None else None)
            else:
                out[field] = PASSWORD_DISPLAY if password_set else ''
        else:
            out[field] = values.get(field)
    return out


def field_of_key(key, alerts_key=None):
    """The option name of a settings key of either API (``enable_alerts`` for the tenant alerts key), else None."""
    if alerts_key and key == alerts_key:
        return 'enable_alerts'
    for keys in (CLASSIC_KEYS, IDENTITY_KEYS):
        for field, name in keys.items():
            if name == key:
                return field
    return None


def derive_authentication(values, api):
    """The login a set of values (stored, given or merged) amounts to: ``password``, ``none`` or ``windows``.

    ``UseDefaultCredentials`` true is the Orchestrator service identity on the classic API (2020.10) and "no user
    name and password" on the Identity API (2023.4+); with it false, an empty user name sends no AUTH (ABP's
    ``SmtpEmailSender`` sets credentials only for a non-empty user name). ``api`` None = not known yet (classic
    meaning assumed for ``windows``).
    """
    if values.get('use_default_credentials') is True:
        return 'none' if api == 'identity' else 'windows'
    if values.get('username'):
        return 'password'
    return 'none'


def authentication_values(authentication, api, desired):
    """The stored values an explicit ``authentication`` choice writes on ``api`` (docs/API.md, "Authentication").

    ``password``: UseDefaultCredentials false (user name and password are the task's). ``none``: empty user name
    and password; UseDefaultCredentials false on the classic API (true there is the service identity), true on
    the Identity API (UiPath's meaning from 2023.4, and the body of UiPath's own 2023.10 erratum), unless the task
    gives it (on Identity both forms send no login). ``windows``: UseDefaultCredentials true (classic only; the
    validator refuses it on Identity). Returns the fields to overlay on ``desired``.
    """
    if authentication == 'password':
        return {'use_default_credentials': False}
    if authentication == 'none':
        udc = desired.get('use_default_credentials')
        if udc is None:
            udc = api == 'identity'
        return {'use_default_credentials': udc, 'username': '', 'password': ''}
    if authentication == 'windows':
        return {'use_default_credentials': True}
    return {}


def apply_authentication(desired, authentication, api):
    """``desired`` with the values of an explicit ``authentication`` (a new dict; None = derived, unchanged)."""
    out = dict(desired)
    out.update(authentication_values(authentication, api, desired))
    return out


def is_office365_submission(host):
    return (host or '').strip().rstrip('.').lower() in OFFICE365_SUBMISSION_HOSTS


def merge(current, desired):
    """The stored values overlaid with the task's (the password is never part of it)."""
    merged = dict(current)
    for field, value in desired.items():
        if field != 'password':
            merged[field] = value
    return merged

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Field model, validation and comparison for the Orchestrator Mail (SMTP) settings.

Pure functions without I/O, so they can be unit tested directly.

Password rules (the password can never be compared: the API returns a mask):

* the mask read from the API is never compared and never written back;
* the supplied password is sent when ``update_password=always``; or when ``update_password=on_create`` and no
  password is stored; or whenever ``host``, ``port``, ``enable_ssl`` or ``username`` are changed in the same
  write (new server or account => the credentials are re-sent);
* with ``use_default_credentials: false`` given in the task, ``username`` and ``password`` are required, except
  that ``password`` may be omitted with ``update_password: on_create`` when a password is already stored
  (it is then kept).
* An Identity write always carries Host, Port and FromEmail together (docs/API.md, "Identity endpoints").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
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

_CTRL_RE = re.compile(u'[\x00-\x1f\x7f-\x9f\u2028\u2029]')
_LABEL_RE = re.compile(r'^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$')
_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
MAX_TIMEOUT_MS = 2147483647


class ValidationError(Exception):
    """User input is invalid; ``str()`` is one line that starts with the option name."""


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


# -- validation ---------------------------------------------------------------------------------------
def _fail(msg):
    raise ValidationError(msg)


def _show(value, limit=80):
    text = repr(to_text(value))
    if text.startswith("u'"):
        text = text[1:]
    return text if len(text) <= limit else text[:limit - 4] + "...'"


def is_email(value):
    if not value or len(value) > 254 or value.count('@') != 1:
        return False
    local, domain = value.split('@')
    if not local or len(local) > 64 or not _LOCAL_RE.match(local):
        return False
    return _is_hostname(domain)


def _is_hostname(value):
    if not value or len(value) > 253:
        return False
    labels = value[:-1].split('.') if value.endswith('.') else value.split('.')
    return all(_LABEL_RE.match(label) for label in labels)


def _is_ip(value):
    try:
        ipaddress.ip_address(to_text(value))
        return True
    except ValueError:
        return False


def validate_host(value):
    if not value or not value.strip():
        _fail('host: must not be empty')
    if _CTRL_RE.search(value):
        _fail('host: must not contain control characters (got %s)' % _show(value))
    if re.search(r'\s', value):
        _fail('host: must not contain whitespace (got %s)' % _show(value))
    if '://' in value:
        _fail('host: give a host name or IP address without a scheme (got %s)' % _show(value))
    if len(value) > 253:
        _fail('host: must be at most 253 characters (got %d)' % len(value))
    if _is_ip(value):
        return
    if any(ord(ch) > 127 for ch in value):
        _fail('host: must be ASCII; give an internationalised name in its xn-- (punycode) form (got %s)'
              % _show(value))
    if ':' in value or '/' in value or '@' in value:
        _fail('host: give only a host name or IP address (no port, path or user; use the port option) (got %s)'
              % _show(value))
    if not _is_hostname(value):
        _fail('host: not a valid host name or IP address (got %s)' % _show(value))


def _check_text(name, value, max_len=256, allow_space=True):
    if _CTRL_RE.search(value):
        _fail('%s: must not contain control characters such as CR or LF (got %s)' % (name, _show(value)))
    if not allow_space and re.search(r'\s', value):
        _fail('%s: must not contain whitespace (got %s)' % (name, _show(value)))
    if len(value) > max_len:
        _fail('%s: must be at most %d characters (got %d)' % (name, max_len, len(value)))


def validate_fields(desired):
    """Per-option syntax checks of the supplied (non-None) fields. Raises ValidationError."""
    for field in BOOL_FIELDS:
        if field in desired and not isinstance(desired[field], bool):
            _fail('%s: must be a boolean (got %s)' % (field, _show(desired[field])))
    if 'host' in desired:
        validate_host(desired['host'])
    if 'port' in desired:
        port = desired['port']
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            _fail('port: must be an integer between 1 and 65535 (got %s)' % (port,))
    if 'connection_timeout' in desired:
        val = desired['connection_timeout']
        if isinstance(val, bool) or not isinstance(val, int) or not 1 <= val <= MAX_TIMEOUT_MS:
            _fail('connection_timeout: must be a positive number of milliseconds, at most %d (got %s)'
                  % (MAX_TIMEOUT_MS, val))
    if 'domain' in desired:
        _check_text('domain', desired['domain'], 255, allow_space=False)
    if 'username' in desired:
        user = desired['username']
        _check_text('username', user, 256)
        if user != user.strip():
            _fail('username: must not start or end with whitespace (got %s)' % _show(user))
        if '@' in user and not is_email(user):
            _fail('username: looks like an e-mail address but is not a valid one (got %s)' % _show(user))
    if 'password' in desired:
        pw = desired['password']
        if _CTRL_RE.search(pw):
            _fail('password: must not contain control characters')
        if len(pw) > 1024:
            _fail('password: must be at most 1024 characters')
        if pw and (pw == API_MASK or set(pw) == set(u'\u2022') or pw == PASSWORD_DISPLAY):
            _fail('password: this is the masked value the API returns, not a password; give the real password')
    if 'from_address' in desired:
        addr = desired['from_address']
        _check_text('from_address', addr, 254)
        if addr and ('<' in addr or ',' in addr or ';' in addr):
            _fail('from_address: give one bare e-mail address; put the name in from_display_name (got %s)'
                  % _show(addr))
        if addr and not is_email(addr):
            _fail('from_address: not a valid e-mail address (got %s)' % _show(addr))
    if 'from_display_name' in desired:
        _check_text('from_display_name', desired['from_display_name'], 256)


def validate_input(desired, update_password='always', allow_from_mismatch=False):
    """All checks that need only the task's options (run before any request)."""
    validate_fields(desired)
    if desired.get('enable_ssl') is True and desired.get('use_default_credentials') is True:
        _fail('enable_ssl: cannot be combined with use_default_credentials: true (UiPath: do not use default '
              'credentials together with SSL)')
    if desired.get('use_default_credentials') is False:
        if not desired.get('username'):
            _fail('username: required when use_default_credentials is false')
        if 'password' not in desired and update_password == 'always':
            _fail('password: required when use_default_credentials is false (or set update_password: on_create '
                  'to keep a stored password)')
        if desired.get('password') == '':
            _fail('password: must not be empty when use_default_credentials is false')
    _check_from(desired, allow_from_mismatch)


def _check_from(values, allow_from_mismatch, stored_hint=''):
    if allow_from_mismatch or values.get('use_default_credentials') is True:
        return
    addr = values.get('from_address')
    user = values.get('username')
    if addr and user and addr.lower() != user.lower():
        _fail('from_address: must equal username (%s) as UiPath requires%s; set allow_from_mismatch: true to '
              'allow a different From address (got %s)' % (_show(user), stored_hint, _show(addr)))


def merge(current, desired):
    merged = dict(current)
    for field, value in desired.items():
        if field != 'password':
            merged[field] = value
    return merged


def validate_merged(current, desired, password_set, update_password='always', allow_from_mismatch=False):
    """Checks of the result (current values overlaid with the task's options) before writing."""
    merged = merge(current, desired)
    hint = ' (stored value)'
    if merged.get('enable_ssl') is True and merged.get('use_default_credentials') is True:
        culprit = 'use_default_credentials' if 'enable_ssl' in desired else 'enable_ssl'
        _fail('%s: enable_ssl and use_default_credentials cannot both be true; the other one is true on the '
              'server, set %s explicitly' % (culprit, culprit))
    if merged.get('use_default_credentials') is False:
        if not merged.get('username'):
            _fail('username: required when use_default_credentials is false (none is stored)')
        if 'password' not in desired and not password_set:
            _fail('password: required when use_default_credentials is false (no password is stored)')
        if desired.get('password') == '':
            _fail('password: must not be empty when use_default_credentials is false')
    _check_from(merged, allow_from_mismatch, hint if not ('from_address' in desired and 'username' in desired)
                else '')
    return merged


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
                if value is None or value == '':
                    _fail('%s: required for this change: the Identity API writes Host, Port and FromEmail '
                          'together and none is stored' % field)
                writes[field] = value
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

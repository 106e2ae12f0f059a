# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role ``smtp_mail`` in Python: its variables, their checks, presets and the module options they feed.

Internal to the collection (used by the action plugins ``smtp_mail_apply`` and ``smtp_mail_drift_report``). The
role's interface is ``roles/smtp_mail/meta/argument_specs.yml``; every variable named there maps to a module option
by one rule (:func:`option_for`), so a new variable needs no code. The presets are data in
``roles/smtp_mail/vars/main.yml``. Everything here is plain data in, plain data out (unit-tested without Ansible's
runtime).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import os

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.common.validation import check_type_bool, check_type_int, check_type_list

PREFIX = 'smtp_mail_'
ROLE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        'roles', 'smtp_mail')
#: role variable suffix -> module option, where the rule "smtp_mail_X -> X" does not hold
RENAMED = dict(
    orchestrator_tenant='tenant',
    orchestrator_token='token',
    orchestrator_client_id='client_id',
    orchestrator_client_secret='client_secret',
    orchestrator_scopes='scopes',
    orchestrator_identity_url='identity_url',
    request_timeout='timeout',
    request_retries='retries',
)
#: module options where an empty string is a value, not "not given"
KEEP_BLANK = ('domain', 'username', 'from_display_name')
#: role variables that are not module options (the role itself uses them)
ROLE_ONLY = ('provider', 'relay_domain', 'drift_report_dir', 'fail_on_drift', 'test_only')
PRESET_KEYS_NOT_OPTIONS = ('relay_host_suffix',)

_CACHE = {}


def _load_yaml(path):
    import yaml  # controller side only; ansible-core requires PyYAML
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    with open(path, 'rb') as handle:
        return yaml.load(handle, Loader=loader)  # nosec - safe loader


def role_spec(entry_point='main'):
    """The options of the role's entry point, from meta/argument_specs.yml (read once per process)."""
    key = ('spec', entry_point)
    if key not in _CACHE:
        data = _load_yaml(os.path.join(ROLE_DIR, 'meta', 'argument_specs.yml')) or {}
        specs = data.get('argument_specs') or {}
        _CACHE[key] = dict((specs.get(entry_point) or specs.get('main') or {}).get('options') or {})
    return _CACHE[key]


def role_presets():
    """``__smtp_mail_presets`` of roles/smtp_mail/vars/main.yml (for a call outside the role)."""
    if 'presets' not in _CACHE:
        data = _load_yaml(os.path.join(ROLE_DIR, 'vars', 'main.yml')) or {}
        _CACHE['presets'] = data.get('__smtp_mail_presets') or {}
    return _CACHE['presets']


def option_for(var):
    """The module option a role variable feeds (``smtp_mail_port`` -> ``port``), or None for a role-only one."""
    if not var.startswith(PREFIX):
        return None
    name = var[len(PREFIX):]
    if name in ROLE_ONLY:
        return None
    return RENAMED.get(name, name)


def option_names(spec):
    """module option -> role variable, for every variable of the role's spec (failures name the variable)."""
    names = {}
    for var in spec:
        opt = option_for(var)
        if opt:
            names[opt] = var
    return names


# -- checks of the role's variables (one line naming the variable) ---------------------------------------------
def _show(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:56] + "...'"


def _suggest(word, candidates):
    close = difflib.get_close_matches(to_text(word), [to_text(c) for c in candidates], n=1, cutoff=0.6)
    return close[0] if close else None


def check_value(var, value, option):
    """The value converted to the variable's type, or raise ValueError with one line naming the variable."""
    if value is None:
        return None
    kind = option.get('type', 'str')
    try:
        if kind == 'int':
            if isinstance(value, bool):
                raise TypeError()
            value = check_type_int(value)
        elif kind == 'bool':
            value = check_type_bool(value)
        elif kind == 'list':
            value = check_type_list(value)
            if option.get('elements') == 'str':
                value = [to_text(v) for v in value]
        elif kind in ('str', 'path'):
            if isinstance(value, (dict, list)):
                raise TypeError()
            value = to_text(value) if not isinstance(value, str) else value
    except (TypeError, ValueError):
        words = dict(int='an integer', bool='true or false', list='a list', str='a string', path='a path')
        raise ValueError('%s: must be %s (got %s)' % (var, words.get(kind, kind), _show(value)))
    choices = option.get('choices')
    if choices and value not in choices:
        hint = _suggest(value, choices) if isinstance(value, str) else None
        raise ValueError('%s: must be one of %s (got %s)%s' % (
            var, ', '.join(to_text(c) for c in choices), _show(value), '; did you mean %s?' % hint if hint else ''))
    return value


def role_values(spec, lookup):
    """{variable: checked value} for every variable of the spec; ``lookup(var)`` gives the set value or raises
    KeyError (then the spec's default applies). Raises ValueError (one line) for the first bad value."""
    values = {}
    for var, option in spec.items():
        try:
            raw = lookup(var)
        except KeyError:
            raw = option.get('default')
        values[var] = check_value(var, raw, option)
    return values


# -- from role variables to module options -----------------------------------------------------------------
def _preset_host(preset, values):
    suffix = preset.get('relay_host_suffix')
    if suffix is None:
        return preset.get('host')
    domain = (values.get(PREFIX + 'relay_domain') or '').strip()
    if not domain and values.get(PREFIX + 'host') is None:
        raise ValueError('%srelay_domain: required with %sprovider %s unless %shost is set (the Microsoft 365 '
                         'accepted domain, e.g. contoso.com)' % (PREFIX, PREFIX, values.get(PREFIX + 'provider'),
                                                                 PREFIX))
    return domain.replace('.', '-') + suffix if domain else None


def module_params(values, presets, test_mail_off=False):
    """The module options (of ``orchestrator_mail_settings``) for the role's checked variables.

    Precedence for every option a preset names: the variable when set (not null), else the preset of
    ``smtp_mail_provider``. An empty From address is the SMTP username. Null is "not given"; an empty string too,
    except where it is a value (``KEEP_BLANK``).
    """
    provider = values.get(PREFIX + 'provider') or 'custom'
    preset = dict(presets.get(provider) or {})
    if 'host' in preset or 'relay_host_suffix' in preset:
        preset['host'] = _preset_host(preset, values)
    params = {}
    for var, value in values.items():
        opt = option_for(var)
        if opt is None:
            continue
        params[opt] = value
    # smtp_mail_authentication set by the user decides the login: the preset's use_default_credentials (a
    # derived value) would contradict it (windows) or pick the other Identity form of "none".
    login_given = params.get('authentication') is not None
    for key, value in preset.items():
        if key in PRESET_KEYS_NOT_OPTIONS or (login_given and key == 'use_default_credentials'):
            continue
        if params.get(key) is None:
            params[key] = value
    if not params.get('from_address') and 'from_address' in params:
        params['from_address'] = params.get('username')
    if test_mail_off:
        params['test_mail'] = 'never'
    for opt in list(params):
        value = params[opt]
        if value is None or (value == '' and opt not in KEEP_BLANK):
            del params[opt]
    return params


# -- typos -----------------------------------------------------------------------------------------------------
def unknown_variables(hosts_vars, known):
    """{unknown smtp_mail_* name: [hosts]} from ``hosts_vars`` ({host: iterable of variable names})."""
    found = {}
    for host, names in hosts_vars:
        for name in names:
            if isinstance(name, str) and name.startswith(PREFIX) and name not in known:
                found.setdefault(name, []).append(host)
    return found


def typo_warnings(unknown, known, role='smtp_mail', max_hosts=5):
    """One warning per unknown variable, naming the closest known variable and the hosts that set it."""
    out = []
    for name in sorted(unknown):
        hosts = unknown[name]
        shown = ', '.join(hosts[:max_hosts]) + (' and %d more' % (len(hosts) - max_hosts)
                                                if len(hosts) > max_hosts else '')
        hint = _suggest(name, sorted(known))
        out.append('%s: unknown variable%s (set for %s; not a variable of role %s, ignored)' % (
            name, '; did you mean %s?' % hint if hint else '', shown, role))
    return out

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Internal (not a public API of the collection): the one validator of the task options.

The argument spec says what it can (types, choices, required, defaults; checked by ansible-core in both runners).
Every other rule is here, with one error type and one wording per rule:

* :class:`ValidationError` is structured: the option it is about, a text whose ``{0}``, ``{1}``, ... are the
  names of the options it hints at (``hint_options``) and whose ``{name}`` fields are values (already shown
  safely). ``str()`` renders one line starting with the option name; :meth:`ValidationError.render` renders every
  option name through one function (:func:`option_label`) with another vocabulary, for example the role's variable
  names. User values are inserted as format arguments, so braces in them are never interpreted.
* the rules of the argument spec that core would word differently per runner (``required_together``) are declared
  by the task (``Task.rules``) and checked by :func:`check_rules` with this module's wording.

Connection options (URL, token, headers) are validated with the connection helpers, not here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._mail_fields import (
    API_MASK,
    BOOL_FIELDS,
    IDENTITY_TOGETHER,
    PASSWORD_DISPLAY,
    apply_authentication,
    derive_authentication,
    merge,
)

_CTRL_RE = re.compile(u'[\x00-\x1f\x7f-\x9f\u2028\u2029]')
_LABEL_RE = re.compile(r'^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$')
_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_OPTION_PREFIX_RE = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*): (.*)$', re.S)
#: UiPath's CLI accepts 1-300000 ms (``uip admin smtp update --connection-timeout``); the UI default is 180000
MAX_TIMEOUT_MS = 300000
#: the port of implicit TLS (SMTPS), which Orchestrator's SMTP client does not speak
IMPLICIT_TLS_PORT = 465
MAX_LINE = 2000


def option_label(option, names=None):
    """The one place an option name becomes text: itself, or its name in ``names`` (e.g. a role variable)."""
    if names and option in names:
        return names[option]
    return option


_IDENT_RE = re.compile(r'(?<![A-Za-z0-9_.])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![A-Za-z0-9_])')


def label_text(text, names=None):
    """A preformatted line (a literal :class:`ValidationError`, a server or network error) with every option name
    that contains an underscore (``ca_path``, ``validate_certs``: never a plain word) through :func:`option_label`.
    Single-word option names in such text stay as they are: name them as ``hint_options`` instead."""
    if not names:
        return text
    return _IDENT_RE.sub(lambda m: option_label(m.group(1), names), text)


def _one_line(text):
    text = re.sub(r'\s+', ' ', to_text(text)).strip()
    return text if len(text) <= MAX_LINE else text[:MAX_LINE - 3] + '...'


class ValidationError(Exception):
    """User input is invalid; ``str()`` is one line that starts with the option name.

    ``ValidationError(option, text, hint_options=(...), **values)``: ``text`` may name other options as ``{0}``,
    ``{1}``, ... (``hint_options`` in order) and values as ``{name}``. ``ValidationError('option: text')`` (one
    preformatted line) is accepted for callers outside this module; its text is rendered as it is.
    """

    def __init__(self, option, text=None, hint_options=(), **values):
        self.literal = text is None
        if self.literal:
            line = to_text(option)
            match = _OPTION_PREFIX_RE.match(line)
            option, text = (match.group(1), match.group(2)) if match else (None, line)
        self.option = option
        self.text = text
        self.hint_options = tuple(hint_options)
        self.values = values
        super(ValidationError, self).__init__(self.render())

    def render(self, names=None):
        """One line; every option name (the leading one and the hints) through :func:`option_label`."""
        if self.literal:
            body = label_text(self.text, names)
        else:
            body = self.text.format(*[option_label(o, names) for o in self.hint_options], **self.values)
        if self.option is None:
            return _one_line(body)
        return _one_line('%s: %s' % (option_label(self.option, names), body))

    def __str__(self):
        return self.render()


def _show(value, limit=80):
    text = repr(to_text(value))
    if text.startswith("u'"):
        text = text[1:]
    return text if len(text) <= limit else text[:limit - 4] + "...'"


def _given(value):
    return value is not None and value != ''


# -- rules declared with the argument spec --------------------------------------------------------------
def check_rules(rules, params):
    """``required_together`` (the task's ``rules``); an empty value counts as not given (AWX injects "")."""
    for group in (rules or {}).get('required_together') or ():
        given = [name for name in group if _given(params.get(name))]
        if given and len(given) != len(group):
            missing = [name for name in group if name not in given]
            raise ValidationError(missing[0], 'must be set together with {0}', hint_options=(given[0],))


# -- scope, api and state ---------------------------------------------------------------------------------
def check_scope(params, scope):
    """Scope/api consistency that needs no request."""
    if scope == 'organization' and (params.get('api') or 'auto') == 'classic':
        raise ValidationError('scope', 'organization needs the Identity settings API; the classic API knows only '
                                       'tenant and host (set {0}: identity or auto)', hint_options=('api',))


def check_absent(api, scope, tenant):
    """``state: absent`` resets to inherited values; on the classic API the Host has none (its values are what
    every tenant inherits), whether it is named by ``scope: host`` or by the login tenant ``Host``."""
    if api != 'classic':
        return
    if scope == 'host':
        raise ValidationError('scope', 'state=absent on the classic API resets a tenant to the values it inherits; '
                                       'the Host has no inherited values to return to (set {0}: tenant and name the '
                                       'tenant to reset in {1})', hint_options=('scope', 'tenant'))
    if (tenant or '').strip().lower() == 'host':
        raise ValidationError('tenant', 'state=absent on the classic API resets a tenant to the values it inherits; '
                                        'the Host has no inherited values to return to (set {0} to the tenant to '
                                        'reset)', hint_options=('tenant',))


def check_api_fields(api, desired, detected=False):
    """Fields the chosen settings API does not have."""
    if api == 'classic' and 'connection_timeout' in desired:
        raise ValidationError('connection_timeout', 'only supported by the Identity settings API ({where}); '
                                                    'remove it', where='this server uses the classic API' if detected
                              else 'api is classic')


# -- field syntax ---------------------------------------------------------------------------------------
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
        raise ValidationError('host', 'must not be empty')
    if _CTRL_RE.search(value):
        raise ValidationError('host', 'must not contain control characters (got {got})', got=_show(value))
    if re.search(r'\s', value):
        raise ValidationError('host', 'must not contain whitespace (got {got})', got=_show(value))
    if '://' in value:
        raise ValidationError('host', 'give a host name or IP address without a scheme (got {got})', got=_show(value))
    if len(value) > 253:
        raise ValidationError('host', 'must be at most 253 characters (got {got})', got=len(value))
    if _is_ip(value):
        return
    if any(ord(ch) > 127 for ch in value):
        raise ValidationError('host', 'must be ASCII; give an internationalised name in its xn-- (punycode) form '
                                      '(got {got})', got=_show(value))
    if ':' in value or '/' in value or '@' in value:
        raise ValidationError('host', 'give only a host name or IP address (no port, path or user; use the {0} '
                                      'option) (got {got})', hint_options=('port',), got=_show(value))
    if not _is_hostname(value):
        raise ValidationError('host', 'not a valid host name or IP address (got {got})', got=_show(value))


def _check_text(name, value, max_len=256, allow_space=True):
    if _CTRL_RE.search(value):
        raise ValidationError(name, 'must not contain control characters such as CR or LF (got {got})',
                              got=_show(value))
    if not allow_space and re.search(r'\s', value):
        raise ValidationError(name, 'must not contain whitespace (got {got})', got=_show(value))
    if len(value) > max_len:
        raise ValidationError(name, 'must be at most {max} characters (got {got})', max=max_len, got=len(value))


def validate_fields(desired):
    """Per-option syntax checks of the supplied (non-None) fields."""
    for field in BOOL_FIELDS:
        if field in desired and not isinstance(desired[field], bool):
            raise ValidationError(field, 'must be a boolean (got {got})', got=_show(desired[field]))
    if 'host' in desired:
        validate_host(desired['host'])
    if 'port' in desired:
        port = desired['port']
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValidationError('port', 'must be an integer between 1 and 65535 (got {got})', got=port)
    if 'connection_timeout' in desired:
        val = desired['connection_timeout']
        if isinstance(val, bool) or not isinstance(val, int) or not 1 <= val <= MAX_TIMEOUT_MS:
            raise ValidationError('connection_timeout', 'must be between 1 and {max} milliseconds (the range UiPath '
                                                        'accepts; the UI default is 180000) (got {got})',
                                  max=MAX_TIMEOUT_MS, got=val)
    if 'domain' in desired:
        _check_text('domain', desired['domain'], 255, allow_space=False)
    if 'username' in desired:
        user = desired['username']
        _check_text('username', user, 256)
        if user != user.strip():
            raise ValidationError('username', 'must not start or end with whitespace (got {got})', got=_show(user))
        if '@' in user and not is_email(user):
            raise ValidationError('username', 'looks like an e-mail address but is not a valid one (got {got})',
                                  got=_show(user))
    if 'password' in desired:
        pw = desired['password']
        if _CTRL_RE.search(pw):
            raise ValidationError('password', 'must not contain control characters')
        if len(pw) > 1024:
            raise ValidationError('password', 'must be at most 1024 characters')
        if pw and (pw == API_MASK or set(pw) == set(u'\u2022') or pw == PASSWORD_DISPLAY):
            raise ValidationError('password', 'this is the masked value the API returns, not a password; give the '
                                              'real password')
    if 'from_address' in desired:
        addr = desired['from_address']
        _check_text('from_address', addr, 254)
        if addr and ('<' in addr or ',' in addr or ';' in addr):
            raise ValidationError('from_address', 'give one bare e-mail address; put the name in {0} (got {got})',
                                  hint_options=('from_display_name',), got=_show(addr))
        if addr and not is_email(addr):
            raise ValidationError('from_address', 'not a valid e-mail address (got {got})', got=_show(addr))
    if 'from_display_name' in desired:
        _check_text('from_display_name', desired['from_display_name'], 256)


def check_recipient(option, recipient):
    if not recipient or not is_email(recipient):
        raise ValidationError(option, 'not a valid e-mail address (got {got})', got=_show(recipient or ''))


# -- combinations ---------------------------------------------------------------------------------------
def check_authentication(desired, authentication, api=None):
    """An explicit ``authentication`` and the fields it decides must agree (``api`` None = not known yet)."""
    if authentication is None:
        return
    udc = desired.get('use_default_credentials')
    if authentication == 'none':
        for field in ('username', 'password'):
            if desired.get(field):
                raise ValidationError(field, 'must be empty with {0}: none (a relay without login); remove it or set '
                                             '{0}: password', hint_options=('authentication',))
        if udc is True and api == 'classic':
            raise ValidationError('use_default_credentials', 'must not be true with {0}: none on the classic API '
                                                             '(true there logs in as the Orchestrator service '
                                                             'identity, {0}: windows)', hint_options=('authentication',))
    elif authentication == 'password':
        if udc is True:
            raise ValidationError('use_default_credentials', 'must not be true with {0}: password (it would log in '
                                                             'without the user name and password)',
                                  hint_options=('authentication',))
        if desired.get('username') == '':
            raise ValidationError('username', 'required with {0}: password', hint_options=('authentication',))
        if desired.get('password') == '':
            raise ValidationError('password', 'must not be empty with {0}: password', hint_options=('authentication',))
    elif authentication == 'windows':
        check_authentication_api(api, authentication)
        if udc is False:
            raise ValidationError('use_default_credentials', 'must not be false with {0}: windows (the service '
                                                             'identity is UseDefaultCredentials true)',
                                  hint_options=('authentication',))


def check_authentication_api(api, authentication, detected=False):
    """``windows`` (Orchestrator's service identity) exists only on the classic API."""
    if authentication == 'windows' and api == 'identity':
        raise ValidationError('authentication', 'windows (the Orchestrator service identity) is a classic-API '
                                                '(2020.10) login; on the Identity API{where} UseDefaultCredentials '
                                                'means no login (UiPath 2023.4+): set {0}: none or {0}: password',
                              hint_options=('authentication',),
                              where=' (this server uses it)' if detected else '')


def _ssl_with_default_credentials(option, stored=False):
    other = 'use_default_credentials' if option == 'enable_ssl' else 'enable_ssl'
    return ValidationError(option, 'cannot be true together with {0}: true on the classic API (2020.10: default '
                                   'credentials are the service identity, and UiPath says not to combine them with '
                                   'SSL){where}; set {1} explicitly', hint_options=(other, option),
                           where=' and that one is true on the server' if stored else '')


def _check_implicit_tls(values, desired, stored=False):
    """Port 465 with EnableSsl: implicit TLS (SMTPS), which .NET SmtpClient does not speak (STARTTLS only)."""
    if values.get('port') != IMPLICIT_TLS_PORT or values.get('enable_ssl') is not True:
        return
    if 'port' in desired or not stored:
        raise ValidationError('port', '465 with {0}: true is implicit TLS (SMTPS); Orchestrator speaks STARTTLS only: '
                                      'use 587', hint_options=('enable_ssl',))
    raise ValidationError('enable_ssl', 'true with {0} 465 (stored) is implicit TLS (SMTPS); Orchestrator speaks '
                                        'STARTTLS only: set {0}: 587', hint_options=('port',))


def _check_from(values, allow_from_mismatch, stored=False):
    if allow_from_mismatch or values.get('use_default_credentials') is True:
        return
    addr = values.get('from_address')
    user = values.get('username')
    if addr and user and addr.lower() != user.lower():
        raise ValidationError('from_address', 'must equal {0} ({user}{where}) as UiPath requires; set {1}: true to '
                                              'allow a different From address (got {got})',
                              hint_options=('username', 'allow_from_mismatch'), user=_show(user),
                              where=', stored value' if stored else '', got=_show(addr))


def _check_credentials(values, desired, password_known, api=None, stored=False):
    """A login (user name, UseDefaultCredentials false) needs a password; a password needs a user name.

    No user name with UseDefaultCredentials false is a relay without login (no AUTH is sent), with or without
    STARTTLS, and needs no password.
    """
    if values.get('use_default_credentials') is None and not stored:
        login = 'password' if values.get('username') and 'password' in desired else 'unknown'  # stored flag decides
    else:
        login = derive_authentication(values, api)
    if login != 'password':
        if (desired.get('password') and not values.get('username') and values.get('use_default_credentials') is not True
                and (stored or 'username' in values)):
            raise ValidationError('username', 'required when {0} is given (without a user name no login is sent); '
                                              'for a relay without login leave {0} empty or set {1}: none',
                                  hint_options=('password', 'authentication'))
        return
    if desired.get('password') == '':
        raise ValidationError('password', 'must not be empty when {0} is set (a login); for a relay without login set '
                                          '{1}: none', hint_options=('username', 'authentication'))
    if 'password' not in desired and not password_known:
        raise ValidationError('password', 'required with a login ({0} set; {why}; or set {1}: on_create to keep a '
                                          'stored password)', hint_options=('username', 'update_password'),
                              why='no password is stored' if stored else 'update_password is always')


def validate_input(desired, update_password='always', allow_from_mismatch=False, api=None, authentication=None):
    """All checks that need only the task's options (run before any request).

    ``desired`` is the task's fields with an explicit ``authentication`` already applied (or not: both work);
    ``api`` is the option (``classic``, ``identity``, ``auto``/None = not known yet).
    """
    validate_fields(desired)
    api = api if api in ('classic', 'identity') else None
    check_authentication(desired, authentication, api)
    desired = apply_authentication(desired, authentication, api)
    _check_implicit_tls(desired, desired)
    if api == 'classic' and desired.get('enable_ssl') is True and desired.get('use_default_credentials') is True:
        raise _ssl_with_default_credentials('enable_ssl')
    _check_credentials(desired, desired, update_password != 'always', api)
    _check_from(desired, allow_from_mismatch)


def validate_merged(current, desired, password_set, update_password='always', allow_from_mismatch=False, api=None):
    """Checks of the result (current values overlaid with the task's options) before writing.

    A combination only the server stores (the task sets neither field) is managed, not refused: on the Identity API
    EnableSsl + UseDefaultCredentials is valid (no login over STARTTLS, UiPath 2023.4+).
    """
    del update_password  # the stored password decides once the settings are read
    merged = merge(current, desired)
    if 'port' in desired or 'enable_ssl' in desired:
        _check_implicit_tls(merged, desired, stored=True)
    if (api == 'classic' and merged.get('enable_ssl') is True and merged.get('use_default_credentials') is True
            and ('enable_ssl' in desired or 'use_default_credentials' in desired)):
        raise _ssl_with_default_credentials('use_default_credentials' if 'enable_ssl' in desired else 'enable_ssl',
                                            stored=not ('enable_ssl' in desired and 'use_default_credentials' in desired))
    _check_credentials(merged, desired, password_set, api, stored=True)
    _check_from(merged, allow_from_mismatch, stored=not ('from_address' in desired and 'username' in desired))
    return merged


def check_write(api, writes, merged):
    """An Identity write carries Host, Port and FromEmail together (docs/API.md, "Identity endpoints")."""
    if api != 'identity' or not writes:
        return
    for field in IDENTITY_TOGETHER:
        if field not in writes and (merged.get(field) is None or merged.get(field) == ''):
            raise ValidationError(field, 'required for this change: the Identity API writes Host, Port and FromEmail '
                                         'together and none is stored')


def check_sendable(merged, password, option='password', api=None):
    """The merged settings must be complete enough to send a custom test mail (the stored password cannot be read):
    a login (user name, UseDefaultCredentials false) needs the password; no login needs none."""
    if not merged.get('host'):
        raise ValidationError('host', 'required to send a test mail (no SMTP host is stored)')
    if derive_authentication(merged, api) == 'password' and not password:
        raise ValidationError(option, 'required to send a test mail with a login ({0} {user}; the stored password '
                                      'cannot be read); or test the saved settings instead', hint_options=('username',),
                              user=_show(merged.get('username')))

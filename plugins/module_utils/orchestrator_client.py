# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One HTTP client for UiPath Orchestrator and its Identity server.

Transport is ``ansible.module_utils.urls.Request`` only (no third-party libraries), on every ansible-core from
2.16 on: the TLS context is built once per client and passed to ``Request.open`` where that accepts a
``context`` argument (2.17+); on 2.16 ``Request`` gets ``validate_certs``/``ca_path`` and builds it itself.

Behaviour (see also the doc fragment ``infraops.uipath_orchestrator.orchestrator`` and docs/HTTP_CLIENT.md):

* Authentication, in this order of precedence: a ready bearer ``token``; OAuth client credentials
  (``client_id``/``client_secret``, form POST to ``{identity_url}/connect/token``); ROPC login
  (``POST {orchestrator_url}/api/Account/Authenticate`` with ``tenancyName``).
  Login is lazy (first request that needs it). A 401 on a later request triggers exactly one
  re-authentication and one replay (not for a given ``token``, which cannot be renewed). A rejected login
  raises an :class:`OrchestratorError` whose message starts with ``login failed:`` and whose
  ``login_failed`` attribute is true. A token issued by the server is a secret from the moment it is read.
* Deadline: one attempt (connect, request, status line, headers and body together) ends after at most
  ``timeout`` seconds of wall-clock time, however slowly the server trickles bytes (``timeout`` is also the
  socket timeout of every single read).
* Retries: HTTP 429, 502 and 503 are retried for every method (the server did not act). HTTP 500 and 504,
  timeouts, connection resets and truncated/invalid JSON in a 2xx answer are retried only for idempotent
  calls (GET, PUT, DELETE; ``request(..., idempotent=...)`` overrides): a POST (login, UpdateBulk, test mail)
  may already have been carried out, so it fails at once. Connection refused, DNS and TLS errors are never
  retried. The delay before retry ``n`` (0-based) is ``min(retry_delay * 2**n, 30)`` seconds; a
  ``Retry-After`` header (seconds or HTTP date) replaces it, capped at 30 seconds and at what is left of the
  time bound below. Worst case for one logical request (all attempts and delays)::

      (retries + 1) * timeout + sum(min(retry_delay * 2**n, 30) for n in range(retries))

  (defaults: 4 * 30 + 1 + 2 + 4 = 127 s); a retry that no longer fits is not made. A 401 replay is a second
  logical request; a followed redirect is one more attempt inside the same bound.
* Redirects are handled here, not by urllib: credentials and tokens never leave the origin (scheme, host and
  port) they were given for. A redirect to another origin (including https -> http) fails in one line naming
  the ``Location``; a same-origin redirect is followed (at most 5 times) for GET only.
* Body-level failures: a 2xx answer whose JSON says ``"success": false`` (ABP envelope) or
  ``"succeeded": false`` (ASP.NET Identity result) is an error with the server's message.
* Errors: every failure is an :class:`OrchestratorError` with one readable line (no newline, never a
  traceback) built from ABP (``error.message`` + ``error.details`` + ``validationErrors``), OData, ASP.NET Core
  (``title``/``errors``) or OAuth (``error``/``error_description``) bodies. All known secrets (passwords,
  client secret, tokens) are scrubbed from messages and error bodies - raw, JSON-escaped, HTML-escaped,
  URL-encoded and base64 - before anything is shortened.
* ``request_count`` counts every HTTP request sent (logins, retries and redirects included).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import email.utils
import json
import re
import socket
import ssl
import threading
import time

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import quote, quote_plus, urlencode, urljoin, urlsplit
from ansible.module_utils.urls import Request, make_context

try:
    from http.client import HTTPException, IncompleteRead, RemoteDisconnected
except ImportError:  # pragma: no cover - Python 2 is not supported, keep the import sanity test calm
    HTTPException = IncompleteRead = RemoteDisconnected = Exception

try:
    import inspect
    _signature = inspect.signature
except (ImportError, AttributeError):  # pragma: no cover - Python 2
    _signature = None

MAX_BACKOFF = 30.0
MAX_REDIRECTS = 5
MAX_BODY = 16 * 1024 * 1024
RETRY_STATUSES = frozenset([429, 500, 502, 503, 504])
#: Answers after which the server has not acted on the request, so even a POST may be sent again.
SAFE_RETRY_STATUSES = frozenset([429, 502, 503])
IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])
SECRET_MASK = '********'
USER_AGENT = 'infraops.uipath_orchestrator'

ORCHESTRATOR_ARGUMENT_SPEC = dict(
    orchestrator_url=dict(type='str', required=True, fallback=(env_fallback, ['ORCHESTRATOR_URL'])),
    tenant=dict(type='str', default='Default', fallback=(env_fallback, ['ORCHESTRATOR_TENANT'])),
    orchestrator_username=dict(type='str', fallback=(env_fallback, ['ORCHESTRATOR_USERNAME'])),
    orchestrator_password=dict(type='str', no_log=True, fallback=(env_fallback, ['ORCHESTRATOR_PASSWORD'])),
    token=dict(type='str', no_log=True, fallback=(env_fallback, ['ORCHESTRATOR_TOKEN'])),
    client_id=dict(type='str', fallback=(env_fallback, ['ORCHESTRATOR_CLIENT_ID'])),
    client_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['ORCHESTRATOR_CLIENT_SECRET'])),
    scopes=dict(type='list', elements='str', default=['OR.Settings', 'PM.Setting']),
    identity_url=dict(type='str'),
    api=dict(type='str', default='auto', choices=['auto', 'classic', 'identity']),
    organization_id=dict(type='str', fallback=(env_fallback, ['ORCHESTRATOR_ORGANIZATION_ID'])),
    validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['ORCHESTRATOR_VALIDATE_CERTS'])),
    ca_path=dict(type='path'),
    timeout=dict(type='int', default=30),
    retries=dict(type='int', default=3),
    retry_delay=dict(type='float', default=1.0),
)

_CONTEXTS = {}  # (ca_path, validate_certs) -> ssl.SSLContext, loading the CA store costs ~0.5 s
_GUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
_CTRL_RE = re.compile(u'[\x00-\x1f\x7f\u0085\u2028\u2029]')
# What a bearer token may contain to travel in an Authorization header (visible ASCII, no spaces).
_TOKEN_RE = re.compile(r'^[\x21-\x7e]+$')


def _context_style():
    """How this ansible-core takes a ready ``ssl.SSLContext``: 'open' (2.17+: ``Request.open(context=)``),
    'init' (``Request(context=)``) or None (2.16: ``Request`` builds one from validate_certs/ca_path)."""
    for style, func in (('open', Request.open), ('init', Request.__init__)):
        try:
            params = _signature(func).parameters if _signature else ()
        except (TypeError, ValueError):  # pragma: no cover - not introspectable
            params = ()
        if 'context' in params:
            return style
    return None


CONTEXT_STYLE = _context_style()


class OrchestratorError(Exception):
    """A handled failure; ``str()`` is one readable line without secrets.

    ``status`` is the HTTP status (None for network errors and exhausted retries), ``body`` the (scrubbed)
    answer, ``detail`` the part of the message after the description of the call, ``login_failed`` is true
    when the login itself (ROPC or OAuth token request) failed.
    """

    def __init__(self, msg, status=None, body=None, detail=None, login_failed=False):
        super(OrchestratorError, self).__init__(msg)
        self.msg = msg
        self.status = status
        self.body = body
        self.detail = detail if detail is not None else msg
        self.login_failed = login_failed


def one_line(text, limit=600):
    text = re.sub(r'\s+', ' ', to_text(text or '', errors='surrogate_or_replace')).strip()
    if len(text) > limit:
        text = text[:limit - 3] + '...'
    return text


def _join(parts):
    out = []
    for part in parts:
        part = one_line(part) if part else ''
        if part and part not in out:
            out.append(part)
    res = []
    for idx, part in enumerate(out):
        if idx < len(out) - 1 and not part.endswith(('.', '!', '?', ':', ';')):
            part += '.'
        res.append(part)
    return ' '.join(res)


def _validation_errors(items):
    res = []
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                # ABP {message, members}; ASP.NET Identity {code, description}
                msg = item.get('message') or item.get('Message') or item.get('description') or \
                    item.get('Description') or item.get('code') or item.get('Code') or ''
                members = item.get('members') or item.get('Members') or []
                if members:
                    res.append('%s (%s)' % (msg, ', '.join(to_text(m) for m in members)) if msg else ', '.join(
                        to_text(m) for m in members))
                elif msg:
                    res.append(to_text(msg))
            elif item:
                res.append(to_text(item))
    return '; '.join(res)


def _errors_dict(errors):
    res = []
    if isinstance(errors, dict):
        for field, msgs in errors.items():
            if isinstance(msgs, list):
                msgs = ' '.join(to_text(m) for m in msgs)
            res.append('%s: %s' % (field, msgs) if field else to_text(msgs))
    elif isinstance(errors, list):
        res.append(_validation_errors(errors))
    return '; '.join(x for x in res if x)


def _loads(text):
    """json.loads that turns a nesting too deep for the parser into ValueError (never a RecursionError)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError('JSON nested too deeply')


def format_error_body(body):
    """Turn an error response body (bytes, text or parsed JSON) into one readable line ('' if nothing useful)."""
    try:
        return _format_error_body(body)
    except RecursionError:  # a pathologically nested answer: say so instead of crashing
        return 'the answer is nested too deeply to be read'


def _format_error_body(body):
    data = body
    if isinstance(body, bytes):
        body = to_text(body, errors='surrogate_or_replace')
    if isinstance(body, str):
        stripped = body.strip()
        if not stripped:
            return ''
        try:
            data = _loads(stripped)
        except ValueError:
            if stripped.startswith('<'):
                title = re.search(r'<title[^>]*>(.*?)</title>', stripped, re.I | re.S)
                if title:
                    return one_line(title.group(1), 300)
                return one_line(re.sub(r'<[^>]+>', ' ', stripped), 300)
            return one_line(stripped, 300)
    if isinstance(data, list):
        return one_line('; '.join(x for x in (format_error_body(i) for i in data) if x))
    if not isinstance(data, dict):
        return one_line(to_text(data), 300)

    err = data.get('error')
    # OAuth 2.0: {"error": "invalid_client", "error_description": "..."}
    if isinstance(err, str):
        desc = data.get('error_description') or data.get('message') or ''
        return one_line('%s: %s' % (err, desc) if desc else err)
    parts = []
    if isinstance(err, dict):
        # ABP envelope or OData v4 error
        parts.append(err.get('message') or err.get('Message'))
        details = err.get('details')
        if isinstance(details, list):  # OData v4: details is a list of {code,message,target}
            details = '; '.join(to_text(d.get('message') if isinstance(d, dict) else d) for d in details)
        parts.append(details)
        parts.append(_validation_errors(err.get('validationErrors')))
        inner = err.get('innererror') or err.get('innerError')
        if isinstance(inner, dict):
            parts.append(inner.get('message'))
    if not any(parts):
        parts.append(data.get('message') or data.get('Message') or data.get('title'))
        parts.append(data.get('detail') or data.get('details'))
    parts.append(_errors_dict(data.get('errors')))
    parts.append(_validation_errors(data.get('validationErrors')))
    text = _join(to_text(p) if p is not None and not isinstance(p, (str, bytes)) else p for p in parts)
    code = data.get('errorCode')
    if text and code not in (None, 0, '0', ''):
        text = '%s (errorCode %s)' % (text, code)
    return text


def body_failure(data):
    """The failure a 2xx JSON answer reports in its body, as one line; None when it reports none.

    ABP (Orchestrator) wraps answers as ``{"success": false, "error": {...}}``; ASP.NET Core Identity results
    are ``{"succeeded": false, "errors": [{"code", "description"}]}``.
    """
    if not isinstance(data, dict):
        return None
    for flag in ('success', 'Success', 'succeeded', 'Succeeded'):
        if data.get(flag) is False:
            return format_error_body(data) or 'the server reported a failure without a message'
    return None


def secret_forms(secret):
    """The forms in which a secret can show up in a server answer or a URL."""
    secret = to_text(secret)
    forms = set([secret, re.sub(r'\s+', ' ', secret).strip()])
    # JSON: Python-style (lower-case hex), with escaped slashes, and .NET System.Text.Json's default encoder,
    # which also escapes HTML-sensitive characters and '+' (upper-case hex)
    for ascii_only in (True, False):
        dumped = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        forms.add(dumped)
        forms.add(dumped.replace('/', '\\/'))
    forms.add(''.join(c if 32 <= ord(c) < 127 and c not in '<>&\'"+`\\' else
                      '\\\\' if c == '\\' else '\\u%04X' % ord(c) if ord(c) < 0x10000 else c for c in secret))
    # HTML: &quot; / &#x27; (Python), &#39; (.NET, Razor), &apos;
    html = secret.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    forms.add(html)
    for quot in ('&quot;', '&#34;'):
        for apos in ('&#x27;', '&#39;', '&apos;'):
            forms.add(html.replace('"', quot).replace("'", apos))
    # URL-encoding (both hex cases), base64
    for enc in (quote(secret, safe=''), quote(secret), quote_plus(secret), quote_plus(secret, safe='/')):
        forms.add(enc)
        forms.add(re.sub(r'%[0-9A-F]{2}', lambda m: m.group(0).lower(), enc))
    try:
        raw = secret.encode('utf-8')
        forms.add(to_text(base64.b64encode(raw)).rstrip('='))
        forms.add(to_text(base64.urlsafe_b64encode(raw)).rstrip('='))
    except UnicodeError:  # pragma: no cover - lone surrogates
        pass
    return set(f for f in forms if f and len(f) >= 3)


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header value (delta seconds or HTTP date); None if unusable."""
    if value is None:
        return None
    value = to_text(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, parsed.timestamp() - now)


def validate_connection_params(params):
    """Validate connection options before any request; raise OrchestratorError naming the option."""
    url = params.get('orchestrator_url')
    _check_url('orchestrator_url', url)
    if params.get('identity_url'):
        _check_url('identity_url', params['identity_url'])
    tenant = params.get('tenant')
    if tenant is not None and (not tenant.strip() or _CTRL_RE.search(tenant) or tenant != tenant.strip()):
        raise OrchestratorError('tenant: must be a non-empty tenancy name without surrounding whitespace or '
                                'control characters (got %r)' % tenant)
    org = params.get('organization_id')
    if org is not None and not _GUID_RE.match(org):
        raise OrchestratorError('organization_id: must be a GUID such as 6e6f7267-0000-4000-8000-000000000001 '
                                '(got %r)' % org)
    timeout = params.get('timeout')
    if timeout is not None and not 1 <= timeout <= 3600:
        raise OrchestratorError('timeout: must be between 1 and 3600 seconds (got %s)' % timeout)
    retries = params.get('retries')
    if retries is not None and not 0 <= retries <= 10:
        raise OrchestratorError('retries: must be between 0 and 10 (got %s)' % retries)
    delay = params.get('retry_delay')
    if delay is not None and not 0 <= delay <= MAX_BACKOFF:
        raise OrchestratorError('retry_delay: must be between 0 and %d seconds (got %s)' % (MAX_BACKOFF, delay))
    if params.get('token') is not None and not params['token'].strip():
        raise OrchestratorError('token: must not be empty')
    if params.get('token') and not _TOKEN_RE.match(params['token']):
        raise OrchestratorError('token: must not contain whitespace, control or non-ASCII characters (it is sent '
                                'in the HTTP Authorization header)')
    if tenant and not params.get('token') and not params.get('client_id'):
        check_header_value('tenant', tenant)
    if bool(params.get('client_id')) != bool(params.get('client_secret')) and not params.get('token'):
        raise OrchestratorError('client_id: client_id and client_secret must be given together')
    if not params.get('token') and not params.get('client_id'):
        if not params.get('orchestrator_username') and not params.get('orchestrator_password'):
            raise OrchestratorError('orchestrator_username: no credentials given; set token, client_id/client_secret '
                                    'or orchestrator_username/orchestrator_password (or the ORCHESTRATOR_* '
                                    'environment variables)')
        if not params.get('orchestrator_username'):
            raise OrchestratorError('orchestrator_username: required together with orchestrator_password')
        if not params.get('orchestrator_password'):
            raise OrchestratorError('orchestrator_password: required together with orchestrator_username')
    for name in ('scopes',):
        for scope in params.get(name) or []:
            if not scope or re.search(r'\s', scope):
                raise OrchestratorError('scopes: each scope must be one word without whitespace (got %r)' % scope)


def check_header_value(option, value):
    """A value sent in an HTTP header must be Latin-1 without control characters (HTTP/1.1 field values)."""
    try:
        to_text(value).encode('latin-1')
    except UnicodeError:
        raise OrchestratorError('%s: %r contains characters outside Latin-1, which the HTTP header '
                                'X-UIPATH-TenantName cannot carry; use the tenancy name (the ASCII name of the '
                                'tenant, as in its URL)' % (option, value))
    if _CTRL_RE.search(to_text(value)):
        raise OrchestratorError('%s: must not contain control characters (got %r)' % (option, value))


def _check_url(name, url):
    if url is None or not url.strip():
        raise OrchestratorError('%s: must not be empty' % name)
    if _CTRL_RE.search(url) or re.search(r'\s', url):
        raise OrchestratorError('%s: must not contain whitespace or control characters' % name)
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise OrchestratorError('%s: not a valid URL (%s)' % (name, to_native(exc)))
    if parts.scheme.lower() not in ('http', 'https') or not parts.hostname:
        raise OrchestratorError('%s: must be an http:// or https:// URL with a host name (got %r)' % (name, url))
    if parts.query or parts.fragment:
        raise OrchestratorError('%s: must not contain a query string or fragment (got %r)' % (name, url))
    try:
        parts.port
    except ValueError:
        raise OrchestratorError('%s: invalid port in URL (got %r)' % (name, url))


class Response(object):
    def __init__(self, status, data, headers=None, raw=b''):
        self.status = status
        self.data = data
        self.headers = headers or {}
        self.raw = raw


class _Retryable(Exception):
    """A failed attempt that may be repeated; ``safe`` when the server cannot have acted on it."""

    def __init__(self, msg, retry_after=None, safe=False, status=None):
        super(_Retryable, self).__init__(msg)
        self.msg = msg
        self.retry_after = retry_after
        self.safe = safe
        self.status = status


class _Redirect(Exception):
    def __init__(self, status, location):
        super(_Redirect, self).__init__(location)
        self.status = status
        self.location = location


class _DeadlineExceeded(Exception):
    pass


class _BodyTooLarge(Exception):
    pass


def _origin(url):
    parts = urlsplit(url)
    scheme = (parts.scheme or '').lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is None:
        port = {'http': 80, 'https': 443}.get(scheme)
    return scheme, (parts.hostname or '').lower(), port


def _read_body(fp, deadline, abandoned, clock):
    """Read a whole answer in small pieces, giving up at the wall-clock ``deadline``."""
    if fp is None:
        return b''
    read1 = getattr(fp, 'read1', None)
    chunks = []
    total = 0
    while True:
        if abandoned.is_set() or clock() >= deadline:
            raise _DeadlineExceeded()
        chunk = read1(65536) if read1 is not None else fp.read(4096)
        if not chunk:
            break
        total += len(chunk)
        if total > MAX_BODY:
            raise _BodyTooLarge()
        chunks.append(chunk)
    return b''.join(chunks)


class OrchestratorClient(object):
    """HTTP client; ``params`` are the connection options of ORCHESTRATOR_ARGUMENT_SPEC."""

    def __init__(self, params, warn=None, sleep=time.sleep, login_tenant=None, no_log_values=None):
        self.params = params
        self.base_url = params['orchestrator_url'].rstrip('/')
        self.identity_url = (params.get('identity_url') or self.base_url + '/identity').rstrip('/')
        self.login_tenant = login_tenant or params.get('tenant') or 'Default'
        self.timeout = params.get('timeout') or 30
        self.retries = params.get('retries') if params.get('retries') is not None else 3
        self.retry_delay = params.get('retry_delay') if params.get('retry_delay') is not None else 1.0
        self.validate_certs = params.get('validate_certs', True)
        self.ca_path = params.get('ca_path')
        self.request_count = 0
        self.retry_count = 0
        self.reauth_count = 0
        self._sleep = sleep
        self._clock = time.monotonic
        self._warn = warn
        self._token = params.get('token')
        self._secrets = set()
        self._forms = []  # every form of every secret, longest first
        # A set shared with AnsibleModule.no_log_values, so runtime tokens are masked by Ansible as well.
        self._no_log_values = no_log_values
        for key in ('orchestrator_password', 'client_secret', 'token'):
            self.add_secret(params.get(key))
        if params.get('token'):
            self.auth_mode = 'token'
        elif params.get('client_id'):
            self.auth_mode = 'oauth'
        else:
            self.auth_mode = 'ropc'
        if not self.validate_certs and warn is not None and self.base_url.lower().startswith('https'):
            warn('validate_certs is false: the TLS certificate of %s is not verified' % self.base_url)
        self._context = None
        self._request = None

    # -- secrets -------------------------------------------------------------------------------------
    def add_secret(self, value):
        if value and isinstance(value, (str, bytes)):
            value = to_text(value, errors='surrogate_or_replace')
            if value not in self._secrets:
                self._secrets.add(value)
                if len(value) >= 3:  # shorter values would mask ordinary text
                    self._forms = sorted(set(self._forms) | secret_forms(value), key=len, reverse=True)
            if self._no_log_values is not None:
                self._no_log_values.add(value)

    def scrub(self, text):
        """``text`` with every known secret, in every form it may take, replaced by ``********``."""
        text = to_text(text, errors='surrogate_or_replace')
        for form in self._forms:
            if form in text:
                text = text.replace(form, SECRET_MASK)
        return text

    def _clean(self, text, limit=1000):
        """Scrub, make one line, scrub again (whitespace folded) and only then shorten."""
        text = self.scrub(text)
        text = self.scrub(re.sub(r'\s+', ' ', text).strip())
        return one_line(text, limit)

    def _error(self, msg, status=None, body=None, detail=None, login_failed=False):
        if isinstance(body, bytes):
            body = self.scrub(to_text(body, errors='surrogate_or_replace')).encode('utf-8', 'surrogateescape')
        elif body is not None:
            body = self.scrub(body)
        return OrchestratorError(self._clean(msg), status=status, body=body,
                                 detail=self._clean(detail) if detail is not None else None,
                                 login_failed=login_failed)

    def _fail(self, label, detail, status=None, body=None):
        return self._error('%s failed: %s' % (label, detail), status=status, body=body, detail=detail)

    # -- authentication ------------------------------------------------------------------------------
    def _login_label(self):
        if self.auth_mode == 'oauth':
            return 'OAuth client %s' % self.params['client_id']
        return 'account %s, tenant %s' % (self.params['orchestrator_username'], self.login_tenant)

    def authenticate(self):
        if self.auth_mode == 'token':
            return self._token
        who = self._login_label()
        try:
            if self.auth_mode == 'oauth':
                form = {
                    'grant_type': 'client_credentials',
                    'client_id': self.params['client_id'],
                    'client_secret': self.params['client_secret'],
                    'scope': ' '.join(self.params.get('scopes') or []),
                }
                resp = self._send('POST', self.identity_url + '/connect/token', form=form, auth=False,
                                  what='OAuth token request', idempotent=False)
                data = resp.data if isinstance(resp.data, dict) else {}
                for extra in ('refresh_token', 'id_token'):
                    self.add_secret(data.get(extra))
                token = data.get('access_token')
            else:
                body = {
                    'tenancyName': self.login_tenant,
                    'usernameOrEmailAddress': self.params['orchestrator_username'],
                    'password': self.params['orchestrator_password'],
                }
                resp = self._send('POST', self.base_url + '/api/Account/Authenticate', body=body, auth=False,
                                  what='login', idempotent=False)
                data = resp.data if isinstance(resp.data, dict) else {}
                token = data.get('result') or data.get('access_token')
        except OrchestratorError as exc:
            raise self._error('login failed: %s: %s' % (who, exc.detail), status=exc.status, body=exc.body,
                              login_failed=True)
        self.add_secret(token)  # before anything else can print it
        if not token or not isinstance(token, str):
            raise self._error('login failed: %s: the answer (HTTP %s) contains no token' % (who, resp.status),
                              status=resp.status, login_failed=True)
        if not _TOKEN_RE.match(token):
            raise self._error('login failed: %s: the server issued a token with whitespace, control or non-ASCII '
                              'characters, which an HTTP Authorization header cannot carry' % who,
                              status=resp.status, login_failed=True)
        self._token = token
        return token

    def ensure_token(self):
        """Log in unless a token is at hand, so a login failure is never mistaken for a failure of the call."""
        if self._token is None:
            self.authenticate()
        return self._token

    # -- requests ------------------------------------------------------------------------------------
    def url(self, path):
        if path.startswith('http://') or path.startswith('https://'):
            return path
        return self.base_url + '/' + path.lstrip('/')

    def request(self, method, path, body=None, query=None, expect_json=True, what=None, headers=None,
                idempotent=None):
        """Authenticated request; returns Response. Raises OrchestratorError.

        ``idempotent`` (default: by method, GET/PUT/DELETE yes, POST no) decides whether a timeout, a reset,
        HTTP 500/504 or a truncated answer may be retried.
        """
        url = self.url(path)
        if query:
            url += ('&' if '?' in url else '?') + urlencode(query, doseq=True)
        if self.auth_mode == 'ropc':
            check_header_value('tenant', self.login_tenant)
        self.ensure_token()
        try:
            return self._send(method, url, body=body, auth=True, expect_json=expect_json, what=what,
                              headers=headers, idempotent=idempotent)
        except OrchestratorError as exc:
            if exc.status == 401 and self.auth_mode != 'token' and self.reauth_count == 0:
                self.reauth_count += 1
                self._token = None
                self.authenticate()
                return self._send(method, url, body=body, auth=True, expect_json=expect_json, what=what,
                                  headers=headers, idempotent=idempotent)
            raise

    def time_bound(self):
        """Documented worst case in seconds for one logical request (every attempt and delay)."""
        return (self.retries + 1) * self.timeout + sum(
            min(self.retry_delay * (2 ** n), MAX_BACKOFF) for n in range(self.retries))

    def _send(self, method, url, body=None, form=None, auth=True, expect_json=True, what=None, headers=None,
              idempotent=None):
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        hdrs = {'Accept': 'application/json'}
        data = None
        if form is not None:
            data = urlencode(form)
            hdrs['Content-Type'] = 'application/x-www-form-urlencoded'
        elif body is not None:
            data = json.dumps(body)
            hdrs['Content-Type'] = 'application/json'
        if auth:
            hdrs['Authorization'] = 'Bearer %s' % self._token
            if self.auth_mode == 'ropc' and not url.startswith(self.identity_url):
                hdrs['X-UIPATH-TenantName'] = self.login_tenant
        if headers:
            hdrs.update(headers)
        label = what or '%s %s' % (method, urlsplit(url).path)
        budget = self.time_bound()
        used = 0.0
        attempt = 0
        hops = 0
        while True:
            started = self._clock()
            try:
                return self._attempt(method, url, data, hdrs, expect_json, label)
            except _Redirect as redir:
                url = self._follow(method, url, redir, label, hops)
                hops += 1
                used += max(0.0, self._clock() - started)
                continue
            except _Retryable as exc:
                used += max(0.0, self._clock() - started)
                if not idempotent and not exc.safe:
                    raise self._fail(label, '%s; not retried, because the server may already have carried out '
                                            'this %s' % (exc.msg, method), status=exc.status)
                tried = 'after %d attempt%s: %s' % (attempt + 1, '' if attempt == 0 else 's', exc.msg)
                if attempt >= self.retries:
                    raise self._error('%s failed %s' % (label, tried), detail=tried)
                delay = min(self.retry_delay * (2 ** attempt), MAX_BACKOFF)
                if exc.retry_after is not None:
                    delay = min(exc.retry_after, MAX_BACKOFF)
                room = budget - used - self.timeout
                if room < 0:
                    tried += ' (no time left for another attempt within the bound of %g s)' % budget
                    raise self._error('%s failed %s' % (label, tried), detail=tried)
                delay = max(0.0, min(delay, room))
                attempt += 1
                self.retry_count += 1
                used += delay
                if delay > 0:
                    self._sleep(delay)

    def _follow(self, method, url, redir, label, hops):
        """The URL to follow a redirect to, or an OrchestratorError naming the Location."""
        location = to_text(redir.location or '').strip()
        if not location:
            raise self._fail(label, 'HTTP %s redirect without a Location header' % redir.status, status=redir.status)
        target = urljoin(url, location)
        if _origin(target) != _origin(url):
            raise self._fail(label, 'HTTP %s redirect to %s, another origin than %s://%s; not followed, so no '
                                    'credentials leave the server they were given for (set orchestrator_url / '
                                    'identity_url to the address the server redirects to)' % (
                                        redir.status, location, urlsplit(url).scheme, urlsplit(url).netloc),
                             status=redir.status)
        if method not in ('GET', 'HEAD'):
            raise self._fail(label, 'HTTP %s redirect of a %s to %s; not followed (only GET is), so nothing was '
                                    'sent there (set orchestrator_url / identity_url to the final address)' % (
                                        redir.status, method, location), status=redir.status)
        if hops >= MAX_REDIRECTS:
            raise self._fail(label, 'more than %d redirects (last to %s)' % (MAX_REDIRECTS, location),
                             status=redir.status)
        return target

    def ssl_context(self):
        """One TLS context per client (ansible's Request would build, and load the CA store, per request)."""
        if self._context is None:
            key = (self.ca_path, bool(self.validate_certs))
            try:
                if key not in _CONTEXTS:
                    _CONTEXTS[key] = make_context(cafile=self.ca_path, validate_certs=self.validate_certs)
                self._context = _CONTEXTS[key]
            except (IOError, OSError, ssl.SSLError, ValueError) as exc:
                raise self._error('ca_path: cannot load the CA bundle %s (%s)' % (self.ca_path, to_native(exc)))
        return self._context

    def _transport(self):
        """The ansible Request object, built once, with the TLS context where this ansible-core takes one."""
        if self._request is None:
            kwargs = dict(http_agent=USER_AGENT, validate_certs=self.validate_certs, ca_path=self.ca_path,
                          timeout=self.timeout, follow_redirects='none', use_proxy=True)
            if CONTEXT_STYLE == 'init':
                kwargs['context'] = self.ssl_context()
            self._request = Request(**kwargs)
        return self._request

    def _exchange(self, method, url, data, hdrs, deadline, abandoned):
        """One HTTP exchange (runs in a helper thread): ('ok'|'http_error'|'redirect', status, raw, headers)."""
        request = self._transport()
        kwargs = dict(data=data, headers=hdrs)
        if CONTEXT_STYLE == 'open':
            kwargs['context'] = self.ssl_context()
        try:
            resp = request.open(method, url, **kwargs)
        except HTTPError as exc:
            status = exc.code
            resp_headers = dict(exc.headers.items()) if exc.headers is not None else {}
            if 300 <= status < 400:
                try:
                    exc.close()
                except Exception:  # pylint: disable=broad-except
                    pass
                location = exc.headers.get('Location') if exc.headers is not None else None
                return 'redirect', status, location, resp_headers
            try:
                raw = _read_body(getattr(exc, 'fp', None), deadline, abandoned, self._clock)
            except (_DeadlineExceeded, _BodyTooLarge):
                raise
            except Exception:  # pylint: disable=broad-except
                raw = b''
            return 'http_error', status, raw, resp_headers
        try:
            status = resp.getcode() if hasattr(resp, 'getcode') else resp.status
            resp_headers = dict(resp.headers.items()) if getattr(resp, 'headers', None) is not None else {}
            raw = _read_body(resp, deadline, abandoned, self._clock)
        finally:
            try:
                resp.close()
            except Exception:  # pylint: disable=broad-except
                pass
        return 'ok', status, raw, resp_headers

    def _timed_exchange(self, method, url, data, hdrs):
        """Run one exchange with a wall-clock deadline of ``timeout`` seconds (connect, headers and body)."""
        self.ssl_context()  # a bad ca_path fails here, in one line, before any request
        deadline = self._clock() + self.timeout
        abandoned = threading.Event()
        box = {}

        def run():
            try:
                box['value'] = self._exchange(method, url, data, hdrs, deadline, abandoned)
            except BaseException as exc:  # pylint: disable=broad-except
                box['error'] = exc  # re-raised in the caller's thread

        worker = threading.Thread(target=run, name='orchestrator-request')
        worker.daemon = True
        worker.start()
        worker.join(self.timeout + 0.05)
        if worker.is_alive():
            abandoned.set()  # the helper stops at its next read; its socket times out at the latest
            raise _DeadlineExceeded()
        if 'error' in box:
            raise box['error']
        return box['value']

    def _attempt(self, method, url, data, hdrs, expect_json, label):
        self.request_count += 1
        netloc = urlsplit(url).netloc
        try:
            kind, status, raw, resp_headers = self._timed_exchange(method, url, data, hdrs)
        except _DeadlineExceeded:
            raise _Retryable('timed out: no complete answer within timeout (%ss)' % self.timeout)
        except _BodyTooLarge:
            raise self._fail(label, 'the answer is larger than %d MiB' % (MAX_BODY // (1024 * 1024)))
        except (socket.timeout, TimeoutError) as exc:
            raise _Retryable('timed out after %ss (%s)' % (self.timeout, to_native(exc) or 'timeout'))
        except (RemoteDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
                IncompleteRead) as exc:
            raise _Retryable('connection reset or closed by the server (%s)' % (
                type(exc).__name__ + (': ' + to_native(exc) if to_native(exc) else '')))
        except URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise _Retryable('timed out after %ss' % self.timeout)
            if isinstance(reason, (ConnectionResetError, ConnectionAbortedError, RemoteDisconnected)):
                raise _Retryable('connection reset by the server (%s)' % type(reason).__name__)
            if isinstance(reason, ssl.SSLCertVerificationError) or 'CERTIFICATE_VERIFY_FAILED' in to_native(reason):
                raise self._fail(label, 'TLS certificate verification failed for %s (%s); set ca_path to the CA '
                                        'bundle that signed the server certificate, or validate_certs: false '
                                        '(not recommended)' % (netloc, to_native(
                                            getattr(reason, 'verify_message', None) or reason)))
            if isinstance(reason, ssl.SSLError):
                raise self._fail(label, 'TLS error talking to %s: %s' % (netloc, to_native(reason)))
            raise self._fail(label, 'cannot connect to %s: %s' % (netloc, to_native(reason)))
        except ssl.SSLError as exc:
            raise self._fail(label, 'TLS error talking to %s: %s' % (netloc, to_native(exc)))
        except (UnicodeError, ValueError) as exc:
            # http.client refuses header values with CR/LF or characters outside Latin-1; its message quotes the
            # header value, which may hold a secret in a form scrub() does not know (a bytes repr)
            raise self._fail(label, 'the request could not be sent: a header value contains characters HTTP cannot '
                                    'carry (%s)' % type(exc).__name__)
        except (HTTPException, OSError) as exc:
            raise _Retryable('connection error (%s: %s)' % (type(exc).__name__, to_native(exc)))

        if kind == 'redirect':
            raise _Redirect(status, raw)
        if kind == 'http_error':
            self._http_error(label, status, raw, resp_headers)

        text = to_text(raw or b'', errors='surrogate_or_replace').strip()
        parsed = None
        if text:
            try:
                parsed = json.loads(text)
            except RecursionError:
                raise self._fail(label, 'the answer (HTTP %s) is JSON nested too deeply to be read' % status,
                                 status=status)
            except ValueError:
                ctype = (resp_headers.get('Content-Type') or resp_headers.get('content-type') or '').lower()
                if expect_json and ('json' in ctype or text[:1] in ('{', '[')):
                    raise _Retryable('truncated or invalid JSON in the response (%d bytes)' % len(raw))
                if expect_json:
                    raise self._fail(label, 'expected JSON, got %s' % one_line(self.scrub(text), 120),
                                     status=status)
        if 'Authorization' not in hdrs and isinstance(parsed, dict):
            # a login answer: the token it carries is a secret before anything can print it
            for key in ('result', 'access_token', 'refresh_token', 'id_token'):
                if isinstance(parsed.get(key), str):
                    self.add_secret(parsed[key])
        if body_failure(parsed):
            # formatted again from the scrubbed text, so shortening the message cannot leave part of a secret
            failure = body_failure(json.loads(self.scrub(text)))
            raise self._fail(label, 'HTTP %s, but the answer reports a failure: %s' % (status, failure),
                             status=status, body=raw)
        if not expect_json:
            return Response(status, None, resp_headers, raw)
        return Response(status, parsed, resp_headers, raw)

    def _http_error(self, label, status, raw, resp_headers):
        retry_after = parse_retry_after(resp_headers.get('Retry-After') or resp_headers.get('retry-after'))
        text = format_error_body(self.scrub(to_text(raw or b'', errors='surrogate_or_replace')))
        msg = 'HTTP %s%s' % (status, (': ' + text) if text else '')
        if status in RETRY_STATUSES:
            raise _Retryable(msg, retry_after if status in (429, 503) else None,
                             safe=status in SAFE_RETRY_STATUSES, status=status)
        hint = ''
        if status == 401:
            hint = ' (authentication failed or the token expired)'
        elif status == 403:
            hint = ' (the account lacks the permission or OAuth scope for this call)'
        elif status == 404:
            hint = ' (not found: check orchestrator_url / identity_url and the API version)'
        elif status == 409:
            hint = ' (conflict)'
        raise self._fail(label, msg + hint, status=status, body=raw)

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One HTTP client for UiPath Orchestrator and its Identity server.

Transport is ``ansible.module_utils.urls.Request`` only (no third-party libraries).

Behaviour (see also the doc fragment ``infraops.uipath_orchestrator.orchestrator``):

* Authentication, in this order of precedence: a ready bearer ``token``; OAuth client credentials
  (``client_id``/``client_secret``, form POST to ``{identity_url}/connect/token``); ROPC login
  (``POST {orchestrator_url}/api/Account/Authenticate`` with ``tenancyName``).
  Login is lazy (first request that needs it). A 401 on a later request triggers exactly one
  re-authentication and one replay (not for a given ``token``, which cannot be renewed).
* Retries: HTTP 500/502/503/504 and 429, read/connect timeouts, connection resets
  (``RemoteDisconnected``, ``ConnectionResetError``, ``IncompleteRead``) and truncated/invalid JSON in a
  2xx response are retried ``retries`` times.  The delay before retry ``n`` (0-based) is
  ``min(retry_delay * 2**n, 30)`` seconds; a ``Retry-After`` header (seconds or HTTP date) replaces it, also
  capped at 30 seconds.  Worst-case time for one logical request is therefore bounded by
  ``(retries + 1) * timeout + sum(min(retry_delay * 2**n, 30) for n in range(retries))``
  (defaults: 4 * 30 + 1 + 2 + 4 = 127 s).  Connection refused, DNS and TLS errors are not retried.
* Errors: every failure is an :class:`OrchestratorError` with one readable line (no newline) built from
  ABP (``error.message`` + ``error.details`` + ``validationErrors``), OData, ASP.NET Core
  (``title``/``errors``) or OAuth (``error``/``error_description``) bodies.  All known secrets (passwords,
  client secret, tokens) are scrubbed from messages.
* ``request_count`` counts every HTTP request sent (logins and retries included).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import re
import socket
import ssl
import time

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode, urlsplit
from ansible.module_utils.urls import Request, make_context

try:
    from http.client import HTTPException, IncompleteRead, RemoteDisconnected
except ImportError:  # pragma: no cover - Python 2 is not supported, keep the import sanity test calm
    HTTPException = IncompleteRead = RemoteDisconnected = Exception

MAX_BACKOFF = 30.0
RETRY_STATUSES = frozenset([429, 500, 502, 503, 504])
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


class OrchestratorError(Exception):
    """A handled failure; ``str()`` is one readable line without secrets."""

    def __init__(self, msg, status=None, body=None):
        super(OrchestratorError, self).__init__(msg)
        self.msg = msg
        self.status = status
        self.body = body


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
                msg = item.get('message') or item.get('Message') or ''
                members = item.get('members') or item.get('Members') or []
                if members:
                    res.append('%s (%s)' % (msg, ', '.join(to_text(m) for m in members)) if msg else ', '.join(
                        to_text(m) for m in members))
                elif msg:
                    res.append(msg)
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


def format_error_body(body):
    """Turn an error response body (bytes, text or parsed JSON) into one readable line ('' if nothing useful)."""
    data = body
    if isinstance(body, bytes):
        body = to_text(body, errors='surrogate_or_replace')
    if isinstance(body, str):
        stripped = body.strip()
        if not stripped:
            return ''
        try:
            data = json.loads(stripped)
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
    text = _join(parts)
    code = data.get('errorCode')
    if text and code not in (None, 0, '0', ''):
        text = '%s (errorCode %s)' % (text, code)
    return text


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
    def __init__(self, msg, retry_after=None):
        super(_Retryable, self).__init__(msg)
        self.msg = msg
        self.retry_after = retry_after


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
        self._warn = warn
        self._token = params.get('token')
        self._secrets = set()
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
        self._request = Request(http_agent=USER_AGENT, validate_certs=self.validate_certs, ca_path=self.ca_path,
                                timeout=self.timeout, follow_redirects='safe', use_proxy=True)

    # -- secrets -------------------------------------------------------------------------------------
    def add_secret(self, value):
        if value:
            value = to_text(value)
            self._secrets.add(value)
            if self._no_log_values is not None:
                self._no_log_values.add(value)

    def scrub(self, text):
        text = to_text(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret and len(secret) >= 3:
                text = text.replace(secret, SECRET_MASK)
        return text

    def _error(self, msg, status=None, body=None):
        return OrchestratorError(self.scrub(one_line(msg, 1000)), status=status, body=body)

    # -- authentication ------------------------------------------------------------------------------
    def authenticate(self):
        if self.auth_mode == 'token':
            return self._token
        if self.auth_mode == 'oauth':
            form = {
                'grant_type': 'client_credentials',
                'client_id': self.params['client_id'],
                'client_secret': self.params['client_secret'],
                'scope': ' '.join(self.params.get('scopes') or []),
            }
            resp = self._send('POST', self.identity_url + '/connect/token', form=form, auth=False,
                              what='OAuth token request')
            token = resp.data.get('access_token') if isinstance(resp.data, dict) else None
        else:
            body = {
                'tenancyName': self.login_tenant,
                'usernameOrEmailAddress': self.params['orchestrator_username'],
                'password': self.params['orchestrator_password'],
            }
            resp = self._send('POST', self.base_url + '/api/Account/Authenticate', body=body, auth=False,
                              what='login of %s to tenant %s' % (self.params['orchestrator_username'], self.login_tenant))
            token = None
            if isinstance(resp.data, dict):
                token = resp.data.get('result') or resp.data.get('access_token')
        if not token or not isinstance(token, str):
            raise self._error('Authentication returned no token (HTTP %s)' % resp.status)
        self.add_secret(token)
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

    def request(self, method, path, body=None, query=None, expect_json=True, what=None, headers=None):
        """Authenticated request; returns Response. Raises OrchestratorError."""
        url = self.url(path)
        if query:
            url += ('&' if '?' in url else '?') + urlencode(query, doseq=True)
        self.ensure_token()
        try:
            return self._send(method, url, body=body, auth=True, expect_json=expect_json, what=what,
                              headers=headers)
        except OrchestratorError as exc:
            if exc.status == 401 and self.auth_mode != 'token' and self.reauth_count == 0:
                self.reauth_count += 1
                self._token = None
                self.authenticate()
                return self._send(method, url, body=body, auth=True, expect_json=expect_json, what=what,
                                  headers=headers)
            raise

    def _send(self, method, url, body=None, form=None, auth=True, expect_json=True, what=None, headers=None):
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
        attempt = 0
        while True:
            try:
                return self._attempt(method, url, data, hdrs, expect_json, label)
            except _Retryable as exc:
                if attempt >= self.retries:
                    raise self._error('%s failed after %d attempt%s: %s' % (
                        label, attempt + 1, '' if attempt == 0 else 's', exc.msg))
                delay = min(self.retry_delay * (2 ** attempt), MAX_BACKOFF)
                if exc.retry_after is not None:
                    delay = min(exc.retry_after, MAX_BACKOFF)
                attempt += 1
                self.retry_count += 1
                if delay > 0:
                    self._sleep(delay)

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

    def _attempt(self, method, url, data, hdrs, expect_json, label):
        context = self.ssl_context()
        self.request_count += 1
        try:
            resp = self._request.open(method, url, data=data, headers=hdrs, context=context)
            status = resp.getcode() if hasattr(resp, 'getcode') else resp.status
            raw = resp.read()
            resp_headers = dict(resp.headers.items()) if getattr(resp, 'headers', None) is not None else {}
        except HTTPError as exc:
            status = exc.code
            try:
                raw = exc.read()
            except Exception:  # pylint: disable=broad-except
                raw = b''
            retry_after = None
            if exc.headers is not None:
                retry_after = parse_retry_after(exc.headers.get('Retry-After'))
            text = format_error_body(raw) or one_line(exc.reason or '')
            msg = 'HTTP %s%s' % (status, (': ' + text) if text else '')
            if status in RETRY_STATUSES:
                raise _Retryable(msg, retry_after if status in (429, 503) else None)
            hint = ''
            if status == 401:
                hint = ' (authentication failed or the token expired)'
            elif status == 403:
                hint = ' (the account lacks the permission or OAuth scope for this call)'
            elif status == 404:
                hint = ' (not found: check orchestrator_url / identity_url and the API version)'
            raise self._error('%s failed: %s%s' % (label, msg, hint), status=status, body=raw)
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
                raise self._error('%s failed: TLS certificate verification failed for %s (%s); set ca_path to '
                                  'the CA bundle that signed the server certificate, or validate_certs: false '
                                  '(not recommended)' % (label, urlsplit(url).netloc, to_native(
                                      getattr(reason, 'verify_message', None) or reason)))
            if isinstance(reason, ssl.SSLError):
                raise self._error('%s failed: TLS error talking to %s: %s' % (label, urlsplit(url).netloc,
                                                                              to_native(reason)))
            raise self._error('%s failed: cannot connect to %s: %s' % (label, urlsplit(url).netloc,
                                                                       to_native(reason)))
        except ssl.SSLError as exc:
            raise self._error('%s failed: TLS error talking to %s: %s' % (label, urlsplit(url).netloc,
                                                                          to_native(exc)))
        except (HTTPException, OSError) as exc:
            raise _Retryable('connection error (%s: %s)' % (type(exc).__name__, to_native(exc)))

        if not expect_json:
            return Response(status, None, resp_headers, raw)
        text = to_text(raw or b'', errors='surrogate_or_replace').strip()
        if not text:
            return Response(status, None, resp_headers, raw)
        try:
            parsed = json.loads(text)
        except ValueError:
            ctype = (resp_headers.get('Content-Type') or resp_headers.get('content-type') or '').lower()
            if 'json' in ctype or text[:1] in ('{', '['):
                raise _Retryable('truncated or invalid JSON in the response (%d bytes)' % len(raw))
            raise self._error('%s failed: expected JSON, got %s' % (label, one_line(text, 120)), status=status)
        return Response(status, parsed, resp_headers, raw)

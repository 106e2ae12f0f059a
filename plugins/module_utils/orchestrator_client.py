# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One HTTP client for UiPath Orchestrator and its Identity server: authentication and the requests of a task.

What lives where (docs/HTTP_CLIENT.md):

* this module - logins (a ready ``token``; OAuth client credentials, form POST to ``{identity_url}/connect/token``;
  ROPC, ``POST {orchestrator_url}/api/Account/Authenticate`` with ``tenancyName``), the tenant header, one
  re-authentication and replay after a 401, and the request count;
* ``_transport.py`` - one logical request: deadline, retries by what a request does, redirects, error bodies;
* ``_errors.py`` - :class:`OrchestratorError` and one-line messages; ``_secrets.py`` - the scrubber;
* ``_connection.py`` - the connection options, their validation and :func:`connect` (used by every task).

Login is lazy (first request that needs it) and safe to repeat: a reset, a timeout or a 5xx answer to it is
retried like a read. A rejected login raises an :class:`OrchestratorError` whose message starts with
``login failed:`` and whose ``login_failed`` attribute is true. A token issued by the server is a secret from the
moment it is read.

The tenant: every request to Orchestrator itself (not to Identity or the portal) carries ``X-UIPATH-TenantName``
with the tenant the task addresses, whatever the login kind (docs/API.md, "The tenant of a request"), so an
external application (which has no tenant of its own) writes the tenant the user named, not the server's
default tenant.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six.moves.urllib.parse import urlencode, urlsplit

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._errors import OrchestratorError, error
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._secrets import scrub
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._transport import Transport

IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])
TENANT_HEADER = 'X-UIPATH-TenantName'
_CTRL_RE = re.compile(u'[\x00-\x1f\x7f\u0085\u2028\u2029]')
# What a bearer token may contain to travel in an Authorization header (visible ASCII, no spaces).
TOKEN_RE = re.compile(r'^[\x21-\x7e]+$')


def check_header_value(option, value):
    """A value sent in an HTTP header must be Latin-1 without control characters (HTTP/1.1 field values)."""
    try:
        to_text(value).encode('latin-1')
    except UnicodeError:
        raise OrchestratorError('%s: %r contains characters outside Latin-1, which the HTTP header %s cannot '
                                'carry; use the tenancy name (the ASCII name of the tenant, as in its URL)'
                                % (option, value, TENANT_HEADER))
    if _CTRL_RE.search(to_text(value)):
        raise OrchestratorError('%s: must not contain control characters' % option)


class OrchestratorClient(object):
    """HTTP client; ``params`` are the connection options (``_connection.ORCHESTRATOR_ARGUMENT_SPEC``).

    ``login_tenant`` is the tenant of the ROPC login (``Host`` for host scope); ``tenant_header`` the tenant every
    Orchestrator request addresses (default: ``login_tenant``). ``no_log_values`` is the task's set of secrets
    (shared with ``AnsibleModule.no_log_values``): the client adds the tokens it learns to it.
    """

    def __init__(self, params, warn=None, sleep=time.sleep, login_tenant=None, no_log_values=None,
                 tenant_header=None):
        self.params = params
        self.base_url = params['orchestrator_url'].rstrip('/')
        self.identity_url = (params.get('identity_url') or self.base_url + '/identity').rstrip('/')
        self.login_tenant = login_tenant or params.get('tenant') or 'Default'
        self.tenant_header = tenant_header or self.login_tenant
        self.secrets = no_log_values if no_log_values is not None else set()
        self.transport = Transport(
            timeout=params.get('timeout') or 30,
            retries=params.get('retries') if params.get('retries') is not None else 3,
            retry_delay=params.get('retry_delay') if params.get('retry_delay') is not None else 1.0,
            validate_certs=params.get('validate_certs', True), ca_path=params.get('ca_path'),
            secrets=self.secrets, sleep=sleep)
        self.reauth_count = 0
        self._warn = warn
        self._token = params.get('token')
        for key in ('orchestrator_password', 'client_secret', 'token'):
            self.add_secret(params.get(key))
        if params.get('token'):
            self.auth_mode = 'token'
        elif params.get('client_id'):
            self.auth_mode = 'oauth'
        else:
            self.auth_mode = 'ropc'
        if not self.transport.validate_certs and warn is not None and self.base_url.lower().startswith('https'):
            warn('validate_certs is false: the TLS certificate of %s is not verified' % self.base_url)

    # -- counters and limits (kept on the transport) ---------------------------------------------------
    @property
    def request_count(self):
        return self.transport.request_count

    @property
    def retry_count(self):
        return self.transport.retry_count

    @property
    def timeout(self):
        return self.transport.timeout

    @property
    def retries(self):
        return self.transport.retries

    def time_bound(self):
        return self.transport.time_bound()

    # -- secrets ---------------------------------------------------------------------------------------
    def add_secret(self, value):
        if value and isinstance(value, (str, bytes)):
            self.secrets.add(to_text(value, errors='surrogate_or_replace'))

    def scrub(self, text):
        """``text`` with every known secret, in every form it may take, replaced by ``********``."""
        return scrub(text, self.secrets)

    def _error(self, msg, status=None, body=None, detail=None, login_failed=False):
        return error(msg, self.secrets, status=status, body=body, detail=detail, login_failed=login_failed)

    # -- authentication --------------------------------------------------------------------------------
    def _login_label(self):
        if self.auth_mode == 'oauth':
            return 'OAuth client %s' % self.params['client_id']
        return 'account %s, tenant %s' % (self.params['orchestrator_username'], self.login_tenant)

    def authenticate(self):
        if self.auth_mode == 'token':
            return self._token
        who = self._login_label()
        if self.auth_mode == 'ropc':
            check_header_value('tenant', self.login_tenant)
        try:
            if self.auth_mode == 'oauth':
                form = {
                    'grant_type': 'client_credentials',
                    'client_id': self.params['client_id'],
                    'client_secret': self.params['client_secret'],
                    'scope': ' '.join(self.params.get('scopes') or []),
                }
                resp = self._send('POST', self.identity_url + '/connect/token', form=form, auth=False,
                                  what='OAuth token request', idempotent=True, login=True)
                data = resp.data if isinstance(resp.data, dict) else {}
                token = data.get('access_token')
            else:
                body = {
                    'tenancyName': self.login_tenant,
                    'usernameOrEmailAddress': self.params['orchestrator_username'],
                    'password': self.params['orchestrator_password'],
                }
                resp = self._send('POST', self.base_url + '/api/Account/Authenticate', body=body, auth=False,
                                  what='login', idempotent=True, login=True)
                data = resp.data if isinstance(resp.data, dict) else {}
                token = data.get('result') or data.get('access_token')
        except OrchestratorError as exc:
            raise self._error('login failed: %s: %s' % (who, exc.detail), status=exc.status, body=exc.body,
                              login_failed=True)
        self.add_secret(token)  # before anything else can print it
        if not token or not isinstance(token, str):
            raise self._error('login failed: %s: the answer (HTTP %s) contains no token' % (who, resp.status),
                              status=resp.status, login_failed=True)
        if not TOKEN_RE.match(token):
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

    # -- requests --------------------------------------------------------------------------------------
    def url(self, path):
        if path.startswith('http://') or path.startswith('https://'):
            return path
        return self.base_url + '/' + path.lstrip('/')

    def _to_orchestrator(self, url):
        """True for a request to Orchestrator itself (not Identity, not the portal): it carries the tenant."""
        if url.startswith(self.identity_url + '/') or url == self.identity_url:
            return False
        return url == self.base_url or url.startswith(self.base_url + '/')

    def request(self, method, path, body=None, query=None, expect_json=True, what=None, headers=None,
                idempotent=None):
        """Authenticated request; returns Response. Raises OrchestratorError.

        ``idempotent``: the request is safe to repeat (the same state after two as after one: reads, writes of
        the same values, deletes of the same rows); default by method (GET/PUT/DELETE yes, POST no). A request
        that is not is repeated only after answers that mean the server did not act (docs/HTTP_CLIENT.md).
        """
        url = self.url(path)
        if query:
            url += ('&' if '?' in url else '?') + urlencode(query, doseq=True)
        if self._to_orchestrator(url):
            check_header_value('tenant', self.tenant_header)
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

    def _send(self, method, url, body=None, form=None, auth=True, expect_json=True, what=None, headers=None,
              idempotent=None, login=False):
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
            if self._to_orchestrator(url):
                hdrs[TENANT_HEADER] = self.tenant_header
        if headers:
            hdrs.update(headers)
        label = what or '%s %s' % (method, urlsplit(url).path)
        return self.transport.send(method, url, data, hdrs, label, idempotent, expect_json=expect_json, login=login)

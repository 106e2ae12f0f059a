# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Internal (not a public API of the collection): the connection of a task, from options to a ready API object.

One owner for: the connection argument spec and its environment variables (``ORCHESTRATOR_*``), blank values that
mean "not given" (AWX injects unused credential fields as ``""``), the URL forms (standalone, Automation Suite,
Cloud: docs/API.md "Cloud and Automation Suite URL forms"), the validation of the connection options (one
:class:`ValidationError` naming the option, before any request), the tenant every request addresses, the
organization (given, from the token's ``prt_id`` claim or from the portal, checked) and the settings API.
Every task calls :func:`connect` once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.module_utils.six.moves.urllib.parse import unquote, urlsplit

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._errors import OrchestratorError, loads
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._transport import MAX_BACKOFF
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.orchestrator_client import (
    TOKEN_RE,
    OrchestratorClient,
    check_header_value,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._validation import (
    ValidationError,
    check_scope,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.settings_api import (
    ClassicSettingsAPI,
    IdentitySettingsAPI,
)

#: option -> environment variable read when the option is not given (an empty variable counts as not set)
ENV_VARS = dict(
    orchestrator_url='ORCHESTRATOR_URL',
    tenant='ORCHESTRATOR_TENANT',
    orchestrator_username='ORCHESTRATOR_USERNAME',
    orchestrator_password='ORCHESTRATOR_PASSWORD',
    token='ORCHESTRATOR_TOKEN',
    client_id='ORCHESTRATOR_CLIENT_ID',
    client_secret='ORCHESTRATOR_CLIENT_SECRET',
    organization_id='ORCHESTRATOR_ORGANIZATION_ID',
    validate_certs='ORCHESTRATOR_VALIDATE_CERTS',
)


def _env(option, **spec):
    spec['fallback'] = (env_fallback, [ENV_VARS[option]])
    return spec


ORCHESTRATOR_ARGUMENT_SPEC = dict(
    orchestrator_url=_env('orchestrator_url', type='str', required=True),
    tenant=_env('tenant', type='str', default='Default'),
    orchestrator_username=_env('orchestrator_username', type='str'),
    orchestrator_password=_env('orchestrator_password', type='str', no_log=True),
    token=_env('token', type='str', no_log=True),
    client_id=_env('client_id', type='str'),
    client_secret=_env('client_secret', type='str', no_log=True),
    scopes=dict(type='list', elements='str', default=['OR.Settings', 'PM.Setting']),
    identity_url=dict(type='str'),
    api=dict(type='str', default='auto', choices=['auto', 'classic', 'identity']),
    organization_id=_env('organization_id', type='str'),
    validate_certs=_env('validate_certs', type='bool', default=True),
    ca_path=dict(type='path'),
    timeout=dict(type='int', default=30),
    retries=dict(type='int', default=3),
    retry_delay=dict(type='float', default=1.0),
)

#: connection options where an empty string means "not given"
BLANK_MEANS_UNSET = ('tenant', 'orchestrator_username', 'orchestrator_password', 'token', 'client_id',
                     'client_secret', 'organization_id', 'identity_url', 'ca_path')

GUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
_CTRL_RE = re.compile(u'[\x00-\x1f\x7f\u0085\u2028\u2029]')
# Automation Cloud and Automation Suite: https://{host}/{org}/{tenant}/orchestrator_
_PLATFORM_URL_RE = re.compile(r'^/(?P<org>[^/]+)/(?P<tenant>[^/]+)/orchestrator_/?$')
# {0} = organization_id, {1} = scope (hint options, so the role can name its variables)
_HOW_TO_GIVE_ORG = 'give {0} (the organization\'s GUID, from the Admin page or the portal) or use {1}: host'
_ORG_HINTS = ('organization_id', 'scope')


# ------------------------------------------------------------------------------------------ environment
def apply_env_fallbacks(spec, args, env):
    """Fill options that have an ``env_fallback`` from ``env`` (the task's environment), as a module would.

    An empty variable counts as unset: AWX injects every field of a credential, the unused ones as ``""``.
    """
    for name, option in spec.items():
        if args.get(name) is not None:
            continue
        fallback = option.get('fallback')
        if not fallback or len(fallback) < 2 or getattr(fallback[0], '__name__', '') != 'env_fallback':
            continue
        for var in fallback[1]:
            if env.get(var):
                args[name] = env[var]
                break
    return args


def blank_means_unset(params):
    """Treat empty connection values as absent; an empty tenant is the default tenant."""
    for name in BLANK_MEANS_UNSET:
        if name in params and params[name] == '':
            params[name] = 'Default' if name == 'tenant' else None
    return params


# ------------------------------------------------------------------------------------------ URL forms
def platform_url_parts(url):
    """(origin, organization name, tenant name) of a Cloud / Automation Suite Orchestrator URL, else None."""
    parts = urlsplit(url)
    match = _PLATFORM_URL_RE.match(parts.path or '')
    if not match:
        return None
    return '%s://%s' % (parts.scheme, parts.netloc), match.group('org'), match.group('tenant')


def derive_connection(params):
    """Fill ``identity_url`` and ``tenant`` from a Cloud / Automation Suite URL (an explicit identity_url wins).

    The URL names the tenant every Orchestrator request goes to, so a ``tenant`` that names another one is refused
    (it could not be addressed through that URL).
    """
    found = platform_url_parts(params['orchestrator_url'])
    if not found:
        return params
    origin, org, tenant = found
    params = dict(params)
    if not params.get('identity_url'):
        params['identity_url'] = '%s/%s/identity_' % (origin, org)
    given = params.get('tenant')
    if given and given != 'Default' and given.lower() != tenant.lower():
        raise ValidationError('tenant', '{given} is not the tenant {tenant} that {1} names; a request through that '
                              'URL can only reach that tenant (leave {0} out, or use the URL of tenant {given})',
                              hint_options=('tenant', 'orchestrator_url'), given=given, tenant=tenant)
    params['tenant'] = tenant
    return params


# ------------------------------------------------------------------------------------------ validation
def _check_url(name, url):
    if url is None or not url.strip():
        raise ValidationError('%s: must not be empty' % name)
    if _CTRL_RE.search(url) or re.search(r'\s', url):
        raise ValidationError('%s: must not contain whitespace or control characters' % name)
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError:
        raise ValidationError('%s: not a valid URL, or an invalid port in it' % name)
    if '@' in (parts.netloc or ''):
        # never echoed: the part before @ is a user name and password
        raise ValidationError('%s: must not contain credentials (user:password@); give them as '
                              'orchestrator_username/orchestrator_password or client_id/client_secret' % name)
    if parts.scheme.lower() not in ('http', 'https') or not parts.hostname:
        raise ValidationError('%s: must be an http:// or https:// URL with a host name (got %r)' % (name, url))
    if parts.query or parts.fragment:
        raise ValidationError('%s: must not contain a query string or fragment (got %r)' % (name, url))


def url_credentials(params):
    """The user name and password written into a URL option (``https://user:pw@host``), in the forms the URL and
    its decoding show them: secrets from the start, so neither the refusal nor ``module_args`` can print them."""
    found = set()
    for name in ('orchestrator_url', 'identity_url'):
        url = params.get(name)
        if not isinstance(url, str) or '@' not in url:
            continue
        try:
            netloc = urlsplit(url).netloc
        except ValueError:
            netloc = url.split('//', 1)[-1].split('/', 1)[0]
        if '@' not in netloc:
            continue
        userinfo = netloc.rsplit('@', 1)[0]
        for part in [userinfo] + userinfo.split(':', 1):
            if part:
                found.update((part, unquote(part)))
    return found


def _header_value(option, value):
    try:
        check_header_value(option, value)
    except OrchestratorError as exc:
        raise ValidationError(to_text(exc))


def validate_connection(params):
    """Check the connection options before any request; raise one ValidationError naming the option."""
    _check_url('orchestrator_url', params.get('orchestrator_url'))
    if params.get('identity_url'):
        _check_url('identity_url', params['identity_url'])
    tenant = params.get('tenant')
    if tenant is not None and (not tenant.strip() or _CTRL_RE.search(tenant) or tenant != tenant.strip()):
        raise ValidationError('tenant: must be a non-empty tenancy name without surrounding whitespace or '
                              'control characters')
    if tenant:
        _header_value('tenant', tenant)  # every login kind sends it (X-UIPATH-TenantName)
    org = params.get('organization_id')
    if org is not None and not GUID_RE.match(org):
        raise ValidationError('organization_id: must be a GUID such as 6e6f7267-0000-4000-8000-000000000001')
    timeout = params.get('timeout')
    if timeout is not None and not 1 <= timeout <= 3600:
        raise ValidationError('timeout: must be between 1 and 3600 seconds (got %s)' % timeout)
    retries = params.get('retries')
    if retries is not None and not 0 <= retries <= 10:
        raise ValidationError('retries: must be between 0 and 10 (got %s)' % retries)
    delay = params.get('retry_delay')
    if delay is not None and not 0 <= delay <= MAX_BACKOFF:
        raise ValidationError('retry_delay: must be between 0 and %d seconds (got %s)' % (MAX_BACKOFF, delay))
    if params.get('token') is not None and not params['token'].strip():
        raise ValidationError('token: must not be empty')
    if params.get('token') and not TOKEN_RE.match(params['token']):
        raise ValidationError('token: must not contain whitespace, control or non-ASCII characters (it is sent '
                              'in the HTTP Authorization header)')
    if bool(params.get('client_id')) != bool(params.get('client_secret')) and not params.get('token'):
        raise ValidationError('client_id: client_id and client_secret must be given together')
    if not params.get('token') and not params.get('client_id'):
        if not params.get('orchestrator_username') and not params.get('orchestrator_password'):
            raise ValidationError('orchestrator_username', 'no credentials given; set {0}, {1}/{2} or {3}/{4} (or the '
                                  'ORCHESTRATOR_* environment variables)',
                                  hint_options=('token', 'client_id', 'client_secret', 'orchestrator_username',
                                                'orchestrator_password'))
        if not params.get('orchestrator_username'):
            raise ValidationError('orchestrator_username: required together with orchestrator_password')
        if not params.get('orchestrator_password'):
            raise ValidationError('orchestrator_password: required together with orchestrator_username')
    for scope in params.get('scopes') or []:
        if not scope or re.search(r'\s', scope):
            raise ValidationError('scopes: each scope must be one word without whitespace (got %r)' % scope)


# ------------------------------------------------------------------------------------------ organization
def token_claims(token):
    """The claims of a JWT access token as a dict, or None (not a JWT, unreadable, nested too deeply)."""
    if not token or not isinstance(token, str) or token.count('.') != 2:
        return None
    payload = token.split('.')[1]
    try:
        raw = base64.urlsafe_b64decode(to_bytes(payload) + b'=' * (-len(payload) % 4))
        claims = loads(to_text(raw, errors='strict'))
    except (ValueError, TypeError, UnicodeError):
        return None
    return claims if isinstance(claims, dict) else None


def token_organization(token):
    """The organization id carried by a JWT access token (claim prt_id, as UiPath's own clients read it).

    None when the token has no such claim; a claim that is not a GUID is refused (never sent, never shown).
    """
    claims = token_claims(token)
    if claims is None:
        return None
    for name in ('prt_id', 'prtId', 'organizationId'):
        value = claims.get(name)
        if value is None or value == '':
            continue
        if not isinstance(value, str) or not GUID_RE.match(value.strip()):
            raise ValidationError('organization_id', 'not found: the access token\'s {claim} claim is not an '
                                  'organization id (a GUID), so it is not used; ' + _HOW_TO_GIVE_ORG,
                                  hint_options=_ORG_HINTS, claim=name)
        return value.strip()
    return None


def _portal_organization(client, params):
    """The organization id the portal answers for the organization the URL names (checked), or None."""
    found = platform_url_parts(params['orchestrator_url'])
    if not found:
        return None
    origin, org_name, dummy = found
    where = 'the portal (GET %s/portal_/api/filtering/leftnav/tenantsAndOrganizationInfo)' % org_name
    resp = client.request('GET', '%s/%s/portal_/api/filtering/leftnav/tenantsAndOrganizationInfo' % (
        origin, org_name), what='finding the organization (GET portal_ tenantsAndOrganizationInfo)')
    info = resp.data.get('organization') if isinstance(resp.data, dict) else None
    if not isinstance(info, dict) or info.get('id') in (None, ''):
        return None
    org, name = info.get('id'), info.get('name')
    if not isinstance(org, str) or not GUID_RE.match(org.strip()):
        raise ValidationError('organization_id', 'not found: {where} answered an organization id that is not a GUID, '
                              'so it is not used; ' + _HOW_TO_GIVE_ORG, hint_options=_ORG_HINTS, where=where)
    if not isinstance(name, str) or name.strip().lower() != to_text(org_name).lower():
        raise ValidationError('organization_id', 'not found: {where} answered another organization than {org}, the '
                              'one {2} names, so it is not used; ' + _HOW_TO_GIVE_ORG,
                              hint_options=_ORG_HINTS + ('orchestrator_url',), where=where, org=org_name)
    return org.strip()


def discover_organization(client, params, state, required=True):
    """Find the organization (Identity partition) for this login: token claim, then the portal endpoint.

    Returns the id, or None when ``required`` is false and nothing was found.
    """
    org = token_organization(client.ensure_token())
    if org:
        state.found_organization(org, 'access token claim prt_id')
        return org
    org = _portal_organization(client, params)
    if org:
        state.found_organization(org, 'portal tenantsAndOrganizationInfo')
        return org
    if not required:
        return None
    raise ValidationError('organization_id', 'not found (the access token has no prt_id claim and {2} names no '
                          'organization); give {0} (the organization\'s GUID) or use the {form} URL form, or use '
                          '{1}: host', hint_options=_ORG_HINTS + ('orchestrator_url',),
                          form='https://{host}/{org}/{tenant}/orchestrator_')


# ------------------------------------------------------------------------------------------ client and API
def make_client(params, scope, ctx, state):
    """Validate the connection options and build the client (login tenant ``Host`` for scope host).

    Every Orchestrator request carries the tenant: the one the URL names (Cloud / Automation Suite), else the
    login tenant.
    """
    blank_means_unset(params)
    ctx.no_log_values.update(url_credentials(params))
    validate_connection(params)
    params = derive_connection(params)
    login_tenant = 'Host' if scope == 'host' else params.get('tenant')
    found = platform_url_parts(params['orchestrator_url'])
    client = OrchestratorClient(params, warn=ctx.warn, login_tenant=login_tenant, no_log_values=ctx.no_log_values,
                                tenant_header=found[2] if found else login_tenant)
    client.add_secret(params.get('password'))  # the SMTP password, scrubbed even if a server echoes it
    state.client = client
    return client


def resolve_api(client, params, scope, partition, state):
    """Return the settings API object for ``params['api']`` (auto probes Identity once).

    For the Identity API at tenant or organization scope without ``organization_id`` the organization is
    discovered after login; an explicit ``organization_id`` costs no extra request.
    """
    api = params.get('api') or 'auto'
    if partition:
        state.found_organization(partition, 'organization_id')
    if api == 'classic':
        chosen = ClassicSettingsAPI(client)
    elif api == 'identity' or scope == 'organization' or partition:
        if not partition and scope != 'host':
            partition = discover_organization(client, params, state)
        chosen = IdentitySettingsAPI(client, partition)
    else:
        chosen = _probe(client, params, scope, partition, state)
    state.api = chosen.name
    return chosen


def _probe(client, params, scope, partition, state):
    # One Identity read decides; its answer is kept, so detection costs one request only on a classic server.
    if not partition and scope != 'host':
        partition = discover_organization(client, params, state, required=False)
    identity = IdentitySettingsAPI(client, partition)
    try:
        identity._cached = identity.read()
    except OrchestratorError as exc:
        if exc.status == 404 and not getattr(exc, 'login_failed', False):
            state.found_organization(None, None)
            return ClassicSettingsAPI(client)
        if exc.status == 403:
            state.api = 'identity'  # the server has the Identity API; the login may not use it
        raise
    if scope != 'host' and not partition:
        discover_organization(client, params, state)  # raises the one-line explanation
    return identity


def connect(params, scope, ctx, state):
    """The one connection preamble of every task: check the scope against the API, validate the connection
    options, build the client and resolve the settings API. Returns ``(client, api_obj)``."""
    check_scope(params, scope)
    # Without organization_id the organization is found after login (discover_organization).
    partition = None if scope == 'host' else (params.get('organization_id') or None)
    client = make_client(params, scope, ctx, state)
    return client, resolve_api(client, params, scope, partition, state)


def identity_login_hint(exc, client, api_name):
    """A 403 from the Identity API for a tenant user's login: say where SMTP lives and the two ways in."""
    if (api_name == 'identity' and getattr(exc, 'status', None) == 403 and client is not None
            and client.auth_mode == 'ropc' and (client.login_tenant or '').lower() != 'host'):
        return OrchestratorError(
            '%s. On Orchestrator 2021.10 and later the SMTP settings live at host or organization level in '
            'Identity, which a tenant user\'s login cannot change: log in to tenant Host (the host admin) or use '
            'an external application with the PM.Setting scope (client_id/client_secret)' % to_text(exc).rstrip('.'),
            status=403)
    return exc

# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options shared by every module (parsed by module_utils/orchestrator_client.py).
    DOCUMENTATION = r'''
options:
  orchestrator_url:
    description:
      - Base URL of the Orchestrator, for example V(https://orch.example.com) (standalone).
      - Automation Cloud and Automation Suite give the Orchestrator URL as
        C(https://{host}/{organization}/{tenant}/orchestrator_), for example
        V(https://cloud.uipath.com/acme/Production/orchestrator_). From that form the module derives O(identity_url)
        (C(https://{host}/{organization}/identity_)) and O(tenant), unless they are given.
      - Must be an C(http://) or C(https://) URL without query string.
      - If not set, the environment variable E(ORCHESTRATOR_URL) is used.
    type: str
    required: true
  tenant:
    description:
      - Tenancy name for the ROPC login (C(POST /api/Account/Authenticate)), and the tenant every request to
        Orchestrator addresses (header C(X-UIPATH-TenantName)) with every login kind, also with O(client_id) and
        O(token).
      - With O(scope=host) the module logs in to, and addresses, the tenant C(Host).
      - If not set, the environment variable E(ORCHESTRATOR_TENANT) is used.
    type: str
    default: Default
  orchestrator_username:
    description:
      - Orchestrator user for the ROPC login (user name or e-mail address).
      - Named C(orchestrator_username) because O(ignore:username) is the SMTP user name in the mail modules.
      - If not set, the environment variable E(ORCHESTRATOR_USERNAME) is used.
    type: str
  orchestrator_password:
    description:
      - Password of O(orchestrator_username).
      - If not set, the environment variable E(ORCHESTRATOR_PASSWORD) is used.
    type: str
  token:
    description:
      - A ready bearer token. Takes precedence over O(client_id) and O(orchestrator_username).
      - A given token cannot be renewed, so a 401 answer fails at once.
      - If not set, the environment variable E(ORCHESTRATOR_TOKEN) is used.
    type: str
  client_id:
    description:
      - OAuth client ID of an external application (client credentials grant).
      - Takes precedence over O(orchestrator_username)/O(orchestrator_password).
      - If not set, the environment variable E(ORCHESTRATOR_CLIENT_ID) is used.
    type: str
  client_secret:
    description:
      - OAuth client secret belonging to O(client_id).
      - If not set, the environment variable E(ORCHESTRATOR_CLIENT_SECRET) is used.
    type: str
  scopes:
    description:
      - OAuth scopes requested with O(client_id), sent space-separated.
    type: list
    elements: str
    default: [OR.Settings, PM.Setting]
  identity_url:
    description:
      - Base URL of the Identity server, used for the OAuth token (C({identity_url}/connect/token)) and the
        Identity settings API (C({identity_url}/api/Setting)).
      - Defaults to O(orchestrator_url) followed by C(/identity) (standalone), or to
        C(https://{host}/{organization}/identity_) when O(orchestrator_url) has the Cloud / Automation Suite form.
        On Automation Cloud only the organization-scoped base works.
    type: str
  api:
    description:
      - Which settings API to use.
      - V(classic) is C(/odata/Settings) (Orchestrator 2020.10 and earlier, tenant and host).
      - V(identity) is C({identity_url}/api/Setting) (2021.10 and later, Automation Suite, Automation Cloud).
      - V(auto) reads through the Identity API once and falls back to V(classic) when that answers HTTP 404;
        the chosen API is returned as RV(ignore:api). With O(organization_id) set, or O(scope=organization),
        V(auto) means V(identity) without probing. Set the API explicitly to save the probe request on classic
        servers.
    type: str
    choices: [auto, classic, identity]
    default: auto
  organization_id:
    description:
      - Organization ID (GUID, the Identity C(partitionGlobalId)) for O(scope=organization). With the Identity
        API, O(scope=tenant) is treated as O(scope=organization).
      - When not given, the module finds it after login, as UiPath's own clients do - from the access token's
        C(prt_id) claim, else (tokens of confidential applications may lack the claim) from the portal's
        C(GET /{organization}/portal_/api/filtering/leftnav/tenantsAndOrganizationInfo) when O(orchestrator_url)
        names the organization; else it fails and asks for O(organization_id). The result reports the organization
        used (C(organization_id)) and how it was found (C(organization_source)). A given O(organization_id)
        costs no extra request.
      - Ignored by the classic API.
      - If not set, the environment variable E(ORCHESTRATOR_ORGANIZATION_ID) is used.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Setting this to V(false) is insecure, and the module then says so in its result.
      - If not set, the environment variable E(ORCHESTRATOR_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) to trust for the server's TLS certificate.
    type: path
  timeout:
    description:
      - Time limit in seconds (1 to 3600) of one attempt of an HTTP request, for the whole exchange (connecting,
        sending, and receiving the status line, headers and body), also against a server that answers slowly.
    type: int
    default: 30
  retries:
    description:
      - Extra attempts (0 to 10) after a failed attempt, for the failures that are safe to repeat, with a delay
        starting at O(retry_delay) and doubled each time.
      - Which failures are retried (a POST is not repeated after an answer that may mean it was carried out),
        C(Retry-After), and the time bound of one request are described in C(docs/HTTP_CLIENT.md) of the collection.
    type: int
    default: 3
  retry_delay:
    description:
      - First retry delay in seconds (0 to 30), doubled for each further retry (see O(retries)).
    type: float
    default: 1.0
notes:
  - Authentication precedence is O(token), then O(client_id)/O(client_secret), then O(orchestrator_username)/O(orchestrator_password).
    With a login (ROPC or OAuth) an HTTP 401 during the run triggers exactly one new login and one replay.
  - Secrets (passwords, the client secret, tokens) are never logged or returned, even when the server echoes them.
'''

    # mail field options, shared by orchestrator_mail_settings and orchestrator_mail_test
    MAIL_FIELDS = r'''
options:
  authentication:
    description:
      - How Orchestrator logs in to the SMTP server; decides O(use_default_credentials), and with V(none) empties
        O(username) and O(password).
      - V(password) - AUTH with O(username) and O(password) (C(UseDefaultCredentials) false).
      - V(none) - no login, a relay (with or without STARTTLS as O(enable_ssl) says). Stores an empty user name
        and password; C(UseDefaultCredentials) false on the classic API, true on the Identity API (UiPath's meaning
        from 2023.4), unless O(use_default_credentials) is given.
      - V(windows) - the Orchestrator service identity (C(UseDefaultCredentials) true), classic API (2020.10) only.
      - Not set - derived from the other options and the stored values, as before.
    type: str
    choices: [password, none, windows]
  use_default_credentials:
    description:
      - C(UseDefaultCredentials). Two meanings - on the classic API (2020.10) the Orchestrator service identity
        (O(username) and O(password) are then ignored by the server); on the Identity API (2023.4 and later) a
        connection without user name and password. Prefer O(authentication).
      - With the classic API it cannot be V(true) together with O(enable_ssl=true) (UiPath's 2020.10 rule), when the
        task sets one of the two; on the Identity API the pair is valid.
    type: bool
  enable_ssl:
    description:
      - Use STARTTLS (C(EnableSsl)). Orchestrator does not support implicit TLS, so O(port=465) with
        O(enable_ssl=true) is refused before any request; use 587.
    type: bool
  host:
    description:
      - SMTP server host name or IP address, without scheme or port.
    type: str
  port:
    description:
      - SMTP server port (1 to 65535), stored as a decimal string.
    type: int
  domain:
    description:
      - Domain of the SMTP credentials (NTLM); empty string when unused.
    type: str
  username:
    description:
      - SMTP user name. If it contains C(@) it must be a valid e-mail address.
      - Empty (with O(use_default_credentials=false)) means no login - a relay; a password without a user name is
        refused.
    type: str
  password:
    description:
      - SMTP password. The API never returns it (only a mask), so it cannot be compared.
    type: str
  from_address:
    description:
      - Default From address. Must equal O(username) (UiPath's documented rule) unless O(allow_from_mismatch=true).
    type: str
  from_display_name:
    description:
      - Default From display name. Control characters (CR, LF) are rejected.
    type: str
'''

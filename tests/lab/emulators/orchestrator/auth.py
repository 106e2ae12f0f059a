"""Authentication: ROPC (POST /api/Account/Authenticate), OAuth client credentials
(POST /identity/connect/token), bearer-token checks and permission/scope rules."""
import hmac
import urllib.parse

from . import envelopes as E

# A broad scope also grants its .Read/.Write halves (UiPath docs: "OR.Settings or OR.Settings.Read", "PM.Setting or PM.Setting.Read").
BROAD = {"OR.Settings": ("OR.Settings.Read", "OR.Settings.Write"),
         "PM.Setting": ("PM.Setting.Read", "PM.Setting.Write")}


def _ci_get(obj, name):
    """Case-insensitive JSON property lookup (ASP.NET model binding)."""
    if not isinstance(obj, dict):
        return None
    for k, v in obj.items():
        if isinstance(k, str) and k.lower() == name.lower():
            return v
    return None


def authenticate(state, body, default_tenant="Default"):
    """POST /api/Account/Authenticate -> AjaxResponse with token in result. ``default_tenant``: the tenant of
    the URL (``/{org}/{tenant}/orchestrator_``) when the body has no tenancyName."""
    if not isinstance(body, dict):
        return E.invalid_request("The request body must be a JSON object with tenancyName, "
                                 "usernameOrEmailAddress and password.")
    tenancy = _ci_get(body, "tenancyName")
    user = _ci_get(body, "usernameOrEmailAddress")
    password = _ci_get(body, "password")
    errors = []
    if not isinstance(user, str) or not user:
        errors.append(("The UsernameOrEmailAddress field is required.", ["usernameOrEmailAddress"]))
    if not isinstance(password, str) or not password:
        errors.append(("The Password field is required.", ["password"]))
    if tenancy is not None and not isinstance(tenancy, str):
        errors.append(("The TenancyName field must be a string.", ["tenancyName"]))
    if errors:
        return E.validation_failed(errors, principal=user if isinstance(user, str) else None)
    tenant = state.tenant_name(tenancy or default_tenant)
    if tenant is None:
        return E.abp_error(400, "Invalid credentials, failed to login.",
                           "There is no tenant defined with name %s" % tenancy, error_code=1000,
                           principal=user)
    with state.lock:
        record = state.tenants[tenant]["users"].get(user)
        if record is None:  # user names are case-insensitive in ABP
            for name, rec in state.tenants[tenant]["users"].items():
                if name.lower() == user.lower():
                    user, record = name, rec
                    break
    if record is None or not hmac.compare_digest(record["password"].encode(), password.encode()):
        return E.abp_error(400, "Invalid credentials, failed to login.",
                           "Invalid user name or password", error_code=1000, tenant=tenant, principal=user)
    claims = {"sub": user, "auth_type": "user", "tenant": tenant, "tenantId": state.tenant_id(tenant)}
    org = state.tenant_org(tenant) if state.profile_info.identity else None
    if org is not None:  # the claim UiPath's own clients read the organization id from
        claims["prt_id"] = org["id"]
    token = state.issue_token({"kind": "user", "tenant": tenant, "principal": user, "org": claims.get("prt_id"),
                               "permissions": list(record.get("permissions", [])), "scopes": []}, claims)
    return E.json_response(200, E.abp_success(token), tenant=tenant, principal=user)


def expand_scopes(scopes):
    out = set(scopes)
    for s in scopes:
        out.update(BROAD.get(s, ()))
    return out


def client_token(state, raw_body, content_type, org=None):
    """POST /identity/connect/token (client_credentials only). IdentityServer answers every token error
    with HTTP 400 (including invalid_client when the secret is sent in the form body). ``org``: the
    organization record of an org-scoped token URL (``/{org}/identity_/connect/token``), else None."""
    if "application/x-www-form-urlencoded" not in (content_type or "").lower():
        return E.oauth_error(400, "invalid_request", "The request must be form-encoded "
                             "(application/x-www-form-urlencoded).")
    try:
        form = urllib.parse.parse_qs(raw_body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return E.oauth_error(400, "invalid_request", "The request body is not valid UTF-8.")
    get = lambda k: (form.get(k) or [None])[0]
    grant, cid, secret, scope = get("grant_type"), get("client_id"), get("client_secret"), get("scope")
    if not grant:
        return E.oauth_error(400, "invalid_request", "grant_type is missing.", principal=cid)
    if not cid:
        return E.oauth_error(400, "invalid_client", "client_id is missing.")
    with state.lock:
        client = state.clients.get(cid)
    if client is None or not secret or not hmac.compare_digest(client["secret"].encode(), secret.encode()):
        return E.oauth_error(400, "invalid_client", "Invalid client credentials.", principal=cid)
    if grant != "client_credentials":
        return E.oauth_error(400, "unsupported_grant_type", "Grant type '%s' is not supported." % grant,
                             principal=cid)
    allowed = expand_scopes(client.get("scopes", []))
    if scope is None or scope.strip() == "":
        requested = list(client.get("scopes", []))
    else:
        requested = [s for s in scope.split(" ") if s]
    missing = [s for s in requested if s not in allowed]
    if missing:
        return E.oauth_error(400, "invalid_scope", "Scope(s) not allowed for this client: %s"
                             % " ".join(missing), principal=cid)
    org = org or state.client_org(cid)
    claims = {"sub": cid, "client_id": cid, "auth_type": "client", "scope": requested}
    if state.client_prt_id and org is not None:
        claims["prt_id"] = org["id"]
    token = state.issue_token({"kind": "client", "tenant": None, "principal": cid, "permissions": [],
                               "scopes": requested, "org": claims.get("prt_id")}, claims)
    return E.json_response(200, {"access_token": token, "expires_in": int(state.token_ttl),
                                 "token_type": "Bearer", "scope": " ".join(requested)},
                           headers={"Cache-Control": "no-store", "Pragma": "no-cache"}, principal=cid)


def bearer(state, headers):
    """Token info for the Authorization header, or None (missing, unknown or expired)."""
    value = headers.get("Authorization") or ""
    parts = value.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return state.lookup_token(parts[1].strip())


CLASSIC_PERMISSION = {"read": "Settings.View", "write": "Settings.Edit", "delete": "Settings.Delete"}


def classic_can(info, action):
    """action: 'read' | 'write' | 'delete'. ROPC users need Settings.View / Settings.Edit / Settings.Delete;
    OAuth tokens need OR.Settings or OR.Settings.Read / .Write (delete = .Write)."""
    if info["kind"] == "user":
        return CLASSIC_PERMISSION[action] in info["permissions"]
    scope = "OR.Settings.Read" if action == "read" else "OR.Settings.Write"
    return scope in expand_scopes(info["scopes"])


def identity_can(info, action):
    """PM.Setting or PM.Setting.Read / .Write for OAuth tokens; ROPC tokens only for Host tenant users
    (as the AWS Quick Start for Orchestrator does) with Settings.View / Settings.Edit."""
    if info["kind"] == "user":
        if (info["tenant"] or "").lower() != "host":
            return False
        return ("Settings.Edit" if action == "write" else "Settings.View") in info["permissions"]
    return ("PM.Setting." + action.capitalize()) in expand_scopes(info["scopes"])

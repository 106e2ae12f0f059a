"""Identity settings API: /identity/connect/token, /identity/api/Setting[...].
Served on the 2021.10+ profiles. Path forms: standalone /identity/..., /{org}/identity_/... and
/{org}/identity/...; automation-suite /identity_/... and /{org}/identity_/...; cloud /{org}/identity_/...
(see server.route)."""
from . import auth
from . import envelopes as E
from .classic_api import PasswordRequired, run_verify, smtp_config
from .smtp_sender import InvalidInput
from .state import GUID_RE, IDENTITY_DEFAULTS, mask, validate_value

MODEL_TO_IDENTITY = {
    "Host": "Email.Smtp.Host", "Port": "Email.Smtp.Port", "UserName": "Email.Smtp.UserName",
    "Password": "Email.Smtp.Password", "Domain": "Email.Smtp.Domain", "EnableSsl": "Email.Smtp.EnableSsl",
    "UseDefaultCredentials": "Email.Smtp.UseDefaultCredentials", "DefaultFromAddress": "Email.Smtp.FromEmail",
    "DefaultFromDisplayName": "Email.Smtp.FromDisplayName",
}


SMTP_PREFIX = "email.smtp."
# UiPath CLI "uip admin smtp update": the server requires host, port and From address together in one request.
SMTP_REQUIRED_TOGETHER = ("Email.Smtp.Host", "Email.Smtp.Port", "Email.Smtp.FromEmail")


def smtp_together_error(keys_values):
    """A PUT that writes any Email.Smtp.* key must carry Host, Port and FromEmail (Host and FromEmail
    non-blank; Port is validated as 1-65535 anyway). Returns an error message or None."""
    if not any(k.lower().startswith(SMTP_PREFIX) for k, _ in keys_values):
        return None
    given = dict(keys_values)
    missing = [k for k in SMTP_REQUIRED_TOGETHER if k not in given]
    blank = [k for k in ("Email.Smtp.Host", "Email.Smtp.FromEmail")
             if k in given and isinstance(given[k], str) and not given[k].strip()]
    if not missing and not blank:
        return None
    parts = []
    if missing:
        parts.append("missing: %s" % ", ".join(missing))
    if blank:
        parts.append("empty: %s" % ", ".join(blank))
    return ("Email.Smtp.Host, Email.Smtp.Port and Email.Smtp.FromEmail are required together in a request that "
            "writes SMTP settings (%s)." % "; ".join(parts))


def token(ctx):
    return auth.client_token(ctx.state, ctx.raw_body, ctx.headers.get("Content-Type"), org=ctx.where.get("org"))


def _caller(ctx, action):
    info = auth.bearer(ctx.state, ctx.headers)
    if info is None:
        return None, E.aspnet_problem(401, "Unauthorized", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if not auth.identity_can(info, action):
        return None, E.aspnet_problem(403, "Forbidden", tenant=info["tenant"], principal=info["principal"])
    url_org = ctx.where.get("org")
    if ctx.state.profile_info.platform and url_org and info.get("org") and info["org"] != url_org["id"]:
        return None, E.aspnet_problem(403, "Forbidden", detail="The access token belongs to another organization.",
                                      tenant=info["tenant"], principal=info["principal"])
    return info, None


def _partition(ctx, raw, field="partitionGlobalId"):
    """('' | None) -> host (None); a known organization GUID -> its canonical id; else an error response.
    Profiles without a customer host level (cloud) answer 403 for the host partition."""
    if raw is None or raw == "":
        if not ctx.state.profile_info.host_partition:
            return None, E.aspnet_problem(403, "Forbidden", detail="There is no host level here; give the "
                                          "organization's partitionGlobalId.")
        return None, None
    if not isinstance(raw, str) or not GUID_RE.match(raw):
        return None, E.aspnet_validation({field: ["The value '%s' is not valid." % raw]})
    org = ctx.state.org_by_id(raw)
    if org is None:
        return None, E.aspnet_validation({field: ["The value '%s' is not valid. No organization with this id "
                                                  "exists." % raw]})
    return org["id"], None


def _item(row):
    return {"id": row["id"], "key": row["key"], "value": mask(row["key"], row["value"]),
            "partitionGlobalId": row["partitionGlobalId"], "userId": row["userId"]}


def _qget(ctx, name):
    for k, v in ctx.query.items():
        if k.lower() == name.lower():
            return v
    return None


def get_settings(ctx):
    info, err = _caller(ctx, "read")
    if err:
        return err
    log = dict(tenant=info["tenant"], principal=info["principal"])
    part_raw = (_qget(ctx, "partitionGlobalId") or [None])[-1]
    partition, err = _partition(ctx, part_raw)
    if err:
        return err
    user_id = (_qget(ctx, "userId") or [None])[-1] or None
    keys = []
    for k in _qget(ctx, "key") or []:
        if k and k not in keys:
            keys.append(k)
    items = []
    for k in keys:
        row = ctx.state.identity_resolve(partition, user_id, k)
        if row:
            items.append(_item(row))
    return E.json_response(200, items, **log)


def _json_object(ctx, log, not_an_object):
    """The request's JSON object, or (None, ASP.NET Core's validation response) for bad JSON / another type."""
    try:
        body = ctx.json_body()
    except ValueError as exc:
        return None, E.aspnet_validation({"$": ["The JSON value could not be converted: %s" % exc]}, **log)
    if not isinstance(body, dict):
        return None, E.aspnet_validation({"$": [not_an_object]}, **log)
    return body, None


def put_settings(ctx):
    info, err = _caller(ctx, "write")
    if err:
        return err
    log = dict(tenant=info["tenant"], principal=info["principal"])
    body, err = _json_object(ctx, log, "The request body must be a JSON object.")
    if err:
        return err
    partition, err = _partition(ctx, auth._ci_get(body, "partitionGlobalId"))
    if err:
        return err
    user_id = auth._ci_get(body, "userId") or None
    settings = auth._ci_get(body, "settings")
    if not isinstance(settings, list) or not settings:
        return E.aspnet_validation({"settings": ["The Settings field is required."]}, **log)
    errors, pairs = {}, []
    for i, item in enumerate(settings):
        key = auth._ci_get(item, "key") if isinstance(item, dict) else None
        value = auth._ci_get(item, "value") if isinstance(item, dict) else None
        if not isinstance(key, str) or not key.strip():
            errors.setdefault("settings[%d].key" % i, []).append("The Key field is required.")
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.setdefault("settings[%d].value" % i, []).append(
                "The value of %s must be a JSON string." % key)
            continue
        problem = validate_value(key, value)
        if problem:
            errors.setdefault("settings[%d].value" % i, []).append(problem)
            continue
        pairs.append((key, value))
    items = [(auth._ci_get(it, "key"), auth._ci_get(it, "value")) for it in settings if isinstance(it, dict)]
    together = smtp_together_error([(k, "" if v is None else v) for k, v in items if isinstance(k, str)])
    if together:
        errors.setdefault("settings", []).append(together)
    if errors:  # all-or-nothing
        return E.aspnet_validation(errors, **log)
    rows = ctx.state.identity_write(partition, user_id, pairs)
    return E.json_response(200, [_item(r) for r in rows], written_keys=[k for k, _ in pairs], **log)


def delete_setting(ctx):
    info, err = _caller(ctx, "write")
    if err:
        return err
    log = dict(tenant=info["tenant"], principal=info["principal"])
    raw = ctx.match.get("id", "")
    if not raw.isdigit():
        return E.aspnet_validation({"id": ["The value '%s' is not valid." % raw]}, **log)
    row = ctx.state.identity_delete(int(raw))
    if row is None:
        return E.aspnet_problem(404, "Not Found", **log)
    return E.empty(204, written_keys=[row["key"]], **log)


# VerifySmtpSettingsCommand.smtpSettings property -> (smtp_config model field, expected JSON type)
VERIFY_FIELDS = {
    "host": ("Host", str), "port": ("Port", int), "userName": ("UserName", str), "password": ("Password", str),
    "domain": ("Domain", str), "enableSsl": ("EnableSsl", bool),
    "useDefaultCredentials": ("UseDefaultCredentials", bool), "fromAddress": ("DefaultFromAddress", str),
    "fromDisplayName": ("DefaultFromDisplayName", str),
}
JSON_TYPE_NAMES = {str: "System.String", int: "System.Int32", bool: "System.Boolean"}


def _verify_partition(ctx, info):
    """Partition context of a test mail: the token's prt_id, else the organization of the URL, else host."""
    if info.get("org") and ctx.state.org_by_id(info["org"]):
        return info["org"]
    if ctx.where.get("org"):
        return ctx.where["org"]["id"]
    return None


def verify_smtp(ctx):
    """POST .../api/Setting/VerifySmtpSettings with a VerifySmtpSettingsCommand
    {recipient, smtpSettings{host, port, userName, password, domain, enableSsl, useDefaultCredentials,
    fromAddress, fromDisplayName}}; property names bind case-insensitively. Without smtpSettings (omitted or
    null) the partition's saved settings are tested, stored password included. With smtpSettings (a custom
    test) omitted/null fields fall back to the stored values except the password, which must be posted unless
    no login is configured. Errors in ASP.NET Core's validation shape."""
    info, err = _caller(ctx, "write")
    if err:
        return err
    log = dict(tenant=info["tenant"], principal=info["principal"])
    body, err = _json_object(ctx, log, "The JSON value could not be converted to VerifySmtpSettingsCommand.")
    if err:
        return err
    recipient = auth._ci_get(body, "recipient")
    errors = {}
    if recipient is not None and not isinstance(recipient, str):
        errors["$.recipient"] = ["The JSON value could not be converted to System.String. Path: $.recipient"]
    elif not recipient:
        errors["Recipient"] = ["The Recipient field is required."]
    smtp = auth._ci_get(body, "smtpSettings")
    model = {}
    if smtp is not None and not isinstance(smtp, dict):
        errors["$.smtpSettings"] = ["The JSON value could not be converted to SmtpSettings. Path: $.smtpSettings"]
    elif isinstance(smtp, dict):
        for prop, (field, typ) in VERIFY_FIELDS.items():
            value = auth._ci_get(smtp, prop)
            if value is None:
                continue
            if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
                path = "$.smtpSettings.%s" % prop
                errors[path] = ["The JSON value could not be converted to %s. Path: %s"
                                % (JSON_TYPE_NAMES[typ], path)]
                continue
            model[field] = value
    if errors:
        return E.aspnet_validation(errors, **log)
    stored = ctx.state.identity_effective(_verify_partition(ctx, info))
    try:
        cfg = smtp_config(model, stored, MODEL_TO_IDENTITY, recipient, custom=isinstance(smtp, dict))
    except PasswordRequired as exc:
        return E.aspnet_validation({"SmtpSettings.Password": [str(exc)]}, **log)
    except InvalidInput as exc:
        return E.aspnet_validation({"SmtpSettings": [str(exc)]}, **log)
    try:
        timeout_ms = int(stored.get("Email.Smtp.ConnectionTimeout") or IDENTITY_DEFAULTS["Email.Smtp.ConnectionTimeout"])
    except ValueError:
        timeout_ms = 180000
    timeout = max(0.5, min(timeout_ms / 1000.0, ctx.server.smtp_timeout))
    return run_verify(ctx, cfg, timeout, log, problem=True)

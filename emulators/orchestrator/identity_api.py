"""Identity settings API (reference 3, 2.2): /identity/connect/token, /identity/api/Setting[...].
Only served with --profile 2023.10. Path forms: /identity/..., /{org}/identity_/... (AS/Cloud) and
/{org}/identity/... (some standalone doc copies)."""
from . import auth
from . import envelopes as E
from .classic_api import run_verify, smtp_config
from .smtp_sender import InvalidInput
from .state import GUID_RE, IDENTITY_DEFAULTS, mask, validate_value

MODEL_TO_IDENTITY = {
    "Host": "Email.Smtp.Host", "Port": "Email.Smtp.Port", "UserName": "Email.Smtp.UserName",
    "Password": "Email.Smtp.Password", "Domain": "Email.Smtp.Domain", "EnableSsl": "Email.Smtp.EnableSsl",
    "UseDefaultCredentials": "Email.Smtp.UseDefaultCredentials", "DefaultFromAddress": "Email.Smtp.FromEmail",
    "DefaultFromDisplayName": "Email.Smtp.FromDisplayName",
}


def token(ctx):
    return auth.client_token(ctx.state, ctx.raw_body, ctx.headers.get("Content-Type"))


def _caller(ctx, action):
    info = auth.bearer(ctx.state, ctx.headers)
    if info is None:
        return None, E.aspnet_problem(401, "Unauthorized", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if not auth.identity_can(info, action):
        return None, E.aspnet_problem(403, "Forbidden", tenant=info["tenant"], principal=info["principal"])
    return info, None


def _partition(ctx, raw, field="partitionGlobalId"):
    """('' | None) -> host (None); a known organization GUID -> its canonical id; else an error response."""
    if raw is None or raw == "":
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


def put_settings(ctx):
    info, err = _caller(ctx, "write")
    if err:
        return err
    log = dict(tenant=info["tenant"], principal=info["principal"])
    try:
        body = ctx.json_body()
    except ValueError as exc:
        return E.aspnet_validation({"$": ["The JSON value could not be converted: %s" % exc]}, **log)
    if not isinstance(body, dict):
        return E.aspnet_validation({"$": ["The request body must be a JSON object."]}, **log)
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
    return E.empty(200, written_keys=[row["key"]], **log)


def verify_smtp(ctx):
    info, err = _caller(ctx, "write")
    if err:
        return err
    log = dict(tenant=info["tenant"], principal=info["principal"])
    try:
        body = ctx.json_body()
    except ValueError as exc:
        return E.validation_failed([("The request body is not valid JSON: %s" % exc, ["body"])], **log)
    if not isinstance(body, dict):
        return E.validation_failed([("The request body must be a JSON object.", ["body"])], **log)
    send_to = auth._ci_get(body, "sendTo")
    if not isinstance(send_to, str) or not send_to:
        return E.validation_failed([("The sendTo field is required.", ["sendTo"])], **log)
    partition, err = _partition(ctx, auth._ci_get(body, "partitionGlobalId"))
    if err:
        return err
    stored = ctx.state.identity_effective(partition)
    model = auth._ci_get(body, "smtpSettingModel")
    settings = auth._ci_get(body, "settings")
    if model is None:
        # {sendTo, settings:[{key,value}]}: translate Identity keys to model fields
        model = {}
        reverse = {v: k for k, v in MODEL_TO_IDENTITY.items()}
        for item in settings or []:
            key = auth._ci_get(item, "key") if isinstance(item, dict) else None
            if key in reverse:
                model[reverse[key]] = auth._ci_get(item, "value")
    elif not isinstance(model, dict):
        return E.validation_failed([("smtpSettingModel must be an object.", ["smtpSettingModel"])], **log)
    try:
        cfg = smtp_config(model, stored, MODEL_TO_IDENTITY, send_to)
    except InvalidInput as exc:
        return E.validation_failed([(str(exc), ["smtpSettingModel"])], **log)
    try:
        timeout_ms = int(stored.get("Email.Smtp.ConnectionTimeout") or IDENTITY_DEFAULTS["Email.Smtp.ConnectionTimeout"])
    except ValueError:
        timeout_ms = 180000
    timeout = max(0.5, min(timeout_ms / 1000.0, ctx.server.smtp_timeout))
    return run_verify(ctx, cfg, timeout, log)

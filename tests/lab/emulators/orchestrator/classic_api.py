"""Classic Orchestrator Settings API: /odata/Settings, UpdateBulk, DeleteBulk, VerifySmtpSetting."""
import json
import urllib.parse

from . import MASK
from . import envelopes as E
from . import auth
from . import profiles
from .odata_filter import PROPERTIES, ODataError, compile_filter
from .smtp_sender import InvalidInput, SmtpFailure, send_test_mail
from .state import CLASSIC_PASSWORD, mask, validate_value


class Ctx:
    """Per-request data passed to handlers."""

    def __init__(self, server, method, path, query, headers, raw_body, base_url, match=None):
        self.server = server
        self.state = server.state
        self.method = method
        self.path = path
        self.query = query  # dict name -> [values]
        self.headers = headers
        self.raw_body = raw_body
        self.base_url = base_url
        self.match = match or {}
        self.where = {"api": None, "org": None, "tenant": None, "prefix": ""}
        self.origin = base_url

    def json_body(self):
        """Parsed JSON body, or raises ValueError."""
        if not self.raw_body:
            raise ValueError("The request body is empty.")
        return json.loads(self.raw_body.decode("utf-8"))


def _resolve_caller(ctx, action):
    """(info, tenant, error_response). Tokens are tenant-bound; X-UIPATH-TenantName must agree. Under
    ``/{org}/{tenant}/orchestrator_`` the URL names the tenant (the header, if sent, must agree)."""
    info = auth.bearer(ctx.state, ctx.headers)
    if info is None:
        return None, None, E.not_authenticated()
    header_tenant = ctx.headers.get("X-UIPATH-TenantName")
    url_tenant = ctx.where.get("tenant")
    if url_tenant:
        if header_tenant and header_tenant.lower() != url_tenant.lower():
            return None, None, E.not_authenticated(principal=info["principal"])
        header_tenant = url_tenant
    if info["kind"] == "user":
        tenant = info["tenant"]
        if header_tenant and header_tenant.lower() != tenant.lower():
            return None, None, E.not_authenticated(tenant=tenant, principal=info["principal"])
    else:
        tenant = ctx.state.tenant_name(header_tenant or "Default")
        if tenant is None:
            return None, None, E.not_authenticated(principal=info["principal"])
    if not auth.classic_can(info, action):
        return None, None, E.not_authorized(tenant=tenant, principal=info["principal"])
    return info, tenant, None


def _dto(name, value):
    return {"Name": name, "Value": mask(name, value), "Scope": None, "Id": name}


def _single(ctx, name):
    vals = ctx.query.get(name)
    return vals[-1] if vals else None


def list_settings(ctx):
    info, tenant, err = _resolve_caller(ctx, "read")
    if err:
        return err
    log = dict(tenant=tenant, principal=info["principal"])
    eff = ctx.state.classic_effective(tenant)
    items = [_dto(k, v) for k, v in sorted(eff.items())]
    f = _single(ctx, "$filter")
    if f is not None:
        try:
            pred = compile_filter(f)
        except ODataError as exc:
            return E.invalid_request("The query specified in the URI is not valid. %s" % exc, **log)
        items = [d for d in items if pred(d)]
    orderby = _single(ctx, "$orderby")
    if orderby:
        for clause in reversed([c.strip() for c in orderby.split(",")]):
            parts = clause.split()
            if not parts or parts[0] not in PROPERTIES or len(parts) > 2 or (
                    len(parts) == 2 and parts[1] not in ("asc", "desc")):
                return E.invalid_request("The query specified in the URI is not valid. Invalid $orderby '%s'."
                                         % orderby, **log)
            items.sort(key=lambda d: d.get(parts[0]) or "", reverse=len(parts) == 2 and parts[1] == "desc")
    total = len(items)
    for opt, limit in (("$skip", None), ("$top", 1000)):
        raw = _single(ctx, opt)
        if raw is None:
            continue
        if not raw.isdigit() or (limit is not None and int(raw) > limit):
            return E.invalid_request("The query specified in the URI is not valid. Invalid %s '%s'%s."
                                     % (opt, raw, " (maximum 1000)" if limit else ""), **log)
        items = items[int(raw):] if opt == "$skip" else items[:int(raw)]
    context = "%s/odata/$metadata#Settings" % ctx.base_url
    select = _single(ctx, "$select")
    if select:
        fields = [s.strip() for s in select.split(",") if s.strip()]
        bad = [s for s in fields if s not in PROPERTIES and s != "*"]
        if bad:
            return E.invalid_request("The query specified in the URI is not valid. Could not find a property "
                                     "named '%s' on type 'UiPath.Application.Dto.SettingsDto'." % bad[0], **log)
        if "*" not in fields:
            items = [{k: d[k] for k in fields} for d in items]
            context += "(%s)" % ",".join(fields)
    body = {"@odata.context": context}
    if (_single(ctx, "$count") or "").lower() == "true":
        body["@odata.count"] = total
    body["value"] = items
    return E.json_response(200, body, **log)


def get_setting(ctx):
    info, tenant, err = _resolve_caller(ctx, "read")
    if err:
        return err
    key = ctx.match["key"]
    eff = ctx.state.classic_effective(tenant)
    if key not in eff:
        return E.abp_not_found("There is no setting with key '%s'." % key, tenant=tenant,
                               principal=info["principal"])
    # GetById returns ODataValueOfString (UiPath/orchestrator-powershell generated 2020.10 client)
    return E.json_response(200, {"@odata.context": "%s/odata/$metadata#Edm.String" % ctx.base_url,
                                 "value": mask(key, eff[key])}, tenant=tenant, principal=info["principal"])


def _validate_items(items):
    """Validate a list of SettingsDto-like dicts. Returns (pairs, errors)."""
    pairs, errors = [], []
    for i, item in enumerate(items):
        member = "settings[%d]" % i
        if not isinstance(item, dict):
            errors.append(("%s must be an object with Name and Value." % member, [member]))
            continue
        name = auth._ci_get(item, "Name")
        value = auth._ci_get(item, "Value")
        if not isinstance(name, str) or not name.strip():
            errors.append(("The Name field is required.", [member + ".Name"]))
            continue
        if len(name) > 128:
            errors.append(("The field Name must be a string with a maximum length of 128.", [name]))
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(("The value of %s must be a JSON string (e.g. \"587\", \"true\")." % name, [name]))
            continue
        problem = validate_value(name, value)
        if problem:
            errors.append((problem, [name]))
            continue
        pairs.append((name, value))
    return pairs, errors


def _bulk_request(ctx, action, field):
    """Caller check and JSON body of a bulk action: (log fields, tenant, body[field] or None, error response)."""
    info, tenant, err = _resolve_caller(ctx, action)
    if err:
        return None, None, None, err
    log = dict(tenant=tenant, principal=info["principal"])
    try:
        body = ctx.json_body()
    except ValueError as exc:
        return log, tenant, None, E.validation_failed(
            [("The request body is not valid JSON: %s" % exc, [field])], **log)
    return log, tenant, (auth._ci_get(body, field) if isinstance(body, dict) else None), None


def update_bulk(ctx):
    log, tenant, settings, err = _bulk_request(ctx, "write", "settings")
    if err:
        return err
    if not isinstance(settings, list):
        return E.validation_failed([("The settings field is required and must be an array.", ["settings"])],
                                   **log)
    pairs, errors = _validate_items(settings)
    if errors:  # all-or-nothing: nothing is applied
        return E.validation_failed(errors, **log)
    ctx.state.classic_write(tenant, dict(pairs))
    return E.empty(200, written_keys=[k for k, _ in pairs], **log)


def delete_bulk(ctx):
    """POST /odata/Settings/UiPath.Server.Configuration.OData.DeleteBulk {"settingNames": [...]}: removes the
    tenant's own values (tenant scope), so host values / defaults apply again. 200, empty body."""
    log, tenant, names, err = _bulk_request(ctx, "delete", "settingNames")
    if err:
        return err
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        return E.validation_failed([("The settingNames field is required and must be an array of setting "
                                     "names.", ["settingNames"])], **log)
    removed = ctx.state.classic_delete(tenant, names)
    return E.empty(200, written_keys=removed, **log)


def put_setting(ctx):
    info, tenant, err = _resolve_caller(ctx, "write")
    if err:
        return err
    log = dict(tenant=tenant, principal=info["principal"])
    key = ctx.match["key"]
    try:
        body = ctx.json_body()
    except ValueError as exc:
        return E.validation_failed([("The request body is not valid JSON: %s" % exc, [key])], **log)
    if not isinstance(body, dict):
        return E.validation_failed([("The body must be a SettingsDto object.", [key])], **log)
    name = auth._ci_get(body, "Name")
    if name is None:
        body = dict(body, Name=key)
    elif name != key:
        return E.validation_failed([("The Name in the body (%s) does not match the key in the URL (%s)."
                                     % (name, key), [key])], **log)
    pairs, errors = _validate_items([body])
    if errors:
        return E.validation_failed(errors, **log)
    ctx.state.classic_write(tenant, dict(pairs))
    name, value = pairs[0]
    dto = dict(_dto(name, value), **{"@odata.context": "%s/odata/$metadata#Settings/$entity" % ctx.base_url})
    return E.json_response(200, dto, written_keys=[name], **log)


def _to_bool(value, name):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidInput("%s must be a boolean." % name)


def _to_int(value, name):
    if isinstance(value, bool):
        raise InvalidInput("%s must be an integer." % name)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise InvalidInput("%s must be an integer." % name)


MODEL_TO_CLASSIC = {
    "Host": "Abp.Net.Mail.Smtp.Host", "Port": "Abp.Net.Mail.Smtp.Port",
    "UserName": "Abp.Net.Mail.Smtp.UserName", "Password": "Abp.Net.Mail.Smtp.Password",
    "Domain": "Abp.Net.Mail.Smtp.Domain", "EnableSsl": "Abp.Net.Mail.Smtp.EnableSsl",
    "UseDefaultCredentials": "Abp.Net.Mail.Smtp.UseDefaultCredentials",
    "DefaultFromAddress": "Abp.Net.Mail.DefaultFromAddress",
    "DefaultFromDisplayName": "Abp.Net.Mail.DefaultFromDisplayName",
}


class PasswordRequired(Exception):
    """A custom test mail (settings in the body) with a login configured but no password."""


def login_configured(cfg):
    """ABP SmtpEmailSender: credentials are used only when UseDefaultCredentials is false and the user name is
    non-empty; otherwise no AUTH is sent, so no password is needed."""
    return not cfg["use_default_credentials"] and bool(cfg["username"])


def smtp_config(model, stored, mapping, send_to, custom=True):
    """The smtp_sender cfg of a test mail.

    ``custom`` (settings in the body): the posted model over the stored values (unmasked) for omitted/null
    fields -- except the password, which is never taken from storage (a password equal to the mask counts as
    none); with a login configured and no password, PasswordRequired is raised (UiPath's CLI: a custom test
    needs --password). Not ``custom`` (no settings in the body): the stored values, password included."""
    merged = {}
    for field, key in mapping.items():
        value = auth._ci_get(model, field) if (custom and isinstance(model, dict)) else None
        if field == "Password" and custom:
            if value is None or value == MASK:
                value = ""
        elif value is None:
            value = stored.get(key, "")
        merged[field] = value
    for field in ("Host", "UserName", "Password", "Domain", "DefaultFromAddress", "DefaultFromDisplayName"):
        if not isinstance(merged[field], str):
            raise InvalidInput("%s must be a string." % field)
    cfg = {
        "host": merged["Host"], "port": _to_int(merged["Port"], "Port"),
        "enable_ssl": _to_bool(merged["EnableSsl"], "EnableSsl"),
        "use_default_credentials": _to_bool(merged["UseDefaultCredentials"], "UseDefaultCredentials"),
        "username": merged["UserName"], "password": merged["Password"], "domain": merged["Domain"],
        "from_address": merged["DefaultFromAddress"], "from_display_name": merged["DefaultFromDisplayName"],
        "send_to": send_to,
    }
    if custom and login_configured(cfg) and not cfg["password"]:
        raise PasswordRequired(
            "The Password is required for a custom test with a user name and UseDefaultCredentials false: the "
            "saved password is not used for settings given in the request. Send only the recipient to test the "
            "saved settings.")
    return cfg


def run_verify(ctx, cfg, timeout, log, problem=False):
    """Send the test mail. ``problem``: input errors in ASP.NET Core's validation shape (Identity API).
    Classic failures on Web API 20+ carry the named error code (MailSmtpSettingsError, or
    HostMailSmtpSettingsError for the Host tenant); older versions the generic 1000."""
    try:
        send_test_mail(cfg, ca_file=ctx.server.smtp_ca_file, timeout=timeout)
    except InvalidInput as exc:
        if problem:
            member = "Recipient" if "sendTo" in str(exc) else "SmtpSettings"
            return E.aspnet_validation({member: [str(exc).replace("(sendTo)", "(recipient)")]}, **log)
        return E.validation_failed([(str(exc), ["sendTo" if "sendTo" in str(exc) else "smtpSettingModel"])],
                                   **log)
    except SmtpFailure as exc:
        error_code = 1000
        if not problem and ctx.state.profile_info.api_version >= profiles.NAMED_MAIL_ERRORS_MIN_API:
            host = (log.get("tenant") or "").lower() == "host"
            error_code = "HostMailSmtpSettingsError" if host else "MailSmtpSettingsError"
        return E.abp_error(400, str(exc), "The test email could not be sent.", error_code=error_code, **log)
    return E.empty(200, **log)


def verify_smtp(ctx):
    """POST .../VerifySmtpSetting {sendTo, smtpSettingModel?}. With smtpSettingModel: a custom test of the posted
    values (Host required; omitted fields from the tenant's effective values, never the password). Without it
    (omitted or null): the tenant's saved (effective) settings are tested, stored password included."""
    info, tenant, err = _resolve_caller(ctx, "write")
    if err:
        return err
    log = dict(tenant=tenant, principal=info["principal"])
    try:
        body = ctx.json_body()
    except ValueError as exc:
        return E.validation_failed([("The request body is not valid JSON: %s" % exc, ["body"])], **log)
    send_to = auth._ci_get(body, "sendTo") if isinstance(body, dict) else None
    model = auth._ci_get(body, "smtpSettingModel") if isinstance(body, dict) else None
    if not isinstance(send_to, str) or not send_to:
        return E.validation_failed([("The sendTo field is required.", ["sendTo"])], **log)
    if model is not None and not isinstance(model, dict):
        return E.validation_failed([("The smtpSettingModel field must be an object.", ["smtpSettingModel"])],
                                   **log)
    custom = model is not None
    if custom and not auth._ci_get(model, "Host"):
        return E.validation_failed([("The Host field is required.", ["smtpSettingModel.Host"])], **log)
    try:
        cfg = smtp_config(model, ctx.state.classic_effective(tenant), MODEL_TO_CLASSIC, send_to, custom=custom)
    except PasswordRequired as exc:
        return E.validation_failed([(str(exc), ["smtpSettingModel.Password"])], **log)
    except InvalidInput as exc:
        return E.validation_failed([(str(exc), ["smtpSettingModel"])], **log)
    return run_verify(ctx, cfg, ctx.server.smtp_timeout, log)


def decode_key(raw):
    """Settings('key') -> key ('' escapes a quote, URL-decoded)."""
    return urllib.parse.unquote(raw).replace("''", "'")

"""Response bodies: ABP AjaxResponse envelopes (classic API), OAuth / ASP.NET Core shapes (Identity).

Sources: UiPath/orchestrator-powershell (AjaxResponse, ErrorInfo), UiPathOrch OrchException.cs, UiPath docs.
"""
import json


class Response:
    """What a handler returns; the server writes it and logs the ``log_*`` fields."""

    def __init__(self, status, body=b"", content_type="application/json; charset=utf-8", headers=None,
                 tenant=None, principal=None, written_keys=None):
        self.status = status
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        self.content_type = content_type if body else None
        self.headers = dict(headers or {})
        self.tenant = tenant
        self.principal = principal
        self.written_keys = written_keys


def json_response(status, obj, **kw):
    return Response(status, obj, **kw)


def empty(status=200, **kw):
    return Response(status, b"", **kw)


def abp_success(result):
    """ABP AjaxResponse success envelope."""
    return {"result": result, "targetUrl": None, "success": True, "error": None,
            "unAuthorizedRequest": False, "__abp": True}


def abp_error_body(message, details=None, validation_errors=None, error_code=0, code=0):
    """ABP error envelope with Orchestrator's top-level message/errorCode."""
    return {
        "message": message,
        "errorCode": error_code,
        "result": None,
        "targetUrl": None,
        "success": False,
        "error": {"code": code, "message": message, "details": details,
                  "validationErrors": validation_errors},
        "unAuthorizedRequest": False,
        "__abp": True,
    }


def abp_error(status, message, details=None, validation_errors=None, error_code=0, **kw):
    return Response(status, abp_error_body(message, details, validation_errors, error_code), **kw)


def not_authenticated(**kw):
    return abp_error(401, "You are not authenticated!",
                     "You should be authenticated (sign in) in order to perform this operation.", **kw)


def not_authorized(**kw):
    return abp_error(403, "You are not authorized!",
                     "You are not allowed to perform this operation.", **kw)


def validation_failed(errors, **kw):
    """errors: list of (message, [members]) -> 400 with error.validationErrors."""
    items = [{"message": m, "members": list(mem)} for m, mem in errors]
    details = "The following errors were detected during validation.\r\n" + "".join(
        " - %s\r\n" % m for m, _ in errors)
    return abp_error(400, "Your request is not valid!", details, items, error_code=1000, **kw)


def invalid_request(details, **kw):
    """errorCode 1000 "Invalid request!" (UiPath docs "Response Codes")."""
    return abp_error(400, "Invalid request!", details, error_code=1000, **kw)


def abp_not_found(details, **kw):
    return abp_error(404, "Not found", details, error_code=1002, **kw)


def oauth_error(status, error, description, **kw):
    """OAuth2 token endpoint error, IdentityServer-style."""
    return Response(status, {"error": error, "error_description": description},
                    headers={"Cache-Control": "no-store", "Pragma": "no-cache"}, **kw)


def aspnet_validation(errors, **kw):
    """ASP.NET Core ValidationProblemDetails (shape as in UiPath's "Retrieving partitionGlobalId" page). errors: {field: [messages]}."""
    return Response(400, {
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": errors,
    }, content_type="application/problem+json; charset=utf-8", **kw)


def aspnet_problem(status, title, detail=None, **kw):
    body = {"type": "https://tools.ietf.org/html/rfc7231", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    return Response(status, body, content_type="application/problem+json; charset=utf-8", **kw)

"""Portal endpoint of the platform profiles (automation-suite, cloud):
GET /{org}/portal_/api/filtering/leftnav/tenantsAndOrganizationInfo (shape as read by UiPath's uipath-python
``platform/portal/_portal_service.py``)."""
from . import auth
from . import envelopes as E


def tenants_and_organization_info(ctx):
    info = auth.bearer(ctx.state, ctx.headers)
    if info is None:
        return E.aspnet_problem(401, "Unauthorized", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    org = ctx.where["org"]
    log = dict(tenant=info["tenant"], principal=info["principal"])
    if info.get("org") and info["org"] != org["id"]:  # a token of another organization
        return E.aspnet_problem(403, "Forbidden", **log)
    tenants = [{"name": t, "id": ctx.state.tenant_id(t)} for t in ctx.state.org_tenants(org)]
    return E.json_response(200, {"tenants": tenants, "organization": {"id": org["id"], "name": org["name"]}},
                           **log)

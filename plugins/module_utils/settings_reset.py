# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``state: absent`` of orchestrator_mail_settings: delete the instance's own mail settings.

After a reset the inherited values apply again: a classic tenant falls back to the Host's values or the
platform defaults, an Identity organization to the host-level rows or the platform defaults.

Classic: ``GET /odata/Settings`` answers effective values only, so a tenant's own value cannot be told from an
inherited one. A key counts as set when its value differs from the platform default (the ABP setting defaults);
those keys are deleted with one ``DeleteBulk`` and read again, and only the fields whose value really changed are
reported. Check mode predicts the platform default for them; a value inherited from the Host may apply instead.
A server without DeleteBulk (Web API < 15, e.g. 2020.10) refuses the reset, and check mode gives the same refusal
(it asks whether DeleteBulk exists without deleting anything). The Host (``scope: host`` or the login tenant
``Host``) is refused before any request: its values are what every tenant inherits.

Identity: the rows carry their partition, so the organization's (or host's) own rows are known exactly and each
one is deleted (``DELETE /api/Setting/{id}``), the credentials first. Check mode and the real run list the same
fields: the rows that exist.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._mail_fields import (
    decode_settings,
    display,
    fields_for,
    keys_for,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._validation import check_absent
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.settings_api import no_delete_bulk_error

#: ABP EmailSettingProvider defaults plus Orchestrator's alerts toggle: what a tenant without own values shows
#: when the Host has none either.
CLASSIC_PLATFORM_DEFAULTS = {
    'Alerts.Email.Enabled': 'false',
    'Abp.Net.Mail.Smtp.UseDefaultCredentials': 'true',
    'Abp.Net.Mail.Smtp.EnableSsl': 'false',
    'Abp.Net.Mail.Smtp.Host': '127.0.0.1',
    'Abp.Net.Mail.Smtp.Port': '25',
    'Abp.Net.Mail.Smtp.Domain': '',
    'Abp.Net.Mail.Smtp.UserName': '',
    'Abp.Net.Mail.Smtp.Password': '',
    'Abp.Net.Mail.DefaultFromAddress': '',
    'Abp.Net.Mail.DefaultFromDisplayName': '',
}


def check_absent_params(params, scope, api=None, tenant=None):
    """Refuse a reset that is impossible or would widen (``_validation.check_absent``); field values are ignored.

    Before any request ``api`` is the option (``auto`` passes); after the API is resolved, the API in use and the
    tenant the requests address.
    """
    check_absent(api or params.get('api'), scope, tenant if tenant is not None else params.get('tenant'))


def _changed_fields(api, before_raw, after_raw):
    fields = []
    for field, key in keys_for(api).items():
        old, new = before_raw.get(key), after_raw.get(key)
        if field == 'password':
            if bool(old) != bool(new):
                fields.append(field)
        elif (old or '') != (new or ''):
            fields.append(field)
    return [f for f in fields_for(api) if f in fields]


def _classic_set_keys(raw):
    return [key for key, default in CLASSIC_PLATFORM_DEFAULTS.items()
            if raw.get(key) is not None and raw.get(key) != default]


def reset(api_obj, api, ctx):
    """Delete the own mail settings; returns the part of the result that describes the reset."""
    before_raw = api_obj.read()
    if api == 'classic':
        targets = _classic_set_keys(before_raw)
        predicted = dict(before_raw)
        predicted.update((k, CLASSIC_PLATFORM_DEFAULTS[k]) for k in targets)
    else:
        targets = [k for k in keys_for(api).values() if before_raw.get(k) is not None]
        predicted = dict((k, v) for k, v in before_raw.items() if k not in targets)

    if not targets:
        after_raw = predicted
        deleted = []
    elif ctx.check_mode:
        # the same refusal as the real run on a server without DeleteBulk
        supported = getattr(api_obj, 'delete_supported', None)
        if api == 'classic' and supported is not None and not supported():
            raise no_delete_bulk_error()
        after_raw = predicted
        if api == 'classic':
            deleted = _changed_fields(api, before_raw, after_raw)
        else:
            deleted = [f for f in fields_for(api) if keys_for(api)[f] in targets]  # the rows the real run deletes
    elif api == 'classic':
        api_obj.delete(targets)
        after_raw = api_obj.read()
        deleted = _changed_fields(api, before_raw, after_raw)
    else:
        done = api_obj.delete(targets) or []
        after_raw = api_obj.read()
        deleted = [f for f in fields_for(api) if keys_for(api)[f] in done]

    before, pw_before = decode_settings(before_raw, api)
    after, pw_after = decode_settings(after_raw, api)
    return dict(changed=bool(deleted), deleted_fields=deleted, changed_fields=list(deleted),
                before=display(before, api, pw_before), after=display(after, api, pw_after))

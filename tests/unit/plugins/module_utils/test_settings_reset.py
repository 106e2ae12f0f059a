"""state=absent: which own values are deleted, what check mode predicts, and a rerun that changes nothing."""
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.settings_reset import (
    CLASSIC_PLATFORM_DEFAULTS,
    reset,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.task_support import TaskContext


class ClassicTenant(object):
    """A classic tenant over a Host: effective value = own -> Host -> platform default."""
    name = 'classic'

    def __init__(self, own, host=None):
        self.own, self.host, self.deletes = dict(own), dict(host or {}), []

    def read(self):
        out = dict(CLASSIC_PLATFORM_DEFAULTS)
        out.update(self.host)
        out.update(self.own)
        return out

    def delete(self, keys):
        self.deletes.append(list(keys))
        for k in keys:
            self.own.pop(k, None)
        return list(keys)


class IdentityOrg(object):
    name = 'identity'

    def __init__(self, own):
        self.own, self.deletes = dict(own), []

    def read(self):
        return dict(self.own)

    def delete(self, keys):
        done = [k for k in keys if k in self.own]
        self.deletes.append(done)
        for k in done:
            del self.own[k]
        return done


OWN = {'Abp.Net.Mail.Smtp.Host': 'smtp.example.com', 'Abp.Net.Mail.Smtp.Port': '587',
       'Abp.Net.Mail.Smtp.Password': u'\u2022' * 12}


def test_classic_reset_deletes_the_set_keys_once_and_reports_them():
    api = ClassicTenant(OWN)
    res = reset(api, 'classic', TaskContext())
    assert res['changed'] and res['deleted_fields'] == ['host', 'port', 'password']
    assert sorted(api.deletes[0]) == sorted(OWN)
    assert res['after']['host'] == '127.0.0.1' and res['after']['port'] == 25 and res['after']['password'] == ''
    assert res['before']['password'] == '********'


def test_classic_reset_of_a_reset_tenant_deletes_nothing():
    api = ClassicTenant({})
    res = reset(api, 'classic', TaskContext())
    assert not res['changed'] and res['deleted_fields'] == [] and api.deletes == []


def test_classic_values_inherited_from_the_host_are_not_reported_as_deleted():
    api = ClassicTenant({}, host={'Abp.Net.Mail.Smtp.Host': 'relay.example.com'})
    res = reset(api, 'classic', TaskContext())
    assert not res['changed'] and res['after']['host'] == 'relay.example.com'


def test_classic_check_mode_predicts_and_deletes_nothing():
    api = ClassicTenant(OWN)
    res = reset(api, 'classic', TaskContext(check_mode=True))
    assert res['changed'] and res['deleted_fields'] == ['host', 'port', 'password'] and api.deletes == []
    assert api.own == OWN


def test_identity_reset_deletes_the_own_rows_and_is_idempotent():
    api = IdentityOrg({'Email.Smtp.Host': 'smtp.example.com', 'Email.Smtp.Port': '587'})
    first = reset(api, 'identity', TaskContext())
    assert first['changed'] and first['deleted_fields'] == ['host', 'port']
    second = reset(api, 'identity', TaskContext())
    assert not second['changed'] and len(api.deletes) == 1

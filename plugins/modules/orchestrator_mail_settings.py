#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: orchestrator_mail_settings
short_description: Configure the Mail (SMTP) settings of UiPath Orchestrator
version_added: 1.0.0
description:
  - Configures the Mail (SMTP) settings of a UiPath Orchestrator tenant or host (classic C(/odata/Settings) API,
    Orchestrator 2020.10 and earlier), or of an organization or the host in the Identity settings API
    (Orchestrator 2021.10 and later, Automation Suite, Automation Cloud).
  - Reads the current settings once, compares them with the options given, and writes only the keys that
    differ, in one request (classic C(UpdateBulk) or Identity C(PUT /api/Setting)). Omitted options are left
    as they are.
  - All options are validated before any HTTP request; an invalid value fails with one line naming the option.
  - The SMTP password is never read back (the API returns a mask), never compared and never written back as the
    mask. See O(update_password) for when it is sent.
  - With the Identity API, Host, Port and FromEmail are always written together (the server expects it).
author:
  - infraops team (@infraops)
extends_documentation_fragment:
  - infraops.uipath_orchestrator.orchestrator
  - infraops.uipath_orchestrator.orchestrator.MAIL_FIELDS
  - infraops.uipath_orchestrator.attributes
  - infraops.uipath_orchestrator.attributes.ACTION_GROUP
  - infraops.uipath_orchestrator.attributes.ACTION
attributes:
  check_mode:
    support: full
    details:
      - Reads the settings and reports exactly what would be written; never writes.
  diff_mode:
    support: full
    details:
      - The password is shown as C(********) when set and as an empty string when empty.
options:
  enable_alerts:
    description:
      - Enable e-mail alerts (C(Alerts.Email.Enabled)).
      - With the Identity API (2021.10 and later) the toggle is not an Identity setting; it stays an Orchestrator
        tenant setting (Settings > General), so the module reads and writes it through the tenant's
        C(/odata/Settings) (key O(alerts_key)) in the same task, beside the SMTP settings in Identity. That costs one
        more read, and one more write when it changes.
      - With the Identity API it is written only when the tenant's settings show the key; when they do not, nothing
        is written and RV(alerts) and RV(summary) say that this release has no tenant toggle.
    type: bool
  connection_timeout:
    description:
      - SMTP connection timeout in milliseconds (C(Email.Smtp.ConnectionTimeout)), 1 to 300000 (the range UiPath's
        CLI accepts; the UI default is 180000).
      - Identity API only; with the classic API it fails (before any request when O(api=classic),
        after the API detection with O(api=auto)).
    type: int
  scope:
    description:
      - Which settings to manage.
      - V(tenant) is the tenant O(tenant) with the classic API. With the Identity API it is treated as
        V(organization) when O(organization_id) is given and fails otherwise.
      - V(host) is the host level (classic API - login to the tenant C(Host); Identity API - no partition).
        Host values apply to every tenant or organization without its own values.
      - V(organization) needs the Identity API and O(organization_id).
    type: str
    choices: [tenant, organization, host]
    default: tenant
  state:
    description:
      - V(present) makes the given fields match.
      - V(absent) deletes the instance's own mail settings, so the inherited values apply again (a classic
        tenant falls back to the Host's values or the platform defaults; an Identity organization to the host-level
        values or the platform defaults). Field options are ignored and no test mail is sent.
      - With the classic API only effective values can be read, so a key counts as set when it differs from the
        platform default; in check mode RV(after) shows the platform defaults although a Host value may apply.
      - With the classic API V(absent) needs O(scope=tenant).
    type: str
    choices: [present, absent]
    default: present
  update_password:
    description:
      - V(on_create) sends O(password) only when no password is stored, so a rerun with the same options
        writes nothing and reports C(ok); with V(on_create), O(password) may be omitted together with
        O(use_default_credentials=false) when a password is already stored.
      - V(always) sends O(password) on every run when it is given, so a task with a password reports
        C(changed) on every run (the stored password cannot be compared).
      - With either value, O(password) is also sent whenever O(host), O(port), O(enable_ssl) or O(username)
        change in the same run.
    type: str
    choices: [always, on_create]
    default: on_create
  allow_from_mismatch:
    description:
      - Allow O(from_address) to differ from O(username). UiPath documents that the two must be equal.
    type: bool
    default: false
  test_mail:
    description:
      - When to send a test mail to O(test_recipient) with the settings as they will be stored, through
        Orchestrator's test-mail endpoint, B(before) writing. A refused test mail fails the task and nothing is
        written, so a wrong SMTP password is never stored.
      - V(on_change) sends it only when this run writes; V(always) on every run; V(never) not at all.
      - Without O(test_recipient) no test mail is sent. In check mode no test mail is sent; RV(test_mail.reason) says
        whether one would be.
      - A test before a write needs O(password) when the settings log in (a user name, no default credentials; the
        stored password cannot be read). With V(always) on a run that writes nothing, Orchestrator tests its saved
        settings (stored password included; on the Identity API when the access token names the organization).
      - When the settings use O(host=smtp.office365.com) with a password login, every run gives one warning - Microsoft
        disables Basic authentication for SMTP AUTH by default at the end of December 2026 and Orchestrator cannot
        use OAuth; use a connector relay (O(authentication=none), port 25 to the tenant's MX endpoint).
    type: str
    choices: [never, on_change, always]
    default: never
  test_recipient:
    description:
      - E-mail address that receives the test mail (see O(test_mail)). The same name in every module of the
        collection.
    type: str
    aliases: [recipient]
  alerts_key:
    description:
      - Orchestrator tenant setting that holds "Enable email alerts" on Identity-era servers. UiPath documents the
        place (tenant Settings > General) but not the key after 2020.10; C(Alerts.Email.Enabled), the 2020.10 key,
        is an inference, so it can be overridden here.
    type: str
    default: Alerts.Email.Enabled
  verify_write:
    description:
      - After a write, read the settings again and report what is actually stored in RV(after). The API has no
        concurrency control, so two runs writing the same instance at once end last-writer-wins per key; this
        shows the outcome.
    type: bool
    default: false
notes:
  - Validation before any request - O(port) between 1 and 65535, and not 465 with O(enable_ssl=true); O(host) a host
    name or IP address without scheme, port, whitespace or control characters; O(connection_timeout) 1 to 300000;
    e-mail syntax of O(from_address) and of O(username) when it contains C(@); no control characters (CR, LF) in
    O(from_display_name); O(authentication) consistent with the other login options; with the classic API
    O(enable_ssl) and O(use_default_credentials) not both V(true); a password login (a user name) needs a password
    (given, or stored with O(update_password=on_create)); a password needs a user name; O(from_address) equal to
    O(username) unless O(allow_from_mismatch=true).
  - What each O(authentication) choice stores per API, and the two meanings of C(UseDefaultCredentials) -
    docs/API.md, "SMTP login". Provider setups - docs/providers.md; errors - docs/troubleshooting.md.
  - The same rules are checked again on the merged result (current values plus the task's options) before
    anything is written.
seealso:
  - module: infraops.uipath_orchestrator.orchestrator_mail_info
  - module: infraops.uipath_orchestrator.orchestrator_mail_test
'''

EXAMPLES = r'''
- name: Reset the tenant's mail settings to the inherited values
  infraops.uipath_orchestrator.orchestrator_mail_settings:
    orchestrator_url: https://orch.example.com
    tenant: Default
    orchestrator_username: admin
    orchestrator_password: "{{ vault_orchestrator_password }}"
    state: absent

- name: Gmail with an app password, tenant Default (classic API)
  infraops.uipath_orchestrator.orchestrator_mail_settings:
    orchestrator_url: https://orch.example.com
    tenant: Default
    orchestrator_username: admin
    orchestrator_password: "{{ orchestrator_admin_password }}"
    enable_alerts: true
    use_default_credentials: false
    enable_ssl: true
    host: smtp.gmail.com
    port: 587
    username: robots@example.com
    password: "{{ gmail_app_password }}"
    from_address: robots@example.com
    from_display_name: Orchestrator
    test_mail: on_change
    test_recipient: ops@example.com

- name: Relay without login over STARTTLS at host level (a Microsoft 365 connector relay)
  infraops.uipath_orchestrator.orchestrator_mail_settings:
    orchestrator_url: https://orch.example.com
    orchestrator_username: admin
    orchestrator_password: "{{ host_admin_password }}"
    scope: host
    authentication: none
    enable_ssl: true
    host: example-com.mail.protection.outlook.com
    port: 25
    from_address: orchestrator@example.com

- name: Organization settings through the Identity API with an external application
  infraops.uipath_orchestrator.orchestrator_mail_settings:
    orchestrator_url: https://orch.example.com
    client_id: "{{ orchestrator_client_id }}"
    client_secret: "{{ orchestrator_client_secret }}"
    api: identity
    scope: organization
    organization_id: 6e6f7267-0000-4000-8000-000000000001
    host: smtp.office365.com
    port: 587
    enable_ssl: true
    use_default_credentials: false
    username: orchestrator@example.com
    password: "{{ smtp_password }}"
    from_address: orchestrator@example.com
    connection_timeout: 180000

- name: Connection options set once for the whole action group
  module_defaults:
    group/infraops.uipath_orchestrator.orchestrator:
      orchestrator_url: https://orch.example.com
      orchestrator_username: admin
      orchestrator_password: "{{ orchestrator_admin_password }}"
  block:
    - name: Only change the display name
      infraops.uipath_orchestrator.orchestrator_mail_settings:
        from_display_name: UiPath Orchestrator (production)
'''

RETURN = r'''
changed:
  description: Whether settings were (or, in check mode, would be) written.
  returned: always
  type: bool
api:
  description: The settings API used (V(classic) or V(identity)); with O(api=auto) the detected one.
  returned: success
  type: str
  sample: classic
scope:
  description: The effective scope (V(tenant), V(organization) or V(host)).
  returned: success
  type: str
  sample: tenant
summary:
  description:
    - One line with the API, the scope, the option names that changed (or were deleted), check mode, and whether
      the test mail was sent and why. Never contains values.
  returned: success
  type: str
  sample: "api=classic scope=tenant changed=[host, port] test mail: sent to ops@example.com (settings change)"
deleted_fields:
  description:
    - With O(state=absent), the option names whose own values were (or would be) deleted.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [host, port, username, password]
changed_fields:
  description:
    - Option names whose values were (or would be) changed, plus V(password) when the password was (or would be)
      sent. Values of secrets are never listed.
  returned: success
  type: list
  elements: str
  sample: [host, port, password]
before:
  description: Settings before the run, keyed by option name; the password is C(********) when set, C("") when empty.
  returned: success
  type: dict
  sample:
    enable_alerts: false
    use_default_credentials: true
    enable_ssl: false
    host: 127.0.0.1
    port: 25
    domain: ""
    username: ""
    password: ""
    from_address: ""
    from_display_name: ""
after:
  description: Settings after the run (in check mode, as they would be), same shape as RV(before).
  returned: success
  type: dict
  sample:
    enable_alerts: true
    use_default_credentials: false
    enable_ssl: true
    host: smtp.gmail.com
    port: 587
    domain: ""
    username: robots@example.com
    password: "********"
    from_address: robots@example.com
    from_display_name: Orchestrator
organization_id:
  description: The Identity organization (partition) used.
  returned: success with the Identity API
  type: str
  sample: 6e6f7267-0000-4000-8000-000000000001
organization_source:
  description: How RV(organization_id) was found - V(organization_id), V(access token claim prt_id) or
    V(portal tenantsAndOrganizationInfo).
  returned: success with the Identity API
  type: str
  sample: access token claim prt_id
test_mail:
  description: Whether a test mail was sent by this task, to whom, and why (or why not).
  returned: success
  type: dict
  contains:
    sent:
      description: V(true) when the test mail was accepted by Orchestrator.
      type: bool
    recipient:
      description: The test recipient (O(test_recipient)), or V(null).
      type: str
    reason:
      description: Why a mail was or was not sent, for example V(settings change), V(no change), V(check mode ...).
      type: str
  sample: {sent: true, recipient: ops@example.com, reason: settings change}
http_requests:
  description: Number of HTTP requests sent by this task (logins and retries included).
  returned: always
  type: int
  sample: 3
authentication:
  description:
    - The SMTP login of the settings after the run, derived from the stored values - V(password), V(none) (no login)
      or V(windows) (the service identity, classic API).
  returned: success with O(state=present)
  type: str
  sample: none
alerts:
  description:
    - Set when O(enable_alerts) was given on the Identity API but the tenant's settings have no O(alerts_key) - this
      release has no tenant alerts toggle, so nothing was written. Also at the end of RV(summary).
  returned: when the tenant has no alerts toggle
  type: str
  sample: "not written: this release has no tenant alerts toggle (Alerts.Email.Enabled not in the tenant settings)"
written_fields:
  description:
    - Option names this run wrote (from the run's write journal; V(enable_alerts) for the tenant toggle). Also on a
      failure, so a run that fails after a write still says what it changed. Never values.
  returned: always (when a connection was made)
  type: list
  elements: str
  sample: [host, port, password]
journal:
  description:
    - Every request of this run that changed (or may have changed) settings, in order. Never values.
  returned: always (when a connection was made)
  type: list
  elements: dict
  contains:
    action:
      description: V(write) or V(delete).
      type: str
    request:
      description: The call, for example V(POST UpdateBulk) or V(PUT identity /api/Setting).
      type: str
    fields:
      description: The option names it wrote or deleted.
      type: list
      elements: str
    outcome:
      description: V(done), or V(unknown) when the request was sent but no answer says whether the server acted.
      type: str
  sample: [{action: write, request: PUT identity /api/Setting, fields: [host, port, from_address], outcome: done}]
'''

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import settings_task
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils.task_support import run_as_module


def main():
    run_as_module(settings_task)


if __name__ == '__main__':
    main()

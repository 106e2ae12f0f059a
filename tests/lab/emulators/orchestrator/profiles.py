"""Deployment profiles: which URL layouts and API features a given emulated deployment serves.

Standalone profiles serve the classic API at the server root and (2021.10+) the Identity API under
``/identity``, ``/{org}/identity_`` and ``/{org}/identity``. The platform profiles (``automation-suite``,
``cloud``) serve Orchestrator per tenant under ``/{org}/{tenant}/orchestrator_``, Identity under
``/{org}/identity_`` (and, on Automation Suite only, the host-level ``/identity_``) and the portal's
``/{org}/portal_/api/...``. See README.md ("Profiles").
"""
from collections import namedtuple

Profile = namedtuple("Profile", [
    "name",
    "identity",          # Identity settings API served at all
    "standalone",        # classic API at "/" and Identity under /identity, /{org}/identity_, /{org}/identity
    "platform",          # /{org}/{tenant}/orchestrator_, /{org}/identity_, /{org}/portal_
    "host_identity",     # platform only: host-level /identity_ -> "ok" | "invalid_partition"
    "host_partition",    # Identity host (global) partition usable (omitted partitionGlobalId)
    "ropc",              # POST /api/Account/Authenticate available
    "api_version",       # Orchestrator Web API version (gates DeleteBulk, v15+)
    "client_prt_id",     # default of --client-token-prt-id auto
])

# Web API versions per release: inferred from UiPathOrch (Orchestrator <= 23.4 is API v16, 23.10-25.10 v17;
# "MSI 25.10.2 reporting ApiVersion 17") counting one version per release back from 23.4; 2024.10 lies between
# 23.10 and 25.10, both v17. Cloud serves the newest (v20 swagger in UiPath/uipathcli). Standalone 2024.10 and
# 2025.10 keep Identity under /identity (UiPath "Get Settings" pages 2024.10/2025.10; UiPathOrch on-prem paths).
PROFILES = {
    "2020.10": Profile("2020.10", False, True, False, None, True, True, 11, False),
    "2021.10": Profile("2021.10", True, True, False, None, True, True, 13, False),
    "2022.4": Profile("2022.4", True, True, False, None, True, True, 14, False),
    "2022.10": Profile("2022.10", True, True, False, None, True, True, 15, False),
    "2023.4": Profile("2023.4", True, True, False, None, True, True, 16, False),
    "2023.10": Profile("2023.10", True, True, False, None, True, True, 17, False),
    "2024.10": Profile("2024.10", True, True, False, None, True, True, 17, False),
    "2025.10": Profile("2025.10", True, True, False, None, True, True, 17, False),
    "automation-suite": Profile("automation-suite", True, False, True, "ok", True, True, 17, True),
    "cloud": Profile("cloud", True, False, True, "invalid_partition", False, False, 20, True),
}
NAMES = tuple(PROFILES)

DELETE_BULK_MIN_API = 15
# Web API 20 names the error codes MailSmtpSettingsError / HostMailSmtpSettingsError (a string enum in the
# swagger, numbers not published): a failed classic test mail answers with the name from this version on.
NAMED_MAIL_ERRORS_MIN_API = 20


def get(name):
    return PROFILES[name]

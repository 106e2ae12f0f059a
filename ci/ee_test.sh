#!/usr/bin/env bash
# `make ee-test`: runs site.yml inside the execution environment (EE) the way AWX / Automation Platform does,
# against the emulated Orchestrators and the mail catcher running as containers of the project's images.
#
#   * the EE image comes from ci/ee.sh (built or reused), the service images from ci/build-images.sh;
#   * the services sit on a private `--internal` docker network (no route out, no published ports); the EE
#     containers join it; this script reads the catcher's API at the catcher container's address;
#   * the project is a copy of this checkout WITHOUT .collections/, so the collection baked into the image is
#     the one that runs (the listing from inside the EE is printed, and the job events' task paths are checked);
#   * ansible-navigator run ... --mode stdout: inventory with the credentials (CLI use);
#   * ansible-runner run --process-isolation: a private data dir laid out as AWX lays it out (project/,
#     inventory/, env/), the Orchestrator credentials only in env/envvars, as an AWX credential injects them.
# Each case: changed on run 1, changed=0 on run 2, the test mail delivered (catcher API), no secret in the
# output / job events. Prints PASS/FAIL lines and ends with `ee: N passed, N failed`; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
mkdir -p build
t0=$SECONDS
passed=0; failed=0
pass() { echo "PASS  $*"; passed=$((passed + 1)); }
fail() { echo "FAIL  $*"; failed=$((failed + 1)); }
check() { # description, command... : PASS when the command succeeds
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; return 1; fi
}
finish() {
  echo "ee: $passed passed, $failed failed ($((SECONDS - t0)) s)"
  [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
  exit $?
}
log() { echo "ee-test: $*" >&2; }

# --- images -----------------------------------------------------------------------------------------------
if ! EE_IMAGE=$(bash ci/ee.sh | tail -n 1) || [ -z "$EE_IMAGE" ]; then
  fail "execution environment image builds (ci/ee.sh)"; finish
fi
pass "execution environment image builds ($EE_IMAGE)"
if ! images=$(bash ci/build-images.sh); then
  fail "service images build (ci/build-images.sh)"; finish
fi
ORCH_IMAGE=$(sed -n 's/^ORCHESTRATOR_EMULATOR_IMAGE=//p' <<<"$images")
MH_IMAGE=$(sed -n 's/^MAILHOG_COMPATIBLE_IMAGE=//p' <<<"$images")
VENV=build/ee-venv   # ansible-navigator / ansible-runner (made by ci/ee.sh from requirements/locks/ee-host.txt)
export PATH="$ROOT/$VENV/bin:$PATH"
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS   # the project's own ansible.cfg applies

# --- private network + services ---------------------------------------------------------------------------
run_id=ee$$
NET=$run_id-net
containers=()
WORK=build/ee-test
cleanup() {
  [ ${#containers[@]} -gt 0 ] && docker rm -f "${containers[@]}" >/dev/null 2>&1
  docker network rm "$NET" >/dev/null 2>&1
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
docker network create --internal "$NET" >/dev/null || { fail "private docker network $NET"; finish; }
start_service() { # name alias image args...
  local name=$1 alias=$2 image=$3; shift 3
  docker run -d --pull never --name "$name" --network "$NET" --network-alias "$alias" "$image" "$@" >/dev/null &&
    containers+=("$name")
}
start_service "$run_id-mailhog" mailhog "$MH_IMAGE" &&
  start_service "$run_id-orch2020" orchestrator-2020 "$ORCH_IMAGE" --profile 2020.10 &&
  start_service "$run_id-orch2023" orchestrator-2023 "$ORCH_IMAGE" --profile 2023.10 ||
  { fail "service containers start"; finish; }
ip_of() { docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$1"; }
MH_API=http://$(ip_of "$run_id-mailhog"):8025
ORCH2020=http://$(ip_of "$run_id-orch2020"):8180
ORCH2023=http://$(ip_of "$run_id-orch2023"):8180

# Ask an HTTP endpoint (from the host, at a container address); prints the body.
http_get() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1"; }
wait_ready() {
  local i
  for ((i = 0; i < 120; i++)); do
    http_get "$MH_API/api/v2/messages" >/dev/null 2>&1 && http_get "$ORCH2020/_emulator/health" >/dev/null 2>&1 &&
      http_get "$ORCH2023/_emulator/health" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}
check "services answer on the private network" wait_ready || finish
# Number of delivered messages addressed to $1 (catcher API, MailHog v2 JSON).
mails_to() {
  http_get "$MH_API/api/v2/messages?limit=250" | python3 -c '
import json, sys
want = sys.argv[1].lower()
items = json.load(sys.stdin)["items"]
print(sum(1 for m in items if any(want == t.lower() for t in m["Raw"]["To"])))' "$1"
}

# --- the project copy (no .collections) ------------------------------------------------------------------
rm -rf "$WORK"; mkdir -p "$WORK"
PROJECT=$ROOT/$WORK/project
mkdir -p "$PROJECT"
# tracked and new (not ignored) files, as an SCM checkout of the project would hold them
git ls-files -z --cached --others --exclude-standard \
  | python3 -c '
import os, sys
for p in sys.stdin.buffer.read().split(b"\0"):
    if p and not p.startswith(b".collections/") and os.path.lexists(p):
        sys.stdout.buffer.write(p + b"\0")' \
  | tar -C "$ROOT" --null -T - -cf - | tar -C "$PROJECT" -xf -
if [ -e "$PROJECT/.collections" ] || [ ! -s "$PROJECT/site.yml" ]; then
  fail "project copy without .collections"; finish
fi

# Secrets used below: every one must stay out of the output and the job events.
NAV_SMTP_PASSWORD=ee-navigator-smtp-pw-7d1f0c
RUN_SMTP_PASSWORD=ee-runner-smtp-pw-93ac5e
ORCH_PASSWORD=emulator-admin      # the emulator's public seed values
ORCH_CLIENT_SECRET=emulator-secret
SECRETS=("$NAV_SMTP_PASSWORD" "$RUN_SMTP_PASSWORD" "$ORCH_PASSWORD" "$ORCH_CLIENT_SECRET")
no_secret_in() { # files...
  local s hit=0
  for s in "${SECRETS[@]}"; do
    if grep -rlF -- "$s" "$@" >/dev/null 2>&1; then echo "  secret found in: $(grep -rlF -- "$s" "$@" | head -3 | tr '\n' ' ')"; hit=1; fi
  done
  [ "$hit" = 0 ]
}
# PLAY RECAP of a stdout file: every host ok, none failed/unreachable; prints the sum of changed=.
recap_changed() { # file expected_hosts
  python3 - "$1" "$2" <<'EOF'
import re, sys
text = re.sub(r'\x1b\[[0-9;]*m', '', open(sys.argv[1], errors='replace').read())
recap = text.rsplit('PLAY RECAP', 1)[-1] if 'PLAY RECAP' in text else ''
rows = re.findall(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', recap, re.M)
if len(rows) != int(sys.argv[2]) or any(int(r[3]) or int(r[4]) for r in rows):
    print(-1)
else:
    print(sum(int(r[2]) for r in rows))
EOF
}

# --- 1. ansible-navigator run --mode stdout (`exec` takes no --pae: it fails silently with it) ----------
NAV_INV=$PROJECT/inventories/ee-navigator
mkdir -p "$NAV_INV/group_vars" "$NAV_INV/host_vars"
cat >"$NAV_INV/hosts.yml" <<'EOF'
---
orchestrators:
  hosts:
    orch-2020-10:
    orch-2023-10:
EOF
cat >"$NAV_INV/group_vars/orchestrators.yml" <<EOF
---
smtp_mail_provider: custom
smtp_mail_use_default_credentials: false
smtp_mail_enable_ssl: false
smtp_mail_host: mailhog
smtp_mail_port: 1025
smtp_mail_username: orchestrator@example.test
smtp_mail_password: $NAV_SMTP_PASSWORD
smtp_mail_from_display_name: UiPath Orchestrator (EE test)
smtp_mail_test_recipient: navigator-ops@example.test
EOF
cat >"$NAV_INV/host_vars/orch-2020-10.yml" <<EOF
---
smtp_mail_orchestrator_url: http://orchestrator-2020:8180
smtp_mail_orchestrator_username: admin
smtp_mail_orchestrator_password: $ORCH_PASSWORD
smtp_mail_api: classic
smtp_mail_scope: tenant
EOF
cat >"$NAV_INV/host_vars/orch-2023-10.yml" <<EOF
---
smtp_mail_orchestrator_url: http://orchestrator-2023:8180
smtp_mail_orchestrator_client_id: ansible
smtp_mail_orchestrator_client_secret: $ORCH_CLIENT_SECRET
smtp_mail_api: identity
smtp_mail_scope: organization
smtp_mail_organization_id: 6e6f7267-0000-4000-8000-000000000001
EOF
nav_common=(--eei "$EE_IMAGE" --pull-policy never --ce docker --mode stdout
  --lf "$ROOT/$WORK/navigator.log" --container-options="--network=$NET")
(cd "$PROJECT" && ansible-navigator exec "${nav_common[@]}" -- ansible-galaxy collection list infraops.uipath_orchestrator) \
  >"$WORK/navigator-collections.txt" 2>&1
echo "--- ansible-galaxy collection list, inside the EE, from the project copy:"
sed 's/^/  /' "$WORK/navigator-collections.txt"
baked_listing() {
  grep -q '^# /usr/share/ansible/collections/ansible_collections' "$WORK/navigator-collections.txt" &&
    grep -q '^infraops.uipath_orchestrator ' "$WORK/navigator-collections.txt" &&
    ! grep -q "$PROJECT" "$WORK/navigator-collections.txt"
}
check "navigator: the only infraops.uipath_orchestrator is the one baked into the image" baked_listing

nav_run() { # n
  (cd "$PROJECT" && ansible-navigator run site.yml -i inventories/ee-navigator "${nav_common[@]}" --pae false) >"$WORK/navigator-run$1.txt" 2>&1
}
before=$(mails_to navigator-ops@example.test)
nav_run 1; rc=$?
c1=$(recap_changed "$WORK/navigator-run1.txt" 2)
if [ "$rc" = 0 ] && [ "$c1" -gt 0 ]; then pass "navigator run 1: rc 0, changed=$c1 over 2 hosts"
else fail "navigator run 1: rc $rc, changed=$c1 (want > 0)"; tail -n 30 "$WORK/navigator-run1.txt"; fi
after=$(mails_to navigator-ops@example.test)
check "navigator run 1: test mails delivered to the catcher ($before -> $after, want +2)" test "$after" -eq $((before + 2))
nav_run 2; rc=$?
c2=$(recap_changed "$WORK/navigator-run2.txt" 2)
if [ "$rc" = 0 ] && [ "$c2" = 0 ]; then pass "navigator run 2: rc 0, changed=0 over 2 hosts"
else fail "navigator run 2: rc $rc, changed=$c2 (want 0)"; tail -n 30 "$WORK/navigator-run2.txt"; fi
check "navigator: no secret in the output" no_secret_in "$WORK"/navigator-run*.txt

# --- 2. ansible-runner run --process-isolation (AWX layout) ----------------------------------------------
PDD=$ROOT/$WORK/runner
mkdir -p "$PDD/inventory" "$PDD/env"
cp -a "$PROJECT" "$PDD/project"
rm -rf "$PDD/project/inventories/ee-navigator"
# The inventory holds no Orchestrator credential: one host = the Orchestrator the job's credential names.
# The URL, tenant and login come from ORCHESTRATOR_* only (the role leaves empty connection variables to them).
cat >"$PDD/inventory/hosts.yml" <<EOF
---
orchestrators:
  hosts:
    uipath-orchestrator:
      smtp_mail_api: identity
      smtp_mail_scope: organization
      smtp_mail_provider: custom
      smtp_mail_use_default_credentials: false
      smtp_mail_enable_ssl: false
      smtp_mail_host: mailhog
      smtp_mail_port: 1025
      smtp_mail_username: orchestrator@example.test
      smtp_mail_password: $RUN_SMTP_PASSWORD
      smtp_mail_test_recipient: runner-ops@example.test
EOF
# env/envvars: what the "UiPath Orchestrator" credential type (extensions/awx/) injects for a credential with
# these inputs, rendered as the controller renders injectors, written where ansible-runner reads it.
check "credential type: injects the ORCHESTRATOR_* variables the modules read (secrets -> no_log options)" \
  "$VENV/bin/python" ee/awx_credential_env.py check
"$VENV/bin/python" ee/awx_credential_env.py envvars url=http://orchestrator-2023:8180 tenant= \
  username=admin password="$ORCH_PASSWORD" client_id=ansible client_secret="$ORCH_CLIENT_SECRET" \
  organization_id=6e6f7267-0000-4000-8000-000000000001 >"$PDD/env/envvars" ||
  fail "runner: env/envvars rendered from the credential type"
if grep -rqE 'orchestrator_(username|password|client_id|client_secret)|organization_id|emulator-' "$PDD/inventory"; then
  fail "runner: the inventory holds no Orchestrator credential"
else
  pass "runner: the inventory holds no Orchestrator credential (only env/envvars)"
fi
runner_run() { # n
  ansible-runner run "$PDD" -p site.yml --ident "run$1" --process-isolation --process-isolation-executable docker \
    --container-image "$EE_IMAGE" --container-option="--network=$NET" --container-option="--pull=never" \
    >"$WORK/runner-run$1.txt" 2>&1
}
# The job events' task paths: every task of the role must come from the collection in the image.
events_from_baked_collection() { # ident
  python3 - "$PDD/artifacts/$1/job_events" <<'EOF'
import glob, json, sys
paths = set()
for f in glob.glob(sys.argv[1] + '/*.json'):
    ev = json.load(open(f))
    p = (ev.get('event_data') or {}).get('task_path') or ''
    if '/roles/smtp_mail/' in p:
        paths.add(p.rsplit(':', 1)[0])
ok = paths and all(p.startswith('/usr/share/ansible/collections/ansible_collections/infraops/uipath_orchestrator/')
                   for p in paths)
print('  role task files run: %s' % ', '.join(sorted(paths)))
sys.exit(0 if ok else 1)
EOF
}
before=$(mails_to runner-ops@example.test)
runner_run 1; rc=$?
c1=$(recap_changed "$WORK/runner-run1.txt" 1)
if [ "$rc" = 0 ] && [ "$c1" -gt 0 ] && [ "$(cat "$PDD/artifacts/run1/status" 2>/dev/null)" = successful ]; then
  pass "runner run 1: status successful, changed=$c1"
else fail "runner run 1: rc $rc, status $(cat "$PDD/artifacts/run1/status" 2>/dev/null), changed=$c1 (want > 0)"; tail -n 30 "$WORK/runner-run1.txt"; fi
after=$(mails_to runner-ops@example.test)
check "runner run 1: test mail delivered to the catcher ($before -> $after, want +1)" test "$after" -eq $((before + 1))
check "runner run 1: the role's tasks ran from the collection baked into the image" events_from_baked_collection run1
runner_run 2; rc=$?
c2=$(recap_changed "$WORK/runner-run2.txt" 1)
if [ "$rc" = 0 ] && [ "$c2" = 0 ] && [ "$(cat "$PDD/artifacts/run2/status" 2>/dev/null)" = successful ]; then
  pass "runner run 2: status successful, changed=0"
else fail "runner run 2: rc $rc, status $(cat "$PDD/artifacts/run2/status" 2>/dev/null), changed=$c2 (want 0)"; tail -n 30 "$WORK/runner-run2.txt"; fi
ls "$PDD"/artifacts/run1/job_events/*.json >/dev/null 2>&1 || fail "runner: job events were written"
# env.list is ansible-runner's own hand-over of env/envvars to the container (it holds them by design, as the
# env/ input does); the job's record is stdout + job_events.
check "runner: no secret in the job events and stdout (runner artifacts)" \
  no_secret_in "$PDD"/artifacts/run*/job_events "$PDD"/artifacts/run*/stdout "$WORK"/runner-run*.txt

# --- 3. playbooks/awx_credential_type.yml, run from the collection in the image ------------------------------
# awx.awx is not a dependency and is not installed: a stand-in awx.awx.credential_type records its arguments,
# which must be the credential type file's content with the injector templates left for the controller.
FAKE=$ROOT/$WORK/fake-awx/ansible_collections/awx/awx/plugins/modules
mkdir -p "$FAKE" "$ROOT/$WORK/awx-record"
chmod 0777 "$ROOT/$WORK/awx-record"
cat >"$FAKE/credential_type.py" <<'PYEOF'
#!/usr/bin/python
# Test stand-in for awx.awx.credential_type: records the arguments it gets.
import json
import os
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        name=dict(type='str', required=True), description=dict(type='str'), kind=dict(type='str'),
        inputs=dict(type='dict'), injectors=dict(type='dict'), state=dict(type='str', default='present')))
    with open(os.environ['FAKE_AWX_RECORD'], 'w') as f:
        json.dump(module.params, f)
    module.exit_json(changed=True)


if __name__ == '__main__':
    main()
PYEOF
docker run --rm --network=none --pull=never -v "$ROOT/$WORK/fake-awx:/fake:ro" -v "$ROOT/$WORK/awx-record:/record" \
  -e ANSIBLE_COLLECTIONS_PATH=/fake:/usr/share/ansible/collections -e FAKE_AWX_RECORD=/record/args.json \
  "$EE_IMAGE" ansible-playbook infraops.uipath_orchestrator.awx_credential_type >"$WORK/awx-credential-type.txt" 2>&1
rc=$?
awx_args_match() {
  "$VENV/bin/python" - "$WORK/awx-record/args.json" extensions/awx/credential_type_uipath_orchestrator.yml <<'PYEOF'
import json, sys, yaml
got = json.load(open(sys.argv[1]))
want = yaml.safe_load(open(sys.argv[2]))
problems = [k for k in ('name', 'description', 'kind', 'inputs', 'injectors') if got.get(k) != want[k]]
if got.get('state') != 'present':
    problems.append('state')
env = sorted(((got.get('injectors') or {}).get('env') or {}).items())
print('  awx.awx.credential_type got: name=%r kind=%r, %d input fields, env injectors %s, ...' % (
    got.get('name'), got.get('kind'), len((got.get('inputs') or {}).get('fields', [])),
    ', '.join('%s=%s' % kv for kv in env[:2])))
sys.exit('  differs from the file: %s' % ', '.join(problems) if problems else 0)
PYEOF
}
if [ "$rc" = 0 ] && awx_args_match; then
  pass "awx_credential_type.yml (from the collection in the image) hands the credential type unchanged to awx.awx.credential_type"
else
  fail "awx_credential_type.yml: rc $rc"; tail -n 20 "$WORK/awx-credential-type.txt"
fi

finish

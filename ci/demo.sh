#!/usr/bin/env bash
# `make demo`: the embedded default end to end. Starts two emulated Orchestrator instances (profiles
# 2020.10 and 2023.10) and the MailHog-compatible catcher on 127.0.0.1, runs `ansible-playbook site.yml`
# against inventories/local twice (changed, then ok), prints the delivered test mails read from the catcher's MailHog API, and stops
# what it started (by PID).
set -euo pipefail
cd "$(dirname "$0")/.."
# Ports on 127.0.0.1, from the environment (README, "make demo"):
ORCH_CLASSIC_PORT=${DEMO_ORCH_CLASSIC_PORT:-8180}    # emulated Orchestrator 2020.10
ORCH_IDENTITY_PORT=${DEMO_ORCH_IDENTITY_PORT:-8181}  # emulated Orchestrator 2023.10
SMTP_PORT=${DEMO_SMTP_PORT:-1025}                    # mail catcher, SMTP
MAIL_API_PORT=${DEMO_MAIL_API_PORT:-8025}            # mail catcher, MailHog API
bash ci/venv.sh
PY=.venv/bin/python
# every port must be free before anything starts: one line naming the port and its variable
for spec in "DEMO_ORCH_CLASSIC_PORT=$ORCH_CLASSIC_PORT" "DEMO_ORCH_IDENTITY_PORT=$ORCH_IDENTITY_PORT" \
            "DEMO_SMTP_PORT=$SMTP_PORT" "DEMO_MAIL_API_PORT=$MAIL_API_PORT"; do
  if ! $PY -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except (OSError, ValueError):
    sys.exit(1)' "${spec#*=}" 2>/dev/null; then
    echo "demo: port ${spec#*=} on 127.0.0.1 is in use or invalid; choose another with ${spec%%=*}=<port> make demo" >&2
    exit 1
  fi
done
workdir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$workdir"
}
trap cleanup EXIT

start() { # name, ready-pattern, command...
  local name=$1 pattern=$2; shift 2
  "$@" >"$workdir/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    if grep -q "$pattern" "$workdir/$name.log"; then echo "demo: $(grep -m1 "$pattern" "$workdir/$name.log")"; return 0; fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "demo: $name did not start: $(grep -v '^\s*$' "$workdir/$name.log" | tail -n 1)" >&2; exit 1
}

start catcher "mailhog-catcher ready" $PY -m emulators.mailhog -smtp-bind-addr "127.0.0.1:$SMTP_PORT" \
  -api-bind-addr "127.0.0.1:$MAIL_API_PORT" -ui-bind-addr "127.0.0.1:$MAIL_API_PORT"
start orch-2020-10 "orchestrator-emulator ready" $PY -m emulators.orchestrator --port "$ORCH_CLASSIC_PORT" --profile 2020.10
start orch-2023-10 "orchestrator-emulator ready" $PY -m emulators.orchestrator --port "$ORCH_IDENTITY_PORT" --profile 2023.10

# inventories/local with the ports above (a copy in the temporary folder, removed on exit)
cp -r inventories/local "$workdir/inventory"
sed -i "s#127.0.0.1:8180#127.0.0.1:$ORCH_CLASSIC_PORT#; s#127.0.0.1:8181#127.0.0.1:$ORCH_IDENTITY_PORT#" \
  "$workdir/inventory/host_vars/"*.yml
sed -i "s#^smtp_mail_port: 1025#smtp_mail_port: $SMTP_PORT#" "$workdir/inventory/group_vars/orchestrators.yml"
export ANSIBLE_INVENTORY="$workdir/inventory"

echo; echo "demo: first run (applies the settings, sends the test mail)"
.venv/bin/ansible-playbook site.yml
echo; echo "demo: second run (idempotence: expect changed=0 and no writes)"
.venv/bin/ansible-playbook site.yml | tee "$workdir/second-run.log"
if grep -qE 'changed=[1-9]' "$workdir/second-run.log"; then
  echo "demo: the second run changed something: not idempotent" >&2; exit 1
fi

echo
echo "Mail delivered to the catcher (read from http://127.0.0.1:$MAIL_API_PORT/api/v2/messages):"
MAIL_API_PORT=$MAIL_API_PORT $PY - <<'PYEOF'
import json, os, urllib.request
with urllib.request.urlopen("http://127.0.0.1:%s/api/v2/messages" % os.environ["MAIL_API_PORT"], timeout=10) as r:
    data = json.load(r)
items = data.get("items") or []
for m in items:
    h = m["Content"]["Headers"]
    print("  Subject: %s | From: %s | To: %s" % (h.get("Subject", [""])[0], h.get("From", [""])[0], ", ".join(h.get("To", []))))
print("  %d message(s)" % len(items))
raise SystemExit(0 if items else "demo: no mail arrived")
PYEOF

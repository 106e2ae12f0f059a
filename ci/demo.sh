#!/usr/bin/env bash
# `make demo`: the embedded default end to end. Starts two emulated Orchestrator instances (profiles
# 2020.10 and 2023.10) and the MailHog-compatible catcher on 127.0.0.1, runs `ansible-playbook site.yml`
# against inventories/local twice (changed, then ok), prints the delivered test mails read from the catcher's MailHog API, and stops
# what it started (by PID).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/venv.sh
PY=.venv/bin/python
logdir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

start() { # name, ready-pattern, command...
  local name=$1 pattern=$2; shift 2
  "$@" >"$logdir/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    if grep -q "$pattern" "$logdir/$name.log"; then echo "demo: $(grep -m1 "$pattern" "$logdir/$name.log")"; return 0; fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "demo: $name did not start (is its port free?):" >&2; cat "$logdir/$name.log" >&2; exit 1
}

start catcher "mailhog-catcher ready" $PY -m emulators.mailhog \
  -smtp-bind-addr 127.0.0.1:1025 -api-bind-addr 127.0.0.1:8025 -ui-bind-addr 127.0.0.1:8025
start orch-2020-10 "orchestrator-emulator ready" $PY -m emulators.orchestrator --port 8180 --profile 2020.10
start orch-2023-10 "orchestrator-emulator ready" $PY -m emulators.orchestrator --port 8181 --profile 2023.10

echo; echo "demo: first run (applies the settings, sends the test mail)"
.venv/bin/ansible-playbook site.yml
echo; echo "demo: second run (idempotence: expect changed=0 and no writes)"
.venv/bin/ansible-playbook site.yml | tee "$logdir/second-run.log"
if grep -qE 'changed=[1-9]' "$logdir/second-run.log"; then
  echo "demo: the second run changed something: not idempotent" >&2; exit 1
fi

echo
echo "Mail delivered to the catcher (read from http://127.0.0.1:8025/api/v2/messages):"
$PY - <<'PYEOF'
import json, urllib.request
with urllib.request.urlopen("http://127.0.0.1:8025/api/v2/messages", timeout=10) as r:
    data = json.load(r)
items = data.get("items") or []
for m in items:
    h = m["Content"]["Headers"]
    print("  Subject: %s | From: %s | To: %s" % (h.get("Subject", [""])[0], h.get("From", [""])[0], ", ".join(h.get("To", []))))
print("  %d message(s)" % len(items))
raise SystemExit(0 if items else "demo: no mail arrived")
PYEOF

#!/usr/bin/env bash
# Every module of the collection must render with ansible-doc (text and JSON) without warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
status=0
for f in plugins/modules/*.py; do
  name=infraops.uipath_orchestrator.$(basename "$f" .py)
  if out=$(.venv/bin/ansible-doc "$name" 2>&1) && ! grep -qi "warning" <<<"$out" && .venv/bin/ansible-doc --json "$name" >/dev/null; then
    echo "ok   $name"
  else
    echo "FAIL $name"; echo "$out" | head -20; status=1
  fi
done
exit $status

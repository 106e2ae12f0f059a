#!/usr/bin/env bash
# Every module of the collection must render with ansible-doc (text and JSON), and ansible-doc must print nothing
# on stderr for it (a warning or deprecation from the collection or its tool chain goes there).
set -euo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
status=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT
for f in plugins/modules/*.py; do
  name=infraops.uipath_orchestrator.$(basename "$f" .py)
  if .venv/bin/ansible-doc "$name" >/dev/null 2>"$err" && [ ! -s "$err" ] &&
     .venv/bin/ansible-doc --json "$name" >/dev/null 2>>"$err" && [ ! -s "$err" ]; then
    echo "ok   $name"
  else
    echo "FAIL $name"; head -20 "$err"; status=1
  fi
done
exit $status

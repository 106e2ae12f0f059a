#!/usr/bin/env bash
# The ansible-core matrix: for each line in requirements/lines.txt (or the lines given as arguments), a venv
# build/matrix/<line>/ with that core and the smoke suite's pins (requirements/locks/core-<line>.txt, cached by a
# hash of its pins, see ci/venv.sh), then the smoke suite with that venv's pytest and ansible-playbook:
#   tests/unit  +  tests/smoke (site.yml against both emulated APIs and the mail catcher); on the oldest and the
#   newest line the unit tests and the integration targets run through `ansible-test` (ci/ansible_test.sh)
# Prints a table  core | python | result | seconds  and ends with the line
#   matrix: N passed, N failed
# A line whose Python is not installed is reported as skipped (not counted). Exit status non-zero when a line
# failed. MATRIX_JOBS (default 2) venvs are created side by side; the suites run one line after the other,
# each with pytest -n MATRIX_PYTEST_WORKERS (default 2). `ci/matrix.sh --venvs-only [lines]` only creates the
# venvs.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV_SH=${VENV_SH:-$ROOT/ci/venv.sh}
JOBS=${MATRIX_JOBS:-2}
WORKERS=${MATRIX_PYTEST_WORKERS:-2}
OUT=$ROOT/build/matrix
mkdir -p "$OUT"
VENVS_ONLY=0
if [ "${1:-}" = "--venvs-only" ]; then VENVS_ONLY=1; shift; fi   # phase 1 only (ci/test.sh runs it early)
LINES=("$@")
mapfile -t ALL_LINES < <(grep -vE '^\s*(#|$)' requirements/lines.txt | awk '{print $1}')
if [ ${#LINES[@]} = 0 ]; then LINES=("${ALL_LINES[@]}"); fi
t0=$SECONDS

# --- 1. venvs, JOBS at a time (a cached one costs nothing)
declare -A vrc vsecs
build() { # line
  local t=$SECONDS rc=0
  VENV_CORE=$1 VENV_DIR="$OUT/$1" bash "$VENV_SH" >"$OUT/$1.venv.log" 2>&1 || rc=$?
  echo "$rc $((SECONDS - t))" >"$OUT/$1.venv.result"
}
running=0
for l in "${LINES[@]}"; do
  rm -f "$OUT/$l.venv.result"
  build "$l" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then wait -n 2>/dev/null || true; running=$((running - 1)); fi
done
wait
for l in "${LINES[@]}"; do
  read -r rc secs <"$OUT/$l.venv.result" 2>/dev/null || { rc=1; secs=0; }
  vrc[$l]=$rc; vsecs[$l]=$secs
done
echo "matrix: venvs ready ($((SECONDS - t0)) s; logs $OUT/<line>.venv.log)"
if [ "$VENVS_ONLY" = 1 ]; then
  bad=0
  for l in "${LINES[@]}"; do
    case "${vrc[$l]}" in 0) echo "matrix: venv $l ok (${vsecs[$l]} s)" ;; 3) echo "matrix: venv $l skipped (no Python)" ;;
      *) echo "matrix: venv $l FAILED (see $OUT/$l.venv.log)"; bad=1 ;; esac
  done
  exit "$bad"
fi

# --- 2. the smoke suite per line
export ANSIBLE_CONFIG="$ROOT/ansible.cfg"
export ANSIBLE_GALAXY_SERVER=${ANSIBLE_GALAXY_SERVER:-http://127.0.0.1:9/}
passed=0; failed=0; skipped=0; rows=()
for l in "${LINES[@]}"; do
  venv=$OUT/$l
  pyv=$(sed -n 's/^python=//p' "$venv/.core" 2>/dev/null)
  if [ "${vrc[$l]}" = 3 ]; then
    skipped=$((skipped + 1))
    rows+=("$(printf '| %-5s | %-6s | %-40s | %7s |' "$l" "-" "skipped: $(tail -n1 "$OUT/$l.venv.log" | sed 's/^ci\/venv.sh: //')" "-")")
    continue
  fi
  if [ "${vrc[$l]}" != 0 ]; then
    failed=$((failed + 1))
    rows+=("$(printf '| %-5s | %-6s | %-40s | %7s |' "$l" "${pyv:--}" "FAILED: venv not created ($OUT/$l.venv.log)" "${vsecs[$l]}")")
    continue
  fi
  echo "=== matrix: ansible-core $("$venv/bin/python" -c 'import ansible; print(ansible.__version__)' 2>/dev/null) on Python $pyv"
  t=$SECONDS
  junit=$OUT/$l.junit.xml
  rm -f "$junit"
  # The oldest and the newest line: the unit tests and the integration targets through ansible-test (as a
  # contributor runs them), the smoke suite through pytest; the lines between: unit tests and smoke through pytest.
  suites=(tests/unit tests/smoke); at_rc=0; at_note=""
  if [ "$l" = "${ALL_LINES[0]}" ] || [ "$l" = "${ALL_LINES[-1]}" ]; then
    suites=(tests/smoke)
    bash ci/ansible_test.sh all "$venv" >"$OUT/$l.ansible-test.log" 2>&1 || at_rc=1
    grep -E '^ansible-test (units|integration): ' "$OUT/$l.ansible-test.log" | sort -u
    at_note=" + $(grep -E '^ansible-test (units|integration): ' "$OUT/$l.ansible-test.log" | sort -u |
      sed -E 's/^ansible-test (units|integration): ([0-9]+) passed, ([0-9]+) failed.*/\1 \2\/\3/' | paste -sd' ')"
  fi
  PATH="$venv/bin:$PATH" "$venv/bin/python" -m pytest -p no:cacheprovider -q -n "$WORKERS" --dist loadfile \
    --junitxml="$junit" "${suites[@]}" 2>&1 | tee "$OUT/$l.log" | tail -n 25
  rc=${PIPESTATUS[0]}
  [ "$at_rc" = 0 ] || rc=1
  secs=$((SECONDS - t))
  counts=$("$venv/bin/python" ci/junit_counts.py "$junit" "$rc" 2>/dev/null || echo "0 1")
  np=${counts% *}; nf=${counts#* }
  if [ "$rc" = 0 ] && [ "$nf" = 0 ]; then
    passed=$((passed + 1)); result="passed ($np tests$at_note)"
  else
    failed=$((failed + 1))
    first=$("$venv/bin/python" - "$junit" <<'PYEOF' 2>/dev/null
import sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    for bad in list(case.findall("failure")) + list(case.findall("error")):
        msg = (bad.get("message") or bad.text or "").strip().splitlines()
        print("%s: %s" % (case.get("name"), msg[0][:160] if msg else "?"))
        raise SystemExit
PYEOF
)
    [ "$at_rc" = 0 ] || first="ansible-test failed ($at_note), see $OUT/$l.ansible-test.log"
    result="FAILED ($nf of $((np + nf))): ${first:-pytest rc=$rc, see $OUT/$l.log}"
  fi
  rows+=("$(printf '| %-5s | %-6s | %-40s | %7s |' "$l" "$pyv" "$result" "$secs")")
done

echo
echo "=== matrix (smoke suite per ansible-core line; logs $OUT/<line>.log)"
printf '| %-5s | %-6s | %-40s | %7s |\n' core python result seconds
printf "|-------|--------|%s|---------|\n" "$(printf -- "-%.0s" $(seq 1 42))"
printf '%s\n' "${rows[@]}"
[ "$skipped" = 0 ] || echo "matrix: $skipped line(s) skipped (no Python for them on this machine)"
echo "matrix: total $((SECONDS - t0)) s"
echo "matrix: $passed passed, $failed failed"
[ "$failed" = 0 ]

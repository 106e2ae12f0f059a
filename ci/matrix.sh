#!/usr/bin/env bash
# The ansible-core matrix: for each line in requirements/lines.txt (or the lines given as arguments), a venv
# build/matrix/<line>/ with that core and the test pins (requirements/locks/core-<line>.txt, cached by a hash of
# its pins, see ci/venv.sh), then, with that venv's ansible-core:
#   the oldest and the newest line: `ansible-test units` and `ansible-test integration` (every target), as a
#     contributor runs them (ci/ansible_test.sh);
#   the lines between: the unit tests through pytest and the role's target (`ansible-test integration
#     smtp_mail_role`: site.yml as a user runs it, against both emulated APIs and the mail catcher).
# Prints a table  core | python | result | seconds  and ends with the line
#   matrix: N passed, N failed
# A line whose Python is not installed is reported as skipped (not counted). Exit status non-zero when a line
# failed. MATRIX_JOBS (default 2) venvs are created side by side, then MATRIX_TEST_JOBS (default 2) lines are
# tested side by side, pytest with -n MATRIX_PYTEST_WORKERS (default 2). `ci/matrix.sh --venvs-only [lines]` only
# creates the venvs.
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

in_parallel() { # jobs function items...: `function item` for every item, at most `jobs` at a time; waits for all
  local jobs=$1 fn=$2 item running=0
  shift 2
  for item in "$@"; do
    "$fn" "$item" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait -n 2>/dev/null || true; running=$((running - 1)); fi
  done
  wait
}
is_edge() { [ "$1" = "${ALL_LINES[0]}" ] || [ "$1" = "${ALL_LINES[-1]}" ]; }   # the oldest or the newest line

# --- 1. venvs, JOBS at a time (a cached one costs nothing)
declare -A vrc vsecs
build() { # line
  local t=$SECONDS rc=0
  rm -f "$OUT/$1.venv.result"
  VENV_CORE=$1 VENV_DIR="$OUT/$1" bash "$VENV_SH" >"$OUT/$1.venv.log" 2>&1 || rc=$?
  echo "$rc $((SECONDS - t))" >"$OUT/$1.venv.result"
}
in_parallel "$JOBS" build "${LINES[@]}"
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

# --- 2. the tests per line, MATRIX_TEST_JOBS (default 2) lines at a time: an integration target keeps about one
# core busy (one ansible-playbook at a time), so two lines side by side use both. Each line writes its table row
# to $OUT/<line>.row and its verdict (pass/fail) to $OUT/<line>.verdict; its output goes to its logs only.
export ANSIBLE_CONFIG="$ROOT/ansible.cfg"
export ANSIBLE_GALAXY_SERVER=${ANSIBLE_GALAXY_SERVER:-http://127.0.0.1:9/}
TEST_JOBS=${MATRIX_TEST_JOBS:-2}
row() { printf '| %-5s | %-6s | %-40s | %7s |' "$@"; }

test_line() { # line: the tests of one line with its venv
  local l=$1 venv=$OUT/$1 t=$SECONDS pyv junit at_what at_args pytest_rc=0 np=0 nf=0 at_rc=0 at_lines at_note
  local counts rc result first
  pyv=$(sed -n 's/^python=//p' "$venv/.core" 2>/dev/null)
  echo "=== matrix: ansible-core $("$venv/bin/python" -c 'import ansible; print(ansible.__version__)' 2>/dev/null) on Python $pyv"
  junit=$OUT/$l.junit.xml
  rm -f "$junit" "$OUT/$l.log"
  at_what=integration; at_args=(-- smtp_mail_role)
  if is_edge "$l"; then
    at_what=all; at_args=()
  else
    PATH="$venv/bin:$PATH" "$venv/bin/python" -m pytest -p no:cacheprovider -q -n "$WORKERS" --dist loadfile \
      --junitxml="$junit" tests/unit >"$OUT/$l.log" 2>&1
    pytest_rc=$?
    counts=$("$venv/bin/python" ci/junit_counts.py "$junit" "$pytest_rc" 2>/dev/null || echo "0 1")
    np=${counts% *}; nf=${counts#* }
  fi
  bash ci/ansible_test.sh "$at_what" "$venv" "${at_args[@]}" >"$OUT/$l.ansible-test.log" 2>&1 || at_rc=1
  at_lines=$(grep -E '^ansible-test (units|integration): [0-9]+ passed, [0-9]+ failed' "$OUT/$l.ansible-test.log" | sort -u)
  [ -n "$at_lines" ] || at_rc=1
  at_note=$(sed -E 's/^ansible-test (units|integration): ([0-9]+) passed, ([0-9]+) failed.*/\1 \2\/\3/' <<<"$at_lines" | paste -sd' ')
  rc=$pytest_rc
  [ "$at_rc" = 0 ] || rc=1
  if [ "$rc" = 0 ] && [ "$nf" = 0 ]; then
    result="passed ($( [ "$np" = 0 ] || echo "pytest unit $np + ")ansible-test $at_note)"
    echo pass >"$OUT/$l.verdict"
  else
    if [ "$at_rc" != 0 ]; then
      first="ansible-test failed (${at_note:-no summary}), see $OUT/$l.ansible-test.log"
    else
      first=$("$venv/bin/python" - "$junit" <<'PYEOF' 2>/dev/null
import sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    for bad in list(case.findall("failure")) + list(case.findall("error")):
        msg = (bad.get("message") or bad.text or "").strip().splitlines()
        print("%s: %s" % (case.get("name"), msg[0][:160] if msg else "?"))
        raise SystemExit
PYEOF
)
      first=${first:-pytest rc=$pytest_rc, see $OUT/$l.log}
    fi
    result="FAILED: $first"
    echo fail >"$OUT/$l.verdict"
  fi
  row "$l" "$pyv" "$result" "$((SECONDS - t))" >"$OUT/$l.row"
  echo "matrix: ansible-core $l done in $((SECONDS - t)) s: $result"
}

# the oldest and the newest line first: they run every target and take longest
queue=()
for l in "${LINES[@]}"; do is_edge "$l" && [ "${vrc[$l]}" = 0 ] && queue+=("$l"); done
for l in "${LINES[@]}"; do ! is_edge "$l" && [ "${vrc[$l]}" = 0 ] && queue+=("$l"); done
for l in "${LINES[@]}"; do rm -f "$OUT/$l.row" "$OUT/$l.verdict"; done
in_parallel "$TEST_JOBS" test_line "${queue[@]}"
passed=0; failed=0; skipped=0; rows=()
for l in "${LINES[@]}"; do
  pyv=$(sed -n 's/^python=//p' "$OUT/$l/.core" 2>/dev/null)
  if [ "${vrc[$l]}" = 3 ]; then
    skipped=$((skipped + 1))
    rows+=("$(row "$l" "-" "skipped: $(tail -n1 "$OUT/$l.venv.log" | sed 's/^ci\/venv.sh: //')" "-")")
  elif [ "${vrc[$l]}" != 0 ]; then
    failed=$((failed + 1))
    rows+=("$(row "$l" "${pyv:--}" "FAILED: venv not created ($OUT/$l.venv.log)" "${vsecs[$l]}")")
  elif [ "$(cat "$OUT/$l.verdict" 2>/dev/null)" = pass ]; then
    passed=$((passed + 1)); rows+=("$(cat "$OUT/$l.row")")
  else
    failed=$((failed + 1)); rows+=("$(cat "$OUT/$l.row" 2>/dev/null || row "$l" "${pyv:--}" "FAILED: no result" "-")")
  fi
done

echo
echo "=== matrix (per ansible-core line; logs $OUT/<line>.log and $OUT/<line>.ansible-test.log)"
printf '| %-5s | %-6s | %-40s | %7s |\n' core python result seconds
printf "|-------|--------|%s|---------|\n" "$(printf -- "-%.0s" $(seq 1 42))"
printf '%s\n' "${rows[@]}"
[ "$skipped" = 0 ] || echo "matrix: $skipped line(s) skipped (no Python for them on this machine)"
echo "matrix: total $((SECONDS - t0)) s"
echo "matrix: $passed passed, $failed failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# `ansible-test units` and/or `ansible-test integration --local` on a throw-away copy of the checkout.
#
#   bash ci/ansible_test.sh units|integration|all [VENV] [-- extra ansible-test arguments / integration targets]
#
# VENV: argument or env var VENV, default .venv (e.g. build/matrix/2.16). The venv's ansible-test runs with
# --local --python X.Y (X.Y = the venv's Python), so the tests use that venv's ansible-core and packages.
#
# ansible-test insists on the layout ansible_collections/<namespace>/<name> and on a git work tree (or an explicit
# file list), so the tracked files plus the untracked-but-not-ignored ones (`git ls-files -co --exclude-standard`)
# are copied to build/ansible-test.XXXXXX/ansible_collections/infraops/uipath_orchestrator, committed to a fresh
# git repository there (`git init` + `git add`, nothing in the checkout's own git is touched), tested, and the
# copy is removed on exit. The committed self-symlink .collections/ and old tests/output/ are left out.
#
# Prints ansible-test's own summary, then one line per command:
#   ansible-test units: N passed, N failed          (from the JUnit XML under tests/output/junit of the copy)
#   ansible-test integration: N passed, N failed    (targets; --continue-on-error, so every target runs)
# Exits non-zero when any command fails. Keep the copy for debugging with KEEP_COPY=1.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

usage() { echo "usage: bash ci/ansible_test.sh units|integration|all [VENV] [-- ansible-test args]" >&2; exit 2; }
[ $# -ge 1 ] || usage
WHAT=$1; shift
case "$WHAT" in units|integration|all) ;; *) usage ;; esac
VENV=${VENV:-.venv}
if [ $# -ge 1 ] && [ "$1" != "--" ]; then VENV=$1; shift; fi
[ "${1:-}" = "--" ] && shift
EXTRA=("$@")

case "$VENV" in /*) ;; *) VENV=$ROOT/$VENV ;; esac
PY=$VENV/bin/python
ANSIBLE_TEST=$VENV/bin/ansible-test
# .venv may be rebuilt by another job for a moment: wait up to a minute for it to come back
for _ in $(seq 30); do
  [ -x "$ANSIBLE_TEST" ] && "$PY" -c 'import ansible, ansible_test' 2>/dev/null && break
  echo "ansible-test: $VENV not usable yet, waiting" >&2
  sleep 2
done
[ -x "$ANSIBLE_TEST" ] || { echo "ansible-test: $ANSIBLE_TEST missing" >&2; exit 1; }
PYVER=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || exit 1
CORE=$("$PY" -c 'from ansible.release import __version__; print(__version__)') || exit 1
echo "ansible-test: venv $VENV (ansible-core $CORE, Python $PYVER)"

# --- the throw-away collection copy
mkdir -p "$ROOT/build"
TMPD=$(mktemp -d "$ROOT/build/ansible-test.XXXXXX") || exit 1
cleanup() {
  if [ "${KEEP_COPY:-0}" = 1 ]; then echo "ansible-test: copy kept in $TMPD"; else rm -rf "$TMPD"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
DEST=$TMPD/ansible_collections/infraops/uipath_orchestrator
mkdir -p "$DEST"
git -C "$ROOT" ls-files -z -co --exclude-standard |
  "$PY" -c '
import os, sys
names = sys.stdin.buffer.read().split(b"\0")
skip = (b".collections/", b"tests/output/", b"build/")
out = [n for n in names if n and not n.startswith(skip) and os.path.lexists(n)]
sys.stdout.buffer.write(b"\0".join(sorted(set(out))) + b"\0")' |
  tar -C "$ROOT" --null -T - -cf - | tar -C "$DEST" -xf - || { echo "ansible-test: copying the checkout failed" >&2; exit 1; }
(
  cd "$DEST" && git init -q && git add -A &&
    git -c user.name=ansible-test -c user.email=ansible-test@localhost commit -q -m copy --no-verify
) || { echo "ansible-test: git init in the copy failed" >&2; exit 1; }
echo "ansible-test: $(cd "$DEST" && git ls-files | wc -l) files in $DEST"

export PATH="$VENV/bin:$PATH"
export ANSIBLE_TEST_PREFER_PODMAN=0
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
rc=0
summaries=()

# Processes a test run left behind (their working directory is inside the copy, so this script's run started
# them): reported, then stopped by PID, so the copy can be removed and nothing keeps running.
reap_strays() { # label
  local pids=() p cwd
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    cwd=$(readlink "/proc/$p/cwd" 2>/dev/null) || continue
    case "$cwd" in "$TMPD"|"$TMPD"/*) pids+=("$p") ;; esac
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  # a run must leave nothing behind: this fails the run
  rc=1; summaries+=("ansible-test: $1 left ${#pids[@]} process(es) running")
  echo "ansible-test: $1 left ${#pids[@]} process(es) running, stopping them:" >&2
  for p in "${pids[@]}"; do echo "  $p $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)" >&2; kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 50); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
}

run_units() {
  local log=$TMPD/units.log r counts
  echo "=== ansible-test units --local --python $PYVER ${EXTRA[*]}"
  rm -rf "$DEST/tests/output/junit"
  (cd "$DEST" && "$ANSIBLE_TEST" units --local --python "$PYVER" --color no "${EXTRA[@]}") 2>&1 | tee "$log"
  r=${PIPESTATUS[0]}
  reap_strays "ansible-test units"
  counts=$("$PY" - "$DEST/tests/output/junit" "$r" <<'PYEOF'
import glob, os, sys
import xml.etree.ElementTree as ET
total = bad = skipped = 0
files = glob.glob(os.path.join(sys.argv[1], "*units*.xml"))
for path in files:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        bad += 1
        continue
    for s in ([root] if root.tag == "testsuite" else root.iter("testsuite")):
        total += int(s.get("tests", 0))
        bad += int(s.get("failures", 0)) + int(s.get("errors", 0))
        skipped += int(s.get("skipped", 0))
passed = max(total - bad - skipped, 0)
if sys.argv[2] != "0" and bad == 0:
    bad = 1  # failed outside any test (collection error, missing requirement, crash)
print("%d passed, %d failed%s" % (passed, bad, ", %d skipped" % skipped if skipped else ""))
PYEOF
)
  summaries+=("ansible-test units: $counts")
  echo "ansible-test units: $counts"
  [ "$r" = 0 ] || rc=1
}

run_integration() {
  local log=$TMPD/integration.log r counts
  echo "=== ansible-test integration --local --python $PYVER --continue-on-error ${EXTRA[*]}"
  (cd "$DEST" && "$ANSIBLE_TEST" integration --local --python "$PYVER" --color no --continue-on-error "${EXTRA[@]}") \
    2>&1 | tee "$log"
  r=${PIPESTATUS[0]}
  reap_strays "ansible-test integration"
  counts=$("$PY" - "$log" "$r" <<'PYEOF'
import re, sys
text = open(sys.argv[1], errors="replace").read()
ran = re.findall(r"^Running (\S+) integration test (?:role|script)$", text, re.M)
failed = set()
m = re.search(r"The \d+ integration test\(s\) listed below \(out of \d+\) failed\. See error output above for "
              r"details:\n((?:\S+\n?)+)", text)
if m:
    failed = set(m.group(1).split())
passed = [t for t in dict.fromkeys(ran) if t not in failed]
bad = len(failed)
if sys.argv[2] != "0" and bad == 0:
    bad = 1  # ansible-test failed before or outside the targets
elif not ran and bad == 0:
    bad = 1  # no target ran: never green
print("%d passed, %d failed" % (len(passed), bad))
PYEOF
)
  summaries+=("ansible-test integration: $counts")
  echo "ansible-test integration: $counts"
  [ "$r" = 0 ] || rc=1
}

case "$WHAT" in
  units) run_units ;;
  integration) run_integration ;;
  all) run_units; run_integration ;;
esac
[ "$WHAT" = all ] && printf '%s\n' "${summaries[@]}"
exit "$rc"

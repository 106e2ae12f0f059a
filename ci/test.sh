#!/usr/bin/env bash
# `make test`: every check the project has, in one run, ending with one line CI can read:
#   total: N passed, N failed
# Each pytest test counts as one; each non-pytest check (lint, sanity, ansible-doc, ansible-builder,
# each Molecule scenario, each ansible-core line of the matrix) counts as one. Exit status is non-zero when
# anything failed.
#
# The full suite runs with the main venv (.venv: the newest ansible-core its Python supports, see ci/venv.sh);
# then the matrix (ci/matrix.sh: unit tests and integration targets on every ansible-core line of
# requirements/lines.txt) and
# `ansible-test sanity` once more on the oldest line (2.16) with its matrix venv.
set -uo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
export ANSIBLE_GALAXY_SERVER=http://127.0.0.1:9/   # Galaxy is unreachable: any stray call fails at once
mkdir -p build
passed=0; failed=0; report=()

stage() { # name, command...
  local name=$1; shift
  local start=$SECONDS
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); report+=("PASS  $name ($((SECONDS - start)) s)")
  else failed=$((failed + 1)); report+=("FAIL  $name ($((SECONDS - start)) s)"); fi
  no_leftovers "$name"
}

# A stage must leave no process behind: an emulator, catcher, pytest or ansible process started from this
# checkout that outlives its stage counts as a failure (it is listed, not killed). Processes that match before
# the run starts (whatever launched it, another job) and this script's own ancestors are not the run's.
watched='emulators[./]|pytest|ansible-(playbook|test)|molecule'
preexisting=" $(pgrep -f "$watched" | tr '\n' ' ') "
no_leftovers() { # stage name
  local pid cmd left=()
  sleep 1   # a teardown's SIGTERM may still be on its way
  for pid in $(pgrep -f "$watched" || true); do
    [ "$pid" = "$$" ] && continue
    [[ "$preexisting" == *" $pid "* ]] && continue
    is_descendant "$$" "$pid" && continue
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$PWD" ] || [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$PWD"/* ]] || continue
    [ -n "${bg_pid:-}" ] && is_descendant "$pid" "$bg_pid" && continue   # the background jobs' own work
    [ -n "${venvs_pid:-}" ] && is_descendant "$pid" "$venvs_pid" && continue
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)
    [ -n "$cmd" ] && left+=("$pid $cmd")
  done
  if [ ${#left[@]} -gt 0 ]; then
    echo "ci/test.sh: processes left behind by \"$1\":"; printf '  %s\n' "${left[@]}"
    failed=$((failed + 1)); report+=("FAIL  no process left behind by: $1 (${#left[@]} left)")
  fi
}
is_descendant() { # pid ancestor
  local p=$1
  while [ -n "$p" ] && [ "$p" != 1 ] && [ "$p" != 0 ]; do
    [ "$p" = "$2" ] && return 0
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
  done
  return 1
}

pytest_stage() { # name, junit file, pytest args...
  local name=$1 junit=$2; shift 2
  local start=$SECONDS
  echo "=== $name"
  "${PYTEST_PYTHON:-.venv/bin/python}" -m pytest -p no:cacheprovider --junitxml="$junit" "$@"
  local rc=$?
  local counts
  counts=$(.venv/bin/python ci/junit_counts.py "$junit" "$rc")
  passed=$((passed + ${counts% *})); failed=$((failed + ${counts#* }))
  report+=("$( [ "$rc" = 0 ] && echo PASS || echo FAIL)  $name: ${counts% *} passed, ${counts#* } failed ($((SECONDS - start)) s)")
  no_leftovers "$name"
}

counted_stage() { # name, log file, summary-line prefix, command... : adds "<prefix>: N passed, N failed" counts
  local name=$1 log=$2 prefix=$3; shift 3
  local start=$SECONDS
  echo "=== $name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]} line p f
  line=$(grep -E "^$prefix: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
  p=$(sed -E 's/^[^:]+: ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  [ -n "$line" ] || { p=0; f=1; }
  [ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
  passed=$((passed + p)); failed=$((failed + f))
  report+=("$( [ "$rc" = 0 ] && echo PASS || echo FAIL)  $name: $p passed, $f failed ($((SECONDS - start)) s)")
  no_leftovers "$name"
}

# `ansible-test sanity` (ci/sanity.sh) with another venv: ci/sanity.sh uses .venv, so it runs from a copy in
# build/ whose venv path points at the given one (the copy's ../ is still the repository).
sanity_with_venv() { # venv dir (repo-relative)
  local venv=$1 copy=build/sanity-${1//\//-}.sh
  sed "s#\.venv#$venv#g" ci/sanity.sh >"$copy"
  if grep -q '\.venv' "$copy" || ! grep -q "$venv" "$copy"; then
    echo "ci/test.sh: cannot point ci/sanity.sh at $venv" >&2; return 1
  fi
  SANITY_PYTHON=$(sed -n 's/^python=//p' "$venv/.core") bash "$copy"
}

# Every venv made by ci/venv.sh in this run adds "<venv>: <lock>, pip freeze sha256 <hash>" here (printed at the end).
export VENV_REPORT=$PWD/build/package-sets.txt
: >"$VENV_REPORT"
bash ci/venv.sh || { echo "total: 0 passed, 1 failed"; exit 1; }
main_core=$(sed -n 's/^core=//p' .venv/.core 2>/dev/null)
main_python=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
export SANITY_PYTHON=$main_python   # ansible-test sanity on the venv's own Python
echo "ci/test.sh: main venv: ansible-core $(.venv/bin/python -c 'import ansible; print(ansible.__version__)') on Python $main_python"
# The matrix venvs are made in the background from here on, one at a time (mostly downloads and unpacking, about
# one core at most), while the stages below run; Molecule's background job waits for them.
venvs_start=$SECONDS
rm -f build/matrix-venvs.done
( MATRIX_JOBS=1 bash ci/matrix.sh --venvs-only >build/matrix-venvs.log 2>&1
  echo "$? $((SECONDS - venvs_start))" >build/matrix-venvs.done ) &
venvs_pid=$!

stage "locks match their inputs (ci/lock.sh --check)" bash ci/lock.sh --check
stage "built collection: product files only, no tests (ci/build_check.sh)" bash ci/build_check.sh
stage "lint (yamllint, ansible-lint production, ansible-builder create)" bash ci/lint.sh
stage "ansible-doc renders every module" bash ci/ansible_doc.sh
stage "collection docs and changelog (antsibull-docs, antsibull-changelog)" bash ci/docs_lint.sh
stage "ansible-test sanity (ansible-core ${main_core:-main venv}, Python $main_python)" bash ci/sanity.sh
pytest_stage "pytest (unit, emulators, integration)" build/junit-pytest.xml tests -q -n 2 --dist loadfile \
  --ignore=tests/reliability
# Its own run: the suite's conftest prints the reliability summary (cases, faults, leaks, slowest failure)
# and writes build/reliability-summary.json, which needs it to be an initial conftest of the session.
pytest_stage "pytest (reliability and security)" build/junit-reliability.xml tests/reliability -q -n 2 --dist loadfile
# While Molecule runs (mostly waiting on containers), the oldest line (2.16) gets the full `ansible-test sanity`
# in the background, once the matrix venvs are ready; the results are reported after Molecule.
rm -f build/sanity-2.16.result
(
  while [ ! -s build/matrix-venvs.done ]; do sleep 2; done
  if [ "$(cut -d' ' -f1 build/matrix/2.16.venv.result 2>/dev/null)" = 3 ]; then
    echo skip >build/sanity-2.16.result
  elif [ -x build/matrix/2.16/bin/ansible-test ]; then
    t=$SECONDS; rc=0
    sanity_with_venv build/matrix/2.16 >build/sanity-2.16.log 2>&1 || rc=$?
    echo "$rc $((SECONDS - t))" >build/sanity-2.16.result
  else
    echo "novenv" >build/sanity-2.16.result
  fi
) &
bg_pid=$!
bash ci/molecule.sh 2>&1 | tee build/molecule.log
mrc=${PIPESTATUS[0]}
line=$(grep -E '^molecule: [0-9]+ passed, [0-9]+ failed' build/molecule.log | tail -n 1)
mp=$(sed -E 's/^molecule: ([0-9]+) passed.*/\1/' <<<"$line"); mf=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
[ -n "$line" ] || { mp=0; mf=1; }
[ "$mrc" = 0 ] || [ "$mf" != 0 ] || mf=1
passed=$((passed + mp)); failed=$((failed + mf))
report+=("$( [ "$mrc" = 0 ] && echo PASS || echo FAIL)  molecule scenarios: $mp passed, $mf failed")

wait "$bg_pid"
no_leftovers "molecule scenarios and the background venvs / 2.16 sanity"
wait "$venvs_pid"
echo "=== matrix venvs (made in the background, $(cut -d' ' -f2 build/matrix-venvs.done 2>/dev/null) s)"
cat build/matrix-venvs.log
# The oldest line's `ansible-test sanity` (its venv comes from the matrix), run in the background above.
name216="ansible-test sanity (ansible-core 2.16, Python $(sed -n 's/^python=//p' build/matrix/2.16/.core 2>/dev/null))"
read -r s216 t216 <build/sanity-2.16.result 2>/dev/null || s216=missing
case "$s216" in
  skip) report+=("SKIP  ansible-test sanity (ansible-core 2.16): no Python 3.10-3.12 on this machine") ;;
  0|[1-9]*)
    echo "=== $name216 (output of the background run, build/sanity-2.16.log)"; cat build/sanity-2.16.log
    if [ "$s216" = 0 ]; then passed=$((passed + 1)); report+=("PASS  $name216 (${t216} s)")
    else failed=$((failed + 1)); report+=("FAIL  $name216 (${t216} s)"); fi ;;
  *) failed=$((failed + 1)); report+=("FAIL  ansible-test sanity (ansible-core 2.16): no 2.16 venv (see build/matrix/2.16.venv.log)") ;;
esac
# The ansible-core matrix: unit tests and integration targets on every line (venvs ready and cached); one check
# per line.
counted_stage "ansible-core matrix (unit tests and integration targets per line)" build/matrix.log matrix bash ci/matrix.sh
# The reliability and security suite also on the oldest line (its matrix venv also has trustme).
if [ -x build/matrix/2.16/bin/python ]; then
  PYTEST_PYTHON=build/matrix/2.16/bin/python pytest_stage "pytest (reliability and security, ansible-core 2.16)" \
    build/junit-reliability-2.16.xml tests/reliability -q -n 2 --dist loadfile
fi
if [ -f ci/ee_test.sh ]; then
  stage "execution environment (ee-test)" bash ci/ee_test.sh
fi

echo
echo "=== package sets (a hash of each venv's pip freeze; the same locks give the same hashes)"
sort -u "$VENV_REPORT"
echo
echo "=== summary"
printf '%s\n' "${report[@]}"
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]

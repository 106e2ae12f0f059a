#!/usr/bin/env bash
# `make test`: every check the project has, in one run, ending with one line CI can read:
#   total: N passed, N failed
# Each pytest test counts as one; each non-pytest check (lint, sanity, ansible-doc, ansible-builder,
# each Molecule scenario) counts as one. Exit status is non-zero when anything failed.
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
}

pytest_stage() { # name, junit file, pytest args...
  local name=$1 junit=$2; shift 2
  local start=$SECONDS
  echo "=== $name"
  .venv/bin/python -m pytest -p no:cacheprovider --junitxml="$junit" "$@"
  local rc=$?
  local counts
  counts=$(.venv/bin/python ci/junit_counts.py "$junit" "$rc")
  passed=$((passed + ${counts% *})); failed=$((failed + ${counts#* }))
  report+=("$( [ "$rc" = 0 ] && echo PASS || echo FAIL)  $name: ${counts% *} passed, ${counts#* } failed ($((SECONDS - start)) s)")
}

bash ci/venv.sh || { echo "total: 0 passed, 1 failed"; exit 1; }

stage "lint (yamllint, ansible-lint production, ansible-builder create)" bash ci/lint.sh
stage "ansible-doc renders every module" bash ci/ansible_doc.sh
stage "ansible-test sanity" bash ci/sanity.sh
pytest_stage "pytest (unit, emulators, integration)" build/junit-pytest.xml tests -q -n 2 --dist loadfile \
  --ignore=tests/reliability
# Its own run: the suite's conftest prints the reliability summary (cases, faults, leaks, slowest failure)
# and writes build/reliability-summary.json, which needs it to be an initial conftest of the session.
pytest_stage "pytest (reliability and security)" build/junit-reliability.xml tests/reliability -q -n 2 --dist loadfile
bash ci/molecule.sh 2>&1 | tee build/molecule.log
mrc=${PIPESTATUS[0]}
line=$(grep -E '^molecule: [0-9]+ passed, [0-9]+ failed' build/molecule.log | tail -n 1)
mp=$(sed -E 's/^molecule: ([0-9]+) passed.*/\1/' <<<"$line"); mf=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
[ -n "$line" ] || { mp=0; mf=1; }
[ "$mrc" = 0 ] || [ "$mf" != 0 ] || mf=1
passed=$((passed + mp)); failed=$((failed + mf))
report+=("$( [ "$mrc" = 0 ] && echo PASS || echo FAIL)  molecule scenarios: $mp passed, $mf failed")

echo
echo "=== summary"
printf '%s\n' "${report[@]}"
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]

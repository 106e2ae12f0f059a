#!/usr/bin/env bash
# Runs the Molecule scenarios with no container registry and no Ansible Galaxy:
#   1. ci/ensure-docker.sh      a Docker engine that answers (starts dockerd if needed)
#   2. ci/build-images.sh       local images for the Orchestrator emulator and the MailHog-compatible catcher
#   3. ci/collections_from_pypi.py   community.docker + ansible.posix for Molecule's docker driver
#   4. MAILHOG_IMAGE: mailhog/mailhog:v1.0.1 when present or pullable, else the local compatible image
#   5. molecule test -s default, -s starttls, -s identity, -s relay (or the scenarios given as arguments),
#      side by side unless MOLECULE_PARALLEL=0
# Ends with one line CI can read:  molecule: N passed, N failed   (exit status non-zero on any failure)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(default starttls identity relay)
t0=$SECONDS

fail_setup() {
  echo "ci/molecule.sh: $*" >&2
  echo "molecule: 0 passed, ${#SCENARIOS[@]} failed"
  exit 1
}

[ -x "$VENV/bin/molecule" ] || bash ci/venv.sh || fail_setup "no usable venv ($VENV)"
export PATH="$VENV/bin:$PATH"

t=$SECONDS
bash ci/ensure-docker.sh || fail_setup "no Docker engine"
bash ci/build-images.sh >/dev/null || fail_setup "image build failed"
# shellcheck disable=SC1091
. build/images.env
export BASE_IMAGE ORCHESTRATOR_EMULATOR_IMAGE MAILHOG_COMPATIBLE_IMAGE
"$VENV/bin/python" ci/collections_from_pypi.py || fail_setup "could not get community.docker from PyPI"
echo "ci/molecule.sh: images $ORCHESTRATOR_EMULATOR_IMAGE $MAILHOG_COMPATIBLE_IMAGE, collections ready ($((SECONDS - t)) s)"

# Ansible Galaxy is unreachable here: any stray Galaxy call fails at once instead of hanging.
export ANSIBLE_GALAXY_SERVER=${ANSIBLE_GALAXY_SERVER:-http://127.0.0.1:9/}
export ANSIBLE_COLLECTIONS_PATH="$ROOT/build/collections:$ROOT/.collections"
export ANSIBLE_ROLES_PATH="$ROOT/roles"
export ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-0}
export PY_COLORS=${PY_COLORS:-0}
unset ANSIBLE_CONFIG ANSIBLE_INVENTORY   # Molecule writes its own ansible.cfg and inventory per scenario

# The MailHog image for the default and identity scenarios: the real one when it can be had.
WANT_MAILHOG=${MAILHOG_IMAGE:-mailhog/mailhog:v1.0.1}
if docker image inspect "$WANT_MAILHOG" >/dev/null 2>&1; then
  MAILHOG_IMAGE=$WANT_MAILHOG
elif timeout 60 docker pull -q "$WANT_MAILHOG" >/dev/null 2>&1; then
  MAILHOG_IMAGE=$WANT_MAILHOG
else
  MAILHOG_IMAGE=$MAILHOG_COMPATIBLE_IMAGE
  echo "ci/molecule.sh: $WANT_MAILHOG cannot be pulled here; using the local MailHog-compatible image $MAILHOG_IMAGE"
fi
export MAILHOG_IMAGE

# MOLECULE_PARALLEL=1 (default): the scenarios share nothing (own containers, networks, ports and
# ephemeral dirs) and spend much of their time in the docker driver's 5-second polls, so they run
# side by side; each one's output goes to build/molecule-<scenario>.log and is printed when it ends.
# MOLECULE_PARALLEL=0 runs them one after the other with live output.
PARALLEL=${MOLECULE_PARALLEL:-1}
passed=0; failed=0; report=()
record() { # scenario rc seconds
  if [ "$2" = 0 ]; then passed=$((passed + 1)); report+=("PASS  $1  $3 s")
  else failed=$((failed + 1)); report+=("FAIL  $1  $3 s")
    # leave nothing behind from a failed run (the test sequence's own destroy may not have run)
    molecule destroy -s "$1" >/dev/null 2>&1 || true
  fi
}
run_one() { # scenario -> writes build/molecule-<s>.rc/.time
  local s=$1 t=$SECONDS rc=0
  molecule test -s "$s" || rc=$?
  echo "$rc $((SECONDS - t))" >"build/molecule-$s.result"
}
if [ "$PARALLEL" = 1 ] && [ ${#SCENARIOS[@]} -gt 1 ]; then
  pids=()
  for s in "${SCENARIOS[@]}"; do
    rm -f "build/molecule-$s.result"
    run_one "$s" >"build/molecule-$s.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!SCENARIOS[@]}"; do
    s=${SCENARIOS[$i]}
    wait "${pids[$i]}"
    echo "=== molecule test -s $s (output of the parallel run, build/molecule-$s.log)"
    cat "build/molecule-$s.log"
    read -r rc secs <"build/molecule-$s.result" 2>/dev/null || { rc=1; secs=0; }
    record "$s" "$rc" "$secs"
  done
else
  for s in "${SCENARIOS[@]}"; do
    echo "=== molecule test -s $s"
    run_one "$s"
    read -r rc secs <"build/molecule-$s.result"
    record "$s" "$rc" "$secs"
  done
fi

echo "=== molecule timings"
printf '%s\n' "${report[@]}"
echo "ci/molecule.sh: total $((SECONDS - t0)) s"
echo "molecule: $passed passed, $failed failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# `make lint`: yamllint, ansible-lint (production profile, offline), a syntax check of site.yml, and
# `ansible-builder create` of the execution environment (offline: it only writes the build context).
# Exits non-zero when any check fails; runs every check either way.
set -uo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
BIN=.venv/bin
export PATH="$PWD/$BIN:$PATH"   # ansible-lint expects its own venv first on PATH
rc=0
step() { # name, command...
  local name=$1; shift
  echo "--- lint: $name"
  if "$@"; then echo "--- lint: $name: ok"; else echo "--- lint: $name: FAILED" >&2; rc=1; fi
}

step yamllint "$BIN/yamllint" --strict .
step "ansible-lint (production)" "$BIN/ansible-lint" --offline --profile production
step "ansible-playbook --syntax-check site.yml" "$BIN/ansible-playbook" --syntax-check site.yml

ee_check() {
  local ctx
  ctx=$(mktemp -d "${TMPDIR:-/tmp}/ee-context.XXXXXX") || return 1
  # The EE installs the collection from its own tarball (see execution-environment.yml).
  "$BIN/ansible-galaxy" collection build --force --output-path build/ee >/dev/null &&
    "$BIN/ansible-builder" create -f execution-environment.yml --output-filename Containerfile -c "$ctx" >/dev/null &&
    test -s "$ctx/Containerfile" &&
    test -s "$ctx/_build/collections/infraops-uipath_orchestrator-$(sed -n 's/^version: *//p' galaxy.yml).tar.gz"
  local r=$?
  rm -rf "$ctx"
  return $r
}
step "ansible-builder create (execution-environment.yml)" ee_check

[ "$rc" = 0 ] && echo "lint: all checks passed" || echo "lint: some checks FAILED" >&2
exit "$rc"

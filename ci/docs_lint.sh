#!/usr/bin/env bash
# Documentation checks with the Ansible documentation tools (locked in requirements/locks/docs-tools.txt, installed
# into .cache/docs-venv apart from .venv, refreshed only when the lock changes):
#   - antsibull-changelog lint: fragments in changelogs/fragments/ and changelogs/changelog.yaml are valid;
#   - galaxy.yml's version is the newest release in changelogs/changelog.yaml;
#   - CHANGELOG.md is what `antsibull-changelog generate` makes from changelogs/changelog.yaml;
#   - antsibull-docs lint-collection-docs --plugin-docs: module, doc fragment and role argument-spec
#     documentation (schema, markup, references) and the collection's extra docs.
# Runs every check, exits non-zero when any fails. To release: add fragments, set galaxy.yml's version, then
#   .cache/docs-venv/bin/antsibull-changelog release        (moves the fragments into changelog.yaml, writes CHANGELOG.md)
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=.cache/docs-venv
VENV_LOCK=requirements/locks/docs-tools.txt VENV_DIR=$VENV PYTHON=$PYTHON bash ci/venv.sh ||
  { echo "ci/docs_lint.sh: install failed" >&2; exit 1; }
export PATH="$PWD/$VENV/bin:$PATH"   # the tools call ansible-doc / ansible-galaxy from the same venv
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
passed=0; failed=0
step() { # name, command...
  local name=$1; shift
  echo "--- docs: $name"
  if "$@"; then echo "--- docs: $name: ok"; passed=$((passed + 1)); else echo "--- docs: $name: FAILED" >&2; failed=$((failed + 1)); fi
}

had_cache=false; [ -e changelogs/.plugin-cache.yaml ] && had_cache=true

version_matches() {
  local galaxy newest
  galaxy=$(sed -n 's/^version: *//p' galaxy.yml)
  newest=$("$VENV/bin/python" - <<'PY'
import yaml
from packaging.version import Version
releases = yaml.safe_load(open("changelogs/changelog.yaml"))["releases"]
print(max(releases, key=Version))
PY
)
  if [ "$galaxy" != "$newest" ]; then
    echo "galaxy.yml version $galaxy != newest release $newest in changelogs/changelog.yaml" >&2
    return 1
  fi
}

changelog_generated() {
  local tmp rc=0
  tmp=$(mktemp) || return 1
  cp CHANGELOG.md "$tmp"
  antsibull-changelog generate || rc=1
  if [ "$rc" = 0 ] && ! cmp -s CHANGELOG.md "$tmp"; then
    echo "CHANGELOG.md is not what antsibull-changelog generates from changelogs/changelog.yaml:" >&2
    diff -u "$tmp" CHANGELOG.md | head -40 >&2
    rc=1
  fi
  cp "$tmp" CHANGELOG.md   # leave the file as it was either way
  rm -f "$tmp"
  return "$rc"
}

step "antsibull-changelog lint" antsibull-changelog lint
step "galaxy.yml version = newest changelog release" version_matches
step "CHANGELOG.md generated from changelogs/" changelog_generated
step "antsibull-docs lint-collection-docs --plugin-docs" antsibull-docs lint-collection-docs --plugin-docs .

$had_cache || rm -f changelogs/.plugin-cache.yaml
echo "docs checks: $passed ok, $failed failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# `ansible-test sanity` over a temporary copy of the collection at
#   $TMP/ansible_collections/infraops/uipath_orchestrator
# (ansible-test insists on that layout and on a git work tree). No ignore file is used.
#
# Offline: ansible-test bootstraps pip in each of its per-test venvs with a get-pip script downloaded from
# ci-files.testing.ansible.com. It first looks in ~/.ansible/test/cache/get_pip_<version>.py, so we place a
# stand-in there that uses ensurepip and then installs the requested pip from the configured (local) indexes.
# Tests that need the network or containers are not selectable here (no --docker); everything else runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${SANITY_PYTHON:-3.11}
ANSIBLE_TEST=$ROOT/.venv/bin/ansible-test
[ -x "$ANSIBLE_TEST" ] || { echo "sanity: $ANSIBLE_TEST missing (run ci/venv.sh)"; exit 1; }

# --- get-pip stand-in for every pip version this ansible-test may ask for
pip_versions=$("$ROOT/.venv/bin/python" - <<'PYEOF'
import os, re, ansible_test
# ansible-test pins its pip in _internal/python_requirements.py (infrastructure packages: pip='24.2')
path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
with open(path) as fh:
    print(' '.join(sorted(set(re.findall(r"\bpip='([0-9][0-9.]*)'", fh.read())))))
PYEOF
)
[ -n "$pip_versions" ] || { echo "sanity: cannot find the pip version ansible-test wants"; exit 1; }
cache=~/.ansible/test/cache
mkdir -p "$cache"
for v in $pip_versions; do
  f="$cache/get_pip_${v//./_}.py"
  cat > "$f.tmp" <<'PYEOF'
# Stand-in for get-pip.py (written by ci/sanity.sh): no download, ensurepip + pip from the configured index.
import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
env = dict(os.environ)
if os.path.exists('/etc/ssl/certs/ca-certificates.crt'):
    env.setdefault('PIP_CERT', '/etc/ssl/certs/ca-certificates.crt')
if args:
    sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + args, env=env))
PYEOF
  mv "$f.tmp" "$f"
done

# --- the collection exactly as it ships: `ansible-galaxy collection build` (honours build_ignore in galaxy.yml,
# which keeps the emulators, CI, Molecule and benchmark out of the artifact), unpacked into the layout
# ansible-test needs, as a git work tree.
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/sanity.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
DEST=$TMPD/ansible_collections/infraops/uipath_orchestrator
mkdir -p "$DEST" "$TMPD/dist"
"$ROOT/.venv/bin/ansible-galaxy" collection build --output-path "$TMPD/dist" "$ROOT" >/dev/null
tar -xzf "$TMPD"/dist/infraops-uipath_orchestrator-*.tar.gz -C "$DEST"
echo "sanity: $(cd "$DEST" && find . -type f | wc -l) files in the built collection"
(cd "$DEST" && git init -q && git add -A)

cd "$DEST"
export ANSIBLE_TEST_PREFER_PODMAN=0
set +e
"$ANSIBLE_TEST" sanity --python "$PY" --requirements --color no "$@"
rc=$?
set -e
echo "sanity: ansible-test exit status $rc"
exit $rc

#!/usr/bin/env bash
# Creates or refreshes .venv from requirements/dev.txt. Re-installs only when the pinned file changed
# (its hash is stored in .venv/.requirements.sha256), so a warm run costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
req=requirements/dev.txt
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -f .venv/.requirements.sha256 ] && [ "$(cat .venv/.requirements.sha256)" = "$want" ]; then
  exit 0
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "ci/venv.sh: $PYTHON is $("$PYTHON" --version 2>&1); the pinned tool chain is for Python 3.11 (set PYTHON=python3.11)" >&2
  exit 1
fi
echo "ci/venv.sh: installing the pinned tool chain into .venv (one-time, about a minute)"
rm -rf .venv
"$PYTHON" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r "$req" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
echo "$want" > .venv/.requirements.sha256

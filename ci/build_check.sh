#!/usr/bin/env bash
# The collection as it ships (`ansible-galaxy collection build`, honouring build_ignore in galaxy.yml): only the
# product's top-level entries, no tests (they need the emulators and the test support code, which do not ship),
# and every Python file in it compiles. Prints the file count per top-level entry.
set -euo pipefail
cd "$(dirname "$0")/.."
ALLOWED="CHANGELOG.md FILES.json MANIFEST.json README.md changelogs docs extensions inventories meta playbooks plugins requirements.yml roles site.yml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.venv/bin/ansible-galaxy collection build --output-path "$tmp" . >/dev/null
tarball=$(ls "$tmp"/*.tar.gz)
tar -tzf "$tarball" | sed 's#/$##' >"$tmp/files"
bad=$(cut -d/ -f1 "$tmp/files" | sort -u | grep -vxF -f <(tr ' ' '\n' <<<"$ALLOWED") || true)
status=0
if [ -n "$bad" ]; then echo "build: unexpected top-level entries in $(basename "$tarball"): $bad"; status=1; fi
mkdir "$tmp/x" && tar -xzf "$tarball" -C "$tmp/x"
if ! .venv/bin/python -m compileall -q "$tmp/x" >/dev/null; then echo "build: a shipped Python file does not compile"; status=1; fi
echo "build: $(basename "$tarball"): $(wc -l <"$tmp/files") entries"
cut -d/ -f1 "$tmp/files" | sort | uniq -c | awk '{printf "  %-16s %s\n", $2, $1}'
exit $status

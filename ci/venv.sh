#!/usr/bin/env bash
# Creates or refreshes a venv from a lock (requirements/locks/, made by ci/lock.sh): every package pinned with
# its hashes, installed with --no-deps in pip's hash-checking mode, then `pip check`. Re-installs only when the
# lock or the Python changed (a hash of both is stored in <venv>/.requirements.sha256), so a warm run costs nothing.
# Prints a hash of the venv's `pip freeze`, so two builds can be compared.
#
#   bash ci/venv.sh                           the main venv .venv (requirements/locks/main.txt: the tool chain and
#                                             ansible-core 2.21) on Python 3.12 or 3.13
#   VENV_DIR=build/venv-try bash ci/venv.sh   the same, into another directory
#   VENV_CORE=2.16 VENV_DIR=build/matrix/2.16 bash ci/venv.sh
#                                             a matrix venv: requirements/locks/core-2.16.txt on the line's matrix
#                                             Python (or another one the line supports, requirements/lines.txt)
#   VENV_LOCK=requirements/locks/docs-tools.txt VENV_DIR=.cache/docs-venv bash ci/venv.sh
#                                             any other lock, on $PYTHON or python3 (documentation tools, EE host)
#   bash ci/venv.sh --python-for 2.16         print the interpreter the script would use for a line and exit
#
# Python of the main venv: $PYTHON when set; otherwise the newest of python3.13 / python3.12 installed (on PATH,
# under pyenv, in /usr/local/bin or /usr/bin).
# Exit status 3: no Python for the requested line (ci/matrix.sh reports the line as skipped).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LINES=requirements/lines.txt
VENV_DIR=${VENV_DIR:-.venv}
CORE=${VENV_CORE:-}
lock=${VENV_LOCK:-}
PYTHON=${PYTHON:-}

say() { echo "ci/venv.sh: $*" >&2; }

# "3.11" for an interpreter that runs, nothing otherwise (a pyenv shim for an inactive version fails here)
py_version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }

# An interpreter of version $1 (X.Y), or nothing.
find_python() {
  local v=$1 c
  local pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
  for c in "$(command -v "python$v" 2>/dev/null || true)" \
           $(ls -d "$pyenv_root"/versions/"$v".*/bin/"python$v" 2>/dev/null | sort -V -r) \
           "/usr/local/bin/python$v" "/usr/bin/python$v" "$(command -v python3 2>/dev/null || true)"; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    if [ "$(py_version "$c")" = "$v" ]; then
      # a pyenv shim resolves to the real interpreter, so the venv does not depend on pyenv's selection
      "$c" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

ver_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }   # $1 <= $2

# lines.txt rows: line min max matrix-python
rows() { grep -vE '^\s*(#|$)' "$LINES"; }
row_of() { rows | awk -v l="$1" '$1 == l'; }

# The interpreter for a matrix line: its matrix Python, else any version in its range (newest first).
python_for_line() {
  local r min max want v
  r=$(row_of "$1"); [ -n "$r" ] || { say "unknown ansible-core line $1 (see $LINES)"; return 2; }
  read -r _ min max want <<<"$r"
  if find_python "$want"; then return 0; fi
  for v in 3.14 3.13 3.12 3.11 3.10 3.9; do
    if ver_le "$min" "$v" && ver_le "$v" "$max" && find_python "$v"; then return 0; fi
  done
  return 3
}

# The main venv's interpreter: $PYTHON, else the newest 3.13/3.12 installed.
MAIN_CORE=2.21   # the core locked in requirements/locks/main.txt
main_python() {
  if [ -n "$PYTHON" ]; then command -v "$PYTHON" || echo "$PYTHON"; return 0; fi
  local v
  for v in 3.13 3.12; do find_python "$v" && return 0; done
  return 1
}

if [ "${1:-}" = "--python-for" ]; then
  python_for_line "$2"
  exit $?
fi

if [ -n "$lock" ]; then   # a tool venv: no ansible-core line to check
  py=$(command -v "${PYTHON:-python3}") || { say "no ${PYTHON:-python3}"; exit 1; }
  pyv=$(py_version "$py")
else
  if [ -n "$CORE" ] && [ -z "$PYTHON" ]; then
    rc=0; py=$(python_for_line "$CORE") || rc=$?
    if [ "$rc" != 0 ]; then
      [ "$rc" = 3 ] && say "no Python for ansible-core $CORE (needs $(row_of "$CORE" | awk '{print $2 "-" $3}'))"
      exit "$rc"
    fi
    lock=requirements/locks/core-$CORE.txt
  else
    py=$(main_python) || { say "no usable Python: the main venv needs python3.12 or python3.13 (or set PYTHON=...)"; exit 1; }
    if [ -n "$CORE" ]; then lock=requirements/locks/core-$CORE.txt; else CORE=$MAIN_CORE; lock=requirements/locks/main.txt; fi
  fi
  pyv=$(py_version "$py")
  [ -n "$pyv" ] || { say "$py does not run"; exit 1; }
  r=$(row_of "$CORE"); [ -n "$r" ] || { say "unknown ansible-core line $CORE (see $LINES)"; exit 2; }
  read -r _ min max _ <<<"$r"
  if ! { ver_le "$min" "$pyv" && ver_le "$pyv" "$max"; }; then
    say "ansible-core $CORE supports controller Python $min-$max, not $pyv ($py)"; exit 1
  fi
fi
[ -f "$lock" ] || { say "$lock missing (bash ci/lock.sh)"; exit 1; }

freeze_hash() { "$VENV_DIR/bin/python" -m pip freeze --all --disable-pip-version-check 2>/dev/null | grep -vE '^(pip|setuptools|wheel)==' | sha256sum | cut -c1-16; }
# "<venv>: <lock>, pip freeze sha256 <hash>", also appended to $VENV_REPORT (ci/test.sh prints them all at the end)
report() {
  local line
  line="$VENV_DIR: $lock, pip freeze sha256 $(freeze_hash)"
  say "$line"
  if [ -n "${VENV_REPORT:-}" ]; then echo "$line" >>"$VENV_REPORT"; fi
}
want=$( { echo "python $("$py" -c 'import sys; print(sys.version)' | head -n1)"; echo "core ${CORE:-none}"; cat "$lock"; } \
        | sha256sum | cut -d' ' -f1)
stamp="$VENV_DIR/.requirements.sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV_DIR/bin/python" ]; then
  report
  exit 0
fi
if [ -e "$VENV_DIR" ] && [ ! -f "$VENV_DIR/pyvenv.cfg" ]; then
  say "$VENV_DIR exists and is not a venv: not touching it"; exit 1
fi
say "installing $lock into $VENV_DIR (Python $pyv; one-time, about a minute)"
rm -rf "$VENV_DIR"
mkdir -p "$(dirname "$VENV_DIR")"
"$py" -m venv "$VENV_DIR"
# pip's notes about this machine's optional local package folders are not errors
if ! "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$lock" \
     2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); then
  say "pip install failed for $VENV_DIR"; exit 1
fi
# The lock is complete (pip check), and the venv holds only what the lock pins.
if ! out=$("$VENV_DIR/bin/python" -m pip check --disable-pip-version-check 2>&1); then
  say "$lock is not complete (pip check):"; echo "$out" >&2; exit 1
fi
extra=$("$VENV_DIR/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null | "$VENV_DIR/bin/python" -c '
import re, sys
norm = lambda s: re.sub(r"[-_.]+", "-", s).lower()
pins = set(norm(m.group(1)) + "==" + m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", open(sys.argv[1]).read(), re.M))
for line in sys.stdin:
    m = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line)
    if m and norm(m.group(1)) + "==" + m.group(2) not in pins:
        print(line.strip())' "$lock")
[ -z "$extra" ] || { say "$VENV_DIR holds packages its lock does not pin: $extra"; exit 1; }
# which line and Python this venv holds, for the scripts that use it (ci/test.sh, ci/matrix.sh, bench)
printf 'core=%s\npython=%s\n' "${CORE:-none}" "$pyv" >"$VENV_DIR/.core"
echo "$want" >"$stamp"
report

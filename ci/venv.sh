#!/usr/bin/env bash
# Creates or refreshes a venv from pinned requirement files. Re-installs only when the pins or the Python
# changed (a hash of both is stored in <venv>/.requirements.sha256), so a warm run costs nothing.
#
#   bash ci/venv.sh                           the main venv .venv: the tool chain (requirements/dev.txt) and
#                                             the newest ansible-core line the chosen Python supports
#                                             (requirements/core-<line>.txt, ranges in requirements/lines.txt)
#   VENV_DIR=build/venv-try bash ci/venv.sh   the same, into another directory
#   VENV_CORE=2.16 VENV_SMOKE_ONLY=1 VENV_DIR=build/matrix/2.16 bash ci/venv.sh
#                                             a matrix venv: one core line and the smoke suite's pins only,
#                                             on the line's matrix Python (or another one the line supports)
#   bash ci/venv.sh --python-for 2.16         print the interpreter the script would use for a line and exit
#
# Python of the main venv: $PYTHON when set; otherwise the newest of python3.13 / python3.12 installed
# (on PATH, under pyenv, in /usr/local/bin or /usr/bin), else python3 when it is 3.11-3.13. So a machine
# whose python3 is 3.11 with a newer interpreter next to it gets the newest core line.
# Exit status 3: no Python for the requested line (ci/matrix.sh reports the line as skipped).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LINES=requirements/lines.txt
VENV_DIR=${VENV_DIR:-.venv}
CORE=${VENV_CORE:-}
SMOKE_ONLY=${VENV_SMOKE_ONLY:-0}
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

# The newest line whose controller range holds Python $1.
line_for_python() {
  local best="" line min max _
  while read -r line min max _; do
    if ver_le "$min" "$1" && ver_le "$1" "$max"; then best=$line; fi
  done < <(rows | sort -V)
  [ -n "$best" ] && echo "$best"
}

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

# The main venv's interpreter: $PYTHON, else the newest 3.13/3.12 installed, else python3 if 3.11-3.13.
main_python() {
  if [ -n "$PYTHON" ]; then command -v "$PYTHON" || echo "$PYTHON"; return 0; fi
  local v
  for v in 3.13 3.12; do find_python "$v" && return 0; done
  v=$(py_version python3)
  case "$v" in 3.11|3.12|3.13) command -v python3; return 0 ;; esac
  return 1
}

if [ "${1:-}" = "--python-for" ]; then
  python_for_line "$2"
  exit $?
fi

if [ -n "$CORE" ] && [ -z "$PYTHON" ]; then
  rc=0; py=$(python_for_line "$CORE") || rc=$?
  if [ "$rc" != 0 ]; then
    [ "$rc" = 3 ] && say "no Python for ansible-core $CORE (needs $(row_of "$CORE" | awk '{print $2 "-" $3}'))"
    exit "$rc"
  fi
else
  py=$(main_python) || { say "no usable Python: python3 is $(python3 --version 2>&1); need 3.11-3.13 (or set PYTHON=...)"; exit 1; }
fi
pyv=$(py_version "$py")
[ -n "$pyv" ] || { say "$py does not run"; exit 1; }
if [ -z "$CORE" ]; then
  CORE=$(line_for_python "$pyv") || { say "no ansible-core line in $LINES supports Python $pyv ($py)"; exit 1; }
fi
r=$(row_of "$CORE"); [ -n "$r" ] || { say "unknown ansible-core line $CORE (see $LINES)"; exit 2; }
read -r _ min max _ <<<"$r"
if ! { ver_le "$min" "$pyv" && ver_le "$pyv" "$max"; }; then
  say "ansible-core $CORE supports controller Python $min-$max, not $pyv ($py)"; exit 1
fi

reqs=("requirements/core-$CORE.txt")
[ "$SMOKE_ONLY" = 1 ] || reqs+=(requirements/dev.txt)
want=$( { echo "python $("$py" -c 'import sys; print(sys.version)' | head -n1)"; echo "core $CORE";
          cat "${reqs[@]}"; } | sha256sum | cut -d' ' -f1)
stamp="$VENV_DIR/.requirements.sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV_DIR/bin/python" ]; then
  exit 0
fi
if [ -e "$VENV_DIR" ] && [ ! -f "$VENV_DIR/pyvenv.cfg" ]; then
  say "$VENV_DIR exists and is not a venv: not touching it"; exit 1
fi
say "installing ${reqs[*]} into $VENV_DIR (Python $pyv, ansible-core $CORE; one-time, about a minute)"
rm -rf "$VENV_DIR"
mkdir -p "$(dirname "$VENV_DIR")"
"$py" -m venv "$VENV_DIR"
pip_args=()
for f in "${reqs[@]}"; do pip_args+=(-r "$f"); done
if ! "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check "${pip_args[@]}" \
     2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); then
  say "pip install failed for $VENV_DIR"; exit 1
fi
# which line and Python this venv holds, for the scripts that use it (ci/test.sh, ci/matrix.sh, bench)
printf 'core=%s\npython=%s\n' "$CORE" "$pyv" >"$VENV_DIR/.core"
echo "$want" >"$stamp"

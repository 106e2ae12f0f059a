#!/usr/bin/env bash
# Makes a Docker engine usable for Molecule and the image builds.
#
#   * If `docker info` answers, it does nothing at all: an engine that answers is never touched.
#   * Otherwise, on Debian/Ubuntu as root: runs `apt-get update` when the package lists are empty,
#     installs docker.io (and iptables) when missing, starts `dockerd` in the background and waits up
#     to DOCKERD_WAIT seconds (60) for `docker info`. The daemon's PID goes to DOCKERD_PIDFILE
#     (default build/dockerd.pid) and its log to DOCKERD_LOG (default build/dockerd.log), so whoever
#     started it can stop it by that PID:  kill "$(cat build/dockerd.pid)"
#   * Anywhere else it prints exactly what to install/start and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
PIDFILE=${DOCKERD_PIDFILE:-$PWD/build/dockerd.pid}
LOG=${DOCKERD_LOG:-$PWD/build/dockerd.log}
WAIT=${DOCKERD_WAIT:-60}
SOCK=/var/run/docker.sock

say() { echo "ensure-docker: $*"; }

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  exit 0
fi

os_id=""; os_like=""
if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  os_id=$(. /etc/os-release && echo "${ID:-}")
  os_like=$(. /etc/os-release && echo "${ID_LIKE:-}")
fi
is_debian=false
case " $os_id $os_like " in *" debian "*|*" ubuntu "*) is_debian=true ;; esac

if [ "$(id -u)" != 0 ] || ! $is_debian; then
  cat >&2 <<EOF
ensure-docker: no Docker engine answers ('docker info' failed) and this script only installs/starts one
ensure-docker: on Debian/Ubuntu as root. Please provide one yourself, e.g.:
ensure-docker:   Debian/Ubuntu: sudo apt-get install docker.io iptables && sudo systemctl start docker
ensure-docker:   Fedora/RHEL:   sudo dnf install moby-engine (or docker-ce) && sudo systemctl start docker
ensure-docker:   then make 'docker info' work for this user (e.g. add it to the 'docker' group).
EOF
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker >/dev/null 2>&1 || need+=(docker.io)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
if [ ${#need[@]} -gt 0 ]; then
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
    say "apt package lists are empty; running apt-get update"
    apt-get update -qq
  fi
  # shellcheck disable=SC2207
  pkgs=($(printf '%s\n' "${need[@]}" | sort -u))
  say "installing ${pkgs[*]}"
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# A daemon may already be running but not yet answering (e.g. started by someone else a moment ago):
# never start a second one on the same socket.
running_pid=""
if [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  running_pid=$(cat /var/run/docker.pid)
  say "dockerd (pid $running_pid) is already running but not answering yet; waiting for it"
else
  say "starting dockerd in the background (log: $LOG, pid file: $PIDFILE)"
  rm -f "$PIDFILE"
  # setsid: own session, so the daemon outlives the caller's process group / terminal.
  setsid dockerd --host "unix://$SOCK" >>"$LOG" 2>&1 </dev/null &
  started=$!
  echo "$started" >"$PIDFILE"
fi

for ((i = 0; i < WAIT * 2; i++)); do
  if docker info >/dev/null 2>&1; then
    if [ -z "$running_pid" ]; then
      # setsid execs dockerd in place when the caller is not a group leader, so $! is dockerd itself;
      # prefer dockerd's own pid file when it agrees with what we started.
      real=$(cat /var/run/docker.pid 2>/dev/null || true)
      [ -n "$real" ] && echo "$real" >"$PIDFILE"
      say "dockerd answers (pid $(cat "$PIDFILE"), after $((i / 2)) s); stop it with: kill \$(cat $PIDFILE)"
    fi
    exit 0
  fi
  if [ -z "$running_pid" ] && ! kill -0 "$started" 2>/dev/null; then
    say "dockerd exited during start-up; last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2
    exit 1
  fi
  sleep 0.5
done
say "dockerd did not answer within ${WAIT} s; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2
exit 1

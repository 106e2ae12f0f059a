#!/usr/bin/env bash
# Bootstraps the base image of the offline execution environment when no registry can be reached:
# Debian bookworm, mmdebstrap "essential" variant (no apt) + merged /usr, plus python3 and python3-pip
# (ansible-builder needs pip in the base: Debian's system Python refuses `ensurepip`), streamed straight
# into `docker import`. Same recipe as ci/build-base-image.sh (the test-service base), other package set.
#
#   tag: localhost/ee-base:bookworm-<first 12 hex of sha256 of this script>
#
# Built only when that tag is absent (about 30-70 s on 2 cores). The mirror is the host's own apt sources
# file, so no mirror host name is written in the repository; the sources are deleted from the image.
# Prints the tag on stdout (last line). Needs root (mmdebstrap root mode) and a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=bookworm
INCLUDE=python3,python3-pip
recipe_hash=$(sha256sum ee/build-base.sh | cut -c1-12)
TAG=${EE_BASE_TAG:-localhost/ee-base:${SUITE}-${recipe_hash}}

log() { echo "ee-build-base: $*" >&2; }

if docker image inspect "$TAG" >/dev/null 2>&1; then
  log "$TAG present, not rebuilding"
  echo "$TAG"
  exit 0
fi

if ! command -v mmdebstrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
      log "apt package lists are empty; running apt-get update"
      apt-get update -qq
    fi
    log "installing mmdebstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
  else
    log "mmdebstrap is missing: install it (apt-get install mmdebstrap) or set EE_BASE_IMAGE to a Debian/Python image with pip"
    exit 1
  fi
fi

SOURCES=${BASE_APT_SOURCES:-}
if [ -z "$SOURCES" ]; then
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/ubuntu.sources /etc/apt/sources.list; do
    if [ -s "$f" ] && grep -Eq '^[[:space:]]*(deb |URIs:)' "$f"; then SOURCES=$f; break; fi
  done
fi
if [ -z "$SOURCES" ] || ! grep -q "$SUITE" "$SOURCES"; then
  log "no apt sources file for $SUITE found (set BASE_APT_SOURCES to a sources.list or .sources file)"
  exit 1
fi

hook_dir=/usr/share/mmdebstrap/hooks/merged-usr
[ -d "$hook_dir" ] || { log "missing $hook_dir (mmdebstrap too old?)"; exit 1; }

log "bootstrapping $SUITE ($INCLUDE) into $TAG"
start=$(date +%s)
mkdir -p build
blog=build/ee-base-image.log   # mmdebstrap's chatter; shown only on failure
trap 'rc=$?; [ $rc = 0 ] || { log "failed; last lines of $blog:"; tail -n 30 "$blog" >&2; }' EXIT
# shellcheck disable=SC2016  # $1 is expanded by mmdebstrap's hook shell, not here
mmdebstrap --quiet --variant=essential --include="$INCLUDE" \
  --hook-dir="$hook_dir" \
  --aptopt='quiet "2"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='rm -rf "$1"/etc/apt/sources.list "$1"/etc/apt/sources.list.d/*' \
  "$SUITE" - "$SOURCES" 2>"$blog" \
  | docker import -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' -m "mmdebstrap $SUITE essential + $INCLUDE" - "$TAG" >/dev/null
# `docker import` may have created the tag from a truncated stream: check python and pip work.
if ! docker run --rm --network=none "$TAG" python3 -m pip --version >/dev/null 2>&1; then
  log "the imported image cannot run python3 -m pip --version; removing it"
  docker image rm -f "$TAG" >/dev/null 2>&1 || true
  exit 1
fi
log "built $TAG in $(($(date +%s) - start)) s ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%d MB", $1/1000000}'))"
echo "$TAG"

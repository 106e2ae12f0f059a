#!/usr/bin/env bash
# Bootstraps a Debian base image when no registry can be reached: bookworm, mmdebstrap "essential"
# variant (no apt) + merged /usr, plus a few packages, streamed straight into `docker import`.
# By default the test-service base (python3, python3-aiosmtpd); ee/build-base.sh asks for the execution
# environment's base (python3, python3-pip) through the same recipe:
#   BASE_INCLUDE  packages (default python3,python3-aiosmtpd)
#   BASE_NAME     image name (default localhost/debian-py)
#   BASE_CHECK    python3 arguments that must succeed in the image (default: -c 'import aiosmtpd')
#   BASE_LOG      mmdebstrap's log (default build/base-image.log)
#
#   tag: <BASE_NAME>:bookworm-<first 12 hex of sha256 of this script and BASE_INCLUDE>
#
# Built only when that tag is absent, so CI pays for it once (about 30-40 s on 2 cores).
# The mirror is the host's own apt sources file (handed to mmdebstrap as the mirror argument),
# so no mirror host name is written in the repository; the sources are deleted from the image.
# Prints the tag on stdout (last line). Needs root (mmdebstrap root mode) and a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=bookworm
INCLUDE=${BASE_INCLUDE:-python3,python3-aiosmtpd}
CHECK=${BASE_CHECK:-"-c 'import aiosmtpd'"}
recipe_hash=$({ cat ci/build-base-image.sh; echo "$INCLUDE"; } | sha256sum | cut -c1-12)
TAG=${BASE_IMAGE_TAG:-${BASE_NAME:-localhost/debian-py}:${SUITE}-${recipe_hash}}

log() { echo "build-base-image: $*" >&2; }

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
    log "mmdebstrap is missing: install it (apt-get install mmdebstrap) or set BASE_IMAGE to a Debian/Python image"
    exit 1
  fi
fi

# The host's apt sources: deb822 file first, then the one-line format.
SOURCES=${BASE_APT_SOURCES:-}
if [ -z "$SOURCES" ]; then
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/ubuntu.sources /etc/apt/sources.list; do
    if [ -s "$f" ] && grep -Eq '^[[:space:]]*(deb |URIs:)' "$f"; then SOURCES=$f; break; fi
  done
fi
if [ -z "$SOURCES" ]; then
  log "no apt sources file found (set BASE_APT_SOURCES to a sources.list or .sources file for $SUITE)"
  exit 1
fi
if ! grep -q "$SUITE" "$SOURCES"; then
  log "$SOURCES does not mention $SUITE; set BASE_APT_SOURCES to a file with a $SUITE mirror"
  exit 1
fi

hook_dir=/usr/share/mmdebstrap/hooks/merged-usr
[ -d "$hook_dir" ] || { log "missing $hook_dir (mmdebstrap too old?)"; exit 1; }

log "bootstrapping $SUITE ($INCLUDE) into $TAG"
start=$(date +%s)
mkdir -p build
blog=${BASE_LOG:-build/base-image.log}   # mmdebstrap's chatter; shown only on failure
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
# pipefail: a failed mmdebstrap fails the pipeline, but `docker import` may already have created the tag
# from a truncated stream, so double-check python works.
if ! docker run --rm --network=none "$TAG" sh -c "python3 $CHECK" >/dev/null 2>&1; then
  log "the imported image cannot run python3 $CHECK; removing it"
  docker image rm -f "$TAG" >/dev/null 2>&1 || true
  exit 1
fi
log "built $TAG in $(($(date +%s) - start)) s ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%d MB", $1/1000000}'))"
echo "$TAG"

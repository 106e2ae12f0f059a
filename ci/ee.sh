#!/usr/bin/env bash
# `make ee`: builds the execution environment (EE) image offline with ansible-builder:
#
#   localhost/uipath-orchestrator-ee:<collection version>-<input hash>   (also tagged :latest)
#
# * base: a Debian bookworm image with python3 + pip, bootstrapped locally by ee/build-base.sh (no registry);
#   EE_BASE_IMAGE=<image> uses another local Debian/Python 3.11 image that has pip;
# * the collection: installed from the tarball `ansible-galaxy collection build` makes of this checkout;
# * Python packages: wheels made on the host from the lock requirements/locks/ee-image.txt;
# * the image build runs with `docker build --network=none` (ansible-builder, legacy builder).
# Both execution-environment files are checked with `ansible-builder create` first.
#
# Cache: the tag carries a hash of every input (EE file, galaxy requirements, pinned wheels list, builder
# version, base image id, and the collection's content as recorded in its MANIFEST.json/FILES.json checksums,
# not the tarball bytes). A warm run whose inputs are unchanged does not build at all.
# Host tools (ansible-builder) live in build/ee-venv, made from requirements/locks/ee-host.txt.
#
# Prints the image tag as the last line of stdout and writes build/ee.env (EE_IMAGE=...).
# EE_FORCE_REBUILD=1 builds even when the tag exists.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
mkdir -p build
log() { echo "ee-build: $*" >&2; }
quiet_pip() { # pip args... : runs pip, shows its output (minus this machine's harmless find-links notes) only on failure
  local out rc=0
  out=$("$VENV/bin/pip" "$@" 2>&1) || rc=$?
  if [ "$rc" != 0 ]; then grep -v "is ignored: it is neither a file nor a directory" <<<"$out" >&2; fi
  return "$rc"
}
t0=$SECONDS

EE_FILE=ee/execution-environment.offline.yml
REGISTRY_EE_FILE=execution-environment.yml
IMAGE_REPO=${EE_IMAGE_REPO:-localhost/uipath-orchestrator-ee}
STAGE=build/ee-offline            # build inputs: collections/ (tarball), wheels/
VENV=build/ee-venv

# --- host tools -------------------------------------------------------------------------------------------
VENV_LOCK=requirements/locks/ee-host.txt VENV_DIR=$VENV bash ci/venv.sh
BUILDER=$VENV/bin/ansible-builder

bash ci/ensure-docker.sh >&2

# --- base image -------------------------------------------------------------------------------------------
BASE=${EE_BASE_IMAGE:-$(bash ee/build-base.sh | tail -n 1)}
docker image inspect "$BASE" >/dev/null 2>&1 || { log "base image $BASE is not present locally"; exit 1; }
base_id=$(docker image inspect -f '{{.Id}}' "$BASE")
host_py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
mkdir -p "$STAGE"
base_py_file=$STAGE/.base-python-${base_id#sha256:}
if [ ! -s "$base_py_file" ]; then   # asked once per base image
  rm -f "$STAGE"/.base-python-*
  docker run --rm --network=none --pull=never "$BASE" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' \
    >"$base_py_file.tmp" && mv "$base_py_file.tmp" "$base_py_file"
fi
base_py=$(cat "$base_py_file")
if [ "$host_py" != "$base_py" ]; then
  log "the host's python3 is $host_py but the base image's is $base_py: the host-made wheels would not fit"
  exit 1
fi

# --- the collection tarball (kept byte-identical while its content does not change) -----------------------
version=$(sed -n 's/^version: *//p' galaxy.yml | tr -d "\"' ")
built=infraops-uipath_orchestrator-$version.tar.gz   # what `ansible-galaxy collection build` writes
tarball=infraops-uipath_orchestrator.tar.gz          # staged name, named in ee/requirements-offline.yml
for f in "$REGISTRY_EE_FILE" ee/requirements.yml; do
  grep -q "$built" "$f" || { log "$f does not name $built (galaxy.yml version $version): update it"; exit 1; }
done
mkdir -p "$STAGE/collections" "$STAGE/wheels"
tmp=$(mktemp -d "$ROOT/build/ee-collection.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$VENV/bin/ansible-galaxy" collection build --force --output-path "$tmp" . >/dev/null
content_hash=$(tar -xOzf "$tmp/$built" MANIFEST.json | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAGE/collections/.content.sha256" 2>/dev/null)" = "$content_hash" ] && [ -s "$STAGE/collections/$tarball" ]; then
  log "collection content unchanged, keeping $STAGE/collections/$tarball"
else
  tar -xOzf "$tmp/$built" FILES.json >"$tmp/FILES.json"
  if [ -s "$STAGE/collections/FILES.json" ]; then   # say which files changed since the last staged tarball
    changed=$(python3 - "$STAGE/collections/FILES.json" "$tmp/FILES.json" <<'PYEOF'
import json, sys
old, new = ({f['name']: f['chksum_sha256'] for f in json.load(open(p))['files']} for p in sys.argv[1:])
names = sorted(n for n in set(old) | set(new) if old.get(n) != new.get(n))
print(' '.join(names[:6]) + (' (+%d more)' % (len(names) - 6) if len(names) > 6 else ''))
PYEOF
)
    log "collection content changed: ${changed:-?}"
  fi
  rm -f "$STAGE/collections/"*.tar.gz
  mv "$tmp/$built" "$STAGE/collections/$tarball"
  mv "$tmp/FILES.json" "$STAGE/collections/FILES.json"
  echo "$content_hash" >"$STAGE/collections/.content.sha256"
fi
# The registry variant (execution-environment.yml) names build/ee/<tarball>; give it one if absent.
if [ ! -s "build/ee/$built" ]; then
  mkdir -p build/ee
  cp "$STAGE/collections/$tarball" "build/ee/.$built.tmp" && mv "build/ee/.$built.tmp" "build/ee/$built"
fi

# --- wheels made on the host ------------------------------------------------------------------------------
wheel_hash=$( { sha256sum requirements/locks/ee-image.txt; echo "$host_py"; } | sha256sum | cut -c1-16)
if [ "$(cat "$STAGE/wheels/.requirements.sha256" 2>/dev/null)" != "$wheel_hash" ]; then
  log "making wheels from requirements/locks/ee-image.txt"
  rm -rf "$STAGE/wheels"; mkdir -p "$STAGE/wheels"
  quiet_pip wheel -q --disable-pip-version-check --require-hashes --no-deps -w "$STAGE/wheels" -r requirements/locks/ee-image.txt
  # every pinned name must have produced exactly its wheel (and nothing unpinned may have been pulled in)
  "$VENV/bin/python" - "$STAGE/wheels" requirements/locks/ee-image.txt <<'EOF'
import os, re, sys
from packaging.markers import Marker
norm = lambda n: re.sub(r'[-_.]+', '-', n).lower()
pins = {}
for m in re.finditer(r'^([A-Za-z0-9_.-]+)==([^\s;\\]+)\s*(?:;\s*([^\\\n]+?))?\s*\\?$', open(sys.argv[2]).read(), re.M):
    if not m.group(3) or Marker(m.group(3)).evaluate():   # the lock's markers, for the host's (= the image's) Python
        pins[norm(m.group(1))] = m.group(2)
have = {}
for f in os.listdir(sys.argv[1]):
    if f.endswith('.whl'):
        name, ver = f.split('-')[:2]
        have[norm(name)] = ver
if have != pins:
    sys.exit('ee-build: wheels differ from requirements/locks/ee-image.txt: missing %s, unpinned/other %s' % (
        sorted(set(pins.items()) - set(have.items())), sorted(set(have.items()) - set(pins.items()))))
EOF
  echo "$wheel_hash" >"$STAGE/wheels/.requirements.sha256"
fi

# --- both EE definitions must render (ansible-builder create) ---------------------------------------------
check_create() { # ee file
  local ctx
  ctx=$(mktemp -d "$ROOT/build/ee-create.XXXXXX")
  if ! "$BUILDER" create -f "$1" -c "$ctx" --output-filename Dockerfile >"$ctx.log" 2>&1 || [ ! -s "$ctx/Dockerfile" ]; then
    log "ansible-builder create -f $1 failed:"; cat "$ctx.log" >&2; rm -rf "$ctx" "$ctx.log"; return 1
  fi
  log "ansible-builder create -f $1: ok"
  rm -rf "$ctx" "$ctx.log"
}
# (skipped when neither definition nor its inputs changed since the last successful check)
create_hash=$( { sha256sum "$REGISTRY_EE_FILE" "$EE_FILE" ee/requirements.yml ee/requirements-offline.yml \
  requirements/locks/ee-host.txt; echo "$content_hash $wheel_hash"; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAGE/.create-ok" 2>/dev/null)" = "$create_hash" ]; then
  log "ansible-builder create: both definitions unchanged since the last successful check"
else
  check_create "$REGISTRY_EE_FILE"
  check_create "$EE_FILE"
  echo "$create_hash" >"$STAGE/.create-ok"
fi

# --- build (only when the inputs changed) -----------------------------------------------------------------
input_hash=$( {
  sha256sum "$EE_FILE" ee/requirements-offline.yml requirements/locks/ee-image.txt requirements/locks/ee-host.txt
  echo "collection $content_hash"; echo "base $base_id"
} | sha256sum | cut -c1-12)
TAG=$IMAGE_REPO:$version-$input_hash
if [ "${EE_FORCE_REBUILD:-0}" != 1 ] && docker image inspect "$TAG" >/dev/null 2>&1; then
  log "$TAG present (inputs unchanged), not rebuilding"
else
  ctx=build/ee-context
  rm -rf "$ctx"
  log "building $TAG (FROM $BASE, no network)"
  b0=$SECONDS
  if ! DOCKER_BUILDKIT=0 "$BUILDER" build -f "$EE_FILE" -c "$ctx" --container-runtime docker \
      --build-arg "EE_BASE_IMAGE=$BASE" -t "$TAG" \
      --extra-build-cli-args="--network=none --force-rm --pull=false --label infraops.ee-input-hash=$input_hash" \
      -v 2 >build/ee-build.log 2>&1; then
    log "ansible-builder build failed; last lines of build/ee-build.log:"
    tail -n 40 build/ee-build.log >&2
    exit 1
  fi
  log "built $TAG in $((SECONDS - b0)) s"
  # Sanity of the result: the collection is installed, ansible-runner is there, the build-time pip config is gone.
  if ! docker run --rm --network=none --pull=never "$TAG" bash -c \
      'ansible-galaxy collection list infraops.uipath_orchestrator 2>/dev/null | grep -q "^infraops.uipath_orchestrator " &&
       ansible-runner --version >/dev/null && ! test -e /etc/pip.conf && ! test -e /build/wheels'; then
    log "$TAG lacks the collection or ansible-runner, or still has the build-time pip config; removing it"
    docker image rm -f "$TAG" >/dev/null 2>&1 || true
    exit 1
  fi
fi
docker tag "$TAG" "$IMAGE_REPO:latest"
# The legacy builder leaves the galaxy and builder stages of each build as untagged images (about 180 MB each).
# Keep the newest two (the layer cache of the next build), remove the older ones; only stages of this script's
# builds are touched (their history names the EE base image in the build arguments).
stage_images() {
  local id
  for id in $(docker images --filter dangling=true -q --no-trunc); do
    docker history --no-trunc --format '{{.CreatedBy}}' "$id" 2>/dev/null \
      | grep -qE "ANSIBLE_INSTALL_REFS=.*EE_BASE_IMAGE=($BASE|localhost/ee-base:)" \
      && docker image inspect -f '{{.Created}} {{.Id}}' "$id"
  done | sort -r | awk 'NR > 2 {print $2}'
}
stage_images | xargs -r docker image rm >/dev/null 2>&1 || true
# drop this script's older builds (inputs changed), never anything else
docker image ls --filter "label=infraops.ee-input-hash" --format '{{.Repository}}:{{.Tag}}' "$IMAGE_REPO" \
  | grep -vxF "$TAG" | grep -vxF "$IMAGE_REPO:latest" | xargs -r docker image rm >/dev/null 2>&1 || true

size=$(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%d MB", $1/1000000}')
log "image $TAG ($size), ee.sh took $((SECONDS - t0)) s"
echo "EE_IMAGE=$TAG" >build/ee.env.tmp && mv build/ee.env.tmp build/ee.env
echo "$TAG"

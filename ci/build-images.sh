#!/usr/bin/env bash
# Builds the two test-service images from tests/lab/emulators/ with `docker build --network=none`:
#
#   localhost/orchestrator-emulator:<hash>   tests/lab/emulators/docker/orchestrator.Dockerfile (listens 0.0.0.0:8180)
#   localhost/mailhog-compatible:<hash>      tests/lab/emulators/docker/mailhog.Dockerfile (SMTP 1025, API 8025, uid 1000)
#
# <hash> = sha256 over the Dockerfile, the emulators' sources and the base image tag, so an image is
# rebuilt only when its recipe changes. BASE_IMAGE (env) may name any Debian/Python 3 image that has
# python3-aiosmtpd (or aiosmtpd) installed; by default the base is bootstrapped by ci/build-base-image.sh.
# The local catcher is never tagged mailhog/mailhog.
#
# Writes the resolved tags to build/images.env (read by ci/molecule.sh and the Molecule scenarios)
# and prints them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
log() { echo "build-images: $*" >&2; }

BASE_IMAGE=${BASE_IMAGE:-$(bash ci/build-base-image.sh)}
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE is not present locally; pulling it"
  docker pull -q "$BASE_IMAGE" >/dev/null
fi

LAB=tests/lab   # holds the emulators package; the images run it as /opt/emulators/emulators
for pkg in orchestrator mailhog; do
  if [ ! -f "$LAB/emulators/$pkg/__main__.py" ]; then
    log "$LAB/emulators/$pkg/__main__.py is missing; nothing to build the $pkg image from"
    exit 1
  fi
done

# The emulators' sources that go into the images (docker/ holds the recipes, hashed separately).
src_list() {
  (cd "$LAB" && find emulators -path emulators/docker -prune -o -type f \
    ! -name '*.pyc' ! -path '*/__pycache__/*' ! -path '*/.pytest_cache/*' -print | LC_ALL=C sort)
}
src_hash=$(src_list | (cd "$LAB" && xargs -d '\n' sha256sum) | sha256sum | cut -d' ' -f1)

build_one() { # name dockerfile (path inside the context, $LAB) -> prints tag
  local name=$1 dockerfile=$2 hash tag
  hash=$( { cat "$LAB/$dockerfile"; echo "$src_hash"; echo "$BASE_IMAGE"; } | sha256sum | cut -c1-12)
  tag=localhost/$name:$hash
  if docker image inspect "$tag" >/dev/null 2>&1; then
    log "$tag present, not rebuilding"
  else
    log "building $tag (FROM $BASE_IMAGE)"
    # Context = the emulators/ tree only (no caches), streamed as a tar; Dockerfile read from it.
    if ! tar -C "$LAB" --exclude='__pycache__' --exclude='*.pyc' --exclude='.pytest_cache' -cf - emulators \
        | DOCKER_BUILDKIT=0 docker build --quiet --network=none --pull=false \
            --build-arg "BASE_IMAGE=$BASE_IMAGE" \
            --label "org.opencontainers.image.title=$name" \
            --label "infraops.recipe-hash=$hash" \
            -f "$dockerfile" -t "$tag" - >build/image-$name.log 2>&1; then
      log "docker build of $tag failed:"
      cat "build/image-$name.log" >&2
      exit 1
    fi
  fi
  # drop this script's older builds of the same image (recipe changed), never anything else
  docker image ls --filter "label=infraops.recipe-hash" --format '{{.Repository}}:{{.Tag}}' "localhost/$name" \
    | grep -vxF "$tag" | xargs -r docker image rm >/dev/null 2>&1 || true
  echo "$tag"
}

ORCH=$(build_one orchestrator-emulator emulators/docker/orchestrator.Dockerfile)
MH=$(build_one mailhog-compatible emulators/docker/mailhog.Dockerfile)

cat >build/images.env.tmp <<EOF
BASE_IMAGE=$BASE_IMAGE
ORCHESTRATOR_EMULATOR_IMAGE=$ORCH
MAILHOG_COMPATIBLE_IMAGE=$MH
EOF
mv build/images.env.tmp build/images.env
cat build/images.env

#!/usr/bin/env bash
# The base image of the offline execution environment: Debian bookworm with python3 and python3-pip
# (ansible-builder needs pip in the base: Debian's system Python refuses `ensurepip`), bootstrapped by the
# same recipe as the test-service base (ci/build-base-image.sh), with another package set.
#   tag: localhost/ee-base:bookworm-<hash of the recipe and the package set>; EE_BASE_TAG overrides it.
# Prints the tag on stdout (last line). Needs root (mmdebstrap root mode) and a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_INCLUDE=python3,python3-pip BASE_NAME=localhost/ee-base BASE_CHECK="-m pip --version" \
  BASE_LOG=build/ee-base-image.log BASE_IMAGE_TAG=${EE_BASE_TAG:-} exec bash ci/build-base-image.sh

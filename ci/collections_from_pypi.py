#!/usr/bin/env python3
"""Unpack the few Ansible collections Molecule's docker driver needs, from PyPI, without Galaxy.

Ansible Galaxy is unreachable here, but PyPI is. The `ansible` community package (one wheel) carries
every collection; we download that wheel pinned (``pip download --no-deps``, cached under
``.cache/pip-ansible/``) and unzip only:

    ansible_collections/community/docker
    ansible_collections/ansible/posix
    ansible_collections/community/library_inventory_filtering_v1   (a dependency of community.docker)

into ``build/collections`` (3 MB, a few seconds). Point Ansible at it with
``ANSIBLE_COLLECTIONS_PATH=build/collections:.collections``. A stamp file records the pin and the
list, so a second run does nothing. The wheel declares ``Requires-Python >=3.12`` only because of
ansible-core; the three collections run on ansible-core 2.19 / Python 3.11, hence
``--ignore-requires-python``.

Usage: ci/collections_from_pypi.py [--dest DIR] [--cache DIR] [--version X.Y.Z]
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ANSIBLE_VERSION = "14.5.0"
WANTED = (
    "ansible_collections/community/docker/",
    "ansible_collections/ansible/posix/",
    "ansible_collections/community/library_inventory_filtering_v1/",
)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", default=os.path.join(ROOT, "build", "collections"))
    ap.add_argument("--cache", default=os.path.join(ROOT, ".cache", "pip-ansible"))
    ap.add_argument("--version", default=ANSIBLE_VERSION)
    args = ap.parse_args()

    stamp_text = "ansible==%s\n%s\n" % (args.version, "\n".join(WANTED))
    stamp = os.path.join(args.dest, ".from-pypi-stamp")
    try:
        with open(stamp) as fh:
            if fh.read() == stamp_text:
                return 0
    except OSError:
        pass

    os.makedirs(args.cache, exist_ok=True)
    wheels = glob.glob(os.path.join(args.cache, "ansible-%s-*.whl" % args.version))
    if not wheels:
        print("collections_from_pypi: downloading ansible==%s (one wheel, ~50 MB)" % args.version, flush=True)
        cmd = [
            sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--only-binary=:all:", "--ignore-requires-python",
            "--dest", args.cache, "ansible==%s" % args.version,
        ]
        res = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
        # this machine's pip config names local file:// indexes that may not exist; keep the rest
        err = "\n".join(l for l in res.stderr.splitlines() if "is ignored: it is neither a file nor a directory" not in l)
        if err.strip():
            print(err, file=sys.stderr)
        if res.returncode != 0:
            print("collections_from_pypi: pip download failed (rc %d)" % res.returncode, file=sys.stderr)
            return 1
        wheels = glob.glob(os.path.join(args.cache, "ansible-%s-*.whl" % args.version))
        if not wheels:
            print("collections_from_pypi: pip reported success but no wheel in %s" % args.cache, file=sys.stderr)
            return 1

    parent = os.path.dirname(os.path.abspath(args.dest)) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".collections-", dir=parent)
    try:
        n = 0
        with zipfile.ZipFile(wheels[0]) as zf:
            for name in zf.namelist():
                if name.startswith(WANTED) and not name.endswith("/"):
                    zf.extract(name, tmp)
                    n += 1
        for prefix in WANTED:
            if not os.path.isdir(os.path.join(tmp, prefix)):
                print("collections_from_pypi: %s not found in %s" % (prefix, wheels[0]), file=sys.stderr)
                return 1
        with open(os.path.join(tmp, ".from-pypi-stamp"), "w") as fh:
            fh.write(stamp_text)
        if os.path.isdir(args.dest):
            shutil.rmtree(args.dest)
        os.rename(tmp, args.dest)
        tmp = None
        print("collections_from_pypi: unpacked %d files (%s) into %s" % (
            n, ", ".join(p.split("/", 1)[1].rstrip("/").replace("/", ".") for p in WANTED), args.dest))
        return 0
    finally:
        if tmp and os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

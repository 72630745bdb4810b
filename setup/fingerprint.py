"""The one fingerprint of the action's Python runtime, computed once per run.

    python3 -I -S setup/fingerprint.py ROOT     prints "<python version> <sha256 hex>"

setup/cache-key.sh runs it once and hands the value to setup/run.sh through the step's env
(INCIDENT_KIT_FINGERPRINT), so the actions/cache key and the stamp in .venv-action are the same
value, and a cache hit costs one small Python start rather than hashing the kit in bash.

What pins a built .venv-action: the hash-locked requirements (bootstrap.txt too: the uv that
installs them), the recipe that builds it (setup/run.sh, setup/install_source.py), the
interpreter it was made from (version, base prefix, platform: a venv is tied to all three) and
what install_source.py copies into it: src/ and the shipped folders (ISSUE_TEMPLATE, workflows,
starter), which change with every commit (a `uses: ./` self-test runs many commits with one
lock). pyproject.toml, hatch_build.py and requirements/build.txt are not read: the action builds
no wheel, so they do not shape its venv (they shape the published wheel, built elsewhere).
Source files are hashed by content except the shipped font files, which are counted by name and
size: they are 7.6 MB of the 8 MB, change only in a commit that also changes their size in
practice, and hashing them dominated the old fingerprint.

Run with -I (no workspace module can shadow hashlib or os: composite steps run in the caller's
checkout) and -S (no site: nothing here needs it, and it halves the start). Standard library
only; exits 3 on a Python older than 3.11 so the callers can say what to install.
"""

import hashlib
import os
import sys

VERSION_TAG = b"incident-kit-runtime v4\n"  # v3: two tiers; v4: source copied in, no wheel (issue #16)
# Folders setup/install_source.py copies into the venv.
SOURCES = ("src", "ISSUE_TEMPLATE", "workflows", "starter")
LOCKS = (
    "requirements/event.txt",
    "requirements/report.txt",
    "requirements/accel.txt",
    "requirements/bootstrap.txt",
    "setup/run.sh",
    "setup/install_source.py",
)
BY_SIZE = (".ttf", ".otf")


def fingerprint(root: str) -> str:
    digest = hashlib.sha256(VERSION_TAG)
    uname = os.uname() if hasattr(os, "uname") else None
    machine = uname.machine if uname else os.environ.get("PROCESSOR_ARCHITECTURE", "")
    digest.update(f"{sys.version}\n{sys.base_prefix}\n{sys.platform}\n{machine}\n".encode())
    for name in LOCKS:
        path = os.path.join(root, name)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                digest.update(name.encode() + b"\0" + handle.read() + b"\0")
    files = []
    for folder in SOURCES:
        for parent, dirs, names in os.walk(os.path.join(root, folder)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            files += [os.path.join(parent, n) for n in names if not n.endswith(".pyc")]
    # One order on every runner: by the path relative to root, with / separators.
    for rel, path in sorted((os.path.relpath(p, root).replace(os.sep, "/"), p) for p in files):
        digest.update(rel.encode() + b"\0")
        if rel.endswith(BY_SIZE):
            digest.update(str(os.path.getsize(path)).encode() + b"\0")
        else:
            with open(path, "rb") as handle:
                digest.update(handle.read() + b"\0")
    return digest.hexdigest()


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script must answer on an old Python too
        return 3
    major, minor, micro = sys.version_info[:3]
    print(f"{major}.{minor}.{micro} {fingerprint(sys.argv[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

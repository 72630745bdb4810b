"""Put incident-kit itself into the action's venv, from the action's own checkout, compiled.

    VENV_PYTHON -I setup/install_source.py ROOT

setup/run.sh runs it once per build of .venv-action, after the hash-locked dependencies. It
copies ROOT/src/incident_kit into the venv's site-packages, the shipped folders (ISSUE_TEMPLATE,
workflows, starter) into incident_kit/_data/ where a wheel would carry them
(incident_kit.entry.resources), and compiles the copy's bytecode.

Why a copy and not a wheel: the action always runs from its own checkout, so building a wheel
(uv fetching hatchling into a build environment, hatchling packing the files, uv unpacking them)
only to unpack the same files was a third of a cold setup (issue #16). Why a copy and not a .pth
naming ROOT/src: the bytecode must be in the folder actions/cache saves. A runner gets a fresh
checkout of the action in every job, so .pyc files written beside ROOT/src would be gone on the
next cache hit and every event would compile incident-kit again (about a fifth of an event).

It runs on the venv's interpreter with -I (so nothing in the caller's checkout is imported) and
uses only the standard library. The venv's stamp is written by run.sh after this succeeds, so a
half-done copy is never used; the fingerprint covers everything copied (setup/fingerprint.py).
"""

from __future__ import annotations

import compileall
import os
import shutil
import sys
import sysconfig

# The folders a wheel carries in incident_kit/_data/ (pyproject's force-include).
DATA = ("ISSUE_TEMPLATE", "workflows", "starter")


def install(root: str, site: str) -> None:
    package = os.path.join(site, "incident_kit")
    shutil.rmtree(package, ignore_errors=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "_build_info.py")
    shutil.copytree(os.path.join(root, "src", "incident_kit"), package, ignore=skip)
    for name in DATA:
        source = os.path.join(root, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(package, "_data", name), ignore=skip)
    # Timestamp-checked .pyc files, like uv's --compile-bytecode for the dependencies: the
    # copies' mtimes travel with them through actions/cache, so the .pyc stay valid.
    if not compileall.compile_dir(package, quiet=1):
        raise SystemExit(f"could not compile the incident-kit source copied into {package}")


def main() -> int:
    install(os.path.abspath(sys.argv[1]), sysconfig.get_paths()["purelib"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

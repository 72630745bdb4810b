#!/usr/bin/env bash
# Regenerate every lock in requirements/ from its .in file (see README.md). Run from anywhere:
#     bash requirements/compile.sh [extra uv pip compile options, e.g. --upgrade]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
uv="${UV:-.venv/bin/uv}"
lock() { "$uv" pip compile --quiet --generate-hashes --python-version 3.11 --universal "$@"; }

# cryptography is left out of the event tier: PyGithub asks for pyjwt[crypto] for GitHub App
# (JWT, RS256) authentication only, pyjwt imports cryptography lazily, and incident-kit always
# authenticates with a token. It is 15.5 MB, the largest package of the tier (issue #16).
lock "$@" --no-emit-package cryptography requirements/event.in -o requirements/event.txt
# The report tier holds only what the event tier lacks, at the versions the event tier allows:
# it is installed next to it (setup/run.sh, INCIDENT_KIT_TIER=report) and sees its packages.
skip=()
for name in $(sed -n 's/^\([A-Za-z0-9._-]*\)==.*/\1/p' requirements/event.txt) cryptography; do
    skip+=(--no-emit-package "$name")
done
lock "$@" -c requirements/event.txt "${skip[@]}" requirements/report.in -o requirements/report.txt
for name in bootstrap build accel; do
    lock "$@" "requirements/$name.in" -o "requirements/$name.txt"
done

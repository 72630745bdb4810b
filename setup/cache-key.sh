#!/usr/bin/env bash
# The "cache-key" step of every incident-kit action: writes `key` (the actions/cache key of the
# private venv, the event tier), `path` (where setup/run.sh builds it), `report-key` and
# `report-path` (the same for the report tier, the PDF stack, restored only by a run that renders
# a report) and `fingerprint` (the runtime's fingerprint, which the run steps receive as
# INCIDENT_KIT_FINGERPRINT and compare with each tier's stamp, so it is computed once per run)
# to GITHUB_OUTPUT. Both keys end in the one fingerprint: a lock change rebuilds both tiers.
#
# The path is computed here, not written as `${{ github.action_path }}/../../.venv-action` in the
# sub-actions' YAML, because actions/cache rejects any path with a `..` segment ("Relative
# pathing '.' and '..' is not allowed", @actions/glob). One absolute path also lets the root
# action and every sub-action share one cache entry.
#
# It never fails the job: with no usable Python it writes an empty key, the cache step is
# skipped, and setup/run.sh reports the problem with the sentence that says how to fix it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
root="${here%/setup}"
# shellcheck source=setup/fingerprint.sh
source "$here/fingerprint.sh"

venv="$root/.venv-action"
report="$root/.venv-action-report"
# actions/cache is a Node program: on Windows it needs C:\... rather than Git Bash's /c/...
if command -v cygpath >/dev/null 2>&1; then
    venv="$(cygpath -w "$venv")"
    report="$(cygpath -w "$report")"
fi

key=""
report_key=""
fingerprint=""
# INCIDENT_KIT_PYTHON set on the runner itself (not in the workflow's env:, which the step's
# `if:` already sees) means setup/run.sh builds nothing, so there is nothing to cache either.
if [[ -z "${INCIDENT_KIT_PYTHON:-}" ]] && probe="$(ik_probe "$root")"; then
    read -r _ version fingerprint <<<"$probe"
    platform="${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-py${version}-${fingerprint}"
    key="incident-kit-venv-${platform}"
    report_key="incident-kit-report-${platform}"
fi

printf 'key=%s\npath=%s\nreport-key=%s\nreport-path=%s\nfingerprint=%s\n' \
    "$key" "$venv" "$report_key" "$report" "$fingerprint" >>"${GITHUB_OUTPUT:-/dev/stdout}"

# shellcheck shell=bash
# Sourced by setup/run.sh and setup/cache-key.sh: the one definition of "which action runtime
# this is". The value comes from setup/fingerprint.py (one Python start, no per-file loop in
# bash); cache-key.sh computes it once per run and run.sh receives it as INCIDENT_KIT_FINGERPRINT,
# so the actions/cache key and the stamp in .venv-action are always the same value.
#
# Every Python here runs with -I: composite steps run in the caller's checkout, and without it
# a repository's platform.py, hashlib.py or yaml.py would be imported by the action (issue #13).

# ik_probe ROOT: "<python> <version> <fingerprint>" for the first Python >= 3.11 on PATH
# (python3, then python: the Windows images name theirs `python` only), or fail.
ik_probe() {
    local root="$1" candidate path answer
    for candidate in python3 python; do
        path="$(command -v "$candidate" 2>/dev/null)" || continue
        if answer="$("$path" -I -S "$root/setup/fingerprint.py" "$root" 2>/dev/null)" && [[ -n "$answer" ]]; then
            echo "$path $answer"
            return 0
        fi
    done
    return 1
}

# The first Python >= 3.11 on PATH, or nothing.
ik_find_python() {
    local probe
    probe="$(ik_probe "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)")" || return 1
    echo "${probe%% *}"
}

# ik_fingerprint ROOT PYTHON: hex digest of everything a built .venv-action depends on.
ik_fingerprint() {
    local answer
    answer="$("$2" -I -S "$1/setup/fingerprint.py" "$1")" || return 1
    echo "${answer##* }"
}

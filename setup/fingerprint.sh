# shellcheck shell=bash
# Sourced by setup/run.sh and setup/cache-key.sh: the one definition of "which action runtime
# this is". The stamp inside .venv-action and the actions/cache key are both this fingerprint,
# so a restored cache and a local rebuild can never disagree about when a venv is stale.
#
# It covers the hash-locked requirements, pyproject.toml, the package source (the project is
# installed non-editable, so a changed src/ with unchanged requirements must still rebuild:
# `uses: ./` in a self-test runs many commits with the same lock) and the interpreter the venv
# points at (a venv is tied to its base Python's version and path).

# sha256 of stdin as bare hex. GitHub's Linux and Windows (Git Bash) images have sha256sum;
# macOS ships shasum; openssl is the last resort.
ik_sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 | cut -d' ' -f1
    else
        openssl dgst -sha256 -r | cut -d' ' -f1
    fi
}

# The first Python >= 3.11 on PATH, or nothing. `python` is tried after `python3` because the
# Windows images name their interpreter `python` only.
ik_find_python() {
    local candidate
    for candidate in python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# ik_fingerprint ROOT PYTHON: hex digest of everything a built .venv-action depends on.
ik_fingerprint() {
    local root="$1" python="$2"
    {
        echo "incident-kit-runtime v1"
        "$python" -c 'import platform, sys; print(sys.version, sys.base_prefix, platform.machine())'
        cat "$root/requirements/runtime.txt" "$root/requirements/build.txt" "$root/pyproject.toml"
        # The folders the wheel is built from (pyproject's packages and force-include). File
        # names count too, so a rename rebuilds; LC_ALL=C gives every runner the same order.
        local folder
        for folder in src ISSUE_TEMPLATE workflows; do
            [[ -d "$root/$folder" ]] || continue
            (cd "$root" && find "$folder" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' |
                LC_ALL=C sort | while IFS= read -r file; do
                echo "$file"
                cat "$file"
            done)
        done
    } | ik_sha256
}

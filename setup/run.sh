#!/usr/bin/env bash
# The single run step of every incident-kit action:
#
#     bash "${GITHUB_ACTION_PATH}/setup/run.sh"          (root action.yml)
#     bash "${GITHUB_ACTION_PATH}/../../setup/run.sh"    (actions/<name>/action.yml)
#
# It owns the action's Python runtime and nothing else: it finds or builds a private venv at
# <root>/.venv-action from the hash-locked requirements/ files, then replaces itself with
# `python -I -m incident_kit run "$@"`, so the step's exit code and outputs are the Python side's.
#
# Two tiers (issue #16), each its own folder and actions/cache entry, one fingerprint for both:
#   event   .venv-action         requirements/event.txt + incident-kit copied from this checkout
#                                (no wheel is built): what every event needs (under 40 MB, so
#                                a cache hit restores little)
#   report  .venv-action-report  requirements/report.txt (+ accel.txt): the PDF stack, about 60 MB,
#                                installed with --target and put on the event venv's sys.path by
#                                a .pth file. Only the action's report step asks for it, and only
#                                when the event step said `report-due=true` (it could not import
#                                xhtml2pdf); a failure here fails that step, after the event work.
# A separate folder rather than a second install into .venv-action: actions/cache saves the
# folder as the job left it, so installing the PDF stack into the event venv would put it into
# the event tier's cache entry and every ordinary event would restore it again.
# The caller's Python is never modified: the venv is created --without-pip, uv is installed into
# a temporary folder, and nothing goes into the interpreter's site-packages.
#
# Environment it reads (everything else passes through untouched to the Python side):
#   INCIDENT_KIT_PYTHON      a Python that can already `import incident_kit`: used as is, nothing
#                            installed (tests, pre-built images, `pip install incident-kit` users)
#   INCIDENT_KIT_FINGERPRINT the runtime's fingerprint from the cache-key step (setup/fingerprint.py);
#                            computed here when empty
#   INCIDENT_KIT_SETUP_ONLY  "true": build or check the venv, then exit 0 without running
#                            incident-kit (benchmarks, pre-warming a self-hosted runner)
#   INCIDENT_KIT_TIER        "report": also find or install the report tier (the PDF stack)
#                            before running; anything else: the event tier only
#   INCIDENT_KIT_UV          a uv binary to build with instead of installing the pinned one from
#                            requirements/bootstrap.txt (a self-hosted runner that has uv; tests)
#
# Kept to bash 3.2 (macOS's /bin/bash): no mapfile, no associative arrays, no ${var,,}.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd "$here/.." && pwd -P)"
# shellcheck source=setup/fingerprint.sh
source "$here/fingerprint.sh"

# Annotation text must escape %, CR and LF, or the runner cuts or misreads the message.
# https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts (escapeData)
ik_escape() {
    local text="$1"
    text="${text//'%'/%25}"
    text="${text//$'\r'/%0D}"
    text="${text//$'\n'/%0A}"
    printf '%s' "$text"
}

in_group=false
fatal_title="incident-kit setup"
fatal() {
    # Close the log group first, or the error would hide inside a collapsed group.
    if [[ "$in_group" == true ]]; then
        echo "::endgroup::"
    fi
    echo "::error title=${fatal_title}::$(ik_escape "$1")"
    exit 1
}

# Wall-clock seconds with decimals where bash 5 gives them (EPOCHREALTIME), whole seconds on
# bash 3.2. The per-phase lines tell a user where a slow first run went; bench/ parses them.
ik_now() {
    if [[ -n "${EPOCHREALTIME:-}" ]]; then
        echo "${EPOCHREALTIME/,/.}"
    else
        date +%s
    fi
}
phase_start=""
phase_name=""
phase() {
    local now
    now="$(ik_now)"
    if [[ -n "$phase_start" ]]; then
        awk -v name="$phase_name" -v a="$phase_start" -v b="$now" \
            'BEGIN { printf "incident-kit setup: %s took %.2fs\n", name, b - a }'
    fi
    phase_name="${1:-}"
    phase_start="$now"
    [[ -n "$phase_name" ]] || phase_start=""
}

venv_python() {
    # Windows venvs keep their interpreter in Scripts/.
    if [[ -x "$1/bin/python" ]]; then
        echo "$1/bin/python"
    elif [[ -f "$1/Scripts/python.exe" ]]; then
        echo "$1/Scripts/python.exe"
    else
        return 1
    fi
}

# uv_fetch_start PYTHON: starts installing the uv pinned in requirements/bootstrap.txt with PYTHON's
# pip into a temporary folder, in the background, so making the venv and copying incident-kit in
# overlap the fetch (it is the longest step of a cold setup). uv_fetch_finish waits for it and
# sets uv. INCIDENT_KIT_UV, when set, is used instead and nothing is fetched.
tmp=""
uv=""
uv_pid=""
uv_fetch_start() {
    local python="$1"
    [[ -z "$uv" && -z "$uv_pid" && -z "${INCIDENT_KIT_UV:-}" ]] || return 0 # one run can build both tiers
    tmp="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/incident-kit-uv.XXXXXX")"
    # The uv binary is needed only to build, so it stays out of the cached venv. A fatal error
    # while the fetch runs must not leave it running behind the failed step.
    trap '[[ -z "$uv_pid" ]] || kill "$uv_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
    # --target installs outside the interpreter (and is allowed on PEP 668 "externally managed"
    # Pythons); --only-binary so a missing wheel fails at once instead of compiling Rust.
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore "$python" -I -m pip install --quiet --no-input \
        --require-hashes --no-deps --only-binary :all: --target "$tmp/uv" \
        -r "$root/requirements/bootstrap.txt" >"$tmp/pip.log" 2>&1 &
    uv_pid=$!
}

uv_fetch_finish() {
    local python="$1" candidate status=0
    [[ -z "$uv" ]] || return 0
    if [[ -n "${INCIDENT_KIT_UV:-}" ]]; then
        uv="$INCIDENT_KIT_UV"
        return 0
    fi
    [[ -n "$uv_pid" ]] || uv_fetch_start "$python"
    phase "uv bootstrap"
    wait "$uv_pid" || status=$?
    uv_pid=""
    # Asked of the log rather than by a `pip --version` first: that would be one more Python
    # start on every cold run.
    if [[ "$status" != 0 ]] && grep -q "No module named pip" "$tmp/pip.log"; then
        fatal "The Python at $python has no pip, which incident-kit needs once to fetch uv: add actions/setup-python before this step, or set INCIDENT_KIT_PYTHON to a Python that has incident-kit installed."
    fi
    cat "$tmp/pip.log"
    [[ "$status" == 0 ]] ||
        fatal "pip could not install uv from requirements/bootstrap.txt (log above): check that the runner reaches PyPI, or a mirror named in PIP_INDEX_URL."
    for candidate in "$tmp/uv/bin/uv" "$tmp/uv/Scripts/uv.exe" "$tmp/uv/bin/uv.exe"; do
        if [[ -f "$candidate" ]]; then
            uv="$candidate"
            break
        fi
    done
    [[ -n "$uv" ]] || fatal "uv was installed from requirements/bootstrap.txt but its binary is missing: report this at https://github.com/incident-kit/incident-kit/issues."
}

build_venv() {
    local python="$1" venv="$2" stamp_value="$3" vpy
    echo "::group::incident-kit: building its Python environment (first run for this version)"
    in_group=true
    # A half-built venv carries no stamp, so a crash anywhere below means a rebuild next time.
    rm -rf "$venv"

    uv_fetch_start "$python"

    phase "venv"
    # --without-pip: seeding pip costs about 2 s and uv installs everything anyway.
    "$python" -I -m venv --without-pip "$venv" ||
        fatal "$python -m venv could not create $venv: check that the runner's Python has its venv module and the action's folder is writable."
    vpy="$(venv_python "$venv")" || fatal "python -m venv did not create an interpreter in $venv: check the runner's Python installation."

    phase "project"
    # incident-kit itself: copied from this checkout and compiled, no wheel built (setup/install_source.py
    # says why), while uv is fetched. The venv's interpreter runs it, so the bytecode is for the
    # Python that runs incident-kit.
    "$vpy" -I "$here/install_source.py" "$root" ||
        fatal "Could not copy incident-kit's source from $root into $venv (log above): check that the action's folder is writable and the runner's disk is not full."

    uv_fetch_finish "$python"

    # --no-config: a uv.toml or [tool.uv] in the caller's repository describes their project,
    # not this one. UV_PYTHON_DOWNLOADS=never: use the venv's interpreter, never fetch another.
    export UV_PYTHON_DOWNLOADS=never

    phase "runtime deps"
    # --no-deps: event.txt is the whole resolution, less cryptography, which PyGithub's pyjwt[crypto]
    # asks for but only GitHub App (JWT) sign-in uses (requirements/compile.sh says why).
    "$uv" pip install --no-config --quiet --python "$vpy" \
        --no-deps --require-hashes --compile-bytecode -r "$root/requirements/event.txt" ||
        fatal "uv could not install requirements/event.txt (log above): check that the runner reaches PyPI, or a mirror named in UV_INDEX_URL."

    phase ""
    printf '%s\n' "$stamp_value" >"$venv/.incident-kit-stamp"
    echo "::endgroup::"
    in_group=false
}

# build_report PYTHON VPY DIR STAMP: the report tier into DIR, for the event venv's VPY.
build_report() {
    local python="$1" vpy="$2" dir="$3" stamp_value="$4"
    echo "::group::incident-kit: installing the PDF tools (first report for this version)"
    in_group=true
    rm -rf "$dir"
    uv_fetch_finish "$python"
    export UV_PYTHON_DOWNLOADS=never
    phase "report deps"
    # --target: its own folder, cached under its own key; --python: bytecode for the event venv's
    # interpreter. --no-deps: report.txt lists exactly what event.txt lacks (requirements/compile.sh).
    "$uv" pip install --no-config --quiet --python "$vpy" --target "$dir" \
        --no-deps --require-hashes --compile-bytecode -r "$root/requirements/report.txt" ||
        fatal "uv could not install requirements/report.txt (log above), so the incident report was not rendered. The labels and status comment were updated by the step before; re-run this job, and check that the runner reaches PyPI, or a mirror named in UV_INDEX_URL."

    phase "accelerator"
    # reportlab's C accelerator: wheels only, and optional. Where no wheel exists the report is
    # the same bytes, drawn by reportlab's pure-Python fallback, so a failure here is a notice.
    "$uv" pip install --no-config --quiet --python "$vpy" --target "$dir" --only-binary :all: \
        --no-deps --require-hashes --compile-bytecode -r "$root/requirements/accel.txt" ||
        echo "::notice title=incident-kit setup::No rl_accel wheel for this runner: reports render without reportlab's C accelerator (slower, same output)."
    phase ""
    printf '%s\n' "$stamp_value" >"$dir/.incident-kit-stamp"
    echo "::endgroup::"
    in_group=false
}

# The .pth that puts the report tier on the event venv's sys.path (after its own site-packages,
# so a package both tiers could hold always comes from the event tier). Written by every report
# step: the event venv may come from a cache entry saved by a run that rendered no report. A
# .pth naming a missing folder is skipped by site.py, so it is harmless in an event-only run.
REPORT_PTH='import os, sys, sysconfig
path = os.path.join(sysconfig.get_paths()["purelib"], "incident-kit-report-tier.pth")
line = os.path.abspath(sys.argv[1]) + "\n"
if not os.path.isfile(path) or open(path, encoding="utf-8").read() != line:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(line)'

if [[ -n "${INCIDENT_KIT_PYTHON:-}" ]]; then
    # A Python the caller vouches for: check it rather than trust it, install nothing.
    if ! import_error="$("$INCIDENT_KIT_PYTHON" -I -c 'import incident_kit' 2>&1)"; then
        echo "$import_error" >&2
        fatal "INCIDENT_KIT_PYTHON is set to $INCIDENT_KIT_PYTHON, which cannot import incident_kit: install incident-kit into that Python, or unset INCIDENT_KIT_PYTHON to let the action build its own environment."
    fi
    PY="$INCIDENT_KIT_PYTHON"
else
    venv="$root/.venv-action"
    stamp="$venv/.incident-kit-stamp"
    # The cache-key step computed the fingerprint for this run; compute it here only when run.sh
    # is called on its own (benchmarks, a self-hosted runner's warm-up).
    want="${INCIDENT_KIT_FINGERPRINT:-}"
    python=""
    if [[ -z "$want" ]] && probe="$(ik_probe "$root")"; then
        python="${probe%% *}"
        want="${probe##* }"
    fi
    have=""
    [[ -f "$stamp" ]] && read -r have <"$stamp"
    if [[ -n "$want" && "$have" == "$want" ]] && PY="$(venv_python "$venv")"; then
        echo "incident-kit setup: using the environment in $venv"
    else
        if [[ -z "$python" ]] && ! probe="$(ik_probe "$root")"; then
            found="$(python3 --version 2>&1 || echo "no python3")"
            fatal "incident-kit needs Python 3.11 or newer on PATH as python3, and this runner has ${found}: add actions/setup-python with python-version: '3.12' before this step."
        fi
        python="${probe%% *}"
        want="${probe##* }"
        build_venv "$python" "$venv" "$want"
        PY="$(venv_python "$venv")"
    fi
    if [[ "${INCIDENT_KIT_TIER:-event}" == "report" ]]; then
        fatal_title="incident-kit report"
        report_dir="$root/.venv-action-report"
        have=""
        [[ -f "$report_dir/.incident-kit-stamp" ]] && read -r have <"$report_dir/.incident-kit-stamp"
        if [[ "$have" == "$want" ]]; then
            echo "incident-kit setup: using the PDF tools in $report_dir"
        else
            if [[ -z "$python" ]] && ! probe="$(ik_probe "$root")"; then
                fatal "incident-kit needs Python 3.11 or newer on PATH as python3 to install its PDF tools; the incident report was not rendered (the labels and status comment were updated by the step before)."
            fi
            build_report "${probe%% *}" "$PY" "$report_dir" "$want"
        fi
        "$PY" -I -c "$REPORT_PTH" "$report_dir" ||
            fatal "Could not put the PDF tools in $report_dir on the action's Python path: check that the action's folder is writable."
    fi
fi
[[ -z "$tmp" ]] || rm -rf "$tmp"

if [[ "${INCIDENT_KIT_TIER:-event}" == "report" ]]; then
    # Checked for an INCIDENT_KIT_PYTHON too: the event step could not import xhtml2pdf there, and
    # running again without it would only defer the report once more, silently.
    fatal_title="incident-kit report"
    if ! import_error="$("$PY" -I -c 'import xhtml2pdf' 2>&1)"; then
        echo "$import_error" >&2
        fatal "The PDF tools (xhtml2pdf) cannot be imported by $PY, so the incident report was not rendered; the labels and status comment were updated by the step before. With INCIDENT_KIT_PYTHON set, install incident-kit's [report] dependencies into that Python; otherwise re-run this job."
    fi
fi

if [[ "${INCIDENT_KIT_SETUP_ONLY:-false}" == "true" ]]; then
    exit 0
fi
# -I: the step runs in the caller's checkout, and Python would otherwise put it first on
# sys.path, so a repository's yaml.py, platform.py or github/ would run inside the action with
# its token (issue #13). -I also ignores PYTHON* variables a workflow may have set.
exec "$PY" -I -m incident_kit run "$@"

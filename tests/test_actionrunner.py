"""Tests of tests/actionrunner.py itself: that it behaves like the GitHub runner where the
incident-kit tests rely on it (expressions, file commands, step flow, the `${{` in `run:` guard).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from actionrunner import ExpressionInRunError, evaluate, interpolate, parse_file_command, run_action

SCOPE = {
    "inputs": {"dry-run": "true", "issue-number": "", "max-writes": "50"},
    "github": {"token": "t", "event": {"issue": {"number": 7, "pull_request": None}}},
    "steps": {"key": {"outputs": {"key": "abc"}, "outcome": "success"}},
    "env": {"SET": "x"},
    "runner": {"os": "Linux"},
    "needs": {"a": {"result": "success"}, "b": {"result": "failure"}},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("inputs.dry-run == 'true'", True),
        ("inputs.DRY-RUN == 'TRUE'", True),  # names and string comparison ignore case
        ("github.event.issue.number || inputs.issue-number", 7),
        ("inputs.issue-number || 'none'", "none"),
        ("!github.event.issue.pull_request", True),
        ("env.UNSET == ''", True),  # null == '' under GitHub's loose equality
        ("env.SET == ''", False),
        ("steps.key.outputs.key != ''", True),
        ("steps.missing.outputs.key != ''", False),
        ("inputs.max-writes == 50", True),
        ("inputs.max-writes > 9", True),
        ("runner.os == 'Linux' && 'yes' || 'no'", "yes"),
        ("join(needs.*.result, ' ')", "success failure"),
        ("contains(needs.*.result, 'failure')", True),
        ("format('{0}-{1}', 'a', 1)", "a-1"),
        ("(1 == 1) && !(2 == 3)", True),
        ("'it''s'", "it's"),
    ],
)
def test_expressions(expression: str, expected: object) -> None:
    assert evaluate(expression, SCOPE) == expected


def test_interpolation_keeps_a_whole_expression_typed_and_stringifies_text() -> None:
    assert interpolate("${{ github.event.issue.number }}", SCOPE) == 7
    assert (
        interpolate("incident-kit-${{ github.event.issue.number || inputs.issue-number }}", SCOPE) == "incident-kit-7"
    )
    assert interpolate("${{ inputs.dry-run == 'true' }}-${{ env.UNSET }}!", SCOPE) == "true-!"


def test_file_commands_with_heredocs() -> None:
    text = "a=1\nb<<EOF_1\nline one\nline=two\n\nEOF_1\nc=x=y\n"
    assert parse_file_command(text) == {"a": "1", "b": "line one\nline=two\n", "c": "x=y"}
    with pytest.raises(ValueError, match="no closing delimiter"):
        parse_file_command("b<<END\nnever closed\n")


def _action(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "action"
    folder.mkdir()
    (folder / "action.yml").write_text(textwrap.dedent(body))
    return folder


def test_steps_outputs_env_and_failure_flow(tmp_path: Path) -> None:
    action = _action(
        tmp_path,
        """\
        name: t
        description: t
        inputs:
          who:
            description: d
            default: "${{ github.token }}"
        outputs:
          greeting:
            value: ${{ steps.one.outputs.greeting }}
          later:
            value: ${{ steps.three.outputs.x }}
        runs:
          using: composite
          steps:
            - id: one
              shell: bash
              env:
                WHO: ${{ inputs.who }}
              run: |
                { echo "greeting<<G"; echo "hello $WHO"; echo "from $PWD"; echo "G"; } >> "$GITHUB_OUTPUT"
                echo "CARRIED=yes" >> "$GITHUB_ENV"
                echo "# summary" >> "$GITHUB_STEP_SUMMARY"
                echo "$GITHUB_ACTION_PATH" > action-path
            - uses: actions/cache@0123456789012345678901234567890123456789 # v9
              with:
                key: k-${{ env.CARRIED }}
            - id: two
              shell: bash
              continue-on-error: true
              run: exit 4
            - id: three
              shell: bash
              run: |
                echo "x=$CARRIED" >> "$GITHUB_OUTPUT"
                exit 5
            - id: four
              shell: bash
              run: echo "never"
            - id: five
              if: failure()
              shell: bash
              run: echo "cleanup"
        """,
    )
    workspace = tmp_path / "ws"
    workspace.mkdir()
    result = run_action(action, workspace=workspace)
    assert result.exit_code == 5
    assert result.outputs == {"greeting": f"hello ghs_fake-token-for-tests\nfrom {workspace.resolve()}", "later": "yes"}
    assert result.summary == "# summary\n"
    assert (workspace / "action-path").read_text().strip() == str(action.resolve())
    outcomes = {s.id: (s.outcome, s.conclusion) for s in result.steps}
    assert outcomes["two"] == ("failure", "success")
    assert outcomes["three"] == ("failure", "failure")
    assert outcomes["four"] == ("skipped", "skipped")
    assert outcomes["five"] == ("success", "success")
    cache = next(s for s in result.steps if s.kind == "uses")
    assert cache.uses.startswith("actions/cache@") and cache.with_ == {"key": "k-yes"}


def test_expression_inside_run_is_refused(tmp_path: Path) -> None:
    action = _action(
        tmp_path,
        """\
        name: t
        description: t
        inputs:
          title:
            description: d
            default: ""
        runs:
          using: composite
          steps:
            - shell: bash
              run: echo "${{ inputs.title }}"
        """,
    )
    with pytest.raises(ExpressionInRunError):
        run_action(action, inputs={"title": '"; rm -rf ~; "'})


def test_unknown_input_is_refused(tmp_path: Path) -> None:
    action = _action(tmp_path, "name: t\ndescription: t\nruns:\n  using: composite\n  steps: []\n")
    with pytest.raises(ValueError, match="declares no input named dry_run"):
        run_action(action, inputs={"dry_run": "true"})

"""A small stand-in for the GitHub Actions runner, for tests of composite ``action.yml`` files.

It owns one thing: running a composite action's steps the way a GitHub-hosted runner does, close
enough that the plumbing between YAML, shell and Python can be tested on this machine. It parses
the action, evaluates ``${{ }}`` expressions in ``if:``, ``env:``, ``with:``, ``continue-on-error``
and output values (contexts ``inputs``, ``github``, ``steps``, ``runner``, ``env``; literals,
``||``, ``&&``, ``!``, ``==``, ``!=``, comparisons, property and index access, the status
functions and a few string functions), records ``uses:`` steps without running them, and runs
each ``run:`` step with its declared shell (``bash`` is GitHub's ``bash --noprofile --norc -eo
pipefail {0}``) in the workspace, with fresh ``GITHUB_OUTPUT``, ``GITHUB_ENV``, ``GITHUB_PATH``
and ``GITHUB_STEP_SUMMARY`` files per step. It reads those files back (heredoc ``name<<DELIM``
values included), carries ``GITHUB_ENV``/``GITHUB_PATH`` into later steps, and returns the exit
code, the action's outputs, the job summary, the logs and every step's result.

A ``${{`` inside a ``run:`` script raises :class:`ExpressionInRunError`: the real runner would
paste the value into the script before the shell parses it, which is a code-injection defect.

Not modelled: ``pre``/``post`` steps, nested composite actions, ``hashFiles``, node and docker
actions, masking, and the runner's own process environment beyond a few basic variables.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ActionResult",
    "Annotation",
    "ExpressionError",
    "ExpressionInRunError",
    "StepResult",
    "evaluate",
    "interpolate",
    "parse_file_command",
    "run_action",
]


class ExpressionError(ValueError):
    """An expression the harness cannot parse or evaluate (GitHub would fail the run too)."""


class ExpressionInRunError(ExpressionError):
    """A ``${{`` inside ``run:``: expanded before the shell parses it, so input becomes code."""


# --------------------------------------------------------------------------------------------
# Expressions: https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/evaluate-expressions-in-workflows-and-actions

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?))
      | (?P<op>\|\||&&|==|!=|<=|>=|[!<>()\[\].,*])
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)

_CONTEXTS = ("inputs", "github", "steps", "runner", "env", "job", "matrix", "strategy", "needs", "secrets")


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str


def _tokenize(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    source = source.strip()
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"cannot read the expression {source!r} at {source[pos:]!r}")
        kind = match.lastgroup or ""
        tokens.append(_Tok(kind, match.group(kind)))
        pos = match.end()
    return tokens


@dataclass
class _Filtered:
    """The result of ``.*`` (an object filter): a list that later property access maps over."""

    items: list[Any]


def _lookup(value: Any, key: str) -> Any:
    # Property names are case-insensitive in GitHub expressions.
    if isinstance(value, _Filtered):
        return _Filtered([_lookup(item, key) for item in value.items])
    if isinstance(value, Mapping):
        if key in value:
            return value[key]
        lowered = key.lower()
        for name, item in value.items():
            if str(name).lower() == lowered:
                return item
    return None


def _to_number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def truthy(value: Any) -> bool:
    """GitHub's truthiness: false, 0, -0, NaN, "" and null are falsy; objects are truthy."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def _equal(a: Any, b: Any) -> bool:
    # Loose equality: same types compare directly (strings case-insensitively), otherwise both
    # sides become numbers. So null == '' is true, which `if: env.X == ''` relies on.
    if isinstance(a, _Filtered) or isinstance(b, _Filtered):
        return False
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    if a is None and b is None:
        return True
    if isinstance(a, Mapping | list) or isinstance(b, Mapping | list):
        return a is b
    x, y = _to_number(a), _to_number(b)
    return not (math.isnan(x) or math.isnan(y)) and x == y


def _compare(a: Any, b: Any, op: str) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        x: Any = a.lower()
        y: Any = b.lower()
    else:
        x, y = _to_number(a), _to_number(b)
        if math.isnan(x) or math.isnan(y):
            return False
    return bool({"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op])


def to_string(value: Any) -> str:
    """How a value reads when interpolated into a string (``${{ }}`` inside text)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _Filtered):
        value = value.items
    if isinstance(value, Mapping | list):
        return json.dumps(value, indent=2)
    return str(value)


class _Parser:
    def __init__(self, tokens: list[_Tok], scope: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]):
        self.tokens = tokens
        self.pos = 0
        self.scope = scope
        self.functions = functions

    def peek(self, text: str | None = None) -> _Tok | None:
        if self.pos >= len(self.tokens):
            return None
        tok = self.tokens[self.pos]
        if text is not None and not (tok.kind == "op" and tok.text == text):
            return None
        return tok

    def take(self, text: str) -> None:
        if not self.peek(text):
            got = self.tokens[self.pos].text if self.pos < len(self.tokens) else "end of expression"
            raise ExpressionError(f"expected {text!r}, found {got!r}")
        self.pos += 1

    def parse(self) -> Any:
        value = self.or_()
        if self.pos != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.pos].text!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek("||"):
            self.pos += 1
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.equality()
        while self.peek("&&"):
            self.pos += 1
            right = self.equality()
            value = right if truthy(value) else value
        return value

    def equality(self) -> Any:
        value = self.comparison()
        while (tok := self.peek()) and tok.kind == "op" and tok.text in ("==", "!="):
            self.pos += 1
            right = self.comparison()
            value = _equal(value, right) if tok.text == "==" else not _equal(value, right)
        return value

    def comparison(self) -> Any:
        value = self.unary()
        while (tok := self.peek()) and tok.kind == "op" and tok.text in ("<", "<=", ">", ">="):
            self.pos += 1
            value = _compare(value, self.unary(), tok.text)
        return value

    def unary(self) -> Any:
        if self.peek("!"):
            self.pos += 1
            return not truthy(self.unary())
        return self.postfix()

    def postfix(self) -> Any:
        value = self.primary()
        while True:
            if self.peek("."):
                self.pos += 1
                if self.peek("*"):
                    self.pos += 1
                    items = value.items if isinstance(value, _Filtered) else value
                    if isinstance(items, Mapping):
                        value = _Filtered(list(items.values()))
                    elif isinstance(items, list):
                        value = _Filtered(list(items))
                    else:
                        value = _Filtered([])
                    continue
                tok = self.peek()
                if tok is None or tok.kind not in ("name", "number"):
                    raise ExpressionError("a property name must follow '.'")
                self.pos += 1
                value = _lookup(value, tok.text)
            elif self.peek("["):
                self.pos += 1
                index = self.or_()
                self.take("]")
                if isinstance(value, list) and isinstance(index, int | float) and not isinstance(index, bool):
                    i = int(index)
                    value = value[i] if 0 <= i < len(value) else None
                else:
                    value = _lookup(value, to_string(index))
            else:
                return value

    def primary(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise ExpressionError("the expression ends too early")
        self.pos += 1
        if tok.kind == "string":
            return tok.text[1:-1].replace("''", "'")
        if tok.kind == "number":
            text = tok.text
            return float(int(text, 16)) if text.lower().lstrip("-").startswith("0x") else float(text)
        if tok.kind == "op" and tok.text == "(":
            value = self.or_()
            self.take(")")
            return value
        if tok.kind == "name":
            name = tok.text
            if self.peek("("):
                self.pos += 1
                args: list[Any] = []
                if not self.peek(")"):
                    args.append(self.or_())
                    while self.peek(","):
                        self.pos += 1
                        args.append(self.or_())
                self.take(")")
                function = self.functions.get(name.lower())
                if function is None:
                    raise ExpressionError(f"the harness does not implement the function {name}()")
                return function(*args)
            lowered = name.lower()
            if lowered in ("true", "false"):
                return lowered == "true"
            if lowered == "null":
                return None
            if lowered in ("nan", "infinity"):
                return math.nan if lowered == "nan" else math.inf
            if lowered not in self.scope:
                if lowered in _CONTEXTS:
                    return {}
                raise ExpressionError(f"unknown context {name!r}")
            return self.scope[lowered]
        raise ExpressionError(f"unexpected {tok.text!r}")


def _format(template: Any, *args: Any) -> str:
    text = to_string(template)

    def sub(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        return to_string(args[int(match.group(1))])

    return re.sub(r"\{\{|\}\}|\{(\d+)\}", sub, text)


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, _Filtered):
        haystack = haystack.items
    if isinstance(haystack, list):
        return any(_equal(item, needle) for item in haystack)
    return to_string(needle).lower() in to_string(haystack).lower()


def _join(items: Any, separator: Any = ",") -> str:
    if isinstance(items, _Filtered):
        items = items.items
    if isinstance(items, list):
        return to_string(separator).join(to_string(i) for i in items)
    return to_string(items)


def _functions(status: Mapping[str, bool]) -> dict[str, Callable[..., Any]]:
    return {
        "success": lambda: not status.get("failed", False),
        "failure": lambda: status.get("failed", False),
        "always": lambda: True,
        "cancelled": lambda: False,
        "contains": _contains,
        "startswith": lambda a, b: to_string(a).lower().startswith(to_string(b).lower()),
        "endswith": lambda a, b: to_string(a).lower().endswith(to_string(b).lower()),
        "format": _format,
        "join": _join,
        "tojson": lambda v: json.dumps(v.items if isinstance(v, _Filtered) else v, indent=2),
        "fromjson": lambda v: json.loads(to_string(v)),
    }


def evaluate(expression: str, scope: Mapping[str, Any], status: Mapping[str, bool] | None = None) -> Any:
    """Evaluate the inside of one ``${{ }}``, e.g. ``inputs.dry-run == 'true'``."""
    parser = _Parser(_tokenize(expression), {k.lower(): v for k, v in scope.items()}, _functions(status or {}))
    return parser.parse()


_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def interpolate(value: Any, scope: Mapping[str, Any], status: Mapping[str, bool] | None = None) -> Any:
    """A YAML value with ``${{ }}``: a single whole expression keeps its type, text becomes a string."""
    if not isinstance(value, str):
        return value
    whole = _TEMPLATE.fullmatch(value.strip())
    if whole:
        return evaluate(whole.group(1), scope, status)
    if "${{" not in value:
        return value
    return _TEMPLATE.sub(lambda m: to_string(evaluate(m.group(1), scope, status)), value)


def _condition(value: Any, scope: Mapping[str, Any], status: Mapping[str, bool]) -> bool:
    # `if:` is an expression with or without ${{ }}; with no status function in it GitHub wraps
    # it as `success() && (...)`.
    if value is None:
        return not status.get("failed", False)
    if isinstance(value, bool):
        return value and not status.get("failed", False)
    text = str(value).strip()
    whole = _TEMPLATE.fullmatch(text)
    expression = whole.group(1) if whole else text
    if "${{" in expression:
        return truthy(interpolate(text, scope, status))
    result = truthy(evaluate(expression, scope, status))
    if not re.search(r"\b(success|failure|always|cancelled)\s*\(", expression, re.IGNORECASE):
        result = result and not status.get("failed", False)
    return result


# --------------------------------------------------------------------------------------------
# File commands: https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#environment-files


def parse_file_command(text: str) -> dict[str, str]:
    """Read a GITHUB_OUTPUT/GITHUB_ENV file: ``name=value`` lines and ``name<<DELIM`` heredocs."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        eq = line.find("=")
        heredoc = line.find("<<")
        if heredoc != -1 and (eq == -1 or heredoc < eq):
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            if not name or not delimiter:
                raise ValueError(f"malformed file command line {line!r}")
            body: list[str] = []
            while True:
                if i >= len(lines):
                    raise ValueError(f"the value of {name!r} has no closing delimiter {delimiter!r}")
                current = lines[i]
                i += 1
                if current == delimiter:
                    break
                body.append(current)
            values[name] = "\n".join(body)
        elif eq > 0:
            values[line[:eq]] = line[eq + 1 :]
        else:
            raise ValueError(f"malformed file command line {line!r}")
    return values


@dataclass(frozen=True)
class Annotation:
    """One ``::command key=value,...::message`` line a step printed."""

    command: str
    properties: dict[str, str]
    message: str


_ANNOTATION = re.compile(r"^::(?P<command>[a-zA-Z-]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def _unescape(text: str, property_value: bool = False) -> str:
    text = text.replace("%0D", "\r").replace("%0A", "\n")
    if property_value:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%25", "%")


def parse_annotations(log: str) -> list[Annotation]:
    found: list[Annotation] = []
    for line in log.splitlines():
        match = _ANNOTATION.match(line)
        if not match:
            continue
        props: dict[str, str] = {}
        for pair in (match.group("props") or "").split(","):
            if "=" in pair:
                key, _, value = pair.partition("=")
                props[key.strip()] = _unescape(value, property_value=True)
        found.append(Annotation(match.group("command"), props, _unescape(match.group("message"))))
    return found


# --------------------------------------------------------------------------------------------
# Running an action


@dataclass
class StepResult:
    id: str
    name: str
    kind: str  # "run" or "uses"
    outcome: str  # "success", "failure" or "skipped" (uses: steps are recorded as "skipped")
    conclusion: str  # outcome after continue-on-error
    uses: str = ""
    with_: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    summary: str = ""


@dataclass
class ActionResult:
    exit_code: int
    outputs: dict[str, str]
    summary: str
    stdout: str
    stderr: str
    steps: list[StepResult]
    annotations: list[Annotation]

    def step(self, step_id: str) -> StepResult:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


_SHELLS = {
    # GitHub's templates for `shell:` keywords on Linux and macOS.
    "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"],
    "sh": ["sh", "-e", "{0}"],
    "python": ["python", "{0}"],
}

_BASIC_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "SYSTEMROOT", "PYENV_ROOT", "PYENV_VERSION")


def _runner_os() -> tuple[str, str]:
    system = {"Linux": "Linux", "Darwin": "macOS", "Windows": "Windows"}.get(platform.system(), platform.system())
    machine = platform.machine().lower()
    arch = {"x86_64": "X64", "amd64": "X64", "arm64": "ARM64", "aarch64": "ARM64"}.get(machine, machine.upper())
    return system, arch


def _as_env_value(value: Any) -> str:
    return to_string(value)


def run_action(
    action_dir: Path,
    inputs: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    workspace: Path | None = None,
    *,
    event_name: str = "workflow_dispatch",
    event: Mapping[str, Any] | None = None,
    github: Mapping[str, Any] | None = None,
    timeout: float = 600,
) -> ActionResult:
    """Run the composite action in ``action_dir`` as a GitHub runner would.

    ``inputs`` are the step's ``with:``; ``env`` is the workflow/job ``env:`` (visible to the
    steps' processes and to the ``env`` context); ``workspace`` is GITHUB_WORKSPACE and the
    steps' working directory (a temporary folder when omitted). ``github`` overrides fields
    of the ``github`` context (``token`` defaults to a fake value).
    """
    action_dir = Path(action_dir).resolve()
    spec_path = action_dir / "action.yml"
    if not spec_path.exists():
        spec_path = action_dir / "action.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    runs = spec.get("runs") or {}
    if runs.get("using") != "composite":
        raise ValueError(f"{spec_path} is not a composite action (runs.using is {runs.get('using')!r})")

    scratch = Path(tempfile.mkdtemp(prefix="actionrunner-"))
    try:
        if workspace is None:
            workspace = scratch / "workspace"
            workspace.mkdir()
        workspace = Path(workspace).resolve()
        runner_temp = scratch / "runner-temp"
        runner_temp.mkdir()
        event_path = scratch / "event.json"
        event_path.write_text(json.dumps(dict(event or {})), encoding="utf-8")
        os_name, arch = _runner_os()

        github_ctx: dict[str, Any] = {
            "token": "ghs_fake-token-for-tests",
            "action_path": str(action_dir),
            "event_name": event_name,
            "event": dict(event or {}),
            "event_path": str(event_path),
            "workspace": str(workspace),
            "repository": "octo-org/octo-repo",
            "repository_owner": "octo-org",
            "api_url": "https://api.github.com",
            "server_url": "https://github.com",
            "graphql_url": "https://api.github.com/graphql",
            "run_id": "1",
            "run_number": "1",
            "run_attempt": "1",
            "actor": "octocat",
            "workflow": "test",
            "job": "test",
            "sha": "0" * 40,
            "ref": "refs/heads/main",
            "action": "__run",
        }
        github_ctx.update(github or {})
        runner_ctx = {
            "os": os_name,
            "arch": arch,
            "name": "actionrunner",
            "temp": str(runner_temp),
            "tool_cache": str(scratch / "tool-cache"),
            "environment": "github-hosted",
        }
        job_env: dict[str, str] = {k: str(v) for k, v in (env or {}).items()}

        declared = spec.get("inputs") or {}
        unknown = sorted(set(inputs or {}) - set(declared))
        if unknown:
            raise ValueError(f"{spec_path} declares no input named {', '.join(unknown)}")
        base_scope: dict[str, Any] = {"github": github_ctx, "runner": runner_ctx, "env": job_env}
        input_values: dict[str, str] = {}
        for name, meta in declared.items():
            if inputs and name in inputs:
                input_values[name] = str(inputs[name])
            else:
                default = (meta or {}).get("default", "")
                input_values[name] = to_string(interpolate(default, {**base_scope, "inputs": {}}))

        process_env: dict[str, str] = {k: os.environ[k] for k in _BASIC_ENV if k in os.environ}
        process_env.update(
            {
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTION_PATH": str(action_dir),
                "GITHUB_EVENT_NAME": event_name,
                "GITHUB_EVENT_PATH": str(event_path),
                "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_REPOSITORY": str(github_ctx["repository"]),
                "GITHUB_REPOSITORY_OWNER": str(github_ctx["repository_owner"]),
                "GITHUB_API_URL": str(github_ctx["api_url"]),
                "GITHUB_SERVER_URL": str(github_ctx["server_url"]),
                "GITHUB_GRAPHQL_URL": str(github_ctx["graphql_url"]),
                "GITHUB_RUN_ID": str(github_ctx["run_id"]),
                "GITHUB_RUN_NUMBER": str(github_ctx["run_number"]),
                "GITHUB_RUN_ATTEMPT": str(github_ctx["run_attempt"]),
                "GITHUB_ACTOR": str(github_ctx["actor"]),
                "GITHUB_WORKFLOW": str(github_ctx["workflow"]),
                "GITHUB_JOB": str(github_ctx["job"]),
                "GITHUB_SHA": str(github_ctx["sha"]),
                "GITHUB_REF": str(github_ctx["ref"]),
                "RUNNER_OS": os_name,
                "RUNNER_ARCH": arch,
                "RUNNER_NAME": "actionrunner",
                "RUNNER_TEMP": str(runner_temp),
                "RUNNER_TOOL_CACHE": str(runner_ctx["tool_cache"]),
            }
        )
        process_env.update(job_env)
        extra_path: list[str] = []

        steps_ctx: dict[str, dict[str, Any]] = {}
        results: list[StepResult] = []
        status = {"failed": False}
        exit_code = 0
        summary_parts: list[str] = []

        for index, step in enumerate(runs.get("steps") or [], start=1):
            step_id = str(step.get("id") or f"__step{index}")
            name = str(step.get("name") or step.get("uses") or step.get("run", "")[:40])
            scope = {**base_scope, "inputs": input_values, "steps": steps_ctx}
            if not _condition(step.get("if"), scope, status):
                result = StepResult(step_id, name, "uses" if "uses" in step else "run", "skipped", "skipped")
                results.append(result)
                steps_ctx[step_id] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                continue

            step_env = {k: _as_env_value(interpolate(v, scope, status)) for k, v in (step.get("env") or {}).items()}
            if "uses" in step:
                with_ = {k: to_string(interpolate(v, scope, status)) for k, v in (step.get("with") or {}).items()}
                results.append(
                    StepResult(
                        step_id, name, "uses", "skipped", "skipped", uses=str(step["uses"]), with_=with_, env=step_env
                    )
                )
                steps_ctx[step_id] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                continue

            script = str(step.get("run", ""))
            if "${{" in script:
                raise ExpressionInRunError(
                    f"{spec_path}: step {step_id!r} has ${{{{ }}}} inside run:; pass the value through env: instead"
                )
            shell = str(step.get("shell") or "")
            if not shell:
                raise ValueError(f"{spec_path}: run step {step_id!r} has no shell: (composite actions require one)")

            files = scratch / f"step{index}"
            files.mkdir()
            paths = {
                n: files / n.lower()
                for n in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")
            }
            for path in paths.values():
                path.touch()
            script_path = files / "script.sh"
            script_path.write_text(script, encoding="utf-8")
            template = _SHELLS.get(shell, shell.split())
            argv = [part.replace("{0}", str(script_path)) for part in template]
            if "{0}" not in " ".join(template):
                argv.append(str(script_path))

            env_for_step = dict(process_env)
            env_for_step.update(step_env)
            env_for_step.update({n: str(p) for n, p in paths.items()})
            if extra_path:
                env_for_step["PATH"] = os.pathsep.join([*reversed(extra_path), env_for_step.get("PATH", "")])
            cwd = workspace / str(interpolate(step.get("working-directory", ""), scope, status) or "")
            proc = subprocess.run(
                argv, cwd=cwd, env=env_for_step, capture_output=True, text=True, timeout=timeout, check=False
            )
            outputs = parse_file_command(paths["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
            new_env = parse_file_command(paths["GITHUB_ENV"].read_text(encoding="utf-8"))
            process_env.update(new_env)
            job_env.update(new_env)
            extra_path.extend(p for p in paths["GITHUB_PATH"].read_text(encoding="utf-8").splitlines() if p.strip())
            summary = paths["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
            if summary:
                summary_parts.append(summary)

            outcome = "success" if proc.returncode == 0 else "failure"
            continue_on_error = truthy(interpolate(step.get("continue-on-error", False), scope, status))
            conclusion = "success" if continue_on_error else outcome
            if conclusion == "failure":
                status["failed"] = True
                if exit_code == 0:
                    exit_code = proc.returncode
            results.append(
                StepResult(
                    step_id,
                    name,
                    "run",
                    outcome,
                    conclusion,
                    env=step_env,
                    exit_code=proc.returncode,
                    outputs=outputs,
                    stdout=proc.stdout,
                    stderr=proc.stderr,
                    summary=summary,
                )
            )
            steps_ctx[step_id] = {"outputs": outputs, "outcome": outcome, "conclusion": conclusion}

        scope = {**base_scope, "inputs": input_values, "steps": steps_ctx}
        action_outputs = {
            name: to_string(interpolate((meta or {}).get("value", ""), scope, status))
            for name, meta in (spec.get("outputs") or {}).items()
        }
        stdout = "".join(r.stdout for r in results)
        return ActionResult(
            exit_code=exit_code,
            outputs=action_outputs,
            summary="".join(summary_parts),
            stdout=stdout,
            stderr="".join(r.stderr for r in results),
            steps=results,
            annotations=parse_annotations(stdout),
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

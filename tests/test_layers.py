"""The package's layers point one way: a module never imports a layer above its own, and no import cycle.

The order is the architecture (README, "Architecture"): ``basics`` (shared facts) <
``settings`` < ``body`` (reading the issue) < ``rules`` < ``github`` (the port and its
backends) < ``render`` < ``plan`` (pure) < ``apply`` (the one place that performs a
plan) < ``entry`` (CLI, action, install, demo). Imports inside functions count too:
a lazy import is still a dependency. The pure core (body, rules, render, plan) also
never imports a backend or the network.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "incident_kit"
LAYERS = ("basics", "settings", "body", "rules", "github", "render", "plan", "apply", "entry")
PURE = ("basics", "settings", "body", "rules", "render", "plan")
# What the pure layers may not import: I/O backends and network clients.
IMPURE = ("incident_kit.github.rest", "incident_kit.github.sandbox", "github", "urllib.request", "smtplib", "socket")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # ``from incident_kit.body import edits`` imports the module incident_kit.body.edits
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "incident_kit" and parts[1] in LAYERS else None


MODULES = _modules()


def test_every_module_lives_in_a_layer() -> None:
    # Only the package itself and ``python -m incident_kit`` stand outside the layer folders.
    loose = sorted(m for m in MODULES if _layer(m) is None)
    assert loose == ["incident_kit", "incident_kit.__main__"], f"modules outside the layer folders: {loose}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m)))
def test_imports_point_down(module: str) -> None:
    mine = LAYERS.index(_layer(module) or "")
    upward = [
        f"line {line}: {target}"
        for line, target in _imports(MODULES[module])
        if (other := _layer(target)) is not None and LAYERS.index(other) > mine
    ]
    assert not upward, f"{module} ({LAYERS[mine]}) imports a higher layer: {upward}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) in PURE))
def test_the_pure_core_does_no_io(module: str) -> None:
    bad = [
        f"line {line}: {target}"
        for line, target in _imports(MODULES[module])
        if any(target == i or target.startswith(i + ".") for i in IMPURE)
    ]
    assert not bad, f"{module} is in the pure core but imports I/O: {bad}"


def test_no_import_cycles() -> None:
    graph = {
        m: {t for _, t in _imports(p) if t in MODULES and t != m and MODULES[t].name != "__init__.py"}
        for m, p in MODULES.items()
    }
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    # The check itself can fail: a body module importing the plan is caught.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from incident_kit.plan.status import MARKER\n", encoding="utf-8")
    targets = [t for _, t in _imports(sample)]
    assert "incident_kit.plan.status" in targets and _layer("incident_kit.plan.status") == "plan"
    assert LAYERS.index("plan") > LAYERS.index("body")

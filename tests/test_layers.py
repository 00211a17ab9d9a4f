"""The layers point one way: no import cycle in grader/, and no import the layering forbids.

Read from the source (every ``import``, at the top or inside a function), not from what a run
happens to import, so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "grader"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a import b`` counts ``a.b`` when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {
        name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()
    }


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a path that ends where it starts), or ``None``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle() -> None:
    # A package imports its own modules (grader.x -> grader): that edge is not a cycle.
    edges = {a: {b for b in bs if not a.startswith(b + ".") and b != "grader"} for a, bs in graph().items()}
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


def test_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


JUDGE = [
    "grader.judge.scenario",
    "grader.judge.diagnose",
    "grader.spec.matching",
    "grader.messages",
    "grader.render.words",
]
RENDERERS = [
    "grader.render.words",
    "grader.render.terminal",
    "grader.render.gradebook",
    "grader.render.progress",
    "grader.render.html",
    "grader.render.html.report_view",
    "grader.render.html.index_view",
    "grader.render.html.timeline",
    "grader.platforms.gradescope",
    "grader.platforms.prairielearn",
    "grader.platforms.text",
]
CORE = [
    *JUDGE,
    "grader.spec.models",
    "grader.outcome",
    "grader.results.models",
    "grader.run.scenario",
    "grader.grade",
    "grader.task.job",
]
PROCESS_OR_SOCKETS = {"socket", "subprocess", "asyncio", "signal", "multiprocessing", "pexpect", "selectors"}
RUNNER = {
    "grader.run.scenario",
    "grader.sandbox.box",
    "grader.run.peer",
    "grader.run.terminal",
    "grader.grade",
    "grader.task.job",
}

RULES = [
    *[
        (m, PROCESS_OR_SOCKETS | RUNNER, "the judge is pure: no processes, no sockets, no runner")
        for m in JUDGE
    ],
    *[(m, RUNNER, "a renderer reads results; it never runs anything") for m in RENDERERS],
    *[
        (
            m,
            {
                "grader.resident",
                "grader.batch.driver",
                "grader.batch.dask_executor",
                "grader.cli",
                "grader.commands",
            },
            "",
        )
        for m in CORE
    ],
]


@pytest.mark.parametrize(("module", "forbidden", "why"), RULES, ids=[r[0] for r in RULES])
def test_forbidden_imports(module: str, forbidden: set[str], why: str) -> None:
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    bad = sorted(
        name for name in imports_of(path) if any(name == f or name.startswith(f + ".") for f in forbidden)
    )
    assert not bad, f"{module} imports {bad}: {why or 'the core never calls the commands, batch or resident'}"

"""The layers point one way: no import cycle in grader/, and no import the layering forbids.

Read from the source (every ``import``, at the top or inside a function), not from what a run
happens to import, so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
import functools
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


@functools.cache
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


# The stages, in the order data flows (spec -> run -> outcome -> judge -> results -> render),
# below the leaves that drive them. A module's package is its stage.
FOUNDATION = ["grader.messages", "grader.text", "grader.i18n", "grader.errors"]
LEAVES = [
    "grader.batch",
    "grader.platforms",
    "grader.resident",
    "grader.serve",
    "grader.commands",
    "grader.cli",
]
CORE = ["grader.spec", "grader.submission", "grader.sandbox", "grader.run", "grader.outcome", "grader.judge"]
CORE += ["grader.results", "grader.render", "grader.grade", "grader.task", *FOUNDATION]
PROCESS_OR_SOCKETS = {"socket", "subprocess", "asyncio", "signal", "multiprocessing", "pexpect", "selectors"}
RUNNER = {"grader.run", "grader.sandbox", "grader.grade", "grader.task"}
DOWNSTREAM_OF_SPEC = {
    "grader.submission",
    "grader.outcome",
    "grader.judge",
    "grader.results",
    "grader.render",
}

PACKAGE_RULES = [
    (
        "grader.spec",
        RUNNER | DOWNSTREAM_OF_SPEC | set(LEAVES),
        "the spec is first: it imports nothing downstream",
    ),
    ("grader.text", RUNNER | DOWNSTREAM_OF_SPEC | {"grader.spec", *LEAVES}, "text helpers serve every stage"),
    (
        "grader.judge",
        PROCESS_OR_SOCKETS | RUNNER | {"grader.render"},
        "the judge is pure: no processes, sockets, runner",
    ),
    (
        "grader.sandbox",
        {"grader.run", "grader.judge", "grader.results", "grader.render", "grader.grade", "grader.task"},
        "containment serves the runner; it knows nothing of scenarios' steps or results",
    ),
    (
        "grader.run",
        {"grader.judge", "grader.results", "grader.render", "grader.grade", "grader.task"},
        "the run records facts; judging and words come after it",
    ),
    ("grader.results", RUNNER | {"grader.render", "grader.judge"}, "results are data: no runner, no words"),
    ("grader.render", RUNNER, "a renderer reads results; it never runs anything"),
    (
        "grader.outcome",
        RUNNER | {"grader.judge", "grader.results", "grader.render"},
        "the run's facts, as data",
    ),
    *[
        (core, set(LEAVES), "the core never calls the commands, batch, platforms, resident or serve")
        for core in CORE
    ],
]


# Portable mode (Windows, macOS, Linux without its parts) runs these, and the modules they
# load: none may import a Linux-only module when it loads (an import inside a function, on
# the Linux path only, is how the shared modules reach them). tests/test_portable.py proves
# the same at run time, with those modules blocked.
LINUX_ONLY = {"fcntl", "termios", "pty", "resource", "pexpect", "ptyprocess", "grader.resident"}
LINUX_ONLY |= {f"grader.sandbox.{m}" for m in ("box", "host", "namespaces", "cgroups", "confine")}
LINUX_ONLY |= {f"grader.sandbox.{m}" for m in ("errors", "landlock", "mounts", "cgroup2", "userns")}
LINUX_ONLY |= {"grader.sandbox.uids", "grader.sandbox.locks", "grader.run.terminal"}
PORTABLE = [
    "grader.sandbox.platform_caps",
    "grader.sandbox.portable_launch",
    "grader.sandbox.windows_job",
    "grader.run.portable",
    "grader.run.portable_io",
    "grader.run.capture",
    "grader.text.frames",
    "grader.commands.doctor_portable",
]


def loaded_imports_of(path: Path) -> set[str]:
    """What importing ``path`` imports: its module-level imports, but for ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    body = [
        node
        for node in tree.body
        if not (isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"))
    ]
    found = imports_of_nodes(body)
    for node in tree.body:  # ``if sys.platform == ...:`` and ``try:`` blocks load too
        if isinstance(node, ast.If) and not ast.unparse(node.test).endswith("TYPE_CHECKING"):
            found |= imports_of_nodes([*node.body, *node.orelse])
        elif isinstance(node, ast.Try):
            found |= imports_of_nodes([*node.body, *node.orelse, *node.finalbody])
    return found


def imports_of_nodes(nodes: list[ast.stmt]) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def loaded_with(module: str) -> set[str]:
    """``module`` and every grader module importing it loads, transitively."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen or name not in modules:
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(2, len(parts)))  # its packages load first
        todo.extend(loaded_imports_of(modules[name]))
    return seen


@pytest.mark.parametrize("module", PORTABLE)
def test_portable_modules_load_no_linux_module(module: str) -> None:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    bad = sorted(
        f"{m} imports {name}"
        for m in loaded_with(module)
        for name in loaded_imports_of(modules[m])
        if any(name == b or name.startswith(b + ".") for b in LINUX_ONLY)
    )
    assert not bad, f"loading {module} (portable mode) loads Linux-only modules: {bad}"


def test_portable_modules_exist() -> None:
    assert all(m in graph() for m in PORTABLE), "a portable module named here has moved"


def modules_of(prefix: str) -> list[str]:
    return sorted(m for m in graph() if m == prefix or m.startswith(prefix + "."))


RULES = [
    (module, forbidden, why) for prefix, forbidden, why in PACKAGE_RULES for module in modules_of(prefix)
]


def test_every_stage_has_modules() -> None:
    assert all(modules_of(prefix) for prefix, _f, _w in PACKAGE_RULES), "a stage named in the rules has moved"


def test_messages_import_no_other_stage() -> None:
    outside = {
        m: sorted(b for b in bs if not b.startswith("grader.messages"))
        for m, bs in graph().items()
        if m.startswith("grader.messages")
    }
    assert not any(outside.values()), outside


@pytest.mark.parametrize(("module", "forbidden", "why"), RULES, ids=[r[0] for r in RULES])
def test_forbidden_imports(module: str, forbidden: set[str], why: str) -> None:
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    forbidden = {f for f in forbidden if not (module == f or module.startswith(f + "."))}
    bad = sorted(
        name for name in imports_of(path) if any(name == f or name.startswith(f + ".") for f in forbidden)
    )
    assert not bad, f"{module} imports {bad}: {why}"

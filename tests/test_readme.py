"""The README's two set-up commands stay true: CI runs the second, tests prove the first."""

from __future__ import annotations

import re

from conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block, "README.md must start with a sh block of set-up commands"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_starts_with_exactly_two_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2, commands
    assert "grader batch" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_the_main_job_grades_a_bundled_class() -> None:
    """The first command names an assignment and a sample class that exist in the repository."""
    words = readme_commands()[0].split()
    batch = words.index("batch")
    assignment, submissions = words[batch + 1], words[batch + 2]
    assert (ROOT / assignment / "assignment.yaml").is_file()
    assert any((ROOT / submissions).iterdir())


def test_every_assignment_has_a_bilingual_task_statement() -> None:
    for spec in sorted((ROOT / "assignments").glob("*/assignment.yaml")):
        readme = spec.parent / "README.md"
        assert readme.is_file(), f"{spec.parent.name} has no README.md"
        text = readme.read_text(encoding="utf-8")
        assert re.search(r"[\u4e00-\u9fff]", text), f"{readme} has no Chinese section"


def test_ci_runs_both_readme_commands_in_a_fresh_virtual_environment() -> None:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = readme_commands()
    venv = next(i for i, line in enumerate(lines) if line.startswith("python3 -m venv "))
    activate = next(i for i, line in enumerate(lines) if "/bin/activate" in line)
    first, second = lines.index(commands[0]), lines.index(commands[1])
    assert venv < activate < first < second

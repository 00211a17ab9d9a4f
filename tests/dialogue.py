"""Grading a tiny program against a one-scenario spec written inline: the tests' shorthand."""

from __future__ import annotations

import textwrap
from pathlib import Path

from grader.grade import GradeOptions, grade
from grader.results.models import GradeResult
from grader.spec.load import load_assignment

SPEC = """\
id: dialogue
title: Dialogue
role: client
student: {{entry: prog.py, args: ["{{host}}", "{{port}}"]}}
timeouts: {{step: 20, scenario: 40}}
scenarios:
  - id: only
    title: The dialogue
    points: 1
    server_running: {server}
    steps:
{steps}
"""


def run_dialogue(tmp_path: Path, program: str, steps: str, *, server: bool = True) -> GradeResult:
    """Grade ``program`` (saved as prog.py) on one scenario made of ``steps`` (YAML list items)."""
    folder = tmp_path / "spec"
    folder.mkdir()
    body = textwrap.indent(textwrap.dedent(steps), " " * 6)
    (folder / "assignment.yaml").write_text(SPEC.format(steps=body, server=str(server).lower()))
    (tmp_path / "prog.py").write_text(textwrap.dedent(program))
    return grade(load_assignment(folder), tmp_path / "prog.py", "student", GradeOptions(lang="en"))

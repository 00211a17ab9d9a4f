"""Where each platform keeps the assignment, the student's files and the results.

Gradescope unpacks the autograder zip into ``/autograder/source``, puts the submission in
``/autograder/submission`` and reads ``/autograder/results/results.json``. PrairieLearn
mounts the question's ``tests/`` at ``/grade/tests``, the student's files at
``/grade/student`` and reads ``/grade/results/results.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Platform = Literal["gradescope", "prairielearn"]
ASSIGNMENT_DIR = "assignment"
"""Name of the folder holding ``assignment.yaml`` inside the platform's source/tests folder."""


@dataclass(frozen=True)
class Layout:
    root: Path
    assignment: Path
    submission: Path
    results: Path
    metadata: Path | None = None


def layout(platform: Platform, root: Path) -> Layout:
    root = Path(root)
    if platform == "gradescope":
        return Layout(
            root=root,
            assignment=root / "source" / ASSIGNMENT_DIR,
            submission=root / "submission",
            results=root / "results" / "results.json",
            metadata=root / "submission_metadata.json",
        )
    return Layout(
        root=root,
        assignment=root / "tests" / ASSIGNMENT_DIR,
        submission=root / "student",
        results=root / "results" / "results.json",
        metadata=root / "data" / "data.json",
    )

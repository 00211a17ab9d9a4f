"""``grader new``: a new assignment folder that works from the first minute.

It writes a commented spec for a small ping/pong protocol (so a teacher edits a working
example instead of starting from a blank page), a README with an English and a Chinese
section, a reference stub and a manifest. The comments are in the teacher's language: each
is an English message id, translated through the ``scaffold`` catalog (``--lang zh``).
``grader validate`` fails on the stub (the reference does not get full marks) and accepts the
folder once the reference is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Literal

from grader.i18n import gettext_for
from grader.spec.load import SCHEMA_FILE, schema_text

TEMPLATES = Path(__file__).parent / "scaffold_templates"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
Role = Literal["client", "server"]


class ScaffoldError(Exception):
    """The assignment cannot be created (bad id, or it already exists); one line for the user."""


@dataclass(frozen=True)
class Scaffold:
    assignment: Path
    reference: Path
    submissions: Path
    files: list[Path]


COMMENT = re.compile(r"#( )(.*?)(?=\s+#\s|$)")
"""A YAML comment's words: up to the line's end, or to a comment after a commented-out line."""


def _render(name: str, lang: str = "en", **values: str) -> str:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    if lang != "en" and name.endswith(".yaml"):
        _ = gettext_for(lang)
        text = "\n".join(COMMENT.sub(lambda m: f"#{m[1]}{_(m[2])}", line) for line in text.split("\n"))
    return Template(text).substitute(values)


def create(assignment_id: str, role: Role, root: Path = Path("."), lang: str = "en") -> Scaffold:
    """Write ``assignments/<id>/``, ``reference/<id>/`` and ``tests/submissions/<id>/`` under root."""
    if not ID_PATTERN.match(assignment_id):
        raise ScaffoldError(
            f"{assignment_id!r} is not a valid id: use lower-case letters, digits, "
            "'-' and '_', starting with a letter or digit"
        )
    folder = root / "assignments" / assignment_id
    reference = root / "reference" / assignment_id
    submissions = root / "tests" / "submissions" / assignment_id
    for path in (folder, reference):
        if path.exists():
            raise ScaffoldError(f"{path} already exists; choose another id or remove it")
    entry = f"{role}.py"
    usage = "HOST PORT" if role == "client" else "PORT"
    first = "connects" if role == "client" else "listening"
    values = {"id": assignment_id, "entry": entry, "usage": usage, "first_scenario": first}
    outputs = {
        folder / "assignment.yaml": _render(f"{role}.assignment.yaml", lang, **values),
        folder / SCHEMA_FILE: schema_text(),  # the spec's first line names it: editors check as you type
        folder / "manifest.yaml": _render("manifest.yaml", lang, **values),
        folder / "README.md": _render("README.md", **values),
        reference / entry: _render(f"{entry}.tmpl", **values),
    }
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    submissions.mkdir(parents=True, exist_ok=True)
    return Scaffold(folder, reference, submissions, list(outputs))

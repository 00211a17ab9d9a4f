"""Fixture files: what an assignment gives the student's program to work with.

Textbook web servers open ``HelloWorld.html``, ``static/index.html`` or ``static/error.html``
relative to their working folder. An assignment's ``files/`` folder holds them; they are read
with the spec (so a spec bundled for a worker carries them) and copied into the scratch copy
of each run, so the program finds them where the lesson put them. The report lists them.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FIXTURE_FOLDER = "files"
MAX_FIXTURE_BYTES = 32 << 20
"""All fixture files of one assignment together: they are copied for every scenario."""


class FixtureError(ValueError):
    """The ``files/`` folder cannot be used (too large, a link leading out of it)."""


def read_fixtures(assignment_folder: Path) -> dict[str, bytes]:
    """``files/`` under the assignment's folder, as {relative posix path: bytes}; {} if none."""
    root = assignment_folder / FIXTURE_FOLDER
    if not root.is_dir():
        return {}
    found: dict[str, bytes] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            raise FixtureError(f"{root / rel}: fixture files must be plain files, not links")
        if not path.is_file():
            continue
        data = path.read_bytes()
        total += len(data)
        if total > MAX_FIXTURE_BYTES:
            raise FixtureError(f"{root}: fixture files exceed {MAX_FIXTURE_BYTES >> 20} MiB together")
        found[rel] = data
    return found


def place_fixtures(fixtures: dict[str, bytes], scratch: Path, uid: int | None = None) -> list[str]:
    """Write the fixtures into a run's scratch folder (over a submitted file of the same name).

    The assignment's copy wins: every student is graded against the same page. Returns the
    paths written, for the report.
    """
    placed: list[str] = []
    for rel, data in fixtures.items():
        target = scratch / rel
        if any((scratch / p).is_symlink() for p in Path(rel).parents if str(p) != "."):
            continue  # a submitted link where a folder should be: never write through it
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.is_dir():
            continue  # the student's own tree: never follow or replace a link or folder
        target.write_bytes(data)
        if uid is not None:
            for path in (target, *target.relative_to(scratch).parents):
                with contextlib.suppress(OSError):
                    os.lchown(scratch / path, uid, uid)
        placed.append(rel)
    return placed

"""Manifests for job arrays: the class written once, each array task grading its own index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.batch.driver import plan, problem_result
from grader.batch.files import (
    stored_key,
    write_result,
)
from grader.errors import UsageError
from grader.i18n import gettext_for
from grader.resident.pool import run_pooled_task
from grader.results.models import write_atomic
from grader.submission.discover import Found
from grader.submission.reading import safe_id
from grader.task.job import (
    TaskResult,
    make_task,
)

MANIFEST_FORMAT = "grader-manifest/1"


def write_manifest(path: Path, assignment_path: Path, submissions: Path, options: dict[str, Any]) -> int:
    """The list ``grader grade-one --index N`` reads: one item per discovered submission."""
    lang = options.get("lang", "en")
    _assignment, spec_files, discovery = plan(assignment_path, submissions, lang=lang)
    items = []
    for index, found in enumerate(discovery.submissions):
        key = "" if found.problem else make_task(found.student, spec_files, found.files, options).key
        items.append(
            {
                "index": index,
                "student": found.student,
                "sources": list(found.sources),
                "layout": found.layout,
                "key": key,
                "problem": found.problem,
            }
        )
    manifest = {
        "format": MANIFEST_FORMAT,
        "assignment": str(Path(assignment_path).resolve()),
        "submissions": str(Path(submissions).resolve()),
        "options": options,
        "items": items,
    }
    write_atomic(Path(path), json.dumps(manifest, ensure_ascii=False, indent=1))
    return len(items)


def read_manifest(path: Path, lang: str = "en") -> dict[str, Any]:
    _ = gettext_for(lang)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(_("{path}: cannot read the manifest: {why}").format(path=path, why=exc)) from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise UsageError(
            _("{path}: not a manifest written by grader batch --write-manifest").format(path=path)
        )
    return data


def grade_one(manifest: dict[str, Any], index: int, out: Path, *, force: bool = False) -> TaskResult | None:
    """Grade item ``index`` of a manifest into ``out`` (exactly as a batch would); None if unchanged."""
    options = manifest["options"]
    lang = options.get("lang", "en")
    _ = gettext_for(lang)
    items = manifest["items"]
    if not 0 <= index < len(items):
        raise UsageError(
            _("index {index} is out of range: the manifest lists {n} submissions (0 to {last})").format(
                index=index, n=len(items), last=len(items) - 1
            )
        )
    item = items[index]
    if safe_id(str(item.get("student", "")))[0] != item.get("student"):
        raise UsageError(
            _("{path}: item {index} has an unsafe student id").format(
                path=manifest.get("path", "manifest"), index=index
            )
        )
    assignment, spec_files, discovery = plan(
        Path(manifest["assignment"]), Path(manifest["submissions"]), lang=lang, only=item["sources"]
    )
    found = next((f for f in discovery.submissions if tuple(f.sources) == tuple(item["sources"])), None)
    if found is None:
        found = Found(
            student=item["student"],
            layout=item["layout"],
            sources=tuple(item["sources"]),
            problem=_("the submission is no longer in {path}").format(path=manifest["submissions"]),
        )
    found.student = item["student"]  # the id the whole class was given (collisions were settled then)
    if found.problem is not None:
        done = problem_result(assignment, found, options)
    else:
        task = make_task(found.student, spec_files, found.files, options)
        if not force and stored_key(out, found.student) == task.key:
            return None
        done = run_pooled_task(task)
    write_result(out, done)
    return done

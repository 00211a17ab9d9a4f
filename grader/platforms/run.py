"""One submission inside a platform's container: grade it and always leave a results file.

Whatever happens (a broken assignment folder, a missing interpreter, a bug of ours), the
platform gets a ``results.json`` that says what went wrong: a platform that finds no file
shows the student a bare "autograder failed", and a silent zero is worse.

Inside such containers a new network namespace is usually refused (Docker's default seccomp
profile forbids ``unshare`` without ``CAP_SYS_ADMIN``). That is a normal mode: scenarios then
run one after another on the container's own loopback, and the results say so.
"""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path
from typing import Any

from grader.grade import GradeOptions, Isolation, grade
from grader.platforms import gradescope, prairielearn
from grader.platforms.layout import Layout, Platform, layout
from grader.results.models import GradeResult, write_atomic
from grader.sandbox.host import choose_mode
from grader.spec.load import load_assignment


def student_name(where: Layout, platform: Platform) -> str:
    """A name for reports: Gradescope's submission metadata when present."""
    try:
        meta = json.loads(where.metadata.read_text(encoding="utf-8")) if where.metadata else {}
        if platform == "gradescope":
            users = meta.get("users") or []
            if users and users[0].get("name"):
                return str(users[0]["name"])
    except (OSError, ValueError, AttributeError):
        pass
    return "submission"


def grade_in_platform(
    platform: Platform, where: Layout, lang: str, isolation: Isolation = "auto", python: str | None = None
) -> GradeResult:
    assignment = load_assignment(where.assignment)
    if not where.submission.is_dir():
        raise FileNotFoundError(f"the platform gave no submission folder at {where.submission}")
    mode, _note = choose_mode(isolation)  # type: ignore[arg-type]  # platforms are Linux containers
    # On the container's own loopback, one scenario at a time: no two student programs ever
    # compete for a port, and a fixed-port scenario finds the port as the previous one left it.
    options = GradeOptions(isolation=isolation, lang=lang, python=python, parallel=1 if mode == "host" else 0)
    result = grade(assignment, where.submission, student_name(where, platform), options)
    if result.run.isolation == "host":
        result.run.containment.one_at_a_time = True
    return result


def render(platform: Platform, result: GradeResult, lang: str) -> dict[str, Any]:
    if platform == "gradescope":
        return gradescope.results(result, lang)
    return prairielearn.results(result, lang)


def render_failure(platform: Platform, reason: str, lang: str, elapsed: float) -> dict[str, Any]:
    if platform == "gradescope":
        return gradescope.failure(reason, lang, execution_time=elapsed)
    return prairielearn.failure(reason, lang)


def platform_run(
    platform: Platform,
    root: Path,
    lang: str = "en",
    isolation: Isolation = "auto",
    python: str | None = None,
    debug: bool = False,
) -> tuple[dict[str, Any], Path]:
    """Grade the platform's submission and write its results file; return what was written.

    Never raises for a failure of grading: the failure is the content of the file.
    """
    where = layout(platform, root)
    started = time.monotonic()
    try:
        result = grade_in_platform(platform, where, lang, isolation, python)
        doc = render(platform, result, lang)
    except Exception as exc:  # everything: the platform must get a file that explains
        reason = _reason(exc)
        if debug:
            traceback.print_exc()
        doc = render_failure(platform, reason, lang, time.monotonic() - started)
    where.results.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(where.results, json.dumps(doc, ensure_ascii=False, indent=1))
    return doc, where.results


def _reason(exc: BaseException) -> str:
    from grader.spec.load import SpecError

    if isinstance(exc, SpecError):
        return f"the assignment's spec is invalid: {exc}"
    if isinstance(exc, FileNotFoundError | RuntimeError | OSError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"

"""Proving an assignment: its reference gets full marks, its buggy submissions lose what they should.

``grader validate`` reads an assignment's spec and ``manifest.yaml``, grades the reference
several times (a check that passes only sometimes is a flaky check) and every buggy submission
once, all at the same time, and compares what each lost with what the manifest says it must
lose. A scenario that no buggy submission loses is a check nothing proves can fail.

Everything here is data: :class:`AssignmentReport` says what happened; the command renders it.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.grade import GradeOptions, Isolation, grade_async
from grader.results.models import GradeResult, ScenarioResult
from grader.spec.load import SPEC_FILE, SpecError, load_assignment
from grader.spec.manifest import UNRECOGNISED, Manifest, load_manifest, resolve
from grader.spec.models import Assignment

EPSILON = 1e-9


@dataclass
class ValidateOptions:
    isolation: Isolation = "auto"
    lang: str = "en"
    python: str | None = None
    runs: int | None = None
    """Reference runs, overriding the manifest's ``reference_runs``."""
    jobs: int = 0
    """Submissions graded at once (0: four per core; runs mostly wait on sockets)."""
    strict: bool = False
    """Untested scenarios (no buggy submission loses them) make validation fail."""


@dataclass
class RunCheck:
    """One graded submission and what the manifest expected of it."""

    label: str
    """The submission's file name, as the report shows it."""
    submission: Path
    expected: list[str]
    """Scenario ids it must lose (empty for the reference)."""
    why: str = ""
    cause: str | None = None
    """The cause the manifest says the grader must name (``None``: not checked)."""
    reference_run: int = 0
    """1, 2, ... for runs of the reference; 0 for a buggy submission."""
    lost: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Grader errors: a scenario not gradable, or the whole submission not graded."""
    result: GradeResult | None = None

    @property
    def unexpectedly_passed(self) -> list[str]:
        return [s for s in self.expected if s not in self.lost]

    @property
    def unexpectedly_lost(self) -> list[str]:
        return [s for s in self.lost if s not in self.expected]

    @property
    def named_cause(self) -> str:
        """The cause the grader named for the first scenario this submission failed."""
        return first_cause(self.result) if self.result is not None else UNRECOGNISED

    @property
    def wrong_cause(self) -> bool:
        return self.cause is not None and self.result is not None and self.named_cause != self.cause

    @property
    def ok(self) -> bool:
        return (
            self.result is not None
            and not self.errors
            and set(self.lost) == set(self.expected)
            and not self.wrong_cause
        )

    def scenario(self, scenario_id: str) -> ScenarioResult | None:
        if self.result is None:
            return None
        return next((s for s in self.result.scenarios if s.id == scenario_id), None)


@dataclass
class AssignmentReport:
    folder: Path
    assignment: Assignment | None = None
    manifest: Manifest | None = None
    problems: list[str] = field(default_factory=list)
    """Why the spec or manifest could not be used (``file:line: field: problem``)."""
    reference: list[RunCheck] = field(default_factory=list)
    buggy: list[RunCheck] = field(default_factory=list)
    reference_stopped: int = 0
    """Reference runs not made (or cut short) because an earlier one failed: one failure says it."""
    duration: float = 0.0

    @property
    def id(self) -> str:
        return self.assignment.id if self.assignment else self.folder.name

    @property
    def untested(self) -> list[str]:
        """Scenarios no buggy submission lost: nothing shows that these checks can fail."""
        if self.assignment is None:
            return []
        lost = {s for run in self.buggy for s in run.lost}
        return [s.id for s in self.assignment.scenarios if s.id not in lost]

    def reference_stderr(self) -> tuple[str, str] | None:
        """The first failed reference run's error output, and the scenario it came from.

        A reference that fails usually fails with a traceback, and the judge shows only its
        first characters; the teacher needs all of it, once.
        """
        failed = next((run for run in self.reference if not run.ok and run.result is not None), None)
        if failed is None or failed.result is None:
            return None
        lost = [s for s in failed.result.scenarios if s.id in failed.lost or s.status == "not_gradable"]
        for scenario in lost + failed.result.scenarios:
            if scenario.outcome is not None and scenario.outcome.stderr.strip():
                return scenario.id, scenario.outcome.stderr.decode("utf-8", "replace")
        return None

    @property
    def runs_ok(self) -> bool:
        return all(run.ok for run in [*self.reference, *self.buggy])

    def exit_code(self, strict: bool = False) -> int:
        """2: spec or manifest unusable; 1: an expectation failed; 0: proven."""
        if self.problems:
            return 2
        if not self.runs_ok or (strict and self.untested):
            return 1
        return 0


def find_assignments(path: Path) -> list[Path]:
    """``path`` itself if it holds an assignment, else every sub-folder that holds one."""
    if (path / SPEC_FILE).is_file() or path.is_file():
        return [path.parent if path.is_file() else path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.iterdir() if (p / SPEC_FILE).is_file())


def first_cause(result: GradeResult) -> str:
    """The cause shown for the first failed scenario, or ``unrecognised``."""
    failed = next((s for s in result.scenarios if s.status == "failed"), None)
    cause = failed.cause if failed is not None else None
    return cause.code.value if cause is not None else UNRECOGNISED


def lost_scenarios(result: GradeResult) -> tuple[list[str], list[str]]:
    """The scenarios without full points, and grader errors (which prove nothing either way)."""
    if result.status == "not_graded":
        return [], [f"not graded: {result.not_graded_reason}"]  # English: a log line for teachers
    lost, errors = [], []
    for scenario in result.scenarios:
        if scenario.status == "not_gradable":
            first = str(scenario.message) if scenario.message else ""
            errors.append(f"{scenario.id}: {first or 'not gradable'}")
        elif scenario.status != "passed" or scenario.score < scenario.max_score - EPSILON:
            lost.append(scenario.id)
    return lost, errors


def prepare_report(folder: Path, runs: int | None = None, lang: str = "en") -> AssignmentReport:
    """Load spec and manifest and list the runs to make; problems end up in ``problems``."""
    report = AssignmentReport(folder=folder)
    try:
        report.assignment = load_assignment(folder)
        report.manifest = load_manifest(folder, report.assignment)
    except SpecError as exc:
        report.problems = exc.lines(lang)
        return report
    manifest = report.manifest
    reference = resolve(folder, manifest.reference)
    count = runs or manifest.reference_runs
    report.reference = [
        RunCheck(label=reference.name, submission=reference, expected=[], reference_run=n + 1)
        for n in range(count)
    ]
    report.buggy = [
        RunCheck(
            label=Path(b.submission).name,
            submission=resolve(folder, b.submission),
            expected=list(b.loses),
            why=b.why,
            cause=b.cause,
        )
        for b in manifest.buggy
    ]
    return report


async def _grade_into(
    check: RunCheck, assignment: Assignment, options: ValidateOptions, slots: asyncio.Semaphore
) -> None:
    async with slots:
        try:
            result = await grade_async(
                assignment,
                check.submission,
                Path(check.label).stem,
                GradeOptions(isolation=options.isolation, lang=options.lang, python=options.python),
            )
        except Exception as exc:  # e.g. namespaces demanded but unavailable: report, keep going
            check.errors = [f"grading failed: {type(exc).__name__}: {exc}"]
            return
    check.result = result
    check.lost, check.errors = lost_scenarios(result)


async def _grade_reference(
    report: AssignmentReport, assignment: Assignment, options: ValidateOptions, slots: asyncio.Semaphore
) -> None:
    """Grade the reference's runs, stopping at the first that fails.

    The first run goes alone: a broken reference (the usual case while a spec is written)
    then fails once, not once per run. Once it passes, the others run at once, as a check
    that passes only sometimes shows best under load; the first of them to fail cancels the
    rest. Runs not made are counted in ``reference_stopped``, not shown.
    """
    if not report.reference:
        return
    first, *rest = report.reference
    await _grade_into(first, assignment, options, slots)
    made = [first]
    if first.ok and rest:
        tasks = {asyncio.ensure_future(_grade_into(c, assignment, options, slots)): c for c in rest}
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            made += [tasks[t] for t in done]
            if any(not tasks[t].ok for t in done):
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                break
    report.reference_stopped = len(report.reference) - len(made)
    report.reference = sorted(made, key=lambda c: c.reference_run)


async def validate_async(
    folders: Sequence[Path],
    options: ValidateOptions | None = None,
    on_done: Callable[[AssignmentReport], None] | None = None,
) -> list[AssignmentReport]:
    """Validate every assignment folder; all runs of all folders share one pool of slots."""
    options = options or ValidateOptions()
    reports = [prepare_report(folder, options.runs, options.lang) for folder in folders]
    slots = asyncio.Semaphore(options.jobs or 4 * (os.cpu_count() or 2))

    async def one(report: AssignmentReport) -> None:
        started = time.monotonic()
        if report.assignment is not None:
            async with asyncio.TaskGroup() as group:
                group.create_task(_grade_reference(report, report.assignment, options, slots))
                for check in report.buggy:
                    group.create_task(_grade_into(check, report.assignment, options, slots))
        report.duration = round(time.monotonic() - started, 3)
        if on_done is not None:
            on_done(report)

    async with asyncio.TaskGroup() as group:
        for report in reports:
            group.create_task(one(report))
    return reports


def validate(
    folders: Sequence[Path],
    options: ValidateOptions | None = None,
    on_done: Callable[[AssignmentReport], None] | None = None,
) -> list[AssignmentReport]:
    """Synchronous entry point (one event loop)."""
    return asyncio.run(validate_async(folders, options, on_done))


def exit_code(reports: Sequence[AssignmentReport], strict: bool = False) -> int:
    return max((r.exit_code(strict) for r in reports), default=0)

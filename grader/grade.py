"""Grading one submission: run every scenario (respecting dependencies), judge, collect.

Scenarios run at the same time (each in its own namespace, or serialised per fixed port on
the host network), dependent ones too; a scenario whose dependency failed is stopped if it
had started and is reported as skipped because of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from grader import __version__
from grader.judge.scenario import judge_scenario, skipped
from grader.messages import Message, msg
from grader.messages.codes import Code
from grader.outcome import IsolationMode, Outcome
from grader.results.bounded import bound_scenarios
from grader.results.models import GradeResult, RunInfo, ScenarioResult
from grader.run.context import RunContext
from grader.run.scenario import run_scenario
from grader.sandbox.platform_caps import Requested, choose_isolation
from grader.spec.models import Assignment, Scenario, spec_hash
from grader.submission.files import NotGradable, prepare

Isolation = Requested
T = TypeVar("T")
STUDENT_UID = 65534  # "nobody": a student process as root could change anything


@dataclass
class GradeOptions:
    isolation: Isolation = "auto"
    lang: str = "en"
    """The language the result is first shown in (it holds codes, so any renderer can pick another)."""
    python: str | None = None
    parallel: int = 0
    """Scenarios of one submission at once; 0: three per core (they mostly wait on the network)."""
    speculate: bool = True
    """Start a scenario before its dependencies have passed (see :func:`_run_all`)."""
    drop_privileges: bool = True
    on_scenario: Callable[[ScenarioResult], None] | None = field(default=None, repr=False)


def resolve_python(requested: str | None = None, mode: IsolationMode = "namespace") -> str:
    """The interpreter that runs students, as a real path (a version-manager shim costs ~90 ms).

    The Linux modes prefer the system's ``/usr/bin/python3`` (fast to start, the one a
    sandbox shows); portable mode the one the student grades with, which is the one they
    use (``sys.executable``, else Windows' ``py`` launcher). Found once per environment: the
    answer is cached with the ``GRADER_PYTHON`` and ``PATH`` it was found under, so a
    resident checker's child serving another client's environment finds it again by itself.
    """
    return _resolve_python(requested, mode, os.environ.get("GRADER_PYTHON"), os.environ.get("PATH"))


@cache
def _resolve_python(
    requested: str | None, mode: IsolationMode, env_python: str | None, path: str | None
) -> str:
    system = ["py"] if sys.platform == "win32" else ["python3"]
    default = [sys.executable, *system] if mode == "portable" else ["/usr/bin/python3", sys.executable]
    candidates = [requested] if requested else [env_python, *default]
    for candidate in candidates:
        if not candidate:
            continue
        found = shutil.which(candidate, path=path)
        if found:
            return os.path.realpath(found)
    raise FileNotFoundError(f"no Python interpreter found at {requested or 'python3'}")


@cache
def python_version(python: str) -> str:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return out.stdout.strip() or platform.python_version()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@contextlib.asynccontextmanager
async def _port_lock(port: int) -> AsyncIterator[None]:
    """Host mode only: one scenario at a time on a fixed port, across processes too."""
    import fcntl

    from grader.sandbox.locks import open_lock

    fd = open_lock(f"port-{port}.lock")  # private to the grader's user: no stranger can hold it
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def not_graded(assignment: Assignment, student: str, why: Message, lang: str = "en") -> GradeResult:
    return GradeResult(
        assignment=assignment.id,
        assignment_title=assignment.title,
        student=student,
        score=0,
        max_score=assignment.max_score,
        status="not_graded",
        not_graded_reason=why,
        run=RunInfo(
            grader_version=__version__,
            spec_hash=spec_hash(assignment),
            lang=lang,
            started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        ),
    )


async def grade_async(
    assignment: Assignment, submission: Path, student: str, options: GradeOptions | None = None
) -> GradeResult:
    options = options or GradeOptions()
    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    mode, containment = choose_isolation(options.isolation)
    try:
        prepared = await asyncio.to_thread(prepare, submission, assignment)
    except NotGradable as exc:
        return not_graded(assignment, student, exc.reason, options.lang)
    python = resolve_python(options.python, mode)
    # Asking the interpreter its version costs a process start: do it while scenarios run.
    version = asyncio.ensure_future(asyncio.to_thread(python_version, python))
    root = mode != "portable" and os.geteuid() == 0  # portable mode changes no identity
    uid = STUDENT_UID if options.drop_privileges and root else None
    ctx = RunContext(
        assignment=assignment,
        submission=prepared.folder,
        entry=prepared.entry,
        mode=mode,
        python=python,
        student_uid=uid,
    )
    try:
        results = await _run_all(ctx, assignment, mode, options)
    finally:
        prepared.cleanup()
    scenarios = [results[s.id] for s in assignment.scenarios]
    bound_scenarios(scenarios, assignment.limits.result_bytes)
    python_release = await version
    return GradeResult(
        assignment=assignment.id,
        assignment_title=assignment.title,
        student=student,
        score=round(sum(s.score for s in scenarios), 6),
        max_score=assignment.max_score,
        scenarios=scenarios,
        run=RunInfo(
            isolation=mode,
            containment=containment,
            python=python_release,
            grader_version=__version__,
            spec_hash=spec_hash(assignment),
            started_at=started_at,
            duration=round(time.monotonic() - started, 4),
            lang=options.lang,
        ),
    )


async def _run_all(
    ctx: RunContext, assignment: Assignment, mode: IsolationMode, options: GradeOptions
) -> dict[str, ScenarioResult]:
    results: dict[str, ScenarioResult] = {}
    done = {s.id: asyncio.Event() for s in assignment.scenarios}
    slots = asyncio.Semaphore(options.parallel or 3 * (os.cpu_count() or 2))
    port = assignment.network.port
    fixed = port if mode == "host" and isinstance(port, int) else None
    runner = None
    if mode == "portable":
        from grader.run.portable import PortableRun, needs_turns, port_turn

        fixed, runner = needs_turns(assignment), PortableRun
    # Every scenario runs its own copy of the program, so a dependency is only about what
    # to report: a scenario may start before its dependencies end, and is cancelled (and
    # reported as skipped) if one of them fails. A correct submission then takes as long as
    # its slowest scenario, not the sum of a chain. Where scenarios share one fixed port
    # they run one at a time anyway, and running a doomed one first would only waste time.
    speculate = options.speculate and fixed is None

    async def outcome_of(scenario: Scenario) -> Outcome:
        async with slots:
            if not fixed:
                lock: contextlib.AbstractAsyncContextManager[None] = contextlib.nullcontext()
            else:
                lock = port_turn(fixed) if mode == "portable" else _port_lock(fixed)
            async with lock:
                return await run_scenario(ctx, scenario, runner)

    async def one(scenario: Scenario) -> None:
        early = asyncio.ensure_future(outcome_of(scenario)) if speculate and scenario.depends_on else None
        try:
            failed_dep = None
            for dep in scenario.depends_on:
                await done[dep].wait()
                if results[dep].status != "passed":
                    failed_dep = dep
                    break
            if failed_dep is not None:
                if early is not None:
                    early.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await early
                results[scenario.id] = skipped(scenario, failed_dep, results[failed_dep].title)
            else:
                outcome = await (early if early is not None else outcome_of(scenario))
                results[scenario.id] = _judge_safely(scenario, outcome)
            if options.on_scenario is not None:
                options.on_scenario(results[scenario.id])
        finally:
            if early is not None and not early.done():
                early.cancel()
            done[scenario.id].set()

    async with asyncio.TaskGroup() as group:
        # Longest waits first, so the slowest scenario does not start last and set the pace.
        for scenario in sorted(assignment.scenarios, key=scripted_wait, reverse=True):
            group.create_task(one(scenario))
    return results


def scripted_wait(scenario: Scenario) -> float:
    """Seconds a scenario spends in the spec's own pauses and delays (its least possible time)."""
    total = 0.0
    for step in scenario.steps:
        if step.action == "pause":
            total += step.seconds
        elif step.action == "send" and step.delay:
            pieces = len(step.chunks) + 1 if isinstance(step.chunks, list) else (step.chunks or 1)
            total += step.delay * max(0, pieces - 1)
    return total


def _judge_safely(scenario: Scenario, outcome: Outcome) -> ScenarioResult:
    """Judge, and turn a bug of the judge into "not gradable" rather than a student's zero."""
    try:
        return judge_scenario(scenario, outcome)
    except Exception as exc:  # a grader bug must never cost the student points or the batch
        why = msg(Code.JUDGING_FAILED, error=f"{type(exc).__name__}: {exc}")
        return judge_scenario(scenario, outcome.model_copy(update={"grader_error": why}))


def grade(
    assignment: Assignment, submission: Path, student: str, options: GradeOptions | None = None
) -> GradeResult:
    """Synchronous entry point: one event loop per call."""
    return run_returning(grade_async(assignment, submission, student, options))


def run_returning(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, but the main task's own result stays ``None``.

    When ``asyncio.run`` restores the SIGINT handler it formats the repr of its main task,
    result included: for a GradeResult holding megabytes of transcript that cost tens of ms.
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]

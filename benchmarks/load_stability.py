"""Scores must not depend on load: grade the whole submission set many times at once, far more
jobs than cores, with CPU burners beside it, and count submissions with more than one result.

Every assignment's reference and every buggy submission of its manifest is graded ``--copies``
times, ``--jobs`` gradings at a time in one process (one event loop: the grader's own loop is
loaded too), while ``--burners`` processes spin on the CPU at the grader's priority.

    python benchmarks/load_stability.py --copies 3 --jobs 32 --burners 2

Prints one line per submission that got more than one result (with the results) and a
summary; exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.commands.validate_checks import find_assignments, prepare_report
from grader.grade import GradeOptions, grade_async
from grader.results.models import GradeResult


def signature(result: GradeResult) -> str:
    """What must be the same every time: the score and each scenario's status."""
    return f"{result.score:g} " + " ".join(f"{s.id}={s.status}" for s in result.scenarios)


async def grade_everything(copies: int, jobs: int) -> dict[str, Counter[str]]:
    reports = [prepare_report(folder, runs=1) for folder in find_assignments(ROOT / "assignments")]
    slots = asyncio.Semaphore(jobs)
    seen: dict[str, Counter[str]] = defaultdict(Counter)

    async def one(assignment, submission: Path) -> None:  # type: ignore[no-untyped-def]
        async with slots:
            result = await grade_async(assignment, submission, submission.stem, GradeOptions())
        seen[f"{assignment.id}/{submission.name}"][signature(result)] += 1

    work = [
        one(report.assignment, check.submission)
        for report in reports
        if report.assignment is not None
        for check in [*report.reference, *report.buggy]
        for _ in range(copies)
    ]
    await asyncio.gather(*work)
    return seen


def burn(count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def run(copies: int, jobs: int, burners: int) -> dict[str, Counter[str]]:
    spinning = burn(burners)
    try:
        return asyncio.run(grade_everything(copies, jobs))
    finally:
        for process in spinning:
            process.kill()
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=16 * (os.cpu_count() or 2))
    parser.add_argument("--burners", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", type=Path, help="write every submission's results here")
    args = parser.parse_args()
    started = time.monotonic()
    seen = run(args.copies, args.jobs, args.burners)
    seconds = time.monotonic() - started
    unstable = {name: results for name, results in seen.items() if len(results) > 1}
    for name, results in sorted(unstable.items()):
        print(f"{name}: {len(results)} results")
        for sig, n in results.most_common():
            print(f"  {n}x {sig}")
    gradings = sum(sum(r.values()) for r in seen.values())
    print(
        f"{len(seen)} submissions x {args.copies} = {gradings} gradings, {args.jobs} at a time, "
        f"{args.burners} burners, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}: "
        f"{len(unstable)} with more than one result, {seconds:.0f} s"
    )
    if args.json:
        args.json.write_text(json.dumps({k: dict(v) for k, v in seen.items()}, indent=1))
    return 1 if unstable else 0


if __name__ == "__main__":
    sys.exit(main())

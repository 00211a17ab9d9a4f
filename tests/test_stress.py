"""Parallel stress: a fixed-port assignment (127.0.0.1:8080) graded many times at once.

Workers grade the same two submissions over and over; a flaky result is any grading whose
score differs from that submission's expected score. The full run (8 workers x 50 runs) is
marked slow; a small one runs with every test session.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from conftest import ROOT

from grader.grade import GradeOptions, grade_async
from grader.render.words import feedback_text
from grader.spec.load import load_assignment

FIXED = ROOT / "tests" / "fixed_port"
EXPECTED = {"good_server.py": 6.0, "upper_server.py": 1.0}


@dataclass
class StressReport:
    runs: int = 0
    scenarios: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    scores: Counter[tuple[str, float]] = field(default_factory=Counter)

    def summary(self) -> str:
        return (
            f"{self.runs} gradings ({self.scenarios} scenarios) in {self.seconds:.1f} s, "
            f"{len(self.failures)} flaky; scores {dict(self.scores)}"
        )


def stress(workers: int, runs: int, isolation: str) -> StressReport:
    """``workers`` concurrent gradings, each worker grading ``runs`` times in a row."""
    spec = load_assignment(FIXED)
    report = StressReport()
    names = sorted(EXPECTED)

    async def worker(w: int) -> None:
        for r in range(runs):
            name = names[(w + r) % len(names)]
            result = await grade_async(
                spec, FIXED / name, f"w{w}r{r}", GradeOptions(isolation=isolation, parallel=2)
            )  # type: ignore[arg-type]
            report.runs += 1
            report.scenarios += len(result.scenarios)
            report.scores[(name, result.score)] += 1
            if result.status != "graded" or result.score != EXPECTED[name]:
                lost = [
                    (s.id, s.status, feedback_text(s)[:200]) for s in result.scenarios if s.status != "passed"
                ]
                report.failures.append(f"{name} w{w} r{r}: {result.score} {lost}")

    async def all_workers() -> None:
        await asyncio.gather(*(worker(w) for w in range(workers)))

    started = time.monotonic()
    asyncio.run(all_workers())
    report.seconds = time.monotonic() - started
    return report


@pytest.mark.root
def test_small_stress_in_namespaces() -> None:
    report = stress(8, 3, "namespace")
    print(report.summary())
    assert report.runs == 24
    assert report.failures == []


def test_small_stress_on_the_host_network() -> None:
    """Host mode: every scenario waits its turn for port 8080, and none fails for it."""
    report = stress(4, 2, "host")
    print(report.summary())
    assert report.runs == 8
    assert report.failures == []


@pytest.mark.slow
@pytest.mark.root
def test_full_stress_in_namespaces() -> None:
    report = stress(8, 50, "namespace")
    print(report.summary())
    assert report.runs == 400
    assert report.failures == []


def main(argv: list[str] | None = None) -> None:
    """``python tests/test_stress.py [WORKERS RUNS [MODE]]``: print the numbers."""
    import sys

    args = argv if argv is not None else sys.argv[1:]
    workers, runs = (int(args[0]), int(args[1])) if len(args) >= 2 else (8, 50)
    mode = args[2] if len(args) >= 3 else "namespace"
    report = stress(workers, runs, mode)
    print(f"{workers} workers x {runs} runs, {mode}: {report.summary()}")
    for failure in report.failures[:20]:
        print("  ", failure)


if __name__ == "__main__":
    main()

"""The grader's speed, measured in one run: ``python benchmarks/bench.py`` (add ``--quick``).

1. Overhead ratio: ``grader check`` of a correct hello-client and echo-server against the
   floor (the same student program run as many times by a bare loop, benchmarks/floor.py).
2. A hand-written harness (benchmarks/handwritten/, plain pytest) against the same floor.
3. Batch throughput: a generated class of 200 submissions, ``--jobs 1`` and ``--jobs 2``.
4. A hanging submission: its time is bounded by the spec's timeouts.
Medians of several runs; every figure goes to benchmarks/RESULTS.md by hand, with this command.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from floor import echo_server_floor, hello_client_floor  # noqa: E402

STUDENT_PYTHON = os.path.realpath(shutil.which("python3", path="/usr/bin") or sys.executable)
GRADER = [os.path.realpath(sys.executable), "-m", "grader"]
"""The real interpreter, not a version-manager shim on PATH (a shim adds ~90 ms a start)."""


def median_time(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


def grader_check(assignment: str, submission: str) -> None:
    result = run([*GRADER, "check", f"assignments/{assignment}", submission, "--lang", "en"])
    if result.returncode != 0 or "Score: 10/10" not in result.stdout:
        raise SystemExit(f"grader check failed:\n{result.stdout}\n{result.stderr}")


def overhead(runs: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    hello = ROOT / "reference/hello-client/client.py"
    echo = ROOT / "reference/echo-server/server.py"
    figures["hello_floor"] = statistics.median(hello_client_floor(STUDENT_PYTHON, hello) for _ in range(runs))
    figures["hello_check"] = median_time(lambda: grader_check("hello-client", str(hello)), runs)
    figures["echo_floor"] = statistics.median(echo_server_floor(STUDENT_PYTHON, echo) for _ in range(runs))
    figures["echo_check"] = median_time(lambda: grader_check("echo-server", str(echo)), runs)
    figures["hello_in_process"] = in_process("hello-client", hello, runs)
    figures["echo_in_process"] = in_process("echo-server", echo, runs)
    env = {**os.environ, "CLIENT": str(hello), "STUDENT_PYTHON": STUDENT_PYTHON}
    figures["hello_handwritten"] = median_time(
        lambda: run(
            [
                os.path.realpath(sys.executable),
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "benchmarks/handwritten/test_hello_client.py",
            ],
            env=env,
        ),
        runs,
    )
    figures["grader_start"] = median_time(lambda: run([*GRADER, "--version"]), runs)
    figures["python_start"] = median_time(lambda: run([STUDENT_PYTHON, "-c", "pass"]), runs)
    return figures


def in_process(assignment: str, submission: Path, runs: int) -> float:
    """``grade()`` in a process that has already imported the grader (a batch worker's view)."""
    from grader.grade import GradeOptions, grade
    from grader.spec_yaml import load_assignment

    spec = load_assignment(ROOT / "assignments" / assignment)
    grade(spec, submission, "warm-up", GradeOptions(lang="en"))
    return median_time(lambda: grade(spec, submission, "bench", GradeOptions(lang="en")), runs)


def make_class(folder: Path, size: int, seed: int = 7) -> dict[str, int]:
    """A class of ``size`` hello-client submissions: correct, buggy, crashing and hanging."""
    rng = random.Random(seed)
    correct = (ROOT / "reference/hello-client/client.py").read_text()
    buggy = sorted((ROOT / "tests/submissions/hello-client").glob("*.py"))
    buggy = [p for p in buggy if p.stem != "never-exits"]
    hanging = (ROOT / "tests/submissions/hello-client/never-exits.py").read_text()
    crashing = "import socket\nraise RuntimeError('not finished yet')\n"
    kinds = {"correct": 0, "buggy": 0, "crashing": 0, "hanging": 0}
    for i in range(size):
        roll = rng.random()
        kind = (
            "hanging" if roll < 0.03 else "crashing" if roll < 0.13 else "buggy" if roll < 0.43 else "correct"
        )
        text = {
            "correct": correct,
            "crashing": crashing,
            "hanging": hanging,
            "buggy": rng.choice(buggy).read_text() if kind == "buggy" else "",
        }[kind]
        # A comment makes each file unique, as real submissions are (no cache can share work).
        (folder / f"student{i:03d}.py").write_text(f"# student {i}\n{text}")
        kinds[kind] += 1
    return kinds


def batch(size: int, jobs_list: list[int]) -> dict[str, object]:
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        klass = Path(tmp) / "class"
        klass.mkdir()
        figures["class"] = make_class(klass, size)
        scores: dict[int, dict] = {}
        for jobs in jobs_list:
            out = Path(tmp) / f"out-{jobs}"
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            result = run(
                [
                    *GRADER,
                    "batch",
                    "assignments/hello-client",
                    str(klass),
                    "--out",
                    str(out),
                    "--jobs",
                    str(jobs),
                    "--no-progress",
                    "--lang",
                    "en",
                ]
            )
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if result.returncode != 0:
                raise SystemExit(f"batch failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            figures[f"jobs{jobs}"] = {
                "wall_s": round(wall, 2),
                "per_s": round(size / wall, 2),
                "cpu_s": round(cpu, 1),
                "cpu_use": round(cpu / wall / (os.cpu_count() or 1), 2),
                "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
            }
            scores[jobs] = {
                p.parent.name: json.loads(p.read_text())["score"] for p in out.glob("*/results.json")
            }
        if len(jobs_list) > 1:
            first, last = jobs_list[0], jobs_list[-1]
            figures["speedup"] = round(
                figures[f"jobs{first}"]["wall_s"] / figures[f"jobs{last}"]["wall_s"], 2
            )
            figures["identical_scores"] = all(scores[j] == scores[first] for j in jobs_list)
    return figures


def hanging(runs: int) -> dict[str, float]:
    never = "tests/submissions/hello-client/never-exits.py"
    started = time.perf_counter()
    for _ in range(runs):
        run([*GRADER, "check", "assignments/hello-client", never])
    return {"hello_never_exits_s": round((time.perf_counter() - started) / runs, 2), "bound_s": 5.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, a class of 40")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--class-size", type=int, default=None)
    parser.add_argument("--no-batch", action="store_true", help="skip the 200-submission batch")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 7)
    size = args.class_size or (40 if args.quick else 200)
    print(f"machine: {os.cpu_count()} cores; student python {STUDENT_PYTHON}; grader python {GRADER[0]}")
    o = overhead(runs)
    print(f"\n1-2. one submission (median of {runs})")
    for name in ("hello", "echo"):
        floor, check = o[f"{name}_floor"], o[f"{name}_check"]
        warm = o[f"{name}_in_process"]
        print(f"  {name}: floor {floor:.3f} s, grader check {check:.3f} s, ratio {check / floor:.2f}x; "
              f"grading alone (grader already loaded) {warm:.3f} s, ratio {warm / floor:.2f}x")
    print(
        f"  hello hand-written pytest harness {o['hello_handwritten']:.3f} s, "
        f"ratio {o['hello_handwritten'] / o['hello_floor']:.2f}x"
    )
    print(
        f"  start-up: grader --version {o['grader_start']:.3f} s, python3 -c pass {o['python_start']:.3f} s"
    )
    h = hanging(1 if args.quick else 3)
    print(
        f"\n4. hanging submission: {h['hello_never_exits_s']} s per check "
        f"(spec step timeout {h['bound_s']} s)"
    )
    if args.no_batch:
        print("\nJSON: " + json.dumps({"overhead": o, "hanging": h}))
        return
    b = batch(size, [1, 2])
    print(f"\n3. batch of {size} {b['class']}")
    for jobs in (1, 2):
        f = b[f"jobs{jobs}"]
        print(
            f"  --jobs {jobs}: {f['wall_s']} s, {f['per_s']} submissions/s, CPU {f['cpu_s']} s "
            f"({f['cpu_use']:.0%} of all cores), peak RSS of one process {f['peak_rss_mb']} MB"
        )
    print(f"  speed-up 1 -> 2 jobs: {b['speedup']}x; identical scores: {b['identical_scores']}")
    print("\nJSON: " + json.dumps({"overhead": o, "hanging": h, "batch": b}))


if __name__ == "__main__":
    main()

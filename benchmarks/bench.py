"""The grader's speed, measured in one run: ``python benchmarks/bench.py`` (add ``--quick``).

The grader is installed as a user installs it: ``pip install .`` into a fresh virtual
environment (bytecode compiled, no development hooks), unless ``--here`` measures the
interpreter running this script instead.

1. Overhead ratio: ``grader check`` of a correct hello-client and echo-server against the
   floor (the same student program run as many times by a bare loop, benchmarks/floor.py),
   started cold (the first check of a session) and through the resident checker (every
   later one: ``grader check`` leaves one behind at a terminal; here ``grader daemon start``).
2. Hand-written harnesses (benchmarks/handwritten/, plain pytest, one per assignment)
   against the same floors.
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

from floor import echo_server_floor, hello_client_floor

STUDENT_PYTHON = os.path.realpath(shutil.which("python3", path="/usr/bin") or sys.executable)
GRADER = [os.path.realpath(sys.executable), "-m", "grader"]
"""The real interpreter, not a version-manager shim on PATH (a shim adds ~90 ms a start);
replaced by the virtual environment's console script in :func:`install`."""
GRADER_MODULE = list(GRADER)
"""``python -m grader``: the same grader without the console script pip writes (see below)."""
RUNTIME: list[Path] = []
"""The resident checker's folder for this run (made by :func:`main`): never a developer's own."""


def install(folder: Path) -> bool:
    """``pip install .`` into a fresh virtual environment; GRADER then runs from it."""
    venv = folder / "venv"
    made = subprocess.run(
        [os.path.realpath(sys.executable), "-m", "venv", str(venv)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode == 0:
        made = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", str(ROOT)],
            capture_output=True,
            text=True,
            check=False,
        )
    if made.returncode != 0:
        print(f"could not install into a virtual environment; measuring {GRADER[0]}\n{made.stderr[-500:]}")
        return False
    # The console script, as a user types it. pip's script imports ``re`` first (about 6 ms:
    # pypa/pip#13165; uv's does not), so ``python -m grader`` is measured too, with ``-P``: from
    # the project folder it would otherwise import the project's sources, not the package.
    GRADER[:] = [str(venv / "bin" / "grader")]
    GRADER_MODULE[:] = [str(venv / "bin" / "python"), "-P", "-m", "grader"]
    return True


def median_time(action: Callable[[], object], runs: int) -> float:
    return statistics.median(timed(action) for _ in range(runs))


def run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRADER_DAEMON": "0", **(env or {})}
    if RUNTIME:
        env["XDG_RUNTIME_DIR"] = str(RUNTIME[0])
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, env=env)


def grader_check(
    assignment: str, submission: str, resident: bool = False, grader: list[str] = GRADER
) -> None:
    result = run(
        [*grader, "check", f"assignments/{assignment}", submission, "--lang", "en"],
        env={"GRADER_DAEMON": "1" if resident else "0"},
    )
    if result.returncode != 0 or "Score: 10/10" not in result.stdout:
        raise SystemExit(f"grader check failed:\n{result.stdout}\n{result.stderr}")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def overhead(runs: int) -> dict[str, float]:
    """Floor, cold check and resident check, taken in turn in every round (the machine drifts)."""
    figures: dict[str, float] = {}
    cases = (
        ("hello", "hello-client", ROOT / "reference/hello-client/client.py", hello_client_floor),
        ("echo", "echo-server", ROOT / "reference/echo-server/server.py", echo_server_floor),
    )
    started = run([*GRADER, "daemon", "start"])
    if started.returncode != 0:
        raise SystemExit(f"grader daemon start failed:\n{started.stdout}\n{started.stderr}")
    try:
        for name, assignment, program, floor in cases:
            grader_check(assignment, str(program), resident=True)  # the first check after a start
            rounds: dict[str, list[float]] = {"floor": [], "check": [], "resident": [], "resident_module": []}
            for _ in range(runs):
                rounds["floor"].append(floor(STUDENT_PYTHON, program))
                rounds["check"].append(timed(lambda a=assignment, p=program: grader_check(a, str(p))))
                rounds["resident"].append(
                    timed(lambda a=assignment, p=program: grader_check(a, str(p), resident=True))
                )
                rounds["resident_module"].append(
                    timed(
                        lambda a=assignment, p=program: grader_check(
                            a, str(p), resident=True, grader=GRADER_MODULE
                        )
                    )
                )
            for what, times in rounds.items():
                figures[f"{name}_{what}"] = statistics.median(times)
    finally:
        run([*GRADER, "daemon", "stop"])
    hello = ROOT / "reference/hello-client/client.py"
    echo = ROOT / "reference/echo-server/server.py"
    figures["hello_in_process"] = in_process("hello-client", hello, runs)
    figures["echo_in_process"] = in_process("echo-server", echo, runs)
    env = {**os.environ, "CLIENT": str(hello), "SERVER": str(echo), "STUDENT_PYTHON": STUDENT_PYTHON}
    for name, harness in (("hello", "test_hello_client.py"), ("echo", "test_echo_server.py")):
        command = [
            os.path.realpath(sys.executable),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"benchmarks/handwritten/{harness}",
        ]
        passed = run(command, env=env)
        if passed.returncode != 0:
            raise SystemExit(f"the hand-written harness failed:\n{passed.stdout[-2000:]}")
        figures[f"{name}_handwritten"] = median_time(lambda c=command: run(c, env=env), runs)
    figures["python_start"] = median_time(lambda: run([STUDENT_PYTHON, "-c", "pass"]), runs)
    return figures


def in_process(assignment: str, submission: Path, runs: int) -> float:
    """``grade()`` in a process that has already imported the grader (a batch worker's view)."""
    from grader.grade import GradeOptions, grade
    from grader.spec.load import load_assignment

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


def batch(size: int, jobs_list: list[int], cold_jobs: int | None = None) -> dict[str, object]:
    """``grader batch`` with each number of jobs (warm workers), then cold workers for comparison."""
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        klass = Path(tmp) / "class"
        klass.mkdir()
        figures["class"] = make_class(klass, size)
        scores: dict[str, dict] = {}
        runs = [(f"jobs{jobs}", jobs, "1") for jobs in jobs_list]
        if cold_jobs:
            runs.append((f"jobs{cold_jobs}_cold", cold_jobs, "0"))
        for name, jobs, warm in runs:
            out = Path(tmp) / f"out-{name}"
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
                ],
                env={"GRADER_WARM_WORKERS": warm},
            )
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if result.returncode != 0:
                raise SystemExit(f"batch failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            figures[name] = {
                "wall_s": round(wall, 2),
                "per_s": round(size / wall, 2),
                "cpu_s": round(cpu, 1),
                "cpu_use": round(cpu / wall / (os.cpu_count() or 1), 2),
                "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
            }
            scores[name] = {
                p.parent.name: json.loads(p.read_text())["score"] for p in out.glob("*/results.json")
            }
        if len(jobs_list) > 1:
            first, last = jobs_list[0], jobs_list[-1]
            figures["speedup"] = round(
                figures[f"jobs{first}"]["wall_s"] / figures[f"jobs{last}"]["wall_s"], 2
            )
            figures["identical_scores"] = all(found == scores[f"jobs{first}"] for found in scores.values())
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
    parser.add_argument(
        "--here", action="store_true", help="measure this interpreter's grader, not a fresh `pip install .`"
    )
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 7)
    size = args.class_size or (40 if args.quick else 200)
    with tempfile.TemporaryDirectory(prefix="bench-install-") as folder:
        installed = not args.here and install(Path(folder))
        RUNTIME.append(Path(folder) / "runtime")
        RUNTIME[0].mkdir()
        report(args, runs, size, installed)


def report(args: argparse.Namespace, runs: int, size: int, installed: bool) -> None:
    how = "installed with pip into a fresh virtual environment" if installed else "as run here"
    print(
        f"machine: {os.cpu_count()} cores; student python {STUDENT_PYTHON}; grader python {GRADER[0]} ({how})"
    )
    o = overhead(runs)
    print(f"\n1-2. one submission (median of {runs})")
    for name in ("hello", "echo"):
        floor, check, resident = o[f"{name}_floor"], o[f"{name}_check"], o[f"{name}_resident"]
        module, warm = o[f"{name}_resident_module"], o[f"{name}_in_process"]
        print(
            f"  {name}: floor {floor:.3f} s; grader check {check:.3f} s ({check / floor:.2f}x); "
            f"through the resident checker {resident:.3f} s ({resident / floor:.2f}x), "
            f"as python -m grader {module:.3f} s ({module / floor:.2f}x); "
            f"grading alone {warm:.3f} s ({warm / floor:.2f}x)"
        )
    for name in ("hello", "echo"):
        print(
            f"  {name} hand-written pytest harness {o[f'{name}_handwritten']:.3f} s, "
            f"ratio {o[f'{name}_handwritten'] / o[f'{name}_floor']:.2f}x"
        )
    print(f"  python3 -c pass: {o['python_start']:.3f} s")
    h = hanging(1 if args.quick else 3)
    print(
        f"\n4. hanging submission: {h['hello_never_exits_s']} s per check "
        f"(spec step timeout {h['bound_s']} s)"
    )
    if args.no_batch:
        print("\nJSON: " + json.dumps({"overhead": o, "hanging": h}))
        return
    b = batch(size, [1, 2], cold_jobs=2)
    print(f"\n3. batch of {size} {b['class']}")
    for name, label in (
        ("jobs1", "--jobs 1"),
        ("jobs2", "--jobs 2"),
        ("jobs2_cold", "--jobs 2, cold workers (GRADER_WARM_WORKERS=0)"),
    ):
        f = b[name]
        print(
            f"  {label}: {f['wall_s']} s, {f['per_s']} submissions/s, CPU {f['cpu_s']} s "
            f"({f['cpu_use']:.0%} of all cores), peak RSS of one process {f['peak_rss_mb']} MB"
        )
    print(f"  speed-up 1 -> 2 jobs: {b['speedup']}x; identical scores: {b['identical_scores']}")
    print("\nJSON: " + json.dumps({"overhead": o, "hanging": h, "batch": b}))


if __name__ == "__main__":
    main()

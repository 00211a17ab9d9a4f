"""A class of N hello-client submissions (correct and buggy mixed), graded by ``grader batch``.

    python benchmarks/class_throughput.py --students 1000 --jobs 0 --compare-jobs 1

generates the class in a temporary folder (every 4th student hands in one of the buggy
submissions of the manifest, the rest the reference, each with a comment of its own so that no
two files are the same), runs ``grader batch`` on it with ``--jobs`` (0: the grader's default),
and prints submissions per second, the CPU time per submission (the batch and every process it
started), and the floor: the CPU the students' own programs used (each scenario's
``cpu_seconds``, from the results). ``--compare-jobs 1`` grades the same class again with that
many jobs and checks that every student got the same score; ``--compare-students N`` does
that for the first N students only (a class of 1,000 with one job takes ten minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "hello-client"
SUBMISSIONS = ROOT / "tests" / "submissions" / "hello-client"
REFERENCE = ROOT / "reference" / "hello-client" / "client.py"


def generate(folder: Path, students: int) -> None:
    buggy = sorted(p for p in SUBMISSIONS.glob("*.py") if p.stem != "never-exits")
    for n in range(students):
        source = buggy[(n // 4) % len(buggy)] if n % 4 == 3 else REFERENCE
        student = folder / f"s{n:04d}"
        student.mkdir(parents=True)
        text = source.read_text(encoding="utf-8")
        (student / "client.py").write_text(f"# student {n}\n{text}", encoding="utf-8")


def batch(classroom: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this batch and all it started) of one ``grader batch``."""
    options = ["--out", str(out), "--no-progress", "--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(ASSIGNMENT), str(classroom), *options],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def scores(out: Path) -> tuple[dict[str, tuple[float, ...]], float]:
    """Each student's score (and each scenario's), and the CPU seconds their own programs used."""
    found: dict[str, tuple[float, ...]] = {}
    students_cpu = 0.0
    for path in out.glob("*/results.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        found[data["student"]] = (data["score"], *(s["score"] for s in data["scenarios"]))
        for scenario in data["scenarios"]:
            process = (scenario.get("outcome") or {}).get("process") or {}
            students_cpu += process.get("cpu_seconds") or 0.0
    return found, students_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--compare-jobs", type=int, default=0, help="grade again with this many jobs")
    parser.add_argument("--compare-students", type=int, default=0, help="grade again only the first N")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="grader-class-"))
    try:
        generate(work / "class", args.students)
        wall, cpu = batch(work / "class", work / "out", args.jobs)
        got, floor = scores(work / "out")
        n = len(got)
        print(
            f"{n} submissions, --jobs {args.jobs or 'default'}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.1f}: {wall:.1f} s, {n / wall:.1f} submissions/s, "
            f"CPU {cpu / n * 1000:.0f} ms a submission (students' own programs: {floor / n * 1000:.0f} ms)"
        )
        if args.compare_jobs:
            again_class = work / "class"
            if args.compare_students:
                again_class = work / "class-part"
                again_class.mkdir()
                for folder in sorted((work / "class").iterdir())[: args.compare_students]:
                    shutil.copytree(folder, again_class / folder.name)
            wall2, _ = batch(again_class, work / "out-again", args.compare_jobs)
            again, _ = scores(work / "out-again")
            differ = sorted(s for s in again if got.get(s) != again[s])
            print(
                f"--jobs {args.compare_jobs} on {len(again)} of them: {wall2:.1f} s; "
                f"{len(differ)} students scored differently"
            )
            if differ:
                for student in differ[:20]:
                    print(f"  {student}: {got.get(student)} then {again[student]}")
                    for name in ("out", "out-again"):
                        data = json.loads(
                            (work / name / student / "results.json").read_text(encoding="utf-8")
                        )
                        shown = [(s["id"], s["status"], s.get("message")) for s in data["scenarios"]]
                        print(f"    {name}: {data.get('status')} {data.get('not_graded_reason')} {shown}")
                return 1
        return 0 if n == args.students else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

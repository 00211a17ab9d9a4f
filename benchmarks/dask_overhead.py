"""Dask's cost: the same class with ``grader batch --jobs 2`` and ``--dask local:2``.

``python benchmarks/dask_overhead.py [--class-size 200] [--rounds 1]``. Both runs grade the
generated class of benchmarks/bench.py from scratch into fresh folders; the figures (wall
time, the cluster's start-up, identical gradebooks) go to benchmarks/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import GRADER, make_class, run

MODES = {"jobs2": ["--jobs", "2"], "dask_local2": ["--dask", "local:2"]}


def cluster_start() -> float:
    """Seconds to start and stop a LocalCluster of two workers, with nothing to do."""
    code = (
        "import time; t=time.perf_counter()\n"
        "from grader.batch.dask_executor import DaskExecutor\n"
        "with DaskExecutor('local:2'): pass\n"
        "print(time.perf_counter()-t)\n"
    )
    result = run([GRADER[0], "-c", code])
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1, help="alternate the two modes this many times")
    args = parser.parse_args()
    walls: dict[str, list[float]] = {m: [] for m in MODES}
    cpus: dict[str, list[float]] = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        klass = Path(tmp) / "class"
        klass.mkdir()
        kinds = make_class(klass, args.class_size)
        gradebooks: dict[str, bytes] = {}
        for r in range(args.rounds):
            for mode, flags in MODES.items():
                out = Path(tmp) / f"{mode}-{r}"
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
                        *flags,
                        "--no-progress",
                        "--lang",
                        "en",
                    ]
                )
                walls[mode].append(time.perf_counter() - started)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus[mode].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                if result.returncode != 0:
                    raise SystemExit(f"{mode} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
                gradebooks[f"{mode}-{r}"] = (out / "grades.csv").read_bytes()
    start = statistics.median(cluster_start() for _ in range(3))
    jobs, dask = statistics.median(walls["jobs2"]), statistics.median(walls["dask_local2"])
    figures = {
        "class": kinds,
        "size": args.class_size,
        "rounds": args.rounds,
        "jobs2_wall_s": round(jobs, 2),
        "dask_local2_wall_s": round(dask, 2),
        "overhead_s": round(dask - jobs, 2),
        "overhead_pct": round(100 * (dask - jobs) / jobs, 1),
        "per_submission_ms": round(1000 * (dask - jobs) / args.class_size, 1),
        "cluster_start_stop_s": round(start, 2),
        "jobs2_cpu_s": round(statistics.median(cpus["jobs2"]), 1),
        "dask_local2_cpu_s": round(statistics.median(cpus["dask_local2"]), 1),
        "identical_gradebooks": len(set(gradebooks.values())) == 1,
    }
    print(f"class of {args.class_size} {kinds}, median of {args.rounds}")
    print(
        f"  --jobs 2: {jobs:.2f} s; --dask local:2: {dask:.2f} s; overhead {dask - jobs:+.2f} s "
        f"({figures['overhead_pct']:+.1f} %, {figures['per_submission_ms']:+.1f} ms a submission)"
    )
    print(
        f"  CPU (all processes): --jobs 2 {figures['jobs2_cpu_s']} s, --dask local:2 "
        f"{figures['dask_local2_cpu_s']} s"
    )
    print(
        f"  LocalCluster(2) start+stop alone: {start:.2f} s; identical grades.csv in every run: "
        f"{figures['identical_gradebooks']}"
    )
    if not figures["identical_gradebooks"]:
        first_name, first = next(iter(gradebooks.items()))
        for name, book in gradebooks.items():
            rows = set(book.decode().splitlines()) ^ set(first.decode().splitlines())
            for row in sorted(rows):
                print(f"  differs ({first_name} vs {name}): {row}")
    print("JSON: " + json.dumps(figures))


if __name__ == "__main__":
    main()

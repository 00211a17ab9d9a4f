"""A cold ``grader check`` of echo-server: no resident checker, a fresh interpreter each time.

Prints the median wall time of ``--runs`` checks (the reference server, Chinese feedback, so
the catalogs are read) and, from one ``python -X importtime`` run, the packages the check
imports with their cumulative cost, largest first. Run from the repository root:

    GRADER_DAEMON=0 python benchmarks/cold_check.py --runs 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = [
    sys.executable,
    "-m",
    "grader",
    "check",
    str(ROOT / "assignments" / "echo-server"),
    str(ROOT / "reference" / "echo-server" / "server.py"),
    "--lang",
    "zh",
]


def wall_times(runs: int) -> list[float]:
    env = dict(os.environ, GRADER_DAEMON="0")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(CHECK, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return times


def import_costs() -> dict[str, int]:
    """Cumulative microseconds per top-level package (and per ``grader.*`` module) imported."""
    env = dict(os.environ, GRADER_DAEMON="0")
    done = subprocess.run(
        [CHECK[0], "-X", "importtime", *CHECK[1:]],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    costs: dict[str, int] = defaultdict(int)
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        module = name.strip()
        if depth == 0:
            costs["(all imports)"] += int(cumulative)
        if depth == 0 or (module.startswith("grader.") and module.count(".") == 1):
            top = module if module.startswith("grader.") else module.split(".")[0]
            costs[top] += int(cumulative)
    return dict(costs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    times = wall_times(args.runs)
    print(f"cold check, median of {args.runs}: {statistics.median(times) * 1000:.0f} ms")
    print(f"  (min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms)")
    costs = import_costs()
    print("imports of one run, cumulative:")
    for name, us in sorted(costs.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {name:32} {us / 1000:7.1f} ms")


if __name__ == "__main__":
    main()

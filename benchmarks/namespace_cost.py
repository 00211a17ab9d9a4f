"""What isolation costs per scenario: namespace mode against host mode, and each layer alone.

    python benchmarks/namespace_cost.py [--runs N]

Prints medians in milliseconds:

* ``netns setup``: ``unshare(CLONE_NEWNET)``, loopback up, a socket made inside, ``setns``
  back (what :meth:`Sandbox.inside` does once per scenario);
* ``launch``: ``/bin/true`` started as a student is (a thread that confines itself with
  Landlock, a PID namespace, the run's cgroup and, as root, uid 65534, then ``sh`` for
  rlimits) and waited for, against a bare ``Popen``; the same for ``python -c pass``;
* ``cgroup``: create, limit, remove a per-run cgroup (root only);
* ``whole scenario``: one scenario of hello-client (reference client) end to end, per mode.

Run it as root to see every line; without root namespace mode and cgroups are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.grade import STUDENT_UID, resolve_python
from grader.run.context import RunContext
from grader.run.scenario import run_scenario
from grader.sandbox.box import Sandbox
from grader.sandbox.cgroups import Cgroup
from grader.sandbox.host import probe_namespaces
from grader.spec.load import load_assignment
from grader.spec.models import Limits
from grader.submission.files import prepare


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 3)


def namespace_setup() -> None:
    sandbox = Sandbox("namespace", Limits())
    with sandbox.inside():
        pass
    sandbox.socket().close()
    sandbox.close()


def launch(mode: str, uid: int | None, argv: list[str]) -> Callable[[], None]:
    def run() -> None:
        sandbox = Sandbox(mode, Limits(), uid)  # type: ignore[arg-type]
        with sandbox.inside():
            proc = sandbox.spawn(
                argv,
                cwd=Path("/tmp"),
                env={"PATH": "/usr/bin:/bin"},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        proc.wait()
        sandbox.close()

    return run


def python_start(python: str) -> Callable[[], None]:
    def run() -> None:
        subprocess.run([python, "-c", "pass"], env={"PATH": "/usr/bin:/bin"}, cwd="/tmp", check=True)

    return run


def cgroup_cycle() -> None:
    group = Cgroup.create(Limits(), f"bench-{os.getpid()}")
    assert group is not None
    group.remove()


def whole_scenario(mode: str, runs: int) -> float:
    spec = load_assignment(ROOT / "assignments" / "hello-client")
    prepared = prepare(ROOT / "reference" / "hello-client" / "client.py", spec)
    uid = STUDENT_UID if os.geteuid() == 0 else None
    ctx = RunContext(
        assignment=spec,
        submission=prepared.folder,
        entry=prepared.entry,
        mode=mode,
        python=resolve_python(),
        student_uid=uid,
    )  # type: ignore[arg-type]
    scenario = next(s for s in spec.scenarios if s.id == "closes-and-exits")

    async def one() -> None:
        outcome = await run_scenario(ctx, scenario)
        assert all(s.status == "ok" for s in outcome.steps), outcome.steps

    try:
        return median_ms(lambda: asyncio.run(one()), runs)
    finally:
        prepared.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    namespaces = probe_namespaces()[0]
    root = os.geteuid() == 0
    uid = STUDENT_UID if root else None
    python = resolve_python()
    rows: list[tuple[str, float | None]] = []
    rows.append(
        (
            "netns setup (unshare, lo up, socket, setns back)",
            median_ms(namespace_setup, runs * 4) if namespaces else None,
        )
    )
    rows.append(("bare Popen(/bin/true)", median_ms(lambda: subprocess.run(["/bin/true"], check=True), runs)))
    rows.append(("launch, host mode (/bin/true)", median_ms(launch("host", uid, ["/bin/true"]), runs)))
    rows.append(
        (
            "launch, namespace mode (/bin/true)",
            median_ms(launch("namespace", uid, ["/bin/true"]), runs) if namespaces else None,
        )
    )
    rows.append(("python -c pass", median_ms(python_start(python), runs)))
    rows.append(
        (
            "python -c pass, launched as a student (namespace mode)",
            median_ms(launch("namespace", uid, [python, "-c", "pass"]), runs) if namespaces else None,
        )
    )
    rows.append(("cgroup create+limit+remove", median_ms(cgroup_cycle, runs) if root else None))
    host = whole_scenario("host", runs)
    rows.append(("whole scenario, host mode", host))
    ns = whole_scenario("namespace", runs) if namespaces else None
    rows.append(("whole scenario, namespace mode", ns))
    rows.append(("  namespace minus host", round(ns - host, 3) if ns is not None else None))
    load = os.getloadavg()[0]
    print(f"median ms over {runs} runs (x4 for setup); load average {load:.1f} on {os.cpu_count()} cores")
    for name, value in rows:
        print(f"  {name:<58} {'n/a' if value is None else f'{value:8.2f}'}")


if __name__ == "__main__":
    main()

"""What isolation costs per scenario: namespace mode against host mode, and each layer alone.

    python benchmarks/namespace_cost.py [--runs N]

Prints medians in milliseconds:

* ``netns+pidns setup``: ``unshare(CLONE_NEWNET|CLONE_NEWPID)``, loopback up, a socket made
  inside, ``setns`` back (what :meth:`Sandbox.inside` does once per scenario);
* ``launch chain``: ``/bin/true`` started through the sandbox's chain (``sh`` for cgroup and
  rlimits, ``setpriv`` as root) and waited for, against a bare ``Popen``;
* ``landlock boot``: ``python -c pass`` with the boot ``sitecustomize`` against without;
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

from grader.grade import STUDENT_UID, resolve_python  # noqa: E402
from grader.run import RunContext, run_scenario  # noqa: E402
from grader.sandbox import Cgroup, Sandbox, boot_dir, probe_namespaces  # noqa: E402
from grader.spec import Limits  # noqa: E402
from grader.spec_yaml import load_assignment  # noqa: E402
from grader.submission import prepare  # noqa: E402


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


def launch(mode: str, uid: int | None) -> Callable[[], None]:
    def run() -> None:
        sandbox = Sandbox(mode, Limits(), uid)  # type: ignore[arg-type]
        with sandbox.inside():
            proc = sandbox.spawn(["/bin/true"], cwd=Path("/"), env={"PATH": "/usr/bin:/bin"},
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        proc.wait()
        sandbox.close()
    return run


def python_start(python: str, boot: str | None) -> Callable[[], None]:
    env = {"PATH": "/usr/bin:/bin"}
    if boot:
        env["PYTHONPATH"] = boot

    def run() -> None:
        subprocess.run([python, "-c", "pass"], env=env, cwd="/tmp", check=True)
    return run


def cgroup_cycle() -> None:
    group = Cgroup.create(Limits(), f"bench-{os.getpid()}")
    assert group is not None
    group.remove()


def whole_scenario(mode: str, runs: int) -> float:
    spec = load_assignment(ROOT / "assignments" / "hello-client")
    prepared = prepare(ROOT / "reference" / "hello-client" / "client.py", spec)
    uid = STUDENT_UID if os.geteuid() == 0 else None
    ctx = RunContext(assignment=spec, submission=prepared.folder, entry=prepared.entry,
                     mode=mode, python=resolve_python(), student_uid=uid)  # type: ignore[arg-type]
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
    rows.append(("netns+pidns setup (unshare, lo up, socket, setns back)",
                 median_ms(namespace_setup, runs * 4) if namespaces else None))
    rows.append(("bare Popen(/bin/true)", median_ms(lambda: subprocess.run(["/bin/true"], check=True), runs)))
    rows.append(("launch chain, host mode (/bin/true)", median_ms(launch("host", uid), runs)))
    rows.append(("launch chain, namespace mode (/bin/true)",
                 median_ms(launch("namespace", uid), runs) if namespaces else None))
    rows.append(("python -c pass", median_ms(python_start(python, None), runs)))
    rows.append(("python -c pass + landlock boot", median_ms(python_start(python, boot_dir()), runs)
                 if boot_dir() else None))
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

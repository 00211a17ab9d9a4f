"""cgroup v2 (grader.cgroup2) on a cgroup2 hierarchy mounted beside this machine's v1 ones."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.cgroup2 import Cgroup2, controllers, hold_until_placed, own_cgroup, v2_mount

DAEMON = """
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        open(sys.argv[1], "w").write(str(os.getpid()))
        time.sleep(600)
    os._exit(0)
time.sleep(600)
"""


@pytest.fixture
def hierarchy(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a cgroup2 hierarchy needs root")
    mount = tmp_path / "cg2"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "cgroup2", "none", str(mount)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount cgroup2 here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_the_unified_hierarchy_and_this_process_cgroup_are_found(hierarchy: Path) -> None:
    assert v2_mount() is not None
    assert own_cgroup() is not None and own_cgroup().startswith("/")  # type: ignore[union-attr]


@pytest.mark.root
def test_a_held_launch_runs_inside_and_cgroup_kill_ends_a_setsid_daemon(
    hierarchy: Path, tmp_path: Path
) -> None:
    group = Cgroup2.create(hierarchy, f"grader-test-{os.getpid()}", memory=256 << 20, processes=32)
    write_end, hold = hold_until_placed(tmp_path)
    pid_file = tmp_path / "daemon.pid"
    proc = subprocess.Popen(
        ["/bin/sh", "-c", hold, "grader-sandbox", sys.executable, "-c", DAEMON, str(pid_file)],
        stdin=subprocess.DEVNULL,
    )
    try:
        group.place(proc.pid)
        assert group.pids() == [proc.pid]  # placed while still held: nothing of the program ran
        os.write(write_end, b"\n")
        for _ in range(500):
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.01)
        daemon = int(pid_file.read_text())
        assert daemon in group.pids() and proc.pid in group.pids()
        group.kill_all()
        proc.wait(timeout=10)
        group.remove()
        assert not group.folder.exists()
        stat = Path(f"/proc/{daemon}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z"
    finally:
        os.close(write_end)
        proc.kill()
        proc.wait()


def test_limits_are_reported_from_the_kernel_events(hierarchy: Path) -> None:
    if "memory" not in controllers(hierarchy) or "pids" not in controllers(hierarchy):
        pytest.skip(
            "the memory and pids controllers are bound to cgroup v1 on this machine: "
            "memory.max/pids.max and their events exist only on a v2 system"
        )
    group = Cgroup2.create(hierarchy, f"grader-limit-{os.getpid()}", memory=32 << 20, processes=4)
    try:
        assert (group.folder / "memory.max").read_text().strip() == str(32 << 20)
        assert (group.folder / "pids.max").read_text().strip() == "4"
    finally:
        group.kill_all()
        group.remove()

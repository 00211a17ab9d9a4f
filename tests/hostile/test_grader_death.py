"""Students die with their grader (issue 18): a grading process killed by SIGKILL mid-scenario
leaves no student process behind, and the next grader removes its cgroups and scratch folders.

Real processes throughout: a ``grader check`` is started, its student (which forks a daemon of
its own) is seen running, the grader is killed, and the kernel's word is awaited, with bounds
rather than sleeps.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from grader.leftovers import sweep
from grader.sandbox import scratch_parent
from tests.conftest import ROOT, wait_until

HOLES = Path(__file__).resolve().parent / "holes"
BOUND = 30.0
"""Seconds any awaited state may take on a loaded machine (it takes milliseconds alone)."""

STUDENT = """
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
if os.fork() == 0:          # a daemon of its own: double fork, new session
    os.setsid()
    if os.fork() == 0:
        time.sleep(600)
    os._exit(0)
time.sleep(600)             # never sends its request: the grader waits on it
"""


def students_of(grader_pid: int) -> list[int]:
    """Processes a grader started for its students: in its run cgroups, or in its scratch."""
    tag, scratch = f"grader-{grader_pid}-".encode(), f"grader-scratch-{grader_pid}-".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cgroups = Path(entry.path, "cgroup").read_bytes()
            environ = Path(entry.path, "environ").read_bytes()
            state = Path(entry.path, "stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z" and (tag in cgroups or scratch in environ):
            found.append(int(entry.name))
    return found


def cgroups_of(grader_pid: int) -> list[Path]:
    base = Path("/sys/fs/cgroup")
    return [p for c in ("pids", "memory") for p in (base / c).rglob(f"grader-{grader_pid}-*")]


def scratch_of(grader_pid: int) -> list[Path]:
    return list(scratch_parent().parent.glob(f"grader-scratch-{grader_pid}-*"))


def grader(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADER_DAEMON": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "grader", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


@pytest.mark.root
@pytest.mark.parametrize("mode", ["namespace", "host"])
def test_a_killed_grader_leaves_no_student_cgroup_or_scratch(mode: str, tmp_path: Path) -> None:
    (tmp_path / "client.py").write_text(STUDENT)
    check = grader("check", str(HOLES), str(tmp_path / "client.py"), "--isolation", mode, "--lang", "en")
    try:
        wait_until(lambda: len(students_of(check.pid)) >= 2, "the student and its daemon running", BOUND)
        assert cgroups_of(check.pid) and scratch_of(check.pid)
        os.kill(check.pid, signal.SIGKILL)
        check.wait()
    finally:
        if check.poll() is None:
            check.kill()
            check.wait()
    # The kernel ends the students: each run's first process dies with the thread that started it.
    wait_until(lambda: not students_of(check.pid), "no student process of the killed grader", BOUND)
    # The next grader to start removes what the dead one left.
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "client.py").write_text(
        (HOLES / "programs" / "_protocol.py").read_text()
        + (HOLES / "programs" / "well_behaved.py").read_text()
    )
    after = grader("check", str(HOLES), str(tmp_path / "good" / "client.py"), "--isolation", mode)
    assert after.wait(timeout=120) == 0, after.stderr.read() if after.stderr else ""
    assert cgroups_of(check.pid) == []
    assert scratch_of(check.pid) == []


def test_the_sweep_kills_what_a_dead_graders_run_left_and_removes_its_folder(tmp_path: Path) -> None:
    """Without cgroups or a PID namespace, a process a run left is found by its scratch path."""
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no process has now: the dead grader's
    folder = tmp_path / f"grader-scratch-{gone.pid}-x"
    (folder / "grader-run-1" / "deep").mkdir(parents=True)
    orphan = subprocess.Popen(
        ["sleep", "600"], env={**os.environ, "TMPDIR": str(folder / "grader-run-1")}, start_new_session=True
    )
    mine = tmp_path / f"grader-scratch-{os.getpid()}-y"  # a live grader's: left alone
    mine.mkdir()
    try:
        swept = sweep([], tmp_path)
        assert orphan.wait(timeout=BOUND) == -signal.SIGKILL
        assert swept.processes >= 1 and swept.folders == 1
        assert not folder.exists()
        assert mine.is_dir()
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()

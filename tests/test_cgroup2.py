"""cgroup v2 (grader.sandbox.cgroup2) on a cgroup2 hierarchy mounted beside this machine's v1 ones.

``GRADER_CGROUP`` pointing into that hierarchy makes the sandbox take the v2 path although
this machine has writable v1 controllers, so real submissions are graded through it. The
memory and pids controllers are bound to v1 here: tests of ``memory.max``/``pids.max`` skip
with that reason and run on a v2 machine.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS, REFERENCE
from test_isolation import report_of_student

from grader.grade import GradeOptions, grade
from grader.sandbox import box as sandbox_module
from grader.sandbox import namespaces
from grader.sandbox.box import Sandbox
from grader.sandbox.cgroup2 import ENV_PARENT, HOLD_FD, Cgroup2, controllers, hold_line, own_cgroup, v2_mount
from grader.sandbox.host import scratch_parent
from grader.spec.load import load_assignment
from grader.spec.models import Limits

HOSTILE = Path(__file__).resolve().parent / "hostile"

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


def held_launch(argv: list[str], **popen: object) -> tuple[subprocess.Popen[bytes], int]:
    """``argv`` behind the launch shell's hold, as the sandbox starts it: from a thread with a
    descriptor table of its own, the pipe's read end on descriptor 9 there."""
    read_end, write_end = os.pipe()
    started: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        namespaces._unshare(namespaces.CLONE_FILES)
        os.dup2(read_end, HOLD_FD)
        shell = ["/bin/sh", "-c", hold_line() + 'exec "$@"', "grader-sandbox"]
        started.append(subprocess.Popen([*shell, *argv], pass_fds=(HOLD_FD,), **popen))  # type: ignore[call-overload]

    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
    os.close(read_end)
    return started[0], write_end


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
    pid_file = tmp_path / "daemon.pid"
    proc, write_end = held_launch([sys.executable, "-c", DAEMON, str(pid_file)], stdin=subprocess.DEVNULL)
    try:
        group.place(proc.pid)
        assert group.pids() == [proc.pid]  # placed while still held: nothing of the program ran
        os.write(write_end, b"go\n")
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


def test_a_launch_whose_placing_failed_runs_nothing(tmp_path: Path) -> None:
    """The grader closes the pipe without a word: the shell exits 121 before the program."""
    ran = tmp_path / "ran"
    proc, write_end = held_launch(["touch", str(ran)])
    os.close(write_end)
    assert proc.wait(timeout=30) == 121
    assert not ran.exists()


def test_the_limit_hit_comes_from_the_events_files(tmp_path: Path) -> None:
    """``memory.events`` and ``pids.events`` (as the kernel writes them) name the limit."""
    assert Cgroup2(tmp_path).limit_hit() is None
    (tmp_path / "pids.events").write_text("max 3\n")
    assert Cgroup2(tmp_path).limit_hit() == "processes"
    (tmp_path / "memory.events").write_text("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n")
    assert Cgroup2(tmp_path).limit_hit() == "memory"


@pytest.fixture
def v2_runs(hierarchy: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``GRADER_CGROUP`` names a folder of the mounted hierarchy: the sandbox uses v2 there."""
    runs = hierarchy / f"grader-tests-{os.getpid()}"  # every mount shows the one v2 hierarchy
    runs.mkdir()
    monkeypatch.setenv(ENV_PARENT, str(runs))
    try:
        yield runs
        assert [p.name for p in runs.iterdir() if p.is_dir()] == []  # every run's cgroup removed
    finally:
        runs.rmdir()


FIRST_LINE_REPORT = """\
import pathlib
print([line for line in pathlib.Path("/proc/self/cgroup").read_text().splitlines() if line.startswith("0::")])
"""


@pytest.mark.root
@pytest.mark.parametrize("mode", ["namespace", "host"])
def test_the_student_is_in_its_v2_cgroup_from_its_first_line(v2_runs: Path, mode: str) -> None:
    folder = Path(tempfile.mkdtemp(dir=scratch_parent()))
    os.chmod(folder, 0o777)
    sandbox = Sandbox(mode, Limits(), student_uid=65534)  # type: ignore[arg-type]
    try:
        report = report_of_student(sandbox, FIRST_LINE_REPORT, folder)
        assert isinstance(sandbox.cgroup, Cgroup2)
        assert sandbox.cgroup.folder.parent == v2_runs
    finally:
        sandbox.close()
        shutil.rmtree(folder)
    assert report.strip() == str([f"0::/{v2_runs.name}/{sandbox.name}"])
    assert Path("/proc/self/cgroup").read_text().splitlines()[-1] == "0::/"  # the grader stayed


@pytest.mark.root
@pytest.mark.parametrize("mode", ["namespace", "host"])
def test_the_reference_gets_full_marks_through_v2(v2_runs: Path, mode: str) -> None:
    spec = load_assignment(ASSIGNMENTS / "hello-client")
    result = grade(spec, REFERENCE / "hello-client" / "client.py", "ref", GradeOptions(isolation=mode))  # type: ignore[arg-type]
    assert result.score == result.max_score == spec.max_score


@pytest.mark.root
def test_cgroup_kill_ends_a_setsid_daemon_with_no_pid_namespace(
    v2_runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Host network and no PID namespace: only the v2 cgroup knows the daemon, and
    ``cgroup.kill`` ends it; its port is free and no process of the run is left."""
    monkeypatch.setattr(sandbox_module, "pid_namespaces", lambda: False)
    spec = load_assignment(HOSTILE)
    result = grade(spec, HOSTILE / "programs" / "daemon.py", "daemon", GradeOptions(isolation="host"))
    outputs = [s.outcome.stdout for s in result.scenarios if s.outcome is not None]
    ports = [int(m) for out in outputs for m in re.findall(rb"DAEMON PORT (\d+)", out)]
    assert ports, outputs
    for port in ports:
        with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
            probe.connect(("127.0.0.1", port))
    marker = f"HOME={scratch_parent()}".encode()
    left = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes():
                    left.append(entry.name)
            except OSError:
                continue
    assert left == []


@pytest.mark.root
def test_the_doctor_names_the_v2_folder_runs_go_in(v2_runs: Path) -> None:
    from grader.commands.doctor import render
    from grader.commands.doctor_checks import Machine, cgroups

    shown = render(cgroups(Machine()), "en")
    assert f"v2, runs under {v2_runs}: no controllers" in shown, shown

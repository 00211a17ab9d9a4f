"""Isolation modes: the same scores either way, the mode said in the result, fixed ports safe.

Namespace mode gives every scenario its own loopback; host mode shares the machine's and
must serialise scenarios of an assignment that fixes its port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS, REFERENCE, ROOT

from grader.grade import GradeOptions, grade, grade_async
from grader.render.words import containment_text, feedback_text
from grader.sandbox.box import Sandbox
from grader.sandbox.cgroups import Cgroup
from grader.sandbox.host import choose_mode, probe_namespaces
from grader.sandbox.uids import FIRST_STUDENT_UID, UidLease
from grader.spec.load import load_assignment

FIXED = ROOT / "tests" / "fixed_port"
HOSTILE = ROOT / "tests" / "hostile"

REFERENCES = [
    ("hello-client", REFERENCE / "hello-client" / "client.py"),
    ("echo-server", REFERENCE / "echo-server" / "server.py"),
]


@pytest.mark.root
@pytest.mark.parametrize(("assignment", "submission"), REFERENCES, ids=[a for a, _ in REFERENCES])
def test_namespace_and_host_give_the_same_scores(assignment: str, submission: Path) -> None:
    spec = load_assignment(ASSIGNMENTS / assignment)

    async def both():
        return await asyncio.gather(
            grade_async(spec, submission, "ref", GradeOptions(isolation="namespace")),
            grade_async(spec, submission, "ref", GradeOptions(isolation="host")),
        )

    in_namespace, on_host = asyncio.run(both())
    assert in_namespace.run.isolation == "namespace"
    assert on_host.run.isolation == "host"
    assert in_namespace.score == on_host.score == spec.max_score
    assert [(s.id, s.status) for s in in_namespace.scenarios] == [(s.id, s.status) for s in on_host.scenarios]
    assert {s.outcome.isolation for s in on_host.scenarios if s.outcome} == {"host"}


def test_host_mode_says_which_mode() -> None:
    spec = load_assignment(ASSIGNMENTS / "hello-client")
    result = grade(spec, REFERENCE / "hello-client" / "client.py", "ref", GradeOptions(isolation="host"))
    assert result.run.isolation == "host"
    assert result.run.containment.host_requested
    note = containment_text(result.run, "en")
    assert "host loopback" in note and "files:" in note
    assert "主机回环网络" in containment_text(result.run, "zh")
    assert result.score == spec.max_score


def test_cli_prints_the_mode(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "check",
            str(ASSIGNMENTS / "hello-client"),
            str(REFERENCE / "hello-client" / "client.py"),
            "--isolation",
            "host",
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "isolation: host" in " ".join(out.stdout.split())


def test_auto_picks_namespace_where_possible() -> None:
    mode, contained = choose_mode("auto")
    assert mode == ("namespace" if probe_namespaces()[0] else "host")
    assert (contained.no_namespaces is None) == (mode == "namespace")


def test_fixed_port_in_host_mode_is_serialised() -> None:
    """Three gradings at once, four scenarios each, all on 127.0.0.1:8080 of the host."""
    spec = load_assignment(FIXED)

    async def three():
        return await asyncio.gather(
            *(
                grade_async(spec, FIXED / "good_server.py", f"s{i}", GradeOptions(isolation="host"))
                for i in range(3)
            )
        )

    results = asyncio.run(three())
    assert [r.score for r in results] == [spec.max_score] * 3, [
        [(s.id, s.status, feedback_text(s)) for s in r.scenarios] for r in results
    ]
    assert {r.run.isolation for r in results} == {"host"}


@pytest.mark.root
def test_fixed_port_in_namespaces_runs_in_parallel() -> None:
    spec = load_assignment(FIXED)

    async def eight():
        return await asyncio.gather(
            *(
                grade_async(spec, FIXED / "good_server.py", f"s{i}", GradeOptions(isolation="namespace"))
                for i in range(8)
            )
        )

    results = asyncio.run(eight())
    assert [r.score for r in results] == [spec.max_score] * 8


def _non_loopback_address() -> str | None:
    """This machine's address on its default route (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
            return s.getsockname()[0]
        except OSError:
            return None


@pytest.mark.root
def test_only_loopback_inside_the_namespace(tmp_path: Path) -> None:
    address = _non_loopback_address()
    if address is None or address.startswith("127."):
        pytest.skip("this machine has no non-loopback address to try")
    probe = tmp_path / "client.py"
    probe.write_text(
        "import socket, sys\n"
        f"for target in [({address!r}, 22), ({address!r}, 80), ('192.0.2.1', 80), ('8.8.8.8', 53)]:\n"
        "    try:\n"
        "        socket.create_connection(target, timeout=1).close()\n"
        "        print('REACHED', target)\n"
        "    except OSError as exc:\n"
        "        print('BLOCKED', target, exc.errno)\n"
        "print(open('/proc/net/dev').read())\n"
    )
    spec = load_assignment(HOSTILE / "assignment.yaml")
    result = grade(spec, probe, "probe", GradeOptions(isolation="namespace"))
    text = result.scenarios[0].outcome.stdout.decode()  # type: ignore[union-attr]
    assert "REACHED" not in text
    assert text.count("BLOCKED") == 4
    interfaces = [line.split(":")[0].strip() for line in text.splitlines() if ":" in line]
    assert interfaces == ["lo"], text


def test_namespace_demanded_where_refused_is_a_one_line_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the OS refuses namespaces, ``auto`` falls back to host and ``namespace`` says why."""
    from grader.errors import UsageError
    from grader.messages import msg
    from grader.messages.codes import Code
    from grader.results.models import RunInfo
    from grader.sandbox import host as sandbox_host

    refused = msg(Code.NS_REFUSED, error="no permission")
    monkeypatch.setattr(sandbox_host.host(), "namespaces", (False, refused))
    mode, contained = sandbox_host.choose_mode("auto")
    assert mode == "host" and contained.no_namespaces == refused
    run = RunInfo(isolation=mode, containment=contained)
    assert containment_text(run, "en").startswith("host loopback: namespaces refused (no permission)")
    assert containment_text(run, "zh").startswith("主机回环网络：命名空间被拒绝（no permission）")
    with pytest.raises(UsageError, match=r"refused \(no permission\).*--isolation host"):
        sandbox_host.choose_mode("namespace")


def _confined_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python3 -c CODE`` started the way the sandbox starts students: from a confined thread."""
    from grader.sandbox.confine import start_confined
    from grader.sandbox.host import landlock_abi

    if not landlock_abi():
        pytest.skip("no Landlock in this kernel")
    proc = start_confined(
        lambda: subprocess.Popen(
            ["/usr/bin/python3", "-c", code],
            cwd=cwd,
            env={"PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ),
        own_pids=False,
        python="/usr/bin/python3",
        writable=[str(cwd)],
    )
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_landlock_confines_the_student_to_its_working_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("ok")
    code = (
        "import pathlib, socket\n"
        "print(pathlib.Path('mine.txt').read_text())\n"
        "pathlib.Path('new.txt').write_text('written')\n"
        f"try:\n    open({str(ROOT / 'pyproject.toml')!r}).read(); print('LEAKED')\n"
        "except PermissionError:\n    print('refused')\n"
    )
    run = _confined_python(code, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["ok", "refused"]
    assert (tmp_path / "new.txt").read_text() == "written"
    # The grader's own threads are not confined: this one still reads the project.
    assert (ROOT / "pyproject.toml").read_text()


def test_confinement_that_fails_starts_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If Landlock cannot be applied, the student's program never runs: not gradable, no zero."""
    from grader.sandbox import landlock
    from grader.sandbox.confine import start_confined
    from grader.sandbox.errors import SandboxError
    from grader.sandbox.host import landlock_abi

    if not landlock_abi():
        pytest.skip("no Landlock in this kernel")

    def refuse(*_args: object) -> int:
        raise OSError(1, "landlock_restrict_self: Operation not permitted")

    monkeypatch.setattr(landlock, "restrict", refuse)
    started: list[str] = []
    with pytest.raises(SandboxError, match="could not confine the program"):
        start_confined(
            lambda: started.append("RAN"),  # type: ignore[arg-type,func-returns-value]
            own_pids=False,
            python="/usr/bin/python3",
            writable=[str(tmp_path)],
        )
    assert started == []


STUDENT_SELF_REPORT = """\
import os, pathlib
status = dict(line.split(":", 1) for line in pathlib.Path("/proc/self/status").read_text().splitlines())
print("uid", status["Uid"].split())
print("gid", status["Gid"].split())
print("groups", status["Groups"].split())
print("no_new_privs", status["NoNewPrivs"].strip())
cgroups = pathlib.Path("/proc/self/cgroup").read_text().splitlines()
print("cgroups", sorted(line.split(":")[2] for line in cgroups if line.split(":")[1] in ("pids", "memory")))
"""


def report_of_student(sandbox: Sandbox, code: str, folder: Path) -> str:
    """What ``python3 -c code``, started in ``sandbox`` in ``folder``, printed (it must exit 0)."""
    read, write = os.pipe()
    with sandbox.inside():
        proc = sandbox.spawn(
            ["/usr/bin/python3", "-c", code],
            cwd=folder,
            env={"PATH": "/usr/bin:/bin"},
            stdin=subprocess.DEVNULL,
            stdout=write,
            stderr=write,
        )
    os.close(write)
    with os.fdopen(read) as out:
        report = out.read()
    assert proc.wait(timeout=60) == 0, report
    return report


@pytest.mark.root
@pytest.mark.parametrize(
    ("mode", "thread_credentials"), [("namespace", True), ("host", True), ("namespace", False)]
)
def test_a_student_of_a_root_grader_runs_as_nobody_in_its_cgroup(
    mode: str, thread_credentials: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The confining thread gives the student uid 65534, no groups, no new privileges and the
    run's cgroups; the grader's own threads stay root and in their own cgroups. Where the
    thread cannot change its own user (an unknown machine), ``Popen`` does."""
    import os
    import shutil
    import tempfile
    import threading

    from grader.sandbox import box as sandbox_module
    from grader.sandbox.box import Sandbox
    from grader.sandbox.host import scratch_parent
    from grader.spec.models import Limits

    monkeypatch.setattr(sandbox_module, "thread_credentials", lambda: thread_credentials)

    folder = Path(tempfile.mkdtemp(dir=scratch_parent()))  # a folder uid 65534 may enter
    os.chmod(folder, 0o777)
    sandbox = Sandbox(mode, Limits(), student_uid=65534)
    own_cgroups_before = Path("/proc/self/cgroup").read_text()
    try:
        report = report_of_student(sandbox, STUDENT_SELF_REPORT, folder)
        assert isinstance(sandbox.cgroup, Cgroup)
        # /sys/fs/cgroup/<controller>/<path> is listed as <path> in /proc/PID/cgroup
        expected_cgroups = sorted(
            "/" + "/".join(d.relative_to("/sys/fs/cgroup").parts[1:]) for d in sandbox.cgroup.dirs
        )
    finally:
        sandbox.close()
        shutil.rmtree(folder)
    lines = report.splitlines()
    assert lines[0] == "uid " + str(["65534"] * 4), report
    assert lines[1] == "gid " + str(["65534"] * 4), report
    assert lines[2] == "groups []", report
    assert lines[3] == "no_new_privs 1", report
    assert lines[4] == "cgroups " + str(expected_cgroups), report
    # Nothing of it stayed with the grader.
    assert os.geteuid() == 0 and os.getuid() == 0
    this_thread = Path(f"/proc/self/task/{threading.get_native_id()}/status").read_text()
    assert "NoNewPrivs:\t0" in this_thread
    assert Path("/proc/self/cgroup").read_text() == own_cgroups_before


def run_grader_as_nobody(
    workdir: Path, *commands: list[str], env: dict[str, str] | None = None, cleanup: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m grader COMMAND`` for each command in turn, as uid 65534 (a grader without root).

    ``cleanup`` runs last whatever happened before (its exit code is not the result's).

    The interpreter may live where uid 65534 cannot go (a pyenv build under /root): a
    private mount namespace binds it to a readable place first.
    """
    import shlex
    import sysconfig
    import tempfile

    # The base interpreter's prefix and the packages' folder (a virtual environment's own, or
    # the base's) are bound to folders uid 65534 may read; PYTHONHOME names the bound base.
    base = Path(sys.base_prefix).resolve()
    packages = Path(sysconfig.get_paths()["purelib"])
    mount, site_mount = (Path(tempfile.mkdtemp(prefix=f"grader-{what}-")) for what in ("python", "site"))
    for folder in (mount, site_mount):
        folder.chmod(0o755)
    python = Path(sys.executable).resolve().relative_to(base)
    extra = " ".join(f"{key}={shlex.quote(value)}" for key, value in (env or {}).items())
    grader = (
        f"setpriv --reuid 65534 --regid 65534 --clear-groups env HOME={workdir} {extra} "
        f"PYTHONHOME={mount} PYTHONPATH={ROOT}:{site_mount} {mount / python} -m grader"
    )
    steps = " && ".join(f"{grader} {shlex.join(args)}" for args in commands)
    script = f"mount --bind {base} {mount} && mount --bind {packages} {site_mount} && cd {workdir} && {steps}"
    if cleanup:
        script = f"{script}; status=$?; {grader} {shlex.join(cleanup)}; exit $status"
    try:
        return subprocess.run(
            ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120, check=False
        )
    finally:
        mount.rmdir()
        site_mount.rmdir()


@pytest.mark.root  # root only to become uid 65534 and to bind the interpreter
def test_a_grader_without_root_still_gets_namespaces() -> None:
    """Unprivileged user namespaces: fixed port 8080 in parallel, with no root at all."""
    import json
    import shutil
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="grader-nobody-"))  # pytest's tmp_path is root's alone
    try:
        shutil.copytree(ASSIGNMENTS / "time-server", work / "time-server")
        shutil.copy(REFERENCE / "time-server" / "server.py", work / "server.py")
        for path in [work, *work.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o666)
        run = run_grader_as_nobody(
            work,
            [
                "check",
                "time-server",
                "server.py",
                "--json",
                "r.json",
                "--lang",
                "en",
                "--isolation",
                "namespace",
            ],
        )
        report = (work / "r.json").read_text() if (work / "r.json").exists() else "{}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert run.returncode == 0, run.stderr + run.stdout
    assert "Score: 10/10" in run.stdout
    facts = json.loads(report)["run"]
    assert facts["isolation"] == "namespace"
    assert facts["containment"]["user_namespace"] is True


@pytest.mark.root
def test_a_student_left_by_a_killed_grader_ends_when_its_uid_is_leased_again() -> None:
    """A grader killed outright leaves its students running as their leased uid; the next
    lease of that uid ends them before its own student starts, and touches nothing else."""
    import signal

    from grader.sandbox.confine import end_leftovers_of, thread_credentials
    from grader.sandbox.uids import lease_uid

    if not thread_credentials():
        pytest.skip("this machine's system call numbers for a one-thread user change are not known")
    first = lease_uid()
    assert first is not None
    uid = first.uid
    first.release()  # the killed grader's lease ends with it; its student does not
    leftover = subprocess.Popen(["sleep", "600"], user=uid, group=uid, start_new_session=True)
    bystander = subprocess.Popen(["sleep", "600"], user=65534, group=65534, start_new_session=True)
    again = lease_uid_of(uid)
    try:
        end_leftovers_of(uid)
        assert leftover.wait(timeout=30) == -signal.SIGKILL
        assert bystander.poll() is None, "a process of another uid was signalled"
        assert (os.getuid(), os.geteuid()) == (0, 0), "the grader's own thread changed user"
    finally:
        again.release()
        bystander.kill()
        bystander.wait()
        if leftover.poll() is None:
            leftover.kill()


def lease_uid_of(uid: int) -> UidLease:
    """The lease of one given uid, taken as a later run that finds it free would."""
    from grader.sandbox.locks import open_lock, try_lock

    fd = open_lock(f"uid-{uid - FIRST_STUDENT_UID}.lock")
    assert try_lock(fd), "another run took the uid meanwhile"
    return UidLease(uid, fd)


@pytest.mark.root
def test_cgroups_of_graders_killed_long_ago_are_removed_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only a run cgroup whose grader is gone and that has not changed for a while goes; one
    that holds a process, a live grader's, and a recent one stay."""
    from grader.sandbox import cgroups as sandbox_module

    parent = sandbox_module._own_cgroup_v1("pids")
    if parent is None:
        pytest.skip("no writable v1 pids cgroup here (a v2-only machine): nothing of this kind to sweep")
    dead = next(pid for pid in range(4_000_000, 1, -1) if not os.path.exists(f"/proc/{pid}"))
    made = {
        "stale": parent / f"grader-{dead}-1",
        "recent": parent / f"grader-{dead}-2",
        "populated": parent / f"grader-{dead}-3",
        "live": parent / f"grader-{os.getpid()}-999999",
    }
    sleeper = subprocess.Popen(["sleep", "600"])
    try:
        for folder in made.values():
            folder.mkdir()
        (made["populated"] / "cgroup.procs").write_text(str(sleeper.pid))
        for name in ("stale", "populated", "live"):
            os.utime(made[name], (0, 3600))  # unchanged since 1970
        monkeypatch.setattr(sandbox_module, "_swept", set())
        sandbox_module._sweep_once(parent)
        assert {name for name, folder in made.items() if folder.exists()} == {"recent", "populated", "live"}
    finally:
        sleeper.kill()
        sleeper.wait()
        for folder in made.values():
            with contextlib.suppress(OSError):
                folder.rmdir()

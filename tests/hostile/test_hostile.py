"""Hostile submissions, as real processes: each must be graded within its time limit, leave no
process behind, leave the grader healthy, and get a normal result and an escaped report.

All programs of one isolation mode are graded at the same time (their waits overlap, and a
program that lashes out, e.g. by killing every process it can see, meets the others), then
each test checks one program's result.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.grade import GradeOptions, grade_async
from grader.render.words import feedback_text
from grader.results.models import GradeResult
from grader.sandbox.host import landlock_abi, probe_namespaces, scratch_parent
from grader.spec.load import load_assignment
from grader.spec.models import Assignment

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
PROGRAMS = HERE / "programs"
MARGIN = 5.0
"""Seconds allowed beyond the spec's own time limits (process start-up, a loaded machine)."""


@dataclass
class Graded:
    result: GradeResult
    seconds: float


def _cases(mode: str) -> list[str]:
    names = sorted(p.stem for p in PROGRAMS.glob("*.py"))
    if mode == "host":
        names.remove("binds_every_port")  # it would hold real ports of this machine
    if os.geteuid() != 0 and landlock_abi() < 6:
        names.remove("kills_parent")  # same uid, no signal scoping: it could kill the test runner
    return names


def _leftovers() -> list[str]:
    """Processes started for a student of this test run that are still there (zombies too)."""
    marker = f"HOME={scratch_parent()}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            environ = Path(entry.path, "environ").read_bytes()
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        zombie_child = fields[0] == "Z" and int(fields[1]) == os.getpid()
        if marker in environ or zombie_child:
            found.append(f"{entry.name}: {Path(entry.path, 'cmdline').read_bytes()!r} state {fields[0]}")
    return found


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


CPU_HOGS = {"infinite_loop", "busy_after_close", "fork_bomb", "memory_hog", "stdout_flood", "huge_file"}


async def _grade_all(spec: Assignment, mode: str, names: list[str], work: Path) -> dict[str, Graded]:
    async def one(name: str) -> Graded:
        folder = work / name
        folder.mkdir()
        source = (PROGRAMS / f"{name}.py").read_text().replace("__PROJECT__", str(PROJECT))
        (folder / "client.py").write_text(source)
        started = time.monotonic()
        result = await grade_async(spec, folder, name, GradeOptions(isolation=mode))  # type: ignore[arg-type]
        return Graded(result, time.monotonic() - started)

    # Two waves: programs that must finish their work within the short limits first, then
    # the CPU hogs. Together on 2 cores, a dozen hogs at the same nice level can starve a
    # program past its 4 s scenario limit, which would test the machine, not the grader.
    graded: dict[str, Graded] = {}
    for wave in ([n for n in names if n not in CPU_HOGS], [n for n in names if n in CPU_HOGS]):
        results = await asyncio.gather(*(one(n) for n in wave))
        graded.update(zip(wave, results, strict=True))
    return graded


@dataclass
class Batch:
    mode: str
    spec: Assignment
    graded: dict[str, Graded]
    leftovers: list[str]
    fds_before: int
    fds_after: int
    seconds: float


_batches: dict[str, Batch] = {}


def _batch(mode: str) -> Batch:
    if mode == "namespace" and not (os.geteuid() == 0 and probe_namespaces()[0]):
        pytest.skip("namespace mode needs root and network namespaces")
    if mode not in _batches:
        spec = load_assignment(HERE / "assignment.yaml")
        work = Path(tempfile.mkdtemp(prefix="hostile-"))
        try:
            fds_before = _open_fds()
            started = time.monotonic()
            graded = asyncio.run(_grade_all(spec, mode, _cases(mode), work))
            seconds = time.monotonic() - started
            _batches[mode] = Batch(mode, spec, graded, _leftovers(), fds_before, _open_fds(), seconds)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return _batches[mode]


MODES = ["namespace", "host"]
CASES = [(mode, name) for mode in MODES for name in _cases(mode)]


def _outcomes(g: Graded) -> list:
    return [s.outcome for s in g.result.scenarios if s.outcome is not None]


@pytest.mark.parametrize(("mode", "name"), CASES, ids=[f"{m}-{n}" for m, n in CASES])
def test_graded_normally(mode: str, name: str) -> None:
    """Every hostile program: in time, a normal result, a low score, a safe report."""
    batch = _batch(mode)
    g = batch.graded[name]
    spec = batch.spec
    bound = spec.timeouts.scenario * len(spec.scenarios) + MARGIN
    assert g.seconds < bound, f"{name} took {g.seconds:.1f} s (bound {bound} s)"
    assert g.result.status == "graded"
    assert g.result.run.isolation == mode
    assert all(s.status in ("passed", "failed") for s in g.result.scenarios), [
        (s.id, s.status, feedback_text(s)) for s in g.result.scenarios
    ]
    if name == "well_behaved":
        assert g.result.score == g.result.max_score
    else:
        assert g.result.score < g.result.max_score
    for o in _outcomes(g):
        assert o.grader_error is None, o.grader_error
        assert len(o.stdout) <= spec.limits.output_bytes
        assert len(o.stderr) <= spec.limits.output_bytes

    from grader.render.html import render_report

    html = render_report(g.result)
    assert "<script>alert" not in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    # the Gradescope JSON survives any bytes the program wrote
    assert GradeResult.model_validate_json(g.result.model_dump_json()).score == g.result.score


@pytest.mark.parametrize("mode", MODES)
def test_nothing_left_behind_and_grader_healthy(mode: str, tmp_path: Path) -> None:
    batch = _batch(mode)
    assert batch.leftovers == []
    assert batch.fds_after <= batch.fds_before + 2, (batch.fds_before, batch.fds_after)
    assert not list(scratch_parent().iterdir()), "scratch copies were left on disk"
    # still grading correctly afterwards
    again = asyncio.run(_grade_all(batch.spec, mode, ["well_behaved"], tmp_path))
    assert again["well_behaved"].result.score == batch.spec.max_score
    print(f"hostile batch ({mode}): {len(batch.graded)} programs in {batch.seconds:.2f} s")


def test_daemon_port_is_released() -> None:
    """The double-forked daemon held a port on the host loopback; after grading nobody does."""
    g = _batch("host").graded["daemon"]
    ports = [int(m) for o in _outcomes(g) for m in re.findall(rb"DAEMON PORT (\d+)", o.stdout)]
    assert ports, _ends(g)
    for port in ports:
        with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
            probe.connect(("127.0.0.1", port))


def _limits_seen(g: Graded) -> set[str | None]:
    return {o.process.limit for o in _outcomes(g)}


def _diagnoses(g: Graded) -> set[str]:
    return {d.code for s in g.result.scenarios for d in s.diagnoses}


@pytest.mark.parametrize("mode", MODES)
def test_limits_are_named(mode: str) -> None:
    batch = _batch(mode)
    memory, files, forks = (batch.graded[n] for n in ("memory_hog", "huge_file", "fork_bomb"))
    assert "memory" in _limits_seen(memory), _ends(memory)
    assert "resource-limit" in _diagnoses(memory)
    assert "file size" in _limits_seen(files), _ends(files)
    if os.geteuid() == 0:  # a pids cgroup says so; without one RLIMIT_NPROC just refuses forks
        assert "processes" in _limits_seen(forks), _ends(forks)


def _ends(g: Graded) -> list[str]:
    """How each scenario's process ended, for assertion messages."""
    return [f"{o.scenario}: {o.process!r} stderr {o.stderr[-300:]!r}" for o in _outcomes(g)]


@pytest.mark.parametrize("mode", MODES)
def test_output_flood_is_cut_and_said(mode: str) -> None:
    g = _batch(mode).graded["stdout_flood"]
    # (on a starved machine a scenario may end before the program got to print much)
    assert any(o.stdout_truncated for o in _outcomes(g)), _ends(g)
    for o in _outcomes(g):
        if o.process.killed_by_grader == "output limit":
            assert o.stdout_truncated
    assert "output-limit" in _diagnoses(g)
    from grader.render.html import render_report

    assert "printed too much" in render_report(g.result)  # the report says the output was cut


def _require_landlock() -> None:
    if not landlock_abi():
        pytest.skip("no Landlock in this kernel: beyond uid 65534 (as root) files are not confined")


@pytest.mark.parametrize("mode", MODES)
def test_secrets_stay_hidden(mode: str) -> None:
    _require_landlock()
    g = _batch(mode).graded["reads_secrets"]
    for o in _outcomes(g):
        text = o.stdout.decode(errors="replace")
        assert "DONE 0" in text, text[:2000]
        assert "LEAKED" not in text


@pytest.mark.parametrize("mode", MODES)
def test_writes_stay_in_scratch(mode: str) -> None:
    _require_landlock()
    g = _batch(mode).graded["writes_outside"]
    for o in _outcomes(g):
        assert "DONE 0" in o.stdout.decode(errors="replace"), o.stdout[:2000]
    planted = [
        p
        for p in (
            PROJECT / "planted.txt",
            PROJECT / "reference" / "planted.txt",
            Path("/tmp/planted-by-student.txt"),
            Path("/var/tmp/planted-by-student.txt"),
            Path("/dev/shm/planted-by-student.txt"),
        )
        if p.exists()
    ]
    for p in planted:
        p.unlink()
    assert planted == []


@pytest.mark.parametrize("mode", MODES)
def test_binary_and_markup_output_is_shown_safely(mode: str) -> None:
    from grader.render.html import render_report

    batch = _batch(mode)
    for name in ("binary_output", "html_injection"):
        html = render_report(batch.graded[name].result)
        assert "\x1b" not in html and "\x00" not in html
    html = render_report(batch.graded["html_injection"].result)
    assert "&lt;script&gt;" in html or "&lt;script>" in html


def test_killing_its_parent_harms_nobody() -> None:
    """The parent of the student is the launch chain; the grader and other students survive."""
    batch = _batch("namespace" if os.geteuid() == 0 and probe_namespaces()[0] else "host")
    if "kills_parent" not in batch.graded:
        pytest.skip("same uid and no Landlock signal scoping: the program could kill the test runner")
    assert batch.graded["well_behaved"].result.score == batch.spec.max_score
    assert batch.graded["kills_parent"].result.status == "graded"

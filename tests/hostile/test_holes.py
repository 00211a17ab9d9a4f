"""Submissions that attack what students used to share: files the grader reads, the scratch
disk, kernel objects (System V IPC, keyrings), ``/proc``, and on the host network each
other's connections and ports (issue 18).

Each program is graded alone and in a batch beside a correct submission, in both isolation
modes: it gets a normal result within its bound, the correct one keeps its full score, and
nothing is left behind (no process, no IPC object, no scratch folder).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from grader.grade import GradeOptions, grade_async
from grader.i18n import gettext_for
from grader.messages import msg
from grader.messages.codes import Code
from grader.render.terminal import print_result
from grader.render.words import containment_text, say
from grader.results.models import GradeResult
from grader.sandbox.box import free_port
from grader.sandbox.host import mount_support, probe_namespaces, scratch_parent
from grader.spec.load import load_assignment
from grader.spec.models import Assignment

HERE = Path(__file__).resolve().parent
HOLES = HERE / "holes"
FIXED = HERE.parent / "fixed_port"
PROTOCOL = (HOLES / "programs" / "_protocol.py").read_text()
MARGIN = 5.0
HOSTILE = ["deep_tree", "disk_fill", "fifo_file", "ipc_writer", "steals_connections"]
IPC_KEYS = ("0x47524431", "0x47524432")


@dataclass
class Graded:
    result: GradeResult
    seconds: float

    def stdout(self) -> str:
        return "".join(s.outcome.stdout.decode(errors="replace") for s in self.result.scenarios if s.outcome)

    def outcomes(self) -> list:
        return [s.outcome for s in self.result.scenarios if s.outcome is not None]


def _modes() -> list[str]:
    return ["namespace", "host"]


def _need(mode: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("these attacks are contained by a uid per run and private mounts: needs root")
    if mode == "namespace" and not probe_namespaces()[0]:
        pytest.skip("namespace mode needs network namespaces")


async def _grade(spec: Assignment, mode: str, names: list[str], work: Path) -> dict[str, Graded]:
    async def one(name: str) -> Graded:
        folder = work / f"{name}-{time.monotonic_ns()}"
        folder.mkdir()
        program = (HOLES / "programs" / f"{name}.py").read_text()
        (folder / "client.py").write_text(PROTOCOL + "\n" + program)
        started = time.monotonic()
        result = await grade_async(spec, folder, name, GradeOptions(isolation=mode))  # type: ignore[arg-type]
        return Graded(result, time.monotonic() - started)

    results = await asyncio.gather(*(one(n) for n in names))
    return dict(zip(names, results, strict=True))


def _lease_is_free(uid: int) -> bool:
    """Whether no grading process holds ``uid``'s lease: a process of it is then left over.

    Other graders on this machine (other test runs, a course's batch) lease uids of the same
    range for students that are rightly running: theirs are not ours to count."""
    from grader.sandbox.locks import open_lock, try_lock
    from grader.sandbox.uids import FIRST_STUDENT_UID

    fd = open_lock(f"uid-{uid - FIRST_STUDENT_UID}.lock")
    try:
        return try_lock(fd)
    finally:
        os.close(fd)  # closing drops the lock if it was taken here


def _leftovers() -> list[str]:
    """Student processes still alive (a uid of the grader's range that no lease holds, or
    marked by our scratch)."""
    from grader.sandbox.uids import FIRST_STUDENT_UID, STUDENT_UIDS

    found = []
    marker = f"HOME={scratch_parent()}".encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            uid = entry.stat().st_uid
            environ = Path(entry.path, "environ").read_bytes()
        except OSError:
            continue
        leased_range = FIRST_STUDENT_UID <= uid < FIRST_STUDENT_UID + STUDENT_UIDS
        if (leased_range and _lease_is_free(uid)) or marker in environ:
            found.append(f"{entry.name} uid {uid}")
    return found


def _ipc_objects() -> str:
    out = subprocess.run(["ipcs"], capture_output=True, text=True, check=False).stdout
    return "\n".join(line for line in out.splitlines() if any(k in line for k in IPC_KEYS))


@dataclass
class Run:
    batch: dict[str, Graded]
    alone: dict[str, Graded]
    reader: Graded
    leftovers: list[str]
    ipc: str
    scratch: list[Path]


_runs: dict[str, Run] = {}


def _run(mode: str, tmp_path_factory: pytest.TempPathFactory) -> Run:
    _need(mode)
    if mode not in _runs:
        spec = load_assignment(HOLES / "assignment.yaml")
        work = tmp_path_factory.mktemp(f"holes-{mode}")
        batch = asyncio.run(_grade(spec, mode, [*HOSTILE, "well_behaved"], work))
        # After the batch: what it left in kernel objects must be gone for the next student.
        reader = asyncio.run(_grade(spec, mode, ["ipc_reader"], work))["ipc_reader"]
        alone = {n: asyncio.run(_grade(spec, mode, [n], work))[n] for n in HOSTILE}
        _runs[mode] = Run(
            batch, alone, reader, _leftovers(), _ipc_objects(), list(scratch_parent().iterdir())
        )
    return _runs[mode]


@pytest.mark.parametrize("mode", _modes())
def test_beside_a_correct_submission_each_is_graded_normally(mode: str, tmp_path_factory) -> None:
    run = _run(mode, tmp_path_factory)
    spec = load_assignment(HOLES / "assignment.yaml")
    bound = spec.timeouts.scenario * len(spec.scenarios) + MARGIN
    correct = run.batch["well_behaved"].result
    assert correct.score == correct.max_score, correct.scenarios[0].message
    for name in HOSTILE:
        for where in (run.batch, run.alone):
            g = where[name]
            assert g.seconds < bound, (name, g.seconds)
            assert g.result.status == "graded", (name, g.result.not_graded_reason)
            assert all(s.status in ("passed", "failed") for s in g.result.scenarios), [
                (name, s.status, s.message) for s in g.result.scenarios
            ]
        assert run.batch[name].result.score == run.alone[name].result.score, name


@pytest.mark.parametrize("mode", _modes())
def test_nothing_is_left_behind(mode: str, tmp_path_factory) -> None:
    run = _run(mode, tmp_path_factory)
    assert run.leftovers == []
    assert run.ipc == "", run.ipc
    assert run.scratch == [], "scratch folders were left on disk"


@pytest.mark.parametrize("mode", _modes())
def test_a_fifo_is_named_not_opened(mode: str, tmp_path_factory) -> None:
    g = _run(mode, tmp_path_factory).batch["fifo_file"]
    scenario = g.result.scenarios[0]
    assert scenario.status == "failed"
    failed = scenario.steps[-1]
    assert failed.reason == msg(Code.FILE_IS_FIFO, path="out.txt"), failed.reason
    assert scenario.cause == msg(Code.NOT_A_FILE, path="out.txt"), scenario.diagnoses
    assert "out.txt is a FIFO (a named pipe), not a file" in say(scenario.message, "en")
    assert "out.txt 是一个 FIFO（命名管道），不是普通文件" in say(scenario.message, "zh")


@pytest.mark.parametrize("mode", _modes())
def test_a_deep_tree_costs_nothing(mode: str, tmp_path_factory) -> None:
    g = _run(mode, tmp_path_factory).batch["deep_tree"]
    assert g.result.score == g.result.max_score, g.result.scenarios[0].message


@pytest.mark.parametrize("mode", _modes())
def test_kernel_objects_and_processes_stay_private(mode: str, tmp_path_factory) -> None:
    run = _run(mode, tmp_path_factory)
    assert "MADE" in run.batch["ipc_writer"].stdout()
    text = run.reader.stdout()
    assert "FOUND nothing" in text, text
    # a uid per run and a hidepid /proc: the student sees its own processes only
    assert "OTHER PIDS 0" in text, text


@pytest.mark.parametrize("mode", _modes())
def test_filling_the_disk_stops_in_its_own_folder(mode: str, tmp_path_factory) -> None:
    g = _run(mode, tmp_path_factory).batch["disk_fill"]
    assert "FILLED" not in g.stdout()
    assert {o.process.limit for o in g.outcomes()} == {"disk"}, [o.process for o in g.outcomes()]


def test_the_disk_watchdog_where_nothing_may_be_mounted(monkeypatch, tmp_path) -> None:
    """Without private mounts the watchdog ends a filling run, and a deep tree is still removed."""
    _need("host")
    monkeypatch.setenv("GRADER_NO_PRIVATE_MOUNTS", "1")
    assert not mount_support().scratch
    spec = load_assignment(HOLES / "assignment.yaml")
    graded = asyncio.run(_grade(spec, "host", ["disk_fill", "deep_tree", "well_behaved"], tmp_path))
    disk = graded["disk_fill"]
    assert {o.process.limit for o in disk.outcomes()} == {"disk"}, [o.process for o in disk.outcomes()]
    assert not disk.result.run.containment.private_scratch
    assert "scratch: disk watchdog (private mounts turned off" in containment_text(disk.result.run, "en")
    assert "临时文件夹：磁盘监视" in containment_text(disk.result.run, "zh")
    assert graded["deep_tree"].result.status == "graded"
    assert graded["well_behaved"].result.score == spec.max_score
    assert list(scratch_parent().iterdir()) == []


def test_a_thief_on_the_host_network_gets_no_connection(tmp_path_factory) -> None:
    run = _run("host", tmp_path_factory)
    text = run.batch["steals_connections"].stdout()
    served = {int(p) for p in text.split("SERVED", 1)[1].split(";", 1)[0].split()}
    # Only the batch's own reference servers count: on a shared machine other programs listen
    # too (other graders, dashboards), and some of them answer anyone.
    ours = {o.port for name, g in run.batch.items() if name != "steals_connections" for o in g.outcomes()}
    assert ours and not served & ours, (text, ours)
    assert run.batch["well_behaved"].result.score == run.batch["well_behaved"].result.max_score


def _fixed_port_spec() -> Assignment:
    spec = load_assignment(FIXED)
    port = free_port()
    return spec.model_copy(update={"network": spec.network.model_copy(update={"port": port})})


def test_a_port_held_by_another_program_is_said_never_scored(tmp_path) -> None:
    """Host mode, fixed port: an old server still running is named, and no score is given."""
    _need("host")
    spec = _fixed_port_spec()
    port = spec.network.port
    printer = tmp_path / "printer"
    printer.mkdir()
    (printer / "server.py").write_text('print("server started")\n')
    good = tmp_path / "good"
    good.mkdir()
    (good / "server.py").write_text((FIXED / "good_server.py").read_text().replace("8080", str(port)))
    squatter = subprocess.Popen(
        [
            "python3",
            "-c",
            f"import socket,time; s=socket.socket(); s.bind(('127.0.0.1',{port})); "
            "s.listen(); print('up', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert squatter.stdout is not None and squatter.stdout.readline() == b"up\n"

        async def both() -> list[GradeResult]:
            return list(
                await asyncio.gather(
                    grade_async(spec, printer, "printer", GradeOptions(isolation="host")),
                    grade_async(spec, good, "good", GradeOptions(isolation="host")),
                )
            )

        for result in asyncio.run(both()):
            assert result.status == "graded"
            assert result.score == 0
            first = next(s for s in result.scenarios if s.status == "not_gradable")
            assert first.outcome is not None and first.outcome.grader_error is not None
            taken = first.outcome.grader_error
            assert taken.code is Code.PORT_IN_USE and taken.args["pid"] == squatter.pid, taken
            assert str(taken.args["command"]).startswith("python3 -c")
            assert all(s.status in ("not_gradable", "skipped") for s in result.scenarios)
            # the total is no score: it says the submission could not be graded, and why
            for lang, words in (("en", "Could not be graded: port"), ("zh", "无法评分：端口")):
                console = Console(record=True, width=200)
                print_result(result, console, lang)
                total = console.export_text()
                assert words in total and f"pid {squatter.pid}" in total, total
                score_label = gettext_for(lang)("Score: {score:g}/{max:g}").split("{")[0]
                assert score_label not in total, total
    finally:
        squatter.kill()
        squatter.wait()
    # the port free again, the correct server is graded as usual
    again = asyncio.run(grade_async(spec, good, "good", GradeOptions(isolation="host")))
    assert again.score == again.max_score, [s.message for s in again.scenarios]

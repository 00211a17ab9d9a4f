"""Scores that do not depend on how busy the machine is (grader.run.deadline, typing one line at a time)."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.grade import GradeOptions, grade_async
from grader.messages import facts, msg
from grader.messages.codes import Code
from grader.outcome import StepOutcome, step_has
from grader.run.context import note_busy
from grader.run.deadline import LoadAwareTimeout, LoopLag, ProgressMeter, run_delays
from grader.spec.load import load_assignment

ROOT = Path(__file__).resolve().parent.parent


class ScriptedMeter(ProgressMeter):
    """A meter whose waits are given, so the deadline logic is tested apart from the kernel."""

    def __init__(self, waits: list[float]) -> None:
        super().__init__(lambda: [])
        self.waits = waits

    def sample(self) -> dict[int, int]:
        return {}

    def waited_since(self, mark: dict[int, int]) -> float:
        return self.waits.pop(0) if self.waits else 0.0


def test_the_kernel_says_how_long_threads_waited_for_a_processor() -> None:
    delays = run_delays([os.getpid()])
    if not delays:
        pytest.skip("no /proc/<pid>/task/<tid>/schedstat here: deadlines are wall time only")
    assert all(isinstance(ns, int) and ns >= 0 for ns in delays.values())
    assert len(delays) == len(os.listdir(f"/proc/{os.getpid()}/task"))


def test_a_deadline_is_extended_by_the_time_the_program_waited_to_run() -> None:
    async def main() -> LoadAwareTimeout:
        answered = asyncio.Event()
        deadline = LoadAwareTimeout(0.02, ScriptedMeter([0.02, 0.02]))
        asyncio.get_running_loop().call_later(0.03, answered.set)  # after the plain deadline
        async with deadline:
            await answered.wait()
        return deadline

    deadline = asyncio.run(main())
    assert deadline.granted >= 0.02 and deadline.busy


def test_a_program_that_was_never_kept_waiting_gets_no_more_time() -> None:
    async def main() -> LoadAwareTimeout:
        deadline = LoadAwareTimeout(0.01, ScriptedMeter([]))
        with pytest.raises(TimeoutError):
            async with deadline:
                await asyncio.Event().wait()
        return deadline

    deadline = asyncio.run(main())
    assert deadline.granted == 0 and not deadline.busy


def test_extensions_stop_at_the_cap_and_the_timeout_says_the_machine_was_busy() -> None:
    async def main() -> LoadAwareTimeout:
        deadline = LoadAwareTimeout(0.01, ScriptedMeter([1.0] * 50))
        with pytest.raises(TimeoutError):
            async with deadline:
                await asyncio.Event().wait()
        return deadline

    deadline = asyncio.run(main())
    assert deadline.granted == pytest.approx(0.01)
    out = StepOutcome(index=0, action="connect")
    out.reason = facts(
        msg(Code.CONNECTION_REFUSED, n=3), msg(Code.LISTENS_ON_WRONG_PORT, listening=8888, expected=5000)
    )
    note_busy(out, deadline)
    assert step_has(out, Code.BUSY_MACHINE)
    parts = out.reason.args["facts"]  # still one flat list, so a diagnosis finds the other port
    assert [p.code for p in parts] == [Code.CONNECTION_REFUSED, Code.LISTENS_ON_WRONG_PORT, Code.BUSY_MACHINE]


def _copy_as(tmp: Path, name: str, source: Path, entry: str) -> Path:
    folder = tmp / name
    folder.mkdir()
    shutil.copy(source, folder / entry)
    return folder


def test_typed_lines_reach_a_readline_select_client_the_same_way_every_time(tmp_path: Path) -> None:
    """The line-chat client that reads the keyboard with readline() inside select(): whether
    two typed lines arrive in one read used to be the scheduler's choice (7/10 or 10/10). One
    line at a time it always sends both typed lines; a paste always shows the bug."""
    spec = load_assignment(ROOT / "assignments" / "line-chat-client")
    source = ROOT / "tests" / "submissions" / "line-chat-client" / "readline-in-select.py"
    folders = [_copy_as(tmp_path, f"s{i}", source, "client.py") for i in range(6)]
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])

    async def main() -> list[dict[str, str]]:
        results = await asyncio.gather(*(grade_async(spec, f, f.name, GradeOptions()) for f in folders))
        return [{s.id: s.status for s in r.scenarios if s.status != "passed"} for r in results]

    try:
        lost = asyncio.run(main())
    finally:
        burner.kill()
        burner.wait()
    assert lost == [{"pasted-lines": "failed"}] * len(folders)


def _stability_module():  # type: ignore[no-untyped-def]
    path = ROOT / "benchmarks" / "load_stability.py"
    spec = importlib.util.spec_from_file_location("load_stability", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_whole_submission_set_under_load_gets_one_result_per_submission() -> None:
    """Every reference and buggy submission, twice each, 24 gradings at once on this machine's
    cores with two CPU burners beside them: no submission may get two different results."""
    seen = _stability_module().run(copies=2, jobs=24, burners=2)
    unstable = {name: dict(results) for name, results in seen.items() if len(results) > 1}
    assert not unstable, unstable
    assert len(seen) > 40  # every assignment's submissions were there


def test_portable_timeouts_say_the_grader_loop_was_kept_from_running() -> None:
    """Portable mode cannot ask how long the program waited; a loop kept from running (here
    by a blocking call, on a busy machine by the other work) extends nothing, since that
    would let a too-slow program pass under load, but the timeout says the machine was busy."""

    async def main() -> tuple[LoadAwareTimeout, bool]:
        meter = LoopLag()
        deadline = LoadAwareTimeout(0.05, meter)
        timed_out = False
        try:
            async with deadline:
                time.sleep(0.2)  # the loop cannot run: its heartbeat comes late
                await asyncio.Event().wait()  # a program that never answers
        except TimeoutError:
            timed_out = True
        finally:
            meter.close()
        return deadline, timed_out

    deadline, timed_out = asyncio.run(main())
    assert timed_out and deadline.granted == 0
    assert deadline.lagged >= 0.1 and deadline.busy
    out = StepOutcome(index=0, action="expect", status="timeout")
    note_busy(out, deadline)
    assert out.reason is not None and out.reason.code is Code.BUSY_MACHINE_NOT_EXTENDED

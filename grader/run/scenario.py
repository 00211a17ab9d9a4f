"""Running one scenario: the student's process, its terminal and the reference peer, together.

Everything here collects facts into an :class:`~grader.outcome.Outcome`. Steps run in order;
each waits on events (bytes, EOF, process exit, a listening port) under a deadline, and the
first step whose expectation is not met ends the scenario. Whatever happens, the ``finally``
of :func:`run_scenario` ends the process tree and closes every socket and descriptor.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import assert_never

from grader.messages import msg
from grader.messages.codes import Code
from grader.outcome import GraderProblem, Outcome, StepOutcome
from grader.run import http_steps
from grader.run.context import (
    TCP_STATES,
    RunContext,
    StepFailed,
    _clip,
    _os_error_reason,
    note_busy,
)
from grader.run.deadline import LoadAwareTimeout
from grader.run.peer import (
    tcp_sockets,
)
from grader.run.terminal_steps import TerminalSteps
from grader.run.web_steps import WebSteps
from grader.sandbox import hostports
from grader.spec.models import Scenario
from grader.spec.net_steps import (
    Accept,
    BrowserVisit,
    Close,
    Connect,
    Expect,
    ExpectEof,
    Request,
    Reset,
    Response,
    Send,
    Shutdown,
    WaitListening,
)
from grader.spec.steps import AnyStepModel, Parallel, Pause
from grader.spec.terminal_steps import CloseStdin, Exit, FileCheck, Output, Prompt, Stderr, Type


class ScenarioRun(WebSteps, TerminalSteps):
    """The state of one running scenario; owned by :func:`run_scenario`, never shared."""

    # -- steps ----------------------------------------------------------------

    async def run_steps(self) -> None:
        for index, step in enumerate(self.scenario.steps):
            out = StepOutcome(index=index, action=step.action, conn=getattr(step, "conn", None))
            self.outcome.steps.append(out)
        for out, step in zip(self.outcome.steps, self.scenario.steps, strict=True):
            await self._run_step(step, out)
            if out.status != "ok":
                return

    async def _run_step(self, step: AnyStepModel, out: StepOutcome, copy: int | None = None) -> None:
        out.started = self.clock()
        deadline = LoadAwareTimeout(self._timeout(step), self.meter)
        try:
            async with deadline:
                await self._handle(step, out, copy)
            if out.status == "not_reached":
                out.status = "ok"
        except TimeoutError:
            out.status = "timeout"
            out.waited = round(self._timeout(step) + deadline.granted, 3)
            self._note_unread(step, out)
            note_busy(out, deadline)
        except StepFailed:
            if out.status in ("not_reached", "ok"):
                out.status = "failed"
        except (ConnectionError, BrokenPipeError, OSError) as exc:
            out.status = "failed"
            out.reason = out.reason or _os_error_reason(exc)
        finally:
            out.ended = self.clock()
            if out.waited is None and out.started is not None:
                out.waited = round(out.ended - out.started, 4)
            _clip(out)

    def _note_unread(self, step: object, out: StepOutcome) -> None:
        """On a timeout, show what had arrived so far."""
        if out.observed is not None:
            return
        conn = self._conn_name(step, None) if hasattr(step, "conn") else None
        if conn and conn in self.conns:
            out.observed = bytes(self.conns[conn].buffer)
            if out.action == "response" and self.spec.role == "server":
                out.reason = http_steps.unfinished_response(out.observed)
            elif out.action == "request" and self.spec.role == "client":
                out.reason = http_steps.unfinished_request(out.observed)
        elif out.action in ("prompt", "output") and self.stdout is not None:
            out.observed = bytes(self.stdout.data[self.cursor :])

    async def _handle(self, step: AnyStepModel, out: StepOutcome, copy: int | None) -> None:
        """Run ``step`` by its class (mypy checks that every step model of the spec has a case)."""
        match step:
            case Accept():
                await self._accept(step, out, copy)
            case Connect():
                await self._connect(step, out, copy)
            case WaitListening():
                await self._wait_listening(step, out, copy)
            case Send():
                await self._send(step, out, copy)
            case Expect():
                await self._expect(step, out, copy)
            case ExpectEof():
                await self._expect_eof(step, out, copy)
            case Shutdown():
                await self._shutdown(step, out, copy)
            case Close():
                await self._close(step, out, copy)
            case Reset():
                await self._reset(step, out, copy)
            case Pause():
                await self._pause(step, out, copy)
            case Request():
                await self._request(step, out, copy)
            case Response():
                await self._response(step, out, copy)
            case BrowserVisit():
                await self._browser(step, out, copy)
            case Parallel():
                await self._parallel(step, out, copy)
            case Prompt():
                await self._prompt(step, out, copy)
            case Output():
                await self._output(step, out, copy)
            case Type():
                await self._type(step, out, copy)
            case CloseStdin():
                await self._close_stdin(step, out, copy)
            case Exit():
                await self._exit(step, out, copy)
            case Stderr():
                await self._stderr(step, out, copy)
            case FileCheck():
                await self._file(step, out, copy)
            case _:
                assert_never(step)


def _port_held(ctx: RunContext) -> list[str]:
    """Host mode, student server on a fixed port: states of sockets already on that port.

    Such sockets (a TIME_WAIT left by an earlier run, another program) make the student's
    ``bind()`` fail without ``SO_REUSEADDR`` through no fault of the student's.
    """
    port = ctx.assignment.network.port
    if ctx.mode != "host" or ctx.assignment.role != "server" or port is None:
        return []
    return [TCP_STATES.get(state, state) for local, state in tcp_sockets() if local == port]


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def start_off_loop(run: ScenarioRun) -> tuple[int, int, int, int]:
    """:meth:`ScenarioRun.start` on a thread of its own; the loop serves other scenarios meanwhile.

    A thread per start, not a pool: a resident process forks only while it runs no thread.
    If the scenario is cancelled while its program is being started, the start is still
    waited for, so that ``finish`` finds (and ends) the process it made.
    """
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    box: list[tuple[int, int, int, int] | BaseException] = []

    def start() -> None:
        try:
            box.append(run.start())
        except BaseException as exc:  # handed to the loop's thread
            box.append(exc)
        loop.call_soon_threadsafe(_settle, done)

    thread = threading.Thread(target=start, name="grader-starter")
    thread.start()
    try:
        await asyncio.shield(done)
    except asyncio.CancelledError:
        thread.join()  # a start takes milliseconds: wait, then let finish() end what it made
        if box and not isinstance(box[0], BaseException):
            run.attach(*box[0])
        raise
    thread.join()  # it has nothing left to do; joined, it is gone before the next fork
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def _port_taken_before(ctx: RunContext) -> hostports.PortTaken | None:
    """Host mode, student server on a fixed port: a program already listening there.

    The grader would talk to it instead of the student's program (and score it): the run is
    not graded, and the message names the program to stop.
    """
    port = ctx.assignment.network.port
    if ctx.mode != "host" or ctx.assignment.role != "server" or not isinstance(port, int):
        return None  # ``port: any`` is never graded on the host network
    return hostports.taken_by_other(port)


async def run_scenario(
    ctx: RunContext, scenario: Scenario, runner: type[ScenarioRun] | None = None
) -> Outcome:
    """Run one scenario to its end and return the facts; never raises for student behaviour.

    ``runner``: the scenario runner, where not the Linux one (:class:`grader.run.portable.PortableRun`).
    """
    run = (runner or ScenarioRun)(ctx, scenario)
    started = time.monotonic()
    held = _port_held(ctx)
    taken = _port_taken_before(ctx)
    if taken is not None:
        run.outcome.grader_error = taken.reason()
        return run.outcome
    deadline = scenario.timeout or ctx.assignment.timeouts.scenario
    try:
        run.attach(*await start_off_loop(run))
        limit = LoadAwareTimeout(deadline, run.meter)
        try:
            async with limit:
                await run.run_steps()
        except TimeoutError:
            current = next((s for s in run.outcome.steps if s.started is not None and s.ended is None), None)
            if current is not None:
                current.status = "timeout"
                current.reason = msg(Code.SCENARIO_TIME_LIMIT, secs=f"{deadline:g}")
                current.ended = run.clock()
                note_busy(current, limit)
    except GraderProblem as exc:
        run.outcome.grader_error = exc.reason
    except run.sandbox_errors as exc:
        run.outcome.grader_error = msg(Code.SANDBOX_FAILED, error=str(exc))
    except Exception as exc:  # a bug in the grader: say so, never blame the student
        run.outcome.grader_error = msg(Code.INTERNAL_ERROR, error=f"{type(exc).__name__}: {exc}")
    finally:
        await run.finish()
        run.outcome.duration = round(time.monotonic() - started, 4)
    if run.port_taken is not None and not run.outcome.grader_error:
        run.outcome.grader_error = run.port_taken.reason()
    if held and not run.outcome.grader_error and run.outcome.bind_failed:
        run.outcome.grader_error = msg(
            Code.PORT_HELD, port=ctx.assignment.network.port, states=", ".join(sorted(set(held)))
        )
    return run.outcome

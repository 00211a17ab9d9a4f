"""Hand-built results for report tests: every status, every step kind, every visibility,
empty and huge transcripts, bytes that are not UTF-8, and hostile strings everywhere a
submission can put text."""

from __future__ import annotations

from grader.messages import msg, verbatim
from grader.messages.codes import Code
from grader.outcome import (
    ConnectionRecord,
    Containment,
    Outcome,
    ProcessEnd,
    StepOutcome,
    TerminalEvent,
    WireEvent,
)
from grader.results.models import GradeResult, RunInfo, ScenarioResult, StepVerdict
from grader.spec.steps import STEP_ACTIONS

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
"""What a hostile student prints, sends and names itself: it must show as text, never run."""
HOSTILE_B = HOSTILE.encode()


def outcome(scenario: str, **kw: object) -> Outcome:
    base: dict[str, object] = dict(
        scenario=scenario,
        isolation="namespace",
        host="127.0.0.1",
        port=5000,
        argv=["python3", "-u", "client.py", "127.0.0.1", "5000"],
        duration=0.05,
        process=ProcessEnd(exit_code=0, cpu_seconds=0.02),
    )
    base.update(kw)
    return Outcome.model_validate(base)


def verdict(index: int, action: str, status: str = "passed", **kw: object) -> StepVerdict:
    return StepVerdict.model_validate(
        dict(index=index, action=action, description=verbatim(f"step doing {action}"), status=status, **kw)
    )


def passed_scenario() -> ScenarioResult:
    o = outcome(
        "passes",
        wire=[
            WireEvent(t=0.010, conn="c1", direction="from_student", data=b"hello"),
            WireEvent(t=0.011, conn="c1", direction="to_student", data="你好, hello!".encode()),
        ],
        connections=[
            ConnectionRecord(
                conn="c1", opened_at=0.009, student_closed="fin", peer_closed="fin", closed_at=0.02
            )
        ],
        terminal=[TerminalEvent(t=0.012, stream="stdout", data="你好, hello!\n".encode())],
    )
    return ScenarioResult(
        id="passes",
        title="Says hello",
        description="Sends hello and prints the reply.",
        status="passed",
        score=2,
        max_score=2,
        message=msg(Code.PASSED),
        duration=0.05,
        outcome=o,
        steps=[
            verdict(0, "accept"),
            verdict(1, "expect", observed="hello"),
            verdict(2, "send"),
            verdict(3, "output"),
        ],
    )


def every_step_scenario() -> ScenarioResult:
    """One step of every kind the spec knows, in every step status, and every terminal stream."""
    statuses = ["passed"] * (len(STEP_ACTIONS) - 3) + ["failed", "not_reached", "not_reached"]
    steps = [
        verdict(i, a, s, max_score=1 if a == "exit" else 0)
        for i, (a, s) in enumerate(zip(STEP_ACTIONS, statuses, strict=True))
    ]
    failed = len(STEP_ACTIONS) - 3
    steps[failed] = verdict(
        failed,
        STEP_ACTIONS[failed],
        "failed",
        expected="ok",
        observed="no",
        message=verbatim("Step: expected ok; observed no."),
    )
    o = outcome(
        "every-step",
        wire=[
            WireEvent(t=0.01, conn="c1", direction="to_student", data=b"ping\r\n"),
            WireEvent(t=0.02, conn="c1", direction="from_student", data=b"pong\r\n"),
            WireEvent(t=0.03, conn="c2", direction="from_student", data=b"x" * 10, size=10),
            WireEvent(t=0.031, conn="c2", direction="from_student", data=b"", size=5000),
        ],
        connections=[
            ConnectionRecord(conn="c1", opened_at=0.005, student_closed="rst", peer_closed="fin"),
            ConnectionRecord(conn="c2", opened_at=0.025, student_closed="open", peer_closed="open"),
            ConnectionRecord(conn="c3", student_closed="refused", peer_closed="never_opened"),
        ],
        terminal=[
            TerminalEvent(t=0.001, stream="prompt", data=b"Name: "),
            TerminalEvent(t=0.002, stream="stdin", data=b"Ada\n"),
            TerminalEvent(t=0.003, stream="stdout", data=b"Hi Ada\n"),
            TerminalEvent(t=0.004, stream="stderr", data=b"warning: careful\n"),
        ],
        steps=[StepOutcome(index=failed, action=STEP_ACTIONS[failed], status="failed", ended=0.04)],
        process=ProcessEnd(exit_code=None, signal=9, killed_by_grader="scenario timeout", limit="memory"),
    )
    return ScenarioResult(
        id="every-step",
        title="Every step kind",
        status="failed",
        score=1,
        max_score=2,
        steps=steps,
        failed_step=failed,
        message=verbatim("Step: expected ok; observed no."),
        outcome=o,
        duration=0.05,
    )


def diff_scenario() -> ScenarioResult:
    """GBK-decoded output: the first difference is inside a multi-byte character."""
    expected = "你好, hello!".encode()
    observed = "浣犲ソ, hello!\n".encode()
    o = outcome(
        "garbled",
        terminal=[TerminalEvent(t=0.01, stream="stdout", data=observed)],
        steps=[StepOutcome(index=0, action="output", status="failed", ended=0.02)],
    )
    step = verdict(
        0,
        "output",
        "failed",
        expected="你好, hello!",
        observed="浣犲ソ, hello!\\n",
        expected_bytes=expected,
        observed_bytes=observed,
        first_difference=0,
        expected_size=len(expected),
        observed_size=len(observed),
        message=verbatim("Step 1 (prints): expected “你好, hello!”; observed “浣犲ソ, hello!\\n”."),
        diagnoses=[msg(Code.GBK_UTF8, encoding="utf-8")],
        hint="Decode with UTF-8.",
    )
    return ScenarioResult(
        id="garbled",
        title="Prints the reply",
        status="failed",
        score=0,
        max_score=2,
        steps=[step],
        failed_step=0,
        diagnoses=step.diagnoses,
        hint="Scenario hint.",
        message=step.message,
        outcome=o,
        duration=0.02,
    )


def binary_scenario() -> ScenarioResult:
    """Bytes that are not UTF-8, NUL, CR and LF, and a traceback on stderr."""
    sent = b"\x00\xff\x80\xfe\r\n"
    back = b"\x00\xff\x80\xfd\r\n"
    stderr = (
        b"Traceback (most recent call last):\n"
        b'  File "/tmp/grader-run-abc123/server.py", line 12, in <module>\n    main()\n'
        b'  File "/tmp/grader-run-abc123/server.py", line 9, in main\n    conn.sendall(data.decode())\n'
        b'  File "/usr/lib/python3.11/socket.py", line 40, in sendall\n    raise TypeError\n'
        b"TypeError: a bytes-like object is required, not 'str'\n"
    )
    o = outcome(
        "binary",
        wire=[
            WireEvent(t=0.01, conn="c1", direction="to_student", data=sent),
            WireEvent(t=0.02, conn="c1", direction="from_student", data=back),
        ],
        connections=[ConnectionRecord(conn="c1", opened_at=0.005, student_closed="fin", peer_closed="open")],
        stderr=stderr,
        process=ProcessEnd(exit_code=1),
        steps=[StepOutcome(index=1, action="expect", status="failed", ended=0.03)],
    )
    step = verdict(
        1,
        "expect",
        "failed",
        expected="\\0\\xff\\x80\\xfe\\r\\n",
        observed="\\0\\xff\\x80\\xfd\\r\\n",
        expected_bytes=sent,
        observed_bytes=back,
        first_difference=3,
        message=verbatim("Step 2: expected other bytes."),
    )
    return ScenarioResult(
        id="binary",
        title="Echoes bytes",
        status="failed",
        score=0,
        max_score=1,
        steps=[verdict(0, "send"), step],
        failed_step=1,
        message=verbatim("Step 2: expected other bytes."),
        outcome=o,
    )


def hostile_scenario() -> ScenarioResult:
    o = outcome(
        "hostile",
        wire=[WireEvent(t=0.01, conn="c1", direction="from_student", data=HOSTILE_B)],
        connections=[ConnectionRecord(conn="c1", opened_at=0.005)],
        terminal=[TerminalEvent(t=0.02, stream="stdout", data=HOSTILE_B + b"\n")],
        stderr=HOSTILE_B,
        files={HOSTILE: HOSTILE_B, "missing.txt": None},
        steps=[StepOutcome(index=0, action="expect", status="failed", ended=0.03)],
    )
    unbroken = "\\xff" * 300  # one long word: it must wrap, not widen the page on a phone
    step = verdict(
        0,
        "expect",
        "failed",
        expected="hello",
        observed=HOSTILE,
        expected_bytes=b"hello",
        observed_bytes=HOSTILE_B,
        first_difference=0,
        message=verbatim(f"observed {HOSTILE} {unbroken}"),
        diagnoses=[verbatim(HOSTILE)],
        hint=HOSTILE,
    )
    return ScenarioResult(
        id="hostile",
        title="Hostile output",
        description=HOSTILE,
        status="failed",
        score=0,
        max_score=1,
        steps=[step],
        failed_step=0,
        message=verbatim("observed " + HOSTILE),
        outcome=o,
    )


def huge_scenario(size: int = 256 * 1024) -> ScenarioResult:
    """256 KiB each way in 4 KiB chunks, and as much printed: more than a report shows."""
    chunk = bytes(range(256)) * 16
    wire = []
    for i in range(size // len(chunk)):
        wire.append(WireEvent(t=0.001 * i, conn="c1", direction="to_student", data=chunk))
        wire.append(WireEvent(t=0.001 * i + 0.0005, conn="c1", direction="from_student", data=chunk))
    o = outcome(
        "huge",
        wire=wire,
        connections=[ConnectionRecord(conn="c1", opened_at=0.0)],
        terminal=[TerminalEvent(t=0.3, stream="stdout", data=b"line\n" * (size // 5))],
        stdout_truncated=True,
        stderr=b"E" * 100_000,
        stderr_truncated=True,
    )
    return ScenarioResult(
        id="huge",
        title="Echoes 256 KiB",
        status="passed",
        score=1,
        max_score=1,
        steps=[verdict(0, "send"), verdict(1, "expect")],
        outcome=o,
        message=msg(Code.PASSED),
    )


def empty_scenario() -> ScenarioResult:
    """Nothing on the wire and nothing on the terminal: the program could not even start."""
    o = outcome(
        "empty",
        process=ProcessEnd(started=False, start_error="No such file: client.py"),
        steps=[StepOutcome(index=0, action="accept", status="failed", ended=0.01)],
    )
    return ScenarioResult(
        id="empty",
        title="Starts at all",
        status="failed",
        score=0,
        max_score=1,
        steps=[verdict(0, "accept", "failed", message=verbatim("Step 1: never connected."))],
        failed_step=0,
        message=verbatim("Step 1: never connected."),
        outcome=o,
    )


def skipped_scenario() -> ScenarioResult:
    return ScenarioResult(
        id="skips",
        title="Needs hello",
        status="skipped",
        score=0,
        max_score=1,
        skipped_because="garbled",
        message=msg(Code.SKIPPED, title="Prints the reply"),
        diagnoses=[msg(Code.SKIPPED_CAUSE, title="Prints the reply")],
    )


def not_gradable_scenario() -> ScenarioResult:
    o = outcome("broken", grader_error=verbatim("the peer could not bind 127.0.0.1:5000"))
    return ScenarioResult(
        id="broken",
        title="Grader trouble",
        status="not_gradable",
        score=0,
        max_score=1,
        message=msg(Code.NOT_GRADABLE, why=verbatim("bind failed")),
        outcome=o,
    )


SECRET = "TOP-SECRET-hidden-case"


def hidden_scenario(visibility: str = "hidden") -> ScenarioResult:
    o = outcome("secret", terminal=[TerminalEvent(t=0.01, stream="stdout", data=f"{SECRET} output".encode())])
    return ScenarioResult(
        id=f"{visibility}-{SECRET}".lower().replace("_", "-"),
        title=f"{SECRET} {visibility}",
        description=f"{SECRET} description",
        status="failed",
        score=1,
        max_score=3,
        visibility=visibility,  # type: ignore[arg-type]
        steps=[
            verdict(
                0,
                "output",
                "failed",
                expected=f"{SECRET} expected",
                observed="nope",
                message=verbatim(f"{SECRET} message"),
            )
        ],
        failed_step=0,
        message=verbatim(f"{SECRET} message"),
        hint=f"{SECRET} hint",
        outcome=o,
    )


def result(scenarios: list[ScenarioResult], student: str = "alice", **kw: object) -> GradeResult:
    base: dict[str, object] = dict(
        assignment="hello-client",
        assignment_title="Hello, TCP client",
        student=student,
        score=sum(s.score for s in scenarios),
        max_score=sum(s.max_score for s in scenarios),
        scenarios=scenarios,
        run=RunInfo(
            isolation="namespace",
            containment=Containment(pid_namespaces=True, landlock_abi=4, ipc_namespace=True),
            python="3.11.2",
            grader_version="0.1.0",
            started_at="2026-11-26T01:14:34+00:00",
            duration=0.53,
        ),
    )
    base.update(kw)
    return GradeResult.model_validate(base)


def full_result(student: str = "alice") -> GradeResult:
    """A result with every status, step kind and visibility, and hostile strings."""
    return result(
        [
            passed_scenario(),
            every_step_scenario(),
            diff_scenario(),
            binary_scenario(),
            hostile_scenario(),
            empty_scenario(),
            skipped_scenario(),
            not_gradable_scenario(),
            hidden_scenario("hidden"),
            hidden_scenario("after_due_date"),
            hidden_scenario("after_published"),
        ],
        student=student,
    )


def not_graded_result(student: str = "bob") -> GradeResult:
    return result(
        [],
        student=student,
        score=0,
        max_score=10,
        status="not_graded",
        not_graded_reason=verbatim(f"no client.py in the submission (found: {HOSTILE})"),
    )

"""The judge, from hand-built Outcomes: points, statuses, explanations and diagnoses.

No process runs here: every Outcome is written by hand, as the design requires of a pure judge.
"""

from __future__ import annotations

import pytest

from grader.judge.facts import traceback_location
from grader.judge.scenario import judge_scenario, skipped
from grader.messages import facts, msg
from grader.messages.codes import Code
from grader.outcome import Outcome, ProcessEnd, StepOutcome, WireEvent
from grader.render.html.stderr_view import stderr_view
from grader.render.words import feedback_text, say
from grader.spec.models import Scenario


def scenario(steps: list, points: float = 2, **extra: object) -> Scenario:
    return Scenario.model_validate({"id": "s", "title": "S", "points": points, "steps": steps, **extra})


def outcome(steps: list[StepOutcome], **facts: object) -> Outcome:
    return Outcome(scenario="s", isolation="namespace", host="127.0.0.1", port=5000, steps=steps, **facts)


def ok(i: int, action: str, **kw: object) -> StepOutcome:
    return StepOutcome(index=i, action=action, status="ok", **kw)


def test_all_steps_ok_earns_scenario_and_step_points() -> None:
    spec = scenario(["accept", {"expect": {"text": "hi", "points": 1}}])
    result = judge_scenario(spec, outcome([ok(0, "accept"), ok(1, "expect", expected=b"hi", observed=b"hi")]))
    assert (result.status, result.score, result.max_score) == ("passed", 3, 3)


def test_step_points_are_kept_when_a_later_step_fails() -> None:
    spec = scenario(["accept", {"expect": {"text": "hi", "points": 1}}, "expect_eof"])
    facts = outcome(
        [
            ok(0, "accept"),
            ok(1, "expect", expected=b"hi", observed=b"hi"),
            StepOutcome(index=2, action="expect_eof", status="timeout", waited=5.0, observed=b""),
        ]
    )
    result = judge_scenario(spec, facts)
    assert (result.status, result.score, result.failed_step) == ("failed", 1, 2)
    assert [d.code for d in result.diagnoses] == ["never-closed"]
    assert "waited 5 s" in feedback_text(result)


def test_mismatch_shows_expected_observed_and_first_difference() -> None:
    spec = scenario(["accept", {"expect": {"text": "hello"}}])
    facts = outcome(
        [
            ok(0, "accept"),
            StepOutcome(
                index=1,
                action="expect",
                status="failed",
                expected=b"hello",
                observed=b"hello\n",
                first_difference=5,
                reason=msg(Code.DIFFERENT_BYTES),
            ),
        ]
    )
    result = judge_scenario(spec, facts)
    step = result.steps[1]
    assert step.status == "failed" and step.first_difference == 5
    assert step.expected == "hello" and step.observed == "hello\\n"
    text = feedback_text(result)
    assert "“hello” (5 bytes)" in text and "“hello\\n” (6 bytes)" in text
    assert "extra-newline" in [d.code for d in result.diagnoses]


def test_grader_error_is_not_gradable_not_zero_blame() -> None:
    why = msg(Code.PEER_CANNOT_LISTEN, host="127.0.0.1", port=5000, error="Address already in use")
    result = judge_scenario(scenario(["accept"]), outcome([], grader_error=why))
    assert result.status == "not_gradable"
    assert "not of your program" in feedback_text(result)


def test_skipped_names_its_root_cause() -> None:
    result = skipped(scenario(["accept"]), "connects", "Connects")
    assert result.status == "skipped" and result.skipped_because == "connects"
    assert "Connects" in feedback_text(result)


TRACEBACK = (
    'Traceback (most recent call last):\n  File "/tmp/grader-run-1/client.py", line 9, in <module>\n'
    '    s.send("hello")\n  File "/usr/lib/python3.11/socket.py", line 1, in x\n'
    "TypeError: a bytes-like object is required, not 'str'\n"
)

DIAGNOSES = [
    # (name, steps spec, failed step outcome, extra facts, expected diagnoses, most specific first)
    (
        "str passed to send",
        ["accept", {"expect": {"text": "hello"}}],
        StepOutcome(
            index=1,
            action="expect",
            status="failed",
            expected=b"hello",
            observed=b"",
            reason=msg(Code.CLOSED_EARLY),
        ),
        {"stderr": TRACEBACK.encode(), "process": ProcessEnd(exit_code=1)},
        ["str-not-bytes", "crash", "closed-early"],
    ),
    (
        "connection refused",
        ["accept"],
        StepOutcome(
            index=0, action="accept", status="failed", reason=msg(Code.EXITED_WITHOUT_CONNECTING, code=1)
        ),
        {"stderr": b"ConnectionRefusedError: [Errno 111] Connection refused\n"},
        ["connection-refused"],
    ),
    (
        "never connected",
        ["accept"],
        StepOutcome(index=0, action="accept", status="timeout", waited=5),
        {},
        ["never-connected"],
    ),
    (
        "python 2",
        ["accept"],
        StepOutcome(index=0, action="accept", status="failed"),
        {
            "stderr": b'  File "client.py", line 3\n    print "hi"\n'
            b"SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?\n"
        },
        ["python2"],
    ),
    (
        "gbk instead of utf-8",
        ["accept", {"output": {"text": "你好"}}],
        StepOutcome(index=1, action="output", status="failed", expected="你好".encode(), observed=b""),
        {"stdout": "你好".encode().decode("gbk", errors="replace").encode() + b"\n"},
        ["gbk-utf8"],
    ),
    (
        "a character cut between two recv() calls",
        ["accept", {"output": {"text": "你好"}}],
        StepOutcome(index=1, action="output", status="timeout", expected="你好".encode(), observed=b""),
        {
            "wire": [
                WireEvent(t=0.1, conn="c1", direction="to_student", data="你好\n".encode()[:4]),
                WireEvent(t=0.2, conn="c1", direction="to_student", data="你好\n".encode()[4:]),
            ],
            "stderr": b"UnicodeDecodeError: 'utf-8' codec can't decode bytes in position 3-3: "
            b"unexpected end of data\n",
        },
        ["split-character"],
    ),
    (
        "printed bytes repr",
        ["accept", {"output": {"text": "hi"}}],
        StepOutcome(index=1, action="output", status="failed", expected=b"hi", observed=b"b'hi'\n"),
        {"stdout": b"b'hi'\n"},
        ["printed-bytes"],
    ),
    (
        "missing newline",
        ["accept", {"expect": {"line": "OK"}}],
        StepOutcome(
            index=1,
            action="expect",
            status="failed",
            expected=b"OK\n",
            observed=b"OK",
            reason=msg(Code.NO_NEWLINE_BEFORE_CLOSE),
        ),
        {},
        ["missing-newline"],
    ),
    (
        "single recv",
        ["accept", {"output": {"text": "abcdef"}}],
        StepOutcome(index=1, action="output", status="failed", expected=b"abcdef", observed=b"abc\n"),
        {
            "stdout": b"abc\n",
            "wire": [
                WireEvent(t=0.1, conn="c1", direction="to_student", data=b"abc"),
                WireEvent(t=0.3, conn="c1", direction="to_student", data=b"def"),
            ],
        },
        ["single-recv"],
    ),
    (
        "never exits",
        ["exit"],
        StepOutcome(index=0, action="exit", status="timeout", waited=5),
        {},
        ["never-exited"],
    ),
    (
        "the next browser reset by a one-browser server's exit",
        ["connect", {"request": {"path": "/"}}, {"response": {"status": 200}}],
        StepOutcome(
            index=2,
            action="response",
            status="failed",
            reason=facts(msg(Code.HTTP_NOTHING_SENT), msg(Code.STOPPED_LISTENING, port=8080)),
        ),
        {"process": ProcessEnd(exit_code=0)},
        ["server-exited"],
    ),
    (
        "crash with traceback",
        ["exit"],
        StepOutcome(index=0, action="exit", status="failed", reason=msg(Code.EXIT_CODE, code=1)),
        {
            "stderr": b'Traceback (most recent call last):\n  File "/x/client.py", line 4, in <module>\n'
            b"ZeroDivisionError: division by zero\n"
        },
        ["crash"],
    ),
]


@pytest.mark.parametrize(
    ("name", "steps", "failed", "facts", "codes"), DIAGNOSES, ids=[d[0] for d in DIAGNOSES]
)
def test_diagnoses(name: str, steps: list, failed: StepOutcome, facts: dict, codes: list[str]) -> None:
    spec = scenario(steps)
    before = [ok(i, s if isinstance(s, str) else next(iter(s))) for i, s in enumerate(steps[: failed.index])]
    result = judge_scenario(spec, outcome([*before, failed], **facts))
    assert result.status == "failed"
    assert [d.code for d in result.diagnoses] == codes, feedback_text(result)
    assert result.cause is not None and result.cause.code == codes[0]


def test_the_crash_on_send_str_is_the_one_why() -> None:
    """The crash at the student's own line explains the bytes that never came: one "Why"."""
    spec = scenario(["accept", {"expect": {"text": "hello"}}])
    closed = StepOutcome(
        index=1,
        action="expect",
        status="failed",
        expected=b"hello",
        observed=b"",
        reason=msg(Code.CLOSED_EARLY),
    )
    result = judge_scenario(spec, outcome([ok(0, "accept"), closed], stderr=TRACEBACK.encode()))
    text = feedback_text(result)
    assert text.count("Why:") == 1
    assert "client.py:9" in text and "send() was given a str" in text
    assert "keep calling recv()" not in text


def test_crash_points_at_the_students_line_not_the_library() -> None:
    spec = scenario(["accept", {"expect": {"text": "hello"}}])
    facts = outcome(
        [
            ok(0, "accept"),
            StepOutcome(index=1, action="expect", status="failed", expected=b"hello", observed=b""),
        ],
        stderr=TRACEBACK.encode(),
    )
    crash = next(d for d in judge_scenario(spec, facts).diagnoses if d.code == "crash")
    assert "client.py:9" in say(crash)


WINDOWS_TRACEBACK = (
    "Traceback (most recent call last):\r\n"
    '  File "C:\\Users\\张三\\AppData\\Local\\Temp\\grader-run-k2j\\client.py", line 7, in <module>\r\n'
    "    main()\r\n"
    '  File "C:\\Users\\张三\\AppData\\Local\\Temp\\grader-run-k2j\\client.py", line 4, in main\r\n'
    '    s.sendall("你好")\r\n'
    '  File "C:\\Users\\张三\\AppData\\Local\\Programs\\Python\\Python312\\Lib\\socket.py", line 50, in x\r\n'
    "TypeError: a bytes-like object is required, not 'str'\r\n"
)
"""As Python 3.12 on Chinese Windows prints it: backslashes, the standard library in ``Lib``."""


@pytest.mark.parametrize(
    ("stderr", "where"),
    [
        (WINDOWS_TRACEBACK, "client.py:4"),
        (TRACEBACK, "client.py:9"),
        (
            '  File "/Users/li/hw 1/server.py", line 3, in <module>\n'
            '  File "/Library/Frameworks/Python.framework/Versions/3.12/lib/python3.12/socket.py", line 2\n',
            "server.py:3",
        ),
        (
            '  File "D:\\作业\\client.py", line 5, in <module>\n'
            '  File "D:\\作业\\.venv\\Lib\\site-packages\\pkg\\x.py", line 2, in f\n',
            "client.py:5",
        ),
    ],
    ids=["windows", "linux", "macos", "windows-venv"],
)
def test_crash_location_on_every_system(stderr: str, where: str) -> None:
    assert traceback_location(stderr) == where


def test_windows_traceback_in_the_report_marks_the_students_line() -> None:
    recorded = WINDOWS_TRACEBACK.replace("\r\n", "\n")  # as portable mode records it
    view = stderr_view(recorded.encode())
    assert view is not None
    student = [str(line.html) for line in view.lines if line.kind == "student"]
    assert student[0].startswith("  File &#34;client.py&#34;, line 4") and "你好" in student[1]
    assert not any("grader-run-" in line.html for line in view.lines)


def test_feedback_in_chinese_from_the_same_result() -> None:
    spec = scenario(["exit"])
    result = judge_scenario(spec, outcome([StepOutcome(index=0, action="exit", status="timeout", waited=5)]))
    english, chinese = feedback_text(result, "en"), feedback_text(result, "zh")
    assert english != chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    assert feedback_text(result, "en") == english  # and back


@pytest.mark.parametrize(
    ("reason", "english", "chinese"),
    [
        (
            msg(Code.ENDED_WITHOUT_PRINTING, how=msg(Code.EXIT_CODE, code=1)),
            "the program ended (exit code 1) without printing it",
            "程序已结束（退出码 1），但没有打印这些内容",
        ),
        (
            facts(msg(Code.CONNECTION_REFUSED, n=3), msg(Code.CONNECTION_RESET)),
            "connection refused (3 attempts); the connection was reset",
            "连接被拒绝（尝试了 3 次）；连接被重置",
        ),
        (
            msg(Code.LISTENS_ON_WRONG_PORT, expected=5000, listening=[8080, 9090]),
            "listening on port 8080, 9090, expected port 5000",
            "在端口 8080, 9090 上监听，应为端口 5000",
        ),
    ],
)
def test_runner_facts_read_in_the_students_language(reason, english: str, chinese: str) -> None:
    assert say(reason, "en") == english
    assert say(reason, "zh") == chinese

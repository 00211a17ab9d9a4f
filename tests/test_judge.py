"""The judge, from hand-built Outcomes: points, statuses, explanations and diagnoses.

No process runs here: every Outcome is written by hand, as the design requires of a pure judge.
"""

from __future__ import annotations

import pytest

from grader.judge import judge_scenario, skipped
from grader.outcome import Outcome, ProcessEnd, StepOutcome, WireEvent
from grader.spec import Scenario


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
    assert "waited 5 s" in result.message


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
                detail="different bytes",
            ),
        ]
    )
    result = judge_scenario(spec, facts)
    step = result.steps[1]
    assert step.status == "failed" and step.first_difference == 5
    assert step.expected == "hello" and step.observed == "hello\\n"
    assert "“hello” (5 bytes)" in result.message and "“hello\\n” (6 bytes)" in result.message
    assert "extra-newline" in [d.code for d in result.diagnoses]


def test_grader_error_is_not_gradable_not_zero_blame() -> None:
    result = judge_scenario(scenario(["accept"]), outcome([], grader_error="peer could not bind"))
    assert result.status == "not_gradable"
    assert "not of your program" in result.message


def test_skipped_names_its_root_cause() -> None:
    result = skipped(scenario(["accept"]), "connects", "Connects")
    assert result.status == "skipped" and result.skipped_because == "connects"
    assert "Connects" in result.message


TRACEBACK = (
    'Traceback (most recent call last):\n  File "/tmp/grader-run-1/client.py", line 9, in <module>\n'
    '    s.send("hello")\n  File "/usr/lib/python3.11/socket.py", line 1, in x\n'
    "TypeError: a bytes-like object is required, not 'str'\n"
)

DIAGNOSES = [
    # (name, steps spec, failed step outcome, extra facts, expected diagnosis codes)
    (
        "str passed to send",
        ["accept", {"expect": {"text": "hello"}}],
        StepOutcome(
            index=1, action="expect", status="failed", expected=b"hello", observed=b"", detail="closed early"
        ),
        {"stderr": TRACEBACK.encode(), "process": ProcessEnd(exit_code=1)},
        {"str-not-bytes", "crash", "closed-early"},
    ),
    (
        "connection refused",
        ["accept"],
        StepOutcome(
            index=0, action="accept", status="failed", detail="program exited (1) without connecting"
        ),
        {"stderr": b"ConnectionRefusedError: [Errno 111] Connection refused\n"},
        {"connection-refused"},
    ),
    (
        "never connected",
        ["accept"],
        StepOutcome(index=0, action="accept", status="timeout", waited=5),
        {},
        {"never-connected"},
    ),
    (
        "python 2",
        ["accept"],
        StepOutcome(index=0, action="accept", status="failed"),
        {
            "stderr": b'  File "client.py", line 3\n    print "hi"\n'
            b"SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?\n"
        },
        {"python2"},
    ),
    (
        "gbk instead of utf-8",
        ["accept", {"output": {"text": "你好"}}],
        StepOutcome(index=1, action="output", status="failed", expected="你好".encode(), observed=b""),
        {"stdout": "你好".encode().decode("gbk", errors="replace").encode() + b"\n"},
        {"gbk-utf8"},
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
        {"split-character"},
    ),
    (
        "printed bytes repr",
        ["accept", {"output": {"text": "hi"}}],
        StepOutcome(index=1, action="output", status="failed", expected=b"hi", observed=b"b'hi'\n"),
        {"stdout": b"b'hi'\n"},
        {"printed-bytes"},
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
            detail="no newline before close",
        ),
        {},
        {"missing-newline"},
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
        {"single-recv"},
    ),
    (
        "never exits",
        ["exit"],
        StepOutcome(index=0, action="exit", status="timeout", waited=5),
        {},
        {"never-exited"},
    ),
    (
        "crash with traceback",
        ["exit"],
        StepOutcome(index=0, action="exit", status="failed", detail="exit code 1"),
        {
            "stderr": b'Traceback (most recent call last):\n  File "/x/client.py", line 4, in <module>\n'
            b"ZeroDivisionError: division by zero\n"
        },
        {"crash"},
    ),
]


@pytest.mark.parametrize(
    ("name", "steps", "failed", "facts", "codes"), DIAGNOSES, ids=[d[0] for d in DIAGNOSES]
)
def test_diagnoses(name: str, steps: list, failed: StepOutcome, facts: dict, codes: set[str]) -> None:
    spec = scenario(steps)
    before = [ok(i, s if isinstance(s, str) else next(iter(s))) for i, s in enumerate(steps[: failed.index])]
    result = judge_scenario(spec, outcome([*before, failed], **facts))
    assert result.status == "failed"
    assert {d.code for d in result.diagnoses} == codes, result.message


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
    assert "client.py:9" in crash.message


def test_feedback_in_chinese() -> None:
    spec = scenario(["exit"])
    facts = outcome([StepOutcome(index=0, action="exit", status="timeout", waited=5)])
    english = judge_scenario(spec, facts, lang="en").message
    chinese = judge_scenario(spec, facts, lang="zh").message
    assert english != chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)


@pytest.mark.parametrize(
    ("fact", "english", "chinese"),
    [
        (
            "program ended (exit code 1) without printing it",
            "the program ended (exit code 1) without printing it",
            "程序已结束（退出码 1），但没有打印这些内容",
        ),
        (
            "connection refused (3 attempts); the program listens on port 8080",
            "connection refused (3 attempts); the program listens on port 8080",
            "连接被拒绝（尝试了 3 次）；程序监听的端口是 8080",
        ),
        ("something new", "something new", "something new"),
    ],
)
def test_runner_facts_read_in_the_students_language(fact: str, english: str, chinese: str) -> None:
    from grader.detail_words import detail_words

    assert detail_words(fact, "en") == english
    assert detail_words(fact, "zh") == chinese

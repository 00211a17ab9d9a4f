"""End to end: real student programs, real sockets on loopback, the whole chain to a score.

The table below is the assignments' promise to teachers: each buggy submission (a mistake
students really make) gets exactly this score, loses exactly these scenarios, and is told why
(the diagnosis codes).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from conftest import ASSIGNMENTS, REFERENCE, SUBMISSIONS, require_root

from grader.commands.validate_checks import first_cause
from grader.grade import GradeOptions, grade, grade_async
from grader.render.words import feedback_text
from grader.results.models import GradeResult
from grader.spec.load import load_assignment

# (assignment, submission, expected score, diagnosis codes that must be among the feedback)
TABLE = [
    ("hello-client", "wrong-port.py", 1, {"connection-refused"}),
    ("hello-client", "str-send.py", 3, {"str-not-bytes", "crash"}),
    ("hello-client", "extra-newline.py", 8, {"extra-newline"}),
    ("hello-client", "single-recv.py", 8, {"single-recv"}),
    ("hello-client", "prints-bytes.py", 6, {"printed-bytes"}),
    ("hello-client", "gbk-decode.py", 6, {"gbk-utf8"}),
    ("hello-client", "never-exits.py", 7, {"never-exited"}),
    ("hello-client", "traceback-when-down.py", 9, {"crash"}),
    ("hello-client", "python2.py", 0, {"python2"}),  # a program that never ran passes nothing
    ("echo-server", "wrong-port.py", 0, {"wrong-port"}),
    ("echo-server", "echo-upper.py", 2, set()),
    ("echo-server", "single-recv.py", 7, {"closed-early"}),
    ("echo-server", "never-closes.py", 9, {"never-closed"}),
    ("echo-server", "one-client.py", 8, {"server-exited"}),
    ("echo-server", "decodes-text.py", 7, {"decoded-binary"}),
    ("echo-server", "slow-start.py", 10, set()),
]


def manifest_losses(assignment_id: str) -> dict[str, set[str]]:
    data = yaml.safe_load((ASSIGNMENTS / assignment_id / "manifest.yaml").read_text())
    return {Path(b["submission"]).name: set(b["loses"]) for b in data["buggy"]}


def manifest_cause(assignment_id: str, submission: str) -> str:
    data = yaml.safe_load((ASSIGNMENTS / assignment_id / "manifest.yaml").read_text())
    return next(b["cause"] for b in data["buggy"] if Path(b["submission"]).name == submission)


@pytest.fixture(scope="module")
def graded() -> dict[tuple[str, str], GradeResult]:
    """Every submission of the table, graded once, all at the same time (their waits overlap)."""
    specs = {a: load_assignment(ASSIGNMENTS / a) for a in {row[0] for row in TABLE}}

    async def all_of_them() -> list[GradeResult]:
        return await asyncio.gather(
            *(
                grade_async(specs[a], SUBMISSIONS / a / name, name, GradeOptions(isolation="auto"))
                for a, name, _, _ in TABLE
            )
        )

    results = asyncio.run(all_of_them())
    return {(a, name): r for (a, name, _, _), r in zip(TABLE, results, strict=True)}


@pytest.mark.parametrize(
    ("assignment", "submission", "score", "codes"), TABLE, ids=[f"{a}/{s}" for a, s, _, _ in TABLE]
)
def test_buggy_submission(
    graded: dict, assignment: str, submission: str, score: float, codes: set[str]
) -> None:
    result = graded[(assignment, submission)]
    assert result.status == "graded"
    lost = {s.id for s in result.scenarios if s.score < s.max_score}
    assert lost == manifest_losses(assignment)[submission]
    assert result.score == score
    found = {d.code for s in result.scenarios for d in s.diagnoses}
    assert codes <= found, f"expected diagnoses {codes}, got {found}"
    assert first_cause(result) == manifest_cause(assignment, submission)
    for scenario in result.scenarios:
        if scenario.status == "failed":
            assert scenario.message, f"{scenario.id} failed without an explanation"
            assert feedback_text(scenario).count("Why:") <= 1, "one cause, not a list of guesses"
        assert scenario.status != "not_gradable", feedback_text(scenario)


def test_a_crash_on_send_str_shows_one_why_the_crash_and_its_line(graded: dict) -> None:
    result = graded[("hello-client", "str-send.py")]
    failed = next(s for s in result.scenarios if s.status == "failed")
    for lang, why in (("en", "Why:"), ("zh", "原因：")):
        text = feedback_text(failed, lang)
        assert text.count(why) == 1, text
        assert "client.py:11" in text, text
    assert "keep calling recv()" not in feedback_text(failed, "en")
    assert {d.code for d in failed.diagnoses} >= {"str-not-bytes", "crash"}  # kept, as secondary facts


def test_every_scenario_is_lost_by_some_buggy_submission(graded: dict) -> None:
    for assignment in {row[0] for row in TABLE}:
        spec = load_assignment(ASSIGNMENTS / assignment)
        lost = set().union(*manifest_losses(assignment).values())
        assert lost == {s.id for s in spec.scenarios}, f"{assignment}: untested scenarios"


@pytest.mark.parametrize("isolation", ["namespace", "host"])
@pytest.mark.parametrize(
    ("assignment", "entry"), [("hello-client", "client.py"), ("echo-server", "server.py")]
)
def test_reference_gets_full_marks(assignment: str, entry: str, isolation: str) -> None:
    if isolation == "namespace":
        require_root()
    spec = load_assignment(ASSIGNMENTS / assignment)
    result = grade(spec, REFERENCE / assignment / entry, "reference", GradeOptions(isolation=isolation))
    assert result.score == result.max_score == 10, [feedback_text(s) for s in result.scenarios]
    assert result.run.isolation == isolation
    connections = [c for s in result.scenarios for c in (s.outcome.connections if s.outcome else [])]
    assert connections, "no transcript was recorded"
    # How each connection ended is recorded; a scenario may end before the student closes.
    assert {c.student_closed for c in connections} <= {"fin", "rst", "open"}
    assert any(c.student_closed == "fin" for c in connections), connections


def test_timeout_says_which_step_how_long_and_what_arrived(graded: dict) -> None:
    result = graded[("hello-client", "never-exits.py")]
    failed = next(s for s in result.scenarios if s.status == "failed")
    step = failed.steps[failed.failed_step]
    assert step.waited and step.waited >= 1
    assert f"Step {failed.failed_step + 1}" in feedback_text(failed)
    assert "waited" in feedback_text(failed)


def test_skipped_scenarios_name_their_root_cause(graded: dict) -> None:
    result = graded[("hello-client", "wrong-port.py")]
    skipped = [s for s in result.scenarios if s.status == "skipped"]
    assert skipped and all(s.skipped_because == "connects" for s in skipped)


HANGS_UNLESS_GREETED = """import socket, sys, time
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
while True:
    conn, _ = server.accept()
    if conn.recv(4096).startswith(b"hello, echo"):
        time.sleep(0.3)
        conn.sendall(b"wrong\\n")
    # anything else: never answered, so a scenario waiting for it runs into its timeout
"""


@pytest.mark.parametrize("speculate", [True, False])
def test_a_scenario_started_early_is_stopped_when_its_dependency_fails(
    tmp_path: Path, speculate: bool
) -> None:
    """Dependent scenarios start with their dependency; its failure stops and skips them."""
    from hostile.test_hostile import _leftovers

    server = tmp_path / "server.py"
    server.write_text(HANGS_UNLESS_GREETED)
    spec = load_assignment(ASSIGNMENTS / "echo-server")
    result = grade(spec, server, "hangs", GradeOptions(speculate=speculate))
    by_id = {s.id: s for s in result.scenarios}
    assert by_id["listening"].status == "passed" and by_id["echoes-short"].status == "failed"
    dependents = [s for s in result.scenarios if s.id not in {"listening", "echoes-short"}]
    assert {s.status for s in dependents} == {"skipped"}
    assert {s.skipped_because for s in dependents} == {"echoes-short"}
    assert result.score == 2
    # Stopped, not waited out: each waits for an answer that never comes (5 s step timeout).
    assert result.run.duration < spec.timeouts.step
    assert _leftovers() == []

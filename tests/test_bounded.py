"""One size limit for a submission's whole result, every cut said (grader.results.bounded)."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.grade import GradeOptions, grade
from grader.messages.codes import Code
from grader.outcome import Outcome, TerminalEvent, WireEvent
from grader.render.html import render_report
from grader.render.words import say
from grader.results.bounded import bound_scenarios, fair_shares, stored_size
from grader.results.models import GradeResult, ScenarioResult, read_json, write_json
from grader.spec.load import load_assignment

ROOT = Path(__file__).resolve().parent.parent
FLOOD = ROOT / "tests" / "hostile" / "programs" / "stdout_flood.py"


def _scenario(outcome: Outcome) -> ScenarioResult:
    return ScenarioResult(
        id=outcome.scenario, title="t", status="failed", score=0, max_score=1, outcome=outcome
    )


def _flooded(name: str, printed: bytes, err: bytes = b"") -> Outcome:
    o = Outcome(scenario=name, isolation="namespace", host="127.0.0.1", port=5000)
    half = len(printed) // 2
    o.terminal = [
        TerminalEvent(t=0.1, stream="stdout", data=printed[:half]),
        TerminalEvent(t=0.2, stream="stdin", data=b"typed\n"),
        TerminalEvent(t=0.3, stream="stdout", data=printed[half:]),
        TerminalEvent(t=0.4, stream="stderr", data=err),
    ]
    o.stdout, o.stderr = printed, err
    o.stdout_size, o.stderr_size = len(printed), len(err)
    return o


def test_fair_shares_keep_small_pieces_whole_and_split_the_rest() -> None:
    assert fair_shares([10, 1000, 5000], 3010) == [10, 1000, 2000]
    assert fair_shares([10, 4000, 5000], 3010) == [10, 1500, 1500]
    assert fair_shares([10, 20], 1000) == [10, 20]
    assert sum(fair_shares([700, 700, 700, 3], 1000)) <= 1000


def test_output_is_kept_once_and_events_point_into_it() -> None:
    printed = bytes(range(256)) * 4
    o = _flooded("a", printed, b"Traceback\n")
    bound_scenarios([_scenario(o)], 1 << 20)
    stdout_events = [e for e in o.terminal if e.stream == "stdout"]
    assert all(e.data == b"" and e.at is not None for e in stdout_events)
    assert b"".join(o.terminal_bytes(e) for e in stdout_events) == printed
    assert o.terminal_bytes(o.terminal[1]) == b"typed\n"  # typed input keeps its own bytes
    assert o.cuts == []
    # stored and read back, the events still show the same bytes
    again = Outcome.model_validate_json(o.model_dump_json())
    assert b"".join(again.terminal_bytes(e) for e in again.terminal if e.stream == "stdout") == printed


def test_one_budget_shared_by_scenarios_and_every_cut_said() -> None:
    big = b"x" * 300_000
    flood = _flooded("flood", big, b"noise\n" * 20_000 + b"Traceback: the end\n")
    quiet = _flooded("quiet", b"hello\n")
    quiet.wire = [WireEvent(t=0.1, conn="c1", direction="from_student", data=b"hi\n")]
    budget = 200_000
    bound_scenarios([_scenario(flood), _scenario(quiet)], budget)
    stored = sum(stored_size(len(o.stdout) + len(o.stderr)) for o in (flood, quiet))
    assert stored <= budget
    assert quiet.stdout == b"hello\n" and quiet.cuts == []  # the small scenario keeps everything
    assert flood.stderr.endswith(b"Traceback: the end\n")  # stderr keeps its end
    cuts = {c.where.code: c for c in flood.cuts}
    assert cuts[Code.CUT_STDOUT].size == 300_000 and cuts[Code.CUT_STDOUT].from_end
    assert not cuts[Code.CUT_STDERR].from_end
    words = say(cuts[Code.CUT_STDOUT].message(), "en")
    assert "300000 bytes" in words and f"{300_000 - cuts[Code.CUT_STDOUT].kept} cut from the end" in words
    assert "末尾删去" in say(cuts[Code.CUT_STDOUT].message(), "zh")
    # the first stderr event lost its start: it shows what is left of it, nothing wrapped around
    assert flood.terminal_bytes(flood.terminal[3]) == flood.stderr


def test_flood_result_stays_small_and_its_report_says_what_was_cut(tmp_path: Path) -> None:
    spec = load_assignment(ROOT / "assignments" / "hello-client")
    folder = tmp_path / "flood"
    folder.mkdir()
    shutil.copy(FLOOD, folder / "client.py")
    result = grade(spec, folder, "flood", GradeOptions())
    path = tmp_path / "results.json"
    write_json(result, path)
    assert path.stat().st_size <= 1.2 * (1 << 20), path.stat().st_size
    back: GradeResult = read_json(path)
    cuts = [(s.id, c) for s in back.scenarios if s.outcome for c in s.outcome.cuts]
    ran = [s for s in back.scenarios if s.outcome is not None and s.outcome.stdout_truncated]
    assert ran and cuts, [(s.id, s.outcome.stdout_size if s.outcome else None) for s in back.scenarios]
    html = render_report(back)
    assert "Cut from this report" in html
    for _, cut in cuts:
        assert say(cut.message(), "en") in html
    assert "本报告删去的内容" in render_report(back, lang="zh")

"""``grader batch`` end to end: a small class in every layout, real grading, every output checked.

Also: a crashing or hanging worker costs one not-graded result and never the batch; an
interrupted batch (SIGINT, SIGKILL) keeps what it finished and the next run resumes; serial
and parallel runs agree; unchanged submissions are not graded again.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.batch.driver import run_batch, task_options
from grader.batch.local import LocalExecutor
from grader.messages import verbatim
from grader.render.progress import PlainProgress
from grader.results.models import GradeResult
from grader.task.job import make_task
from grader.task.worker import run_task
from tests.conftest import ASSIGNMENTS, REFERENCE, SUBMISSIONS, wait_until

ASSIGNMENT = ASSIGNMENTS / "hello-client"
SCENARIOS = ["connects", "sends-hello", "prints-reply", "closes-and-exits", "reply-in-pieces", "server-down"]
REF = (REFERENCE / "hello-client" / "client.py").read_bytes()


def sub(name: str) -> bytes:
    return (SUBMISSIONS / "hello-client" / f"{name}.py").read_bytes()


# student -> (layout, scenarios it must lose); None: not graded, with this reason
CLASS: dict[str, tuple[str, list[str] | str]] = {
    "alice": ("folder", []),
    "bob": ("file", ["sends-hello", "prints-reply", "closes-and-exits", "reply-in-pieces"]),
    "carol": ("zip", []),
    "Dan_Brown": ("moodle", ["reply-in-pieces"]),
    "eve": ("canvas", ["sends-hello"]),
    "hank": ("gradescope", ["closes-and-exits", "reply-in-pieces"]),
    "leo": (  # Python 2: it never ran, so not even server-down passes
        "file",
        ["connects", "sends-hello", "prints-reply", "closes-and-exits", "reply-in-pieces", "server-down"],
    ),
    "ivan": ("folder", "the submission is empty"),
    "mallory": ("zip", "not a readable zip file"),
}


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def make_class(root: Path) -> Path:
    write(root / "alice" / "client.py", REF)
    write(root / "bob.py", sub("str-send"))
    write(root / "carol.zip", zipped({"carol/client.py": REF}))
    write(root / "Dan Brown_100234_assignsubmission_file_" / "client.py", sub("single-recv"))
    write(root / "eve_2001_3001_client.py", sub("extra-newline"))
    write(root / "submission_9" / "client.py", sub("never-exits"))
    write(
        root / "submission_metadata.yml", b"submission_9:\n  :submitters:\n  - :name: Hank\n    :sid: hank\n"
    )
    write(root / "leo.py", sub("python2"))
    (root / "ivan").mkdir()
    write(root / "mallory.zip", b"PK\x03\x04 not a zip")
    return root


def make_small_class(root: Path, n: int) -> Path:
    """``n`` quick submissions (no hanging ones), flat files."""
    variants = [REF, sub("str-send"), sub("extra-newline"), sub("single-recv"), sub("prints-bytes")]
    for i in range(n):
        write(root / f"s{i}.py", variants[i % len(variants)])
    return root


def grader_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader", *args]


def expected_score(lost: list[str]) -> float:
    points = {
        "connects": 2,
        "sends-hello": 2,
        "prints-reply": 2,
        "closes-and-exits": 1,
        "reply-in-pieces": 2,
        "server-down": 1,
    }
    return sum(p for s, p in points.items() if s not in lost)


def outcome_table(out: Path) -> dict[str, tuple[str, float, tuple[tuple[str, str], ...]]]:
    table = {}
    for results in sorted(out.glob("*/results.json")):
        r = GradeResult.from_json(results.read_text(encoding="utf-8"))
        table[r.student] = (r.status, r.score, tuple((s.id, s.status) for s in r.scenarios))
    return table


@pytest.fixture(scope="module")
def quick_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hello-client with 2 s step timeouts, so the submission that never exits costs 2 s, not 5."""
    folder = tmp_path_factory.mktemp("spec") / "hello-client"
    folder.mkdir()
    text = (ASSIGNMENT / "assignment.yaml").read_text(encoding="utf-8")
    assert "  step: 5\n" in text
    (folder / "assignment.yaml").write_text(text.replace("  step: 5\n", "  step: 2\n"), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def parallel_run(
    tmp_path_factory: pytest.TempPathFactory, quick_spec: Path
) -> tuple[Path, Path, subprocess.CompletedProcess]:
    root = make_class(tmp_path_factory.mktemp("class"))
    out = tmp_path_factory.mktemp("reports") / "hello-client"
    done = subprocess.run(
        grader_cmd("batch", str(quick_spec), str(root), "--out", str(out), "--jobs", "2", "--lang", "en"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return root, out, done


def test_every_student_gets_results_json_and_a_report(parallel_run) -> None:
    _root, out, _done = parallel_run
    for student, (_layout, expect) in CLASS.items():
        data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        assert {"format", "version", "score", "max_score", "scenarios"} <= set(data)
        result = GradeResult.from_data(data)
        assert result.student == student
        if isinstance(expect, str):
            assert result.status == "not_graded"
            assert expect in str(result.not_graded_reason)
            assert data["not_graded_reason"]["code"]  # a code, not words
        else:
            assert result.status == "graded"
            lost = [s.id for s in result.scenarios if s.status != "passed"]
            assert lost == expect, student
            assert data["score"] == expected_score(expect)
            assert [t["id"] for t in data["scenarios"]] == SCENARIOS
        html = (out / student / "report.html").read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") or html.lstrip().lower().startswith("<!doctype html>")
        assert student in html


def test_results_json_has_the_shape_of_grader_check(parallel_run, quick_spec: Path, tmp_path: Path) -> None:
    root, out, _done = parallel_run
    single = tmp_path / "check.json"
    subprocess.run(
        grader_cmd(
            "check", str(quick_spec), str(root / "alice" / "client.py"), "--json", str(single), "--lang", "en"
        ),
        capture_output=True,
        check=True,
        timeout=60,
    )
    from_check = json.loads(single.read_text(encoding="utf-8"))
    from_batch = json.loads((out / "alice" / "results.json").read_text(encoding="utf-8"))
    assert set(from_check) == set(from_batch)
    assert [set(t) for t in from_check["scenarios"]] == [set(t) for t in from_batch["scenarios"]]
    assert from_check["score"] == from_batch["score"]


def test_gradebook_csv(parallel_run) -> None:
    _root, out, _done = parallel_run
    with (out / "grades.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["student", "number", "name", "score", "max_score", *SCENARIOS, "status", "note"]
    by_student = {r["student"]: r for r in rows}
    assert set(by_student) == set(CLASS)
    for student, (_layout, expect) in CLASS.items():
        row = by_student[student]
        assert row["max_score"] == "10"
        if isinstance(expect, str):
            assert row["score"] == "" and row["status"] == "not_graded" and expect in row["note"]
        else:
            assert float(row["score"]) == expected_score(expect)
            assert [float(row[s]) == 0 for s in SCENARIOS] == [s in expect for s in SCENARIOS]


def test_index_links_every_report(parallel_run) -> None:
    _root, out, _done = parallel_run
    html = (out / "index.html").read_text(encoding="utf-8")
    for student in CLASS:
        assert f'href="{student}/report.html"' in html
    for scenario_title in ("Connects to the given address", "Reads a reply that arrives in pieces"):
        assert scenario_title in html


def test_terminal_summary(parallel_run) -> None:
    _root, out, done = parallel_run
    assert "graded: 7, not graded: 2" in done.stdout
    assert "median" in done.stdout and "mean" in done.stdout
    assert "slowest: hank" in done.stdout  # the one that never exits waits out its timeouts
    assert "not graded: mallory: not a readable zip file" in done.stdout
    assert str(out / "grades.csv") in done.stdout
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("[")]
    assert len(lines) == 7 and lines[-1].startswith("[7/7] ")  # plain progress lines, not a terminal


def test_serial_and_parallel_runs_agree(parallel_run, quick_spec: Path, tmp_path: Path) -> None:
    root, out, _done = parallel_run
    summary = run_batch(
        quick_spec,
        root,
        tmp_path / "serial",
        options=task_options(lang="en"),
        jobs=1,
        progress=PlainProgress(stream=io.StringIO()),
    )
    assert summary.graded_now == 7
    assert outcome_table(tmp_path / "serial") == outcome_table(out)
    assert (tmp_path / "serial" / "grades.csv").read_text() == (out / "grades.csv").read_text()


def test_unchanged_submissions_are_not_graded_again(tmp_path: Path) -> None:
    root = make_small_class(tmp_path / "class", 2)
    out = tmp_path / "out"
    quiet = PlainProgress(stream=io.StringIO())

    first = run_batch(ASSIGNMENT, root, out, options=task_options(lang="en"), jobs=2, progress=quiet)
    again = run_batch(ASSIGNMENT, root, out, options=task_options(lang="en"), jobs=2, progress=quiet)
    write(root / "s1.py", REF)
    changed = run_batch(ASSIGNMENT, root, out, options=task_options(lang="en"), jobs=2, progress=quiet)
    forced = run_batch(
        ASSIGNMENT, root, out, options=task_options(lang="en"), jobs=2, force=True, progress=quiet
    )

    assert (first.graded_now, first.reused) == (2, 0)
    assert (again.graded_now, again.reused) == (0, 2)
    assert (changed.graded_now, changed.reused) == (1, 1)
    assert {r.student: r.score for r in changed.results} == {"s0": 10, "s1": 10}
    assert (forced.graded_now, forced.reused) == (2, 0)


def test_a_crashing_or_hanging_worker_costs_one_result_not_the_batch(tmp_path: Path) -> None:
    root = make_small_class(tmp_path / "class", 3)
    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    hang = [sys.executable, "-c", "import sys, threading; sys.stdin.buffer.read(); threading.Event().wait()"]

    def run(task, **kw):
        if task.student == "s1":
            return run_task(task, command=crash, **kw)
        if task.student == "s2":
            return run_task(task, command=hang, limit=1.0, **kw)
        return run_task(task, **kw)

    out = tmp_path / "out"
    summary = run_batch(
        ASSIGNMENT,
        root,
        out,
        options=task_options(lang="en"),
        executor=LocalExecutor(2, run=run),
        progress=PlainProgress(stream=io.StringIO()),
    )

    by = {r.student: r for r in summary.results}
    assert by["s0"].status == "graded" and by["s0"].score == 10
    assert by["s1"].status == "not_graded"
    assert "ended unexpectedly (killed by signal 9)" in str(by["s1"].not_graded_reason)
    assert by["s2"].status == "not_graded" and "longer than 1 s" in str(by["s2"].not_graded_reason)
    # The grader's failures are not kept as final: the next run grades them again.
    assert not (out / "s1" / ".grader-key").exists() and (out / "s0" / ".grader-key").exists()
    again = run_batch(
        ASSIGNMENT,
        root,
        out,
        options=task_options(lang="en"),
        jobs=2,
        progress=PlainProgress(stream=io.StringIO()),
    )
    assert (again.reused, again.graded_now) == (1, 2)
    assert all(r.status == "graded" for r in again.results)


def test_run_task_is_a_pure_function_of_bytes(tmp_path: Path) -> None:
    from grader.task.job import assignment_files

    spec, zh = assignment_files(ASSIGNMENT), task_options(lang="zh")
    task = make_task("zoe", spec, {"client.py": REF}, zh)
    same = make_task("zoe", spec, {"client.py": REF}, zh)
    other = make_task("zoe", spec, {"client.py": REF + b"\n"}, zh)
    assert task == same and task.key != other.key

    result = run_task(task)

    assert result.key == task.key and result.student == "zoe"
    graded = result.result()
    assert graded.score == 10 and graded.run.lang == "zh"
    assert "<html" in result.report_html


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_an_interrupted_batch_keeps_finished_results_and_resumes(tmp_path: Path, sig: signal.Signals) -> None:
    root = make_small_class(tmp_path / "class", 3)
    out = tmp_path / "out"
    command = grader_cmd(
        "batch", str(ASSIGNMENT), str(root), "--out", str(out), "--jobs", "1", "--lang", "en"
    )
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: any(out.glob("*/.grader-key")), "a first finished result", seconds=60)
        proc.send_signal(sig)
        _stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    finished = {p.parent.name for p in out.glob("*/.grader-key")}
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert "run the same command again" in stderr
    else:
        assert proc.returncode == -signal.SIGKILL
    assert 1 <= len(finished) < 3
    assert not (out / "grades.csv").exists()

    summary = run_batch(
        ASSIGNMENT,
        root,
        out,
        options=task_options(lang="en"),
        jobs=2,
        progress=PlainProgress(stream=io.StringIO()),
    )

    assert summary.reused == len(finished)
    assert summary.graded_now == 3 - len(finished)
    assert not set(summary.durations) - {r.student for r in summary.results}
    with (out / "grades.csv").open(encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == 3
    assert all((out / f"s{i}" / "report.html").is_file() for i in range(3))
    assert not list(out.glob("*/.*.tmp"))


def test_bad_input_is_one_line(tmp_path: Path, capsys) -> None:
    from grader.cli import main

    assert main(["batch", str(ASSIGNMENT), str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such folder of submissions" in err


def test_a_second_batch_on_the_same_output_is_refused(tmp_path: Path, capsys) -> None:
    import fcntl

    from grader.cli import main

    root = make_small_class(tmp_path / "class", 1)
    out = tmp_path / "out"
    out.mkdir()
    with (out / ".grader-batch.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code = main(["batch", str(ASSIGNMENT), str(root), "--out", str(out)])
    assert code == 2 and "another grader batch" in capsys.readouterr().err


def test_the_bundled_sample_class_is_complete(tmp_path: Path) -> None:
    """The README's first command grades a class in every layout, with something odd in each."""
    from grader.spec.load import load_assignment
    from grader.submission.discover import discover

    sample = Path(__file__).resolve().parent.parent / "examples" / "sample-class" / "hello-client"
    found = discover(sample, load_assignment(ASSIGNMENT)).submissions
    layouts = {f.layout for f in found}
    assert {"folder", "file", "zip", "moodle", "canvas", "gradescope"} <= layouts
    assert 8 <= len(found) <= 12
    assert sum(f.problem is not None for f in found) >= 2
    shutil.copytree(sample, tmp_path / "copy")  # discovery never writes into the class folder
    assert sorted(os.listdir(sample)) == sorted(os.listdir(tmp_path / "copy"))


def test_gradebook_cells_never_run_as_spreadsheet_formulas() -> None:
    from grader.render.gradebook import gradebook_rows

    ok = GradeResult(assignment="a", assignment_title="A", student="=HYPERLINK(1)", score=3, max_score=4)
    missing = GradeResult(
        assignment="a",
        assignment_title="A",
        student="bo",
        score=0,
        max_score=4,
        status="not_graded",
        not_graded_reason=verbatim("-x.py is not a Python file"),
    )

    rows = gradebook_rows([ok, missing], ["s1"], notes={"bo": "renamed"})

    assert rows[0] == ["student", "number", "name", "score", "max_score", "s1", "status", "note"]
    assert rows[1] == ["'=HYPERLINK(1)", "", "", "3", "4", "", "graded", ""]
    assert rows[2] == ["bo", "", "", "", "4", "", "not_graded", "'-x.py is not a Python file; renamed"]


def test_a_terminal_gets_a_live_progress_bar(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    root = make_small_class(tmp_path / "class", 1)
    (root / "empty").mkdir()
    command = grader_cmd("batch", str(ASSIGNMENT), str(root), "--out", str(tmp_path / "out"), "--lang", "en")
    child = pexpect.spawn(command[0], command[1:], encoding="utf-8", dimensions=(24, 120), timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    screen = child.before

    assert child.exitstatus == 0
    assert "1/1" in screen and "ETA" in screen and "/s" in screen  # done/total, time left, rate
    assert "[1/1]" not in screen  # not the plain lines meant for logs
    assert "graded: 1, not graded: 1" in screen

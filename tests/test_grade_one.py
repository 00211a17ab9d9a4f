"""``grader grade-one``: a job array grades one submission per index; ``grader batch`` then only collects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.results.models import GradeResult
from tests.conftest import ASSIGNMENTS, REFERENCE, SUBMISSIONS

ASSIGNMENT = ASSIGNMENTS / "hello-client"


def grader(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The ``grader`` command in this process (the grading itself still runs in a fresh worker)."""
    from grader.cli import main

    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def small_class(tmp_path: Path) -> Path:
    root = tmp_path / "class"
    (root / "alice").mkdir(parents=True)
    (root / "alice" / "client.py").write_bytes((REFERENCE / "hello-client" / "client.py").read_bytes())
    (root / "bob.py").write_bytes((SUBMISSIONS / "hello-client" / "str-send.py").read_bytes())
    (root / "ivan").mkdir()
    return root


def test_a_job_array_then_batch_collects(small_class: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    manifest, out = tmp_path / "list.json", tmp_path / "out"
    code, listed, err = grader(
        capsys, "batch", str(ASSIGNMENT), str(small_class), "--write-manifest", str(manifest), "--lang", "en"
    )
    assert code == 0, err
    assert "3 submissions listed" in listed
    assert not out.exists()  # listing grades nothing
    items = json.loads(manifest.read_text())["items"]
    assert [i["student"] for i in items] == ["alice", "bob", "ivan"]

    # Index 0 from the command line, 1 as a Slurm array task, 2 as a Kubernetes Indexed Job.
    one = ("grade-one", "--manifest", str(manifest), "--out", str(out))
    jobs = [grader(capsys, *one, "--index", "0")]
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "1")
    jobs.append(grader(capsys, *one))
    monkeypatch.delenv("SLURM_ARRAY_TASK_ID")
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "2")
    jobs.append(grader(capsys, *one))

    assert [j[0] for j in jobs] == [0, 0, 0], [j[2] for j in jobs]
    assert jobs[0][1].startswith("alice: 10/10")
    assert jobs[1][1].startswith("bob: 3/10")
    assert jobs[2][1].startswith("ivan: not graded: the submission is empty")
    for student in ("alice", "bob", "ivan"):
        assert (out / student / "report.html").is_file()
        GradeResult.from_json((out / student / "results.json").read_text())

    code, collected, err = grader(
        capsys, "batch", str(ASSIGNMENT), str(small_class), "--out", str(out), "--lang", "en"
    )

    assert code == 0, err
    assert "(0 graded now, 2 unchanged)" in collected
    assert (out / "index.html").is_file() and (out / "grades.csv").is_file()
    assert grader(capsys, *one, "--index", "0")[1].strip() == "alice: unchanged, kept"


def test_bad_index_and_bad_manifest_are_one_line(
    small_class: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    from grader.cli import main

    manifest = tmp_path / "list.json"
    assert main(["batch", str(ASSIGNMENT), str(small_class), "--write-manifest", str(manifest)]) == 0
    (tmp_path / "junk.json").write_text("{}")
    monkeypatch.delenv("SLURM_ARRAY_TASK_ID", raising=False)
    monkeypatch.delenv("JOB_COMPLETION_INDEX", raising=False)
    capsys.readouterr()

    cases = (
        (["--manifest", str(manifest), "--index", "3"], "0 to 2"),
        (["--manifest", str(manifest)], "--index N"),
        (["--manifest", str(tmp_path / "junk.json"), "--index", "0"], "not a manifest"),
    )
    for args, words in cases:
        assert main(["grade-one", *args, "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, err

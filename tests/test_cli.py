"""``grader check`` and ``grader schema`` as a student and an editor use them: real processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import ASSIGNMENTS, REFERENCE, ROOT, SUBMISSIONS

HELLO = ASSIGNMENTS / "hello-client"
HELLO_REF = REFERENCE / "hello-client" / "client.py"

# Gradescope's results.json, as its documentation describes it (the parts we produce).
GRADESCOPE_SCHEMA = {
    "type": "object",
    "required": ["score", "max_score", "output", "tests"],
    "not": {"required": ["status"]},
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "output": {"type": "string"},
        "execution_time": {"type": "number"},
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "output", "visibility"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "visibility": {"enum": ["visible", "hidden", "after_due_date", "after_published"]},
                },
            },
        },
    },
}


def grader(*args: str | Path, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=env,
        check=False,
    )


def test_check_reference_prints_table_and_full_score(tmp_path: Path) -> None:
    out, gradescope = tmp_path / "results.json", tmp_path / "gradescope.json"
    run = grader("check", HELLO, HELLO_REF, "--json", out, "--gradescope", gradescope, "--lang", "en")
    assert run.returncode == 0, run.stderr
    assert "Score: 10/10" in run.stdout
    assert "Sends exactly" in run.stdout  # the per-scenario table names each scenario
    shown = json.loads(gradescope.read_text())
    jsonschema.validate(shown, GRADESCOPE_SCHEMA)
    assert shown["score"] == shown["max_score"] == 10
    assert {t["status"] for t in shown["tests"]} == {"passed"}
    facts = json.loads(out.read_text())  # the grader's own result format
    assert (facts["format"], facts["version"]) == ("grader-result", 2)
    assert facts["score"] == facts["max_score"] == 10
    assert facts["run"]["isolation"] in {"namespace", "host"}
    steps = [v for s in facts["scenarios"] for v in s["steps"]]
    assert steps and all(v["status"] == "passed" for v in steps)
    assert any(s["outcome"]["connections"] for s in facts["scenarios"])


def test_check_buggy_explains_and_still_exits_zero(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    run = grader(
        "check", HELLO, SUBMISSIONS / "hello-client" / "gbk-decode.py", "--json", out, "--lang", "en"
    )
    assert run.returncode == 0, run.stderr  # grading happened, whatever the score
    assert "Score: 6/10" in run.stdout
    assert "GBK" in run.stdout
    failed = [s for s in json.loads(out.read_text())["scenarios"] if s["status"] == "failed"]
    assert failed and all(s["diagnoses"][0]["code"] == "gbk-utf8" for s in failed)


def test_a_result_graded_in_english_reports_in_chinese_and_back(tmp_path: Path) -> None:
    """One results.json, no regrading: words are made by the renderer, in the language asked."""
    out = tmp_path / "results.json"
    buggy = SUBMISSIONS / "hello-client" / "gbk-decode.py"
    assert grader("check", HELLO, buggy, "--json", out, "--lang", "en").returncode == 0
    before = out.read_bytes()
    zh_html, en_html, gs = tmp_path / "zh.html", tmp_path / "en.html", tmp_path / "gs.json"
    zh = grader("report", out, "--lang", "zh", "--html", zh_html, "--gradescope", gs)
    assert zh.returncode == 0, zh.stderr
    assert "总分：6/10" in zh.stdout and "乱码" in zh.stdout and "Why" not in zh.stdout
    assert "原因" in zh_html.read_text() and 'lang="zh-Hans"' in zh_html.read_text()
    assert any("原因" in t["output"] for t in json.loads(gs.read_text())["tests"])
    en = grader("report", out, "--lang", "en", "--html", en_html)
    assert en.returncode == 0, en.stderr
    assert "Score: 6/10" in en.stdout and "GBK" in en.stdout and "乱码" not in en.stdout
    assert "Why" in en_html.read_text()
    assert out.read_bytes() == before  # rendering never rewrites the result


def test_report_says_plainly_why_an_old_results_json_cannot_be_read(tmp_path: Path) -> None:
    old = tmp_path / "results.json"
    old.write_text(json.dumps({"score": 1, "max_score": 2, "tests": [], "extra_data": {"grader": {}}}))
    run = grader("report", old)
    assert run.returncode == 2
    assert "older grader" in run.stderr and "grade the submission again" in run.stderr
    assert "Traceback" not in run.stderr


def test_check_in_chinese() -> None:
    run = grader("check", HELLO, SUBMISSIONS / "hello-client" / "gbk-decode.py", "--lang", "zh")
    assert run.returncode == 0, run.stderr
    assert "总分：6/10" in run.stdout
    assert "乱码" in run.stdout


def test_folder_submission_finds_the_entry(tmp_path: Path) -> None:
    folder = tmp_path / "alice"
    folder.mkdir()
    shutil.copy(HELLO_REF, folder / "client.py")
    (folder / "notes.txt").write_text("my notes")
    run = grader("check", HELLO, folder, "--lang", "en")
    assert run.returncode == 0, run.stderr
    assert "Score: 10/10" in run.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("check", HELLO, "no/such/client.py"), "no such file or folder"),
        (("check", "no/such/assignment", HELLO_REF), "assignment.yaml"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: tuple, says: str) -> None:
    run = grader(*args)
    assert run.returncode == 2
    assert says in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_folder_without_entry_is_not_graded_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    run = grader("check", HELLO, tmp_path / "empty", "--lang", "en")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr + run.stdout


def test_bad_spec_names_file_line_and_field(tmp_path: Path) -> None:
    spec = tmp_path / "broken"
    spec.mkdir()
    text = (HELLO / "assignment.yaml").read_text().replace("  step: 5\n", "  step: -5\n", 1)
    (spec / "assignment.yaml").write_text(text)
    run = grader("check", spec, HELLO_REF)
    assert run.returncode == 2
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "step: -5" in s)
    assert f"assignment.yaml:{line}: timeouts.step" in run.stderr
    assert "Traceback" not in run.stderr


def test_schema_is_valid_and_accepts_every_shipped_spec() -> None:
    run = grader("schema")
    assert run.returncode == 0, run.stderr
    schema = json.loads(run.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    specs = sorted(ASSIGNMENTS.glob("*/assignment.yaml"))
    assert len(specs) >= 2
    for path in specs:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert not errors, f"{path}: {errors[:3]}"
    broken = yaml.safe_load((HELLO / "assignment.yaml").read_text())
    broken["scenarios"][0]["pionts"] = 3
    assert list(validator.iter_errors(broken)), "the schema must reject unknown fields"


def test_version_and_module_entry_point() -> None:
    run = grader("--version")
    assert run.returncode == 0
    assert run.stdout.startswith("grader ")


def test_committed_schema_matches_the_models() -> None:
    """Specs point editors at schema/assignment.schema.json; it must not go stale."""
    run = grader("schema")
    committed = (ROOT / "schema" / "assignment.schema.json").read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(run.stdout), (
        "run: grader schema > schema/assignment.schema.json"
    )

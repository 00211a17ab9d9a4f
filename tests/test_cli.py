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
    out = tmp_path / "results.json"
    run = grader("check", HELLO, HELLO_REF, "--json", out, "--lang", "en")
    assert run.returncode == 0, run.stderr
    assert "Score: 10/10" in run.stdout
    assert "Sends exactly" in run.stdout  # the per-scenario table names each scenario
    data = json.loads(out.read_text())
    jsonschema.validate(data, GRADESCOPE_SCHEMA)
    assert data["score"] == data["max_score"] == 10
    assert {t["status"] for t in data["tests"]} == {"passed"}
    facts = data["extra_data"]["grader"]
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
    failed = [t for t in json.loads(out.read_text())["tests"] if t["status"] == "failed"]
    assert failed and all("Why:" in t["output"] for t in failed)


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

"""``grader export student``: the zip students get holds no hidden scenario and checks as it says."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import ASSIGNMENTS, REFERENCE, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from grader.platforms.export import build_wheel

    return build_wheel(tmp_path_factory.mktemp("wheel"))


def with_hidden(tmp_path: Path) -> Path:
    """hello-client with "reply-in-pieces" hidden, and a scenario depending on it."""
    folder = tmp_path / "hello-client"
    shutil.copytree(ASSIGNMENTS / "hello-client", folder)
    spec = folder / "assignment.yaml"
    text = spec.read_text(encoding="utf-8")
    text = text.replace("  - id: reply-in-pieces\n", "  - id: reply-in-pieces\n    visibility: hidden\n")
    text = text.replace(
        "  - id: server-down\n", "  - id: server-down\n    depends_on: [reply-in-pieces]\n", 1
    )
    spec.write_text(text, encoding="utf-8")
    return folder


def grader(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADER_DAEMON": "0"}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_the_students_zip_has_no_hidden_scenario_and_checks_in_one_line(tmp_path: Path, wheel: Path) -> None:
    assignment = with_hidden(tmp_path)
    out = tmp_path / "students.zip"
    made = grader("export", "student", str(assignment), "-o", str(out), "--wheel", str(wheel), "--lang", "en")
    assert made.returncode == 0, made.stderr
    assert "left out (not visible to students): reply-in-pieces" in made.stdout
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        spec = yaml.safe_load(zf.read("hello-client/assignment.yaml"))
        check = zf.read("CHECK.md").decode()
        zf.extractall(tmp_path / "student")
    assert {"hello-client/assignment.yaml", "hello-client/README.md", "CHECK.md", wheel.name} <= names
    assert "hello-client/manifest.yaml" not in names and not any("reference" in n for n in names)
    ids = [s["id"] for s in spec["scenarios"]]
    assert "reply-in-pieces" not in ids and "server-down" in ids
    assert all("reply-in-pieces" not in s.get("depends_on", []) for s in spec["scenarios"])
    line = re.search(r"```sh\n(.+)\n```", check)[1]
    assert line == f"python3 -m pip install ./{wheel.name} && grader check hello-client client.py"
    # The check half of the line, as a student runs it beside the unpacked folder.
    shutil.copy(REFERENCE / "hello-client" / "client.py", tmp_path / "student" / "client.py")
    checked = grader("check", "hello-client", "client.py", "--lang", "en", cwd=tmp_path / "student")
    assert checked.returncode == 0, checked.stderr
    assert "Score: 8/8" in checked.stdout and "5/5 scenarios" in checked.stdout


def test_the_students_export_must_be_a_zip(tmp_path: Path, wheel: Path) -> None:
    made = grader(
        "export",
        "student",
        str(ASSIGNMENTS / "hello-client"),
        "-o",
        str(tmp_path / "x"),
        "--wheel",
        str(wheel),
        "--lang",
        "zh",
    )
    assert made.returncode == 2 and "必须是 .zip 文件" in made.stderr


@pytest.mark.parametrize(("lang", "not_zip", "not_empty", "not_wheel"), [
    ("en", "the Gradescope autograder must be a .zip file",
     "already exists and is not empty; choose a new folder", "not a wheel file"),
    ("zh", "Gradescope 自动评分包必须是 .zip 文件", "已存在且不是空的；请换一个新文件夹", "不是 wheel 文件"),
])  # fmt: skip
def test_export_errors_in_the_teachers_language(
    tmp_path: Path, lang: str, not_zip: str, not_empty: str, not_wheel: str
) -> None:
    hello = str(ASSIGNMENTS / "hello-client")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "info.json").write_text("{}")
    (tmp_path / "grader.txt").write_text("not a wheel")
    cases = [
        (["gradescope", hello, "-o", str(tmp_path / "autograder.tar")], not_zip),
        (["prairielearn", hello, "-o", str(tmp_path / "taken")], not_empty),
        (
            ["gradescope", hello, "-o", str(tmp_path / "a.zip"), "--wheel", str(tmp_path / "grader.txt")],
            not_wheel,
        ),
    ]
    for args, words in cases:
        run = subprocess.run(
            [sys.executable, "-m", "grader", "export", *args, "--lang", lang],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 2, run.stderr
        assert words in run.stderr, run.stderr

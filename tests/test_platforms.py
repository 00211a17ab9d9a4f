"""Gradescope and PrairieLearn: export, then grade inside the platform's layout, as they would.

The grader under test is the wheel inside the export, installed by the export's own
``setup.sh`` into a throwaway virtual environment (which still sees this interpreter's
dependencies, so nothing is downloaded). Scripts run as real processes; a seccomp filter
refusing ``unshare``/``setns`` stands in for Docker's default profile.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ASSIGNMENTS, REFERENCE, ROOT, SUBMISSIONS

from grader.grade import GradeOptions, grade
from grader.messages import verbatim
from grader.platforms import gradescope, prairielearn
from grader.render.words import feedback_text
from grader.results.models import GradeResult, ScenarioResult
from grader.sandbox.host import probe_namespaces
from grader.spec.load import load_assignment

SECCOMP = Path(__file__).with_name("seccomp_deny_unshare.py")
HELLO = ASSIGNMENTS / "hello-client"

# Gradescope's results.json as its documentation describes it (only the keys we may use).
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
GRADESCOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["tests"],
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string", "maxLength": 99_999},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "visibility", "output", "output_format"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "name_format": FORMAT,
                    "number": {"type": "string"},
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "visibility": VISIBILITY,
                    "output": {"type": "string", "maxLength": 99_999},
                    "output_format": {"const": "md"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "extra_data": {"type": "object"},
                },
            },
        },
    },
}
PRAIRIELEARN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["gradable", "score", "tests"],
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "message": {"type": "string"},
        "output": {"type": "string"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "points", "max_points", "message", "output"],
                "properties": {
                    "name": {"type": "string"},
                    "points": {"type": "number"},
                    "max_points": {"type": "number"},
                    "message": {"type": "string"},
                    "output": {"type": "string"},
                },
            },
        },
    },
}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One wheel, one Gradescope zip and one PrairieLearn folder, and a venv holding the wheel."""
    from grader.platforms.export import build_wheel

    base = tmp_path_factory.mktemp("platforms")
    wheel = build_wheel(base / "wheel")
    zip_path = base / "autograder.zip"
    pl_dir = base / "pl-question"
    for cmd in (
        ["gradescope", str(HELLO), "-o", str(zip_path)],
        ["prairielearn", str(HELLO), "-o", str(pl_dir)],
    ):
        subprocess.run(
            [sys.executable, "-m", "grader", "export", *cmd, "--wheel", str(wheel)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
    setup_root = base / "autograder-built"
    source = setup_root / "source"
    _unzip(zip_path, source)
    # The export's own setup.sh, as Gradescope runs it when it builds the image: it finds a
    # Python >= 3.11 and installs the exported wheel into a virtual environment of its own.
    subprocess.run(
        ["bash", str(source / "setup.sh")],
        check=True,
        capture_output=True,
        env={**os.environ, "AUTOGRADER_ROOT": str(setup_root)},
        cwd=base,
    )
    return {"wheel": wheel, "zip": zip_path, "pl": pl_dir, "venv": setup_root / "grader-venv"}


def _unzip(zip_path: Path, target: Path) -> None:
    """Unpack keeping the Unix mode bits, as Gradescope does."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


def _env(built: dict[str, Path], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env.update(PATH=f"{built['venv'] / 'bin'}:{os.environ['PATH']}", LANG="C.UTF-8", **extra)
    return env


def _gradescope_layout(built: dict[str, Path], tmp: Path, submission: Path) -> Path:
    root = tmp / "autograder"
    _unzip(built["zip"], root / "source")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    shutil.copy2(submission, root / "submission" / "client.py")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "grader-venv").symlink_to(built["venv"])  # what setup.sh left in the image
    return root


def run_gradescope(
    built: dict[str, Path], tmp: Path, submission: Path, *, deny_unshare: bool = False
) -> dict[str, Any]:
    root = _gradescope_layout(built, tmp, submission)
    cmd = [str(root / "run_autograder")]
    if deny_unshare:
        cmd = [sys.executable, str(SECCOMP), *cmd]
    proc = subprocess.run(
        cmd,
        env=_env(built, AUTOGRADER_ROOT=str(root)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=root,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, GRADESCOPE_SCHEMA)
    assert not list((root / "results").glob(".*.tmp")), "a temporary file was left behind"
    return doc


def run_prairielearn(
    built: dict[str, Path],
    tmp: Path,
    submission: Path,
    *,
    deny_unshare: bool = False,
    break_spec: bool = False,
) -> dict[str, Any]:
    root = tmp / "grade"
    shutil.copytree(built["pl"] / "tests", root / "tests")
    (root / "student").mkdir()
    shutil.copy2(submission, root / "student" / "client.py")
    if break_spec:
        (root / "tests" / "assignment" / "assignment.yaml").write_text("id: [broken\n")
    cmd = [str(root / "tests" / "run.sh")]
    if deny_unshare:
        cmd = [sys.executable, str(SECCOMP), *cmd]
    proc = subprocess.run(
        cmd,
        env=_env(built, GRADE_ROOT=str(root)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=root,
    )
    assert proc.returncode == 0, proc.stderr
    path = root / "results" / "results.json"
    assert path.stat().st_size < 1_000_000
    doc = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(doc, PRAIRIELEARN_SCHEMA)
    return doc


def _scores(doc: dict[str, Any], key: str = "score") -> dict[str, float]:
    return {t["name"]: t[key] for t in doc["tests"]}


# --------------------------------------------------------------------------- export


def test_gradescope_zip_has_executable_lf_scripts_the_wheel_and_the_spec(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["zip"]) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        for script in ("setup.sh", "run_autograder"):
            assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755
            data = zf.read(script)
            assert data.startswith(b"#!") and b"\r" not in data
        assert built["wheel"].name in infos
        assert "assignment/assignment.yaml" in infos
        assert "assignment/manifest.yaml" not in infos, "the manifest points at reference solutions"
        assert not any(n.startswith("reference/") for n in infos)
        assert b"platform-run --format gradescope" in zf.read("run_autograder")


def test_the_grader_that_grades_is_the_exported_wheel(built: dict[str, Path]) -> None:
    out = subprocess.run(
        [str(built["venv"] / "bin" / "python3"), "-I", "-c", "import grader; print(grader.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=built["venv"],
    )
    assert str(built["venv"]) in out.stdout


def test_export_refuses_a_spec_that_does_not_load(tmp_path: Path, built: dict[str, Path]) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "assignment.yaml").write_text("id: [oops\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "export",
            "gradescope",
            str(tmp_path / "bad"),
            "-o",
            str(tmp_path / "a.zip"),
            "--wheel",
            str(built["wheel"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "assignment.yaml" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "a.zip").exists()


# --------------------------------------------------------------------------- Gradescope


def test_gradescope_reference_gets_full_marks(tmp_path: Path, built: dict[str, Path]) -> None:
    doc = run_gradescope(built, tmp_path, REFERENCE / "hello-client" / "client.py")
    assert doc["score"] == doc["max_score"] == 10
    assert all(t["status"] == "passed" for t in doc["tests"])
    assert "status" not in doc
    extra = doc["extra_data"]
    assert extra["grader_version"] and extra["spec_hash"] and extra["isolation"]


def test_gradescope_without_namespaces_runs_serially_with_the_same_scores(
    tmp_path: Path, built: dict[str, Path]
) -> None:
    buggy = SUBMISSIONS / "hello-client" / "gbk-decode.py"
    free = run_gradescope(built, tmp_path / "free", buggy)
    denied = run_gradescope(built, tmp_path / "denied", buggy, deny_unshare=True)
    assert denied["extra_data"]["isolation"].startswith("host loopback: namespaces refused")
    assert "one after another" in denied["extra_data"]["isolation"]
    if probe_namespaces()[0]:
        assert free["extra_data"]["isolation"].startswith("own network")
    assert _scores(denied) == _scores(free)
    assert denied["score"] == free["score"] == 6  # loses prints-reply and reply-in-pieces


def test_gradescope_a_flood_of_output_stays_under_the_limit(tmp_path: Path, built: dict[str, Path]) -> None:
    flood = tmp_path / "flood.py"
    flood.write_text(
        "import sys\nsys.stdout.write('x' * 200_000 + '\\n')\nsys.stderr.write('y' * 200_000)\n"
        "raise SystemExit(1)\n"
    )
    doc = run_gradescope(built, tmp_path, flood)
    assert doc["score"] < doc["max_score"]
    assert all(len(t["output"]) < 100_000 for t in doc["tests"])


def test_gradescope_output_is_cut_with_a_note() -> None:
    long = ScenarioResult(
        id="s", title="S", status="failed", score=0, max_score=1, message=verbatim("z" * 300_000)
    )
    result = GradeResult(
        assignment="a", assignment_title="A", student="x", score=0, max_score=1, scenarios=[long]
    )
    doc = gradescope.results(result)
    jsonschema.validate(doc, GRADESCOPE_SCHEMA)
    output = doc["tests"][0]["output"]
    assert len(output) < 100_000 and "characters left out" in output


def test_gradescope_grader_failure_is_explained_not_a_silent_zero(
    tmp_path: Path, built: dict[str, Path]
) -> None:
    root = _gradescope_layout(built, tmp_path, REFERENCE / "hello-client" / "client.py")
    (root / "source" / "assignment" / "assignment.yaml").write_text("role: [\n")
    proc = subprocess.run(
        [str(root / "run_autograder")],
        env=_env(built, AUTOGRADER_ROOT=str(root)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=root,
    )
    assert proc.returncode == 0
    doc = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(doc, GRADESCOPE_SCHEMA)
    assert doc["extra_data"]["status"] == "grader_error"
    assert "not a grade" in doc["output"] and "assignment.yaml" in doc["output"]


@pytest.mark.parametrize(
    ("script", "root_var", "schema"),
    [
        ("RUN_AUTOGRADER", "AUTOGRADER_ROOT", GRADESCOPE_SCHEMA),
        ("RUN_SH", "GRADE_ROOT", PRAIRIELEARN_SCHEMA),
    ],
)
def test_the_scripts_leave_a_results_file_even_if_the_grader_cannot_start(
    tmp_path: Path, script: str, root_var: str, schema: dict[str, Any]
) -> None:
    from grader.platforms import export

    path = tmp_path / "script.sh"
    path.write_text(getattr(export, script).format(options="", wheel="missing.whl"))
    path.chmod(0o755)
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "python3").write_text("#!/bin/sh\nexit 3\n")  # an interpreter that cannot run anything
    (fake_bin / "python3").chmod(0o755)
    env = {"PATH": f"{fake_bin}:/usr/bin:/bin", root_var: str(tmp_path / "root")}
    subprocess.run([str(path)], env=env, check=False, timeout=30, capture_output=True)
    doc = json.loads((tmp_path / "root" / "results" / "results.json").read_text())
    jsonschema.validate(doc, schema)
    assert "exit code 3" in (doc.get("output") or doc.get("message"))
    assert doc.get("gradable", False) is False


# --------------------------------------------------------------------------- PrairieLearn


def test_prairielearn_question_folder(built: dict[str, Path]) -> None:
    info = json.loads((built["pl"] / "info.json").read_text())
    assert info["gradingMethod"] == "External"
    assert info["externalGradingOptions"]["entrypoint"] == "/grade/tests/run.sh"
    assert os.access(built["pl"] / "tests" / "run.sh", os.X_OK)
    assert (built["pl"] / "tests" / "wheels" / built["wheel"].name).is_file()
    assert 'file-names="client.py"' in (built["pl"] / "question.html").read_text()


@pytest.mark.parametrize(
    ("submission", "deny", "score"),
    [
        (REFERENCE / "hello-client" / "client.py", False, 1.0),
        (SUBMISSIONS / "hello-client" / "gbk-decode.py", True, 0.6),
    ],
)
def test_prairielearn_scores(
    tmp_path: Path, built: dict[str, Path], submission: Path, deny: bool, score: float
) -> None:
    doc = run_prairielearn(built, tmp_path, submission, deny_unshare=deny)
    assert doc["gradable"] is True
    assert doc["score"] == pytest.approx(score)
    assert sum(t["points"] for t in doc["tests"]) == pytest.approx(score * 10)
    if deny:
        assert doc["grader"]["isolation"].startswith("host loopback: namespaces refused")


def test_prairielearn_grader_failure_is_not_gradable(tmp_path: Path, built: dict[str, Path]) -> None:
    doc = run_prairielearn(built, tmp_path, REFERENCE / "hello-client" / "client.py", break_spec=True)
    assert doc["gradable"] is False
    assert "assignment.yaml" in doc["message"] and doc["tests"] == []


def test_prairielearn_results_stay_under_one_megabyte() -> None:
    many = [
        ScenarioResult(
            id=f"s{i}", title=f"S{i}", status="failed", score=0, max_score=1, message=verbatim("q" * 200_000)
        )
        for i in range(20)
    ]
    result = GradeResult(
        assignment="a", assignment_title="A", student="x", score=0, max_score=20, scenarios=many
    )
    doc = prairielearn.results(result)
    jsonschema.validate(doc, PRAIRIELEARN_SCHEMA)
    assert len(json.dumps(doc, ensure_ascii=False).encode()) < 1_000_000
    assert all("characters left out" in t["output"] for t in doc["tests"])


# --------------------------------------------------------------------------- TIME_WAIT in host mode

GREET_SERVER = """\
import socket, sys
s = socket.socket()  # no SO_REUSEADDR, as many students write it
s.bind(("127.0.0.1", {port}))
s.listen()
while True:
    c, _ = s.accept()
    c.sendall(b"hi\\n")
    c.close()  # the server closes first: its side would keep the port in TIME_WAIT
"""
GREET_SPEC = """\
id: greet
title: Greeting server
role: server
network: {{port: {port}}}
student: {{entry: server.py}}
timeouts: {{step: 5, scenario: 10}}
scenarios:
  - id: closes-first
    title: Greets and closes
    steps: [connect, {{expect: {{text: "hi\\n"}}}}, expect_eof]
  - id: again
    title: Greets the next client
    steps: [connect, {{expect: {{text: "hi\\n"}}}}]
  - id: held-open
    title: Greets while the grader holds the connection
    steps: [connect, {{send: {{text: "x"}}}}, {{expect: {{text: "hi\\n"}}}}]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def greet(tmp_path: Path) -> tuple[Path, Path, int]:
    port = _free_port()
    spec = tmp_path / "greet"
    spec.mkdir()
    (spec / "assignment.yaml").write_text(GREET_SPEC.format(port=port))
    server = tmp_path / "server.py"
    server.write_text(GREET_SERVER.format(port=port))
    return spec, server, port


def test_fixed_port_server_twice_in_a_row_on_the_host_network(greet: tuple[Path, Path, int]) -> None:
    spec, server, _port = greet
    assignment = load_assignment(spec)
    for _ in range(2):
        result = grade(assignment, server, "s", GradeOptions(isolation="host", parallel=1))
        assert [(s.id, s.status) for s in result.scenarios] == [
            ("closes-first", "passed"),
            ("again", "passed"),
            ("held-open", "passed"),
        ]


def test_a_port_held_before_the_student_started_is_not_the_students_fault(
    greet: tuple[Path, Path, int],
) -> None:
    spec, server, port = greet
    # Leave a TIME_WAIT on the port, as a crashed earlier grader or another program would.
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen()
        client = socket.create_connection(("127.0.0.1", port))
        conn, _ = listener.accept()
        conn.close()
        assert client.recv(1) == b""
        client.close()
    result = grade(load_assignment(spec), server, "s", GradeOptions(isolation="host", parallel=1))
    assert {s.status for s in result.scenarios} == {"not_gradable"}
    assert "TIME_WAIT" in feedback_text(result.scenarios[0])


def test_chinese_feedback_and_catalogs_in_the_wheel(built: dict[str, Path]) -> None:
    passed = ScenarioResult(id="s", title="S", status="passed", score=1, max_score=1)
    result = GradeResult(
        assignment="a", assignment_title="A", student="x", score=1, max_score=1, scenarios=[passed]
    )
    doc = gradescope.results(result, "zh")
    assert doc["tests"][0]["output"].startswith("**通过**")
    assert "得分 1/1" in doc["output"]
    with zipfile.ZipFile(built["wheel"]) as zf:
        assert "grader/locale/zh/LC_MESSAGES/platforms.po" in zf.namelist()


# --------------------------------------------------------------------------- on the platforms' terms


def test_gradescope_setup_gives_the_grader_a_python_it_supports(built: dict[str, Path]) -> None:
    from grader.platforms.export import MIN_PYTHON

    version = subprocess.run(
        [str(built["venv"] / "bin" / "python"), "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tuple(map(int, version)) >= MIN_PYTHON
    setup = (built["pl"].parent / "autograder-built" / "source" / "setup.sh").read_text()
    assert "apt-get install -y -q python3.11 python3.11-venv" in setup


def test_every_prairielearn_export_has_its_own_uuid(tmp_path: Path, built: dict[str, Path]) -> None:
    import uuid

    from grader.platforms.export import export_prairielearn

    other = export_prairielearn(HELLO, tmp_path / "q2", wheel=built["wheel"], vendor=False)
    first = json.loads((built["pl"] / "info.json").read_text())["uuid"]
    second = json.loads((other / "info.json").read_text())["uuid"]
    assert first != second and uuid.UUID(first).version == 4 and uuid.UUID(second).version == 4


@pytest.mark.root
@pytest.mark.parametrize(
    ("submission", "score"),
    [(REFERENCE / "hello-client" / "client.py", 1.0), (SUBMISSIONS / "hello-client" / "gbk-decode.py", 0.6)],
)
def test_prairielearn_grades_offline_as_another_user_from_the_vendored_wheels(
    built: dict[str, Path], submission: Path, score: float
) -> None:
    """PrairieLearn's /grade layout, no network (a new network namespace), uid 65534, and an
    interpreter that has none of the grader's dependencies (Debian's own python3)."""
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="grader-pl-"))
    try:
        root = work / "grade"
        shutil.copytree(built["pl"] / "tests", root / "tests")
        (root / "student").mkdir()
        shutil.copy2(submission, root / "student" / "client.py")
        for path in [work, *work.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o755)
        env = {
            "PATH": "/usr/bin:/bin",
            "GRADE_ROOT": str(root),
            "HOME": str(work),
            "LANG": "C.UTF-8",
            "PIP_NO_CACHE_DIR": "1",
            "TMPDIR": str(work),
        }
        proc = subprocess.run(
            [
                "unshare",
                "-n",
                "setpriv",
                "--reuid",
                "65534",
                "--regid",
                "65534",
                "--clear-groups",
                "env",
                "-i",
                *[f"{k}={v}" for k, v in env.items()],
                "bash",
                str(root / "tests" / "run.sh"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        doc = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    jsonschema.validate(doc, PRAIRIELEARN_SCHEMA)
    assert doc["gradable"] is True, doc.get("message")
    assert doc["score"] == pytest.approx(score)
    if score < 1:
        failed = [t for t in doc["tests"] if t["points"] < t["max_points"]]
        assert failed and all("GBK" in t["output"] or "gbk" in t["output"] for t in failed), failed

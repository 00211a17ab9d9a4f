"""Broken assignment specs through ``grader check``: exit 2 and one line naming file:line: field.

Each case edits the hostile spec in one place; all ``grader check`` processes run at once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SPEC = (HERE / "assignment.yaml").read_text()
GOOD = HERE / "programs" / "well_behaved.py"

# (case, text replaced, replacement, what the one line must say, or None: no line number)
CASES = [
    ("unknown-top-field", "role: client\n", "role: client\ncolour: blue\n", "colour: unknown field"),
    (
        "unknown-step-field",
        "      - expect: {text: hello}\n",
        "      - expect: {txt: hello}\n",
        "scenarios[0].steps[1]",
    ),
    ("wrong-type", "cpu_seconds: 2\n", "cpu_seconds: two\n", "limits.cpu_seconds"),
    ("negative-timeout", "scenario: 4\n", "scenario: -4\n", "timeouts.scenario"),
    ("negative-limit", "memory_mb: 64\n", "memory_mb: -1\n", "limits.memory_mb"),
    ("yaml-syntax", "  step: 3\n", "  step: [3\n", "YAML syntax error"),
    ("unknown-action", "      - close\n", "      - slam\n", "scenarios[0].steps[3]"),
    ("bad-entry-name", "entry: client.py\n", "entry: ../client.py\n", "student.entry"),
    # no entry file named at all: the error points at the ``student:`` mapping that lacks it
    (
        "missing-entry",
        "student:\n  entry: client.py\n",
        "student:\n",
        "student.entry: a required field is missing",
    ),
]


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle.strip() in line)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.CompletedProcess[str], str]]:
    base = tmp_path_factory.mktemp("bad-specs")
    started = {}
    for case, old, new, _ in CASES:
        assert SPEC.count(old) >= 1, f"{case}: {old!r} not in the spec"
        text = SPEC.replace(old, new, 1)
        folder = base / case
        folder.mkdir()
        (folder / "assignment.yaml").write_text(text)
        argv = [sys.executable, "-m", "grader", "check", str(folder), str(GOOD), "--lang", "en"]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started[case] = (proc, text, new)
    done = {}
    for case, (proc, text, new) in started.items():
        out, err = proc.communicate(timeout=120)
        done[case] = (subprocess.CompletedProcess(proc.args, proc.returncode, out, err), text, new)
    return done  # type: ignore[return-value]


@pytest.mark.parametrize(("case", "old", "new", "says"), CASES, ids=[c[0] for c in CASES])
def test_bad_spec_is_one_clear_line(runs, case: str, old: str, new: str, says: str) -> None:
    run, text, new_text = runs[case]
    assert run.returncode == 2, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    line = _line_of(text, new_text.splitlines()[-1])
    # an unclosed bracket is noticed by the YAML parser on the next line
    near = (line, line + 1) if case == "yaml-syntax" else (line,)
    assert any(f"assignment.yaml:{n}: " in lines[0] for n in near), (lines[0], line)
    assert says in lines[0]


def test_missing_entry_file_is_not_graded(tmp_path: Path) -> None:
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "notes.txt").write_text("I forgot to hand in client.py")
    run = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(HERE), str(folder), "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2
    assert "client.py" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_missing_spec_file_is_one_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(tmp_path), str(GOOD)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
    assert "assignment.yaml" in run.stderr

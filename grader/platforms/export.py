"""What a teacher uploads: a Gradescope autograder zip, or a PrairieLearn question folder.

Both carry the grader itself as a wheel, built from the very source that exports, so the
version that grades is the version the teacher tested. Nothing is cached in the project:
the wheel is built from a copy of the source in a temporary folder.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import grader
from grader.messages import Message, msg
from grader.messages.codes import Code
from grader.platforms.layout import ASSIGNMENT_DIR
from grader.results.models import write_atomic
from grader.spec.base import localize
from grader.spec.load import load_assignment
from grader.spec.models import Assignment

SKIP = {"__pycache__", ".git", ".pytest_cache", "manifest.yaml"}
"""Not shipped: caches, and the manifest (it points at reference solutions and buggy tests)."""
SOURCE_FILES = ["pyproject.toml", "README.md", "LICENSE"]
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
"""A fixed timestamp for every zip entry: the same inputs give the same zip."""


class ExportError(Exception):
    """The export could not be made; the message says what to fix, in the teacher's language."""

    def __init__(self, code: Code, /, **args: object):
        self.message: Message = msg(code, **args)
        super().__init__(str(self.message))

    def render(self, lang: str = "en") -> str:
        from grader.render.words import say

        return say(self.message, lang)


def project_root() -> Path:
    """The source tree this grader runs from (an installed wheel has none)."""
    root = Path(grader.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise ExportError(Code.EXPORT_NO_SOURCE)
    return root


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False)


def build_wheel(out_dir: Path, source: Path | None = None) -> Path:
    """Build the grader's wheel into ``out_dir`` from a temporary copy of the source."""
    source = source or project_root()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="grader-wheel-") as tmp:
        copy = Path(tmp) / "src"
        shutil.copytree(
            source / "grader", copy / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        for name in SOURCE_FILES:
            if (source / name).is_file():
                shutil.copy2(source / name, copy / name)
        built = Path(tmp) / "dist"
        # Offline first, with the build tools already installed; where those are missing
        # (no ``wheel`` package), let pip fetch them into an isolated build environment.
        for isolation in (["--no-build-isolation"], []):
            proc = _pip("wheel", "--no-deps", *isolation, "-q", "-w", str(built), str(copy))
            if proc.returncode == 0:
                break
        wheels = sorted(built.glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            last = (proc.stderr.strip().splitlines() or ["pip wheel failed"])[-1]
            raise ExportError(Code.EXPORT_WHEEL_FAILED, error=last)
        target = out_dir / wheels[0].name
        shutil.copy2(wheels[0], target)
        return target


def assignment_files(folder: Path) -> Iterator[tuple[Path, str]]:
    """Files of the assignment folder to ship, with their paths relative to it."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in SKIP for part in rel.parts) or path.is_symlink() or not path.is_file():
            continue
        yield path, rel.as_posix()


def _options(lang: str | None, isolation: str) -> str:
    extra = f" --isolation {isolation}" if isolation != "auto" else ""
    return extra + (f" --lang {lang}" if lang else "")


MIN_PYTHON = (3, 11)
"""The grader needs asyncio.TaskGroup (Python 3.11)."""

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built. Its default base image,
# gradescope/autograder-base:ubuntu-22.04, has Python 3.10; the grader needs 3.11, which
# Ubuntu 22.04 ships as the python3.11 package: use a python3 >= 3.11 when there is one,
# else install python3.11 from the distribution (network is available at this stage).
set -euo pipefail
cd "$(dirname "$0")"
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null \\
        && "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        PY="$(command -v "$candidate")"
        break
    fi
done
if [ -z "$PY" ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3.11 python3.11-venv
    PY=/usr/bin/python3.11
fi
# The grader that exported this autograder, and its dependencies, in a virtual environment
# of its own (no clash with the image's packages; Debian and Ubuntu refuse system installs).
# An image's own grader (same version, so pip would call it "already satisfied") must not
# stand in for the exported one: the wheel itself is always put into the venv.
"$PY" -m venv --system-site-packages "$ROOT/grader-venv"
"$ROOT/grader-venv/bin/python" -m pip install -q ./{wheel}
"$ROOT/grader-venv/bin/python" -m pip install -q --force-reinstall --no-deps ./{wheel}
"$ROOT/grader-venv/bin/python" -I -m grader --version
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission. It always leaves results/results.json.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="$ROOT/grader-venv/bin/python"
[ -x "$PY" ] || PY=python3
"$PY" -I -m grader platform-run --format gradescope --root "$ROOT"{options}
code=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    mkdir -p "$ROOT/results"
    msg="The autograder could not start (exit code $code). This 0 is not a grade: tell your teacher."
    printf '{{"score": 0, "tests": [], "output": "%s",\\n "extra_data": {{"status": "grader_error"}}}}\\n' \\
        "$msg" > "$ROOT/results/results.json.tmp"
    mv "$ROOT/results/results.json.tmp" "$ROOT/results/results.json"
fi
exit 0
"""


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
    info.create_system = 3  # Unix, so the mode bits are honoured
    zf.writestr(info, data)


@contextlib.contextmanager
def wheel_for(wheel: Path | None) -> Iterator[Path]:
    """The wheel given, checked, or one built from this source for the time of the export."""
    if wheel is not None:
        if not wheel.is_file() or wheel.suffix != ".whl":
            raise ExportError(Code.EXPORT_NOT_A_WHEEL, path=str(wheel))
        yield wheel
        return
    with tempfile.TemporaryDirectory(prefix="grader-export-") as tmp:
        yield build_wheel(Path(tmp))


def export_gradescope(
    assignment_dir: Path,
    out: Path,
    *,
    wheel: Path | None = None,
    lang: str | None = None,
    isolation: str = "auto",
) -> Path:
    """Write Gradescope's autograder zip: ``setup.sh`` and ``run_autograder`` at its root."""
    load_assignment(assignment_dir)  # refuse to export a spec that does not load
    with wheel_for(wheel) as whl:
        buffer = out.with_name(f".{out.name}.tmp")
        try:
            with zipfile.ZipFile(buffer, "w") as zf:
                _add(zf, "setup.sh", SETUP_SH.format(wheel=whl.name).encode(), executable=True)
                _add(
                    zf,
                    "run_autograder",
                    RUN_AUTOGRADER.format(options=_options(lang, isolation)).encode(),
                    executable=True,
                )
                _add(zf, whl.name, whl.read_bytes())
                for path, rel in assignment_files(assignment_dir):
                    _add(zf, f"{ASSIGNMENT_DIR}/{rel}", path.read_bytes())
            buffer.replace(out)
        finally:
            buffer.unlink(missing_ok=True)
    return out


RUN_SH = """\
#!/usr/bin/env bash
# PrairieLearn's entry point for this question. It always leaves /grade/results/results.json.
# Grading has no network: the grader and every dependency come from tests/wheels, installed
# into a throwaway virtual environment, unless the image already holds the grader.
ROOT="${{GRADE_ROOT:-/grade}}"
PY=python3
if ! python3 -I -c 'import grader' 2>/dev/null; then
    VENV="$(mktemp -d)/venv"
    if python3 -m venv "$VENV" \\
        && "$VENV/bin/python" -m pip install -q --no-index --find-links "$ROOT/tests/wheels" \\
            "$ROOT/tests/wheels/{wheel}"; then
        PY="$VENV/bin/python"
    fi
fi
"$PY" -I -m grader platform-run --format prairielearn --root "$ROOT"{options}
code=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    mkdir -p "$ROOT/results"
    msg="The autograder could not start (exit code $code). Please tell your teacher."
    printf '{{"gradable": false, "score": 0, "message": "%s", "tests": []}}\\n' "$msg" \\
        > "$ROOT/results/results.json.tmp"
    mv "$ROOT/results/results.json.tmp" "$ROOT/results/results.json"
fi
"""


def vendor_dependencies(wheel: Path, target: Path, python_version: str | None = None) -> None:
    """Download the wheels of the grader's dependencies into ``target`` (needs the network now,
    not at grading time). Binary wheels only, for ``python_version`` (default: this one) on
    x86-64 Linux, so they install in the grading image with ``pip --no-index``."""
    version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    platforms = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "linux_x86_64")
    proc = _pip(
        "download", "-q", "--only-binary=:all:", "--python-version", version,
        *(arg for name in platforms for arg in ("--platform", name)),
        "--implementation", "cp", "-d", str(target), str(wheel),
    )  # fmt: skip
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["pip download failed"])[-1]
        raise ExportError(Code.EXPORT_VENDOR_FAILED, version=version, error=last)


def question_info(assignment: Assignment, lang: str | None, image: str, timeout: int) -> dict[str, object]:
    return {
        "uuid": str(uuid.uuid4()),  # PrairieLearn refuses two questions with one UUID
        "title": localize(assignment.title, lang or "en"),
        "topic": "Socket programming",
        "tags": ["socket-grader", assignment.id],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "entrypoint": "/grade/tests/run.sh",
            "timeout": timeout,
        },
    }


def question_html(assignment: Assignment, lang: str | None) -> str:
    description = localize(assignment.description, lang or "en") if assignment.description else ""
    return (
        "<pl-question-panel>\n"
        f"  <p>{_html(description)}</p>\n"
        "</pl-question-panel>\n"
        f'<pl-file-upload file-names="{_html(assignment.student.entry)}"></pl-file-upload>\n'
        "<pl-submission-panel>\n  <pl-external-grader-results></pl-external-grader-results>\n"
        "  <pl-file-preview></pl-file-preview>\n</pl-submission-panel>\n"
    )


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def export_prairielearn(
    assignment_dir: Path,
    out: Path,
    *,
    wheel: Path | None = None,
    lang: str | None = None,
    isolation: str = "auto",
    image: str = "prairielearn/grader-python",
    vendor: bool = True,
    python_version: str | None = None,
) -> Path:
    """Write a PrairieLearn question folder: ``info.json``, ``question.html`` and ``tests/``.

    ``tests/`` is what PrairieLearn mounts at ``/grade/tests``: the assignment, the grader's
    wheel and ``run.sh``. External grading has no network by default, so the image must
    already hold the grader's dependencies (or the grader itself).
    """
    assignment = load_assignment(assignment_dir)
    if out.exists() and any(out.iterdir()):
        raise ExportError(Code.EXPORT_NOT_EMPTY, path=str(out))
    timeout = int(
        min(600, max(30, sum((s.timeout or assignment.timeouts.scenario) for s in assignment.scenarios) + 30))
    )
    with wheel_for(wheel) as whl:
        tests = out / "tests"
        (tests / "wheels").mkdir(parents=True, exist_ok=True)
        shutil.copy2(whl, tests / "wheels" / whl.name)
        if vendor:
            vendor_dependencies(whl, tests / "wheels", python_version)
        for path, rel in assignment_files(assignment_dir):
            target = tests / ASSIGNMENT_DIR / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        run_sh = tests / "run.sh"
        write_atomic(run_sh, RUN_SH.format(wheel=whl.name, options=_options(lang, isolation)))
        run_sh.chmod(0o755)
        write_atomic(
            out / "info.json", json.dumps(question_info(assignment, lang, image, timeout), indent=2) + "\n"
        )
        write_atomic(out / "question.html", question_html(assignment, lang))
    return out

"""Results: what the judge decided, as data every renderer reads (terminal, JSON, HTML, CSV).

The native JSON is Gradescope's ``results.json`` shape with our own facts under
``extra_data``, so a result file drops straight into Gradescope and still carries the
transcripts our reports need.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from grader.outcome import IsolationMode, Outcome

ScenarioStatus = Literal["passed", "failed", "skipped", "not_gradable"]
StepVerdictStatus = Literal["passed", "failed", "not_reached"]
Visibility = Literal["visible", "after_due_date", "after_published", "hidden"]


class Result(BaseModel):
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


class Diagnosis(Result):
    """A recognised mistake: a stable code (for statistics) and a plain explanation."""

    code: str
    message: str


class StepVerdict(Result):
    index: int
    action: str
    description: str
    status: StepVerdictStatus
    score: float = 0
    max_score: float = 0
    expected: str | None = None
    """Expected bytes shown as text with invisible characters made visible."""
    observed: str | None = None
    expected_bytes: bytes | None = None
    observed_bytes: bytes | None = None
    first_difference: int | None = None
    """Byte offset of the first difference between expected and observed (whole payloads)."""
    window_start: int = 0
    """``expected_bytes``/``observed_bytes`` are windows of large payloads starting here."""
    expected_size: int | None = None
    observed_size: int | None = None
    message: str | None = None
    """One plain sentence: what was expected and what happened."""
    diagnoses: list[Diagnosis] = []
    hint: str | None = None
    waited: float | None = None


class ScenarioResult(Result):
    id: str
    title: str
    description: str = ""
    status: ScenarioStatus
    score: float
    max_score: float
    visibility: Visibility = "visible"
    steps: list[StepVerdict] = []
    skipped_because: str | None = None
    failed_step: int | None = None
    message: str = ""
    """The feedback as plain text (what Gradescope's ``output`` shows)."""
    diagnoses: list[Diagnosis] = []
    hint: str | None = None
    duration: float = 0.0
    outcome: Outcome | None = None
    """The facts behind the verdict (transcripts), for reports; absent for skipped scenarios."""


class RunInfo(Result):
    isolation: IsolationMode | None = None
    isolation_note: str = ""
    python: str = ""
    grader_version: str = ""
    spec_hash: str = ""
    started_at: str = ""
    duration: float = 0.0
    lang: str = "en"


class GradeResult(Result):
    """One submission, graded."""

    assignment: str
    assignment_title: str
    student: str
    score: float
    max_score: float
    status: Literal["graded", "not_graded"] = "graded"
    not_graded_reason: str | None = None
    """Why the submission could not be graded at all (no entry file, grader failure, ...)."""
    scenarios: list[ScenarioResult] = []
    run: RunInfo = RunInfo()

    @property
    def passed(self) -> int:
        return sum(s.status == "passed" for s in self.scenarios)

    def to_gradescope(self) -> dict[str, Any]:
        """Gradescope's ``results.json``; our facts ride along under ``extra_data``."""
        tests = [
            {
                "name": s.title,
                "score": round(s.score, 4),
                "max_score": round(s.max_score, 4),
                "status": "passed" if s.status == "passed" else "failed",
                "output": s.message,
                "visibility": s.visibility,
                "tags": [s.id],
            }
            for s in self.scenarios
        ]
        summary = (
            f"Not graded: {self.not_graded_reason}"
            if self.status == "not_graded"
            else f"{self.assignment_title}: {_fmt(self.score)}/{_fmt(self.max_score)} points, "
            f"{self.passed}/{len(self.scenarios)} scenarios passed."
        )
        return {
            "score": round(self.score, 4),
            "max_score": round(self.max_score, 4),
            "output": summary,
            "execution_time": round(self.run.duration, 3),
            "tests": tests,
            "extra_data": {"grader": json.loads(self.model_dump_json())},
        }

    @classmethod
    def from_gradescope(cls, data: dict[str, Any]) -> GradeResult:
        return cls.model_validate(data["extra_data"]["grader"])


def _fmt(x: float) -> str:
    return f"{x:g}"


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _read_umask()
"""Read once at import: ``os.umask`` can only be read by setting it, which races with threads."""


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(result: GradeResult, path: Path) -> None:
    write_atomic(path, json.dumps(result.to_gradescope(), ensure_ascii=False, indent=1))


def read_json(path: Path) -> GradeResult:
    return GradeResult.from_gradescope(json.loads(path.read_text(encoding="utf-8")))

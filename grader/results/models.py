"""Results: what the judge decided, as data every renderer reads (terminal, JSON, HTML, CSV).

This is the grader's own format: ``results.json`` as :func:`write_json` writes it is a
:class:`GradeResult` with a ``format`` and a ``version``, and the batch worker, the driver and
the batch store all speak it. It holds no words of the grader's: every explanation is a
:class:`~grader.messages.Message` (a code and its arguments) and every text from the spec is
kept in all the languages the spec gives, so one file renders in English and in Chinese
(``grader report results.json --lang zh``). Gradescope's and PrairieLearn's files are
renderers of it (:mod:`grader.platforms`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from grader.messages import Message
from grader.outcome import Containment, IsolationMode, Outcome
from grader.spec.base import LocalText

ScenarioStatus = Literal["passed", "failed", "skipped", "not_gradable"]
StepVerdictStatus = Literal["passed", "failed", "not_reached"]
Visibility = Literal["visible", "after_due_date", "after_published", "hidden"]
RESULT_FORMAT: Literal["grader-result"] = "grader-result"
RESULT_VERSION: Literal[2] = 2
"""Version 1 was Gradescope's ``results.json`` with our facts under ``extra_data.grader`` and
the feedback already in words; version 2 keeps codes (so it is read in any language)."""


class Result(BaseModel):
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


class StepVerdict(Result):
    index: int
    action: str
    description: Message
    """The step's title: the spec's own words, or the step kind's title."""
    status: StepVerdictStatus
    score: float = 0
    max_score: float = 0
    expected: str | None = None
    """Expected bytes shown as text with invisible characters made visible (or the pattern)."""
    expected_words: LocalText | None = None
    """The step's own description of what it expects, shown in place of its pattern (a student
    reads "the time, as HH:MM:SS", not ``^\\d{2}:\\d{2}:\\d{2}$``)."""
    observed: str | None = None
    expected_bytes: bytes | None = None
    observed_bytes: bytes | None = None
    first_difference: int | None = None
    """Byte offset of the first difference between expected and observed (whole payloads)."""
    window_start: int = 0
    """``expected_bytes``/``observed_bytes`` are windows of large payloads starting here."""
    expected_size: int | None = None
    observed_size: int | None = None
    expected_encoding: str | None = None
    """The encoding ``expected_bytes`` are text in (a codec name: ``utf-8``, ``gbk``)."""
    observed_encoding: str | None = None
    """The encoding ``observed_bytes`` read as text in (UTF-8, the step's, GBK or GB18030)."""
    reason: Message | None = None
    """The run's fact about this step (``connection_refused {n: 3}``), when it recorded one."""
    message: Message | None = None
    """What was expected and what happened (``step_expected {...}``)."""
    diagnoses: list[Message] = []
    """Recognised causes, most specific first: the first one is *the* cause."""
    hint: LocalText | None = None
    waited: float | None = None


class ScenarioResult(Result):
    id: str
    title: LocalText
    description: LocalText = ""
    status: ScenarioStatus
    score: float
    max_score: float
    visibility: Visibility = "visible"
    steps: list[StepVerdict] = []
    skipped_because: str | None = None
    failed_step: int | None = None
    message: Message | None = None
    """The verdict: passed, skipped because of, not gradable, or the failed step's message."""
    diagnoses: list[Message] = []
    """Recognised causes, ranked: ``diagnoses[0]`` is the one shown; the rest are secondary facts."""
    hint: LocalText | None = None
    duration: float = 0.0
    outcome: Outcome | None = None
    """The facts behind the verdict (transcripts), for reports; absent for skipped scenarios."""

    @property
    def cause(self) -> Message | None:
        """The root cause shown to the student (the most specific diagnosis), if any."""
        return self.diagnoses[0] if self.diagnoses else None


class RunInfo(Result):
    isolation: IsolationMode | None = None
    containment: Containment = Containment()
    """How the runs were contained (namespaces, Landlock, uids, IPC, scratch), as flags."""
    python: str = ""
    grader_version: str = ""
    spec_hash: str = ""
    started_at: str = ""
    duration: float = 0.0
    lang: str = "en"
    """The language asked for when grading: what renderers use unless told another."""


class GradeResult(Result):
    """One submission, graded: the grader's native result."""

    format: Literal["grader-result"] = "grader-result"
    version: Literal[2] = 2
    assignment: str
    assignment_title: LocalText
    student: str
    score: float
    max_score: float
    status: Literal["graded", "not_graded"] = "graded"
    not_graded_reason: Message | None = None
    """Why the submission could not be graded at all (no entry file, grader failure, ...)."""
    scenarios: list[ScenarioResult] = []
    run: RunInfo = RunInfo()

    @property
    def passed(self) -> int:
        return sum(s.status == "passed" for s in self.scenarios)

    def to_json(self, indent: int | None = 1) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> GradeResult:
        """Read a result file; :class:`ResultFormatError` says plainly when it cannot be read."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ResultFormatError(f"not JSON: {exc}") from exc
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: Any) -> GradeResult:
        if not isinstance(data, dict):
            raise ResultFormatError("not a grader result (a JSON object was expected)")
        if data.get("format") != RESULT_FORMAT:
            if isinstance(data.get("extra_data"), dict) and "grader" in data["extra_data"]:
                raise ResultFormatError(
                    "written by an older grader (result format 1: Gradescope's shape, with the "
                    "feedback already in words); it cannot be re-rendered: grade the submission again"
                )
            raise ResultFormatError('not a grader result (no "format": "grader-result")')
        if data.get("version") != RESULT_VERSION:
            raise ResultFormatError(
                f"result format version {data.get('version')!r}; this grader reads version {RESULT_VERSION}"
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            where = ".".join(map(str, exc.errors()[0]["loc"]))
            raise ResultFormatError(
                f"not a valid grader result: {exc.error_count()} problems, the first at {where}"
            ) from exc


class ResultFormatError(ValueError):
    """A file that is not a result this grader can read, with the reason in one line."""


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
    write_atomic(path, result.to_json())


def read_json(path: Path) -> GradeResult:
    """A result file written by :func:`write_json`; :class:`ResultFormatError` if it is not one."""
    try:
        return GradeResult.from_json(path.read_bytes())
    except ResultFormatError as exc:
        raise ResultFormatError(f"{path}: {exc}") from exc

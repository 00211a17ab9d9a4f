"""``manifest.yaml``: the evidence that an assignment's spec grades what it claims to.

It names the reference solution (which must get full marks, run several times to catch
flakiness) and buggy submissions, each with the scenarios it must lose and why. Paths are
relative to the manifest. It is read with the same machinery as ``assignment.yaml``, so its
errors also name ``file:line: field``; checks that need the spec (scenario ids) or the disk
(paths) run as validators with a context, so they are located the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from grader.messages import Invalid
from grader.messages.codes import Code
from grader.messages.kinds import CAUSES
from grader.spec.base import StrictModel
from grader.spec.load import SpecError, load_yaml_model
from grader.spec.models import Assignment

MANIFEST_FILE = "manifest.yaml"
UNRECOGNISED = "unrecognised"
"""A manifest's ``cause`` when the grader must name no cause (none of its rules fits)."""


def _existing_path(value: str, info: ValidationInfo) -> str:
    base: Path | None = (info.context or {}).get("base")
    if base is not None and not (base / value).exists():
        raise Invalid(Code.NO_SUCH_PATH, path=value)
    return value


class ManifestModel(StrictModel):
    """Unknown keys are errors, and so are values of the wrong type (no "3" for 3)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class BuggySubmission(ManifestModel):
    """A submission with a known mistake, and exactly the scenarios that mistake must cost."""

    submission: str
    loses: list[str]
    """Scenario ids that must not get full points (failed or skipped); all others must pass."""
    why: Annotated[str, Field(min_length=1)]
    """The mistake, in a few words, for the validation report."""
    cause: str | None = None
    """The cause the grader must name for the first scenario it fails (a diagnosis code such as
    ``str-not-bytes``), or ``unrecognised`` when it names none; checked when given."""

    _submission_exists = field_validator("submission")(_existing_path)

    @field_validator("cause")
    @classmethod
    def _known_cause(cls, value: str | None) -> str | None:
        known = sorted(c.value for c in CAUSES)
        if value is not None and value != UNRECOGNISED and value not in known:
            raise Invalid(Code.UNKNOWN_CAUSE, cause=repr(value), known=[*known, UNRECOGNISED])
        return value

    @field_validator("loses")
    @classmethod
    def _known_scenarios(cls, value: list[str], info: ValidationInfo) -> list[str]:
        known: list[str] | None = (info.context or {}).get("scenarios")
        if known is not None:
            unknown = [s for s in value if s not in known]
            if unknown:
                raise Invalid(Code.UNKNOWN_SCENARIO, ids=[repr(s) for s in unknown], known=known)
        if len(set(value)) != len(value):
            raise Invalid(Code.SCENARIO_LISTED_TWICE)
        return value


class Manifest(ManifestModel):
    reference: str
    """The reference solution (entry file or folder)."""
    reference_runs: Annotated[int, Field(ge=1, le=50)] = 3
    """How many times the reference is graded; every run must get full marks."""
    buggy: list[BuggySubmission] = Field(default_factory=list)

    _reference_exists = field_validator("reference")(_existing_path)


def manifest_path(folder: Path) -> Path:
    return folder / MANIFEST_FILE


def load_manifest(folder: Path, assignment: Assignment | None = None) -> Manifest:
    """Read ``folder/manifest.yaml``; raise :class:`SpecError` (``file:line: field: problem``)."""
    file = manifest_path(folder)
    context = {"base": file.parent, "scenarios": [s.id for s in assignment.scenarios] if assignment else None}
    return load_yaml_model(
        file,
        Manifest,
        context=context,
        missing=Code.MANIFEST_FILE_EXPECTED,
        fields=Code.MANIFEST_NOT_A_MAPPING,
    )


def resolve(folder: Path, relative: str) -> Path:
    """A manifest path as a real path (relative to the manifest's folder)."""
    return (folder / relative).resolve()


__all__ = ["MANIFEST_FILE", "BuggySubmission", "Manifest", "SpecError", "load_manifest", "resolve"]

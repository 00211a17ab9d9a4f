"""Every shipped assignment is proven by ``grader validate``: its reference gets full marks on
every run, each buggy submission in its manifest loses exactly the scenarios listed, and every
scenario is lost by some buggy submission (no check that nothing shows can fail).

All assignments are validated once, at the same time (one pool of runs, as
``grader validate assignments/`` does); the parametrised tests then read the reports, so each
assignment passes or fails on its own line. Fixed-port assignments run in parallel in namespace
mode and one at a time on the host network; both work.
"""

from __future__ import annotations

import pytest
from conftest import ASSIGNMENTS

from grader.commands.validate import explain
from grader.commands.validate_checks import AssignmentReport, ValidateOptions, find_assignments, validate

FOLDERS = find_assignments(ASSIGNMENTS)


@pytest.fixture(scope="module")
def reports() -> dict[str, AssignmentReport]:
    # Two reference runs here (the manifests ask 3 of `grader validate`) keep the suite fast.
    return {r.folder.name: r for r in validate(FOLDERS, ValidateOptions(lang="en", runs=2))}


def _explain(report: AssignmentReport) -> str:
    return "\n".join(line for check in [*report.reference, *report.buggy] for line in explain(check, "en"))


@pytest.mark.parametrize("name", [f.name for f in FOLDERS])
def test_assignment_is_proven(reports: dict[str, AssignmentReport], name: str) -> None:
    report = reports[name]
    assert not report.problems, "\n".join(report.problems)
    assert report.reference, "the manifest names no reference runs"
    assert report.runs_ok, _explain(report)


@pytest.mark.parametrize("name", [f.name for f in FOLDERS])
def test_every_scenario_is_lost_by_some_buggy_submission(
    reports: dict[str, AssignmentReport], name: str
) -> None:
    report = reports[name]
    assert not report.problems, "\n".join(report.problems)
    assert report.untested == [], f"untested checks: {', '.join(report.untested)}"


@pytest.mark.parametrize("name", [f.name for f in FOLDERS])
def test_every_buggy_submission_gets_the_cause_its_manifest_names(
    reports: dict[str, AssignmentReport], name: str
) -> None:
    """By code, not by English text: the one cause a student is shown for the first failure."""
    report = reports[name]
    assert report.buggy and all(check.cause is not None for check in report.buggy), (
        "a buggy entry names no cause"
    )
    wrong = {check.label: (check.cause, check.named_cause) for check in report.buggy if check.wrong_cause}
    assert not wrong, f"(manifest, named): {wrong}"


def test_there_are_assignments_to_prove() -> None:
    assert len(FOLDERS) >= 5


ISOLATED = ["uppercase-client", "concurrent-echo-server", "time-server"]
"""Assignments held to a stricter bar: every scenario has a buggy submission that loses just it."""


def _dependents(report: AssignmentReport, scenario_id: str) -> set[str]:
    """Scenarios skipped when ``scenario_id`` fails (directly or through other dependencies)."""
    assert report.assignment is not None
    found: set[str] = set()
    for scenario in report.assignment.scenarios:  # dependencies always name earlier scenarios
        if scenario_id in scenario.depends_on or found & set(scenario.depends_on):
            found.add(scenario.id)
    return found


@pytest.mark.parametrize("name", ISOLATED)
def test_each_scenario_has_a_buggy_submission_losing_just_it(
    reports: dict[str, AssignmentReport], name: str
) -> None:
    report = reports[name]
    assert report.assignment is not None, "\n".join(report.problems)
    assert report.assignment.max_score == 10
    losses = [set(check.expected) for check in report.buggy]
    for scenario in report.assignment.scenarios:
        wanted = {scenario.id} | _dependents(report, scenario.id)
        assert wanted in losses, f"no buggy submission loses exactly {sorted(wanted)}"


def _chinese_outputs(report: AssignmentReport) -> dict[str, tuple[str, list[str]]]:
    """Every way a result of ``report`` is read in Chinese, by where: terminal, HTML, platform
    JSON; with the texts that are not the grader's (the spec's, the student's name)."""
    import io

    import yaml
    from english_fragments import gradescope_text, html_text, spec_texts
    from rich.console import Console

    from grader.platforms.gradescope import results as gradescope_document
    from grader.render.html import render_report
    from grader.render.terminal import print_result

    theirs = spec_texts(yaml.safe_load((report.folder / "assignment.yaml").read_text(encoding="utf-8")))
    shown: dict[str, tuple[str, list[str]]] = {}
    for check in [*report.reference, *report.buggy]:
        result = check.result
        if result is None:
            continue
        mine = [*theirs, result.student]
        out = io.StringIO()
        print_result(result, Console(file=out, width=10_000, highlight=False, color_system=None), "zh")
        shown[f"{check.label}: terminal"] = (out.getvalue(), mine)
        shown[f"{check.label}: html"] = (html_text(render_report(result, "zh", reveal_hidden=True)), mine)
        doc = gradescope_document(result, "zh")
        shown[f"{check.label}: gradescope"] = (gradescope_text(doc), mine)
    return shown


@pytest.mark.parametrize("name", [f.name for f in FOLDERS])
def test_every_result_reads_in_chinese(reports: dict[str, AssignmentReport], name: str) -> None:
    """The reference's and every buggy submission's result, rendered in Chinese for the terminal,
    the HTML report and Gradescope: no English fragment in the grader's own words (the rules of
    what may stay in Latin letters are in tests/english_fragments.py)."""
    from english_fragments import english_fragments

    found = {
        where: fragments
        for where, (text, theirs) in _chinese_outputs(reports[name]).items()
        if (fragments := english_fragments(text, theirs))
    }
    assert not found, found

"""Spec mistakes in plain words: did you mean, unknown steps, YAML indentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import SpecError
from grader.spec_yaml import load_assignment

HEAD = "id: x\ntitle: X\nrole: client\nstudent: {entry: client.py}\nscenarios:\n  - id: a\n    title: A\n"


def problems(tmp_path: Path, text: str) -> str:
    (tmp_path / "assignment.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_assignment(tmp_path)
    return str(caught.value)


def test_a_misspelled_field_gets_did_you_mean(tmp_path: Path) -> None:
    text = problems(tmp_path, HEAD + "    steps:\n      - accept\n      - expect: {text: hi, timout: 2}\n")
    assert "steps[1].expect.timout: unknown field (did you mean 'timeout'?)" in text


@pytest.mark.parametrize(
    ("step", "words"),
    [
        ("      - acept\n", "unknown step 'acept' (did you mean 'accept'?); steps are: accept, connect"),
        ("      - {expct: {text: hi}}\n", "(did you mean 'expect'?)"),
    ],
)
def test_an_unknown_step_is_named_with_its_nearest(tmp_path: Path, step: str, words: str) -> None:
    text = problems(tmp_path, HEAD + "    steps:\n" + step)
    assert words in text and "discriminator" not in text


def test_an_indentation_error_says_what_to_fix(tmp_path: Path) -> None:
    text = problems(tmp_path, HEAD + "    steps:\n      - accept\n     - expect: {text: hi}\n")
    assert "assignment.yaml:10: the indentation is off" in text
    tab = problems(tmp_path, HEAD + "    steps:\n\t- accept\n")
    assert "YAML indents with spaces only" in tab

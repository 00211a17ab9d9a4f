"""Loading assignment specs: good ones load, bad ones get one clear line naming file, field, line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from grader.spec.load import SpecError, load_assignment, yaml_json_schema
from grader.spec.models import Assignment
from grader.spec.net_steps import Expect, Send
from tests.conftest import ASSIGNMENTS

GOOD = """\
id: tiny
title: Tiny
role: client
student:
  entry: client.py
  args: ["{host}", "{port}"]
scenarios:
  - id: talks
    title: {en: Talks, zh: 对话}
    points: 1
    steps:
      - accept
      - expect: {text: "hi\\n"}
      - send: {text: "yo", chunks: 2, delay: 0.01}
      - close
      - output: "yo"
      - exit: 0
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "assignment.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_spec_loads_with_shorthand_steps(tmp_path: Path) -> None:
    spec = load_assignment(write(tmp_path, GOOD))
    steps = spec.scenarios[0].steps
    assert [s.action for s in steps] == ["accept", "expect", "send", "close", "output", "exit"]
    assert isinstance(steps[1], Expect) and steps[1].exact_bytes() == b"hi\n"
    assert isinstance(steps[2], Send) and steps[2].chunks == 2
    assert spec.max_score == 1


@pytest.mark.parametrize("assignment", sorted(p.name for p in ASSIGNMENTS.iterdir() if p.is_dir()))
def test_every_shipped_spec_loads_and_matches_the_schema(assignment: str) -> None:
    path = ASSIGNMENTS / assignment / "assignment.yaml"
    load_assignment(path)
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), yaml_json_schema())


def test_schema_rejects_what_the_models_reject() -> None:
    schema = yaml_json_schema()
    bad = yaml.safe_load(GOOD.replace("- close", "- clsoe"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


BAD = [
    # (what is wrong, replace this, with this, expected line, expected text in the error)
    (
        "unknown field",
        "    points: 1\n",
        "    points: 1\n    pionts: 2\n",
        11,
        "scenarios[0].pionts: unknown field",
    ),
    ("wrong type", "    points: 1\n", "    points: lots\n", 10, "scenarios[0].points"),
    ("negative timeout", "    points: 1\n", "    points: 1\n    timeout: -3\n", 11, "scenarios[0].timeout"),
    ("unknown step", "      - close\n", "      - clsoe\n", 15, "unknown step"),
    ("step field typo", "chunks: 2", "chunkz: 2", 14, "send.chunkz: unknown field"),
    ("missing entry", "  entry: client.py\n", "", 4, "student.entry: a required field is missing"),
    ("bad role", "role: client", "role: clinet", 3, "role: must be 'client' or 'server'"),
    ("yaml syntax", "title: Tiny", "title: [Tiny", 3, "YAML syntax error"),
    ("step misfit", "      - accept\n", "      - connect\n", 12, "steps[0]: step 'connect' does not fit"),
]


@pytest.mark.parametrize(("what", "old", "new", "line", "text"), BAD, ids=[b[0] for b in BAD])
def test_bad_spec_names_file_field_and_line(
    tmp_path: Path, what: str, old: str, new: str, line: int, text: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(SpecError) as caught:
        load_assignment(path)
    message = str(caught.value)
    first = message.splitlines()[0]
    assert first.startswith(f"{path}:"), message
    assert text in message, message
    assert any(m.startswith(f"{path}:{line}:") for m in caught.value.problems), message
    assert "Traceback" not in message


def test_missing_spec_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_assignment(tmp_path)
    assert str(caught.value).count("\n") == 0
    assert "assignment.yaml" in str(caught.value)


def test_dependencies_must_point_backwards(tmp_path: Path) -> None:
    text = GOOD.replace("    points: 1\n", "    points: 1\n    depends_on: [later]\n")
    with pytest.raises(SpecError, match="depends on 'later'"):
        load_assignment(write(tmp_path, text))


def test_generated_payloads_are_deterministic() -> None:
    step = Send.model_validate({"action": "send", "generate": {"size": 1000, "seed": 3}})
    assert step.render() == step.render()
    assert len(step.render()) == 1000


def test_schema_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    from grader.cli import main

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Socket grader assignment spec"
    Assignment.model_json_schema()  # the models themselves export too


def test_a_preloaded_spec_serves_only_while_its_file_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a resident checker reads ahead never outlives an edit, and a broken spec is not kept."""
    from grader.spec import load as spec_yaml
    from grader.spec import payloads as spec_payloads

    monkeypatch.setattr(spec_yaml, "_preloaded", {})
    text = (ASSIGNMENTS / "echo-server" / "assignment.yaml").read_text()
    (tmp_path / "assignment.yaml").write_text(text)
    spec_payloads._random_bytes.cache_clear()
    spec_yaml.preload_assignment(tmp_path)
    assert spec_payloads._random_bytes.cache_info().currsize >= 1  # its generated payloads were rendered
    first = load_assignment(tmp_path)
    assert load_assignment(tmp_path / "assignment.yaml") is first

    (tmp_path / "assignment.yaml").write_text(text.replace("title:\n  en: ", "title:\n  en: Edited "))
    edited = load_assignment(tmp_path)
    assert edited is not first and edited.title["en"].startswith("Edited ")

    (tmp_path / "assignment.yaml").write_text(text.replace("role: server", "role: nonsense"))
    spec_yaml.preload_assignment(tmp_path)  # no error here: the check that reads it reports it
    with pytest.raises(SpecError, match=r"assignment\.yaml:\d+: role"):
        load_assignment(tmp_path)
    fifo = tmp_path / "fifo" / "assignment.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    spec_yaml.preload_assignment(fifo.parent)  # never blocks on what is not a regular file
    assert str(fifo.resolve()) not in spec_yaml._preloaded

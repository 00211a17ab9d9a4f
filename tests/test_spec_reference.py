"""The spec reference (docs/spec.md), the schema's descriptions and the schema beside a spec.

The reference is generated from the models; these tests fail when it is stale, when a field
has no description or no example, or when an example is not something the grader accepts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import jsonschema
import pytest
import yaml
from pydantic import BaseModel, TypeAdapter

from grader.spec import models as spec
from grader.spec import net_steps
from grader.spec import steps as spec_steps
from grader.spec.load import SCHEMA_FILE, load_assignment, yaml_json_schema
from grader.spec.reference import (
    COMMON,
    FIELD_EXAMPLES,
    REGENERATE,
    STEP_EXAMPLES,
    STEPS,
    WHOLE_SPEC,
    documented_fields,
    markdown,
    step_action,
    table_cell,
)
from tests.conftest import ROOT


def grader(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def spec_models() -> list[type[BaseModel]]:
    return [
        v
        for v in vars(spec).values()
        if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == spec.__name__
    ]


def test_committed_reference_matches_the_models() -> None:
    run = grader("schema", "--markdown")
    assert run.returncode == 0, run.stderr
    committed = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    assert committed == run.stdout, f"docs/spec.md is stale: run {REGENERATE}"


@pytest.mark.parametrize("model", spec_models(), ids=lambda m: m.__name__)
def test_every_field_has_a_description(model: type[BaseModel]) -> None:
    undescribed = [n for n, f in model.model_fields.items() if n != "action" and not f.description]
    assert not undescribed, f"{model.__name__}: add a docstring under {undescribed}"


def test_the_schema_gives_editors_the_descriptions() -> None:
    schema = json.loads(grader("schema").stdout)
    send = schema["$defs"]["Send"]["anyOf"][0]["properties"]["send"]["properties"]
    assert send["chunks"]["description"] == net_steps.Send.model_fields["chunks"].description
    assert "gbk" in send["encoding"]["description"]
    assert schema["properties"]["role"]["description"].startswith("What the student writes")


def test_every_step_and_every_field_is_in_the_reference_with_an_example() -> None:
    text = markdown()
    documented = list(documented_fields())
    missing = [(s, n) for s, n, _f, _m in documented if not FIELD_EXAMPLES.get(s, {}).get(n)]
    assert not missing, f"add examples to FIELD_EXAMPLES for {missing}"
    for step in STEPS:
        action = step_action(step)
        assert f"### `{action}`" in text and action in STEP_EXAMPLES
    assert set(STEP_EXAMPLES) == set(spec_steps.STEP_ACTIONS)
    for section, name, info, _model in documented:
        assert f"| `{name}` |" in text, (section, name)
        assert f"| {table_cell(info.description or '')} |" in text, (section, name)


def _from_yaml_steps(value: Any) -> Any:
    """A list of steps as written in YAML, in the models' ``action`` form."""
    steps = spec_steps._steps_from_yaml(value)
    return [
        {**s, "steps": spec_steps._steps_from_yaml(s["steps"])} if isinstance(s, dict) and "steps" in s else s
        for s in steps
    ]


@pytest.mark.parametrize(
    ("section", "name", "model"),
    [(s, n, m) for s, n, _f, m in documented_fields()],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_every_field_example_is_accepted(section: str, name: str, model: type[BaseModel]) -> None:
    info = model.model_fields[name]
    value = yaml.safe_load(FIELD_EXAMPLES[section][name])
    if name == "steps":
        value = _from_yaml_steps(value)
    field_type = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    TypeAdapter(field_type).validate_python(value)


def _spec_with(step_yaml: str, role: str) -> str:
    opening = "- accept" if role == "client" else "- connect"
    first = (
        "" if step_yaml.startswith(("- accept", "- connect", "- wait_listening", "- parallel")) else opening
    )
    steps = "\n".join("      " + line for line in [first, *step_yaml.splitlines()] if line)
    return (
        f"id: example\ntitle: Example\nrole: {role}\nstudent: {{entry: {role}.py}}\n"
        f"scenarios:\n  - id: one\n    title: One\n    steps:\n{steps}\n"
    )


@pytest.mark.parametrize("action", sorted(STEP_EXAMPLES))
def test_every_step_example_loads_in_a_spec(tmp_path: Path, action: str) -> None:
    role = "server" if action in ("connect", "wait_listening", "parallel", "browser") else "client"
    path = tmp_path / "assignment.yaml"
    path.write_text(_spec_with(STEP_EXAMPLES[action], role), encoding="utf-8")
    loaded = load_assignment(path)
    assert action in [s.action for s in loaded.scenarios[0].steps]
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), yaml_json_schema())


def test_the_whole_example_loads_and_matches_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "assignment.yaml"
    path.write_text(WHOLE_SPEC, encoding="utf-8")
    assert load_assignment(path).id == "hello-client"
    jsonschema.validate(yaml.safe_load(WHOLE_SPEC), yaml_json_schema())
    assert COMMON in FIELD_EXAMPLES


def schema_named_by(spec_file: Path) -> Path:
    """The file the spec's first line points editors at, resolved as the YAML language server does."""
    first = spec_file.read_text(encoding="utf-8").splitlines()[0]
    found = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert found, first
    return (spec_file.parent / found.group(1)).resolve()


def test_new_writes_the_schema_beside_the_spec_and_the_spec_names_it(tmp_path: Path) -> None:
    run = grader("new", "demo", "--role", "server", "--root", str(tmp_path))
    assert run.returncode == 0, run.stderr
    spec_file = tmp_path / "assignments" / "demo" / "assignment.yaml"
    schema_file = schema_named_by(spec_file)
    assert schema_file == spec_file.parent / SCHEMA_FILE
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema == json.loads(grader("schema").stdout)
    jsonschema.validate(yaml.safe_load(spec_file.read_text(encoding="utf-8")), schema)
    # The folder still works where it is copied: nothing points outside it.
    assert "../" not in spec_file.read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize(("lang", "wrote", "not_folder"), [
    ("en", "wrote ", "not a folder (give the assignment's folder)"),
    ("zh", "已写入 ", "不是文件夹（请给出作业所在的文件夹）"),
])  # fmt: skip
def test_schema_write_refreshes_the_file_beside_a_spec(
    tmp_path: Path, lang: str, wrote: str, not_folder: str
) -> None:
    (tmp_path / SCHEMA_FILE).write_text("{}", encoding="utf-8")  # from an older grader
    run = grader("schema", "--write", str(tmp_path), "--lang", lang)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(wrote)
    assert (tmp_path / SCHEMA_FILE).read_text(encoding="utf-8") == grader("schema").stdout
    missing = grader("schema", "--write", str(tmp_path / "nowhere"), "--lang", lang)
    assert missing.returncode == 2 and not_folder in missing.stderr


def test_shipped_specs_name_a_schema_that_exists() -> None:
    for spec_file in sorted((ROOT / "assignments").glob("*/assignment.yaml")):
        assert schema_named_by(spec_file).is_file(), spec_file

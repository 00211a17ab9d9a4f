"""Loading ``assignment.yaml`` with errors a teacher can act on: file, field path, line.

PyYAML's node tree keeps line numbers; pydantic's errors keep the field path. Walking the
node tree along the error's path joins the two, so every error names ``file:line`` and the
field, in one line, with no traceback.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from grader.errors import SpecError
from grader.messages import Invalid, Message, msg
from grader.messages.codes import Code
from grader.spec.hints import did_you_mean, pydantic_words, spec_field_names, validator_words, yaml_words
from grader.spec.models import Assignment, json_schema
from grader.spec.payloads import Generated
from grader.spec.steps import SHORTHAND, STEP_ACTIONS

FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml where PyYAML was built with it (parsing a spec in ~1 ms instead of ~30)."""

SPEC_FILE = "assignment.yaml"


def spec_path(path: Path) -> Path:
    """Accept the assignment folder or the YAML file itself."""
    return path / SPEC_FILE if path.is_dir() else path


SPEC_MISSING = Code.SPEC_FILE_EXPECTED
SPEC_FIELDS = Code.SPEC_NOT_A_MAPPING


def load_assignment(path: Path) -> Assignment:
    """Read and validate a spec; raise :class:`SpecError` naming file, field and line."""
    file = spec_path(Path(path))
    text = read_yaml_text(file, missing=SPEC_MISSING)
    known = _preloaded.get(os.path.realpath(file)) if _preloaded else None  # only a resident child has any
    if known is not None and known[0] == text:
        return attach_fixtures(file, known[1])  # the files may have changed since
    return attach_fixtures(file, yaml_model(file, text, Assignment, fields=SPEC_FIELDS))


def attach_fixtures(file: Path, assignment: Assignment) -> Assignment:
    """The spec with the files of its folder's ``files/``; a problem with them is a spec error."""
    from grader.spec.fixtures import FixtureError, read_fixtures

    try:
        return assignment.with_fixtures(read_fixtures(file.parent))
    except Invalid as exc:
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in exc.at).lstrip(".")
        raise SpecError([msg(Code.SPEC_AT, where=f"{file}: {where}", problem=exc.message)]) from None
    except (FixtureError, OSError, ValueError) as exc:
        raise SpecError([f"{file}: {exc}"]) from None


PRELOADED_SPECS = 8
PRELOAD_MAX_BYTES = 1 << 20
_preloaded: dict[str, tuple[str, Assignment]] = {}
"""Specs a resident process read ahead, by real path: their text and the validated model."""


def preload_assignment(path: Path) -> None:
    """Validate a spec now, and render its generated payloads, for processes forked later.

    A resident checker calls this with the assignment a check just used: students check the
    same assignment again and again, and each forked child then skips the YAML, the
    validation and the payloads (~4 ms of a ~100 ms check). :func:`load_assignment` uses the
    result only while the file still holds the same text; a broken spec is not kept (the
    next check reports it, as ever). Only for processes that use each spec once and exit: the
    model is shared, not copied.
    """
    file = spec_path(Path(path))
    try:
        if not file.is_file() or file.stat().st_size > PRELOAD_MAX_BYTES:
            return  # never block on a FIFO, nor hold a huge file
        text = read_yaml_text(file, missing=SPEC_MISSING)
        real = os.path.realpath(file)
        if _preloaded.get(real, ("",))[0] == text:
            return
        spec = yaml_model(file, text, Assignment, fields=SPEC_FIELDS)  # the very text kept below
    except (OSError, SpecError):
        return
    for payload in _generated_payloads(spec):
        payload.render()
    _preloaded.pop(real, None)
    while len(_preloaded) >= PRELOADED_SPECS:
        del _preloaded[next(iter(_preloaded))]
    _preloaded[real] = (text, spec)


def _generated_payloads(value: object) -> Iterator[Generated]:
    if isinstance(value, Generated):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _generated_payloads(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _generated_payloads(item)


M = TypeVar("M", bound=BaseModel)


def load_yaml_model(
    file: Path, model: type[M], *, missing: Code, fields: Code, context: dict[str, Any] | None = None
) -> M:
    """Read a YAML file into ``model`` (any pydantic model); errors name file, line and field.

    Shared by every YAML file the grader reads (``assignment.yaml``, ``manifest.yaml``), so
    they all report problems the same way. ``context`` reaches the model's validators.
    """
    return yaml_model(file, read_yaml_text(file, missing=missing), model, fields=fields, context=context)


def read_yaml_text(file: Path, *, missing: Code) -> str:
    """The file's text; a :class:`SpecError` naming it if it is absent or unreadable."""
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError([msg(Code.SPEC_NO_SUCH_FILE, file=str(file), missing=msg(missing))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([msg(Code.SPEC_CANNOT_READ, file=str(file), error=str(exc))]) from None


def yaml_model(
    file: Path, text: str, model: type[M], *, fields: Code, context: dict[str, Any] | None = None
) -> M:
    """``text``, read from ``file``, validated into ``model``; errors name ``file``, line and field."""
    try:
        data = yaml.load(text, Loader=FAST_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark else str(file)
        problem = getattr(exc, "problem", None) or str(exc)
        lines = text.splitlines()
        line = lines[mark.line] if mark and mark.line < len(lines) else ""
        worded = yaml_words(problem, getattr(exc, "context", None), line)
        raise SpecError([msg(Code.SPEC_AT, where=where, problem=worded)]) from None
    if not isinstance(data, dict):
        raise SpecError([msg(Code.SPEC_AT, where=f"{file}:1", problem=msg(fields))])
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        # Only now build the node tree that knows line numbers: parsing is 10x faster without it.
        node = yaml.compose(text, Loader=FAST_LOADER)
        raise SpecError(list(_describe_errors(file, node, exc))) from None


def _describe_errors(file: Path, root: yaml.Node | None, exc: ValidationError) -> Iterable[Message]:
    seen: set[str] = set()
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        steps = ", ".join(STEP_ACTIONS)
        worded: Message
        if error["type"] == "extra_forbidden":
            field = str(loc[-1]) if loc else ""
            guess = did_you_mean(field, spec_field_names()) or msg(Code.CHECK_SPELLING)
            worded = msg(Code.UNKNOWN_FIELD, guess=guess)
        elif error["type"] == "union_tag_invalid":
            tag = str((error.get("ctx") or {}).get("tag", "")).strip("'")
            worded = msg(
                Code.UNKNOWN_STEP, tag=repr(tag), guess=did_you_mean(tag, STEP_ACTIONS) or "", steps=steps
            )
        elif error["type"] == "union_tag_not_found":
            keys = list(error["input"]) if isinstance(error.get("input"), dict) else []
            close = next((g for g in (did_you_mean(str(k), STEP_ACTIONS) for k in keys) if g), None)
            worded = msg(Code.STEP_MUST_BE, steps=steps, guess=close or "")
        elif error["type"] == "value_error":
            # Checks across fields (in model validators) say which field below the model they mean.
            worded, below = validator_words(error)
            loc = loc + below
        else:
            worded = pydantic_words(error)
        line, path = _locate(root, loc)
        text = msg(Code.SPEC_AT, where=f"{file}:{line}: {path or '(top)'}", problem=worded)
        if str(text) not in seen:
            seen.add(str(text))
            yield text


def _locate(root: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[int, str]:
    """Follow ``loc`` through the YAML nodes; return the deepest line reached and a path.

    The line is that of the key (``points:``) or list item reached last. Parts of ``loc`` that
    are not in the YAML (a missing field, the step tag pydantic adds for unions, or
    ``function-after[...]`` for validators) leave the line where it was.
    """
    node = root
    line = node.start_mark.line + 1 if node is not None else 1
    path = ""
    for part in loc:
        found = _child(node, part)
        if found is None:
            # A missing field is still named; pydantic's internal parts are not.
            if isinstance(part, str) and part.isidentifier() and part not in STEP_ACTIONS:
                path += f".{part}" if path else part
            continue
        line, node = found
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return line, path


def _child(node: yaml.Node | None, part: Any) -> tuple[int, yaml.Node] | None:
    """The child named ``part`` and the line that introduces it."""
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item.start_mark.line + 1, item
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                return key.start_mark.line + 1, value
        # A step's fields may sit inside its one-key body: ``- send: {text: ..}``.
        for key, value in node.value:
            if key.value in STEP_ACTIONS and isinstance(value, yaml.MappingNode):
                found = _child(value, part)
                if found is not None:
                    return found
    return None


SCHEMA_FILE = "assignment.schema.json"
"""The schema's file beside a spec, named by the spec's first line (``$schema=assignment.schema.json``)."""


def schema_text() -> str:
    """The JSON Schema of ``assignment.yaml`` as the text ``grader schema`` prints and writes."""
    return json.dumps(yaml_json_schema(), indent=2, ensure_ascii=False) + "\n"


def yaml_json_schema() -> dict[str, Any]:
    """JSON Schema of ``assignment.yaml`` as written: steps as one-key mappings.

    The models validate a normalised form (``action: send``); editors see the YAML, so each
    step's schema is rewritten to ``{send: {...fields}}`` (or the bare name, e.g. ``close``).
    """
    schema = json_schema()
    defs = schema.get("$defs", {})
    for name, definition in list(defs.items()):
        action = definition.get("properties", {}).get("action", {}).get("const")
        if not action:
            continue
        body = copy.deepcopy(definition)
        body["properties"].pop("action")
        body["required"] = [r for r in body.get("required", []) if r != "action"]
        if not body["required"]:
            body.pop("required")
        forms: list[dict[str, Any]] = [
            {
                "type": "object",
                "properties": {action: body},
                "required": [action],
                "additionalProperties": False,
            },
        ]
        if not body.get("required"):
            forms.append({"const": action})
        if action in SHORTHAND:
            forms.append(
                {
                    "type": "object",
                    "required": [action],
                    "additionalProperties": False,
                    "properties": {action: body["properties"][SHORTHAND[action]]},
                }
            )
        defs[name] = {
            "title": definition.get("title", name),
            "description": definition.get("description", ""),
            "anyOf": forms,
        }
    for definition in defs.values():
        _drop_discriminators(definition)
    _drop_discriminators(schema)
    return schema


def _drop_discriminators(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("discriminator", None)
        for value in node.values():
            _drop_discriminators(value)
    elif isinstance(node, list):
        for value in node:
            _drop_discriminators(value)

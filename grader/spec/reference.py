"""``docs/spec.md``: the reference of ``assignment.yaml``, generated from the models.

Types, defaults and descriptions come from :mod:`grader.spec.models` (its field docstrings are also
the descriptions ``grader schema`` gives editors), so the reference cannot disagree with the
grader; the examples live here, one for every step and every field, and the tests load each
of them through the models. ``grader schema --markdown > docs/spec.md`` writes it; a test
fails when the committed file is stale.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Iterable, Iterator
from textwrap import dedent
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from grader.spec import base, payloads, step_base
from grader.spec import models as spec
from grader.spec import steps as spec_steps

REGENERATE = "grader schema --markdown > docs/spec.md"

SECTIONS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("Assignment", spec.Assignment),
    ("student", spec.StudentProgram),
    ("network", spec.Network),
    ("limits", spec.Limits),
    ("timeouts", spec.Timeouts),
    ("Scenario", spec.Scenario),
)
"""The models documented as tables of fields, in the order a spec is written."""

NETWORK_STEPS: tuple[type[step_base.StepBase], ...] = typing.get_args(spec_steps.NetworkStep)
TERMINAL_STEPS: tuple[type[step_base.StepBase], ...] = typing.get_args(spec_steps.TerminalStep)
STEPS: tuple[type[BaseModel], ...] = (*NETWORK_STEPS, spec_steps.Parallel, *TERMINAL_STEPS)

WHOLE_SPEC = """\
# yaml-language-server: $schema=assignment.schema.json
id: hello-client
title: {en: "Hello, TCP client", zh: "你好，TCP 客户端"}
role: client
student:
  entry: client.py
  args: ["{host}", "{port}"]
scenarios:
  - id: sends-hello
    title: {en: Sends hello, zh: 发送 hello}
    points: 2
    steps:
      - accept
      - expect: {text: "hello", description: {en: "the word hello", zh: "单词 hello"}}
      - send: {text: "hi there"}
      - close
      - output: "hi there"
      - exit: 0
"""
"""A small, complete spec: the reference opens with it (and a test loads it)."""

STEP_EXAMPLES: dict[str, str] = {
    "accept": "- accept",
    "connect": "- connect: {timeout: 10}",
    "wait_listening": "- wait_listening",
    "send": '- send: {text: "你好", encoding: gbk, chunks: [1, 1]}',
    "expect": '- expect: {regex: "^OK \\\\d+$", description: {en: "OK and a number", zh: "OK 加一个数字"}}',
    "expect_eof": "- expect_eof",
    "shutdown": "- shutdown",
    "close": "- close",
    "reset": "- reset",
    "pause": "- pause: 0.5",
    "parallel": dedent(
        """\
        - parallel:
            copies: 3
            steps:
              - connect
              - send: {text: "client {i}\\n"}
              - expect: {line: "client {i}"}
              - close"""
    ),
    "prompt": '- prompt: "请输入："',
    "output": '- output: {regex: "收到[:：] *hello"}',
    "type": '- type: "hello"',
    "close_stdin": "- close_stdin",
    "exit": "- exit: nonzero",
    "stderr": "- stderr: {no_traceback: true}",
    "file": '- file: {path: received.txt, text: "hello\\n"}',
    "request": "- request: {method: GET, path: /index.html}",
    "response": '- response: {status: 200, headers: {Content-Type: text/html}, body: {text: "<h1>Hi</h1>"}}',
    "browser": "- browser: {path: /index.html, content_type: text/html, text: Hello}",
}
"""One YAML example per step, as it is written in ``steps:``."""

COMMON = "common"
FIELD_EXAMPLES: dict[str, dict[str, str]] = {
    "Assignment": {
        "id": "echo-server",
        "title": "{en: TCP echo server, zh: TCP 回显服务器}",
        "description": "Write a server that sends back every byte it receives.",
        "role": "server",
        "student": "{entry: server.py, args: ['{port}']}",
        "network": "{port: 8080}",
        "limits": "{memory_mb: 256}",
        "timeouts": "{step: 3}",
        "scenarios": "[{id: echoes, title: Echoes, steps: [connect, close]}]",
    },
    "student": {
        "entry": "client.py",
        "args": "['{host}', '{port}']",
        "aliases": "[tcp_client.py, main.py]",
    },
    "network": {"host": "127.0.0.1", "port": "8080"},
    "limits": {
        "cpu_seconds": "5",
        "memory_mb": "256",
        "processes": "16",
        "file_size_mb": "8",
        "open_files": "64",
        "output_bytes": "65536",
        "result_bytes": "2097152",
    },
    "timeouts": {"step": "3", "scenario": "20"},
    "Scenario": {
        "id": "echoes-in-pieces",
        "title": "{en: Echoes a message sent in pieces, zh: 分段发送的消息也能回显}",
        "description": "'TCP is a stream: one message may arrive in several recv() calls.'",
        "hint": "{en: Call recv() until you have the whole line., zh: 循环调用 recv() 直到收到整行。}",
        "points": "2",
        "depends_on": "[connects]",
        "visibility": "after_due_date",
        "timeout": "10",
        "server_running": "false",
        "port_in_time_wait": "true",
        "args": "['{host}', '{port}', extra]",
        "steps": "[connect, {send: {text: hi}}, {expect: {text: hi}}, close]",
    },
    COMMON: {
        "description": "{en: the greeting, zh: 问候语}",
        "hint": "Send the bytes of the text, encoded in UTF-8.",
        "points": "1",
        "timeout": "2.5",
        "conn": "c2",
    },
    "send": {
        "text": "hello",
        "hex": "'68 65 6c 6c 6f'",
        "generate": "{size: 100000, seed: 7}",
        "encoding": "gbk",
        "chunks": "[1, 4, 100]",
        "delay": "0.05",
    },
    "expect": {
        "text": "hello",
        "hex": "'0d0a'",
        "generate": "{size: 100000, seed: 7}",
        "encoding": "gbk",
        "line": "OK",
        "regex": "'^HTTP/1\\.[01] 200'",
        "length": "4",
        "anything": "true",
        "until_eof": "true",
    },
    "pause": {"seconds": "0.5"},
    "parallel": {
        "copies": "5",
        "steps": "[connect, {send: {text: 'hi {i}'}}, {expect: {text: 'hi {i}'}}]",
    },
    "prompt": {"text": "'请输入消息：'", "regex": "'(?i)message: ?'"},
    "output": {"text": "hello", "regex": "'\\d+ bytes'", "line": "bye", "stream": "either"},
    "type": {"text": "/quit", "newline": "false"},
    "exit": {"code": "nonzero", "stdin_open": "true"},
    "stderr": {"no_traceback": "true", "contains": "ConnectionRefusedError"},
    "request": {
        "method": "HEAD",
        "path": "/index.html",
        "version": "HTTP/1.0",
        "headers": "{Host: {regex: .+}}",
        "body": "'name=alice'",
        "raw": "'GET / HTTP/1.1\\r\\n\\r\\n'",
        "encoding": "gbk",
    },
    "response": {
        "status": "404",
        "reason": "Not Found",
        "headers": "{Content-Type: text/html}",
        "body": "{file: index.html}",
        "framing": "content-length",
        "crlf": "strict",
    },
    "browser": {
        "path": "/index.html",
        "selector": "h1",
        "text": "Hello",
        "content_type": "text/html",
    },
    "file": {
        "path": "downloads/a.txt",
        "text": "hello",
        "hex": "'00ff'",
        "generate": "{size: 4096, seed: 1, alphabet: text}",
        "encoding": "gbk",
        "absent": "true",
    },
    "generate": {"size": "1048576", "seed": "42", "alphabet": "text"},
}
"""An inline YAML value for every field, by section (a model's name or a step's action)."""


def own_fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """A step's fields less those every step (or every network step) has, and ``action``."""
    common = (
        set(step_base.NetStep.model_fields)
        if issubclass(model, step_base.NetStep)
        else set(step_base.StepBase.model_fields)
    )
    return {n: f for n, f in model.model_fields.items() if n not in common and n != "action"}


def step_action(model: type[BaseModel]) -> str:
    return typing.get_args(model.model_fields["action"].annotation)[0]


def documented_fields() -> Iterator[tuple[str, str, FieldInfo, type[BaseModel]]]:
    """(section, field name, field, model) for every field the reference describes."""
    for section, model in SECTIONS:
        for name, info in model.model_fields.items():
            yield section, name, info, model
    for name, info in step_base.NetStep.model_fields.items():
        yield COMMON, name, info, step_base.NetStep
    for model in STEPS:
        for name, info in own_fields(model).items():
            yield step_action(model), name, info, model
    for name, info in payloads.Generated.model_fields.items():
        yield "generate", name, info, payloads.Generated


# ----------------------------------------------------------------------------- words for types


def type_words(annotation: Any, metadata: Iterable[Any] = ()) -> str:
    """``PositiveInt | list[PositiveInt] | None`` -> ``integer > 0, or list of integer > 0``."""
    text = _type_words(annotation) + _constraints(metadata)
    return text


def _type_words(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp == base.LocalText:
        return "text, or `{en: …, zh: …}`"
    if origin is typing.Annotated:
        inner, *meta = args
        if any(isinstance(m, FieldInfo) and m.discriminator for m in meta):
            return "network step" if inner == spec_steps.NetworkStep else "step"
        return _type_words(inner) + _constraints(meta)
    if origin in (typing.Union, types.UnionType):
        parts = [a for a in args if a is not type(None)]
        if set(parts) == set(typing.get_args(base.LocalText)):
            return "text, or `{en: …, zh: …}`"
        return ", or ".join(_type_words(a) for a in parts)
    if origin is typing.Literal:
        return " or ".join(f"`{v}`" for v in args)
    if origin is list:
        return f"list of {_type_words(args[0])}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        name = next(
            (s for s, m in SECTIONS if m is tp), "generate" if tp is payloads.Generated else tp.__name__
        )
        return f"[{name}](#{name.lower()})"
    return {str: "text", int: "integer", float: "number", bool: "`true` or `false`"}.get(tp, str(tp))


def _constraints(metadata: Iterable[Any]) -> str:
    words = []
    flat = [m for item in metadata for m in (item.metadata if isinstance(item, FieldInfo) else [item])]
    for item in flat:
        if isinstance(item, annotated_types.Gt):
            words.append(f"> {item.gt}")
        elif isinstance(item, annotated_types.Ge):
            words.append(f"≥ {item.ge}")
        elif isinstance(item, annotated_types.Le):
            words.append(f"≤ {item.le}")
        elif isinstance(item, annotated_types.MinLen):
            words.append(f"(at least {item.min_length})")
        elif getattr(item, "pattern", None):
            words.append(f"matching `{item.pattern}`")
    return (" " + ", ".join(words)) if words else ""


def default_words(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "its fields' defaults"
    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def table_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("``", "`")


def field_table(section: str, fields: dict[str, FieldInfo]) -> list[str]:
    rows = ["| Field | Type | Default | Description | Example |", "|---|---|---|---|---|"]
    for name, info in fields.items():
        example = FIELD_EXAMPLES.get(section, {}).get(name, "")
        rows.append(
            f"| `{name}` | {table_cell(type_words(info.annotation, info.metadata))} | {default_words(info)} "
            f"| {table_cell(info.description or '')} | `{table_cell(example)}` |"
        )
    return rows


def model_doc(model: type[BaseModel]) -> str:
    """The model's own docstring (not one it inherits), as a paragraph."""
    text = model.__dict__.get("__doc__") or ""
    first, _, rest = text.partition("\n")
    text = "\n".join(line.strip() for line in [first, *dedent(rest).splitlines()]).strip()
    return text.replace("``", "`")


# ----------------------------------------------------------------------------- the document


INTRO = f"""\
# The assignment spec: `assignment.yaml`

<!-- Generated from the models in grader/spec/ by `{REGENERATE}`; edit the models, not this file. -->

An assignment is one YAML file, `assignment.yaml`, in the assignment's folder. It says what
the student writes (a client or a server), how the program is started, and a list of
**scenarios**: each is a dialogue of **steps** between the grader and the student's program,
on two channels, the network (the grader plays the other side of the connection) and the
terminal (what the program prints and what is typed into it). `grader validate` proves a
spec against a reference solution and buggy submissions (see `manifest.yaml`).

Texts shown to students (`title`, `description`, `hint`) are plain text or one text per
language, `{{en: "...", zh: "..."}}`. Every field below is also described in the JSON Schema
(`grader schema`); `grader new` and `grader schema --write FOLDER` put it beside the spec as
`assignment.schema.json`, and the spec's first line,
`# yaml-language-server: $schema=assignment.schema.json`, makes editors with a YAML language
server (VS Code's YAML extension, for one) check and complete the spec as it is typed.

## A whole spec

```yaml
{WHOLE_SPEC.rstrip()}
```
"""

STEPS_INTRO = """\
## Steps

A step is written as a one-key mapping, the step's name and its fields
(`- send: {text: "hi"}`); a step without fields is its bare name (`- close`), and `pause`,
`type`, `prompt`, `output`, `exit` and `parallel` take their main field directly
(`- pause: 0.5`, `- exit: 0`). Steps run in order; a step that fails ends its scenario.

Network steps act on a connection. In a **client** assignment the grader is the server:
the scenario starts with `accept`. In a **server** assignment the grader is the client:
it starts with `connect` (or `wait_listening`). Terminal steps read what the program
prints and type into it; they may be mixed with network steps in one scenario.
"""


def step_section(model: type[BaseModel]) -> list[str]:
    action = step_action(model)
    lines = [f"### `{action}`", "", model_doc(model) or f"The `{action}` step.", ""]
    fields = own_fields(model)
    if fields:
        lines += [*field_table(action, fields), ""]
    lines += ["```yaml", STEP_EXAMPLES[action], "```", ""]
    return lines


def markdown() -> str:
    """The whole reference, as committed in ``docs/spec.md``."""
    lines = [INTRO]
    for section, model in SECTIONS:
        title = "The top level" if model is spec.Assignment else f"`{section}`"
        lines += [f"## {title}" if model is not spec.Scenario else "## Scenarios", ""]
        lines += [f'<a id="{section.lower()}"></a>', ""]
        lines += [model_doc(model) or "", ""] if model_doc(model) else []
        lines += [*field_table(section, dict(model.model_fields)), ""]
    lines += [STEPS_INTRO]
    lines += ["### Fields every step has", "", "Network steps also have `conn`.", ""]
    lines += [*field_table(COMMON, dict(step_base.NetStep.model_fields)), ""]
    lines += ["## Network steps", ""]
    for model in NETWORK_STEPS:
        lines += step_section(model)
    lines += step_section(spec_steps.Parallel)
    lines += ["## Terminal steps", ""]
    for model in TERMINAL_STEPS:
        lines += step_section(model)
    lines += ["## `generate`", "", '<a id="generate"></a>', "", model_doc(payloads.Generated), ""]
    lines += [*field_table("generate", dict(payloads.Generated.model_fields)), ""]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"

"""Assignment specs: pydantic models of what a student's program must do.

A spec is an ordered list of scenarios; each scenario is a dialogue of steps on two channels,
the network (the reference peer) and the terminal (the student's process). Steps are written in
YAML as one-key mappings (``- send: {text: "hi"}``), which read like a script for teachers; a
``before`` validator turns that key into the ``action`` discriminator pydantic needs.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    model_validator,
)

from grader.messages import Invalid
from grader.messages.codes import Code
from grader.spec.base import LocalText, StrictModel, Visibility
from grader.spec.steps import AnyStep, Parallel, _steps_from_yaml

# --------------------------------------------------------------------------- payloads


# --------------------------------------------------------------------------- steps


# --------------------------------------------------------------------------- scenarios


class Scenario(StrictModel):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    """A short name (lower-case letters, digits, ``-``, ``_``), unique in the assignment."""
    title: LocalText
    """The scenario's name in reports."""
    description: LocalText | None = None
    """What the scenario checks, in more words, shown under its title."""
    hint: LocalText | None = None
    """Advice shown to a student who loses the scenario."""
    points: NonNegativeFloat = 0
    """Points for passing the whole scenario, on top of its steps' points."""
    depends_on: list[str] = []
    """Ids of earlier scenarios that must pass first; otherwise this one is skipped, saying which to fix."""
    visibility: Visibility = "visible"
    """When students see the result (Gradescope's terms); ``hidden`` is left out of the students' export."""
    timeout: PositiveFloat | None = None
    """Seconds the whole scenario may take (default: the assignment's ``timeouts.scenario``)."""
    server_running: bool = True
    """Client assignments only: whether the reference server listens at all."""
    args: list[str] | None = None
    """Overrides the assignment's argument template for this scenario."""
    port_in_time_wait: bool = False
    """Server assignments, namespace mode: the port was just used (a connection in TIME_WAIT),
    as when a server is restarted at once; ``bind()`` then needs ``SO_REUSEADDR``."""
    steps: list[AnyStep]
    """What happens, in order: network steps and terminal steps."""

    @model_validator(mode="before")
    @classmethod
    def _yaml_steps(cls, data: Any) -> Any:
        if isinstance(data, dict) and "steps" in data:
            data = {**data, "steps": _steps_from_yaml(data["steps"])}
            data["steps"] = [
                {**s, "steps": _steps_from_yaml(s["steps"])}
                if isinstance(s, dict) and s.get("action") == "parallel" and "steps" in s
                else s
                for s in data["steps"]
            ]
        return data

    @property
    def max_score(self) -> float:
        return self.points + sum(step.points for step in self.steps)


class Limits(StrictModel):
    """Resource limits for one run of the student's program; defaults suit course exercises."""

    cpu_seconds: PositiveFloat = 10
    """CPU seconds the program may use."""
    memory_mb: PositiveInt = 512
    """Memory the program may use, in MiB."""
    processes: PositiveInt = 64
    """Processes and threads the program may have at once."""
    file_size_mb: PositiveInt = 64
    """The largest file the program may write, in MiB."""
    open_files: PositiveInt = 256
    """Files and sockets the program may have open at once."""
    output_bytes: PositiveInt = 1 << 20
    """Bytes of the program's terminal output kept; beyond them it is cut off."""
    result_bytes: PositiveInt = 1 << 20
    """Transcripts and output one submission's stored result keeps, all scenarios together,
    counted as stored (base64); what is left out is said in the report (grader.results.bounded)."""


class Timeouts(StrictModel):
    step: PositiveFloat = 5.0
    """Seconds a step may take, unless it sets ``timeout``."""
    scenario: PositiveFloat = 30.0
    """Seconds a scenario may take, unless it sets ``timeout``."""


class StudentProgram(StrictModel):
    entry: Annotated[str, Field(pattern=r"^[^/\\]+\.py$")]
    """The file students hand in, e.g. ``client.py``."""
    args: list[str] = []
    """Argument template: ``{host}`` and ``{port}`` are filled in by the grader."""
    aliases: list[str] = []
    """Other names the entry file may have in a submission folder."""


class Network(StrictModel):
    host: Literal["127.0.0.1", "localhost", "::1", "any"] = "127.0.0.1"
    """``any``: every IPv4 address is local in the scenario's namespace (namespace mode only),
    so a client may dial its teacher's ``192.168.1.102`` and a server may bind its own address."""
    port: Annotated[int, Field(ge=1, le=65535)] | Literal["any"] | None = None
    """A fixed port the student's program hard-codes (as tutorials teach); null: grader's choice;
    ``any``: whatever port the program listens on or dials (namespace mode only)."""


class Assignment(StrictModel):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    """A short name (lower-case letters, digits, ``-``, ``_``), used in file names and exports."""
    title: LocalText
    """The assignment's name."""
    description: LocalText | None = None
    """What students must build, shown at the top of every report."""
    role: Literal["client", "server"]
    """What the student writes: a client (the grader is its server) or a server."""
    student: StudentProgram
    """The file students hand in and how it is started."""
    network: Network = Network()
    """Where the student's program and the grader meet."""
    limits: Limits = Limits()
    """Resource limits for each run of the student's program."""
    timeouts: Timeouts = Timeouts()
    """Default deadlines of steps and scenarios."""
    scenarios: Annotated[list[Scenario], Field(min_length=1)]
    """The checks, in the order they run."""
    _fixtures: dict[str, bytes] = PrivateAttr(default_factory=dict)

    @property
    def fixtures(self) -> dict[str, bytes]:
        """The files of the assignment's ``files/`` folder (set when the spec is loaded)."""
        return self._fixtures

    def _body_files(self) -> list[tuple[int, int, str]]:
        """(scenario, step, file) of every response body given as a fixture file."""
        found = []
        for index, scenario in enumerate(self.scenarios):
            for step_index, step in enumerate(scenario.steps):
                for sub in [step, *getattr(step, "steps", [])]:
                    name = getattr(getattr(sub, "body", None), "file", None)
                    if name is not None:
                        found.append((index, step_index, name))
        return found

    def served_files(self) -> set[str]:
        """Fixture files a response body names: in a client assignment, what the reference server
        answers with (never copied next to the student's client, which must fetch them)."""
        return {name for _, _, name in self._body_files()}

    def with_fixtures(self, fixtures: dict[str, bytes]) -> Assignment:
        """This spec with its fixture files; a response body ``file`` must name one of them."""
        for index, step_index, name in self._body_files():
            if name not in fixtures:
                raise Invalid(
                    Code.NO_FIXTURE_FILE,
                    at=("scenarios", index, "steps", step_index, "body", "file"),
                    name=repr(name),
                )
        self._fixtures = fixtures
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Assignment:
        seen: set[str] = set()
        for index, scenario in enumerate(self.scenarios):
            if scenario.id in seen:
                raise Invalid(Code.SCENARIO_ID_TWICE, at=("scenarios", index, "id"), id=repr(scenario.id))
            for dep in scenario.depends_on:
                if dep not in seen:
                    raise Invalid(
                        Code.DEPENDS_ON_LATER,
                        at=("scenarios", index, "depends_on"),
                        id=repr(scenario.id),
                        dep=repr(dep),
                    )
            seen.add(scenario.id)
            if scenario.port_in_time_wait and self.role != "server":
                raise Invalid(Code.ONLY_SERVER_BINDS, at=("scenarios", index, "port_in_time_wait"))
            for step_index, step in enumerate(scenario.steps):
                actions = [step.action] + [s.action for s in getattr(step, "steps", [])]
                wrong = next(
                    (
                        a
                        for a in actions
                        if (self.role == "client" and a in ("connect", "wait_listening", "browser"))
                        or (self.role == "server" and a == "accept")
                    ),
                    None,
                )
                if wrong:
                    raise Invalid(
                        Code.STEP_NOT_FOR_CLIENT if self.role == "client" else Code.STEP_NOT_FOR_SERVER,
                        at=("scenarios", index, "steps", step_index),
                        step=repr(wrong),
                    )
        return self

    @property
    def max_score(self) -> float:
        return sum(s.max_score for s in self.scenarios)

    def scenario(self, scenario_id: str) -> Scenario:
        return next(s for s in self.scenarios if s.id == scenario_id)


Parallel.model_rebuild()
Scenario.model_rebuild()
Assignment.model_rebuild()


def spec_hash(assignment: Assignment) -> str:
    """A stable fingerprint of a spec and its fixture files, for skipping unchanged work and reports."""
    digest = hashlib.sha256(assignment.model_dump_json().encode())
    for name, data in sorted(assignment.fixtures.items()):
        digest.update(f"\0{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()[:16]


def json_schema() -> dict[str, Any]:
    """The JSON Schema editors use to check ``assignment.yaml`` as it is typed."""
    schema = Assignment.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Socket grader assignment spec"
    return schema

"""Every step of a scenario, as one discriminated union (the actions are derived from it)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    Field,
    PositiveFloat,
)

from grader.messages.codes import Code
from grader.spec.net_steps import (
    Accept,
    BrowserVisit,
    Close,
    Connect,
    Expect,
    ExpectEof,
    Request,
    Reset,
    Response,
    Send,
    Shutdown,
    WaitListening,
)
from grader.spec.step_base import StepBase
from grader.spec.terminal_steps import CloseStdin, Exit, FileCheck, Output, Prompt, Stderr, Type


class Pause(StepBase):
    """A delay the scenario asks for (e.g. a slow client); never used to wait for events."""

    action: Literal["pause"]
    title_code: ClassVar[Code] = Code.TITLE_PAUSE
    seconds: PositiveFloat
    """How long to wait, in seconds."""


class Parallel(StepBase):
    """Run ``copies`` clients at once, each through ``steps``; ``{i}`` in texts is the copy."""

    action: Literal["parallel"]
    title_code: ClassVar[Code] = Code.TITLE_PARALLEL
    copies: Annotated[int, Field(ge=1, le=64)]
    """How many clients run the steps at the same time (1 to 64)."""
    steps: list[Annotated[NetworkStep, Field(discriminator="action")]]
    """The network steps every copy runs; ``{i}`` in their texts is the copy's number."""


NetworkStep = (
    Accept
    | Connect
    | WaitListening
    | Send
    | Expect
    | ExpectEof
    | Shutdown
    | Close
    | Reset
    | Pause
    | Request
    | Response
    | BrowserVisit
)


TerminalStep = Prompt | Output | Type | CloseStdin | Exit | Stderr | FileCheck


AnyStepModel = NetworkStep | Parallel | TerminalStep


AnyStep = Annotated[AnyStepModel, Field(discriminator="action")]


STEP_CLASSES: tuple[type[StepBase], ...] = (*get_args(NetworkStep), Parallel, *get_args(TerminalStep))
"""Every step kind, from the unions above: the one list of steps (YAML keys, runner, titles)."""


def _action_of(cls: type[StepBase]) -> str:
    (action,) = get_args(cls.model_fields["action"].annotation)
    return str(action)


STEP_ACTIONS: tuple[str, ...] = tuple(_action_of(c) for c in STEP_CLASSES)


TERMINAL_ACTIONS = frozenset(_action_of(c) for c in get_args(TerminalStep))


SHORTHAND = {
    "pause": "seconds",
    "type": "text",
    "prompt": "text",
    "output": "text",
    "exit": "code",
    "parallel": "copies",
}
"""``- pause: 0.5`` and ``- type: "hello"``: the one field a scalar body stands for."""


def _step_from_yaml(value: Any) -> Any:
    """``{send: {text: hi}}`` -> ``{action: send, text: hi}``; ``close`` -> ``{action: close}``."""
    if isinstance(value, str):
        return {"action": value}  # an unknown name is then reported as an unknown step
    if isinstance(value, dict) and "action" not in value:
        keys = [k for k in value if k in STEP_ACTIONS]
        if len(keys) == 1:
            key = keys[0]
            body = value[key]
            if body is None:
                body = {}
            if not isinstance(body, dict):
                if key not in SHORTHAND:
                    return value
                body = {SHORTHAND[key]: body}
            rest = {k: v for k, v in value.items() if k != key}
            return {"action": key, **body, **rest}
    return value


def _steps_from_yaml(value: Any) -> Any:
    if isinstance(value, list):
        return [_step_from_yaml(item) for item in value]
    return value

"""What every step has: its action, its title, the connection it uses."""

from __future__ import annotations

from typing import ClassVar

from pydantic import (
    NonNegativeFloat,
    PositiveFloat,
)

from grader.messages import Message, msg, own_words
from grader.messages.codes import Code
from grader.spec.base import LocalText, StrictModel


class StepBase(StrictModel):
    """Fields every step shares: its own points, feedback, and a deadline."""

    description: LocalText | None = None
    """What the step checks, in words: shown to students instead of a raw pattern."""
    hint: LocalText | None = None
    """Advice shown to a student whose program fails this step."""
    points: NonNegativeFloat = 0
    """Points for passing this step, on top of the scenario's own points."""
    timeout: PositiveFloat | None = None
    """Seconds the step may take (default: the assignment's ``timeouts.step``)."""
    title_code: ClassVar[Code]
    """What the step is called when the spec gives no ``description`` (each step class sets it)."""

    @property
    def title(self) -> Message:
        """The step's name in reports: the spec's own words, else the step kind's title."""
        return own_words(self.description) if self.description else msg(self.title_code)


class NetStep(StepBase):
    conn: str = "c1"
    """The connection the step uses, by name: several may be open at once (``c1``, ``c2``, ...)."""

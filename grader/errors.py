"""Errors meant for users: each is one line saying what to fix (exit code 2)."""

from __future__ import annotations

from collections.abc import Sequence

from grader.messages import Message, verbatim


class UsageError(Exception):
    """Bad command-line input."""


class SpecError(Exception):
    """A spec that cannot be used; ``str()`` is one or more ``file:line: field: problem`` lines.

    Each problem is a :class:`~grader.messages.Message` (a code and its arguments), raised where
    the problem is found, long before anyone knows who reads it: ``problems`` are the lines in
    English, :meth:`lines` words them in the reader's language (:func:`grader.render.words.say`).
    """

    def __init__(self, problems: Sequence[Message | str]):
        self.messages = [p if isinstance(p, Message) else verbatim(p) for p in problems]
        self.problems = [str(m) for m in self.messages]
        super().__init__("\n".join(self.problems))

    def lines(self, lang: str = "en") -> list[str]:
        from grader.render.words import say

        return [say(m, lang) for m in self.messages]

    def __reduce__(self) -> tuple[type[SpecError], tuple[list[Message]]]:
        return SpecError, (self.messages,)  # a worker's error reaches the driver whole

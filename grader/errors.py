"""Errors meant for users: each is one line saying what to fix (exit code 2)."""


class UsageError(Exception):
    """Bad command-line input."""


class SpecError(Exception):
    """A spec that cannot be used; ``str()`` is one or more ``file:line: field: problem`` lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems

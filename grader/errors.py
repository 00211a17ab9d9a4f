"""Errors meant for users: each is one line saying what to fix (exit code 2)."""


class UsageError(Exception):
    """Bad command-line input."""

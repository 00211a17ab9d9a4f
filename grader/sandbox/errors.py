"""Containment that could not be set up: the run is not gradable (not failed)."""

from __future__ import annotations

EXIT_SANDBOX_FAILED = 121
"""The launch shell's exit code when it could not set a limit."""


class SandboxError(Exception):
    """The grader could not set up containment: the run is not gradable, not failed."""

"""The doctor's rows every system has: the students' Python, portable mode, what ``auto`` picks.

Windows and macOS have none of the Linux parts :mod:`grader.commands.doctor_checks` looks at, and importing
it there would fail; ``grader doctor`` shows these rows alone where the Linux parts are
missing (:func:`grader.sandbox.platform_caps.linux_parts_missing`), and after the Linux ones elsewhere.
Nothing here imports a Linux-only module.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.messages import Message, msg, verbatim
from grader.messages.codes import Code
from grader.outcome import IsolationMode
from grader.sandbox.platform_caps import choose_isolation, linux_parts_missing


@dataclass(frozen=True)
class Finding:
    what: Code
    state: Message
    fix: str | None = None
    """The command (or setting) that enables what is missing; commands are not translated."""


def interpreter(python: str | None = None, mode: IsolationMode = "namespace") -> Finding:
    from grader.grade import python_version, resolve_python

    try:
        path = resolve_python(python, mode)
    except FileNotFoundError as exc:
        return Finding(
            Code.DOCTOR_PYTHON, msg(Code.DOCTOR_NO, why=verbatim(str(exc))), "--python PATH or GRADER_PYTHON"
        )
    return Finding(Code.DOCTOR_PYTHON, msg(Code.DOCTOR_PYTHON_AT, path=path, version=python_version(path)))


def portable() -> Finding:
    """What portable mode is, and whether ``auto`` picks it on this machine (and why)."""
    missing = linux_parts_missing()
    when = (
        msg(Code.DOCTOR_PORTABLE_NOT_PICKED)
        if missing is None
        else msg(Code.DOCTOR_PORTABLE_PICKED, why=missing)
    )
    return Finding(Code.DOCTOR_PORTABLE, msg(Code.DOCTOR_PORTABLE_WHAT, when=when))


def isolation_auto() -> tuple[IsolationMode, Finding]:
    from grader.render.words import containment_facts

    mode, contained = choose_isolation("auto")
    state = msg(Code.DOCTOR_MODE, mode=mode, note=containment_facts(contained))
    return mode, Finding(Code.DOCTOR_AUTO, state)


def common_findings(python: str | None = None) -> list[Finding]:
    """The rows shown on every system, in their order."""
    mode, auto = isolation_auto()
    return [interpreter(python, mode), portable(), auto]

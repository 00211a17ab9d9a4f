"""One rule for which file is the student's program, the same in ``check``, ``batch`` and the platforms.

Students hand in ``client.py``, ``Client.PY`` (Windows keeps the case they typed),
``客户端.py`` or ``alice_client.py``. The entry is, in this order: a file with the exact
name the assignment asks for, one of its aliases, either of those ignoring case, or else the
only Python file. A Python file is any name ending in ``.py`` in any case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath


def is_python_name(name: str) -> bool:
    """``client.py``, ``Client.PY``: a Python source file by its name, whatever the case."""
    return PurePosixPath(name).suffix.lower() == ".py"


def python_files(names: Iterable[str]) -> list[str]:
    return sorted(n for n in names if is_python_name(n))


def choose_entry(names: Iterable[str], wanted: Sequence[str]) -> str | None:
    """Which of ``names`` is the entry, for an assignment asking for ``wanted`` (the entry
    name, then its aliases); ``None`` when none, or several Python files and none named so."""
    names = list(names)
    for name in wanted:
        if name in names:
            return name
    for name in wanted:
        for candidate in names:
            if candidate.casefold() == name.casefold():
                return candidate
    py = python_files(names)
    return py[0] if len(py) == 1 else None

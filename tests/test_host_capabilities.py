"""The host's capabilities are one object per process: a forked child never shares its parent's.

Real forks: the child reports over a pipe what it found, and exits without pytest's clean-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.sandbox import host as capabilities


def in_a_forked_child(check: Callable[[], bytes]) -> bytes:
    """Run ``check()`` (returning bytes) in a forked child; its answer."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, then leave at once
        try:
            answer = check()
        except BaseException as exc:
            answer = f"raised {type(exc).__name__}: {exc}".encode()
        os.write(write, answer)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answers:
        answer = answers.read()
    os.waitpid(pid, 0)
    return answer


def test_a_forked_child_gets_an_object_of_its_own_with_its_parents_facts() -> None:
    parent = capabilities.host()
    abi = capabilities.landlock_abi()  # found in the parent

    def check() -> bytes:
        child = capabilities.host()
        own = child is not parent and child.lock is not parent.lock and child.pid == os.getpid()
        return f"{own} {child.landlock}".encode()

    assert in_a_forked_child(check) == f"True {abi}".encode()
    assert capabilities.host() is parent


def test_a_child_that_adopts_another_environment_finds_what_depends_on_it(monkeypatch) -> None:
    monkeypatch.delenv("GRADER_NO_LANDLOCK", raising=False)
    capabilities.landlock_abi()
    capabilities.ipc_namespaces()

    def check() -> bytes:
        os.environ["GRADER_NO_LANDLOCK"] = "1"  # the client's environment
        capabilities.adopt_environment()
        adopted = capabilities.host()
        fresh = adopted.landlock is None and adopted.ipc is None
        return f"{fresh} {capabilities.landlock_abi()}".encode()

    assert in_a_forked_child(check) == b"True 0"
    assert os.environ.get("GRADER_NO_LANDLOCK") is None


def test_the_students_interpreter_follows_the_environment_without_a_reset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resident checker's child takes each client's environment: GRADER_PYTHON and PATH
    decide the interpreter, and a change is seen with no cache cleared by hand."""
    import sys

    from grader.grade import resolve_python

    (tmp_path / "course-python").symlink_to(sys.executable)
    ours = os.path.realpath(sys.executable)
    monkeypatch.setenv("GRADER_PYTHON", "course-python")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    without = resolve_python()  # not on this PATH: the next candidate
    assert without != ours or not os.path.exists("/usr/bin/python3")
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    assert resolve_python() == ours
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert resolve_python() == without

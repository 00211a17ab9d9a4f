"""The forked child of a resident process: it becomes the client's ``grader check`` or batch worker.

It takes the client's stdin, stdout and stderr (received as descriptors), folder, environment
and umask, forgets what the resident process had worked out from its own environment, runs
the command, and exits with its code. ``atexit`` handlers still run (``os._exit`` would skip
them): they remove the scratch folders this child made.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from grader.sandbox.process import die_with_parent


def run_child(request: dict[str, Any], fds: list[int], parent: int) -> NoReturn:
    """In the forked child of ``parent``: become the client's command, then exit with its code."""
    code = 1
    try:
        die_with_parent(parent)
        code = _become_client(request, fds)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            atexit._run_exitfuncs()  # scratch folders; os._exit would skip them
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _become_client(request: dict[str, Any], fds: list[int]) -> int:
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        # Every way a client stops a job becomes KeyboardInterrupt: students are cleaned up.
        signal.signal(signum, signal.default_int_handler)
    for target, fd in enumerate(fds):
        if fd != target:
            os.dup2(fd, target)
            os.close(fd)
    _reopen_stdio(request.get("stdio") or [])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(int(request.get("umask", 0o022)))
    _take_client_environment()
    return RUNNERS[request["command"]](request)


def _check(request: dict[str, Any]) -> int:
    """``grader check ...``, exactly as the client's own process would have run it."""
    from grader.cli import main

    argv = [str(word) for word in request["argv"]]
    sys.argv = ["grader", *argv]
    return main(argv, resident=False)


def _task(_request: dict[str, Any]) -> int:
    """A batch worker (:mod:`grader.task.worker`): a pickled Task on stdin, its result on stdout."""
    from grader.task import worker as task_worker

    # The worker makes sure it dies with its parent: that is this resident process now.
    os.environ[task_worker.PARENT_ENV] = str(os.getppid())
    sys.argv = ["grader-task"]
    return task_worker.main()


def _tasks(_request: dict[str, Any]) -> int:
    """A kept batch worker (:func:`grader.task.worker.serve_tasks`): tasks one after another."""
    from grader.task import worker as task_worker

    os.environ[task_worker.PARENT_ENV] = str(os.getppid())
    sys.argv = ["grader-task"]
    return task_worker.serve_tasks()


RUNNERS: dict[str, Callable[[dict[str, Any]], int]] = {"check": _check, "task": _task, "tasks": _tasks}
"""What a client may ask a resident process to run."""


def _reopen_stdio(stdio: list[Any]) -> None:
    """Text streams on the client's descriptors, with the client's encodings (its locale)."""
    sys.stdin = open(0, encoding=sys.stdin.encoding if sys.stdin else None, closefd=False)  # noqa: SIM115
    for index, fd in enumerate((1, 2)):
        encoding, errors = stdio[index] if index < len(stdio) and stdio[index] else ("utf-8", "strict")
        line_buffered = os.isatty(fd) or fd == 2
        stream = open(  # noqa: SIM115
            fd,
            "w",
            buffering=1 if line_buffered else -1,
            encoding=encoding,
            errors=errors,
            closefd=False,
        )
        setattr(sys, "stdout" if fd == 1 else "stderr", stream)
        setattr(sys, "__stdout__" if fd == 1 else "__stderr__", stream)


def _take_client_environment() -> None:
    """What depends on the environment, found again for the client's: the locale and the
    host's capabilities (an object of this child's own). The interpreter needs nothing: it is
    found per ``GRADER_PYTHON`` and ``PATH`` (:func:`grader.grade.resolve_python`)."""
    import locale

    from grader.sandbox.host import adopt_environment

    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_CTYPE, "")
    adopt_environment()

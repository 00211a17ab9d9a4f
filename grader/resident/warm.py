"""What a resident process loads and runs once, so that the processes it forks start warm."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sys
from pathlib import Path
from typing import Any

WARM_UP_SPEC = """\
id: warm-up
title: {en: warm-up}
role: client
student: {entry: client.py, args: ["{host}", "{port}"]}
scenarios:
  - id: greets
    title: {en: greets}
    points: 1
    steps: [accept, {expect: {text: "hi\\n"}}, {send: {text: ok}}, close, {output: {text: ok}}, exit]
"""
WARM_UP_CLIENT = """import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"hi\\n")
print(s.recv(64).decode())
"""


def warm_up() -> None:
    """Import and run, once, what every check needs, before any check forks from us.

    Besides imports, a first grading sets up what is made lazily on first use (PyYAML's
    resolvers, pydantic's validators, asyncio's internals, rich's rendering, the report
    templates): 20 to 40 ms that each check would otherwise pay again. Without root it
    grades on the host network, so that no namespace probe is cached here: a check's answer
    then depends on the user namespace it enters. As root the answer is the same in every
    child (forked from here, with our credentials), so it grades as a check does.
    """
    import importlib
    import io
    import tempfile

    from rich.console import Console

    # The command line, ``check``, ``--html`` (Jinja2) and batch workers.
    for module in ("grader.cli", "grader.commands.check", "grader.render.html", "grader.task.job"):
        importlib.import_module(module)
    from grader.cli import build_parser
    from grader.grade import GradeOptions, Isolation, grade, python_version, resolve_python
    from grader.i18n import LANGUAGES, translations
    from grader.render.html import render_report
    from grader.render.terminal import print_result
    from grader.results.models import GradeResult
    from grader.spec.load import load_assignment

    build_parser(["check"])
    # The default interpreter's version (a process start); cached by its path, so a check
    # naming another interpreter (--python, GRADER_PYTHON) still asks that one.
    python_version(resolve_python())
    with tempfile.TemporaryDirectory(prefix="grader-warm-up-") as folder:
        (Path(folder) / "assignment.yaml").write_text(WARM_UP_SPEC)
        client = Path(folder) / "client.py"
        client.write_text(WARM_UP_CLIENT)
        isolation: Isolation = "auto" if os.geteuid() == 0 else "host"
        result = grade(load_assignment(Path(folder)), client, "warm-up", GradeOptions(isolation=isolation))
    if result.score != result.max_score:  # harmless (only slower), but worth a line in the log
        print(
            f"warm-up grading scored {result.score}/{result.max_score}: "
            f"{[str(s.message) for s in result.scenarios]}",
            file=sys.stderr,
        )
    GradeResult.from_json(result.to_json())
    for lang in LANGUAGES:
        translations(lang)
        print_result(result, lang=lang, console=Console(file=io.StringIO(), force_terminal=True, width=100))
        render_report(result, lang=lang)
    gc.collect()
    gc.freeze()  # children then do not touch (and copy) these pages when they collect


def learn_from(request: dict[str, Any], exit_code: int) -> None:
    """After a check that graded: read ahead the spec it used, for the next check of it.

    Called once the client has its answer, so no check waits for it. Only a spec a child
    has just loaded without error, and never one the parser or the file system refuses.
    """
    if request.get("command") != "check" or exit_code != 0:
        return
    from grader.cli import build_parser
    from grader.spec.load import preload_assignment

    words = [str(word) for word in request.get("argv") or []]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            args = build_parser(words).parse_args(words)
    except (SystemExit, Exception):
        return
    assignment = getattr(args, "assignment", None)
    if isinstance(assignment, Path):
        with contextlib.suppress(Exception):  # a resident process never dies of reading ahead
            preload_assignment(Path(str(request.get("cwd", "/"))) / assignment)

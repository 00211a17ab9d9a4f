"""A catalogue of common socket-programming mistakes, recognised from the facts of a run.

Each rule is data: a cause code (stable, for class statistics; its words are in
:data:`grader.messages.TEMPLATES`), a test over the failed step and the outcome, and the
arguments its message needs. The rules are ranked, most specific first: a program that does
not start explains everything after it, a crash in the student's own line explains the bytes
that never came, a wrong port explains "no data". Every rule that matches is kept, in rank
order; the first is the cause a student is shown, the others are secondary facts.
Rules read codes and bytes, never the grader's own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from grader.judge.facts import (
    LIMIT_MESSAGES,
    Facts,
    last_traceback_line,
    traceback_location,
)
from grader.judge.symptoms import (
    NOT_A_FILE,
    closed_early,
    closed_early_explanation,
    compile_error,
    crashed,
    decoded_binary,
    dialled,
    dialled_arg,
    extra_newline,
    file_fact,
    gbk_mixup,
    listener_gone,
    missing_newline,
    printed_bytes_repr,
    refused,
    server_exited,
    single_recv,
    source_not_utf8,
    split_character,
    text_encoding,
    where,
    wrong_encoding,
    wrong_encoding_args,
    wrong_port,
    wrong_port_explanation,
)
from grader.messages import Message, msg
from grader.messages.codes import Code
from grader.outcome import Outcome, StepOutcome, step_has
from grader.spec.models import Scenario
from grader.spec.steps import AnyStepModel
from grader.text.show import show_bytes

Rule = tuple[Code, Callable[[Facts], bool], Callable[[Facts], dict[str, Any]]]
NO_ARGS: Callable[[Facts], dict[str, Any]] = lambda f: {}  # noqa: E731


RULES: list[Rule] = [
    # A program that cannot start explains every later symptom.
    (Code.SOURCE_NOT_UTF8, lambda f: source_not_utf8(f) is not None, lambda f: source_not_utf8(f) or {}),
    (
        Code.PYTHON2,
        lambda f: (
            "Missing parentheses in call to 'print'" in f.stderr
            or ("SyntaxError" in f.stderr and re.search(r"^\s*print [^(]", f.stderr, re.M) is not None)
        ),
        NO_ARGS,
    ),
    (
        Code.SYNTAX_ERROR,
        lambda f: (
            compile_error(f)
            and "Missing parentheses in call to 'print'" not in f.stderr
            and source_not_utf8(f) is None
        ),
        lambda f: {"error": last_traceback_line(f.stderr), "where": where(f)},
    ),
    # Crashes whose exception names the mistake, at the student's own line.
    (Code.ADDRESS_IN_USE, lambda f: f.outcome.bind_failed, NO_ARGS),
    (
        Code.STR_NOT_BYTES,
        lambda f: "a bytes-like object is required, not 'str'" in f.stderr,
        lambda f: {"where": where(f)},
    ),
    # The wrong address or port explains the missing data.
    (
        Code.WRONG_PORT,
        lambda f: wrong_port(f) is not None,
        lambda f: {"explanation": wrong_port_explanation(f)},
    ),
    (
        Code.WRONG_PORT_DIALLED_CAUSE,
        lambda f: dialled(f) is not None,
        lambda f: {"port": dialled_arg(f, "port"), "expected": dialled_arg(f, "expected")},
    ),
    (
        Code.CONNECTION_REFUSED_CAUSE,
        lambda f: f.scenario.server_running and (refused(f) or b"Connection refused" in f.outcome.stdout),
        lambda f: {"host": f.outcome.host, "port": f.outcome.port},
    ),
    # Limits the sandbox saw.
    (
        Code.RESOURCE_LIMIT,
        lambda f: f.outcome.process.limit in LIMIT_MESSAGES,
        lambda f: {"explanation": msg(LIMIT_MESSAGES[f.outcome.process.limit or ""])},
    ),
    (
        Code.OUTPUT_LIMIT,
        lambda f: f.outcome.process.killed_by_grader == Code.STOP_OUTPUT_LIMIT,
        lambda f: {"n": len(f.outcome.stdout)},
    ),
    # Text-encoding mistakes (often a UnicodeDecodeError crash: the cause is the encoding).
    (Code.SPLIT_CHARACTER, split_character, NO_ARGS),
    (Code.WRONG_ENCODING, wrong_encoding, wrong_encoding_args),
    (Code.GBK_UTF8, gbk_mixup, lambda f: {"encoding": text_encoding(f)}),
    (Code.DECODED_BINARY, decoded_binary, NO_ARGS),
    # Any other crash, at its line, beats the protocol symptoms it caused.
    (
        Code.CRASH,
        crashed,
        lambda f: {"where": where(f), "error": last_traceback_line(f.stderr)},
    ),
    (
        Code.KILLED,
        lambda f: (
            bool(f.outcome.process.signal)
            and not f.outcome.process.killed_by_grader
            and f.outcome.process.limit is None
        ),
        lambda f: {"sig": f.outcome.process.signal},
    ),
    # A file step that found something else than the file (the reason names the path).
    (
        Code.NOT_A_FILE,
        lambda f: file_fact(f, *NOT_A_FILE) is not None,
        lambda f: {"path": file_fact(f, *NOT_A_FILE).args["path"]},  # type: ignore[union-attr]
    ),
    (
        Code.FILE_TOO_LARGE_CAUSE,
        lambda f: file_fact(f, Code.FILE_TOO_LARGE) is not None,
        lambda f: dict(file_fact(f, Code.FILE_TOO_LARGE).args),  # type: ignore[union-attr]
    ),
    # Servers that never served.
    (
        Code.SERVER_EXITED,
        lambda f: (f.out.action in ("connect", "wait_listening") and server_exited(f)) or listener_gone(f),
        NO_ARGS,
    ),
    (
        Code.NEVER_CONNECTED,
        lambda f: f.out.action == "accept" and not refused(f) and dialled(f) is None,
        lambda f: {"host": f.outcome.host, "port": f.outcome.port},
    ),
    (
        Code.NOT_LISTENING,
        lambda f: (
            f.out.action in ("connect", "wait_listening") and not server_exited(f) and wrong_port(f) is None
        ),
        lambda f: {"port": f.outcome.port},
    ),
    # HTTP framing mistakes, named by what the reader saw.
    (
        Code.HTTP_NO_BLANK_LINE_CAUSE,
        lambda f: step_has(f.out, Code.HTTP_NO_BLANK_LINE) or step_has(f.out, Code.HTTP_REQUEST_UNFINISHED),
        NO_ARGS,
    ),
    (Code.HTTP_BARE_LF_CAUSE, lambda f: step_has(f.out, Code.HTTP_BARE_LF), NO_ARGS),
    # Protocol symptoms: what the bytes show.
    (Code.SINGLE_RECV, single_recv, NO_ARGS),
    # Closing early shows at the peer's send (bytes still in flight) or at the next expect.
    (
        Code.CLOSED_EARLY_CAUSE,
        closed_early,
        lambda f: {"explanation": closed_early_explanation(f)},
    ),
    (Code.MISSING_NEWLINE, missing_newline, NO_ARGS),
    (Code.EXTRA_NEWLINE, extra_newline, NO_ARGS),
    (Code.CRLF, lambda f: step_has(f.out, Code.CRLF_LINE_ENDING), NO_ARGS),
    (Code.PRINTED_BYTES, printed_bytes_repr, NO_ARGS),
    (
        Code.NEVER_CLOSED,
        lambda f: f.out.action == "expect_eof" and f.out.status == "timeout",
        NO_ARGS,
    ),
    (
        Code.NEVER_EXITED,
        lambda f: (
            f.out.action in ("exit", "stderr", "file")
            and f.out.status == "timeout"
            and not getattr(f.step, "stdin_open", False)
        ),  # the message says stdin was closed
        NO_ARGS,
    ),
    (
        Code.RESET,
        lambda f: (
            step_has(f.out, Code.CONNECTION_RESET)
            or step_has(f.out, Code.RESET_BY_STUDENT)
            or "ConnectionResetError" in f.stderr
        ),
        NO_ARGS,
    ),
]
"""Ranked: most specific first. ``diagnoses[0]`` is the cause a student is shown."""
DOES_NOT_START = frozenset({Code.PYTHON2, Code.SOURCE_NOT_UTF8, Code.SYNTAX_ERROR})
"""A program that cannot start has no other symptoms worth keeping: everything follows from it."""


def diagnose(step: AnyStepModel, out: StepOutcome, scenario: Scenario, outcome: Outcome) -> list[Message]:
    """Every recognised mistake behind a failed step, most specific first."""
    facts = Facts(step=step, out=out, scenario=scenario, outcome=outcome)
    found: list[Message] = []
    for code, test, arguments in RULES:
        try:
            if test(facts):
                found.append(msg(code, **arguments(facts)))
        except Exception:  # a rule must never break judging
            continue
        if found and found[0].code in DOES_NOT_START:
            break
    return found


__all__ = ["RULES", "Facts", "diagnose", "last_traceback_line", "show_bytes", "traceback_location"]

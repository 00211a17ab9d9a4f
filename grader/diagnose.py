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

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.encodings import names as encoding_names
from grader.frames import file_name, is_library_path
from grader.messages import Code, Message, msg
from grader.outcome import Outcome, StepOutcome, step_has
from grader.spec import AnyStepModel, Scenario
from grader.textshow import show_bytes

TRACEBACK = b"Traceback (most recent call last)"
LIMIT_MESSAGES = {
    "memory": Code.LIMIT_MEMORY,
    "processes": Code.LIMIT_PROCESSES,
    "cpu time": Code.LIMIT_CPU_TIME,
    "file size": Code.LIMIT_FILE_SIZE,
    "open files": Code.LIMIT_OPEN_FILES,
    "disk": Code.LIMIT_DISK,
}
"""What a student reads when the sandbox saw which limit (``ProcessEnd.limit``) was reached."""


@dataclass(frozen=True)
class Facts:
    """What a rule may look at."""

    step: AnyStepModel
    out: StepOutcome
    scenario: Scenario
    outcome: Outcome

    @property
    def stderr(self) -> str:
        return self.outcome.stderr.decode("utf-8", errors="replace")

    @property
    def expected(self) -> bytes:
        return self.out.expected or b""

    @property
    def observed(self) -> bytes:
        return self.out.observed or b""

    @property
    def sent_text(self) -> bytes:
        """Everything the reference peer sent to the student."""
        return b"".join(e.data for e in self.outcome.sent_chunks())


def last_traceback_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def traceback_location(stderr: str) -> str:
    """Where the program stopped: the last traceback frame in the student's own files.

    Frames inside the standard library (``socket.py:836``) say nothing useful to a student;
    the line of their code that called it does (:mod:`grader.frames`, every system's paths).
    """
    found = re.findall(r'File "([^"]+)", line (\d+)', stderr)
    own = [(name, line) for name, line in found if not is_library_path(name)]
    if not (own or found):
        return ""
    name, line = (own or found)[-1]
    return f"{file_name(name)}:{line}"


def _single_recv(f: Facts) -> bool:
    """The first piece of a reply sent in pieces was printed, the whole of it was not.

    The failure shows either at the output step, or earlier, at the peer's ``send``, when
    the program closed its socket after one ``recv()`` while pieces were still coming.
    """
    chunks = [c for c in f.outcome.sent_chunks() if c.data]
    if not chunks or f.out.action not in ("output", "send"):
        return False
    whole = f.expected if f.out.action == "send" else b"".join(c.data for c in chunks)
    first = chunks[0].data.strip()
    shown = f.outcome.stdout
    return bool(first) and len(first) < len(whole.strip()) and first in shown and whole.strip() not in shown


def _gbk_mixup(f: Facts) -> bool:
    want = f.expected
    if not want or all(b < 128 for b in want):
        return False
    try:
        text = want.decode("utf-8")
    except UnicodeDecodeError:
        return _utf8_for_gbk(f)  # else binary data: not a text-encoding mix-up
    if f.out.action == "expect":
        try:
            gbk = text.encode("gbk")
        except UnicodeEncodeError:
            return False
        return f.observed != want and f.observed[:8] == gbk[:8]
    try:
        garbled = want.decode("gbk", errors="replace").encode("utf-8")[:6]
    except LookupError:
        return False
    return garbled in f.outcome.stdout or ("UnicodeDecodeError" in f.stderr and not _split_character(f))


def _utf8_for_gbk(f: Facts) -> bool:
    """GBK text was expected and the program sent the same text in UTF-8."""
    if f.out.action != "expect" or _text_encoding(f) != "gbk":
        return False
    try:
        text = f.expected.decode("gbk")
    except UnicodeDecodeError:
        return False
    utf8 = text.encode("utf-8")
    return bool(f.observed) and f.observed != f.expected and f.observed[:8] == utf8[:8]


def _text_encoding(f: Facts) -> str:
    """The encoding the assignment's text is in: the first one its steps name (else UTF-8)."""
    for step in [f.step, *f.scenario.steps]:
        for sub in [step, *getattr(step, "steps", [])]:
            first = encoding_names(getattr(sub, "encoding", "utf-8"))[0]
            if codecs.lookup(first).name != "utf-8":
                return first
    return "utf-8"


def _split_character(f: Facts) -> bool:
    """UTF-8 failed to decode although the peer sent valid UTF-8: a piece was decoded alone."""
    if "'utf-8' codec can't decode" not in f.stderr:
        return False
    try:
        f.sent_text.decode("utf-8")
    except UnicodeDecodeError:
        return False  # the peer itself sent bytes that are not UTF-8
    return any(
        reason in f.stderr
        for reason in ("unexpected end of data", "invalid continuation byte", "invalid start byte")
    )


def _missing_newline(f: Facts) -> bool:
    """The line came without its newline: alone, or run together with the next message."""
    want = f.expected
    run_together = (
        want.endswith(b"\n")
        and len(want) > 1
        and f.observed.startswith(want[:-1])
        and len(f.observed) >= len(want)
        and f.observed[len(want) - 1 : len(want)] != b"\n"
    )
    return bool(
        (want.endswith(b"\n") and f.observed == want[:-1])
        or run_together
        or step_has(f.out, Code.NO_NEWLINE_BEFORE_CLOSE)
    )


def _extra_newline(f: Facts) -> bool:
    extra = f.observed.strip(b"\r\n") == b"" and f.observed != b""
    return bool(
        (f.out.action == "expect_eof" and extra)
        or (f.expected and f.observed in (f.expected + b"\n", f.expected + b"\r\n"))
        or (
            f.expected
            and f.out.reason is not None
            and f.out.reason.code is Code.DIFFERENT_BYTES
            and f.observed.startswith(f.expected)
            and f.observed[len(f.expected) :] in (b"\n", b"\r\n")
        )
    )


def _printed_bytes_repr(f: Facts) -> bool:
    if f.out.action != "output":
        return False
    return re.search(rb"""b(['"]).*\1""", f.outcome.stdout) is not None


def _decoded_binary(f: Facts) -> bool:
    """Bytes that are not UTF-8 came back changed: the program decoded what it should echo."""
    want = f.expected
    if f.out.action != "expect" or not want:
        return False
    try:
        want.decode("utf-8")
        return False
    except UnicodeDecodeError:
        pass
    start = f.out.window_start
    return (
        any(
            f.observed and want.decode("utf-8", errors=how).encode("utf-8").startswith(f.observed[:16])
            for how in ("ignore", "replace")
        )
        and start == 0
    )


def _closed_early(f: Facts) -> bool:
    return (f.out.action == "expect" and step_has(f.out, Code.CLOSED_EARLY)) or (
        f.out.action == "send" and step_has(f.out, Code.STUDENT_CLOSED_DURING_SEND)
    )


def _closed_early_explanation(f: Facts) -> Message:
    total = f.out.expected_size or len(f.expected)
    if f.out.action == "send":
        return msg(Code.CLOSED_WHILE_RECEIVING, total=total)
    return msg(Code.CLOSED_AFTER_PART, n=f.out.observed_size or len(f.observed), total=total)


def _crashed(f: Facts) -> bool:
    return TRACEBACK in f.outcome.stderr and "SyntaxError" not in f.stderr


def _where(f: Facts) -> str:
    return traceback_location(f.stderr) or "?"


def _refused(f: Facts) -> bool:
    return "ConnectionRefusedError" in f.stderr or "Connection refused" in f.stderr


def _wrong_port(f: Facts) -> Message | None:
    """The fact that the server listens, but elsewhere (a connect step ends with it at once)."""
    reason = f.out.reason
    return reason if reason is not None and reason.code is Code.LISTENS_ON_WRONG_PORT else None


def _wrong_port_args(f: Facts) -> dict[str, Any]:
    """The diagnosis says both ports, as the fact gives them (``expected``, ``listening``)."""
    found = _wrong_port(f)
    return dict(found.args) if found is not None else {}


NOT_A_FILE = (
    Code.FILE_IS_FIFO,
    Code.FILE_IS_SYMLINK,
    Code.FILE_IS_FOLDER,
    Code.FILE_IS_DEVICE,
    Code.FILE_IS_SOCKET,
)


def _file_fact(f: Facts, *codes: Code) -> Message | None:
    """The file step's fact, when it is one of ``codes``."""
    reason = f.out.reason
    return reason if f.out.action == "file" and reason is not None and reason.code in codes else None


def _wrong_port_explanation(f: Facts) -> Message:
    """The port came from the command line (say so), or the assignment fixes it."""
    code = Code.WRONG_PORT_ARGV if str(f.outcome.port) in f.outcome.argv[2:] else Code.WRONG_PORT_FIXED
    return msg(code, **_wrong_port_args(f))


def _dialled(f: Facts) -> Message | None:
    """The fact that a client dialled another port than the reference server's (``port: any``)."""
    reason = f.out.reason
    return reason if reason is not None and reason.code is Code.WRONG_PORT_DIALLED else None


def _dialled_arg(f: Facts, name: str) -> Any:
    found = _dialled(f)
    return found.args[name] if found is not None else None


def _server_exited(f: Facts) -> bool:
    return step_has(f.out, Code.EXITED_BEFORE_LISTENING) or step_has(f.out, Code.REFUSED_SERVER_EXITED)


def _listener_gone(f: Facts) -> bool:
    """A connection was cut while the server no longer listened: it had stopped serving."""
    return f.out.action in ("send", "expect", "request", "response") and step_has(
        f.out, Code.STOPPED_LISTENING
    )


Rule = tuple[Code, Callable[[Facts], bool], Callable[[Facts], dict[str, Any]]]
NO_ARGS: Callable[[Facts], dict[str, Any]] = lambda f: {}  # noqa: E731


RULES: list[Rule] = [
    # A program that cannot start explains every later symptom.
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
        lambda f: "SyntaxError" in f.stderr and "Missing parentheses in call to 'print'" not in f.stderr,
        lambda f: {"error": last_traceback_line(f.stderr), "where": _where(f)},
    ),
    # Crashes whose exception names the mistake, at the student's own line.
    (Code.ADDRESS_IN_USE, lambda f: f.outcome.bind_failed, NO_ARGS),
    (
        Code.STR_NOT_BYTES,
        lambda f: "a bytes-like object is required, not 'str'" in f.stderr,
        lambda f: {"where": _where(f)},
    ),
    # The wrong address or port explains the missing data.
    (
        Code.WRONG_PORT,
        lambda f: _wrong_port(f) is not None,
        lambda f: {"explanation": _wrong_port_explanation(f)},
    ),
    (
        Code.WRONG_PORT_DIALLED_CAUSE,
        lambda f: _dialled(f) is not None,
        lambda f: {"port": _dialled_arg(f, "port"), "expected": _dialled_arg(f, "expected")},
    ),
    (
        Code.CONNECTION_REFUSED_CAUSE,
        lambda f: f.scenario.server_running and (_refused(f) or b"Connection refused" in f.outcome.stdout),
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
    (Code.SPLIT_CHARACTER, _split_character, NO_ARGS),
    (Code.GBK_UTF8, _gbk_mixup, lambda f: {"encoding": _text_encoding(f)}),
    (Code.DECODED_BINARY, _decoded_binary, NO_ARGS),
    # Any other crash, at its line, beats the protocol symptoms it caused.
    (
        Code.CRASH,
        _crashed,
        lambda f: {"where": _where(f), "error": last_traceback_line(f.stderr)},
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
        lambda f: _file_fact(f, *NOT_A_FILE) is not None,
        lambda f: {"path": _file_fact(f, *NOT_A_FILE).args["path"]},  # type: ignore[union-attr]
    ),
    (
        Code.FILE_TOO_LARGE_CAUSE,
        lambda f: _file_fact(f, Code.FILE_TOO_LARGE) is not None,
        lambda f: dict(_file_fact(f, Code.FILE_TOO_LARGE).args),  # type: ignore[union-attr]
    ),
    # Servers that never served.
    (
        Code.SERVER_EXITED,
        lambda f: (f.out.action in ("connect", "wait_listening") and _server_exited(f)) or _listener_gone(f),
        NO_ARGS,
    ),
    (
        Code.NEVER_CONNECTED,
        lambda f: f.out.action == "accept" and not _refused(f) and _dialled(f) is None,
        lambda f: {"host": f.outcome.host, "port": f.outcome.port},
    ),
    (
        Code.NOT_LISTENING,
        lambda f: (
            f.out.action in ("connect", "wait_listening") and not _server_exited(f) and _wrong_port(f) is None
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
    (Code.SINGLE_RECV, _single_recv, NO_ARGS),
    # Closing early shows at the peer's send (bytes still in flight) or at the next expect.
    (
        Code.CLOSED_EARLY_CAUSE,
        _closed_early,
        lambda f: {"explanation": _closed_early_explanation(f)},
    ),
    (Code.MISSING_NEWLINE, _missing_newline, NO_ARGS),
    (Code.EXTRA_NEWLINE, _extra_newline, NO_ARGS),
    (Code.CRLF, lambda f: step_has(f.out, Code.CRLF_LINE_ENDING), NO_ARGS),
    (Code.PRINTED_BYTES, _printed_bytes_repr, NO_ARGS),
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
DOES_NOT_START = frozenset({Code.PYTHON2, Code.SYNTAX_ERROR})
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

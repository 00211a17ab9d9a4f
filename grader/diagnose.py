"""A catalogue of common socket-programming mistakes, recognised from the facts of a run.

Each rule is data: a code (stable, for class statistics), a test over the failed step and the
outcome, and the explanation a student reads. Rules are tried in order; every one that
matches is reported, so the list is the whole diagnosis, not the first guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from grader.i18n import gettext_for
from grader.outcome import Outcome, StepOutcome
from grader.results import Diagnosis
from grader.spec import Scenario
from grader.textshow import show_bytes

TRACEBACK = b"Traceback (most recent call last)"
ROOT_CAUSES = frozenset({"python2", "syntax-error"})
"""A program that cannot even start explains every later symptom: report only the cause."""


LIMIT_MESSAGES = {
    "memory": "Your program used more memory than it is allowed and was stopped. Does it keep "
    "data it no longer needs, or read without end?",
    "processes": "Your program started more processes than it is allowed. Does it call fork() in a loop?",
    "cpu time": "Your program used up its CPU time and was stopped: is it stuck in a loop that "
    "never ends (for example after recv() returned b'')?",
    "file size": "Your program tried to write a file larger than it is allowed.",
    "disk": "Your program wrote more into its folder than it is allowed (disk limit reached).",
    "open files": "Your program opened more files or sockets than it is allowed: close the ones "
    "you no longer need.",
}
"""What a student reads when the sandbox saw which limit (``ProcessEnd.limit``) was reached."""


@dataclass(frozen=True)
class Facts:
    """What a rule may look at."""

    step: object
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
    the line of their code that called it does.
    """
    found = re.findall(r'File "([^"]+)", line (\d+)', stderr)
    own = [(name, line) for name, line in found if "/lib/python" not in name and not name.startswith("<")]
    if not (own or found):
        return ""
    name, line = (own or found)[-1]
    return f"{name.rsplit('/', 1)[-1]}:{line}"


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
        return False  # binary data: not a text-encoding mix-up
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
    return bool(
        (f.expected.endswith(b"\n") and f.observed == f.expected[:-1])
        or (f.out.detail or "").startswith("no newline")
    )


def _extra_newline(f: Facts) -> bool:
    extra = f.observed.strip(b"\r\n") == b"" and f.observed != b""
    return bool(
        (f.out.action == "expect_eof" and extra)
        or (f.expected and f.observed in (f.expected + b"\n", f.expected + b"\r\n"))
        or (
            f.expected
            and f.out.detail == "different bytes"
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
    return f.out.action == "expect" and (f.out.detail or "").startswith("closed early")


def _crashed(f: Facts) -> bool:
    return TRACEBACK in f.outcome.stderr and "SyntaxError" not in f.stderr


RULES: list[tuple[str, Callable[[Facts], bool], Callable[[Facts, Callable[[str], str]], str]]] = [
    (
        "python2",
        lambda f: (
            "Missing parentheses in call to 'print'" in f.stderr
            or ("SyntaxError" in f.stderr and re.search(r"^\s*print [^(]", f.stderr, re.M) is not None)
        ),
        lambda f, _: _('This is Python 2 code: in Python 3, print is a function: print("...").'),
    ),
    (
        "syntax-error",
        lambda f: "SyntaxError" in f.stderr and "Missing parentheses in call to 'print'" not in f.stderr,
        lambda f, _: _("Your program does not start: {error} at {where}.").format(
            error=last_traceback_line(f.stderr), where=traceback_location(f.stderr) or "?"
        ),
    ),
    (
        "str-not-bytes",
        lambda f: "a bytes-like object is required, not 'str'" in f.stderr,
        lambda f, _: _('send() was given a str. Sockets carry bytes: send text.encode("utf-8").'),
    ),
    (
        "connection-refused",
        lambda f: (
            f.scenario.server_running
            and (
                "ConnectionRefusedError" in f.stderr
                or "Connection refused" in f.stderr
                or b"Connection refused" in f.outcome.stdout
            )
        ),
        lambda f, _: _(
            "Your program's connection was refused: it connected to the wrong address or port. "
            "The server was at {host}:{port}; take them from the command line (sys.argv)."
        ).format(host=f.outcome.host, port=f.outcome.port),
    ),
    (
        "never-connected",
        lambda f: (
            f.out.action == "accept"
            and "ConnectionRefusedError" not in f.stderr
            and "Connection refused" not in f.stderr
        ),
        lambda f, _: _(
            "Your program never connected to {host}:{port}. Did it call connect() with the host "
            "and port given on the command line?"
        ).format(host=f.outcome.host, port=f.outcome.port),
    ),
    (
        "address-in-use",
        lambda f: f.outcome.bind_failed,
        lambda f, _: _(
            "bind() failed: the address was in use. Set SO_REUSEADDR before bind(), and bind only once."
        ),
    ),
    (
        "not-listening",
        lambda f: (
            f.out.action in ("connect", "wait_listening")
            and "exited" not in (f.out.detail or "")
            and "listens on" not in (f.out.detail or "")
        ),
        lambda f, _: _(
            "Nothing was listening on port {port}. Your server must bind() to that port (from the "
            "command line) and call listen() before accept()."
        ).format(port=f.outcome.port),
    ),
    (
        "wrong-port",
        lambda f: "listens on" in (f.out.detail or ""),
        lambda f, _: _(
            "Your server listened on the wrong port ({detail}); it must use port {port}, given on "
            "the command line."
        ).format(detail=(f.out.detail or "").split("; ")[-1], port=f.outcome.port),
    ),
    (
        "server-exited",
        lambda f: f.out.action in ("connect", "wait_listening") and "exited" in (f.out.detail or ""),
        lambda f, _: _("Your server exited before it accepted a connection."),
    ),
    (
        "single-recv",
        _single_recv,
        lambda f, _: _(
            "Only the first part of the reply was printed. TCP is a byte stream: one recv() may "
            'return just a piece. Call recv() in a loop until it returns b"" (the server closed).'
        ),
    ),
    (
        "split-character",
        _split_character,
        lambda f, _: _(
            "A character was cut between two recv() calls, and decoding one piece on its own failed. "
            "TCP does not keep characters (or lines) whole: collect the bytes, and decode only "
            "complete lines or the whole message."
        ),
    ),
    (
        "gbk-utf8",
        _gbk_mixup,
        lambda f, _: _(
            "The non-ASCII text was garbled: one side used GBK and the other UTF-8. Use "
            'encode("utf-8") and decode("utf-8") on both sides.'
        ),
    ),
    (
        "closed-early",
        _closed_early,
        lambda f, _: _(
            "Your program closed the connection after {n} of {total} bytes. One recv() returns only "
            "what has arrived so far: keep calling recv() (and sendall()) until the other side "
            "closes."
        ).format(n=f.out.observed_size or len(f.observed), total=f.out.expected_size or len(f.expected)),
    ),
    (
        "decoded-binary",
        _decoded_binary,
        lambda f, _: _(
            "Bytes that are not valid UTF-8 came back changed. Echo the bytes you received as they "
            "are: do not decode() and encode() them."
        ),
    ),
    (
        "missing-newline",
        _missing_newline,
        lambda f, _: _('The line ending "\\n" is missing: this protocol ends each message with a newline.'),
    ),
    (
        "extra-newline",
        _extra_newline,
        lambda f, _: _('There is an extra newline: send exactly the bytes asked for, with no "\\n" added.'),
    ),
    (
        "crlf",
        lambda f: (f.out.detail or "").startswith("\\r\\n"),
        lambda f, _: _('Lines must end with "\\n", not "\\r\\n".'),
    ),
    (
        "printed-bytes",
        _printed_bytes_repr,
        lambda f, _: _(
            "Your program printed a bytes object (b'...'). Decode it first: print(data.decode(\"utf-8\"))."
        ),
    ),
    (
        "never-closed",
        lambda f: f.out.action == "expect_eof" and f.out.status == "timeout",
        lambda f, _: _(
            "Your program never closed the connection. Call close() on the socket when you are "
            "done (or use it in a with block)."
        ),
    ),
    (
        "never-exited",
        lambda f: (
            f.out.action in ("exit", "stderr", "file")
            and f.out.status == "timeout"
            and not getattr(f.step, "stdin_open", False)
        ),  # the message says stdin was closed
        lambda f, _: _(
            "Your program did not exit, even after its input was closed. Is it stuck in recv() "
            "or in a loop that never ends?"
        ),
    ),
    (
        "reset",
        lambda f: "reset" in (f.out.detail or "") or "ConnectionResetError" in f.stderr,
        lambda f, _: _(
            "The connection was reset: a socket was closed while unread data was still waiting in it."
        ),
    ),
    (
        "output-limit",
        lambda f: f.outcome.process.killed_by_grader == "output limit",
        lambda f, _: _("Your program printed too much and was stopped ({n} bytes kept).").format(
            n=len(f.outcome.stdout)
        ),
    ),
    (
        "crash",
        _crashed,
        lambda f, _: _("Your program crashed at {where}: {error}").format(
            where=traceback_location(f.stderr) or "?", error=last_traceback_line(f.stderr)
        ),
    ),
    (
        "resource-limit",
        lambda f: f.outcome.process.limit in LIMIT_MESSAGES,
        lambda f, _: _(LIMIT_MESSAGES[f.outcome.process.limit or ""]),
    ),
    (
        "killed",
        lambda f: (
            bool(f.outcome.process.signal)
            and not f.outcome.process.killed_by_grader
            and f.outcome.process.limit is None
        ),
        lambda f, _: _("Your program was killed by signal {sig} (a resource limit?).").format(
            sig=f.outcome.process.signal
        ),
    ),
]


def diagnose(
    step: object, out: StepOutcome, scenario: Scenario, outcome: Outcome, lang: str = "en"
) -> list[Diagnosis]:
    """Every recognised mistake behind a failed step."""
    facts = Facts(step=step, out=out, scenario=scenario, outcome=outcome)
    _ = gettext_for(lang)
    found: list[Diagnosis] = []
    for code, test, explain in RULES:
        try:
            matched = test(facts)
        except Exception:  # a rule must never break judging
            matched = False
        if matched:
            found.append(Diagnosis(code=code, message=explain(facts, _)))
            if code in ROOT_CAUSES:
                break
    return found


__all__ = ["RULES", "Facts", "diagnose", "last_traceback_line", "show_bytes", "traceback_location"]

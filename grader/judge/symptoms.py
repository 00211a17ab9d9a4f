"""Symptoms the diagnosis rules test for: one recv, GBK read as UTF-8, no newline, a wrong port, a crash."""

from __future__ import annotations

import codecs
import re
from typing import Any

from grader.judge.facts import (
    NON_UTF8_SOURCE,
    TRACEBACK,
    Facts,
    traceback_location,
)
from grader.messages import Message, msg
from grader.messages.codes import Code
from grader.outcome import COMPILE_ERRORS, step_has
from grader.text.encodings import accepts, shown_encodings
from grader.text.encodings import names as encoding_names
from grader.text.show import codec_name, encoding_label, show_bytes


def single_recv(f: Facts) -> bool:
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


def gbk_mixup(f: Facts) -> bool:
    want = f.expected
    if not want or all(b < 128 for b in want):
        return False
    try:
        text = want.decode("utf-8")
    except UnicodeDecodeError:
        return utf8_for_gbk(f)  # else binary data: not a text-encoding mix-up
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
    return garbled in f.outcome.stdout or ("UnicodeDecodeError" in f.stderr and not split_character(f))


def utf8_for_gbk(f: Facts) -> bool:
    """GBK text was expected and the program sent the same text in UTF-8."""
    if f.out.action != "expect" or text_encoding(f) != "gbk":
        return False
    try:
        text = f.expected.decode("gbk")
    except UnicodeDecodeError:
        return False
    utf8 = text.encode("utf-8")
    return bool(f.observed) and f.observed != f.expected and f.observed[:8] == utf8[:8]


def text_encoding(f: Facts) -> str:
    """The encoding the assignment's text is in: the first one its steps name (else UTF-8)."""
    for step in [f.step, *f.scenario.steps]:
        for sub in [step, *getattr(step, "steps", [])]:
            first = encoding_names(getattr(sub, "encoding", "utf-8"))[0]
            if codecs.lookup(first).name != "utf-8":
                return first
    return "utf-8"


def source_not_utf8(f: Facts) -> dict[str, Any] | None:
    """Python refused a source file that is not UTF-8 (a GBK file from Windows Notepad)."""
    found = NON_UTF8_SOURCE.search(f.stderr)
    if found is None:
        return None
    byte, path, line = found.groups()
    return {"file": path.rsplit("/", 1)[-1], "line": int(line), "byte": byte}


def observed_encoding(f: Facts) -> str:
    declared = getattr(f.step, "encoding", None)
    return shown_encodings(declared, f.out.encoding, f.out.expected, f.out.observed)[1]


def wrong_encoding(f: Facts) -> bool:
    """The program sent text, in an encoding the step does not accept."""
    if f.out.action != "expect" or all(b < 128 for b in f.observed):
        return False
    used = observed_encoding(f)
    if used == "utf-8":
        try:
            f.observed.decode("utf-8")
        except UnicodeDecodeError:
            return False  # not text in any encoding the grader knows: not this mistake
    return not accepts(getattr(f.step, "encoding", None), used)


def wrong_encoding_args(f: Facts) -> dict[str, Any]:
    wanted = encoding_names(getattr(f.step, "encoding", None) or "utf-8")[0]
    used = observed_encoding(f)
    return {
        "text": show_bytes(f.observed, limit=40, encoding=used),
        "used": encoding_label(used),
        "expected": encoding_label(wanted),
        "codec": codec_name(wanted),
    }


def split_character(f: Facts) -> bool:
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


def missing_newline(f: Facts) -> bool:
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


def extra_newline(f: Facts) -> bool:
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


def printed_bytes_repr(f: Facts) -> bool:
    if f.out.action != "output":
        return False
    return re.search(rb"""b(['"]).*\1""", f.outcome.stdout) is not None


def decoded_binary(f: Facts) -> bool:
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


def closed_early(f: Facts) -> bool:
    return (f.out.action == "expect" and step_has(f.out, Code.CLOSED_EARLY)) or (
        f.out.action == "send" and step_has(f.out, Code.STUDENT_CLOSED_DURING_SEND)
    )


def closed_early_explanation(f: Facts) -> Message:
    total = f.out.expected_size or len(f.expected)
    if f.out.action == "send":
        return msg(Code.CLOSED_WHILE_RECEIVING, total=total)
    return msg(Code.CLOSED_AFTER_PART, n=f.out.observed_size or len(f.observed), total=total)


def compile_error(f: Facts) -> bool:
    """Python refused the source (``SyntaxError``, ``IndentationError``, ``TabError``)."""
    return any(name in f.outcome.stderr for name in COMPILE_ERRORS)


def crashed(f: Facts) -> bool:
    return TRACEBACK in f.outcome.stderr and not compile_error(f)


def where(f: Facts) -> str:
    return traceback_location(f.stderr) or "?"


def refused(f: Facts) -> bool:
    return "ConnectionRefusedError" in f.stderr or "Connection refused" in f.stderr


def wrong_port(f: Facts) -> Message | None:
    """The fact that the server listens, but elsewhere (a connect step ends with it at once)."""
    reason = f.out.reason
    return reason if reason is not None and reason.code is Code.LISTENS_ON_WRONG_PORT else None


def wrong_port_args(f: Facts) -> dict[str, Any]:
    """The diagnosis says both ports, as the fact gives them (``expected``, ``listening``)."""
    found = wrong_port(f)
    return dict(found.args) if found is not None else {}


NOT_A_FILE = (
    Code.FILE_IS_FIFO,
    Code.FILE_IS_SYMLINK,
    Code.FILE_IS_FOLDER,
    Code.FILE_IS_DEVICE,
    Code.FILE_IS_SOCKET,
)


def file_fact(f: Facts, *codes: Code) -> Message | None:
    """The file step's fact, when it is one of ``codes``."""
    reason = f.out.reason
    return reason if f.out.action == "file" and reason is not None and reason.code in codes else None


def wrong_port_explanation(f: Facts) -> Message:
    """The port came from the command line (say so), or the assignment fixes it."""
    code = Code.WRONG_PORT_ARGV if str(f.outcome.port) in f.outcome.argv[2:] else Code.WRONG_PORT_FIXED
    return msg(code, **wrong_port_args(f))


def dialled(f: Facts) -> Message | None:
    """The fact that a client dialled another port than the reference server's (``port: any``)."""
    reason = f.out.reason
    return reason if reason is not None and reason.code is Code.WRONG_PORT_DIALLED else None


def dialled_arg(f: Facts, name: str) -> Any:
    found = dialled(f)
    return found.args[name] if found is not None else None


def server_exited(f: Facts) -> bool:
    return step_has(f.out, Code.EXITED_BEFORE_LISTENING) or step_has(f.out, Code.REFUSED_SERVER_EXITED)


def listener_gone(f: Facts) -> bool:
    """A connection was cut while the server no longer listened: it had stopped serving."""
    return f.out.action in ("send", "expect", "request", "response") and step_has(
        f.out, Code.STOPPED_LISTENING
    )

"""The runner's short facts ("closed early", "exit code 1") in the reader's language.

Runs record facts in plain English so that results stay readable in any tool; the judge
shows them to students, and in Chinese a half-English sentence reads badly. A table of
patterns, not a chain of ifs: each row is the English fact and its translatable wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from grader.i18n import N_, gettext_for

DETAILS: list[tuple[str, str]] = [
    (r"different bytes before close", N_("different bytes before the connection closed")),
    (r"different bytes", N_("different bytes")),
    (r"closed without sending", N_("the connection closed with nothing sent")),
    (r"closed early", N_("the connection closed too early")),
    (r"no newline before close", N_("no newline before the connection closed")),
    (r"\\r\\n line ending", N_("the line ends with \\r\\n")),
    (r"different line", N_("a different line")),
    (r"line does not match", N_("the line does not match")),
    (r"extra bytes", N_("extra bytes after the expected ones")),
    (r"no such connection", N_("no such connection")),
    (r"still running", N_("still running")),
    (r"exit code (?P<code>-?\d+)", N_("exit code {code}")),
    (r"killed by signal (?P<sig>\d+)", N_("killed by signal {sig}")),
    (r"stopped by the grader: (?P<why>.+)", N_("stopped by the grader: {why}")),
    (
        r"program ended \((?P<how>.+)\) without printing it",
        N_("the program ended ({how}) without printing it"),
    ),
    (
        r"program closed its output without printing it",
        N_("the program closed its output without printing it"),
    ),
    (r"program had already ended \((?P<how>.+)\)", N_("the program had already ended ({how})")),
    (r"program had stopped reading its input", N_("the program had stopped reading its input")),
    (
        r"program exited \((?P<code>.+)\) without connecting",
        N_("the program exited ({code}) without connecting"),
    ),
    (r"connection refused \((?P<n>\d+) attempts\)", N_("connection refused ({n} attempts)")),
    (r"refused; the server had exited \((?P<code>.+)\)", N_("refused: the server had exited ({code})")),
    (
        r"the server exited \((?P<code>.+)\) before listening",
        N_("the server exited ({code}) before listening"),
    ),
    (r"the program listens on port (?P<ports>[\d, ]+)", N_("the program listens on port {ports}")),
    (
        r"the student closed the connection before all bytes were sent",
        N_("your program closed the connection before all the bytes were sent"),
    ),
    (r"connection reset by the student", N_("your program reset the connection")),
    (r"the student had closed the connection", N_("your program had closed the connection")),
    (r"connection reset", N_("the connection was reset")),
    (r"traceback", N_("a traceback")),
    (r"missing text", N_("the text is missing")),
    (r"file exists", N_("the file exists")),
    (r"file missing", N_("the file is missing")),
    (
        r"file differs \((?P<got>\d+) bytes, expected (?P<want>\d+)\)",
        N_("the file differs ({got} bytes, expected {want})"),
    ),
    (
        r"(?P<path>.+) is (?P<kind>a FIFO|a symbolic link|a folder|a device|a socket), not a file",
        N_("{path} is {kind}, not a file"),
    ),
    (r"a FIFO", N_("a FIFO (a named pipe)")),
    (r"a symbolic link", N_("a symbolic link")),
    (r"a folder", N_("a folder")),
    (r"a device", N_("a device")),
    (r"a socket", N_("a socket")),
    (
        r"(?P<path>.+) is too large \((?P<size>\d+) bytes, at most (?P<limit>\d+) are read\)",
        N_("{path} is too large ({size} bytes; the grader reads at most {limit})"),
    ),
    (r"(?P<path>.+) cannot be read", N_("{path} cannot be read")),
    (
        r"port (?P<port>\d+) is in use by another program \(pid (?P<pid>\d+), (?P<command>.*)\): "
        r"stop it and check again",
        N_("port {port} is in use by another program (pid {pid}, {command}): stop it and check again"),
    ),
    (r"scenario time limit \((?P<secs>[\d.]+) s\)", N_("the scenario's time limit ({secs} s)")),
    (r"fin", N_("closed normally (FIN)")),
    (r"rst", N_("reset (RST)")),
]
NESTED = ("how", "code", "kind")
"""Parts of a fact that are facts themselves, put in words in turn."""
_COMPILED = [(re.compile(pattern), words) for pattern, words in DETAILS]


def detail_words(detail: str | None, lang: str) -> str | None:
    """``detail`` (possibly several facts joined by "; ") in ``lang``; unknown facts unchanged."""
    if not detail:
        return detail
    _ = gettext_for(lang)
    return ("；" if lang == "zh" else "; ").join(_one(part, _) for part in detail.split("; "))


def _one(fact: str, _: Callable[[str], str]) -> str:
    for pattern, words in _COMPILED:
        found = pattern.fullmatch(fact)
        if found:
            values = {k: _one(v, _) if k in NESTED else v for k, v in found.groupdict().items()}
            return _(words).format(**values)
    return fact

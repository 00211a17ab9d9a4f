"""Reading HTTP/1.x messages as they arrived on the wire: pure functions, no sockets, no I/O.

Student web servers answer in every imperfect way real code does: bare ``\\n`` line ends, no
``Content-Length`` and the body ended by closing, the body sent one byte per ``send()``,
``404 OK``, the blank line after the headers forgotten. The reader here never rejects such a
response: it records what it saw (the status line as received, the line ends, the framing the
response actually used) and what was imperfect, as codes with arguments, so the judge can
decide by what the assignment asks and say precisely what differs.

A message is read from the bytes received so far and whether the sender has closed (EOF);
while more bytes are needed and the sender has not closed, the answer is ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from grader.messages import Message, msg
from grader.messages.codes import Code

Framing = Literal["content-length", "chunked", "close", "none"]
LineEnds = Literal["crlf", "lf", "mixed", "none"]

MAX_HEAD = 64 << 10
"""A status line and headers longer than this are not HTTP: stop reading them as such."""

_STATUS = re.compile(rb"^(?P<version>HTTP/\d(?:\.\d)?)[ \t]+(?P<code>\d{3})(?:[ \t]+(?P<reason>.*))?$")
_REQUEST = re.compile(
    rb"^(?P<method>[A-Za-z]+)[ \t]+(?P<target>\S+)(?:[ \t]+(?P<version>HTTP/\d(?:\.\d)?))?$"
)
_HEADER = re.compile(rb"^(?P<name>[!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$")


@dataclass
class HttpMessage:
    """One request or response as read; byte offsets refer to the data it was read from."""

    start_line: bytes
    headers: list[tuple[str, str]]
    body: bytes
    consumed: int
    """Bytes of the input this message took (a following message starts here)."""
    head_size: int
    """Bytes of start line and headers, blank line included."""
    line_ends: LineEnds
    framing: Framing
    complete: bool
    """False when the sender closed before the message's own framing said it was over."""
    declared_length: int | None = None
    imperfections: list[Message] = field(default_factory=list)
    """What a lenient reader accepted but a strict one would not, as codes with their facts."""
    version: str | None = None
    status: int | None = None
    reason: str | None = None
    method: str | None = None
    target: str | None = None

    def header(self, name: str) -> str | None:
        """The first header of that name (names are case-insensitive), or None."""
        wanted = name.lower()
        return next((v for n, v in self.headers if n.lower() == wanted), None)

    def has(self, code: Code) -> bool:
        return any(i.code == code for i in self.imperfections)


FRAMING_WORDS: dict[str, Code] = {
    "content-length": Code.FRAMING_CONTENT_LENGTH,
    "chunked": Code.FRAMING_CHUNKED,
    "close": Code.FRAMING_CLOSE,
    "none": Code.FRAMING_NONE,
}
"""How a response ended, as the reader's words say it (``ended by closing the connection``)."""


def framing_message(framing: str | None) -> Message:
    """How a message ended, as a code (``ended by`` it, in the report and the framing reason)."""
    return msg(FRAMING_WORDS.get(framing or "none", Code.FRAMING_NONE))


def _lines(data: bytes, limit: int, eof: bool) -> tuple[list[tuple[bytes, bytes]], int, bool]:
    """Lines of the head with their line ends, up to and including the blank line.

    Returns (lines, offset after the last line read, whether a blank line ended the head).
    At EOF, a last line without a line end counts too (its end is empty).
    """
    lines: list[tuple[bytes, bytes]] = []
    pos = 0
    while pos < min(len(data), limit):
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        raw = data[pos:nl]
        end = b"\r\n" if raw.endswith(b"\r") else b"\n"
        text = raw[:-1] if end == b"\r\n" else raw
        lines.append((text, end))
        pos = nl + 1
        if not text and len(lines) > 1:
            return lines, pos, True
        if not text and len(lines) == 1:
            lines.pop()  # tolerate blank lines before the start line (RFC 9112 2.2)
    if eof and pos < len(data) and len(data) <= limit:
        lines.append((data[pos:].removesuffix(b"\r"), b""))
        pos = len(data)
    return lines, pos, False


def _line_ends(ends: list[bytes]) -> LineEnds:
    kinds = set(ends) - {b""}
    if not kinds:
        return "none"
    if len(kinds) > 1:
        return "mixed"
    return "crlf" if kinds == {b"\r\n"} else "lf"


def _text(raw: bytes) -> str:
    return raw.decode("latin-1")


def read_message(
    data: bytes, eof: bool, *, is_response: bool = True, request_method: str = "GET"
) -> HttpMessage | None:
    """The first HTTP message in ``data``; ``None`` while it is not complete and not at EOF."""
    lines, pos, blank = _lines(data, MAX_HEAD, eof)
    if not blank and not eof and len(data) < MAX_HEAD and not _head_gave_up(lines):
        return None
    found: list[Message] = []
    if not data:
        found.append(msg(Code.HTTP_NOTHING_SENT))
    start = lines[0][0] if lines else data.split(b"\n", 1)[0]
    head_lines = lines[1:]
    head_count = len(lines)
    body_at = pos
    if not blank:
        # No blank line: either the sender closed mid-head, or it forgot the blank line and
        # its body follows the headers. Headers are the lines that look like headers; the
        # first one that does not is where the body began.
        cut = next((i for i, (t, _) in enumerate(head_lines) if not _HEADER.match(t)), None)
        if cut is not None:
            found.append(msg(Code.HTTP_NO_BLANK_LINE, line=_text(head_lines[cut][0])[:80]))
            head_count = cut + 1
            body_at = sum(len(t) + len(e) for t, e in lines[:head_count])
            head_lines = head_lines[:cut]
        elif lines:
            found.append(msg(Code.HTTP_HEAD_UNFINISHED, received=len(data)))
            body_at = len(data)
        else:
            body_at = len(data)
    else:
        head_lines = head_lines[:-1]  # the blank line
    ends = [e for _, e in lines[:head_count]]
    message = HttpMessage(
        start_line=start,
        headers=[],
        body=b"",
        consumed=body_at,
        head_size=body_at,
        line_ends=_line_ends(ends),
        framing="none",
        complete=blank,
        imperfections=found,
    )
    if message.line_ends in ("lf", "mixed"):
        found.append(msg(Code.HTTP_BARE_LF))
    _read_start_line(message, is_response)
    for text, _end in head_lines:
        header = _HEADER.match(text)
        if header is None:
            found.append(msg(Code.HTTP_BAD_HEADER, line=_text(text)[:80]))
            continue
        message.headers.append((_text(header["name"]), _text(header["value"])))
    _read_body(message, data, body_at, eof, is_response, request_method)
    if not message.complete and not eof:
        return None
    return message


def _head_gave_up(lines: list[tuple[bytes, bytes]]) -> bool:
    """A head line that is not a header means the blank line was forgotten: do not wait for it."""
    return any(not _HEADER.match(t) for t, _ in lines[1:])


def _read_start_line(message: HttpMessage, is_response: bool) -> None:
    line = message.start_line.rstrip(b"\r")
    if is_response:
        status = _STATUS.match(line)
        if status is None:
            message.imperfections.insert(0, msg(Code.HTTP_BAD_STATUS_LINE, line=_text(line)[:120]))
            return
        message.version = _text(status["version"])
        message.status = int(status["code"])
        message.reason = _text(status["reason"] or b"")
        return
    request = _REQUEST.match(line)
    if request is None:
        message.imperfections.insert(0, msg(Code.HTTP_BAD_REQUEST_LINE, line=_text(line)[:120]))
        return
    message.method = _text(request["method"])
    message.target = _text(request["target"])
    message.version = _text(request["version"]) if request["version"] else None


def _read_body(
    message: HttpMessage, data: bytes, at: int, eof: bool, is_response: bool, request_method: str
) -> None:
    found = message.imperfections
    if not message.complete and not message.has(Code.HTTP_NO_BLANK_LINE):
        return  # closed inside the head: there is no body
    message.complete = True
    status = message.status or 0
    if is_response and (request_method.upper() == "HEAD" or 100 <= status < 200 or status in (204, 304)):
        message.framing = "none"
        return
    chunked = (message.header("transfer-encoding") or "").lower().endswith("chunked")
    length_text = message.header("content-length")
    if chunked:
        message.framing = "chunked"
        _read_chunked(message, data, at, eof)
        return
    if length_text is not None:
        try:
            length = int(length_text.strip())
            if length < 0:
                raise ValueError
        except ValueError:
            found.append(msg(Code.HTTP_BAD_CONTENT_LENGTH, value=length_text[:40]))
        else:
            message.framing = "content-length"
            message.declared_length = length
            message.body = data[at : at + length]
            message.consumed = at + len(message.body)
            if len(message.body) < length:
                message.complete = False
                if eof:
                    found.append(msg(Code.HTTP_BODY_CUT_SHORT, received=len(message.body), expected=length))
            return
    if not is_response:
        message.framing = "none"  # a request without a length has no body
        return
    message.framing = "close"
    message.body = data[at:]
    message.consumed = len(data)
    message.complete = eof


def _read_chunked(message: HttpMessage, data: bytes, at: int, eof: bool) -> None:
    body = bytearray()
    pos = at
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        size_text = data[pos:nl].rstrip(b"\r").split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            message.imperfections.append(msg(Code.HTTP_BAD_CHUNK, line=_text(size_text)[:40]))
            message.body = bytes(body)
            message.consumed = len(data)
            message.complete = eof
            return
        pos = nl + 1
        if size == 0:
            end = data.find(b"\n", pos)  # the (usually empty) trailer ends with a blank line
            if end < 0:
                break
            message.body = bytes(body)
            message.consumed = end + 1
            return
        if len(data) < pos + size:
            break
        body += data[pos : pos + size]
        pos += size
        if data[pos : pos + 2] == b"\r\n":
            pos += 2
        elif data[pos : pos + 1] == b"\n":
            pos += 1
        elif len(data) >= pos + 2:
            message.imperfections.append(msg(Code.HTTP_BAD_CHUNK, line=_text(data[pos : pos + 8])))
    message.body = bytes(body)
    message.consumed = len(data)
    message.complete = False
    if eof:
        message.imperfections.append(msg(Code.HTTP_CHUNKS_UNFINISHED, received=len(body)))


def build_request(
    method: str,
    path: str,
    *,
    version: str = "HTTP/1.1",
    host: str = "localhost",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    """A well-formed request; ``Host`` and ``Content-Length`` added unless given."""
    given = {k.lower() for k in (headers or {})}
    lines = [f"{method} {path} {version}"]
    if "host" not in given and version != "HTTP/1.0":
        lines.append(f"Host: {host}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body and "content-length" not in given:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def build_response(
    status: int, reason: str, body: bytes, *, headers: dict[str, str] | None = None, version: str = "HTTP/1.1"
) -> bytes:
    """A well-formed response with ``Content-Length``, for the reference server's answers."""
    lines = [f"{version} {status} {reason}"]
    given = {k.lower() for k in (headers or {})}
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if "content-length" not in given:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

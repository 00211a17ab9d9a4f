"""HTTP steps on the network channel: what to send, and the pure checks of what came back.

The runner (:mod:`grader.run.scenario`) owns the connection; this module turns a ``request`` step into
bytes, reads a response with :mod:`grader.text.http`, and judges it against a ``response``
step. Every failure is a :class:`~grader.messages.Message` (a code and its facts), the first one
found in the order a person reads a response: status line, line ends, blank line, headers,
framing, body.
"""

from __future__ import annotations

import re

from grader.messages import Message, msg
from grader.messages.codes import Code
from grader.outcome import HttpExchange
from grader.spec.matching import first_difference
from grader.spec.net_steps import BodyCheck, HeaderPattern, Request, Response
from grader.text.encodings import choose
from grader.text.encodings import names as encoding_names
from grader.text.http import HttpMessage, build_request, build_response, framing_message, read_message

HTTP_BODY_KEPT = 64 << 10
STATUS_REASONS = {200: "OK", 301: "Moved Permanently", 400: "Bad Request", 404: "Not Found", 500: "Error"}


def request_bytes(step: Request, host: str) -> bytes:
    """The bytes the grader sends for a ``request`` step (``raw`` exactly as written)."""
    encoding = choose(step.encoding)
    if step.raw is not None:
        return step.raw.encode(encoding)
    body = step.body.encode(encoding) if step.body is not None else b""
    headers = {k: v for k, v in step.headers.items() if isinstance(v, str)}  # a pattern is a check
    return build_request(step.method, step.path, version=step.version, host=host, headers=headers, body=body)


def response_bytes(step: Response, fixtures: dict[str, bytes]) -> bytes:
    """What the reference server answers a student's client with, for a ``response`` step."""
    status = step.status or 200
    body = b""
    if step.body is not None:
        if step.body.file is not None:
            body = fixtures[step.body.file]
        elif step.body.text is not None:
            body = step.body.text.encode(choose(step.body.encoding))
    headers = {k: v for k, v in step.headers.items() if isinstance(v, str)}
    return build_response(status, step.reason or STATUS_REASONS.get(status, "Status"), body, headers=headers)


def read_response(data: bytes, eof: bool, method: str) -> HttpMessage | None:
    return read_message(data, eof, is_response=True, request_method=method)


def exchange(request: bytes | None, message: HttpMessage, fixture: str | None = None) -> HttpExchange:
    return HttpExchange(
        request=request,
        response_head=None,
        body=message.body[:HTTP_BODY_KEPT],
        body_size=len(message.body),
        framing=message.framing,
        fixture=fixture,
    )


def _header_problem(
    message: HttpMessage,
    name: str,
    want: str | HeaderPattern,
    missing: Code = Code.HTTP_HEADER_MISSING,
    mismatch: Code = Code.HTTP_HEADER_MISMATCH,
) -> Message | None:
    got = message.header(name)
    if got is None:
        return msg(missing, name=name)
    if isinstance(want, HeaderPattern):
        if re.fullmatch(want.regex, got) is None:
            return msg(mismatch, name=name, expected=want.regex, received=got)
        return None
    if got.strip().lower() != want.strip().lower():
        return msg(mismatch, name=name, expected=want, received=got)
    return None


def judge_response(
    step: Response, message: HttpMessage, closed: bool, fixture: bytes | None
) -> Message | None:
    """The first thing wrong with ``message`` by what ``step`` asks, or None if it is right.

    ``closed``: the server has closed the connection; ``fixture``: the bytes of the body's
    ``file``, when it names one.
    """
    line = message.start_line.decode("latin-1").rstrip("\r")[:120]
    if message.has(Code.HTTP_NOTHING_SENT):
        return msg(Code.HTTP_NOTHING_SENT)
    if message.status is None:
        return msg(Code.HTTP_BAD_STATUS_LINE, line=line)
    if step.status is not None and message.status != step.status:
        return msg(Code.HTTP_STATUS_MISMATCH, expected=step.status, received=message.status, line=line)
    if step.reason is not None and (message.reason or "").strip().lower() != step.reason.strip().lower():
        return msg(Code.HTTP_REASON_MISMATCH, expected=step.reason, received=message.reason or "", line=line)
    if message.has(Code.HTTP_HEAD_UNFINISHED):
        return msg(Code.HTTP_HEAD_UNFINISHED, received=message.head_size)
    if step.crlf == "strict" and message.has(Code.HTTP_BARE_LF):
        return msg(Code.HTTP_BARE_LF)
    for imperfect in message.imperfections:
        if imperfect.code in (
            Code.HTTP_NO_BLANK_LINE,
            Code.HTTP_BAD_HEADER,
            Code.HTTP_BAD_CONTENT_LENGTH,
            Code.HTTP_BAD_CHUNK,
        ):
            return imperfect
    for name, want in step.headers.items():
        problem = _header_problem(message, name, want)
        if problem is not None:
            return problem
    cut = next((i for i in message.imperfections if i.code is Code.HTTP_BODY_CUT_SHORT), None)
    if cut is not None:
        return cut
    if message.has(Code.HTTP_CHUNKS_UNFINISHED):
        return msg(Code.HTTP_CHUNKS_UNFINISHED, received=len(message.body))
    if step.framing == "content-length" and message.framing != "content-length":
        return msg(Code.HTTP_FRAMING, used=framing_message(message.framing))
    if step.framing == "close" and not closed:
        return msg(Code.HTTP_NOT_CLOSED)
    return _body_problem(step, message, fixture)


def _body_problem(step: Response, message: HttpMessage, fixture: bytes | None) -> Message | None:
    check = step.body
    if check is None:
        return None
    body = message.body
    if check.length is not None:
        if len(body) != check.length:
            return msg(Code.HTTP_BODY_LENGTH, expected=check.length, received=len(body))
        return None
    if check.regex is not None:
        if body_encoding(check, body) is None:
            return msg(Code.HTTP_BODY_NO_MATCH, pattern=check.regex, received=len(body))
        return None
    if check.file is None and body_encoding(check, body) is not None:
        return None
    want = fixture if check.file is not None else (check.text or "").encode(choose(check.encoding))
    assert want is not None
    if check.trim:
        body, want = body.strip(), want.strip()
    if body == want:
        return None
    if len(body) < len(want) and want.startswith(body):
        return msg(Code.HTTP_BODY_CUT_SHORT, received=len(body), expected=len(want))
    at = (first_difference(want, body) or 0) + 1  # people count bytes from 1
    if check.file is not None:
        return msg(
            Code.HTTP_BODY_DIFFERS_FROM_FILE, file=check.file, byte=at, received=len(body), expected=len(want)
        )
    return msg(Code.HTTP_BODY_MISMATCH, byte=at, received=len(body), expected=len(want))


def body_encoding(check: BodyCheck, body: bytes) -> str | None:
    """The encoding in which a text or regex body matches (the first listed that does), or None."""
    for name in encoding_names(check.encoding):
        if check.regex is not None:
            if re.search(check.regex.encode(name), body, re.S) is not None:
                return name
            continue
        want = (check.text or "").encode(name)
        got = body.strip() if check.trim else body
        if got == (want.strip() if check.trim else want):
            return name
    return None


def unfinished_response(data: bytes) -> Message | None:
    """Why a response the step waited for never ended (called when the step timed out)."""
    if not data:
        return msg(Code.HTTP_NO_RESPONSE)
    message = read_message(data, True)
    if message is None or message.status is None:
        return msg(Code.HTTP_BAD_STATUS_LINE, line=data.split(b"\n", 1)[0].decode("latin-1")[:120])
    if message.has(Code.HTTP_HEAD_UNFINISHED):
        return msg(Code.HTTP_HEAD_UNFINISHED, received=len(data))
    if message.framing == "content-length":
        return msg(Code.HTTP_BODY_CUT_SHORT, received=len(message.body), expected=message.declared_length)
    return msg(Code.HTTP_NOT_CLOSED)


def judge_request(step: Request, message: HttpMessage) -> Message | None:
    """The first thing wrong with a student client's request, or None."""
    line = message.start_line.decode("latin-1").rstrip("\r")[:120]
    if message.has(Code.HTTP_NOTHING_SENT):
        return msg(Code.HTTP_NO_REQUEST)
    if message.method is None:
        return msg(Code.HTTP_BAD_REQUEST_LINE, line=line)
    if message.method.upper() != step.method.upper():
        return msg(Code.HTTP_METHOD_MISMATCH, expected=step.method, received=message.method, line=line)
    if message.target != step.path:
        return msg(Code.HTTP_PATH_MISMATCH, expected=step.path, received=message.target, line=line)
    for name, want in step.headers.items():
        problem = _header_problem(
            message, name, want, Code.HTTP_REQUEST_HEADER_MISSING, Code.HTTP_REQUEST_HEADER_MISMATCH
        )
        if problem is not None:
            return problem
    return None


def unfinished_request(data: bytes) -> Message:
    """Why a student's request the step waited for never ended (called when the step timed out)."""
    if not data:
        return msg(Code.HTTP_NO_REQUEST)
    return msg(Code.HTTP_REQUEST_UNFINISHED, received=len(data))


__all__ = [
    "HttpExchange",
    "judge_request",
    "judge_response",
    "read_message",
    "read_response",
    "request_bytes",
    "response_bytes",
    "unfinished_response",
]

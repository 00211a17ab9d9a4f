"""Steps on a connection: accept, connect, send, expect, close; HTTP requests and responses; a browser."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveInt,
    model_validator,
)

from grader.messages import Invalid, either, msg
from grader.messages.codes import Code
from grader.spec.base import StrictModel
from grader.spec.payloads import EncodingNames, Generated, Payload
from grader.spec.step_base import NetStep, StepBase
from grader.text.encodings import choose
from grader.text.encodings import names as encoding_names


class Accept(NetStep):
    """Wait for the student's client to connect to the reference server."""

    action: Literal["accept"]
    title_code: ClassVar[Code] = Code.TITLE_ACCEPT


class Connect(NetStep):
    """Connect to the student's server, retrying while refused until the step's deadline.

    The connection that finally succeeds is the one the next steps use, so waiting for the
    server to listen costs no extra connection and no fixed sleep.
    """

    action: Literal["connect"]
    title_code: ClassVar[Code] = Code.TITLE_CONNECT


class WaitListening(NetStep):
    """Wait until the student's server listens, without connecting to it."""

    action: Literal["wait_listening"]
    title_code: ClassVar[Code] = Code.TITLE_WAIT_LISTENING


class Send(NetStep, Payload):
    """Send bytes, whole or in pieces with pauses (TCP is a byte stream)."""

    action: Literal["send"]
    title_code: ClassVar[Code] = Code.TITLE_SEND
    chunks: PositiveInt | list[PositiveInt] | None = None
    """Send in pieces: how many equal pieces, or a list of their sizes in bytes."""
    delay: NonNegativeFloat = 0.0
    """Seconds between pieces (TCP may deliver a message in parts; this makes it so)."""


class Expect(NetStep):
    """Read from the student and compare.

    Exactly one of: ``text``/``hex``/``generate`` (exact bytes), ``line`` (up to a newline),
    ``regex`` (a whole line matching), ``length`` (any N bytes), ``anything`` (at least one
    byte). ``until_eof`` reads everything until
    the student closes and compares all of it.
    """

    action: Literal["expect"]
    title_code: ClassVar[Code] = Code.TITLE_EXPECT
    text: str | None = None
    """Exactly these bytes, written as text (encoded with ``encoding``)."""
    hex: str | None = None
    """Exactly these bytes, in hexadecimal."""
    generate: Generated | None = None
    """Exactly the bytes these settings generate (e.g. the echo of a generated send)."""
    encoding: EncodingNames = "utf-8"
    """The encoding of ``text``, ``line`` and ``regex``; with several, text in any of them
    matches, and the outcome notes which one it was."""
    line: str | None = None
    """One line equal to this text, up to and including a newline (which is not written here)."""
    regex: str | None = None
    """One whole line matching this regular expression (Python syntax)."""
    length: PositiveInt | None = None
    """Any this many bytes."""
    anything: bool = False
    """At least one byte; takes whatever has arrived (for scenarios checking something else)."""
    until_eof: bool = False
    """Read until the student closes its side, then compare everything (alone: accept it all)."""

    @model_validator(mode="after")
    def _exactly_one_mode(self) -> Expect:
        modes = [
            n for n in ("text", "hex", "generate", "line", "regex", "length") if getattr(self, n) is not None
        ] + (["anything"] if self.anything else [])
        if len(modes) != 1 and not (self.until_eof and not modes):
            choices = either(["text", "hex", "generate", "line", "regex", "length", "anything"])
            raise Invalid(Code.GOT, text=msg(Code.ONE_OF_FIELDS, choices=choices), got=str(modes or "none"))
        if self.regex is not None:
            for name in encoding_names(self.encoding):
                re.compile(self.regex.encode(name))
        if self.hex is not None:
            bytes.fromhex(self.hex)
        return self

    def exact_bytes(self, encoding: str | None = None) -> bytes | None:
        if self.text is not None:
            return self.text.encode(encoding or choose(self.encoding))
        if self.hex is not None:
            return bytes.fromhex(self.hex)
        if self.generate is not None:
            return self.generate.render()
        return None


class ExpectEof(NetStep):
    """The student closes its side (FIN); bytes before it are reported as extra."""

    action: Literal["expect_eof"]
    title_code: ClassVar[Code] = Code.TITLE_EXPECT_EOF


class Shutdown(NetStep):
    """Half-close: the peer stops sending (FIN) but keeps reading."""

    action: Literal["shutdown"]
    title_code: ClassVar[Code] = Code.TITLE_SHUTDOWN


class Close(NetStep):
    """Close the connection: the student reads end of stream (FIN) after all that was sent."""

    action: Literal["close"]
    title_code: ClassVar[Code] = Code.TITLE_CLOSE


class Reset(NetStep):
    """Abort the connection with RST (SO_LINGER 0)."""

    action: Literal["reset"]
    title_code: ClassVar[Code] = Code.TITLE_RESET


class HeaderPattern(StrictModel):
    regex: str
    """A regular expression the header's value must match (e.g. ``.+``)."""

    @model_validator(mode="after")
    def _compiles(self) -> HeaderPattern:
        re.compile(self.regex)
        return self


class Request(NetStep):
    """One HTTP request on the connection ``conn``.

    Server assignments: the grader (as client) sends it; ``raw`` sends bytes as they are, for
    malformed requests. Client assignments: the student's program sends it, and ``method``,
    ``path`` and ``headers`` are what it must contain.
    """

    action: Literal["request"]
    title_code: ClassVar[Code] = Code.TITLE_REQUEST
    method: str = "GET"
    """The request method (``GET``, ``HEAD``, ...)."""
    path: str = "/"
    """The path asked for, e.g. ``/index.html``."""
    version: str = "HTTP/1.1"
    """The HTTP version on the request line."""
    headers: dict[str, str | HeaderPattern] = {}
    """Sent as given; for a student's request, what it must contain (``{regex: ...}``: any
    value matching, e.g. ``Host: {regex: .+}``)."""
    body: str | None = None
    """Text sent after the headers (with its Content-Length)."""
    raw: str | None = None
    """The whole request as it is sent, byte for byte, instead of the fields above."""
    encoding: EncodingNames = "utf-8"
    """How ``body`` and ``raw`` become bytes."""


class BodyCheck(StrictModel):
    """The body of a response: exactly one of text, regex, file (a fixture) or length."""

    text: str | None = None
    """The body exactly, as text."""
    regex: str | None = None
    """A regular expression the whole body matches."""
    file: str | None = None
    """A file of the assignment's ``files/`` folder; compared byte for byte."""
    length: Annotated[int, Field(ge=0)] | None = None
    """Any body of this many bytes."""
    encoding: EncodingNames = "utf-8"
    """Several: a text or regex body in any of them is accepted."""
    trim: bool = False
    """Compare text or file with white space at both ends removed (the textbook's web server
    sends a last "\\r\\n" after the file)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> BodyCheck:
        given = [n for n in ("text", "regex", "file", "length") if getattr(self, n) is not None]
        if len(given) != 1:
            choices = either(["text", "regex", "file", "length"])
            raise Invalid(Code.GOT, text=msg(Code.ONE_OF_FIELDS, choices=choices), got=str(given or "none"))
        if self.regex is not None:
            for name in encoding_names(self.encoding):
                re.compile(self.regex.encode(name), re.S)
        if self.file is not None and (self.file.startswith("/") or ".." in self.file.split("/")):
            raise Invalid(Code.FILE_OUTSIDE_FIXTURES)
        return self


class Response(NetStep):
    """One HTTP response on the connection ``conn``.

    Server assignments: the student's response, read byte-exactly and judged: ``status``
    (and ``reason``), ``headers`` (names case-insensitive; a value or ``{regex: ...}``),
    ``body``; ``framing`` says how the response must end (``any``: Content-Length, chunked
    or closing, whichever it uses), ``crlf`` whether bare ``\\n`` line ends are accepted.
    Client assignments: the reference server sends it (``body`` as text or file).
    """

    action: Literal["response"]
    title_code: ClassVar[Code] = Code.TITLE_RESPONSE
    status: Annotated[int, Field(ge=100, le=599)] | None = None
    """The status code, e.g. ``200`` or ``404``."""
    reason: str | None = None
    """The reason phrase after the status code, e.g. ``OK``."""
    headers: dict[str, str | HeaderPattern] = {}
    """Headers the response has (names case-insensitive; a value or ``{regex: ...}``)."""
    body: BodyCheck | None = None
    """What the body must be (or, sent by the reference server, what it is)."""
    framing: Literal["any", "content-length", "close"] = "any"
    """How the response must end: ``any`` (Content-Length, chunked or closing), ``content-length``
    or ``close``."""
    crlf: Literal["strict", "lenient"] = "lenient"
    """``strict``: lines must end with ``\\r\\n``; ``lenient`` accepts a bare ``\\n``."""


class BrowserVisit(StepBase):
    """A real browser (headless Chromium) opens ``path`` on the student's server.

    Server assignments only. Checks what the browser made of the page: ``content_type`` (the
    document's type as the browser understood it, e.g. ``text/html``: a page sent as
    ``text/plain`` shows as its source) and ``text`` (the inner text of ``selector`` must
    contain it). Needs Chromium where grading runs; without it the scenario is not gradable.
    """

    action: Literal["browser"]
    title_code: ClassVar[Code] = Code.TITLE_BROWSER
    path: str = "/"
    """The page the browser opens on the student's server."""
    selector: str = "body"
    """A CSS selector: the element whose inner text ``text`` is looked for in."""
    text: str | None = None
    """Text the element must contain, as the browser shows it."""
    content_type: str | None = None
    """The document's type as the browser understood it, e.g. ``text/html``."""

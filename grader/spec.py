"""Assignment specs: pydantic models of what a student's program must do.

A spec is an ordered list of scenarios; each scenario is a dialogue of steps on two channels,
the network (the reference peer) and the terminal (the student's process). Steps are written in
YAML as one-key mappings (``- send: {text: "hi"}``), which read like a script for teachers; a
``before`` validator turns that key into the ``action`` discriminator pydantic needs.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    model_validator,
)

from grader.encodings import Encodings, check_names, choose
from grader.encodings import names as encoding_names
from grader.messages import Code, Message, msg, own_words

Lang = Literal["en", "zh"]
LocalText = str | dict[Lang, str]
Visibility = Literal["visible", "after_due_date", "after_published", "hidden"]


def localize(text: LocalText | None, lang: str = "en") -> str:
    """Pick the text for ``lang``, falling back to English, then to any language given."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get("en") or next(iter(text.values()), "")  # type: ignore[call-overload]


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in a spec must not silently drop a check."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- payloads


class Generated(StrictModel):
    """Deterministic pseudo-random bytes, so large payloads need not live in the spec."""

    size: PositiveInt
    seed: int = 0
    alphabet: Literal["bytes", "text"] = "bytes"

    def render(self) -> bytes:
        if self.alphabet == "text":
            return _text_bytes(self.seed, self.size)
        return _random_bytes(self.seed, self.size)


@functools.lru_cache(maxsize=4)
def _random_bytes(seed: int, size: int) -> bytes:
    """Cached: a scenario renders its payload to send it and again to check the echo."""
    return random.Random(seed).randbytes(size)


TEXT_LETTERS = b"abcdefghijklmnopqrstuvwxyz0123456789\n"
_TEXT_TABLE = bytes(TEXT_LETTERS[b >> 2] if b >> 2 < len(TEXT_LETTERS) else 0 for b in range(256))
_TEXT_REJECT = bytes(b for b in range(256) if b >> 2 >= len(TEXT_LETTERS))


@functools.lru_cache(maxsize=4)
def _text_bytes(seed: int, size: int) -> bytes:
    """The bytes of ``rng.choice(TEXT_LETTERS)`` drawn ``size`` times, computed in C.

    Payloads of several MB must not stall the event loop (a Python loop takes 1.5 s for
    5 MiB). ``choice`` over 37 letters takes the top 6 bits of one 32-bit Mersenne Twister
    word and draws again when they are 37 or more; ``randbytes`` returns the same words in
    order, little-endian, so the top byte of each word shifted right by 2 is that draw, and
    ``translate`` maps accepted draws to letters and deletes rejected ones. The output is
    identical to the per-byte loop (a unit test compares them). Cached: a scenario usually
    renders the same payload twice (to send it, then to check what the program saved).
    """
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < size:
        # 37 of 64 draws are kept. Blocks of at most 1 MiB of words keep each C call short, so
        # a render in a worker thread lets the event loop run between blocks.
        words = rng.randbytes(4 * min(1 << 18, (size - len(out)) * 7 // 4 + 64))
        out += words[3::4].translate(_TEXT_TABLE, _TEXT_REJECT)
    return bytes(out[:size])


EncodingNames = Annotated[Encodings, AfterValidator(check_names)]
"""One encoding or several: text in any of them is accepted (grader.encodings)."""


class Payload(StrictModel):
    """Bytes given as text (encoded), as hex, or generated; exactly one of the three."""

    text: str | None = None
    hex: str | None = None
    generate: Generated | None = None
    encoding: EncodingNames = "utf-8"
    """With several, the grader writes in the one the program used so far (else the first)."""

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Payload:
        given = [name for name in ("text", "hex", "generate") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of text, hex or generate (got {given or 'none'})")
        if self.hex is not None:
            bytes.fromhex(self.hex)  # raises ValueError naming the bad digit
        return self

    def render(self, used: str | None = None) -> bytes:
        if self.text is not None:
            return self.text.encode(choose(self.encoding, used))
        if self.hex is not None:
            return bytes.fromhex(self.hex)
        assert self.generate is not None
        return self.generate.render()


# --------------------------------------------------------------------------- steps


class StepBase(StrictModel):
    """Fields every step shares: its own points, feedback, and a deadline."""

    description: LocalText | None = None
    hint: LocalText | None = None
    points: NonNegativeFloat = 0
    timeout: PositiveFloat | None = None
    title_code: ClassVar[Code]
    """What the step is called when the spec gives no ``description`` (each step class sets it)."""

    @property
    def title(self) -> Message:
        """The step's name in reports: the spec's own words, else the step kind's title."""
        return own_words(self.description) if self.description else msg(self.title_code)


class NetStep(StepBase):
    conn: str = "c1"


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
    delay: NonNegativeFloat = 0.0


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
    hex: str | None = None
    generate: Generated | None = None
    encoding: EncodingNames = "utf-8"
    """Several: text in any of them matches, and the outcome notes which one it was."""
    line: str | None = None
    regex: str | None = None
    length: PositiveInt | None = None
    anything: bool = False
    """At least one byte; takes whatever has arrived (for scenarios checking something else)."""
    until_eof: bool = False

    @model_validator(mode="after")
    def _exactly_one_mode(self) -> Expect:
        modes = [
            n for n in ("text", "hex", "generate", "line", "regex", "length") if getattr(self, n) is not None
        ] + (["anything"] if self.anything else [])
        if len(modes) != 1 and not (self.until_eof and not modes):
            raise ValueError(
                "give exactly one of text, hex, generate, line, regex, length or anything"
                f" (got {modes or 'none'})"
            )
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
    action: Literal["close"]
    title_code: ClassVar[Code] = Code.TITLE_CLOSE


class Reset(NetStep):
    """Abort the connection with RST (SO_LINGER 0)."""

    action: Literal["reset"]
    title_code: ClassVar[Code] = Code.TITLE_RESET


class Pause(StepBase):
    """A delay the scenario asks for (e.g. a slow client); never used to wait for events."""

    action: Literal["pause"]
    title_code: ClassVar[Code] = Code.TITLE_PAUSE
    seconds: PositiveFloat


class Parallel(StepBase):
    """Run ``copies`` clients at once, each through ``steps``; ``{i}`` in texts is the copy."""

    action: Literal["parallel"]
    title_code: ClassVar[Code] = Code.TITLE_PARALLEL
    copies: Annotated[int, Field(ge=1, le=64)]
    steps: list[Annotated[NetworkStep, Field(discriminator="action")]]


class Prompt(StepBase):
    """The program shows an ``input()`` prompt; prompts are not counted as its answer."""

    action: Literal["prompt"]
    title_code: ClassVar[Code] = Code.TITLE_PROMPT
    text: str | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _one_pattern(self) -> Prompt:
        if (self.text is None) == (self.regex is None):
            raise ValueError("give exactly one of text or regex")
        return self


class Output(StepBase):
    """The program prints something (searched from where the last terminal step stopped)."""

    action: Literal["output"]
    title_code: ClassVar[Code] = Code.TITLE_OUTPUT
    text: str | None = None
    regex: str | None = None
    line: str | None = None
    stream: Literal["stdout", "stderr", "either"] = "stdout"
    """``stderr`` or ``either``: looked for once the program has ended (a usage message may
    go to either: ``print(...)`` or ``sys.exit("usage: ...")``)."""

    @model_validator(mode="after")
    def _one_pattern(self) -> Output:
        if sum(x is not None for x in (self.text, self.regex, self.line)) != 1:
            raise ValueError("give exactly one of text, regex or line")
        if self.regex is not None:
            re.compile(self.regex)
        return self


class Type(StepBase):
    """Type a line into the program's stdin."""

    action: Literal["type"]
    title_code: ClassVar[Code] = Code.TITLE_TYPE
    text: str
    newline: bool = True


class CloseStdin(StepBase):
    action: Literal["close_stdin"]
    title_code: ClassVar[Code] = Code.TITLE_CLOSE_STDIN


class Exit(StepBase):
    """The program exits; ``code`` is a number, ``nonzero`` or ``any``."""

    action: Literal["exit"]
    title_code: ClassVar[Code] = Code.TITLE_EXIT
    code: int | Literal["nonzero", "any"] = 0
    stdin_open: bool = False
    """False: first close the program's input, so one blocked in ``input()`` gets EOF and can
    end. True: it must end by itself with its input still open (e.g. after typing ``/quit``)."""


class Stderr(StepBase):
    """Checks on what the program wrote to stderr (read once it has exited)."""

    action: Literal["stderr"]
    title_code: ClassVar[Code] = Code.TITLE_STDERR
    no_traceback: bool = False
    contains: str | None = None


class FileCheck(StepBase):
    """A file the program saved in its working folder has exactly these bytes."""

    action: Literal["file"]
    title_code: ClassVar[Code] = Code.TITLE_FILE
    path: str
    text: str | None = None
    hex: str | None = None
    generate: Generated | None = None
    encoding: str = "utf-8"
    absent: bool = False

    @model_validator(mode="after")
    def _safe_path(self) -> FileCheck:
        if self.path.startswith("/") or ".." in self.path.split("/"):
            raise ValueError("path must stay inside the submission's folder")
        if not self.absent and sum(x is not None for x in (self.text, self.hex, self.generate)) != 1:
            raise ValueError("give exactly one of text, hex or generate (or absent: true)")
        return self

    def expected_bytes(self) -> bytes | None:
        if self.absent:
            return None
        return Payload(text=self.text, hex=self.hex, generate=self.generate, encoding=self.encoding).render()


class HeaderPattern(StrictModel):
    regex: str

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
    path: str = "/"
    version: str = "HTTP/1.1"
    headers: dict[str, str | HeaderPattern] = {}
    """Sent as given; for a student's request, what it must contain (``{regex: ...}``: any
    value matching, e.g. ``Host: {regex: .+}``)."""
    body: str | None = None
    raw: str | None = None
    encoding: EncodingNames = "utf-8"


class BodyCheck(StrictModel):
    """The body of a response: exactly one of text, regex, file (a fixture) or length."""

    text: str | None = None
    regex: str | None = None
    file: str | None = None
    """A file of the assignment's ``files/`` folder; compared byte for byte."""
    length: Annotated[int, Field(ge=0)] | None = None
    encoding: EncodingNames = "utf-8"
    """Several: a text or regex body in any of them is accepted."""
    trim: bool = False
    """Compare text or file with white space at both ends removed (the textbook's web server
    sends a last "\\r\\n" after the file)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> BodyCheck:
        given = [n for n in ("text", "regex", "file", "length") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of text, regex, file or length (got {given or 'none'})")
        if self.regex is not None:
            for name in encoding_names(self.encoding):
                re.compile(self.regex.encode(name), re.S)
        if self.file is not None and (self.file.startswith("/") or ".." in self.file.split("/")):
            raise ValueError("file must name a file inside the assignment's files/ folder")
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
    reason: str | None = None
    headers: dict[str, str | HeaderPattern] = {}
    body: BodyCheck | None = None
    framing: Literal["any", "content-length", "close"] = "any"
    crlf: Literal["strict", "lenient"] = "lenient"


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
    selector: str = "body"
    text: str | None = None
    content_type: str | None = None


NetworkStep = (
    Accept
    | Connect
    | WaitListening
    | Send
    | Expect
    | ExpectEof
    | Shutdown
    | Close
    | Reset
    | Pause
    | Request
    | Response
    | BrowserVisit
)
TerminalStep = Prompt | Output | Type | CloseStdin | Exit | Stderr | FileCheck
AnyStepModel = NetworkStep | Parallel | TerminalStep
AnyStep = Annotated[AnyStepModel, Field(discriminator="action")]

STEP_CLASSES: tuple[type[StepBase], ...] = (*get_args(NetworkStep), Parallel, *get_args(TerminalStep))
"""Every step kind, from the unions above: the one list of steps (YAML keys, runner, titles)."""


def _action_of(cls: type[StepBase]) -> str:
    (action,) = get_args(cls.model_fields["action"].annotation)
    return str(action)


STEP_ACTIONS: tuple[str, ...] = tuple(_action_of(c) for c in STEP_CLASSES)
TERMINAL_ACTIONS = frozenset(_action_of(c) for c in get_args(TerminalStep))


SHORTHAND = {
    "pause": "seconds",
    "type": "text",
    "prompt": "text",
    "output": "text",
    "exit": "code",
    "parallel": "copies",
}
"""``- pause: 0.5`` and ``- type: "hello"``: the one field a scalar body stands for."""


def _step_from_yaml(value: Any) -> Any:
    """``{send: {text: hi}}`` -> ``{action: send, text: hi}``; ``close`` -> ``{action: close}``."""
    if isinstance(value, str):
        return {"action": value}  # an unknown name is then reported as an unknown step
    if isinstance(value, dict) and "action" not in value:
        keys = [k for k in value if k in STEP_ACTIONS]
        if len(keys) == 1:
            key = keys[0]
            body = value[key]
            if body is None:
                body = {}
            if not isinstance(body, dict):
                if key not in SHORTHAND:
                    return value
                body = {SHORTHAND[key]: body}
            rest = {k: v for k, v in value.items() if k != key}
            return {"action": key, **body, **rest}
    return value


def _steps_from_yaml(value: Any) -> Any:
    if isinstance(value, list):
        return [_step_from_yaml(item) for item in value]
    return value


# --------------------------------------------------------------------------- scenarios


class Scenario(StrictModel):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    title: LocalText
    description: LocalText | None = None
    hint: LocalText | None = None
    points: NonNegativeFloat = 0
    depends_on: list[str] = []
    visibility: Visibility = "visible"
    timeout: PositiveFloat | None = None
    server_running: bool = True
    """Client assignments only: whether the reference server listens at all."""
    args: list[str] | None = None
    """Overrides the assignment's argument template for this scenario."""
    port_in_time_wait: bool = False
    """Server assignments, namespace mode: the port was just used (a connection in TIME_WAIT),
    as when a server is restarted at once; ``bind()`` then needs ``SO_REUSEADDR``."""
    steps: list[AnyStep]

    @model_validator(mode="before")
    @classmethod
    def _yaml_steps(cls, data: Any) -> Any:
        if isinstance(data, dict) and "steps" in data:
            data = {**data, "steps": _steps_from_yaml(data["steps"])}
            data["steps"] = [
                {**s, "steps": _steps_from_yaml(s["steps"])}
                if isinstance(s, dict) and s.get("action") == "parallel" and "steps" in s
                else s
                for s in data["steps"]
            ]
        return data

    @property
    def max_score(self) -> float:
        return self.points + sum(step.points for step in self.steps)


class Limits(StrictModel):
    """Resource limits for one run of the student's program; defaults suit course exercises."""

    cpu_seconds: PositiveFloat = 10
    memory_mb: PositiveInt = 512
    processes: PositiveInt = 64
    file_size_mb: PositiveInt = 64
    open_files: PositiveInt = 256
    output_bytes: PositiveInt = 1 << 20


class Timeouts(StrictModel):
    step: PositiveFloat = 5.0
    scenario: PositiveFloat = 30.0


class StudentProgram(StrictModel):
    entry: Annotated[str, Field(pattern=r"^[^/\\]+\.py$")]
    """The file students hand in, e.g. ``client.py``."""
    args: list[str] = []
    """Argument template: ``{host}`` and ``{port}`` are filled in by the grader."""
    aliases: list[str] = []
    """Other names the entry file may have in a submission folder."""


class Network(StrictModel):
    host: Literal["127.0.0.1", "localhost", "::1", "any"] = "127.0.0.1"
    """``any``: every IPv4 address is local in the scenario's namespace (namespace mode only),
    so a client may dial its teacher's ``192.168.1.102`` and a server may bind its own address."""
    port: Annotated[int, Field(ge=1, le=65535)] | Literal["any"] | None = None
    """A fixed port the student's program hard-codes (as tutorials teach); null: grader's choice;
    ``any``: whatever port the program listens on or dials (namespace mode only)."""


class Assignment(StrictModel):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    title: LocalText
    description: LocalText | None = None
    role: Literal["client", "server"]
    """What the student writes: a client (the grader is its server) or a server."""
    student: StudentProgram
    network: Network = Network()
    limits: Limits = Limits()
    timeouts: Timeouts = Timeouts()
    scenarios: Annotated[list[Scenario], Field(min_length=1)]
    _fixtures: dict[str, bytes] = PrivateAttr(default_factory=dict)

    @property
    def fixtures(self) -> dict[str, bytes]:
        """The files of the assignment's ``files/`` folder (set when the spec is loaded)."""
        return self._fixtures

    def _body_files(self) -> list[tuple[int, int, str]]:
        """(scenario, step, file) of every response body given as a fixture file."""
        found = []
        for index, scenario in enumerate(self.scenarios):
            for step_index, step in enumerate(scenario.steps):
                for sub in [step, *getattr(step, "steps", [])]:
                    name = getattr(getattr(sub, "body", None), "file", None)
                    if name is not None:
                        found.append((index, step_index, name))
        return found

    def served_files(self) -> set[str]:
        """Fixture files a response body names: in a client assignment, what the reference server
        answers with (never copied next to the student's client, which must fetch them)."""
        return {name for _, _, name in self._body_files()}

    def with_fixtures(self, fixtures: dict[str, bytes]) -> Assignment:
        """This spec with its fixture files; a response body ``file`` must name one of them."""
        for index, step_index, name in self._body_files():
            if name not in fixtures:
                raise ValueError(
                    f"scenarios[{index}].steps[{step_index}].body.file: no file {name!r} in the "
                    "assignment's files/ folder"
                )
        self._fixtures = fixtures
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Assignment:
        seen: set[str] = set()
        for index, scenario in enumerate(self.scenarios):
            if scenario.id in seen:
                raise ValueError(f"scenarios[{index}].id: scenario id {scenario.id!r} is used twice")
            for dep in scenario.depends_on:
                if dep not in seen:
                    raise ValueError(
                        f"scenarios[{index}].depends_on: scenario {scenario.id!r} depends on {dep!r}, "
                        "which is not an earlier scenario"
                    )
            seen.add(scenario.id)
            if scenario.port_in_time_wait and self.role != "server":
                raise ValueError(
                    f"scenarios[{index}].port_in_time_wait: only a server assignment binds a port"
                )
            for step_index, step in enumerate(scenario.steps):
                actions = [step.action] + [s.action for s in getattr(step, "steps", [])]
                wrong = next(
                    (
                        a
                        for a in actions
                        if (self.role == "client" and a in ("connect", "wait_listening", "browser"))
                        or (self.role == "server" and a == "accept")
                    ),
                    None,
                )
                if wrong:
                    raise ValueError(
                        f"scenarios[{index}].steps[{step_index}]: step {wrong!r} does not fit a "
                        f"{self.role} assignment"
                        + (
                            " (the grader is the server: use accept)"
                            if self.role == "client"
                            else " (the grader is the client: use connect)"
                        )
                    )
        return self

    @property
    def max_score(self) -> float:
        return sum(s.max_score for s in self.scenarios)

    def scenario(self, scenario_id: str) -> Scenario:
        return next(s for s in self.scenarios if s.id == scenario_id)


Parallel.model_rebuild()
Scenario.model_rebuild()
Assignment.model_rebuild()


def spec_hash(assignment: Assignment) -> str:
    """A stable fingerprint of a spec and its fixture files, for skipping unchanged work and reports."""
    digest = hashlib.sha256(assignment.model_dump_json().encode())
    for name, data in sorted(assignment.fixtures.items()):
        digest.update(f"\0{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()[:16]


def json_schema() -> dict[str, Any]:
    """The JSON Schema editors use to check ``assignment.yaml`` as it is typed."""
    schema = Assignment.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Socket grader assignment spec"
    return schema

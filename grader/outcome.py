"""Outcomes: the facts a run collects, and nothing else.

A run records what happened (bytes on the wire, what the terminal showed, how the process
ended, how long each step waited) and whether each step's expectation was met. It assigns no
points and writes no feedback: that is the judge's job, done from these facts alone, so the
judge can be tested from hand-built Outcomes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from grader.messages import Message, msg
from grader.messages.codes import Code

Direction = Literal["to_student", "from_student"]
ConnectionEnd = Literal["fin", "rst", "open", "closed_by_peer", "refused", "never_opened"]
Stream = Literal["stdout", "stderr", "stdin", "prompt"]
StepStatus = Literal["ok", "failed", "timeout", "not_reached"]
IsolationMode = Literal["namespace", "host", "portable"]
COMPILE_ERRORS = (b"SyntaxError", b"IndentationError", b"TabError")
"""What Python says, with no traceback, of a program it cannot compile."""


class Fact(BaseModel):
    """Bytes travel as base64 in JSON so that transcripts survive any content exactly."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


class WireEvent(Fact):
    """One chunk as it was read or written by the reference peer, with its time."""

    t: float
    conn: str
    direction: Direction
    data: bytes
    size: int | None = None
    """Set when ``data`` was left out (the transcript cap was reached): the chunk's real size."""


class ConnectionRecord(Fact):
    conn: str
    opened_at: float | None = None
    student_closed: ConnectionEnd = "open"
    """How the student's side ended: ``fin`` (orderly close), ``rst`` (reset), ``open``."""
    peer_closed: ConnectionEnd = "open"
    """How the reference peer's side ended, as the scenario asked."""
    closed_at: float | None = None


class TerminalEvent(Fact):
    t: float
    stream: Stream
    data: bytes = b""
    at: int | None = None
    """Stored results keep output once: an stdout/stderr event then holds no ``data`` but its
    offset in :attr:`Outcome.stdout` (or ``stderr``) and its ``size`` (see :mod:`grader.results.bounded`)."""
    size: int | None = None


class Cut(Fact):
    """Bytes a stored result left out to stay within its size limit, said where and how many."""

    where: Message
    """Which bytes: ``cut_stdout``, ``cut_sent {conn}``, ``cut_file {path}``, ..."""
    size: int
    """How many bytes there were (as the program wrote them, before any cut)."""
    kept: int
    from_end: bool = True
    """True: the first ``kept`` bytes were kept (the end was cut); False: the last ones."""

    def message(self) -> Message:
        code = Code.CUT_KEPT_START if self.from_end else Code.CUT_KEPT_END
        return msg(code, where=self.where, size=self.size, kept=self.kept, dropped=self.size - self.kept)


class HttpExchange(Fact):
    """One HTTP request and response as they went over the wire, for the report."""

    request: bytes | None = None
    response_head: bytes | None = None
    """Status line and headers as received, blank line included."""
    body: bytes | None = None
    """The body as received (the first ``HTTP_BODY_KEPT`` bytes of it)."""
    body_size: int | None = None
    framing: str | None = None
    fixture: str | None = None
    """The fixture file the body was compared with."""
    fixture_body: bytes | None = None
    """Its first ``HTTP_BODY_KEPT`` bytes, shown beside the body received."""


class StepOutcome(Fact):
    """What one step waited for, what it saw, and whether the expectation was met."""

    index: int
    action: str
    conn: str | None = None
    status: StepStatus = "not_reached"
    started: float | None = None
    ended: float | None = None
    expected: bytes | None = None
    """The bytes or text the step looked for, when it looked for something definite."""
    pattern: str | None = None
    """A regex, a length or a description, when the expectation is not one fixed string."""
    observed: bytes | None = None
    """What arrived during the step (or everything unread, on failure)."""
    reason: Message | None = None
    """What the run saw, as a code and its arguments (``connection_refused {n: 3}``,
    ``exit_code {code: 1}``, ``listens_on_wrong_port {expected, listening}``: a connect step
    ends with it at once, as soon as the server is seen listening elsewhere); several facts
    together are one ``facts`` message."""
    first_difference: int | None = None
    """Offset of the first byte where ``observed`` differs from ``expected`` (whole payloads)."""
    window_start: int = 0
    """``expected``/``observed`` hold a window of large payloads, starting at this offset."""
    expected_size: int | None = None
    observed_size: int | None = None
    waited: float | None = None
    children: list[StepOutcome] = []
    """For ``parallel``: one outcome per copy (its first failing or its last step)."""
    encoding: str | None = None
    """The encoding the program's text was in, where the step accepted several and they differ."""
    http: HttpExchange | None = None


class GraderProblem(Exception):
    """The grader (not the student) cannot run the scenario; ``reason`` says how, as a code.

    Raised where set-up fails (the peer cannot listen, ``any`` asked of the host network, no
    browser); the run records it as :attr:`Outcome.grader_error`: not gradable, not a zero.
    """

    def __init__(self, reason: Message) -> None:
        super().__init__(str(reason))
        self.reason = reason


class ProcessEnd(Fact):
    exit_code: int | None = None
    signal: int | None = None
    killed_by_grader: (
        Literal[
            Code.STOP_OUTPUT_LIMIT, Code.STOP_SCENARIO_OVER, Code.STOP_SCENARIO_TIMEOUT, Code.STOP_DISK_LIMIT
        ]
        | None
    ) = None
    """Why the grader ended it, if it did (the values are ``output limit``, ``scenario over``, ...)."""
    cpu_seconds: float | None = None
    limit: str | None = None
    """The resource limit the program ran into, when the sandbox can tell: ``memory``,
    ``processes``, ``cpu time``, ``file size``, ``disk``, ``open files``."""
    started: bool = True
    start_error: str | None = None


class Containment(Fact):
    """How the runs of one grading were contained, as flags (``grader.render.words`` says them).

    Facts of the machine the grader found (:func:`grader.sandbox.host.choose_mode`), not words: a
    result graded in English states them in Chinese too.
    """

    host_requested: bool = False
    """``--isolation host``: the host's loopback, as asked."""
    no_namespaces: Message | None = None
    """Why the host's loopback was used although not asked for (``ns_refused {error}``)."""
    pid_namespaces: bool = False
    user_namespace: bool = False
    """Namespaces without root: the grader entered a private user namespace first."""
    landlock_abi: int = 0
    uid_per_run: bool = False
    ipc_namespace: bool = False
    private_scratch: bool = False
    """A size-limited tmpfs over each scratch folder (else the disk watchdog)."""
    private_proc: bool = False
    no_private_mounts: Message | None = None
    """Why no tmpfs could be mounted (the disk watchdog guards the scratch folder instead)."""
    one_at_a_time: bool = False
    """Scenarios ran one after another (a platform's container, on its own loopback)."""
    portable: Message | None = None
    """Portable mode (:mod:`grader.run.portable`), and why: asked for, or the Linux parts missing."""


class Outcome(Fact):
    """Everything observed while one scenario ran."""

    scenario: str
    isolation: IsolationMode
    host: str
    port: int
    argv: list[str] = []
    steps: list[StepOutcome] = []
    wire: list[WireEvent] = []
    connections: list[ConnectionRecord] = []
    terminal: list[TerminalEvent] = []
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    process: ProcessEnd = ProcessEnd()
    prompt_spans: list[tuple[int, int]] = []
    """Byte ranges of stdout that were ``input()`` prompts, not the program's answer."""
    files: dict[str, bytes | None] = {}
    """Files the scenario checked, as found after the run (``None``: missing)."""
    stdout_size: int | None = None
    """How many bytes the program wrote to stdout (``stdout`` holds at most the output limit)."""
    stderr_size: int | None = None
    cuts: list[Cut] = []
    """What the stored result left out (:mod:`grader.results.bounded`); empty: everything is here."""
    fixtures: list[str] = []
    """Files of the assignment's ``files/`` folder copied next to the program."""
    names_looked_up: list[str] = []
    """Host names the program resolved (``host: any``: each one answered with the grader's address)."""
    address_used: str | None = None
    """``host:port`` the program listened on or dialled, when the spec let it choose (``any``)."""
    duration: float = 0.0
    grader_error: Message | None = None
    """A failure of the grader itself (e.g. the peer could not bind): not the student's fault."""

    def has(self, code: Code) -> bool:
        """Whether any step's reason is (or includes) ``code``."""
        return any(step_has(s, code) for s in self.steps)

    @property
    def never_ran(self) -> bool:
        """Nothing of the student's code ran: it could not be started, or Python refused to
        compile it (a ``SyntaxError`` with no traceback before it: no line of it was run).

        Such a program passes no scenario, not even one that only asks it to fail (exit
        non-zero with no traceback, as a client with no server to reach should)."""
        if not self.process.started:
            return True
        if b"Traceback (most recent call last)" in self.stderr or self.process.exit_code != 1:
            return False
        lines = self.stderr.strip().splitlines()
        return bool(lines) and lines[-1].startswith(COMPILE_ERRORS)

    @property
    def bind_failed(self) -> bool:
        """The program's ``bind()`` failed because the address was in use (EADDRINUSE)."""
        return b"Address already in use" in self.stderr or b"[Errno 98]" in self.stderr

    def terminal_bytes(self, event: TerminalEvent) -> bytes:
        """An event's bytes, whether it holds them or points into ``stdout``/``stderr``."""
        if event.at is None:
            return event.data
        stream = self.stdout if event.stream == "stdout" else self.stderr
        # ``at`` is below 0 where a cut dropped the start of stderr (it keeps the end)
        return stream[max(0, event.at) : max(0, event.at + (event.size or 0))]

    def sent_chunks(self, conn: str | None = None) -> list[WireEvent]:
        return [e for e in self.wire if e.direction == "to_student" and (conn is None or e.conn == conn)]

    def received(self, conn: str | None = None) -> bytes:
        return b"".join(
            e.data for e in self.wire if e.direction == "from_student" and (conn is None or e.conn == conn)
        )

    def encodings_used(self) -> list[str]:
        """The text encodings the program was seen to use, where a step accepted several."""
        found: list[str] = []
        for out in self.steps:
            for seen in (out, *out.children):
                if seen.encoding and seen.encoding not in found:
                    found.append(seen.encoding)
        return found


def reason_codes(reason: Message | None) -> list[Code]:
    """The codes of a reason, with those of the facts it joins."""
    if reason is None:
        return []
    if reason.code is Code.FACTS:
        parts = reason.args["facts"]
        return [c for part in parts if isinstance(part, Message) for c in reason_codes(part)]  # type: ignore[union-attr]
    return [reason.code]


def step_has(out: StepOutcome, code: Code) -> bool:
    """Whether the step's reason is (or includes) ``code``: how the judge reads a reason."""
    return code in reason_codes(out.reason)

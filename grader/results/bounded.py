"""One size limit for everything a submission's result keeps, with every cut said.

A run keeps up to the output limit of each stream and a transcript per connection, so a
program that floods stdout would leave a megabyte in every scenario, and the same bytes again
in the terminal transcript. Before a result is stored this module:

* keeps output once: a terminal event of stdout or stderr points into ``Outcome.stdout``
  (or ``stderr``) instead of holding a copy;
* shares one budget (``limits.result_bytes``, counted as stored: base64) among every large
  piece of every scenario: stdout, stderr, each connection's bytes each way, checked files.
  Small pieces are kept whole and what they leave is shared by the large ones (max-min
  fairness), so one flooding scenario cannot crowd out another's transcript;
* records each cut in ``Outcome.cuts``: which bytes, how many there were, how many were kept,
  and which end was dropped (stderr keeps its end, where the traceback is; the rest keep
  their beginning). A cut made earlier by the output limit is said the same way.

The judge has already decided by then: a cut only changes what a report can show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from grader.messages import Message, msg
from grader.messages.codes import Code
from grader.outcome import Cut, Outcome, WireEvent
from grader.results.models import ScenarioResult


def stored_size(n: int) -> int:
    """Bytes that ``n`` bytes take in a result file (base64)."""
    return 4 * ((n + 2) // 3)


@dataclass
class Piece:
    """One stretch of bytes a result holds, and how to cut it down to ``n`` bytes."""

    outcome: Outcome
    where: Message
    size: int
    """As the program wrote it."""
    held: int
    """As the result holds it now (the output limit may have cut it already)."""
    from_end: bool
    cut_to: Callable[[int], None]


def bound_scenarios(scenarios: Iterable[ScenarioResult], budget: int) -> None:
    """Keep output once and cut the scenarios' transcripts to ``budget`` stored bytes in all."""
    pieces: list[Piece] = []
    for scenario in scenarios:
        if scenario.outcome is not None:
            share_terminal_output(scenario.outcome)
            pieces += pieces_of(scenario.outcome)
    allowed = fair_shares([stored_size(p.held) for p in pieces], budget)
    for piece, stored in zip(pieces, allowed, strict=True):
        keep = min(piece.held, stored // 4 * 3)
        if keep < piece.held:
            piece.cut_to(keep)
        if keep < piece.size:
            cut = Cut(where=piece.where, size=piece.size, kept=keep, from_end=piece.from_end)
            piece.outcome.cuts.append(cut)


def fair_shares(sizes: list[int], budget: int) -> list[int]:
    """Max-min fair shares of ``budget``: sizes that fit an equal share are kept whole."""
    shares = [0] * len(sizes)
    left, todo = budget, sorted(range(len(sizes)), key=lambda i: sizes[i])
    while todo:
        equal = left // len(todo)
        i = todo[0]
        if sizes[i] > equal:
            for j in todo:
                shares[j] = equal
            return shares
        shares[i] = sizes[i]
        left -= sizes[i]
        todo.pop(0)
    return shares


def share_terminal_output(outcome: Outcome) -> None:
    """Point stdout/stderr events into the stream they came from instead of copying it."""
    offset = {"stdout": 0, "stderr": 0}
    for event in outcome.terminal:
        if event.stream in offset and event.at is None:
            event.at, event.size = offset[event.stream], len(event.data)
            offset[event.stream] += len(event.data)
            event.data = b""


def pieces_of(outcome: Outcome) -> list[Piece]:
    pieces = [
        Piece(
            outcome,
            msg(Code.CUT_STDOUT),
            max(outcome.stdout_size or 0, len(outcome.stdout)),
            len(outcome.stdout),
            True,
            lambda n: _cut_stdout(outcome, n),
        ),
        Piece(
            outcome,
            msg(Code.CUT_STDERR),
            max(outcome.stderr_size or 0, len(outcome.stderr)),
            len(outcome.stderr),
            False,
            lambda n: _cut_stderr(outcome, n),
        ),
    ]
    streams: dict[tuple[str, str], list[WireEvent]] = {}
    for event in outcome.wire:
        streams.setdefault((event.conn, event.direction), []).append(event)
    for (conn, direction), events in streams.items():
        code = Code.CUT_SENT if direction == "from_student" else Code.CUT_RECEIVED
        pieces.append(
            Piece(
                outcome,
                msg(code, conn=conn),
                sum(e.size if e.size is not None else len(e.data) for e in events),
                sum(len(e.data) for e in events),
                True,
                lambda n, events=events: _cut_wire(events, n),  # type: ignore[misc]
            )
        )
    for path, data in outcome.files.items():
        if data:
            pieces.append(
                Piece(
                    outcome,
                    msg(Code.CUT_FILE, path=path),
                    len(data),
                    len(data),
                    True,
                    lambda n, path=path: _cut_file(outcome, path, n),  # type: ignore[misc]
                )
            )
    return pieces


def _cut_stdout(outcome: Outcome, n: int) -> None:
    outcome.stdout = outcome.stdout[:n]


def _cut_stderr(outcome: Outcome, n: int) -> None:
    dropped = len(outcome.stderr) - n
    outcome.stderr = outcome.stderr[dropped:]
    for event in outcome.terminal:
        if event.stream == "stderr" and event.at is not None:
            event.at -= dropped  # below 0: the event's start (or all of it) was cut


def _cut_wire(events: list[WireEvent], n: int) -> None:
    for event in events:
        if len(event.data) > n:
            if event.size is None:
                event.size = len(event.data)
            event.data = event.data[:n]
        n -= len(event.data)


def _cut_file(outcome: Outcome, path: str, n: int) -> None:
    data = outcome.files[path]
    outcome.files[path] = None if data is None else data[:n]

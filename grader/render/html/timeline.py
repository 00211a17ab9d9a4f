"""The conversation of one scenario as one timeline: terminal and network, in time order.

What the student's terminal showed, what was typed into it, every chunk each side sent on
the wire (not merged: how TCP split the bytes is often the lesson), when connections opened
and how each ended, and how the process ended. The display is bounded: at most
``MAX_ROWS`` rows and ``BYTE_BUDGET`` bytes of shown data per scenario, with a note of what
was left out, so a runaway transcript cannot make a report huge.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from markupsafe import Markup

from grader.i18n import gettext_for
from grader.outcome import ConnectionRecord, Outcome
from grader.render.html.visible import hexdump, looks_binary, visible_html
from grader.text.show import encoding_label, text_encoding

MAX_ROWS = 400
BYTE_BUDGET = 64 * 1024
ROW_TEXT_LIMIT = 4096
ROW_HEX_LIMIT = 128


@dataclass
class Row:
    t: float
    kind: str
    """CSS class and icon choice: ``net-out``, ``net-in``, ``stdout``, ``stderr``, ``typed``,
    ``prompt``, ``conn``, ``process``, ``failure``."""
    who: str
    what: str
    size: int | None = None
    text: Markup | None = None
    hex: str | None = None
    note: str = ""
    binary: bool = False
    """Mostly not text: shown as hex only, which says more and costs less."""
    encoding: str | None = None
    """The encoding the text is in, named when it is not UTF-8 (``GBK``)."""
    data: bytes | None = field(default=None, repr=False)
    """The bytes behind ``text``; dropped once shown."""


@dataclass
class Timeline:
    rows: list[Row] = field(default_factory=list)
    omitted_rows: int = 0
    omitted_bytes: int = 0
    bytes_total: int = 0

    @property
    def long(self) -> bool:
        return len(self.rows) > 40 or self.bytes_total > 4096


def build_timeline(
    outcome: Outcome,
    lang: str,
    *,
    role: str = "client",
    failed_step: int | None = None,
    failure_text: str = "",
) -> Timeline:
    """Every fact of the run as one list of rows in time order, bounded for display."""
    rows = _rows(outcome, lang, role, failed_step, failure_text)
    rows.sort(key=lambda r: (r.t, r.kind == "process"))  # stable: ties keep the order above
    return _bounded(rows, lang, outcome.encodings_used())


def _rows(outcome: Outcome, lang: str, role: str, failed_step: int | None, failure_text: str) -> list[Row]:
    _ = gettext_for(lang)
    peer = _("reference server") if role == "client" else _("reference client")
    rows: list[Row] = []
    for e in outcome.wire:
        who = _("your program → {peer}") if e.direction == "from_student" else _("{peer} → your program")
        rows.append(
            Row(
                t=e.t,
                kind="net-out" if e.direction == "from_student" else "net-in",
                who=who.format(peer=peer),
                what=_("sent on connection {conn}").format(conn=e.conn),
                size=e.size if e.size is not None else len(e.data),
                data=e.data,
            )
        )
    labels = {
        "stdout": _("your program printed"),
        "stderr": _("your program wrote to stderr"),
        "stdin": _("typed into your program"),
        "prompt": _("your program asked for input"),
    }
    for t, stream, data, size in _merge_terminal(outcome):
        rows.append(
            Row(
                t=t,
                kind={"stdin": "typed"}.get(stream, stream),
                who=_("terminal"),
                what=labels.get(stream, stream),
                size=size,
                data=data,
            )
        )
    for c in outcome.connections:
        if c.opened_at is not None:
            rows.append(
                Row(
                    t=c.opened_at,
                    kind="conn",
                    who=_("network"),
                    what=_("connection {conn} opened").format(conn=c.conn),
                )
            )
        end_t = c.closed_at if c.closed_at is not None else outcome.duration
        rows.append(Row(t=end_t, kind="conn", who=_("network"), what=connection_end(c, lang, peer)))
    failed = next((s for s in outcome.steps if s.index == failed_step), None)
    if failed is not None and failed.ended is not None:
        rows.append(
            Row(
                t=failed.ended,
                kind="failure",
                who=_("grader"),
                what=_("step {n} failed here").format(n=failed.index + 1),
                note=failure_text,
            )
        )
    rows.append(
        Row(t=outcome.duration, kind="process", who=_("your program"), what=process_end(outcome, lang))
    )
    return rows


def _bounded(rows: list[Row], lang: str, declared: list[str] | None = None) -> Timeline:
    """At most ``MAX_ROWS`` rows and ``BYTE_BUDGET`` bytes shown, half each for the network and
    the terminal, so that a flood on one side does not hide the other."""
    _ = gettext_for(lang)
    timeline = Timeline(bytes_total=sum(len(r.data) for r in rows if r.data))
    budgets = {"network": BYTE_BUDGET // 2, "terminal": BYTE_BUDGET // 2}
    for row in rows:
        data, row.data = row.data or b"", None
        if len(timeline.rows) >= MAX_ROWS and row.kind not in ("process", "failure"):
            timeline.omitted_rows += 1
            timeline.omitted_bytes += len(data)
            continue
        channel = "network" if row.kind.startswith("net") else "terminal"
        encoding = text_encoding(data, declared or ())
        if data and budgets[channel] <= 0:
            row.note = _("not shown: the report shows at most {kib} KiB of data per scenario").format(
                kib=BYTE_BUDGET // 1024
            )
            timeline.omitted_bytes += len(data)
        elif data and looks_binary(data, encoding=encoding):
            row.binary = True
            row.hex = hexdump(data, ROW_HEX_LIMIT)
            budgets[channel] -= 8 * min(len(data), ROW_HEX_LIMIT)  # a hex dump costs ~6 characters a byte
            if len(data) > ROW_HEX_LIMIT:
                timeline.omitted_bytes += len(data) - ROW_HEX_LIMIT
        elif data:
            take = min(len(data), ROW_TEXT_LIMIT, budgets[channel])
            budgets[channel] -= take
            row.text = visible_html(data[:take], line_breaks=True, encoding=encoding)
            row.encoding = encoding_label(encoding) if encoding != "utf-8" else None
            row.hex = hexdump(data, ROW_HEX_LIMIT)
            if take < len(data):
                row.note = _("first {shown} of {size} bytes shown").format(shown=take, size=len(data))
                timeline.omitted_bytes += len(data) - take
        if row.size is not None and row.size > len(data):
            row.note = (
                _("{size} bytes; the grader kept only the first {kept}").format(size=row.size, kept=len(data))
                if data
                else _("not recorded: the grader's transcript had reached its limit")
            )
        timeline.rows.append(row)
    return timeline


def _merge_terminal(outcome: Outcome) -> list[tuple[float, str, bytes, int]]:
    """Adjacent chunks of one output stream become one row (a print may arrive in pieces),
    unless something happened on the wire in between. Each row: time, stream, the bytes the
    result holds, and how many there were (more, where the result was cut)."""
    wire_times = sorted(e.t for e in outcome.wire)
    merged: list[tuple[float, str, list[bytes], list[int]]] = []
    last_t = 0.0
    for ev in outcome.terminal:
        data = outcome.terminal_bytes(ev)
        size = ev.size if ev.size is not None else len(data)
        if (
            merged
            and merged[-1][1] == ev.stream
            and ev.stream in ("stdout", "stderr")
            and bisect.bisect_right(wire_times, ev.t) == bisect.bisect_right(wire_times, last_t)
        ):
            merged[-1][2].append(data)
            merged[-1][3].append(size)
        else:
            merged.append((ev.t, ev.stream, [data], [size]))
        last_t = ev.t
    return [(t, stream, b"".join(parts), sum(sizes)) for t, stream, parts, sizes in merged]


def end_label(how: str, lang: str) -> str:
    _ = gettext_for(lang)
    return {
        "fin": _("closed normally (FIN)"),
        "rst": _("reset (RST)"),
        "open": _("left open"),
        "closed_by_peer": _("closed by the other side"),
        "refused": _("refused"),
        "never_opened": _("never opened"),
    }.get(how, how)


def connection_end(c: ConnectionRecord, lang: str, peer: str) -> str:
    _ = gettext_for(lang)
    return _("connection {conn}: your program {student}; {peer} {other}").format(
        conn=c.conn,
        student=end_label(c.student_closed, lang),
        peer=peer,
        other=end_label(c.peer_closed, lang),
    )


def process_end(outcome: Outcome, lang: str) -> str:
    _ = gettext_for(lang)
    p = outcome.process
    if not p.started:
        return _("your program did not start: {error}").format(error=p.start_error or "?")
    if p.killed_by_grader:
        why = {
            "scenario over": _("the scenario was over"),
            "scenario timeout": _("the scenario ran out of time"),
            "output limit": _("it printed more than the output limit"),
            "disk limit": _("disk limit reached"),
        }.get(p.killed_by_grader, p.killed_by_grader)
        end = _("the grader stopped your program: {why}").format(why=why)
    elif p.signal:
        end = _("your program was killed by signal {signal}").format(signal=p.signal)
    elif p.exit_code is None:
        end = _("your program was still running")
    else:
        end = _("your program exited with code {code}").format(code=p.exit_code)
    if p.limit:  # set where the sandbox can tell which limit was hit
        name = {
            "memory": _("memory"),
            "processes": _("number of processes"),
            "cpu time": _("CPU time"),
            "file size": _("file size"),
            "disk": _("disk space"),
            "open files": _("open files"),
        }.get(p.limit, p.limit)
        end += _(" (it ran into the {limit} limit)").format(limit=name)
    return end

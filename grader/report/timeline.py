"""The conversation of one scenario as one timeline: terminal and network, in time order.

What the student's terminal showed, what was typed into it, every chunk each side sent on
the wire (not merged: how TCP split the bytes is often the lesson), when connections opened
and how each ended, and how the process ended. The display is bounded: at most
``MAX_ROWS`` rows and ``BYTE_BUDGET`` bytes of shown data per scenario, with a note of what
was left out, so a runaway transcript cannot make a report huge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from grader.i18n import gettext_for
from grader.outcome import ConnectionRecord, Outcome
from grader.report.visible import hexdump, visible_html

MAX_ROWS = 400
BYTE_BUDGET = 64 * 1024
ROW_TEXT_LIMIT = 4096
ROW_HEX_LIMIT = 256


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
    order: int = 0


@dataclass
class Timeline:
    rows: list[Row] = field(default_factory=list)
    omitted_rows: int = 0
    omitted_bytes: int = 0
    bytes_total: int = 0

    @property
    def long(self) -> bool:
        return len(self.rows) > 40 or self.bytes_total > 4096


def build_timeline(outcome: Outcome, lang: str, *, role: str = "client",
                   failed_step: int | None = None, failure_text: str = "") -> Timeline:
    _ = gettext_for(lang)
    peer = _("reference server") if role == "client" else _("reference client")
    rows: list[Row] = []

    _pending: list[tuple[Row, bytes]] = []

    def data_row(t: float, kind: str, who: str, what: str, data: bytes, size: int | None = None) -> None:
        row = Row(t=t, kind=kind, who=who, what=what, size=size if size is not None else len(data),
                  order=len(rows) + 1)
        rows.append(row)
        _pending.append((row, data))

    for e in outcome.wire:
        if e.direction == "from_student":
            data_row(e.t, "net-out", _("your program → {peer}").format(peer=peer),
                     _("sent on connection {conn}").format(conn=e.conn), e.data, e.size)
        else:
            data_row(e.t, "net-in", _("{peer} → your program").format(peer=peer),
                     _("sent on connection {conn}").format(conn=e.conn), e.data, e.size)
    for ev in _merge_terminal(outcome):
        t, stream, data = ev
        labels = {
            "stdout": (_("terminal"), _("your program printed")),
            "stderr": (_("terminal"), _("your program wrote to stderr")),
            "stdin": (_("terminal"), _("typed into your program")),
            "prompt": (_("terminal"), _("your program asked for input")),
        }
        who, what = labels.get(stream, (_("terminal"), stream))
        kind = {"stdin": "typed"}.get(stream, stream)
        data_row(t, kind, who, what, data)
    for c in outcome.connections:
        if c.opened_at is not None:
            rows.append(Row(t=c.opened_at, kind="conn", who=_("network"),
                            what=_("connection {conn} opened").format(conn=c.conn)))
        end_t = c.closed_at if c.closed_at is not None else outcome.duration
        rows.append(Row(t=end_t, kind="conn", who=_("network"), what=connection_end(c, lang, peer)))
    failed = next((s for s in outcome.steps if s.index == failed_step), None)
    if failed is not None and failed.ended is not None:
        rows.append(Row(t=failed.ended, kind="failure", who=_("grader"),
                        what=_("step {n} failed here").format(n=failed.index + 1), note=failure_text))
    rows.append(Row(t=outcome.duration, kind="process", who=_("your program"),
                    what=process_end(outcome, lang)))
    for i, row in enumerate(rows):
        row.order = row.order or 100000 + i
    rows.sort(key=lambda r: (r.t, r.kind == "process", r.order))

    timeline = Timeline(bytes_total=sum(len(d) for _r, d in _pending))
    shown_budget = BYTE_BUDGET
    pending = {id(r): d for r, d in _pending}
    for row in rows:
        if len(timeline.rows) >= MAX_ROWS and row.kind not in ("process", "failure"):
            timeline.omitted_rows += 1
            timeline.omitted_bytes += len(pending.get(id(row), b""))
            continue
        data = pending.get(id(row))
        if data is not None:
            take = min(len(data), ROW_TEXT_LIMIT, shown_budget)
            shown_budget -= take
            row.text = visible_html(data[:take], line_breaks=True)
            row.hex = hexdump(data, ROW_HEX_LIMIT) if take else None
            if row.size is not None and row.size > len(data):
                row.note = _("{size} bytes; the grader kept only the first {kept}").format(
                    size=row.size, kept=len(data))
            elif take < len(data):
                row.note = _("first {shown} of {size} bytes shown").format(shown=take, size=len(data))
                timeline.omitted_bytes += len(data) - take
        timeline.rows.append(row)
    return timeline


def _merge_terminal(outcome: Outcome) -> list[tuple[float, str, bytes]]:
    """Adjacent chunks of the same terminal stream become one row (a print may arrive in pieces)."""
    merged: list[tuple[float, str, bytes]] = []
    wire_times = sorted(e.t for e in outcome.wire)
    for ev in outcome.terminal:
        if merged and merged[-1][1] == ev.stream and ev.stream in ("stdout", "stderr") \
                and not any(merged[-1][0] < t <= ev.t for t in wire_times):
            t, stream, data = merged[-1]
            merged[-1] = (t, stream, data + ev.data)
        else:
            merged.append((ev.t, ev.stream, ev.data))
    return merged


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
        conn=c.conn, student=end_label(c.student_closed, lang), peer=peer,
        other=end_label(c.peer_closed, lang))


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
        }.get(p.killed_by_grader, p.killed_by_grader)
        return _("the grader stopped your program: {why}").format(why=why)
    if p.signal:
        return _("your program was killed by signal {signal}").format(signal=p.signal)
    if p.exit_code is None:
        return _("your program was still running")
    return _("your program exited with code {code}").format(code=p.exit_code)

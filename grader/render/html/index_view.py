"""The class overview as data: one row per student, pass rates per scenario, a histogram.

The index is for instructors, so it shows every scenario, hidden ones included.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from grader.i18n import gettext_for
from grader.messages import JOINERS
from grader.messages.codes import Code
from grader.render.html.report_view import ICONS, points
from grader.render.words import not_scored_because, say, status_label
from grader.results.models import GradeResult
from grader.spec.base import localize
from grader.submission.roster import Identity

BINS = 10


@dataclass
class Cell:
    status: str
    icon: str
    label: str
    sort: int


@dataclass
class IndexRow:
    student: str
    number: str
    """学号, from the file name or the roster ("" when unknown)."""
    name: str
    """姓名 ("" when unknown)."""
    href: str | None
    graded: bool
    reason: str
    score: str
    max_score: str
    percent: float
    passed: int
    total: int
    cells: list[Cell]
    duration: float


@dataclass
class ScenarioStat:
    n: int
    id: str
    title: str
    passed: int
    failed: int
    skipped: int
    total: int

    @property
    def rate(self) -> float:
        return round(100 * self.passed / self.total, 1) if self.total else 0.0


@dataclass
class Bar:
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class Histogram:
    bars: list[Bar]
    width: int
    height: int
    base: float
    top: int
    description: str


@dataclass
class IndexView:
    title: str
    lang: str
    html_lang: str
    rows: list[IndexRow]
    identities: bool
    """Whether any row has a 学号 or 姓名 (the columns are shown only then)."""
    absent: str
    """The roster's students who handed in nothing, as one sentence ("" when none)."""
    scenarios: list[ScenarioStat]
    histogram: Histogram
    students: int
    graded: int
    mean: str
    median: str
    max_score: str


_STATUS_ORDER = {"passed": 0, "failed": 1, "not_gradable": 2, "skipped": 3}


def histogram(percents: list[float], lang: str) -> Histogram:
    """Counts of students per tenth of the maximum score, laid out for an inline SVG."""
    _ = gettext_for(lang)
    counts = [0] * BINS
    for p in percents:
        counts[min(BINS - 1, int(p // (100 / BINS)))] += 1
    width, height, left, base = 600, 220, 36, 180.0
    top = max(counts, default=0) or 1
    slot = (width - left - 24) / BINS
    bars = []
    for i, count in enumerate(counts):
        h = (base - 20) * count / top
        label = f"{i * 10}–{i * 10 + 10}%"
        bars.append(
            Bar(
                label=label,
                count=count,
                x=round(left + i * slot + 3, 1),
                y=round(base - h, 1),
                width=round(slot - 6, 1),
                height=round(h, 1),
            )
        )
    description = JOINERS[Code.FACTS][lang == "zh"].join(
        _("{range}: {count}").format(range=b.label, count=b.count) for b in bars
    )
    return Histogram(bars=bars, width=width, height=height, base=base, top=top, description=description)


def index_view(
    results: list[GradeResult],
    links: dict[str, str],
    *,
    title: str,
    lang: str = "en",
    identities: dict[str, Identity] | None = None,
    absent: list[Identity] | None = None,
) -> IndexView:
    """``identities`` maps a student to the 学号 and 姓名 known of them; ``absent`` lists the
    roster's students without a submission."""
    _ = gettext_for(lang)
    identities = identities or {}
    order: list[str] = []
    titles: dict[str, str] = {}
    for r in results:
        for seen in r.scenarios:
            if seen.id not in titles:
                order.append(seen.id)
                titles[seen.id] = localize(seen.title, lang)
    stats = {
        sid: ScenarioStat(n=i + 1, id=sid, title=titles[sid], passed=0, failed=0, skipped=0, total=0)
        for i, sid in enumerate(order)
    }
    rows = []
    for r in sorted(results, key=lambda r: r.student.casefold()):
        by_id = {s.id: s for s in r.scenarios}
        cells = []
        for sid in order:
            s = by_id.get(sid)
            status = s.status if s is not None else "not_run"
            cells.append(
                Cell(
                    status=status,
                    icon=ICONS.get(status, "–"),
                    label=status_label(status, lang) if s is not None else _("not run"),
                    sort=_STATUS_ORDER.get(status, 4),
                )
            )
            if s is not None and r.status == "graded":
                stat = stats[sid]
                stat.total += 1
                stat.passed += s.status == "passed"
                stat.failed += s.status in ("failed", "not_gradable")
                stat.skipped += s.status == "skipped"
        ungraded = not_scored_because(r)
        percent = round(100 * r.score / r.max_score, 1) if r.max_score else 0.0
        percent = int(percent) if percent == int(percent) else percent
        who = identities.get(r.student, Identity())
        rows.append(
            IndexRow(
                student=r.student,
                number=who.number,
                name=who.name,
                href=links.get(r.student),
                graded=ungraded is None,  # a scenario the grader could not run: no score
                reason=say(ungraded, lang),
                score=points(round(r.score, 4)),
                max_score=points(r.max_score),
                percent=percent,
                passed=r.passed,
                total=len(r.scenarios),
                cells=cells,
                duration=r.run.duration,
            )
        )
    graded = [row for row in rows if row.graded]
    scores = [float(row.score) for row in graded]
    max_score = max((r.max_score for r in results), default=0)
    return IndexView(
        title=title,
        lang=lang,
        html_lang="zh-Hans" if lang == "zh" else "en",
        rows=rows,
        identities=any(row.number or row.name for row in rows),
        absent=_("on the roster, no submission: {names}").format(
            names=", ".join(" ".join(x for x in (a.number, a.name) if x) for a in absent)
        )
        if absent
        else "",
        scenarios=list(stats.values()),
        histogram=histogram([row.percent for row in graded], lang),
        students=len(rows),
        graded=len(graded),
        mean=points(round(statistics.fmean(scores), 2)) if scores else "–",
        median=points(round(statistics.median(scores), 2)) if scores else "–",
        max_score=points(max_score),
    )

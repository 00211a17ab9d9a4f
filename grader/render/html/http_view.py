"""HTTP exchanges as the report shows them: request, response head and body, and the fixture
file the body was compared with, side by side (all folded, opened where the step failed)."""

from __future__ import annotations

from dataclasses import dataclass

from grader.outcome import Outcome
from grader.render.words import say
from grader.text.http import framing_message
from grader.text.show import show_bytes

SHOWN = 8 << 10


@dataclass
class HttpView:
    step: int
    failed: bool
    request: str
    response_head: str
    body: str
    body_size: int
    framing: str
    fixture: str | None
    fixture_body: str | None


def http_views(outcome: Outcome, lang: str = "en") -> list[HttpView]:
    views = []
    for step in outcome.steps:
        http = step.http
        if http is None:
            continue
        fixture = http.fixture_body
        views.append(
            HttpView(
                step=step.index + 1,
                failed=step.status not in ("ok", "not_reached"),
                request=show_bytes((http.request or b"")[:SHOWN]),
                response_head=show_bytes((http.response_head or b"")[:SHOWN]),
                body=show_bytes((http.body or b"")[:SHOWN]),
                body_size=http.body_size or 0,
                framing=say(framing_message(http.framing), lang),
                fixture=http.fixture,
                fixture_body=show_bytes(fixture[:SHOWN]) if fixture is not None else None,
            )
        )
    return views

"""A real browser as one of the clients: Chromium opens the student's page, and what it shows
(HTML or the page's source as text) is judged; the exchange is recorded like any other.

Marked ``browser`` (and ``root``: the student runs in a namespace); skips with the reason where
Chromium or Playwright is missing, fails instead with ``GRADER_REQUIRE_BROWSER=1`` (CI).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from grader.grade import GradeOptions, grade
from grader.messages.codes import Code
from grader.render.words import feedback_text
from grader.run import browser_client
from grader.spec.load import load_assignment

PAGE = '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><h1>你好，浏览器</h1></body></html>\n'
SPEC = """
id: b
title: b
role: server
student: {entry: web.py}
network: {host: any, port: any}
timeouts: {step: 4, scenario: 45}
scenarios:
  - id: shows-html
    title: shows html
    points: 1
    steps:
      - browser: {path: /, selector: h1, text: "你好，浏览器", content_type: text/html}
"""


def _require_browser() -> None:
    reason = None
    if not browser_client.CHROMIUM.exists():
        reason = f"Debian's Chromium is not installed at {browser_client.CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright is not installed (pip install -e '.[test]')"
    if reason is None:
        return
    if os.environ.get("GRADER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here (GRADER_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


def _server(tmp_path: Path, content_type: str | None, name: str) -> Path:
    header = f'"Content-Type: {content_type}\\r\\n"' if content_type else '""'
    folder = tmp_path / name
    folder.mkdir()
    (folder / "web.py").write_text(
        textwrap.dedent(f"""
            import socket
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("", 8000))
            s.listen(128)
            while True:
                c, _ = s.accept()
                request = c.recv(4096).decode()
                if not request:
                    c.close()
                    continue
                head = "HTTP/1.1 200 OK\\r\\n" + {header} + "\\r\\n"
                c.send(head.encode() + open("index.html", "rb").read())
                c.close()
        """)
    )
    return folder


@pytest.fixture
def assignment(tmp_path: Path):
    folder = tmp_path / "assignment"
    (folder / "files").mkdir(parents=True)
    (folder / "assignment.yaml").write_text(SPEC)
    (folder / "files" / "index.html").write_text(PAGE)
    return load_assignment(folder)


@pytest.mark.browser
@pytest.mark.root
def test_the_browser_shows_the_page_and_judges_the_content_type(tmp_path: Path, assignment) -> None:
    _require_browser()
    html = grade(assignment, _server(tmp_path, "text/html; charset=utf-8", "html"), "s", GradeOptions())
    assert html.score == 1, feedback_text(html.scenarios[0])
    outcome = html.scenarios[0].outcome
    assert outcome is not None and outcome.steps[0].http is not None
    request = outcome.steps[0].http.request or b""
    assert request.startswith(b"GET / HTTP/1.1\r\n") and b"Chrome" in request  # the browser's own request
    assert any(c.conn == "browser-1" for c in outcome.connections)

    sniffed = grade(assignment, _server(tmp_path, None, "none"), "s", GradeOptions())
    assert sniffed.score == 1, feedback_text(sniffed.scenarios[0])  # no Content-Type: the browser sniffs HTML

    plain = grade(assignment, _server(tmp_path, "text/plain", "plain"), "s", GradeOptions())
    scenario = plain.scenarios[0]
    assert scenario.score == 0
    assert "text/plain" in feedback_text(scenario) and "text/html" in feedback_text(scenario)
    assert scenario.outcome is not None and scenario.outcome.steps[0].reason is not None
    assert scenario.outcome.steps[0].reason.code is Code.BROWSER_CONTENT_TYPE
    chinese = feedback_text(scenario, "zh")
    assert "浏览器把页面当作 text/plain" in chinese


@pytest.mark.root
def test_without_chromium_the_scenario_is_not_gradable(
    tmp_path: Path, assignment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browser_client, "CHROMIUM", tmp_path / "no-chromium")
    result = grade(assignment, _server(tmp_path, "text/html", "html"), "s", GradeOptions())
    scenario = result.scenarios[0]
    assert scenario.status == "not_gradable", feedback_text(scenario)
    assert scenario.outcome is not None and scenario.outcome.grader_error is not None
    assert scenario.outcome.grader_error.code is Code.BROWSER_UNAVAILABLE
    assert "no-chromium" in feedback_text(scenario)

"""The HTTP exchange in the report, in a real browser (Debian's Chromium via Playwright), in
English and Chinese: a real grading of a web server that answers every path with the same
page, so the 404 scenario's exchange shows the request, the response head as received and the
body beside the fixture file it should have been (static/error.html).

Marked ``browser`` and ``root`` (the grading runs in namespaces); skips with the reason
elsewhere, fails instead in CI (``GRADER_REQUIRE_BROWSER=1``, ``GRADER_REQUIRE_ROOT=1``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import ASSIGNMENTS, SUBMISSIONS, require_root
from test_report_browser import ARTIFACTS, DESKTOP, PHONE, browser  # noqa: F401  (the fixture)

from grader.grade import GradeOptions, grade
from grader.render.html import render_report
from grader.render.words import feedback_text
from grader.results.models import GradeResult
from grader.spec.base import localize
from grader.spec.load import load_assignment

pytestmark = [pytest.mark.browser, pytest.mark.root]

WORDS = {
    "en": {
        "exchange": "HTTP exchange, step 3",
        "request": "Request",
        "head": "Response status line and headers",
        "body": "Response body",
        "files": "Files provided next to your program",
        "address": "Address and port your program used",
    },
    "zh": {
        "exchange": "HTTP 交互，第 3 步",
        "request": "请求",
        "head": "响应状态行和响应头",
        "body": "响应体",
        "files": "放在你的程序旁边的文件",
        "address": "你的程序使用的地址和端口",
    },
}


@pytest.fixture(scope="module")
def graded() -> GradeResult:
    require_root()
    spec = load_assignment(ASSIGNMENTS / "web-server-static")
    submission = SUBMISSIONS / "web-server-static" / "always-index.py"
    return grade(spec, submission, "always-index", GradeOptions(isolation="namespace"))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_exchange_shows_request_head_and_body_beside_the_file(
    graded: GradeResult,  # first: a grading cannot run beside the browser's own event loop
    browser: Any,  # noqa: F811
    tmp_path: Path,
    lang: str,
    device: str,
) -> None:
    not_found = next(s for s in graded.scenarios if s.id == "not-found")
    assert not_found.status == "failed" and "static/error.html" in feedback_text(not_found)
    page_file = tmp_path / f"report.{lang}.html"
    page_file.write_text(render_report(graded, lang), encoding="utf-8")
    context = browser.new_context(viewport=DESKTOP if device == "desktop" else PHONE)
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else outside.append(r.url))
    try:
        page.goto(page_file.as_uri(), wait_until="load")
        assert errors == [] and outside == []
        words = WORDS[lang]
        scenario = (
            page.locator("section", has_text=localize(not_found.title, lang))
            .filter(has_text=words["exchange"])
            .last
        )
        exchange = scenario.locator("details", has=page.get_by_text(words["exchange"], exact=True)).first
        assert exchange.get_attribute("open") is not None  # the failed step's exchange is open
        request = exchange.locator("details", has_text=words["request"]).first
        assert request.get_attribute("open") is None  # folded until asked for
        request.locator("summary").first.click()
        shown_request = request.locator("pre").inner_text()
        assert "GET /no-such-page.html HTTP/1.1" in shown_request
        assert "Host: 127.0.0.1:8000" in shown_request  # the port the server chose, from the table
        head = exchange.locator("details", has_text=words["head"]).first
        assert head.get_attribute("open") is not None
        assert head.locator("pre").inner_text().startswith("HTTP/1.1 200 OK")
        body = exchange.locator("details", has_text=words["body"]).first
        body.locator("summary").first.click()
        side = body.locator(".side")
        assert side.is_visible()
        received, expected = side.locator("pre").all_inner_texts()
        assert "Hello, web server!" in received  # what it sent: static/index.html
        assert side.locator("code").inner_text() == "static/error.html"
        assert "404 Not Found" in expected  # the file's own text
        assert expected.strip() != received.strip()
        if device == "desktop":  # side by side where there is room, one above the other on a phone
            left, right = (
                box for box in (d.bounding_box() for d in side.locator(":scope > div").all()) if box
            )
            assert right["x"] > left["x"] + left["width"] / 2
        section_text = scenario.inner_text()
        assert words["files"] in section_text and "static/error.html" in section_text
        assert words["address"] in section_text and "0.0.0.0:8000" in section_text
        if device == "phone":
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        ARTIFACTS.mkdir(exist_ok=True)
        exchange.screenshot(path=str(ARTIFACTS / f"http-exchange-{lang}-{device}.png"))
    finally:
        context.close()

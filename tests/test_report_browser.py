"""The reports in a real browser: Debian's Chromium, headless, driven by Playwright.

Pages are opened from disk (``file://``), as a student opens an emailed report. Each test
records console errors, page errors and every request that is not a local file, and saves
screenshots under ``test-artifacts/`` (desktop and phone, English and Chinese).
Skips with the reason where Chromium or Playwright is missing; with
``GRADER_REQUIRE_BROWSER=1`` (CI) that is a failure instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import report_fixtures as fx

from grader.render.html import render_index, render_report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("GRADER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here (GRADER_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the whole module: starting it costs more than the tests."""
    if not CHROMIUM.exists():
        _skip_or_fail(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _skip_or_fail("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        except Error as exc:
            _skip_or_fail(f"Chromium at {CHROMIUM} did not start: {str(exc).splitlines()[0]}")
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Reports and class indexes, in both languages, written as a batch would write them."""
    out = tmp_path_factory.mktemp("site")
    results = [
        fx.full_result("carol"),
        fx.result([fx.passed_scenario()], student="alice"),
        fx.result([fx.passed_scenario(), fx.diff_scenario()], student="dave"),
        fx.not_graded_result(student="bob"),
    ]
    for lang in ("en", "zh"):
        links = {}
        for r in results:
            name = f"{r.student}.{lang}.html"
            (out / name).write_text(render_report(r, lang), encoding="utf-8")
            links[r.student] = name
        (out / f"index.{lang}.html").write_text(
            render_index(results, links, title="Hello, TCP client", lang=lang), encoding="utf-8"
        )
    instructor = render_report(results[0], reveal_hidden=True)
    (out / "carol.instructor.html").write_text(instructor, encoding="utf-8")
    return out


@dataclass
class Visit:
    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    c = browser.new_context(viewport=DESKTOP)
    yield c
    c.close()


@pytest.fixture
def visit(context: Any) -> Iterator[Any]:
    pages = []

    def open_(path: Path, viewport: dict[str, int] = DESKTOP) -> Visit:
        v = Visit(page=context.new_page())
        pages.append(v.page)
        v.page.set_viewport_size(viewport)
        v.page.on("console", lambda m: v.errors.append(m.text) if m.type == "error" else None)
        v.page.on("pageerror", lambda e: v.errors.append(str(e)))
        v.page.on(
            "request", lambda r: None if r.url.startswith(("file:", "data:")) else v.requests.append(r.url)
        )
        v.page.goto(path.as_uri(), wait_until="load")
        return v

    yield open_
    for page in pages:
        page.close()


def shoot(v: Visit, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    v.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(v: Visit) -> bool:
    return v.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_report_opens_cleanly_and_student_markup_stays_text(
    visit: Any, site: Path, lang: str, device: str
) -> None:
    v = visit(site / f"carol.{lang}.html", DESKTOP if device == "desktop" else PHONE)
    page = v.page
    assert v.errors == [] and v.requests == []
    assert page.evaluate("window.__pwned") is None
    assert page.locator("script").count() == 0 and page.locator("main img").count() == 0
    description = page.locator("#s5 p.desc")
    assert description.inner_text() == fx.HOSTILE and description.is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, TCP client"
    key = {"en": ["Feedback report", "Why", "The conversation"], "zh": ["评测反馈", "原因分析", "交互过程"]}[
        lang
    ]
    for text in key:
        assert page.get_by_text(text, exact=True).first.is_visible(), text
    assert page.locator("#s3 mark").first.inner_text() == "你"
    if device == "phone":
        assert no_sideways_scroll(v)
    # This page tries everything at once and is very long; the screenshot is of a realistic one.
    typical = visit(site / f"dave.{lang}.html", DESKTOP if device == "desktop" else PHONE)
    assert typical.errors == [] and typical.requests == []
    shoot(typical, f"report-{lang}-{device}")


def test_hidden_scenarios_do_not_reach_the_page(visit: Any, site: Path) -> None:
    v = visit(site / "carol.en.html")
    body = v.page.locator("body").inner_text()
    assert fx.SECRET + " hidden" not in body and fx.SECRET + " output" not in body
    assert "Hidden scenario" in body
    instructor = visit(site / "carol.instructor.html")
    assert fx.SECRET + " output" in instructor.page.locator("body").inner_text()


def test_markup_that_escaped_escaping_could_still_not_run(visit: Any, site: Path) -> None:
    """Defence in depth: the page's policy forbids every script, even one inserted later."""
    v = visit(site / "carol.en.html")
    violation = v.page.evaluate("""() => new Promise(resolve => {
        document.addEventListener("securitypolicyviolation", e => resolve(e.violatedDirective), {once: true});
        document.body.insertAdjacentHTML("beforeend",
            '<img src="x.png" onerror="window.__pwned = 3">');
    })""")
    assert violation.startswith(("img-src", "script-src"))
    assert v.page.evaluate("window.__pwned") is None


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_index_sorts_by_clicking_a_header(visit: Any, site: Path, lang: str, device: str) -> None:
    v = visit(site / f"index.{lang}.html", DESKTOP if device == "desktop" else PHONE)
    page = v.page
    assert v.errors == [] and v.requests == []  # the sort script runs: its hash is allowed
    students = page.locator("table.students tbody tr th")
    assert [t.splitlines()[0] for t in students.all_inner_texts()] == ["alice", "bob", "carol", "dave"]
    assert fx.HOSTILE in students.nth(1).inner_text()  # why bob was not graded, as text

    def scores() -> list[float]:
        return [
            float(x)
            for x in page.locator("table.students tbody tr td:nth-child(2)").evaluate_all(
                "cells => cells.map(c => c.getAttribute('data-sort'))"
            )
        ]

    header = page.locator("table.students thead th").nth(1)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert scores() == sorted(scores()) and scores()[0] == -1  # not graded sorts lowest
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert scores() == sorted(scores(), reverse=True)
    assert page.locator("svg.hist rect.b").count() == 10
    if device == "phone":
        assert no_sideways_scroll(v)
    shoot(v, f"index-{lang}-{device}")


def test_index_links_open_the_reports(visit: Any, site: Path) -> None:
    v = visit(site / "index.zh.html")
    v.page.get_by_role("link", name="dave").click()
    v.page.wait_for_load_state("load")
    assert v.page.url.endswith("/dave.zh.html")
    assert v.page.get_by_text("评测反馈").is_visible()
    assert v.errors == [] and v.requests == []


def test_printing_unfolds_the_folded_parts(visit: Any, site: Path) -> None:
    v = visit(site / "carol.en.html")
    folded = v.page.locator("#s1 table.tl")  # a passed scenario: its conversation is folded
    assert not folded.is_visible()
    v.page.emulate_media(media="print")
    assert folded.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    v.page.pdf(path=str(ARTIFACTS / "report-en-print.pdf"))


def test_a_real_graded_submission(visit: Any, hello_client: Any, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from grader.grade import GradeOptions, grade

    # Playwright's sync API keeps an event loop running in this thread; grading runs its own.
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(
            grade,
            hello_client,
            ROOT / "tests/submissions/hello-client/gbk-decode.py",
            "gbk-decode",
            GradeOptions(lang="zh"),
        ).result()
    path = tmp_path / "report.html"
    path.write_text(render_report(result, "zh"), encoding="utf-8")
    v = visit(path)
    assert v.errors == [] and v.requests == []
    assert v.page.get_by_text("打印完整的回复").first.is_visible()
    assert v.page.locator("mark", has_text="浣").first.is_visible()
    shoot(v, "report-zh-real-gbk-decode")

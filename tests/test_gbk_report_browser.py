"""GBK in the report, as a student sees it in a real browser (Debian's Chromium via Playwright),
in English and Chinese: the spec's GBK text, a UTF-8 send beside it, GBK bytes the program
printed and the reference server sent, each shown as Chinese text with its encoding named
(never as ``\\xc4\\xe3`` escapes or hex in the visible page), and a source file saved in GBK as
its one cause, without a socket hint.

Marked ``browser`` and ``root`` (the gradings run in namespaces): skips with the reason
elsewhere, fails instead in CI (``GRADER_REQUIRE_BROWSER=1``, ``GRADER_REQUIRE_ROOT=1``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_gbk_shown import notepad_result, utf8_result  # noqa: F401  (the fixtures)
from test_report_browser import ARTIFACTS, DESKTOP, browser  # noqa: F401  (the fixture)

from grader.render.html import render_report
from grader.results.models import GradeResult

pytestmark = [pytest.mark.browser, pytest.mark.root]

SEEN = {
    "en": ["You sent “你好，服务器” encoded in UTF-8; this assignment expects GBK", "in GBK", "in UTF-8"],
    "zh": ["你发送的“你好，服务器”是 UTF-8 编码的；本作业要求 GBK 编码", "GBK 编码", "UTF-8 编码"],
}
NOTEPAD = {
    "en": "Save client.py as UTF-8, or add “# -*- coding: gbk -*-” as its first line",
    "zh": "请把 client.py 另存为 UTF-8 编码，或者在它的第一行加上“# -*- coding: gbk -*-”",
}
ESCAPED_BYTE = re.compile(r"\\x[0-9a-f]{2}")


@pytest.fixture(scope="module")
def graded(utf8_result: GradeResult, notepad_result: GradeResult) -> dict[str, GradeResult]:  # noqa: F811
    """Both gradings, done before the browser starts (they cannot run beside its event loop)."""
    return {"utf8": utf8_result, "notepad": notepad_result}


def _visible_text(browser: Any, html: str, path: Path, shot: str, part: str = "body") -> str:  # noqa: F811
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(path.as_uri())
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
        page.evaluate("document.querySelectorAll('.legend').forEach(e => e.remove())")  # its \\xff
        # what is rendered (folded hex dumps are not), of every element ``part`` selects
        return "\n".join(str(e.inner_text()) for e in page.query_selector_all(part))
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_gbk_text_reads_as_chinese_with_its_encoding_named(
    graded: dict[str, GradeResult],
    browser: Any,  # noqa: F811
    tmp_path: Path,
    lang: str,
) -> None:
    text = _visible_text(browser, render_report(graded["utf8"], lang), tmp_path / "r.html", f"gbk-{lang}.png")
    for words in SEEN[lang]:
        assert words in text, words
    assert text.count("你好，服务器") >= 3  # the message, the cause and both sides of the diff
    assert "欢迎光临" in text  # the reference server's GBK send, and what the program printed
    assert ESCAPED_BYTE.search(text) is None, ESCAPED_BYTE.search(text)
    assert "c4 e3" not in text and "e4 bd a0" not in text  # no hex of the text left unfolded


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_source_saved_in_gbk_is_one_cause_in_the_report(
    graded: dict[str, GradeResult],
    browser: Any,  # noqa: F811
    tmp_path: Path,
    lang: str,
) -> None:
    html = render_report(graded["notepad"], lang)
    text = _visible_text(browser, html, tmp_path / "r.html", f"gbk-source-{lang}.png", part=".failure")
    assert text.count(NOTEPAD[lang]) == 3  # once per scenario: each says why it failed
    assert "sendall" not in text and "ConnectionRefusedError" not in text  # no socket hint
    # Python's own words stay in the program's error output, not in the explanation
    assert "grader-run-" not in text and "pep-0263" not in text

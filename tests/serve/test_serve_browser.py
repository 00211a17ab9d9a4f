"""The site in a real browser (Debian's Chromium through Playwright) against a real server.

A student signs in, uploads a correct and a buggy client.py and reads both reports; another
student is refused every page of them; the teacher sees both in the dashboard, grades one
again and downloads grades.csv. Screenshots (desktop and phone, English and Chinese) go to
``test-artifacts/serve/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_report_browser import PHONE, browser  # noqa: F401  (the fixture)

from .serve_helpers import BUGGY, CORRECT, ROOT, TEACHER_PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "serve"


def _upload(page: Any, tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    page.goto_assignment()
    page.set_input_files("#file", str(path))
    page.click("#submit")
    page.wait_for_url("**/s/*")
    page.wait_for_selector(".status-done", timeout=120_000)  # the page reloads itself when graded
    return page.url.rsplit("/", 1)[1]


def test_students_and_the_teacher_in_a_browser(
    browser: Any,  # noqa: F811  (the fixture, imported)
    server: Any,
    tmp_path: Path,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = server.url
    errors: list[str] = []

    def new_page(console: bool = True, **kwargs: Any) -> Any:
        """A fresh browser profile; its script errors (and, unless told, console errors) recorded."""
        context = browser.new_context(base_url=base, **kwargs)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        if console:
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto_assignment = lambda: page.goto("/a/hello-client")
        return page

    # A student signs in with id and password and submits twice.
    alice = new_page()
    alice.goto("/")
    alice.fill("input[name=student]", "alice")
    alice.fill("input[name=password]", "alice-pw")
    alice.click("#signin")
    alice.wait_for_selector("text=Assignments")
    good = _upload(alice, tmp_path, "client.py", CORRECT)
    assert alice.inner_text("#score") == "10 / 10"
    frame = alice.frame_locator("iframe.report")
    assert "10" in frame.locator("body").inner_text()
    alice.screenshot(path=str(ARTIFACTS / "student-report.png"), full_page=True)
    with alice.expect_download() as download:
        alice.click("#upload-link")  # what was graded, back to its author
    assert Path(download.value.path()).read_bytes() == CORRECT
    assert download.value.suggested_filename == "client.py"
    bad = _upload(alice, tmp_path, "client.py", BUGGY)
    score = alice.inner_text("#score")
    assert score != "10 / 10", score
    report = alice.frame_locator("iframe.report").locator("body").inner_text()
    assert "encode" in report or "str" in report  # the diagnosis of send(str)
    alice.goto("/a/hello-client")
    rows = alice.inner_text("table.rows")
    assert rows.count("graded") >= 2 and "counts" in rows
    alice.click("button[value=zh]")
    alice.wait_for_selector("text=你的提交")
    alice.screenshot(path=str(ARTIFACTS / "student-history-zh.png"), full_page=True)

    # The same on a phone: the page fits the screen.
    phone = new_page(viewport=PHONE, is_mobile=True)
    phone.goto("/")
    phone.fill("input[name=student]", "alice")
    phone.fill("input[name=password]", "alice-pw")
    phone.click("#signin")
    phone.goto(f"/s/{bad}")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width
    phone.screenshot(path=str(ARTIFACTS / "phone-submission.png"), full_page=True)

    # Another student is refused every page of them.
    bob = new_page(console=False)  # the 403 and 404 it is shown are logged as console errors
    bob.goto("/")
    bob.fill("input[name=student]", "bob")
    bob.fill("input[name=password]", "bob-pw")
    bob.click("#signin")
    bob.wait_for_selector("text=Assignments")
    for pid in (good, bad):
        for path in (
            f"/s/{pid}",
            f"/s/{pid}/report",
            f"/s/{pid}/status",
            f"/s/{pid}/upload",
            f"/teacher/s/{pid}",
            f"/teacher/s/{pid}/report",
        ):
            response = bob.goto(path)
            assert response is not None and response.status in (403, 404), (
                path,
                response and response.status,
            )
            assert "Alice" not in bob.content()

    # The teacher sees both, grades one again, downloads the gradebook.
    teacher = new_page()
    teacher.goto("/teacher/signin")
    teacher.fill("input[name=password]", TEACHER_PASSWORD)
    teacher.click("#signin")
    teacher.wait_for_selector("text=Dashboard")
    teacher.goto("/teacher/student/alice")
    text = teacher.inner_text("main")
    assert text.count("graded") >= 2
    teacher.goto(f"/teacher/s/{bad}")
    teacher.click("#regrade")
    teacher.wait_for_selector(".status-done", timeout=120_000)
    teacher.goto("/teacher/a/hello-client")
    assert "alice" in teacher.inner_text("#class")
    teacher.screenshot(path=str(ARTIFACTS / "teacher-dashboard.png"), full_page=True)
    with teacher.expect_download() as info:
        teacher.click("#grades-csv")
    csv_text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0].startswith("student,number,name,score,max_score")
    assert any(line.startswith("alice,,") and ",10,10," in line for line in lines), lines
    assert not errors, errors

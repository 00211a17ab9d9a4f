"""HTML reports rendered from hand-built results (and two real gradings): content, escaping,
visibility, size bounds, languages. The pages are parsed, not just searched, so a stray tag
or an attribute smuggled in by student output is caught."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import report_fixtures as fx  # tests/ is on sys.path under pytest's default import mode

from grader.i18n_build import read_catalogs
from grader.render.html import render_index, render_report
from grader.render.html.visible import byte_diff, char_start, visible_html
from grader.spec.steps import STEP_ACTIONS
from grader.submission.roster import Identity

VOID = {"meta", "br", "img", "input", "link", "hr", "wbr", "source", "col", "area", "base", "embed"}
SVG_LEAVES = {"rect", "line"}


class Page(HTMLParser):
    """Every element and attribute of a page, and whether the elements nest properly."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def plain(self) -> str:
        return "".join(self.text)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


def page(html: str) -> Page:
    p = Page(html)
    assert not p.errors, p.errors[:5]
    return p


@pytest.fixture(scope="module")
def full() -> fx.GradeResult:
    return fx.full_result()


# --------------------------------------------------------------------------- the student's report


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_is_one_self_contained_page(full: fx.GradeResult, lang: str) -> None:
    html = render_report(full, lang)
    p = page(html)
    assert html.startswith("<!DOCTYPE html>")
    assert p.all("link") == [] and p.all("script") == [] and p.all("img") == [] and p.all("iframe") == []
    csp = next(a["content"] for a in p.all("meta") if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in (csp or "") and "script-src 'none'" in (csp or "")
    urls = [v for _t, attrs in p.tags for k, v in attrs.items() if k in ("href", "src", "action") and v]
    assert all(u.startswith("#") for u in urls), urls
    assert not re.search(r"https?://", html.replace("http://www.w3.org/2000/svg", ""))
    assert p.all("html")[0]["lang"] == ("zh-Hans" if lang == "zh" else "en")


def test_hostile_strings_are_text_not_markup(full: fx.GradeResult) -> None:
    for html in (render_report(full), render_report(full, "zh", reveal_hidden=True)):
        p = page(html)
        assert p.all("script") == [] and p.all("img") == []
        handlers = [(t, k) for t, attrs in p.tags for k in attrs if k.startswith("on")]
        assert handlers == []
        assert p.plain.count(fx.HOSTILE) >= 5  # title, description, hint, diagnosis, stderr, file name...
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_hostile_student_name_and_reason_are_escaped() -> None:
    html = render_report(fx.not_graded_result(student=fx.HOSTILE))
    p = page(html)
    assert p.all("script") == [] and p.all("img") == []
    assert fx.HOSTILE in p.plain
    assert "Why this submission was not graded" in p.plain


def test_header_shows_score_run_and_time(full: fx.GradeResult) -> None:
    scored = full.model_copy(update={"scenarios": [s for s in full.scenarios if s.status != "not_gradable"]})
    text = page(render_report(scored, reveal_hidden=True)).plain
    assert "Hello, TCP client" in text and "alice" in text
    assert f"{scored.score:g} / {scored.max_score:g} points" in " ".join(text.split())
    for fact in ("2026-11-26 01:14 UTC", "own network namespace per scenario", "3.11.2", "0.53 s"):
        assert fact in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_scenario_the_grader_could_not_run_leaves_no_score(full: fx.GradeResult, lang: str) -> None:
    """A 0 the grader gave because it could not run a scenario is no score: the header says why."""
    text = " ".join(page(render_report(full, lang=lang, reveal_hidden=True)).plain.split())
    assert f"{full.score:g} / {full.max_score:g}" not in text
    assert ("Not graded" if lang == "en" else "未评分") in text
    assert "bind failed" in text


@pytest.mark.parametrize(
    ("status", "label_en", "label_zh"),
    [
        ("passed", "passed", "通过"),
        ("failed", "failed", "未通过"),
        ("skipped", "skipped", "已跳过"),
        ("not_gradable", "not gradable", "无法评分"),
    ],
)
def test_every_scenario_status_is_shown_in_words(
    full: fx.GradeResult, status: str, label_en: str, label_zh: str
) -> None:
    for lang, label in (("en", label_en), ("zh", label_zh)):
        html = render_report(full, lang)
        badges = re.findall(
            rf'<span class="badge {status}"><span aria-hidden="true">.</span> ([^<]+)</span>', html
        )
        assert badges and set(badges) == {label}, (status, lang, badges)


def test_every_step_kind_and_step_status_is_listed() -> None:
    html = render_report(fx.result([fx.every_step_scenario()]))
    text = page(html).plain
    for action in STEP_ACTIONS:
        assert f"step doing {action}" in text
    assert re.search(r'<li class="not_reached">', html) and re.search(r'<li class="failed">', html)
    assert "not reached" in text


def test_failure_shows_step_expected_observed_why_and_hint(full: fx.GradeResult) -> None:
    html = render_report(full)
    section = html[html.index("3. Prints the reply") : html.index("4. Echoes bytes")]
    assert "Failed at step 1: step doing output" in section
    assert "one side used GBK and the other UTF-8." in section
    assert "Decode with UTF-8." in section
    # The first differing character is marked on both sides: 你 against 浣.
    assert "<mark>你</mark>" in section and "<mark>浣</mark>" in section
    assert "(at byte 1)" in section


def test_diff_marks_the_first_differing_byte_of_binary_data(full: fx.GradeResult) -> None:
    html = render_report(full)
    section = html[html.index("4. Echoes bytes") : html.index("5. Hostile output")]
    assert "(at byte 4)" in section
    assert '<mark><span class="esc">\\xfe</span></mark>' in section
    assert '<mark><span class="esc">\\xfd</span></mark>' in section
    assert "00 ff 80 <mark>fe</mark> 0d 0a" in section and "00 ff 80 <mark>fd</mark> 0d 0a" in section


def test_diff_splits_at_character_boundaries() -> None:
    expected, observed = "añb".encode(), "aób".encode()  # ñ = c3 b1, ó = c3 b3: differ at byte 2
    d = byte_diff(expected, observed, first_difference=2)
    assert d is not None and d.offset == 2
    assert (str(d.expected.at), str(d.observed.at)) == ("ñ", "ó")
    assert str(d.expected.before) == "a" and str(d.expected.after) == "b"
    assert char_start(expected, 2) == 1 and char_start(b"abc", 2) == 2
    shorter = byte_diff(b"hello", b"hel")
    assert shorter is not None and shorter.offset == 3
    assert shorter.observed.ended and not shorter.expected.ended
    assert byte_diff(b"same", b"same") is None


def test_windowed_diff_of_a_large_payload_says_where_it_is() -> None:
    d = byte_diff(
        b"x" * 100 + b"A",
        b"x" * 100 + b"B",
        first_difference=1_000_100,
        window_start=1_000_000,
        expected_size=1 << 20,
        observed_size=1 << 20,
    )
    assert d is not None and d.offset == 1_000_100
    assert d.expected.cut_before and d.expected.cut_after and d.expected.size == 1 << 20


def test_invisible_characters_are_made_visible() -> None:
    html = str(visible_html(b"a\r\n\x00\xff\\n<b>", line_breaks=True))
    assert html == 'a<span class="esc">\\r\\n</span>\n<span class="esc">\\0\\xff</span>\\n&lt;b&gt;'


def test_timeline_interleaves_terminal_and_network_with_connection_ends() -> None:
    html = render_report(fx.result([fx.every_step_scenario()]))
    rows = re.findall(r'<tr class="([a-z-]+)">\s*<td class="t">([^<]+)</td>', html)
    kinds = [k for k, _t in rows]
    assert kinds[:4] == ["prompt", "typed", "stdout", "stderr"]
    assert {"net-in", "net-out", "conn", "failure", "process"} <= set(kinds)
    text = " ".join(page(html).plain.split())
    assert "connection c1: your program reset (RST); reference server closed normally (FIN)" in text
    assert "connection c2: your program left open; reference server left open" in text
    assert "(5000 bytes) not recorded: the grader's transcript had reached its limit" in text
    assert "the grader kept only" not in text  # the 10-byte chunk was kept whole
    assert "Name:" in text and "Ada" in text
    assert (
        "the grader stopped your program: the scenario ran out of time (it ran into the memory limit)"
    ) in text
    assert f"step {len(STEP_ACTIONS) - 2} failed here" in text


def test_stderr_tail_marks_the_last_frame_in_the_students_file(full: fx.GradeResult) -> None:
    html = render_report(full)
    section = html[html.index("4. Echoes bytes") : html.index("5. Hostile output")]
    err = section[section.index("Error output (stderr)") :]
    student = re.findall(r'<span class="line student">(.*?)\n</span>', err, re.S)
    assert student[0].startswith("  File &#34;server.py&#34;, line 9, in main") or student[0].startswith(
        "  File &quot;server.py&quot;, line 9, in main"
    )
    assert "conn.sendall(data.decode())" in student[1]
    assert "grader-run-abc123" not in err
    assert re.search(r'<span class="line error">TypeError: a bytes-like object', err)


def test_empty_transcript_still_explains_the_end() -> None:
    text = " ".join(page(render_report(fx.result([fx.empty_scenario()]))).plain.split())
    assert "your program did not start: No such file: client.py" in text
    assert "Step 1: never connected." in text


def test_huge_transcripts_are_folded_and_bounded() -> None:
    huge = fx.huge_scenario()
    html = render_report(fx.result([huge]))
    page(html)
    assert len(html.encode()) < 400_000, len(html.encode())
    assert "not shown: the report shows at most 64 KiB of data per scenario" in html
    assert "first 4096 of 262140 bytes shown" in html  # the terminal's text
    assert html.count("binary data, in hex:") == 32  # the network's bytes: 32 x 256 B, 4 chars each
    assert "Only the end is shown (100000 bytes in all)." in html
    assert "the end of its output is missing" in html
    details = re.search(r"<details( open)?>\s*<summary><h3 id=\"s1-tl\"", html)
    assert details is not None and details.group(1) is None  # folded


def test_skipped_and_not_gradable_say_why(full: fx.GradeResult) -> None:
    text = page(render_report(full)).plain
    assert "Skipped: it needs “Prints the reply”, which did not pass. Fix that first." in text
    assert "Not gradable (a problem of the grader, not of your program)" in text


# --------------------------------------------------------------------------- visibility


def test_student_view_hides_hidden_scenarios_and_leaves_them_out_of_the_score() -> None:
    r = fx.result([fx.passed_scenario(), fx.hidden_scenario("hidden")])
    html = render_report(r)
    assert fx.SECRET not in html and fx.SECRET.lower() not in html
    text = " ".join(page(html).plain.split())
    assert "Hidden scenario" in text
    assert "2 / 2 points" in text  # 1 of 3 hidden points is neither shown nor counted
    assert "1 more scenarios are hidden until grades are released" in text
    assert "1 of 1 scenarios passed" in text


def test_after_due_date_shows_title_and_status_only() -> None:
    for visibility in ("after_due_date", "after_published"):
        html = render_report(fx.result([fx.hidden_scenario(visibility)]))
        text = page(html).plain
        assert f"{fx.SECRET} {visibility}" in text and "failed" in text
        for detail in ("output", "expected", "message", "hint"):
            assert f"{fx.SECRET} {detail}" not in text
        assert "The details of this scenario will be shown later" in text


def test_instructor_view_reveals_everything(full: fx.GradeResult) -> None:
    text = " ".join(page(render_report(full, reveal_hidden=True)).plain.split())
    for detail in ("output", "expected", "message", "hint", "hidden"):
        assert f"{fx.SECRET} {detail}" in text
    assert "Instructor view" in text and "hidden from students" in text
    assert "Why this submission was not graded bind failed" in text  # its not-gradable scenario


# --------------------------------------------------------------------------- languages


def test_chinese_report_reads_chinese(full: fx.GradeResult) -> None:
    text = page(render_report(full, "zh")).plain
    for phrase in (
        "评测反馈",
        "学生",
        "测试场景",
        "交互过程",
        "原因分析",
        "提示",
        "错误输出",
        "你的代码",
        "参考服务器 → 你的程序",
        "隐藏的测试场景",
    ):
        assert phrase in text, phrase
    for english in ("Feedback report", "The conversation", "Hidden scenario", "What went wrong"):
        assert english not in text


def test_every_report_message_has_chinese() -> None:
    from babel.messages.extract import extract_from_dir

    package = Path(__file__).resolve().parents[1] / "grader" / "render" / "html"
    catalog = read_catalogs("zh")
    found = {
        m[0] if isinstance(m, tuple) else m
        for _f, _l, m, _c, _x in extract_from_dir(
            str(package),
            method_map=[("**.py", "python"), ("**/templates/**.j2", "jinja2.ext:babel_extract")],
            keywords={"_": None, "gettext": None},
            options_map={"**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}},
        )
    }
    assert len(found) > 80
    missing = sorted(m for m in found if not catalog.get(m))
    assert not missing, missing


# --------------------------------------------------------------------------- the class index


def index_html(lang: str = "en") -> str:
    results = [
        fx.full_result("carol"),
        fx.result([fx.passed_scenario()], student="alice"),
        fx.not_graded_result(student="bob"),
        fx.result([fx.passed_scenario()], student=fx.HOSTILE),
    ]
    links = {"carol": "carol/report.html", "alice": "alice/report.html", fx.HOSTILE: 'x"><script>y</script>'}
    return render_index(results, links, title=f"Hello {fx.HOSTILE}", lang=lang)


def test_index_has_number_and_name_columns_only_where_known() -> None:
    results = [
        fx.result([fx.passed_scenario()], student="alice_2023001"),
        fx.not_graded_result(student="bob"),
    ]
    who = {"alice_2023001": Identity(number="2023001", name="Alice")}
    absent = [Identity(number="2023009", name="Zoe")]
    p = page(render_index(results, {}, title="Hello", lang="en", identities=who, absent=absent))
    assert "Student number" in p.plain and "Name" in p.plain
    assert "2023001" in p.plain and "Alice" in p.plain
    assert "on the roster, no submission: 2023009 Zoe" in p.plain
    zh = page(render_index(results, {}, title="Hello", lang="zh", identities=who, absent=absent)).plain
    assert "学号" in zh and "姓名" in zh and "名单上未提交的学生：2023009 Zoe" in zh
    plain = page(render_index(results, {}, title="Hello", lang="en")).plain
    assert "Student number" not in plain and "no submission" not in plain


def test_index_lists_students_links_reasons_and_rates() -> None:
    html = index_html()
    p = page(html)
    hrefs = [a["href"] for a in p.all("a")]
    assert "carol/report.html" in hrefs and "alice/report.html" in hrefs
    assert 'x"><script>y</script>' in hrefs  # escaped as an attribute value, parsed back intact
    text = " ".join(p.plain.split())
    assert "no client.py in the submission" in text and "Not graded" in text
    rows = [re.sub(r"\s+", " ", r) for r in re.findall(r"<tr><td>\d+</td><td>(.*?)</tr>", html, re.S)]
    assert any("Says hello" in r and "3/3" in r for r in rows), rows
    assert p.all("svg") and len(p.all("rect")) == 10
    # carol's total is no score: one of her scenarios could not be run (the reason is shown)
    assert re.search(r"<dt>Students</dt><dd>4</dd>", html) and re.search(r"<dt>Graded</dt><dd>2</dd>", html)
    assert "bind failed" in text


def test_index_has_one_script_allowed_by_its_hash_only() -> None:
    html = index_html()
    p = page(html)
    assert len(p.all("script")) == 1
    body = re.search(r"<script>(.*?)</script>", html, re.S)
    assert body is not None
    digest = base64.b64encode(hashlib.sha256(body.group(1).encode()).digest()).decode()
    csp = next(a["content"] for a in p.all("meta") if a.get("http-equiv") == "Content-Security-Policy") or ""
    assert f"script-src 'sha256-{digest}'" in csp and "unsafe-inline'" not in csp.split("script-src")[1]
    assert [t for t, a in p.tags if any(k.startswith("on") for k in a)] == []
    assert fx.HOSTILE in p.plain


def test_index_in_chinese() -> None:
    text = page(index_html("zh")).plain
    for phrase in ("全班概况", "成绩分布", "各测试场景通过率", "未评分", "点击列标题可以排序"):
        assert phrase in text


def test_index_of_nobody_renders() -> None:
    text = page(render_index([], {}, title="Empty")).plain
    assert "Empty" in text


# --------------------------------------------------------------------------- real gradings


@pytest.fixture(scope="module")
def graded(hello_client):  # type: ignore[no-untyped-def]
    from grader.grade import GradeOptions, grade

    root = Path(__file__).resolve().parents[1]
    return {
        "gbk": grade(
            hello_client,
            root / "tests/submissions/hello-client/gbk-decode.py",
            "gbk",
            GradeOptions(lang="zh"),
        ),
        "reference": grade(hello_client, root / "reference/hello-client/client.py", "ref", GradeOptions()),
    }


def test_real_gbk_submission_report(graded: dict[str, fx.GradeResult]) -> None:
    r = graded["gbk"]
    html = render_report(r, "zh")
    p = page(html)
    text = p.plain
    assert "打印完整的回复" in text  # the spec's own Chinese title
    assert "<mark>浣</mark>" in html and "<mark>你</mark>" in html
    assert "GBK" in text
    assert f"{r.score:g}" in text and "交互过程" in text


def test_real_reference_report_and_index(graded: dict[str, fx.GradeResult], tmp_path: Path) -> None:
    r = graded["reference"]
    html = render_report(r)
    text = " ".join(page(html).plain.split())
    assert f"{r.max_score:g} / {r.max_score:g} points" in text
    assert text.count("Every step worked as expected.") == len(r.scenarios)
    index = render_index(list(graded.values()), {"gbk": "gbk.html", "ref": "ref.html"}, title="hello")
    page(index)
    assert 'href="gbk.html"' in index and 'href="ref.html"' in index


def test_check_command_writes_the_report(tmp_path: Path) -> None:
    from grader.cli import main

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "report.html"
    code = main(
        [
            "check",
            str(root / "assignments/hello-client"),
            str(root / "tests/submissions/hello-client/extra-newline.py"),
            "--html",
            str(out),
            "--lang",
            "zh",
        ]
    )
    assert code == 0
    text = page(out.read_text(encoding="utf-8")).plain
    assert "评测反馈" in text and "extra-newline" in text and "准确发送" in text


def test_output_chunks_merge_unless_the_wire_spoke_in_between() -> None:
    from grader.outcome import TerminalEvent, WireEvent
    from grader.render.html.timeline import build_timeline

    o = fx.outcome(
        "chunks",
        terminal=[
            TerminalEvent(t=0.01, stream="stdout", data=b"hel"),
            TerminalEvent(t=0.02, stream="stdout", data=b"lo\n"),
            TerminalEvent(t=0.04, stream="stdout", data=b"bye\n"),
        ],
        wire=[WireEvent(t=0.03, conn="c1", direction="to_student", data=b"x")],
    )
    printed = [str(r.text) for r in build_timeline(o, "en").rows if r.kind == "stdout"]
    assert printed == ['hello<span class="esc">\\n</span>\n', 'bye<span class="esc">\\n</span>\n']

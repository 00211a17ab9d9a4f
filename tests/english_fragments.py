"""Finding English left in Chinese output: the grader's own words must all be Chinese.

What may stay in Latin letters, and why (the allow-list is these rules, not a list of phrases):
- words that are not the grader's: the spec's own texts (titles, hints, the bytes a step sends:
  the teacher's words, in whatever language the teacher wrote them), anything quoted (“…”,
  "…", '…', `…`: a program's output, a step's text, code), and in HTML what is inside
  ``pre``, ``code`` and ``kbd`` elements (transcripts, program output, commands);
- code and names: a token with a digit or one of ``_ . / \\ = ( ) [ ] { } < > : @ $ % - +`` inside
  it (``client.py:11``, ``sys.argv[1]``, ``--lang``, ``UTF-8``, ``127.0.0.1``, ``$SLURM_ID``);
- the names in :data:`NAMES`: protocols, formats, programs and products, written in Latin
  letters in Chinese text too (TCP, HTTP, GBK, Python, Gradescope, UTC, ms).
Everything else of two or more ASCII letters is an English fragment.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

NAMES = frozenset(
    [
        "TCP",
        "UDP",
        "IP",
        "IPv4",
        "IPv6",
        "HTTP",
        "HTTPS",
        "URL",
        "FIN",
        "RST",
        "ASCII",
        "UTF",
        "GBK",
        "GB18030",
        "JSON",
        "HTML",
        "CSV",
        "YAML",
        "XML",
        "CSS",
        "Schema",
        "JavaScript",
        "Python",
        "CPython",
        "Traceback",
        "SyntaxError",
        "IndentationError",
        "TabError",
        "OK",
        "MiB",
        "KiB",
        "GiB",
        "stdin",
        "stdout",
        "stderr",
        "pty",
        "Linux",
        "macOS",
        "Windows",
        "Docker",
        "Chromium",
        "Playwright",
        "Dask",
        "Slurm",
        "Gradescope",
        "PrairieLearn",
        "Moodle",
        "Canvas",
        "LMS",
        "README",
        "grader",
        "SO_REUSEADDR",
        "Landlock",
        "cgroup",
        "SQLAlchemy",
        "SQLite",
        "HSTS",
        "Cookie",
        "ABI",
        "UTC",
        "ms",
        "Host",
        "Connection",
        "Server",
        "Date",
        "Accept",
        "zip",
        "wheel",
        "CPU",
    ]
)
"""Names, not English: they are written this way in Chinese text too: protocols, formats and
products, units and time zones (ms, UTC) and HTTP header names (Host)."""

QUOTED = re.compile(r"“[^”]*”|‘[^’]*’|\"[^\"\n]*\"|'[^'\n]*'|`[^`\n]*`|「[^」]*」")
VERBATIM_HTML = re.compile(r"<(pre|code|kbd|script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
TOKEN = re.compile(r"[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+")
"""A run of characters that are neither space nor CJK (characters and punctuation)."""
EDGE = "()[]{},;:!?.'\"“”…*#"
CODE_MARK = re.compile(r"[0-9_./\\=\[\]{}<>:@$%+\-]|\w\(")
CALL = re.compile(r"\w\(")
"""``close()``, ``recv(1024)``: a call, code, however it is punctuated around."""
WORD = re.compile(r"[A-Za-z]{2,}")


def html_text(page: str) -> str:
    """The words of an HTML page a reader sees, without the verbatim parts (see above)."""
    page = VERBATIM_HTML.sub(" ", page)
    page = re.sub(r"<(title)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(TAG.sub(" ", page))


def english_fragments(text: str, theirs: Iterable[str] = ()) -> list[str]:
    """The English fragments of ``text`` (each with the words around it), and the ASCII
    punctuation between Chinese words (``学生:``, ``；`` written ``; ``, ``(5 字节)``).

    ``theirs`` are texts that are not the grader's (the spec's, a student's name): removed
    first, longest first, each only where it stands whole (not inside a longer word)."""
    for other in sorted({t for t in theirs if t and t.strip()}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.-]){re.escape(other)}(?![\w-]|\.\w)", " ", text)
    text = QUOTED.sub("0", text)  # a mark that keeps ``encode("gbk")`` a call: ``encode(0)``
    found: dict[str, str] = {}
    for token in TOKEN.finditer(text):
        bare = token.group().strip(EDGE)
        if not bare or CODE_MARK.search(bare) or CALL.search(token.group()):
            continue
        for word in WORD.findall(bare):
            if word not in NAMES and word not in found:
                found[word] = _around(text, token.start())
    for mark in ASCII_BETWEEN_CHINESE.finditer(text):
        found.setdefault(repr(mark.group()), _around(text, mark.start()))
    return [f"{word}: …{context}…" for word, context in found.items()]


ASCII_BETWEEN_CHINESE = re.compile(
    r"[\u4e00-\u9fff][;:,!?](?=\s|[\u4e00-\u9fff])|[;,]\s[\u4e00-\u9fff]"
    r"|\([^()\n]*[\u4e00-\u9fff][^()\n]*\)"
)
"""ASCII ``;`` ``:`` ``,`` after a Chinese word, ``, `` or ``; `` before one (items of a Chinese
list), or ASCII parentheses around Chinese words."""


def _around(text: str, at: int, width: int = 40) -> str:
    return text[max(0, at - width) : at + width].replace("\n", " ")


def gradescope_text(doc: dict[str, object]) -> str:
    """What Gradescope shows of its ``results.json``: the summary, each test's name and output
    (the feedback's Markdown fences are ours: their insides are the grader's words)."""
    tests = doc.get("tests") or []
    parts = [str(doc.get("output", ""))]
    for test in tests if isinstance(tests, list) else []:
        parts += [str(test.get("name", "")), str(test.get("output", ""))]
    return re.sub(r"^`{3,}\w*$", "", "\n".join(parts), flags=re.M)


def spec_texts(data: object) -> list[str]:
    """Every string in a spec's YAML data: the teacher's words and bytes, not the grader's."""
    if isinstance(data, str):
        return [data, *data.splitlines()]
    if isinstance(data, dict):
        return [t for value in data.values() for t in spec_texts(value)]
    if isinstance(data, list):
        return [t for value in data for t in spec_texts(value)]
    return []

"""A real browser as one of the reference clients: Chromium opens a page of the student's server.

Some things only a browser shows: that a page sent as ``Content-Type: text/plain`` is displayed
as its source, that a missing charset garbles Chinese, that a page without the blank line
never renders. A ``browser`` step opens ``path`` in headless Chromium and checks what the
browser made of it (the document's content type, an element's text).

The browser never touches a network. One Chromium per grading process runs in a thread of
its own, inside an empty network namespace of that thread (where the OS allows one); every
request it makes is intercepted (Playwright's ``route``) and handed to the scenario's runner,
which sends the browser's request bytes to the student's server over a socket of the
scenario's own namespace, records the exchange like any other, and gives the response back
for the browser to render. Chromium starts once, on the first browser step, so assignments
without one pay nothing.

Needs Debian's Chromium (``/usr/bin/chromium``, or ``GRADER_CHROMIUM``) and Playwright; where
either is missing the scenario is not gradable, with the reason.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.messages import Message, msg
from grader.messages.codes import Code
from grader.outcome import GraderProblem
from grader.spec.net_steps import BrowserVisit

CHROMIUM = Path(os.environ.get("GRADER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CLONE_NEWNET = 0x40000000
PAGE_URL = "http://student.test"
"""The browser's address for the student's server: never resolved, every request is intercepted."""

Fetch = Callable[[bytes], tuple[int, list[tuple[str, str]], bytes] | None]
"""Sends raw request bytes to the student's server; (status, headers, body), or None if no
response came."""


class BrowserUnavailable(GraderProblem):
    """No browser can start where grading runs: the scenario is not gradable (not a zero)."""

    def __init__(self, why: str) -> None:
        super().__init__(msg(Code.BROWSER_UNAVAILABLE, why=why))


@dataclass
class PageSeen:
    """What the browser made of the page."""

    content_type: str | None
    text: str | None
    """The inner text of the step's selector, or None when no element matched."""
    error: str | None = None


def _raw_request(method: str, url: str, headers: dict[str, str], body: bytes | None) -> bytes:
    path = url[len(PAGE_URL) :] or "/"
    lines = [f"{method} {path} HTTP/1.1", "Host: student.test"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() != "host" and not k.startswith(":")]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


class _BrowserThread:
    """One headless Chromium, driven from its own thread (Playwright's sync API)."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[Callable[[object], object], concurrent.futures.Future[object]]] = (
            queue.Queue()
        )
        self.started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self.pid = os.getpid()
        """A forked child (the warm pool, the resident checker) has no copy of the thread."""
        threading.Thread(target=self._serve, name="grader-browser", daemon=True).start()

    def _serve(self) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            self.started.set_exception(BrowserUnavailable("Playwright is not installed"))
            return
        # This thread alone leaves the grader's network: the driver and Chromium it starts
        # inherit an empty namespace (no interface at all), so the browser reaches nothing.
        libc = ctypes.CDLL(None, use_errno=True)
        libc.unshare(CLONE_NEWNET)  # where refused, every request is still intercepted
        try:
            playwright = sync_playwright().start()
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except Exception as exc:  # the browser's own failure, e.g. a broken install
            why = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            self.started.set_exception(BrowserUnavailable(why))
            return
        self.started.set_result(None)
        while True:
            job, done = self.jobs.get()
            try:
                done.set_result(job(browser))
            except Exception as exc:
                done.set_exception(exc)

    def run(self, job: Callable[[object], object]) -> concurrent.futures.Future[object]:
        done: concurrent.futures.Future[object] = concurrent.futures.Future()
        self.jobs.put((job, done))
        return done


_shared: _BrowserThread | None = None
_shared_lock = threading.Lock()


def _browser_thread() -> _BrowserThread:
    global _shared
    if not CHROMIUM.exists():
        raise BrowserUnavailable(f"no Chromium at {CHROMIUM}")
    with _shared_lock:
        failed = _shared is not None and _shared.started.done() and _shared.started.exception() is not None
        if _shared is None or failed or _shared.pid != os.getpid():
            _shared = _BrowserThread()
        return _shared


async def open_page(path: str, selector: str, fetch: Fetch, timeout: float) -> PageSeen:
    """Open ``path`` in the shared browser and say what it showed.

    ``fetch`` is called from the browser's thread for every request the page makes; it must
    not need that thread (the runner answers it on its own event loop). Raises
    :class:`BrowserUnavailable` where no browser can start.
    """
    worker = _browser_thread()
    await asyncio.wrap_future(worker.started)

    def job(browser: object) -> PageSeen:
        context = browser.new_context()  # type: ignore[attr-defined]
        try:
            page = context.new_page()

            def answer(route: object) -> None:
                request = route.request  # type: ignore[attr-defined]
                if not request.url.startswith(PAGE_URL):
                    route.abort()  # type: ignore[attr-defined]
                    return
                raw = _raw_request(request.method, request.url, request.headers, request.post_data_buffer)
                got = fetch(raw)
                if got is None:
                    route.abort("connectionclosed")  # type: ignore[attr-defined]
                    return
                status, headers, body = got
                kept = {k: v for k, v in headers if k.lower() not in ("content-length", "transfer-encoding")}
                route.fulfill(status=status, headers=kept, body=body)  # type: ignore[attr-defined]

            page.route("**/*", answer)
            try:
                page.goto(PAGE_URL + path, timeout=timeout * 1000, wait_until="load")
            except Exception as exc:
                return PageSeen(None, None, error=str(exc).strip().splitlines()[0][:200])
            seen = page.evaluate(
                "(sel) => { const e = document.querySelector(sel);"
                " return [document.contentType, e ? e.innerText : null]; }",
                selector,
            )
            return PageSeen(content_type=seen[0], text=seen[1])
        finally:
            context.close()

    result = await asyncio.wrap_future(worker.run(job))
    assert isinstance(result, PageSeen)
    return result


def judge_page(step: BrowserVisit, seen: PageSeen, sent_type: str) -> Message | None:
    """The first thing the browser showed differently from what the step asks, or None.

    ``sent_type``: the Content-Type header the server sent (``-`` for none).
    """
    if seen.error is not None:
        return msg(Code.BROWSER_LOAD_FAILED, error=seen.error)
    shown = seen.content_type or "-"
    if step.content_type is not None and shown.lower() != step.content_type.lower():
        return msg(Code.BROWSER_CONTENT_TYPE, expected=step.content_type, shown=shown, sent=sent_type)
    if step.text is None:
        return None
    if seen.text is None:
        return msg(Code.BROWSER_NO_ELEMENT, selector=step.selector, shown=shown, sent=sent_type)
    if step.text not in seen.text:
        return msg(
            Code.BROWSER_TEXT_MISSING,
            selector=step.selector,
            expected=step.text,
            received=seen.text.strip()[:120],
        )
    return None

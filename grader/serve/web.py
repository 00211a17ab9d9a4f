"""What the site's web layer shares: cookie names, the waker of long-polling pages, the templates."""

from __future__ import annotations

import asyncio
import contextlib
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from grader.i18n import gettext_for

SESSION_COOKIE = "grader_session"


CSRF_COOKIE = "grader_csrf"


LANG_COOKIE = "grader_lang"


LONG_POLL_SECONDS = 25.0


class Changes:
    """Wakes long-polling pages when anything in the queue moved (called from any thread)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def notify(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        if event is None:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("grader.serve", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["_"] = gettext_for(lang)
    env.filters["num"] = lambda x: f"{round(float(x), 2):g}"
    return env

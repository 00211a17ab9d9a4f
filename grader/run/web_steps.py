"""HTTP steps (a request, a response) and a real browser visiting the student's server."""

from __future__ import annotations

import asyncio
import socket

from grader.messages import msg
from grader.messages.codes import Code
from grader.outcome import HttpExchange, StepOutcome
from grader.run import browser_client, http_steps
from grader.run.connection_steps import ConnectionSteps
from grader.run.context import (
    StepFailed,
)
from grader.run.peer import (
    PeerConnection,
    close_socket,
)
from grader.spec.net_steps import (
    BrowserVisit,
    Request,
    Response,
)
from grader.text.encodings import choose, distinguishes


class WebSteps(ConnectionSteps):
    """Handlers of the HTTP and browser steps, on the connections of :class:`ConnectionSteps`."""

    async def _request(self, step: Request, out: StepOutcome, copy: int | None) -> None:
        conn = self._conn(step, out, copy)
        if self.spec.role == "client":
            await self._student_request(step, out, conn)
            return
        host, port = self.dialled.get(conn.name, (self.outcome.host, self.outcome.port))
        data = http_steps.request_bytes(step, f"{host}:{port}")
        out.expected = data
        self.last_request[conn.name] = (step.method, data)
        try:
            await conn.send(data)
        except (BrokenPipeError, ConnectionResetError) as exc:
            out.reason = self._with_listener_gone(msg(Code.STUDENT_CLOSED_DURING_SEND))
            raise StepFailed from exc

    async def _student_request(self, step: Request, out: StepOutcome, conn: PeerConnection) -> None:
        """A student's client sends a request: read it whole, then check it."""
        while True:
            message = http_steps.read_message(bytes(conn.buffer), conn.eof, is_response=False)
            if message is not None:
                break
            await conn.changed()
        out.observed = conn.take(message.consumed)
        out.http = http_steps.HttpExchange(request=out.observed)
        out.reason = http_steps.judge_request(step, message)
        if out.reason is not None:
            raise StepFailed

    async def _response(self, step: Response, out: StepOutcome, copy: int | None) -> None:
        conn = self._conn(step, out, copy)
        if self.spec.role == "client":
            data = http_steps.response_bytes(step, self.spec.fixtures)
            out.expected = data
            await conn.send(data)
            return
        method, request = self.last_request.get(conn.name, ("GET", None))
        while True:
            message = http_steps.read_response(bytes(conn.buffer), conn.eof, method)
            if message is not None and (step.framing != "close" or conn.eof):
                break
            await conn.changed()
        raw = conn.take(message.consumed)
        fixture_name = step.body.file if step.body is not None else None
        fixture = self.spec.fixtures.get(fixture_name) if fixture_name else None
        out.http = http_steps.exchange(request, message, fixture_name)
        out.http.response_head = raw[: message.head_size]
        if fixture is not None:
            out.http.fixture_body = fixture[: http_steps.HTTP_BODY_KEPT]
        used = http_steps.body_encoding(step.body, message.body) if step.body is not None else None
        shown_text = step.body.text or step.body.regex if step.body is not None else None
        if step.body is not None and shown_text and distinguishes(step.body.encoding, shown_text):
            self._note_encoding(out, used)
        if step.body is not None and step.body.regex is None and step.body.length is None:
            out.expected = (
                fixture
                if fixture is not None
                else (step.body.text or "").encode(used or choose(step.body.encoding))
            )
        out.observed = message.body
        out.reason = http_steps.judge_response(step, message, conn.eof, fixture)
        if out.reason is not None:
            if conn.reset:  # a one-browser server's exit resets the browser queued after
                out.reason = self._with_listener_gone(out.reason)
            raise StepFailed

    async def _server_address(self, out: StepOutcome) -> tuple[tuple[str, int], socket.AddressFamily]:
        """Where a reference client reaches the student's server, and the address family."""
        family = socket.AF_INET6 if ":" in self.outcome.host else socket.AF_INET
        target = (self.outcome.host, self.outcome.port)
        entry = await self._listener_in_table(out)
        if entry is not None and (self.any_host or self.any_port):
            target, family = (entry.connect_to, entry.port), entry.family
            self.outcome.address_used = f"{entry.address}:{entry.port}"
        return target, family

    async def _browser(self, step: BrowserVisit, out: StepOutcome, copy: int | None) -> None:
        """Chromium opens the page; each request it makes goes to the student over this run's
        network, recorded like any connection (:mod:`grader.run.browser_client`)."""
        loop = asyncio.get_running_loop()
        target, family = await self._server_address(out)
        step_time = self.spec.timeouts.step if step.timeout is None else step.timeout
        exchanges: list[HttpExchange] = []
        sent_types: list[str] = []

        async def fetch(raw: bytes) -> tuple[int, list[tuple[str, str]], bytes] | None:
            sock = self.sandbox.socket(family)
            try:
                await loop.sock_connect(sock, target)
            except OSError:
                close_socket(sock)
                return None
            conn = self._open(f"browser-{len(exchanges) + 1}", sock)
            method = raw.split(b" ", 1)[0].decode("latin-1")
            await conn.send(raw)
            while (message := http_steps.read_response(bytes(conn.buffer), conn.eof, method)) is None:
                await conn.changed()
            received = conn.take(message.consumed)
            conn.close()
            seen = http_steps.exchange(raw, message)
            seen.response_head = received[: message.head_size]
            exchanges.append(seen)
            sent_types.append(message.header("Content-Type") or "-")
            return (message.status or 0, message.headers, message.body) if message.status else None

        def fetch_for_browser(raw: bytes) -> tuple[int, list[tuple[str, str]], bytes] | None:
            running = asyncio.run_coroutine_threadsafe(asyncio.wait_for(fetch(raw), step_time), loop)
            try:
                return running.result()
            except Exception:  # no answer in time, or the student reset the connection
                return None

        seen = await browser_client.open_page(step.path, step.selector, fetch_for_browser, step_time)
        out.http = exchanges[0] if exchanges else None
        sent_type = sent_types[0] if sent_types else "-"
        out.observed = (seen.text or "").encode()[:4096] if seen.text is not None else None
        out.expected = step.text.encode() if step.text is not None else None
        out.reason = browser_client.judge_page(step, seen, sent_type)
        if out.reason is not None:
            raise StepFailed

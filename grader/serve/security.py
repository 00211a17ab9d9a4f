"""What a site that runs strangers' code must get right: secrets, sessions, CSRF, limits, headers.

* Passwords are hashed with argon2id (argon2-cffi); link secrets and session tokens are 256
  random bits, so a SHA-256 of them is enough at rest (nothing to brute-force).
* A session is an opaque random token in an HttpOnly, SameSite=Lax cookie, looked up in the
  database: signing out deletes it, so a copied cookie is worthless afterwards (a signed,
  self-contained cookie would stay valid until it expired).
* Every form carries a CSRF token bound to the session (or, before sign-in, to a cookie of
  its own) and every POST is checked, as is its Origin header when the browser sends one.
* Request bodies are capped before they are read (Content-Length, then bytes counted).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
ARGON2_PREFIX = "$argon2"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_hash_of(roster_value: str) -> str | None:
    """A roster's password cell as a hash: an argon2 hash kept as it is, plain text hashed."""
    if not roster_value:
        return None
    return roster_value if roster_value.startswith(ARGON2_PREFIX) else hash_password(roster_value)


def same_password(stored_hash: str, roster_value: str) -> bool:
    """Whether a stored hash already stands for this roster cell (no rehash at every start)."""
    if roster_value.startswith(ARGON2_PREFIX):
        return stored_hash == roster_value
    return check_password(stored_hash, roster_value)


def check_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        _hasher.hash("spend the same time as a real check")
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


SITE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class SecurityHeaders:
    """Headers on every response; a response that set its own CSP (a report) keeps it."""

    def __init__(self, app: Callable[..., Awaitable[None]], *, hsts: bool = False) -> None:
        self.app, self.hsts = app, hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _v in headers}
                extra = [
                    (b"content-security-policy", SITE_CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"SAMEORIGIN"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"cross-origin-resource-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                    (b"cache-control", b"no-store"),
                ]
                if self.hsts:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                headers += [(k, v) for k, v in extra if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuse a request body over ``limit`` bytes before the application reads any of it.

    A declared Content-Length over the limit is answered 413 at once; a body without one
    (chunked) is read up to the limit and refused there. The application is handed a body
    already known to be small; nothing is unpacked, parsed or stored for a refused request.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], *, limit: int, message: bytes) -> None:
        self.app, self.limit, self.message = app, limit, message

    async def _refuse(self, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": self.message})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(send)
                return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limit:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> MutableMapping[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

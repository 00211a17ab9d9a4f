"""Failed sign-ins, counted in the database: at most so many per account and per address.

Only failures count: a whole class signing in from one campus address (NAT) is never held
up, while guessing a password or a link is. The attempts live in a table rather than in the
server's memory, so a restart does not wipe an attacker's count, and several servers on
one PostgreSQL database (or uvicorn worker processes) count the same attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from grader.serve.db import Database, SigninFailure, now


@dataclass(frozen=True)
class Limit:
    kind: str
    """``account`` or ``address``: the first part of a failure's key."""
    attempts: int
    window: timedelta


ACCOUNT = Limit("account", 10, timedelta(minutes=10))
ADDRESS = Limit("address", 50, timedelta(minutes=10))


class SigninLimits:
    def __init__(self, db: Database, account: Limit = ACCOUNT, address: Limit = ADDRESS) -> None:
        self.db, self.account, self.address = db, account, address

    def _keys(self, address: str, account: str | None) -> list[tuple[Limit, str]]:
        keys = [(self.address, f"address:{address}")]
        if account is not None:
            keys.append((self.account, f"account:{account}"))
        return keys

    def blocked(self, address: str, account: str | None) -> bool:
        """Whether this address, or this account, has used up its failures in the window."""
        at = now()
        with self.db() as s:
            for limit, key in self._keys(address, account):
                count = s.scalar(
                    select(func.count())
                    .select_from(SigninFailure)
                    .where(SigninFailure.key == key, SigninFailure.at > at - limit.window)
                )
                if (count or 0) >= limit.attempts:
                    return True
        return False

    def failed(self, address: str, account: str | None) -> None:
        """Count one failure against both; forget failures older than any window."""
        at = now()
        oldest = at - max(self.account.window, self.address.window)
        with self.db.begin() as s:
            s.execute(delete(SigninFailure).where(SigninFailure.at < oldest))
            s.add_all(SigninFailure(key=key, at=at) for _limit, key in self._keys(address, account))

"""Rate limits shared by every replica: sliding windows kept in the database (table ``rate_hit``).

One row per allowed action (a login attempt, a Run, a Submit) and key (a user id, a client address).
A hit is allowed while fewer than ``limit`` rows of that bucket are younger than ``window_s``; the wait
returned otherwise is until the oldest of them leaves the window. On PostgreSQL the count-then-insert is
serialised per bucket by a transaction-scoped advisory lock, so replicas cannot overshoot together; on
SQLite (one process, one writer) it is atomic as it stands. Old rows are deleted now and then.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from app.models import RateHit, utcnow

CLEANUP_EVERY = 500  # hits (per process) between deletions of rows that left every window
KEEP_S = 3600.0  # rows older than this are deleted (longer than any window)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite returns naive UTC


class RateLimiter:
    def __init__(self) -> None:
        self._hits = 0

    def hit(self, *, session: Session, action: str, key: str, limit: int, window_s: float = 60.0) -> float | None:
        """Record one hit. Returns None when allowed, else seconds until the next hit is allowed.

        Commits ``session`` (the request's own: nothing else is pending when a route checks its limit)."""
        key = key[:128]
        now = utcnow()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:bucket))"), {"bucket": f"{action}:{key}"})
        recent = session.exec(
            select(RateHit.at)
            .where(RateHit.action == action, RateHit.key == key, col(RateHit.at) > now - timedelta(seconds=window_s))
            .order_by(col(RateHit.at))
            .limit(limit)
        ).all()
        if len(recent) >= limit:
            session.rollback()
            return max(0.0, (_aware(recent[0]) + timedelta(seconds=window_s) - now).total_seconds())
        session.add(RateHit(action=action, key=key, at=now))
        self._hits += 1
        if self._hits % CLEANUP_EVERY == 0:
            session.execute(delete(RateHit).where(col(RateHit.at) < now - timedelta(seconds=KEEP_S)))
        session.commit()
        return None

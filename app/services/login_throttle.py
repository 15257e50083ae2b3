"""Login throttling per account, with backoff, on top of the per-address rate limit.

The per-address limit (``login_rate_per_minute``) stops one client from guessing fast; it cannot stop a
guesser who rotates addresses, and an address shared by a class (before ``trusted_proxies``, every
learner behind the proxy) would lock everyone out. So failures are also counted per account: after
``login_free_failures`` failed logins of an account within ``login_failure_window_s``, each further
attempt on that account waits ``login_backoff_base_s`` doubled per extra failure (at most
``login_backoff_max_s``) since the last failure. Only that account slows down; a success clears it.
Failures are rows of ``rate_hit`` (action ``login-fail``), shared by every replica.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import RateHit, utcnow

ACTION = "login-fail"


def _key(username: str) -> str:
    return "user:" + username.strip().lower()[:120]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def wait_s(*, session: Session, username: str, settings: Settings) -> float:
    """Seconds before the account may be tried again (0: now). Reads only; the caller's session stays clean."""
    since = utcnow() - timedelta(seconds=settings.login_failure_window_s)
    count, last = session.exec(
        select(func.count(), func.max(RateHit.at)).where(
            RateHit.action == ACTION, RateHit.key == _key(username), col(RateHit.at) > since
        )
    ).one()
    session.rollback()
    extra = int(count) - settings.login_free_failures
    if extra < 0 or last is None:
        return 0.0
    delay = min(settings.login_backoff_max_s, settings.login_backoff_base_s * 2.0 ** min(extra, 30))
    return max(0.0, (_aware(last) + timedelta(seconds=delay) - utcnow()).total_seconds())


def record_failure(*, session: Session, username: str) -> None:
    session.add(RateHit(action=ACTION, key=_key(username), at=utcnow()))
    session.commit()


def clear(*, session: Session, username: str) -> None:
    session.exec(delete(RateHit).where(col(RateHit.action) == ACTION, col(RateHit.key) == _key(username)))
    session.commit()

"""Login sessions (cookie) and API tokens (Bearer). Only SHA-256 hashes of the secrets are stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete, select

from app.models import ApiToken, User, WebSession, utcnow
from app.security import new_token, token_hash


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def create_web_session(*, session: Session, user: User, max_age_s: int) -> str:
    """Returns the cookie value (shown once)."""
    assert user.id is not None
    token = new_token()
    session.add(
        WebSession(token_hash=token_hash(token), user_id=user.id, expires_at=utcnow() + timedelta(seconds=max_age_s))
    )
    session.commit()
    return token


def user_for_session_token(*, session: Session, token: str) -> User | None:
    row = session.exec(select(WebSession).where(WebSession.token_hash == token_hash(token))).first()
    if row is None:
        return None
    if _aware(row.expires_at) <= utcnow():
        session.delete(row)
        session.commit()
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def delete_web_session(*, session: Session, token: str) -> None:
    session.exec(delete(WebSession).where(col(WebSession.token_hash) == token_hash(token)))
    session.commit()


def purge_expired_sessions(*, session: Session) -> int:
    result = session.exec(delete(WebSession).where(col(WebSession.expires_at) <= utcnow()))
    session.commit()
    return int(result.rowcount or 0)


def create_api_token(*, session: Session, user: User, name: str = "") -> str:
    """Returns the token (shown once)."""
    assert user.id is not None
    token = new_token("jxt_")
    session.add(ApiToken(token_hash=token_hash(token), user_id=user.id, name=name))
    session.commit()
    return token


def user_for_api_token(*, session: Session, token: str) -> User | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None

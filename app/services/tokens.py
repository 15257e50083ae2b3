"""Login sessions (cookie) and API tokens (Bearer). Only SHA-256 hashes of the secrets are stored.

API tokens are named, listed, revocable and always expire; the time of their last use is recorded (at
most once a minute per token, so a busy script does not turn every API read into a write).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import InternalError, OperationalError
from sqlmodel import Session, col, delete, select

from app.models import ApiToken, User, WebSession, utcnow
from app.security import new_token, token_hash

#: ``api_token_default_days``'s default, for callers without settings (tests, scripts).
DEFAULT_TOKEN_DAYS = 90
LAST_USE_RESOLUTION = timedelta(seconds=60)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def create_web_session(*, session: Session, user: User, max_age_s: int) -> str:
    """Returns the cookie value (shown once). The user's expired sessions are deleted on the way."""
    assert user.id is not None
    session.exec(delete(WebSession).where(col(WebSession.user_id) == user.id, col(WebSession.expires_at) <= utcnow()))
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
    """Delete every expired login session and API token; how many."""
    sessions = session.exec(delete(WebSession).where(col(WebSession.expires_at) <= utcnow()))
    api_tokens = session.exec(delete(ApiToken).where(col(ApiToken.expires_at) <= utcnow()))
    session.commit()
    return int(sessions.rowcount or 0) + int(api_tokens.rowcount or 0)


def create_api_token(*, session: Session, user: User, name: str = "", days: int = DEFAULT_TOKEN_DAYS) -> str:
    """Returns the token (shown once); it expires after ``days``."""
    return issue_api_token(session=session, user=user, name=name, days=days)[0]


def issue_api_token(*, session: Session, user: User, name: str, days: int) -> tuple[str, ApiToken]:
    """The secret (shown once) and its row. Callers bound ``days`` (``api_token_max_days``). The user's
    expired tokens are deleted on the way."""
    assert user.id is not None
    session.exec(delete(ApiToken).where(col(ApiToken.user_id) == user.id, col(ApiToken.expires_at) <= utcnow()))
    token = new_token("jxt_")
    row = ApiToken(
        token_hash=token_hash(token), user_id=user.id, name=name.strip(), expires_at=utcnow() + timedelta(days=days)
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return token, row


def list_api_tokens(*, session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens that have not expired, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id, col(ApiToken.expires_at) > utcnow())
        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    )
    return list(session.exec(query))


def revoke_api_token(*, session: Session, user_id: int, token_id: int) -> bool:
    """Delete one of the user's tokens; False when it is not theirs or does not exist."""
    result = session.exec(delete(ApiToken).where(col(ApiToken.id) == token_id, col(ApiToken.user_id) == user_id))
    session.commit()
    return bool(result.rowcount)


def user_for_api_token(*, session: Session, token: str) -> User | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if row is None:
        return None
    now = utcnow()
    if _aware(row.expires_at) <= now:
        session.delete(row)
        session.commit()
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if row.last_used_at is None or now - _aware(row.last_used_at) >= LAST_USE_RESOLUTION:
        try:
            row.last_used_at = now
            session.add(row)
            session.commit()
        except (OperationalError, InternalError):  # best effort: a read-only database still serves reads
            session.rollback()
            user = session.get(User, row.user_id)
    return user

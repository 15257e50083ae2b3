"""Ending a user's sign-ins: every login session ("log out everywhere") and, with it, every API token.

``end_all_sessions`` is what account changes call (a new password, a deactivated account): whoever
held the old credentials, in a browser or a script, is signed out.
"""

from __future__ import annotations

from sqlmodel import Session, col, delete

from app.models import ApiToken, WebSession
from app.security import token_hash


def end_web_sessions(*, session: Session, user_id: int, keep_token: str | None = None) -> int:
    """Delete the user's login sessions (all but the one whose cookie is ``keep_token``). Returns how many."""
    query = delete(WebSession).where(col(WebSession.user_id) == user_id)
    if keep_token:
        query = query.where(col(WebSession.token_hash) != token_hash(keep_token))
    result = session.exec(query)
    session.commit()
    return int(result.rowcount or 0)


def end_all_sessions(*, session: Session, user_id: int, keep_token: str | None = None) -> int:
    """Revoke every login session and every API token of the user (except the session cookie
    ``keep_token``, for a user who changed their own password). Returns how many were ended."""
    tokens = session.exec(delete(ApiToken).where(col(ApiToken.user_id) == user_id))
    query = delete(WebSession).where(col(WebSession.user_id) == user_id)
    if keep_token:
        query = query.where(col(WebSession.token_hash) != token_hash(keep_token))
    sessions = session.exec(query)
    session.commit()
    return int(tokens.rowcount or 0) + int(sessions.rowcount or 0)

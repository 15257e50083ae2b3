"""Account administration: one-time reset links, password change, deactivation, e-mail addresses.

Keyword-only functions on the caller's session, used alike by the pages (app.routes.accounts,
app.routes.admin), the JSON API (app.routes.admin_api) and the CLI (app.cli.user_cmds), so that each
rule (a link works once; deactivation ends every session and token at once) lives in one place.
Passwords arrive here already hashed: argon2 takes tens of ms of CPU and async callers hash off the loop.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete, func, or_, select

from app.models import PasswordReset, User, WebSession, utcnow
from app.security import new_token, token_hash
from app.services import passwords, sessions, users

PASSWORD_MIN = 8
PASSWORD_MAX = 256


class AccountError(ValueError):
    """A request this module refuses, with a message fit to show as is."""


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def password_problem(password: str, *, username: str, min_length: int) -> str | None:
    """Why a new password is refused, or None: the password policy (``app.services.passwords``: length,
    the shipped common-password list) and the upper bound of ``UserCreate.password``."""
    if len(password) > PASSWORD_MAX:
        return f"The password may have at most {PASSWORD_MAX} characters."
    return passwords.password_problem(password, username=username, min_length=min_length)


def normalize_email(email: str) -> str:
    """Lower-cased and stripped; refuses what is plainly not an address (one '@', a dot in the domain)."""
    value = email.strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or "@" in domain or len(value) > 255 or any(c.isspace() for c in value):
        raise AccountError(f"{email!r} is not an e-mail address.")
    return value


def get_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def find_by_login(*, session: Session, login: str) -> User | None:
    """The user whose username or e-mail is ``login`` (the self-service reset form accepts either)."""
    value = login.strip()
    return session.exec(
        select(User).where(or_(col(User.username) == value, func.lower(User.email) == value.lower()))
    ).first()


def set_email(*, session: Session, user: User, email: str | None) -> User:
    value = normalize_email(email) if email else None
    if value is not None:
        other = get_by_email(session=session, email=value)
        if other is not None and other.id != user.id:
            raise AccountError("Another account already uses that e-mail address.")
    user.email = value
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def allow_sso_link(*, session: Session, user: User, provider: str | None) -> User:
    """Let the next login through ``provider`` whose e-mail is this account's link to this account (once);
    None withdraws it. The way to join a password account to single sign-on without a silent takeover."""
    if provider is not None and not user.email:
        raise AccountError(f"{user.username!r} has no e-mail address to match a single sign-on login against.")
    user.sso_link_provider = provider
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def deactivate(*, session: Session, user: User) -> User:
    """The user can no longer log in by password, token or single sign-on; their data stays. The last
    active administrator cannot be deactivated (``AccountError``)."""
    assert user.id is not None
    try:
        users.ensure_not_last_admin(session=session, user=user)
    except users.LastAdminError as exc:
        raise AccountError(str(exc)) from None
    user.is_active = False
    user.deactivated_at = utcnow()
    session.add(user)
    sessions.end_all_sessions(session=session, user_id=user.id)
    session.exec(delete(PasswordReset).where(col(PasswordReset.user_id) == user.id))
    session.commit()
    session.refresh(user)
    return user


def reactivate(*, session: Session, user: User) -> User:
    user.is_active = True
    user.deactivated_at = None
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def issue_reset_link(*, session: Session, user: User, ttl_s: int, created_by: User | None = None) -> str:
    """A new one-time reset secret for ``user`` (returned once; only its hash is stored)."""
    assert user.id is not None
    if not user.is_active:
        raise AccountError(f"{user.username!r} is deactivated; reactivate the account first.")
    token = new_token()
    session.exec(delete(PasswordReset).where(col(PasswordReset.expires_at) <= utcnow()))  # old links, anyone's
    session.add(
        PasswordReset(
            token_hash=token_hash(token),
            user_id=user.id,
            created_by=created_by.id if created_by is not None else None,
            expires_at=utcnow() + timedelta(seconds=ttl_s),
        )
    )
    session.commit()
    return token


def _reset_row(*, session: Session, token: str) -> PasswordReset:
    row = session.exec(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))).first()
    if row is None:
        raise AccountError("This reset link is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise AccountError("This reset link was already used. Ask for a new one.")
    if _aware(row.expires_at) <= utcnow():
        raise AccountError("This reset link has expired. Ask for a new one.")
    return row


def user_for_reset_token(*, session: Session, token: str) -> User:
    """The user a still-usable link is for (AccountError with the reason otherwise)."""
    row = _reset_row(session=session, token=token)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise AccountError("This account is deactivated; ask an administrator.")
    return user


def reset_password(*, session: Session, token: str, password_hash: str) -> User:
    """Use the link once: set the password, mark the link used, end the user's login sessions (whoever
    knew the old password is logged out; API tokens stay)."""
    row = _reset_row(session=session, token=token)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise AccountError("This account is deactivated; ask an administrator.")
    row.used_at = utcnow()
    user.password_hash = password_hash
    session.add(row)
    session.add(user)
    session.exec(delete(WebSession).where(col(WebSession.user_id) == user.id))
    session.commit()
    session.refresh(user)
    return user


def change_password(*, session: Session, user: User, password_hash: str, keep_session: str | None = None) -> User:
    """Set a new password (the caller checked the old one or holds a reset link) and end the user's other
    login sessions and every API token (``users.change_password``)."""
    users.change_password(session=session, user=user, password_hash=password_hash, keep_session_token=keep_session)
    session.refresh(user)
    return user

"""Accounts: create, authenticate, list, change role or password. Keyword-only; callers pass the session."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Role, User, UserCreate
from app.security import hash_password, verify_password


class UserExistsError(ValueError):
    pass


class LastAdminError(ValueError):
    """The change would leave the server without an active administrator."""


def ensure_not_last_admin(*, session: Session, user: User) -> None:
    """Raise ``LastAdminError`` when ``user`` is the only active admin (before a demotion or a
    deactivation: nobody could then manage accounts from the web)."""
    if user.role != Role.ADMIN.value or not user.is_active:
        return
    others = session.exec(
        select(User.id).where(User.role == Role.ADMIN.value, col(User.is_active), User.id != user.id).limit(1)
    ).first()
    if others is None:
        raise LastAdminError(f"{user.username!r} is the last administrator; make another administrator first.")


def get_user_by_username(*, session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def create_user(
    *, session: Session, user_create: UserCreate, password_hash: str | None = None, email: str | None = None
) -> User:
    """Create an account. ``password_hash`` lets async callers hash off the event loop; ``email`` must be
    normalized (``accounts.normalize_email``) and unused."""
    if get_user_by_username(session=session, username=user_create.username) is not None:
        raise UserExistsError(f"the username {user_create.username!r} is taken")
    if email is not None and session.exec(select(User).where(User.email == email)).first() is not None:
        raise UserExistsError(f"the e-mail address {email!r} is already used by another account")
    user = User(
        username=user_create.username,
        role=Role(user_create.role).value,
        password_hash=password_hash or hash_password(user_create.password),
        email=email,
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    user = get_user_by_username(session=session, username=username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    return user


def get_user(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))))


def set_role(*, session: Session, user: User, role: Role) -> User:
    if role != Role.ADMIN:
        ensure_not_last_admin(session=session, user=user)
    user.role = role.value
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def change_password(*, session: Session, user: User, password_hash: str, keep_session_token: str | None = None) -> int:
    """Set a new password hash and end every other login session and every API token of the user
    (whoever knew the old password may have signed in with it). Returns how many were ended."""
    from app.services.sessions import end_all_sessions

    assert user.id is not None
    user.password_hash = password_hash
    session.add(user)
    session.commit()
    return end_all_sessions(session=session, user_id=user.id, keep_token=keep_session_token)

"""Accounts: create, authenticate, list, change role. Keyword-only; callers pass the session."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Role, User, UserCreate
from app.security import hash_password, verify_password


class UserExistsError(ValueError):
    pass


def get_user_by_username(*, session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def create_user(*, session: Session, user_create: UserCreate, password_hash: str | None = None) -> User:
    """Create an account. ``password_hash`` lets async callers hash off the event loop."""
    if get_user_by_username(session=session, username=user_create.username) is not None:
        raise UserExistsError(f"the username {user_create.username!r} is taken")
    user = User(
        username=user_create.username,
        role=Role(user_create.role).value,
        password_hash=password_hash or hash_password(user_create.password),
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


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))))


def set_role(*, session: Session, user: User, role: Role) -> User:
    user.role = role.value
    session.add(user)
    session.commit()
    session.refresh(user)
    return user

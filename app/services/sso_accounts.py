"""Who a finished single sign-on login is: the provider's policy, then the linked or a new local account.

An identity is linked by (issuer, subject) only. An e-mail address already used by another account (a
password account, or one made through another provider) is never taken over: the login is refused with
a page that says so, and an administrator decides. Roles follow the provider's ``role_map`` at every login.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.config import SsoProvider
from app.models import Role, User, UserIdentity, utcnow
from app.services import accounts, cohorts
from app.services.sso import Login, SsoError

_RANK = {Role.LEARNER.value: 0, Role.INSTRUCTOR.value: 1, Role.ADMIN.value: 2}
_USERNAME_BAD = re.compile(r"[^A-Za-z0-9_.-]+")


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def mapped_role(provider: SsoProvider, claims: dict[str, Any]) -> str | None:
    """The highest role that a value of ``role_claim`` maps to; ``default_role`` if none does; None when
    the provider maps no roles (then the local role is left as it is)."""
    if not provider.role_claim or not provider.role_map:
        return None
    roles = [provider.role_map[v] for v in _as_list(claims.get(provider.role_claim)) if v in provider.role_map]
    roles = [r for r in roles if r in _RANK]
    return max(roles, key=_RANK.__getitem__) if roles else provider.default_role


def check_policy(login: Login) -> str | None:
    """Refuse what the provider's settings exclude; returns the (lower-cased) e-mail address, if any."""
    provider, claims = login.provider, login.claims
    email = claims.get("email")
    email = email.strip().lower() if isinstance(email, str) and email.strip() else None
    if email is not None and provider.require_verified_email and claims.get("email_verified") is not True:
        raise SsoError("disallowed", f"{provider.label} has not verified the address {email}; verify it there first.")
    if provider.allowed_email_domains:
        domain = email.rpartition("@")[2] if email else ""
        allowed = {d.lower().lstrip("@") for d in provider.allowed_email_domains}
        if domain not in allowed:
            shown = email or "no e-mail address"
            raise SsoError(
                "disallowed",
                f"Accounts with {shown} may not use this server through {provider.label}; "
                f"allowed domains: {', '.join(sorted(allowed))}.",
            )
    if provider.allowed_groups:
        groups = set(_as_list(claims.get(provider.groups_claim)))
        if not groups & set(provider.allowed_groups):
            raise SsoError(
                "disallowed", f"Your {provider.label} account is in none of the groups allowed on this server."
            )
    return email


def _link_existing(*, session: Session, user: User, login: Login, email: str | None, role: str | None) -> User:
    """The admin asked for it (``accounts.allow_sso_link``): this identity now names ``user``, once."""
    assert user.id is not None
    if not user.is_active:
        raise SsoError("deactivated", "Your account on this server is deactivated; ask an administrator.")
    user.sso_link_provider = None
    if role is not None:
        user.role = role
    session.add(user)
    session.add(
        UserIdentity(
            user_id=user.id, provider=login.provider.name, issuer=login.issuer, subject=login.subject, email=email
        )
    )
    session.commit()
    session.refresh(user)
    return user


def _free_username(session: Session, claims: dict[str, Any], email: str | None) -> str:
    raw = claims.get("preferred_username") or (email.partition("@")[0] if email else "") or claims.get("name") or "user"
    base = _USERNAME_BAD.sub("-", str(raw)).strip("-.")[:32] or "user"
    if len(base) < 2:
        base = f"{base}-user"
    candidate, n = base, 1
    while session.exec(select(User).where(User.username == candidate)).first() is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def user_for_login(*, session: Session, login: Login, signup_mode: str) -> User:
    """The local user of this login (linked before, or made now, just in time), who then joins the cohorts
    that invite the groups of this login (``Cohort.sso_group``)."""
    user = _linked_or_new_user(session=session, login=login, signup_mode=signup_mode)
    groups = set(_as_list(login.claims.get(login.provider.groups_claim)))
    cohorts.join_by_groups(session=session, user=user, groups=groups)
    return user


def _linked_or_new_user(*, session: Session, login: Login, signup_mode: str) -> User:
    email = check_policy(login)
    role = mapped_role(login.provider, login.claims)
    identity = session.exec(
        select(UserIdentity).where(UserIdentity.issuer == login.issuer, UserIdentity.subject == login.subject)
    ).first()
    if identity is not None:
        user = session.get(User, identity.user_id)
        if user is None or not user.is_active:
            raise SsoError("deactivated", "Your account on this server is deactivated; ask an administrator.")
        identity.last_login_at = utcnow()
        identity.email = email
        session.add(identity)
        if role is not None and user.role != role:
            user.role = role
            session.add(user)
        session.commit()
        session.refresh(user)
        return user
    holder = accounts.get_by_email(session=session, email=email) if email is not None else None
    if holder is not None and holder.sso_link_provider == login.provider.name:
        return _link_existing(session=session, user=holder, login=login, email=email, role=role)
    if holder is not None:
        raise SsoError(
            "email_taken",
            f"An account on this server already uses {email} (a password account, or one made through another "
            f"sign-on provider). It was not linked to your {login.provider.label} login; an administrator can "
            f"link it (jaxtutor users link-sso USERNAME {login.provider.name}), then log in here again.",
        )
    if signup_mode == "closed":
        raise SsoError("no_account", "New accounts are only made by an administrator here; ask one for an account.")
    user = User(
        username=_free_username(session, login.claims, email),
        role=role or login.provider.default_role,
        password_hash="",  # no password: this account logs in through its provider
        email=email,
    )
    try:
        session.add(user)
        session.flush()
        assert user.id is not None
        session.add(
            UserIdentity(
                user_id=user.id, provider=login.provider.name, issuer=login.issuer, subject=login.subject, email=email
            )
        )
        session.commit()
    except IntegrityError as exc:  # the same address or identity, made a moment ago by a parallel login
        session.rollback()
        raise SsoError("email_taken", "This account was just made by another login; try logging in again.") from exc
    session.refresh(user)
    return user

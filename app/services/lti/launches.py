"""LTI 1.3 launches: the OIDC login initiation, then the id_token post that pylti1p3 checks, and what a
checked launch makes here.

A launch's user is found by (issuer, ``sub``) in ``LtiIdentity`` only (never by e-mail or user name, so an
LMS user cannot take over a local or single sign-on account), and made just in time at the first launch.
LMS roles map to instructor (Instructor, Teaching Assistant, Content Developer, Administrator) or learner;
an LMS never makes anyone an administrator here, and never demotes. The LMS course (context) gets a
cohort, which the user joins with the role of this launch; the resource link remembers its lesson (or the
whole track) and the AGS line item, and a learner's row in the grade outbox is made (``grades``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pylti1p3.exception import LtiException, OIDCException
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.config import Settings
from app.models import Cohort, CohortMember, CohortRole, LtiPlatform, Role, User, utcnow
from app.models_lti import LtiContext, LtiIdentity, LtiResourceLink
from app.services.lti import grades
from app.services.lti.adapter import CookieJar, Launch, Login, tool_parts
from app.services.lti.errors import LaunchError, from_library
from app.services.lti.storage import OnceNonceSessionService

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
STAFF_ROLES = ("#Instructor", "#TeachingAssistant", "#ContentDeveloper", "#Administrator")
SIMPLE_STAFF_ROLES = {"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"}  # LTI 1.3 short names
_USERNAME_BAD = re.compile(r"[^A-Za-z0-9_.-]+")
_LESSON_PATH = re.compile(r"/lessons/([A-Za-z0-9_.-]{1,64})/?$")


@dataclass
class LoginStart:
    redirect_url: str
    cookies: list[tuple[str, str, int | None]]


@dataclass
class LaunchOutcome:
    """A checked launch: who it is, where to send them, and for a deep-linking request its launch id."""

    user: User
    platform: LtiPlatform
    target: str
    deep_link_launch_id: str | None = None


def begin_login(
    *, session: Session, settings: Settings, params: Mapping[str, str], cookies: Mapping[str, str], launch_url: str
) -> LoginStart:
    """Third-party login initiation: check the platform, store a nonce, return the platform's auth URL and
    the state cookie for the browser."""
    request, conf, jar, storage = tool_parts(session, settings, params, cookies, secure=True)
    login = Login(request, conf, OnceNonceSessionService(storage, settings.lti_state_ttl_s), jar)
    try:
        url = login.get_redirect_object(launch_url).get_redirect_url()
    except (LtiException, OIDCException) as exc:
        raise from_library(exc) from exc
    return LoginStart(redirect_url=url, cookies=jar.outgoing)


def validated_launch(
    *, session: Session, settings: Settings, params: Mapping[str, str], cookies: Mapping[str, str]
) -> tuple[Launch, dict[str, Any]]:
    request, conf, jar, storage = tool_parts(session, settings, params, cookies, secure=True)
    launch = Launch(request, conf, jar, storage)
    launch.set_launch_data_lifetime(settings.lti_launch_data_ttl_s)
    try:
        launch.validate()
    except (LtiException, OIDCException, AssertionError) as exc:
        raise from_library(exc) from exc
    return launch, dict(launch.get_launch_data())


def finish_launch(
    *,
    session: Session,
    settings: Settings,
    params: Mapping[str, str],
    cookies: Mapping[str, str],
    known_lessons: set[str],
) -> LaunchOutcome:
    """Check the id_token post (state, nonce, signature, expiry, audience, deployment, message), then make or
    find the user, the course's cohort and the resource link."""
    launch, claims = validated_launch(session=session, settings=settings, params=params, cookies=cookies)
    platform = _platform(session, claims)
    kind = claims.get(CLAIM + "message_type")
    staff = is_staff(claims.get(CLAIM + "roles"))
    if kind == "LtiDeepLinkingRequest" and not staff:
        raise LaunchError("forbidden", "Only the course's instructors can pick lessons for it.")
    if kind not in ("LtiResourceLinkRequest", "LtiDeepLinkingRequest"):
        raise LaunchError("unsupported", f"This tool does not handle {kind!r} messages.")
    lesson_id = target_lesson(claims)
    if kind == "LtiResourceLinkRequest" and lesson_id is not None and lesson_id not in known_lessons:
        raise LaunchError("not_found", f"This server has no lesson {lesson_id!r}; ask the instructor to fix the link.")
    user = user_for_claims(session=session, platform=platform, claims=claims, staff=staff)
    context = context_for(session=session, platform=platform, claims=claims, user=user, staff=staff)
    if kind == "LtiDeepLinkingRequest":
        return LaunchOutcome(user, platform, f"/lti/deep-link/{launch.get_launch_id()}", launch.get_launch_id())
    link = link_for(session=session, platform=platform, claims=claims, context=context, lesson_id=lesson_id)
    if not staff:
        grades.ensure_row(session=session, link=link, user=user, lti_user_id=str(claims["sub"]))
    if lesson_id is not None:
        target = f"/lessons/{lesson_id}"
    elif context is not None and staff:
        target = f"/cohorts/{context.cohort_id}"
    else:
        target = "/"
    return LaunchOutcome(user, platform, target)


def _platform(session: Session, claims: Mapping[str, Any]) -> LtiPlatform:
    aud = claims.get("aud")
    client_id = aud[0] if isinstance(aud, list) and aud else aud
    platform = session.exec(
        select(LtiPlatform).where(
            LtiPlatform.issuer == claims.get("iss"),
            LtiPlatform.client_id == client_id,
            LtiPlatform.deployment_id == claims.get(CLAIM + "deployment_id"),
        )
    ).first()
    if platform is None:  # pylti1p3 found it a moment ago; only a concurrent removal gets here
        raise LaunchError("unknown_deployment", "This LMS deployment is not registered here.")
    return platform


def is_staff(roles: Any) -> bool:
    """Whether the LMS's roles make the user staff of this course: context (membership) roles only. An
    institution role (``.../institution/person#Instructor``, which Canvas also sends for a student who
    teaches elsewhere) or a system role says nothing about this course."""
    if not isinstance(roles, list):
        return False
    return any(
        isinstance(r, str) and (r in SIMPLE_STAFF_ROLES or ("/membership" in r and r.endswith(STAFF_ROLES)))
        for r in roles
    )


def target_lesson(claims: Mapping[str, Any]) -> str | None:
    """The lesson a link opens: the custom parameter ``lesson`` (set by deep linking), else a target link URI
    ending in ``/lessons/<id>``; None opens the course's track."""
    custom = claims.get(CLAIM + "custom")
    if isinstance(custom, dict) and isinstance(custom.get("lesson"), str) and custom["lesson"].strip():
        return custom["lesson"].strip()
    target = claims.get(CLAIM + "target_link_uri")
    match = _LESSON_PATH.search(urlsplit(target).path) if isinstance(target, str) else None
    return match.group(1) if match else None


def _free_username(session: Session, claims: Mapping[str, Any]) -> str:
    raw = claims.get("name") or " ".join(str(claims.get(k, "")) for k in ("given_name", "family_name")).strip()
    base = _USERNAME_BAD.sub("-", str(raw or "lms-user")).strip("-.")[:32] or "lms-user"
    if len(base) < 2:
        base = f"{base}-lms"
    candidate, n = base, 1
    while session.exec(select(User).where(User.username == candidate)).first() is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def user_for_claims(*, session: Session, platform: LtiPlatform, claims: Mapping[str, Any], staff: bool) -> User:
    """The local account of (issuer, sub), made now if new. No password and no e-mail address: it signs in
    only through its LMS, and its address can never collide with another account's."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise LaunchError("invalid", "The launch names no user (sub); anonymous launches are not supported.")
    identity = session.exec(
        select(LtiIdentity).where(LtiIdentity.issuer == platform.issuer, LtiIdentity.subject == sub)
    ).first()
    if identity is not None:
        user = session.get(User, identity.user_id)
        if user is None or not user.is_active:
            raise LaunchError("deactivated", "Your account on this server is deactivated; ask an administrator.")
        identity.last_launch_at = utcnow()
        session.add(identity)
        if staff and user.role == Role.LEARNER:
            user.role = Role.INSTRUCTOR.value
            session.add(user)
        session.commit()
        session.refresh(user)
        return user
    user = User(
        username=_free_username(session, claims),
        role=(Role.INSTRUCTOR if staff else Role.LEARNER).value,
        password_hash="",
    )
    try:
        session.add(user)
        session.flush()
        assert user.id is not None
        session.add(LtiIdentity(user_id=user.id, issuer=platform.issuer, subject=sub))
        session.commit()
    except IntegrityError:  # the same identity, made a moment ago by a parallel launch
        session.rollback()
        return user_for_claims(session=session, platform=platform, claims=claims, staff=staff)
    session.refresh(user)
    return user


def _join(session: Session, cohort_id: int, user: User, staff: bool) -> None:
    member = session.exec(
        select(CohortMember).where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user.id)
    ).first()
    role = (CohortRole.INSTRUCTOR if staff and user.role != Role.LEARNER else CohortRole.LEARNER).value
    if member is None:
        assert user.id is not None
        session.add(CohortMember(cohort_id=cohort_id, user_id=user.id, role=role))
    elif member.role != role and staff:
        member.role = role  # the LMS made them staff of the course; a learner launch never demotes
        session.add(member)
    session.commit()


def context_for(
    *, session: Session, platform: LtiPlatform, claims: Mapping[str, Any], user: User, staff: bool
) -> LtiContext | None:
    """The LMS course's cohort (made at its first launch, named after the course), with the user in it."""
    ctx = claims.get(CLAIM + "context")
    if not isinstance(ctx, dict) or not isinstance(ctx.get("id"), str) or not ctx["id"]:
        return None
    assert platform.id is not None
    title = str(ctx.get("title") or ctx.get("label") or ctx["id"])[:100]
    nrps = claims.get(NRPS_CLAIM)
    memberships = nrps.get("context_memberships_url") if isinstance(nrps, dict) else None
    row = session.exec(
        select(LtiContext).where(LtiContext.platform_id == platform.id, LtiContext.context_id == ctx["id"][:255])
    ).first()
    if row is None:
        cohort = Cohort(name=f"{title} (LMS)", created_by=user.id if staff else None)
        session.add(cohort)
        session.flush()
        assert cohort.id is not None
        row = LtiContext(platform_id=platform.id, context_id=ctx["id"][:255], title=title[:255], cohort_id=cohort.id)
    if isinstance(memberships, str):
        row.memberships_url = memberships[:2000]
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # made by a parallel launch of the same course
        session.rollback()
        return context_for(session=session, platform=platform, claims=claims, user=user, staff=staff)
    session.refresh(row)
    _join(session, row.cohort_id, user, staff)
    return row


def link_for(
    *,
    session: Session,
    platform: LtiPlatform,
    claims: Mapping[str, Any],
    context: LtiContext | None,
    lesson_id: str | None,
) -> LtiResourceLink:
    link_claim = claims.get(CLAIM + "resource_link")
    link_id = link_claim.get("id") if isinstance(link_claim, dict) else None
    if not isinstance(link_id, str) or not link_id:
        raise LaunchError("invalid", "The launch names no resource link.")
    assert platform.id is not None
    ags = claims.get(AGS_CLAIM)
    lineitem = ags.get("lineitem") if isinstance(ags, dict) else None
    scopes = ags.get("scope") if isinstance(ags, dict) else None
    row = session.exec(
        select(LtiResourceLink).where(
            LtiResourceLink.platform_id == platform.id, LtiResourceLink.resource_link_id == link_id[:255]
        )
    ).first()
    if row is None:
        row = LtiResourceLink(platform_id=platform.id, resource_link_id=link_id[:255])
    row.context_pk = context.id if context is not None else None
    row.lesson_id = lesson_id
    row.lineitem_url = lineitem[:2000] if isinstance(lineitem, str) else None
    row.ags_scopes = " ".join(s for s in scopes if isinstance(s, str))[:1000] if isinstance(scopes, list) else ""
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return link_for(session=session, platform=platform, claims=claims, context=context, lesson_id=lesson_id)
    session.refresh(row)
    return row


__all__ = ["CookieJar", "LaunchError", "LaunchOutcome", "LoginStart", "begin_login", "finish_launch"]

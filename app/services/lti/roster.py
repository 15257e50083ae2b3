"""Names and Role Provisioning Services: fill a course's cohort from the LMS roster.

A cohort made by an LTI launch knows its course's memberships URL (from the launch's NRPS claim). The
roster is fetched page by page with pylti1p3 (client-credentials token, signed with this tool's key);
each active member gets the same just-in-time account a launch would make (issuer + user id) and joins
the cohort as learner or instructor. Members are only added: someone who left the course (absent from the
roster, or inactive there) keeps their work and membership here, and is listed under ``left`` so the
instructor can remove them from the cohort's page if they wish.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from requests import RequestException
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import CohortMember, LtiPlatform, User
from app.models_lti import LtiContext, LtiIdentity
from app.services.lti.adapter import TimeoutSession, registration_for
from app.services.lti.errors import LaunchError
from app.services.lti.launches import _join, is_staff, user_for_claims


@dataclass
class RosterResult:
    cohort_id: int
    members: int = 0
    added: list[str] = field(default_factory=list)
    skipped: int = 0
    left: list[str] = field(default_factory=list)  # cohort members from this LMS who are no longer active there

    def as_dict(self) -> dict[str, object]:
        return {
            "cohort_id": self.cohort_id,
            "members": self.members,
            "added": self.added,
            "skipped": self.skipped,
            "left": self.left,
        }


def context_of(*, session: Session, cohort_id: int) -> LtiContext | None:
    """The LMS course a cohort stands for (None: a cohort made here)."""
    return session.exec(select(LtiContext).where(LtiContext.cohort_id == cohort_id)).first()


def sync_roster(*, session: Session, settings: Settings, cohort_id: int) -> RosterResult:
    context = context_of(session=session, cohort_id=cohort_id)
    if context is None:
        raise LaunchError("not_found", f"Cohort {cohort_id} was not made by an LMS launch; it has no LMS roster.")
    if not context.memberships_url:
        raise LaunchError(
            "unsupported",
            "The LMS did not offer its roster (Names and Role Provisioning Services) for this course; enable the "
            "service in the tool's LMS registration and launch the tool once more.",
        )
    platform = session.get(LtiPlatform, context.platform_id)
    assert platform is not None
    connector = ServiceConnector(registration_for(platform, settings), TimeoutSession(settings.lti_http_timeout_s))
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": context.memberships_url})
    try:
        members = service.get_members()
    except LtiServiceException as exc:
        raise LaunchError(
            "platform_down", f"The LMS refused the roster request (HTTP {exc.response.status_code})."
        ) from exc
    except (LtiException, RequestException, ValueError) as exc:
        raise LaunchError("platform_down", f"The LMS's roster could not be read ({type(exc).__name__}).") from exc
    result = RosterResult(cohort_id=cohort_id)
    active: set[str] = set()
    for member in members:
        user_id = member.get("user_id")
        if not isinstance(user_id, str) or not user_id or member.get("status", "Active") != "Active":
            result.skipped += 1
            continue
        result.members += 1
        active.add(user_id)
        known = session.exec(
            select(LtiIdentity).where(LtiIdentity.issuer == platform.issuer, LtiIdentity.subject == user_id)
        ).first()
        staff = is_staff(member.get("roles"))
        claims: dict[str, Any] = {
            "sub": user_id,
            **{k: member[k] for k in ("name", "given_name", "family_name") if k in member},
        }
        try:
            user = user_for_claims(session=session, platform=platform, claims=claims, staff=staff)
        except LaunchError:  # a deactivated account stays out
            result.skipped += 1
            continue
        was_member = session.exec(
            select(CohortMember).where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user.id)
        ).first()
        _join(session, cohort_id, user, staff)
        if known is None or was_member is None:
            result.added.append(user.username)
    result.left = _left(session, cohort_id, platform.issuer, active)
    return result


def _left(session: Session, cohort_id: int, issuer: str, active: set[str]) -> list[str]:
    """Usernames of the cohort's members who came from this LMS and are not active members of it now."""
    rows = session.exec(
        select(User.username, LtiIdentity.subject)
        .join(CohortMember, col(CohortMember.user_id) == col(User.id))
        .join(LtiIdentity, col(LtiIdentity.user_id) == col(User.id))
        .where(CohortMember.cohort_id == cohort_id, LtiIdentity.issuer == issuer)
    ).all()
    return sorted({username for username, subject in rows if subject not in active})

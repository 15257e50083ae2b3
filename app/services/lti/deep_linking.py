"""Deep linking: an instructor in an LMS course picks lessons; the LMS gets a signed LtiDeepLinkingResponse.

The deep-linking launch is kept (pylti1p3 stores its claims under a launch id, here in the database, for
``lti_launch_data_ttl_s``) and the picker page answers it. Each picked lesson becomes an
``ltiResourceLink`` content item that launches ``/lti/launch`` with the custom parameter ``lesson``, and a
line item (maximum score 1) so the LMS makes a gradebook column that scores are posted to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlmodel import Session, select

from app.config import Settings
from app.models import User
from app.models_lti import LtiIdentity
from app.services.lti.adapter import Launch, tool_parts
from app.services.lti.errors import LaunchError

DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


@dataclass
class DeepLinkRequest:
    launch: Launch
    settings: dict[str, Any]
    return_url: str
    accepts_multiple: bool


def restore(*, session: Session, settings: Settings, launch_id: str, user: User) -> DeepLinkRequest:
    """The stored deep-linking launch, only for the user it was made for."""
    if not launch_id.startswith("lti1p3-launch-") or len(launch_id) > 80:
        raise LaunchError("invalid", "This lesson picker link is not valid.")
    request, conf, jar, storage = tool_parts(session, settings, {}, {}, secure=True)
    restored = Launch(request, conf, jar, storage)
    data = restored.get_session_service().get_launch_data(launch_id)
    if not data:
        raise LaunchError("expired", "This lesson picker has expired. Open it again from the LMS (Add external tool).")
    restored.set_launch_id(launch_id).set_auto_validation(enable=False).set_jwt(
        cast(Any, {"body": data})
    ).set_restored()
    restored.validate_registration()
    claims: dict[str, Any] = dict(cast(Any, restored.get_launch_data()))
    identity = session.exec(
        select(LtiIdentity).where(LtiIdentity.issuer == claims.get("iss"), LtiIdentity.subject == claims.get("sub"))
    ).first()
    if identity is None or identity.user_id != user.id:
        raise LaunchError("forbidden", "This lesson picker was opened by another user.")
    dl = claims.get(DL_CLAIM) or {}
    return_url = dl.get("deep_link_return_url") if isinstance(dl, dict) else None
    if not isinstance(return_url, str) or not return_url.startswith(("https://", "http://")):
        raise LaunchError("invalid", "The LMS's deep-linking request has no return URL.")
    return DeepLinkRequest(restored, dict(dl), return_url, bool(dl.get("accept_multiple", True)))


def response_jwt(req: DeepLinkRequest, *, lessons: list[tuple[str, str]], launch_url: str) -> str:
    """The signed LtiDeepLinkingResponse for the picked (lesson id, title) pairs."""
    if not lessons:
        raise LaunchError("invalid", "Pick at least one lesson.")
    if len(lessons) > 1 and not req.accepts_multiple:
        raise LaunchError("invalid", "This LMS takes one lesson at a time; pick one.")
    resources = []
    for lesson_id, title in lessons:
        item = (
            DeepLinkResource()
            .set_url(launch_url)
            .set_title(title)
            .set_custom_params({"lesson": lesson_id})
            .set_lineitem(LineItem().set_score_maximum(1).set_label(title).set_resource_id(lesson_id))
        )
        resources.append(item)
    jwt_value: str = req.launch.get_deep_link().get_response_jwt(resources)
    return jwt_value

"""What can go wrong with an LTI message, as one error type whose ``kind`` picks the page and status.

The messages are shown to the person in the LMS frame as they are, so they say what happened and who can
fix it (the LMS administrator for a registration, the learner for an old or reused link).
"""

from __future__ import annotations

from app.errors import KindError

#: kind -> (HTTP status, page title). ``app.routes.lti`` renders ``lti_error.html``.
KINDS: dict[str, tuple[int, str]] = {
    "invalid": (400, "This LMS launch is not valid"),
    "bad_state": (400, "This LMS launch was not started in this browser"),
    "replayed": (400, "This LMS launch was already used"),
    "expired": (401, "This LMS launch has expired"),
    "forged": (401, "This LMS launch is not signed by the LMS"),
    "unknown_platform": (403, "This LMS is not registered here"),
    "wrong_audience": (403, "This LMS launch was made for another tool"),
    "unknown_deployment": (403, "This LMS deployment is not registered here"),
    "deactivated": (403, "This account is deactivated"),
    "forbidden": (403, "Only instructors can do this"),
    "not_found": (404, "There is no such lesson here"),
    "unsupported": (400, "This kind of LMS launch is not supported"),
    "platform_down": (502, "The LMS is not answering"),
}


class LaunchError(KindError):
    KINDS = KINDS


#: pylti1p3's own messages (LtiException / OIDCException) and what they mean here.
_LIBRARY_MESSAGES: list[tuple[str, str, str]] = [
    ("Missing state", "bad_state", "The launch carries no state. Start it again from the LMS."),
    (
        "State not found",
        "bad_state",
        "The launch's state does not match the one this browser was given (or the browser blocked the "
        "cookie). Start it again from the LMS; if it keeps failing, open the tool in a new window.",
    ),
    ("Invalid Nonce", "replayed", "This launch was already used (its nonce works once). Start it again from the LMS."),
    ('"nonce" is empty', "invalid", "The launch's id_token carries no nonce."),
    ("Missing id_token", "invalid", "The launch carries no id_token."),
    ("JWT must contain 3 parts", "invalid", "The launch's id_token is not a JWT."),
    ("can't be decoded", "invalid", "The launch's id_token cannot be read."),
    ("Could not find issuer", "invalid", "The login initiation names no issuer (iss)."),
    ("Could not find login hint", "invalid", "The login initiation carries no login_hint."),
    ("deployment_id is not set", "invalid", "The launch names no deployment."),
    ('"iss" is empty', "invalid", "The launch names no issuer (iss)."),
]


def from_library(exc: Exception) -> LaunchError:
    """A pylti1p3 exception as a ``LaunchError`` (unknown messages: ``invalid``, with the library's text)."""
    text = str(exc)
    for needle, kind, message in _LIBRARY_MESSAGES:
        if needle in text:
            return LaunchError(kind, message)
    return LaunchError("invalid", f"The launch was refused: {text or type(exc).__name__}.")

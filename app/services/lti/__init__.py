"""LTI 1.3 Advantage: this tool inside learning platforms (LMSs), built on pylti1p3.

- ``platforms``: registrations (``jaxtutor lti add-platform``), this tool's RSA key and public key set.
- ``adapter``: pylti1p3 bound to FastAPI requests and to the database (launch states and nonces).
- ``launches``: a checked launch becomes a local user, a cohort for the LMS course and a resource link.
- ``deep_linking``: the lesson picker's signed answer (LtiDeepLinkingResponse).
- ``roster``: Names and Role Provisioning Services fill a course's cohort.
- ``grades``: the Assignment and Grade Services outbox and the worker that drains it.
- ``frames``: which origins may frame LTI-launched pages.

The registration API stays importable as ``app.services.lti.<name>`` (the CLI, the admin pages).
"""

from app.services.lti.platforms import (
    KEY_BITS,
    LOOPBACK,
    LtiError,
    add_platform,
    key_path,
    platform_dict,
    platforms,
    public_jwks,
    tool_key,
)

__all__ = [
    "KEY_BITS",
    "LOOPBACK",
    "LtiError",
    "add_platform",
    "key_path",
    "platform_dict",
    "platforms",
    "public_jwks",
    "tool_key",
]

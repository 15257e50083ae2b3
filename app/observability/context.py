"""Who a log line is about: the request id, the learner and the submission, carried in a context variable.

The middleware puts a fresh ``LogContext`` in ``current`` for each request (the id comes from a valid
``X-Request-ID`` or is made up, and goes back in the response). The object is mutable on purpose: a
dependency that learns the learner (``app.deps.get_optional_user``) may run in a copied context (a sync
dependency runs in the threadpool), and setting a field on the shared object still reaches the
middleware's access-log line. The grading worker opens its own context per submission.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass
class LogContext:
    request_id: str | None = None
    learner_id: int | None = None
    submission_id: int | None = None


current: ContextVar[LogContext | None] = ContextVar("jaxtutor_log_context", default=None)


def request_id_from(header: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a sane token (a proxy's id keeps one id end to end), else new."""
    if header and _VALID_ID.match(header):
        return header
    return secrets.token_hex(8)


def set_learner(user_id: int | None) -> None:
    ctx = current.get()
    if ctx is not None:
        ctx.learner_id = user_id


def set_submission(submission_id: int | None) -> None:
    ctx = current.get()
    if ctx is not None:
        ctx.submission_id = submission_id


@contextlib.contextmanager
def bound(**fields: int | str | None) -> Iterator[LogContext]:
    """A fresh context for a unit of background work (e.g. one grading), restored afterwards."""
    ctx = LogContext(**fields)  # type: ignore[arg-type]
    token = current.set(ctx)
    try:
        yield ctx
    finally:
        current.reset(token)

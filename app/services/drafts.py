"""Editor drafts on the server: the learner's unsubmitted code, per learner and editor key.

The browser autosaves (debounced) so that a draft follows its learner to another device and never to
another learner on the same browser (the local copy is keyed by user id and cleared on logout). Which
code an editor opens with is decided here: the newer of the learner's draft and latest submission.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.models import Draft, Submission, utcnow

#: ``lesson:<lesson id>`` or ``playground``; lesson ids are the folder names the loader accepts.
KEY_PATTERN = re.compile(r"^(lesson:[a-z0-9][a-z0-9_-]{0,63}|playground)$")


class DraftKeyError(ValueError):
    """The editor key is not one the app uses."""


def lesson_key(lesson_id: str) -> str:
    return f"lesson:{lesson_id}"


def get_draft(*, session: Session, user_id: int, key: str) -> Draft | None:
    return session.exec(select(Draft).where(Draft.user_id == user_id, Draft.key == key)).first()


def save_draft(*, session: Session, user_id: int, key: str, code: str) -> Draft:
    """Insert or replace the learner's draft for ``key`` (two tabs saving at once: the last one wins)."""
    if not KEY_PATTERN.match(key):
        raise DraftKeyError(key)
    for _ in range(2):
        draft = get_draft(session=session, user_id=user_id, key=key)
        if draft is None:
            draft = Draft(user_id=user_id, key=key, code=code)
        else:
            draft.code = code
            draft.updated_at = utcnow()
        session.add(draft)
        try:
            session.commit()
        except IntegrityError:  # another request inserted the row first: update that one
            session.rollback()
            continue
        session.refresh(draft)
        return draft
    raise RuntimeError("could not save the draft")  # pragma: no cover  (two lost races in a row)


@dataclass(frozen=True)
class StartingCode:
    """The code an editor opens with, and when it was last saved (ms since the epoch; 0: never)."""

    code: str
    saved_at_ms: int
    source: str  # "draft" | "submission" | "starter"


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def starting_code(*, draft: Draft | None, latest: Submission | None, starter: str) -> StartingCode:
    """The learner's own newest code: their draft or latest submission, whichever is newer; else the starter."""
    candidates = []
    if draft is not None:
        candidates.append((_aware(draft.updated_at), draft.code, "draft"))
    if latest is not None:
        candidates.append((_aware(latest.created_at), latest.code, "submission"))
    if not candidates:
        return StartingCode(starter, 0, "starter")
    when, code, source = max(candidates, key=lambda c: c[0])
    return StartingCode(code, int(when.timestamp() * 1000), source)

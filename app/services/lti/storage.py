"""pylti1p3's launch data storage in the database (``LtiLaunchValue``): login states, nonces, deep-linking
launches and the platforms' cached key sets, each with an expiry.

In the database rather than the cookie-backed session pylti1p3 defaults to: the login initiation and the
launch may reach different replicas, and a browser inside an LMS iframe may refuse cookies. Keys carry no
browser session id (``get_session_cookie_name`` is None); the browser's part is the state cookie, which
pylti1p3 checks against the posted state.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.session import SessionService
from sqlmodel import Session, col, delete, select

from app.models import utcnow
from app.models_lti import LtiLaunchValue


class DbLaunchStorage(LaunchDataStorage[Any]):
    def __init__(self, session: Session, default_ttl_s: int) -> None:
        super().__init__()
        self.session = session
        self.default_ttl_s = default_ttl_s

    def get_session_cookie_name(self) -> str | None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def _row(self, key: str) -> LtiLaunchValue | None:
        return self.session.exec(
            select(LtiLaunchValue).where(
                LtiLaunchValue.key == self._prepare_key(key), col(LtiLaunchValue.expires_at) > utcnow()
            )
        ).first()

    def get_value(self, key: str) -> Any:
        row = self._row(key)
        return json.loads(row.value_json) if row is not None else None

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        full = self._prepare_key(key)
        if len(full) > 255:
            raise ValueError("LTI storage key too long")
        self.session.exec(delete(LtiLaunchValue).where(col(LtiLaunchValue.key) == full))
        expires = utcnow() + timedelta(seconds=exp if exp else self.default_ttl_s)
        self.session.add(LtiLaunchValue(key=full, value_json=json.dumps(value), expires_at=expires))
        self.session.commit()

    def check_value(self, key: str) -> bool:
        return self._row(key) is not None

    def take(self, key: str) -> bool:
        """Remove a live value; True only for the one caller that removed it (a nonce works once, even when two
        replicas see the same launch at once)."""
        result = self.session.exec(
            delete(LtiLaunchValue).where(
                col(LtiLaunchValue.key) == self._prepare_key(key), col(LtiLaunchValue.expires_at) > utcnow()
            )
        )
        self.session.commit()
        return int(result.rowcount or 0) == 1

    def forget(self, key: str) -> None:
        self.session.exec(delete(LtiLaunchValue).where(col(LtiLaunchValue.key) == self._prepare_key(key)))
        self.session.commit()


def purge_expired(*, session: Session) -> int:
    result = session.exec(delete(LtiLaunchValue).where(col(LtiLaunchValue.expires_at) <= utcnow()))
    session.commit()
    return int(result.rowcount or 0)


class OnceNonceSessionService(SessionService):
    """pylti1p3's session service over ``DbLaunchStorage``, with a nonce that is used up when checked.

    pylti1p3 only checks that the nonce exists, and marks the state valid for that id_token, so a replayed
    form post would pass; taking the nonce makes a replay fail ('Invalid Nonce')."""

    data_storage: DbLaunchStorage

    def __init__(self, storage: DbLaunchStorage, lifetime_s: int) -> None:
        self.data_storage = storage
        self._launch_data_lifetime = lifetime_s

    def check_nonce(self, nonce: str) -> bool:
        return self.data_storage.take(self._get_key("nonce", nonce))

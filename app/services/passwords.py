"""The password policy: a minimum length and a blocklist of common passwords shipped with the product.

The blocklist (``app/data/common-passwords.txt``, the 10,000 most common passwords) is read once, on
first use. Sign-up, ``jaxtutor users create`` and password changes all ask ``password_problem``.
"""

from __future__ import annotations

import functools
from pathlib import Path

BLOCKLIST = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = BLOCKLIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, username: str, min_length: int) -> str | None:
    """Why ``password`` is refused (a sentence for the user), or None when it is acceptable."""
    if len(password) < min_length:
        return f"The password must have at least {min_length} characters."
    folded = password.strip().lower()
    if folded in common_passwords():
        return "That password is one of the most common passwords; please choose another."
    if folded == username.strip().lower():
        return "The password must not be the username."
    if len(set(folded)) < 3:
        return "The password must not be one character repeated."
    return None

"""Suites CI must run: a missing dependency there is a failure, not a skip.

``JAXTUTOR_REQUIRED_SUITES`` (comma-separated; scripts/test.sh sets it for CI) names the suites that must
run: ``sandbox`` (real bubblewrap kernels, no fallback to the unsafe mode), ``postgres``, ``browser``,
``gateway``, ``nonroot``, ``kernel``, ``fuzz`` (schemathesis), ``hadolint``, ``container`` (the Docker
image, tests/container/), ``faults`` (tests/faults/: a tmpfs mount, chattr, nginx). Unset or empty (a developer's
partial run): a missing dependency skips, as before.

Two mechanisms, so that neither a fixture's skip nor a module's skip slips through:
- ``unavailable(suite, reason)``, called where a suite finds its dependency missing: fails when the suite
  is required, else skips;
- the hooks in tests/conftest.py turn any skip of a test that belongs to a required suite (by marker or
  by path, ``suites_of``) into a failure, and make the session fail when a module of one was skipped.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

ENV = "JAXTUTOR_REQUIRED_SUITES"
KNOWN = frozenset(
    {"sandbox", "postgres", "browser", "gateway", "nonroot", "kernel", "fuzz", "hadolint", "container", "faults"}
)
# Suites that are not pytest markers are recognised by where their tests live.
_BY_PATH = {
    "tests/gateway/": "gateway",
    "tests/sandbox/test_nonroot.py": "nonroot",
    "tests/web/test_browser.py": "browser",
    "tests/web/test_api_fuzz.py": "fuzz",
    "tests/scaleout/test_dockerfile.py": "hadolint",
    "tests/faults/": "faults",
}


def required_suites() -> frozenset[str]:
    names = {n.strip() for n in os.environ.get(ENV, "").split(",") if n.strip()}
    unknown = names - KNOWN
    if unknown:
        raise pytest.UsageError(f"{ENV} names unknown suites {sorted(unknown)}; known: {sorted(KNOWN)}")
    return frozenset(names)


def suites_of(path: str, markers: set[str]) -> set[str]:
    """The suites a test (or test module, by its path relative to the repository) belongs to."""
    path = path.replace(os.sep, "/")
    found = {m for m in markers if m in KNOWN}
    found.update(suite for prefix, suite in _BY_PATH.items() if path.startswith(prefix))
    return found


def unavailable(suite: str, reason: str, *, module_level: bool = False) -> NoReturn:
    """The suite cannot run here: fail when CI requires it, else skip (``module_level`` from module code)."""
    if suite in required_suites():
        pytest.fail(f"required suite '{suite}' cannot run ({ENV}): {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)

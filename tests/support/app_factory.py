"""A test-only app factory for servers started as separate processes (``uvicorn --factory``).

    python -m uvicorn --factory tests.support.app_factory:create_test_app --host 127.0.0.1 --port N

Settings come from the environment (``JAXTUTOR_*``) as for ``jaxtutor serve``; submissions are graded
by ``FakeGrader(record_events=True)``, which runs no code, so the scale-out tests and benchmark measure
the web tier and the shared grading queue. The lifespan prepares the host itself (no prepared host is
handed in). This module lives under tests/ and never ships: the product has no switch to a fake grader.
"""

from __future__ import annotations

from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.support.fakes import FakeGrader


def create_test_app() -> FastAPI:
    settings = Settings.model_validate({})
    if not settings.unsafe_no_sandbox:  # a fake grader next to a real sandbox would be a misconfigured test
        raise RuntimeError("tests.support.app_factory is for unsafe-mode test servers only")
    return create_app(settings, grader=FakeGrader(record_events=True))

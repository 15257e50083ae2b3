"""Property-based fuzzing of every operation in the OpenAPI spec (schemathesis): the responses conform.

The app runs in process with the fake grader and kernels; requests carry an admin's API token, so
every route is reachable (and CSRF-exempt, as Bearer requests are). Valid and invalid inputs
(schemathesis' positive and negative modes), 20 examples per operation: about 15 s. Every response is
checked for: no 5xx, a status code the document declares for the operation, the declared content type
and headers, a body valid against the declared schema (our error document for every 4xx), invalid input
rejected, and the declared security honoured (the same request without credentials is refused).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from app.models import UserCreate
from app.services import tokens, users

from .conftest import LESSONS, FakeGrader, FakeProvider

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis (dev deps)")

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

_checks = schemathesis.checks
CHECKS = [
    _checks.not_a_server_error,
    _checks.status_code_conformance,
    _checks.content_type_conformance,
    _checks.response_headers_conformance,
    _checks.response_schema_conformance,
    _checks.negative_data_rejection,
    _checks.ignored_auth,
]


@pytest.fixture(scope="module")
def api_schema() -> Any:
    data = Path(tempfile.mkdtemp(prefix="jtfuzz"))
    app_settings = Settings(
        data_dir=data,
        runtime_dir=data / "rt",
        lesson_dirs=[LESSONS],
        bundled_lessons=False,
        database_url=f"sqlite:///{data / 'fuzz.db'}",
        submit_rate_per_minute=10_000,
        run_rate_per_minute=10_000,
        login_rate_per_minute=10_000,
    )
    app = create_app(app_settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)  # starts the app's lifespan
    with Session(app.state.engine) as session:
        admin = users.create_user(
            session=session, user_create=UserCreate(username="root", password="fuzzing-pw", role="admin")
        )
        users.create_user(session=session, user_create=UserCreate(username="alice", password="fuzzing-pw"))
        schema.fuzz_token = tokens.create_api_token(session=session, user=admin)
    return schema


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation; the spec is static, so no lifespan is needed to list them."""
    spec = create_app(Settings(database_url="sqlite://"), kernel_provider=FakeProvider()).openapi()
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops]


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: str(v))
def test_no_server_errors(api_schema: Any, method: str, path: str) -> None:
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {api_schema.fuzz_token}"}

    modes = schemathesis.GenerationMode
    cases = st.one_of(operation.as_strategy(modes.POSITIVE), operation.as_strategy(modes.NEGATIVE))

    @given(case=cases)
    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case: Any) -> None:
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
        case.validate_response(response, checks=CHECKS, headers=headers)

    conforms()

"""The JSON API's published contract: the error document, the grading report, and helpers that declare them
in the OpenAPI document (``app.openapi``). Routes return these models, so what the schema says is what
the responses are (tests/web/test_api_fuzz.py checks every response against it with schemathesis).

The grading report is versioned: ``version`` is 1 today; a change that removes or retypes a field bumps it
and is announced in CHANGELOG.md. Its JSON Schema is served at ``GET /api/v1/schema/report.json`` and kept
in ``docs/report.schema.json``.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

REPORT_VERSION = 1
REPORT_SCHEMA_ID = "https://jaxtutor.invalid/schema/report-v1.json"


class ErrorBody(BaseModel):
    status: int = Field(description="The HTTP status code, repeated.")
    code: str = Field(description="A stable machine-readable code, e.g. 'not_found', 'rate_limited'.")
    message: str = Field(description="What went wrong and what to do, for a person.")
    details: Any = Field(None, description="More about the error, e.g. the invalid fields of a 422.")


class ErrorDocument(BaseModel):
    """Every 4xx/5xx answer of the JSON API."""

    error: ErrorBody


_ERROR_DESCRIPTIONS = {
    400: "The request is malformed.",
    401: "No valid credentials: a Bearer API token, or the session cookie.",
    403: "Forbidden: a cookie-authenticated unsafe request without the CSRF header, or a role that may not.",
    404: "No such resource, or not yours to see.",
    409: "Conflicts with the current state.",
    410: "The link has expired.",
    413: "The request body, or the code in it, is larger than the server accepts.",
    422: "The request does not match the schema (the fields are listed in error.details).",
    429: "Too many requests; the Retry-After header says when to try again.",
    503: "The server cannot do this right now.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with the error document (replaces FastAPI's default 422)."""
    return {s: {"model": ErrorDocument, "description": _ERROR_DESCRIPTIONS[s]} for s in statuses}


class CheckReport(BaseModel):
    model_config = ConfigDict(title="Check")

    name: str = Field(description="The check, e.g. 'correctness', 'jit', 'purity', 'speedup'.")
    status: Literal["pass", "fail", "error", "skip"]
    message: str = Field("", description="What the check found, for the learner.")
    details: dict[str, Any] = Field(default_factory=dict, description="Check-specific figures (free form).")
    weight: float = Field(1.0, ge=0, description="The check's weight in the score.")


class GradingReport(BaseModel):
    """The grader's verdict on one submission (report format version 1)."""

    model_config = ConfigDict(
        title="GradingReport",
        json_schema_extra={"$id": REPORT_SCHEMA_ID, "$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    version: Literal[1] = Field(description="The report format's version.")
    lesson: str | None = Field(None, description="The lesson graded.")
    status: Literal["pass", "fail", "error"] = Field(
        description="pass: every scored check passed; fail: one did not; error: the grading could not finish."
    )
    score: float = Field(ge=0, le=1, description="Weighted share of the scored checks that passed.")
    message: str = Field("", description="One sentence for the learner.")
    checks: list[CheckReport] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds (and counts) by grading phase.")
    output: str = Field("", description="The end of what the submission printed (host paths removed).")
    lesson_version: str | None = Field(None, description="The version (digest) of the lesson it was graded against.")


def report_json_schema() -> dict[str, Any]:
    return GradingReport.model_json_schema()


def public_report(stored: dict[str, Any] | None) -> GradingReport | None:
    """A stored report as the typed model; one that no longer validates is shown as an error report, not a 500."""
    if stored is None:
        return None
    try:
        return GradingReport.model_validate(stored)
    except ValidationError as exc:
        log.error("a stored grading report does not match the report schema: %s", exc.errors()[:3])
        return GradingReport(version=1, status="error", score=0.0, message="The stored report could not be read.")


if __name__ == "__main__":  # python -m app.schemas > docs/report.schema.json
    import json

    print(json.dumps(report_json_schema(), indent=2))  # noqa: T201

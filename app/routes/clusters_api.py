"""JSON API (``/api/v1``) for clusters and feedback: a lesson's (or a cohort's) clusters, the diff between two,
comments on a cluster or a line, and a submission's comments. Same rules as the pages
(app.routes.clusters, app.routes.feedback); a learner reads only the comments on their own submissions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.deps import CatalogDep, CsrfDep, CurrentUser, DbId, MarkdownDep, SessionDep, SettingsDep, StaffUser
from app.errors import AppError
from app.models import FeedbackCommentPublic
from app.routes.clusters import (
    Scope,
    cluster_comments,
    cohort_scope,
    lesson_scope,
    scope_clusters,
    scope_ungrouped,
)
from app.routes.submissions import visible_submission
from app.schemas import error_responses
from app.services import clusters, feedback

router = APIRouter(dependencies=[CsrfDep], tags=["clusters"])
READ_ERRORS = error_responses(401, 403, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 413, 422)


class ClusterCommentIn(BaseModel):
    body: str = Field(min_length=1, description="Markdown; raw HTML is shown as text.")
    version: str | None = Field(None, max_length=16, description="The cluster's normal-form version (default: any).")


class LineCommentIn(BaseModel):
    body: str = Field(min_length=1)
    line: int = Field(ge=1, le=1_000_000, description="1-based line of the submission's code.")


class CommentEdit(BaseModel):
    body: str = Field(min_length=1)


def _utc(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def public(shown: feedback.ShownComment, md: MarkdownDep) -> FeedbackCommentPublic:
    c = shown.comment
    assert c.id is not None
    created = _utc(c.created_at)
    assert created is not None
    return FeedbackCommentPublic(
        id=c.id,
        kind=shown.kind,
        lesson_id=c.lesson_id,
        author=shown.author,
        body=c.body,
        html=str(md.render(c.body)),
        created_at=created,
        updated_at=_utc(c.updated_at),
        cluster_key=c.cluster_key,
        cluster_version=c.cluster_version,
        cohort_id=c.cohort_id,
        submission_id=c.submission_id,
        line=c.line,
    )


def _listing(session: SessionDep, settings: SettingsDep, md: MarkdownDep, scope: Scope) -> dict[str, Any]:
    found = scope_clusters(session, settings, scope)
    out = []
    for c in found:
        item = c.to_json()
        item["comments"] = [public(s, md).model_dump(mode="json") for s in cluster_comments(session, scope, c)]
        out.append(item)
    return {
        "lesson_id": scope.lesson_id,
        "cohort_id": scope.cohort_id,
        "clusters": out,
        "ungrouped": scope_ungrouped(session, scope),
    }


@router.get("/lessons/{lesson_id}/clusters", responses=READ_ERRORS)
def lesson_clusters(
    lesson_id: str, user: StaffUser, session: SessionDep, settings: SettingsDep, md: MarkdownDep, catalog: CatalogDep
) -> dict[str, Any]:
    return _listing(session, settings, md, lesson_scope(catalog, lesson_id, user, settings.root_path))


@router.get("/cohorts/{cohort_id}/lessons/{lesson_id}/clusters", responses=READ_ERRORS)
def cohort_clusters(
    cohort_id: DbId, lesson_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep, md: MarkdownDep
) -> dict[str, Any]:
    return _listing(session, settings, md, cohort_scope(session, cohort_id, lesson_id, user, settings.root_path))


def _one(session: SessionDep, settings: SettingsDep, scope: Scope, key: str, version: str | None) -> clusters.Cluster:
    cluster = clusters.find(scope_clusters(session, settings, scope), key, version)
    if cluster is None:
        raise AppError(404, f"There is no cluster {key[:40]!r} here.")
    return cluster


@router.get("/lessons/{lesson_id}/clusters/diff", responses=READ_ERRORS)
def lesson_clusters_diff(
    lesson_id: str, a: str, b: str, user: StaffUser, session: SessionDep, settings: SettingsDep, catalog: CatalogDep
) -> dict[str, Any]:
    scope = lesson_scope(catalog, lesson_id, user, settings.root_path)
    return _diff_json(session, settings, scope, a, b)


@router.get("/cohorts/{cohort_id}/lessons/{lesson_id}/clusters/diff", responses=READ_ERRORS)
def cohort_clusters_diff(
    cohort_id: DbId, lesson_id: str, a: str, b: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    scope = cohort_scope(session, cohort_id, lesson_id, user, settings.root_path)
    return _diff_json(session, settings, scope, a, b)


def _diff_json(session: SessionDep, settings: SettingsDep, scope: Scope, a: str, b: str) -> dict[str, Any]:
    ka, _, va = a.partition("@")
    kb, _, vb = b.partition("@")
    d = clusters.diff(_one(session, settings, scope, ka, va or None), _one(session, settings, scope, kb, vb or None))
    return {"a": d.a.to_json(), "b": d.b.to_json(), "normal_form_diff": d.normal_form, "source_diff": d.source}


def _add(
    session: SessionDep,
    settings: SettingsDep,
    md: MarkdownDep,
    user: Any,
    scope: Scope,
    key: str,
    body: ClusterCommentIn,
) -> FeedbackCommentPublic:
    cluster = _one(session, settings, scope, key, body.version)
    try:
        comment = feedback.add_cluster_comment(
            session=session,
            author=user,
            lesson_id=scope.lesson_id,
            cluster_key=cluster.key,
            cluster_version=cluster.version,
            body=body.body,
            cohort_id=scope.cohort_id,
            max_chars=settings.feedback_comment_max_chars,
        )
    except feedback.FeedbackError as exc:
        raise AppError(exc.status, str(exc)) from exc
    return public(feedback.ShownComment(comment, user.username), md)


@router.post(
    "/lessons/{lesson_id}/clusters/{key}/comments",
    status_code=201,
    responses=WRITE_ERRORS,
)
def lesson_cluster_comment(
    lesson_id: str,
    key: str,
    body: ClusterCommentIn,
    user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
    md: MarkdownDep,
    catalog: CatalogDep,
) -> FeedbackCommentPublic:
    return _add(session, settings, md, user, lesson_scope(catalog, lesson_id, user, settings.root_path), key, body)


@router.post(
    "/cohorts/{cohort_id}/lessons/{lesson_id}/clusters/{key}/comments",
    status_code=201,
    responses=WRITE_ERRORS,
)
def cohort_cluster_comment(
    cohort_id: DbId,
    lesson_id: str,
    key: str,
    body: ClusterCommentIn,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    md: MarkdownDep,
) -> FeedbackCommentPublic:
    scope = cohort_scope(session, cohort_id, lesson_id, user, settings.root_path)
    return _add(session, settings, md, user, scope, key, body)


@router.get("/submissions/{submission_id}/comments", responses=READ_ERRORS)
def submission_comments(
    submission_id: DbId, user: CurrentUser, session: SessionDep, md: MarkdownDep
) -> list[FeedbackCommentPublic]:
    sub = visible_submission(session, user, submission_id)
    return [public(s, md) for s in feedback.for_submission(session=session, submission=sub)]


@router.post("/submissions/{submission_id}/comments", status_code=201, responses=WRITE_ERRORS)
def add_line_comment(
    submission_id: DbId,
    body: LineCommentIn,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    md: MarkdownDep,
) -> FeedbackCommentPublic:
    sub = visible_submission(session, user, submission_id)
    try:
        comment = feedback.add_line_comment(
            session=session,
            author=user,
            submission=sub,
            line=body.line,
            body=body.body,
            max_chars=settings.feedback_comment_max_chars,
        )
    except feedback.FeedbackError as exc:
        raise AppError(exc.status, str(exc)) from exc
    return public(feedback.ShownComment(comment, user.username), md)


@router.patch("/comments/{comment_id}", responses=WRITE_ERRORS)
def edit_comment(
    comment_id: DbId, body: CommentEdit, user: CurrentUser, session: SessionDep, settings: SettingsDep, md: MarkdownDep
) -> FeedbackCommentPublic:
    try:
        comment = feedback.edit_comment(
            session=session,
            user=user,
            comment_id=comment_id,
            body=body.body,
            max_chars=settings.feedback_comment_max_chars,
        )
    except feedback.FeedbackError as exc:
        raise AppError(exc.status, str(exc)) from exc
    shown = feedback.for_comment(session=session, comment=comment)
    return public(shown, md)


@router.delete("/comments/{comment_id}", status_code=204, responses=READ_ERRORS)
def delete_comment(comment_id: DbId, user: CurrentUser, session: SessionDep) -> Response:
    try:
        feedback.delete_comment(session=session, user=user, comment_id=comment_id)
    except feedback.FeedbackError as exc:
        raise AppError(exc.status, str(exc)) from exc
    return Response(status_code=204)

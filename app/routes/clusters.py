"""Instructor pages: a lesson's submissions clustered by the program they traced to, a diff between two
clusters, and comments on a cluster.

Two scopes: the whole lesson (``/instructor/lessons/{id}/clusters``, for staff; only admins comment there,
for every learner) and one cohort (``/cohorts/{id}/lessons/{id}/clusters``, for the cohort's instructors,
whose comments reach the cohort's learners). The reads are app.services.clusters, the writes
app.services.feedback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.deps import CatalogDep, CsrfDep, CurrentUser, DbId, MarkdownDep, SessionDep, SettingsDep, StaffUser
from app.errors import AppError
from app.lessons import LessonCatalog
from app.models import CohortRole, Role, User
from app.routes.cohorts import managed_or_403
from app.services import clusters, cohorts, feedback
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


@dataclass
class Scope:
    """Whose submissions a clusters page groups, and where its comments go."""

    lesson_id: str
    cohort_id: int | None  # None: every learner's
    cohort_name: str | None
    user_ids: set[int] | None
    can_comment: bool
    url: str  # the clusters page


def lesson_scope(catalog: LessonCatalog, lesson_id: str, user: User, root: str) -> Scope:
    if catalog.get(lesson_id) is None:
        raise AppError(404, f"There is no lesson {lesson_id!r}.")
    url = f"{root}/instructor/lessons/{lesson_id}/clusters"
    return Scope(lesson_id, None, None, None, user.role == Role.ADMIN, url)


def cohort_scope(session: SessionDep, cohort_id: int, lesson_id: str, user: User, root: str) -> Scope:
    cohort = managed_or_403(session, cohort_id, user)
    if not any(i.lesson_id == lesson_id for i in cohorts.track(session=session, cohort_id=cohort_id)):
        raise AppError(404, f"The lesson {lesson_id!r} is not in this cohort's track.")
    learners = {
        u.id for u, role in cohorts.members(session=session, cohort_id=cohort_id) if role == CohortRole.LEARNER.value
    }
    url = f"{root}/cohorts/{cohort_id}/lessons/{lesson_id}/clusters"
    return Scope(lesson_id, cohort_id, cohort.name, {i for i in learners if i is not None}, True, url)


def scope_clusters(session: SessionDep, settings: SettingsDep, scope: Scope) -> list[clusters.Cluster]:
    return clusters.clusters(
        session=session, lesson_id=scope.lesson_id, user_ids=scope.user_ids, scan_limit=settings.clusters_scan_limit
    )


def scope_ungrouped(session: SessionDep, scope: Scope) -> int:
    return clusters.ungrouped_count(session=session, lesson_id=scope.lesson_id, user_ids=scope.user_ids)


def cluster_comments(session: SessionDep, scope: Scope, cluster: clusters.Cluster) -> list[feedback.ShownComment]:
    return feedback.for_cluster(
        session=session,
        lesson_id=scope.lesson_id,
        cluster_key=cluster.key,
        cluster_version=cluster.version,
        cohort_id=scope.cohort_id,
    )


def _page(
    request: Request, session: SessionDep, settings: SettingsDep, md: MarkdownDep, catalog: CatalogDep, scope: Scope
) -> Response:
    found = scope_clusters(session, settings, scope)
    comments = {(c.key, c.version): cluster_comments(session, scope, c) for c in found}
    rendered = {s.comment.id: md.render(s.comment.body) for shown in comments.values() for s in shown}
    context = {
        "scope": scope,
        "clusters": found,
        "comments": comments,
        "rendered": rendered,
        "lesson": catalog.get(scope.lesson_id),
        "total": sum(c.size for c in found),
        "ungrouped": scope_ungrouped(session, scope),
        "scan_limit": settings.clusters_scan_limit,
    }
    return render(request, "clusters.html", context)


@router.get("/instructor/lessons/{lesson_id}/clusters")
def lesson_clusters(
    request: Request,
    lesson_id: str,
    user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
    md: MarkdownDep,
    catalog: CatalogDep,
) -> Response:
    return _page(request, session, settings, md, catalog, lesson_scope(catalog, lesson_id, user, settings.root_path))


@router.get("/cohorts/{cohort_id}/lessons/{lesson_id}/clusters")
def cohort_clusters(
    request: Request,
    cohort_id: DbId,
    lesson_id: str,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    md: MarkdownDep,
    catalog: CatalogDep,
) -> Response:
    scope = cohort_scope(session, cohort_id, lesson_id, user, settings.root_path)
    return _page(request, session, settings, md, catalog, scope)


def _pick(found: list[clusters.Cluster], ref: str) -> clusters.Cluster:
    """``ref``: ``KEY@VERSION`` (or a bare key) as the page's diff form sends it."""
    key, _, version = ref.partition("@")
    cluster = clusters.find(found, key, version or None)
    if cluster is None:
        raise AppError(404, f"There is no cluster {key[:40]!r} here.")
    return cluster


def _diff(
    request: Request, session: SessionDep, settings: SettingsDep, catalog: CatalogDep, scope: Scope, a: str, b: str
) -> Response:
    found = scope_clusters(session, settings, scope)
    d = clusters.diff(_pick(found, a), _pick(found, b))
    return render(request, "clusters_diff.html", {"scope": scope, "d": d, "lesson": catalog.get(scope.lesson_id)})


@router.get("/instructor/lessons/{lesson_id}/clusters/diff")
def lesson_clusters_diff(
    request: Request,
    lesson_id: str,
    a: str,
    b: str,
    user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
) -> Response:
    return _diff(request, session, settings, catalog, lesson_scope(catalog, lesson_id, user, settings.root_path), a, b)


@router.get("/cohorts/{cohort_id}/lessons/{lesson_id}/clusters/diff")
def cohort_clusters_diff(
    request: Request,
    cohort_id: DbId,
    lesson_id: str,
    a: str,
    b: str,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
) -> Response:
    scope = cohort_scope(session, cohort_id, lesson_id, user, settings.root_path)
    return _diff(request, session, settings, catalog, scope, a, b)


def _comment(session: SessionDep, settings: SettingsDep, user: User, scope: Scope, ref: str, body: str) -> Response:
    cluster = _pick(scope_clusters(session, settings, scope), ref)
    try:
        feedback.add_cluster_comment(
            session=session,
            author=user,
            lesson_id=scope.lesson_id,
            cluster_key=cluster.key,
            cluster_version=cluster.version,
            body=body,
            cohort_id=scope.cohort_id,
            max_chars=settings.feedback_comment_max_chars,
        )
    except feedback.FeedbackError as exc:
        raise AppError(exc.status, str(exc)) from exc
    return RedirectResponse(f"{scope.url}#cluster-{cluster.key}", status_code=303)


@router.post("/instructor/lessons/{lesson_id}/clusters/comments")
def lesson_cluster_comment(
    lesson_id: str,
    user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    cluster: Annotated[str, Form(max_length=80)],
    body: Annotated[str, Form()] = "",
) -> Response:
    scope = lesson_scope(catalog, lesson_id, user, settings.root_path)
    return _comment(session, settings, user, scope, cluster, body)


@router.post("/cohorts/{cohort_id}/lessons/{lesson_id}/clusters/comments")
def cohort_cluster_comment(
    cohort_id: DbId,
    lesson_id: str,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    cluster: Annotated[str, Form(max_length=80)],
    body: Annotated[str, Form()] = "",
) -> Response:
    scope = cohort_scope(session, cohort_id, lesson_id, user, settings.root_path)
    return _comment(session, settings, user, scope, cluster, body)

"""Pages: catalog, lesson, playground, hints. Thin: services do the work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import JSONResponse, Response

from app.deps import (
    CatalogDep,
    CsrfDep,
    CurrentUser,
    MarkdownDep,
    OptionalUser,
    RunsDep,
    SessionDep,
    SettingsDep,
    check_code,
    lesson_or_404,
)
from app.errors import AppError
from app.models import SubmissionStatus
from app.services import cohorts, drafts, feedback, grading_progress, home, progress, regrade, submissions
from app.templating import lesson_body, render

router = APIRouter(dependencies=[CsrfDep])


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, bool]:
    return {"ok": True}


@router.get("/")
def catalog_page(request: Request, user: OptionalUser, session: SessionDep, catalog: CatalogDep) -> Response:
    done = progress.progress_map(session=session, user_id=user.id) if user and user.id else {}
    steps: dict[int, list[object]] = {}
    for lesson in catalog.ordered():
        steps.setdefault(lesson.meta.step, []).append(lesson)
    tracks = cohorts.learner_tracks(session=session, user=user) if user else []
    titles = {lesson.id: lesson.meta.title for lesson in catalog.ordered()}
    mine = home.home(session=session, user_id=user.id, lessons=catalog.ordered()) if user and user.id else None
    notes = feedback.for_learner(session=session, user_id=user.id) if user and user.id else None
    ctx = {
        "steps": steps,
        "progress": done,
        "tracks": tracks,
        "titles": titles,
        "home": mine,
        "feedback_summary": notes,
    }
    return render(request, "catalog.html", ctx)


@router.get("/lessons/{lesson_id}")
def lesson_page(
    request: Request,
    lesson_id: str,
    user: OptionalUser,
    session: SessionDep,
    catalog: CatalogDep,
    md: MarkdownDep,
    runs: RunsDep,
) -> Response:
    lesson = lesson_or_404(catalog, lesson_id)
    prog = history = start = None
    if user is not None and user.id is not None:
        prog = progress.get_progress(session=session, user_id=user.id, lesson_id=lesson.id)
        history = submissions.list_submissions(session=session, user_id=user.id, lesson_id=lesson.id)
        draft = drafts.get_draft(session=session, user_id=user.id, key=drafts.lesson_key(lesson.id))
        start = drafts.starting_code(draft=draft, latest=history[0] if history else None, starter=lesson.starter)
    ordered = catalog.ordered()
    index = next(i for i, item in enumerate(ordered) if item.id == lesson.id)
    context = {
        "lesson": lesson,
        "instructions": md.render(
            lesson_body(lesson.instructions, drop_objectives=bool(lesson.meta.objectives)), key=lesson.content_hash
        ),
        "solution_html": md.render(f"```python\n{lesson.solution}\n```") if prog and prog.passed else None,
        "progress": prog,
        "history": history or [],
        "regrades": regrade.newest_regrades(session=session, submission_ids=[s.id for s in history or [] if s.id]),
        "latest": history[0] if history else None,
        # A submission still being graded shows its phase and queue position from the first paint.
        "live": (
            grading_progress.progress_of(session=session, sub=history[0])
            if history and history[0].status != SubmissionStatus.DONE.value
            else None
        ),
        "start": start,
        # The kernel's real state (it keeps its variables across pages), not "not started".
        "kernel_status": runs.status(user_id=user.id, scope=f"lesson:{lesson.id}") if user and user.id else "none",
        "prev_lesson": ordered[index - 1] if index > 0 else None,
        "next_lesson": ordered[index + 1] if index + 1 < len(ordered) else None,
    }
    return render(request, "lesson.html", context)


@router.get("/lessons/{lesson_id}/solution")
def solution(
    request: Request, lesson_id: str, user: CurrentUser, session: SessionDep, catalog: CatalogDep, md: MarkdownDep
) -> Response:
    """The reference solution, once the learner has passed (swapped in right after a passing grade)."""
    lesson = lesson_or_404(catalog, lesson_id)
    assert user.id is not None
    prog = progress.get_progress(session=session, user_id=user.id, lesson_id=lesson.id)
    if not (prog and prog.passed) and not user.is_staff:
        raise AppError(403, "The reference solution opens once you pass this lesson.")
    html = md.render(f"```python\n{lesson.solution}\n```")
    return render(request, "_solution.html", {"solution_html": html, "open": True})


@router.post("/lessons/{lesson_id}/hints")
def reveal_hint(
    request: Request, lesson_id: str, user: CurrentUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    lesson = lesson_or_404(catalog, lesson_id)
    assert user.id is not None
    shown = progress.reveal_hint(
        session=session, user_id=user.id, lesson_id=lesson.id, available=len(lesson.meta.hints)
    )
    return render(request, "_hints.html", {"lesson": lesson, "hints_revealed": shown})


PLAYGROUND_STARTER = (
    "import jax\nimport jax.numpy as jnp\n\nx = jnp.arange(5.0)\nprint(jax.grad(lambda x: (x ** 2).sum())(x))\n"
)


@router.get("/playground")
def playground(request: Request, user: CurrentUser, session: SessionDep, runs: RunsDep) -> Response:
    assert user.id is not None
    draft = drafts.get_draft(session=session, user_id=user.id, key="playground")
    start = drafts.starting_code(draft=draft, latest=None, starter=PLAYGROUND_STARTER)
    return render(
        request, "playground.html", {"start": start, "kernel_status": runs.status(user_id=user.id, scope="playground")}
    )


@router.put("/drafts/{key}")
def save_draft(
    key: str,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    code: Annotated[str, Form()] = "",
) -> Response:
    """The editor's autosave (debounced in the browser); answers when the draft was saved."""
    assert user.id is not None
    check_code(code, settings)
    if key.startswith("lesson:"):
        lesson_or_404(catalog, key.removeprefix("lesson:"))
    try:
        draft = drafts.save_draft(session=session, user_id=user.id, key=key, code=code)
    except drafts.DraftKeyError as exc:
        raise AppError(404, "There is no such editor.") from exc
    saved = drafts.starting_code(draft=draft, latest=None, starter="")
    return JSONResponse({"saved_at_ms": saved.saved_at_ms})

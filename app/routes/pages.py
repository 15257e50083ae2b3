"""Pages: catalog, lesson, playground, hints. Thin: services do the work."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import CatalogDep, CsrfDep, CurrentUser, MarkdownDep, OptionalUser, SessionDep, lesson_or_404
from app.services import progress, submissions
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, bool]:
    return {"ok": True}


@router.get("/")
async def catalog_page(request: Request, user: OptionalUser, session: SessionDep, catalog: CatalogDep) -> Response:
    done = progress.progress_map(session=session, user_id=user.id) if user and user.id else {}
    steps: dict[int, list[object]] = {}
    for lesson in catalog.ordered():
        steps.setdefault(lesson.meta.step, []).append(lesson)
    return render(request, "catalog.html", {"steps": steps, "progress": done})


@router.get("/lessons/{lesson_id}")
async def lesson_page(
    request: Request,
    lesson_id: str,
    user: OptionalUser,
    session: SessionDep,
    catalog: CatalogDep,
    md: MarkdownDep,
) -> Response:
    lesson = lesson_or_404(catalog, lesson_id)
    prog = history = None
    if user is not None and user.id is not None:
        prog = progress.get_progress(session=session, user_id=user.id, lesson_id=lesson.id)
        history = submissions.list_submissions(session=session, user_id=user.id, lesson_id=lesson.id)
    ordered = catalog.ordered()
    index = next(i for i, item in enumerate(ordered) if item.id == lesson.id)
    context = {
        "lesson": lesson,
        "instructions": md.render(lesson.instructions, key=lesson.content_hash),
        "solution_html": md.render(f"```python\n{lesson.solution}\n```") if prog and prog.passed else None,
        "progress": prog,
        "history": history or [],
        "latest": history[0] if history else None,
        "prev_lesson": ordered[index - 1] if index > 0 else None,
        "next_lesson": ordered[index + 1] if index + 1 < len(ordered) else None,
    }
    return render(request, "lesson.html", context)


@router.post("/lessons/{lesson_id}/hints")
async def reveal_hint(
    request: Request, lesson_id: str, user: CurrentUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    lesson = lesson_or_404(catalog, lesson_id)
    assert user.id is not None
    shown = progress.reveal_hint(
        session=session, user_id=user.id, lesson_id=lesson.id, available=len(lesson.meta.hints)
    )
    return render(request, "_hints.html", {"lesson": lesson, "hints_revealed": shown})


@router.get("/playground")
async def playground(request: Request, user: CurrentUser) -> Response:
    return render(request, "playground.html", {})

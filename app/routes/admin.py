"""Admin: lesson problems (what failed to load and why) and accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.deps import AdminUser, CatalogDep, CsrfDep, DbId, SessionDep
from app.errors import AppError
from app.models import Role, User
from app.services import users
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


@router.get("/admin")
async def admin_page(request: Request, user: AdminUser, session: SessionDep, catalog: CatalogDep) -> Response:
    context = {
        "problems": catalog.problems,
        "lessons": catalog.ordered(),
        "users": users.list_users(session=session),
    }
    return render(request, "admin.html", context)


@router.post("/admin/users/{user_id}/role")
async def set_role(
    user_id: DbId, user: AdminUser, session: SessionDep, role: Annotated[str, Form(max_length=20)]
) -> Response:
    target = session.get(User, user_id)
    if target is None:
        raise AppError(404, "There is no such user.")
    try:
        new_role = Role(role)
    except ValueError as exc:
        raise AppError(422, f"Unknown role {role!r}.") from exc
    users.set_role(session=session, user=target, role=new_role)
    return RedirectResponse("/admin", status_code=303)

"""A fresh app and database per test (a SQLite file in tmp_path), grading and kernels faked at their seams
(the fakes live in tests/support/fakes.py and are re-exported here for the suites that import them)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from app.models import Role, UserCreate
from app.services import tokens, users
from tests.support.fakes import FakeGrader, FakeProvider

from .live import csrf_from_page
from .pg import pg_cluster  # noqa: F401  (the session's throwaway PostgreSQL cluster)

LESSONS = Path(__file__).parent / "lessons"
BASE_URL = "https://testserver"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs twice: a SQLite file, and a fresh database on real PostgreSQL. (Not in-memory
    SQLite: sync routes run in the threadpool, and one shared in-memory connection cannot serve concurrent
    transactions.)"""
    if request.param == "sqlite":
        return f"sqlite:///{request.getfixturevalue('tmp_path') / 'test.db'}"
    cluster = request.getfixturevalue("pg_cluster")
    return str(cluster.url(cluster.new_database()))


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """A migrated database (``alembic upgrade head``) on either backend."""
    from app.db import make_engine, migrate

    eng = make_engine(Settings(data_dir=tmp_path, database_url=database_url))
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def sandbox_ready() -> bool:
    """Whether real kernels can run in the bubblewrap sandbox here (CI: yes); else the unsafe dev mode."""
    from tests.conftest import sandbox_refusal
    from tests.support.required import ENV, required_suites

    refusal = sandbox_refusal()
    if refusal is not None and "sandbox" in required_suites():  # CI: no fallback to the unsafe mode
        pytest.fail(f"required suite 'sandbox' cannot run ({ENV}): {refusal}", pytrace=False)
    return refusal is None


def make_short_dir(prefix: str) -> Path:
    """A short directory (ipc socket paths: 107 bytes at most) the kernel user can traverse.

    Under /run when writable: the sandbox mounts a private tmpfs over /tmp, which would hide a kernel
    directory under /tmp from the kernel itself."""
    base = "/run" if os.access("/run", os.W_OK) else "/tmp"
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    path.chmod(0o711)
    return path


@pytest.fixture
def short_runtime_dir() -> Iterator[Path]:
    path = make_short_dir("jtw")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def kernel_settings(short_runtime_dir: Path, sandbox_ready: bool) -> Settings:
    """Settings for tests with real kernels: sandboxed when the host allows it, one warm kernel.

    The data dir (its XLA cache is bound into reference kernels) lives beside the runtime dir, where
    the kernel user can reach it; pytest's tmp_path is neither reachable nor visible in the sandbox."""
    return Settings(
        data_dir=short_runtime_dir / "data",
        runtime_dir=short_runtime_dir,
        lesson_dirs=[LESSONS],
        bundled_lessons=False,
        database_url="",  # a SQLite file in data_dir
        unsafe_no_sandbox=not sandbox_ready,
        poll_interval_ms=50,
        run_timeout_s=20,
        pool_warm_kernels=1,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        runtime_dir=tmp_path / "rt",
        lesson_dirs=[LESSONS],
        bundled_lessons=False,
        database_url="",  # a SQLite file in data_dir
        poll_interval_ms=50,
    )


@pytest.fixture
def grader() -> FakeGrader:
    return FakeGrader()


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def app(settings: Settings, grader: FakeGrader, provider: FakeProvider) -> FastAPI:
    return create_app(settings, grader=grader, kernel_provider=provider)


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and give an in-process client (https, so Secure cookies are sent)."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c,
    ):
        yield c


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(app) as c:
        yield c


async def csrf(client: httpx.AsyncClient) -> str:
    """The CSRF token of the client's current state, read from a page as a browser would (signed in, it
    is bound to the session and differs from the anonymous double-submit cookie)."""
    return csrf_from_page((await client.get("/login")).text)


def make_user(
    app: FastAPI, username: str = "alice", role: Role = Role.LEARNER, password: str = "correct horse"
) -> None:
    from sqlmodel import Session

    with Session(app.state.engine) as session:
        user_create = UserCreate(username=username, password=password, role=role.value)
        users.create_user(session=session, user_create=user_create)


async def login(client: httpx.AsyncClient, username: str = "alice", password: str = "correct horse") -> None:
    data = {"username": username, "password": password, "csrf_token": await csrf(client)}
    r = await client.post("/login", data=data)
    assert r.status_code == 303, r.text


def api_token(app: FastAPI, username: str) -> str:
    from sqlmodel import Session

    with Session(app.state.engine) as session:
        user = users.get_user_by_username(session=session, username=username)
        assert user is not None
        return tokens.create_api_token(session=session, user=user)


async def wait_for(predicate: Any, timeout: float = 5.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def htmx(client: httpx.AsyncClient) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": await csrf(client)}


def next_poll(html: str) -> str | None:
    match = re.search(r'hx-get="(/runs/[^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None

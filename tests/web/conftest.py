"""A fresh app and database per test (sqlite:// + StaticPool), grading and kernels faked at their seams."""

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
from kernels.outcomes import ErrorInfo, ExecutionResult, Output, Reason

from .pg import pg_cluster  # noqa: F401  (the session's throwaway PostgreSQL cluster)

LESSONS = Path(__file__).parent / "lessons"
BASE_URL = "https://testserver"


class FakeKernel:
    """Stands in for kernels.runtime.KernelHandle: echoes, raises, sleeps (until interrupted) or prints in pieces."""

    def __init__(self) -> None:
        self.busy = False
        self.executed: list[str] = []
        self.interrupted = asyncio.Event()
        self.shut = False

    async def execute(self, code: str, options: Any = None) -> ExecutionResult:
        self.executed.append(code)
        self.busy = True
        self.interrupted.clear()
        result = ExecutionResult(reason=Reason.OK)

        async def emit(out: Output) -> None:
            result.outputs.append(out)
            if options is not None and options.on_output is not None:
                options.on_output(out)

        try:
            if "SLEEP" in code:
                await emit(Output(kind="stream", name="stdout", text="sleeping\n"))
                try:
                    await asyncio.wait_for(self.interrupted.wait(), 5)
                except TimeoutError:
                    pass
                result.reason = Reason.TIMEOUT
                result.message = "interrupted"
                return result
            if "RAISE" in code:
                result.reason = Reason.RAISED
                result.error = ErrorInfo("ValueError", "bad <value>", ["\x1b[31mTraceback line\x1b[0m"])
                await emit(Output(kind="error", name="ValueError", text="bad <value>"))
                return result
            if "PIECES" in code:  # one line flushed in two pieces, far enough apart to reach two polls
                await emit(Output(kind="stream", name="stdout", text="tick"))
                await asyncio.sleep(0.2)
                await emit(Output(kind="stream", name="stdout", text=" 2\n"))
            if "HTML" in code:
                await emit(Output(kind="display", data={"text/html": "<script>alert(1)</script><b>x</b>"}))
            await emit(Output(kind="stream", name="stdout", text=f"<ran> {len(code)} chars\n"))
            return result
        finally:
            self.busy = False

    async def interrupt(self) -> None:
        self.interrupted.set()

    async def restart(self) -> None:
        return None

    async def shutdown(self) -> None:
        self.shut = True

    async def status(self) -> str:
        return "busy" if self.busy else "idle"


class FakeProvider:
    def __init__(self) -> None:
        self.kernels: list[FakeKernel] = []
        self.released: list[FakeKernel] = []

    async def start(self) -> None:
        return None

    async def acquire(self, *, owner: str) -> FakeKernel:
        kernel = FakeKernel()
        self.kernels.append(kernel)
        return kernel

    async def release(self, kernel: Any) -> None:
        await kernel.shutdown()
        self.released.append(kernel)

    async def close(self) -> None:
        return None


class FakeGrader:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.raise_error = False

    async def __call__(self, *, lesson: Any, code: str, settings: Settings) -> dict[str, Any]:
        self.calls.append((lesson.id, code))
        if self.raise_error:
            raise RuntimeError("grader exploded")
        ok = "x + 1" in code
        return {
            "version": 1,
            "status": "pass" if ok else "fail",
            "score": 1.0 if ok else 0.25,
            "message": "All checks passed." if ok else "Some checks failed.",
            "checks": [
                {
                    "name": "correctness",
                    "status": "pass" if ok else "fail",
                    "message": "matches" if ok else "max abs error 1.0 > atol <1e-6>",
                    "details": {"max_abs_err": 0.0 if ok else 1.0},
                }
            ],
            "timings": {"total_s": 0.01},
        }


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs twice: in-memory SQLite, and a fresh database on real PostgreSQL."""
    if request.param == "sqlite":
        return "sqlite://"
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

    return sandbox_refusal() is None


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
        database_url="sqlite://",
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
        database_url="sqlite://",
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
    token = client.cookies.get("jaxtutor_csrf")
    if token is None:
        await client.get("/login")
        token = client.cookies.get("jaxtutor_csrf")
    assert token
    return token


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

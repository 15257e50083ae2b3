"""Settings: every limit is a named, documented setting (environment variables ``JAXTUTOR_*``).

Build one ``Settings`` per app or command; nothing here is instantiated at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JAXTUTOR_", env_file=None, extra="ignore")

    # --- storage and content -----------------------------------------------------------------
    data_dir: Path = Field(_REPO_ROOT / "data", description="Where the SQLite file, caches and logs live.")
    lesson_dirs: list[Path] = Field(
        default_factory=lambda: [_REPO_ROOT / "lessons"],
        description="Directories holding lesson folders; the bundled lessons plus an instructor's own "
        "(JSON list in the environment).",
    )

    # --- kernels ---------------------------------------------------------------------------------
    runtime_dir: Path = Field(
        Path("/run/jaxtutor"),
        description="Per-kernel directories with ipc sockets. Keep it short: socket paths max 107 bytes.",
    )
    unsafe_no_sandbox: bool = Field(
        False,
        description="DEVELOPMENT ONLY. Run learner code in plain, unsandboxed kernels. Never on a shared host.",
    )
    kernel_python: str = Field("", description="Interpreter for kernels (default: the server's venv python).")
    kernel_ready_timeout_s: float = Field(60.0, description="Seconds a kernel may take to answer kernel_info.")
    kernel_max_message_bytes: int = Field(64 << 20, description="Largest message accepted from a kernel.")
    run_timeout_s: float = Field(30.0, description="Wall time of one Run (cell) before it is interrupted.")
    run_output_limit_chars: int = Field(200_000, description="Output characters kept per Run.")
    run_retention_s: float = Field(
        3600.0,
        ge=60,
        description="A finished Run's output stays in the database (run_record, where any replica's polls "
        "read it) this many seconds; older Runs are deleted by every replica's idle sweep.",
    )

    # --- sandbox limits (read by kernels.sandbox) ------------------------------------------------
    sandbox_user: str = Field("jaxtutor-kernel", description="Unprivileged host user that kernels run as.")
    sandbox_memory_mb: int = Field(2048, description="Memory cgroup limit per kernel (RAM + tmpfs).")
    sandbox_pids: int = Field(128, description="Processes/threads per kernel (pids cgroup).")
    sandbox_cpus: float = Field(1.0, description="CPU quota per kernel, in cores.")
    sandbox_file_size_mb: int = Field(16, description="Largest file a kernel may write (RLIMIT_FSIZE).")
    sandbox_open_files: int = Field(256, description="Open file descriptors per kernel (RLIMIT_NOFILE).")
    sandbox_scratch_mb: int = Field(64, description="Size of the kernel's private writable /tmp.")
    sandbox_mode: str = Field(
        "auto",
        pattern=r"^(auto|root|helper)$",
        description="How the server starts kernels as sandbox_user: 'root' (the server runs as root), 'helper' "
        "(an unprivileged server uses the privileged helper sandbox_helper and a delegated cgroup subtree; "
        "scripts/setup-host.sh --server-user USER prepares both), 'auto' (root when the server's euid is 0).",
    )
    sandbox_helper: str = Field(
        "/usr/local/lib/jaxtutor/kernel-exec",
        description="Non-root mode: the helper that runs a command as sandbox_user (root:<server group>, 0750, "
        "file capabilities cap_setuid,cap_setgid+ep; built from kernels/sandbox/kernel_exec.c by setup-host.sh).",
    )
    sandbox_cgroup: str = Field(
        "",
        description="Parent cgroup of the kernels' cgroups. Empty: '<the server's own cgroup>/jaxtutor'. A relative "
        "path is below the server's own cgroup, an absolute one below each hierarchy's root (cgroup v1: "
        "'/jaxtutor', the subtree setup-host.sh --server-user delegates). It must be writable by the server.",
    )
    gpu_mode: str = Field("exclusive", description="GPU sharing: 'exclusive' (one GPU per kernel) or 'shared'.")
    gpu_memory_fraction: float = Field(0.45, description="Per-kernel GPU memory fraction in shared mode.")

    # --- grading ---------------------------------------------------------------------------------
    grade_total_timeout_s: float = Field(120.0, description="Hard wall-clock limit for one grading.")
    grade_load_timeout_s: float = Field(15.0, description="Time to import and define the submission.")
    grade_phase_timeout_s: float = Field(20.0, description="Default time per grading phase (a lesson may override).")
    grade_compile_timeout_s: float = Field(
        20.0, description="Time to trace and compile the submission once (unrolled loops compile slowly)."
    )
    grade_output_limit_chars: int = Field(20_000, description="Learner output kept from one grading.")
    compilation_cache: bool = Field(True, description="Persistent XLA cache for reference and baseline compiles.")

    # --- web server (app.main, app.services) ----------------------------------------------------
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the database; empty means a SQLite file in data_dir. "
        "PostgreSQL: postgresql+psycopg://user:pass@host/db.",
    )
    database_pool_size: int = Field(
        10,
        ge=1,
        le=1000,
        description="Database connections kept open (plus as many again on demand); requests that use "
        "the database wait their turn beyond that, without blocking the server.",
    )
    auto_migrate: bool = Field(True, description="Apply database migrations (alembic upgrade head) at start-up.")
    signup_mode: str = Field(
        "open",
        pattern=r"^(open|invite|closed)$",
        description="Who may sign up: 'open', 'invite' (needs "
        "invite_code) or 'closed' (accounts only from `jaxtutor users create`).",
    )
    invite_code: str = Field("", description="Code a new learner must give when signup_mode is 'invite'.")
    cookie_secure: bool = Field(True, description="Mark cookies Secure (HTTPS only). Turn off only for plain-HTTP dev.")
    session_max_age_s: int = Field(14 * 24 * 3600, gt=0, description="Lifetime of a login session cookie.")
    max_code_bytes: int = Field(256 * 1024, gt=0, description="Largest code accepted by Run or Submit (413 beyond).")
    max_request_bytes: int = Field(1 << 20, gt=0, description="Largest request body accepted at all (413 beyond).")
    submit_rate_per_minute: int = Field(10, gt=0, description="Submissions one learner may make per minute (429).")
    run_rate_per_minute: int = Field(60, gt=0, description="Runs one learner may start per minute (429).")
    login_rate_per_minute: int = Field(20, gt=0, description="Login/sign-up attempts per client address per minute.")
    grading_workers: int = Field(1, ge=1, le=64, description="Submissions graded concurrently by this server.")
    grading_max_attempts: int = Field(
        2,
        ge=1,
        description="Times a submission is (re)started after a server crash before it is marked error.",
    )
    grading_lease_s: float = Field(
        30.0,
        gt=0,
        description="A replica grading a submission renews its lease on it every third of this; a lease "
        "that runs out (the replica died) lets another replica take the submission over and re-grade it.",
    )
    grading_poll_s: float = Field(
        1.0,
        gt=0,
        description="How often an idle grading worker looks in the database for work (submissions made "
        "on another replica, expired leases); submissions made on this replica start at once.",
    )
    replica_id: str = Field(
        "",
        max_length=100,
        description="This server's name in grading leases (submission.claimed_by); unique per replica. "
        "Empty: '<hostname>:<pid>'. A stable id lets a restarted replica re-queue its own interrupted "
        "gradings at once instead of waiting for their leases to run out.",
    )
    grader: str = Field(
        "real",
        pattern=r"^(real|fake)$",
        description="TESTING ONLY: 'fake' grades with a trivial stand-in that runs no code "
        "(app.services.fake_grader; for multi-replica tests and benchmarks). Refused unless "
        "unsafe_no_sandbox is also set, so a production server can never grade with it.",
    )
    session_kernel_idle_s: float = Field(
        900.0, gt=0, description="A learner's Run kernel is shut down after this many idle seconds."
    )
    max_session_kernels: int = Field(8, ge=1, description="Run kernels alive at once on this server (503 beyond).")
    poll_interval_ms: int = Field(400, ge=50, description="How often the page polls a running Run or grading.")

    @model_validator(mode="after")
    def _fake_grader_only_in_unsafe_mode(self) -> Settings:
        if self.grader == "fake" and not self.unsafe_no_sandbox:
            raise ValueError("grader='fake' is for tests only and needs unsafe_no_sandbox=1 as well")
        return self

    def replica_name(self) -> str:
        """``replica_id``, or ``<hostname>:<pid>`` (unique per process; a container's pid is stable)."""
        import os
        import socket

        return self.replica_id or f"{socket.gethostname()}:{os.getpid()}"

    def kernel_python_path(self) -> str:
        """The venv interpreter kernels run, with its directory resolved: ``.venv`` may be a symlink to a
        venv outside the checkout (see scripts/install.sh) and the kernel user must reach its real path."""
        from kernels.launcher import kernel_interpreter

        return kernel_interpreter(self.kernel_python or None)

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o755)

    @property
    def reference_cache_dir(self) -> Path:
        return self.data_dir / "reference-cache"

    # --- kernel pool (read by kernels.pool) ------------------------------------------------------
    pool_warm_kernels: int = Field(2, description="Started, never-used kernels kept ready per warm profile.")
    pool_max_kernels: int = Field(16, description="Most kernels at once: warm + leased + starting.")
    pool_max_per_user: int = Field(2, description="Most kernels one user may hold at once.")
    pool_idle_cull_s: float = Field(900.0, description="A session kernel idle this long is shut down.")
    pool_cull_interval_s: float = Field(30.0, description="How often idle session kernels are looked for.")
    sandbox_shm_mb: int = Field(16, description="Size of each kernel's private /dev/shm.")

    # --- remote kernels (read by app.grader.kernel_source.GatewayKernels, kernels.gateway) ---------------
    kernel_backend: str = Field(
        "local",
        pattern=r"^(local|gateway)$",
        description="Where kernels run: 'local' (started by this server) or 'gateway' (a Jupyter Kernel "
        "Gateway at gateway_url, serving the jaxtutor kernelspec; see kernels/gateway).",
    )
    gateway_url: str = Field("", description="Base URL of the Kernel Gateway, e.g. http://10.0.0.5:8888.")
    gateway_token: str = Field("", description="The gateway's KG_AUTH_TOKEN, sent on REST calls and websockets.")
    gateway_kernel_name: str = Field("jaxtutor", description="Kernelspec name the gateway serves for jaxtutor.")
    gateway_request_timeout_s: float = Field(30.0, gt=0, description="Timeout of one REST call to the gateway.")
    gateway_kernel_gpus: int = Field(
        0,
        ge=0,
        le=16,
        description="GPUs each gateway kernel requests: Enterprise Gateway's KERNEL_GPUS and KERNEL_GPUS_LIMIT "
        "(nvidia.com/gpu on Kubernetes), and JAX_PLATFORMS=cuda,cpu unless the lesson sets it. 0: CPU kernels.",
    )

"""Settings: every limit is a named, documented setting (environment variables ``JAXTUTOR_*``).

Build one ``Settings`` per app or command; nothing here is instantiated at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_LESSONS = _REPO_ROOT / "lessons"


class SsoProvider(BaseModel):
    """One OpenID Connect provider (an item of ``sso_providers``). Read by ``app.services.sso``."""

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
        description="Short name used in URLs: the redirect URI is <public_url>/sso/<name>/callback.",
    )
    display_name: str = Field("", max_length=80, description="Button text, 'Log in with <display_name>'.")
    issuer: str = Field(
        description="The issuer URL; discovery reads <issuer>/.well-known/openid-configuration and the "
        "document, the callback's iss parameter and every ID token must name exactly this issuer."
    )
    client_id: str = Field(description="The client id registered at the provider (the ID token's audience).")
    client_secret: str = Field("", description="The client secret (client_secret_basic); PKCE is always used.")
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"], description="Scopes asked for.")
    allowed_email_domains: list[str] = Field(
        default_factory=list,
        description="If not empty, only users whose email is in one of these domains may log in.",
    )
    allowed_groups: list[str] = Field(
        default_factory=list,
        description="If not empty, only users with at least one of these groups (groups_claim) may log in.",
    )
    groups_claim: str = Field("groups", description="The claim (ID token) that lists the user's groups.")
    require_verified_email: bool = Field(
        True, description="Refuse an ID token whose email_verified claim is not true (turn off for Entra ID)."
    )
    role_claim: str = Field(
        "", description="Claim whose values map to roles through role_map (e.g. 'groups' or 'roles'); empty: none."
    )
    role_map: dict[str, str] = Field(
        default_factory=dict,
        description="Claim value -> role ('learner', 'instructor', 'admin'); the highest match wins and is "
        "applied at every login, so the provider stays the source of truth. No match: default_role.",
    )
    default_role: str = Field("learner", pattern=r"^(learner|instructor|admin)$", description="Role otherwise.")

    @property
    def label(self) -> str:
        return self.display_name or self.name


def usable_cpus(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """The CPUs this process may use: its affinity, lowered to a container's CPU quota (cgroup v2 ``cpu.max``
    or v1 ``cpu.cfs_quota_us``; ``docker run --cpus 2`` on a 64-CPU host is 2), at least 1."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = None
    try:
        text = (cgroup / "cpu.max").read_text().split()
        if text and text[0] != "max":
            quota = int(text[0]) / int(text[1])
    except (OSError, ValueError, IndexError):
        try:
            q = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
            if q > 0:
                quota = q / int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError, ZeroDivisionError):
            pass
    if quota is not None:
        cpus = min(cpus, max(1, round(quota)))
    return max(1, cpus)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JAXTUTOR_", env_file=None, extra="ignore")

    # --- storage and content -----------------------------------------------------------------
    data_dir: Path = Field(_REPO_ROOT / "data", description="Where the SQLite file, caches and logs live.")
    lesson_dirs: list[Path] = Field(
        default_factory=list,
        description="An instructor's own directories of lesson folders (JSON list in the environment). They are "
        "ADDED to the bundled lessons (see bundled_lessons); a lesson id found twice is served from the first "
        "directory (bundled first, then these in order) and the other copy is reported as a problem.",
    )
    bundled_lessons: bool = Field(
        True,
        description="Serve the lessons bundled with jaxtutor (the repository's lessons/ folder) besides "
        "lesson_dirs. Turn off (JAXTUTOR_BUNDLED_LESSONS=0) to serve only an instructor's own lessons.",
    )
    lesson_reload_s: float = Field(
        2.0,
        ge=0,
        description="The server looks for edited, added or removed lesson files this often (a cheap mtime "
        "check of every lesson folder) and reloads what changed; a broken edit keeps the last good version of "
        "that lesson served. 0 turns the background check off (the preview page still checks on request).",
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
    kernel_python: str = Field(
        "",
        description="Interpreter for learner kernels. Default: the kernel environment scripts/install.sh builds "
        "(.venv-kernel: lesson packages only, no server stack); the server's own interpreter if it is missing.",
    )
    kernel_ready_timeout_s: float = Field(60.0, description="Seconds a kernel may take to answer kernel_info.")
    kernel_max_message_bytes: int = Field(64 << 20, description="Largest message accepted from a kernel.")
    run_timeout_s: float = Field(30.0, description="Wall time of one Run (cell) before it is interrupted.")
    try_reference_timeout_s: float = Field(
        120.0,
        gt=0,
        description="Wall time for computing a lesson's public examples (Try) in a sandboxed reference kernel.",
    )
    run_output_limit_chars: int = Field(200_000, description="Output characters kept per Run.")
    run_output_quota_chars: int = Field(
        2_000_000,
        gt=0,
        description="Run output characters stored for one learner across their recorded Runs (at least "
        "run_output_limit_chars). A new Run first deletes the learner's oldest finished Runs beyond it, so a "
        "learner who prints a lot keeps their newest output and cannot fill the disk.",
    )
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
    grade_backstop_ratio: float = Field(
        3.0,
        ge=1.0,
        description="The kernel stops a phase itself when the phase has used its budget (wall time minus the time it "
        "waited for a CPU, so load does not count). The host kills a kernel whose phase ran this many times its "
        "budget in wall time (times the load the kernel measured at start, at most grade_budget_max_scale): the "
        "backstop for code the kernel cannot interrupt (a long sleep, one huge compile).",
    )
    grade_calibration_reference_s: float = Field(
        0.015,
        ge=0.0,
        description="CPU seconds of the grading kernel's start-up calibration workload on the machine the budgets "
        "were set for (with a margin). A machine whose calibration takes longer gets budgets scaled by the ratio. "
        "0 disables the scaling.",
    )
    grade_budget_max_scale: float = Field(
        3.0, ge=1.0, description="At most this factor between calibrated and configured phase budgets."
    )
    grade_output_limit_chars: int = Field(
        2_000,
        ge=0,
        description="Characters of the learner's printed output shown in a grading report (the last ones; "
        "the in-kernel harness forwards at most 4,000).",
    )
    compilation_cache: bool = Field(True, description="Persistent XLA cache for reference and baseline compiles.")
    cluster_const_max_elements: int = Field(
        16,
        ge=0,
        description="Clusters (kernels.harness.cluster): literals and constants of at most this many elements "
        "are reduced to their shape and dtype in a program's normal form, so that `x * 2.0` and `x * 3.0` are "
        "one approach; larger ones keep a hash of their contents. Part of the normal form's version.",
    )
    cluster_max_chars: int = Field(
        20_000,
        ge=200,
        description="Characters of a program's normal form kept with its report (for the instructors' diff); "
        "the cluster key always hashes the whole form.",
    )

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
        "the database (in the threadpool, never on the event loop) wait their turn beyond that.",
    )
    auto_migrate: bool = Field(True, description="Apply database migrations (alembic upgrade head) at start-up.")
    signup_mode: str = Field(
        "open",
        pattern=r"^(open|invite|sso-only|closed)$",
        description="Who may get an account: 'open' (anyone signs up), 'invite' (sign-up needs invite_code), "
        "'sso-only' (no local sign-up; accounts are made at a first single sign-on) or 'closed' (accounts "
        "only from `jaxtutor users create` or the admin API; single sign-on then logs in linked accounts only). "
        "Single sign-on makes accounts in the other three modes too, within each provider's allowed "
        "domains and groups.",
    )
    local_accounts: bool = Field(
        True,
        description="Password logins and local sign-up. Off: the login page shows only the single sign-on "
        "buttons, passwords are refused and no reset links are used (API tokens still work).",
    )
    sso_providers: list[SsoProvider] = Field(
        default_factory=list,
        description="OpenID Connect providers (JSON list of objects: name, display_name, issuer, client_id, "
        "client_secret, scopes, allowed_email_domains, allowed_groups, groups_claim, require_verified_email, "
        "role_claim, role_map, default_role). See docs/deployment.md, 'Single sign-on'.",
    )
    sso_state_ttl_s: int = Field(
        600, ge=30, description="How long a single sign-on login may take at the provider before it must restart."
    )
    sso_http_timeout_s: float = Field(
        10.0, gt=0, description="Timeout of one request to a provider (discovery, keys, token exchange)."
    )
    sso_metadata_ttl_s: float = Field(
        3600.0, ge=0, description="How long a provider's discovery document and keys are cached (0: never)."
    )
    sso_clock_skew_s: int = Field(
        60, ge=0, le=600, description="Clock difference allowed when checking an ID token's exp and iat."
    )
    lti_state_ttl_s: int = Field(
        600,
        ge=30,
        description="LTI 1.3: how long a launch may take between the LMS's login initiation and its id_token "
        "post (the state and nonce expire then; each nonce works once).",
    )
    lti_login_rate_per_minute: int = Field(
        300,
        ge=1,
        description="LTI 1.3: login initiations per minute from one client address (each stores a nonce); a "
        "class launching at once from behind one address shares it.",
    )
    lti_frame_max_age_s: int = Field(
        30 * 24 * 3600,
        ge=60,
        description="LTI 1.3: how long a browser that came through a launch may still be framed by the registered "
        "LMSs (the frame cookie's lifetime). It outlives the session on purpose: when the session ends inside the "
        "LMS's frame, the page can still show, and tells the learner to open the activity again from the course.",
    )
    lti_launch_data_ttl_s: int = Field(
        3600,
        ge=60,
        description="LTI 1.3: how long a deep-linking launch is kept for the lesson picker to answer it.",
    )
    lti_clock_skew_s: int = Field(
        60, ge=0, le=600, description="LTI 1.3: clock difference allowed when checking an id_token's exp and iat."
    )
    lti_jwks_ttl_s: int = Field(
        3600,
        ge=0,
        description="LTI 1.3: how long a platform's public key set is cached (0: fetched at every launch; an "
        "unknown key id fetches it again at once).",
    )
    lti_http_timeout_s: float = Field(
        10.0, gt=0, description="LTI 1.3: timeout of one request to a platform (keys, token, scores, roster)."
    )
    lti_grade_max_attempts: int = Field(
        12,
        ge=1,
        description="LTI grade passback: deliveries tried per score before it is marked failed (kept in the "
        "outbox; a better score or `jaxtutor lti grades --retry` tries again).",
    )
    lti_grade_backoff_s: float = Field(
        5.0,
        gt=0,
        description="LTI grade passback: wait after the first failed delivery; doubled after each further failure.",
    )
    lti_grade_backoff_max_s: float = Field(
        3600.0, gt=0, description="LTI grade passback: the longest wait between two deliveries of one score."
    )
    lti_outbox_poll_s: float = Field(
        2.0,
        gt=0,
        description="LTI grade passback: how often the worker in each replica looks for scores due for delivery "
        "(and refreshes the origins allowed to frame LTI-launched pages).",
    )
    public_url: str = Field(
        "",
        description="The server's public base URL (https://tutor.example.org) for single sign-on redirect URIs "
        "and the links in reset mails. Empty: taken from each request (fine without a rewriting proxy).",
    )
    password_reset_ttl_s: int = Field(
        24 * 3600, ge=300, description="How long a password-reset link works (it works once)."
    )
    reset_rate_per_hour: int = Field(
        5, gt=0, description="Reset mails one address or client may ask for per hour (beyond: asked again later)."
    )
    cohort_invite_ttl_s: int = Field(
        14 * 24 * 3600, ge=600, description="How long a cohort's invite link lets learners join (any number of them)."
    )
    cohort_stuck_attempts: int = Field(
        5,
        ge=1,
        description="A learner is marked stuck on a cohort's lesson after this many graded attempts without "
        "passing it (the instructor's progress matrix and per-lesson page).",
    )
    cohort_report_scan_limit: int = Field(
        2000,
        ge=1,
        description="The instructor's per-lesson page reads at most this many of the cohort's latest failing "
        "submissions of the lesson to count which checks fail most and their messages.",
    )
    clusters_scan_limit: int = Field(
        5000,
        ge=1,
        description="A lesson's clusters page (and its JSON) groups at most this many of the lesson's latest "
        "graded submissions (those of the cohort, on a cohort's page).",
    )
    feedback_comment_max_chars: int = Field(
        10_000, ge=1, description="The longest instructor comment (Markdown) on a cluster or a line, in characters."
    )
    smtp_host: str = Field("", description="SMTP server for reset mails; empty: no self-service reset by email.")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 TLS, 25 plain).")
    smtp_tls: str = Field(
        "starttls", pattern=r"^(starttls|tls|none)$", description="'starttls', 'tls' (implicit, port 465) or 'none'."
    )
    smtp_username: str = Field("", description="SMTP login; empty: none.")
    smtp_password: str = Field("", description="SMTP password.")
    smtp_from: str = Field("", description="The From address of reset mails, e.g. 'jaxtutor <tutor@example.org>'.")
    smtp_timeout_s: float = Field(20.0, gt=0, description="Timeout of one SMTP conversation.")
    invite_code: str = Field("", description="Code a new learner must give when signup_mode is 'invite'.")
    cookie_secure: bool = Field(
        True,
        description="The server is reached over TLS (directly or through a TLS-terminating proxy): every cookie "
        "is Secure and the CSRF cookie is named __Host-jaxtutor_csrf. Turn off only for plain-HTTP development.",
    )
    session_max_age_s: int = Field(14 * 24 * 3600, gt=0, description="Lifetime of a login session cookie.")
    password_min_length: int = Field(
        10, ge=8, le=256, description="Shortest password accepted (sign-up, users create, password change)."
    )
    api_token_default_days: int = Field(90, ge=1, description="Days an API token lives when its creator names none.")
    api_token_max_days: int = Field(365, ge=1, description="Longest lifetime an API token may be given, in days.")
    max_code_bytes: int = Field(256 * 1024, gt=0, description="Largest code accepted by Run or Submit (413 beyond).")
    max_request_bytes: int = Field(1 << 20, gt=0, description="Largest request body accepted at all (413 beyond).")
    submission_quota_count: int = Field(
        2000, ge=1, description="Submissions one learner may have stored; Submit beyond it is refused (409)."
    )
    submission_quota_chars: int = Field(
        32 << 20,
        ge=1,
        description="Total characters of code in one learner's stored submissions; Submit beyond it is refused (409).",
    )
    submit_rate_per_minute: int = Field(10, gt=0, description="Submissions one learner may make per minute (429).")
    run_rate_per_minute: int = Field(60, gt=0, description="Runs one learner may start per minute (429).")
    login_rate_per_minute: int = Field(
        20,
        gt=0,
        description="Login/sign-up attempts per client address per minute (the address behind a trusted proxy: "
        "trusted_proxies).",
    )
    login_free_failures: int = Field(
        5,
        ge=1,
        description="Failed logins for one account (from any address) before each further attempt must wait "
        "(login_backoff_base_s, doubling per failure): guessing one account's password slows only that account.",
    )
    login_backoff_base_s: float = Field(
        2.0, gt=0, description="The first wait after login_free_failures failed logins of one account, in seconds."
    )
    login_backoff_max_s: float = Field(
        300.0, gt=0, description="The longest wait between login attempts for one account, in seconds."
    )
    login_failure_window_s: float = Field(
        900.0,
        gt=0,
        le=3600,
        description="Failed logins of an account are counted over this many seconds (a success clears them).",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of the reverse proxies in front of this server (JSON list in the "
        'environment, e.g. ["127.0.0.1"]). Only for requests from them is the client address taken from '
        "X-Forwarded-For (the nearest address not itself a trusted proxy) and the scheme from X-Forwarded-Proto. "
        "Empty: the peer address is the client.",
    )
    root_path: str = Field(
        "",
        pattern=r"^(/[A-Za-z0-9._~-]+)*$",
        description="The sub-path the site is served under when a reverse proxy strips it (e.g. '/tutor'; "
        "empty: the root). Links, form targets and redirects are prefixed with it.",
    )
    grading_workers: int = Field(1, ge=1, le=64, description="Submissions graded concurrently by this server.")
    grading_max_attempts: int = Field(
        2,
        ge=1,
        description="Times a submission is (re)started after a server crash before it is marked error.",
    )
    regrade_max_jobs: int = Field(
        2000,
        ge=1,
        description="The most submissions one re-grade request may queue (a lesson's 'all' scope on a big "
        "course); a request that would queue more is refused whole with a message saying so.",
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
    grading_infra_retries: int = Field(
        5,
        ge=0,
        le=50,
        description="Times a grading that failed for an infrastructure reason (a full disk, a database error, "
        "a grading kernel that could not start), not because of the learner's code, is tried again, with "
        "exponential backoff, before it is set aside as 'not graded, will retry' (status stalled). Such a "
        "failure is never stored as the learner's error.",
    )
    grading_infra_retry_base_s: float = Field(
        10.0,
        gt=0,
        description="The first wait before a grading that failed for an infrastructure reason is tried again; "
        "each further failure doubles it, up to grading_infra_retry_max_s.",
    )
    grading_infra_retry_max_s: float = Field(
        600.0,
        gt=0,
        description="The longest wait between two tries of a grading that failed for an infrastructure reason.",
    )
    grading_stalled_retry_s: float = Field(
        3600.0,
        ge=0,
        description="A submission set aside as 'not graded, will retry' is tried again by the server itself "
        "after this many seconds (0: only when an operator re-queues it with `jaxtutor grading retry`).",
    )
    replica_id: str = Field(
        "",
        max_length=100,
        description="This server's name in grading leases and Run records; unique per replica and stable "
        "across restarts. Empty: '<hostname>:<8 hex digits of the data dir's path>', stable for one server "
        "and its data dir. Set it when several servers share a host and a data dir. A restarted replica "
        "finds its own interrupted gradings and Runs by it and finishes their bookkeeping at once.",
    )
    session_kernel_idle_s: float = Field(
        900.0, gt=0, description="A learner's Run kernel is shut down after this many idle seconds."
    )
    max_session_kernels: int = Field(
        8,
        ge=1,
        description="Run kernels alive or starting at once on this server. Beyond it a Run waits in a queue (the "
        "learner sees their position) while the least recently used idle kernel is stopped to make room.",
    )
    max_kernels_per_learner: int = Field(
        3,
        ge=1,
        description="Run kernels one learner may hold (one per lesson and one for the Playground, like one per "
        "notebook): starting one more stops that learner's least recently used idle kernel.",
    )
    kernel_start_concurrency: int = Field(
        0,
        ge=0,
        description="Run kernels started at once, each counted until its first Run ends (kernel_first_run_hold_s); "
        "more wait their turn and see their place in the queue. A start and a first `import jax` are CPU work, "
        "so more at once than the CPUs only makes every one slower (a class of 30 on 2 CPUs: median first output "
        "6.6 s with 2 at once, 8.6 s with 3, 8.9 s with 4). 0: the CPUs this server may use (its container's CPU "
        "quota included). With the Kernel Gateway the kernels run on its host: set it to that host's CPUs.",
    )
    kernel_first_run_hold_s: float = Field(
        5.0,
        ge=0,
        description="A new Run kernel counts against kernel_start_concurrency until the Run that started it ends, "
        "at most this many seconds. A class's first cells (`import jax`: about 1 CPU-second each) cost more than "
        "the starts; running a few at a time gets each learner their output sooner than running all at once. "
        "0: only the start itself counts.",
    )
    run_kernel_preload_libs: bool = Field(
        False,
        description="Warm Run kernels (those the pool keeps ready) also import flax and optax (about 0.6 s of CPU "
        "and tens of MiB per kernel). Off: they preload JAX, its warm-up and matplotlib, and a learner's first "
        "`import flax` pays for flax instead. A kernel started while a learner waits preloads nothing (its first "
        "output comes sooner, and a class arriving together shares the CPUs).",
    )
    run_kernel_ready_timeout_s: float = Field(
        180.0,
        gt=0,
        description="Seconds a learner's Run kernel may take to answer once its sandbox is up (kernel_ready_timeout_s "
        "is for grading kernels). When a class arrives together on a small or busy machine, starts are slow but "
        "alive; the learner sees 'Starting the kernel…' meanwhile rather than an error at 60 s.",
    )
    run_queue_max: int = Field(
        200, ge=1, description="Learners that may wait for a Run kernel to start at once (503 beyond)."
    )
    static_max_age_s: int = Field(
        31_536_000,
        ge=0,
        description="Cache lifetime of static files whose URL carries their content hash (immutable; a year).",
    )
    static_gzip_min_bytes: int = Field(
        500, ge=0, description="Static files at least this large are sent gzip-compressed to browsers that accept it."
    )
    poll_interval_ms: int = Field(400, ge=50, description="How often the page polls a running Run or grading.")
    queued_poll_interval_ms: int = Field(
        1000,
        ge=50,
        description="How often the page polls a Run that waits in the kernel start queue (its position changes "
        "slowly; a class of 30 polling at poll_interval_ms takes CPU from the kernel starts it waits for).",
    )
    draft_save_delay_ms: int = Field(
        1000,
        ge=100,
        le=60_000,
        description="The editor autosaves its draft to the server this long after the last keystroke.",
    )

    editor_assist_timeout_s: float = Field(
        5.0,
        gt=0,
        le=30,
        description="Wall time of one completion or inspect (Shift+Tab) request to the learner's Run kernel; past "
        "it the editor shows nothing. Never starts a kernel. The first completion in a kernel may take seconds (the "
        "kernel loads its completer); later ones take milliseconds.",
    )
    editor_assist_max_matches: int = Field(
        200, ge=1, le=5000, description="Most completion candidates sent to the editor for one request."
    )
    editor_assist_max_doc_chars: int = Field(
        20_000,
        ge=100,
        le=1_000_000,
        description="Longest signature/docstring text shown for inspect (Shift+Tab); longer text is cut.",
    )
    editor_assist_rate_per_minute: int = Field(
        240, gt=0, description="Completion and inspect requests one learner may make per minute (429)."
    )
    diff_max_lines: int = Field(
        5000, ge=10, description="Longest submission (in lines) the diff between two attempts compares."
    )

    @model_validator(mode="after")
    def _unique_sso_names(self) -> Settings:
        names = [p.name for p in self.sso_providers]
        if len(names) != len(set(names)):
            raise ValueError("sso_providers: every provider needs its own name")
        if self.smtp_host and not self.smtp_from:
            raise ValueError("smtp_from is needed when smtp_host is set")
        return self

    @model_validator(mode="after")
    def _run_quota_holds_a_run(self) -> Settings:
        if self.run_output_quota_chars < self.run_output_limit_chars:
            raise ValueError("run_output_quota_chars must be at least run_output_limit_chars")
        return self

    @model_validator(mode="after")
    def _token_default_within_max(self) -> Settings:
        if self.api_token_default_days > self.api_token_max_days:
            raise ValueError("api_token_default_days must not exceed api_token_max_days")
        return self

    # --- operations: logs, metrics, readiness (app.observability) --------------------------------
    log_format: str = Field(
        "json",
        pattern=r"^(json|text)$",
        description="Server log lines: 'json' (one object per line with request_id, learner_id and "
        "submission_id where known) or 'text' (human-readable, for development).",
    )
    log_level: str = Field(
        "INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$", description="Least severe log level written."
    )
    metrics_token: str = Field(
        "",
        description="When set, GET /metrics requires 'Authorization: Bearer <this token>' (configure it as "
        "the Prometheus scrape job's bearer token). Empty: /metrics is open; keep it off the public network.",
    )
    readiness_timeout_s: float = Field(
        5.0, gt=0, le=60, description="Seconds each /readyz check (database, sandbox) may take before it fails."
    )

    def kernel_starts_at_once(self) -> int:
        """``kernel_start_concurrency``, or (0) the CPUs this server may use."""
        return self.kernel_start_concurrency or usable_cpus()

    def replica_name(self) -> str:
        """``replica_id``, or ``<hostname>:<hash of the data dir>``: the same after a restart (a PID is not),
        so that the server recognises the gradings and Runs it left unfinished as its own."""
        import hashlib
        import socket

        if self.replica_id:
            return self.replica_id
        where = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:8]
        return f"{socket.gethostname()}:{where}"

    def all_lesson_dirs(self) -> list[Path]:
        """The bundled lessons (unless turned off) and then ``lesson_dirs``, each directory once: the order
        decides which copy of a duplicated lesson id is served."""
        dirs = ([BUNDLED_LESSONS] if self.bundled_lessons else []) + list(self.lesson_dirs)
        seen: set[Path] = set()
        unique: list[Path] = []
        for d in dirs:
            key = Path(d).resolve()
            if key not in seen:
                seen.add(key)
                unique.append(Path(d))
        return unique

    def kernel_python_path(self) -> str:
        """The venv interpreter kernels run, with its directory resolved: ``.venv-kernel`` (and ``.venv``) may be
        symlinks to venvs outside the checkout (see scripts/install.sh) and the kernel user must reach the
        real path."""
        from kernels.launcher import kernel_interpreter

        return kernel_interpreter(self.kernel_python or None)  # default: kernels.environment

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
    pool_refill_quiet_s: float = Field(
        10.0,
        ge=0,
        description="Warm Run kernels are started again only once no learner has waited for a kernel start for "
        "this long: a warm kernel costs several times the CPU of a light start, which a class arriving together "
        "needs for the kernels it is waiting for.",
    )
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

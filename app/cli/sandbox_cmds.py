"""``jaxtutor doctor`` (is the sandbox usable here?) and ``jaxtutor run FILE`` (one cell, fresh sandbox).

``run`` exit codes: 0 ok, 1 the code raised, 3 timeout or killed, 4 memory/processes/file-size limit,
5 no sandbox. ``JAXTUTOR_UNSAFE_NO_SANDBOX=1`` runs without one (development only, loudly).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

from app.config import Settings
from kernels.outcomes import RUN_EXIT_CODES, ExecutionResult, Output, Reason, plain_message

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
UNSAFE_WARNING = (
    "WARNING: JAXTUTOR_UNSAFE_NO_SANDBOX=1: this code runs WITHOUT any sandbox, with your privileges, "
    "network and files. Never do this with code you did not write."
)


def register(sub: Any) -> None:
    doctor = sub.add_parser("doctor", help="Check that the kernel sandbox can run on this host.")
    doctor.add_argument("--json", action="store_true", help="Print the report as JSON.")
    doctor.add_argument("--no-smoke", action="store_true", help="Skip starting a test sandbox.")
    doctor.set_defaults(handler=cmd_doctor)

    run = sub.add_parser("run", help="Run a Python file as one cell in a fresh sandboxed kernel.")
    run.add_argument("file", type=Path)
    run.add_argument("--timeout", type=float, default=None, help="Wall time in seconds (default: run_timeout_s).")
    run.add_argument("--memory", default=None, help="Memory limit, e.g. 512M or 2G (default: sandbox_memory_mb).")
    run.add_argument("--preload", action="store_true", help="Import JAX before running (as the web app does).")
    run.add_argument("--json", action="store_true", help="Print the ExecutionResult as JSON instead of streaming.")
    run.set_defaults(handler=cmd_run)


def cmd_doctor(args: argparse.Namespace) -> int:
    from kernels.sandbox.doctor import format_report
    from kernels.sandbox.readiness import check_sandbox

    settings = Settings()
    report = check_sandbox(
        user=settings.sandbox_user,
        runtime_dir=settings.runtime_dir,
        python=settings.kernel_python_path(),
        smoke=not args.no_smoke,
    )
    # The report includes the kernel environment (lesson package versions; isolation from the server stack).
    print(json.dumps(report.to_json(), indent=2) if args.json else format_report(report))
    return 0 if report.ready else RUN_EXIT_CODES[Reason.SANDBOX_UNAVAILABLE]


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings()
    try:
        code = args.file.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"jaxtutor run: cannot read the file ({type(exc).__name__})", file=sys.stderr)
        return 2
    result = asyncio.run(_run(code, args, settings))
    if args.json:
        print(json.dumps(result.to_json()))
    elif not result.ok or result.reason is Reason.OUTPUT_LIMIT:
        if result.error is not None and result.error.traceback:
            print(_ANSI.sub("", "\n".join(result.error.traceback)), file=sys.stderr)
        if result.message and result.reason is not Reason.RAISED:
            print(f"jaxtutor run: {result.message}", file=sys.stderr)
    return RUN_EXIT_CODES.get(result.reason, 3)


async def _run(code: str, args: argparse.Namespace, settings: Settings) -> ExecutionResult:
    from kernels.launcher import KernelConfig, start_kernel
    from kernels.runtime import ExecuteOptions, KernelStartError
    from kernels.sandbox.doctor import refine_result
    from kernels.sandbox.limits import SandboxLimits, parse_size_mb
    from kernels.sandbox.readiness import check_sandbox

    sandbox = not settings.unsafe_no_sandbox
    if sandbox:
        report = check_sandbox(
            user=settings.sandbox_user,
            runtime_dir=settings.runtime_dir,
            python=settings.kernel_python_path(),
            smoke=False,
        )
        if not report.ready:
            return _unavailable(report.reason)
    else:
        print(UNSAFE_WARNING, file=sys.stderr, flush=True)
    limits = SandboxLimits.from_settings(settings)
    if args.memory:
        try:
            limits.memory_mb = parse_size_mb(args.memory)
        except ValueError as exc:
            return _unavailable(str(exc))
    config = KernelConfig(
        runtime_dir=str(settings.runtime_dir),
        python=settings.kernel_python_path(),
        sandbox=sandbox,
        preload=args.preload,
        ready_timeout_s=settings.kernel_ready_timeout_s,
        max_message_bytes=settings.kernel_max_message_bytes,
        sandbox_options=limits.to_options(),
        purpose="cli-run",
    )
    try:
        handle = await start_kernel(config)
    except KernelStartError as exc:
        return _unavailable(str(exc))
    try:
        options = ExecuteOptions(
            timeout=args.timeout if args.timeout is not None else settings.run_timeout_s,
            output_limit=settings.run_output_limit_chars,
            on_output=None if args.json else _stream,
        )
        result = await handle.execute(code, options)
        counters = getattr(handle.km.provisioner, "limit_counters", None)
        if callable(counters):
            result = refine_result(result, counters(), limits)
        return result
    finally:
        await handle.shutdown()


def _unavailable(why: str) -> ExecutionResult:
    reason = Reason.SANDBOX_UNAVAILABLE
    return ExecutionResult(reason=reason, message=plain_message(reason, why=why))


def _stream(out: Output) -> None:
    if out.kind == "stream":
        target = sys.stderr if out.name == "stderr" else sys.stdout
        target.write(out.text)
        target.flush()
    elif out.kind in ("result", "display"):
        text = out.data.get("text/plain")
        if text:
            print(text, flush=True)

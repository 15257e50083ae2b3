"""Cheaper XLA:CPU compiles for the phases that only need a program to *run*, not to be fast.

Most of a grading's time is XLA compiling: every operation the learner's function runs eagerly compiles
one small program, and the purity, jit, vmap and grad probes compile the whole function again. Those
phases already compile with ``jax_disable_most_optimizations`` (see ``GradeContext.fast_compiles``). On
CPU, XLA's newer fusion emitters and its parallel code splitting still cost most of each compile even then:
switching both off halves the compile time of an eager operation (about 60 ms to 30 ms on the 2-core
reference machine) and cuts a 100-operation program's compile to about a third. Results can differ in the
last bits (another code generator), well inside every correctness tolerance: the bundled lessons and the
held-out corpora got the same verdicts.

These options apply only while ``jax_disable_most_optimizations`` is on, so the phases that measure
(program structure and memory, speedup) still compile exactly as a learner's own ``jax.jit`` does. The
reference kernel runs the same harness, so both sides of a comparison are compiled alike. They are passed
per compile (XLA's ``env_option_overrides``), never through ``XLA_FLAGS``, which would also change the
programs that are measured.

Eager operations are also lowered in one shared MLIR context (``_share_eager_contexts``): that changes no
program, only what building one costs.
"""

from __future__ import annotations

import threading
from typing import Any

#: XLA debug options for a quick compile on CPU (names as in XLA's DebugOptions).
FAST_CPU_OPTIONS: dict[str, Any] = {
    "xla_cpu_use_fusion_emitters": False,
    "xla_cpu_parallel_codegen_split_count": 1,
}


def install() -> None:
    """Wrap JAX's compile-option builder (before any learner code runs; idempotent)."""
    from jax._src import compiler

    original = compiler.get_compile_options
    if getattr(original, "jaxtutor_fast_cpu", False):
        return
    fast_flag = compiler._DISABLE_MOST_OPTIMIZATIONS

    def get_compile_options(*args: Any, **kwargs: Any) -> Any:
        backend = kwargs.get("backend")
        if fast_flag.value and getattr(backend, "platform", "cpu") == "cpu":
            overrides = dict(kwargs.get("env_options_overrides") or {})
            for name, value in FAST_CPU_OPTIONS.items():
                overrides.setdefault(name, value)  # an option the learner's own code passed wins
            kwargs["env_options_overrides"] = overrides
        return original(*args, **kwargs)

    get_compile_options.jaxtutor_fast_cpu = True  # type: ignore[attr-defined]
    compiler.get_compile_options = get_compile_options
    _share_eager_contexts()


def _share_eager_contexts() -> None:
    """Lower every eager operation in one MLIR context per thread instead of a new one each time.

    JAX makes a fresh MLIR context (dialects loaded and registered) for every lowering: about 4 ms of the
    20-25 ms an eager operation's first call costs here, paid once per primitive and shape. The program
    built is the same in any context. Only modules of at most one operation, with no constants and no
    sub-programs, share it: what a context keeps (its uniqued types and attributes) then stays small,
    whereas a function closing over a large array would leave that array in a shared context for good.
    """
    from jax._src import core
    from jax._src.interpreters import mlir

    if getattr(mlir.lower_jaxpr_to_module, "jaxtutor_shared_context", False):
        return
    local = threading.local()
    make_context = mlir.make_ir_context
    lower = mlir.lower_jaxpr_to_module

    def make_ir_context() -> Any:
        if not getattr(local, "share", False):
            return make_context()
        shared = getattr(local, "context", None)
        if shared is None:
            shared = local.context = make_context()
        return shared

    def lower_jaxpr_to_module(module_name: str, jaxpr: Any, *args: Any, **kwargs: Any) -> Any:
        inner = jaxpr.jaxpr
        single = len(inner.eqns) <= 1 and not jaxpr.consts and next(core.subjaxprs(inner), None) is None
        outer = getattr(local, "share", False)
        local.share = single and not outer  # a lowering inside one gets its own context
        try:
            return lower(module_name, jaxpr, *args, **kwargs)
        finally:
            local.share = outer

    lower_jaxpr_to_module.jaxtutor_shared_context = True  # type: ignore[attr-defined]
    mlir.make_ir_context = make_ir_context
    mlir.lower_jaxpr_to_module = lower_jaxpr_to_module

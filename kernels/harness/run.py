"""Entry point of the grading harness inside the kernel: ``main(plan)``.

Runs the phases the host asked for, one after another, and reports each phase's raw observations on
the signed channel: ``phase`` (a phase starts: the host arms its deadline), ``result`` (observations
or the exception that ended the phase), ``tamper`` (the guard saw interference; grading stops) and
``done``. Nothing here decides a verdict.
"""

from __future__ import annotations

import time
from typing import Any

from . import context, keys, probes, program, purity, timing, transforms
from .channel import Channel, take_key
from .context import GradeContext, code_names, describe_exception, load_source
from .guard import LEARNER_FILE, Guard, changed_attributes, fingerprint_modules
from .serialize import TooLarge, describe


def main(plan: dict[str, Any]) -> None:
    key = take_key()  # before anything else: learner code must never see it
    import jax
    from IPython.display import publish_display_data

    chan = Channel(key, publish_display_data)
    guard = Guard()
    guard.install()
    pristine = {
        "perf_counter": time.perf_counter,
        "block_until_ready": jax.block_until_ready,
        "jit": jax.jit,
    }
    jax.config.update("jax_traceback_filtering", "off")
    jax.config.update("jax_enable_custom_prng", True)  # legacy PRNGKey keys become trackable
    if plan.get("compile_cache_dir"):
        # Reference kernels only: cache every compile (the 1 s default threshold caches nothing small).
        jax.config.update("jax_compilation_cache_dir", plan["compile_cache_dir"])
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    if plan.get("x64"):
        jax.config.update("jax_enable_x64", True)
    ctx = GradeContext(plan, guard, pristine)
    ctx.fast_compiles(True)
    hide_inputs = bool(plan.get("hide_inputs"))
    context.HIDE_LEARNER_MESSAGES[0] = hide_inputs
    shown_output = ""  # with hidden inputs, only what the module printed while loading is reported

    compile_stats = [0, 0.0]  # every XLA compile of this phase (count, seconds): where grading time goes

    def on_event(event: str, duration_secs: float, **meta: str | int) -> None:
        if event.endswith("backend_compile_duration"):
            compile_stats[0] += 1
            compile_stats[1] += duration_secs
        # Only compilations of the learner's own functions count: eager op-by-op dispatch also compiles
        # (one small program per primitive and shape), which is not what "retracing" means.
        name = event
        fun = str(meta.get("fun_name", ""))
        if fun.startswith("jit(") and fun.endswith(")"):
            fun = fun[4:-1]
        if fun in ctx.learner_names and name.endswith("backend_compile_duration"):
            ctx.learner_compile_ms[fun] = duration_secs * 1000
        if ctx.compile_events is not None and fun in ctx.learner_names:
            if name.endswith("backend_compile_duration"):
                ctx.compile_events.append("compile")
            elif name.endswith("jaxpr_trace_duration"):
                ctx.compile_events.append("trace")

    jax.monitoring.register_event_duration_secs_listener(on_event)
    snapshot = fingerprint_modules()
    for name, fn in _phases(plan):
        chan.emit("phase", {"name": name})
        compile_stats[:] = [0, 0.0]
        data: dict[str, Any] = {}
        error: dict[str, Any] | None = None
        try:
            data = fn(ctx)
        except TooLarge as exc:
            error = {
                "type": "TooLarge",
                "message": str(exc),
                "line": None,
                "code": "",
                "mro": [],
                "module": "",
                "base_exception": False,
            }
        except BaseException as exc:
            error = describe_exception(exc)
        changed = changed_attributes(snapshot)
        if changed or guard.blocked:
            chan.emit("tamper", {"phase": name, "changed": changed[:20], "blocked": sorted(set(guard.blocked))[:10]})
            break
        if not hide_inputs or name == "load":
            shown_output = ctx.output.getvalue()[-4000:]
        chan.emit(
            "result",
            {
                "name": name,
                "data": data,
                "error": error,
                "output": shown_output,
                "compiles": compile_stats[0],
                "compile_s": round(compile_stats[1], 4),
            },
        )
        if error is not None and name in ("load", "ref:load"):
            break
    chan.emit("done", {})


def _phases(plan: dict[str, Any]) -> list[tuple[str, Any]]:
    checks: dict[str, Any] = plan.get("checks", {})
    role = plan.get("role", "submission")
    out: list[tuple[str, Any]] = [("load", _load), ("calls", _calls)]
    if role == "reference":
        out += _reference_phases(plan, prefix="")
        return out
    if "purity" in checks:
        out.append(("purity", purity.purity))
    if "prng" in checks:
        out.append(("prng", lambda c: keys.prng(c, list(checks["prng"].get("key_args", [])))))
    if checks.keys() & {"jit", "retrace", "vectorization", "structure", "speedup", "vmap", "grad"}:
        out.append(("jit", _jit))
    if "retrace" in checks:
        out.append(("retrace", probes.retrace))
    if "vmap" in checks:
        cfg = checks["vmap"]
        out.append(("vmap", lambda c: transforms.vmap_probe(c, cfg.get("in_axes", []), int(cfg.get("batch", 3)))))
    if "grad" in checks:
        out.append(("grad", lambda c: transforms.grad_probe(c, c.entry, list(checks["grad"].get("argnums", [0])))))
    # Phases that measure compiled programs come last: they switch to fully optimised compilation.
    if checks.keys() & {"vectorization", "structure"}:
        structure = "structure" in checks
        out.append(("program", lambda c: program.program(c, c.entry, with_compile=structure)))
    if "structure" in checks and checks["structure"].get("max_temp_ratio"):
        out.append(("baseline_program", _baseline_program))
    if "speedup" in checks:
        out.append(("speedup", _speedup))
    if plan.get("reference_in_module"):
        out.append(("ref:load", _swap_to_reference))
        out.append(("ref:calls", _calls))
        out += _reference_phases(plan, prefix="ref:")
    return out


def _reference_phases(plan: dict[str, Any], prefix: str) -> list[tuple[str, Any]]:
    checks = plan.get("checks", {})
    out: list[tuple[str, Any]] = []
    if "retrace" in checks:
        out.append((prefix + "retrace", probes.retrace))
    if "vectorization" in checks:
        out.append((prefix + "program", lambda c: program.program(c, c.entry, with_compile=False)))
    if "grad" in checks:
        out.append(
            (
                prefix + "grad",
                lambda c: transforms.grad_probe(c, c.entry, list(checks["grad"].get("argnums", [0]))),
            )
        )
    return out


def _load(ctx: GradeContext) -> dict[str, Any]:
    plan = ctx.plan
    with ctx.learner():
        module = load_source(plan["source"], LEARNER_FILE, "submission", register=True)
    ctx.module = module
    ctx.learner_names = code_names(plan["source"]) | {"counted"}
    entry = plan.get("entry", "f")
    fn = module.__dict__.get(entry)
    info: dict[str, Any] = {"entry": entry, "entry_found": fn is not None, "entry_callable": callable(fn)}
    if fn is None or not callable(fn):
        return info
    ctx.entry = fn
    info["own_jit"] = ctx.is_jitted(fn)
    try:
        import inspect

        info["params"] = list(inspect.signature(ctx.unwrapped(fn)).parameters)[:32]
    except (TypeError, ValueError):
        info["params"] = []
    if plan.get("inputs_source"):
        inputs = load_source(plan["inputs_source"], "<lesson-inputs>", "lesson_inputs", register=False)
        ctx.make_args = inputs.__dict__["make_args"]
    else:
        maker = module.__dict__.get("example_args")
        info["example_args_found"] = callable(maker)
        if not callable(maker):
            return info
        ctx.make_args = maker
    if plan.get("baseline_source"):
        base_mod = load_source(plan["baseline_source"], "<lesson-baseline>", "lesson_baseline", register=False)
        ctx.baseline = base_mod.__dict__.get(entry)
    elif callable(module.__dict__.get("baseline")):
        ctx.baseline = module.__dict__["baseline"]
    info["has_baseline"] = ctx.baseline is not None
    info["has_reference"] = callable(module.__dict__.get("reference"))
    return info


def _swap_to_reference(ctx: GradeContext) -> dict[str, Any]:
    assert ctx.module is not None
    ctx.entry = ctx.module.__dict__["reference"]
    return {}


def _calls(ctx: GradeContext) -> dict[str, Any]:
    import inspect

    if ctx.entry is None or ctx.make_args is None:
        return {"skipped": True}
    results = []
    module = ctx.module
    assert module is not None
    reads = purity.referenced_globals(ctx.entry, module)
    previous_reads: dict[str, Any] | None = None  # what the globals it reads held after the previous call
    for seed in ctx.seeds:
        args = ctx.fresh_args(seed)
        entry_result: dict[str, Any] = {"seed": seed, "n_args": len(args)}
        try:
            inspect.signature(ctx.unwrapped(ctx.entry)).bind(*args)
        except TypeError as exc:
            entry_result["arity_error"] = str(exc)
            results.append(entry_result)
            break
        except ValueError:
            pass
        before = purity.global_fingerprints(module)
        if previous_reads is not None:
            reads_now = {n: before.get(n) for n in previous_reads}
            ctx.globals_changed_between_calls |= {n for n in reads_now if reads_now[n] != previous_reads[n]}
        t0 = ctx.p["perf_counter"]()
        ctx.compile_events = []
        try:
            out = ctx.call(ctx.entry, args)
        except BaseException as exc:
            ctx.compile_events = None
            entry_result["error"] = describe_exception(exc)
            results.append(entry_result)
            if entry_result["error"]["base_exception"]:
                raise
            break
        entry_result["ms"] = (ctx.p["perf_counter"]() - t0) * 1000
        after = purity.global_fingerprints(module)
        ctx.calls_global_writes |= {n for n in after if before.get(n) != after[n]}
        previous_reads = {n: after.get(n) for n in reads if n not in ctx.calls_global_writes}
        events = ctx.compile_events or []
        ctx.compile_events = None
        entry_result["compiles"] = events.count("compile")
        entry_result["traces"] = events.count("trace")
        entry_result["signature"] = probes.signature(args, ctx.static)
        entry_result["structure"] = probes.structure(args, ctx.static)
        ctx.eager_outputs[seed] = out
        entry_result["output"] = describe(out)
        results.append(entry_result)
    return {"calls": results}


def _jit(ctx: GradeContext) -> dict[str, Any]:
    assert ctx.entry is not None
    args = ctx.fresh_args(ctx.seeds[0])
    target = ctx.jit_target(ctx.entry)
    perf = ctx.p["perf_counter"]
    t0 = perf()
    with ctx.learner():
        lowered = target.lower(*args)
    t1 = perf()
    with ctx.learner():
        compiled = lowered.compile()
    t2 = perf()
    ctx.compiled = compiled
    out = ctx.call(target, ctx.fresh_args(ctx.seeds[0]))
    eager = ctx.eager_outputs.get(ctx.seeds[0])
    # An earlier phase may have compiled the same function already (the compile was then a cache hit):
    # report the time the real compilation took.
    name = getattr(ctx.unwrapped(ctx.entry), "__name__", "") if ctx.is_jitted(ctx.entry) else "counted"
    return {
        "trace_ms": (t1 - t0) * 1000,
        "compile_ms": max((t2 - t1) * 1000, ctx.learner_compile_ms.get(name, 0.0)),
        "matches_eager": None if eager is None else probes.trees_equal(out, eager, rtol=1e-4, atol=1e-5),
    }


def _baseline_program(ctx: GradeContext) -> dict[str, Any]:
    assert ctx.baseline is not None
    return program.program(ctx, ctx.baseline)


def _speedup(ctx: GradeContext) -> dict[str, Any]:
    cfg = ctx.plan["checks"]["speedup"]
    if ctx.baseline is None:
        return {"skipped": "no baseline"}
    import jax

    backend = jax.devices()[0].platform
    threshold = float(cfg.get("gpu" if backend == "gpu" or backend == "cuda" else "cpu", 1.0))
    return timing.speedup(ctx, cfg, threshold, float(ctx.plan.get("speedup_budget_s", 8.0)))


__all__ = ["main"]

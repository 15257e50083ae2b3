"""Entry point of the grading harness inside the kernel: ``main(plan)``.

Runs the phases the host asked for, one after another, and reports each phase's raw observations on
the signed channel: ``phase`` (a phase starts: the host arms its deadline), ``result`` (observations
or the exception that ended the phase), ``tamper`` (the guard saw interference; grading stops) and
``done``. Nothing here decides a verdict.
"""

from __future__ import annotations

import functools
import importlib
import time
from typing import Any

from . import context, limits, probes, program, purity, timing, transforms, xla_options
from .channel import Channel, take_key
from .context import GradeContext, code_names, describe_exception, load_source
from .guard import LEARNER_FILE, Guard, changed_attributes, fingerprint_modules
from .serialize import TooLarge, describe


def main(plan: dict[str, Any]) -> None:
    key = take_key()  # before anything else: learner code must never see it
    phases = _phases(plan)  # resolved before any learner code runs
    lim = dict(plan.get("limits") or {})
    # Before any learner code (and before jax is imported): how fast is this machine, how busy is it?
    calibration = limits.calibrate(float(lim.get("calibration_s", 0.0)), float(lim.get("max_scale", 1.0)))
    import jax
    from IPython.display import publish_display_data

    chan = Channel(key, publish_display_data)
    guard = Guard()
    guard.install()
    pristine = {
        "perf_counter": time.perf_counter,
        "process_time": time.process_time,  # compile cost as CPU work: what load on the machine cannot inflate
        "block_until_ready": jax.block_until_ready,
        "jit": jax.jit,
        "asarray": jax.numpy.asarray,
        "tree_map": jax.tree_util.tree_map,
    }
    jax.config.update("jax_traceback_filtering", "off")
    # Legacy `PRNGKey` keys stay uint32 arrays as in plain JAX (`key + i` works): only the prng phase
    # turns them into typed keys, to track them (keys.prng).
    if plan.get("compile_cache_dir"):
        # Reference kernels only: cache every compile (the 1 s default threshold caches nothing small).
        jax.config.update("jax_compilation_cache_dir", plan["compile_cache_dir"])
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    if plan.get("x64"):
        jax.config.update("jax_enable_x64", True)
    ctx = GradeContext(plan, guard, pristine)
    xla_options.install()  # quick compiles while fast_compiles is on: before learner code, like the rest
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
    clock = limits.RunClock(calibration["load"])
    calibration["exact_clock"] = clock.exact
    chan.emit("calibration", calibration)
    watchdog = limits.Watchdog(clock, lambda: (int(compile_stats[0]), float(compile_stats[1])))
    ctx.watchdog = watchdog
    snapshot = fingerprint_modules()
    for name, fn in phases:
        chan.emit("phase", {"name": name})
        compile_stats[:] = [0, 0.0]
        data: dict[str, Any] = {}
        error: dict[str, Any] | None = None
        time_limit: dict[str, Any] | None = None
        budget = limits.phase_budget(
            name, float(lim.get("load_s", 15)), float(lim.get("phase_s", 20)), float(lim.get("compile_s", 20))
        )
        watchdog.arm(name, budget * calibration["scale"])
        try:
            try:
                data = fn(ctx)
            finally:
                used = watchdog.disarm()
        except limits.PhaseTimeLimit as exc:
            time_limit = exc.info
            ctx.compile_events = None
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
        used = watchdog.disarm()  # again: a limit that fired inside the first disarm left it armed
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
                "time_limit": time_limit,
                "used_s": round(used, 3),
            },
        )
        if error is not None and name in ("load", "ref:load"):
            break
        if time_limit is not None and name in ("load", "calls", "ref:load", "ref:calls"):
            break  # every later phase calls the function again
    chan.emit("done", {})


def _phases(plan: dict[str, Any]) -> list[tuple[str, Any]]:
    """The phases the host planned, in order (``app/grader/checks/registry.py`` derives them from the checks):
    each ``{"name", "run": "module.function" of this package, "args"}``, called as ``function(ctx, **args)``."""
    out: list[tuple[str, Any]] = []
    for spec in plan["phases"]:
        module, _, attr = str(spec["run"]).partition(".")
        if not (module.isidentifier() and attr.isidentifier()):
            raise ValueError(f"phase {spec.get('name')!r}: bad harness function {spec['run']!r}")
        fn = getattr(importlib.import_module(f".{module}", __package__), attr)
        out.append((str(spec["name"]), functools.partial(fn, **dict(spec.get("args") or {}))))
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


def canonical_output(tree: Any) -> Any:
    """The output as JAX would hold it: NumPy leaves through ``jnp.asarray`` under this kernel's x64 setting
    (a NumPy float64 reference is float32 when x64 is off). JAX arrays and Python scalars are left alone."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    def leaf(x: Any) -> Any:
        if isinstance(x, np.ndarray | np.generic) and x.dtype != object:
            try:
                return jnp.asarray(x)
            except TypeError:  # strings and other dtypes JAX has no equivalent for
                return x
        return x

    return jax.tree.map(leaf, tree)


def _calls(ctx: GradeContext, canonical: bool = False) -> dict[str, Any]:
    """Each seed's call as written. ``canonical``: the outputs of a reference, canonicalised (see
    ``canonical_output``) so that its dtypes are those a JAX submission can produce."""
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
        if canonical:
            out = canonical_output(out)
        after = purity.global_fingerprints(module)
        ctx.calls_global_writes |= {n for n in after if before.get(n) != after[n]}
        previous_reads = {n: after.get(n) for n in reads if n not in ctx.calls_global_writes}
        events = ctx.compile_events or []
        ctx.compile_events = None
        entry_result["compiles"] = events.count("compile")
        entry_result["traces"] = events.count("trace")
        entry_result["static"] = probes.static_facts(args, probes.static_positions(ctx, ctx.entry), ctx.keep_alive)
        entry_result["signature"] = probes.signature(args, ctx.static)
        entry_result["unsorted_dicts"] = probes.unsorted_dicts(args, ctx.static)
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
    ctx.watchdog.note = "tracing your function under jax.jit"
    with ctx.learner():
        if hasattr(target, "trace") and not (type(target).__module__ or "").startswith("flax"):
            traced = target.trace(*args)
            # What a time limit would say: the size of the program being compiled.
            ctx.watchdog.note = f"compiling a program of {program.walk_jaxpr(traced.jaxpr.jaxpr, {})} operations"
            lowered = traced.lower()
        else:
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


def _program(ctx: GradeContext, with_compile: bool = False) -> dict[str, Any]:
    return program.program(ctx, ctx.entry, with_compile=with_compile)


def _grad(ctx: GradeContext, argnums: list[int]) -> dict[str, Any]:
    return transforms.grad_probe(ctx, ctx.entry, list(argnums))


def _baseline_program(ctx: GradeContext) -> dict[str, Any]:
    assert ctx.baseline is not None
    return program.program(ctx, ctx.baseline)


def _speedup(ctx: GradeContext, cfg: dict[str, Any]) -> dict[str, Any]:
    if ctx.baseline is None:
        return {"skipped": "no baseline"}
    import jax

    dev = jax.devices()[0]
    backend = "gpu" if dev.platform in ("gpu", "cuda", "rocm") else "cpu"
    if (cfg.get("skip") or {}).get(backend):
        # No speedup is expected on this backend (the lesson says why): nothing to measure.
        return {"skipped_backend": cfg["skip"][backend], "backend": dev.platform, "device": dev.device_kind}
    threshold = float(cfg.get(backend, 1.0))
    return timing.speedup(ctx, cfg, threshold, float(ctx.plan.get("speedup_budget_s", 8.0)))


__all__ = ["main"]

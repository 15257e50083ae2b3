"""vmap (batched equals per-example) and grad (finite gradients that match the reference)."""

from __future__ import annotations

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.compare import compare
from app.grader.explain import sentence
from app.grader.report import CheckResult


def evaluate_vmap(ev: Evidence) -> CheckResult:
    name = "vmap"
    err = ev.sub.error("vmap")
    if err is not None:
        return result(
            ev,
            name,
            "fail",
            sentence(err, prefix="Your function does not work under jax.vmap. "),
            line=err.get("line"),
        )
    problem = phase_problem(ev, name, "vmap", "Batching your function with jax.vmap")
    if problem:
        return problem
    d = ev.sub.data("vmap") or {}
    if not d.get("matches"):
        return result(
            ev,
            name,
            "fail",
            "Under jax.vmap your function gives different results than calling it on "
            "each example: it mixes examples (e.g. reduces over the batch axis, or uses a fixed axis "
            "index). Write it for ONE example and let vmap add the batch axis.",
        )
    return result(ev, name, "pass", "Batched results equal per-example results.")


def evaluate_grad(ev: Evidence) -> CheckResult:
    name = "grad"
    err = ev.sub.error("grad")
    if err is not None:
        return result(
            ev,
            name,
            "fail",
            sentence(err, prefix="Differentiating your function failed. "),
            line=err.get("line"),
        )
    problem = phase_problem(ev, name, "grad", "Differentiating your function")
    if problem:
        return problem
    d = ev.sub.data("grad") or {}
    if not d.get("finite", False):
        return result(
            ev,
            name,
            "fail",
            "The gradient contains NaN or Inf. Look for `sqrt`, `log` or division at 0 "
            "(use `jnp.where` on the input, not only the output, or add an epsilon) and check with "
            "`jax.config.update('jax_debug_nans', True)`.",
        )
    ref = (ev.ref or {}).get("grad")
    if ref is not None and "grads" in ref:
        diff = compare(d["grads"], ref["grads"], float(ev.cfg.get("rtol", 1e-4)), float(ev.cfg.get("atol", 1e-5)))
        if diff:
            return result(
                ev,
                name,
                "fail",
                f"Gradients do not match the reference: {diff.replace('output', 'grad')}"
                ". A non-differentiable step (`stop_gradient`, integer casts, `jnp.round`) or a wrong "
                "custom VJP may be the cause; verify with `jax.test_util.check_grads`.",
            )
    return result(ev, name, "pass", "Gradients are finite and match the reference.")

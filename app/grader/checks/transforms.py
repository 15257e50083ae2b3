"""vmap (batched equals per-example) and grad (finite gradients that match the reference)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.checks.compile import JIT_PHASE
from app.grader.checks.registry import Check, CheckConfig, Phase
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


class VmapCheck(CheckConfig):
    in_axes: list[int | Literal["none"]] = Field(
        default_factory=list, validate_default=True, description="Per argument: axis or 'none'."
    )
    batch: int = Field(3, ge=2, le=16)

    @field_validator("in_axes")
    @classmethod
    def _one_per_argument(cls, value: list[int | str]) -> list[int | str]:
        if not value:
            raise ValueError("give one entry per argument (an int axis or 'none')")
        return value


class GradCheck(CheckConfig):
    argnums: list[int] = Field(default_factory=lambda: [0])
    rtol: float = 1e-4
    atol: float = 1e-5


def _vmap_phases(cfg: dict[str, Any]) -> list[Phase]:
    args = {"in_axes": list(cfg.get("in_axes", [])), "batch": int(cfg.get("batch", 3))}
    return [JIT_PHASE, Phase("vmap", "transforms.vmap_probe", args)]


def _grad_phase(cfg: dict[str, Any]) -> Phase:
    return Phase("grad", "run._grad", {"argnums": list(cfg.get("argnums", [0]))})


VMAP = Check(name="vmap", config=VmapCheck, evaluate=evaluate_vmap, phases=_vmap_phases, judges=("vmap",))

GRAD = Check(
    name="grad",
    config=GradCheck,
    evaluate=evaluate_grad,
    phases=lambda cfg: [JIT_PHASE, _grad_phase(cfg)],
    reference_phases=lambda cfg: [_grad_phase(cfg)],
    judges=("grad", "ref:grad"),
)

"""The checks as one registry: the single source of what a check is, from lesson.toml to the report.

A check is declared once, in its own module, as a ``Check``: its name, its ``[checks.<name>]`` config model,
the harness phases it needs (inside the kernel, by ``module.function`` of ``kernels/harness``), the phases
whose observations it judges (a time limit there is its ``error``), what blocks it, what ``jaxtutor check``
enables by default, and ``evaluate``. Everything else is derived from ``default_registry()``:

- the lesson schema (``Registry.checks_model``: ``app.lessons.model.Checks``) and ``CHECK_NAMES``;
- the phase plan the host sends to the kernel (``Registry.phase_plan``; the harness runs it as given);
- the ``jaxtutor check`` defaults (``Registry.cli_checks``);
- dispatch, blocking and the report order (``app.grader.verdicts.fill_report``).

So adding a check touches its module, one line of ``BUNDLED`` below, and, when it needs a new observation,
one harness module in ``kernels/harness`` (docs/checks.md). The order of ``BUNDLED`` is the report's order and
matters: a check may be blocked by the verdict of one before it (speedup by correctness and jit).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

if TYPE_CHECKING:
    from app.grader.checks.base import Evidence
    from app.grader.driver import HarnessRun
    from app.grader.report import CheckResult

#: The bundled checks in report order, as ``module:attribute`` of ``app.grader.checks``.
BUNDLED = (
    "correctness:CHECK",
    "purity:CHECK",
    "prng:CHECK",
    "compile:JIT",
    "compile:RETRACE",
    "program:VECTORIZATION",
    "transforms:VMAP",
    "transforms:GRAD",
    "program:STRUCTURE",
    "speedup:CHECK",
)


class CheckConfig(BaseModel):
    """Base of every ``[checks.<name>]`` table: unknown keys are errors, every check has a weight."""

    model_config = ConfigDict(extra="forbid")

    weight: float = Field(1.0, ge=0, description="Share of the score this check carries.")


@dataclass(frozen=True)
class Phase:
    """One harness phase: ``run`` is ``module.function`` in ``kernels/harness``, called as ``fn(ctx, **args)``.

    Two checks may ask for the same phase (by ``name``): their args are merged, and must not disagree.
    ``last``: run after every other phase of its side (phases that compile fully optimised programs switch
    the kernel out of its fast-compile mode, so they come last)."""

    name: str
    run: str
    args: dict[str, Any] = field(default_factory=dict)
    last: bool = False


#: What a check needs before it can be judged: ``calls`` (the function was called on every seed without an
#: error) and ``jit`` (the jit phase traced and compiled it).
Prerequisite = Literal["calls", "jit"]


@dataclass(frozen=True)
class CliOptions:
    """What ``jaxtutor check`` knows when it picks its checks: the names the file defines, and its flags."""

    names: frozenset[str] = frozenset()
    min_speedup: float | None = None


@dataclass(frozen=True)
class CliDefault:
    """A check ``jaxtutor check`` enables: its config table, and whether it counts in the score (a speedup
    measured without ``--min-speedup`` is reported, not scored)."""

    cfg: dict[str, Any]
    scored: bool = True


def _no_phases(cfg: dict[str, Any]) -> list[Phase]:
    return []


def _no_reason(cfg: dict[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class Check:
    name: str
    config: type[CheckConfig]  # the [checks.<name>] table in lesson.toml
    evaluate: Callable[[Evidence], CheckResult]
    #: Harness phases on the submission's side for this config (shared phases, such as jit, included).
    phases: Callable[[dict[str, Any]], list[Phase]] = _no_phases
    #: Phases run on the reference solution (in its own kernel, or as ``ref:<name>`` after the submission's).
    reference_phases: Callable[[dict[str, Any]], list[Phase]] = _no_phases
    #: Phases whose observations this check judges: a time limit in one of them is this check's ``error``.
    judges: tuple[str, ...] = ()
    needs: tuple[Prerequisite, ...] = ("calls",)
    #: Checks (before this one in the registry) that must pass or be skipped; otherwise this one is skipped.
    after: tuple[str, ...] = ()
    #: The skip message when a check in ``after`` did not pass (given that check's name).
    after_message: Callable[[str], str] | None = None
    #: True when this check itself explains why calling the function failed (jit and a tracing error), so a
    #: call error does not block it.
    explains_call_error: Callable[[HarnessRun], bool] | None = None
    #: What ``jaxtutor check`` enables (None: not enabled there).
    cli: Callable[[CliOptions], CliDefault | None] | None = None
    #: Why this config needs the lesson's baseline.py (None: it does not); ``lessons check`` reports it missing.
    needs_baseline: Callable[[dict[str, Any]], str | None] = _no_reason

    def blocked_after(self, earlier: list[CheckResult]) -> str | None:
        """Why this check is skipped given the results before it: one of ``after`` failed or hit an error
        (a check that does not count, e.g. correctness without a reference, blocks nothing)."""
        for res in earlier:
            if res.name in self.after and res.applicable and res.status in ("fail", "error"):
                if self.after_message is not None:
                    return self.after_message(res.name)
                return f"Not checked: your code must pass {res.name} first (see the {res.name} check)."
        return None


C = TypeVar("C", bound=CheckConfig)


class ChecksBase(BaseModel):
    """The lesson's ``[checks]`` table; its fields (one optional table per check) come from the registry."""

    model_config = ConfigDict(extra="forbid")

    def enabled(self) -> list[str]:
        return [name for name in type(self).model_fields if getattr(self, name) is not None]

    def get(self, name: str) -> CheckConfig | None:
        value = getattr(self, name, None) if name in type(self).model_fields else None
        return value if isinstance(value, CheckConfig) else None

    def config(self, name: str, kind: type[C]) -> C | None:
        """The typed config of check ``name`` (None: not enabled)."""
        value = self.get(name)
        return value if isinstance(value, kind) else None

    def weight(self, name: str) -> float:
        check = self.get(name)
        return float(check.weight) if check is not None else 0.0

    def dumps(self) -> dict[str, dict[str, Any]]:
        """Each enabled check's table with its defaults filled in: what the plan and the verdicts receive."""
        return {name: self.get(name).model_dump() for name in self.enabled()}  # type: ignore[union-attr]


class Registry:
    """An ordered set of checks, and everything derived from it."""

    def __init__(self, checks: Iterable[Check]) -> None:
        self.checks: dict[str, Check] = {}
        for check in checks:
            if check.name in self.checks:
                raise ValueError(f"check {check.name!r} registered twice")
            self.checks[check.name] = check

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.checks)

    def __getitem__(self, name: str) -> Check:
        return self.checks[name]

    def __contains__(self, name: object) -> bool:
        return name in self.checks

    def with_checks(self, *extra: Check) -> Registry:
        """This registry plus ``extra`` (at the end of the report): for tests and plug-ins."""
        return Registry([*self.checks.values(), *extra])

    # -- lesson schema -------------------------------------------------------------------------------
    @functools.cached_property
    def checks_model(self) -> type[ChecksBase]:
        """The ``[checks]`` model: one optional field per check, typed by its config model, in registry order."""
        fields: dict[str, Any] = {name: (check.config | None, None) for name, check in self.checks.items()}
        return create_model("Checks", __base__=ChecksBase, **fields)

    # -- jaxtutor check ------------------------------------------------------------------------------
    def cli_checks(self, options: CliOptions) -> tuple[dict[str, dict[str, Any]], frozenset[str]]:
        """The checks ``jaxtutor check`` runs (name -> config table) and those reported but not scored."""
        checks: dict[str, dict[str, Any]] = {}
        report_only: set[str] = set()
        for name, check in self.checks.items():
            default = check.cli(options) if check.cli is not None else None
            if default is None:
                continue
            checks[name] = dict(default.cfg)
            if not default.scored:
                report_only.add(name)
        return checks, frozenset(report_only)

    # -- phase plan ----------------------------------------------------------------------------------
    def phase_plan(
        self, checks: dict[str, dict[str, Any]], *, role: str, reference_in_module: bool = False
    ) -> list[dict[str, Any]]:
        """The phases the harness runs, in order, as ``{"name", "run", "args"}``.

        ``role`` "reference": the lesson's solution in its own kernel (reference phases only). "submission":
        the submission's phases, then, when the file defines ``reference`` (``jaxtutor check``), the reference
        phases again under ``ref:`` after swapping the entry for it."""
        enabled = [self.checks[name] for name in self.checks if name in checks]
        load = Phase("load", "run._load")
        calls = Phase("calls", "run._calls")
        ref = [phase for check in enabled for phase in check.reference_phases(checks[check.name])]
        if role == "reference":
            return _ordered([load, calls, *ref], prefix="")
        sub = [phase for check in enabled for phase in check.phases(checks[check.name])]
        out = _ordered([load, calls, *sub], prefix="")
        if reference_in_module:
            out += _ordered([Phase("load", "run._swap_to_reference"), calls, *ref], prefix="ref:")
        return out

    def judged_phases(self, name: str) -> tuple[str, ...]:
        return self.checks[name].judges if name in self.checks else ()


def _ordered(phases: list[Phase], prefix: str) -> list[dict[str, Any]]:
    """Same-named phases merged (first position kept), then the ``last`` ones moved to the end, stably."""
    merged: dict[str, Phase] = {}
    for phase in phases:
        seen = merged.get(phase.name)
        if seen is None:
            merged[phase.name] = phase
            continue
        clash = [k for k in phase.args.keys() & seen.args.keys() if phase.args[k] != seen.args[k]]
        if seen.run != phase.run or seen.last != phase.last or clash:
            raise ValueError(f"two checks disagree on harness phase {phase.name!r} ({seen} vs {phase})")
        merged[phase.name] = Phase(seen.name, seen.run, {**seen.args, **phase.args}, seen.last)
    ordered = [p for p in merged.values() if not p.last] + [p for p in merged.values() if p.last]
    return [{"name": prefix + p.name, "run": p.run, "args": dict(p.args)} for p in ordered]


@functools.cache
def default_registry() -> Registry:
    """The bundled checks (``BUNDLED``), imported on first use (their modules import this one)."""
    checks = []
    for entry in BUNDLED:
        module, attr = entry.split(":")
        checks.append(getattr(importlib.import_module(f"app.grader.checks.{module}"), attr))
    return Registry(checks)

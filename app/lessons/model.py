"""The lesson format: what an instructor writes in ``lesson.toml`` and the files beside it.

Pydantic validates every field; ``app.lessons.loader`` turns validation errors into
"file: field: what was expected" problems so a broken lesson never takes anything else down.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from app.grader.checks.registry import ChecksBase, Registry, default_registry

STEP_TITLES = {
    1: "Problem analysis",
    2: "Transformation strategy",
    3: "Performance",
    4: "Flax NNX, Optax and Orbax",
    5: "Debugging",
    6: "Production",
}

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The [checks] table is derived from the check registry: one optional table per check, typed by the config
# model its module declares (app/grader/checks/registry.py). mypy sees the base, pydantic the derived model.
CHECK_NAMES = default_registry().names
if TYPE_CHECKING:
    Checks = ChecksBase
else:
    Checks = default_registry().checks_model


class KernelEnv(_Strict):
    device_count: int = Field(0, ge=0, le=64, description="Simulated CPU devices (sharding lessons).")
    x64: bool = Field(False, description="Enable 64-bit floats (jax_enable_x64).")


class Limits(_Strict):
    load_s: float | None = Field(None, gt=0, description="Import and define the submission.")
    phase_s: float | None = Field(None, gt=0, description="Each grading phase.")
    compile_s: float | None = Field(None, gt=0, description="One trace + compile of the submission.")
    total_s: float | None = Field(None, gt=0, description="Whole grading.")


class LessonMeta(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    title: str = Field(min_length=3, max_length=120)
    step: int = Field(ge=1, le=6, description="Decision-framework step 1-6.")
    order: int = Field(0, description="Position within the step.")
    tags: list[str] = Field(default_factory=list)
    summary: str = Field("", max_length=300)
    objectives: list[str] = Field(default_factory=list)
    expected_minutes: int = Field(15, ge=1, le=240)
    entry: str = Field("f", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="Function the learner writes.")
    static_argnums: list[int] = Field(default_factory=list)
    inputs_as: Literal["jax", "numpy"] = Field(
        "jax",
        description="How the entry receives the NumPy arrays make_args builds: 'jax' (default) as jax.Array, as "
        "JAX code is called (so `xs[t]` with a traced t, or `xs.at[...]`, works), 'numpy' unchanged (a lesson "
        "about host data). The baseline always gets them unchanged.",
    )
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1, max_length=8)
    public_seeds: list[int] = Field(
        default_factory=list,
        max_length=3,
        description="Seeds whose inputs and reference outputs learners may see (the Try button); never graded.",
    )
    hints: list[str] = Field(default_factory=list)
    starter_fails: list[str] = Field(
        default_factory=list,
        description="Checks the starter code is expected to fail (proved by lessons check).",
    )
    checks: Checks = Field(default_factory=Checks)
    kernel: KernelEnv = Field(default_factory=KernelEnv)
    limits: Limits = Field(default_factory=Limits)

    @field_validator("starter_fails")
    @classmethod
    def _known_checks(cls, value: list[str]) -> list[str]:
        names = list(_checks_model(cls).model_fields)
        unknown = [v for v in value if v not in names]
        if unknown:
            raise ValueError(f"unknown check name(s) {unknown}; expected some of {names}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> LessonMeta:
        enabled = self.checks.enabled()
        if not enabled:
            raise ValueError("checks: at least one check must be enabled")
        for name in self.starter_fails:
            if name not in enabled:
                raise ValueError(f"starter_fails: {name!r} is not an enabled check")
        shown = sorted(set(self.public_seeds) & set(self.seeds))
        if shown:
            raise ValueError(f"public_seeds: {shown} are graded seeds too; their inputs would stop being hidden")
        if len(set(self.public_seeds)) != len(self.public_seeds):
            raise ValueError("public_seeds: each seed once")
        return self


def _checks_model(meta: type[LessonMeta]) -> type[BaseModel]:
    annotation = meta.model_fields["checks"].annotation
    assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return annotation


def lesson_meta_model(registry: Registry) -> type[LessonMeta]:
    """``LessonMeta`` whose ``[checks]`` table is ``registry``'s (the bundled registry gives ``LessonMeta``)."""
    if registry is default_registry():
        return LessonMeta
    model = registry.checks_model
    return create_model("LessonMeta", __base__=LessonMeta, checks=(model, Field(default_factory=model)))


class Lesson(BaseModel):
    """A validated lesson: metadata plus the text of its files."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    meta: LessonMeta
    path: Path
    instructions: str
    starter: str
    solution: str
    inputs: str
    baseline: str | None = None
    content_hash: str = ""

    @property
    def id(self) -> str:
        return self.meta.id


class LessonProblem(BaseModel):
    lesson: str  # folder name
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{self.lesson}/{where}: {self.message}"

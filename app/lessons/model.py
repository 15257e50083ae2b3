"""The lesson format: what an instructor writes in ``lesson.toml`` and the files beside it.

Pydantic validates every field; ``app.lessons.loader`` turns validation errors into
"file: field: what was expected" problems so a broken lesson never takes anything else down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STEP_TITLES = {
    1: "Problem analysis",
    2: "Transformation strategy",
    3: "Performance",
    4: "Flax NNX, Optax and Orbax",
    5: "Debugging",
    6: "Production",
}

CHECK_NAMES = (
    "correctness",
    "purity",
    "prng",
    "jit",
    "retrace",
    "vectorization",
    "vmap",
    "grad",
    "structure",
    "speedup",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckBase(_Strict):
    weight: float = Field(1.0, ge=0, description="Share of the score this check carries.")


class CorrectnessCheck(CheckBase):
    weight: float = 3.0
    rtol: float | None = Field(None, ge=0, description="Relative tolerance; default depends on the dtype.")
    atol: float | None = Field(None, ge=0, description="Absolute tolerance; default depends on the dtype.")


class PurityCheck(CheckBase):
    pass


class PrngCheck(CheckBase):
    key_args: list[int] = Field(default_factory=list, description="Positions of PRNG key arguments.")


class JitCheck(CheckBase):
    pass


class RetraceCheck(CheckBase):
    pass


class VectorizationCheck(CheckBase):
    max_ratio: float = Field(4.0, gt=1, description="Allowed jaxpr size relative to the reference.")
    allow_loops: bool = Field(False, description="Sequential loop primitives (scan/while) are fine here.")


class VmapCheck(CheckBase):
    in_axes: list[int | Literal["none"]] = Field(default_factory=list, description="Per argument: axis or 'none'.")
    batch: int = Field(3, ge=2, le=16)


class GradCheck(CheckBase):
    argnums: list[int] = Field(default_factory=lambda: [0])
    rtol: float = 1e-4
    atol: float = 1e-5


class StructureCheck(CheckBase):
    require_primitives: list[str] = Field(default_factory=list, description="Each must appear in the jaxpr.")
    forbid_primitives: list[str] = Field(default_factory=list, description="None may appear in the jaxpr.")
    no_host_callbacks: bool = Field(False, description="No pure_callback/io_callback/debug_callback.")
    max_equations: int | None = Field(None, ge=1, description="Upper bound on jaxpr equations (nested counted).")
    require_donation: bool = Field(False, description="The compiled program aliases an input buffer to an output.")
    max_temp_ratio: float | None = Field(
        None, gt=0, description="Compiled temp bytes at most this fraction of the baseline's (remat lessons)."
    )


class SpeedupCheck(CheckBase):
    weight: float = 2.0
    cpu: float = Field(1.5, gt=0, description="Minimum speedup over the baseline on CPU.")
    gpu: float = Field(1.5, gt=0, description="Minimum speedup over the baseline on GPU.")
    jit_submission: bool = Field(True, description="Time the submission under jax.jit with the static args.")
    jit_baseline: bool = Field(False, description="Time the baseline under jax.jit too.")


class Checks(_Strict):
    correctness: CorrectnessCheck | None = None
    purity: PurityCheck | None = None
    prng: PrngCheck | None = None
    jit: JitCheck | None = None
    retrace: RetraceCheck | None = None
    vectorization: VectorizationCheck | None = None
    vmap: VmapCheck | None = None
    grad: GradCheck | None = None
    structure: StructureCheck | None = None
    speedup: SpeedupCheck | None = None

    def enabled(self) -> list[str]:
        return [name for name in CHECK_NAMES if getattr(self, name) is not None]

    def weight(self, name: str) -> float:
        check = getattr(self, name, None)
        return float(check.weight) if check is not None else 0.0


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
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1, max_length=8)
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
        unknown = [v for v in value if v not in CHECK_NAMES]
        if unknown:
            raise ValueError(f"unknown check name(s) {unknown}; expected some of {list(CHECK_NAMES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> LessonMeta:
        enabled = self.checks.enabled()
        if not enabled:
            raise ValueError("checks: at least one check must be enabled")
        for name in self.starter_fails:
            if name not in enabled:
                raise ValueError(f"starter_fails: {name!r} is not an enabled check")
        if self.checks.vmap is not None and self.checks.vmap.in_axes == []:
            raise ValueError("checks.vmap.in_axes: give one entry per argument (an int axis or 'none')")
        return self


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

"""A held-out style corpus: programs modelled on documented JAX pitfalls and their correct counterparts,
with verdicts decided independently from the JAX documentation before the grader ran them
(tests/grader_audit/expected.json; mostly correct code, to guard against false positives)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent.parent / "grader_audit"
HELDOUT = Path(__file__).parent.parent / "grader_heldout"
# The held-out programs that once exposed grader errors, and correct counterparts that guard the fixes against
# false positives (the whole held-out corpus, both batches, is run by hand: tests/grader_heldout/README.md).
HELDOUT_REGRESSIONS = (
    "h03_global_config_dict_mutated.py",
    "h08_memo_dict_global.py",
    "h20_fold_in_step.py",
    "h27_nonzero_with_size.py",
    "h52_fixed_key_example_args.py",
    "h53_config_object_attr.py",
    "h63_interp_library.py",
    "batch2/b03_os_environ_temperature.py",
    "batch2/b07_function_attribute_counter.py",
    "batch2/b15_fold_in_same_data_twice.py",
    "batch2/b16_vmap_unmapped_key.py",
    "batch2/b20_fold_in_index_vmap.py",
    "batch2/b19_scan_over_split_keys.py",
    "batch3/c03_jit_decorated_python_if.py",
    "batch3/c16_dataclass_field_assign_mutates_input.py",
    "batch3/c17_flax_struct_static_step_noref.py",
    "batch3/c23_nnx_jit_train_step.py",
    "batch3/c24_plain_fn_mutates_nnx_module.py",
    "batch3/c42_debug_callback_print.py",
)


def _heldout(rel: str) -> dict[str, object]:
    path = HELDOUT / rel
    return dict(json.loads((path.parent / "expected.json").read_text())[path.name])


EXPECTED: dict[str, dict[str, object]] = {
    **json.loads((CORPUS / "expected.json").read_text()),
    **{name: _heldout(name) for name in HELDOUT_REGRESSIONS},
}


@pytest.mark.kernel
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_verdicts_match_independent_expectations(name: str, kernel_env: dict[str, str]) -> None:
    expected = dict(EXPECTED[name])
    args = [str(a) for a in expected.pop("_args", [])]  # type: ignore[attr-defined]
    expected.pop("_note", None)  # why an expectation differs from the first independent guess
    expected.pop("why", None)
    path = (HELDOUT if name in HELDOUT_REGRESSIONS else CORPUS) / name
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "check", str(path), "--json", *args],
        capture_output=True,
        text=True,
        env=kernel_env,
        timeout=170,
    )
    report = json.loads(proc.stdout)
    got = {c["name"]: c["status"] for c in report["checks"]}
    wrong = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k) != v}
    assert not wrong, f"{name}: expected vs got {wrong}; {report['message']}"

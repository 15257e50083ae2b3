"""Host-side verdict logic on synthetic evidence (no kernel): each check's decision and its wording."""

from __future__ import annotations

from typing import Any

from app.grader.checks import compile as compile_checks
from app.grader.checks import prng, purity, speedup
from app.grader.checks.base import Evidence
from app.grader.driver import HarnessRun
from app.grader.explain import explain, sentence


def _run(**phases: dict[str, Any]) -> HarnessRun:
    run = HarnessRun()
    for name, data in phases.items():
        run.results[name] = {"name": name, "data": data, "error": None}
        run.order.append(name)
    return run


def test_explain_names_jax_error_classes_and_fixes() -> None:
    exc = {
        "type": "TracerBoolConversionError",
        "mro": ["TracerBoolConversionError", "ConcretizationTypeError"],
        "message": "Attempted boolean conversion",
        "line": 3,
        "code": "if x > 0:",
    }
    what, fix = explain(exc)
    assert "control flow" in what and "jnp.where" in fix and "lax.cond" in fix
    assert sentence(exc).startswith("Line 3 (`if x > 0:`)")
    assert "at[" in explain({"type": "TypeError", "message": "JAX arrays are immutable"})[1]
    assert "size=" in explain({"type": "NonConcreteBooleanIndexError", "message": ""})[1]
    assert "jnp" in explain({"type": "TracerArrayConversionError", "message": ""})[1]
    assert "sys.exit" in explain({"type": "SystemExit", "message": "", "base_exception": True})[1]


def test_purity_print_global_rng_clock_mutation() -> None:
    cfg: dict[str, Any] = {}
    printed = _run(
        purity={
            "side_effects": [{"what": "print", "line": 4, "code": "print(x)", "count": 2}],
            "eager_prints": 2,
            "jit_prints_per_call": [1, 0, 0],
        }
    )
    res = purity.evaluate(Evidence(cfg, printed, None))
    assert res.status == "fail" and "Line 4" in res.message and "first call" in res.message
    rng = _run(purity={"side_effects": [{"what": "numpy.random.normal", "line": 2, "code": "", "count": 1}]})
    assert "numpy.random.normal" in purity.evaluate(Evidence(cfg, rng, None)).message
    clock = _run(purity={"side_effects": [{"what": "time.time", "line": 5, "code": "", "count": 1}]})
    assert "clock" in purity.evaluate(Evidence(cfg, clock, None)).message
    writes = _run(purity={"global_writes": ["counter"]})
    assert "`counter`" in purity.evaluate(Evidence(cfg, writes, None)).message
    mutation = _run(purity={"input_mutations": [0]})
    assert "argument 1" in purity.evaluate(Evidence(cfg, mutation, None)).message
    stale = _run(purity={"stale_globals": [{"name": "g", "constant_style": False}]})
    assert "`g`" in purity.evaluate(Evidence(cfg, stale, None)).message
    constant = _run(purity={"stale_globals": [{"name": "SCALE", "constant_style": True}]})
    assert purity.evaluate(Evidence(cfg, constant, None)).status == "pass"
    debug = _run(purity={"jit_prints_per_call": [1, 1, 1], "eager_prints": 2})
    res = purity.evaluate(Evidence(cfg, debug, None))
    assert res.status == "pass" and "jax.debug.print" in res.details["hints"][0]


def test_prng_reuse_and_ignored_key() -> None:
    reuse = _run(prng={"reuse": {"type": "KeyReuseError", "line": 7, "code": "b = normal(key)"}, "key_args": [1]})
    res = prng.evaluate(Evidence({}, reuse, None))
    assert res.status == "fail" and "Line 7" in res.message and "split" in res.message
    ignored = _run(prng={"reuse": None, "key_args": [1], "ignores_key": True})
    assert "ignores its key" in prng.evaluate(Evidence({}, ignored, None)).message
    fine = _run(prng={"reuse": None, "key_args": [1], "ignores_key": False})
    assert prng.evaluate(Evidence({}, fine, None)).status == "pass"


def test_retrace_compares_with_reference_and_explains() -> None:
    same = {"signature": "float32[3]", "compiles": 1, "traces": 1, "explanations": []}
    sub = _run(retrace={"calls": [same, same, same]}, calls={"calls": [same, same, same]})
    res = compile_checks.evaluate_retrace(
        Evidence({}, sub, {"retrace": {"calls": [same, {**same, "compiles": 0, "traces": 0}] * 1}})
    )
    assert res.status == "fail" and "new `jax.jit" in res.message
    once = [same, {**same, "compiles": 0, "traces": 0}, {**same, "compiles": 0, "traces": 0}]
    ok = _run(retrace={"calls": once}, calls={"calls": once})
    assert compile_checks.evaluate_retrace(Evidence({}, ok, None)).status == "pass"
    # The reference itself recompiles (the lesson declares it): the learner is not blamed for it.
    assert (
        compile_checks.evaluate_retrace(
            Evidence({"expected_compiles": 3}, sub, {"retrace": {"calls": [same] * 3}, "calls": {"calls": [same] * 3}})
        ).status
        == "pass"
    )


def test_speedup_threshold_per_backend() -> None:
    data = {"ratio": 4.0, "backend": "cpu", "submission_ms": 1.0, "baseline_ms": 4.0, "submission_jitted": True}
    run = _run(speedup=data)
    assert speedup.evaluate(Evidence({"cpu": 3.0, "gpu": 20.0}, run, None)).status == "pass"
    assert speedup.evaluate(Evidence({"cpu": 5.0, "gpu": 1.0}, run, None)).status == "fail"
    gpu = _run(speedup={**data, "backend": "gpu"})
    assert speedup.evaluate(Evidence({"cpu": 3.0, "gpu": 20.0}, gpu, None)).status == "fail"
    report_only = speedup.evaluate(Evidence({"cpu": 50.0}, run, None, report_only=True))
    assert report_only.status == "pass" and not report_only.applicable


LOOPY = """import jax.numpy as jnp

def helper(v):
    return jnp.sin(v) * 2

def f(x):
    out = []
    for i in range(40):
        out.append(helper(x[i]))
    return jnp.stack(out)
"""


def test_vectorization_blames_only_excess_from_python_loops() -> None:
    from app.grader.checks import program

    assert {8, 9}.issubset(program.python_loop_lines(LOOPY)) and 4 not in program.python_loop_lines(LOOPY)
    ref = {"program": {"equations": 7, "loops": {}}}
    # 120 operations from `helper` called inside the loop (line 9 is on their call stacks): unrolled.
    unrolled = _run(program={"equations": 127, "loops": {}, "line_eqns": {"4,9": 120, "10": 7}})
    res = program.evaluate_vectorization(Evidence({}, unrolled, ref, source=LOOPY))
    assert res.status == "fail" and "unrolled" in res.message
    # The same size from one library call outside any loop (jnp.nonzero(size=...)): not the learner's loop.
    library = _run(program={"equations": 127, "loops": {}, "line_eqns": {"10": 127}})
    assert program.evaluate_vectorization(Evidence({}, library, ref, source=LOOPY)).status == "pass"
    # Loops created inside jax's library functions are reported apart and not blamed.
    interp = _run(program={"equations": 9, "loops": {}, "library_loops": {"scan": 1}, "line_eqns": {"10": 9}})
    assert program.evaluate_vectorization(Evidence({}, interp, ref, source=LOOPY)).status == "pass"
    learner_scan = _run(program={"equations": 9, "loops": {"scan": 1}, "line_eqns": {"10": 9}})
    assert program.evaluate_vectorization(Evidence({}, learner_scan, ref, source=LOOPY)).status == "fail"


def test_purity_names_the_line_for_global_writes_rng_and_mutated_dicts() -> None:
    src = (
        "import numpy as np\nhistory = []\n\ndef f(x):\n    mask = np.random.rand(3) > 0.5\n"
        "    history.append(x)\n    return x\n\n"
        "def example_args(seed=0):\n    np.random.seed(seed)\n    return (1.0,)\n"
    )
    writes = _run(purity={"global_writes": ["history"]})
    msg = purity.evaluate(Evidence({}, writes, None, source=src)).message
    assert "line 6" in msg.lower() and "history.append(x)" in msg
    rng = _run(purity={"numpy_rng_state_changed": True})
    assert "Line 5 (`mask = np.random.rand(3) > 0.5`)" in purity.evaluate(Evidence({}, rng, None, source=src)).message
    mutated = _run(
        load={"params": ["params", "grads"]},
        purity={"input_mutations": [0], "input_mutation_kinds": {"0": "dict"}},
    )
    msg = purity.evaluate(Evidence({}, mutated, None)).message
    assert "`params`" in msg and "new dict" in msg and ".at[" not in msg
    changing = _run(purity={"stale_globals": [{"name": "CONFIG", "constant_style": False, "changes": True}]})
    assert "changed between your calls" in purity.evaluate(Evidence({}, changing, None)).message


def test_messages_for_unstatic_strings_and_recompiles_shared_with_the_reference() -> None:
    exc = {
        "type": "TypeError",
        "message": "Error interpreting argument to your function as an abstract array. The problematic value is "
        "of type <class 'str'> and was passed to the function at path a[1].",
    }
    what, fix = explain(exc)
    assert "argument 2 is a Python `str`" in what and "static_argnums=(1,)" in fix
    calls = [{"compiles": 1, "traces": 1, "signature": "a"}, {"compiles": 1, "traces": 1, "signature": "b"}]
    calls.append({"compiles": 0, "traces": 0, "signature": "b"})
    run = _run(retrace={"calls": calls}, calls={"calls": []})
    ref = {"retrace": {"calls": calls}, "calls": {"calls": []}}
    res = compile_checks.evaluate_retrace(Evidence({"expected_compiles": 2}, run, ref))
    assert res.status == "pass" and "Recompiled on call 2 of 3, as the reference solution does" in res.message


def test_correctness_wording_depends_on_whether_inputs_are_hidden() -> None:
    from app.grader.checks import correctness

    out = {"treedef": "PyTreeDef(*)", "leaves": [{"path": "", "kind": "scalar", "value": 1, "pytype": "int"}]}
    bad = {"treedef": "PyTreeDef(*)", "leaves": [{"path": "", "kind": "scalar", "value": 2, "pytype": "int"}]}
    run = _run(calls={"calls": [{"seed": 0, "output": bad}]})
    ref = {"calls": {"calls": [{"seed": 0, "output": out}]}}
    assert "hidden test input 1 of 1" in correctness.evaluate(Evidence({}, run, ref)).message
    mine = correctness.evaluate(Evidence({}, run, ref, hidden_inputs=False)).message
    assert "`example_args(seed=0)`" in mine and "hidden" not in mine


def test_compare_hints_at_overflow_and_precision() -> None:
    import base64

    import numpy as np

    from app.grader.compare import compare

    def arr(a: np.ndarray) -> dict[str, Any]:
        leaf = {"path": "", "kind": "array", "dtype": str(a.dtype), "shape": list(a.shape)}
        return {"treedef": "PyTreeDef(*)", "leaves": [{**leaf, "data": base64.b64encode(a.tobytes()).decode()}]}

    wrapped = compare(arr(np.array([4, 44], np.uint8)), arr(np.array([4, 300 - 256 + 1], np.uint8)), None, None)
    assert wrapped is not None and "wraps around" in wrapped
    flipped = compare(arr(np.array([7, -(2**31) + 5], np.int32)), arr(np.array([7, 2**31 - 3], np.int32)), None, None)
    assert flipped is not None and "wraps around" in flipped
    order = compare(arr(np.array([3, 1, 2], np.int32)), arr(np.array([2, 1, 3], np.int32)), None, None)
    assert order is not None and "different order" in order and "wraps" not in order
    plain = compare(arr(np.array([3, 1, 2, 9], np.int32)), arr(np.array([3, 1, 2, 4], np.int32)), None, None)
    assert plain is not None and "in 25% of its elements" in plain and "wraps" not in plain
    close = compare(arr(np.array([1.0, 2.0], np.float32)), arr(np.array([1.001, 2.0], np.float32)), None, None)
    assert close is not None and "precision" in close
    inf = compare(arr(np.array([np.inf, 2.0], np.float32)), arr(np.array([1.0, 2.0], np.float32)), None, None)
    assert inf is not None and "Inf" in inf


def test_messages_name_what_the_learner_wrote() -> None:
    from app.grader.checks import program

    cfg: dict[str, Any] = {}
    src = "import random\n\ndef f(x):\n    random.seed(1)\n    x.sort()\n    return x + random.uniform(0, 1)\n"
    side = [
        {"what": "random.seed", "line": 4, "code": "random.seed(1)", "count": 1},
        {"what": "random.uniform", "line": 6, "code": "return x + random.uniform(0, 1)", "count": 1},
    ]
    msg = purity.evaluate(Evidence(cfg, _run(purity={"side_effects": side}), None, source=src)).message
    assert "Line 6" in msg and "`random.uniform`" in msg and "random.seed" not in msg  # seeding draws nothing
    run = _run(load={"entry": "f", "params": ["x"]}, purity={"input_mutations": [0]})
    msg = purity.evaluate(Evidence(cfg, run, None, source=src)).message
    assert "Line 5 (`x.sort()`)" in msg and "`jnp.sort(x)`" in msg
    env = _run(purity={"side_effects": [{"what": "os.environ", "line": 3, "code": "t = os.environ['T']", "count": 1}]})
    assert "environment variable" in purity.evaluate(Evidence(cfg, env, None)).message
    attr = _run(purity={"global_writes": ["f.calls"]})
    attr_src = "def f(x):\n    f.calls = getattr(f, 'calls', 0) + 1\n    return x\n"
    assert "Line 2" in purity.evaluate(Evidence(cfg, attr, None, source=attr_src)).message
    assert purity.mutation_line("def f(b):\n    y = b.pop('y')\n    return y\n", ["b"], "f") == (2, "y = b.pop('y')")
    assert purity.mutation_line("def f(b):\n    c = dict(b)\n    c.pop('y')\n", ["b"], "f") is None
    loops = program._loop_names({"scan": 1}, "def f(x):\n    return lax.fori_loop(0, 3, body, x)\n")
    assert loops == ["`lax.fori_loop`"]
    assert program._loop_names({"while": 1}, "y = map(g, xs)\n") == ["`while`"]


def test_retrace_advice_fits_the_change() -> None:
    changed = compile_checks._changed_argument
    assert "Keep dtypes fixed" in changed("float32[16]", "bfloat16[16]", ["x"])
    assert "`1.0`, not `1`" in changed("int[]", "float[]", ["t"])
    assert "pad or bucket" in changed("float32[32, 4]", "float32[27, 4]", ["x"])
    assert "same structure" in changed("float32[2],float32[2]", "float32[2]", ["xs"])
    assert "static argument `n`" in changed("static=3", "static=4", ["n"])


def test_prng_value_reuse_loop_bodies_and_vmap() -> None:
    cfg: dict[str, Any] = {}
    loop = {
        "message": "scan body function leads to key reuse when repeatedly executed",
        "line": 9,
        "code": "lax.scan(b)",
    }
    res = prng.evaluate(Evidence(cfg, _run(prng={"reuse": loop, "key_args": [0]}), None))
    assert res.status == "fail" and "every step" in res.message and "split(key, n_steps)" in res.message
    same = [{"line": 6, "code": "a = normal(k1)"}, {"line": 7, "code": "b = normal(k2)"}]
    res = prng.evaluate(Evidence(cfg, _run(prng={"same_key_draws": same, "key_args": [0]}), None))
    assert res.status == "fail" and "line 6" in res.message and "line 7" in res.message and "twice" in res.message
    shared = {"line": 5, "code": "keep = bernoulli(key, 0.8, x.shape)"}
    res = prng.evaluate(Evidence(cfg, _run(prng={"vmap_shared_key": shared, "key_args": [0]}), None))
    assert res.status == "fail" and "jax.vmap" in res.message and "Line 5" in res.message


def test_callbacks_objects_and_static_fields() -> None:
    cfg: dict[str, Any] = {}
    cb = [{"what": "print [callback]", "line": 6, "code": "print(loss)", "count": 3}]
    res = purity.evaluate(Evidence(cfg, _run(purity={"side_effects": cb, "eager_prints": 3}), None))
    assert res.status == "pass" and "jax.debug.callback" in res.message
    cb_rng = [{"what": "numpy.random.normal [callback]", "line": 5, "code": "return np.random.normal()", "count": 1}]
    res = purity.evaluate(Evidence(cfg, _run(purity={"side_effects": cb_rng}), None))
    assert res.status == "fail" and "host callback" in res.message and "trace time" not in res.message
    jit = _run(purity={"side_effects": cb_rng}, jit={"matches_eager": False})
    assert "host callback" in compile_checks.evaluate_jit(Evidence(cfg, jit, None)).message
    for kind, fix in (("nnx", "@nnx.jit"), ("object", "dataclasses.replace(p, ...)")):
        run = _run(
            load={"entry": "f", "params": ["p"]}, purity={"input_mutations": [0], "input_mutation_kinds": {"0": kind}}
        )
        assert fix in purity.evaluate(Evidence(cfg, run, None)).message
    calls = [{"signature": "float32[3]", "structure": s, "compiles": c, "traces": c} for s, c in (("a", 1), ("b", 1))]
    res = compile_checks.evaluate_retrace(Evidence(cfg, _run(retrace={"calls": calls}), None))
    assert res.status == "fail" and "pytree structure" in res.message and "pytree_node=False" in res.message


def test_prng_arithmetic_on_keys_is_its_own_finding() -> None:
    from kernels.harness.keys import key_arithmetic

    err = key_arithmetic(
        {
            "type": "TypeError",
            "message": "add does not accept dtypes key<fry>, int32.",
            "line": 9,
            "code": "k = key + i",
        }
    )
    assert err["key_arithmetic"] == "add"
    assert "key_arithmetic" not in key_arithmetic({"type": "TypeError", "message": "add got incompatible shapes"})
    run = _run(prng={"reuse": None, "key_args": [1], "key_arithmetic": err, "errors": [err]})
    res = prng.evaluate(Evidence({}, run, None))
    assert res.status == "fail" and res.details["line"] == 9
    assert "Line 9 (`k = key + i`)" in res.message and "`key + ...`" in res.message
    assert "fold_in" in res.message and "split" in res.message


def test_purity_names_the_read_and_the_rebinding_of_a_global() -> None:
    from app.grader.checks.rebinding import rebound_globals

    source = (
        "import jax\n"  # 1
        "SCALE = 1.0\n"  # 2
        "LIMIT = 3\n"  # 3
        "def set_scale(v):\n"  # 4
        "    global SCALE\n"  # 5
        "    SCALE = v\n"  # 6
        "def shadow(v):\n"  # 7
        "    LIMIT = v\n"  # 8: a local, not the global
        "    return LIMIT\n"  # 9
        "@jax.jit\n"  # 10
        "def f(x):\n"  # 11
        "    return x * SCALE + LIMIT\n"  # 12
    )
    found = rebound_globals(source, "f")
    assert [(r.name, r.read_line, r.write_line, r.setter) for r in found] == [("SCALE", 12, 6, "set_scale")]
    assert rebound_globals("def f(x):\n    return x\n", "f") == []
    assert rebound_globals("def f(x:\n", "f") == []  # a syntax error is the load check's business
    res = purity.evaluate(Evidence({}, _run(load={"entry": "f"}, purity={}), None, source=source))
    assert res.status == "fail"
    assert "Line 12 (`return x * SCALE + LIMIT`)" in res.message and "line 6 (`SCALE = v`)" in res.message
    assert "`set_scale`" in res.message and "argument" in res.message
    # the probe already saw the write: one finding, not two
    seen = _run(load={"entry": "f"}, purity={"global_writes": ["SCALE"]})
    assert len(purity.evaluate(Evidence({}, seen, None, source=source)).details["findings"]) == 1


def test_rebinding_ignores_pure_method_calls_and_the_functions_own_call_graph() -> None:
    from app.grader.checks.rebinding import rebound_globals

    optax_like = (
        "import optax\n"
        "TX = optax.sgd(0.1)\n"
        "def train(p, g):\n"
        "    def step(c, _):\n"
        "        u, s = TX.update(g, c)\n"  # a pure method of a transformation, not dict.update
        "        return s, u\n"
        "    return step(TX.init(p), None)\n"
        "def f(p, g):\n"
        "    return train(p, g)\n"
    )
    assert rebound_globals(optax_like, "f") == []
    setter = "CFG = {'lr': 1}\ndef configure(**kw):\n    CFG.update(kw)\ndef f(x):\n    return x * CFG['lr']\n"
    assert [(r.name, r.read_line, r.write_line) for r in rebound_globals(setter, "f")] == [("CFG", 5, 3)]

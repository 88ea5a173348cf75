"""assert_close refuses coincidences and explains mismatches; gradcheck catches wrong gradients."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.checks import GradingFailure, assert_close, raises_student
from grader.errors import StudentError
from grader.gradcheck import GradientCheckError, check_gradient, numerical_gradient, rel_error, sample_indices


def fails(got, exp, **kw) -> str:
    with pytest.raises(GradingFailure) as info:
        assert_close(got, exp, name="dW", **kw)
    return str(info.value)


def test_equal_values_pass():
    a = np.arange(6.0).reshape(2, 3)
    assert_close(a.copy(), a, name="a")
    assert_close({"dW": a.copy(), "db": 1.5}, {"dW": a, "db": 1.5})
    assert_close((1, [2.0]), (1, [2.0]))


def test_transposed_result_is_named():
    e = np.arange(9.0).reshape(3, 3)
    assert "transpose" in fails(e.T.copy(), e)
    assert "transposed" in fails(np.ones((3, 2)), np.ones((2, 3)))


def test_missing_one_over_m_and_factor_two_and_sign_are_named():
    e = np.linspace(1, 2, 12).reshape(3, 4)
    assert "1/m" in fails(e * 50, e)
    assert "1/m" in fails(e / 50, e)
    assert "factor of 2" in fails(e * 2, e)
    assert "wrong sign" in fails(-e, e)


def test_message_names_first_and_worst_element_and_errors():
    e = np.zeros((2, 3))
    g = e.copy()
    g[0, 1] = 1e-3
    g[1, 2] = 5.0
    msg = fails(g, e)
    assert "first at (0, 1)" in msg and "worst at (1, 2)" in msg and "max abs error 5" in msg


def test_shapes_are_exact_no_broadcasting():
    assert "keepdims" in fails(np.ones(3), np.ones((3, 1)))
    assert "shape" in fails(np.ones((1, 3)), np.ones((3, 3)))
    assert "not a scalar" in fails(1.0, np.ones((1, 1)))


def test_dtype_policy():
    e = np.ones(3, dtype=np.float32)
    assert "float32" in fails(np.ones(3), e)
    assert_close(np.ones(3), e, dtype="kind")
    assert "integers" in fails(np.ones(3), np.ones(3, dtype=np.int64))
    assert "boolean mask" in fails(np.ones(3, dtype=bool), np.ones(3))


def test_python_float_is_required_where_the_spec_says_float():
    assert "Python float" in fails(np.array(0.5), 0.5)
    assert "Python float" in fails(np.array([[0.5]]), 0.5)
    assert_close(np.float64(0.5), 0.5)  # np.float64 is a float


def test_nan_and_inf_never_pass():
    assert "NaN" in fails(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))
    assert "infinite" in fails(np.array([np.inf]), np.array([1.0]))
    assert "NaN" in fails(float("nan"), 1.0)
    assert_close(np.array([np.inf]), np.array([np.inf]))


def test_handles_and_wrong_containers_fail():
    class Handle:
        type_name = "mod.Liar"

        def __eq__(self, other):
            return True

    assert "expected ndarray" in fails(Handle(), np.ones(2))
    assert "missing key" in fails({"dW": 1.0}, {"dW": 1.0, "db": 2.0})
    assert "expected a tuple" in fails([1, 2], (1, 2))
    assert "expected a bool" in fails(1, True)
    assert "expected an int" in fails(True, 1)


def test_tensor_device_and_dtype_are_named():
    e = torch.ones(2, dtype=torch.float64)
    msg = fails(torch.ones(2, dtype=torch.float64, device="meta"), e)
    assert "device 'meta'" in msg and "'cpu'" in msg
    assert "dtype" in fails(torch.ones(2, dtype=torch.float32), e)
    assert_close(e.clone(), e)


def test_raises_student():
    with raises_student(ValueError):
        raise StudentError("ValueError", "bad", mro=["ValueError", "Exception"])
    with pytest.raises(GradingFailure, match="should raise ValueError"):
        with raises_student(ValueError):
            raise StudentError("KeyError", "k", mro=["KeyError"])
    with pytest.raises(GradingFailure, match="returned normally"):
        with raises_student(ValueError):
            pass


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    num = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    assert rel_error(num, 3 * x ** 2) < 1e-9
    assert x[0, 0] == 1.0  # restored


def test_check_gradient_passes_right_and_fails_wrong_gradients():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((30, 20))  # 600 elements: sampled
    f = lambda w: float(np.sum(np.tanh(w)))  # noqa: E731
    assert check_gradient(f, W, 1 - np.tanh(W) ** 2, rng=rng) < 1e-7
    with pytest.raises(GradientCheckError, match="relative error"):
        check_gradient(f, W, (1 - np.tanh(W) ** 2) / 30, rng=rng)
    with pytest.raises(GradientCheckError, match="shape"):
        check_gradient(f, W, np.ones((20, 30)))


def test_sampling_bounds_the_work():
    assert len(sample_indices((10, 10))) == 100
    assert len(sample_indices((100, 100))) == 60


def test_static_scans_find_disallowed_imports_and_banned_shortcuts(tmp_path):
    from grader.grading.runner import apply_findings
    from grader.sandbox.staticcheck import scan_banned, scan_imports

    src = tmp_path / "m.py"
    src.write_text(
        "import numpy as np\nimport torch\nfrom grader.data import digits\n"
        "x = __import__('jax')\n"
        "class TorchAdam:\n    def step(self):\n        return torch.optim.Adam\n"
        "def honest():\n    return np.zeros(1)\n"
        "def sneaky():\n    import torch.nn.functional as F\n    return getattr(F, 'conv2d')\n")
    found = scan_imports(src, "m.py", ("numpy", "grader.data"))
    assert any("import torch" in f for f in found) and any("__import__" in f for f in found)
    assert not any("grader.data" in f for f in found)
    banned = scan_banned(src, "m.py", {"TorchAdam": ["optim.Adam"], "honest": ["np.dot"], "sneaky": ["F.conv2d"]})
    assert set(banned) == {"TorchAdam", "sneaky"}
    result = {"static_findings": [], "tests": [
        {"functions": ["TorchAdam.step"], "status": "pass", "points": 5.0, "max_points": 5.0, "message": ""},
        {"functions": ["m.honest"], "status": "pass", "points": 1.0, "max_points": 1.0, "message": ""}]}
    apply_findings(result, {"TorchAdam": banned["TorchAdam"]})
    assert [t["points"] for t in result["tests"]] == [0.0, 1.0]
    assert "optim.Adam" in result["tests"][0]["message"]
    assert any("optim.Adam" in f for f in result["findings"])


def test_a_runtime_finding_costs_every_test_of_the_functions_involved():
    from grader.grading.runner import apply_findings

    refused = "refused by the sandbox: importing torch is not allowed in a numpy-only assignment (CONVENTIONS §4)"
    result = {"static_findings": ["m.py:1: 'import os' is not allowed"], "tests": [
        {"name": "test_a", "functions": ["m.sigmoid"], "status": "fail", "points": 0.0, "max_points": 2.0,
         "message": "m.sigmoid raised PermissionError", "findings": [refused]},
        {"name": "test_b", "functions": ["m.sigmoid", "m.forward"], "status": "pass", "points": 3.0,
         "max_points": 3.0, "message": ""},
        {"name": "test_c", "functions": ["m.backward"], "status": "pass", "points": 4.0, "max_points": 4.0,
         "message": ""}]}
    apply_findings(result, {})
    assert [t["points"] for t in result["tests"]] == [0.0, 0.0, 4.0]
    assert "not credited" in result["tests"][1]["message"] and "torch" in result["tests"][1]["message"]
    assert result["findings"] == ["m.py:1: 'import os' is not allowed", f"test_a: {refused}"]


# ---------------------------------------------------------------------------- shared helpers of hidden tests

def test_one_scalar_rule():
    from grader.checks import assert_float, assert_float_list, is_float
    assert is_float(1.5) and is_float(np.float64(1.5))
    for bad in (np.float32(1.5), np.array(1.5), np.array([[1.5]]), 1, torch.tensor(1.5)):
        assert not is_float(bad)
        with pytest.raises(GradingFailure, match="compute_cost: must return a Python float"):
            assert_float(bad, "compute_cost")
    assert_float_list([0.5, np.float64(0.25)], 2, "costs")
    with pytest.raises(GradingFailure, match=r"costs\[1\]"):
        assert_float_list([0.5, np.array(0.25)], 2, "costs")
    with pytest.raises(GradingFailure, match="must hold 3 values"):
        assert_float_list([0.5], 3, "costs")


def test_same_value_and_unchanged_arguments():
    from grader.checks import assert_unchanged, same_value
    a = np.arange(4.0)
    assert same_value(a, a.copy()) and not same_value(a, a.astype(np.float32))
    assert not same_value(a, 0.5) and not same_value(0.5, a)          # never an elementwise ==
    t = torch.arange(3.0)
    assert same_value(t, t.clone()) and not same_value(t, t + 1) and not same_value(a, t)
    assert same_value({"W": a, "k": [1, 2]}, {"W": a.copy(), "k": [1, 2]})
    assert_unchanged("f", (a,), (a.copy(),), ("x",))
    with pytest.raises(GradingFailure, match="f: modified its argument 'x' in place"):
        assert_unchanged("f", (a,), (a + 1,), ("x",))


def test_did_work_refuses_constants_and_echoes():
    from grader.checks import assert_did_work
    P = {"W": np.ones((2, 2)), "b": np.zeros((2, 1))}
    new = {"W": np.full((2, 2), 0.5), "b": np.full((2, 1), 0.1)}
    assert_did_work("update", new, new, inputs=(P,))                     # real work: passes
    with pytest.raises(GradingFailure, match="returned only zeros"):
        assert_did_work("update", {k: np.zeros_like(v) for k, v in P.items()}, new, inputs=(P,))
    with pytest.raises(GradingFailure, match="returned an argument unchanged"):
        assert_did_work("update", P, new, inputs=(P,))
    with pytest.raises(GradingFailure, match="returned an argument unchanged"):
        assert_did_work("momentum", (P, new), (new, new), inputs=(P,))
    with pytest.raises(GradingFailure, match="expected a number"):
        assert_did_work("cost", np.zeros((1, 3)), 0.7)
    with pytest.raises(GradingFailure, match="returned only zeros"):
        assert_did_work("cost", 0.0, 0.7)
    with pytest.raises(GradingFailure, match=r"shape \(3,\), expected \(3, 1\)"):
        assert_did_work("f", np.ones(3), np.ones((3, 1)))
    with pytest.raises(GradingFailure, match="NaN or infinite"):
        assert_did_work("cost", float("nan"), 0.7)
    assert_did_work("identity", P["W"], P["W"].copy(), inputs=(P["W"],))  # the right answer may be the input


def test_call_strict_reports_the_students_error():
    from grader.checks import call_strict

    class FakeStudent:
        def probe(self, fn, fname, args, kwargs, errstate):
            assert errstate == {"over": "raise", "invalid": "raise", "divide": "raise"}
            raise StudentError("FloatingPointError", "overflow encountered in exp", "  File sigmoid\n", where="sigmoid")

    with pytest.raises(GradingFailure, match=r"(?s)sigmoid\(big z\) raised FloatingPointError.*Hint: be stable"):
        call_strict(FakeStudent(), "sigmoid", [np.ones(2)], "sigmoid(big z)", "be stable")

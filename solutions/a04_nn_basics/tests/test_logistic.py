"""Hidden tests of A04, part 2: 逻辑回归 (logistic regression).

Points (CURRICULUM A04): sigmoid 8 · logistic_forward 4 · costs 10 · logistic_backward 10 ·
optimize (with propagate) 12 · predict 4 · breast-cancer e2e 12 = 60 (test_perceptron.py has 40).
"""
import math

import numpy as np
import pytest

from grader import data
from grader.checks import assert_close, assert_did_work, assert_float, assert_unchanged, call_under_errstate
from grader.gradcheck import check_gradient
from grader.plugin import reference_value


# ----------------------------------------------------------------------------- helpers

def _problem(rng, n_x=None, m=None, scale=1.0):
    n_x = int(rng.integers(1, 6)) if n_x is None else n_x
    m = int(rng.integers(2, 30)) if m is None else m
    W = rng.standard_normal((1, n_x)) * scale
    b = rng.standard_normal((1, 1)) * 0.5
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    return W, b, X, Y


def _probabilities(rng, m):
    return rng.uniform(0.02, 0.98, size=(1, m))


# ----------------------------------------------------------------------------- sigmoid (8)

@pytest.mark.points(2)
def test_sigmoid_matches_reference(student, ref, rng):
    shape = (int(rng.integers(1, 5)), int(rng.integers(1, 9)))
    z = rng.standard_normal(shape) * 8
    z.flat[0] = 0.0
    assert_close(student.sigmoid(z), ref.sigmoid(z), name=f"sigmoid(z) for z of shape {shape}", rtol=1e-12)
    zw = np.linspace(-30, 30, 13).reshape(1, 13)
    assert_close(student.sigmoid(zw), ref.sigmoid(zw), name="sigmoid(linspace(-30, 30, 13))", rtol=1e-12)


@pytest.mark.points(2)
def test_sigmoid_properties(student, rng):
    z = np.concatenate([rng.standard_normal(20) * 6, [0.0, 1e-9, -1e-9, 40.0, -40.0]]).reshape(1, -1)
    s = student.sigmoid(z)
    assert isinstance(s, np.ndarray) and s.shape == z.shape, "sigmoid must keep the shape of z"
    assert np.all((s >= 0) & (s <= 1)), "sigmoid values must lie in [0, 1]"
    s_neg = student.sigmoid(-z)
    err = float(np.max(np.abs(s_neg - (1 - s))))
    assert err <= 1e-15, f"sigmoid(-z) must equal 1 - sigmoid(z); max difference {err:.3g}"
    half = student.sigmoid(np.array([[0.0]]))
    assert_close(half, np.array([[0.5]]), name="sigmoid(0)", rtol=0)
    h = 1e-5
    d = (student.sigmoid(np.array([[h]])) - student.sigmoid(np.array([[-h]])))[0, 0] / (2 * h)
    assert abs(d - 0.25) < 1e-9, f"the slope of sigmoid at 0 must be σ(0)(1-σ(0)) = 0.25, got {d:.6g}"


@pytest.mark.points(2)
def test_sigmoid_stability(student, rng):
    z = np.array([[-1000.0, 0.0, 1000.0]])
    what = "sigmoid([-1000, 0, 1000]) under np.errstate(over='raise')"
    got = call_under_errstate(student, "sigmoid", z, what=what)
    assert_close(got, np.array([[0.0, 0.5, 1.0]]), name=what, rtol=0, atol=0)
    zr = np.concatenate([rng.uniform(-800, -100, 4), rng.uniform(100, 800, 4)]).reshape(2, 4)
    got = call_under_errstate(student, "sigmoid", zr, what="sigmoid of large |z| under np.errstate(over='raise')")
    assert isinstance(got, np.ndarray) and got.shape == zr.shape and np.all(np.isfinite(got)), (
        "sigmoid must return finite values for large |z| without overflow")
    assert np.array_equal(got > 0.5, zr > 0), "sigmoid of large |z| must be near 0 (z < 0) or 1 (z > 0)"


@pytest.mark.points(1)
def test_sigmoid_dtype(student, ref, rng):
    z32 = (rng.standard_normal((3, 4)) * 5).astype(np.float32)
    got = student.sigmoid(z32)
    assert_close(got, ref.sigmoid(z32), name="sigmoid(float32 z) (float32 must stay float32)", rtol=1e-6)
    zi = rng.integers(-5, 6, size=(2, 3))
    assert_close(student.sigmoid(zi), ref.sigmoid(zi), name="sigmoid(int64 z) (expected float64)", rtol=1e-12)


# ----------------------------------------------------------------------------- logistic_forward (4)

@pytest.mark.points(2)
def test_logistic_forward_matches_reference(student, ref, rng):
    for m in (None, 1):
        W, b, X, _ = _problem(rng, m=m)
        assert_close(student.logistic_forward(W, b, X), ref.logistic_forward(W, b, X),
                     name=f"logistic_forward(W, b, X) with W {W.shape}, X {X.shape}", rtol=1e-12)


@pytest.mark.points(1)
def test_logistic_forward_edge_cases(student, ref, rng):
    W, b, X, _ = _problem(rng)
    W32, b32, X32 = W.astype(np.float32), b.astype(np.float32), X.astype(np.float32)
    got = student.logistic_forward(W32, b32, X32)
    assert_close(got, ref.logistic_forward(W32, b32, X32), name="logistic_forward(float32 W, b, X)", rtol=1e-6)
    Xi = rng.integers(-3, 4, size=X.shape)
    assert_close(student.logistic_forward(W, b, Xi), ref.logistic_forward(W, b, Xi),
                 name="logistic_forward with integer X", rtol=1e-12)


# ----------------------------------------------------------------------------- costs (10)

@pytest.mark.points(3)
def test_bce_cost_matches_reference(student, ref, rng):
    m = int(rng.integers(2, 40))
    A = _probabilities(rng, m)
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    got = student.bce_cost(A, Y)
    assert_float(got, "bce_cost")
    assert_close(got, ref.bce_cost(A, Y), name=f"bce_cost(A, Y) with m={m}", rtol=1e-12)


@pytest.mark.points(3)
def test_bce_cost_from_logits_matches_reference(student, ref, rng):
    m = int(rng.integers(2, 40))
    Z = rng.standard_normal((1, m)) * 4
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    got = student.bce_cost_from_logits(Z, Y)
    assert_float(got, "bce_cost_from_logits")
    assert_close(got, ref.bce_cost_from_logits(Z, Y), name=f"bce_cost_from_logits(Z, Y) with m={m}", rtol=1e-12)


@pytest.mark.points(2)
def test_bce_from_logits_stability(student):
    for z, y, expected in [(1000.0, 0.0, 1000.0), (-1000.0, 1.0, 1000.0), (1000.0, 1.0, 0.0)]:
        what = f"bce_cost_from_logits(Z=[[{z:g}]], Y=[[{y:g}]]) under np.errstate(over='raise')"
        got = call_under_errstate(student, "bce_cost_from_logits", np.array([[z]]), np.array([[y]]), what=what)
        assert_close(got, expected, name=what, rtol=1e-12, atol=1e-12)


@pytest.mark.points(1)
def test_costs_edge_cases(student, ref, rng):
    # m = 1
    A1, Y1 = np.array([[0.3]]), np.array([[1.0]])
    assert_close(student.bce_cost(A1, Y1), ref.bce_cost(A1, Y1), name="bce_cost with m=1", rtol=1e-12)
    # float32 inputs still give a Python float; integer labels work
    m = int(rng.integers(3, 20))
    A = _probabilities(rng, m)
    Yi = (rng.random((1, m)) < 0.5).astype(np.int64)
    got = student.bce_cost(A, Yi)
    assert_close(got, ref.bce_cost(A, Yi), name="bce_cost with integer Y", rtol=1e-12)
    A32 = A.astype(np.float32)
    got = student.bce_cost(A32, Yi.astype(np.float32))
    assert_float(got, "bce_cost (float32 inputs)")
    Z = rng.standard_normal((1, m)) * 3
    got = student.bce_cost_from_logits(Z, Yi)
    assert_close(got, ref.bce_cost_from_logits(Z, Yi), name="bce_cost_from_logits with integer Y", rtol=1e-12)
    # the two costs agree: J(σ(Z), Y) == J_logits(Z, Y)
    a = student.bce_cost(ref.sigmoid(Z), Yi)
    bl = student.bce_cost_from_logits(Z, Yi)
    assert abs(a - bl) <= 1e-10 * max(1.0, abs(bl)), (
        f"bce_cost(sigmoid(Z), Y) = {a!r} and bce_cost_from_logits(Z, Y) = {bl!r} must agree")


# ----------------------------------------------------------------------------- logistic_backward (10)

@pytest.mark.points(4)
def test_logistic_backward_matches_reference(student, ref, rng):
    W, b, X, Y = _problem(rng, n_x=int(rng.integers(2, 6)), m=int(rng.integers(3, 30)))
    A = ref.logistic_forward(W, b, X)
    got = student.logistic_backward(X, A, Y)
    assert isinstance(got, dict), f"logistic_backward must return a dict {{'dW', 'db'}}, got {type(got).__name__}"
    exp = ref.logistic_backward(X, A, Y)
    assert_close(got, exp, name="logistic_backward(X, A, Y)", rtol=1e-12, atol=1e-14)


@pytest.mark.points(3)
def test_logistic_backward_gradcheck(student, ref, rng):
    """Seed 4.3 «梯度下降»: the gradients are those of the reference cost J(W, b)."""
    W, b, X, Y = _problem(rng, n_x=int(rng.integers(2, 6)), m=int(rng.integers(5, 25)))
    A = ref.logistic_forward(W, b, X)
    grads = student.logistic_backward(X, A, Y)
    assert isinstance(grads, dict) and "dW" in grads and "db" in grads, (
        "logistic_backward must return a dict with keys 'dW' and 'db'")
    check_gradient(lambda W_: ref.bce_cost(ref.logistic_forward(W_, b, X), Y), W, grads["dW"],
                   name="logistic_backward: dW", tol=1e-7, rng=rng)
    check_gradient(lambda b_: ref.bce_cost(ref.logistic_forward(W, b_, X), Y), b, grads["db"],
                   name="logistic_backward: db", tol=1e-7, rng=rng)


@pytest.mark.points(2)
def test_logistic_backward_edge_cases(student, ref, rng):
    n_x = int(rng.integers(2, 5))
    # m = 1: db stays (1, 1), dW stays (1, n_x)
    W, b, X, Y = _problem(rng, n_x=n_x, m=1)
    A = ref.logistic_forward(W, b, X)
    assert_close(student.logistic_backward(X, A, Y), ref.logistic_backward(X, A, Y),
                 name="logistic_backward with m=1", rtol=1e-12, atol=1e-14)
    # float32 stays float32
    W, b, X, Y = _problem(rng, n_x=n_x, m=int(rng.integers(3, 12)))
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    A32 = ref.logistic_forward(W.astype(np.float32), b.astype(np.float32), X32)
    got = student.logistic_backward(X32, A32, Y32)
    assert_close(got, ref.logistic_backward(X32, A32, Y32), name="logistic_backward(float32 X, A, Y)",
                 rtol=1e-5, atol=1e-6)
    # integer X
    Xi = rng.integers(-3, 4, size=X.shape)
    Ai = ref.logistic_forward(W, b, Xi)
    assert_close(student.logistic_backward(Xi, Ai, Y), ref.logistic_backward(Xi, Ai, Y),
                 name="logistic_backward with integer X", rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------------- propagate + optimize (12)

@pytest.mark.points(2)
def test_propagate_matches_reference(student, ref, rng):
    W, b, X, Y = _problem(rng)
    got = student.propagate(W, b, X, Y)
    assert isinstance(got, (tuple, list)) and len(got) == 2, "propagate must return (grads, cost)"
    grads, cost = got
    assert_float(cost, "propagate: cost")
    eg, ec = ref.propagate(W, b, X, Y)
    assert_close(grads, eg, name="propagate: grads", rtol=1e-12, atol=1e-14)
    assert_close(cost, ec, name="propagate: cost", rtol=1e-12)


def _check_optimize(got, exp, fname, rtol=1e-12, atol=1e-13):
    assert isinstance(got, (tuple, list)) and len(got) == 3, f"{fname} must return (params, grads, costs)"
    params, grads, costs = got
    eparams, egrads, ecosts = exp
    assert isinstance(costs, list), f"{fname}: costs must be a list, got {type(costs).__name__}"
    assert len(costs) == len(ecosts), (
        f"{fname}: {len(costs)} costs recorded, expected {len(ecosts)} (one every 100 iterations, "
        f"at i = 0, 100, 200, ...)")
    assert_close(params, eparams, name=f"{fname}: params", rtol=rtol, atol=atol)
    assert_close(grads, egrads, name=f"{fname}: grads (of the last iteration, before its update)", rtol=rtol,
                 atol=atol)
    assert_close(costs, ecosts, name=f"{fname}: costs", rtol=rtol)


@pytest.mark.points(3)
def test_optimize_matches_reference(student, ref, rng):
    W, b, X, Y = _problem(rng, n_x=int(rng.integers(2, 5)), m=int(rng.integers(10, 40)), scale=0.1)
    n_iter = int(rng.integers(150, 260))
    lr = float(rng.choice([0.05, 0.1, 0.3]))
    _check_optimize(student.optimize(W, b, X, Y, n_iter, lr), ref.optimize(W, b, X, Y, n_iter, lr),
                    f"optimize(W, b, X, Y, num_iterations={n_iter}, learning_rate={lr})", rtol=1e-10)
    _check_optimize(student.optimize(W, b, X, Y, num_iterations=3, learning_rate=0.7),
                    ref.optimize(W, b, X, Y, num_iterations=3, learning_rate=0.7),
                    "optimize(W, b, X, Y, num_iterations=3, learning_rate=0.7)")


@pytest.mark.points(2)
def test_optimize_cost_schedule(student, ref, rng):
    W, b, X, Y = _problem(rng, n_x=2, m=8)
    for n_iter in (1, 100, 101, 250):
        params, grads, costs = student.optimize(W, b, X, Y, n_iter, 0.05)
        _, _, ecosts = ref.optimize(W, b, X, Y, n_iter, 0.05)
        assert isinstance(costs, list) and len(costs) == math.ceil(n_iter / 100), (
            f"optimize with num_iterations={n_iter} must record {math.ceil(n_iter / 100)} cost(s) "
            f"(at i = 0, 100, 200, ...), got {len(costs) if isinstance(costs, list) else type(costs).__name__}")
        for i, c in enumerate(costs):
            assert_float(c, f"optimize: costs[{i}]")
        assert_close(costs, ecosts, name=f"optimize: costs (num_iterations={n_iter})", rtol=1e-10)


@pytest.mark.points(1)
def test_optimize_float32(student, ref, rng):
    W, b, X, Y = _problem(rng, n_x=3, m=10)
    args = (W.astype(np.float32), b.astype(np.float32), X.astype(np.float32), Y.astype(np.float32), 5, 0.1)
    _check_optimize(student.optimize(*args), ref.optimize(*args), "optimize (float32 W, b, X, Y)",
                    rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- predict (4)

@pytest.mark.points(2)
def test_predict_matches_reference(student, ref, rng):
    W, b, X, _ = _problem(rng, m=int(rng.integers(5, 30)))
    assert_close(student.predict(W, b, X), ref.predict(W, b, X), name="predict(W, b, X)", rtol=0, atol=0)
    thr = float(rng.choice([0.2, 0.3, 0.7, 0.8]))
    # choose X so that some probabilities lie between 0.5 and thr: ignoring threshold changes the result
    A = ref.logistic_forward(W, b, X)
    lo, hi = min(thr, 0.5), max(thr, 0.5)
    if not np.any((A > lo) & (A <= hi)):
        X = X.copy()
        z_mid = math.log((lo + hi) / 2 / (1 - (lo + hi) / 2))
        X[:, 0] = (z_mid - b[0, 0]) * W[0] / float((W @ W.T)[0, 0])
    assert_close(student.predict(W, b, X, threshold=thr), ref.predict(W, b, X, threshold=thr),
                 name=f"predict(W, b, X, threshold={thr})", rtol=0, atol=0)
    assert_close(student.predict(W, b, X, thr), ref.predict(W, b, X, thr),
                 name=f"predict(W, b, X, {thr}) (threshold by position)", rtol=0, atol=0)


@pytest.mark.points(1)
def test_predict_threshold_strict(student, rng):
    n_x, m = int(rng.integers(1, 5)), int(rng.integers(2, 9))
    W, b = np.zeros((1, n_x)), np.zeros((1, 1))
    X = rng.standard_normal((n_x, m))
    got = student.predict(W, b, X)      # every probability is exactly 0.5: not > 0.5
    assert_close(got, np.zeros((1, m), dtype=np.int64), name="predict with all probabilities == 0.5 (strict >)",
                 rtol=0, atol=0)
    got = student.predict(W, np.array([[1e-9]]), X)      # every probability is just above 0.5
    assert_close(got, np.ones((1, m), dtype=np.int64), name="predict with all probabilities == 0.5 + 2.5e-10",
                 rtol=0, atol=0)


@pytest.mark.points(1)
def test_predict_types(student, ref, rng):
    W, b, X, _ = _problem(rng, m=1)
    got = student.predict(W, b, X)
    assert isinstance(got, np.ndarray) and got.shape == (1, 1) and got.dtype == np.int64, (
        f"predict must return a (1, m) int64 array; for m = 1 got "
        f"{type(got).__name__} {getattr(got, 'shape', '')} {getattr(got, 'dtype', '')}")
    Xi = rng.integers(-2, 3, size=(W.shape[1], 6))
    assert_close(student.predict(W, b, Xi), ref.predict(W, b, Xi), name="predict with integer X", rtol=0, atol=0)


# ----------------------------------------------------------------------------- breast cancer end-to-end (12)

def _check_params_shape(out, n_x):
    params = out[0] if isinstance(out, (tuple, list)) and out else None
    assert isinstance(params, dict) and "W" in params and "b" in params, (
        "breast cancer: optimize must return (params, grads, costs) with params {'W', 'b'}")
    shapes = tuple(getattr(params[k], "shape", type(params[k]).__name__) for k in ("W", "b"))
    assert shapes == ((1, n_x), (1, 1)), (
        f"breast cancer: after one step of optimize, params['W'] and params['b'] have shapes {shapes[0]} and "
        f"{shapes[1]}, expected (1, {n_x}) and (1, 1); the 2000-step training was not run")


def _train_breast_cancer(student, memo):
    """The student's 2000-iteration training run, made once per submission: the accuracy and
    the cost-curve tests judge the same run (a failure, e.g. a timeout, is reported by both)."""
    if "breast_cancer" not in memo:
        d = data.breast_cancer()
        n_x = d["X_train"].shape[0]
        W0, b0 = np.zeros((1, n_x)), np.zeros((1, 1))
        try:
            # One step first: a run whose parameters already have the wrong shape cannot pass,
            # and the shape is the message the student needs (2000 steps of a (30, 30) W would
            # only end in NaN costs, after seconds).
            _check_params_shape(student.optimize(W0, b0, d["X_train"], d["Y_train"], 1, 0.1), n_x)
            params, grads, costs = student.optimize(W0, b0, d["X_train"], d["Y_train"], 2000, 0.1)
            memo["breast_cancer"] = (d, params, costs), None
        except Exception as exc:  # noqa: BLE001 - the student's failure is stored and reported by each test
            memo["breast_cancer"] = None, exc
    run, exc = memo["breast_cancer"]
    if exc is not None:
        raise exc
    return run


@reference_value
def _reference_breast_cancer_costs(ref):
    """The reference's 20 costs of the same run: computed once per grading process (the suite
    server computes it before forking the per-submission workers)."""
    d = data.breast_cancer()
    n_x = d["X_train"].shape[0]
    _, _, costs = ref.optimize(np.zeros((1, n_x)), np.zeros((1, 1)), d["X_train"], d["Y_train"], 2000, 0.1)
    return [float(c) for c in costs]


@pytest.mark.points(8)
@pytest.mark.timeout(30)
@pytest.mark.exercises("optimize")  # also when the memo serves the run
def test_breast_cancer_accuracy(student, submission_memo):
    d, params, _ = _train_breast_cancer(student, submission_memo)
    assert isinstance(params, dict) and "W" in params and "b" in params, "optimize must return params {'W', 'b'}"
    pred = student.predict(params["W"], params["b"], d["X_test"])
    assert isinstance(pred, np.ndarray) and pred.shape == d["Y_test"].shape, (
        f"predict on the test set must return shape {d['Y_test'].shape}, got {getattr(pred, 'shape', type(pred))}")
    acc = float(np.mean(pred == d["Y_test"]))
    assert acc >= 0.95, (
        f"breast cancer: test accuracy {acc:.4f} < 0.95 after 2000 iterations at learning rate 0.1 "
        f"(the reference reaches 0.970)")


@pytest.mark.points(4)
@pytest.mark.timeout(30)
@pytest.mark.exercises("optimize")  # also when the memo serves the run
def test_breast_cancer_costs(student, ref, submission_memo, figure):
    _, _, costs = _train_breast_cancer(student, submission_memo)
    # attached before the checks, so a failing student sees the curve too; entries that are
    # not numbers are drawn as gaps
    figure("breast cancer: cost every 100 iterations",
           {"your costs": costs if isinstance(costs, list) else [],
            "reference": _reference_breast_cancer_costs(ref)},
           xlabel="iteration", ylabel="cost", x=list(range(0, 2000, 100)))
    assert isinstance(costs, list) and len(costs) == 20, (
        f"breast cancer: 2000 iterations must record 20 costs, got "
        f"{len(costs) if isinstance(costs, list) else type(costs).__name__}")
    c = np.array([float(v) for v in costs])
    assert abs(c[0] - math.log(2)) < 1e-9, f"with W = 0, b = 0 the first cost must be log 2 = 0.6931, got {c[0]:.6g}"
    assert np.all(np.diff(c) <= 0), f"the costs of gradient descent must not increase: {np.round(c, 4).tolist()}"
    assert c[-1] < 0.1, f"the final cost {c[-1]:.4f} must be < 0.1 (the reference reaches 0.050)"


# ----------------------------------------------------------------------------- purity (8)
# "Does not modify its arguments" (CONVENTIONS §3), graded apart from the values; each case first
# checks that the call did real work, so that constants earn nothing here.

def _purity_case(rng, fname):
    """(args, names of the checked args); float32 inputs, where an in-place cast would show."""
    W, b, X, Y = (v.astype(np.float32) for v in _problem(rng, n_x=int(rng.integers(2, 5)), m=int(rng.integers(3, 12))))
    A = _probabilities(rng, X.shape[1]).astype(np.float32)
    return {
        "sigmoid": ((X,), ("z",)),
        "logistic_forward": ((W, b, X), ("W", "b", "X")),
        "bce_cost": ((A, Y), ("A", "Y")),
        "bce_cost_from_logits": ((X[:1] * 3, Y), ("Z", "Y")),
        "logistic_backward": ((X, A, Y), ("X", "A", "Y")),
        "propagate": ((W, b, X, Y), ("W", "b", "X", "Y")),
        "optimize": ((W, b, X, Y, 20, 0.5), ("W", "b", "X", "Y")),
        "predict": ((W, b, X), ("W", "b", "X")),
    }[fname]


def _check_purity(student, ref, rng, fname):
    args, names = _purity_case(rng, fname)
    got, after, _ = student.call_with_args(fname, *args)
    expected = getattr(ref, fname)(*args)
    if isinstance(expected, tuple) and isinstance(got, list):
        got = tuple(got)
    assert_did_work(fname, got, expected, inputs=args)
    assert_unchanged(fname, args[:len(names)], after[:len(names)], names)


@pytest.mark.points(1)
def test_sigmoid_purity(student, ref, rng):
    _check_purity(student, ref, rng, "sigmoid")


@pytest.mark.points(1)
def test_logistic_forward_purity(student, ref, rng):
    _check_purity(student, ref, rng, "logistic_forward")


@pytest.mark.points(1)
def test_bce_cost_purity(student, ref, rng):
    _check_purity(student, ref, rng, "bce_cost")


@pytest.mark.points(1)
def test_bce_cost_from_logits_purity(student, ref, rng):
    _check_purity(student, ref, rng, "bce_cost_from_logits")


@pytest.mark.points(1)
def test_logistic_backward_purity(student, ref, rng):
    _check_purity(student, ref, rng, "logistic_backward")


@pytest.mark.points(1)
def test_propagate_purity(student, ref, rng):
    _check_purity(student, ref, rng, "propagate")


@pytest.mark.points(1)
def test_optimize_purity(student, ref, rng):
    _check_purity(student, ref, rng, "optimize")


@pytest.mark.points(1)
def test_predict_purity(student, ref, rng):
    _check_purity(student, ref, rng, "predict")


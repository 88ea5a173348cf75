"""Hidden tests of A04, part 1: 感知机 (perceptron), logic gates and 异或 (XOR).

Points (CURRICULUM A04): step 3 · perceptron_predict 5 · gates 8 · XOR network 8 ·
perceptron_train 12 · XOR-impossibility 4 = 40 (test_logistic.py has the other 60).
"""
import numpy as np
import pytest

from grader import data
from grader.checks import assert_close, assert_did_work, assert_unchanged, raises_student


# ----------------------------------------------------------------------------- helpers

def _gate_table():
    tt = data.truth_table()
    return tt["X"], {g: tt[g] for g in ("AND", "OR", "NAND", "XOR")}


def _random_unit(rng, n_x, m):
    W = rng.standard_normal((1, n_x))
    b = rng.standard_normal((1, 1))
    X = rng.standard_normal((n_x, m))
    return W, b, X


def _check_prediction_array(got, m, fname):
    assert isinstance(got, np.ndarray), f"{fname} must return a numpy array, got {type(got).__name__}"
    assert got.shape == (1, m), f"{fname} must return shape (1, m) = (1, {m}), got {got.shape}"
    assert got.dtype == np.int64, (
        f"{fname} must return int64 class labels (0/1), got dtype {got.dtype}; "
        f"convert with .astype(np.int64)"
    )


# ----------------------------------------------------------------------------- step (3)

@pytest.mark.points(1)
def test_step_matches_reference(student, ref, rng):
    shape = tuple(int(s) for s in rng.integers(1, 6, size=rng.integers(1, 3)))
    z = rng.standard_normal(shape) * 3
    z.flat[:: max(1, z.size // 3)] = 0.0       # exact zeros: the convention at the kink
    z.flat[-1] = -0.0
    assert_close(student.step(z), ref.step(z), name="step(z)", rtol=0, atol=0)


@pytest.mark.points(1)
def test_step_zero(student):
    z = np.array([[-1e-12, 0.0, 1e-12], [-0.0, 0.0, 3.0]])
    got = student.step(z)
    assert_close(got, np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), name="step(z)", rtol=0, atol=0)
    assert float(np.asarray(student.step(np.array([0.0])))[0]) == 0.0, (
        "step(0) must be 0: the neuron fires only when the weighted sum is strictly "
        "greater than the threshold (use z > 0, not z >= 0)")


@pytest.mark.points(1)
def test_step_dtype(student, ref, rng):
    z32 = (rng.standard_normal((3, 5)) * 2).astype(np.float32)
    got = student.step(z32)
    assert_close(got, ref.step(z32), name="step(float32 z)", rtol=0, atol=0)
    zi = rng.integers(-3, 4, size=(2, 7))
    assert_close(student.step(zi), ref.step(zi), name="step(int64 z) (expected float64)", rtol=0, atol=0)


# ----------------------------------------------------------------------------- perceptron_predict (5)

@pytest.mark.points(1)
def test_perceptron_predict_matches_reference(student, ref, rng):
    for n_x, m in [(int(rng.integers(1, 6)), int(rng.integers(2, 20))), (int(rng.integers(1, 6)), 1)]:
        W, b, X = _random_unit(rng, n_x, m)
        assert_close(student.perceptron_predict(W, b, X), ref.perceptron_predict(W, b, X),
                     name=f"perceptron_predict(W, b, X) with n_x={n_x}, m={m}", rtol=0, atol=0)


@pytest.mark.points(1)
def test_perceptron_predict_boundary(student):
    # W x + b is exactly 0 for the first two columns: step(0) = 0, so the prediction is 0.
    W = np.array([[1.0, -1.0]])
    b = np.array([[0.0]])
    X = np.array([[2.0, 0.0, 1.0, -1.0], [2.0, 0.0, 0.0, 0.0]])
    got = student.perceptron_predict(W, b, X)
    assert_close(got, np.array([[0, 0, 1, 0]], dtype=np.int64), name="perceptron_predict on W x + b = 0",
                 rtol=0, atol=0)


@pytest.mark.points(1)
def test_perceptron_predict_types(student, ref, rng):
    n_x, m = int(rng.integers(2, 5)), int(rng.integers(3, 9))
    W, b, X = _random_unit(rng, n_x, m)
    for Xc, mc, label in ((X, m, "perceptron_predict"), (X[:, :1], 1, "perceptron_predict (m = 1)")):
        got = student.perceptron_predict(W, b, Xc)
        _check_prediction_array(got, mc, label)
        assert_close(got, ref.perceptron_predict(W, b, Xc), name=label, rtol=0, atol=0)


@pytest.mark.points(1)
def test_perceptron_predict_integer_X(student, ref, rng):
    n_x, m = int(rng.integers(2, 5)), int(rng.integers(3, 9))
    W, b, _ = _random_unit(rng, n_x, m)
    X = rng.integers(-2, 3, size=(n_x, m))
    got = student.perceptron_predict(W, b, X)
    assert_close(got, ref.perceptron_predict(W, b, X), name="perceptron_predict with integer X", rtol=0, atol=0)


# ----------------------------------------------------------------------------- gates (8)

@pytest.mark.points(6)
@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
def test_gate_truth_table(student, gate):
    X, labels = _gate_table()
    W, b = student.logic_gate_params(gate)
    fname = f'logic_gate_params("{gate}")'
    for nm, v, shape in (("W", W, (1, 2)), ("b", b, (1, 1))):
        assert isinstance(v, np.ndarray) and v.shape == shape and v.dtype == np.float64, (
            f"{fname}: {nm} must be a float64 array of shape {shape}, got "
            f"{type(v).__name__} {getattr(v, 'shape', '')} {getattr(v, 'dtype', '')}")
    s = W @ X + b
    pred = (s > 0).astype(np.float64)
    assert np.array_equal(pred, labels[gate]), (
        f"{fname} computes {pred.astype(int).tolist()} on the inputs (0,0),(0,1),(1,0),(1,1); "
        f"the {gate} truth table is {labels[gate].astype(int).tolist()}")
    margin = float(np.min(np.abs(s)))
    assert margin >= 0.1, (
        f"{fname} is right but on the edge: |W x + b| = {margin:g} for some input, need >= 0.1. "
        f"Move the bias away from the decision boundary (e.g. b = -1.5 for AND).")


@pytest.mark.points(2)
def test_gate_unknown_name(student):
    # Real work first: a known gate (a function that always raises must not earn this test).
    X, labels = _gate_table()
    W, b = student.logic_gate_params("AND")
    assert np.array_equal(((np.asarray(W) @ X + np.asarray(b)) > 0).astype(np.float64), labels["AND"]), (
        'logic_gate_params("AND") must compute AND before unknown names are checked')
    with raises_student(ValueError):
        student.logic_gate_params("XOR")
    with raises_student(ValueError):
        student.logic_gate_params("NOR")


# ----------------------------------------------------------------------------- XOR network (8)

def _unit_table(W_row, b_val, X):
    s = W_row @ X + b_val
    return (s > 0).astype(np.float64), float(np.min(np.abs(s)))


@pytest.mark.points(3)
def test_xor_network_structure(student):
    X, labels = _gate_table()
    params = student.xor_network()
    assert isinstance(params, (list, tuple)) and len(params) == 2, (
        "xor_network must return [(W1, b1), (W2, b2)], a list of two (W, b) pairs")
    (W1, b1), (W2, b2) = params
    for nm, v, shape in (("W1", W1, (2, 2)), ("b1", b1, (2, 1)), ("W2", W2, (1, 2)), ("b2", b2, (1, 1))):
        assert isinstance(v, np.ndarray) and v.shape == shape and v.dtype.kind == "f", (
            f"xor_network: {nm} must be a float array of shape {shape}, got "
            f"{type(v).__name__} {getattr(v, 'shape', '')} {getattr(v, 'dtype', '')}")
    tables = []
    for j in range(2):
        t, margin = _unit_table(W1[j:j + 1], b1[j:j + 1], X)
        assert margin >= 0.1, f"xor_network: hidden unit {j} has margin {margin:g} < 0.1 on the truth table"
        tables.append(t.astype(int).tolist()[0])
    want = sorted([labels["NAND"].astype(int).tolist()[0], labels["OR"].astype(int).tolist()[0]])
    assert sorted(tables) == want, (
        f"xor_network: the hidden units compute {tables}; they must be a NAND unit {want[1]} "
        f"and an OR unit {want[0]} (in either order): XOR = AND(NAND, OR)")
    t, margin = _unit_table(W2, b2, X)
    assert t.astype(int).tolist() == labels["AND"].astype(int).tolist() and margin >= 0.1, (
        f"xor_network: the output unit must be an AND gate with margin >= 0.1; on (0,0),(0,1),(1,0),(1,1) "
        f"it gives {t.astype(int).tolist()} with margin {margin:g}")


@pytest.mark.points(2)
def test_xor_network_computes_xor(student, ref):
    X, labels = _gate_table()
    params = student.xor_network()
    got = ref.two_layer_perceptron_predict(params, X)   # the reference forward: grades xor_network only
    assert np.array_equal(got, labels["XOR"].astype(np.int64)), (
        f"xor_network: the network computes {got.tolist()} on (0,0),(0,1),(1,0),(1,1); XOR is "
        f"{labels['XOR'].astype(int).tolist()} (异或)")


@pytest.mark.points(2)
def test_two_layer_predict_matches_reference(student, ref, rng):
    X, labels = _gate_table()
    ref_params = ref.xor_network()
    got = student.two_layer_perceptron_predict(ref_params, X)
    assert_close(got, labels["XOR"].astype(np.int64), name="two_layer_perceptron_predict(<reference XOR net>, X)",
                 rtol=0, atol=0)
    n_x, n_h, m = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 15))
    params = [(rng.standard_normal((n_h, n_x)), rng.standard_normal((n_h, 1))),
              (rng.standard_normal((1, n_h)), rng.standard_normal((1, 1)))]
    Xr = rng.standard_normal((n_x, m))
    assert_close(student.two_layer_perceptron_predict(params, Xr), ref.two_layer_perceptron_predict(params, Xr),
                 name=f"two_layer_perceptron_predict (n_x={n_x}, n_h={n_h}, m={m})", rtol=0, atol=0)


# ----------------------------------------------------------------------------- perceptron_train (12)

def _random_labelled(rng, n_x, m):
    X = rng.standard_normal((n_x, m))
    w = rng.standard_normal((1, n_x))
    Y = ((w @ X + 0.3 * rng.standard_normal((1, m))) > 0).astype(np.float64)
    return X, Y


def _check_train(got, exp, fname):
    assert isinstance(got, (tuple, list)) and len(got) == 3, f"{fname} must return (W, b, errors)"
    W, b, errors = got
    eW, eb, eerrors = exp
    assert list(errors) == list(eerrors), (
        f"{fname}: errors per epoch are {list(errors)}, expected {list(eerrors)}. Visit the examples "
        f"in order i = 0..m-1 (no shuffling), start from W = 0, b = 0, update after every example, "
        f"and stop after the first epoch with 0 errors.")
    assert_close(W, eW, name=f"{fname}: W", rtol=1e-12)
    assert_close(b, eb, name=f"{fname}: b", rtol=1e-12)


@pytest.mark.points(4)
def test_perceptron_train_matches_reference(student, ref, rng):
    # three data sets: the update order (i = 0..m-1) changes the result on about 99 % of them
    # each, so a random visiting order is caught on at least one with certainty in practice
    for _ in range(3):
        n_x, m = int(rng.integers(2, 5)), int(rng.integers(8, 20))
        X, Y = _random_labelled(rng, n_x, m)
        _check_train(student.perceptron_train(X, Y), ref.perceptron_train(X, Y), "perceptron_train(X, Y)")


@pytest.mark.points(2)
def test_perceptron_train_nondefault_args(student, ref, rng):
    lr = float(rng.choice([0.1, 0.25, 0.5, 2.0]))
    epochs = int(rng.integers(2, 5))
    X, labels = _gate_table()
    Xn = np.hstack([X, X + 0.1 * rng.standard_normal(X.shape)])
    Yn = np.hstack([labels["XOR"], labels["XOR"]])           # never separable: runs all epochs
    _check_train(student.perceptron_train(Xn, Yn, lr=lr, epochs=epochs),
                 ref.perceptron_train(Xn, Yn, lr=lr, epochs=epochs),
                 f"perceptron_train(X, Y, lr={lr}, epochs={epochs})")
    X2, Y2 = _random_labelled(rng, 3, 12)
    _check_train(student.perceptron_train(X2, Y2, lr), ref.perceptron_train(X2, Y2, lr),
                 f"perceptron_train(X, Y, {lr}) (lr passed by position)")


def _case_data(case):
    if case == "blobs":
        return data.blobs()
    X, labels = _gate_table()
    return X, labels[case]


@pytest.mark.points(3)
@pytest.mark.parametrize("case", ["AND", "OR", "blobs"])
def test_perceptron_train_converges(student, ref, case):
    X, Y = _case_data(case)
    W, b, errors = student.perceptron_train(X, Y)
    assert len(errors) >= 1 and errors[-1] == 0, (
        f"perceptron_train on {case}: the data is linearly separable, so the perceptron must converge "
        f"(last entry of errors == 0) within 20 epochs; errors = {list(errors)}")
    pred = ref.perceptron_predict(W, b, X)
    acc = float(np.mean(pred == Y))
    assert acc == 1.0, f"perceptron_train on {case}: after convergence the training accuracy is {acc:.3f}, not 1"


@pytest.mark.points(1)
def test_perceptron_train_types(student, ref, rng):
    X, Y = _random_labelled(rng, 3, 10)
    got = student.perceptron_train(X, Y)
    W, b, errors = got
    assert isinstance(errors, list), f"perceptron_train: errors must be a list, got {type(errors).__name__}"
    bad = [type(e).__name__ for e in errors if type(e) is not int]
    assert not bad, f"perceptron_train: errors must hold Python ints, found {bad[0]} (use int(...))"
    # integer inputs -> float64 weights; float32 inputs -> float32 weights
    Xi = rng.integers(-3, 4, size=(2, 9))
    Yi = (Xi[0:1] + Xi[1:2] > 0).astype(np.int64)
    _check_train(student.perceptron_train(Xi, Yi), ref.perceptron_train(Xi, Yi), "perceptron_train(integer X, Y)")
    X32 = X.astype(np.float32)
    _check_train(student.perceptron_train(X32, Y), ref.perceptron_train(X32, Y), "perceptron_train(float32 X, Y)")


# ----------------------------------------------------------------------------- XOR impossibility (4)

@pytest.mark.points(4)
def test_perceptron_cannot_learn_xor(student, ref):
    """Seed 4.2: «感知机无法处理异或问题»."""
    X, labels = _gate_table()
    # Real work first: the same perceptron_train learns AND (constants must not earn this test).
    W_and, b_and, errors_and = student.perceptron_train(X, labels["AND"], epochs=100)
    assert len(errors_and) >= 1 and errors_and[-1] == 0 and np.array_equal(
        ref.perceptron_predict(W_and, b_and, X), labels["AND"].astype(np.int64)), (
        f"perceptron_train must learn AND (linearly separable) before XOR can be judged; errors = {list(errors_and)}")
    W, b, errors = student.perceptron_train(X, labels["XOR"], epochs=100)
    assert len(errors) == 100 and min(errors) > 0, (
        f"perceptron_train on XOR with epochs=100 must run all 100 epochs without ever reaching 0 "
        f"errors (XOR is not linearly separable); got {len(errors)} epochs, "
        f"min errors {min(errors) if errors else None}")
    acc = float(np.mean(ref.perceptron_predict(W, b, X) == labels["XOR"]))
    assert acc <= 0.75, f"a single perceptron cannot get XOR right: final accuracy {acc} > 0.75"


# ----------------------------------------------------------------------------- purity (4)
# "Does not modify its arguments" (CONVENTIONS §3), graded apart from the values; each case first
# checks that the call did real work, so that constants earn nothing here.

def _purity_case(rng, ref, fname):
    n_x, m = int(rng.integers(2, 5)), int(rng.integers(3, 9))
    W, b, X = (v.astype(np.float32) for v in _random_unit(rng, n_x, m))
    if fname == "step":
        return (X,), ("z",)
    if fname == "perceptron_predict":
        return (W, b, X), ("W", "b", "X")
    if fname == "two_layer_perceptron_predict":
        return (ref.xor_network(), _gate_table()[0]), ("params", "X")
    Xl, Yl = _random_labelled(rng, 3, 10)
    return (Xl, Yl), ("X", "Y")


def _check_purity(student, ref, rng, fname):
    args, names = _purity_case(rng, ref, fname)
    got, after, _ = student.call_with_args(fname, *args)
    expected = getattr(ref, fname)(*args)
    if isinstance(expected, tuple) and isinstance(got, list):
        got = tuple(got)
    assert_did_work(fname, got, expected, inputs=args)
    assert_unchanged(fname, args, after, names)


@pytest.mark.points(1)
def test_step_purity(student, ref, rng):
    _check_purity(student, ref, rng, "step")


@pytest.mark.points(1)
def test_perceptron_predict_purity(student, ref, rng):
    _check_purity(student, ref, rng, "perceptron_predict")


@pytest.mark.points(1)
def test_two_layer_perceptron_predict_purity(student, ref, rng):
    _check_purity(student, ref, rng, "two_layer_perceptron_predict")


@pytest.mark.points(1)
def test_perceptron_train_purity(student, ref, rng):
    _check_purity(student, ref, rng, "perceptron_train")


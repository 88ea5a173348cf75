"""Hidden tests of A05, part 1: sizes, initialisation, activations, forward, cost, update,
predict and the linear-network collapse.

Points (CURRICULUM A05): layer_sizes 2 · init 6 · constant init 2 · activations 12 ·
forward 10 · cost 4 · update 4 · predict 3 · collapse 7 = 50
(test_a05_training.py has backward 20 · nn_model 10 · symmetry 5 · end-to-end 15 = 50).
"""
import math

import numpy as np
import pytest

from grader.checks import (assert_close, assert_did_work, assert_float, assert_shape, assert_unchanged,
                           call_strict, raises_student)

SIGMOID_HINT = ("a stable sigmoid never evaluates exp of a large positive number: use 1/(1+exp(-z)) for z >= 0 "
                "and exp(z)/(1+exp(z)) for z < 0 (e = np.exp(-np.abs(z)) is safe for both)")
HIDDEN = ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]
ACTIVATION_FUNCTIONS = [
    "relu", "relu_derivative", "leaky_relu", "leaky_relu_derivative", "sigmoid",
    "sigmoid_derivative", "tanh_derivative", "linear", "linear_derivative",
]
KEYS = ("W1", "b1", "W2", "b2")


# ----------------------------------------------------------------------------- helpers

def _sizes(rng):
    """n_x, n_h, m pairwise different (so that a transpose or a wrong axis cannot pass)."""
    n_x, n_h, m = rng.choice(np.arange(2, 9), size=3, replace=False)
    return int(n_x), int(n_h), int(m)


def _params(rng, n_x, n_h, n_y=1, w=0.8, b=0.3):
    return {
        "W1": rng.standard_normal((n_h, n_x)) * w,
        "b1": rng.standard_normal((n_h, 1)) * b,
        "W2": rng.standard_normal((n_y, n_h)) * w,
        "b2": rng.standard_normal((n_y, 1)) * b,
    }


def _labels(rng, n_y, m):
    Y = (rng.random((n_y, m)) < 0.5).astype(np.float64)
    Y[0, 0], Y[0, -1] = 0.0, 1.0
    return Y


def _grid(rng):
    """Activation inputs: exact zeros, ±tiny, large values and random ones, as a 2-D array."""
    fixed = [0.0, -0.0, 1e-12, -1e-12, 0.5, -0.5, 3.0, -3.0, 25.0, -25.0]
    z = np.concatenate([fixed, rng.standard_normal(14) * 4]).reshape(4, 6)
    return z


# ----------------------------------------------------------------------------- layer_sizes (2)

@pytest.mark.points(2)
def test_layer_sizes(student, ref, rng):
    for _ in range(2):
        n_x, n_h, m = _sizes(rng)
        n_y = int(rng.integers(1, 4))
        X = rng.standard_normal((n_x, m))
        Y = rng.standard_normal((n_y, m))
        assert_close(student.layer_sizes(X, Y, n_h), ref.layer_sizes(X, Y, n_h),
                     name=f"layer_sizes(X {X.shape}, Y {Y.shape}, n_h={n_h}) (a tuple (n_x, n_h, n_y) of ints)")


# ----------------------------------------------------------------------------- initialisation (6)

@pytest.mark.points(2)
def test_initialize_parameters_seed3(student, ref):
    for n_x, n_h, n_y in [(2, 4, 1), (5, 3, 2)]:
        got = student.initialize_parameters(n_x, n_h, n_y, student.rng(3))
        exp = ref.initialize_parameters(n_x, n_h, n_y, np.random.default_rng(3))
        assert_close(got, exp, name=f"initialize_parameters({n_x}, {n_h}, {n_y}, default_rng(3))", rtol=0, atol=0,
                     hint="draw W1 = rng.standard_normal((n_h, n_x)) * scale first, then W2 the same way; "
                          "the biases are np.zeros and draw nothing")


@pytest.mark.points(2)
def test_initialize_parameters_matches_reference(student, ref, rng):
    n_x, n_h, _ = _sizes(rng)
    n_y = int(rng.integers(1, 4))
    seed = int(rng.integers(2**31))
    got = student.initialize_parameters(n_x, n_h, n_y, student.rng(seed))
    exp = ref.initialize_parameters(n_x, n_h, n_y, np.random.default_rng(seed))
    assert_close(got, exp, name=f"initialize_parameters({n_x}, {n_h}, {n_y}, rng)", rtol=0, atol=0)
    assert np.all(got["b1"] == 0) and np.all(got["b2"] == 0), "initialize_parameters: b1 and b2 must be zeros"


@pytest.mark.points(2)
def test_initialize_parameters_scale(student, ref, rng):
    n_x, n_h, _ = _sizes(rng)
    scale = float(rng.uniform(0.2, 2.0))
    seed = int(rng.integers(2**31))
    got = student.initialize_parameters(n_x, n_h, 1, student.rng(seed), scale=scale)
    exp = ref.initialize_parameters(n_x, n_h, 1, np.random.default_rng(seed), scale=scale)
    assert_close(got, exp, name=f"initialize_parameters({n_x}, {n_h}, 1, rng, scale={scale:.4g})", rtol=1e-15,
                 atol=0, hint="multiply both W1 and W2 by the scale argument (0.01 is only its default)")


@pytest.mark.points(2)
def test_initialize_parameters_constant(student, ref, rng):
    n_x, n_h, _ = _sizes(rng)
    n_y = int(rng.integers(1, 3))
    for value in (round(float(rng.uniform(-2, 2)), 3), 0.0):
        assert_close(student.initialize_parameters_constant(n_x, n_h, n_y, value),
                     ref.initialize_parameters_constant(n_x, n_h, n_y, value),
                     name=f"initialize_parameters_constant({n_x}, {n_h}, {n_y}, value={value})", rtol=0, atol=0)


# ----------------------------------------------------------------------------- activations (12)

@pytest.mark.points(6)
@pytest.mark.parametrize("fname", ACTIVATION_FUNCTIONS)
def test_activation_matches_reference(student, ref, rng, fname):
    z = _grid(rng)
    assert_close(getattr(student, fname)(z), getattr(ref, fname)(z),
                 name=f"{fname}(z) on a grid with exact zeros and |z| up to 25", rtol=1e-12, atol=1e-14)
    v = rng.standard_normal(7) * 3
    assert_close(getattr(student, fname)(v), getattr(ref, fname)(v), name=f"{fname}(z) for a 1-D z of shape (7,)",
                 rtol=1e-12, atol=1e-14)


@pytest.mark.points(1.5)
def test_leaky_relu_alpha(student, ref, rng):
    z = _grid(rng)
    alpha = float(rng.uniform(0.05, 0.3))
    assert_close(student.leaky_relu(z, alpha=alpha), ref.leaky_relu(z, alpha=alpha),
                 name=f"leaky_relu(z, alpha={alpha:.4g})", rtol=1e-12, atol=0,
                 hint="use the alpha argument, not a hard-coded 0.01")
    assert_close(student.leaky_relu_derivative(z, alpha=alpha), ref.leaky_relu_derivative(z, alpha=alpha),
                 name=f"leaky_relu_derivative(z, alpha={alpha:.4g})", rtol=1e-12, atol=0,
                 hint="the derivative is alpha (not 0.01) where z <= 0")


@pytest.mark.points(1.5)
def test_activation_derivative_conventions(student, rng):
    pos = np.concatenate([[1e-300, 1e-12, 1.0, 1e6], rng.uniform(0.001, 50, 8)]).reshape(3, 4)
    got = student.relu_derivative(pos)
    assert_close(got, np.ones_like(pos), name="relu_derivative(z) for z > 0 (must be exactly 1: «z>0时梯度恒为1»)",
                 rtol=0, atol=0)
    zeros = np.zeros((2, 3))
    assert_close(student.relu_derivative(zeros), np.zeros((2, 3)), name="relu_derivative(0) (the convention is 0)",
                 rtol=0, atol=0, hint="use z > 0, not z >= 0")
    assert_close(student.leaky_relu_derivative(zeros), np.full((2, 3), 0.01),
                 name="leaky_relu_derivative(0) (the convention is alpha = 0.01)", rtol=1e-15, atol=0,
                 hint="use z > 0 for the slope-1 branch, so that z = 0 gets alpha")
    z = np.concatenate([-np.logspace(-6, 3, 10), [0.0, -0.0], rng.standard_normal(12) * 5]).reshape(4, 6)
    d = student.leaky_relu_derivative(z)
    assert_close(d, np.where(z > 0, 1.0, 0.01), name="leaky_relu_derivative(z)", rtol=1e-15, atol=0)
    assert np.all(d != 0), "leaky_relu_derivative must never be 0 («始终保持梯度不为0»)"


@pytest.mark.points(1)
def test_activation_saturation(student):
    big = np.array([[20.0, -20.0]])
    s = student.sigmoid_derivative(big)
    assert_close(s, 1 / (1 + np.exp(-big)) * (1 - 1 / (1 + np.exp(-big))), name="sigmoid_derivative([[20, -20]])",
                 rtol=1e-6, atol=0)
    assert np.all(s < 3e-9), f"sigmoid_derivative(±20) must be tiny (< 3e-9), got {s!r} («斜率很小»)"
    t = student.tanh_derivative(big)
    assert_close(t, np.zeros((1, 2)), name="tanh_derivative([[20, -20]])", rtol=0, atol=1e-16)
    z = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    got = call_strict(student, "sigmoid", [z], "sigmoid([[-1000, -50, 0, 50, 1000]]) under np.errstate(over='raise')",
                      SIGMOID_HINT)
    assert_close(got, np.array([[0.0, 1 / (1 + math.exp(50)), 0.5, 1 / (1 + math.exp(-50)), 1.0]]),
                 name="sigmoid([[-1000, -50, 0, 50, 1000]]) under np.errstate(over='raise')", rtol=1e-13, atol=0,
                 hint="a stable sigmoid never evaluates exp of a large positive number: use "
                      "1/(1+exp(-z)) for z >= 0 and exp(z)/(1+exp(z)) for z < 0")
    got = call_strict(student, "sigmoid_derivative", [z],
                      "sigmoid_derivative([[-1000, -50, 0, 50, 1000]]) under np.errstate(over='raise')", SIGMOID_HINT)
    assert_close(got, np.array([[0.0, 1.928749847963918e-22, 0.25, 1.928749847963918e-22, 0.0]]),
                 name="sigmoid_derivative([[-1000, -50, 0, 50, 1000]]) under np.errstate(over='raise')",
                 rtol=1e-9, atol=1e-21)


@pytest.mark.points(1)
@pytest.mark.parametrize("fname", ACTIVATION_FUNCTIONS)
def test_activation_purity(student, ref, rng, fname):
    z = rng.standard_normal((3, 5)) * 3
    z[0, 0] = 0.0
    got, after, _ = student.call_with_args(fname, z)
    assert_did_work(fname, got, getattr(ref, fname)(z), inputs=(z,))
    assert_unchanged(fname, (z,), after, ("z",))


@pytest.mark.points(1)
@pytest.mark.parametrize("fname", ACTIVATION_FUNCTIONS)
def test_activation_dtype(student, ref, rng, fname):
    z32 = (rng.standard_normal((3, 5)) * 3).astype(np.float32)
    z32[0, 0] = 0.0
    assert_close(getattr(student, fname)(z32), getattr(ref, fname)(z32),
                 name=f"{fname}(float32 z) (a float32 input must give float32)", rtol=1e-5, atol=1e-6)
    zi = rng.integers(-4, 5, size=(2, 5))
    assert_close(getattr(student, fname)(zi), getattr(ref, fname)(zi), name=f"{fname}(int64 z) (expected float64)",
                 rtol=1e-12, atol=0)


# ----------------------------------------------------------------------------- forward (10)

@pytest.mark.points(4)
@pytest.mark.parametrize("act", HIDDEN)
def test_forward_matches_reference(student, ref, rng, act):
    n_x, n_h, m = _sizes(rng)
    P = _params(rng, n_x, n_h)
    X = rng.standard_normal((n_x, m))
    got = student.forward_propagation(X, P, hidden_activation=act)
    exp = ref.forward_propagation(X, P, hidden_activation=act)
    assert_close(got, exp, name=f"(A2, cache) from forward_propagation(hidden_activation={act!r})", rtol=1e-12,
                 atol=1e-15, hint="Z1 = W1 X + b1, A1 = g(Z1), Z2 = W2 A1 + b2, A2 = sigmoid(Z2); "
                                  "cache = {'Z1', 'A1', 'Z2', 'A2'}")


@pytest.mark.points(1)
def test_forward_default_is_tanh(student, ref, rng):
    n_x, n_h, m = _sizes(rng)
    P = _params(rng, n_x, n_h)
    X = rng.standard_normal((n_x, m))
    assert_close(student.forward_propagation(X, P), ref.forward_propagation(X, P, "tanh"),
                 name="forward_propagation(X, parameters) with the default hidden_activation ('tanh')", rtol=1e-12,
                 atol=1e-15)


@pytest.mark.points(2)
def test_forward_edge_cases(student, ref, rng):
    # m = 1, n_h = 1, several output units, and float32 everything.
    for n_x, n_h, n_y, m in [(3, 4, 1, 1), (4, 1, 1, 6), (3, 5, 2, 7)]:
        P = _params(rng, n_x, n_h, n_y)
        X = rng.standard_normal((n_x, m))
        assert_close(student.forward_propagation(X, P, "relu"), ref.forward_propagation(X, P, "relu"),
                     name=f"forward_propagation with n_x={n_x}, n_h={n_h}, n_y={n_y}, m={m}", rtol=1e-12, atol=1e-15)
    n_x, n_h, m = _sizes(rng)
    P32 = {k: v.astype(np.float32) for k, v in _params(rng, n_x, n_h).items()}
    X32 = rng.standard_normal((n_x, m)).astype(np.float32)
    assert_close(student.forward_propagation(X32, P32, "tanh"), ref.forward_propagation(X32, P32, "tanh"),
                 name="forward_propagation on float32 X and parameters (must stay float32)", rtol=1e-5, atol=1e-7)


@pytest.mark.points(1)
def test_forward_unknown_activation(student, ref, rng):
    P = _params(rng, 2, 3)
    X = rng.standard_normal((2, 4))
    assert_close(student.forward_propagation(X, P, hidden_activation="tanh"), ref.forward_propagation(X, P, "tanh"),
                 name="forward_propagation(hidden_activation='tanh') (a known activation must work first)",
                 rtol=1e-12, atol=1e-15)
    with raises_student(ValueError):
        student.forward_propagation(X, P, hidden_activation="softplus")


@pytest.mark.points(1)
def test_forward_does_not_mutate(student, ref, rng):
    n_x, n_h, m = _sizes(rng)
    P = _params(rng, n_x, n_h)
    X = rng.standard_normal((n_x, m))
    got, after, _ = student.call_with_args("forward_propagation", X, P, "relu")
    assert isinstance(got, (tuple, list)) and len(got) == 2, "forward_propagation must return (A2, cache)"
    assert_did_work("forward_propagation", tuple(got), ref.forward_propagation(X, P, "relu"), inputs=(X, P))
    assert_unchanged("forward_propagation", (X, P), after, ("X", "parameters"))


@pytest.mark.points(1)
def test_forward_saturated_no_overflow(student, ref, rng):
    # tanh is odd and b1 = b2 = 0, so the columns -x give Z2 = -Z2(x): |Z2| up to 2000
    # with both signs, so exp overflows in a naive sigmoid whichever way it is written.
    n_x, n_h, m = _sizes(rng)
    P = _params(rng, n_x, n_h, w=3.0)
    P["b1"] = np.zeros_like(P["b1"])
    P["b2"] = np.zeros_like(P["b2"])
    X0 = rng.standard_normal((n_x, m)) * 5
    X = np.concatenate([X0, -X0], axis=1)
    Z2 = ref.forward_propagation(X, P, "tanh")[1]["Z2"]
    P["W2"] = P["W2"] * (2000.0 / np.max(np.abs(Z2)))  # max |Z2| = 2000 > 709: exp(|Z2|) overflows
    got = call_strict(student, "forward_propagation", [X, P, "tanh"],
                      "forward_propagation on a saturated network (|Z2| up to 2000) under np.errstate(over='raise')",
                      "the output layer needs the stable sigmoid: " + SIGMOID_HINT)
    with np.errstate(under="ignore"):
        exp = ref.forward_propagation(X, P, "tanh")
    assert_close(got, exp, name="forward_propagation on a saturated network under np.errstate(over='raise')",
                 rtol=1e-12, atol=1e-300, hint="use the stable sigmoid for the output layer")


# ----------------------------------------------------------------------------- compute_cost (4)

@pytest.mark.points(2)
def test_compute_cost_matches_reference(student, ref, rng):
    for m in (int(rng.integers(3, 40)), 1):
        A2 = rng.uniform(0.02, 0.98, size=(1, m))
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        assert_close(student.compute_cost(A2, Y), ref.compute_cost(A2, Y), name=f"compute_cost(A2, Y) with m={m}",
                     rtol=1e-12, atol=0, hint="J = -(1/m) * sum(Y log A2 + (1 - Y) log(1 - A2))")


@pytest.mark.points(1)
def test_compute_cost_known_values(student, rng):
    m = int(rng.integers(2, 20))
    half = np.full((1, m), 0.5)
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    assert_close(student.compute_cost(half, Y), math.log(2), name="compute_cost(A2 = 0.5 everywhere, Y) (= log 2)",
                 rtol=1e-12, atol=0)
    A2 = rng.uniform(0.1, 0.9, size=(1, m))
    zeros = np.zeros((1, m))
    assert_close(student.compute_cost(A2, zeros), float(-np.mean(np.log(1 - A2))),
                 name="compute_cost(A2, Y all zeros)", rtol=1e-12, atol=0)


@pytest.mark.points(0.5)
def test_compute_cost_returns_float(student, ref, rng):
    m = int(rng.integers(3, 12))
    A2 = rng.uniform(0.05, 0.95, size=(1, m))
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    got = student.compute_cost(A2, Y)
    assert_float(got, "compute_cost")
    assert_close(got, ref.compute_cost(A2, Y), name="compute_cost(A2, Y)", rtol=1e-12, atol=0)


@pytest.mark.points(0.5)
def test_compute_cost_purity(student, ref, rng):
    m = int(rng.integers(3, 12))
    A2 = rng.uniform(0.05, 0.95, size=(1, m))
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    got, after, _ = student.call_with_args("compute_cost", A2, Y)
    assert_did_work("compute_cost", got, ref.compute_cost(A2, Y))
    assert_unchanged("compute_cost", (A2, Y), after, ("A2", "Y"))


# ----------------------------------------------------------------------------- update_parameters (4)

def _grads_like(rng, P):
    return {"d" + k: rng.standard_normal(v.shape) for k, v in P.items()}


@pytest.mark.points(2)
def test_update_parameters_matches_reference(student, ref, rng):
    n_x, n_h, _ = _sizes(rng)
    P = _params(rng, n_x, n_h)
    G = _grads_like(rng, P)
    lr = float(rng.uniform(0.01, 2.0))
    assert_close(student.update_parameters(P, G, lr), ref.update_parameters(P, G, lr),
                 name=f"update_parameters(parameters, grads, learning_rate={lr:.4g})", rtol=1e-14, atol=1e-15,
                 hint="theta = theta - learning_rate * d_theta, for W1, b1, W2 and b2 with their own gradients")


@pytest.mark.points(1)
def test_update_parameters_new_dict(student, ref, rng):
    n_x, n_h, _ = _sizes(rng)
    P = _params(rng, n_x, n_h)
    G = _grads_like(rng, P)
    got, after, _ = student.call_with_args("update_parameters", P, G, 0.5)
    assert isinstance(got, dict), "update_parameters must return a dict"
    assert_did_work("update_parameters", got, ref.update_parameters(P, G, 0.5), inputs=(P, G))
    assert_unchanged("update_parameters", (P, G), after, ("parameters", "grads"))


@pytest.mark.points(1)
def test_update_parameters_float32(student, ref, rng):
    n_x, n_h, _ = _sizes(rng)
    P = {k: v.astype(np.float32) for k, v in _params(rng, n_x, n_h).items()}
    G = {k: v.astype(np.float32) for k, v in _grads_like(rng, P).items()}
    assert_close(student.update_parameters(P, G, 0.1), ref.update_parameters(P, G, 0.1),
                 name="update_parameters on float32 parameters (must stay float32)", rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------- predict (3)

@pytest.mark.points(1.5)
@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_predict_matches_reference(student, ref, rng, act):
    n_x, n_h, m = _sizes(rng)
    P = _params(rng, n_x, n_h, w=1.5)
    X = rng.standard_normal((n_x, m + 10))
    if act == "tanh":
        got = student.predict(P, X)
    else:
        got = student.predict(P, X, hidden_activation=act)
    assert_close(got, ref.predict(P, X, act), name=f"predict(parameters, X, hidden_activation={act!r}) "
                 f"(int64, shape (1, m))", rtol=0, atol=0)


@pytest.mark.points(1.5)
def test_predict_threshold(student, rng):
    # W2 = 0 and b2 = 0 give A2 = 0.5 exactly: not "> 0.5", so the prediction is 0.
    n_x, n_h, m = _sizes(rng)
    P = _params(rng, n_x, n_h)
    P["W2"] = np.zeros_like(P["W2"])
    P["b2"] = np.zeros_like(P["b2"])
    X = rng.standard_normal((n_x, m))
    assert_close(student.predict(P, X), np.zeros((1, m), dtype=np.int64),
                 name="predict where A2 == 0.5 exactly (1 only where A2 > 0.5)", rtol=0, atol=0)
    P["b2"] = np.array([[1e-9]])
    assert_close(student.predict(P, X), np.ones((1, m), dtype=np.int64),
                 name="predict where A2 is just above 0.5", rtol=0, atol=0)


# ----------------------------------------------------------------------------- collapse (7)

@pytest.mark.points(3)
def test_collapse_matches_reference(student, ref, rng):
    for n_y in (1, int(rng.integers(2, 4))):
        n_x, n_h, _ = _sizes(rng)
        P = _params(rng, n_x, n_h, n_y)
        assert_close(student.collapse_linear_network(P), ref.collapse_linear_network(P),
                     name=f"(W_eff, b_eff) from collapse_linear_network with n_x={n_x}, n_h={n_h}, n_y={n_y}",
                     rtol=1e-12, atol=1e-15, hint="W_eff = W2 W1 (n_y, n_x) and b_eff = W2 b1 + b2 (n_y, 1)")


@pytest.mark.points(2)
def test_collapse_is_one_neuron(student, ref, rng):
    # «如果所有隐藏层都使用线性激活函数…相当于只使用一个神经元»
    n_x, n_h, m = _sizes(rng)
    P = _params(rng, n_x, n_h)
    X = rng.standard_normal((n_x, m))
    got = student.collapse_linear_network(P)
    assert isinstance(got, (tuple, list)) and len(got) == 2, "collapse_linear_network must return (W_eff, b_eff)"
    W_eff, b_eff = got
    assert_shape(W_eff, (1, n_x), name="W_eff from collapse_linear_network")
    assert_shape(b_eff, (1, 1), name="b_eff from collapse_linear_network")
    A2, _ = ref.forward_propagation(X, P, "linear")
    assert_close(ref.sigmoid(W_eff @ X + b_eff), A2,
                 name="sigmoid(W_eff X + b_eff) vs the two-layer network with a linear hidden layer",
                 rtol=1e-12, atol=1e-14)


@pytest.mark.points(1)
def test_collapse_several_outputs(student, ref, rng):
    n_x, n_h, _ = _sizes(rng)
    P = _params(rng, n_x, n_h, 2)
    assert_close(student.collapse_linear_network(P), ref.collapse_linear_network(P),
                 name="collapse_linear_network(parameters) with n_y=2", rtol=1e-12, atol=1e-15)


@pytest.mark.points(1)
def test_collapse_does_not_mutate(student, ref, rng):
    n_x, n_h, _ = _sizes(rng)
    P = _params(rng, n_x, n_h, 2)
    got, after, _ = student.call_with_args("collapse_linear_network", P)
    assert_did_work("collapse_linear_network", got, ref.collapse_linear_network(P), inputs=(P,))
    assert_unchanged("collapse_linear_network", (P,), after, ("parameters",))

"""Public tests of A05 (run them with `dlgrade check a05`).

They use fixed inputs and answers you can work out by hand, and check your backward pass
against numerical gradients of YOUR OWN forward pass (grader.gradcheck). The hidden tests that
grade your submission are stricter: random inputs (different for every student), a reference
solution to 1e-12, gradient checks against the reference forward, a torch autograd oracle,
float32 and m = 1 inputs, and that no input is modified.
"""
import math

import numpy as np
import pytest

from grader import data
from grader.checks import assert_close, call_under_errstate, raises_student
from grader.gradcheck import check_gradient


def _hand_params():
    # Z1 = W1 x + b1 with x = (1, 2): Z1 = (1*1 - 1*2 + 0, 0.5*1 + 0*2 + 1) = (-1, 1.5)
    return {
        "W1": np.array([[1.0, -1.0], [0.5, 0.0]]),
        "b1": np.array([[0.0], [1.0]]),
        "W2": np.array([[1.0, 1.0]]),
        "b2": np.array([[-0.5]]),
    }


# ----------------------------------------------------------------------------- sizes, init

@pytest.mark.points(4)
def test_layer_sizes(student):
    got = student.layer_sizes(np.zeros((5, 3)), np.zeros((1, 3)), 4)
    assert_close(got, (5, 4, 1), name="layer_sizes(X (5, 3), Y (1, 3), n_h=4)")


@pytest.mark.points(8)
def test_initialize_parameters(student):
    P = student.initialize_parameters(2, 4, 1, student.rng(3))
    rng = np.random.default_rng(3)
    W1 = rng.standard_normal((4, 2)) * 0.01  # W1 first ...
    W2 = rng.standard_normal((1, 4)) * 0.01  # ... then W2; biases draw nothing
    expected = {"W1": W1, "b1": np.zeros((4, 1)), "W2": W2, "b2": np.zeros((1, 1))}
    assert_close(P, expected, name="initialize_parameters(2, 4, 1, default_rng(3))", rtol=0, atol=0)
    P = student.initialize_parameters(3, 2, 1, student.rng(0), scale=1.0)
    rng = np.random.default_rng(0)
    assert_close(P["W1"], rng.standard_normal((2, 3)), name="W1 from initialize_parameters(3, 2, 1, "
                 "default_rng(0), scale=1.0)", rtol=0, atol=0)


@pytest.mark.points(3)
def test_initialize_parameters_constant(student):
    P = student.initialize_parameters_constant(3, 2, 1, 0.5)
    expected = {"W1": np.full((2, 3), 0.5), "b1": np.zeros((2, 1)), "W2": np.full((1, 2), 0.5),
                "b2": np.zeros((1, 1))}
    assert_close(P, expected, name="initialize_parameters_constant(3, 2, 1, 0.5)", rtol=0, atol=0)


# ----------------------------------------------------------------------------- activations

Z = np.array([[-2.0, 0.0, 3.0]])


@pytest.mark.points(12)
@pytest.mark.parametrize("fname,expected", [
    ("relu", [[0.0, 0.0, 3.0]]),
    ("relu_derivative", [[0.0, 0.0, 1.0]]),          # relu'(0) = 0 by convention
    ("leaky_relu", [[-0.02, 0.0, 3.0]]),
    ("leaky_relu_derivative", [[0.01, 0.01, 1.0]]),  # leaky'(0) = alpha
    ("sigmoid", [[1 / (1 + math.exp(2)), 0.5, 1 / (1 + math.exp(-3))]]),
    ("sigmoid_derivative", [[math.exp(2) / (1 + math.exp(2)) ** 2, 0.25, math.exp(-3) / (1 + math.exp(-3)) ** 2]]),
    ("tanh_derivative", [[1 - math.tanh(2) ** 2, 1.0, 1 - math.tanh(3) ** 2]]),
    ("linear", [[-2.0, 0.0, 3.0]]),
    ("linear_derivative", [[1.0, 1.0, 1.0]]),
])
def test_activation_known_values(student, fname, expected):
    assert_close(getattr(student, fname)(Z), np.array(expected), name=f"{fname}([[-2, 0, 3]])", rtol=1e-12,
                 atol=1e-15)
    z32 = Z.astype(np.float32)
    assert_close(getattr(student, fname)(z32), np.array(expected, dtype=np.float32),
                 name=f"{fname}(float32 [[-2, 0, 3]]) (float32 must stay float32)", rtol=1e-6, atol=1e-7)


@pytest.mark.points(4)
def test_leaky_alpha_and_stable_sigmoid(student):
    assert_close(student.leaky_relu(Z, alpha=0.1), np.array([[-0.2, 0.0, 3.0]]), name="leaky_relu(z, alpha=0.1)",
                 rtol=1e-12, atol=0)
    assert_close(student.leaky_relu_derivative(Z, alpha=0.1), np.array([[0.1, 0.1, 1.0]]),
                 name="leaky_relu_derivative(z, alpha=0.1)", rtol=1e-12, atol=0)
    what = "sigmoid([[-1000, 0, 1000]]) under np.errstate(over='raise')"
    got = call_under_errstate(student, "sigmoid", np.array([[-1000.0, 0.0, 1000.0]]), what=what)
    assert_close(got, np.array([[0.0, 0.5, 1.0]]), name=what, rtol=0, atol=0)


# ----------------------------------------------------------------------------- forward, cost

@pytest.mark.points(10)
def test_forward_by_hand(student):
    X = np.array([[1.0], [2.0]])
    P = _hand_params()
    # linear hidden layer: A1 = Z1 = (-1, 1.5); Z2 = -1 + 1.5 - 0.5 = 0; A2 = sigmoid(0) = 0.5
    A2, cache = student.forward_propagation(X, P, hidden_activation="linear")
    assert_close(A2, np.array([[0.5]]), name="A2 from forward_propagation (linear hidden layer)", rtol=1e-12, atol=0)
    expected = {"Z1": np.array([[-1.0], [1.5]]), "A1": np.array([[-1.0], [1.5]]), "Z2": np.array([[0.0]]),
                "A2": np.array([[0.5]])}
    assert_close(cache, expected, name="cache from forward_propagation (linear hidden layer)", rtol=1e-12, atol=1e-15)
    # relu hidden layer: A1 = (0, 1.5); Z2 = 0 + 1.5 - 0.5 = 1; A2 = sigmoid(1)
    A2, cache = student.forward_propagation(X, P, hidden_activation="relu")
    assert_close(cache["A1"], np.array([[0.0], [1.5]]), name="cache['A1'] (relu)", rtol=1e-12, atol=0)
    assert_close(A2, np.array([[1 / (1 + math.exp(-1))]]), name="A2 (relu)", rtol=1e-12, atol=0)
    # default: tanh
    A2, cache = student.forward_propagation(X, P)
    assert_close(cache["A1"], np.tanh(np.array([[-1.0], [1.5]])), name="cache['A1'] (default: tanh)", rtol=1e-12,
                 atol=0)
    with raises_student(ValueError):
        student.forward_propagation(X, P, hidden_activation="softplus")


@pytest.mark.points(5)
def test_compute_cost_known_values(student):
    assert_close(student.compute_cost(np.array([[0.5, 0.5, 0.5]]), np.array([[1.0, 0.0, 1.0]])), math.log(2),
                 name="compute_cost(A2 = 0.5, Y) (= log 2)", rtol=1e-12, atol=0)
    A2 = np.array([[0.9, 0.2]])
    Y = np.array([[1.0, 0.0]])
    assert_close(student.compute_cost(A2, Y), -(math.log(0.9) + math.log(0.8)) / 2,
                 name="compute_cost([[0.9, 0.2]], [[1, 0]]) (= -(log 0.9 + log 0.8) / 2)", rtol=1e-12, atol=0)


# ----------------------------------------------------------------------------- backward

@pytest.mark.points(20)
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu", "leaky_relu", "linear"])
def test_backward_gradient_check(student, rng, act):
    # Numerical gradients of YOUR cost(forward(.)): this checks that backward matches your forward.
    n_x, n_h, m = 3, 4, 5
    while True:
        P = {"W1": rng.standard_normal((n_h, n_x)), "b1": 0.1 * rng.standard_normal((n_h, 1)),
             "W2": rng.standard_normal((1, n_h)), "b2": 0.1 * rng.standard_normal((1, 1))}
        X = rng.standard_normal((n_x, m))
        if np.min(np.abs(P["W1"] @ X + P["b1"])) > 1e-3:  # stay away from the ReLU kink
            break
    Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
    _, cache = student.forward_propagation(X, P, act)
    grads = student.backward_propagation(P, cache, X, Y, act)
    x = {k: v.copy() for k, v in P.items()}

    def cost():
        return student.compute_cost(student.forward_propagation(X, x, act)[0], Y)

    for k in ("W2", "b2", "W1", "b1"):
        assert isinstance(grads, dict) and "d" + k in grads, f"backward_propagation must return a dict with 'd{k}'"
        check_gradient(cost, x[k], grads["d" + k], name=f"grads['d{k}'] from backward_propagation({act!r})",
                       tol=1e-6 if act in ("relu", "leaky_relu") else 1e-7)


@pytest.mark.points(5)
def test_backward_shapes(student, rng):
    n_x, n_h, m = 2, 4, 7
    P = {"W1": rng.standard_normal((n_h, n_x)), "b1": np.zeros((n_h, 1)), "W2": rng.standard_normal((1, n_h)),
         "b2": np.zeros((1, 1))}
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    _, cache = student.forward_propagation(X, P)
    grads = student.backward_propagation(P, cache, X, Y)
    for k in ("W1", "b1", "W2", "b2"):
        g = grads["d" + k]
        assert isinstance(g, np.ndarray) and g.shape == P[k].shape, (
            f"grads['d{k}'] must have the shape of {k}, {P[k].shape}; got {getattr(g, 'shape', type(g).__name__)}")


# ----------------------------------------------------------------------------- update, predict, training

@pytest.mark.points(4)
def test_update_parameters_known(student):
    P = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[0.5]]), "W2": np.array([[-1.0]]), "b2": np.array([[0.0]])}
    G = {"dW1": np.array([[0.5, -1.0]]), "db1": np.array([[1.0]]), "dW2": np.array([[2.0]]), "db2": np.array([[-4.0]])}
    got = student.update_parameters(P, G, 0.5)
    expected = {"W1": np.array([[0.75, 2.5]]), "b1": np.array([[0.0]]), "W2": np.array([[-2.0]]),
                "b2": np.array([[2.0]])}
    assert_close(got, expected, name="update_parameters(..., learning_rate=0.5)", rtol=1e-12, atol=0)


@pytest.mark.points(3)
def test_predict_known(student):
    X = np.array([[1.0, 1.0], [2.0, -2.0]])
    P = _hand_params()
    # column 1: Z2 = 0 -> A2 = 0.5 -> 0 (not > 0.5); column 2: Z1 = (3, 1.5), Z2 = 4 -> 1
    got = student.predict(P, X, hidden_activation="linear")
    assert_close(got, np.array([[0, 1]], dtype=np.int64), name="predict(hand parameters, X, 'linear')", rtol=0,
                 atol=0)


@pytest.mark.points(10)
@pytest.mark.timeout(30)
def test_nn_model_flower(student):
    X, Y = data.planar_flower()
    params, costs = student.nn_model(X, Y, 4, num_iterations=2000, learning_rate=1.2,
                                     rng=student.rng(2))
    assert isinstance(costs, list) and len(costs) == 2, f"2000 iterations must record 2 costs, got {costs!r}"
    assert abs(costs[0] - math.log(2)) < 1e-3, f"the first cost (tiny weights) must be about log 2, got {costs[0]}"
    acc = float(np.mean(student.predict(params, X) == Y))
    assert acc >= 0.88, f"flower training accuracy {acc:.4f} < 0.88"


# ----------------------------------------------------------------------------- the notes' claims

@pytest.mark.points(7)
def test_collapse_known(student):
    P = _hand_params()
    W_eff, b_eff = student.collapse_linear_network(P)
    # W2 W1 = [1, 1] [[1, -1], [0.5, 0]] = [1.5, -1];  W2 b1 + b2 = 1 - 0.5 = 0.5
    assert_close(W_eff, np.array([[1.5, -1.0]]), name="W_eff", rtol=1e-12, atol=0)
    assert_close(b_eff, np.array([[0.5]]), name="b_eff", rtol=1e-12, atol=0)


@pytest.mark.points(5)
def test_symmetry(student):
    X, Y = data.planar_flower()
    params, _ = student.nn_model(X, Y, 4, num_iterations=100, init=0.5)
    W1 = params["W1"]
    assert np.max(np.ptp(W1, axis=0)) < 1e-12, "from a constant start the rows of W1 must stay identical"
    assert np.max(np.abs(W1 - 0.5)) > 0.05, "W1 must still train (move away from 0.5)"

"""Public tests of A06 (run them with `dlgrade check a06`).

Fixed inputs with answers you can work out by hand, plus gradient checks of your backward
functions against numerical gradients of YOUR OWN forward functions (grader.gradcheck). The
hidden tests are stricter: random inputs for every student, a reference solution to 1e-10,
backward functions graded with reference-built caches, a torch autograd oracle, float32 and
m = 1 inputs, and that no input is modified.
"""
import math

import numpy as np
import pytest

from grader import data
from grader.checks import assert_close, call_under_errstate, raises_student
from grader.gradcheck import check_gradient


# ----------------------------------------------------------------------------- init (6)

@pytest.mark.points(6)
def test_initialize_parameters_deep(student):
    P = student.initialize_parameters_deep([3, 4, 2], student.rng(1))
    rng = np.random.default_rng(1)
    W1 = rng.standard_normal((4, 3)) * math.sqrt(2 / 3)  # He: sqrt(2 / n_{l-1}), layer 1 first
    W2 = rng.standard_normal((2, 4)) * math.sqrt(2 / 4)
    expected = {"W1": W1, "b1": np.zeros((4, 1)), "W2": W2, "b2": np.zeros((2, 1))}
    assert_close(P, expected, name="initialize_parameters_deep([3, 4, 2], default_rng(1))", rtol=1e-15, atol=0)
    P = student.initialize_parameters_deep([2, 5, 1], student.rng(7), method="small")
    rng = np.random.default_rng(7)
    assert_close(P["W1"], rng.standard_normal((5, 2)) * 0.01, name="W1 with method='small'", rtol=1e-15, atol=0)
    with raises_student(ValueError):
        student.initialize_parameters_deep([2, 1], student.rng(0), method="zeros")


# ----------------------------------------------------------------------------- forward (28)

A_PREV = np.array([[1.0, 2.0, -1.0], [0.0, -3.0, 2.0]])  # (2, 3): 2 units, 3 examples
W = np.array([[1.0, -1.0], [2.0, 0.5]])
B = np.array([[0.5], [-1.0]])
Z_HAND = np.array([[1.5, 5.5, -2.5], [1.0, 1.5, -2.0]])  # W A_prev + b, worked out by hand


@pytest.mark.points(5)
def test_linear_forward_by_hand(student):
    Z, cache = student.linear_forward(A_PREV, W, B)
    assert_close(Z, Z_HAND, name="Z from linear_forward", rtol=1e-12, atol=0)
    assert_close(cache, (A_PREV, W, B), name="linear_cache (A_prev, W, b)", rtol=0, atol=0)


@pytest.mark.points(7)
@pytest.mark.parametrize("act,expected", [
    ("relu", np.maximum(Z_HAND, 0)),
    ("linear", Z_HAND),
    ("tanh", np.tanh(Z_HAND)),
    ("sigmoid", 1 / (1 + np.exp(-Z_HAND))),
    ("softmax", np.exp(Z_HAND) / np.exp(Z_HAND).sum(axis=0)),
])
def test_linear_activation_forward_by_hand(student, act, expected):
    A, cache = student.linear_activation_forward(A_PREV, W, B, act)
    assert_close(A, expected, name=f"A from linear_activation_forward({act!r})", rtol=1e-12, atol=1e-15)
    assert_close(cache, ((A_PREV, W, B), Z_HAND), name=f"cache ((A_prev, W, b), Z) ({act!r})", rtol=1e-12, atol=0)


@pytest.mark.points(6)
def test_softmax_known_values(student):
    Z = np.array([[0.0, 0.0], [0.0, math.log(3)]])
    assert_close(student.softmax(Z), np.array([[0.5, 0.25], [0.5, 0.75]]),
                 name="softmax([[0, 0], [0, log 3]]) (columns sum to 1)", rtol=1e-12, atol=0)
    what = "softmax of the column [1000, 999, -1000] under np.errstate(over='raise')"
    got = call_under_errstate(student, "softmax", np.array([[1000.0], [999.0], [-1000.0]]), what=what)
    e = math.exp(-1)
    assert_close(got, np.array([[1 / (1 + e)], [e / (1 + e)], [0.0]]), name=what, rtol=1e-12, atol=1e-300)


@pytest.mark.points(10)
def test_L_model_forward_by_hand(student):
    # Layer 1 (relu) is the hand example above; layer 2 (sigmoid) adds the two units.
    P = {"W1": W, "b1": B, "W2": np.array([[1.0, 1.0]]), "b2": np.array([[-1.0]])}
    AL, caches = student.L_model_forward(A_PREV, P, "relu", "sigmoid")
    A1 = np.maximum(Z_HAND, 0)                      # [[1.5, 5.5, 0], [1, 1.5, 0]]
    Z2 = np.array([[1.5, 6.0, -1.0]])               # 1.5+1-1, 5.5+1.5-1, 0+0-1
    assert_close(AL, 1 / (1 + np.exp(-Z2)), name="AL from L_model_forward (relu, sigmoid)", rtol=1e-12, atol=0)
    assert isinstance(caches, list) and len(caches) == 2, "L_model_forward must return a list of L = 2 caches"
    assert_close(caches[0], ((A_PREV, W, B), Z_HAND), name="caches[0] (layer 1)", rtol=1e-12, atol=0)
    assert_close(caches[1], ((A1, P["W2"], P["b2"]), Z2), name="caches[1] (layer 2)", rtol=1e-12, atol=0)
    AL, caches = student.L_model_forward(A_PREV, {"W1": W, "b1": B})  # L = 1: softmax regression
    assert_close(AL, np.exp(Z_HAND) / np.exp(Z_HAND).sum(axis=0), name="AL with L = 1 (defaults: softmax output)",
                 rtol=1e-12, atol=0)


@pytest.mark.points(8)
def test_costs_known_values(student):
    AL = np.full((4, 3), 0.25)
    Y = np.eye(4)[:, [0, 2, 2]]  # one-hot, classes 1 and 3 absent
    assert_close(student.compute_cost(AL, Y, "softmax"), math.log(4), name="compute_cost(uniform AL, 'softmax') "
                 "(= log 4)", rtol=1e-12, atol=0)
    assert_close(student.compute_cost(np.array([[0.9, 0.2]]), np.array([[1.0, 0.0]]), "sigmoid"),
                 -(math.log(0.9) + math.log(0.8)) / 2, name="compute_cost([[0.9, 0.2]], [[1, 0]], 'sigmoid')",
                 rtol=1e-12, atol=0)
    got = call_under_errstate(student, "compute_cost_from_logits", np.array([[1000.0, -1000.0]]),
                              np.array([[0.0, 0.0]]), "sigmoid")
    assert_close(got, 500.0, name="compute_cost_from_logits([[1000, -1000]], [[0, 0]], 'sigmoid') (losses 1000, 0)",
                 rtol=1e-12, atol=0)
    got = call_under_errstate(student, "compute_cost_from_logits", np.array([[0.0], [math.log(3)]]),
                              np.array([[1.0], [0.0]]), "softmax")
    assert_close(got, math.log(4), name="compute_cost_from_logits([[0], [log 3]], [[1], [0]], 'softmax') (= log 4)",
                 rtol=1e-12, atol=0)


# ----------------------------------------------------------------------------- backward (34)

@pytest.mark.points(4)
def test_softmax_backward_gradient_check(student, rng):
    Z = rng.standard_normal((4, 5))
    dA = rng.standard_normal((4, 5))
    dZ = student.softmax_backward(dA, Z)
    x = Z.copy()
    check_gradient(lambda: float(np.sum(student.softmax(x) * dA)), x, dZ,
                   name="softmax_backward(dA, Z) vs centred differences of sum(softmax(Z) * dA)", tol=1e-7)


@pytest.mark.points(8)
def test_linear_backward_by_hand(student):
    dZ = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]])
    dA_prev, dW, db = student.linear_backward(dZ, (A_PREV, W, B))
    # m = 3: dW = dZ A_prev^T / 3, db = row sums / 3, dA_prev = W^T dZ (no 1/m)
    assert_close(dW, np.array([[2.0, -2.0], [4.5, -6.0]]) / 3, name="dW from linear_backward", rtol=1e-12, atol=0)
    assert_close(db, np.array([[0.0], [2.5]]) / 3, name="db from linear_backward", rtol=1e-12, atol=1e-16)
    assert_close(dA_prev, np.array([[2.0, 4.0, -1.0], [-0.75, 1.0, 1.0]]), name="dA_prev from linear_backward",
                 rtol=1e-12, atol=0)


@pytest.mark.points(8)
@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "softmax"])
def test_linear_activation_backward_gradient_check(student, rng, act):
    while True:  # keep Z away from the ReLU kink at 0
        A_prev = rng.standard_normal((3, 6))
        Wr = rng.standard_normal((4, 3))
        b = 0.1 * rng.standard_normal((4, 1))
        if np.min(np.abs(Wr @ A_prev + b)) > 1e-3:
            break
    dA = rng.standard_normal((4, 6))
    _, cache = student.linear_activation_forward(A_prev, Wr, b, act)
    dA_prev, dW, db = student.linear_activation_backward(dA, cache, act)
    a, w, bb = A_prev.copy(), Wr.copy(), b.copy()

    def f():
        return float(np.sum(student.linear_activation_forward(a, w, bb, act)[0] * dA))

    tol = 1e-6 if act == "relu" else 1e-7
    # dW and db carry the 1/m of the cost; dA_prev does not (it is per example).
    check_gradient(lambda: f() / 6, w, dW, name=f"dW ({act})", tol=tol)
    check_gradient(lambda: f() / 6, bb, db, name=f"db ({act})", tol=tol)
    check_gradient(f, a, dA_prev, name=f"dA_prev ({act})", tol=tol)


@pytest.mark.points(14)
@pytest.mark.parametrize("hidden,output,dims", [("relu", "softmax", [3, 5, 4, 3]), ("tanh", "sigmoid", [3, 4, 1])])
def test_L_model_backward_gradient_check(student, rng, hidden, output, dims):
    m = 5
    P = {}
    for l in range(1, len(dims)):
        P[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * 0.8
        P[f"b{l}"] = 0.1 * rng.standard_normal((dims[l], 1))
    X = rng.standard_normal((dims[0], m))
    Y = np.eye(dims[-1])[:, rng.integers(0, dims[-1], size=m)] if output == "softmax" else \
        np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
    AL, caches = student.L_model_forward(X, P, hidden, output)
    grads = student.L_model_backward(AL, Y, caches, hidden, output)
    x = {k: v.copy() for k, v in P.items()}

    def cost():
        return student.compute_cost(student.L_model_forward(X, x, hidden, output)[0], Y, output)

    tol = 1e-6 if hidden == "relu" else 1e-7
    for l in range(len(dims) - 1, 0, -1):
        for p in ("W", "b"):
            key = f"d{p}{l}"
            assert isinstance(grads, dict) and key in grads, f"L_model_backward must return a dict with {key!r}"
            check_gradient(cost, x[f"{p}{l}"], grads[key], name=f"grads[{key!r}] ({hidden}/{output})", tol=tol)
    assert "dA0" in grads and grads["dA0"].shape == X.shape, "grads['dA0'] must exist and have X's shape"


@pytest.mark.points(4)
def test_update_parameters_known(student):
    P = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[0.5]])}
    G = {"dW1": np.array([[0.5, -1.0]]), "db1": np.array([[1.0]]), "dA0": np.zeros((2, 1))}
    got = student.update_parameters(P, G, 0.5)
    assert_close(got, {"W1": np.array([[0.75, 2.5]]), "b1": np.array([[0.0]])},
                 name="update_parameters(..., learning_rate=0.5)", rtol=1e-12, atol=0)


# ----------------------------------------------------------------------------- training (20)

@pytest.mark.points(6)
def test_L_layer_model_costs(student):
    X, Y = data.planar_flower()
    params, costs = student.L_layer_model(X, Y, [2, 4, 1], learning_rate=0.3, num_iterations=250,
                                          hidden_activation="tanh", output_activation="sigmoid", init="xavier",
                                          rng=student.rng(0))
    assert isinstance(costs, list) and len(costs) == 3, f"250 iterations must record 3 costs, got {costs!r}"
    assert costs[0] > costs[1] > costs[2], f"the costs must decrease, got {costs!r}"
    assert sorted(params) == ["W1", "W2", "b1", "b2"], f"unexpected parameter keys {sorted(params)}"


@pytest.mark.points(2)
def test_predict_shapes(student):
    P = {"W1": W, "b1": B}
    got = student.predict(P, A_PREV)  # softmax: class index per column
    assert_close(got, np.array([0, 0, 1], dtype=np.int64), name="predict (softmax output): shape (m,)", rtol=0, atol=0)
    got = student.predict({"W1": np.array([[1.0, 0.0]]), "b1": np.array([[0.0]])}, A_PREV, "relu", "sigmoid")
    assert_close(got, np.array([[1, 1, 0]], dtype=np.int64), name="predict (sigmoid output): shape (1, m)", rtol=0,
                 atol=0)


@pytest.mark.points(12)
@pytest.mark.timeout(30)
def test_digits(student):
    D = data.digits()
    params, costs = student.L_layer_model(D["X_train"], D["Y_train"], [64, 32, 16, 10], learning_rate=0.5,
                                          num_iterations=300, rng=student.rng(1))
    acc = float(np.mean(student.predict(params, D["X_test"]) == D["y_test"]))
    assert acc >= 0.94, f"digits test accuracy {acc:.4f} < 0.94"
    assert costs[0] > costs[1] > costs[2], f"the costs must decrease, got {costs!r}"

"""Public tests of A04 (run them with `dlgrade check a04`).

They use fixed inputs and answers you can check by hand. The hidden tests that grade your
submission are stricter: they use random inputs (different for every student), compare with a
reference solution to 1e-12, check float32/integer inputs, m = 1, and that no input is modified.
"""
import math

import numpy as np
import pytest

from grader import data
from grader.checks import assert_close, call_under_errstate, raises_student
from grader.gradcheck import numerical_gradient, rel_error

LN2 = math.log(2.0)


def _tt():
    return data.truth_table()


# ----------------------------------------------------------------------------- 感知机

@pytest.mark.points(4)
def test_step_known_values(student):
    got = student.step(np.array([[-2.0, 0.0, 3.0]]))
    assert_close(got, np.array([[0.0, 0.0, 1.0]]), name="step([[-2, 0, 3]])", rtol=0, atol=0)
    got32 = student.step(np.array([0.5, -0.5], dtype=np.float32))
    assert_close(got32, np.array([1.0, 0.0], dtype=np.float32), name="step(float32 array)", rtol=0, atol=0)


@pytest.mark.points(5)
def test_perceptron_predict_and_gate(student):
    tt = _tt()
    got = student.perceptron_predict(np.array([[1.0, 1.0]]), np.array([[-1.5]]), tt["X"])
    assert_close(got, np.array([[0, 0, 0, 1]], dtype=np.int64),
                 name="perceptron_predict(W=[[1,1]], b=[[-1.5]], truth-table X)", rtol=0, atol=0)


@pytest.mark.points(6)
@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
def test_gates(student, gate):
    tt = _tt()
    W, b = student.logic_gate_params(gate)
    assert isinstance(W, np.ndarray) and W.shape == (1, 2), (
        f"logic_gate_params: W must be (1, 2), got {getattr(W, 'shape', W)}")
    assert isinstance(b, np.ndarray) and b.shape == (1, 1), (
        f"logic_gate_params: b must be (1, 1), got {getattr(b, 'shape', b)}")
    s = W @ tt["X"] + b
    assert np.array_equal((s > 0).astype(float), tt[gate]), f"logic_gate_params({gate!r}) does not compute {gate}"
    assert np.min(np.abs(s)) >= 0.1, f"logic_gate_params({gate!r}): |W x + b| must be >= 0.1 on every input"


@pytest.mark.points(2)
def test_gate_unknown(student):
    with raises_student(ValueError):
        student.logic_gate_params("XOR")


@pytest.mark.points(8)
def test_xor_network(student):
    tt = _tt()
    params = student.xor_network()
    got = student.two_layer_perceptron_predict(params, tt["X"])
    assert_close(got, tt["XOR"].astype(np.int64), name="two_layer_perceptron_predict(xor_network(), X)",
                 rtol=0, atol=0)


@pytest.mark.points(8)
def test_perceptron_train_and_by_hand(student):
    # Trace it on paper: the examples (0,0),(0,1),(1,0),(1,1) in this order, lr = 1.
    tt = _tt()
    W, b, errors = student.perceptron_train(tt["X"], tt["AND"])
    assert list(errors) == [1, 3, 3, 2, 1, 0], f"perceptron_train on AND: errors {list(errors)} != [1, 3, 3, 2, 1, 0]"
    assert_close(W, np.array([[2.0, 1.0]]), name="perceptron_train on AND: W", rtol=0, atol=0)
    assert_close(b, np.array([[-2.0]]), name="perceptron_train on AND: b", rtol=0, atol=0)


@pytest.mark.points(4)
def test_perceptron_train_arguments(student):
    tt = _tt()
    W, b, errors = student.perceptron_train(tt["X"], tt["XOR"], lr=0.5, epochs=3)
    assert len(errors) == 3, f"perceptron_train(..., epochs=3) on XOR must run 3 epochs, ran {len(errors)}"
    W1, b1, errors1 = student.perceptron_train(tt["X"], tt["AND"], lr=0.5)
    assert list(errors1) == [1, 3, 3, 2, 1, 0], "with W, b starting at 0, lr only scales W and b"
    assert_close(W1, np.array([[1.0, 0.5]]), name="perceptron_train(lr=0.5) on AND: W", rtol=0, atol=0)


@pytest.mark.points(4)
def test_perceptron_cannot_learn_xor(student):
    tt = _tt()
    W, b, errors = student.perceptron_train(tt["X"], tt["XOR"], epochs=100)
    assert len(errors) == 100 and min(errors) > 0, "感知机无法处理异或问题: XOR never reaches 0 errors"


# ----------------------------------------------------------------------------- 逻辑回归

@pytest.mark.points(8)
def test_sigmoid(student):
    assert_close(student.sigmoid(np.array([[0.0, math.log(3.0)]])), np.array([[0.5, 0.75]]),
                 name="sigmoid([[0, ln 3]])", rtol=1e-12)
    what = "sigmoid([[-1000, 0, 1000]]) with overflow errors on"
    got = call_under_errstate(student, "sigmoid", np.array([[-1000.0, 0.0, 1000.0]]), what=what)
    assert_close(got, np.array([[0.0, 0.5, 1.0]]), name=what, rtol=0, atol=0)
    got32 = student.sigmoid(np.array([1.0], dtype=np.float32))
    assert isinstance(got32, np.ndarray) and got32.dtype == np.float32, "sigmoid must keep float32 inputs float32"


@pytest.mark.points(4)
def test_logistic_forward(student):
    W, b = np.array([[1.0, -1.0]]), np.array([[0.0]])
    X = np.array([[0.0, math.log(3.0)], [0.0, 0.0]])
    assert_close(student.logistic_forward(W, b, X), np.array([[0.5, 0.75]]), name="logistic_forward", rtol=1e-12)


@pytest.mark.points(10)
def test_costs(student):
    Y = np.array([[1.0, 0.0]])
    J = student.bce_cost(np.array([[0.5, 0.5]]), Y)
    assert_close(J, LN2, name="bce_cost(A=[[0.5, 0.5]], Y=[[1, 0]])", rtol=1e-12)
    J = student.bce_cost(np.array([[0.8, 0.4]]), Y)
    assert_close(J, -(math.log(0.8) + math.log(0.6)) / 2, name="bce_cost(A=[[0.8, 0.4]], Y=[[1, 0]])", rtol=1e-12)
    J = student.bce_cost_from_logits(np.array([[0.0, 0.0]]), Y)
    assert_close(J, LN2, name="bce_cost_from_logits(Z=[[0, 0]], Y=[[1, 0]])", rtol=1e-12)
    J = student.bce_cost_from_logits(np.array([[1000.0, -1000.0]]), np.array([[0.0, 0.0]]))
    assert_close(J, 500.0, name="bce_cost_from_logits(Z=[[1000, -1000]], Y=[[0, 0]])", rtol=1e-12)


@pytest.mark.points(10)
def test_logistic_backward(student):
    X = np.array([[1.0, 2.0], [0.0, -1.0]])
    A = np.array([[0.5, 0.5]])
    Y = np.array([[1.0, 0.0]])
    grads = student.logistic_backward(X, A, Y)
    # dZ = [[-0.5, 0.5]];  dW = (1/2) dZ X^T = [[0.25, -0.25]];  db = (1/2)(-0.5 + 0.5) = 0
    assert_close(grads, {"dW": np.array([[0.25, -0.25]]), "db": np.array([[0.0]])},
                 name="logistic_backward", rtol=1e-12, atol=1e-15)


@pytest.mark.points(6)
def test_logistic_backward_gradcheck_self_consistency(student):
    """Your backward must agree with numerical gradients of *your* forward and cost."""
    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((1, 3)), rng.standard_normal((1, 1))
    X, Y = rng.standard_normal((3, 7)), (rng.random((1, 7)) < 0.5).astype(float)
    grads = student.logistic_backward(X, student.logistic_forward(W, b, X), Y)
    num_dW = numerical_gradient(lambda W_: student.bce_cost(student.logistic_forward(W_, b, X), Y), W)
    num_db = numerical_gradient(lambda b_: student.bce_cost(student.logistic_forward(W, b_, X), Y), b)
    assert np.shape(grads["dW"]) == (1, 3), f"dW must have the shape of W (1, 3), got {np.shape(grads['dW'])}"
    assert np.shape(grads["db"]) == (1, 1), f"db must have the shape of b (1, 1), got {np.shape(grads['db'])}"
    assert rel_error(grads["dW"], num_dW) < 1e-7, f"dW: relative error {rel_error(grads['dW'], num_dW):.2e}"
    assert rel_error(grads["db"], num_db) < 1e-7, f"db: relative error {rel_error(grads['db'], num_db):.2e}"


@pytest.mark.points(8)
def test_optimize_one_step_and_schedule(student):
    X = np.array([[1.0, 2.0], [0.0, -1.0]])
    Y = np.array([[1.0, 0.0]])
    W0, b0 = np.zeros((1, 2)), np.zeros((1, 1))
    (params, grads, costs), (W_after, b_after, *_), _ = student.call_with_args("optimize", W0, b0, X, Y, 1, 1.0)
    assert_close(params, {"W": np.array([[-0.25, 0.25]]), "b": np.array([[0.0]])},
                 name="optimize(W=0, b=0, ..., 1 iteration, lr=1): params", rtol=1e-12, atol=1e-15)
    assert_close(costs, [LN2], name="optimize: costs after 1 iteration", rtol=1e-12)
    assert np.array_equal(W_after, W0) and np.array_equal(b_after, b0), "optimize must not modify W and b in place"
    _, _, costs = student.optimize(W0, b0, X, Y, 250, 0.1)
    assert len(costs) == 3, f"250 iterations record costs at i = 0, 100, 200: expected 3, got {len(costs)}"


@pytest.mark.points(4)
def test_predict(student):
    W, b = np.zeros((1, 2)), np.zeros((1, 1))
    X = np.array([[1.0, -1.0, 3.0], [2.0, 0.5, -1.0]])
    assert_close(student.predict(W, b, X), np.zeros((1, 3), dtype=np.int64),
                 name="predict when every probability is exactly 0.5 (0.5 is not > 0.5)", rtol=0, atol=0)
    assert_close(student.predict(W, b, X, threshold=0.4), np.ones((1, 3), dtype=np.int64),
                 name="predict(..., threshold=0.4)", rtol=0, atol=0)


@pytest.mark.points(9)
@pytest.mark.timeout(30)
def test_breast_cancer(student):
    d = data.breast_cancer()
    params, _, costs = student.optimize(np.zeros((1, 30)), np.zeros((1, 1)), d["X_train"], d["Y_train"], 2000, 0.1)
    acc = float(np.mean(student.predict(params["W"], params["b"], d["X_test"]) == d["Y_test"]))
    assert acc >= 0.95, f"breast cancer test accuracy {acc:.3f} < 0.95"
    assert len(costs) == 20 and all(b <= a for a, b in zip(costs, costs[1:])), "costs must not increase"

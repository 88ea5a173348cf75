"""A04 - Perceptron, XOR and logistic regression (4 神经网络基础知识).

[example] a correct submission written in a different style: explicit Python loops over the
features, the examples or the elements, math.log in the costs, np.where in sigmoid, np.zeros
buffers filled in place. It must score 100 like the vectorised one.
"""
import math

import numpy as np


def _as_float(x):
    """Provided helper: ``x`` as an ndarray of a float dtype (float32/float64 kept, else float64)."""
    x = np.asarray(x)
    if x.dtype == np.float32 or x.dtype == np.float64:
        return x
    return x.astype(np.float64)


def _result_dtype(*arrays):
    """float32 only when every input is float32, else float64 (what numpy's promotion gives)."""
    return np.result_type(*[_as_float(a) for a in arrays])


def step(z):
    """阶跃函数: 1.0 where z > 0, else 0.0; float32 kept, anything else float64."""
    z = _as_float(z)
    out = np.zeros(z.shape, dtype=z.dtype)
    for idx in np.ndindex(z.shape):
        if z[idx] > 0:
            out[idx] = 1.0
    return out


def _affine(W, b, X):
    """Z = W X + b, accumulated one input feature at a time.

    W (n_out, n_in), b (n_out, 1), X (n_in, m) -> Z (n_out, m).
    """
    n_out, n_in = W.shape
    m = X.shape[1]
    Z = np.zeros((n_out, m), dtype=_result_dtype(W, b, X))
    Z += b
    for j in range(n_in):
        Z += W[:, j:j + 1] * X[j:j + 1, :]
    return Z


def perceptron_predict(W, b, X):
    """step(W X + b) as (1, m) int64 labels."""
    return step(_affine(W, b, X)).astype(np.int64)


def logic_gate_params(name):
    """W (1, 2), b (1, 1) float64 for "AND", "OR", "NAND"; ValueError otherwise."""
    table = {
        "AND": ([[0.5, 0.5]], [[-0.7]]),
        "OR": ([[0.5, 0.5]], [[-0.2]]),
        "NAND": ([[-0.5, -0.5]], [[0.7]]),
    }
    if name not in table:
        raise ValueError("logic_gate_params: name must be AND, OR or NAND, not %r" % (name,))
    W, b = table[name]
    return np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)


def xor_network():
    """[(W1 (2,2), b1 (2,1)), (W2 (1,2), b2 (1,1))]: hidden OR and NAND units, output AND."""
    W_or, b_or = logic_gate_params("OR")
    W_nand, b_nand = logic_gate_params("NAND")
    W_and, b_and = logic_gate_params("AND")
    W1 = np.concatenate([W_or, W_nand], axis=0)
    b1 = np.concatenate([b_or, b_nand], axis=0)
    return [(W1, b1), (W_and, b_and)]


def two_layer_perceptron_predict(params, X):
    """step(W2 step(W1 X + b1) + b2) as (1, m) int64."""
    A = X
    for W, b in params:
        A = step(_affine(W, b, A))
    return A.astype(np.int64)


def perceptron_train(X, Y, lr=1.0, epochs=20):
    """Perceptron rule, examples in order, stop after the first epoch without errors."""
    X = _as_float(X)
    n_x, m = X.shape
    W = np.zeros((1, n_x), dtype=X.dtype)
    b = np.zeros((1, 1), dtype=X.dtype)
    errors = []
    for epoch in range(epochs):
        wrong = 0
        for i in range(m):
            s = b[0, 0]
            for j in range(n_x):
                s = s + W[0, j] * X[j, i]
            y_hat = 1.0 if s > 0 else 0.0
            delta = float(Y[0, i]) - y_hat
            if delta != 0:
                wrong += 1
                W = W.copy()
                b = b.copy()
                for j in range(n_x):
                    W[0, j] = W[0, j] + lr * delta * X[j, i]
                b[0, 0] = b[0, 0] + lr * delta
        errors.append(wrong)
        if wrong == 0:
            break
    return W, b, errors


def sigmoid(z):
    """Stable sigmoid: e = exp(-|z|) never overflows; float32 kept."""
    z = _as_float(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype)


def logistic_forward(W, b, X):
    """A = sigmoid(W X + b), (1, m)."""
    return sigmoid(_affine(W, b, X))


def bce_cost(A, Y):
    """J = -(1/m) sum(y log a + (1-y) log(1-a)) as a Python float."""
    m = Y.shape[1]
    total = 0.0
    for i in range(m):
        a, y = float(A[0, i]), float(Y[0, i])
        total += y * math.log(a) + (1.0 - y) * math.log(1.0 - a)
    return -total / m


def bce_cost_from_logits(Z, Y):
    """J = (1/m) sum(max(z, 0) - z y + log1p(exp(-|z|))) as a Python float."""
    m = Y.shape[1]
    total = 0.0
    for i in range(m):
        z, y = float(Z[0, i]), float(Y[0, i])
        total += max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))
    return total / m


def logistic_backward(X, A, Y):
    """dW = (1/m) (A - Y) X^T (1, n_x); db = (1/m) sum(A - Y) (1, 1)."""
    n_x, m = X.shape
    X = _as_float(X)
    dtype = _result_dtype(X, A, Y)
    dW = np.zeros((1, n_x), dtype=dtype)
    db = np.zeros((1, 1), dtype=dtype)
    dZ = A - Y
    for j in range(n_x):
        dW[0, j] = np.sum(dZ[0] * X[j])
    for i in range(m):
        db[0, 0] += dZ[0, i]
    return {"dW": dW / m, "db": db / m}


def propagate(W, b, X, Y):
    """(grads, cost) for the current W, b."""
    A = logistic_forward(W, b, X)
    return logistic_backward(X, A, Y), bce_cost(A, Y)


def optimize(W, b, X, Y, num_iterations, learning_rate):
    """Gradient descent; a cost every 100 iterations starting at iteration 0."""
    costs = []
    grads = None
    for it in range(num_iterations):
        grads, cost = propagate(W, b, X, Y)
        W = W - learning_rate * grads["dW"]
        b = b - learning_rate * grads["db"]
        if it % 100 == 0:
            costs.append(cost)
    return {"W": W, "b": b}, grads, costs


def predict(W, b, X, threshold=0.5):
    """1 where sigmoid(W x + b) > threshold, else 0; (1, m) int64."""
    A = logistic_forward(W, b, X)
    out = np.zeros(A.shape, dtype=np.int64)
    for i in range(A.shape[1]):
        if A[0, i] > threshold:
            out[0, i] = 1
    return out

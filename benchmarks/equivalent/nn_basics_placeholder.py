"""Placeholder A04 reference for the benchmark (benchmarks/ only; not the course solution).

The benchmark takes the A04 function bodies from ``solutions/a04_nn_basics/nn_basics.py``
when that file exists and falls back to this file otherwise, so that nbgrader and
otter-grader can be measured before (or without) the course's own solution. It follows
CURRICULUM A04's contract for the nine functions the equivalent checks exercise.
Solution regions use nbgrader's markers, like the course sources.
"""
import numpy as np


def _as_float(x):
    x = np.asarray(x)
    if x.dtype == np.float32 or x.dtype == np.float64:
        return x
    return x.astype(np.float64)


def step(z):
    """1.0 where z > 0, else 0.0 (step(0) == 0); float32 stays float32."""
    ### BEGIN SOLUTION
    z = _as_float(z)
    return (z > 0).astype(z.dtype)
    ### END SOLUTION


def perceptron_predict(W, b, X):
    """step(W X + b) as (1, m) int64 labels."""
    ### BEGIN SOLUTION
    return step(W @ X + b).astype(np.int64)
    ### END SOLUTION


def sigmoid(z):
    """Stable sigmoid: 1/(1+e^-z) for z >= 0, e^z/(1+e^z) for z < 0."""
    ### BEGIN SOLUTION
    z = _as_float(z)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out
    ### END SOLUTION


def logistic_forward(W, b, X):
    """A = sigmoid(W X + b), shape (1, m)."""
    ### BEGIN SOLUTION
    return sigmoid(W @ X + b)
    ### END SOLUTION


def bce_cost(A, Y):
    """J = -(1/m) sum(Y log A + (1-Y) log(1-A)) as a Python float."""
    ### BEGIN SOLUTION
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    ### END SOLUTION


def logistic_backward(X, A, Y):
    """dZ = A - Y; dW = (1/m) dZ X^T; db = (1/m) sum(dZ)."""
    ### BEGIN SOLUTION
    m = X.shape[1]
    dZ = A - Y
    return {"dW": (dZ @ X.T) / m, "db": np.sum(dZ, axis=1, keepdims=True) / m}
    ### END SOLUTION


def propagate(W, b, X, Y):
    """(grads, cost) of one forward + backward pass."""
    ### BEGIN SOLUTION
    A = logistic_forward(W, b, X)
    return logistic_backward(X, A, Y), bce_cost(A, Y)
    ### END SOLUTION


def optimize(W, b, X, Y, num_iterations, learning_rate):
    """Plain gradient descent; a cost every 100 iterations, iteration 0 included."""
    ### BEGIN SOLUTION
    costs = []
    grads = None
    for i in range(num_iterations):
        grads, cost = propagate(W, b, X, Y)
        W = W - learning_rate * grads["dW"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"W": W, "b": b}, grads, costs
    ### END SOLUTION


def predict(W, b, X, threshold=0.5):
    """(1, m) int64: 1 where sigmoid(W x + b) > threshold."""
    ### BEGIN SOLUTION
    return (logistic_forward(W, b, X) > threshold).astype(np.int64)
    ### END SOLUTION

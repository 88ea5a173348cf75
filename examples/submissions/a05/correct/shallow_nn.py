"""A05 -- two-layer neural network (两层神经网络), numpy only.

[example] a correct submission, written in a student's own style (np.dot, tanh' as 1 - A1**2,
explicit if/elif dispatch). It must score 100/100.
"""
import numpy as np


def _as_float_array(z):
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return z


def layer_sizes(X, Y, n_h):
    return X.shape[0], n_h, Y.shape[0]


def initialize_parameters(n_x, n_h, n_y, rng, scale=0.01):
    W1 = rng.standard_normal((n_h, n_x)) * scale
    W2 = rng.standard_normal((n_y, n_h)) * scale
    b1 = np.zeros((n_h, 1))
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def initialize_parameters_constant(n_x, n_h, n_y, value):
    return {
        "W1": value * np.ones((n_h, n_x)),
        "b1": np.zeros((n_h, 1)),
        "W2": value * np.ones((n_y, n_h)),
        "b2": np.zeros((n_y, 1)),
    }


def relu(z):
    z = _as_float_array(z)
    return np.where(z > 0, z, np.zeros_like(z))


def relu_derivative(z):
    z = _as_float_array(z)
    d = np.zeros_like(z)
    d[z > 0] = 1
    return d


def leaky_relu(z, alpha=0.01):
    z = _as_float_array(z)
    return np.where(z > 0, z, z * alpha).astype(z.dtype)


def leaky_relu_derivative(z, alpha=0.01):
    z = _as_float_array(z)
    d = np.full_like(z, alpha)
    d[z > 0] = 1
    return d


def sigmoid(z):
    z = _as_float_array(z)
    out = np.empty_like(z)
    pos = z >= 0
    neg = ~pos
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[neg])
    out[neg] = ez / (1 + ez)
    return out


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


def tanh_derivative(z):
    z = _as_float_array(z)
    a = np.tanh(z)
    return 1 - a * a


def linear(z):
    z = _as_float_array(z)
    return np.array(z, copy=True)


def linear_derivative(z):
    z = _as_float_array(z)
    return np.ones(z.shape, dtype=z.dtype)


HIDDEN_ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu", "linear")


def get_activation(name):
    table = {
        "tanh": (np.tanh, tanh_derivative),
        "sigmoid": (sigmoid, sigmoid_derivative),
        "relu": (relu, relu_derivative),
        "leaky_relu": (leaky_relu, leaky_relu_derivative),
        "linear": (linear, linear_derivative),
    }
    if name not in table:
        raise ValueError(f"unknown activation {name!r}")
    return table[name]


def _g(Z, name):
    if name == "tanh":
        return np.tanh(Z)
    elif name == "sigmoid":
        return sigmoid(Z)
    elif name == "relu":
        return relu(Z)
    elif name == "leaky_relu":
        return leaky_relu(Z)
    elif name == "linear":
        return linear(Z)
    raise ValueError("unknown hidden activation: " + str(name))


def _g_prime(Z, A, name):
    if name == "tanh":
        return 1 - np.power(A, 2)
    elif name == "sigmoid":
        return A * (1 - A)
    elif name == "relu":
        return relu_derivative(Z)
    elif name == "leaky_relu":
        return leaky_relu_derivative(Z)
    elif name == "linear":
        return linear_derivative(Z)
    raise ValueError("unknown hidden activation: " + str(name))


def forward_propagation(X, parameters, hidden_activation="tanh"):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = _g(Z1, hidden_activation)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = -np.sum(logprobs) / m
    return float(np.squeeze(cost))


def backward_propagation(parameters, cache, X, Y, hidden_activation="tanh"):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    Z1 = cache["Z1"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * _g_prime(Z1, A1, hidden_activation)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate):
    W1 = parameters["W1"] - learning_rate * grads["dW1"]
    b1 = parameters["b1"] - learning_rate * grads["db1"]
    W2 = parameters["W2"] - learning_rate * grads["dW2"]
    b2 = parameters["b2"] - learning_rate * grads["db2"]
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def nn_model(X, Y, n_h, num_iterations=10000, learning_rate=1.2, hidden_activation="tanh",
             rng=None, init="random"):
    n_x, n_h, n_y = layer_sizes(X, Y, n_h)
    if isinstance(init, str) and init == "random":
        if rng is None:
            rng = np.random.default_rng(0)
        parameters = initialize_parameters(n_x, n_h, n_y, rng)
    elif isinstance(init, str) and init == "zeros":
        parameters = initialize_parameters_constant(n_x, n_h, n_y, 0.0)
    elif isinstance(init, (int, float)) and not isinstance(init, bool):
        parameters = initialize_parameters_constant(n_x, n_h, n_y, init)
    else:
        raise ValueError("init must be 'random', 'zeros' or a number")
    costs = []
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters, hidden_activation)
        if i % 1000 == 0:
            costs.append(compute_cost(A2, Y))
        grads = backward_propagation(parameters, cache, X, Y, hidden_activation)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def predict(parameters, X, hidden_activation="tanh"):
    A2, cache = forward_propagation(X, parameters, hidden_activation)
    predictions = (A2 > 0.5).astype(np.int64)
    return predictions


def collapse_linear_network(parameters):
    W_eff = np.dot(parameters["W2"], parameters["W1"])
    b_eff = np.dot(parameters["W2"], parameters["b1"]) + parameters["b2"]
    return W_eff, b_eff

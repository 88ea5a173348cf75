import numpy as np


def layer_sizes(X, Y, n_h):
    return int(np.shape(X)[0]), int(n_h), int(np.shape(Y)[0])


def initialize_parameters(n_x, n_h, n_y, rng, scale=0.01):
    first = rng.standard_normal((n_h, n_x)) * scale
    second = rng.standard_normal((n_y, n_h)) * scale
    return {"W1": first.astype(np.float64), "b1": np.zeros((n_h, 1)),
            "W2": second.astype(np.float64), "b2": np.zeros((n_y, 1))}


def initialize_parameters_constant(n_x, n_h, n_y, value):
    params = {}
    params["W1"] = np.full((n_h, n_x), float(value))
    params["b1"] = np.zeros((n_h, 1))
    params["W2"] = np.full((n_y, n_h), float(value))
    params["b2"] = np.zeros((n_y, 1))
    return params


def relu(z):
    return np.where(z > 0, z, np.zeros_like(z))


def relu_derivative(z):
    return np.greater(z, 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, z * alpha).astype(z.dtype)


def leaky_relu_derivative(z, alpha=0.01):
    g = np.full_like(z, alpha)
    g[z > 0] = 1.0
    return g


def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype)


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s - s * s


def tanh_derivative(z):
    t = np.tanh(z)
    return (1.0 - t ** 2).astype(z.dtype)


def linear(z):
    return np.array(z, copy=True)


def linear_derivative(z):
    return np.ones(z.shape, dtype=z.dtype)


def forward_propagation(X, parameters, hidden_activation="tanh"):
    act, _ = get_activation(hidden_activation)
    hidden_in = np.dot(parameters["W1"], X) + parameters["b1"]
    hidden_out = act(hidden_in)
    out_in = np.dot(parameters["W2"], hidden_out) + parameters["b2"]
    probs = sigmoid(out_in)
    return probs, {"Z1": hidden_in, "A1": hidden_out, "Z2": out_in, "A2": probs}


def compute_cost(A2, Y):
    n = Y.shape[1]
    losses = np.multiply(Y, np.log(A2)) + np.multiply(1 - Y, np.log(1 - A2))
    return float(-losses.sum() / n)


def backward_propagation(parameters, cache, X, Y, hidden_activation="tanh"):
    _, act_prime = get_activation(hidden_activation)
    n = X.shape[1]
    delta2 = cache["A2"] - Y
    grads = {"dW2": np.dot(delta2, cache["A1"].T) / n,
             "db2": delta2.sum(axis=1, keepdims=True) / n}
    delta1 = np.dot(parameters["W2"].T, delta2) * act_prime(cache["Z1"])
    grads["dW1"] = np.dot(delta1, X.T) / n
    grads["db1"] = delta1.sum(axis=1, keepdims=True) / n
    return grads


def update_parameters(parameters, grads, learning_rate):
    return {key: parameters[key] - learning_rate * grads["d" + key] for key in ("W1", "b1", "W2", "b2")}


def nn_model(X, Y, n_h, num_iterations=10000, learning_rate=1.2, hidden_activation="tanh",
             rng=None, init="random"):
    n_x, n_h, n_y = layer_sizes(X, Y, n_h)
    if isinstance(init, str):
        if init == "random":
            params = initialize_parameters(n_x, n_h, n_y, np.random.default_rng(0) if rng is None else rng)
        elif init == "zeros":
            params = initialize_parameters_constant(n_x, n_h, n_y, 0.0)
        else:
            raise ValueError(f"unknown init {init!r}")
    elif isinstance(init, (int, float)) and not isinstance(init, bool):
        params = initialize_parameters_constant(n_x, n_h, n_y, init)
    else:
        raise ValueError(f"unknown init {init!r}")
    history = []
    for step in range(num_iterations):
        probs, cache = forward_propagation(X, params, hidden_activation)
        if step % 1000 == 0:
            history.append(compute_cost(probs, Y))
        params = update_parameters(params, backward_propagation(params, cache, X, Y, hidden_activation),
                                   learning_rate)
    return params, history


def predict(parameters, X, hidden_activation="tanh"):
    probs, _ = forward_propagation(X, parameters, hidden_activation)
    return (probs > 0.5).astype(np.int64)


def collapse_linear_network(parameters):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    return W2 @ W1, W2 @ b1 + b2

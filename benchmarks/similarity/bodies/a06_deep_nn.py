import numpy as np


def initialize_parameters_deep(layer_dims, rng, method="he"):
    if method not in INIT_METHODS:
        raise ValueError(f"unknown init method {method!r}")
    params = {}
    for layer in range(1, len(layer_dims)):
        fan_in = layer_dims[layer - 1]
        std = {"he": np.sqrt(2.0 / fan_in), "xavier": np.sqrt(1.0 / fan_in), "small": 0.01}[method]
        params[f"W{layer}"] = rng.standard_normal((layer_dims[layer], fan_in)) * std
        params[f"b{layer}"] = np.zeros((layer_dims[layer], 1))
    return params


def linear_forward(A_prev, W, b):
    return np.dot(W, A_prev) + b, (A_prev, W, b)


def softmax(Z):
    shifted = np.exp(Z - Z.max(axis=0, keepdims=True))
    return shifted / shifted.sum(axis=0, keepdims=True)


def _forward_fn(activation):
    _check_activation(activation)
    return {"relu": relu, "leaky_relu": leaky_relu, "tanh": np.tanh, "sigmoid": sigmoid,
            "softmax": softmax, "linear": linear}[activation]


def linear_activation_forward(A_prev, W, b, activation):
    g = _forward_fn(activation)
    Z, lin = linear_forward(A_prev, W, b)
    return g(Z), (lin, Z)


def L_model_forward(X, parameters, hidden_activation="relu", output_activation="softmax"):
    _check_activation(hidden_activation)
    _check_activation(output_activation)
    depth = len(parameters) // 2
    A, caches = X, []
    for layer in range(1, depth + 1):
        act = output_activation if layer == depth else hidden_activation
        A, c = linear_activation_forward(A, parameters[f"W{layer}"], parameters[f"b{layer}"], act)
        caches.append(c)
    return A, caches


def compute_cost(AL, Y, output_activation):
    n = AL.shape[1]
    if output_activation == "sigmoid":
        total = np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    elif output_activation == "softmax":
        total = np.sum(Y * np.log(AL))
    else:
        raise ValueError(f"unsupported output activation {output_activation!r}")
    return float(-total / n)


def compute_cost_from_logits(ZL, Y, output_activation):
    n = ZL.shape[1]
    if output_activation == "sigmoid":
        per = np.maximum(ZL, 0) - ZL * Y + np.log1p(np.exp(-np.abs(ZL)))
        return float(per.sum() / n)
    if output_activation == "softmax":
        top = ZL.max(axis=0, keepdims=True)
        lse = top + np.log(np.exp(ZL - top).sum(axis=0, keepdims=True))
        return float(-(Y * (ZL - lse)).sum() / n)
    raise ValueError(f"unsupported output activation {output_activation!r}")


def softmax_backward(dA, Z):
    S = softmax(Z)
    inner = (dA * S).sum(axis=0, keepdims=True)
    return S * (dA - inner)


def linear_backward(dZ, linear_cache):
    A_prev, W, _ = linear_cache
    n = A_prev.shape[1]
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / n, dZ.sum(axis=1, keepdims=True) / n


def linear_activation_backward(dA, cache, activation):
    _check_activation(activation)
    lin, Z = cache
    if activation == "softmax":
        dZ = softmax_backward(dA, Z)
    else:
        deriv = {"relu": relu_derivative, "leaky_relu": leaky_relu_derivative, "tanh": tanh_derivative,
                 "sigmoid": sigmoid_derivative, "linear": linear_derivative}[activation]
        dZ = dA * deriv(Z)
    return linear_backward(dZ, lin)


def L_model_backward(AL, Y, caches, hidden_activation="relu", output_activation="softmax"):
    _check_activation(hidden_activation)
    depth = len(caches)
    out = {}
    if output_activation == "sigmoid":
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        grad_prev, gW, gb = linear_activation_backward(dAL, caches[-1], "sigmoid")
    elif output_activation == "softmax":
        grad_prev, gW, gb = linear_backward(AL - Y, caches[-1][0])
    else:
        raise ValueError(f"unsupported output activation {output_activation!r}")
    out[f"dA{depth - 1}"], out[f"dW{depth}"], out[f"db{depth}"] = grad_prev, gW, gb
    for layer in range(depth - 1, 0, -1):
        grad_prev, gW, gb = linear_activation_backward(out[f"dA{layer}"], caches[layer - 1], hidden_activation)
        out[f"dA{layer - 1}"], out[f"dW{layer}"], out[f"db{layer}"] = grad_prev, gW, gb
    return out


def update_parameters(parameters, grads, learning_rate):
    fresh = {}
    for name, value in parameters.items():
        fresh[name] = value - learning_rate * grads["d" + name]
    return fresh


def L_layer_model(X, Y, layer_dims, learning_rate=0.5, num_iterations=300, hidden_activation="relu",
                  output_activation="softmax", init="he", rng=None):
    gen = np.random.default_rng(0) if rng is None else rng
    params = initialize_parameters_deep(layer_dims, gen, method=init)
    history = []
    for it in range(num_iterations):
        AL, caches = L_model_forward(X, params, hidden_activation, output_activation)
        if it % 100 == 0:
            history.append(compute_cost(AL, Y, output_activation))
        grads = L_model_backward(AL, Y, caches, hidden_activation, output_activation)
        params = update_parameters(params, grads, learning_rate)
    return params, history


def predict(parameters, X, hidden_activation="relu", output_activation="softmax"):
    if output_activation not in ("sigmoid", "softmax"):
        raise ValueError(f"unsupported output activation {output_activation!r}")
    AL, _ = L_model_forward(X, parameters, hidden_activation, output_activation)
    if output_activation == "sigmoid":
        return (AL > 0.5).astype(np.int64)
    return np.argmax(AL, axis=0).astype(np.int64)

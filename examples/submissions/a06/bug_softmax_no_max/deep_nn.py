"""A06 -- L-layer neural network (深层神经网络), numpy only.

[example] typical bug: softmax without subtracting the column maximum: exp(1000) overflows.
"""
import numpy as np

from provided import (
    leaky_relu,
    leaky_relu_derivative,
    linear,
    linear_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    tanh_derivative,
)

ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "softmax", "linear")


def initialize_parameters_deep(layer_dims, rng, method="he"):
    if method not in ("he", "xavier", "small"):
        raise ValueError("method must be 'he', 'xavier' or 'small'")
    parameters = {}
    for l in range(1, len(layer_dims)):
        if method == "he":
            factor = np.sqrt(2 / layer_dims[l - 1])
        elif method == "xavier":
            factor = np.sqrt(1 / layer_dims[l - 1])
        else:
            factor = 0.01
        parameters["W" + str(l)] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * factor
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def linear_forward(A_prev, W, b):
    Z = np.dot(W, A_prev) + b
    cache = (A_prev, W, b)
    return Z, cache


def softmax(Z):
    expZ = np.exp(Z)
    return expZ / expZ.sum(axis=0, keepdims=True)


def linear_activation_forward(A_prev, W, b, activation):
    if activation not in ACTIVATIONS:
        raise ValueError("unknown activation " + repr(activation))
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "relu":
        A = relu(Z)
    elif activation == "leaky_relu":
        A = leaky_relu(Z)
    elif activation == "tanh":
        A = np.tanh(Z)
    elif activation == "sigmoid":
        A = sigmoid(Z)
    elif activation == "softmax":
        A = softmax(Z)
    else:
        A = linear(Z)
    cache = (linear_cache, Z)
    return A, cache


def L_model_forward(X, parameters, hidden_activation="relu", output_activation="softmax"):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)],
                                             hidden_activation)
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], output_activation)
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y, output_activation):
    m = Y.shape[1]
    if output_activation == "sigmoid":
        cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    elif output_activation == "softmax":
        cost = -np.sum(Y * np.log(AL)) / m
    else:
        raise ValueError("output_activation must be 'sigmoid' or 'softmax'")
    return float(cost)


def compute_cost_from_logits(ZL, Y, output_activation):
    m = Y.shape[1]
    if output_activation == "sigmoid":
        losses = np.maximum(ZL, 0) - ZL * Y + np.log1p(np.exp(-np.abs(ZL)))
        return float(np.sum(losses) / m)
    elif output_activation == "softmax":
        mx = ZL.max(axis=0, keepdims=True)
        log_probs = ZL - mx - np.log(np.exp(ZL - mx).sum(axis=0, keepdims=True))
        return float(-np.sum(Y * log_probs) / m)
    raise ValueError("output_activation must be 'sigmoid' or 'softmax'")


def softmax_backward(dA, Z):
    A = softmax(Z)
    s = np.sum(dA * A, axis=0, keepdims=True)
    dZ = A * (dA - s)
    return dZ


def linear_backward(dZ, linear_cache):
    A_prev, W, b = linear_cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    if activation not in ACTIVATIONS:
        raise ValueError("unknown activation " + repr(activation))
    linear_cache, Z = cache
    if activation == "relu":
        dZ = dA * relu_derivative(Z)
    elif activation == "leaky_relu":
        dZ = dA * leaky_relu_derivative(Z)
    elif activation == "tanh":
        dZ = dA * tanh_derivative(Z)
    elif activation == "sigmoid":
        dZ = dA * sigmoid_derivative(Z)
    elif activation == "softmax":
        dZ = softmax_backward(dA, Z)
    else:
        dZ = dA * linear_derivative(Z)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches, hidden_activation="relu", output_activation="softmax"):
    if hidden_activation not in ACTIVATIONS:
        raise ValueError("unknown activation " + repr(hidden_activation))
    grads = {}
    L = len(caches)
    if output_activation == "sigmoid":
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    elif output_activation == "softmax":
        dAL = -np.divide(Y, AL)
    else:
        raise ValueError("output_activation must be 'sigmoid' or 'softmax'")
    current_cache = caches[L - 1]
    dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dAL, current_cache, output_activation)
    grads["dA" + str(L - 1)] = dA_prev_temp
    grads["dW" + str(L)] = dW_temp
    grads["db" + str(L)] = db_temp
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache,
                                                                    hidden_activation)
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads


def update_parameters(parameters, grads, learning_rate):
    new = {}
    L = len(parameters) // 2
    for l in range(L):
        new["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        new["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
    return new


def L_layer_model(X, Y, layer_dims, learning_rate=0.5, num_iterations=300, hidden_activation="relu",
                  output_activation="softmax", init="he", rng=None):
    if rng is None:
        rng = np.random.default_rng(0)
    parameters = initialize_parameters_deep(layer_dims, rng, method=init)
    costs = []
    for i in range(0, num_iterations):
        AL, caches = L_model_forward(X, parameters, hidden_activation, output_activation)
        if i % 100 == 0:
            costs.append(compute_cost(AL, Y, output_activation))
        grads = L_model_backward(AL, Y, caches, hidden_activation, output_activation)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def predict(parameters, X, hidden_activation="relu", output_activation="softmax"):
    AL, _ = L_model_forward(X, parameters, hidden_activation, output_activation)
    if output_activation == "sigmoid":
        return (AL > 0.5).astype(np.int64)
    elif output_activation == "softmax":
        return np.argmax(AL, axis=0).astype(np.int64)
    raise ValueError("output_activation must be 'sigmoid' or 'softmax'")

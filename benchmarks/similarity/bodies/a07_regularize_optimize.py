import math
import numpy as np


def _weights(parameters):
    return [parameters[f"W{l}"] for l in range(1, _num_layers(parameters) + 1)]


def _penalty(parameters, lambd, kind, m):
    _check_kind(kind)
    if kind == "l2":
        return lambd / (2 * m) * sum(float(np.sum(np.square(W))) for W in _weights(parameters))
    return lambd / m * sum(float(np.sum(np.abs(W))) for W in _weights(parameters))


def _add_penalty_grads(grads, parameters, lambd, kind, m):
    out = dict(grads)
    for l in range(1, _num_layers(parameters) + 1):
        W = parameters[f"W{l}"]
        extra = W if kind == "l2" else np.sign(W)
        out[f"dW{l}"] = grads[f"dW{l}"] + (lambd / m) * extra
    return out


def compute_cost_with_regularization(AL, Y, parameters, lambd, kind="l2", output_activation="sigmoid"):
    _check_kind(kind)
    return float(compute_cost(AL, Y, output_activation) + _penalty(parameters, lambd, kind, Y.shape[1]))


def backward_with_regularization(AL, Y, caches, parameters, lambd, kind="l2", hidden_activation="relu",
                                 output_activation="sigmoid"):
    _check_kind(kind)
    base = L_model_backward(AL, Y, caches, hidden_activation, output_activation)
    return _add_penalty_grads(base, parameters, lambd, kind, Y.shape[1])


def soft_threshold(W, t):
    return (np.sign(W) * np.maximum(np.abs(W) - t, 0)).astype(W.dtype)


def dropout_forward(A, keep_prob, rng):
    mask = rng.random(A.shape) < keep_prob
    return (A * mask / keep_prob).astype(A.dtype), mask


def dropout_backward(dA, D, keep_prob):
    return (np.where(D, dA, 0) / keep_prob).astype(dA.dtype)


def L_model_forward_with_dropout(X, parameters, keep_probs, rng, hidden_activation="relu",
                                 output_activation="sigmoid"):
    depth = _num_layers(parameters)
    if len(keep_probs) != depth - 1:
        raise ValueError(f"need {depth - 1} keep probabilities, got {len(keep_probs)}")
    caches = []
    act = X
    for l in range(1, depth):
        out, (lin, Z) = linear_activation_forward(act, parameters[f"W{l}"], parameters[f"b{l}"], hidden_activation)
        act, mask = dropout_forward(out, keep_probs[l - 1], rng)
        caches.append((lin, Z, mask))
    AL, (lin, Z) = linear_activation_forward(act, parameters[f"W{depth}"], parameters[f"b{depth}"],
                                             output_activation)
    caches.append((lin, Z, None))
    return AL, caches


def L_model_backward_with_dropout(AL, Y, caches, keep_probs, hidden_activation="relu",
                                  output_activation="sigmoid"):
    depth = len(caches)
    grads = {}
    dprev, dW, db = linear_backward(AL - Y, caches[-1][0])
    grads[f"dA{depth - 1}"], grads[f"dW{depth}"], grads[f"db{depth}"] = dprev, dW, db
    for l in reversed(range(1, depth)):
        lin, Z, mask = caches[l - 1]
        upstream = dropout_backward(grads[f"dA{l}"], mask, keep_probs[l - 1])
        dprev, dW, db = linear_activation_backward(upstream, (lin, Z), hidden_activation)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dprev, dW, db
    return grads


def random_mini_batches(X, Y, mini_batch_size=64, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    m = X.shape[1]
    order = rng.permutation(m)
    Xs, Ys = X[:, order], Y[:, order]
    return [(Xs[:, i:i + mini_batch_size], Ys[:, i:i + mini_batch_size]) for i in range(0, m, mini_batch_size)]


def _zeros_like_grads(parameters):
    return {"d" + k: np.zeros_like(val) for k, val in parameters.items()}


def initialize_velocity(parameters):
    return _zeros_like_grads(parameters)


def update_parameters_with_gd(parameters, grads, learning_rate):
    return {k: val - learning_rate * grads["d" + k] for k, val in parameters.items()}


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    vel = {k: beta * v[k] + (1 - beta) * grads[k] for k in v}
    return {k: val - learning_rate * vel["d" + k] for k, val in parameters.items()}, vel


def initialize_rmsprop(parameters):
    return _zeros_like_grads(parameters)


def update_parameters_with_rmsprop(parameters, grads, s, beta2, learning_rate, epsilon=1e-8):
    sq = {k: beta2 * s[k] + (1 - beta2) * np.square(grads[k]) for k in s}
    new = {k: val - learning_rate * grads["d" + k] / (np.sqrt(sq["d" + k]) + epsilon)
           for k, val in parameters.items()}
    return new, sq


def initialize_adam(parameters):
    return _zeros_like_grads(parameters), _zeros_like_grads(parameters)


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=1e-3, beta1=0.9, beta2=0.999,
                                epsilon=1e-8):
    v_new, s_new, v_hat, s_hat, new = {}, {}, {}, {}, {}
    for name, val in parameters.items():
        key = "d" + name
        v_new[key] = beta1 * v[key] + (1 - beta1) * grads[key]
        s_new[key] = beta2 * s[key] + (1 - beta2) * grads[key] ** 2
        v_hat[key] = v_new[key] / (1 - beta1 ** t)
        s_hat[key] = s_new[key] / (1 - beta2 ** t)
        new[name] = val - learning_rate * v_hat[key] / (np.sqrt(s_hat[key]) + epsilon)
    return new, v_new, s_new, v_hat, s_hat


def learning_rate_decay(learning_rate0, epoch_num, decay_rate, kind="inverse", time_interval=1000):
    if kind == "inverse":
        return float(learning_rate0 / (1 + decay_rate * epoch_num))
    if kind == "step":
        return float(learning_rate0 / (1 + decay_rate * math.floor(epoch_num / time_interval)))
    if kind == "exponential":
        return float(learning_rate0 * decay_rate ** epoch_num)
    raise ValueError(f"unknown decay kind {kind!r}")


def model(X, Y, layer_dims, optimizer="adam", learning_rate=7e-3, mini_batch_size=64, beta=0.9, beta1=0.9,
          beta2=0.999, epsilon=1e-8, num_epochs=100, lambd=0.0, kind="l2", keep_probs=None, decay=None,
          rng=None, hidden_activation="relu", output_activation="sigmoid"):
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    _check_kind(kind)
    rng = np.random.default_rng(0) if rng is None else rng
    params = initialize_parameters_deep(layer_dims, rng, method="he")
    if optimizer == "momentum":
        vel = initialize_velocity(params)
    elif optimizer == "rmsprop":
        sq = initialize_rmsprop(params)
    elif optimizer == "adam":
        vel, sq = initialize_adam(params)
        step = 0
    history = []
    for epoch in range(num_epochs):
        lr = learning_rate if decay is None else learning_rate_decay(learning_rate, epoch, **decay)
        for xb, yb in random_mini_batches(X, Y, mini_batch_size, rng):
            if keep_probs is None:
                AL, caches = L_model_forward(xb, params, hidden_activation, output_activation)
                grads = backward_with_regularization(AL, yb, caches, params, lambd, kind, hidden_activation,
                                                     output_activation)
            else:
                AL, caches = L_model_forward_with_dropout(xb, params, keep_probs, rng, hidden_activation,
                                                          output_activation)
                grads = L_model_backward_with_dropout(AL, yb, caches, keep_probs, hidden_activation,
                                                      output_activation)
                if lambd > 0:
                    grads = _add_penalty_grads(grads, params, lambd, kind, yb.shape[1])
            if optimizer == "gd":
                params = update_parameters_with_gd(params, grads, lr)
            elif optimizer == "momentum":
                params, vel = update_parameters_with_momentum(params, grads, vel, beta, lr)
            elif optimizer == "rmsprop":
                params, sq = update_parameters_with_rmsprop(params, grads, sq, beta2, lr, epsilon)
            else:
                step += 1
                params, vel, sq, _, _ = update_parameters_with_adam(params, grads, vel, sq, step, lr, beta1,
                                                                    beta2, epsilon)
        _, full = L_model_forward(X, params, hidden_activation, output_activation)
        cost = compute_cost_from_logits(full[-1][1], Y, output_activation)
        if lambd > 0:
            cost += _penalty(params, lambd, kind, Y.shape[1])
        history.append(float(cost))
    return params, history

"""A07 (part A, numpy) -- regularization (正则化), dropout, mini-batches and optimizers (优化神经网络).

Chapter «7 优化神经网络» of the course notes:

* 7.1 «正则化就是指在代价函数后加上一个正则化项，正则化项也叫惩罚项»; L2 adds «W所有元素的二次方和»,
  L1 «绝对值之和»; «一般只对权重参数W进行正则化而不对偏置参数b进行正则化»;
  «神经网络模型之所以发生过拟合，是因为参数W普遍比较大»; Dropout «按照一定的概率将每层的神经元暂时从
  神经网络中丢弃».
* 7.2 批量梯度下降 (BGD), 随机梯度下降 (SGD), 小批量梯度下降 (MBGD); «每次epoch训练之前，最好随机打乱
  所有训练样本»; «Adam实际上是把动量梯度下降和RMSprop结合起来的一种算法»; «学习率α决定了梯度下降每次
  更新参数的尺度大小».

Conventions (CONVENTIONS): one column per example, X (n_x, m), Y (1, m) in {0, 1} for a
sigmoid output or (C, m) one-hot for softmax; W[l] (n_l, n_{l-1}), b[l] (n_l, 1);
``parameters = {"W1", "b1", ..., "WL", "bL"}``; gradients ``{"dW1", "db1", ...}``; a layer
cache is ``((A_prev, W, b), Z)`` and, with dropout, ``((A_prev, W, b), Z, D)``.
float64 by default, float32 preserved; inputs are never modified (return new dicts/arrays);
randomness only from the explicit ``rng`` (``numpy.random.Generator``); costs are Python
``float``; an unknown ``kind``/``optimizer`` name raises ``ValueError``.

The L-layer network of A06 (深层神经网络) is given in ``deep_nn.py`` (the A06 reference
solution; its activations come from ``provided.py``, the A05 reference). Use it:
``initialize_parameters_deep``, ``linear_activation_forward``, ``linear_activation_backward``,
``linear_backward``, ``L_model_forward``, ``L_model_backward``, ``compute_cost``,
``compute_cost_from_logits``, ``update_parameters``, ``predict``.

Only numpy (and the course helpers) may be imported.
"""

import math

import numpy as np

from deep_nn import (  # noqa: F401  (the A06 reference, provided)
    L_model_backward,
    L_model_forward,
    compute_cost,
    compute_cost_from_logits,
    initialize_parameters_deep,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    predict,
    update_parameters,
)

REG_KINDS = ("l2", "l1")
OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
DECAY_KINDS = ("inverse", "step", "exponential")


def _num_layers(parameters):
    """L, the number of layers, from a parameters dict {"W1", "b1", ..., "WL", "bL"} (provided)."""
    return len(parameters) // 2


def _check_kind(kind):
    """Raise ValueError unless kind is "l2" or "l1" (provided)."""
    if kind not in REG_KINDS:
        raise ValueError(f"unknown regularization kind {kind!r}; expected 'l2' or 'l1'")


# ----------------------------------------------------------------------------------------
# 1. Regularization (正则化): L2 / L1 penalty (惩罚项; notes 7.1)
# ----------------------------------------------------------------------------------------


def compute_cost_with_regularization(AL, Y, parameters, lambd, kind="l2", output_activation="sigmoid"):
    """Cross-entropy cost plus a penalty on the weights only (never on the biases).

        J = compute_cost(AL, Y, output_activation)
        "l2": J_reg = J + lambd / (2 m) * sum_l sum(W[l] ** 2)      (Frobenius norms squared)
        "l1": J_reg = J + lambd / m     * sum_l sum(|W[l]|)

    Arguments:
        AL -- output of the network, shape (n_L, m)
        Y -- labels, same shape as AL
        parameters -- dict "W1", "b1", ..., "WL", "bL"
        lambd -- regularization strength lambda >= 0 (float)
        kind -- "l2" (default) or "l1"
        output_activation -- "sigmoid" (default) or "softmax"

    Returns:
        cost -- Python float

    Raises:
        ValueError -- unknown kind
    """
    m = Y.shape[1]
    L = _num_layers(parameters)
    ### BEGIN SOLUTION
    _check_kind(kind)
    cost = compute_cost(AL, Y, output_activation)
    if kind == "l2":
        penalty = sum(np.sum(np.square(parameters["W" + str(l)])) for l in range(1, L + 1))
        return float(cost + lambd / (2 * m) * penalty)
    penalty = sum(np.sum(np.abs(parameters["W" + str(l)])) for l in range(1, L + 1))
    return float(cost + lambd / m * penalty)
    ### END SOLUTION


def backward_with_regularization(AL, Y, caches, parameters, lambd, kind="l2", hidden_activation="relu",
                                 output_activation="sigmoid"):
    """Gradients of ``compute_cost_with_regularization``.

        grads = L_model_backward(AL, Y, caches, hidden_activation, output_activation)
        "l2": dW[l] += (lambd / m) * W[l]
        "l1": dW[l] += (lambd / m) * sign(W[l])      with sign(0) = 0
        db[l] is unchanged (b is not regularized).

    Arguments:
        AL -- output of L_model_forward, shape (n_L, m)
        Y -- labels, same shape as AL
        caches -- list of L caches ((A_prev, W, b), Z) from L_model_forward
        parameters -- dict "W1", "b1", ..., "WL", "bL"
        lambd -- float >= 0
        kind -- "l2" (default) or "l1"
        hidden_activation -- default "relu"
        output_activation -- default "sigmoid"

    Returns:
        grads -- a NEW dict with "dW{l}" (n_l, n_{l-1}), "db{l}" (n_l, 1) for l = 1..L (and the
                 "dA{l-1}" entries of L_model_backward)

    Raises:
        ValueError -- unknown kind
    """
    m = Y.shape[1]
    ### BEGIN SOLUTION
    _check_kind(kind)
    grads = dict(L_model_backward(AL, Y, caches, hidden_activation, output_activation))
    for l in range(1, len(caches) + 1):
        W = parameters["W" + str(l)]
        if kind == "l2":
            grads["dW" + str(l)] = grads["dW" + str(l)] + (lambd / m) * W
        else:
            grads["dW" + str(l)] = grads["dW" + str(l)] + (lambd / m) * np.sign(W)
    ### END SOLUTION
    return grads


def soft_threshold(W, t):
    """The proximal step of L1 (soft thresholding): W' = sign(W) * max(|W| - t, 0).

    Every entry with |W| <= t becomes exactly 0 -- this is why L1 gives sparse weights
    («对于L1正则化来说，限定区域是正方形»); the others shrink towards 0 by t.

    Arguments:
        W -- array of any shape
        t -- threshold, float >= 0

    Returns:
        W_new -- array of W's shape and dtype
    """
    ### BEGIN SOLUTION
    return np.sign(W) * np.maximum(np.abs(W) - t, 0)
    ### END SOLUTION


# ----------------------------------------------------------------------------------------
# 2. Dropout (inverted dropout; notes 7.1)
# ----------------------------------------------------------------------------------------


def dropout_forward(A, keep_prob, rng):
    """Inverted dropout on the activations A.

        D = rng.random(A.shape) < keep_prob      (bool mask; ALWAYS drawn, even if keep_prob == 1)
        A_drop = A * D / keep_prob               (the expectation of A_drop is A)

    Arguments:
        A -- activations, shape (n, m)
        keep_prob -- probability of keeping a unit, 0 < keep_prob <= 1
        rng -- numpy.random.Generator

    Returns:
        A_drop -- shape (n, m), A's dtype
        D -- bool array, shape (n, m)
    """
    ### BEGIN SOLUTION
    D = rng.random(A.shape) < keep_prob
    A_drop = A * D / keep_prob
    ### END SOLUTION
    # define the mask D and A_drop; the check catches a mask drawn with another shape (one per unit, not per entry)
    assert np.shape(D) == A.shape, f"D must have A's shape {A.shape}, got {np.shape(D)}"
    return A_drop.astype(A.dtype, copy=False), D


def dropout_backward(dA, D, keep_prob):
    """Backward of inverted dropout with the SAME mask D: dA_prev = dA * D / keep_prob.

    Arguments:
        dA -- gradient with respect to A_drop, shape (n, m)
        D -- the bool mask used in the forward pass, shape (n, m)
        keep_prob -- the same keep_prob as in the forward pass

    Returns:
        dA_prev -- gradient with respect to A, shape (n, m), dA's dtype
    """
    ### BEGIN SOLUTION
    return (dA * D / keep_prob).astype(dA.dtype, copy=False)
    ### END SOLUTION


def L_model_forward_with_dropout(X, parameters, keep_probs, rng, hidden_activation="relu",
                                 output_activation="sigmoid"):
    """Forward pass with dropout after every HIDDEN layer (never on the input or the output).

        A[0] = X
        for l = 1, ..., L-1:
            A, ((A_prev, W, b), Z) = linear_activation_forward(A[l-1], W[l], b[l], hidden_activation)
            A[l], D[l] = dropout_forward(A, keep_probs[l-1], rng)       (one draw per layer, in order)
            cache l = ((A_prev, W, b), Z, D[l])
        AL, ((A_prev, W, b), Z) = linear_activation_forward(A[L-1], W[L], b[L], output_activation)
        cache L = ((A_prev, W, b), Z, None)

    Arguments:
        X -- input, shape (n_x, m)
        parameters -- dict "W1", "b1", ..., "WL", "bL"
        keep_probs -- sequence of L-1 floats, keep_probs[l-1] for hidden layer l
        rng -- numpy.random.Generator
        hidden_activation -- default "relu"
        output_activation -- default "sigmoid"

    Returns:
        AL -- shape (n_L, m)
        caches -- list of L caches ((A_prev, W, b), Z, D)

    Raises:
        ValueError -- len(keep_probs) != L - 1
    """
    L = _num_layers(parameters)
    caches = []
    A = X
    ### BEGIN SOLUTION
    if len(keep_probs) != L - 1:
        raise ValueError(f"keep_probs needs {L - 1} entries (one per hidden layer), got {len(keep_probs)}")
    for l in range(1, L):
        A, (linear_cache, Z) = linear_activation_forward(
            A, parameters["W" + str(l)], parameters["b" + str(l)], hidden_activation
        )
        A, D = dropout_forward(A, keep_probs[l - 1], rng)
        caches.append((linear_cache, Z, D))
    AL, (linear_cache, Z) = linear_activation_forward(
        A, parameters["W" + str(L)], parameters["b" + str(L)], output_activation
    )
    caches.append((linear_cache, Z, None))
    ### END SOLUTION
    # define AL and append one cache per layer
    assert len(caches) == L, f"caches must hold one cache per layer (L = {L}), got {len(caches)}"
    return AL, caches


def L_model_backward_with_dropout(AL, Y, caches, keep_probs, hidden_activation="relu",
                                  output_activation="sigmoid"):
    """Backward pass of ``L_model_forward_with_dropout``.

    Output layer: for both outputs use the shortcut of cross-entropy + sigmoid/softmax,
        dZL = AL - Y,   then  dA[L-1], dW[L], db[L] = linear_backward(dZL, (A_prev, W, b))
    (for a sigmoid output this equals dAL = -(Y/AL - (1-Y)/(1-AL)) pushed through the sigmoid,
    but stays finite when a large learning rate saturates AL to exactly 0 or 1).
    Then for l = L-1, ..., 1: the incoming dA[l] is the gradient with respect to the DROPPED
    activations, so first re-apply that layer's mask, then the activation backward:
        dA = dropout_backward(dA[l], D[l], keep_probs[l-1])
        dA[l-1], dW[l], db[l] = linear_activation_backward(dA, ((A_prev, W, b), Z), hidden_activation)

    Arguments:
        AL -- output, shape (n_L, m)
        Y -- labels, same shape
        caches -- list of L caches ((A_prev, W, b), Z, D) from L_model_forward_with_dropout
        keep_probs -- the same L-1 keep probabilities as in the forward pass
        hidden_activation -- default "relu"
        output_activation -- default "sigmoid"

    Returns:
        grads -- dict "dA{l-1}", "dW{l}" (n_l, n_{l-1}), "db{l}" (n_l, 1) for l = 1..L;
                 "dA{l}" is the gradient with respect to the (dropped) output of layer l
    """
    L = len(caches)
    grads = {}
    ### BEGIN SOLUTION
    linear_cache, ZL, _ = caches[L - 1]
    if output_activation in ("sigmoid", "softmax"):
        dA_prev, dW, db = linear_backward(AL - Y, linear_cache)
    else:
        raise ValueError(f"unknown output activation {output_activation!r}; expected 'sigmoid' or 'softmax'")
    grads["dA" + str(L - 1)] = dA_prev
    grads["dW" + str(L)] = dW
    grads["db" + str(L)] = db
    for l in range(L - 1, 0, -1):
        linear_cache, Z, D = caches[l - 1]
        dA = dropout_backward(grads["dA" + str(l)], D, keep_probs[l - 1])
        dA_prev, dW, db = linear_activation_backward(dA, (linear_cache, Z), hidden_activation)
        grads["dA" + str(l - 1)] = dA_prev
        grads["dW" + str(l)] = dW
        grads["db" + str(l)] = db
    ### END SOLUTION
    return grads


# ----------------------------------------------------------------------------------------
# 3. Mini-batches (小批量梯度下降; notes 7.2)
# ----------------------------------------------------------------------------------------


def random_mini_batches(X, Y, mini_batch_size=64, rng=None):
    """Shuffle the examples (columns) and cut them into mini-batches.

    «每次epoch训练之前，最好随机打乱所有训练样本»:
        perm = rng.permutation(m)          (X and Y are shuffled with the SAME permutation)
        batch k = (X[:, perm][:, k*size:(k+1)*size], Y[:, perm][:, k*size:(k+1)*size])
    There are ceil(m / size) batches; the last one may be smaller. mini_batch_size = m is
    批量梯度下降 (BGD, one shuffled batch), mini_batch_size = 1 is 随机梯度下降 (SGD).

    Arguments:
        X -- input, shape (n_x, m)
        Y -- labels, shape (n_y, m)
        mini_batch_size -- int >= 1, default 64
        rng -- numpy.random.Generator; None means np.random.default_rng(0)

    Returns:
        mini_batches -- list of tuples (X_b (n_x, m_b), Y_b (n_y, m_b))
    """
    if rng is None:
        rng = np.random.default_rng(0)
    m = X.shape[1]
    ### BEGIN SOLUTION
    perm = rng.permutation(m)
    X_sh = X[:, perm]
    Y_sh = Y[:, perm]
    return [
        (X_sh[:, k:k + mini_batch_size], Y_sh[:, k:k + mini_batch_size])
        for k in range(0, m, mini_batch_size)
    ]
    ### END SOLUTION


# ----------------------------------------------------------------------------------------
# 4. Optimizers: GD, momentum (动量), RMSprop, Adam (notes 7.2)
# ----------------------------------------------------------------------------------------


def initialize_velocity(parameters):
    """Zero velocities (动量) for momentum.

    Returns:
        v -- dict "dW1" (zeros like W1), "db1" (zeros like b1), ..., "dWL", "dbL"
    """
    v = {}
    ### BEGIN SOLUTION
    for l in range(1, _num_layers(parameters) + 1):
        v["dW" + str(l)] = np.zeros_like(parameters["W" + str(l)])
        v["db" + str(l)] = np.zeros_like(parameters["b" + str(l)])
    ### END SOLUTION
    return v


def update_parameters_with_gd(parameters, grads, learning_rate):
    """One gradient-descent step: theta <- theta - alpha * g for every W[l], b[l].

    Arguments:
        parameters -- dict "W1", "b1", ...; grads -- dict "dW1", "db1", ...; learning_rate -- alpha

    Returns:
        parameters -- a NEW dict (the inputs are not modified)
    """
    new = {}
    ### BEGIN SOLUTION
    for l in range(1, _num_layers(parameters) + 1):
        for p in ("W", "b"):
            new[p + str(l)] = parameters[p + str(l)] - learning_rate * grads["d" + p + str(l)]
    ### END SOLUTION
    return new


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    """One step of gradient descent with momentum (动量梯度下降):

        v     <- beta * v + (1 - beta) * g          (an exponentially weighted average of g)
        theta <- theta - alpha * v

    Arguments:
        parameters -- dict "W1", "b1", ...
        grads -- dict "dW1", "db1", ...
        v -- dict "dW1", "db1", ... (velocities, from initialize_velocity or the previous step)
        beta -- momentum, 0 <= beta < 1 (beta = 0 is plain gradient descent)
        learning_rate -- alpha

    Returns:
        (parameters, v) -- NEW dicts (the inputs are not modified)
    """
    new_p, new_v = {}, {}
    ### BEGIN SOLUTION
    for l in range(1, _num_layers(parameters) + 1):
        for p in ("W", "b"):
            k = "d" + p + str(l)
            new_v[k] = beta * v[k] + (1 - beta) * grads[k]
            new_p[p + str(l)] = parameters[p + str(l)] - learning_rate * new_v[k]
    ### END SOLUTION
    return new_p, new_v


def initialize_rmsprop(parameters):
    """Zero running averages of the squared gradients for RMSprop.

    Returns:
        s -- dict "dW1" (zeros like W1), "db1" (zeros like b1), ..., "dWL", "dbL"
    """
    ### BEGIN SOLUTION
    return initialize_velocity(parameters)
    ### END SOLUTION


def update_parameters_with_rmsprop(parameters, grads, s, beta2, learning_rate, epsilon=1e-8):
    """One RMSprop step:

        s     <- beta2 * s + (1 - beta2) * g ** 2
        theta <- theta - alpha * g / (sqrt(s) + epsilon)        (epsilon OUTSIDE the square root)

    Arguments:
        parameters, grads -- dicts as above
        s -- dict "dW1", "db1", ... of running averages
        beta2 -- decay of the average, e.g. 0.999
        learning_rate -- alpha
        epsilon -- default 1e-8

    Returns:
        (parameters, s) -- NEW dicts
    """
    new_p, new_s = {}, {}
    ### BEGIN SOLUTION
    for l in range(1, _num_layers(parameters) + 1):
        for p in ("W", "b"):
            k = "d" + p + str(l)
            g = grads[k]
            new_s[k] = beta2 * s[k] + (1 - beta2) * g * g
            new_p[p + str(l)] = parameters[p + str(l)] - learning_rate * g / (np.sqrt(new_s[k]) + epsilon)
    ### END SOLUTION
    return new_p, new_s


def initialize_adam(parameters):
    """Zero first and second moments for Adam.

    Returns:
        (v, s) -- two dicts "dW1", "db1", ..., each entry zeros like the matching parameter
    """
    ### BEGIN SOLUTION
    return initialize_velocity(parameters), initialize_velocity(parameters)
    ### END SOLUTION


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=1e-3, beta1=0.9, beta2=0.999,
                                epsilon=1e-8):
    """One Adam step -- «Adam实际上是把动量梯度下降和RMSprop结合起来的一种算法»:

        v     <- beta1 * v + (1 - beta1) * g               (momentum)
        s     <- beta2 * s + (1 - beta2) * g ** 2          (RMSprop)
        v_hat = v / (1 - beta1 ** t)                        (bias correction, t counts from 1)
        s_hat = s / (1 - beta2 ** t)
        theta <- theta - alpha * v_hat / (sqrt(s_hat) + epsilon)

    Arguments:
        parameters, grads -- dicts as above
        v, s -- dicts "dW1", "db1", ... (first / second moments)
        t -- int >= 1, the number of this step
        learning_rate -- alpha, default 1e-3
        beta1 -- default 0.9
        beta2 -- default 0.999
        epsilon -- default 1e-8

    Returns:
        (parameters, v, s, v_corrected, s_corrected) -- NEW dicts; v_corrected/s_corrected
        hold v_hat/s_hat under the keys "dW1", "db1", ...
    """
    new_p, new_v, new_s, v_corr, s_corr = {}, {}, {}, {}, {}
    ### BEGIN SOLUTION
    for l in range(1, _num_layers(parameters) + 1):
        for p in ("W", "b"):
            k = "d" + p + str(l)
            g = grads[k]
            new_v[k] = beta1 * v[k] + (1 - beta1) * g
            new_s[k] = beta2 * s[k] + (1 - beta2) * g * g
            v_corr[k] = new_v[k] / (1 - beta1 ** t)
            s_corr[k] = new_s[k] / (1 - beta2 ** t)
            new_p[p + str(l)] = parameters[p + str(l)] - learning_rate * v_corr[k] / (np.sqrt(s_corr[k]) + epsilon)
    ### END SOLUTION
    return new_p, new_v, new_s, v_corr, s_corr


# ----------------------------------------------------------------------------------------
# 5. Learning-rate decay (学习率衰减; notes 7.2)
# ----------------------------------------------------------------------------------------


def learning_rate_decay(learning_rate0, epoch_num, decay_rate, kind="inverse", time_interval=1000):
    """The learning rate alpha of epoch ``epoch_num`` (epochs count from 0).

        "inverse":     alpha = alpha0 / (1 + decay_rate * epoch_num)
        "step":        alpha = alpha0 / (1 + decay_rate * floor(epoch_num / time_interval))
        "exponential": alpha = alpha0 * decay_rate ** epoch_num        (0 < decay_rate <= 1)

    Arguments:
        learning_rate0 -- alpha0, float
        epoch_num -- int >= 0
        decay_rate -- float
        kind -- "inverse" (default), "step" or "exponential"
        time_interval -- epochs per step of the "step" schedule, default 1000

    Returns:
        alpha -- Python float

    Raises:
        ValueError -- unknown kind
    """
    ### BEGIN SOLUTION
    if kind == "inverse":
        return float(learning_rate0 / (1 + decay_rate * epoch_num))
    if kind == "step":
        return float(learning_rate0 / (1 + decay_rate * math.floor(epoch_num / time_interval)))
    if kind == "exponential":
        return float(learning_rate0 * decay_rate ** epoch_num)
    raise ValueError(f"unknown decay kind {kind!r}; expected one of {', '.join(DECAY_KINDS)}")
    ### END SOLUTION


# ----------------------------------------------------------------------------------------
# 6. Putting it together
# ----------------------------------------------------------------------------------------


def model(X, Y, layer_dims, optimizer="adam", learning_rate=7e-3, mini_batch_size=64, beta=0.9, beta1=0.9,
          beta2=0.999, epsilon=1e-8, num_epochs=100, lambd=0.0, kind="l2", keep_probs=None, decay=None,
          rng=None, hidden_activation="relu", output_activation="sigmoid"):
    """Train an L-layer network with mini-batches, an optimizer, regularization and dropout.

    Exactly in this order (the random draws must match the reference):
        rng = np.random.default_rng(0) if rng is None
        parameters = initialize_parameters_deep(layer_dims, rng, method="he")
        optimizer state: "gd" none; "momentum" v = initialize_velocity; "rmsprop"
            s = initialize_rmsprop; "adam" (v, s) = initialize_adam and t = 0
        for epoch in range(num_epochs):
            alpha = learning_rate if decay is None else
                    learning_rate_decay(learning_rate, epoch, **decay)
            for (X_b, Y_b) in random_mini_batches(X, Y, mini_batch_size, rng):
                forward: keep_probs None -> L_model_forward(X_b, parameters, hidden, output)
                         else            -> L_model_forward_with_dropout(X_b, parameters, keep_probs,
                                                                         rng, hidden, output)
                backward: keep_probs None -> backward_with_regularization(..., lambd, kind, ...)
                          else -> L_model_backward_with_dropout(...), then the penalty gradient
                                  (lambd/m_b) W or (lambd/m_b) sign(W) is added to each dW when
                                  lambd > 0   (m_b = number of columns of the batch)
                update with the optimizer (Adam: t += 1 before each update) and alpha
            costs.append(cost of the whole training set after the epoch, WITHOUT dropout):
                ZL = logits of L_model_forward(X, parameters, ...) (Z of the last cache)
                cost = compute_cost_from_logits(ZL, Y, output) + the penalty of
                       compute_cost_with_regularization (0 when lambd == 0)
    The cost from the logits is finite even when the sigmoid saturates.

    Arguments:
        X -- (n_x, m); Y -- (n_y, m)
        layer_dims -- [n_x, n_1, ..., n_L]
        optimizer -- "gd", "momentum", "rmsprop" or "adam" (default)
        learning_rate -- alpha0, default 7e-3
        mini_batch_size -- default 64 (>= m: full batch)
        beta -- momentum, default 0.9
        beta1, beta2, epsilon -- Adam/RMSprop constants (RMSprop uses beta2 and epsilon)
        num_epochs -- default 100
        lambd -- regularization strength, default 0.0
        kind -- "l2" (default) or "l1"
        keep_probs -- None (no dropout) or L-1 keep probabilities
        decay -- None or a dict of keyword arguments of learning_rate_decay, e.g.
                 {"decay_rate": 1.0, "kind": "step", "time_interval": 10}
        rng -- numpy.random.Generator or None
        hidden_activation -- default "relu"; output_activation -- default "sigmoid"

    Returns:
        parameters -- dict "W1", "b1", ..., "WL", "bL"
        costs -- list of num_epochs Python floats, all finite

    Raises:
        ValueError -- unknown optimizer or kind
    """
    ### BEGIN SOLUTION
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {', '.join(OPTIMIZERS)}")
    _check_kind(kind)
    if rng is None:
        rng = np.random.default_rng(0)
    parameters = initialize_parameters_deep(layer_dims, rng, method="he")
    L = _num_layers(parameters)
    if optimizer == "momentum":
        v = initialize_velocity(parameters)
    elif optimizer == "rmsprop":
        s = initialize_rmsprop(parameters)
    elif optimizer == "adam":
        v, s = initialize_adam(parameters)
        t = 0
    costs = []
    for epoch in range(num_epochs):
        alpha = learning_rate if decay is None else learning_rate_decay(learning_rate, epoch, **decay)
        for X_b, Y_b in random_mini_batches(X, Y, mini_batch_size, rng):
            if keep_probs is None:
                AL, caches = L_model_forward(X_b, parameters, hidden_activation, output_activation)
                grads = backward_with_regularization(
                    AL, Y_b, caches, parameters, lambd, kind, hidden_activation, output_activation
                )
            else:
                AL, caches = L_model_forward_with_dropout(
                    X_b, parameters, keep_probs, rng, hidden_activation, output_activation
                )
                grads = L_model_backward_with_dropout(
                    AL, Y_b, caches, keep_probs, hidden_activation, output_activation
                )
                if lambd > 0:
                    m_b = Y_b.shape[1]
                    for l in range(1, L + 1):
                        W = parameters["W" + str(l)]
                        pen = W if kind == "l2" else np.sign(W)
                        grads["dW" + str(l)] = grads["dW" + str(l)] + (lambd / m_b) * pen
            if optimizer == "gd":
                parameters = update_parameters_with_gd(parameters, grads, alpha)
            elif optimizer == "momentum":
                parameters, v = update_parameters_with_momentum(parameters, grads, v, beta, alpha)
            elif optimizer == "rmsprop":
                parameters, s = update_parameters_with_rmsprop(parameters, grads, s, beta2, alpha, epsilon)
            else:
                t += 1
                parameters, v, s, _, _ = update_parameters_with_adam(
                    parameters, grads, v, s, t, alpha, beta1, beta2, epsilon
                )
        _, caches = L_model_forward(X, parameters, hidden_activation, output_activation)
        ZL = caches[-1][1]
        cost = compute_cost_from_logits(ZL, Y, output_activation)
        if lambd > 0:
            m = Y.shape[1]
            Ws = [parameters["W" + str(l)] for l in range(1, L + 1)]
            if kind == "l2":
                cost += lambd / (2 * m) * sum(float(np.sum(np.square(W))) for W in Ws)
            else:
                cost += lambd / m * sum(float(np.sum(np.abs(W))) for W in Ws)
        costs.append(float(cost))
    return parameters, costs
    ### END SOLUTION

"""A06 -- an L-layer neural network (深层神经网络) with a sigmoid or softmax output, numpy only.

Chapter «6 深层神经网络» of the course notes.

Notation (6.2 符号标记): «假设神经网络是L层。这里的L为隐藏层和输出层的层数之和，即隐藏层为L-1层»;
«Z[l]表示该层线性输出，A[l]表示该层非线性输出».

    layer_dims = [n_0, n_1, ..., n_L]      n_0 = n_x (input size), n_L = output size
    W[l] (n_l, n_{l-1}),  b[l] (n_l, 1)    stored as parameters["W1"], parameters["b1"], ...
    Z[l] = W[l] A[l-1] + b[l]   (n_l, m)
    A[l] = g[l](Z[l])           (n_l, m),  A[0] = X (n_x, m)

Conventions (CONVENTIONS): one column per example; Y is (1, m) in {0, 1} for a sigmoid
output and (C, m) one-hot for a softmax output; caches are exactly

    linear_cache = (A_prev, W, b)
    layer cache  = (linear_cache, Z)  = ((A_prev, W, b), Z)

float64 by default and float32 preserved; inputs are never modified; randomness only from an
explicit ``rng``; costs are Python ``float``; an unknown activation or init name raises
``ValueError``.

The activations of A05 are given to you in ``provided.py`` (the reference solution of A05).
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
INIT_METHODS = ("he", "xavier", "small")


def _check_activation(activation):
    """Raise ValueError unless ``activation`` is one of ACTIVATIONS (provided helper)."""
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}"
        )


# ----------------------------------------------------------------------------------------
# Part 1 — initialisation (参数初始化, «权重W随机»)
# ----------------------------------------------------------------------------------------

def initialize_parameters_deep(layer_dims, rng, method="he"):
    """Random weights and zero biases for an L-layer network.

    For l = 1, ..., L in this order (L = len(layer_dims) - 1):
        W[l] = rng.standard_normal((n_l, n_{l-1})) * scale
        b[l] = np.zeros((n_l, 1))              (draws nothing)
    with
        method "he"     -> scale = sqrt(2 / n_{l-1})
        method "xavier" -> scale = sqrt(1 / n_{l-1})
        method "small"  -> scale = 0.01

    Arguments:
        layer_dims -- list of ints [n_0, n_1, ..., n_L], length L + 1 >= 2
        rng -- numpy.random.Generator, the only source of randomness
        method -- "he" (default), "xavier" or "small"

    Returns:
        parameters -- dict "W1" (n_1, n_0), "b1" (n_1, 1), ..., "WL" (n_L, n_{L-1}), "bL" (n_L, 1)

    Raises:
        ValueError -- for an unknown method
    """
    parameters = {}
    L = len(layer_dims) - 1
    ### BEGIN SOLUTION
    if method not in INIT_METHODS:
        raise ValueError(f"unknown init method {method!r}; expected one of {', '.join(INIT_METHODS)}")
    for l in range(1, L + 1):
        n_prev, n_l = layer_dims[l - 1], layer_dims[l]
        if method == "he":
            scale = np.sqrt(2.0 / n_prev)
        elif method == "xavier":
            scale = np.sqrt(1.0 / n_prev)
        else:
            scale = 0.01
        parameters["W" + str(l)] = rng.standard_normal((n_l, n_prev)) * scale
        parameters["b" + str(l)] = np.zeros((n_l, 1))
    ### END SOLUTION
    return parameters


# ----------------------------------------------------------------------------------------
# Part 2 — forward propagation (前向传播)
# ----------------------------------------------------------------------------------------

def linear_forward(A_prev, W, b):
    """Linear part of a layer: Z = W A_prev + b.

    Arguments:
        A_prev -- activations of the previous layer, shape (n_{l-1}, m)
        W -- weights, shape (n_l, n_{l-1})
        b -- bias, shape (n_l, 1)

    Returns:
        Z -- shape (n_l, m)
        linear_cache -- the tuple (A_prev, W, b)
    """
    ### BEGIN SOLUTION
    Z = W @ A_prev + b
    ### END SOLUTION
    # define Z; the check catches W and A_prev multiplied the wrong way round or b broadcast along rows
    assert np.shape(Z) == (W.shape[0], A_prev.shape[1]), f"Z must have shape (n_l, m) = {(W.shape[0], A_prev.shape[1])}, got {np.shape(Z)}"
    return Z, (A_prev, W, b)


def softmax(Z):
    """Column-wise softmax, numerically stable.

        A[:, j] = exp(Z[:, j] - max_k Z[k, j]) / sum_k exp(Z[k, j] - max_k Z[k, j])

    «多分类使用Softmax函数，将Z[L]映射到区间[0,1]…各神经元输出概率之和为1»: every COLUMN sums to 1.

    Arguments:
        Z -- logits, shape (C, m)

    Returns:
        A -- probabilities, shape (C, m), same float dtype as Z
    """
    ### BEGIN SOLUTION
    shifted = Z - np.max(Z, axis=0, keepdims=True)
    E = np.exp(shifted)
    return E / np.sum(E, axis=0, keepdims=True)
    ### END SOLUTION


def linear_activation_forward(A_prev, W, b, activation):
    """One layer: A = g(W A_prev + b).

    Arguments:
        A_prev -- shape (n_{l-1}, m)
        W -- shape (n_l, n_{l-1})
        b -- shape (n_l, 1)
        activation -- "relu", "leaky_relu" (alpha 0.01), "tanh", "sigmoid", "softmax" or "linear"

    Returns:
        A -- shape (n_l, m)
        cache -- ((A_prev, W, b), Z) with Z of shape (n_l, m)

    Raises:
        ValueError -- for an unknown activation
    """
    ### BEGIN SOLUTION
    _check_activation(activation)
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
    return A, (linear_cache, Z)
    ### END SOLUTION


def L_model_forward(X, parameters, hidden_activation="relu", output_activation="softmax"):
    """Forward pass through all L layers: L-1 hidden layers, then the output layer.

        A[0] = X
        A[l] = hidden_activation(W[l] A[l-1] + b[l])     l = 1, ..., L-1
        AL   = output_activation(W[L] A[L-1] + b[L])

    Arguments:
        X -- input, shape (n_x, m)
        parameters -- dict "W1", "b1", ..., "WL", "bL" (L = len(parameters) // 2)
        hidden_activation -- default "relu" («深层神经网络，隐藏层的激活函数一般选择ReLU函数»)
        output_activation -- "softmax" (default, multi-class) or "sigmoid" (binary)

    Returns:
        AL -- output, shape (n_L, m)
        caches -- list of L layer caches ((A_prev, W, b), Z); caches[l-1] belongs to layer l

    Raises:
        ValueError -- for an unknown activation name
    """
    L = len(parameters) // 2
    caches = []
    A = X
    ### BEGIN SOLUTION
    for l in range(1, L):
        A, cache = linear_activation_forward(
            A, parameters["W" + str(l)], parameters["b" + str(l)], hidden_activation
        )
        caches.append(cache)
    AL, cache = linear_activation_forward(
        A, parameters["W" + str(L)], parameters["b" + str(L)], output_activation
    )
    caches.append(cache)
    ### END SOLUTION
    # define AL and append one cache per layer
    assert len(caches) == L, f"caches must hold one cache per layer (L = {L}), got {len(caches)}"
    return AL, caches


# ----------------------------------------------------------------------------------------
# Part 3 — the cost (交叉熵)
# ----------------------------------------------------------------------------------------

def compute_cost(AL, Y, output_activation):
    """Cross-entropy cost (交叉熵) from the output probabilities.

        "sigmoid": J = -(1/m) sum( Y log AL + (1 - Y) log(1 - AL) )      Y, AL (1, m)
        "softmax": J = -(1/m) sum( Y * log AL )                           Y, AL (C, m), Y one-hot

    Arguments:
        AL -- probabilities, shape (n_L, m)
        Y -- labels, same shape as AL
        output_activation -- "sigmoid" or "softmax"

    Returns:
        cost -- Python float

    Raises:
        ValueError -- for any other output_activation
    """
    m = Y.shape[1]
    ### BEGIN SOLUTION
    if output_activation == "sigmoid":
        total = np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    elif output_activation == "softmax":
        total = np.sum(Y * np.log(AL))
    else:
        raise ValueError(f"unknown output activation {output_activation!r}; expected 'sigmoid' or 'softmax'")
    return float(-total / m)
    ### END SOLUTION


def compute_cost_from_logits(ZL, Y, output_activation):
    """The same cost computed from the logits ZL, stable for any |ZL| (no overflow, no log(0)).

        "sigmoid": J = (1/m) sum( max(ZL, 0) - ZL * Y + log(1 + exp(-|ZL|)) )
        "softmax": J = -(1/m) sum( Y * (ZL - logsumexp(ZL)) ),
                   logsumexp over axis 0: max_k ZL + log sum_k exp(ZL - max_k ZL)

    Arguments:
        ZL -- logits, shape (n_L, m)
        Y -- labels, same shape
        output_activation -- "sigmoid" or "softmax"

    Returns:
        cost -- Python float

    Raises:
        ValueError -- for any other output_activation
    """
    m = Y.shape[1]
    ### BEGIN SOLUTION
    if output_activation == "sigmoid":
        total = np.sum(np.maximum(ZL, 0) - ZL * Y + np.log1p(np.exp(-np.abs(ZL))))
        return float(total / m)
    if output_activation == "softmax":
        zmax = np.max(ZL, axis=0, keepdims=True)
        lse = zmax + np.log(np.sum(np.exp(ZL - zmax), axis=0, keepdims=True))
        return float(-np.sum(Y * (ZL - lse)) / m)
    raise ValueError(f"unknown output activation {output_activation!r}; expected 'sigmoid' or 'softmax'")
    ### END SOLUTION


# ----------------------------------------------------------------------------------------
# Part 4 — backward propagation (反向传播)
# ----------------------------------------------------------------------------------------

def softmax_backward(dA, Z):
    """Backward through a column-wise softmax: the Jacobian-vector product, column by column.

        A = softmax(Z)
        dZ = A * (dA - sum_k dA[k] A[k])      the sum runs over axis 0 (keepdims)

    Arguments:
        dA -- gradient of the cost with respect to A = softmax(Z), shape (C, m)
        Z -- logits, shape (C, m)

    Returns:
        dZ -- shape (C, m)
    """
    ### BEGIN SOLUTION
    A = softmax(Z)
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))
    ### END SOLUTION


def linear_backward(dZ, linear_cache):
    """Backward through Z = W A_prev + b (m = number of columns).

        dW = (1/m) dZ A_prev^T                (n_l, n_{l-1})
        db = (1/m) sum over columns of dZ     (n_l, 1)
        dA_prev = W^T dZ                      (n_{l-1}, m)

    Arguments:
        dZ -- shape (n_l, m)
        linear_cache -- (A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1))

    Returns:
        dA_prev, dW, db -- shapes as above
    """
    A_prev, W, b = linear_cache
    m = A_prev.shape[1]
    ### BEGIN SOLUTION
    dW = (dZ @ A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    ### END SOLUTION
    # define dA_prev, dW, db: each gradient has the shape of what it differentiates
    assert np.shape(dW) == W.shape, f"dW must have W's shape {W.shape}, got {np.shape(dW)}"
    assert np.shape(db) == b.shape, f"db must have b's shape {b.shape}, got {np.shape(db)}"
    assert np.shape(dA_prev) == A_prev.shape, f"dA_prev must have A_prev's shape {A_prev.shape}, got {np.shape(dA_prev)}"
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    """Backward through one layer A = g(W A_prev + b).

        dZ = dA * g'(Z)           for relu, leaky_relu, tanh, sigmoid, linear
        dZ = softmax_backward(dA, Z)   for softmax
        then linear_backward(dZ, linear_cache)

    Arguments:
        dA -- gradient with respect to this layer's output A, shape (n_l, m)
        cache -- ((A_prev, W, b), Z) from linear_activation_forward
        activation -- the layer's activation name

    Returns:
        dA_prev (n_{l-1}, m), dW (n_l, n_{l-1}), db (n_l, 1)

    Raises:
        ValueError -- for an unknown activation
    """
    linear_cache, Z = cache
    ### BEGIN SOLUTION
    _check_activation(activation)
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
    ### END SOLUTION


def L_model_backward(AL, Y, caches, hidden_activation="relu", output_activation="softmax"):
    """Gradients of the cross-entropy cost for every layer, from layer L back to layer 1.

    «输出层L中dA[L]的计算公式由交叉熵损失得到»:
        sigmoid output: dAL = -(Y / AL - (1 - Y) / (1 - AL)), then linear_activation_backward
                        with "sigmoid" for layer L
        softmax output: dZL = AL - Y (the shortcut of softmax + cross-entropy), then
                        linear_backward for layer L
    Then for l = L-1, ..., 1: linear_activation_backward(dA[l], caches[l-1], hidden_activation).

    Arguments:
        AL -- output of L_model_forward, shape (n_L, m)
        Y -- labels, same shape as AL
        caches -- list of L caches from L_model_forward
        hidden_activation -- default "relu"
        output_activation -- "softmax" (default) or "sigmoid"

    Returns:
        grads -- dict with, for l = 1, ..., L:
            "dA{l-1}" (n_{l-1}, m) -- so "dA0" has X's shape
            "dW{l}" (n_l, n_{l-1})
            "db{l}" (n_l, 1)

    Raises:
        ValueError -- for an unknown activation name
    """
    grads = {}
    L = len(caches)
    ### BEGIN SOLUTION
    _check_activation(hidden_activation)
    linear_cache, ZL = caches[L - 1]
    if output_activation == "sigmoid":
        dAL = -(Y / AL - (1 - Y) / (1 - AL))
        dA_prev, dW, db = linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    elif output_activation == "softmax":
        dZL = AL - Y
        dA_prev, dW, db = linear_backward(dZL, linear_cache)
    else:
        raise ValueError(f"unknown output activation {output_activation!r}; expected 'sigmoid' or 'softmax'")
    grads["dA" + str(L - 1)] = dA_prev
    grads["dW" + str(L)] = dW
    grads["db" + str(L)] = db
    for l in range(L - 1, 0, -1):
        dA_prev, dW, db = linear_activation_backward(
            grads["dA" + str(l)], caches[l - 1], hidden_activation
        )
        grads["dA" + str(l - 1)] = dA_prev
        grads["dW" + str(l)] = dW
        grads["db" + str(l)] = db
    ### END SOLUTION
    return grads


def update_parameters(parameters, grads, learning_rate):
    """Gradient descent (梯度下降) on every layer: «W=W-lr*dW», b = b - lr*db.

    Arguments:
        parameters -- dict "W1", "b1", ..., "WL", "bL"
        grads -- dict with at least "dW1", "db1", ..., "dWL", "dbL"
        learning_rate -- float

    Returns:
        new_parameters -- a NEW dict with the same keys and shapes; the inputs are not modified
    """
    L = len(parameters) // 2
    new_parameters = {}
    ### BEGIN SOLUTION
    for l in range(1, L + 1):
        new_parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        new_parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    ### END SOLUTION
    return new_parameters


def L_layer_model(X, Y, layer_dims, learning_rate=0.5, num_iterations=300, hidden_activation="relu",
                  output_activation="softmax", init="he", rng=None):
    """Train an L-layer network with full-batch gradient descent.

    «参数初始化，权重W随机；前向传播…在输出层计算损失；反向传播…一次性得到所有的梯度…W=W-lr*dW».

    parameters = initialize_parameters_deep(layer_dims, rng, method=init)
    (rng=None means np.random.default_rng(0)), then num_iterations times:
    L_model_forward, L_model_backward, update_parameters.  The cost (compute_cost on the
    forward pass's AL, before that iteration's update) is recorded when i % 100 == 0, so costs
    has ceil(num_iterations / 100) entries, starting with the cost at i = 0.

    Arguments:
        X -- input, shape (n_x, m)
        Y -- labels, shape (n_L, m): one-hot (C, m) for softmax, (1, m) for sigmoid
        layer_dims -- [n_x, n_1, ..., n_L]
        learning_rate -- default 0.5
        num_iterations -- default 300
        hidden_activation -- default "relu"
        output_activation -- default "softmax"
        init -- "he" (default), "xavier" or "small"
        rng -- numpy.random.Generator or None

    Returns:
        parameters -- dict "W1", "b1", ..., "WL", "bL"
        costs -- list of Python floats
    """
    if rng is None:
        rng = np.random.default_rng(0)
    ### BEGIN SOLUTION
    parameters = initialize_parameters_deep(layer_dims, rng, method=init)
    costs = []
    for i in range(num_iterations):
        AL, caches = L_model_forward(X, parameters, hidden_activation, output_activation)
        if i % 100 == 0:
            costs.append(compute_cost(AL, Y, output_activation))
        grads = L_model_backward(AL, Y, caches, hidden_activation, output_activation)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs
    ### END SOLUTION


def predict(parameters, X, hidden_activation="relu", output_activation="softmax"):
    """Predictions of a trained network.

    Arguments:
        parameters -- dict "W1", "b1", ..., "WL", "bL"
        X -- input, shape (n_x, m)
        hidden_activation -- default "relu"
        output_activation -- "softmax" (default) or "sigmoid"

    Returns:
        sigmoid output: int64 array of shape (1, m), 1 where AL > 0.5 else 0
        softmax output: int64 array of shape (m,), the argmax over axis 0 (the class index)

    Raises:
        ValueError -- for any other output_activation
    """
    ### BEGIN SOLUTION
    AL, _ = L_model_forward(X, parameters, hidden_activation, output_activation)
    if output_activation == "sigmoid":
        return (AL > 0.5).astype(np.int64)
    if output_activation == "softmax":
        return np.argmax(AL, axis=0).astype(np.int64)
    raise ValueError(f"unknown output activation {output_activation!r}; expected 'sigmoid' or 'softmax'")
    ### END SOLUTION

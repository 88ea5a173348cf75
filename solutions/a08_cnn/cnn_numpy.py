"""A08 (part A, numpy) -- convolution (卷积层), pooling (池化层) and a small CNN (卷积神经网络).

Chapter «8 卷积神经网络» of the course notes:

* 8.1 a fully connected network on raw pixels has «输入层维度过大» and flattening the image
  «忽略了各个像素点之间的区域性联系».
* 8.2 «卷积神经网络最基本的结构有三种，分别是卷积层、池化层、全连接层».
* 8.3 convolution: «将原图像与模板图像定义域相交的元素进行乘积且求和» -- element-wise product
  and sum, «结果是一个数» (cross-correlation, no kernel flip, as torch's conv2d); the template is
  the «卷积核» (kernel / filter); «边缘检测» (edge detection); «填充» (padding) «扩展区域补零»;
  output size «(n+2p-f+1)×(n+2p-f+1)», with a «步幅» (stride) s: floor((n + 2p - f) / s) + 1;
  parameters of CONV1 «(5×5×3+1)×6=456».
* 8.4 «最大池化» (max pooling) takes «定义域相交元素的最大值», with window «尺寸f» and «步幅s»;
  «平均池化» (average pooling) «顾及每一个像素»; «池化层没有参数».
* 8.5 «全连接层» (fully connected layer) ends the network; «多个神经元（多分类）用softmax».

Conventions (CONVENTIONS): images are NCHW, A (m, n_C, n_H, n_W) float64; a filter bank is
W (n_C, n_C_prev, f, f) and its biases b (n_C,) (torch's layout); hyper-parameters are dicts,
conv ``{"stride": s, "pad": p}``, pool ``{"f": f, "stride": s, "mode": "max" | "average"}``;
caches are conv ``(A_prev, W, b, hparameters)`` and pool ``(A_prev, hparameters)``; the bridge to
the column convention is ``flatten_forward`` (-> (n_C*n_H*n_W, m)). float32 inputs stay float32;
inputs are never modified; randomness only from the explicit ``rng``.

Vectorization (graded by a speed test): Python loops may run over kernel offsets (f x f) or over
output positions (n_H x n_W), never over examples or channels.

Only numpy (and the course helpers) may be imported.
"""

import numpy as np

from regularize_optimize import update_parameters_with_adam  # noqa: F401  (the A07 reference, provided)

POOL_MODES = ("max", "average")


# ----------------------------------------------------------------------------------------
# 1. Padding and sizes (填充, 步幅; notes 8.3, 8.6)
# ----------------------------------------------------------------------------------------


def zero_pad(X, pad):
    """Pad the two spatial axes of a batch of images with zeros («扩展区域补零»).

    Arguments:
        X -- (m, n_C, n_H, n_W) array
        pad -- int p >= 0, zeros added on each side of n_H and n_W

    Returns:
        X_pad -- (m, n_C, n_H + 2p, n_W + 2p) array, same dtype; X is not modified
    """
    ### BEGIN SOLUTION
    return np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant", constant_values=0)
    ### END SOLUTION


def conv_output_shape(n_H_prev, n_W_prev, f, pad, stride):
    """Spatial size of a convolution (or pooling) output: floor((n + 2p - f) / s) + 1 per axis.

    Arguments:
        n_H_prev, n_W_prev -- ints, input height and width
        f -- int, kernel size
        pad -- int, padding p
        stride -- int, stride s

    Returns:
        (n_H, n_W) -- a tuple of two Python ints
    """
    ### BEGIN SOLUTION
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    return int(n_H), int(n_W)
    ### END SOLUTION


def conv_param_count(f, n_C_prev, n_C):
    """Number of parameters of a conv layer: (f*f*n_C_prev + 1) * n_C (one bias per filter).

    The notes' CONV1: conv_param_count(5, 3, 6) == (5*5*3 + 1) * 6 == 456.

    Returns:
        a Python int
    """
    ### BEGIN SOLUTION
    return int((f * f * n_C_prev + 1) * n_C)
    ### END SOLUTION


# ----------------------------------------------------------------------------------------
# 2. Convolution (卷积层; notes 8.3)
# ----------------------------------------------------------------------------------------


def conv_single_step(a_slice_prev, W, b):
    """One step of convolution: «对应元素相乘再求和，结果是一个数», plus the bias.

    Arguments:
        a_slice_prev -- (n_C_prev, f, f) window of the input
        W -- (n_C_prev, f, f) one filter
        b -- the filter's bias, a float (or a 0-d / size-1 array)

    Returns:
        Z -- a Python float, sum(a_slice_prev * W) + b
    """
    ### BEGIN SOLUTION
    return float(np.sum(a_slice_prev * W) + np.asarray(b).reshape(-1)[0])
    ### END SOLUTION


def conv_forward(A_prev, W, b, hparameters):
    """Forward pass of a conv layer (cross-correlation, no kernel flip, as torch's conv2d):

        Z[i, c, h, w] = sum_{c', p, q} A_pad[i, c', h*s + p, w*s + q] * W[c, c', p, q] + b[c]

    Arguments:
        A_prev -- (m, n_C_prev, n_H_prev, n_W_prev) input
        W -- (n_C, n_C_prev, f, f) filters
        b -- (n_C,) biases
        hparameters -- {"stride": s, "pad": p}

    Returns:
        Z -- (m, n_C, n_H, n_W) with n_H, n_W from conv_output_shape; dtype of A_prev
        cache -- (A_prev, W, b, hparameters)

    Raises:
        ValueError if A_prev's channel count differs from W.shape[1].
    """
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[2]
    ### BEGIN SOLUTION
    if A_prev.shape[1] != W.shape[1]:
        raise ValueError(f"A_prev has {A_prev.shape[1]} channels but W expects {W.shape[1]}")
    A_pad = zero_pad(A_prev, p)
    # windows: (m, C_prev, H_pad-f+1, W_pad-f+1, f, f), strided to the output positions
    win = np.lib.stride_tricks.sliding_window_view(A_pad, (f, f), axis=(2, 3))[:, :, ::s, ::s]
    Z = np.einsum("ichwpq,kcpq->ikhw", win, W, optimize=True) + b.reshape(1, -1, 1, 1)
    Z = Z.astype(A_prev.dtype, copy=False)
    ### END SOLUTION
    # define Z; the check catches channels-last (NHWC) output or filters and examples swapped
    assert np.shape(Z)[:2] == (A_prev.shape[0], W.shape[0]), f"Z must be (m, n_C, n_H, n_W) with (m, n_C) = {(A_prev.shape[0], W.shape[0])}, got {np.shape(Z)}"
    return Z, (A_prev, W, b, hparameters)


def conv_backward(dZ, cache):
    """Backward pass of a conv layer.

        dW[c, c', p, q] = sum_{i, h, w} dZ[i, c, h, w] * A_pad[i, c', h*s + p, w*s + q]
        db[c]           = sum_{i, h, w} dZ[i, c, h, w]
        dA_pad[i, c', h*s + p, w*s + q] += sum_c dZ[i, c, h, w] * W[c, c', p, q]
        dA_prev         = dA_pad without its p-wide border

    Arguments:
        dZ -- (m, n_C, n_H, n_W) gradient of the cost with respect to Z
        cache -- (A_prev, W, b, hparameters) from conv_forward

    Returns:
        dA_prev -- (m, n_C_prev, n_H_prev, n_W_prev)
        dW -- (n_C, n_C_prev, f, f)
        db -- (n_C,)
    """
    A_prev, W, b, hparameters = cache
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[2]
    m, _, n_H, n_W = dZ.shape
    ### BEGIN SOLUTION
    A_pad = zero_pad(A_prev, p)
    dA_pad = np.zeros_like(A_pad)
    dW = np.zeros_like(W)
    # one kernel offset (pp, qq) at a time: every output position touches input pp + h*s, qq + w*s
    for pp in range(f):
        for qq in range(f):
            rows = slice(pp, pp + s * (n_H - 1) + 1, s)
            cols = slice(qq, qq + s * (n_W - 1) + 1, s)
            dW[:, :, pp, qq] = np.einsum("ikhw,ichw->kc", dZ, A_pad[:, :, rows, cols])
            dA_pad[:, :, rows, cols] += np.einsum("ikhw,kc->ichw", dZ, W[:, :, pp, qq])
    db = dZ.sum(axis=(0, 2, 3))
    dA_prev = dA_pad[:, :, p:A_pad.shape[2] - p, p:A_pad.shape[3] - p]
    ### END SOLUTION
    # define dA_prev, dW, db: each gradient has the shape of what it differentiates (the padding removed)
    assert np.shape(dA_prev) == A_prev.shape, f"dA_prev must have A_prev's shape {A_prev.shape}, got {np.shape(dA_prev)}"
    assert np.shape(dW) == W.shape, f"dW must have W's shape {W.shape}, got {np.shape(dW)}"
    assert np.shape(db) == b.shape, f"db must have b's shape {b.shape}, got {np.shape(db)}"
    return dA_prev, dW, db


# ----------------------------------------------------------------------------------------
# 3. Pooling (池化层; notes 8.4)
# ----------------------------------------------------------------------------------------


def pool_forward(A_prev, hparameters):
    """Max or average pooling over every f x f window with stride s, per channel, no padding.

    Arguments:
        A_prev -- (m, n_C, n_H_prev, n_W_prev)
        hparameters -- {"f": f, "stride": s, "mode": "max" | "average"}

    Returns:
        A -- (m, n_C, n_H, n_W), n_H = (n_H_prev - f) // s + 1 (same for n_W); dtype of A_prev
        cache -- (A_prev, hparameters)

    Raises:
        ValueError for an unknown mode.
    """
    f, s, mode = hparameters["f"], hparameters["stride"], hparameters.get("mode", "max")
    ### BEGIN SOLUTION
    if mode not in POOL_MODES:
        raise ValueError(f"unknown pooling mode {mode!r}; expected 'max' or 'average'")
    win = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(2, 3))[:, :, ::s, ::s]
    A = win.max(axis=(4, 5)) if mode == "max" else win.mean(axis=(4, 5))
    return A.astype(A_prev.dtype, copy=False), (A_prev, hparameters)
    ### END SOLUTION


def pool_backward(dA, cache):
    """Backward pass of pooling.

    * max: each window's dA goes to the window's arg-max (a tie goes to the FIRST maximal element
      in row-major order, as torch on the CPU); the other cells of the window get nothing;
    * average: each window's dA / (f*f) goes to every cell of the window;
    * overlapping windows (s < f) ACCUMULATE (+=) into the cells they share.

    Arguments:
        dA -- (m, n_C, n_H, n_W) gradient with respect to the pooling output
        cache -- (A_prev, hparameters) from pool_forward

    Returns:
        dA_prev -- (m, n_C, n_H_prev, n_W_prev), dtype of A_prev
    """
    A_prev, hparameters = cache
    f, s, mode = hparameters["f"], hparameters["stride"], hparameters.get("mode", "max")
    ### BEGIN SOLUTION
    if mode not in POOL_MODES:
        raise ValueError(f"unknown pooling mode {mode!r}; expected 'max' or 'average'")
    m, C, n_H, n_W = dA.shape
    dA_prev = np.zeros_like(A_prev)
    if mode == "max":
        win = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(2, 3))[:, :, ::s, ::s]
        # arg-max over the flattened window: np.argmax returns the first maximum (row-major)
        first = win.reshape(m, C, n_H, n_W, f * f).argmax(axis=-1)
    for pp in range(f):
        for qq in range(f):
            rows = slice(pp, pp + s * (n_H - 1) + 1, s)
            cols = slice(qq, qq + s * (n_W - 1) + 1, s)
            if mode == "max":
                dA_prev[:, :, rows, cols] += dA * (first == pp * f + qq)
            else:
                dA_prev[:, :, rows, cols] += dA / (f * f)
    ### END SOLUTION
    # define dA_prev
    assert np.shape(dA_prev) == A_prev.shape, f"dA_prev must have A_prev's shape {A_prev.shape}, got {np.shape(dA_prev)}"
    return dA_prev


# ----------------------------------------------------------------------------------------
# 4. Flatten: the bridge to the fully connected layer (全连接层; notes 8.5)
# ----------------------------------------------------------------------------------------


def flatten_forward(A):
    """Flatten each image to one column: A_flat = A.reshape(m, -1).T.

    Arguments:
        A -- (m, n_C, n_H, n_W)

    Returns:
        A_flat -- (n_C * n_H * n_W, m); column i is image i in C-order (channel, row, column)
        shape -- A.shape, a tuple, for flatten_backward
    """
    ### BEGIN SOLUTION
    return A.reshape(A.shape[0], -1).T.copy(), tuple(A.shape)
    ### END SOLUTION


def flatten_backward(dA_flat, shape):
    """Undo flatten_forward on a gradient.

    Arguments:
        dA_flat -- (n_C * n_H * n_W, m)
        shape -- (m, n_C, n_H, n_W), the shape flatten_forward returned

    Returns:
        dA -- (m, n_C, n_H, n_W)
    """
    ### BEGIN SOLUTION
    return dA_flat.T.reshape(shape).copy()
    ### END SOLUTION


# ----------------------------------------------------------------------------------------
# 5. A small CNN: conv -> ReLU -> max-pool -> flatten -> softmax (卷积神经网络模型; notes 8.6)
# ----------------------------------------------------------------------------------------


def _softmax(Z):
    """Column-wise softmax of Z (C, m), shifted by the column max for stability (provided)."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


class SimpleConvNet:
    """conv(C -> n_filters, f x f, stride 1, pad (f-1)//2) -> ReLU -> max-pool 2/2 -> flatten
    -> dense softmax over n_classes.

    Parameters (``self.params``), drawn from ``rng`` in this order:
        W1 = rng.standard_normal((n_filters, C, f, f)) * sqrt(2 / (C*f*f)),   b1 = zeros (n_filters,)
        W2 = rng.standard_normal((n_classes, n_flat)) * sqrt(2 / n_flat),     b2 = zeros (n_classes, 1)
    where (C, H, W) = input_shape and n_flat = n_filters * (H // 2) * (W // 2).

    The cost is the mean cross-entropy -(1/m) sum Y * log(AL) (Y one-hot (n_classes, m)).
    """

    def __init__(self, n_filters=8, f=3, n_classes=10, rng=None, input_shape=(1, 8, 8)):
        ### BEGIN SOLUTION
        rng = np.random.default_rng(0) if rng is None else rng
        C, H, W = input_shape
        self.conv_hparameters = {"stride": 1, "pad": (f - 1) // 2}
        self.pool_hparameters = {"f": 2, "stride": 2, "mode": "max"}
        n_flat = n_filters * (H // 2) * (W // 2)
        self.params = {
            "W1": rng.standard_normal((n_filters, C, f, f)) * np.sqrt(2.0 / (C * f * f)),
            "b1": np.zeros(n_filters),
            "W2": rng.standard_normal((n_classes, n_flat)) * np.sqrt(2.0 / n_flat),
            "b2": np.zeros((n_classes, 1)),
        }
        ### END SOLUTION

    def forward(self, X):
        """X (m, C, H, W) -> (AL, caches): AL (n_classes, m) softmax probabilities (columns sum
        to 1); caches = (conv_cache, Z1, pool_cache, flat_shape, A_flat)."""
        P = self.params
        ### BEGIN SOLUTION
        Z1, conv_cache = conv_forward(X, P["W1"], P["b1"], self.conv_hparameters)
        A1 = np.maximum(Z1, 0)
        P1, pool_cache = pool_forward(A1, self.pool_hparameters)
        A_flat, shape = flatten_forward(P1)
        AL = _softmax(P["W2"] @ A_flat + P["b2"])
        return AL, (conv_cache, Z1, pool_cache, shape, A_flat)
        ### END SOLUTION

    def backward(self, AL, Y, caches):
        """Gradients of the mean cross-entropy: a dict with dW1 (n_filters, C, f, f), db1
        (n_filters,), dW2 (n_classes, n_flat), db2 (n_classes, 1). Y is one-hot (n_classes, m)."""
        conv_cache, Z1, pool_cache, shape, A_flat = caches
        m = Y.shape[1]
        ### BEGIN SOLUTION
        dZ2 = (AL - Y) / m
        dW2 = dZ2 @ A_flat.T
        db2 = dZ2.sum(axis=1, keepdims=True)
        dP1 = flatten_backward(self.params["W2"].T @ dZ2, shape)
        dA1 = pool_backward(dP1, pool_cache)
        dZ1 = dA1 * (Z1 > 0)
        _, dW1, db1 = conv_backward(dZ1, conv_cache)
        ### END SOLUTION
        # define dW1, db1, dW2, db2: each gradient has the shape of its parameter
        for name, grad in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
            assert np.shape(grad) == self.params[name].shape, f"d{name} must have {name}'s shape {self.params[name].shape}, got {np.shape(grad)}"
        return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}

    def predict(self, X):
        """X (m, C, H, W) -> (m,) int64 class indices."""
        ### BEGIN SOLUTION
        return np.argmax(self.forward(X)[0], axis=0).astype(np.int64)
        ### END SOLUTION

    def fit(self, X, y, epochs=8, batch_size=32, learning_rate=1e-2, rng=None):
        """Mini-batch Adam (update_parameters_with_adam from the provided A07 reference, default
        betas, t counting steps from 1 over the whole run).

        Each epoch: perm = rng.permutation(m); the batches are X[perm[k*bs:(k+1)*bs]] (the last
        may be partial). Returns a list with the mean mini-batch cost of each epoch (Python floats).

        Arguments:
            X -- (m, C, H, W) images; y -- (m,) int labels in 0..n_classes-1
        """
        rng = np.random.default_rng(0) if rng is None else rng
        m = X.shape[0]
        C = self.params["W2"].shape[0]
        ### BEGIN SOLUTION
        zeros = {"d" + k: np.zeros_like(v) for k, v in self.params.items()}
        v = {k: a.copy() for k, a in zeros.items()}
        s = {k: a.copy() for k, a in zeros.items()}
        t = 0
        costs = []
        for _ in range(epochs):
            perm = rng.permutation(m)
            total, n_batches = 0.0, 0
            for k in range(0, m, batch_size):
                idx = perm[k:k + batch_size]
                Yb = np.zeros((C, idx.size))
                Yb[y[idx], np.arange(idx.size)] = 1.0
                AL, caches = self.forward(X[idx])
                total += float(-np.sum(Yb * np.log(AL + 1e-12)) / idx.size)
                n_batches += 1
                grads = self.backward(AL, Yb, caches)
                t += 1
                self.params, v, s, _, _ = update_parameters_with_adam(self.params, grads, v, s, t, learning_rate)
            costs.append(total / n_batches)
        return costs
        ### END SOLUTION

# Example submission (a02/forgets_zero_grad): never zeroes the gradients (no grad.zero_() in the autograd loop, no optimizer.zero_grad() in train_model).
"""A02 -- PyTorch tensors (张量), autograd (自动求导), nn.Module and torch.optim.

Chapter «2 PyTorch» of the course notes:

* «可以把PyTorch看成是支持GPU运算的Numpy» -- a tensor (张量) is «PyTorch里基础的运算单位，即多维数组»;
* «PyTorch中的张量与NumPy数组可以互相转化，而且两者共享内存位置，如果一个发生改变，另一个也随之改变»;
* «新建的张量默认保存在CPU里»: nothing moves to the GPU unless you say so;
* «自动求导(autograd)模块可以为张量自动提供微分，tensor.requires_grad=True»;
* «torch.nn是专门为神经网络设计的模块化接口» and «torch.optim是一个实现了各种优化算法的库»;
* «最简单的是均方误差nn.MSELoss()»; «代价函数是所有样本损失函数的平均»;
* «通过model.eval()函数将模型由训练模式变为测试模式»; «.detach()用于停止对张量的梯度跟踪».

Layout (CONVENTIONS §1): torch code uses torch's native *rows-first* layout -- one ROW per
example:

    X      (m, n)   float64 (or float32: the dtype of the data is always kept)
    y      (m, 1)
    y_hat  (m, 1)   y_hat = X @ w.T + b
    w      (1, n)   == nn.Linear(n, 1).weight == W[1] of the numpy chapters
    b      (1,)     == nn.Linear(n, 1).bias

The bridge to the course's numpy layout (one COLUMN per example, X_cols (n, m), y_cols (1, m))
is a transpose: ``X = X_cols.T``; ``nn.Linear(n_{l-1}, n_l).weight`` is exactly ``W[l]``.

You may import ``torch`` and ``numpy``. Never move anything to a device implicitly: new
tensors are created on the device (and with the dtype) of the data they work with.
"""

import numpy as np
import torch
from torch import nn

# ----------------------------------------------------------------------------------------
# 1. Tensors (张量): devices and the numpy bridge (notes 2.2)
# ----------------------------------------------------------------------------------------


def get_device(prefer_cuda=True):
    """The device to compute on.

    Arguments:
        prefer_cuda -- bool; when True and ``torch.cuda.is_available()``, use the GPU

    Returns:
        torch.device("cuda") if prefer_cuda and CUDA is available, else torch.device("cpu")
    """
    if prefer_cuda and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def numpy_to_tensor(a):
    """A CPU tensor that SHARES MEMORY with the numpy array ``a`` (no copy).

    «两者共享内存位置，如果一个发生改变，另一个也随之改变»: writing ``a[0] = 5`` must change the
    tensor, and writing into the tensor must change ``a``.

    Arguments:
        a -- numpy array of any shape and numeric dtype

    Returns:
        t -- torch tensor, same shape and dtype as ``a``, on the CPU, sharing a's memory
    """
    return torch.from_numpy(a)


def tensor_to_numpy(t):
    """A numpy array with the values of the tensor ``t``.

    Works for every tensor: one that requires grad (``.detach()`` first -- a plain
    ``.numpy()`` raises) and one on the GPU (``.cpu()`` first). When ``t`` is a CPU tensor
    that does not require grad, the result shares memory with ``t``.

    Arguments:
        t -- torch tensor of any shape, on any device

    Returns:
        a -- numpy ndarray, same shape and dtype as ``t``
    """
    return t.detach().cpu().numpy()


# ----------------------------------------------------------------------------------------
# 2. Loss (损失函数) / cost (代价函数): mean squared error by hand (notes 2.3)
# ----------------------------------------------------------------------------------------


def mse_cost(y_hat, y):
    """Mean squared error J = mean((y_hat - y)^2), written with tensor operations.

    «代价函数是所有样本损失函数的平均». Do NOT use ``nn.MSELoss`` / ``F.mse_loss`` here:
    the result must equal ``nn.MSELoss()(y_hat, y)``.

    Arguments:
        y_hat -- predictions, tensor of shape (m, 1) (any shape, the same as y)
        y -- targets, tensor of the same shape, dtype and device

    Returns:
        J -- 0-d tensor (shape ()), y_hat's dtype and device; differentiable when y_hat
             requires grad
    """
    return ((y_hat - y) ** 2).mean()


def mse_grad_analytic(X, y, w, b):
    """The gradient of J(w, b) = mean((X w^T + b - y)^2), by hand (no autograd).

        y_hat = X @ w.T + b                      (m, 1)
        dJ/dw = (2/m) (y_hat - y)^T X            (1, n)
        dJ/db = (2/m) sum_i (y_hat - y)_i        (1,)

    Arguments:
        X -- (m, n) tensor
        y -- (m, 1) tensor
        w -- (1, n) tensor
        b -- (1,) tensor

    Returns:
        (dw, db) -- dw of shape (1, n), db of shape (1,); X's dtype and device
    """
    m = X.shape[0]
    r = X @ w.T + b - y
    dw = (2.0 / m) * (r.T @ X)
    db = (2.0 / m) * r.sum(dim=0)
    # define dw and db; the checks catch a transposed dw and a db summed into a 0-d tensor
    assert tuple(dw.shape) == tuple(w.shape), f"dw must have w's shape {tuple(w.shape)}, got {tuple(dw.shape)}"
    assert tuple(db.shape) == tuple(b.shape), f"db must have b's shape {tuple(b.shape)}, got {tuple(db.shape)}"
    return dw, db


# ----------------------------------------------------------------------------------------
# 3. 线性回归 with autograd (自动求导) and hand-written gradient descent (梯度下降; notes 2.4)
# ----------------------------------------------------------------------------------------


def linear_regression_autograd(X, y, lr=0.1, epochs=100):
    """Linear regression by full-batch gradient descent, gradients from autograd.

    «沿着负梯度方向移动会不断逼近最小值». Start from
        w = zeros (1, n), b = zeros (1,)    with requires_grad=True, X's dtype and device
    and for each epoch e = 0, ..., epochs-1:
        loss = mse_cost(X @ w.T + b, y);  losses[e] = loss.item()   (before update e)
        loss.backward()
        under torch.no_grad():  w -= lr * w.grad;  b -= lr * b.grad
        w.grad.zero_(); b.grad.zero_()       (gradients accumulate otherwise)

    Arguments:
        X -- (m, n) tensor
        y -- (m, 1) tensor
        lr -- learning rate (学习率), default 0.1
        epochs -- number of updates, default 100

    Returns:
        w -- (1, n) tensor, detached (requires_grad False, grad_fn None), X's dtype/device
        b -- (1,) tensor, detached
        losses -- list of ``epochs`` Python floats
    """
    n = X.shape[1]
    losses = []
    w = torch.zeros((1, n), dtype=X.dtype, device=X.device, requires_grad=True)
    b = torch.zeros((1,), dtype=X.dtype, device=X.device, requires_grad=True)
    for _ in range(epochs):
        loss = mse_cost(X @ w.T + b, y)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
    return w.detach(), b.detach(), losses


# ----------------------------------------------------------------------------------------
# 4. torch.nn and torch.optim (notes 2.3)
# ----------------------------------------------------------------------------------------


class LinearRegression(nn.Module):
    """y_hat = X w^T + b as an ``nn.Module`` with one ``nn.Linear(n_features, 1)``.

    Attributes:
        linear -- nn.Linear(n_features, 1): weight (1, n_features) == w, bias (1,) == b
    """

    def __init__(self, n_features):
        """Arguments: n_features -- int, the number n of input features."""
        super().__init__()
        self.linear = nn.Linear(n_features, 1)

    def forward(self, X):
        """Arguments: X -- (m, n_features). Returns: y_hat -- (m, 1)."""
        return self.linear(X)


def train_model(model, X, y, *, lr=0.1, epochs=100, optimizer="sgd", batch_size=None, generator=None):
    """Train ``model`` on (X, y) with ``nn.MSELoss()`` and a ``torch.optim`` optimizer.

    Steps:
        1. ``model.train()`` first (a model that went through ``predict`` is in eval mode);
        2. raise ``ValueError`` if the model's parameters are not on X's device (or y is not);
        3. loss_fn = nn.MSELoss(); optimizer "sgd" -> torch.optim.SGD(model.parameters(), lr=lr),
           "adam" -> torch.optim.Adam(model.parameters(), lr=lr) (any other name: ValueError);
        4. for each epoch:
             batch_size None: one batch, the whole (X, y) in order (批量梯度下降, BGD);
             otherwise: perm = torch.randperm(m, generator=generator) (on the CPU), and the
                 batches are X[perm[k:k+batch_size]] for k = 0, batch_size, 2*batch_size, ...
                 (the last one may be smaller; batch_size=1 is 随机梯度下降, SGD);
             for each batch: zero_grad, loss = loss_fn(model(Xb), yb), backward, step.
           The epoch's loss is the mean squared error over the m examples seen in the epoch,
           i.e. sum_batches(loss.item() * len(batch)) / m (for one full batch: loss.item(),
           the loss *before* that epoch's update).

    Arguments:
        model -- an nn.Module mapping (m, n) to (m, 1), already on the data's device and dtype
        X -- (m, n) tensor
        y -- (m, 1) tensor
        lr -- learning rate, default 0.1
        epochs -- default 100
        optimizer -- "sgd" (default) or "adam"
        batch_size -- None (full batch, default) or an int >= 1 (may exceed m)
        generator -- torch.Generator or None, passed to torch.randperm

    Returns:
        losses -- list of ``epochs`` Python floats

    Raises:
        ValueError -- model and data on different devices; unknown optimizer name
    """
    m = X.shape[0]
    losses = []
    model.train()
    for p in model.parameters():
        if p.device != X.device or y.device != X.device:
            raise ValueError(
                f"model parameter on {p.device}, X on {X.device}, y on {y.device}: move them to one device"
            )
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    elif optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        raise ValueError(f"unknown optimizer {optimizer!r}; expected 'sgd' or 'adam'")
    loss_fn = nn.MSELoss()
    for _ in range(epochs):
        if batch_size is None:
            batches = [(X, y)]
        else:
            perm = torch.randperm(m, generator=generator).to(X.device)
            batches = [(X[perm[k:k + batch_size]], y[perm[k:k + batch_size]]) for k in range(0, m, batch_size)]
        total = 0.0
        for Xb, yb in batches:
            loss = loss_fn(model(Xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * Xb.shape[0]
        losses.append(total / m)
    return losses


def predict(model, X):
    """Inference (测试模式): predictions as a numpy array.

    «通过model.eval()函数将模型由训练模式变为测试模式»: call ``model.eval()`` (and leave the model
    in eval mode), run the forward pass under ``torch.no_grad()`` (no graph is built), and
    return ``.detach().cpu().numpy()``.

    Arguments:
        model -- an nn.Module on X's device
        X -- (m, n) tensor

    Returns:
        y_hat -- numpy ndarray (m, 1), X's dtype
    """
    model.eval()
    with torch.no_grad():
        out = model(X)
    return out.detach().cpu().numpy()


class RegressionMLP(nn.Module):
    """A small regression network: Linear -> ReLU -> Dropout -> Linear.

    Attributes:
        net -- nn.Sequential(nn.Linear(n_features, n_hidden), nn.ReLU(), nn.Dropout(p_drop),
               nn.Linear(n_hidden, 1)); state_dict keys "net.0.weight" (n_hidden, n_features),
               "net.0.bias" (n_hidden,), "net.3.weight" (1, n_hidden), "net.3.bias" (1,)

    Dropout is active only in training mode (``model.train()``); ``model.eval()`` turns it off.
    """

    def __init__(self, n_features, n_hidden, p_drop=0.5):
        """Arguments: n_features, n_hidden -- ints; p_drop -- dropout probability, default 0.5."""
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, n_hidden),
            nn.ReLU(),
            nn.Dropout(p_drop),
            nn.Linear(n_hidden, 1),
        )

    def forward(self, X):
        """Arguments: X -- (m, n_features). Returns: y_hat -- (m, 1)."""
        return self.net(X)


def fit_line_on_device(X_cols, y_cols, device, lr=0.1, epochs=200, seed=0):
    """Fit a line on ``device`` from course-layout numpy data (the convention bridge).

    Steps:
        X = X_cols.T, y = y_cols.T as tensors (m, n) and (m, 1), moved to ``device``;
        torch.manual_seed(seed); model = LinearRegression(n) -- built on the CPU (CUDA and CPU
            random streams differ, so nothing random is drawn on the device) -- then moved to
            ``device`` with X's dtype;
        losses = train_model(model, X, y, lr=lr, epochs=epochs, optimizer="sgd")  (full batch).

    Arguments:
        X_cols -- numpy (n, m), one column per example
        y_cols -- numpy (1, m)
        device -- "cpu", "cuda" or a torch.device
        lr -- default 0.1
        epochs -- default 200
        seed -- default 0

    Returns:
        dict with
            "w" -- numpy (1, n), the trained weight
            "b" -- numpy (1,), the trained bias
            "losses" -- list of ``epochs`` Python floats
    """
    device = torch.device(device)
    X = torch.from_numpy(np.ascontiguousarray(X_cols.T)).to(device)
    y = torch.from_numpy(np.ascontiguousarray(y_cols.T)).to(device)
    torch.manual_seed(seed)
    model = LinearRegression(X.shape[1])
    model = model.to(device=device, dtype=X.dtype)
    losses = train_model(model, X, y, lr=lr, epochs=epochs, optimizer="sgd")
    return {
        "w": tensor_to_numpy(model.linear.weight),
        "b": tensor_to_numpy(model.linear.bias),
        "losses": losses,
    }

"""A08 (part B, torch) -- convolution as unfold + matmul, LeNet-5 and a small AlexNet (8.7 典型的卷积神经网络模型).

* LeNet-5: «卷积层→池化层→卷积层→池化层→全连接层→全连接层→输出层».
* AlexNet: «由5个卷积层和3个全连接层组成»:
  «卷积层→池化层→卷积层→池化层→卷积层→卷积层→卷积层→池化层→全连接层→全连接层→输出层».

Layout (CONVENTIONS): images are NCHW (m, C, H, W) as in part A; a conv weight is
(F, C, kh, kw) and its bias (F,). ``nn.Linear(n_in, n_out).weight`` is W[l] of the numpy
chapters. Device-agnostic code: never create a tensor on a fixed device inside ``forward`` (use
``x.new_zeros``, ``torch.zeros(..., device=x.device, dtype=x.dtype)`` or ``*_like``).
Randomness: build models on the CPU under ``torch.manual_seed`` and then ``.to(device)``;
shuffling uses a CPU ``torch.Generator``.
"""

import torch
import torch.nn.functional as F
from torch import nn


def conv2d_unfold(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution (cross-correlation, as ``F.conv2d``) written as ``F.unfold`` + a matmul.

        cols = F.unfold(x, (kh, kw), padding=padding, stride=stride)   # (m, C*kh*kw, L)
        out  = weight.view(F, -1) @ cols + bias                         # (m, F, L)
        out  -> (m, F, H', W'),  H' = (H + 2p - kh) // s + 1,  W' likewise

    May not use ``F.conv2d`` / ``nn.Conv2d`` (or torch.conv2d / convolution). Differentiable
    (autograd flows to x, weight and bias) and device-agnostic (everything stays on x's device).

    Arguments:
        x -- (m, C, H, W) tensor
        weight -- (F, C, kh, kw) tensor
        bias -- (F,) tensor or None (no bias)
        stride, padding -- ints

    Returns:
        (m, F, H', W') tensor, dtype and device of x
    """
    m, _, H, W = x.shape
    n_f, _, kh, kw = weight.shape
    H_out = (H + 2 * padding - kh) // stride + 1
    W_out = (W + 2 * padding - kw) // stride + 1
    ### BEGIN SOLUTION
    cols = F.unfold(x, (kh, kw), padding=padding, stride=stride)        # (m, C*kh*kw, L)
    out = weight.reshape(n_f, -1) @ cols                                 # (m, F, L)
    if bias is not None:
        out = out + bias.reshape(1, n_f, 1)
    return out.reshape(m, n_f, H_out, W_out)
    ### END SOLUTION


class LeNet5(nn.Module):
    """LeNet-5 for 32x32 inputs:

        c1 = Conv2d(in_channels, 6, 5)  -> ReLU -> max-pool 2/2     32 -> 28 -> 14
        c2 = Conv2d(6, 16, 5)           -> ReLU -> max-pool 2/2     14 -> 10 -> 5
        flatten (16*5*5 = 400)
        f1 = Linear(400, 120) -> ReLU
        f2 = Linear(120, 84)  -> ReLU
        f3 = Linear(84, num_classes)    (logits, no softmax: F.cross_entropy applies it)

    LeNet5() has 61,706 parameters; LeNet5(3) has 62,006. forward: (m, in_channels, 32, 32) ->
    (m, num_classes) logits.
    """

    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        ### BEGIN SOLUTION
        self.c1 = nn.Conv2d(in_channels, 6, 5)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(16 * 5 * 5, 120)
        self.f2 = nn.Linear(120, 84)
        self.f3 = nn.Linear(84, num_classes)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.f1(x))
        x = F.relu(self.f2(x))
        return self.f3(x)
        ### END SOLUTION


class AlexNetMini(nn.Module):
    """A small AlexNet for (m, in_channels, 64, 64) inputs, in the notes' order:

        Conv -> Pool -> Conv -> Pool -> Conv -> Conv -> Conv -> Pool -> FC -> FC -> FC(output)

    exactly 5 ``nn.Conv2d`` and 3 ``nn.Linear`` modules, ReLU after every conv and after the first
    two FC layers; channel widths and kernel sizes are free. forward -> (m, num_classes) logits.
    """

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv1 = nn.Conv2d(in_channels, 16, 5, stride=2, padding=2)   # 64 -> 32
        self.pool1 = nn.MaxPool2d(2)                                       # 32 -> 16
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)                       # 16
        self.pool2 = nn.MaxPool2d(2)                                       # 16 -> 8
        self.conv3 = nn.Conv2d(32, 48, 3, padding=1)
        self.conv4 = nn.Conv2d(48, 48, 3, padding=1)
        self.conv5 = nn.Conv2d(48, 32, 3, padding=1)
        self.pool3 = nn.MaxPool2d(2)                                       # 8 -> 4
        self.fc1 = nn.Linear(32 * 4 * 4, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, num_classes)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x)))
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = self.pool3(F.relu(self.conv5(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
        ### END SOLUTION


def train_classifier(model, X, y, *, epochs, batch_size, lr, device, generator=None):
    """Train ``model`` with ``torch.optim.Adam(model.parameters(), lr=lr)`` on ``F.cross_entropy``.

    The model is moved to ``device`` and put in train mode. Each epoch:
    ``perm = torch.randperm(m, generator=generator)`` (on the CPU); batch k is
    ``X[perm[k*bs:(k+1)*bs]]`` (the last may be partial), moved to ``device`` (and to the model's
    dtype); zero_grad -> loss -> backward -> step.

    Arguments:
        model -- an nn.Module producing (batch, classes) logits
        X -- (m, C, H, W) CPU tensor; y -- (m,) int64 CPU tensor
        epochs, batch_size -- ints; lr -- float; device -- "cpu", "cuda", torch.device
        generator -- a CPU torch.Generator for the shuffles (None: torch's global one)

    Returns:
        a list of Python floats: the loss of every mini-batch, in order
    """
    ### BEGIN SOLUTION
    model.to(device)
    model.train()
    dtype = next(model.parameters()).dtype
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    m = X.shape[0]
    losses = []
    for _ in range(epochs):
        perm = torch.randperm(m, generator=generator)
        for k in range(0, m, batch_size):
            idx = perm[k:k + batch_size]
            xb = X[idx].to(device=device, dtype=dtype)
            yb = y[idx].to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses
    ### END SOLUTION


def evaluate(model, X, y, device):
    """Accuracy of ``model`` on (X, y) as a Python float in [0, 1]: ``model.eval()`` (dropout off,
    batch-norm statistics frozen), ``torch.no_grad()``, inputs moved to ``device`` and to the
    model's dtype; prediction = argmax of the logits.

    Arguments:
        model -- an nn.Module already on ``device``
        X -- (m, C, H, W) tensor; y -- (m,) int64 tensor
    """
    ### BEGIN SOLUTION
    model.eval()
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        pred = model(X.to(device=device, dtype=dtype)).argmax(dim=1)
    return float((pred.cpu() == y.cpu()).double().mean().item())
    ### END SOLUTION

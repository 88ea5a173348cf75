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
    # YOUR CODE HERE
    raise NotImplementedError("conv2d_unfold: not implemented yet (the reference needs ≈ 5 lines)")


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
        # YOUR CODE HERE
        raise NotImplementedError("__init__: not implemented yet (the reference needs ≈ 5 lines)")

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError("forward: not implemented yet (the reference needs ≈ 6 lines)")


class AlexNetMini(nn.Module):
    """A small AlexNet for (m, in_channels, 64, 64) inputs, in the notes' order:

        Conv -> Pool -> Conv -> Pool -> Conv -> Conv -> Conv -> Pool -> FC -> FC -> FC(output)

    exactly 5 ``nn.Conv2d`` and 3 ``nn.Linear`` modules, ReLU after every conv and after the first
    two FC layers; channel widths and kernel sizes are free. forward -> (m, num_classes) logits.
    """

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError("__init__: not implemented yet (the reference needs ≈ 11 lines)")

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError("forward: not implemented yet (the reference needs ≈ 9 lines)")


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
    # YOUR CODE HERE
    raise NotImplementedError("train_classifier: not implemented yet (the reference needs ≈ 18 lines)")


def evaluate(model, X, y, device):
    """Accuracy of ``model`` on (X, y) as a Python float in [0, 1]: ``model.eval()`` (dropout off,
    batch-norm statistics frozen), ``torch.no_grad()``, inputs moved to ``device`` and to the
    model's dtype; prediction = argmax of the logits.

    Arguments:
        model -- an nn.Module already on ``device``
        X -- (m, C, H, W) tensor; y -- (m,) int64 tensor
    """
    # YOUR CODE HERE
    raise NotImplementedError("evaluate: not implemented yet (the reference needs ≈ 5 lines)")

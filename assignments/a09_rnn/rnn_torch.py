"""A09 (part B, torch) -- an LSTM cell written with torch, and a sequence regressor on the adding problem.

Chapter «9.6 LSTM»: «LSTM是循环神经网络模型的一个优秀的变种…解决了神经网络反向传播过程中容易发生的梯度消失
问题». Here the LSTM of part A is written a second time, as an ``nn.Module`` in torch's own
conventions, so that it trains with autograd on a GPU; then it solves a regression task
(«如果是回归问题，则一般使用均方误差»).

Layout: torch's batch-first layout (CONVENTIONS §1): x<t> is (m, I), a sequence (m, T, I).
Torch names the hidden state h (part A's a) and stacks the four gates in the order
**i, f, g, o** (input, forget, candidate c̃, output) along the first axis of its weights:

    gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh        (m, 4H)
    i, f, g, o = the four column blocks of H
    c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h' = sigmoid(o) * tanh(c')

Bridge from part A (n_a = H): part A's Wi has shape (n_a, n_a + n_x) and multiplies [a; x], so
its first n_a columns act on h and the rest on x.

Rules: ``TorchLSTMCell`` and ``SequenceRegressor`` may not use ``nn.LSTM``, ``nn.LSTMCell``,
``torch.lstm_cell`` or ``torch._VF``; create every tensor on the device of the input or of the
parameters (``x.new_zeros``), never with a bare ``torch.zeros(...)``. You may import ``torch``,
``numpy``, ``math`` and ``grader.data``.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from grader import data


class TorchLSTMCell(nn.Module):
    """One LSTM step, like ``nn.LSTMCell`` (same parameters, same gate order i, f, g, o).

    Parameters (``nn.Parameter``, created in THIS order, then initialised by ``reset_parameters``):
        weight_ih -- (4H, I)
        weight_hh -- (4H, H)
        bias_ih -- (4H,)
        bias_hh -- (4H,)
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        # YOUR CODE HERE
        raise NotImplementedError("__init__: not implemented yet (the reference needs ≈ 6 lines)")

    def reset_parameters(self):
        """nn.LSTMCell's initialisation (provided): every parameter, in order, ~ U(-1/sqrt(H), 1/sqrt(H))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            nn.init.uniform_(weight, -stdv, stdv)

    def forward(self, x, state=None):
        """
        Arguments:
            x -- input, shape (m, I)
            state -- (h, c), each (m, H); None means zeros (on x's device, with x's dtype)

        Returns:
            (h_next, c_next) -- each (m, H)
        """
        # YOUR CODE HERE
        raise NotImplementedError("forward: not implemented yet (the reference needs ≈ 10 lines)")


def lstm_params_numpy_to_torch(parameters, n_x):
    """Part A's LSTM parameters as a state_dict for ``nn.LSTMCell(n_x, n_a)`` (or ``TorchLSTMCell``).

        weight_ih = vstack([Wi, Wf, Wc, Wo])[:, n_a:]      (4 n_a, n_x)   torch's order i, f, g, o
        weight_hh = vstack([Wi, Wf, Wc, Wo])[:, :n_a]      (4 n_a, n_a)
        bias_ih   = concatenate([bi, bf, bc, bo]).ravel()  (4 n_a,)
        bias_hh   = zeros (4 n_a,)                         (part A has one bias per gate)

    Arguments:
        parameters -- part A's dict "Wf", "Wi", "Wc", "Wo" (n_a, n_a + n_x), "bf", "bi", "bc", "bo" (n_a, 1)
        n_x -- the input size

    Returns:
        state_dict -- dict "weight_ih", "weight_hh", "bias_ih", "bias_hh" of CPU torch tensors with the
                      numpy arrays' dtype

    Raises:
        ValueError -- the weights do not have n_a + n_x columns
    """
    # YOUR CODE HERE
    raise NotImplementedError("lstm_params_numpy_to_torch: not implemented yet (the reference needs ≈ 7 lines)")


class SequenceRegressor(nn.Module):
    """A TorchLSTMCell unrolled over the sequence, then a linear head on the last hidden state.

    Sub-modules (created in this order): ``self.cell = TorchLSTMCell(input_size, hidden_size)``,
    ``self.head = nn.Linear(hidden_size, 1)``.
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError("__init__: not implemented yet (the reference needs ≈ 2 lines)")

    def forward(self, x):
        """
        Arguments:
            x -- (m, T, I)

        Returns:
            y -- (m, 1): head(h<T>), from h<0> = c<0> = zeros made with ``x.new_zeros``
        """
        m, T, _ = x.shape
        # YOUR CODE HERE
        raise NotImplementedError("forward: not implemented yet (the reference needs ≈ 5 lines)")


def train_adding(model, *, steps=400, batch_size=64, T=10, lr=1e-2, device="cpu", generator=None):
    """Train a sequence regressor on the adding problem with Adam and the mean squared error.

        model.to(device); opt = torch.optim.Adam(model.parameters(), lr=lr)
        for each of the `steps` steps:
            x, y = grader.data.adding_problem(batch_size, T, generator)    (on the CPU, float64)
            move x, y to `device` with the dtype of the model's parameters
            zero the gradients; loss = F.mse_loss(model(x), y); backward; opt.step()
            losses.append(loss.item())      (the loss BEFORE the update)

    Arguments:
        model -- an nn.Module mapping (m, T, 2) to (m, 1)
        steps, batch_size, T, lr -- keyword-only; defaults 400, 64, 10, 1e-2
        device -- "cpu", "cuda", ... (default "cpu")
        generator -- torch.Generator for the batches (None: torch's default generator)

    Returns:
        losses -- list of `steps` Python floats
    """
    # YOUR CODE HERE
    raise NotImplementedError("train_adding: not implemented yet (the reference needs ≈ 13 lines)")

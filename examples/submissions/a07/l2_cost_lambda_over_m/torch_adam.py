# Example submission (a07/l2_cost_lambda_over_m): this file is correct.
"""A07 (part B, torch) -- Adam as a real ``torch.optim.Optimizer``.

Chapter «2 PyTorch»: «torch.optim是一个实现了各种优化算法的库»; chapter «7 优化神经网络»:
«Adam实际上是把动量梯度下降和RMSprop结合起来的一种算法». Here you write the optimizer that
``torch.optim.Adam`` is, with the same maths as ``update_parameters_with_adam`` of part A:

    g     = p.grad + weight_decay * p            (coupled L2 -- the torch spelling of lambda/m)
    t    += 1                                    (per parameter, counts from 1)
    m     = beta1 * m + (1 - beta1) * g          state["exp_avg"]     (shape of p)
    v     = beta2 * v + (1 - beta2) * g * g      state["exp_avg_sq"]  (shape of p)
    m_hat = m / (1 - beta1 ** t);  v_hat = v / (1 - beta2 ** t)
    p    -= lr * m_hat / (sqrt(v_hat) + eps)

Rules:
* the state of a parameter (``self.state[p]``: "step", "exp_avg", "exp_avg_sq") is created
  lazily, at its first step, ON THE PARAMETER'S DEVICE and with its dtype (``torch.zeros_like``);
* parameters whose ``.grad`` is None are skipped (no state, no change);
* every param group uses its own hyper-parameters (``group["lr"]``, ``group["betas"]``, ...);
* ``step`` runs under ``torch.no_grad()``; with a closure, it re-evaluates the loss with grad
  enabled and returns it;
* do not call ``torch.optim.Adam``/``AdamW`` or anything in ``torch.optim._functional``.

Layout: torch's rows-first layout (CONVENTIONS §1); ``nn.Linear(n_{l-1}, n_l).weight`` is W[l].
You may import ``torch`` (and ``math``).
"""


import torch


class TorchAdam(torch.optim.Optimizer):
    """Adam (Kingma & Ba) with coupled weight decay.

    Arguments:
        params -- an iterable of tensors (e.g. ``model.parameters()``) or of param-group dicts
        lr -- learning rate alpha, default 1e-3
        betas -- (beta1, beta2), default (0.9, 0.999)
        eps -- default 1e-8 (added OUTSIDE the square root)
        weight_decay -- default 0.0; adds weight_decay * p to the gradient

    State per parameter p (after its first step):
        state["step"] -- int, the number of steps taken for p
        state["exp_avg"] -- tensor like p (same shape, dtype, device)
        state["exp_avg_sq"] -- tensor like p
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if lr < 0.0:
            raise ValueError(f"invalid learning rate: {lr}")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"invalid betas: {betas}")
        if eps < 0.0:
            raise ValueError(f"invalid eps: {eps}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One Adam update of every parameter that has a gradient.

        Arguments:
            closure -- optional callable that re-evaluates the model and returns the loss

        Returns:
            the closure's loss, or None
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr = group["lr"]
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                # the update of one parameter p (its state is self.state[p])
                grad = p.grad
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["step"] += 1
                t = state["step"]
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                m_hat = exp_avg / (1 - beta1 ** t)
                v_hat = exp_avg_sq / (1 - beta2 ** t)
                p.sub_(lr * m_hat / (v_hat.sqrt() + eps))
        return loss

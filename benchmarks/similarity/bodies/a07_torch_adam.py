def step(self, closure=None):
    for group in self.param_groups:
        b1, b2 = group["betas"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad
            if group["weight_decay"]:
                g = g.add(p, alpha=group["weight_decay"])
            st = self.state[p]
            if not st:
                st["step"] = 0
                st["exp_avg"] = torch.zeros_like(p)
                st["exp_avg_sq"] = torch.zeros_like(p)
            st["step"] += 1
            k = st["step"]
            st["exp_avg"].mul_(b1).add_(g, alpha=1 - b1)
            st["exp_avg_sq"].mul_(b2).addcmul_(g, g, value=1 - b2)
            first = st["exp_avg"] / (1 - b1 ** k)
            second = st["exp_avg_sq"] / (1 - b2 ** k)
            p.sub_(group["lr"] * first / (second.sqrt() + group["eps"]))

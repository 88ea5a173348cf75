"""Hidden tests of A07 part B (torch): ``TorchAdam``, a real ``torch.optim.Optimizer``.

Points (CURRICULUM A07): TorchAdam 12 · device/GPU 8 = 20 (test_regularize_optimize.py has the other 80).

The optimizer and the little networks it trains live in the student's process (built by probes);
the oracle, ``torch.optim.Adam``, runs here on the CPU in float64.
"""
import ast

import numpy as np
import pytest
import torch

from grader.checks import assert_close

pytestmark = [pytest.mark.module("torch_adam"), pytest.mark.exercises("TorchAdam")]

BANNED = {"Adam", "AdamW", "_functional", "adam", "adamw", "_single_tensor_adam", "_multi_tensor_adam",
          "_fused_adam"}


# ============================================================================ probes (run in the child)

def probe_train_mlp(module, seed, device, X, y, steps, kwargs):
    """Trains a 2-layer float64 MLP (built on the CPU under seed, then moved) with TorchAdam."""
    import torch
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    net = net.double().to(device)
    X, y = X.to(device), y.to(device)
    opt = module.TorchAdam(net.parameters(), **kwargs)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(X) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    names = [n for n, _ in net.named_parameters()]
    state = {}
    for name, p in zip(names, net.parameters()):
        st = opt.state[p] if p in opt.state else {}
        state[name] = {k: (str(v.device) if torch.is_tensor(v) else type(v).__name__) for k, v in st.items()}
    return {"params": {n: p.detach().clone() for n, p in zip(names, net.parameters())},
            "param_devices": {n: str(p.device) for n, p in zip(names, net.parameters())},
            "state_devices": state, "losses": losses}


def probe_steps(module, values, grads_seq, kwargs, groups):
    """Creates leaf tensors from `values`, sets their .grad from `grads_seq` (None = no grad) and
    calls step() once per entry. groups: None (one list of params) or a list of (indices, options)."""
    import torch
    ps = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    if groups is None:
        opt = module.TorchAdam(ps, **kwargs)
    else:
        opt = module.TorchAdam([dict(params=[ps[i] for i in idx], **opt_kw) for idx, opt_kw in groups], **kwargs)
    state_before = [len(opt.state[p]) if p in opt.state else 0 for p in ps]
    for grads in grads_seq:
        for p, g in zip(ps, grads):
            p.grad = None if g is None else torch.tensor(g, dtype=torch.float64)
        opt.step()
    states = []
    for p in ps:
        st = opt.state[p] if p in opt.state else {}
        entry = {}
        for k, v in st.items():
            entry[k] = v.detach().clone() if torch.is_tensor(v) else (v if isinstance(v, (int, float)) else repr(v))
        states.append(entry)
    return {"params": [p.detach().clone() for p in ps], "state_before": state_before, "states": states}


def probe_grad_after_step(module, value, grad, kwargs):
    """One step on a parameter whose .grad is set: returns the parameter and the .grad after it."""
    import torch
    p = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor(grad, dtype=torch.float64)
    opt = module.TorchAdam([p], **kwargs)
    opt.step()
    return {"p": p.detach().clone(), "grad": None if p.grad is None else p.grad.detach().clone()}


def probe_closure(module, value, target):
    import torch
    p = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    target = torch.tensor(target, dtype=torch.float64)
    opt = module.TorchAdam([p], lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        loss = ((p - target) ** 2).sum()
        loss.backward()
        calls.append(1)
        return loss

    loss = opt.step(closure)
    return {"loss": None if loss is None else float(loss), "calls": len(calls), "p": p.detach().clone()}


def probe_class_info(module):
    import inspect
    cls = module.TorchAdam
    return {"mro": [c.__module__ + "." + c.__qualname__ for c in cls.__mro__],
            "source": inspect.getsource(module)}


def probe_defaults(module):
    import torch
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = module.TorchAdam([p])
    g = opt.param_groups[0]
    return {k: (tuple(float(x) for x in g[k]) if k == "betas" else float(g[k]))
            for k in ("lr", "betas", "eps", "weight_decay") if k in g}


def probe_meta_step(module):
    """Meta parameters with meta gradients: any state tensor created on the CPU breaks the maths,
    and the state's devices are reported."""
    import torch
    net = torch.nn.Linear(4, 3).to("meta")
    for p in net.parameters():
        p.grad = torch.ones_like(p)
    opt = module.TorchAdam(net.parameters(), lr=0.01, weight_decay=0.01)
    opt.step()
    opt.step()
    out = {}
    for name, p in net.named_parameters():
        st = opt.state[p] if p in opt.state else {}
        out[name] = {k: str(v.device) for k, v in st.items() if torch.is_tensor(v) and k != "step"}
        out[name]["<param>"] = str(p.device)
    return out


# ============================================================================ helpers

def _data(rng, m=24, n=3):
    X = torch.from_numpy(rng.standard_normal((m, n)))
    y = torch.from_numpy(rng.standard_normal((m, 1)))
    return X, y


def _oracle_mlp(seed, X, y, steps, kwargs):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    opt = torch.optim.Adam(net.parameters(), **kwargs)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(X) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return {n: p.detach().clone() for n, p in net.named_parameters()}, losses


def _oracle_steps(values, grads_seq, kwargs, groups=None):
    ps = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    if groups is None:
        opt = torch.optim.Adam(ps, **kwargs)
    else:
        opt = torch.optim.Adam([dict(params=[ps[i] for i in idx], **kw) for idx, kw in groups], **kwargs)
    for grads in grads_seq:
        for p, g in zip(ps, grads):
            p.grad = None if g is None else torch.tensor(g, dtype=torch.float64)
        opt.step()
    return [p.detach().clone() for p in ps]


def _check_state_devices(res, want, where):
    for name, st in res["state_devices"].items():
        pdev = res["param_devices"][name]
        assert st, f"{where}: parameter {name!r} (on {pdev}) has no optimizer state after step()"
        for k, dev in st.items():
            if k == "step" or dev in ("int", "float"):   # torch itself keeps "step" on the CPU
                continue
            assert dev.split(":")[0] == want, (
                f"{where}: state[{k!r}] of parameter {name!r} is on {dev} while the parameter is on {pdev}; "
                f"create the state with torch.zeros_like(p)")


# ============================================================================ TorchAdam (12)

def _one_run_matches_oracle(student, rng, what):
    values = [rng.standard_normal((2, 3))]
    grads_seq = [[rng.standard_normal((2, 3))] for _ in range(2)]
    res = student.probe(probe_steps, values, grads_seq, dict(lr=0.01), None)
    assert_close(res["params"][0], _oracle_steps(values, grads_seq, dict(lr=0.01))[0],
                 name=f"{what}: parameter after 2 steps (vs torch.optim.Adam)", rtol=1e-12, atol=1e-15)


@pytest.mark.points(1)
def test_is_an_optimizer(student, rng):
    _one_run_matches_oracle(student, rng, "TorchAdam")
    info = student.probe(probe_class_info)
    assert "torch.optim.optimizer.Optimizer" in info["mro"], (
        "TorchAdam must subclass torch.optim.Optimizer (so that zero_grad, state_dict, param_groups work)")
    assert not any(c.startswith("torch.optim.adam") for c in info["mro"]), (
        "TorchAdam may not subclass torch.optim.Adam/AdamW: write the update yourself")


@pytest.mark.points(1)
def test_no_builtin_adam(student, rng):
    _one_run_matches_oracle(student, rng, "TorchAdam")
    source = student.probe(probe_class_info)["source"]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in BANNED:
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in BANNED:
            found.add(node.attr)
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] in BANNED:
            found.add(node.name)
    assert not found, f"torch_adam.py may not use torch.optim.Adam/AdamW or torch.optim._functional; found {sorted(found)}"


@pytest.mark.points(1)
def test_single_step_math(student, rng):
    value = rng.standard_normal((3, 4))
    g = rng.standard_normal((3, 4))
    lr, b1, b2, eps = 0.05, 0.8, 0.99, 1e-3
    res = student.probe(probe_steps, [value], [[g]], dict(lr=lr, betas=(b1, b2), eps=eps), None)
    m = (1 - b1) * g
    v = (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1), v / (1 - b2)
    expected = value - lr * m_hat / (np.sqrt(v_hat) + eps)
    assert_close(res["params"][0], torch.from_numpy(expected),
                 name="parameter after one step (lr=0.05, betas=(0.8, 0.99), eps=1e-3 outside the sqrt)", rtol=1e-12)
    st = res["states"][0]
    assert_close(st.get("exp_avg"), torch.from_numpy(m), name="state['exp_avg'] after one step", rtol=1e-12)
    assert_close(st.get("exp_avg_sq"), torch.from_numpy(v), name="state['exp_avg_sq'] after one step", rtol=1e-12)


@pytest.mark.points(1)
def test_defaults(student, rng):
    d = student.probe(probe_defaults)
    expected = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}
    for k, v in expected.items():
        assert k in d, f"param_groups[0] has no {k!r}: pass it in the defaults dict to Optimizer.__init__"
        assert d[k] == v, f"default {k} is {d[k]}, expected {v}"
    values = [rng.standard_normal((2, 3))]
    grads_seq = [[rng.standard_normal((2, 3))] for _ in range(3)]
    res = student.probe(probe_steps, values, grads_seq, {}, None)
    assert_close(res["params"][0], _oracle_steps(values, grads_seq, {})[0],
                 name="parameter after 3 steps with the defaults (vs torch.optim.Adam)", rtol=1e-12, atol=1e-15)


@pytest.mark.points(1)
def test_lazy_state_and_step_count(student, rng):
    values = [rng.standard_normal((2, 2))]
    grads_seq = [[rng.standard_normal((2, 2))] for _ in range(4)]
    res = student.probe(probe_steps, values, grads_seq, dict(lr=0.01), None)
    assert res["state_before"] == [0], "the state must be created lazily, at the first step(), not in __init__"
    st = res["states"][0]
    assert {"step", "exp_avg", "exp_avg_sq"} <= set(st), f"state keys {sorted(st)}, expected step/exp_avg/exp_avg_sq"
    step = st["step"]
    step = float(step) if isinstance(step, (int, float)) else float(step.reshape(-1)[0])
    assert step == 4, f"state['step'] after 4 steps is {step}, expected 4 (t counts from 1)"


@pytest.mark.points(2)
def test_skips_parameters_without_grad(student, rng):
    values = [rng.standard_normal((3,)), rng.standard_normal((2, 2))]
    grads_seq = [[rng.standard_normal((3,)), None] for _ in range(3)]
    res = student.probe(probe_steps, values, grads_seq, dict(lr=0.02), None)
    assert_close(res["params"][1], torch.from_numpy(values[1]), name="a parameter whose .grad is None (unchanged)",
                 rtol=0)
    assert not res["states"][1], "a parameter whose .grad is None must get no state"
    assert_close(res["params"][0], _oracle_steps(values, grads_seq, dict(lr=0.02))[0],
                 name="the parameter with a gradient (vs torch.optim.Adam)", rtol=1e-12, atol=1e-15)


@pytest.mark.points(2)
def test_param_groups(student, rng):
    values = [rng.standard_normal((3, 2)), rng.standard_normal((4,)), rng.standard_normal((2,))]
    grads_seq = [[rng.standard_normal(v.shape) for v in values] for _ in range(5)]
    groups = [([0], dict(lr=0.05)), ([1, 2], dict(lr=0.002, weight_decay=0.1, betas=(0.5, 0.9)))]
    res = student.probe(probe_steps, values, grads_seq, dict(lr=0.01), groups)
    expected = _oracle_steps(values, grads_seq, dict(lr=0.01), groups)
    for i, (got, exp) in enumerate(zip(res["params"], expected)):
        assert_close(got, exp, name=f"parameter {i} with two param groups (group options override the defaults)",
                     rtol=1e-12, atol=1e-15)


@pytest.mark.points(1)
def test_closure(student, rng):
    value = rng.standard_normal((3,))
    target = rng.standard_normal((3,))
    res = student.probe(probe_closure, value, target)
    assert res["calls"] == 1, f"step(closure) must call the closure once, called {res['calls']} times"
    assert res["loss"] is not None, "step(closure) must return the closure's loss"
    assert_close(res["loss"], float(((value - target) ** 2).sum()), name="loss returned by step(closure)", rtol=1e-12)
    g = 2 * (value - target)
    expected = value - 0.1 * ((0.1 * g) / 0.1) / (np.sqrt((0.001 * g * g) / 0.001) + 1e-8)
    assert_close(res["p"], torch.from_numpy(expected), name="parameter after step(closure)", rtol=1e-12)


@pytest.mark.points(1)
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_step_leaves_grad_unchanged(student, rng, weight_decay):
    """step() reads .grad and never writes it (torch.optim.Adam does not): a caller that
    inspects or clips gradients after step(), or accumulates them, must find them as they were."""
    value, grad = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    kw = dict(lr=0.01, weight_decay=weight_decay)
    res = student.probe(probe_grad_after_step, value, grad, kw)
    assert_close(res["p"], _oracle_steps([value], [[grad]], kw)[0],
                 name=f"TorchAdam.step(): parameter after one step (weight_decay={weight_decay}; real work first)",
                 rtol=1e-12, atol=1e-15)
    assert res["grad"] is not None, "TorchAdam.step() set p.grad to None: it must leave .grad as it found it"
    assert_close(res["grad"], torch.from_numpy(grad),
                 name=f"p.grad after TorchAdam.step() (weight_decay={weight_decay}): step() must not modify .grad "
                      f"in place; use grad = p.grad.add(p, alpha=wd), not p.grad.add_(...)", rtol=0, atol=0)


@pytest.mark.points(1)
def test_weight_decay_is_coupled(student, rng):
    values = [rng.standard_normal((3, 3))]
    grads_seq = [[rng.standard_normal((3, 3))] for _ in range(10)]
    kw = dict(lr=0.01, weight_decay=0.05)
    res = student.probe(probe_steps, values, grads_seq, kw, None)
    assert_close(res["params"][0], _oracle_steps(values, grads_seq, kw)[0],
                 name="parameter after 10 steps with weight_decay=0.05 (g + wd * p, as torch.optim.Adam)",
                 rtol=1e-12, atol=1e-15)


# ============================================================================ device / GPU (8)

@pytest.mark.points(4)
@pytest.mark.gpu
@pytest.mark.timeout(60)
@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
def test_matches_torch_adam_on_device(student, rng, torch_seed, device, weight_decay):
    X, y = _data(rng)
    kw = dict(lr=0.01, weight_decay=weight_decay)
    res = student.probe(probe_train_mlp, torch_seed, device, X, y, 50, kw)
    params_ref, losses_ref = _oracle_mlp(torch_seed, X, y, 50, kw)   # float64, CPU
    rtol, atol = (1e-12, 1e-14) if device == "cpu" else (1e-9, 1e-11)
    want = torch.device(device).type
    for name, p in res["params"].items():
        assert p.device.type == want, f"parameter {name!r} came back on {p.device}, expected {device}"
        assert_close(p.cpu(), params_ref[name],
                     name=f"{name} after 50 TorchAdam steps on {device} (weight_decay={weight_decay}) vs torch.optim.Adam on cpu",
                     rtol=rtol, atol=atol)
    assert_close(res["losses"], losses_ref, name=f"losses on {device}", rtol=rtol, atol=atol)


@pytest.mark.points(2)
@pytest.mark.gpu
def test_state_on_parameter_device(student, rng, torch_seed, device):
    X, y = _data(rng, m=10)
    res = student.probe(probe_train_mlp, torch_seed, device, X, y, 2, dict(lr=0.01))
    _check_state_devices(res, torch.device(device).type, f"TorchAdam on {device}")


@pytest.mark.points(2)
def test_meta_device_proxy(student):
    """Without a GPU, device-agnostic code is checked on the meta device (CURRICULUM §2.5)."""
    res = student.probe(probe_meta_step)
    for name, st in res.items():
        for k, dev in st.items():
            if k == "<param>":
                continue
            assert dev == "meta", (
                f"state[{k!r}] of parameter {name!r} is on {dev} while the parameter is on meta: the optimizer "
                f"state must be created on the parameter's device (torch.zeros_like(p))")
        assert len(st) > 1, f"parameter {name!r} on meta got no tensor state"

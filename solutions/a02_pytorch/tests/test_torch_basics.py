"""Hidden tests of A02 -- PyTorch tensors (张量), autograd (自动求导), nn.Module, torch.optim.

Points (CURRICULUM A02): device + bridge 10 · mse_cost + analytic grad 8 · autograd regression 18 ·
LinearRegression 6 · train_model 20 · predict 10 · RegressionMLP 6 · fit_line_on_device 8 ·
device/GPU block 14 = 100.

Everything that must live in the student's process (a model, a generator, an array whose memory
is shared with a tensor) is built there by a probe; expected values are computed here with the
reference module and torch oracles, on the CPU in float64.
"""
import ast

import numpy as np
import pytest
import torch

from grader import data
from grader.checks import assert_close, assert_did_work, assert_float_list, assert_unchanged, raises_student

CUDA = torch.cuda.is_available()


# ============================================================================ probes
# Probes run in the student's process: module-level, imports inside, no expected values.

def probe_device(module, prefer):
    d = module.get_device() if prefer is None else module.get_device(prefer)
    return [type(d).__module__ + "." + type(d).__name__, str(d)]


def probe_numpy_to_tensor(module, a):
    import torch
    t = module.numpy_to_tensor(a)
    info = {"type": type(t).__module__ + "." + type(t).__name__}
    if not isinstance(t, torch.Tensor):
        return info
    info["dtype"] = str(t.dtype).replace("torch.", "")
    info["device"] = str(t.device)
    info["shape"] = list(t.shape)
    a.flat[0] = 1234.0                     # the array changes -> the tensor must see it
    info["tensor_after_array_write"] = t.clone()
    t.view(-1)[-1] = -777.0                # the tensor changes -> the array must see it
    info["array_after_tensor_write"] = a.copy()
    return info


def probe_device_fake_cuda(module):
    """get_device with torch.cuda.is_available() faked to True in the child (a CPU-only grader
    sees the branch a GPU machine takes); torch.device("cuda") needs no GPU to be built."""
    import torch
    real = torch.cuda.is_available
    torch.cuda.is_available = lambda: True
    try:
        out = {}
        for prefer in (True, False):
            d = module.get_device(prefer)
            out[str(prefer)] = [type(d).__module__ + "." + type(d).__name__, str(d)]
        return out
    finally:
        torch.cuda.is_available = real


def probe_tensor_to_numpy_fake_cuda(module, a):
    """tensor_to_numpy on a tensor that behaves like a CUDA tensor: it reports device cuda:0 and,
    as a real one, refuses .numpy() until it has been copied to the host (.cpu() / .to("cpu"))."""
    import torch

    class FakeCudaTensor(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if func is torch.Tensor.device.__get__:
                return torch.device("cuda", 0)
            if func is torch.Tensor.is_cuda.__get__:
                return True
            name = getattr(func, "__name__", "")
            if name == "numpy" and not kwargs.get("force", False):
                raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
                                "tensor to host memory first.")
            to_host = name == "cpu" or (name == "to" and any(
                str(x).startswith("cpu") for x in list(args[1:]) + [kwargs.get("device")] if x is not None))
            out = super().__torch_function__(func, types, args, kwargs)
            if to_host and isinstance(out, torch.Tensor):
                return out.as_subclass(torch.Tensor).clone()
            return out

    t = torch.from_numpy(a).as_subclass(FakeCudaTensor)
    try:
        got = module.tensor_to_numpy(t)
    except TypeError as exc:
        return {"error": str(exc)}
    return {"type": type(got).__module__ + "." + type(got).__name__,
            "value": got.copy() if type(got).__name__ == "ndarray" else None}


def probe_fit_line_devices(module, X_cols, y_cols, device):
    """fit_line_on_device(..., device) with train_model replaced by a recorder: where the model's
    parameters were initialised, and where the model, X and y are when training starts. With
    device="meta" this catches, without a GPU, data or parameters left on the CPU and an
    initialisation drawn on the device."""
    seen = {}
    real_train, real_cls = module.train_model, module.LinearRegression

    class Recorded(real_cls):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen.setdefault("init", sorted({str(p.device) for p in self.parameters()}))

    def recorder(model, X, y, *args, **kwargs):
        seen["params"] = sorted({str(p.device) for p in model.parameters()})
        seen["X"], seen["y"] = str(X.device), str(y.device)
        return [0.0] * int(kwargs.get("epochs", 1))

    module.train_model, module.LinearRegression = recorder, Recorded
    try:
        module.fit_line_on_device(X_cols, y_cols, device, epochs=3)
    except Exception as exc:  # noqa: BLE001 - converting meta results to numpy fails after training
        seen.setdefault("error", f"{type(exc).__name__}: {exc}")
    finally:
        module.train_model, module.LinearRegression = real_train, real_cls
    return seen


def probe_tensor_to_numpy_shares(module):
    import torch
    t = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    a = module.tensor_to_numpy(t)
    if type(a).__name__ != "ndarray":
        return {"type": type(a).__name__}
    t[0, 0] = 99.0
    return {"type": "ndarray", "array_after_tensor_write": a.copy()}


def probe_source(module, name):
    import inspect
    return inspect.getsource(getattr(module, name))


def probe_build(module, cls_name, args, seed, double):
    """Builds module.<cls_name>(*args) under torch.manual_seed(seed) (optionally .double())."""
    import torch
    torch.manual_seed(seed)
    obj = getattr(module, cls_name)(*args)
    if double:
        obj = obj.double()
    return obj


def probe_is_module(module, obj):
    import torch
    return isinstance(obj, torch.nn.Module)


def probe_plain_linear(module, n, seed, device):
    """A plain torch nn.Linear(n, 1) in float64 (not the student's class): train_model is graded alone."""
    import torch
    torch.manual_seed(seed)
    return torch.nn.Linear(n, 1).double().to(device)


def probe_plain_mlp(module, n, h, p, seed, device):
    """A plain Linear -> ReLU -> Dropout(p) -> Linear network in float64 (for predict)."""
    import torch
    from torch import nn
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n, h), nn.ReLU(), nn.Dropout(p), nn.Linear(h, 1)).double().to(device)


def probe_generator(module, seed):
    import torch
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def probe_train_mode_flags(module, model, X, y):
    """Puts the model in eval mode (as predict does), then records model.training at every
    forward pass of train_model."""
    flags = []
    model.eval()
    handle = model.register_forward_pre_hook(lambda mod, inp: flags.append(bool(mod.training)))
    try:
        module.train_model(model, X, y, epochs=2)
    finally:
        handle.remove()
    return flags


def probe_optimizer_params(module, model, X, y, optimizer):
    """Wraps torch.optim.SGD/Adam.__init__ to report which tensors train_model hands them."""
    import torch
    seen = []
    originals = {}
    for cls in (torch.optim.SGD, torch.optim.Adam):
        orig = cls.__init__
        originals[cls] = orig

        def wrapped(self, params, *args, __orig=orig, **kwargs):
            params = list(params)
            ids = []
            for p in params:
                if isinstance(p, dict):
                    ids.extend(id(q) for q in p["params"])
                else:
                    ids.append(id(p))
            seen.append([type(self).__name__, ids])
            __orig(self, params, *args, **kwargs)

        cls.__init__ = wrapped
    try:
        module.train_model(model, X, y, epochs=1, optimizer=optimizer)
    finally:
        for cls, orig in originals.items():
            cls.__init__ = orig
    return {"seen": seen, "model": [id(p) for p in model.parameters()]}


def probe_predict_grad_mode(module, model, X):
    """Records, at each forward pass inside predict, whether autograd was recording."""
    import torch
    rec = []
    handle = model.register_forward_hook(
        lambda mod, inp, out: rec.append([bool(torch.is_grad_enabled()), bool(out.requires_grad)]))
    try:
        module.predict(model, X)
    finally:
        handle.remove()
    return rec


def probe_dropout_forward(module, args, build_seed, fwd_seed, X):
    """Builds RegressionMLP(*args) under build_seed, puts it in train mode and runs one forward
    pass under fwd_seed (dropout draws from torch's global generator)."""
    import torch
    torch.manual_seed(build_seed)
    net = module.RegressionMLP(*args).double()
    net.train()
    torch.manual_seed(fwd_seed)
    return net(X)


def probe_meta_mlp(module, n, h, m):
    """RegressionMLP moved to the meta device and fed a meta batch (no data, only shapes)."""
    import torch
    net = module.RegressionMLP(n, h).to("meta")
    out = net(torch.empty(m, n, device="meta"))
    devices = sorted({str(p.device) for p in net.parameters()})
    return {"out": out, "param_devices": devices}


def probe_param_devices(module, model):
    return {k: str(v.device) for k, v in model.state_dict().items()}


def probe_forward_device(module, model, X):
    out = model(X)
    return str(out.device)


# ============================================================================ helpers

def _regression(rng, m=None, n=None, dtype=torch.float64):
    m = int(rng.integers(20, 60)) if m is None else m
    n = int(rng.integers(1, 5)) if n is None else n
    X = torch.from_numpy(rng.standard_normal((m, n)))
    w_true = torch.from_numpy(rng.standard_normal((1, n)))
    y = X @ w_true.T + float(rng.standard_normal()) + 0.1 * torch.from_numpy(rng.standard_normal((m, 1)))
    return X.to(dtype), y.to(dtype)


def _plain_linear_ref(n, seed, device="cpu"):
    torch.manual_seed(seed)
    return torch.nn.Linear(n, 1).double().to(device)


def _plain_mlp_ref(n, h, p, seed):
    torch.manual_seed(seed)
    nn = torch.nn
    return nn.Sequential(nn.Linear(n, h), nn.ReLU(), nn.Dropout(p), nn.Linear(h, 1)).double()


def _assert_state_dict(got, exp, name):
    assert isinstance(got, dict), f"{name}: state_dict() did not come back as a dict"
    assert sorted(got) == sorted(exp), f"{name}: state_dict keys {sorted(got)}, expected {sorted(exp)}"
    for k in exp:
        assert_close(got[k], exp[k], name=f"{name}[{k!r}]", rtol=1e-9, atol=1e-12)


def _tensors_as_arrays(v):
    """Tensors as numpy arrays (for assert_did_work, which judges arrays)."""
    if isinstance(v, torch.Tensor):
        return v.detach().cpu().numpy()
    if isinstance(v, (list, tuple)):
        return type(v)(_tensors_as_arrays(x) for x in v)
    if isinstance(v, dict):
        return {k: _tensors_as_arrays(x) for k, x in v.items()}
    return v


def _banned_names(source, banned):
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in banned:
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in banned:
            found.add(node.attr)
    return sorted(found)


# ============================================================================ device + bridge (10)

@pytest.mark.points(2)
def test_get_device(student):
    expected = "cuda" if CUDA else "cpu"
    typ, dev = student.probe(probe_device, None)
    assert typ == "torch.device", f"get_device() must return a torch.device, got {typ}"
    assert dev in (expected, expected + ":0"), (
        f"get_device() returned {dev!r}; expected {expected!r} (torch.cuda.is_available() is {CUDA})")
    typ, dev = student.probe(probe_device, False)
    assert typ == "torch.device", f"get_device(False) must return a torch.device, got {typ}"
    assert dev == "cpu", f"get_device(prefer_cuda=False) must be the CPU, got {dev!r}"
    faked = student.probe(probe_device_fake_cuda)
    assert faked["True"][1] in ("cuda", "cuda:0"), (
        f"get_device() with CUDA available must be cuda, got {faked['True'][1]!r}")
    assert faked["False"][1] == "cpu", (
        f"get_device(prefer_cuda=False) with CUDA available returned {faked['False'][1]!r}: prefer_cuda=False "
        f"means the CPU even on a GPU machine")


@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_numpy_to_tensor_shares_memory(student, rng, dtype):
    shape = (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    a = (rng.standard_normal(shape) * 10).astype(dtype)
    info = student.probe(probe_numpy_to_tensor, a)
    assert info["type"] == "torch.Tensor", f"numpy_to_tensor must return a torch.Tensor, got {info['type']}"
    assert info["dtype"] == dtype, f"numpy_to_tensor changed the dtype: {dtype} array -> torch.{info['dtype']}"
    assert info["shape"] == list(shape), f"numpy_to_tensor changed the shape {shape} -> {tuple(info['shape'])}"
    assert info["device"] == "cpu", (
        f"numpy_to_tensor put the tensor on {info['device']}; «新建的张量默认保存在CPU里» -- it must stay on the CPU")
    t_after = info["tensor_after_array_write"]
    assert float(t_after.reshape(-1)[0]) == 1234.0, (
        "after a[0, 0] = 1234 the tensor still holds the old value: numpy_to_tensor copied the data. "
        "«两者共享内存位置» -- use torch.from_numpy(a), not torch.tensor(a) or a.copy()")
    a_after = info["array_after_tensor_write"]
    assert float(a_after.reshape(-1)[-1]) == -777.0, (
        "writing into the tensor did not change the numpy array: the memory is not shared")


@pytest.mark.points(1)
def test_tensor_to_numpy_requires_grad(student, rng):
    for dtype in (torch.float64, torch.float32):
        t = torch.from_numpy(rng.standard_normal((3, 4))).to(dtype).requires_grad_(True)
        got = student.tensor_to_numpy(t)
        assert isinstance(got, np.ndarray), (
            f"tensor_to_numpy must return a numpy ndarray, got {type(got).__name__}")
        assert_close(got, t.detach().numpy(), name=f"tensor_to_numpy(requires_grad {dtype} tensor)", rtol=0)


@pytest.mark.points(2)
def test_tensor_to_numpy_shares_memory(student):
    info = student.probe(probe_tensor_to_numpy_shares)
    assert info["type"] == "ndarray", f"tensor_to_numpy must return a numpy ndarray, got {info['type']}"
    assert info["array_after_tensor_write"][0, 0] == 99.0, (
        "tensor_to_numpy copied a CPU tensor that needs no grad; .detach().cpu().numpy() shares its memory")


@pytest.mark.points(1)
def test_tensor_to_numpy_from_fake_cuda(student, rng):
    """A CPU-only grader checks the GPU path with a tensor that behaves like a CUDA one."""
    a = rng.standard_normal((4, 3))
    res = student.probe(probe_tensor_to_numpy_fake_cuda, a)
    assert "error" not in res, (
        f"tensor_to_numpy on a CUDA tensor raised: {res.get('error')} -- copy it to the host first: "
        f"t.detach().cpu().numpy()")
    assert res["type"] == "numpy.ndarray", f"tensor_to_numpy must return a numpy ndarray, got {res['type']}"
    assert_close(res["value"], a, name="tensor_to_numpy(CUDA tensor)", rtol=0)


@pytest.mark.points(1)
@pytest.mark.gpu
def test_tensor_to_numpy_from_device(student, rng, device):
    t = torch.from_numpy(rng.standard_normal((4, 3))).to(device)
    got = student.tensor_to_numpy(t)
    assert isinstance(got, np.ndarray), (
        f"tensor_to_numpy(tensor on {device}) must return a numpy ndarray, got {type(got).__name__}")
    assert_close(got, t.cpu().numpy(), name=f"tensor_to_numpy(tensor on {device})", rtol=0)


# ============================================================================ mse (8)

@pytest.mark.points(3)
def test_mse_cost_matches_mseloss(student, rng):
    for shape in [(int(rng.integers(5, 40)), 1), (int(rng.integers(2, 9)), int(rng.integers(2, 5)))]:
        yh = torch.from_numpy(rng.standard_normal(shape))
        y = torch.from_numpy(rng.standard_normal(shape))
        expected = torch.nn.MSELoss()(yh, y)
        got = student.mse_cost(yh, y)
        assert isinstance(got, torch.Tensor), f"mse_cost must return a 0-d tensor, got {type(got).__name__}"
        assert_close(got, expected, name=f"mse_cost for y of shape {shape}", rtol=1e-12)


@pytest.mark.points(1)
def test_mse_cost_float32_and_differentiable(student, rng):
    yh = torch.from_numpy(rng.standard_normal((7, 1))).float().requires_grad_(True)
    y = torch.from_numpy(rng.standard_normal((7, 1))).float()
    got = student.mse_cost(yh, y)
    assert isinstance(got, torch.Tensor), f"mse_cost must return a tensor, got {type(got).__name__}"
    assert got.dtype == torch.float32, f"mse_cost of float32 tensors must be float32, got {got.dtype}"
    assert got.requires_grad, "mse_cost must stay differentiable (no .item(), no .detach(), no numpy inside)"
    assert_close(got.detach(), torch.nn.MSELoss()(yh, y).detach(), name="mse_cost (float32)", rtol=1e-6)


@pytest.mark.points(1)
def test_mse_cost_no_mseloss(student, rng):
    yh = torch.from_numpy(rng.standard_normal((6, 1)))
    y = torch.from_numpy(rng.standard_normal((6, 1)))
    assert_close(student.mse_cost(yh, y), torch.nn.MSELoss()(yh, y), name="mse_cost", rtol=1e-12)
    source = student.probe(probe_source, "mse_cost")
    banned = _banned_names(source, {"MSELoss", "mse_loss"})
    assert not banned, f"mse_cost must be written with tensor operations; it uses {', '.join(banned)}"


@pytest.mark.points(1)
def test_mse_grad_analytic_purity(student, ref, rng):
    X, y = _regression(rng)
    n = X.shape[1]
    w = torch.from_numpy(rng.standard_normal((1, n)))
    b = torch.from_numpy(rng.standard_normal((1,)))
    got, args_after, _ = student.call_with_args("mse_grad_analytic", X, y, w, b)
    assert_did_work("mse_grad_analytic", _tensors_as_arrays(got), _tensors_as_arrays(ref.mse_grad_analytic(X, y, w, b)))
    assert_unchanged("mse_grad_analytic", (X, y, w, b), args_after, ("X", "y", "w", "b"))


@pytest.mark.points(2)
def test_mse_grad_analytic_vs_autograd(student, rng):
    X, y = _regression(rng)
    n = X.shape[1]
    w = torch.from_numpy(rng.standard_normal((1, n)))
    b = torch.from_numpy(rng.standard_normal((1,)))
    dw, db = student.mse_grad_analytic(X, y, w, b)
    wt, bt = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    torch.nn.MSELoss()(X @ wt.T + bt, y).backward()         # the oracle: autograd
    assert_close(dw, wt.grad, name="dw (vs autograd)", rtol=1e-10, atol=1e-13)
    assert_close(db, bt.grad, name="db (vs autograd)", rtol=1e-10, atol=1e-13)


# ============================================================================ autograd regression (18)

@pytest.mark.points(3)
def test_autograd_trajectory(student, ref, rng):
    X, y = _regression(rng)
    w, b, _ = student.linear_regression_autograd(X, y, epochs=50)
    w_ref, b_ref, _ = ref.linear_regression_autograd(X, y, epochs=50)
    assert_close(w, w_ref, name="w", rtol=1e-10, atol=1e-13)
    assert_close(b, b_ref, name="b", rtol=1e-10, atol=1e-13)


@pytest.mark.points(1)
def test_autograd_losses(student, ref, rng):
    """The loss list, graded apart from w and b: one Python float per epoch."""
    X, y = _regression(rng)
    _, _, losses = student.linear_regression_autograd(X, y, epochs=50)
    assert_float_list(losses, 50, "linear_regression_autograd's losses")
    assert_close(losses, ref.linear_regression_autograd(X, y, epochs=50)[2], name="losses (50 epochs, lr 0.1)",
                 rtol=1e-10)


@pytest.mark.points(1)
def test_autograd_purity(student, ref, rng):
    X, y = _regression(rng)
    got, args_after, _ = student.call_with_args("linear_regression_autograd", X, y, epochs=5)
    assert_did_work("linear_regression_autograd", _tensors_as_arrays(got),
                    _tensors_as_arrays(ref.linear_regression_autograd(X, y, epochs=5)))
    assert_unchanged("linear_regression_autograd", (X, y), args_after, ("X", "y"))


@pytest.mark.points(3)
def test_autograd_defaults(student, ref, rng):
    X, y = _regression(rng)
    w, b, losses = student.linear_regression_autograd(X, y)
    w_ref, b_ref, losses_ref = ref.linear_regression_autograd(X, y)
    assert_float_list(losses, 100, "linear_regression_autograd(X, y) with the default epochs=100")
    assert_close(losses, losses_ref, name="losses (defaults lr=0.1, epochs=100)", rtol=1e-10)
    assert_close(w, w_ref, name="w (defaults)", rtol=1e-10, atol=1e-13)


@pytest.mark.points(2)
def test_autograd_non_default_lr(student, ref, rng):
    X, y = _regression(rng)
    lr = float(rng.uniform(0.01, 0.05))
    w, b, losses = student.linear_regression_autograd(X, y, lr=lr, epochs=30)
    w_ref, b_ref, losses_ref = ref.linear_regression_autograd(X, y, lr=lr, epochs=30)
    assert_close(losses, losses_ref, name=f"losses (lr={lr:.4f}, epochs=30)", rtol=1e-10)
    assert_close(w, w_ref, name=f"w (lr={lr:.4f})", rtol=1e-10, atol=1e-13)
    assert_close(b, b_ref, name=f"b (lr={lr:.4f})", rtol=1e-10, atol=1e-13)


@pytest.mark.points(2)
def test_autograd_returns_detached(student, rng):
    X, y = _regression(rng, n=3)
    w, b, _ = student.linear_regression_autograd(X, y, epochs=3)
    for name, t, shape in (("w", w, (1, 3)), ("b", b, (1,))):
        assert isinstance(t, torch.Tensor), f"{name} must be a tensor, got {type(t).__name__}"
        assert tuple(t.shape) == shape, f"{name} must have shape {shape}, got {tuple(t.shape)}"
        assert not t.requires_grad, (
            f"{name} still requires grad (grad_fn or a leaf with requires_grad=True): return {name}.detach() "
            f"(«.detach()用于停止对张量的梯度跟踪»)")


@pytest.mark.points(2)
def test_autograd_float32(student, ref, rng):
    X, y = _regression(rng, dtype=torch.float32)
    w, b, losses = student.linear_regression_autograd(X, y, epochs=20)
    w_ref, b_ref, losses_ref = ref.linear_regression_autograd(X, y, epochs=20)
    assert isinstance(w, torch.Tensor) and w.dtype == torch.float32, (
        f"w must have X's dtype float32 (create it with dtype=X.dtype), got "
        f"{getattr(w, 'dtype', type(w).__name__)}")
    assert_close(w, w_ref, name="w (float32 data)", rtol=1e-4, atol=1e-5)
    assert_close(b, b_ref, name="b (float32 data)", rtol=1e-4, atol=1e-5)
    assert_close(losses, losses_ref, name="losses (float32 data)", rtol=1e-4, atol=1e-6)


@pytest.mark.points(2)
def test_autograd_one_feature(student, ref, rng):
    X, y = _regression(rng, n=1)
    w, b, losses = student.linear_regression_autograd(X, y, epochs=25)
    w_ref, b_ref, losses_ref = ref.linear_regression_autograd(X, y, epochs=25)
    assert_close(w, w_ref, name="w (n_features = 1)", rtol=1e-10, atol=1e-13)
    assert_close(b, b_ref, name="b (n_features = 1)", rtol=1e-10, atol=1e-13)
    assert_close(losses, losses_ref, name="losses (n_features = 1)", rtol=1e-10)


@pytest.mark.points(2)
@pytest.mark.timeout(30)
def test_autograd_reaches_least_squares(student):
    X, y = data.linear_data_torch()
    w, b, losses = student.linear_regression_autograd(X, y, lr=0.1, epochs=200)
    Xc, yc = data.linear_data()
    A = np.hstack([Xc.T, np.ones((Xc.shape[1], 1))])
    sol = np.linalg.lstsq(A, yc.T, rcond=None)[0].ravel()
    assert_close(w, torch.from_numpy(sol[None, :3].copy()), name="w after 200 epochs (vs lstsq)", rtol=0, atol=1e-6)
    assert_close(b, torch.from_numpy(sol[3:].copy()), name="b after 200 epochs (vs lstsq)", rtol=0, atol=1e-6)
    assert losses[-1] < 0.0105, f"final loss {losses[-1]:.5f} should be < 0.0105 (least-squares MSE 0.01002)"


# ============================================================================ LinearRegression (6)

@pytest.mark.points(3)
@pytest.mark.parametrize("n", [3, 1])
def test_linear_regression_module(student, ref, torch_seed, n):
    model = student.probe(probe_build, "LinearRegression", [n], torch_seed, False)
    assert student.probe(probe_is_module, model), "LinearRegression must be a torch.nn.Module"
    torch.manual_seed(torch_seed)
    expected = ref.LinearRegression(n).state_dict()
    _assert_state_dict(model.state_dict(), expected, f"LinearRegression({n}).state_dict()")


@pytest.mark.points(3)
def test_linear_regression_forward(student, ref, rng, torch_seed):
    X, _ = _regression(rng)
    n = X.shape[1]
    model = student.probe(probe_build, "LinearRegression", [n], torch_seed, True)
    torch.manual_seed(torch_seed)
    ref_model = ref.LinearRegression(n).double()
    ref_model.load_state_dict(model.state_dict())           # grade forward on its own
    got = model(X)
    assert isinstance(got, torch.Tensor), f"forward must return a tensor, got {type(got).__name__}"
    assert_close(got.detach(), ref_model(X).detach(), name="LinearRegression.forward(X), shape (m, 1)", rtol=1e-12)


# ============================================================================ train_model (20)

@pytest.mark.points(4)
def test_train_model_sgd(student, ref, rng, torch_seed):
    X, y = _regression(rng)
    n = X.shape[1]
    lr, epochs = float(rng.uniform(0.02, 0.08)), 30
    model = student.probe(probe_plain_linear, n, torch_seed, "cpu")
    losses = student.train_model(model, X, y, lr=lr, epochs=epochs, optimizer="sgd")
    ref_model = _plain_linear_ref(n, torch_seed)
    losses_ref = ref.train_model(ref_model, X, y, lr=lr, epochs=epochs, optimizer="sgd")
    assert_float_list(losses, epochs, "train_model")
    assert_close(losses, losses_ref, name=f"losses (SGD, lr={lr:.4f}, {epochs} epochs)", rtol=1e-9)
    _assert_state_dict(model.state_dict(), ref_model.state_dict(), "trained nn.Linear")


@pytest.mark.points(2)
def test_train_model_defaults(student, ref, rng, torch_seed):
    X, y = _regression(rng, m=30)
    n = X.shape[1]
    model = student.probe(probe_plain_linear, n, torch_seed, "cpu")
    losses = student.train_model(model, X, y)
    ref_model = _plain_linear_ref(n, torch_seed)
    losses_ref = ref.train_model(ref_model, X, y)
    assert_float_list(losses, 100, "train_model(model, X, y) with the default epochs=100")
    assert_close(losses, losses_ref, name="losses (defaults: SGD, lr=0.1, 100 epochs, full batch)", rtol=1e-9)


@pytest.mark.points(3)
def test_train_model_adam(student, ref, rng, torch_seed):
    X, y = _regression(rng)
    n = X.shape[1]
    lr = float(rng.uniform(0.01, 0.05))
    model = student.probe(probe_plain_linear, n, torch_seed, "cpu")
    losses = student.train_model(model, X, y, lr=lr, epochs=25, optimizer="adam")
    ref_model = _plain_linear_ref(n, torch_seed)
    losses_ref = ref.train_model(ref_model, X, y, lr=lr, epochs=25, optimizer="adam")
    assert_close(losses, losses_ref, name=f"losses (Adam, lr={lr:.4f})", rtol=1e-9)
    _assert_state_dict(model.state_dict(), ref_model.state_dict(), "nn.Linear trained with Adam")


@pytest.mark.points(4)
def test_train_model_minibatch(student, ref, rng, torch_seed):
    batch_size = 16
    m = batch_size * int(rng.integers(4, 7)) + int(rng.integers(1, batch_size))   # a partial last batch
    X, y = _regression(rng, m=m)
    n = X.shape[1]
    gen_seed = int(rng.integers(0, 2**31))
    model = student.probe(probe_plain_linear, n, torch_seed, "cpu")
    gen = student.probe(probe_generator, gen_seed)
    losses = student.train_model(model, X, y, lr=0.05, epochs=8, batch_size=batch_size, generator=gen)
    ref_model = _plain_linear_ref(n, torch_seed)
    losses_ref = ref.train_model(ref_model, X, y, lr=0.05, epochs=8, batch_size=batch_size,
                                 generator=torch.Generator().manual_seed(gen_seed))
    assert_close(losses, losses_ref, name=f"losses (mini-batches of {batch_size}, m={X.shape[0]})", rtol=1e-9)
    _assert_state_dict(model.state_dict(), ref_model.state_dict(), "nn.Linear trained on mini-batches")


@pytest.mark.points(3)
def test_train_model_sets_train_mode(student, rng, torch_seed):
    X, y = _regression(rng, m=20)
    model = student.probe(probe_plain_mlp, X.shape[1], 4, 0.5, torch_seed, "cpu")
    flags = student.probe(probe_train_mode_flags, model, X, y)
    assert flags, "train_model never ran a forward pass of the model"
    assert all(flags), (
        "train_model ran forward passes in eval mode: call model.train() first -- a model that went "
        "through predict() (model.eval()) would otherwise train with dropout switched off")


@pytest.mark.points(2)
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_train_model_optimizer_gets_parameters(student, rng, torch_seed, optimizer):
    X, y = _regression(rng, m=10)
    model = student.probe(probe_plain_linear, X.shape[1], torch_seed, "cpu")
    rec = student.probe(probe_optimizer_params, model, X, y, optimizer)
    expected_cls = {"sgd": "SGD", "adam": "Adam"}[optimizer]
    made = [ids for cls, ids in rec["seen"] if cls == expected_cls]
    assert made, f"train_model(optimizer={optimizer!r}) never created a torch.optim.{expected_cls}"
    assert sorted(made[0]) == sorted(rec["model"]), (
        f"torch.optim.{expected_cls} was not given the model's parameters (pass model.parameters())")


@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["batch_size=1", "batch_size>m"])
def test_train_model_batch_edges(student, ref, rng, torch_seed, case):
    m = 8 if case == "batch_size=1" else 12
    batch_size = 1 if case == "batch_size=1" else 50
    X, y = _regression(rng, m=m)
    gen_seed = int(rng.integers(0, 2**31))
    model = student.probe(probe_plain_linear, X.shape[1], torch_seed, "cpu")
    gen = student.probe(probe_generator, gen_seed)
    losses = student.train_model(model, X, y, lr=0.05, epochs=3, batch_size=batch_size, generator=gen)
    ref_model = _plain_linear_ref(X.shape[1], torch_seed)
    losses_ref = ref.train_model(ref_model, X, y, lr=0.05, epochs=3, batch_size=batch_size,
                                 generator=torch.Generator().manual_seed(gen_seed))
    assert_close(losses, losses_ref, name=f"losses ({case}, m={m})", rtol=1e-9)
    _assert_state_dict(model.state_dict(), ref_model.state_dict(), f"nn.Linear trained with {case}")


# ============================================================================ predict (10)

@pytest.mark.points(3)
def test_predict_values(student, rng, torch_seed):
    X, _ = _regression(rng)
    n = X.shape[1]
    model = student.probe(probe_plain_mlp, n, 6, 0.5, torch_seed, "cpu")
    got = student.predict(model, X)
    assert isinstance(got, np.ndarray), (
        f"predict must return a numpy ndarray (.detach().cpu().numpy()), got {type(got).__name__}")
    ref_model = _plain_mlp_ref(n, 6, 0.5, torch_seed).eval()
    with torch.no_grad():
        expected = ref_model(X).numpy()
    assert_close(got, expected, name="predict(model, X) (dropout must be off: model.eval())", rtol=1e-12)


@pytest.mark.points(2)
def test_predict_leaves_eval_mode(student, rng, torch_seed):
    X, _ = _regression(rng, m=10)
    model = student.probe(probe_plain_mlp, X.shape[1], 4, 0.5, torch_seed, "cpu")
    model.train()
    student.predict(model, X)
    assert model.training is False, (
        "after predict the model is still in training mode: «通过model.eval()函数将模型由训练模式变为测试模式»")


@pytest.mark.points(3)
def test_predict_repeatable_with_dropout(student, rng, torch_seed):
    X, _ = _regression(rng, m=30)
    model = student.probe(probe_plain_mlp, X.shape[1], 16, 0.5, torch_seed, "cpu")
    model.train()
    a = student.predict(model, X)
    b = student.predict(model, X)
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), "predict must return numpy arrays"
    assert np.array_equal(a, b), (
        "two predict calls on the same X differ: dropout is still active (call model.eval() in predict)")


@pytest.mark.points(2)
def test_predict_no_grad(student, rng, torch_seed):
    X, _ = _regression(rng, m=10)
    model = student.probe(probe_plain_mlp, X.shape[1], 4, 0.5, torch_seed, "cpu")
    rec = student.probe(probe_predict_grad_mode, model, X)
    assert rec, "predict never ran the model's forward pass"
    grad_on = [r for r in rec if r[0] or r[1]]
    assert not grad_on, (
        "predict ran the forward pass with autograd recording (the output had a grad_fn): wrap it in "
        "`with torch.no_grad():` -- .detach() afterwards does not save the memory of the graph")


# ============================================================================ RegressionMLP (6)

@pytest.mark.points(3)
def test_regression_mlp_structure(student, ref, rng, torch_seed):
    X, _ = _regression(rng)
    n, h = X.shape[1], int(rng.integers(3, 9))
    model = student.probe(probe_build, "RegressionMLP", [n, h], torch_seed, True)
    assert student.probe(probe_is_module, model), "RegressionMLP must be a torch.nn.Module"
    torch.manual_seed(torch_seed)
    ref_model = ref.RegressionMLP(n, h).double()
    _assert_state_dict(model.state_dict(), ref_model.state_dict(), f"RegressionMLP({n}, {h}).state_dict()")
    model.eval()
    ref_model.eval()
    got = model(X)
    assert_close(got.detach(), ref_model(X).detach(), name="RegressionMLP forward in eval mode", rtol=1e-12)


@pytest.mark.points(3)
@pytest.mark.parametrize("p_drop", [None, 0.2])
def test_regression_mlp_dropout(student, ref, rng, torch_seed, p_drop):
    X, _ = _regression(rng, m=40)
    n, h = X.shape[1], 12
    args = [n, h] if p_drop is None else [n, h, p_drop]
    fwd_seed = torch_seed + 1
    got = student.probe(probe_dropout_forward, args, torch_seed, fwd_seed, X)
    torch.manual_seed(torch_seed)
    ref_model = ref.RegressionMLP(*args).double().train()
    torch.manual_seed(fwd_seed)
    expected = ref_model(X).detach()
    label = "default p_drop=0.5" if p_drop is None else f"p_drop={p_drop}"
    assert_close(got.detach(), expected,
                 name=f"RegressionMLP training-mode forward ({label}; Linear -> ReLU -> Dropout -> Linear)",
                 rtol=1e-12)


# ============================================================================ fit_line_on_device (8)

def _cols(rng, m=None):
    m = int(rng.integers(30, 80)) if m is None else m
    X_cols = rng.standard_normal((3, m))
    y_cols = np.array([[1.5, -2.0, 0.5]]) @ X_cols + 0.3 + 0.1 * rng.standard_normal((1, m))
    return X_cols, y_cols


def _check_fit_result(got, exp, label):
    assert isinstance(got, dict), f"fit_line_on_device must return a dict, got {type(got).__name__}"
    missing = {"w", "b", "losses"} - set(got)
    assert not missing, f"fit_line_on_device result lacks the keys {sorted(missing)}"
    for k in ("w", "b"):
        assert isinstance(got[k], np.ndarray), (
            f"fit_line_on_device()[{k!r}] must be a numpy array (tensor_to_numpy), got {type(got[k]).__name__}")
    assert_float_list(got["losses"], len(exp["losses"]), "fit_line_on_device")
    assert_close(got["losses"], exp["losses"], name=f"losses ({label})", rtol=1e-9)
    assert_close(got["w"], exp["w"], name=f"w (1, n) ({label})", rtol=1e-9, atol=1e-12)
    assert_close(got["b"], exp["b"], name=f"b (1,) ({label})", rtol=1e-9, atol=1e-12)


@pytest.mark.points(2)
def test_fit_line_on_device_cpu(student, ref, rng):
    X_cols, y_cols = _cols(rng)
    _check_fit_result(student.fit_line_on_device(X_cols, y_cols, "cpu"), ref.fit_line_on_device(X_cols, y_cols, "cpu"),
                      "cpu, defaults")


@pytest.mark.points(1)
def test_fit_line_on_device_purity(student, ref, rng):
    X_cols, y_cols = _cols(rng)
    got, args_after, _ = student.call_with_args("fit_line_on_device", X_cols, y_cols, "cpu", epochs=5)
    assert_did_work("fit_line_on_device", got, ref.fit_line_on_device(X_cols, y_cols, "cpu", epochs=5))
    assert_unchanged("fit_line_on_device", (X_cols, y_cols), args_after[:2], ("X_cols", "y_cols"))


@pytest.mark.points(2)
def test_fit_line_on_device_meta(student, rng):
    """Without a GPU, fit_line_on_device(..., "meta"): the data and the parameters must be on the
    requested device when training starts, and the parameters initialised on the CPU (CUDA and
    CPU random streams differ), as its docstring says."""
    X_cols, y_cols = _cols(rng)
    seen = student.probe(probe_fit_line_devices, X_cols, y_cols, "meta")
    where = 'fit_line_on_device(X_cols, y_cols, "meta")'
    assert "X" in seen, (f"{where} never called train_model(model, X, y, ...) as its docstring says"
                         + (f"; it raised {seen['error']}" if "error" in seen else ""))
    assert seen["X"] == "meta" and seen["y"] == "meta", (
        f"{where}: X is on {seen['X']} and y on {seen['y']} when training starts; move the data: "
        f"torch.from_numpy(...).to(device)")
    assert seen["params"] == ["meta"], (
        f"{where}: the model's parameters are on {seen['params']} when training starts; "
        f"model.to(device=device, dtype=X.dtype)")
    assert seen.get("init") == ["cpu"], (
        f"{where}: the parameters were initialised on {seen.get('init')}; build LinearRegression on the CPU "
        f"(under torch.manual_seed(seed)), then move it, so that every device starts from the same numbers")


@pytest.mark.points(2)
def test_fit_line_on_device_non_default(student, ref, rng):
    X_cols, y_cols = _cols(rng)
    seed = int(rng.integers(1, 1000))
    kw = dict(lr=0.05, epochs=40, seed=seed)
    got = student.fit_line_on_device(X_cols, y_cols, "cpu", **kw)
    _check_fit_result(got, ref.fit_line_on_device(X_cols, y_cols, "cpu", **kw), f"lr=0.05, epochs=40, seed={seed}")


@pytest.mark.points(3)
@pytest.mark.timeout(30)
def test_fit_line_reaches_least_squares(student):
    X_cols, y_cols = data.linear_data()
    got = student.fit_line_on_device(X_cols, y_cols, "cpu")
    A = np.hstack([X_cols.T, np.ones((X_cols.shape[1], 1))])
    sol = np.linalg.lstsq(A, y_cols.T, rcond=None)[0].ravel()
    assert_close(got["w"], sol[None, :3], name="w after 200 epochs of SGD (vs lstsq 2.00698, -2.98864, 0.49384)",
                 rtol=0, atol=1e-6)
    assert_close(got["b"], sol[3:], name="b after 200 epochs (vs lstsq 0.99726)", rtol=0, atol=1e-6)
    assert got["losses"][-1] < 0.0105, f"final loss {got['losses'][-1]:.5f} should be < 0.0105"


# ============================================================================ device / GPU block (14)

@pytest.mark.points(3)
@pytest.mark.gpu
@pytest.mark.timeout(60)
def test_fit_line_on_device_matches_cpu(student, ref, rng, device):
    X_cols, y_cols = _cols(rng)
    got = student.fit_line_on_device(X_cols, y_cols, device, epochs=60)
    expected = ref.fit_line_on_device(X_cols, y_cols, "cpu", epochs=60)   # float64 on the CPU
    _check_fit_result(got, expected, f"trained on {device}, compared with the CPU run")


@pytest.mark.points(3)
@pytest.mark.gpu
@pytest.mark.timeout(60)
def test_train_model_on_device(student, ref, rng, torch_seed, device):
    X, y = _regression(rng, m=40)
    n = X.shape[1]
    model = student.probe(probe_plain_linear, n, torch_seed, device)
    Xd, yd = X.to(device), y.to(device)
    losses = student.train_model(model, Xd, yd, lr=0.05, epochs=20)
    devs = student.probe(probe_param_devices, model)
    want = torch.device(device).type
    for k, d in devs.items():
        assert d.split(":")[0] == want, f"after train_model on {device}, parameter {k!r} is on {d}"
    ref_model = _plain_linear_ref(n, torch_seed)
    losses_ref = ref.train_model(ref_model, X, y, lr=0.05, epochs=20)
    assert_close(losses, losses_ref, name=f"losses on {device} vs CPU", rtol=1e-9)
    sd = model.state_dict()
    for k, v in ref_model.state_dict().items():
        assert_close(sd[k], v.to(device), name=f"trained {k} on {device}", rtol=1e-9, atol=1e-12)
    out_dev = student.probe(probe_forward_device, model, Xd)
    assert out_dev.split(":")[0] == want, f"model(X) with X on {device} returned a tensor on {out_dev}"
    pred = student.predict(model, Xd)
    assert isinstance(pred, np.ndarray), (
        f"predict on {device} must return a numpy ndarray (.cpu().numpy()), got {type(pred).__name__}")
    with torch.no_grad():
        expected = ref_model(X).numpy()
    assert_close(pred, expected, name=f"predict on {device}", rtol=1e-9, atol=1e-12)


@pytest.mark.points(3)
@pytest.mark.gpu
def test_train_model_device_mismatch(student, rng, torch_seed, device):
    """Model and data on different devices must raise ValueError. Without a GPU the model is put on
    the meta device (the proxy of CURRICULUM §2.5); with one, on cuda; the data stay on the CPU."""
    X, y = _regression(rng, m=10)
    model_device = "meta" if device == "cpu" else device
    model = student.probe(probe_plain_linear, X.shape[1], torch_seed, model_device)
    with raises_student(ValueError):
        student.train_model(model, X, y, epochs=1)


@pytest.mark.points(3)
def test_meta_device_proxy(student, rng):
    """Device-agnostic code, checked without a GPU: on the meta device every tensor that was
    created on the CPU by mistake makes the maths raise."""
    m, n, h = int(rng.integers(3, 9)), 3, 5
    res = student.probe(probe_meta_mlp, n, h, m)
    assert res["param_devices"] == ["meta"], (
        f"RegressionMLP(...).to('meta') left parameters on {res['param_devices']}")
    out = res["out"]
    assert isinstance(out, torch.Tensor) and out.device.type == "meta", (
        f"RegressionMLP on meta returned a tensor on {getattr(out, 'device', type(out).__name__)}")
    assert tuple(out.shape) == (m, 1), f"RegressionMLP output must be (m, 1) = ({m}, 1), got {tuple(out.shape)}"
    yh = torch.empty(m, 1, dtype=torch.float64, device="meta")
    J = student.mse_cost(yh, yh)
    assert isinstance(J, torch.Tensor) and J.device.type == "meta", (
        f"mse_cost of meta tensors returned {getattr(J, 'device', type(J).__name__)}: it created a tensor on "
        f"another device")
    assert tuple(J.shape) == (), f"mse_cost must return a 0-d tensor, got shape {tuple(J.shape)}"
    Xm = torch.empty(m, n, dtype=torch.float64, device="meta")
    w = torch.empty(1, n, dtype=torch.float64, device="meta")
    b = torch.empty(1, dtype=torch.float64, device="meta")
    dw, db = student.mse_grad_analytic(Xm, yh, w, b)
    for name, t, shape in (("dw", dw, (1, n)), ("db", db, (1,))):
        assert t.device.type == "meta", f"mse_grad_analytic on meta data returned {name} on {t.device}"
        assert tuple(t.shape) == shape, f"mse_grad_analytic: {name} must have shape {shape}, got {tuple(t.shape)}"

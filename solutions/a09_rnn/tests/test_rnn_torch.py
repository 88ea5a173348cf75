"""Hidden tests of A09 part B (torch): ``TorchLSTMCell``, the numpy -> torch weight mapping,
``SequenceRegressor`` and ``train_adding``, on the CPU, on CUDA when present, and on the meta device.

Points (CURRICULUM A09): TorchLSTMCell 8 · numpy -> torch mapping 5 · regressor + adding end to end 6 ·
device/GPU 6 = 25 (test_rnn_numpy.py has the other 75).

Student objects live in the student's process (built by probes); the oracles (``nn.LSTMCell``, the
reference module) run here, on the CPU in float64. Models are initialised on the CPU under
``torch.manual_seed`` and then moved, so a CUDA run starts from the CPU run's numbers (CONVENTIONS §3).
"""
import ast
import math

import numpy as np
import pytest
import torch

from grader import data
from grader.checks import assert_close, assert_float_list, raises_student
from grader.errors import StudentError
from grader.plugin import reference_value

pytestmark = pytest.mark.module("rnn_torch")

BANNED = {"LSTM", "LSTMCell", "lstm", "lstm_cell", "_VF", "RNNBase"}


# ============================================================================ probes (run in the child)

def probe_cell_run(module, seed, I, H, device, weights, x, h, c, gh, gc):
    """Builds TorchLSTMCell(I, H) under `seed`, loads `weights` (float64), runs one step on `device`
    and backpropagates sum(h' * gh + c' * gc). Returns outputs and gradients (as tensors on `device`)."""
    import torch
    torch.manual_seed(seed)
    cell = module.TorchLSTMCell(I, H)
    with torch.no_grad():
        for name, w in weights.items():
            getattr(cell, name).data = w.clone()
    cell = cell.double().to(device)
    x, h, c = (t.to(device).requires_grad_(True) for t in (x, h, c))
    h2, c2 = cell(x, (h, c))
    ((h2 * gh.to(device)).sum() + (c2 * gc.to(device)).sum()).backward()
    grads = {n: p.grad for n, p in cell.named_parameters()}
    return {"h": h2.detach(), "c": c2.detach(), "dx": x.grad, "dh": h.grad, "dc": c.grad, "grads": grads}


def probe_cell_info(module, seed, I, H):
    import torch
    torch.manual_seed(seed)
    cell = module.TorchLSTMCell(I, H)
    x = torch.randn(3, I)
    out_none = cell(x)
    zeros = torch.zeros(3, H)
    out_zero = cell(x, (zeros, zeros))
    return {"is_module": isinstance(cell, torch.nn.Module),
            "params": {n: p.detach().clone() for n, p in cell.named_parameters()},
            "is_param": {n: isinstance(p, torch.nn.Parameter) for n, p in cell.named_parameters()},
            "none": tuple(t.detach() for t in out_none), "zero": tuple(t.detach() for t in out_zero)}


def probe_source(module):
    import inspect
    return inspect.getsource(module)


def probe_generator(module, seed):
    import torch
    return torch.Generator().manual_seed(seed)


def probe_regressor(module, seed, I, H, double):
    import torch
    torch.manual_seed(seed)
    model = module.SequenceRegressor(I, H)
    return model.double() if double else model


def probe_state_dict(module, model):
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def probe_predict(module, model, x):
    import torch
    p = next(model.parameters())
    with torch.no_grad():
        return model(x.to(device=p.device, dtype=p.dtype)).cpu()


def probe_adding_on_device(module, seed, device, steps, kw):
    """float64 regressor built on the CPU under `seed`, trained on `device` with a CPU generator."""
    import torch
    torch.manual_seed(seed)
    model = module.SequenceRegressor(2, 8).double()
    gen = torch.Generator().manual_seed(seed)
    losses = module.train_adding(model, steps=steps, device=device, generator=gen, **kw)
    return {"losses": losses, "devices": sorted({str(p.device) for p in model.parameters()}),
            "state": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}}


def probe_adding_float32_cuda(module, seed, x_test):
    """The end-to-end run on CUDA in float32 with IEEE matmuls (no TF32), then the test predictions."""
    import torch
    old = torch.backends.fp32_precision
    torch.backends.fp32_precision = "ieee"
    try:
        torch.manual_seed(seed)
        model = module.SequenceRegressor(2, 32)
        losses = module.train_adding(model, device="cuda", generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            pred = model(x_test.to(device="cuda", dtype=torch.float32)).cpu()
    finally:
        torch.backends.fp32_precision = old
    return {"losses": losses, "pred": pred}


def probe_meta(module, I, H, m, T):
    """Device-agnostic code on the meta device: a tensor created on the CPU inside forward makes the
    maths raise (the tensors have no data, only shapes and devices)."""
    import torch
    model = module.SequenceRegressor(I, H).to("meta")
    out = model(torch.empty(m, T, I, device="meta"))
    cell = module.TorchLSTMCell(I, H).to("meta")
    h, c = cell(torch.empty(m, I, device="meta"))
    return {"out": (tuple(out.shape), str(out.device)), "cell": (tuple(h.shape), str(h.device), str(c.device)),
            "params": sorted({str(p.device) for p in model.parameters()})}


# ============================================================================ helpers

def _cell_case(rng, I=None, H=None, m=None):
    I = I or int(rng.integers(2, 5))
    H = H or int(rng.integers(2, 6))
    m = m or int(rng.integers(2, 6))
    t = lambda *s: torch.from_numpy(rng.standard_normal(s))  # noqa: E731
    weights = {"weight_ih": t(4 * H, I) * 0.7, "weight_hh": t(4 * H, H) * 0.7, "bias_ih": t(4 * H) * 0.3,
               "bias_hh": t(4 * H) * 0.3}
    return I, H, weights, t(m, I), t(m, H), t(m, H), t(m, H), t(m, H)


def _oracle_cell(I, H, weights, x, h, c, gh, gc):
    cell = torch.nn.LSTMCell(I, H).double()
    with torch.no_grad():
        for name, w in weights.items():
            getattr(cell, name).copy_(w)
    x, h, c = (v.clone().requires_grad_(True) for v in (x, h, c))
    h2, c2 = cell(x, (h, c))
    ((h2 * gh).sum() + (c2 * gc).sum()).backward()
    return {"h": h2.detach(), "c": c2.detach(), "dx": x.grad, "dh": h.grad, "dc": c.grad,
            "grads": {n: p.grad for n, p in cell.named_parameters()}}


def _check_cell(res, exp, where, rtol, atol, grads=True):
    assert isinstance(res, dict), f"{where}: the cell could not be run"
    for k in ("h", "c"):
        assert_close(res[k].cpu(), exp[k], name=f"{k}' {where} vs nn.LSTMCell (gate order i, f, g, o)", rtol=rtol,
                     atol=atol)
    if not grads:
        return
    for k in ("dx", "dh", "dc"):
        assert res[k] is not None, f"no gradient reached {k[1:]}: the output must be differentiable"
        assert_close(res[k].cpu(), exp[k], name=f"autograd {k} {where} vs nn.LSTMCell", rtol=rtol, atol=atol)
    for n, g in exp["grads"].items():
        got = res["grads"].get(n)
        assert got is not None, f"parameter {n!r} got no gradient {where}"
        assert_close(got.cpu(), g, name=f"autograd d{n} {where} vs nn.LSTMCell", rtol=rtol, atol=atol)


def _seed(rng):
    return int(rng.integers(0, 2**31))


# ============================================================================ TorchLSTMCell (8)

@pytest.mark.points(3)
@pytest.mark.exercises("TorchLSTMCell")
def test_torch_lstm_cell_matches_lstmcell(student, rng, torch_seed):
    I, H, w, x, h, c, gh, gc = _cell_case(rng)
    res = student.probe(probe_cell_run, torch_seed, I, H, "cpu", w, x, h, c, gh, gc)
    _check_cell(res, _oracle_cell(I, H, w, x, h, c, gh, gc), "(float64, CPU)", 1e-12, 1e-14, grads=False)


@pytest.mark.points(2)
@pytest.mark.exercises("TorchLSTMCell")
def test_torch_lstm_cell_gradients(student, rng, torch_seed):
    I, H, w, x, h, c, gh, gc = _cell_case(rng, m=1)
    res = student.probe(probe_cell_run, torch_seed, I, H, "cpu", w, x, h, c, gh, gc)
    _check_cell(res, _oracle_cell(I, H, w, x, h, c, gh, gc), "(float64, CPU, m = 1)", 1e-12, 1e-14)


@pytest.mark.points(2)
@pytest.mark.exercises("TorchLSTMCell")
def test_torch_lstm_cell_parameters(student, torch_seed):
    info = student.probe(probe_cell_info, torch_seed, 3, 5)
    assert info["is_module"], "TorchLSTMCell must be an nn.Module"
    torch.manual_seed(torch_seed)
    oracle = torch.nn.LSTMCell(3, 5)
    expected = dict(oracle.named_parameters())
    assert sorted(info["params"]) == sorted(expected), (
        f"TorchLSTMCell's parameters are {sorted(info['params'])}, expected {sorted(expected)}")
    assert all(info["is_param"].values()), "every weight must be an nn.Parameter"
    for n, p in expected.items():
        assert_close(info["params"][n], p.detach(),
                     name=f"{n} after TorchLSTMCell(3, 5) under torch.manual_seed (created in the order weight_ih, "
                          f"weight_hh, bias_ih, bias_hh, then reset_parameters)", rtol=0, atol=0)
    for i, n in enumerate(("h'", "c'")):
        assert_close(info["none"][i], info["zero"][i], name=f"{n} with state=None vs state=(zeros, zeros)", rtol=0)


@pytest.mark.points(1)
@pytest.mark.exercises("TorchLSTMCell", "SequenceRegressor")
def test_torch_lstm_cell_no_builtin_lstm(student, rng, torch_seed):
    I, H, w, x, h, c, gh, gc = _cell_case(rng)
    res = student.probe(probe_cell_run, torch_seed, I, H, "cpu", w, x, h, c, gh, gc)
    _check_cell(res, _oracle_cell(I, H, w, x, h, c, gh, gc), "(float64, CPU)", 1e-12, 1e-14, grads=False)
    found = set()
    for node in ast.walk(ast.parse(student.probe(probe_source))):
        if isinstance(node, ast.ClassDef) and node.name in ("TorchLSTMCell", "SequenceRegressor"):
            for sub in ast.walk(node):
                name = sub.attr if isinstance(sub, ast.Attribute) else sub.id if isinstance(sub, ast.Name) else None
                if name in BANNED:
                    found.add(f"{node.name}: {name}")
    assert not found, f"write the LSTM step yourself: nn.LSTM/nn.LSTMCell/torch.lstm_cell/_VF are not allowed ({sorted(found)})"


# ============================================================================ numpy -> torch mapping (5)

def _np_lstm(rng, n_x, n_a, dtype=np.float64):
    p = {}
    for k in "fico":
        p["W" + k] = (rng.standard_normal((n_a, n_a + n_x)) * 0.7).astype(dtype)
        p["b" + k] = (rng.standard_normal((n_a, 1)) * 0.3).astype(dtype)
    p["Wy"] = rng.standard_normal((2, n_a)).astype(dtype)
    p["by"] = np.zeros((2, 1), dtype=dtype)
    return p


def _np_lstm_step(p, xt, a_prev, c_prev):
    """Part A's LSTM step (CURRICULUM A09), written out here as the numpy side of the comparison."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    concat = np.concatenate([a_prev, xt], axis=0)
    f, i, o = (sig(p["W" + k] @ concat + p["b" + k]) for k in "fio")
    c = f * c_prev + i * np.tanh(p["Wc"] @ concat + p["bc"])
    return o * np.tanh(c), c


@pytest.mark.points(3)
def test_lstm_params_numpy_to_torch_reproduces_numpy_cell(student, ref, rng):
    n_x, n_a, m = int(rng.integers(2, 5)), int(rng.integers(2, 6)), int(rng.integers(2, 5))
    p = _np_lstm(rng, n_x, n_a)
    sd = student.lstm_params_numpy_to_torch(p, n_x)
    assert isinstance(sd, dict), f"lstm_params_numpy_to_torch must return a dict, got {type(sd).__name__}"
    cell = torch.nn.LSTMCell(n_x, n_a).double()
    try:
        cell.load_state_dict(sd)
    except (RuntimeError, TypeError, KeyError, AttributeError) as exc:
        raise AssertionError(f"nn.LSTMCell({n_x}, {n_a}).load_state_dict(your dict) failed: {exc}") from None
    xt, a_prev, c_prev = (rng.standard_normal(s) for s in ((n_x, m), (n_a, m), (n_a, m)))
    with torch.no_grad():
        h, c = cell(torch.from_numpy(xt.T.copy()), (torch.from_numpy(a_prev.T.copy()), torch.from_numpy(c_prev.T.copy())))
    ea, ec = _np_lstm_step(p, xt, a_prev, c_prev)
    assert_close(h.numpy().T, ea, name="nn.LSTMCell with your state_dict: h' (transposed) vs the numpy a_next",
                 rtol=1e-12, atol=1e-14)
    assert_close(c.numpy().T, ec, name="nn.LSTMCell with your state_dict: c' (transposed) vs the numpy c_next",
                 rtol=1e-12, atol=1e-14)


@pytest.mark.points(1)
def test_lstm_params_numpy_to_torch_values_and_dtype(student, ref, rng):
    n_x, n_a = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    for dtype in (np.float64, np.float32):
        p = _np_lstm(rng, n_x, n_a, dtype)
        got, args_after, _ = student.call_with_args("lstm_params_numpy_to_torch", p, n_x)
        for k, v in p.items():
            assert np.array_equal(args_after[0][k], v), f"lstm_params_numpy_to_torch modified parameters[{k!r}]"
        expected = ref.lstm_params_numpy_to_torch(p, n_x)
        assert isinstance(got, dict), f"lstm_params_numpy_to_torch must return a dict, got {type(got).__name__}"
        for k, v in expected.items():
            assert k in got, f"the state_dict lacks {k!r}"
            assert_close(got[k], v, name=f"{k} ({np.dtype(dtype).name} parameters: keep their dtype)", rtol=0, atol=0)


@pytest.mark.points(1)
def test_lstm_params_numpy_to_torch_rejects_wrong_n_x(student, rng):
    p = _np_lstm(rng, 3, 4)
    sd = student.lstm_params_numpy_to_torch(p, 3)
    assert isinstance(sd, dict) and "weight_ih" in sd and tuple(sd["weight_ih"].shape) == (16, 3), (
        "lstm_params_numpy_to_torch(parameters, 3) must return weight_ih of shape (4 n_a, n_x) = (16, 3)")
    with raises_student(ValueError):
        student.lstm_params_numpy_to_torch(p, 2)


# ============================================================================ regressor + adding problem (6)

@pytest.mark.points(2)
@pytest.mark.exercises("SequenceRegressor", "TorchLSTMCell")
def test_sequence_regressor_forward(student, ref, rng, torch_seed):
    I, H, m, T = 2, int(rng.integers(3, 7)), int(rng.integers(2, 6)), int(rng.integers(2, 7))
    model = student.probe(probe_regressor, torch_seed, I, H, True)
    sd = student.probe(probe_state_dict, model)
    torch.manual_seed(torch_seed)
    oracle = ref.SequenceRegressor(I, H).double()
    expected_sd = oracle.state_dict()
    assert sorted(sd) == sorted(expected_sd), (
        f"SequenceRegressor's state_dict keys are {sorted(sd)}, expected {sorted(expected_sd)} "
        f"(self.cell = TorchLSTMCell, then self.head = nn.Linear(H, 1))")
    for k, v in expected_sd.items():
        assert_close(sd[k], v, name=f"{k} under torch.manual_seed (cell created before head)", rtol=0, atol=0)
    x = torch.from_numpy(rng.standard_normal((m, T, I)))
    got = student.probe(probe_predict, model, x)
    with torch.no_grad():
        expected = oracle(x)
    assert_close(got, expected, name=f"SequenceRegressor output (m, 1) for x of shape {(m, T, I)}", rtol=1e-12,
                 atol=1e-14)


@pytest.mark.points(2)
@pytest.mark.timeout(60)
@pytest.mark.exercises("train_adding", "SequenceRegressor")
def test_train_adding_matches_reference(student, ref, torch_seed):
    kw = dict(steps=12, batch_size=16, T=6, lr=0.05)
    model = student.probe(probe_regressor, torch_seed, 2, 6, True)
    gen = student.probe(probe_generator, torch_seed)
    losses = student.train_adding(model, device="cpu", generator=gen, **kw)
    torch.manual_seed(torch_seed)
    oracle = ref.SequenceRegressor(2, 6).double()
    expected = ref.train_adding(oracle, device="cpu", generator=torch.Generator().manual_seed(torch_seed), **kw)
    assert_float_list(losses, 12, "the losses train_adding returns (loss.item() per step)")
    assert_close(losses, expected, name="losses of 12 Adam steps (batch 16, T 6, lr 0.05, float64 model)", rtol=1e-9)
    sd = student.probe(probe_state_dict, model)
    for k, v in oracle.state_dict().items():
        assert_close(sd.get(k), v, name=f"{k} after 12 steps", rtol=1e-9, atol=1e-12)


ADDING_TEST_SEED = 20260909


def _adding_test_set():
    return data.adding_problem(1000, 10, torch.Generator().manual_seed(ADDING_TEST_SEED))


@reference_value
def _reference_adding_losses(ref):
    """The reference's 400 losses with the defaults and torch seed 0, computed once per process."""
    torch.manual_seed(0)
    model = ref.SequenceRegressor(2, 32)
    return [float(v) for v in ref.train_adding(model, generator=torch.Generator().manual_seed(0))]


@pytest.mark.points(2)
@pytest.mark.timeout(90)
@pytest.mark.exercises("train_adding", "SequenceRegressor", "TorchLSTMCell")
def test_train_adding_end_to_end(student, ref, torch_seed, figure):
    """«如果是回归问题，则一般使用均方误差»: SequenceRegressor(2, 32) trained by train_adding with its
    defaults (400 Adam steps of 64 sequences, T = 10, lr 1e-2) must beat the 0.167 baseline by far."""
    model = student.probe(probe_regressor, torch_seed, 2, 32, False)
    losses = student.train_adding(model, generator=student.probe(probe_generator, torch_seed))
    figure("adding problem: training MSE per step",
           {"your losses": losses if isinstance(losses, list) else [],
            "reference (torch seed 0)": _reference_adding_losses(ref)},
           xlabel="step", ylabel="MSE")
    assert isinstance(losses, list) and len(losses) == 400, (
        f"train_adding with the defaults must return 400 losses, got "
        f"{len(losses) if isinstance(losses, list) else type(losses).__name__}")
    x, y = _adding_test_set()
    pred = student.probe(probe_predict, model, x)
    assert isinstance(pred, torch.Tensor) and tuple(pred.shape) == (1000, 1), (
        f"the trained model must map (1000, 10, 2) to (1000, 1), got {tuple(getattr(pred, 'shape', ()))}")
    mse = float(((pred.double() - y) ** 2).mean())
    base = float(((y - y.mean()) ** 2).mean())
    assert math.isfinite(mse) and mse < 0.03, (
        f"test MSE {mse:.4f} on 1000 new sequences must be < 0.03 (predicting the mean gives {base:.3f}; the "
        f"reference reaches about 0.001-0.005)")


# ============================================================================ device / GPU (6)

@pytest.mark.points(2)
@pytest.mark.gpu
@pytest.mark.timeout(60)
@pytest.mark.exercises("TorchLSTMCell")
def test_torch_lstm_cell_on_device(student, rng, torch_seed, device):
    I, H, w, x, h, c, gh, gc = _cell_case(rng)
    res = student.probe(probe_cell_run, torch_seed, I, H, device, w, x, h, c, gh, gc)
    want = torch.device(device).type
    for k in ("h", "c"):
        assert res[k].device.type == want, f"{k}' came back on {res[k].device}, expected {device}"
    rtol, atol = (1e-12, 1e-14) if device == "cpu" else (1e-9, 1e-11)
    _check_cell(res, _oracle_cell(I, H, w, x, h, c, gh, gc), f"on {device} (float64)", rtol, atol)


@pytest.mark.points(2)
@pytest.mark.gpu
@pytest.mark.timeout(120)
@pytest.mark.exercises("train_adding", "SequenceRegressor", "TorchLSTMCell")
def test_train_adding_on_device(student, ref, torch_seed, device):
    kw = dict(batch_size=16, T=6, lr=0.02)
    res = student.probe(probe_adding_on_device, torch_seed, device, 20, kw)
    want = torch.device(device).type
    assert all(d.split(":")[0] == want for d in res["devices"]), (
        f"after train_adding(device={device!r}) the parameters are on {res['devices']}: move the model (model.to(device))")
    torch.manual_seed(torch_seed)
    oracle = ref.SequenceRegressor(2, 8).double()
    expected = ref.train_adding(oracle, steps=20, device="cpu", generator=torch.Generator().manual_seed(torch_seed), **kw)
    rtol, atol = (1e-12, 1e-14) if device == "cpu" else (1e-9, 1e-11)
    assert_close(res["losses"], expected, name=f"20 float64 training losses on {device} vs the CPU reference",
                 rtol=rtol, atol=atol)
    for k, v in oracle.state_dict().items():
        assert_close(res["state"][k], v, name=f"{k} after 20 steps on {device} vs the CPU reference", rtol=rtol,
                     atol=atol)
    if device != "cpu":
        x, y = _adding_test_set()
        run = student.probe(probe_adding_float32_cuda, torch_seed, x)
        mse = float(((run["pred"].double() - y) ** 2).mean())
        assert math.isfinite(mse) and mse < 0.03, (
            f"the end-to-end run on {device} (float32, IEEE matmuls) reaches test MSE {mse:.4f}; it must be < 0.03")


@pytest.mark.points(2)
@pytest.mark.exercises("SequenceRegressor", "TorchLSTMCell")
def test_sequence_regressor_meta_device_proxy(student, rng):
    """Without a GPU, device-agnostic code is checked on the meta device (CURRICULUM §2.5): a state
    created with torch.zeros(m, H) lives on the CPU and cannot be mixed with meta tensors."""
    m, T, H = int(rng.integers(2, 6)), int(rng.integers(2, 5)), int(rng.integers(2, 6))
    try:
        res = student.probe(probe_meta, 2, H, m, T)
    except StudentError as err:
        raise AssertionError(
            f"{err.describe()}\nOn the meta device (the stand-in for a GPU) a tensor created on the CPU met the "
            f"model's meta tensors: make the zero state with x.new_zeros(m, H), not torch.zeros(m, H)") from None
    assert res["params"] == ["meta"], f"SequenceRegressor(...).to('meta') left parameters on {res['params']}"
    assert res["out"] == ((m, 1), "meta"), (
        f"SequenceRegressor on meta inputs of shape {(m, T, 2)} returned shape {res['out'][0]} on {res['out'][1]}; "
        f"expected ({m}, 1) on meta")
    assert res["cell"] == ((m, H), "meta", "meta"), (
        f"TorchLSTMCell on meta with state=None returned h' {res['cell'][0]} on {res['cell'][1]}, c' on "
        f"{res['cell'][2]}; expected ({m}, {H}) on meta (make the zero state with x.new_zeros)")

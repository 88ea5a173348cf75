"""Hidden tests of A09 part A (numpy): RNN, LSTM, GRU, BRNN, deep RNN and the character LM (9 循环神经网络).

Points (CURRICULUM A09): rnn_cell_forward 5 · rnn_forward 5 · rnn_cell_backward 6 · rnn_backward 8 ·
lstm_cell_forward 6 · lstm_forward 4 · lstm_cell_backward 10 · lstm_backward 6 · gru_cell_forward 4 ·
gru_cell_backward 6 · BRNN 4 · deep RNN 3 · clip 2 · char LM 6 = 75 (test_rnn_torch.py has the other 25).

Backward functions get caches built by the REFERENCE forward, and numerical gradients come from the
reference forward (CONVENTIONS §5), so one bug costs points once. Independent oracles run here, in
the grading process, on the CPU in float64: ``nn.RNNCell`` and ``nn.LSTMCell`` with copied weights.
The GRU is not compared with ``nn.GRUCell`` (torch applies the reset gate after the matrix product
and writes h' = (1 - z) n + z h, the opposite update-gate convention).
"""
import math

import numpy as np
import pytest

from grader import data
from grader.checks import assert_unchanged, assert_close, assert_float, assert_float_list, raises_student
from grader.gradcheck import check_gradient
from grader.plugin import reference_value

LN28 = math.log(28)


# ============================================================================ probes (run in the child)

def probe_next_draw(module, gen):
    return float(gen.random())


def probe_lstm_memory_chain(module, cache, steps):
    """Feeds the student's lstm_cell_backward its own dc_prev ``steps`` times (da_next = 0,
    dc_next = 1 at the start): the gradient of sum(c<T>) with respect to c<0> through the memory
    path alone, when every step has the same cache."""
    import numpy as np
    dc = np.ones_like(cache[1])
    zero = np.zeros_like(dc)
    for _ in range(steps):
        dc = module.lstm_cell_backward(zero, dc, cache)["dc_prev"]
    return dc


# ============================================================================ helpers

def _seed(rng):
    return int(rng.integers(0, 2**31))


def _dims(rng, **fixed):
    d = dict(n_x=int(rng.integers(2, 5)), n_a=int(rng.integers(3, 6)), n_y=int(rng.integers(2, 5)),
             m=int(rng.integers(3, 7)), T=int(rng.integers(3, 6)))
    d.update(fixed)
    return d


def _rnn_params(rng, n_x, n_a, n_y, scale=0.6, **_):
    return {"Wax": rng.standard_normal((n_a, n_x)) * scale, "Waa": rng.standard_normal((n_a, n_a)) * scale,
            "Wya": rng.standard_normal((n_y, n_a)) * scale, "ba": rng.standard_normal((n_a, 1)) * 0.1,
            "by": rng.standard_normal((n_y, 1)) * 0.1}


def _lstm_params(rng, n_x, n_a, n_y, scale=0.6, **_):
    p = {}
    for k in "fico":
        p["W" + k] = rng.standard_normal((n_a, n_a + n_x)) * scale
        p["b" + k] = rng.standard_normal((n_a, 1)) * 0.1
    p["Wy"] = rng.standard_normal((n_y, n_a)) * scale
    p["by"] = rng.standard_normal((n_y, 1)) * 0.1
    return p


def _gru_params(rng, n_x, n_a, scale=0.6, **_):
    p = {}
    for k in "urc":
        p["W" + k] = rng.standard_normal((n_a, n_a + n_x)) * scale
        p["b" + k] = rng.standard_normal((n_a, 1)) * 0.1
    return p


def _cell_params(rng, n_in, n_a, scale=0.6):
    return {"Wax": rng.standard_normal((n_a, n_in)) * scale, "Waa": rng.standard_normal((n_a, n_a)) * scale,
            "ba": rng.standard_normal((n_a, 1)) * 0.1}


def _seq(rng, d):
    return rng.standard_normal((d["n_x"], d["m"], d["T"])), rng.standard_normal((d["n_a"], d["m"]))


def _with(params, key, value):
    p = dict(params)
    p[key] = value
    return p


def _check_keys(got, keys, fname):
    assert isinstance(got, dict), f"{fname} must return a dict of gradients, got {type(got).__name__}"
    missing = [k for k in keys if k not in got]
    assert not missing, f"{fname}: the gradients dict lacks the keys {missing}"


def _astuple(value, n, fname, what):
    assert isinstance(value, (tuple, list)) and len(value) == n, (
        f"{fname} must return a tuple {what}, got "
        f"{type(value).__name__ + (f' of length {len(value)}' if isinstance(value, (tuple, list)) else '')}")
    return value


RNN_CELL_GRADS = ("dxt", "da_prev", "dWax", "dWaa", "dba")
RNN_GRADS = ("dx", "da0", "dWax", "dWaa", "dba")
LSTM_W = ("dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo")
LSTM_CELL_GRADS = ("dxt", "da_prev", "dc_prev") + LSTM_W
LSTM_GRADS = ("dx", "da0") + LSTM_W
GRU_CELL_GRADS = ("dxt", "dc_prev", "dWu", "dbu", "dWr", "dbr", "dWc", "dbc")


# ============================================================================ rnn_cell_forward (5)

@pytest.mark.points(2)
def test_rnn_cell_forward_matches_reference(student, ref, rng):
    d = _dims(rng)
    p = _rnn_params(rng, **d)
    xt, a_prev = rng.standard_normal((d["n_x"], d["m"])), rng.standard_normal((d["n_a"], d["m"]))
    out, args_after, _ = student.call_with_args("rnn_cell_forward", xt, a_prev, p)
    assert_unchanged("rnn_cell_forward", (xt, a_prev, p), args_after, ("xt", "a_prev", "parameters"))
    a_next, yt, cache = _astuple(out, 3, "rnn_cell_forward", "(a_next, yt_pred, cache)")
    ea, ey, _ = ref.rnn_cell_forward(xt, a_prev, p)
    assert_close(a_next, ea, name="a_next = tanh(Waa a_prev + Wax xt + ba)", rtol=1e-10)
    assert_close(yt, ey, name="yt_pred = softmax(Wya a_next + by) (each column sums to 1)", rtol=1e-10)
    cache = _astuple(cache, 4, "rnn_cell_forward's cache", "(a_next, a_prev, xt, parameters)")
    assert_close(tuple(cache[:3]), (ea, a_prev, xt), name="cache (a_next, a_prev, xt, parameters)", rtol=1e-10)


@pytest.mark.points(2)
def test_rnn_cell_forward_matches_torch_rnncell(student, rng):
    import torch
    d = _dims(rng)
    p = _rnn_params(rng, **d)
    xt, a_prev = rng.standard_normal((d["n_x"], d["m"])), rng.standard_normal((d["n_a"], d["m"]))
    a_next, yt, _ = student.rnn_cell_forward(xt, a_prev, p)
    cell = torch.nn.RNNCell(d["n_x"], d["n_a"], nonlinearity="tanh").double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(p["Wax"]))
        cell.weight_hh.copy_(torch.from_numpy(p["Waa"]))
        cell.bias_ih.copy_(torch.from_numpy(p["ba"].ravel()))
        cell.bias_hh.zero_()
        h = cell(torch.from_numpy(xt.T.copy()), torch.from_numpy(a_prev.T.copy())).numpy().T
        logits = torch.from_numpy(p["Wya"]) @ torch.from_numpy(h) + torch.from_numpy(p["by"])
        y = torch.softmax(logits, dim=0).numpy()
    assert_close(a_next, h, name="a_next vs torch.nn.RNNCell (weight_ih = Wax, weight_hh = Waa, bias_ih = ba)",
                 rtol=1e-10, atol=1e-13)
    assert_close(yt, y, name="yt_pred vs torch.softmax(Wya h + by, dim=0) (columns are examples)", rtol=1e-10,
                 atol=1e-13)


@pytest.mark.points(1)
def test_rnn_cell_forward_stable_softmax(student, ref, rng):
    d = _dims(rng, n_y=4)
    p = _rnn_params(rng, **d)
    p["Wya"] = p["Wya"] * 1e3
    p["by"] = np.array([[1000.0], [-1000.0], [998.0], [0.0]])
    xt, a_prev = rng.standard_normal((d["n_x"], d["m"])), rng.standard_normal((d["n_a"], d["m"]))
    _, yt, _ = student.rnn_cell_forward(xt, a_prev, p)
    assert isinstance(yt, np.ndarray) and np.all(np.isfinite(yt)), (
        "yt_pred with logits of about 1e3 must be finite: subtract each column's max before np.exp "
        "(or use the provided softmax)")
    assert_close(yt.sum(axis=0), np.ones(d["m"]), name="column sums of yt_pred with logits ~1e3", rtol=1e-12)
    assert_close(yt, ref.rnn_cell_forward(xt, a_prev, p)[1], name="yt_pred with logits ~1e3", rtol=1e-9,
                 atol=1e-300)


# ============================================================================ rnn_forward (5)

RNN_SHAPES = {"random": {}, "m=1, n_x=1": {"m": 1, "n_x": 1}, "n_a=1, T=2": {"n_a": 1, "T": 2}}


@pytest.mark.points(2)
@pytest.mark.parametrize("case", list(RNN_SHAPES))
def test_rnn_forward_matches_reference(student, ref, rng, case):
    d = _dims(rng, **RNN_SHAPES[case])
    p = _rnn_params(rng, **d)
    x, a0 = _seq(rng, d)
    out, args_after, _ = student.call_with_args("rnn_forward", x, a0, p)
    assert_unchanged("rnn_forward", (x, a0, p), args_after, ("x", "a0", "parameters"))
    a, y, caches = _astuple(out, 3, "rnn_forward", "(a, y_pred, caches)")
    ea, ey, ecaches = ref.rnn_forward(x, a0, p)
    assert_close(a, ea, name=f"a (n_a, m, T_x) with a0 != 0 ({case})", rtol=1e-10)
    assert_close(y, ey, name=f"y_pred (n_y, m, T_x) ({case})", rtol=1e-10)
    caches = _astuple(caches, 2, "rnn_forward's caches", "(list of cell caches, x)")
    assert isinstance(caches[0], (list, tuple)) and len(caches[0]) == d["T"], (
        f"caches[0] must be the list of the {d['T']} cell caches in time order")
    assert_close(caches[1], x, name="caches[1] (the input x)", rtol=0)


@pytest.mark.points(1)
def test_rnn_forward_parameters_independent_of_T(student, ref, rng):
    """«同一位置共享权重…让模型参数与序列信号长度无关»: one parameter set runs any length, and a prefix of a
    long sequence gives the states of the short one."""
    d = _dims(rng)
    p = _rnn_params(rng, **d)
    x, a0 = _seq(rng, dict(d, T=17))
    a17, y17, _ = student.rnn_forward(x, a0, p)
    for T in (1, 3):
        a, y, _ = student.rnn_forward(x[:, :, :T].copy(), a0, p)
        ea, ey, _ = ref.rnn_forward(x[:, :, :T].copy(), a0, p)
        assert_close(a, ea, name=f"a for T_x = {T} with the same parameters", rtol=1e-10)
        assert_close(a17[:, :, :T], a, name=f"the first {T} states of the T_x = 17 run vs the T_x = {T} run",
                     rtol=1e-12)
    assert_close(y17, ref.rnn_forward(x, a0, p)[1], name="y_pred for T_x = 17", rtol=1e-10)


@pytest.mark.points(1)
def test_rnn_forward_T1_equals_cell(student, ref, rng):
    d = _dims(rng, T=1)
    p = _rnn_params(rng, **d)
    x, a0 = _seq(rng, d)
    a, y, _ = student.rnn_forward(x, a0, p)
    ea, ey, _ = ref.rnn_cell_forward(x[:, :, 0], a0, p)
    assert_close(a, ea[:, :, None], name="rnn_forward with T_x = 1: a[:, :, 0] must be rnn_cell_forward's a_next",
                 rtol=1e-10)
    assert_close(y, ey[:, :, None], name="rnn_forward with T_x = 1: y_pred", rtol=1e-10)


@pytest.mark.points(1)
def test_rnn_forward_float32(student, ref, rng):
    d = _dims(rng)
    p = {k: v.astype(np.float32) for k, v in _rnn_params(rng, **d).items()}
    x, a0 = (v.astype(np.float32) for v in _seq(rng, d))
    a, y, _ = student.rnn_forward(x, a0, p)
    ea, ey, _ = ref.rnn_forward(x, a0, p)
    assert_close(a, ea, name="a with float32 inputs and parameters (must stay float32)", rtol=1e-5, atol=1e-6)
    assert_close(y, ey, name="y_pred with float32 inputs (must stay float32)", rtol=1e-5, atol=1e-6)


# ============================================================================ rnn_cell_backward (6)

def _rnn_cell_problem(ref, rng, **fixed):
    d = _dims(rng, **fixed)
    p = _rnn_params(rng, **d)
    xt, a_prev = rng.standard_normal((d["n_x"], d["m"])), rng.standard_normal((d["n_a"], d["m"]))
    _, _, cache = ref.rnn_cell_forward(xt, a_prev, p)
    return d, p, xt, a_prev, cache, rng.standard_normal((d["n_a"], d["m"]))


@pytest.mark.points(2)
def test_rnn_cell_backward_matches_reference(student, ref, rng):
    d, p, xt, a_prev, cache, da = _rnn_cell_problem(ref, rng)
    got, args_after, _ = student.call_with_args("rnn_cell_backward", da, cache)
    assert_unchanged("rnn_cell_backward", (da, cache), args_after, ("da_next", "cache"))
    _check_keys(got, RNN_CELL_GRADS, "rnn_cell_backward")
    expected = ref.rnn_cell_backward(da, cache)
    for k in RNN_CELL_GRADS:
        assert_close(got[k], expected[k], name=f"rnn_cell_backward: {k}", rtol=1e-10, atol=1e-13)


@pytest.mark.points(3)
def test_rnn_cell_backward_gradcheck(student, ref, rng):
    d, p, xt, a_prev, cache, da = _rnn_cell_problem(ref, rng)
    got = student.rnn_cell_backward(da, cache)
    _check_keys(got, RNN_CELL_GRADS, "rnn_cell_backward")

    def J(xt=xt, a_prev=a_prev, p=p):
        return float(np.sum(ref.rnn_cell_forward(xt, a_prev, p)[0] * da))

    check_gradient(lambda v: J(xt=v), xt, got["dxt"], name="rnn_cell_backward: dxt", rng=rng)
    check_gradient(lambda v: J(a_prev=v), a_prev, got["da_prev"], name="rnn_cell_backward: da_prev", rng=rng)
    for k in ("Wax", "Waa", "ba"):
        check_gradient(lambda v, k=k: J(p=_with(p, k, v)), p[k], got["d" + k], name="rnn_cell_backward: d" + k,
                       rng=rng)


@pytest.mark.points(1)
def test_rnn_cell_backward_edge_shapes(student, ref, rng):
    d, p, xt, a_prev, cache, da = _rnn_cell_problem(ref, rng, m=1, n_a=1, n_x=1)
    got = student.rnn_cell_backward(da, cache)
    _check_keys(got, RNN_CELL_GRADS, "rnn_cell_backward")
    expected = ref.rnn_cell_backward(da, cache)
    for k in RNN_CELL_GRADS:
        assert_close(got[k], expected[k], name=f"rnn_cell_backward with m = n_a = n_x = 1: {k} (exact shape)",
                     rtol=1e-10, atol=1e-13)


# ============================================================================ rnn_backward (8)

def _rnn_seq_problem(ref, rng, **fixed):
    d = _dims(rng, **fixed)
    p = _rnn_params(rng, **d)
    x, a0 = _seq(rng, d)
    _, _, caches = ref.rnn_forward(x, a0, p)
    return d, p, x, a0, caches, rng.standard_normal((d["n_a"], d["m"], d["T"]))


@pytest.mark.points(2)
def test_rnn_backward_matches_reference(student, ref, rng):
    d, p, x, a0, caches, da = _rnn_seq_problem(ref, rng)
    got, args_after, _ = student.call_with_args("rnn_backward", da, caches)
    assert_unchanged("rnn_backward", (da, caches), args_after, ("da", "caches"))
    _check_keys(got, RNN_GRADS, "rnn_backward")
    expected = ref.rnn_backward(da, caches)
    for k in RNN_GRADS:
        assert_close(got[k], expected[k], name=f"rnn_backward: {k} (parameter gradients summed over t)",
                     rtol=1e-10, atol=1e-13)


@pytest.mark.points(3)
def test_rnn_backward_gradcheck(student, ref, rng):
    d, p, x, a0, caches, da = _rnn_seq_problem(ref, rng)
    got = student.rnn_backward(da, caches)
    _check_keys(got, RNN_GRADS, "rnn_backward")

    def J(x=x, a0=a0, p=p):
        return float(np.sum(ref.rnn_forward(x, a0, p)[0] * da))

    check_gradient(lambda v: J(x=v), x, got["dx"], name="rnn_backward: dx", rng=rng)
    check_gradient(lambda v: J(a0=v), a0, got["da0"], name="rnn_backward: da0", rng=rng)
    for k in ("Wax", "Waa", "ba"):
        check_gradient(lambda v, k=k: J(p=_with(p, k, v)), p[k], got["d" + k],
                       name=f"rnn_backward: d{k} (the weights are shared over time: sum the steps' gradients)", rng=rng)


@pytest.mark.points(1)
def test_rnn_backward_T1_equals_cell(student, ref, rng):
    d, p, x, a0, caches, da = _rnn_seq_problem(ref, rng, T=1)
    got = student.rnn_backward(da, caches)
    _check_keys(got, RNN_GRADS, "rnn_backward")
    cell = ref.rnn_cell_backward(da[:, :, 0], caches[0][0])
    assert_close(got["dx"], cell["dxt"][:, :, None], name="rnn_backward with T_x = 1: dx[:, :, 0] = dxt", rtol=1e-10,
                 atol=1e-13)
    assert_close(got["da0"], cell["da_prev"], name="rnn_backward with T_x = 1: da0 = da_prev", rtol=1e-10, atol=1e-13)
    for k in ("dWax", "dWaa", "dba"):
        assert_close(got[k], cell[k], name=f"rnn_backward with T_x = 1: {k}", rtol=1e-10, atol=1e-13)


def _vanishing_problem(rng, n_x=3, n_a=5, m=2, T=50):
    W = rng.standard_normal((n_a, n_a))
    p = {"Wax": rng.standard_normal((n_a, n_x)) * 0.5, "Waa": W * (0.3 / np.linalg.norm(W, 2)),
         "Wya": rng.standard_normal((2, n_a)), "ba": rng.standard_normal((n_a, 1)) * 0.1, "by": np.zeros((2, 1))}
    x = rng.standard_normal((n_x, m, T))
    a0 = rng.standard_normal((n_a, m)) * 0.5
    da = np.zeros((n_a, m, T))
    da[:, :, -1] = rng.standard_normal((n_a, m))      # a loss on the last step only
    return p, x, a0, da


@pytest.mark.points(2)
def test_rnn_backward_vanishing_gradient(student, ref, rng):
    """«普通的循环神经网络容易出现梯度消失»: with ||Waa||_2 = 0.3 and T = 50, a loss on the last step
    sends (almost) nothing back to a<0>: ||dloss/da<0>|| < 1e-20 (reference about 1e-50)."""
    p, x, a0, da = _vanishing_problem(rng)
    _, _, caches = ref.rnn_forward(x, a0, p)
    got = student.rnn_backward(da, caches)
    _check_keys(got, RNN_GRADS, "rnn_backward")
    expected = ref.rnn_backward(da, caches)
    # real work first: the gradient near the loss is large and right
    assert_close(got["dx"][:, :, -1], expected["dx"][:, :, -1], name="dx at the last step (T = 50)", rtol=1e-10,
                 atol=1e-13)
    assert_close(got["dWaa"], expected["dWaa"], name="dWaa (T = 50)", rtol=1e-10, atol=1e-13)
    n0 = float(np.linalg.norm(got["da0"]))
    assert n0 < 1e-20, (
        f"||da0|| = {n0:.3g} for T = 50 and ||Waa||_2 = 0.3: the gradient must vanish (< 1e-20; reference "
        f"{float(np.linalg.norm(expected['da0'])):.2g}). Each step multiplies it by Waa.T and tanh' <= 1.")
    assert_close(got["da0"], expected["da0"], name="da0 after 50 steps back (tiny, but exactly computed)",
                 rtol=1e-6, atol=0.0)


# ============================================================================ lstm_cell_forward (6)

def _lstm_cell_inputs(rng, d):
    return (rng.standard_normal((d["n_x"], d["m"])), rng.standard_normal((d["n_a"], d["m"])),
            rng.standard_normal((d["n_a"], d["m"])))


@pytest.mark.points(2)
def test_lstm_cell_forward_matches_reference(student, ref, rng):
    d = _dims(rng)
    p = _lstm_params(rng, **d)
    xt, a_prev, c_prev = _lstm_cell_inputs(rng, d)
    out, args_after, _ = student.call_with_args("lstm_cell_forward", xt, a_prev, c_prev, p)
    assert_unchanged("lstm_cell_forward", (xt, a_prev, c_prev, p), args_after,
                       ("xt", "a_prev", "c_prev", "parameters"))
    a_next, c_next, yt, cache = _astuple(out, 4, "lstm_cell_forward", "(a_next, c_next, yt_pred, cache)")
    ea, ec, ey, ecache = ref.lstm_cell_forward(xt, a_prev, c_prev, p)
    assert_close(a_next, ea, name="a_next = Γo * tanh(c_next) (concat = [a_prev; xt], a_prev on top)", rtol=1e-10)
    assert_close(c_next, ec, name="c_next = Γf * c_prev + Γi * c̃", rtol=1e-10)
    assert_close(yt, ey, name="yt_pred = softmax(Wy a_next + by)", rtol=1e-10)
    cache = _astuple(cache, 10, "lstm_cell_forward's cache",
                     "(a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)")
    names = ("a_next", "c_next", "a_prev", "c_prev", "ft", "it", "cct", "ot", "xt")
    for i, n in enumerate(names):
        assert_close(cache[i], ecache[i], name=f"cache[{i}] ({n})", rtol=1e-10)


def _torch_lstm_oracle(p, n_x, xt, a_prev, c_prev):
    """nn.LSTMCell with the curriculum's weight mapping (torch's gate order i, f, g, o)."""
    import torch
    n_a = p["Wf"].shape[0]
    W = np.concatenate([p["Wi"], p["Wf"], p["Wc"], p["Wo"]], axis=0)
    b = np.concatenate([p["bi"], p["bf"], p["bc"], p["bo"]], axis=0).ravel()
    cell = torch.nn.LSTMCell(n_x, n_a).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(W[:, n_a:].copy()))
        cell.weight_hh.copy_(torch.from_numpy(W[:, :n_a].copy()))
        cell.bias_ih.copy_(torch.from_numpy(b))
        cell.bias_hh.zero_()
        h, c = cell(torch.from_numpy(xt.T.copy()), (torch.from_numpy(a_prev.T.copy()), torch.from_numpy(c_prev.T.copy())))
    return h.numpy().T, c.numpy().T


@pytest.mark.points(2)
def test_lstm_cell_forward_matches_torch_lstmcell(student, rng):
    d = _dims(rng)
    p = _lstm_params(rng, **d)
    xt, a_prev, c_prev = _lstm_cell_inputs(rng, d)
    a_next, c_next, _, _ = student.lstm_cell_forward(xt, a_prev, c_prev, p)
    h, c = _torch_lstm_oracle(p, d["n_x"], xt, a_prev, c_prev)
    label = "vs torch.nn.LSTMCell (weight_ih/hh = [Wi; Wf; Wc; Wo] split into the x and a columns)"
    assert_close(a_next, h, name=f"a_next {label}", rtol=1e-10, atol=1e-13)
    assert_close(c_next, c, name=f"c_next {label}", rtol=1e-10, atol=1e-13)


@pytest.mark.points(1)
def test_lstm_cell_forward_gates_in_unit_interval(student, ref, rng):
    """«门控单元，取值范围为[0,1]»: even with large weights every gate stays in [0, 1] and c̃ in [-1, 1]."""
    d = _dims(rng, m=6)
    p = _lstm_params(rng, **d, scale=30.0)
    xt, a_prev, c_prev = _lstm_cell_inputs(rng, d)
    out = student.lstm_cell_forward(xt, a_prev, c_prev, p)
    cache = _astuple(_astuple(out, 4, "lstm_cell_forward", "(a_next, c_next, yt_pred, cache)")[3], 10,
                     "lstm_cell_forward's cache", "(a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)")
    ecache = ref.lstm_cell_forward(xt, a_prev, c_prev, p)[3]
    for i, n in ((4, "Γf"), (5, "Γi"), (7, "Γo")):
        assert_close(cache[i], ecache[i], name=f"{n} with weights ~30 (saturated gates)", rtol=1e-9, atol=1e-12)
        assert np.all((cache[i] >= 0) & (cache[i] <= 1)), f"{n} must lie in [0, 1]"
    assert np.all(np.abs(cache[6]) <= 1), "c̃ = tanh(...) must lie in [-1, 1]"


@pytest.mark.points(1)
def test_lstm_cell_forward_remember_setting(student, ref, rng):
    """bf = +10 (forget gate ≈ 1) and bi = -10 (update gate ≈ 0): the memory cell is kept, c<t> ≈ c<t-1>."""
    d = _dims(rng)
    p = _lstm_params(rng, **d, scale=0.3)
    p["bf"] = np.full((d["n_a"], 1), 10.0)
    p["bi"] = np.full((d["n_a"], 1), -10.0)
    p["Wf"], p["Wi"] = p["Wf"] * 0.1, p["Wi"] * 0.1   # the biases decide: |pre-activation ∓ 10| < 0.5
    xt, a_prev, c_prev = _lstm_cell_inputs(rng, d)
    _, c_next, _, _ = student.lstm_cell_forward(xt, a_prev, c_prev, p)
    assert_close(c_next, ref.lstm_cell_forward(xt, a_prev, c_prev, p)[1], name="c_next with bf = 10, bi = -10",
                 rtol=1e-10)
    drift = float(np.max(np.abs(c_next - c_prev)))
    assert drift < 1e-3, f"with bf = +10 and bi = -10 the memory must be kept: max |c_next - c_prev| = {drift:.3g}"


# ============================================================================ lstm_forward (4)

@pytest.mark.points(2)
def test_lstm_forward_matches_reference(student, ref, rng):
    d = _dims(rng)
    p = _lstm_params(rng, **d)
    x, a0 = _seq(rng, d)
    out, args_after, _ = student.call_with_args("lstm_forward", x, a0, p)
    assert_unchanged("lstm_forward", (x, a0, p), args_after, ("x", "a0", "parameters"))
    a, y, c, caches = _astuple(out, 4, "lstm_forward", "(a, y, c, caches)")
    ea, ey, ec, _ = ref.lstm_forward(x, a0, p)
    assert_close(a, ea, name="a (n_a, m, T_x) with a0 != 0 (and c<0> = 0)", rtol=1e-10)
    assert_close(y, ey, name="y (n_y, m, T_x)", rtol=1e-10)
    assert_close(c, ec, name="c (n_a, m, T_x)", rtol=1e-10)
    caches = _astuple(caches, 2, "lstm_forward's caches", "(list of cell caches, x)")
    assert isinstance(caches[0], (list, tuple)) and len(caches[0]) == d["T"], (
        f"caches[0] must be the list of the {d['T']} cell caches in time order")


@pytest.mark.points(1)
def test_lstm_forward_T1_is_cell_with_c0_zero(student, ref, rng):
    d = _dims(rng, T=1, m=1)
    p = _lstm_params(rng, **d)
    x, a0 = _seq(rng, d)
    a, y, c, _ = student.lstm_forward(x, a0, p)
    ea, ec, ey, _ = ref.lstm_cell_forward(x[:, :, 0], a0, np.zeros_like(a0), p)
    assert_close(c, ec[:, :, None], name="lstm_forward with T_x = 1, m = 1: c<1> (c<0> must be zeros, not a0)",
                 rtol=1e-10)
    assert_close(a, ea[:, :, None], name="lstm_forward with T_x = 1: a<1>", rtol=1e-10)


@pytest.mark.points(1)
def test_lstm_forward_float32(student, ref, rng):
    d = _dims(rng)
    p = {k: v.astype(np.float32) for k, v in _lstm_params(rng, **d).items()}
    x, a0 = (v.astype(np.float32) for v in _seq(rng, d))
    a, y, c, _ = student.lstm_forward(x, a0, p)
    ea, ey, ec, _ = ref.lstm_forward(x, a0, p)
    for name, g, e in (("a", a, ea), ("y", y, ey), ("c", c, ec)):
        assert_close(g, e, name=f"{name} with float32 inputs and parameters (must stay float32)", rtol=1e-5,
                     atol=1e-6)


# ============================================================================ lstm_cell_backward (10)

def _lstm_cell_problem(ref, rng, **fixed):
    d = _dims(rng, **fixed)
    p = _lstm_params(rng, **d)
    xt, a_prev, c_prev = _lstm_cell_inputs(rng, d)
    cache = ref.lstm_cell_forward(xt, a_prev, c_prev, p)[3]
    da, dc = rng.standard_normal((d["n_a"], d["m"])), rng.standard_normal((d["n_a"], d["m"]))
    return d, p, xt, a_prev, c_prev, cache, da, dc


@pytest.mark.points(3)
def test_lstm_cell_backward_matches_reference(student, ref, rng):
    d, p, xt, a_prev, c_prev, cache, da, dc = _lstm_cell_problem(ref, rng)
    got, args_after, _ = student.call_with_args("lstm_cell_backward", da, dc, cache)
    assert_unchanged("lstm_cell_backward", (da, dc, cache), args_after, ("da_next", "dc_next", "cache"))
    _check_keys(got, LSTM_CELL_GRADS, "lstm_cell_backward")
    expected = ref.lstm_cell_backward(da, dc, cache)
    for k in LSTM_CELL_GRADS:
        assert_close(got[k], expected[k], name=f"lstm_cell_backward: {k}", rtol=1e-10, atol=1e-13)


@pytest.mark.points(5)
def test_lstm_cell_backward_gradcheck(student, ref, rng):
    d, p, xt, a_prev, c_prev, cache, da, dc = _lstm_cell_problem(ref, rng)
    got = student.lstm_cell_backward(da, dc, cache)
    _check_keys(got, LSTM_CELL_GRADS, "lstm_cell_backward")

    def J(xt=xt, a_prev=a_prev, c_prev=c_prev, p=p):
        a, c, _, _ = ref.lstm_cell_forward(xt, a_prev, c_prev, p)
        return float(np.sum(a * da) + np.sum(c * dc))

    check_gradient(lambda v: J(xt=v), xt, got["dxt"], name="lstm_cell_backward: dxt", rng=rng)
    check_gradient(lambda v: J(a_prev=v), a_prev, got["da_prev"], name="lstm_cell_backward: da_prev", rng=rng)
    check_gradient(lambda v: J(c_prev=v), c_prev, got["dc_prev"], name="lstm_cell_backward: dc_prev", rng=rng)
    for k in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo"):
        check_gradient(lambda v, k=k: J(p=_with(p, k, v)), p[k], got["d" + k], name="lstm_cell_backward: d" + k,
                       rng=rng)


@pytest.mark.points(2)
@pytest.mark.exercises("lstm_cell_backward")
def test_lstm_cell_backward_keeps_gradient(student, ref, rng):
    """«LSTM…解决了…梯度消失问题»: with the forget gate ≈ 1 the memory path carries the gradient through
    50 steps almost unchanged: ||d sum(c<50>) / dc<0>|| stays within 1 % of sqrt(n_a)."""
    d = _dims(rng, n_a=5, m=1)
    p = _lstm_params(rng, **d, scale=0.3)
    p["bf"] = np.full((5, 1), 10.0)
    p["Wf"] = p["Wf"] * 0.1                          # Γf = σ(10 ± 0.5) >= 0.99992 for every unit
    xt, a_prev, c_prev = _lstm_cell_inputs(rng, d)
    cache = ref.lstm_cell_forward(xt, a_prev, c_prev, p)[3]
    one = student.lstm_cell_backward(np.zeros((5, 1)), np.ones((5, 1)), cache)
    _check_keys(one, LSTM_CELL_GRADS, "lstm_cell_backward")
    assert_close(one["dc_prev"], cache[4].copy(), name="dc_prev with da_next = 0 and dc_next = 1 (must be Γf)",
                 rtol=1e-12)
    dc0 = student.probe(probe_lstm_memory_chain, cache, 50)
    n = float(np.linalg.norm(dc0))
    ref_dc = np.ones((5, 1))
    for _ in range(50):
        ref_dc = ref.lstm_cell_backward(np.zeros((5, 1)), ref_dc, cache)["dc_prev"]
    assert_close(dc0, ref_dc, name="the memory-path gradient after 50 steps back", rtol=1e-9)
    assert abs(n / math.sqrt(5) - 1) < 0.01, (
        f"||gradient|| after 50 steps back with Γf ≈ 1 is {n:.4f}; it must stay within 1 % of sqrt(n_a) = "
        f"{math.sqrt(5):.4f}")


# ============================================================================ lstm_backward (6)

def _lstm_seq_problem(ref, rng, **fixed):
    d = _dims(rng, **fixed)
    p = _lstm_params(rng, **d)
    x, a0 = _seq(rng, d)
    caches = ref.lstm_forward(x, a0, p)[3]
    return d, p, x, a0, caches, rng.standard_normal((d["n_a"], d["m"], d["T"]))


@pytest.mark.points(2)
def test_lstm_backward_matches_reference(student, ref, rng):
    d, p, x, a0, caches, da = _lstm_seq_problem(ref, rng)
    got, args_after, _ = student.call_with_args("lstm_backward", da, caches)
    assert_unchanged("lstm_backward", (da, caches), args_after, ("da", "caches"))
    _check_keys(got, LSTM_GRADS, "lstm_backward")
    expected = ref.lstm_backward(da, caches)
    for k in LSTM_GRADS:
        assert_close(got[k], expected[k], name=f"lstm_backward: {k}", rtol=1e-10, atol=1e-13)


@pytest.mark.points(3)
def test_lstm_backward_gradcheck(student, ref, rng):
    d, p, x, a0, caches, da = _lstm_seq_problem(ref, rng)
    got = student.lstm_backward(da, caches)
    _check_keys(got, LSTM_GRADS, "lstm_backward")

    def J(x=x, a0=a0, p=p):
        return float(np.sum(ref.lstm_forward(x, a0, p)[0] * da))

    check_gradient(lambda v: J(x=v), x, got["dx"], name="lstm_backward: dx", rng=rng)
    check_gradient(lambda v: J(a0=v), a0, got["da0"], name="lstm_backward: da0", rng=rng)
    for k in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo"):
        check_gradient(lambda v, k=k: J(p=_with(p, k, v)), p[k], got["d" + k],
                       name=f"lstm_backward: d{k} (carry both da_prev and dc_prev back in time; sum over t)", rng=rng)


@pytest.mark.points(1)
def test_lstm_backward_long_memory(student, ref, rng):
    """The same T = 50 problem where the vanilla RNN's gradient vanishes: with the forget gate ≈ 1 the
    LSTM still sends a gradient back to a<0>."""
    n_x, n_a, m, T = 3, 5, 2, 50
    p = _lstm_params(rng, n_x, n_a, 2, scale=0.3)
    p["bf"] = np.full((n_a, 1), 10.0)
    x = rng.standard_normal((n_x, m, T))
    a0 = rng.standard_normal((n_a, m)) * 0.5
    da = np.zeros((n_a, m, T))
    da[:, :, -1] = rng.standard_normal((n_a, m))
    caches = ref.lstm_forward(x, a0, p)[3]
    got = student.lstm_backward(da, caches)
    _check_keys(got, LSTM_GRADS, "lstm_backward")
    expected = ref.lstm_backward(da, caches)
    assert_close(got["da0"], expected["da0"], name="da0 after 50 steps back (forget gate ≈ 1)", rtol=1e-8,
                 atol=1e-14)
    n0 = float(np.linalg.norm(got["da0"]))
    assert n0 > 1e-6, (
        f"||da0|| = {n0:.3g}: through the memory cell the LSTM keeps the gradient (> 1e-6, where the vanilla RNN's "
        f"is below 1e-20)")


# ============================================================================ gru_cell_forward (4)

@pytest.mark.points(2)
def test_gru_cell_forward_matches_reference(student, ref, rng):
    d = _dims(rng)
    p = _gru_params(rng, **d)
    xt, c_prev = rng.standard_normal((d["n_x"], d["m"])), rng.standard_normal((d["n_a"], d["m"]))
    out, args_after, _ = student.call_with_args("gru_cell_forward", xt, c_prev, p)
    assert_unchanged("gru_cell_forward", (xt, c_prev, p), args_after, ("xt", "c_prev", "parameters"))
    c_next, cache = _astuple(out, 2, "gru_cell_forward", "(c_next, cache)")
    ec, ecache = ref.gru_cell_forward(xt, c_prev, p)
    assert_close(c_next, ec, name="c_next = Γu * c̃ + (1 - Γu) * c_prev (c̃ uses Γr * c_prev)", rtol=1e-10)
    cache = _astuple(cache, 7, "gru_cell_forward's cache", "(c_next, c_prev, xt, gu, gr, cct, parameters)")
    for i, n in enumerate(("c_next", "c_prev", "xt", "Γu", "Γr", "c̃")):
        assert_close(cache[i], ecache[i], name=f"cache[{i}] ({n})", rtol=1e-10)


@pytest.mark.points(2)
def test_gru_cell_forward_remember_and_update(student, ref, rng):
    """«Γu=0时…"记住"得越明显»: bu = -50 (Γu ≈ 0) copies the memory, c<t> = c<t-1> to 1e-12; bu = +50
    (Γu ≈ 1) replaces it with the candidate c̃. Gates stay in [0, 1] even with large weights."""
    d = _dims(rng)
    p = _gru_params(rng, **d)
    xt, c_prev = rng.standard_normal((d["n_x"], d["m"])), rng.standard_normal((d["n_a"], d["m"]))
    keep = _with(p, "bu", np.full((d["n_a"], 1), -50.0))
    c_keep, _ = student.gru_cell_forward(xt, c_prev, keep)
    assert_close(c_keep, c_prev, name="c_next with bu = -50 (Γu ≈ 0: «记住», the memory is kept)", rtol=0, atol=1e-12)
    write = _with(p, "bu", np.full((d["n_a"], 1), 50.0))
    c_write, _ = student.gru_cell_forward(xt, c_prev, write)
    ec, ecache = ref.gru_cell_forward(xt, c_prev, write)
    assert_close(c_write, ecache[5], name="c_next with bu = +50 (Γu ≈ 1: the candidate c̃ is written)", rtol=1e-10,
                 atol=1e-12)
    big = {k: v * 30.0 for k, v in p.items()}
    _, cache = student.gru_cell_forward(xt, c_prev, big)
    eg = ref.gru_cell_forward(xt, c_prev, big)[1]
    for i, n in ((3, "Γu"), (4, "Γr")):
        assert_close(cache[i], eg[i], name=f"{n} with weights ~30", rtol=1e-9, atol=1e-12)
        assert np.all((cache[i] >= 0) & (cache[i] <= 1)), f"{n} must lie in [0, 1] («取值范围为[0,1]»)"


# ============================================================================ gru_cell_backward (6)

def _gru_problem(ref, rng):
    d = _dims(rng)
    p = _gru_params(rng, **d)
    xt, c_prev = rng.standard_normal((d["n_x"], d["m"])), rng.standard_normal((d["n_a"], d["m"]))
    cache = ref.gru_cell_forward(xt, c_prev, p)[1]
    return d, p, xt, c_prev, cache, rng.standard_normal((d["n_a"], d["m"]))


@pytest.mark.points(2)
def test_gru_cell_backward_matches_reference(student, ref, rng):
    d, p, xt, c_prev, cache, dc = _gru_problem(ref, rng)
    got, args_after, _ = student.call_with_args("gru_cell_backward", dc, cache)
    assert_unchanged("gru_cell_backward", (dc, cache), args_after, ("dc_next", "cache"))
    _check_keys(got, GRU_CELL_GRADS, "gru_cell_backward")
    expected = ref.gru_cell_backward(dc, cache)
    for k in GRU_CELL_GRADS:
        assert_close(got[k], expected[k], name=f"gru_cell_backward: {k}", rtol=1e-10, atol=1e-13)


@pytest.mark.points(4)
def test_gru_cell_backward_gradcheck(student, ref, rng):
    d, p, xt, c_prev, cache, dc = _gru_problem(ref, rng)
    got = student.gru_cell_backward(dc, cache)
    _check_keys(got, GRU_CELL_GRADS, "gru_cell_backward")

    def J(xt=xt, c_prev=c_prev, p=p):
        return float(np.sum(ref.gru_cell_forward(xt, c_prev, p)[0] * dc))

    check_gradient(lambda v: J(xt=v), xt, got["dxt"], name="gru_cell_backward: dxt", rng=rng)
    check_gradient(lambda v: J(c_prev=v), c_prev, got["dc_prev"],
                   name="gru_cell_backward: dc_prev (three paths: (1 - Γu), Γr * c_prev inside c̃, and both gates' inputs)", rng=rng)
    for k in ("Wu", "bu", "Wr", "br", "Wc", "bc"):
        check_gradient(lambda v, k=k: J(p=_with(p, k, v)), p[k], got["d" + k], name="gru_cell_backward: d" + k,
                       rng=rng)


# ============================================================================ BRNN (4)

def _brnn_problem(rng, d):
    pf, pb = _cell_params(rng, d["n_x"], d["n_a"]), _cell_params(rng, d["n_x"], d["n_a"])
    Wy = rng.standard_normal((d["n_y"], 2 * d["n_a"]))
    by = rng.standard_normal((d["n_y"], 1)) * 0.1
    x = rng.standard_normal((d["n_x"], d["m"], d["T"]))
    return x, rng.standard_normal((d["n_a"], d["m"])), rng.standard_normal((d["n_a"], d["m"])), pf, pb, Wy, by


@pytest.mark.points(2)
def test_bidirectional_rnn_forward_matches_reference(student, ref, rng):
    d = _dims(rng)
    args = _brnn_problem(rng, d)
    out, args_after, _ = student.call_with_args("bidirectional_rnn_forward", *args)
    assert_unchanged("bidirectional_rnn_forward", args, args_after,
                       ("x", "a0_f", "a0_b", "params_f", "params_b", "Wy", "by"))
    y, a_f, a_b = _astuple(out, 3, "bidirectional_rnn_forward", "(y_pred, a_f, a_b)")
    ey, ef, eb = ref.bidirectional_rnn_forward(*args)
    assert_close(a_f, ef, name="a_f (forward states, t = 1..T)", rtol=1e-10)
    assert_close(a_b, eb, name="a_b (backward states, computed for t = T..1, stored at index t)", rtol=1e-10)
    assert_close(y, ey, name="y_pred = softmax(Wy [a_f<t>; a_b<t>] + by)", rtol=1e-10)


@pytest.mark.points(2)
def test_bidirectional_rnn_forward_sees_the_future(student, ref, rng):
    """双向循环神经网络: ŷ<1> depends on x<T> (the future), through the backward RNN; the forward
    states do not."""
    d = _dims(rng, T=5)
    x, a0f, a0b, pf, pb, Wy, by = _brnn_problem(rng, d)
    x2 = x.copy()
    x2[:, :, -1] += 1.0
    y1, af1, ab1 = student.bidirectional_rnn_forward(x, a0f, a0b, pf, pb, Wy, by)
    y2, af2, ab2 = student.bidirectional_rnn_forward(x2, a0f, a0b, pf, pb, Wy, by)
    assert_close(y2, ref.bidirectional_rnn_forward(x2, a0f, a0b, pf, pb, Wy, by)[0],
                 name="y_pred after changing x<T>", rtol=1e-10)
    change = float(np.max(np.abs(y2[:, :, 0] - y1[:, :, 0])))
    assert change > 1e-6, (
        f"changing x<T> changed ŷ<1> by only {change:.3g}: the backward RNN must read the sequence from t = T "
        f"down to 1, so that ŷ<1> sees the whole future")
    assert np.array_equal(af2[:, :, :-1], af1[:, :, :-1]), (
        "changing x<T> changed a forward state a_f<t> with t < T: the forward RNN must only see the past")


# ============================================================================ deep RNN (3)

@pytest.mark.points(2)
def test_deep_rnn_forward_matches_reference(student, ref, rng):
    d = _dims(rng)
    sizes = [int(rng.integers(2, 6)) for _ in range(3)]
    n_in = [d["n_x"]] + sizes[:-1]
    params = [_cell_params(rng, i, s) for i, s in zip(n_in, sizes)]
    a0s = [rng.standard_normal((s, d["m"])) for s in sizes]
    Wy, by = rng.standard_normal((d["n_y"], sizes[-1])), rng.standard_normal((d["n_y"], 1)) * 0.1
    x = rng.standard_normal((d["n_x"], d["m"], d["T"]))
    out = student.deep_rnn_forward(x, a0s, params, Wy, by)
    y, a_list = _astuple(out, 2, "deep_rnn_forward", "(y_pred, a_list)")
    ey, ea = ref.deep_rnn_forward(x, a0s, params, Wy, by)
    assert isinstance(a_list, (list, tuple)) and len(a_list) == 3, "a_list must hold one array per layer (3)"
    for l in range(3):
        assert_close(a_list[l], ea[l], name=f"a_list[{l}] (layer {l + 1} of 3, sizes {sizes}; its input is layer "
                                            f"{l}'s states)", rtol=1e-10)
    assert_close(y, ey, name="y_pred (the output reads the TOP layer)", rtol=1e-10)
    with raises_student(ValueError):
        student.deep_rnn_forward(x, a0s[:2], params, Wy, by)


@pytest.mark.points(1)
def test_deep_rnn_forward_one_layer_is_rnn_forward(student, ref, rng):
    d = _dims(rng)
    p = _rnn_params(rng, **d)
    x, a0 = _seq(rng, d)
    y, a_list = student.deep_rnn_forward(x, [a0], [{k: p[k] for k in ("Wax", "Waa", "ba")}], p["Wya"], p["by"])
    ea, ey, _ = ref.rnn_forward(x, a0, p)
    assert_close(y, ey, name="deep_rnn_forward with one layer vs rnn_forward: y_pred", rtol=1e-10)
    assert_close(a_list[0], ea, name="deep_rnn_forward with one layer vs rnn_forward: a", rtol=1e-10)


# ============================================================================ clip_gradients (2)

def _grads(rng):
    return {"dWax": rng.standard_normal((4, 3)) * 10, "dWaa": rng.standard_normal((4, 4)) * 10,
            "dWya": rng.standard_normal((3, 4)) * 10, "dba": rng.standard_normal((4, 1)) * 10,
            "dby": rng.standard_normal((3, 1)) * 0.01}


@pytest.mark.points(1)
def test_clip_gradients_values(student, ref, rng):
    g = _grads(rng)
    mv = float(rng.uniform(0.5, 5.0))
    got = student.clip_gradients(g, mv)
    assert isinstance(got, dict) and sorted(got) == sorted(g), f"clip_gradients must return a dict with keys {sorted(g)}"
    assert_close(got, ref.clip_gradients(g, mv), name=f"clip_gradients(grads, {mv:.3f})", rtol=0, atol=0)
    for k, v in got.items():
        assert np.all(np.abs(v) <= mv), f"{k}: an entry exceeds max_value {mv:.3f}"


@pytest.mark.points(1)
def test_clip_gradients_not_in_place(student, ref, rng):
    g = _grads(rng)
    got, args_after, _ = student.call_with_args("clip_gradients", g, 1.0)
    assert_close(got, ref.clip_gradients(g, 1.0), name="clip_gradients(grads, 1.0)", rtol=0, atol=0)
    assert_unchanged("clip_gradients", (g,), args_after, ("gradients",))


# ============================================================================ character LM (6)

def _lm_problem(rng, V=28, n_a=None, T=None, m=None):
    n_a = n_a or int(rng.integers(3, 7))
    T = T or int(rng.integers(3, 7))
    m = m or int(rng.integers(2, 5))
    p = {"Wax": rng.standard_normal((n_a, V)) * 0.5, "Waa": rng.standard_normal((n_a, n_a)) * 0.5,
         "Wya": rng.standard_normal((V, n_a)) * 0.5, "ba": rng.standard_normal((n_a, 1)) * 0.1,
         "by": rng.standard_normal((V, 1)) * 0.1}
    x_idx, y_idx = rng.integers(0, V, size=(T, m)), rng.integers(0, V, size=(T, m))
    return p, x_idx, y_idx, rng.standard_normal((n_a, m)) * 0.5


LM_GRADS = ("dWax", "dWaa", "dWya", "dba", "dby", "da0")


@pytest.mark.points(1)
def test_char_lm_loss_and_grads_matches_reference(student, ref, rng):
    p, x_idx, y_idx, a0 = _lm_problem(rng)
    out, args_after, _ = student.call_with_args("char_lm_loss_and_grads", x_idx, y_idx, p, a0, 28)
    assert_unchanged("char_lm_loss_and_grads", (x_idx, y_idx, p, a0), args_after, ("x_idx", "y_idx", "parameters", "a0"))
    loss, grads, a_last = _astuple(out, 3, "char_lm_loss_and_grads", "(loss, grads, a_last)")
    el, eg, ea = ref.char_lm_loss_and_grads(x_idx, y_idx, p, a0, 28)
    assert_float(loss, "the loss of char_lm_loss_and_grads")
    assert_close(loss, el, name="loss = -(1/(mT)) sum log ŷ[target] (one-hot inputs, a0 != 0)", rtol=1e-10)
    _check_keys(grads, LM_GRADS, "char_lm_loss_and_grads")
    for k in LM_GRADS:
        assert_close(grads[k], eg[k], name=f"char_lm_loss_and_grads: {k}", rtol=1e-9, atol=1e-13)
    assert_close(a_last, ea, name="a_last (the state after the last character)", rtol=1e-10)


@pytest.mark.points(1)
def test_char_lm_loss_and_grads_gradcheck(student, ref, rng):
    p, x_idx, y_idx, a0 = _lm_problem(rng)
    _, grads, _ = student.char_lm_loss_and_grads(x_idx, y_idx, p, a0, 28)
    _check_keys(grads, LM_GRADS, "char_lm_loss_and_grads")
    for k in ("Wax", "Waa", "Wya", "ba", "by"):
        check_gradient(lambda v, k=k: ref.char_lm_loss_and_grads(x_idx, y_idx, _with(p, k, v), a0, 28)[0], p[k],
                       grads["d" + k], name=f"char_lm_loss_and_grads: d{k} of the whole character-LM loss (dZ_y = (ŷ - Y)/(mT))", rng=rng)


@pytest.mark.points(1)
@pytest.mark.timeout(30)
def test_train_char_lm_matches_reference(student, ref, rng):
    seed = _seed(rng)
    text = data.CORPUS[:200]
    kw = dict(n_a=6, T=7, m=3, num_iterations=6, learning_rate=0.05, clip=0.02)
    params, losses = student.train_char_lm(text, rng=student.rng(seed), **kw)
    ep, el = ref.train_char_lm(text, rng=np.random.default_rng(seed), **kw)
    assert_float_list(losses, 6, "the losses train_char_lm returns")
    assert_close(losses, el, name="losses of 6 iterations (n_a=6, T=7, m=3, lr=0.05, clip=0.02: clipping is active)",
                 rtol=1e-9)
    assert_close(params, ep, name="parameters after 6 Adam steps", rtol=1e-9, atol=1e-13)


@reference_value
def _reference_char_lm_losses(ref):
    """The reference's 200 losses with the defaults and rng = default_rng(0), computed once per process."""
    return [float(v) for v in ref.train_char_lm(data.CORPUS, rng=np.random.default_rng(0))[1]]


def _train_lm(student, rng, submission_memo):
    memo = submission_memo
    if "char_lm" not in memo:
        try:
            memo["char_lm"] = student.train_char_lm(data.CORPUS, rng=student.rng(_seed(rng))), None
        except Exception as exc:  # noqa: BLE001 - reported by each test that needs the run
            memo["char_lm"] = None, exc
    run, exc = memo["char_lm"]
    if exc is not None:
        raise exc
    return run


@pytest.mark.points(2)
@pytest.mark.timeout(60)
@pytest.mark.exercises("train_char_lm")
def test_train_char_lm_end_to_end(student, ref, rng, submission_memo, figure):
    """The character LM on the course corpus (n_a = 32, T = 25, m = 16, Adam 1e-2, clip 5, 200 iterations):
    it starts at ln 28 (every character equally likely) and learns the text."""
    _, losses = _train_lm(student, rng, submission_memo)
    figure("character LM on the course corpus: loss per iteration",
           {"your losses": losses if isinstance(losses, list) else [],
            "reference (rng = default_rng(0))": _reference_char_lm_losses(ref)},
           xlabel="iteration", ylabel="cross-entropy")
    assert isinstance(losses, list) and len(losses) == 200, (
        f"train_char_lm must return 200 losses, got {len(losses) if isinstance(losses, list) else type(losses).__name__}")
    first = float(losses[0])
    assert abs(first - LN28) < 0.01, (
        f"the first loss is {first:.4f}; with weights 0.01 N(0, 1) every one of the 28 characters is about equally "
        f"likely, so it must be ln 28 = {LN28:.4f} (± 0.01)")
    late = float(np.mean([float(v) for v in losses[180:200]]))
    assert math.isfinite(late) and late < 1.6, (
        f"mean loss over iterations 180-200 is {late:.3f}; it must be < 1.6 (reference about 1.1-1.2)")


@pytest.mark.points(1)
def test_sample_matches_reference(student, ref, rng):
    chars, c2i, i2c = data.char_vocab()
    p, _, _, _ = _lm_problem(rng, n_a=5)
    p["Wya"] = p["Wya"] * 4            # a peaked, non-uniform distribution
    seed = _seed(rng)
    gen = student.rng(seed)
    start = chars[int(rng.integers(1, 28))]
    text = student.sample(p, c2i, i2c, start, 40, gen)
    ref_gen = np.random.default_rng(seed)
    expected = ref.sample(p, c2i, i2c, start, 40, ref_gen)
    assert isinstance(text, str) and len(text) == 40, (
        f"sample must return a str of n_chars = 40 characters, got {type(text).__name__} "
        f"{len(text) if isinstance(text, str) else ''}")
    assert set(text) <= set(chars), f"sample produced characters outside the vocabulary: {sorted(set(text) - set(chars))}"
    assert text == expected, (
        f"sample with the same rng must give the reference's text (one rng.choice(V, p=ŷ.ravel()) per character, "
        f"fed back as the next one-hot input):\n  yours:     {text!r}\n  reference: {expected!r}")
    assert student.probe(probe_next_draw, gen) == float(ref_gen.random()), (
        "sample must draw exactly one rng.choice per character (no more, no less)")

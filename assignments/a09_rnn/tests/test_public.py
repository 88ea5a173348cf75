"""Public tests of A09 (run them with `dlgrade check a09`).

Small fixed inputs; the answers are written out or computed here from torch (`nn.RNNCell`,
`nn.LSTMCell`), from the formulas of the handout, or by numerical differentiation of YOUR forward
(in your process, with `grader.gradcheck`). The hidden tests are stricter: random inputs per student,
a reference at 1e-10, gradient checks through the reference forward, input mutation, float32, the
chapter's claims end to end (ln 28 → < 1.6 for the character LM, MSE < 0.03 on the adding problem)
and the device tests.
"""
import math

import numpy as np
import pytest
import torch

from grader import data
from grader.checks import assert_close


# ----------------------------------------------------------------------------- probes (run in your process)

def probe_rng(module, seed):
    import numpy as np
    return np.random.default_rng(seed)


def probe_numerical_grads(module, fname, args, wrt, out_index, weights, arg_index_of_params):
    """Centred differences of sum(out * weights) of YOUR forward `fname`, with respect to the
    arguments named in `wrt` (an int: that positional argument; a str: that key of the parameters)."""
    import numpy as np
    from grader.gradcheck import numerical_gradient
    fn = getattr(module, fname)

    def run(args):
        out = fn(*args)
        value = 0.0
        for i, w in zip(out_index, weights):
            value += float(np.sum(out[i] * w))
        return value

    grads = {}
    for w in wrt:
        def f(v, w=w):
            a = list(args)
            if isinstance(w, int):
                a[w] = v
            else:
                a[arg_index_of_params] = dict(a[arg_index_of_params], **{w: v})
            return run(a)
        start = args[w] if isinstance(w, int) else args[arg_index_of_params][w]
        grads[str(w)] = numerical_gradient(f, start.copy())
    return grads


def probe_generator(module, seed):
    import torch
    return torch.Generator().manual_seed(seed)


def probe_regressor(module, seed, double):
    import torch
    torch.manual_seed(seed)
    model = module.SequenceRegressor(2, 4)
    return model.double() if double else model


def probe_cell(module, weights, x, h, c):
    import torch
    cell = module.TorchLSTMCell(x.shape[1], h.shape[1])
    with torch.no_grad():
        for name, w in weights.items():
            getattr(cell, name).data = w.clone()
    return tuple(t.detach() for t in cell(x, (h, c)))


def probe_meta(module):
    import torch
    model = module.SequenceRegressor(2, 3).to("meta")
    out = model(torch.empty(4, 5, 2, device="meta"))
    return tuple(out.shape), str(out.device)


# ----------------------------------------------------------------------------- fixed problems

R = np.random.default_rng(2024)
N_X, N_A, N_Y, M, T = 2, 3, 2, 2, 3


def _rnn_params():
    r = np.random.default_rng(1)
    return {"Wax": r.standard_normal((N_A, N_X)) * 0.6, "Waa": r.standard_normal((N_A, N_A)) * 0.6,
            "Wya": r.standard_normal((N_Y, N_A)) * 0.6, "ba": r.standard_normal((N_A, 1)) * 0.1,
            "by": r.standard_normal((N_Y, 1)) * 0.1}


def _lstm_params():
    r = np.random.default_rng(2)
    p = {}
    for k in "fico":
        p["W" + k] = r.standard_normal((N_A, N_A + N_X)) * 0.6
        p["b" + k] = r.standard_normal((N_A, 1)) * 0.1
    p["Wy"], p["by"] = r.standard_normal((N_Y, N_A)) * 0.6, r.standard_normal((N_Y, 1)) * 0.1
    return p


def _gru_params():
    r = np.random.default_rng(3)
    p = {}
    for k in "urc":
        p["W" + k] = r.standard_normal((N_A, N_A + N_X)) * 0.6
        p["b" + k] = r.standard_normal((N_A, 1)) * 0.1
    return p


def _x():
    r = np.random.default_rng(4)
    return r.standard_normal((N_X, M, T)), r.standard_normal((N_A, M)), r.standard_normal((N_A, M))


def _softmax_cols(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _torch_lstm(p, xt, a, c):
    W = np.concatenate([p["Wi"], p["Wf"], p["Wc"], p["Wo"]], axis=0)
    b = np.concatenate([p["bi"], p["bf"], p["bc"], p["bo"]], axis=0).ravel()
    cell = torch.nn.LSTMCell(N_X, N_A).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(W[:, N_A:].copy()))
        cell.weight_hh.copy_(torch.from_numpy(W[:, :N_A].copy()))
        cell.bias_ih.copy_(torch.from_numpy(b))
        cell.bias_hh.zero_()
        h2, c2 = cell(torch.from_numpy(xt.T.copy()), (torch.from_numpy(a.T.copy()), torch.from_numpy(c.T.copy())))
    return h2.numpy().T, c2.numpy().T


# ----------------------------------------------------------------------------- basic RNN

@pytest.mark.points(2)
def test_rnn_cell_forward_is_torch_rnncell(student):
    p = _rnn_params()
    x, a0, _ = _x()
    a_next, yt, cache = student.rnn_cell_forward(x[:, :, 0], a0, p)
    cell = torch.nn.RNNCell(N_X, N_A).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(p["Wax"]))
        cell.weight_hh.copy_(torch.from_numpy(p["Waa"]))
        cell.bias_ih.copy_(torch.from_numpy(p["ba"].ravel()))
        cell.bias_hh.zero_()
        h = cell(torch.from_numpy(x[:, :, 0].T.copy()), torch.from_numpy(a0.T.copy())).numpy().T
    assert_close(a_next, h, name="a_next vs torch.nn.RNNCell", rtol=1e-10)
    assert_close(yt, _softmax_cols(p["Wya"] @ h + p["by"]), name="yt_pred = softmax(Wya a_next + by)", rtol=1e-10)


@pytest.mark.points(2)
def test_rnn_forward_loops_the_cell(student):
    p = _rnn_params()
    x, a0, _ = _x()
    a, y, caches = student.rnn_forward(x, a0, p)
    assert a.shape == (N_A, M, T) and y.shape == (N_Y, M, T), "a is (n_a, m, T_x), y_pred (n_y, m, T_x)"
    prev = a0
    for t in range(T):
        prev = np.tanh(p["Waa"] @ prev + p["Wax"] @ x[:, :, t] + p["ba"])
        assert_close(a[:, :, t], prev, name=f"a[:, :, {t}]", rtol=1e-10)
    assert len(caches) == 2 and len(caches[0]) == T, "caches = (list of T_x cell caches, x)"


@pytest.mark.points(2)
def test_rnn_cell_backward_numerically(student):
    p = _rnn_params()
    x, a0, _ = _x()
    da = np.random.default_rng(5).standard_normal((N_A, M))
    _, _, cache = student.rnn_cell_forward(x[:, :, 0], a0, p)
    got = student.rnn_cell_backward(da, cache)
    num = student.probe(probe_numerical_grads, "rnn_cell_forward", [x[:, :, 0].copy(), a0, p], [0, 1, "Wax", "Waa", "ba"],
                        [0], [da], 2)
    for key, name in (("0", "dxt"), ("1", "da_prev"), ("Wax", "dWax"), ("Waa", "dWaa"), ("ba", "dba")):
        assert_close(got[name], num[key], name=f"{name} vs centred differences of your rnn_cell_forward", rtol=1e-6,
                     atol=1e-9)


@pytest.mark.points(2)
def test_rnn_backward_numerically(student):
    p = _rnn_params()
    x, a0, _ = _x()
    da = np.random.default_rng(6).standard_normal((N_A, M, T))
    _, _, caches = student.rnn_forward(x, a0, p)
    got = student.rnn_backward(da, caches)
    num = student.probe(probe_numerical_grads, "rnn_forward", [x, a0, p], [0, 1, "Wax", "Waa", "ba"], [0], [da], 2)
    for key, name in (("0", "dx"), ("1", "da0"), ("Wax", "dWax"), ("Waa", "dWaa"), ("ba", "dba")):
        assert_close(got[name], num[key], name=f"{name} vs centred differences of your rnn_forward (summed over t)",
                     rtol=1e-6, atol=1e-9)


# ----------------------------------------------------------------------------- LSTM

@pytest.mark.points(2)
def test_lstm_cell_forward_is_torch_lstmcell(student):
    p = _lstm_params()
    x, a0, c0 = _x()
    a_next, c_next, yt, cache = student.lstm_cell_forward(x[:, :, 0], a0, c0, p)
    h, c = _torch_lstm(p, x[:, :, 0], a0, c0)
    assert_close(a_next, h, name="a_next vs torch.nn.LSTMCell (mapped weights)", rtol=1e-10)
    assert_close(c_next, c, name="c_next vs torch.nn.LSTMCell (mapped weights)", rtol=1e-10)
    assert len(cache) == 10, "cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)"


@pytest.mark.points(1)
def test_lstm_forward_starts_with_c0_zero(student):
    p = _lstm_params()
    x, a0, _ = _x()
    a, y, c, caches = student.lstm_forward(x, a0, p)
    h, cc = _torch_lstm(p, x[:, :, 0], a0, np.zeros_like(a0))
    assert_close(c[:, :, 0], cc, name="c[:, :, 0] (c<0> = 0)", rtol=1e-10)
    assert_close(a[:, :, 0], h, name="a[:, :, 0]", rtol=1e-10)
    assert y.shape == (N_Y, M, T), "y is (n_y, m, T_x)"


@pytest.mark.points(2)
def test_lstm_cell_backward_numerically(student):
    p = _lstm_params()
    x, a0, c0 = _x()
    r = np.random.default_rng(7)
    da, dc = r.standard_normal((N_A, M)), r.standard_normal((N_A, M))
    cache = student.lstm_cell_forward(x[:, :, 0], a0, c0, p)[3]
    got = student.lstm_cell_backward(da, dc, cache)
    wrt = [0, 1, 2, "Wf", "bf", "Wi", "Wc", "Wo", "bo"]
    num = student.probe(probe_numerical_grads, "lstm_cell_forward", [x[:, :, 0].copy(), a0, c0, p], wrt, [0, 1],
                        [da, dc], 3)
    names = {"0": "dxt", "1": "da_prev", "2": "dc_prev"}
    for key in map(str, wrt):
        name = names.get(key, "d" + key)
        assert_close(got[name], num[key], name=f"{name} vs centred differences of your lstm_cell_forward", rtol=1e-6,
                     atol=1e-9)


@pytest.mark.points(2)
def test_lstm_backward_numerically(student):
    p = _lstm_params()
    x, a0, _ = _x()
    da = np.random.default_rng(8).standard_normal((N_A, M, T))
    caches = student.lstm_forward(x, a0, p)[3]
    got = student.lstm_backward(da, caches)
    wrt = [0, 1, "Wf", "bi", "Wc", "Wo"]
    num = student.probe(probe_numerical_grads, "lstm_forward", [x, a0, p], wrt, [0], [da], 2)
    names = {"0": "dx", "1": "da0"}
    for key in map(str, wrt):
        name = names.get(key, "d" + key)
        assert_close(got[name], num[key], name=f"{name} vs centred differences of your lstm_forward", rtol=1e-6,
                     atol=1e-9)


# ----------------------------------------------------------------------------- GRU

@pytest.mark.points(2)
def test_gru_cell_forward_formula_and_memory(student):
    p = _gru_params()
    x, c0, _ = _x()
    xt = x[:, :, 0]
    c_next, cache = student.gru_cell_forward(xt, c0, p)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    cat = np.concatenate([c0, xt])
    gu, gr = sig(p["Wu"] @ cat + p["bu"]), sig(p["Wr"] @ cat + p["br"])
    cct = np.tanh(p["Wc"] @ np.concatenate([gr * c0, xt]) + p["bc"])
    assert_close(c_next, gu * cct + (1 - gu) * c0, name="c_next = Γu * c̃ + (1 - Γu) * c_prev", rtol=1e-10)
    keep, _ = student.gru_cell_forward(xt, c0, dict(p, bu=np.full((N_A, 1), -50.0)))
    assert_close(keep, c0, name="c_next with bu = -50 (Γu ≈ 0: «记住», the memory is kept)", rtol=0, atol=1e-12)


@pytest.mark.points(2)
def test_gru_cell_backward_numerically(student):
    p = _gru_params()
    x, c0, _ = _x()
    dc = np.random.default_rng(9).standard_normal((N_A, M))
    cache = student.gru_cell_forward(x[:, :, 0], c0, p)[1]
    got = student.gru_cell_backward(dc, cache)
    wrt = [0, 1, "Wu", "bu", "Wr", "br", "Wc", "bc"]
    num = student.probe(probe_numerical_grads, "gru_cell_forward", [x[:, :, 0].copy(), c0, p], wrt, [0], [dc], 2)
    names = {"0": "dxt", "1": "dc_prev"}
    for key in map(str, wrt):
        name = names.get(key, "d" + key)
        assert_close(got[name], num[key], name=f"{name} vs centred differences of your gru_cell_forward", rtol=1e-6,
                     atol=1e-9)


# ----------------------------------------------------------------------------- BRNN, deep RNN

@pytest.mark.points(1)
def test_brnn_sees_the_future(student):
    r = np.random.default_rng(10)
    pf = {"Wax": r.standard_normal((N_A, N_X)), "Waa": r.standard_normal((N_A, N_A)) * 0.5, "ba": np.zeros((N_A, 1))}
    pb = {"Wax": r.standard_normal((N_A, N_X)), "Waa": r.standard_normal((N_A, N_A)) * 0.5, "ba": np.zeros((N_A, 1))}
    Wy, by = r.standard_normal((N_Y, 2 * N_A)), np.zeros((N_Y, 1))
    x, a0, _ = _x()
    y1, af, ab = student.bidirectional_rnn_forward(x, a0, a0, pf, pb, Wy, by)
    assert y1.shape == (N_Y, M, T) and af.shape == ab.shape == (N_A, M, T)
    x2 = x.copy()
    x2[:, :, -1] += 1.0
    y2, _, _ = student.bidirectional_rnn_forward(x2, a0, a0, pf, pb, Wy, by)
    assert np.max(np.abs(y2[:, :, 0] - y1[:, :, 0])) > 1e-6, "ŷ<1> of a BRNN must change when x<T> changes"
    a = a0
    for t in reversed(range(T)):
        a = np.tanh(pb["Waa"] @ a + pb["Wax"] @ x[:, :, t] + pb["ba"])
    assert_close(ab[:, :, 0], a, name="a_b[:, :, 0] (the backward RNN has read x<T> ... x<1>)", rtol=1e-10)


@pytest.mark.points(1)
def test_deep_rnn_one_layer_is_rnn_forward(student):
    p = _rnn_params()
    x, a0, _ = _x()
    y, a_list = student.deep_rnn_forward(x, [a0], [{k: p[k] for k in ("Wax", "Waa", "ba")}], p["Wya"], p["by"])
    a, y_ref, _ = student.rnn_forward(x, a0, p)
    assert_close(y, y_ref, name="deep_rnn_forward with one layer vs your rnn_forward", rtol=1e-10)
    assert_close(a_list[0], a, name="deep_rnn_forward's a_list[0] vs your rnn_forward's a", rtol=1e-10)


# ----------------------------------------------------------------------------- character LM

@pytest.mark.points(1)
def test_clip_gradients(student):
    g = {"dWax": np.array([[-12.0, 0.5], [3.0, 7.0]]), "dby": np.array([[-0.1], [6.0]])}
    got, args_after, _ = student.call_with_args("clip_gradients", g, 5.0)
    assert_close(got, {"dWax": np.array([[-5.0, 0.5], [3.0, 5.0]]), "dby": np.array([[-0.1], [5.0]])},
                 name="clip_gradients(g, 5)", rtol=0)
    assert np.array_equal(args_after[0]["dWax"], g["dWax"]), "clip_gradients must not modify its input"


@pytest.mark.points(2)
def test_char_lm_loss_and_grads_uniform(student):
    """With zero weights every character has probability 1/V: the loss is ln V, dWax = dWaa = 0."""
    V, n_a, T_, m = 28, 4, 5, 3
    p = {"Wax": np.zeros((n_a, V)), "Waa": np.zeros((n_a, n_a)), "Wya": np.zeros((V, n_a)), "ba": np.zeros((n_a, 1)),
         "by": np.zeros((V, 1))}
    x_idx = np.arange(T_ * m).reshape(T_, m) % V
    y_idx = (x_idx + 1) % V
    loss, grads, a_last = student.char_lm_loss_and_grads(x_idx, y_idx, p, np.zeros((n_a, m)), V)
    assert_close(loss, math.log(V), name="loss with zero weights (must be ln 28, a Python float)", rtol=1e-12)
    Y = np.zeros((V, m * T_))
    Y[y_idx.T.ravel(), np.arange(m * T_)] = 1
    assert_close(grads["dby"], (1.0 / V - Y.mean(axis=1, keepdims=True)), name="dby = sum of (ŷ - Y)/(mT)",
                 rtol=1e-10, atol=1e-14)
    assert_close(grads["dWax"], np.zeros((n_a, V)), name="dWax with zero weights", rtol=0, atol=1e-15)
    assert a_last.shape == (n_a, m), "a_last is (n_a, m)"


@pytest.mark.points(2)
@pytest.mark.timeout(30)
def test_train_char_lm_short(student):
    params, losses = student.train_char_lm(data.CORPUS, num_iterations=30, rng=student.probe(probe_rng, 0))
    assert isinstance(losses, list) and len(losses) == 30 and all(type(v) is float for v in losses)
    assert abs(losses[0] - math.log(28)) < 0.01, f"the first loss must be ln 28 = 3.332, got {losses[0]:.4f}"
    assert np.mean(losses[-5:]) < losses[0] - 0.3, f"30 Adam steps must lower the loss: {losses[0]:.3f} -> {losses[-1]:.3f}"
    assert sorted(params) == ["Waa", "Wax", "Wya", "ba", "by"] and params["Wax"].shape == (32, 28)


@pytest.mark.points(1)
def test_sample(student):
    chars, c2i, i2c = data.char_vocab()
    r = np.random.default_rng(11)
    p = {"Wax": r.standard_normal((5, 28)), "Waa": r.standard_normal((5, 5)) * 0.5, "Wya": r.standard_normal((28, 5)) * 3,
         "ba": np.zeros((5, 1)), "by": np.zeros((28, 1))}
    t1 = student.sample(p, c2i, i2c, "a", 30, student.probe(probe_rng, 3))
    t2 = student.sample(p, c2i, i2c, "a", 30, student.probe(probe_rng, 3))
    assert isinstance(t1, str) and len(t1) == 30, "sample returns a str of n_chars characters"
    assert set(t1) <= set(chars), "every sampled character is in the vocabulary"
    assert t1 == t2, "the same rng seed must give the same text"


# ----------------------------------------------------------------------------- part B (torch)

@pytest.mark.points(2)
@pytest.mark.module("rnn_torch")
def test_torch_lstm_cell_is_lstmcell(student):
    torch.manual_seed(0)
    oracle = torch.nn.LSTMCell(3, 4).double()
    weights = {n: p.detach().clone() for n, p in oracle.named_parameters()}
    g = torch.Generator().manual_seed(1)
    x, h, c = (torch.randn(2, n, generator=g, dtype=torch.float64) for n in (3, 4, 4))
    h2, c2 = student.probe(probe_cell, weights, x, h, c)
    with torch.no_grad():
        eh, ec = oracle(x, (h, c))
    assert_close(h2, eh, name="h' vs nn.LSTMCell (gate order i, f, g, o)", rtol=1e-12)
    assert_close(c2, ec, name="c' vs nn.LSTMCell", rtol=1e-12)


@pytest.mark.points(2)
@pytest.mark.module("rnn_torch")
def test_lstm_params_numpy_to_torch(student):
    p = _lstm_params()
    sd = student.lstm_params_numpy_to_torch(p, N_X)
    cell = torch.nn.LSTMCell(N_X, N_A).double()
    cell.load_state_dict(sd)
    x, a0, c0 = _x()
    with torch.no_grad():
        h, c = cell(torch.from_numpy(x[:, :, 0].T.copy()), (torch.from_numpy(a0.T.copy()), torch.from_numpy(c0.T.copy())))
    eh, ec = _torch_lstm(p, x[:, :, 0], a0, c0)
    assert_close(h.numpy(), eh.T, name="nn.LSTMCell loaded with your state_dict: h'", rtol=1e-12)


@pytest.mark.points(2)
@pytest.mark.module("rnn_torch")
@pytest.mark.timeout(30)
def test_sequence_regressor_trains(student):
    model = student.probe(probe_regressor, 0, False)
    losses = student.train_adding(model, steps=40, batch_size=32, T=6, generator=student.probe(probe_generator, 0))
    assert isinstance(losses, list) and len(losses) == 40 and all(type(v) is float for v in losses)
    assert np.mean(losses[-10:]) < np.mean(losses[:5]), "the MSE must go down while training"
    assert student.probe(probe_meta) == ((4, 1), "meta"), (
        "SequenceRegressor must run on the meta device: make the zero state with x.new_zeros, not torch.zeros")

"""Public tests of A07 (run them with `dlgrade check a07`).

Fixed inputs; answers written out or computed here from torch.optim (the same oracles as the
hidden tests). The hidden tests are stricter: random inputs per student, a reference at
1e-10-1e-12, numerical gradient checks, exact masks and shuffles for a seed, input mutation,
the chapter's claims end to end, and the TorchAdam device tests.
"""
import numpy as np
import pytest
import torch

from grader.checks import assert_close


def probe_rng(module, seed):
    import numpy as np
    return np.random.default_rng(seed)


def probe_torch_adam_steps(module, values, grads_seq, kwargs):
    import torch
    ps = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    opt = module.TorchAdam(ps, **kwargs)
    for grads in grads_seq:
        for p, g in zip(ps, grads):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return [p.detach().clone() for p in ps]


def _params():
    return {"W1": np.array([[1.0, -2.0], [0.5, 0.0]]), "b1": np.array([[0.1], [-0.1]]),
            "W2": np.array([[3.0, -1.0]]), "b2": np.array([[0.2]])}


def _grads():
    return {"dW1": np.array([[0.5, -1.0], [2.0, 0.1]]), "db1": np.array([[0.3], [-0.2]]),
            "dW2": np.array([[-0.4, 1.5]]), "db2": np.array([[0.05]])}


# ----------------------------------------------------------------------------- 正则化

@pytest.mark.points(2)
def test_cost_with_regularization(student):
    AL = np.array([[0.8, 0.3, 0.6, 0.1]])
    Y = np.array([[1.0, 0.0, 1.0, 0.0]])
    J = -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    params = _params()
    got = student.compute_cost_with_regularization(AL, Y, params, 0.8)
    sq = 1 + 4 + 0.25 + 0 + 9 + 1
    assert_close(got, float(J + 0.8 / (2 * 4) * sq), name="L2 cost, lambd = 0.8 (b is not regularized)", rtol=1e-12)
    got1 = student.compute_cost_with_regularization(AL, Y, params, 0.8, kind="l1")
    assert_close(got1, float(J + 0.8 / 4 * (1 + 2 + 0.5 + 0 + 3 + 1)), name="L1 cost, lambd = 0.8", rtol=1e-12)


@pytest.mark.points(1)
def test_soft_threshold(student):
    got = student.soft_threshold(np.array([[-2.0, -0.5, 0.2, 0.7]]), 0.5)
    assert_close(got, np.array([[-1.5, 0.0, 0.0, 0.2]]), name="soft_threshold(., 0.5)", rtol=1e-15, atol=1e-15)


# ----------------------------------------------------------------------------- Dropout

@pytest.mark.points(2)
def test_dropout_forward_seed(student):
    A = np.arange(1.0, 7.0).reshape(2, 3)
    gen = student.probe(probe_rng, 0)
    A_drop, D = student.dropout_forward(A, 0.5, gen)
    expected_D = np.random.default_rng(0).random((2, 3)) < 0.5
    assert_close(D, expected_D, name="D = rng.random(A.shape) < keep_prob (bool)", rtol=0)
    assert_close(A_drop, A * expected_D / 0.5, name="A_drop = A * D / keep_prob", rtol=1e-15)


@pytest.mark.points(1)
def test_dropout_backward(student):
    dA = np.array([[1.0, 2.0], [3.0, 4.0]])
    D = np.array([[True, False], [False, True]])
    assert_close(student.dropout_backward(dA, D, 0.8), np.array([[1.25, 0.0], [0.0, 5.0]]),
                 name="dropout_backward", rtol=1e-15)


# ----------------------------------------------------------------------------- 小批量

@pytest.mark.points(2)
def test_mini_batches_sizes(student):
    X = np.arange(2 * 200, dtype=np.float64).reshape(2, 200)
    Y = X[:1] * 10
    gen = student.probe(probe_rng, 1)
    batches = student.random_mini_batches(X, Y, 64, gen)
    assert [b[0].shape[1] for b in batches] == [64, 64, 64, 8], "m = 200, size 64 -> [64, 64, 64, 8]"
    for Xb, Yb in batches:
        assert np.array_equal(Yb, Xb[:1] * 10), "Y must be shuffled with the same permutation as X"
    perm = np.random.default_rng(1).permutation(200)
    assert_close(batches[0][0], X[:, perm[:64]], name="first mini-batch (perm = rng.permutation(m))", rtol=0)


# ----------------------------------------------------------------------------- 动量, RMSprop, Adam

def _torch_run(make_opt, params, grads, steps):
    ts = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    opt = make_opt(list(ts.values()))
    for _ in range(steps):
        for k, t in ts.items():
            t.grad = torch.tensor(grads["d" + k])
        opt.step()
    return {k: t.detach().numpy() for k, t in ts.items()}


@pytest.mark.points(2)
def test_momentum_is_rescaled_torch_sgd(student):
    params, grads = _params(), _grads()
    p, v = params, student.initialize_velocity(params)
    for _ in range(3):
        p, v = student.update_parameters_with_momentum(p, grads, v, 0.9, 0.1)
    expected = _torch_run(lambda ps: torch.optim.SGD(ps, lr=0.1 * (1 - 0.9), momentum=0.9), params, grads, 3)
    assert_close(p, expected, name="3 momentum steps vs torch.optim.SGD(lr=alpha(1-beta), momentum=beta)",
                 rtol=1e-12)


@pytest.mark.points(2)
def test_rmsprop_is_torch_rmsprop(student):
    params, grads = _params(), _grads()
    p, s = params, student.initialize_rmsprop(params)
    for _ in range(3):
        p, s = student.update_parameters_with_rmsprop(p, grads, s, 0.99, 0.01)
    expected = _torch_run(lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.99, eps=1e-8), params, grads, 3)
    assert_close(p, expected, name="3 RMSprop steps vs torch.optim.RMSprop", rtol=1e-12)


@pytest.mark.points(3)
def test_adam_is_torch_adam(student):
    params, grads = _params(), _grads()
    p, (v, s) = params, student.initialize_adam(params)
    for t in (1, 2, 3):
        p, v, s, v_hat, s_hat = student.update_parameters_with_adam(p, grads, v, s, t, 0.01)
    expected = _torch_run(lambda ps: torch.optim.Adam(ps, lr=0.01), params, grads, 3)
    assert_close(p, expected, name="3 Adam steps (t = 1, 2, 3) vs torch.optim.Adam", rtol=1e-12)
    assert_close(v_hat["dW2"], v["dW2"] / (1 - 0.9 ** 3), name="v_corrected after t = 3", rtol=1e-12)


@pytest.mark.points(1)
def test_learning_rate_decay(student):
    assert_close(student.learning_rate_decay(0.5, 10, 0.3), 0.5 / 4.0, name="inverse decay at epoch 10", rtol=1e-14)
    assert_close(student.learning_rate_decay(0.5, 1500, 1.0, "step"), 0.25, name="step decay at epoch 1500",
                 rtol=1e-14)
    assert_close(student.learning_rate_decay(0.5, 2, 0.5, "exponential"), 0.125, name="exponential decay",
                 rtol=1e-14)


# ----------------------------------------------------------------------------- TorchAdam

@pytest.mark.points(3)
@pytest.mark.module("torch_adam")
def test_torch_adam_matches_torch(student):
    values = [np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([0.1, -0.1])]
    grads_seq = [[np.array([[0.5, -1.0], [2.0, 0.1]]) * k, np.array([0.3, -0.2]) * k] for k in (1.0, -0.5, 2.0)]
    got = student.probe(probe_torch_adam_steps, values, grads_seq, {"lr": 0.01, "weight_decay": 0.01})
    ts = [torch.tensor(v, requires_grad=True) for v in values]
    opt = torch.optim.Adam(ts, lr=0.01, weight_decay=0.01)
    for grads in grads_seq:
        for t, g in zip(ts, grads):
            t.grad = torch.tensor(g)
        opt.step()
    for i, (g, t) in enumerate(zip(got, ts)):
        assert_close(g, t.detach(), name=f"TorchAdam parameter {i} after 3 steps (weight_decay=0.01)", rtol=1e-12)

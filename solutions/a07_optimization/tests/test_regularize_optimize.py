"""Hidden tests of A07 part A (numpy): 正则化, dropout, 小批量梯度下降, 动量/RMSprop/Adam, 学习率衰减.

Points (CURRICULUM A07): cost with reg 6 · backward with reg 10 · soft_threshold 3 · dropout fwd/bwd 8 ·
forward/backward with dropout 7 · mini-batches 8 · momentum 8 · RMSprop 7 · Adam 12 · lr decay 5 ·
model 6 = 80 (test_torch_adam.py has TorchAdam 12 + device/GPU 8 = 20).

A ``numpy.random.Generator`` cannot cross into the student's process, so the tests build one there
with a probe (``probe_rng``) from a seed, and the reference here uses ``default_rng`` of the same seed.
Gradient checks use the reference forward (CONVENTIONS §5); the optimizer oracles are
torch.optim.SGD / RMSprop / Adam, run here on the CPU in float64.
"""
import math

import numpy as np
import pytest

from grader import data
from grader.checks import (assert_close, assert_did_work, assert_float, assert_float_list, assert_unchanged,
                           raises_student)
from grader.gradcheck import check_gradient


# ============================================================================ probes (run in the child)

def probe_next_draw(module, gen):
    return float(gen.random())


def probe_cost_gradient(module, AL, Y, parameters, lambd, kind, h):
    """Centred differences of the STUDENT's regularized cost with respect to every W[l] and b[l]
    (AL fixed, so only the penalty moves). Exercises compute_cost_with_regularization only."""
    import numpy as np
    grads = {}
    for key in parameters:
        P = parameters[key]
        g = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            plus = {k: v.copy() for k, v in parameters.items()}
            minus = {k: v.copy() for k, v in parameters.items()}
            plus[key][idx] += h
            minus[key][idx] -= h
            jp = module.compute_cost_with_regularization(AL, Y, plus, lambd, kind)
            jm = module.compute_cost_with_regularization(AL, Y, minus, lambd, kind)
            g[idx] = (jp - jm) / (2 * h)
        grads["d" + key] = g
    return grads


def probe_dropout_stats(module, n, m, keep_prob, seed):
    """Runs dropout_forward on an all-ones (n, m) array in the child and returns only summaries."""
    import numpy as np
    A = np.ones((n, m))
    A_drop, D = module.dropout_forward(A, keep_prob, np.random.default_rng(seed))
    return {"mean": float(np.mean(A_drop)), "kept": float(np.mean(D)),
            "consistent": bool(np.array_equal(A_drop != 0, np.asarray(D, dtype=bool))),
            "A_drop_type": type(A_drop).__name__, "D_dtype": str(np.asarray(D).dtype)}


# ============================================================================ helpers

def _seed(rng):
    return int(rng.integers(0, 2**31))


def _params(rng, dims, w_scale=None, b_scale=0.1, min_abs_w=0.0):
    p = {}
    for l in range(1, len(dims)):
        scale = math.sqrt(2.0 / dims[l - 1]) if w_scale is None else w_scale
        W = rng.standard_normal((dims[l], dims[l - 1])) * scale
        if min_abs_w:
            W = np.where(np.abs(W) < min_abs_w, np.sign(W + 1e-300) * (min_abs_w + np.abs(W)), W)
        p[f"W{l}"] = W
        p[f"b{l}"] = rng.standard_normal((dims[l], 1)) * b_scale
    return p


def _labels(rng, n_y, m):
    if n_y == 1:
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        Y[0, 0], Y[0, -1] = 0.0, 1.0
        return Y
    Y = np.zeros((n_y, m))
    Y[rng.integers(0, n_y, size=m), np.arange(m)] = 1.0
    return Y


def _problem(ref, rng, dims=None, m=None, hidden="relu", output="sigmoid", min_abs_w=0.0, tries=50):
    """Random net + data with every hidden pre-activation at least 1e-3 away from the ReLU kink."""
    dims = dims or [int(rng.integers(2, 5)), int(rng.integers(3, 6)), int(rng.integers(2, 5)), 1]
    m = m or int(rng.integers(5, 12))
    for _ in range(tries):
        params = _params(rng, dims, min_abs_w=min_abs_w)
        X = rng.standard_normal((dims[0], m))
        AL, caches = ref.L_model_forward(X, params, hidden, output)
        if min(np.min(np.abs(c[1])) for c in caches[:-1]) > 1e-3:
            break
    Y = _labels(rng, dims[-1], m)
    return X, Y, params, AL, caches


def _grads(rng, params, scale=1.0):
    return {"d" + k: rng.standard_normal(v.shape) * scale for k, v in params.items()}


def _copy(d):
    return {k: v.copy() for k, v in d.items()}


# ============================================================================ cost with regularization (6)

@pytest.mark.points(1)
def test_cost_with_regularization_l2(student, ref, rng):
    X, Y, params, AL, _ = _problem(ref, rng)
    lambd = float(rng.uniform(0.1, 2.0))
    got = student.compute_cost_with_regularization(AL, Y, params, lambd)
    assert_float(got, "compute_cost_with_regularization")
    assert_close(got, ref.compute_cost_with_regularization(AL, Y, params, lambd),
                 name=f"L2 cost (default kind, lambd={lambd:.3f}): J + lambd/(2m) sum ||W||^2", rtol=1e-12)
    assert_close(student.compute_cost_with_regularization(AL, Y, params, 0.0),
                 ref.compute_cost_with_regularization(AL, Y, params, 0.0), name="cost with lambd = 0", rtol=1e-12)


@pytest.mark.points(1)
def test_cost_with_regularization_l1(student, ref, rng):
    X, Y, params, AL, _ = _problem(ref, rng)
    lambd = float(rng.uniform(0.1, 2.0))
    got = student.compute_cost_with_regularization(AL, Y, params, lambd, kind="l1")
    assert_float(got, "compute_cost_with_regularization(kind='l1')")
    assert_close(got, ref.compute_cost_with_regularization(AL, Y, params, lambd, kind="l1"),
                 name=f"L1 cost (lambd={lambd:.3f}): J + lambd/m sum |W|", rtol=1e-12)
    with raises_student(ValueError):
        student.compute_cost_with_regularization(AL, Y, params, lambd, kind="l3")


@pytest.mark.points(1)
@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_cost_with_regularization_softmax(student, ref, rng, kind):
    X, Y, params, AL, _ = _problem(ref, rng, dims=[3, 4, 3], output="softmax")
    lambd = float(rng.uniform(0.1, 2.0))
    got = student.compute_cost_with_regularization(AL, Y, params, lambd, kind, "softmax")
    assert_close(got, ref.compute_cost_with_regularization(AL, Y, params, lambd, kind, "softmax"),
                 name=f"{kind} cost with a softmax output", rtol=1e-12)


@pytest.mark.points(2)
@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_cost_consistent_with_gradient(student, ref, rng, kind):
    """The numerical gradient of the student's cost (AL held fixed) must be the penalty gradient:
    (lambd/m) W for L2, (lambd/m) sign(W) for L1, and exactly 0 for every bias."""
    X, Y, params, AL, _ = _problem(ref, rng, dims=[3, 4, 1], min_abs_w=1e-2)
    m = Y.shape[1]
    lambd = float(rng.uniform(0.5, 2.0))
    num = student.probe(probe_cost_gradient, AL, Y, params, lambd, kind, 1e-5)
    for key, W in params.items():
        if key.startswith("W"):
            expected = (lambd / m) * (W if kind == "l2" else np.sign(W))
        else:
            expected = np.zeros_like(W)
        assert_close(num["d" + key], expected,
                     name=f"d(cost)/d{key} of your {kind} cost (numerical, AL fixed)"
                          + ("" if key.startswith("W") else ": b must not be regularized"),
                     rtol=1e-5, atol=1e-8)


# ============================================================================ backward with regularization (10)

def _check_grads(got, expected, label, rtol=1e-10, atol=1e-13, keys=None):
    assert isinstance(got, dict), f"{label}: grads must be a dict, got {type(got).__name__}"
    keys = keys or [k for k in expected if k.startswith(("dW", "db"))]
    for k in keys:
        assert k in got, f"{label}: grads lacks the key {k!r}"
        assert_close(got[k], expected[k], name=f"{label}: {k}", rtol=rtol, atol=atol)


@pytest.mark.points(2)
def test_backward_with_regularization_l2(student, ref, rng):
    X, Y, params, AL, caches = _problem(ref, rng)
    lambd = float(rng.uniform(0.1, 2.0))
    got = student.backward_with_regularization(AL, Y, caches, params, lambd, "l2")
    _check_grads(got, ref.backward_with_regularization(AL, Y, caches, params, lambd, "l2"), "L2 backward")


@pytest.mark.points(2)
def test_backward_with_regularization_l1(student, ref, rng):
    X, Y, params, AL, caches = _problem(ref, rng)
    params = _copy(params)
    params["W1"][0, 0] = 0.0                       # sign(0) = 0: an exact zero gets no L1 push
    AL, caches = ref.L_model_forward(X, params, "relu", "sigmoid")
    lambd = float(rng.uniform(0.1, 2.0))
    got = student.backward_with_regularization(AL, Y, caches, params, lambd, "l1")
    _check_grads(got, ref.backward_with_regularization(AL, Y, caches, params, lambd, "l1"),
                 "L1 backward (W1[0, 0] == 0 exactly, sign(0) = 0)")
    with raises_student(ValueError):
        student.backward_with_regularization(AL, Y, caches, params, lambd, "l3")


@pytest.mark.points(3)
@pytest.mark.parametrize("kind,hidden", [("l2", "tanh"), ("l1", "relu")])
def test_backward_with_regularization_gradcheck(student, ref, rng, kind, hidden):
    X, Y, params, AL, caches = _problem(ref, rng, dims=[3, 5, 4, 1], hidden=hidden, min_abs_w=1e-2)
    lambd = float(rng.uniform(0.5, 2.0))
    got = student.backward_with_regularization(AL, Y, caches, params, lambd, kind, hidden, "sigmoid")
    assert isinstance(got, dict), f"backward_with_regularization must return a dict, got {type(got).__name__}"
    tol = 1e-7 if hidden == "tanh" else 1e-6
    for key in params:
        def J(P, key=key):
            p = dict(params)
            p[key] = P
            A, _ = ref.L_model_forward(X, p, hidden, "sigmoid")
            return ref.compute_cost_with_regularization(A, Y, p, lambd, kind)
        assert "d" + key in got, f"grads lacks the key 'd{key}'"
        check_gradient(J, params[key], got["d" + key], name=f"d{key} ({kind}, {hidden} hidden layers)",
                       tol=tol, rng=rng)


@pytest.mark.points(1)
def test_backward_db_unchanged_by_lambda(student, ref, rng):
    X, Y, params, AL, caches = _problem(ref, rng)
    g0 = student.backward_with_regularization(AL, Y, caches, params, 0.0, "l2")
    g5 = student.backward_with_regularization(AL, Y, caches, params, 5.0, "l2")
    exp0 = ref.backward_with_regularization(AL, Y, caches, params, 0.0, "l2")
    _check_grads(g0, exp0, "backward_with_regularization with lambd = 0 (real work first)",
                 keys=[f"db{l}" for l in range(1, len(caches) + 1)])
    for l in range(1, len(caches) + 1):
        assert_close(g5[f"db{l}"], g0[f"db{l}"], name=f"db{l} with lambd = 5 vs lambd = 0 (b is not regularized)",
                     rtol=0, atol=0)


@pytest.mark.points(1)
def test_backward_with_regularization_softmax(student, ref, rng):
    X, Y, params, AL, caches = _problem(ref, rng, dims=[3, 5, 3], hidden="leaky_relu", output="softmax")
    lambd = float(rng.uniform(0.1, 2.0))
    got = student.backward_with_regularization(AL, Y, caches, params, lambd, "l2", "leaky_relu", "softmax")
    _check_grads(got, ref.backward_with_regularization(AL, Y, caches, params, lambd, "l2", "leaky_relu", "softmax"),
                 "L2 backward (leaky_relu hidden, softmax output)")


# ============================================================================ soft_threshold (3)

@pytest.mark.points(1)
def test_soft_threshold_matches_reference(student, ref, rng):
    W = rng.standard_normal((4, 6))
    t = float(rng.uniform(0.2, 0.8))
    got = student.soft_threshold(W, t)
    assert_close(got, ref.soft_threshold(W, t), name=f"soft_threshold(W, {t:.3f})", rtol=1e-15)
    W32 = W.astype(np.float32)
    assert_close(student.soft_threshold(W32, t), ref.soft_threshold(W32, t), name="soft_threshold of float32 W",
                 rtol=1e-6)


@pytest.mark.points(1)
def test_soft_threshold_exact_zeros(student, rng):
    t = 0.5
    W = np.array([[-2.0, -0.5, -0.3, 0.0, 0.3, 0.5, 0.7, 3.0]])
    got = student.soft_threshold(W, t)
    assert_close(got, np.array([[-1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 2.5]]),
                 name="soft_threshold([-2, -.5, -.3, 0, .3, .5, .7, 3], 0.5)", rtol=1e-15, atol=1e-15)
    assert np.all(got[np.abs(W) <= t] == 0.0), "entries with |W| <= t must become exactly 0 (L1 gives sparsity)"
    W2 = rng.standard_normal((3, 5))
    assert_close(student.soft_threshold(W2, 0.0), W2, name="soft_threshold(W, 0) (identity)", rtol=0)


# ============================================================================ dropout forward/backward (8)

@pytest.mark.points(1)
def test_dropout_forward_matches_reference(student, ref, rng):
    A = rng.standard_normal((int(rng.integers(3, 7)), int(rng.integers(4, 10))))
    keep_prob = float(rng.uniform(0.5, 0.9))
    seed = _seed(rng)
    gen = student.rng(seed)
    (A_drop, D) = student.dropout_forward(A, keep_prob, gen)
    ref_gen = np.random.default_rng(seed)
    A_ref, D_ref = ref.dropout_forward(A, keep_prob, ref_gen)
    assert_close(D, D_ref, name=f"D (mask = rng.random(A.shape) < keep_prob, keep_prob={keep_prob:.3f}), bool",
                 rtol=0, atol=0)
    assert_close(A_drop, A_ref, name="A_drop = A * D / keep_prob (inverted dropout)", rtol=1e-15)
    assert student.probe(probe_next_draw, gen) == float(ref_gen.random()), (
        "dropout_forward must draw exactly rng.random(A.shape) once (no more, no less)")


@pytest.mark.points(2)
@pytest.mark.timeout(30)
def test_dropout_statistics(student, rng):
    stats = student.probe(probe_dropout_stats, 1000, 1000, 0.8, _seed(rng))
    assert stats["A_drop_type"] == "ndarray", f"dropout_forward must return ndarrays, got {stats['A_drop_type']}"
    assert stats["D_dtype"] == "bool", f"the mask D must be a bool array (rng.random(...) < keep_prob), got {stats['D_dtype']}"
    assert abs(stats["kept"] - 0.8) <= 0.005, f"kept fraction {stats['kept']:.4f}, expected 0.8 ± 0.005"
    assert abs(stats["mean"] - 1.0) <= 0.01, (
        f"mean(A_drop) = {stats['mean']:.4f} for A = 1: inverted dropout divides by keep_prob so that the "
        f"expectation stays 1 (± 0.01)")
    assert stats["consistent"], "A_drop must be zero exactly where D is False"


@pytest.mark.points(1)
def test_dropout_keep_prob_one(student, rng):
    A = rng.standard_normal((3, 5))
    seed = _seed(rng)
    gen = student.rng(seed)
    A_drop, D = student.dropout_forward(A, 1.0, gen)
    assert_close(A_drop, A, name="dropout_forward(A, keep_prob=1) (identity)", rtol=0)
    assert isinstance(D, np.ndarray) and D.dtype == bool and D.all(), "with keep_prob = 1 the mask keeps everything"
    ref_gen = np.random.default_rng(seed)
    ref_gen.random(A.shape)
    assert student.probe(probe_next_draw, gen) == float(ref_gen.random()), (
        "the mask must be drawn even when keep_prob == 1 (the random stream stays aligned)")


@pytest.mark.points(2)
def test_dropout_backward(student, ref, rng):
    dA = rng.standard_normal((4, 7))
    keep_prob = float(rng.uniform(0.5, 0.9))
    D = rng.random(dA.shape) < keep_prob
    got = student.dropout_backward(dA, D, keep_prob)
    assert_close(got, ref.dropout_backward(dA, D, keep_prob), name="dropout_backward = dA * D / keep_prob",
                 rtol=1e-15)
    assert np.all(got[~D] == 0.0), "dropout_backward must zero exactly the dropped units"
    dA32 = dA.astype(np.float32)
    assert_close(student.dropout_backward(dA32, D, keep_prob), ref.dropout_backward(dA32, D, keep_prob),
                 name="dropout_backward of float32 dA", rtol=1e-6)


# ============================================================================ forward / backward with dropout (7)

@pytest.mark.points(2)
def test_forward_with_dropout_matches_reference(student, ref, rng):
    dims = [3, 6, 5, 1]
    X = rng.standard_normal((3, 9))
    params = _params(rng, dims)
    keep_probs = [float(rng.uniform(0.5, 0.9)), float(rng.uniform(0.5, 0.9))]
    seed = _seed(rng)
    gen = student.rng(seed)
    AL, caches = student.L_model_forward_with_dropout(X, params, keep_probs, gen)
    AL_ref, caches_ref = ref.L_model_forward_with_dropout(X, params, keep_probs, np.random.default_rng(seed))
    assert_close(AL, AL_ref, name="AL (relu hidden layers with dropout, sigmoid output)", rtol=1e-12)
    assert isinstance(caches, (list, tuple)) and len(caches) == 3, "there must be one cache per layer (L = 3)"
    for l, (c, c_ref) in enumerate(zip(caches, caches_ref), start=1):
        assert len(c) == 3, f"cache of layer {l} must be ((A_prev, W, b), Z, D)"
        assert_close(c[1], c_ref[1], name=f"Z{l} in cache {l}", rtol=1e-12)
        if l < 3:
            assert_close(c[2], c_ref[2], name=f"D{l} (mask of hidden layer {l}, drawn in order l = 1, 2)", rtol=0)
        else:
            assert c[2] is None, "the output layer has no dropout: its cache must hold D = None"


@pytest.mark.points(1)
def test_forward_with_dropout_keep_one_is_plain_forward(student, ref, rng):
    dims = [2, 4, 3, 3]
    X = rng.standard_normal((2, 6))
    params = _params(rng, dims)
    gen = student.rng(_seed(rng))
    AL, _ = student.L_model_forward_with_dropout(X, params, [1.0, 1.0], gen, "tanh", "softmax")
    AL_ref, _ = ref.L_model_forward(X, params, "tanh", "softmax")
    assert_close(AL, AL_ref, name="forward with keep_probs = [1, 1] (tanh hidden, softmax output)", rtol=1e-12)


def _dropout_problem(ref, rng, dims, m, keep_probs, hidden="relu", output="sigmoid"):
    for _ in range(50):
        params = _params(rng, dims)
        X = rng.standard_normal((dims[0], m))
        seed = _seed(rng)
        AL, caches = ref.L_model_forward_with_dropout(X, params, keep_probs, np.random.default_rng(seed),
                                                      hidden, output)
        if min(np.min(np.abs(c[1])) for c in caches[:-1]) > 1e-3:
            break
    Y = _labels(rng, dims[-1], m)
    return X, Y, params, seed, AL, caches


@pytest.mark.points(1)
def test_backward_with_dropout_matches_reference(student, ref, rng):
    keep_probs = [float(rng.uniform(0.5, 0.9)), float(rng.uniform(0.5, 0.9))]
    X, Y, params, seed, AL, caches = _dropout_problem(ref, rng, [3, 6, 5, 1], 8, keep_probs)
    got = student.L_model_backward_with_dropout(AL, Y, caches, keep_probs)
    _check_grads(got, ref.L_model_backward_with_dropout(AL, Y, caches, keep_probs), "backward with dropout",
                 keys=["dW1", "db1", "dW2", "db2", "dW3", "db3", "dA0"])


@pytest.mark.points(2)
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_backward_with_dropout_gradcheck(student, ref, rng, output):
    """The masks are held fixed by reseeding the generator inside the cost function."""
    dims = [3, 5, 4, 1 if output == "sigmoid" else 3]
    keep_probs = [0.7, 0.8]
    X, Y, params, seed, AL, caches = _dropout_problem(ref, rng, dims, 7, keep_probs, output=output)
    got = student.L_model_backward_with_dropout(AL, Y, caches, keep_probs, "relu", output)
    assert isinstance(got, dict), f"L_model_backward_with_dropout must return a dict, got {type(got).__name__}"
    for key in params:
        def J(P, key=key):
            p = dict(params)
            p[key] = P
            A, _ = ref.L_model_forward_with_dropout(X, p, keep_probs, np.random.default_rng(seed), "relu", output)
            return ref.compute_cost(A, Y, output)
        assert "d" + key in got, f"grads lacks the key 'd{key}'"
        check_gradient(J, params[key], got["d" + key], name=f"d{key} (dropout {keep_probs}, {output} output)",
                       tol=1e-6, rng=rng)


# ============================================================================ mini-batches (8)

def _mb_data(rng, m, n_x=3):
    X = rng.standard_normal((n_x, m))
    X[0] = np.arange(m)                               # column j is recognisable by X[0, j] = j
    Y = (np.arange(m) * 10.0 + 0.5).reshape(1, m)      # and Y[0, j] = 10 j + 0.5
    return X, Y


def _check_batches(got, expected, label):
    assert isinstance(got, list), f"random_mini_batches must return a list, got {type(got).__name__}"
    assert len(got) == len(expected), f"{label}: {len(got)} mini-batches, expected {len(expected)}"
    for k, (b, e) in enumerate(zip(got, expected)):
        assert len(b) == 2, f"{label}: mini-batch {k} must be a tuple (X_b, Y_b)"
        assert_close(b[0], e[0], name=f"{label}: X of mini-batch {k}", rtol=0)
        assert_close(b[1], e[1], name=f"{label}: Y of mini-batch {k}", rtol=0)


@pytest.mark.points(1)
def test_mini_batches_match_reference(student, ref, rng):
    X, Y = _mb_data(rng, int(rng.integers(40, 90)))
    size = int(rng.integers(8, 20))
    seed = _seed(rng)
    got = student.random_mini_batches(X, Y, size, student.rng(seed))
    _check_batches(got, ref.random_mini_batches(X, Y, size, np.random.default_rng(seed)),
                   f"m={X.shape[1]}, size={size}")


@pytest.mark.points(1)
def test_mini_batches_defaults(student, ref, rng):
    X, Y = _mb_data(rng, 150)
    _check_batches(student.random_mini_batches(X, Y), ref.random_mini_batches(X, Y),
                   "defaults (mini_batch_size=64, rng=None -> default_rng(0))")


@pytest.mark.points(1)
def test_mini_batches_sizes_200(student, rng):
    X, Y = _mb_data(rng, 200)
    got = student.random_mini_batches(X, Y, 64, student.rng(_seed(rng)))
    sizes = [b[0].shape[1] for b in got]
    assert sizes == [64, 64, 64, 8], f"m = 200, size 64 must give batches of [64, 64, 64, 8], got {sizes}"


@pytest.mark.points(1)
def test_mini_batches_permutation_and_alignment(student, rng):
    m = int(rng.integers(50, 120))
    X, Y = _mb_data(rng, m)
    got = student.random_mini_batches(X, Y, 16, student.rng(_seed(rng)))
    cols = np.concatenate([b[0][0] for b in got]).astype(np.int64)
    assert sorted(cols.tolist()) == list(range(m)), "the mini-batches together must hold every column exactly once"
    assert not np.array_equal(cols, np.arange(m)), "the columns were not shuffled («每次epoch训练之前，最好随机打乱»)"
    for k, (Xb, Yb) in enumerate(got):
        assert np.array_equal(Yb[0], Xb[0] * 10.0 + 0.5), (
            f"mini-batch {k}: Y_b does not belong to X_b -- shuffle X and Y with the SAME permutation")
        assert_close(Xb, X[:, Xb[0].astype(np.int64)], name=f"X of mini-batch {k} (whole columns)", rtol=0)


@pytest.mark.points(1)
def test_mini_batches_one_hot_labels(student, ref, rng):
    """Multi-class labels are one-hot (C, m) (CONVENTIONS §1): Y_b keeps all C rows; a
    Y[:, perm].reshape((1, m)) written for binary labels cannot handle them."""
    m, C = int(rng.integers(40, 70)), int(rng.integers(3, 6))
    X, _ = _mb_data(rng, m)
    Y = _labels(rng, C, m)
    size = int(rng.integers(8, 16))
    seed = _seed(rng)
    got = student.random_mini_batches(X, Y, size, student.rng(seed))
    _check_batches(got, ref.random_mini_batches(X, Y, size, np.random.default_rng(seed)),
                   f"random_mini_batches with one-hot Y of shape ({C}, {m}), size={size}")


@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["m<size", "size=1", "size=m"])
def test_mini_batches_edges(student, ref, rng, case):
    m = {"m<size": 20, "size=1": 9, "size=m": 30}[case]
    size = {"m<size": 64, "size=1": 1, "size=m": 30}[case]
    X, Y = _mb_data(rng, m)
    seed = _seed(rng)
    got = student.random_mini_batches(X, Y, size, student.rng(seed))
    _check_batches(got, ref.random_mini_batches(X, Y, size, np.random.default_rng(seed)), f"{case} (m={m}, size={size})")


# ============================================================================ GD and momentum (8)

def _opt_problem(rng, dims=None):
    dims = dims or [int(rng.integers(2, 5)), int(rng.integers(2, 5)), 1]
    params = _params(rng, dims)
    return params, _grads(rng, params)


@pytest.mark.points(1)
def test_initialize_velocity(student, rng):
    params, _ = _opt_problem(rng)
    v = student.initialize_velocity(params)
    assert isinstance(v, dict), f"initialize_velocity must return a dict, got {type(v).__name__}"
    expected = {"d" + k: np.zeros_like(p) for k, p in params.items()}
    assert sorted(v) == sorted(expected), f"velocity keys {sorted(v)}, expected {sorted(expected)}"
    for k in expected:
        assert_close(v[k], expected[k], name=f"v[{k!r}]", rtol=0)


@pytest.mark.points(1)
def test_update_parameters_with_gd(student, ref, rng):
    params, grads = _opt_problem(rng)
    lr = float(rng.uniform(0.01, 0.5))
    got = student.update_parameters_with_gd(params, grads, lr)
    assert_close(got, ref.update_parameters_with_gd(params, grads, lr), name="parameters after one GD step", rtol=1e-12)


@pytest.mark.points(1)
def test_momentum_matches_reference(student, ref, rng):
    params, grads = _opt_problem(rng)
    v = {k: rng.standard_normal(g.shape) * 0.1 for k, g in grads.items()}
    beta, lr = float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.01, 0.3))
    (p_new, v_new) = student.update_parameters_with_momentum(params, grads, v, beta, lr)
    p_ref, v_ref = ref.update_parameters_with_momentum(params, grads, v, beta, lr)
    assert_close(v_new, v_ref, name=f"v = beta v + (1 - beta) g (beta={beta:.3f})", rtol=1e-12)
    assert_close(p_new, p_ref, name="parameters after a momentum step", rtol=1e-12)


def _torch_oracle(opt_factory, params, grad_seq):
    """Runs a torch.optim optimizer over float64 copies of params, feeding the given gradients."""
    import torch
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    opt = opt_factory(list(tensors.values()))
    out = []
    for grads in grad_seq:
        for k, t in tensors.items():
            t.grad = torch.tensor(grads["d" + k], dtype=torch.float64)
        opt.step()
        out.append({k: t.detach().numpy().copy() for k, t in tensors.items()})
    return out


@pytest.mark.points(2)
def test_momentum_matches_torch_sgd(student, rng):
    import torch
    params, _ = _opt_problem(rng)
    beta, lr = float(rng.uniform(0.6, 0.95)), float(rng.uniform(0.05, 0.3))
    grad_seq = [_grads(rng, params) for _ in range(30)]
    oracle = _torch_oracle(lambda ps: torch.optim.SGD(ps, lr=lr * (1 - beta), momentum=beta), params, grad_seq)
    p, v = params, student.initialize_velocity(params)
    for step, grads in enumerate(grad_seq):
        p, v = student.update_parameters_with_momentum(p, grads, v, beta, lr)
        if step in (0, 9, 29):
            assert_close(p, oracle[step],
                         name=f"parameters after {step + 1} momentum steps vs torch.optim.SGD(lr=alpha(1-beta), "
                              f"momentum=beta)", rtol=1e-10, atol=1e-13)


@pytest.mark.points(1)
def test_momentum_beta_zero_is_gd(student, ref, rng):
    params, grads = _opt_problem(rng)
    lr = float(rng.uniform(0.01, 0.3))
    p_new, _ = student.update_parameters_with_momentum(params, grads, student.initialize_velocity(params), 0.0, lr)
    assert_close(p_new, ref.update_parameters_with_gd(params, grads, lr), name="momentum with beta = 0 (must be GD)",
                 rtol=1e-12)


# ============================================================================ RMSprop (7)

@pytest.mark.points(1)
def test_initialize_rmsprop(student, rng):
    params, _ = _opt_problem(rng)
    s = student.initialize_rmsprop(params)
    expected = {"d" + k: np.zeros_like(p) for k, p in params.items()}
    assert isinstance(s, dict) and sorted(s) == sorted(expected), f"initialize_rmsprop keys must be {sorted(expected)}"
    for k in expected:
        assert_close(s[k], expected[k], name=f"s[{k!r}]", rtol=0)


@pytest.mark.points(1)
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rmsprop_matches_reference(student, ref, rng, eps):
    params, grads = _opt_problem(rng)
    s = {k: rng.random(g.shape) * 0.1 for k, g in grads.items()}
    beta2, lr = float(rng.uniform(0.9, 0.999)), float(rng.uniform(0.001, 0.05))
    kw = {} if eps is None else {"epsilon": eps}
    (p_new, s_new) = student.update_parameters_with_rmsprop(params, grads, s, beta2,
                                                           lr, **kw)
    p_ref, s_ref = ref.update_parameters_with_rmsprop(params, grads, s, beta2, lr, **kw)
    label = "default epsilon" if eps is None else f"epsilon={eps}"
    assert_close(s_new, s_ref, name=f"s = beta2 s + (1 - beta2) g^2 ({label})", rtol=1e-12)
    assert_close(p_new, p_ref, name=f"parameters after an RMSprop step ({label})", rtol=1e-12)


@pytest.mark.points(3)
def test_rmsprop_matches_torch(student, rng):
    import torch
    params, _ = _opt_problem(rng)
    beta2, lr, eps = float(rng.uniform(0.9, 0.99)), float(rng.uniform(0.001, 0.02)), 1e-8
    grad_seq = [_grads(rng, params) for _ in range(30)]
    oracle = _torch_oracle(lambda ps: torch.optim.RMSprop(ps, lr=lr, alpha=beta2, eps=eps), params, grad_seq)
    p, s = params, student.initialize_rmsprop(params)
    for step, grads in enumerate(grad_seq):
        p, s = student.update_parameters_with_rmsprop(p, grads, s, beta2, lr, eps)
        if step in (0, 9, 29):
            assert_close(p, oracle[step], name=f"parameters after {step + 1} RMSprop steps vs torch.optim.RMSprop",
                         rtol=1e-10, atol=1e-13)


@pytest.mark.points(1)
def test_rmsprop_scale_invariance(student, ref, rng):
    params, grads = _opt_problem(rng)
    grads = {k: np.sign(g) * rng.uniform(0.5, 2.0, size=g.shape) for k, g in grads.items()}   # eps << |g|
    big = {k: 100.0 * g for k, g in grads.items()}
    p1, p2, s1, s2 = params, params, student.initialize_rmsprop(params), student.initialize_rmsprop(params)
    p_ref, s_ref = ref.update_parameters_with_rmsprop(params, grads, ref.initialize_rmsprop(params), 0.9, 0.01)
    p_first, _ = student.update_parameters_with_rmsprop(params, grads, s1, 0.9, 0.01)
    assert_close(p_first, p_ref, name="parameters after one RMSprop step (real work first)", rtol=1e-10)
    for _ in range(3):
        p1, s1 = student.update_parameters_with_rmsprop(p1, grads, s1, 0.9, 0.01)
        p2, s2 = student.update_parameters_with_rmsprop(p2, big, s2, 0.9, 0.01)
    assert_close(p2, p1, name="RMSprop steps with g -> 100 g (must be invariant while epsilon << |g|)",
                 rtol=1e-6, atol=1e-9)


# ============================================================================ Adam (12)

@pytest.mark.points(1)
def test_initialize_adam(student, rng):
    params, _ = _opt_problem(rng)
    out = student.initialize_adam(params)
    assert isinstance(out, tuple) and len(out) == 2, "initialize_adam must return a tuple (v, s)"
    expected = {"d" + k: np.zeros_like(p) for k, p in params.items()}
    for name, d in zip("vs", out):
        assert isinstance(d, dict) and sorted(d) == sorted(expected), f"{name} keys must be {sorted(expected)}"
        for k in expected:
            assert_close(d[k], expected[k], name=f"{name}[{k!r}]", rtol=0)


def _adam_state(rng, grads):
    v = {k: rng.standard_normal(g.shape) * 0.1 for k, g in grads.items()}
    s = {k: rng.random(g.shape) * 0.1 for k, g in grads.items()}
    return v, s


@pytest.mark.points(2)
def test_adam_matches_reference(student, ref, rng):
    params, grads = _opt_problem(rng)
    v, s = _adam_state(rng, grads)
    t = int(rng.integers(2, 6))
    kw = dict(learning_rate=float(rng.uniform(0.005, 0.05)), beta1=float(rng.uniform(0.8, 0.95)),
              beta2=float(rng.uniform(0.99, 0.9999)), epsilon=1e-4)
    out = student.update_parameters_with_adam(params, grads, v, s, t, **kw)
    assert isinstance(out, tuple) and len(out) == 5, (
        "update_parameters_with_adam must return (parameters, v, s, v_corrected, s_corrected)")
    expected = ref.update_parameters_with_adam(params, grads, v, s, t, **kw)
    for name, got, exp in zip(("parameters", "v", "s", "v_corrected", "s_corrected"), out, expected):
        assert_close(got, exp, name=f"{name} (t={t}, non-default hyper-parameters)", rtol=1e-12)


@pytest.mark.points(1)
def test_adam_defaults(student, ref, rng):
    params, grads = _opt_problem(rng)
    v, s = _adam_state(rng, grads)
    out = student.update_parameters_with_adam(params, grads, v, s, 1)
    expected = ref.update_parameters_with_adam(params, grads, v, s, 1)
    assert_close(out[0], expected[0], name="parameters (defaults lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)",
                 rtol=1e-12)


@pytest.mark.points(4)
def test_adam_matches_torch(student, rng):
    import torch
    params, _ = _opt_problem(rng)
    lr, b1, b2 = float(rng.uniform(0.005, 0.05)), 0.9, 0.999
    grad_seq = [_grads(rng, params) for _ in range(30)]
    oracle = _torch_oracle(lambda ps: torch.optim.Adam(ps, lr=lr, betas=(b1, b2), eps=1e-8), params, grad_seq)
    p, (v, s) = params, student.initialize_adam(params)
    for step, grads in enumerate(grad_seq):
        p, v, s, _, _ = student.update_parameters_with_adam(p, grads, v, s, step + 1, lr, b1, b2, 1e-8)
        if step in (0, 9, 29):
            assert_close(p, oracle[step], name=f"parameters after {step + 1} Adam steps (t = 1, 2, ...) vs torch.optim.Adam",
                         rtol=1e-10, atol=1e-13)


@pytest.mark.points(2)
def test_adam_first_step_is_learning_rate(student, rng):
    params, grads = _opt_problem(rng)
    # magnitudes 1e-2 .. 1e2, so that eps = 1e-8 changes the step by at most 1e-6 (relative)
    grads = {k: np.sign(g) * 10.0 ** rng.uniform(-2, 2, size=g.shape) for k, g in grads.items()}
    grads["db1"][0, 0] = 0.0
    lr = 0.01
    v, s = student.initialize_adam(params)
    p_new = student.update_parameters_with_adam(params, grads, v, s, 1, lr)[0]
    for k in params:
        step = np.abs(p_new[k] - params[k])
        g = grads["d" + k]
        nz = g != 0
        assert_close(step[nz], np.full(int(nz.sum()), lr),
                     name=f"|change of {k}| after Adam's first step (bias correction makes it = lr for any g != 0)",
                     rtol=1e-5)
        assert np.all(step[~nz] == 0.0), f"{k}: a coordinate with g = 0 must not move on the first step"


@pytest.mark.points(1)
def test_adam_trajectory_matches_reference(student, ref, rng):
    params, _ = _opt_problem(rng)
    grad_seq = [_grads(rng, params) for _ in range(10)]
    p, (v, s) = params, student.initialize_adam(params)
    pr, (vr, sr) = params, ref.initialize_adam(params)
    for t, grads in enumerate(grad_seq, start=1):
        p, v, s, _, _ = student.update_parameters_with_adam(p, grads, v, s, t, 0.02)
        pr, vr, sr, _, _ = ref.update_parameters_with_adam(pr, grads, vr, sr, t, 0.02)
    assert_close(p, pr, name="parameters after 10 Adam steps", rtol=1e-10)
    assert_close(s, sr, name="s after 10 Adam steps", rtol=1e-10)


# ============================================================================ learning-rate decay (5)

@pytest.mark.points(1)
def test_decay_inverse(student, ref):
    for epoch in (0, 1, 10):
        got = student.learning_rate_decay(0.5, epoch, 0.3)
        assert_float(got, "learning_rate_decay")
        assert_close(got, ref.learning_rate_decay(0.5, epoch, 0.3),
                     name=f"inverse decay alpha0 / (1 + r epoch) at epoch {epoch} (default kind)", rtol=1e-14)


@pytest.mark.points(2)
def test_decay_step(student, ref):
    for epoch in (0, 999, 1000, 2500):
        assert_close(student.learning_rate_decay(0.5, epoch, 1.0, "step"),
                     ref.learning_rate_decay(0.5, epoch, 1.0, "step"),
                     name=f"step decay at epoch {epoch} (default time_interval=1000)", rtol=1e-14)
    for epoch in (9, 10, 25):
        assert_close(student.learning_rate_decay(0.2, epoch, 0.5, kind="step", time_interval=10),
                     ref.learning_rate_decay(0.2, epoch, 0.5, kind="step", time_interval=10),
                     name=f"step decay at epoch {epoch} with time_interval=10", rtol=1e-14)


@pytest.mark.points(1)
def test_decay_exponential(student, ref):
    for epoch in (0, 1, 10):
        got = student.learning_rate_decay(0.1, epoch, 0.95, kind="exponential")
        assert_float(got, "learning_rate_decay(kind='exponential')")
        assert_close(got, ref.learning_rate_decay(0.1, epoch, 0.95, kind="exponential"),
                     name=f"exponential decay alpha0 r^epoch at epoch {epoch}", rtol=1e-14)


@pytest.mark.points(1)
def test_decay_unknown_kind(student, ref):
    assert_close(student.learning_rate_decay(0.1, 3, 0.5, kind="exponential"),
                 ref.learning_rate_decay(0.1, 3, 0.5, kind="exponential"),
                 name="learning_rate_decay(kind='exponential') (a known kind must work first)", rtol=1e-14)
    with raises_student(ValueError):
        student.learning_rate_decay(0.1, 3, 0.5, kind="cosine")


# ============================================================================ model (6)

MODEL_CASES = {
    "gd": dict(optimizer="gd", learning_rate=0.3),
    "momentum": dict(optimizer="momentum", learning_rate=0.1, beta=0.8),
    "rmsprop": dict(optimizer="rmsprop", learning_rate=0.01, beta2=0.99),
    "adam+l2+dropout+decay": dict(optimizer="adam", learning_rate=0.01, lambd=0.5, keep_probs=[0.9, 0.8],
                                  decay={"decay_rate": 1.0, "kind": "step", "time_interval": 2}),
    "adam+l1, default optimizer and learning_rate": dict(lambd=0.3, kind="l1"),
}


def _model_run(student, ref, rng, case, memo):
    """One student run and one reference run per case and submission, judged by two tests
    (parameters; costs): the first test that needs it draws the seed and runs both."""
    key = ("model", case)
    if key not in memo:
        d = data.spirals_train_test()
        idx = np.sort(rng.permutation(200)[:60])
        X, Y = d["X_train"][:, idx], d["Y_train"][:, idx]
        kw = dict(MODEL_CASES[case], mini_batch_size=16, num_epochs=4)
        seed = _seed(rng)
        expected = ref.model(X, Y, [2, 6, 4, 1], rng=np.random.default_rng(seed), **kw)
        try:
            memo[key] = (student.model(X, Y, [2, 6, 4, 1], rng=student.rng(seed), **kw), expected, None)
        except Exception as exc:  # noqa: BLE001 - stored, so that each test reports it without running again
            memo[key] = (None, expected, exc)
    out, expected, exc = memo[key]
    if exc is not None:
        raise exc
    assert isinstance(out, tuple) and len(out) == 2, "model must return (parameters, costs)"
    return out, expected


@pytest.mark.points(1)
@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", list(MODEL_CASES))
@pytest.mark.exercises("model")  # one run per case, shared through submission_memo
def test_model_matches_reference(student, ref, rng, case, submission_memo):
    (params, _), (p_ref, _) = _model_run(student, ref, rng, case, submission_memo)
    assert_close(params, p_ref, name=f"trained parameters ({case})", rtol=1e-10, atol=1e-13)


@pytest.mark.points(1)
@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", list(MODEL_CASES))
@pytest.mark.exercises("model")  # one run per case, shared through submission_memo
def test_model_returns_costs(student, ref, rng, case, submission_memo):
    """The cost list, graded apart from the parameters: one Python float per epoch (CONVENTIONS §3)."""
    (_, costs), (_, c_ref) = _model_run(student, ref, rng, case, submission_memo)
    assert_float_list(costs, 4, f"model's costs ({case}): one per epoch")
    assert all(math.isfinite(c) for c in costs), f"model costs must be finite, got {costs}"
    assert_close(costs, c_ref, name=f"costs per epoch ({case})", rtol=1e-10)


def _train_cost(ref, params, X, Y):
    AL, _ = ref.L_model_forward(X, params, "relu", "sigmoid")
    return ref.compute_cost(AL, Y, "sigmoid")


@pytest.mark.points(1)
@pytest.mark.timeout(60)
def test_model_l2_shrinks_weights(student, ref, rng):
    """«神经网络模型之所以发生过拟合，是因为参数W普遍比较大»: a larger lambda gives smaller weights and a
    larger (unregularized) training cost."""
    d = data.spirals_train_test()
    X, Y = d["X_train"], d["Y_train"]
    seed = _seed(rng)
    norms, costs = [], []
    for lambd in (0.0, 0.7, 3.0):
        params, _ = student.model(X, Y, [2, 64, 64, 1], optimizer="gd", learning_rate=0.3, mini_batch_size=200,
                                  num_epochs=1000, lambd=lambd, rng=student.rng(seed))
        norms.append(sum(float(np.sum(params[f"W{l}"] ** 2)) for l in (1, 2, 3)))
        costs.append(_train_cost(ref, params, X, Y))
    assert norms[0] > norms[1] > norms[2], (
        f"sum of ||W||^2 after 1000 GD iterations for lambd = 0, 0.7, 3: {[round(n, 1) for n in norms]} "
        f"-- it must strictly decrease (reference about 308 -> 83 -> 27)")
    assert costs[0] < costs[1] < costs[2], (
        f"training cross-entropy for lambd = 0, 0.7, 3: {[round(c, 4) for c in costs]} -- it must strictly increase")


@pytest.mark.points(1)
@pytest.mark.timeout(30)
def test_model_minibatch_adam_beats_gd(student, ref, rng):
    """With the same number of updates (100), mini-batch Adam gets lower than full-batch GD."""
    d = data.spirals_train_test()
    X, Y = d["X_train"], d["Y_train"]
    seed = _seed(rng)
    p_gd, _ = student.model(X, Y, [2, 64, 64, 1], optimizer="gd", learning_rate=0.3, mini_batch_size=200,
                            num_epochs=100, rng=student.rng(seed))
    p_adam, _ = student.model(X, Y, [2, 64, 64, 1], optimizer="adam", mini_batch_size=64, num_epochs=25,
                              rng=student.rng(seed))
    c_gd, c_adam = _train_cost(ref, p_gd, X, Y), _train_cost(ref, p_adam, X, Y)
    assert c_adam < c_gd, (
        f"after 100 updates: mini-batch Adam cost {c_adam:.4f}, full-batch GD cost {c_gd:.4f}; Adam with "
        f"mini-batches should be lower (reference about 0.037 vs 0.10)")


@pytest.mark.points(1)
@pytest.mark.timeout(30)
def test_model_adam_test_accuracy(student, ref, rng):
    d = data.spirals_train_test()
    params, costs = student.model(d["X_train"], d["Y_train"], [2, 64, 64, 1], rng=student.rng(_seed(rng)))
    acc = float(np.mean(ref.predict(params, d["X_test"], "relu", "sigmoid") == d["Y_test"]))
    assert acc >= 0.97, f"Adam, mini-batches of 64, 100 epochs: test accuracy {acc:.3f} < 0.97 (reference 0.99)"


@pytest.mark.points(1)
@pytest.mark.timeout(60)
def test_model_dropout_still_trains(student, ref, rng):
    d = data.spirals_train_test()
    X, Y = d["X_train"], d["Y_train"]
    params, costs = student.model(X, Y, [2, 64, 64, 1], optimizer="gd", learning_rate=0.3, mini_batch_size=200,
                                  num_epochs=1000, keep_probs=[0.8, 0.8], rng=student.rng(_seed(rng)))
    assert all(math.isfinite(c) for c in costs), "costs must stay finite (compute them from the logits)"
    acc = float(np.mean(ref.predict(params, X, "relu", "sigmoid") == Y))
    assert acc >= 0.95, f"dropout (0.8, 0.8), 1000 GD iterations: training accuracy {acc:.3f} < 0.95 (reference 0.99)"


# ============================================================================ purity (11)
# "Does not modify its arguments" (CONVENTIONS §3) is graded here, apart from the values: an
# update written in place with the right values keeps its value points and loses these. Each
# case first checks that the call did real work (assert_did_work), so constants earn nothing.

def _purity_case(ref, rng, fname):
    """(args, kwargs, names of the checked args, reference result) for one function."""
    if fname == "compute_cost_with_regularization":
        X, Y, params, AL, _ = _problem(ref, rng)
        args = (AL, Y, params, float(rng.uniform(0.1, 2.0)))
        return args, {}, ("AL", "Y", "parameters")
    if fname == "backward_with_regularization":
        X, Y, params, AL, caches = _problem(ref, rng)
        return (AL, Y, caches, params, float(rng.uniform(0.1, 2.0)), "l2"), {}, ("AL", "Y", "caches", "parameters")
    if fname == "soft_threshold":
        return (rng.standard_normal((4, 6)), float(rng.uniform(0.2, 0.8))), {}, ("W",)
    if fname == "dropout_backward":
        dA = rng.standard_normal((4, 7))
        keep_prob = float(rng.uniform(0.5, 0.9))
        return (dA, rng.random(dA.shape) < keep_prob, keep_prob), {}, ("dA", "D")
    if fname == "L_model_backward_with_dropout":
        keep_probs = [float(rng.uniform(0.5, 0.9)), float(rng.uniform(0.5, 0.9))]
        X, Y, params, seed, AL, caches = _dropout_problem(ref, rng, [3, 6, 5, 1], 8, keep_probs)
        return (AL, Y, caches, keep_probs), {}, ("AL", "Y", "caches", "keep_probs")
    params, grads = _opt_problem(rng)
    if fname == "update_parameters_with_gd":
        return (params, grads, float(rng.uniform(0.01, 0.5))), {}, ("parameters", "grads")
    if fname == "update_parameters_with_momentum":
        v = {k: rng.standard_normal(g.shape) * 0.1 for k, g in grads.items()}
        return (params, grads, v, 0.9, 0.1), {}, ("parameters", "grads", "v")
    if fname == "update_parameters_with_rmsprop":
        s = {k: rng.random(g.shape) * 0.1 for k, g in grads.items()}
        return (params, grads, s, 0.99, 0.01), {}, ("parameters", "grads", "s")
    if fname == "update_parameters_with_adam":
        v, s = _adam_state(rng, grads)
        return (params, grads, v, s, 3, 0.01), {}, ("parameters", "grads", "v", "s")
    raise KeyError(fname)


PURE = ["compute_cost_with_regularization", "backward_with_regularization", "soft_threshold", "dropout_forward",
        "dropout_backward", "L_model_backward_with_dropout", "random_mini_batches", "update_parameters_with_gd",
        "update_parameters_with_momentum", "update_parameters_with_rmsprop", "update_parameters_with_adam"]


@pytest.mark.points(11)
@pytest.mark.parametrize("fname", PURE)
def test_does_not_modify_arguments(student, ref, rng, fname):
    if fname in ("dropout_forward", "random_mini_batches"):     # these take a generator (a handle)
        seed = _seed(rng)
        if fname == "dropout_forward":
            A = rng.standard_normal((int(rng.integers(3, 7)), int(rng.integers(4, 10))))
            args, names = (A, float(rng.uniform(0.5, 0.9))), ("A",)
        else:
            X, Y = _mb_data(rng, int(rng.integers(40, 90)))
            args, names = (X, Y, int(rng.integers(8, 20))), ("X", "Y")
        got, after, _ = student.call_with_args(fname, *args, student.rng(seed))
        expected = getattr(ref, fname)(*args, np.random.default_rng(seed))
    else:
        args, kwargs, names = _purity_case(ref, rng, fname)
        got, after, _ = student.call_with_args(fname, *args, **kwargs)
        expected = getattr(ref, fname)(*args, **kwargs)
    if fname == "random_mini_batches":                          # a list of (X_b, Y_b): compare as tuples
        got = [tuple(b) if isinstance(b, (list, tuple)) else b for b in got] if isinstance(got, list) else got
    assert_did_work(fname, got, expected, inputs=args)
    assert_unchanged(fname, args[:len(names)], after[:len(names)], names)


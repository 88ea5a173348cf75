"""Hidden tests of A06, part 1: initialisation, the forward pass, softmax and the costs.

Points (CURRICULUM A06): init 6 · linear_forward 5 · linear_activation_forward 7 · softmax 6 ·
L_model_forward 10 · costs 8 = 42
(test_a06_backward.py: 38, test_a06_training.py: 20).
"""
import math

import numpy as np
import pytest

from grader.checks import (assert_close, assert_did_work, assert_float, assert_shape, assert_unchanged,
                           call_strict, raises_student)

ACTS = ["relu", "leaky_relu", "tanh", "sigmoid", "softmax", "linear"]


# ----------------------------------------------------------------------------- helpers

def _dims(rng, L=None, n_x=None, n_out=None):
    """layer_dims [n_0, ..., n_L] with neighbouring sizes different and m different from all."""
    L = int(rng.integers(2, 4)) if L is None else L
    dims = [int(d) for d in rng.choice(np.arange(2, 9), size=L + 1, replace=False)]
    if n_x is not None:
        dims[0] = n_x
    if n_out is not None:
        dims[-1] = n_out
    return dims


def _params(rng, dims, w=0.7, b=0.3):
    P = {}
    for l in range(1, len(dims)):
        P[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * w
        P[f"b{l}"] = rng.standard_normal((dims[l], 1)) * b
    return P


def _one_hot(rng, C, m, absent=None):
    classes = [c for c in range(C) if c != absent]
    y = rng.choice(classes, size=m)
    Y = np.zeros((C, m))
    Y[y, np.arange(m)] = 1.0
    return Y


def _m(rng, dims):
    choices = [m for m in range(9, 15) if m not in dims]
    return int(rng.choice(choices))


# ============================================================================= init (6)

@pytest.mark.points(2)
def test_init_deep_matches_reference(student, ref, rng):
    dims = _dims(rng, L=int(rng.integers(2, 5)))
    seed = int(rng.integers(2**31))
    got = student.initialize_parameters_deep(dims, student.rng(seed))
    exp = ref.initialize_parameters_deep(dims, np.random.default_rng(seed))
    assert_close(got, exp, name=f"initialize_parameters_deep({dims}, rng) (method 'he')", rtol=1e-15, atol=0,
                 extra_keys="forbid",
                 hint="for l = 1..L in order: W{l} = rng.standard_normal((n_l, n_{l-1})) * sqrt(2 / n_{l-1}); "
                      "b{l} = np.zeros((n_l, 1))")


@pytest.mark.points(2)
@pytest.mark.parametrize("method", ["xavier", "small"])
def test_init_deep_methods(student, ref, rng, method):
    dims = _dims(rng)
    seed = int(rng.integers(2**31))
    got = student.initialize_parameters_deep(dims, student.rng(seed), method=method)
    exp = ref.initialize_parameters_deep(dims, np.random.default_rng(seed), method=method)
    assert_close(got, exp, name=f"initialize_parameters_deep({dims}, rng, method={method!r})", rtol=1e-15, atol=0,
                 hint="xavier: scale sqrt(1 / n_{l-1}); small: scale 0.01")


@pytest.mark.points(1)
def test_init_he_std(student, rng):
    seed = int(rng.integers(2**31))
    P = student.initialize_parameters_deep([500, 1000], student.rng(seed))
    assert isinstance(P, dict) and "W1" in P, "initialize_parameters_deep must return a dict with 'W1'"
    assert_shape(P["W1"], (1000, 500), name="W1 from initialize_parameters_deep([500, 1000], rng)")
    std = float(np.std(P["W1"]))
    target = math.sqrt(2 / 500)
    assert abs(std - target) <= 0.1 * target, (
        f"He initialisation of a 1000x500 layer: empirical std {std:.4g}, expected sqrt(2/n_(l-1)) = "
        f"sqrt(2/500) = {target:.4g} (within 10 %)")


@pytest.mark.points(1)
def test_init_unknown_method_and_L1(student, ref, rng):
    with raises_student(ValueError):
        student.initialize_parameters_deep([3, 2], student.rng(0), method="glorot")
    dims = [int(rng.integers(2, 6)), int(rng.integers(2, 6))]
    seed = int(rng.integers(2**31))
    assert_close(student.initialize_parameters_deep(dims, student.rng(seed)),
                 ref.initialize_parameters_deep(dims, np.random.default_rng(seed)),
                 name=f"initialize_parameters_deep({dims}, rng) (L = 1)", rtol=1e-15, atol=0, extra_keys="forbid")


# ============================================================================= linear_forward (5)

@pytest.mark.points(3)
def test_linear_forward_matches_reference(student, ref, rng):
    n_prev, n_l = _dims(rng, L=1)
    m = _m(rng, [n_prev, n_l])
    A_prev = rng.standard_normal((n_prev, m))
    W = rng.standard_normal((n_l, n_prev))
    b = rng.standard_normal((n_l, 1))
    assert_close(student.linear_forward(A_prev, W, b), ref.linear_forward(A_prev, W, b),
                 name=f"(Z, linear_cache) from linear_forward with A_prev {A_prev.shape}, W {W.shape}", rtol=1e-12,
                 atol=1e-14, hint="Z = W @ A_prev + b; linear_cache is the tuple (A_prev, W, b) in this order")


@pytest.mark.points(1)
def test_linear_forward_edge_cases(student, ref, rng):
    for n_prev, n_l, m in [(3, 1, 1), (1, 4, 6)]:
        A_prev = rng.standard_normal((n_prev, m))
        W = rng.standard_normal((n_l, n_prev))
        b = rng.standard_normal((n_l, 1))
        assert_close(student.linear_forward(A_prev, W, b), ref.linear_forward(A_prev, W, b),
                     name=f"linear_forward with n_prev={n_prev}, n_l={n_l}, m={m}", rtol=1e-12, atol=1e-14)
    A32 = rng.standard_normal((4, 7)).astype(np.float32)
    W32 = rng.standard_normal((3, 4)).astype(np.float32)
    b32 = rng.standard_normal((3, 1)).astype(np.float32)
    got = student.linear_forward(A32, W32, b32)
    assert_close(got, ref.linear_forward(A32, W32, b32), name="linear_forward on float32 (must stay float32)",
                 rtol=1e-5, atol=1e-6)


# ============================================================================= linear_activation_forward (7)

@pytest.mark.points(4)
@pytest.mark.parametrize("act", ACTS)
def test_linear_activation_forward_matches_reference(student, ref, rng, act):
    n_prev, n_l = _dims(rng, L=1)
    m = _m(rng, [n_prev, n_l])
    A_prev = rng.standard_normal((n_prev, m))
    W = rng.standard_normal((n_l, n_prev))
    b = rng.standard_normal((n_l, 1)) * 0.3
    assert_close(student.linear_activation_forward(A_prev, W, b, act),
                 ref.linear_activation_forward(A_prev, W, b, act),
                 name=f"(A, cache) from linear_activation_forward(activation={act!r})", rtol=1e-12, atol=1e-14,
                 hint="A = g(Z) with Z = W A_prev + b; cache = ((A_prev, W, b), Z)")


@pytest.mark.points(1)
def test_linear_activation_forward_unknown(student, rng):
    A_prev = rng.standard_normal((3, 5))
    W = rng.standard_normal((2, 3))
    b = np.zeros((2, 1))
    with raises_student(ValueError):
        student.linear_activation_forward(A_prev, W, b, "softplus")


@pytest.mark.points(1)
@pytest.mark.parametrize("act", ACTS)
def test_linear_activation_forward_float32(student, ref, rng, act):
    A = rng.standard_normal((4, 7)).astype(np.float32)
    W = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((3, 1)).astype(np.float32)
    got = student.linear_activation_forward(A, W, b, act)
    assert_close(got, ref.linear_activation_forward(A, W, b, act),
                 name=f"linear_activation_forward(float32, activation={act!r}) (must stay float32)", rtol=1e-5,
                 atol=1e-6)


# ============================================================================= softmax (6)

@pytest.mark.points(1)
def test_softmax_matches_reference(student, ref, rng):
    C, m = [int(v) for v in rng.choice(np.arange(2, 11), size=2, replace=False)]
    Z = rng.standard_normal((C, m)) * 4
    assert_close(student.softmax(Z), ref.softmax(Z), name=f"softmax(Z) for Z of shape ({C}, {m})", rtol=1e-12,
                 atol=1e-16, hint="normalise each COLUMN (axis 0): one column per example")
    Z1 = rng.standard_normal((C, 1))
    got = student.softmax(Z1)
    assert_close(got, ref.softmax(Z1), name=f"softmax(Z) for one example, Z of shape ({C}, 1)", rtol=1e-12, atol=1e-16)


@pytest.mark.points(2)
def test_softmax_properties(student, rng):
    C, m = [int(v) for v in rng.choice(np.arange(2, 11), size=2, replace=False)]
    Z = rng.standard_normal((C, m)) * 5
    A = student.softmax(Z)
    assert_shape(A, (C, m), name="softmax(Z)")
    sums = A.sum(axis=0)
    assert np.all(np.abs(sums - 1) <= 1e-12), (
        f"softmax(Z): every column must sum to 1 («各神经元输出概率之和为1»); column sums {np.round(sums, 6)}")
    assert np.all((A >= 0) & (A <= 1)), "softmax(Z): entries must lie in [0, 1]"
    c = rng.standard_normal((1, m)) * 30  # one constant per column (per example)
    assert_close(student.softmax(Z + c), A, name="softmax(Z + c) with a constant c added to each column "
                 "(must equal softmax(Z))", rtol=1e-10, atol=1e-14)


@pytest.mark.points(2)
def test_softmax_stability(student, rng):
    Z = np.array([[1000.0, 1.0], [999.0, 2.0], [-1000.0, 3.0]])
    got = call_strict(student, "softmax", [Z], "softmax([[1000, 1], [999, 2], [-1000, 3]]) under np.errstate(over='raise')",
                      "subtract each column's maximum before np.exp: exp(Z - max) <= 1 never overflows")
    e = math.exp(-1)
    col2 = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    exp = np.array([[1 / (1 + e), col2[0]], [e / (1 + e), col2[1]], [0.0, col2[2]]])
    assert_close(got, exp, name="softmax([[1000, 1], [999, 2], [-1000, 3]]) under np.errstate(over='raise')",
                 rtol=1e-14, atol=1e-300, hint="subtract each column's maximum before exp")
    Z32 = (rng.standard_normal((4, 6)) * 50).astype(np.float32)
    got32 = call_strict(student, "softmax", [Z32], "softmax(float32 Z with |Z| ~ 100) under np.errstate(over='raise')",
                        "subtract each column's maximum before np.exp")
    assert isinstance(got32, np.ndarray) and got32.dtype == np.float32, (
        f"softmax(float32 Z) must stay float32, got {getattr(got32, 'dtype', type(got32).__name__)}")
    assert np.all(np.isfinite(got32)), "softmax(float32 Z with |Z| ~ 100) must be finite"


# ============================================================================= L_model_forward (10)

COMBOS = [("relu", "softmax"), ("tanh", "sigmoid"), ("leaky_relu", "softmax"), ("sigmoid", "sigmoid")]


def _net(rng, output, L=None):
    dims = _dims(rng, L=L, n_out=(int(rng.integers(3, 6)) if output == "softmax" else 1))
    if len(dims) > 2 and dims[-2] == dims[-1]:
        dims[-2] += 9
    m = _m(rng, dims)
    return dims, _params(rng, dims), rng.standard_normal((dims[0], m))


@pytest.mark.points(4)
@pytest.mark.parametrize("hidden,output", COMBOS)
def test_L_model_forward_matches_reference(student, ref, rng, hidden, output):
    dims, P, X = _net(rng, output, L=int(rng.integers(2, 5)))
    where = f"L_model_forward(X, parameters for {dims}, hidden_activation={hidden!r}, output_activation={output!r})"
    got = student.L_model_forward(X, P, hidden_activation=hidden, output_activation=output)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{where} must return (AL, caches)"
    exp = ref.L_model_forward(X, P, hidden, output)
    assert_close(got[0], exp[0], name=f"AL from {where}", rtol=1e-12, atol=1e-14)
    assert_close(got[1], exp[1], name=f"caches from {where}", rtol=1e-12, atol=1e-14,
                 hint="caches is a list of L layer caches ((A_prev, W, b), Z); caches[l-1] belongs to layer l")


@pytest.mark.points(1)
def test_L_model_forward_defaults(student, ref, rng):
    dims, P, X = _net(rng, "softmax")
    got = student.L_model_forward(X, P)
    assert_close(got, ref.L_model_forward(X, P, "relu", "softmax"),
                 name=f"L_model_forward(X, parameters for {dims}) with the defaults (relu hidden, softmax output)",
                 rtol=1e-12, atol=1e-14)


@pytest.mark.points(2)
def test_L_model_forward_cache_count(student, ref, rng):
    for L in (1, 2, 4):
        dims, P, X = _net(rng, "softmax", L=L)
        got = student.L_model_forward(X, P, "relu", "softmax")
        assert isinstance(got, (tuple, list)) and len(got) == 2, "L_model_forward must return (AL, caches)"
        caches = got[1]
        assert isinstance(caches, list), f"L_model_forward: caches must be a list, got {type(caches).__name__}"
        assert len(caches) == L, f"L_model_forward with L = {L} layers ({dims}) must return {L} caches, got {len(caches)}"
        _, exp = ref.L_model_forward(X, P, "relu", "softmax")
        for l in range(L):
            assert_close(caches[l], exp[l], name=f"caches[{l}] (layer {l + 1}) from L_model_forward with L = {L}",
                         rtol=1e-12, atol=1e-14)


@pytest.mark.points(1)
def test_L_model_forward_edge_cases(student, ref, rng):
    # m = 1; a layer of width 1; float32 everywhere.
    dims = [int(rng.integers(2, 6)), 1, int(rng.integers(2, 6)), 3]
    P = _params(rng, dims)
    X = rng.standard_normal((dims[0], 1))
    assert_close(student.L_model_forward(X, P, "tanh", "softmax"), ref.L_model_forward(X, P, "tanh", "softmax"),
                 name=f"L_model_forward with m = 1 and layer_dims {dims}", rtol=1e-12, atol=1e-14)
    dims, P, X = _net(rng, "sigmoid")
    P32 = {k: v.astype(np.float32) for k, v in P.items()}
    X32 = X.astype(np.float32)
    got = student.L_model_forward(X32, P32, "relu", "sigmoid")
    assert_close(got, ref.L_model_forward(X32, P32, "relu", "sigmoid"),
                 name="L_model_forward on float32 X and parameters (must stay float32)", rtol=1e-5, atol=1e-6)


@pytest.mark.points(1)
@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_L_model_forward_saturated(student, ref, rng, output):
    dims, P, X = _net(rng, output)
    L = len(dims) - 1
    P[f"W{L}"] = P[f"W{L}"] * 400.0  # output logits in the thousands
    X0 = X * 3
    X = np.concatenate([X0, -X0], axis=1)
    got = call_strict(student, "L_model_forward", [X, P, "tanh", output],
                      f"L_model_forward on a saturated network ({output} output, |ZL| in the thousands) under "
                      f"np.errstate(over='raise')", "the output activation must be the stable sigmoid / the "
                      "max-shifted softmax")
    with np.errstate(under="ignore"):
        exp = ref.L_model_forward(X, P, "tanh", output)
    assert_close(got, exp, name=f"L_model_forward on a saturated network (|ZL| in the thousands, {output} output) "
                 "under np.errstate(over='raise')", rtol=1e-12, atol=1e-300,
                 hint="the output activation must be the stable sigmoid / max-shifted softmax")


# ============================================================================= costs (8)

@pytest.mark.points(1)
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_compute_cost_matches_reference(student, ref, rng, output):
    m = int(rng.integers(3, 30))
    if output == "sigmoid":
        AL = rng.uniform(0.02, 0.98, size=(1, m))
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    else:
        C = int(rng.integers(3, 8))
        AL = ref.softmax(rng.standard_normal((C, m)) * 2)
        Y = _one_hot(rng, C, m)
    assert_close(student.compute_cost(AL, Y, output), ref.compute_cost(AL, Y, output),
                 name=f"compute_cost(AL, Y, {output!r}) with m = {m}", rtol=1e-12, atol=0,
                 hint=("sigmoid: J = -(1/m) sum(Y log AL + (1-Y) log(1-AL))" if output == "sigmoid"
                       else "softmax: J = -(1/m) sum(Y * log AL) (cross-entropy with one-hot Y)"))


@pytest.mark.points(1)
def test_compute_cost_known_values(student, rng):
    C, m = int(rng.integers(3, 8)), int(rng.integers(4, 20))
    uniform = np.full((C, m), 1.0 / C)
    Y = _one_hot(rng, C, m, absent=int(rng.integers(C)))
    assert_close(student.compute_cost(uniform, Y, "softmax"), math.log(C),
                 name=f"compute_cost(AL = 1/C everywhere, one-hot Y with an absent class, 'softmax') (= log {C})",
                 rtol=1e-12, atol=0)
    half = np.full((1, m), 0.5)
    Yb = (rng.random((1, m)) < 0.5).astype(np.float64)
    assert_close(student.compute_cost(half, Yb, "sigmoid"), math.log(2),
                 name="compute_cost(AL = 0.5 everywhere, Y, 'sigmoid') (= log 2)", rtol=1e-12, atol=0)


@pytest.mark.points(2)
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_compute_cost_from_logits_matches_reference(student, ref, rng, output):
    m = int(rng.integers(3, 30))
    C = 1 if output == "sigmoid" else int(rng.integers(3, 8))
    ZL = rng.standard_normal((C, m)) * 4
    Y = (rng.random((1, m)) < 0.5).astype(np.float64) if output == "sigmoid" else _one_hot(rng, C, m)
    assert_close(student.compute_cost_from_logits(ZL, Y, output), ref.compute_cost_from_logits(ZL, Y, output),
                 name=f"compute_cost_from_logits(ZL, Y, {output!r})", rtol=1e-12, atol=1e-15)


@pytest.mark.points(2)
def test_compute_cost_from_logits_stability(student):
    Z = np.array([[1000.0, -1000.0, 1000.0, -1000.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    got = call_strict(student, "compute_cost_from_logits", [Z, Y, "sigmoid"],
                      "compute_cost_from_logits(|Z| = 1000, 'sigmoid') under np.errstate(over='raise')",
                      "use max(Z, 0) - Z*Y + log1p(exp(-|Z|)): never take log(sigmoid(Z))")
    assert_close(got, 500.0, name="compute_cost_from_logits(Z = [[1000, -1000, 1000, -1000]], Y = [[0, 1, 1, 0]], "
                 "'sigmoid') under np.errstate(over='raise') (losses 1000, 1000, 0, 0)", rtol=1e-14, atol=0,
                 hint="use max(Z, 0) - Z*Y + log1p(exp(-|Z|)): exp never sees a large positive number")
    Zs = np.array([[1000.0, 0.0], [-1000.0, 0.0]])
    Ys = np.array([[0.0, 1.0], [1.0, 0.0]])
    got = call_strict(student, "compute_cost_from_logits", [Zs, Ys, "softmax"],
                      "compute_cost_from_logits(|Z| = 1000, 'softmax') under np.errstate(over='raise')",
                      "log-sum-exp with the column maximum subtracted: lse = max + log(sum(exp(Z - max)))")
    assert_close(got, (2000.0 + math.log(2)) / 2, name="compute_cost_from_logits(Z = [[1000, 0], [-1000, 0]], "
                 "Y = [[0, 1], [1, 0]], 'softmax') under np.errstate(over='raise')", rtol=1e-14, atol=0,
                 hint="log-sum-exp with the column maximum subtracted: lse = max + log(sum(exp(Z - max)))")


@pytest.mark.points(1)
def test_compute_cost_type_and_unknown(student, ref, rng):
    m = int(rng.integers(3, 12))
    AL = rng.uniform(0.05, 0.95, size=(1, m))
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    got = student.compute_cost(AL, Y, "sigmoid")
    assert_float(got, "compute_cost")
    assert_close(got, ref.compute_cost(AL, Y, "sigmoid"), name="compute_cost(AL, Y, 'sigmoid')", rtol=1e-12)
    Z = rng.standard_normal((1, m))
    got = student.compute_cost_from_logits(Z, Y, "sigmoid")
    assert_float(got, "compute_cost_from_logits")
    assert_close(got, ref.compute_cost_from_logits(Z, Y, "sigmoid"), name="compute_cost_from_logits(Z, Y, 'sigmoid')",
                 rtol=1e-12)
    with raises_student(ValueError):
        student.compute_cost(AL, Y, "tanh")


# ============================================================================= purity (5)
# "Does not modify its arguments" (CONVENTIONS §3), graded apart from the values; each case first
# checks that the call did real work, so that constants earn nothing here.

def _purity_case(rng, fname):
    """(args, names of the checked args) for one function (float32 inputs: in-place casts show)."""
    A = rng.standard_normal((4, 7)).astype(np.float32)
    W = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((3, 1)).astype(np.float32)
    if fname == "linear_forward":
        return (A, W, b), ("A_prev", "W", "b")
    if fname == "linear_activation_forward":
        return (A, W, b, "relu"), ("A_prev", "W", "b")
    if fname == "softmax":
        return (rng.standard_normal((4, 1)) * 3,), ("Z",)
    if fname == "L_model_forward":
        dims, P, X = _net(rng, "sigmoid")
        return (X.astype(np.float32), {k: v.astype(np.float32) for k, v in P.items()}, "relu", "sigmoid"), \
            ("X", "parameters")
    m = int(rng.integers(3, 12))
    AL = rng.uniform(0.05, 0.95, size=(1, m))
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    return (AL, Y, "sigmoid"), ("AL", "Y")


@pytest.mark.points(5)
@pytest.mark.parametrize("fname", ["linear_forward", "linear_activation_forward", "softmax", "L_model_forward",
                                   "compute_cost"])
def test_does_not_modify_arguments(student, ref, rng, fname):
    args, names = _purity_case(rng, fname)
    got, after, _ = student.call_with_args(fname, *args)
    expected = getattr(ref, fname)(*args)
    if isinstance(expected, tuple) and isinstance(got, list):
        got = tuple(got)
    assert_did_work(fname, got, expected, inputs=args)
    assert_unchanged(fname, args[:len(names)], after[:len(names)], names)


"""Hidden tests of A06, part 2: backward propagation (反向传播) and the parameter update.

Points (CURRICULUM A06): softmax_backward 4 · linear_backward 8 · linear_activation_backward 8 ·
L_model_backward 14 · update 4 = 38.

Gradient checks (CONVENTIONS §5): numerical gradients come from the REFERENCE forward
(centred differences, h = 1e-5, float64); the student's backward functions get caches built by
the REFERENCE forward. Thresholds: < 1e-7 on smooth paths, < 1e-6 through relu / leaky_relu,
whose pre-activations are resampled until min |Z| > 1e-3.

Convention checked here (deeplearning.ai, columns are examples): the cost is J = (1/m) sum of
the per-example losses and dZ, dA are per-example gradients, so
    dW = (1/m) dZ A_prev^T,  db = (1/m) sum_cols dZ,  but  dA_prev = W^T dZ  (no 1/m).
A VJP check therefore compares dW, db with the gradient of (1/m) sum(out * dOut) and dA_prev
with the gradient of sum(out * dOut).
"""
import numpy as np
import pytest

from grader import StudentError
from grader.checks import assert_close, assert_did_work, assert_shape, assert_unchanged, raises_student
from grader.gradcheck import check_gradient

KINKS = ("relu", "leaky_relu")
ACTS = ["relu", "leaky_relu", "tanh", "sigmoid", "softmax", "linear"]


# ----------------------------------------------------------------------------- helpers

def _dims(rng, L=None, n_x=None, n_out=None):
    L = int(rng.integers(2, 4)) if L is None else L
    dims = [int(d) for d in rng.choice(np.arange(2, 9), size=L + 1, replace=False)]
    if n_x is not None:
        dims[0] = n_x
    if n_out is not None:
        dims[-1] = n_out
        if L > 1 and dims[-2] == n_out:
            dims[-2] += 9
    return dims


def _params(rng, dims, w=0.7, b=0.3):
    P = {}
    for l in range(1, len(dims)):
        P[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * w
        P[f"b{l}"] = rng.standard_normal((dims[l], 1)) * b  # b ~ 0.1..0.3 N(0,1), never 0 (§1.5)
    return P


def _one_hot(rng, C, m):
    y = rng.integers(0, C, size=m)
    Y = np.zeros((C, m))
    Y[y, np.arange(m)] = 1.0
    return Y


def _m(rng, dims):
    choices = [m for m in range(9, 15) if m not in dims]
    return int(rng.choice(choices))


def _layer(rng, act, n_prev=None, n_l=None, m=None):
    """One layer's inputs; on kinked activations min |Z| > 1e-3."""
    dims = _dims(rng, L=1)
    n_prev, n_l = n_prev or dims[0], n_l or dims[1]
    m = m or _m(rng, [n_prev, n_l])
    for _ in range(1000):
        A_prev = rng.standard_normal((n_prev, m))
        W = rng.standard_normal((n_l, n_prev)) * 0.8
        b = rng.standard_normal((n_l, 1)) * 0.3
        if act not in KINKS or np.min(np.abs(W @ A_prev + b)) > 1e-3:
            return A_prev, W, b
    raise RuntimeError("could not sample a kink-free layer")


def _net(rng, dims, hidden, output, m=None):
    """Parameters and data for a net; kink-free hidden pre-activations for relu/leaky_relu."""
    m = m or _m(rng, dims)
    for _ in range(1000):
        P = _params(rng, dims)
        X = rng.standard_normal((dims[0], m))
        A, ok = X, True
        for l in range(1, len(dims) - 1):
            Z = P[f"W{l}"] @ A + P[f"b{l}"]
            ok = ok and np.min(np.abs(Z)) > 1e-3
            A = np.maximum(Z, 0) if hidden == "relu" else (np.where(Z > 0, Z, 0.01 * Z) if hidden == "leaky_relu"
                                                           else np.tanh(Z))
        if hidden not in KINKS or ok:
            break
    if output == "softmax":
        Y = _one_hot(rng, dims[-1], m)
    else:
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        Y[0, 0], Y[0, -1] = 0.0, 1.0
    return P, X, Y


BACKWARD_HINT = ("the cache of layer l is caches[l-1] (caches[0] belongs to layer 1, caches[L-1] to the output "
                 "layer), and grads['dA{l}'] has the shape of A[l], (n_l, m)")


def l_model_backward(student, *args):
    """l_model_backward(student, *args); an exception gets a hint about the layer indexing."""
    try:
        return student.L_model_backward(*args)
    except StudentError as err:
        raise AssertionError(f"{err.describe()}\nHint: {BACKWARD_HINT}") from None


def _result3(got, where):
    assert isinstance(got, (tuple, list)) and len(got) == 3, f"{where} must return (dA_prev, dW, db)"
    return got


def _grads_dict(got, dims, where):
    assert isinstance(got, dict), f"{where} must return a dict of gradients, got {type(got).__name__}"
    L = len(dims) - 1
    for l in range(1, L + 1):
        for key, shape in ((f"dW{l}", (dims[l], dims[l - 1])), (f"db{l}", (dims[l], 1))):
            assert key in got, f"{where}: missing key {key!r}; got keys {sorted(map(str, got))}"
            assert_shape(got[key], shape, name=f"grads[{key!r}] from {where}")
    return got


# ============================================================================= softmax_backward (4)

@pytest.mark.points(2)
def test_softmax_backward_matches_reference(student, ref, rng):
    C, m = [int(v) for v in rng.choice(np.arange(2, 10), size=2, replace=False)]
    Z = rng.standard_normal((C, m)) * 2
    dA = rng.standard_normal((C, m))
    got, after, _ = student.call_with_args("softmax_backward", dA, Z)
    assert_unchanged("softmax_backward", (dA, Z), after, ("dA", "Z"))
    assert_close(got, ref.softmax_backward(dA, Z),
                 name=f"softmax_backward(dA, Z) for shape ({C}, {m})", rtol=1e-10, atol=1e-14,
                 hint="dZ = A * (dA - sum over axis 0 of (dA * A), keepdims), with A = softmax(Z): "
                      "the full Jacobian, not only its diagonal A(1-A)")


@pytest.mark.points(2)
def test_softmax_backward_gradient_check(student, ref, rng):
    C, m = [int(v) for v in rng.choice(np.arange(2, 10), size=2, replace=False)]
    Z = rng.standard_normal((C, m)) * 2
    dA = rng.standard_normal((C, m))
    got = student.softmax_backward(dA, Z)
    x = Z.copy()
    check_gradient(lambda: float(np.sum(ref.softmax(x) * dA)), x, got,
                   name="softmax_backward(dA, Z) (vs centred differences of sum(softmax(Z) * dA))", tol=1e-7, rng=rng)


# ============================================================================= linear_backward (8)

@pytest.mark.points(3)
def test_linear_backward_matches_reference(student, ref, rng):
    A_prev, W, b = _layer(rng, "linear")
    dZ = rng.standard_normal((W.shape[0], A_prev.shape[1]))
    where = f"linear_backward(dZ, (A_prev {A_prev.shape}, W {W.shape}, b {b.shape}))"
    got = _result3(student.linear_backward(dZ, (A_prev, W, b)), where)
    exp = ref.linear_backward(dZ, (A_prev, W, b))
    for i, nm in enumerate(("dA_prev", "dW", "db")):
        assert_close(got[i], exp[i], name=f"{nm} from {where}", rtol=1e-10, atol=1e-14,
                     hint="dW = (1/m) dZ A_prev^T; db = (1/m) np.sum(dZ, axis=1, keepdims=True); dA_prev = W^T dZ")


@pytest.mark.points(3)
def test_linear_backward_gradient_check(student, ref, rng):
    A_prev, W, b = _layer(rng, "linear")
    m = A_prev.shape[1]
    dZ = rng.standard_normal((W.shape[0], m))
    where = "linear_backward"
    dA_prev, dW, db = _result3(student.linear_backward(dZ, (A_prev, W, b)), where)
    a, w, bb = A_prev.copy(), W.copy(), b.copy()

    def f():
        return float(np.sum(ref.linear_forward(a, w, bb)[0] * dZ))

    check_gradient(lambda: f() / m, w, dW, name="dW from linear_backward (vs centred differences of "
                   "(1/m) sum(Z * dZ))", tol=1e-7, rng=rng)
    check_gradient(lambda: f() / m, bb, db, name="db from linear_backward (vs centred differences of "
                   "(1/m) sum(Z * dZ))", tol=1e-7, rng=rng)
    check_gradient(f, a, dA_prev, name="dA_prev from linear_backward (vs centred differences of sum(Z * dZ); "
                   "dA_prev = W^T dZ has no 1/m)", tol=1e-7, rng=rng)


@pytest.mark.points(1)
def test_linear_backward_edge_shapes(student, ref, rng):
    for n_prev, n_l, m in [(3, 4, 1), (4, 1, 6), (1, 3, 5)]:
        A_prev, W, b = _layer(rng, "linear", n_prev, n_l, m)
        dZ = rng.standard_normal((n_l, m))
        where = f"linear_backward with n_prev={n_prev}, n_l={n_l}, m={m}"
        got = _result3(student.linear_backward(dZ, (A_prev, W, b)), where)
        exp = ref.linear_backward(dZ, (A_prev, W, b))
        for i, nm in enumerate(("dA_prev", "dW", "db")):
            assert_close(got[i], exp[i], name=f"{nm} from {where}", rtol=1e-10, atol=1e-14)
    A_prev, W, b = _layer(rng, "linear")
    dZ = rng.standard_normal((W.shape[0], A_prev.shape[1]))
    c32 = tuple(v.astype(np.float32) for v in (A_prev, W, b))
    got = _result3(student.linear_backward(dZ.astype(np.float32), c32), "linear_backward(float32)")
    exp = ref.linear_backward(dZ.astype(np.float32), c32)
    for i, nm in enumerate(("dA_prev", "dW", "db")):
        assert_close(got[i], exp[i], name=f"{nm} from linear_backward on float32 (must stay float32)",
                     rtol=1e-4, atol=1e-6)


@pytest.mark.points(1)
def test_linear_backward_purity(student, ref, rng):
    A_prev, W, b = _layer(rng, "linear")
    dZ = rng.standard_normal((W.shape[0], A_prev.shape[1]))
    got, after, _ = student.call_with_args("linear_backward", dZ, (A_prev, W, b))
    assert_did_work("linear_backward", tuple(_result3(got, "linear_backward")),
                    ref.linear_backward(dZ, (A_prev, W, b)), inputs=(dZ, A_prev, W, b))
    assert_unchanged("linear_backward", (dZ, (A_prev, W, b)), after, ("dZ", "linear_cache"))


# ============================================================================= linear_activation_backward (8)

@pytest.mark.points(3)
@pytest.mark.parametrize("act", ACTS)
def test_linear_activation_backward_matches_reference(student, ref, rng, act):
    A_prev, W, b = _layer(rng, act)
    _, cache = ref.linear_activation_forward(A_prev, W, b, act)
    dA = rng.standard_normal((W.shape[0], A_prev.shape[1]))
    where = f"linear_activation_backward(dA, cache, activation={act!r})"
    got = _result3(student.linear_activation_backward(dA, cache, act), where)
    exp = ref.linear_activation_backward(dA, cache, act)
    for i, nm in enumerate(("dA_prev", "dW", "db")):
        assert_close(got[i], exp[i], name=f"{nm} from {where}", rtol=1e-10, atol=1e-14,
                     hint="dZ = dA * g'(Z) (softmax: softmax_backward(dA, Z)), then linear_backward(dZ, linear_cache)")


@pytest.mark.points(2)
@pytest.mark.parametrize("act", ["relu", "leaky_relu", "tanh", "sigmoid", "softmax"])
def test_linear_activation_backward_gradient_check(student, ref, rng, act):
    A_prev, W, b = _layer(rng, act)
    m = A_prev.shape[1]
    _, cache = ref.linear_activation_forward(A_prev, W, b, act)
    dA = rng.standard_normal((W.shape[0], m))
    where = f"linear_activation_backward(activation={act!r})"
    dA_prev, dW, db = _result3(student.linear_activation_backward(dA, cache, act), where)
    a, w, bb = A_prev.copy(), W.copy(), b.copy()
    tol = 1e-6 if act in KINKS else 1e-7

    def f():
        return float(np.sum(ref.linear_activation_forward(a, w, bb, act)[0] * dA))

    check_gradient(lambda: f() / m, w, dW, name=f"dW from {where} (vs centred differences of (1/m) sum(A * dA))",
                   tol=tol, rng=rng)
    check_gradient(lambda: f() / m, bb, db, name=f"db from {where} (vs centred differences of (1/m) sum(A * dA))",
                   tol=tol, rng=rng)
    check_gradient(f, a, dA_prev, name=f"dA_prev from {where} (vs centred differences of sum(A * dA))",
                   tol=tol, rng=rng)


@pytest.mark.points(1)
@pytest.mark.parametrize("act", KINKS)
def test_linear_activation_backward_at_kink(student, ref, rng, act):
    """Exact zeros in Z (a ReLU unit whose input is exactly 0, e.g. after a zero initialization or
    on integer-valued data): relu'(0) = 0 and leaky_relu'(0) = alpha (CONVENTIONS, «z>0时梯度恒为1»)."""
    A_prev, W, b = _layer(rng, act)
    _, (linear_cache, Z) = ref.linear_activation_forward(A_prev, W, b, act)
    Z = Z.copy()
    Z.flat[:: 3] = 0.0                            # every third pre-activation exactly 0
    Z.flat[1] = -0.0
    dA = rng.standard_normal(Z.shape) + 2.0       # mostly positive, so a wrong 0 vs 1 is visible
    where = f"linear_activation_backward(activation={act!r}) where Z == 0 exactly"
    got = _result3(student.linear_activation_backward(dA, (linear_cache, Z), act), where)
    exp = ref.linear_activation_backward(dA, (linear_cache, Z), act)
    for i, nm in enumerate(("dA_prev", "dW", "db")):
        assert_close(got[i], exp[i], name=f"{nm} from {where}", rtol=1e-10, atol=1e-14,
                     hint="the derivative at Z == 0 counts as the negative side: relu'(0) = 0, leaky_relu'(0) = "
                          "alpha; use Z > 0 for the positive side (dZ[Z <= 0] = ...), not Z >= 0 or Z < 0")


@pytest.mark.points(1)
def test_linear_activation_backward_unknown(student, ref, rng):
    A_prev, W, b = _layer(rng, "tanh")
    _, cache = ref.linear_activation_forward(A_prev, W, b, "tanh")
    dA = rng.standard_normal((W.shape[0], A_prev.shape[1]))
    with raises_student(ValueError):
        student.linear_activation_backward(dA, cache, "elu")


@pytest.mark.points(1)
@pytest.mark.parametrize("act", ["relu", "leaky_relu"])
def test_linear_activation_backward_purity(student, ref, rng, act):
    A_prev, W, b = _layer(rng, act)
    _, cache = ref.linear_activation_forward(A_prev, W, b, act)
    dA = rng.standard_normal((W.shape[0], A_prev.shape[1]))
    got, after, _ = student.call_with_args("linear_activation_backward", dA, cache, act)
    assert_did_work(f"linear_activation_backward(activation={act!r})",
                    tuple(_result3(got, f"linear_activation_backward(activation={act!r})")),
                    ref.linear_activation_backward(dA, cache, act), inputs=(dA,))
    assert_unchanged(f"linear_activation_backward(activation={act!r})", (dA, cache), after, ("dA", "cache"))


# ============================================================================= L_model_backward (14)

COMBOS = [("relu", "softmax"), ("tanh", "sigmoid"), ("leaky_relu", "softmax"), ("sigmoid", "sigmoid")]


@pytest.mark.points(4)
@pytest.mark.parametrize("hidden,output", COMBOS)
def test_L_model_backward_matches_reference(student, ref, rng, hidden, output):
    dims = _dims(rng, L=int(rng.integers(2, 5)), n_out=(int(rng.integers(3, 6)) if output == "softmax" else 1))
    P, X, Y = _net(rng, dims, hidden, output)
    AL, caches = ref.L_model_forward(X, P, hidden, output)
    where = f"L_model_backward(hidden_activation={hidden!r}, output_activation={output!r}) for layer_dims {dims}"
    got = _grads_dict(l_model_backward(student, AL, Y, caches, hidden, output), dims, where)
    exp = ref.L_model_backward(AL, Y, caches, hidden, output)
    for key in sorted(exp, key=lambda k: (-int(k[2:]), k)):  # from layer L down to 1, as computed
        assert_close(got.get(key), exp[key], name=f"grads[{key!r}] from {where}", rtol=1e-9, atol=1e-13)


GC_CASES = [([5, 4, 4, 3], "softmax"), ([5, 4, 1], "sigmoid")]


@pytest.mark.points(6)
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize("dims,output", GC_CASES)
def test_L_model_backward_gradient_check(student, ref, rng, dims, output, hidden):
    P, X, Y = _net(rng, dims, hidden, output, m=7)
    m = X.shape[1]
    AL, caches = ref.L_model_forward(X, P, hidden, output)
    where = f"L_model_backward(hidden_activation={hidden!r}, output_activation={output!r}) on {dims}"
    grads = _grads_dict(l_model_backward(student, AL, Y, caches, hidden, output), dims, where)
    tol = 1e-6 if hidden in KINKS else 1e-7
    x = {k: v.copy() for k, v in P.items()}
    xX = X.copy()

    def cost():
        return ref.compute_cost(ref.L_model_forward(xX, x, hidden, output)[0], Y, output)

    L = len(dims) - 1
    for l in range(L, 0, -1):
        for p in ("W", "b"):
            check_gradient(cost, x[f"{p}{l}"], grads[f"d{p}{l}"],
                           name=f"grads['d{p}{l}'] from {where} (vs centred differences of the cost)", tol=tol, rng=rng)
    assert "dA0" in grads, f"{where}: missing key 'dA0' (the gradient with respect to X)"
    check_gradient(lambda: m * cost(), xX, grads["dA0"],
                   name=f"grads['dA0'] from {where} (vs centred differences of m * cost: dA is per example)",
                   tol=tol, rng=rng)


def _torch_grads(P, X, Y, hidden, output):
    import torch

    torch.set_num_threads(1)
    F = torch.nn.functional
    L = len(P) // 2
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in P.items()}
    A = torch.tensor(X, dtype=torch.float64)
    Yt = torch.tensor(Y, dtype=torch.float64)
    g = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
         "leaky_relu": lambda z: F.leaky_relu(z, 0.01)}[hidden]
    for l in range(1, L):
        A = g(t[f"W{l}"] @ A + t[f"b{l}"])
    ZL = t[f"W{L}"] @ A + t[f"b{L}"]
    m = X.shape[1]
    if output == "softmax":
        J = -(Yt * torch.log_softmax(ZL, dim=0)).sum() / m
    else:
        J = F.binary_cross_entropy_with_logits(ZL, Yt, reduction="sum") / m
    J.backward()
    out = {}
    for l in range(1, L + 1):
        out[f"dW{l}"] = t[f"W{l}"].grad.numpy().copy()
        out[f"db{l}"] = t[f"b{l}"].grad.numpy().copy()
    return out


@pytest.mark.points(2)
@pytest.mark.parametrize("hidden,output", [("relu", "softmax"), ("tanh", "sigmoid")])
def test_L_model_backward_torch_oracle(student, ref, rng, hidden, output):
    dims = _dims(rng, L=3, n_out=(4 if output == "softmax" else 1))
    P, X, Y = _net(rng, dims, hidden, output)
    AL, caches = ref.L_model_forward(X, P, hidden, output)
    where = f"L_model_backward(hidden_activation={hidden!r}, output_activation={output!r}) on {dims}"
    got = _grads_dict(l_model_backward(student, AL, Y, caches, hidden, output), dims, where)
    exp = _torch_grads(P, X, Y, hidden, output)  # independent oracle: torch autograd, CPU float64
    for key in sorted(exp, key=lambda k: (-int(k[2:]), k)):
        assert_close(got[key], exp[key], name=f"grads[{key!r}] from {where} vs torch autograd", rtol=1e-8, atol=1e-12)


@pytest.mark.points(2)
def test_L_model_backward_shapes_and_defaults(student, ref, rng):
    dims = _dims(rng, L=3, n_out=4)
    P, X, Y = _net(rng, dims, "relu", "softmax")
    AL, caches = ref.L_model_forward(X, P, "relu", "softmax")
    where = "L_model_backward(AL, Y, caches) with the defaults (relu, softmax)"
    got = _grads_dict(l_model_backward(student, AL, Y, caches), dims, where)
    exp = ref.L_model_backward(AL, Y, caches, "relu", "softmax")
    for key in ("dA0", "dA1", "dA2"):
        assert key in got, f"{where}: missing key {key!r} (keys dA0 ... dA(L-1))"
        assert_close(got[key], exp[key], name=f"grads[{key!r}] from {where}", rtol=1e-9, atol=1e-13)
    assert_close(got["dW1"], exp["dW1"], name=f"grads['dW1'] from {where}", rtol=1e-9, atol=1e-13)
    _, after, _ = student.call_with_args("L_model_backward", AL, Y, caches, "relu", "softmax")
    assert_unchanged("L_model_backward", (AL, Y, caches), after, ("AL", "Y", "caches"))
    # L = 1 (softmax regression) with m = 1
    dims1 = [int(rng.integers(2, 6)), 3]
    P1, X1, Y1 = _net(rng, dims1, "relu", "softmax", m=1)
    AL1, caches1 = ref.L_model_forward(X1, P1, "relu", "softmax")
    got1 = _grads_dict(l_model_backward(student, AL1, Y1, caches1, "relu", "softmax"), dims1,
                       "L_model_backward with L = 1, m = 1")
    assert_close(got1, ref.L_model_backward(AL1, Y1, caches1, "relu", "softmax"),
                 name="grads from L_model_backward with L = 1 (softmax regression) and m = 1", rtol=1e-9, atol=1e-13)


# ============================================================================= update_parameters (4)

def _grads_like(rng, P):
    G = {"d" + k: rng.standard_normal(v.shape) for k, v in P.items()}
    G["dA0"] = rng.standard_normal((3, 5))  # extra keys must be ignored
    return G


@pytest.mark.points(2)
def test_update_parameters_matches_reference(student, ref, rng):
    dims = _dims(rng, L=int(rng.integers(1, 5)))
    P = _params(rng, dims)
    G = _grads_like(rng, P)
    lr = float(rng.uniform(0.01, 2.0))
    assert_close(student.update_parameters(P, G, lr), ref.update_parameters(P, G, lr),
                 name=f"update_parameters(parameters for {dims}, grads, learning_rate={lr:.4g})", rtol=1e-14,
                 atol=1e-15, extra_keys="forbid", hint="W{l} = W{l} - lr * dW{l}, b{l} = b{l} - lr * db{l}, every layer")


@pytest.mark.points(1)
def test_update_parameters_purity(student, ref, rng):
    dims = _dims(rng)
    P = _params(rng, dims)
    G = _grads_like(rng, P)
    got, after, _ = student.call_with_args("update_parameters", P, G, 0.3)
    assert isinstance(got, dict), "update_parameters must return a dict"
    assert_did_work("update_parameters", got, ref.update_parameters(P, G, 0.3), inputs=(P, G))
    assert_unchanged("update_parameters", (P, G), after, ("parameters", "grads"))


@pytest.mark.points(1)
def test_update_parameters_float32(student, ref, rng):
    dims = _dims(rng)
    P = {k: v.astype(np.float32) for k, v in _params(rng, dims).items()}
    G = {k: v.astype(np.float32) for k, v in _grads_like(rng, P).items()}
    assert_close(student.update_parameters(P, G, 0.1), ref.update_parameters(P, G, 0.1),
                 name="update_parameters on float32 parameters (must stay float32)", rtol=1e-6, atol=1e-7)

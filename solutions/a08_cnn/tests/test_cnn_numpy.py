"""Hidden tests of A08 part A (numpy): 填充, 卷积层 forward/backward, 池化层 forward/backward, flatten and
a small CNN (卷积神经网络) trained on the digits.

Points (CURRICULUM A08): zero_pad 3 · output shape 3 · param count 2 · single step 2 · conv_forward 14 ·
conv_backward 16 · pool_forward 8 · pool_backward 10 · flatten 3 · SimpleConvNet 9 = 70
(test_cnn_torch.py has the other 30).

Every conv/pool result is compared with the reference and with torch (F.conv2d / max_pool2d /
avg_pool2d and autograd, CPU float64, run here in the grading process); backward functions get
caches built by the REFERENCE forward and are gradient-checked through the reference forward
(CONVENTIONS §5), so one bug costs points once.
"""
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader import data
from grader.checks import assert_close, raises_student
from grader.gradcheck import check_gradient

# (n_H, n_W, f, stride, pad): the curriculum's nine cases
CONV_CASES = [(5, 5, 3, 1, 0), (5, 5, 3, 1, 1), (7, 6, 3, 2, 1), (6, 6, 2, 2, 0), (8, 8, 5, 1, 2),
              (7, 7, 3, 3, 0), (4, 4, 4, 1, 0), (5, 5, 1, 1, 0), (6, 7, 3, 2, 2)]
CONV_IDS = ["valid", "same", "nonsquare_s2", "f2s2", "f5p2", "leftover_border", "kernel_is_input", "1x1",
            "p_gt_half_f"]
# (mode, f, stride): s = f and s < f (overlapping windows) for both modes, and a stride that does not divide
POOL_CASES = [("max", 2, 2), ("max", 3, 1), ("max", 3, 2), ("average", 2, 2), ("average", 3, 1), ("average", 2, 3)]
POOL_IDS = [f"{m}_f{f}_s{s}" for m, f, s in POOL_CASES]


# ============================================================================ probes (run in the child)

def probe_time_conv(module, A, W, b, hp, reps):
    """Best wall time of conv_forward + conv_backward (dZ = ones) over `reps` runs, in the child."""
    import time

    import numpy as np
    best = float("inf")
    out = None
    for _ in range(reps):
        t0 = time.perf_counter()
        Z, cache = module.conv_forward(A, W, b, hp)
        out = module.conv_backward(np.ones_like(Z), cache)
        best = min(best, time.perf_counter() - t0)
    return {"best": best, "Z": Z, "dW": out[1]}


def probe_net(module, kwargs, params, X, Y):
    """SimpleConvNet(**kwargs) with the given parameters: (AL, grads) of one forward/backward."""
    net = module.SimpleConvNet(**kwargs)
    net.params = {k: v.copy() for k, v in params.items()}
    AL, caches = net.forward(X)
    return AL, net.backward(AL, Y, caches)


def probe_net_init(module, n_filters, f, n_classes, seed, input_shape):
    import numpy as np
    rng = np.random.default_rng(seed)
    if input_shape is None:
        net = module.SimpleConvNet(n_filters, f, n_classes, rng)
    else:
        net = module.SimpleConvNet(n_filters, f, n_classes, rng, input_shape=input_shape)
    return net.params


def probe_net_fit(module, seed, fit_seed, X, y, X_test, y_test, fit_kwargs):
    """Builds SimpleConvNet(rng=default_rng(seed)), fits it and scores it on the test split."""
    import numpy as np
    net = module.SimpleConvNet(rng=np.random.default_rng(seed))
    costs = net.fit(X, y, rng=np.random.default_rng(fit_seed), **fit_kwargs)
    pred = net.predict(X_test)
    return {"costs": costs, "params": net.params, "pred": pred,
            "accuracy": float(np.mean(np.asarray(pred) == y_test))}


# ============================================================================ helpers

def _conv_inputs(rng, case, m, dtype=np.float64):
    H, W, f, s, p = case
    C_prev, C = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    A = rng.standard_normal((m, C_prev, H, W)).astype(dtype)
    Wt = rng.standard_normal((C, C_prev, f, f)).astype(dtype)
    b = rng.standard_normal(C).astype(dtype)
    return A, Wt, b, {"stride": s, "pad": p}


def _torch_conv(A, W, b, hp, dZ=None):
    """F.conv2d with autograd (CPU float64): Z and, given dZ, (dA, dW, db) of sum(Z * dZ)."""
    At, Wt, bt = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (A, W, b))
    Z = F.conv2d(At, Wt, bt, stride=hp["stride"], padding=hp["pad"])
    if dZ is None:
        return Z.detach().numpy()
    (Z * torch.from_numpy(dZ)).sum().backward()
    return Z.detach().numpy(), At.grad.numpy(), Wt.grad.numpy(), bt.grad.numpy()


def _pool_input(rng, m, C, H, W):
    """Distinct values (a scaled permutation): gaps of 0.01 >> h keep max-pool away from ties."""
    return (rng.permutation(m * C * H * W).reshape(m, C, H, W) * 0.01 - 0.3).astype(np.float64)


def _torch_pool(A, hp, dA=None):
    At = torch.tensor(A, requires_grad=True)
    fn = F.max_pool2d if hp["mode"] == "max" else F.avg_pool2d
    P = fn(At, hp["f"], hp["stride"])
    if dA is None:
        return P.detach().numpy()
    (P * torch.from_numpy(dA)).sum().backward()
    return P.detach().numpy(), At.grad.numpy()


def _hp(case):
    mode, f, s = case
    return {"f": f, "stride": s, "mode": mode}


def _unchanged(after, before, what):
    for i, (a, b) in enumerate(zip(after, before)):
        if isinstance(b, np.ndarray):
            assert np.array_equal(a, b), f"{what} modified its argument {i} in place"
        elif isinstance(b, dict):
            assert a == b, f"{what} modified its hyper-parameter dict"


# ============================================================================ zero_pad (3)

@pytest.mark.points(2)
@pytest.mark.parametrize("pad", [1, 3, 0])
def test_zero_pad_values(student, rng, pad):
    X = rng.standard_normal((int(rng.integers(1, 4)), int(rng.integers(1, 4)), 4, 5))
    expected = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    assert_close(student.zero_pad(X, pad), expected, name=f"zero_pad(X {X.shape}, pad={pad})", rtol=0, atol=0,
                 hint="pad only the two spatial axes (n_H, n_W), never m or n_C")


@pytest.mark.points(1)
def test_zero_pad_float32_and_purity(student, rng):
    X = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    out, args, _ = student.call_with_args("zero_pad", X, 2)
    assert_close(out, np.pad(X, ((0, 0), (0, 0), (2, 2), (2, 2))), name="zero_pad of a float32 batch (dtype kept)",
                 rtol=0, atol=0)
    _unchanged(args, (X,), "zero_pad")


# ============================================================================ conv_output_shape (3) / conv_param_count (2)

@pytest.mark.points(2)
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv_output_shape(student, case):
    H, W, f, s, p = case
    got = student.conv_output_shape(H, W, f, p, s)
    expected = ((H + 2 * p - f) // s + 1, (W + 2 * p - f) // s + 1)
    assert isinstance(got, tuple) and all(type(v) is int for v in got), (
        f"conv_output_shape must return a tuple of two Python ints, got {got!r}")
    assert got == expected, (f"conv_output_shape(n_H_prev={H}, n_W_prev={W}, f={f}, pad={p}, stride={s}) = {got}, "
                             f"expected {expected} = floor((n + 2p - f) / s) + 1")


@pytest.mark.points(1)
def test_lenet_sizes(student):
    """«32-5+1=28», «28÷2=14» (the pooling window uses the same formula, p = 0)."""
    assert student.conv_output_shape(32, 32, 5, 0, 1) == (28, 28), "CONV1 of the notes: 32 - 5 + 1 = 28"
    assert student.conv_output_shape(28, 28, 2, 0, 2) == (14, 14), "POOL1 of the notes: 28 / 2 = 14"
    assert student.conv_output_shape(14, 10, 5, 0, 1) == (10, 6), "a non-square input: (14, 10), f = 5 -> (10, 6)"


@pytest.mark.points(2)
def test_conv_param_count(student):
    got = student.conv_param_count(5, 3, 6)
    assert type(got) is int and got == 456, f"conv_param_count(5, 3, 6) = {got!r}, expected 456 = (5*5*3 + 1)*6"
    for f, c_prev, c in [(5, 6, 16), (3, 1, 8), (1, 4, 2)]:
        got = student.conv_param_count(f, c_prev, c)
        assert got == (f * f * c_prev + 1) * c, (
            f"conv_param_count({f}, {c_prev}, {c}) = {got!r}, expected {(f * f * c_prev + 1) * c} "
            f"(one bias per filter)")


# ============================================================================ conv_single_step (2)

@pytest.mark.points(2)
def test_conv_single_step(student, rng):
    a = rng.standard_normal((3, 4, 4))
    W = rng.standard_normal((3, 4, 4))
    b = float(rng.standard_normal())
    got = student.conv_single_step(a, W, b)
    assert_close(got, float(np.sum(a * W) + b), name="conv_single_step(a_slice, W, b) = sum(a*W) + b", rtol=1e-12)
    got1 = student.conv_single_step(a[:1, :2, :2], W[:1, :2, :2], np.array([b]))
    assert_close(got1, float(np.sum(a[:1, :2, :2] * W[:1, :2, :2]) + b),
                 name="conv_single_step with b given as a (1,) array", rtol=1e-12)


# ============================================================================ conv_forward (14)

@pytest.mark.points(5)
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv_forward_matches_reference(student, ref, rng, case):
    for m in (1, 3):
        A, W, b, hp = _conv_inputs(rng, case, m)
        Z, cache = student.conv_forward(A, W, b, hp)
        assert_close(Z, ref.conv_forward(A, W, b, hp)[0], name=f"Z (m={m}, (H, W, f, s, p)={case})",
                     rtol=1e-9, atol=1e-11)


@pytest.mark.points(3)
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv_forward_matches_torch(student, rng, case):
    A, W, b, hp = _conv_inputs(rng, case, 3)
    Z, _ = student.conv_forward(A, W, b, hp)
    assert_close(Z, _torch_conv(A, W, b, hp), name=f"Z vs F.conv2d ((H, W, f, s, p)={case})", rtol=1e-9, atol=1e-11,
                 hint="the notes' convolution multiplies matching elements (cross-correlation): do not flip the kernel")


@pytest.mark.points(2)
def test_conv_forward_vertical_edge(student):
    """«边缘检测»: the vertical-edge kernel on the step-edge image gives every row [0, 30, 30, 0]."""
    img = data.step_edge_image()
    W = np.array([[1.0, 0.0, -1.0]] * 3).reshape(1, 1, 3, 3)
    Z, _ = student.conv_forward(img, W, np.zeros(1), {"stride": 1, "pad": 0})
    assert_close(Z, np.tile(np.array([0.0, 30.0, 30.0, 0.0]), (1, 1, 4, 1)),
                 name="edge detector [[1,0,-1]]x3 on step_edge_image()", rtol=0, atol=1e-12,
                 hint="a flipped kernel gives -30: «对应元素相乘再求和» multiplies matching elements, no flip")


@pytest.mark.points(1)
def test_conv_forward_cache(student, ref, rng):
    A, W, b, hp = _conv_inputs(rng, CONV_CASES[2], 2)
    _, cache = student.conv_forward(A, W, b, hp)
    assert isinstance(cache, tuple) and len(cache) == 4, "the cache must be the tuple (A_prev, W, b, hparameters)"
    assert_close(cache[:3], (A, W, b), name="cache (A_prev, W, b)", rtol=0, atol=0)
    assert cache[3] == hp, f"cache[3] is {cache[3]!r}, expected the hparameters {hp!r}"


@pytest.mark.points(1)
def test_conv_forward_channel_mismatch(student, rng):
    A = rng.standard_normal((2, 3, 5, 5))
    W = rng.standard_normal((4, 2, 3, 3))
    with raises_student(ValueError):
        student.conv_forward(A, W, np.zeros(4), {"stride": 1, "pad": 0})


@pytest.mark.points(1)
def test_conv_forward_float32(student, ref, rng):
    A, W, b, hp = _conv_inputs(rng, CONV_CASES[1], 2, dtype=np.float32)
    Z, _ = student.conv_forward(A, W, b, hp)
    assert_close(Z, ref.conv_forward(A, W, b, hp)[0], name="Z of a float32 batch (float32 kept)", rtol=1e-4, atol=1e-5)


@pytest.mark.points(1)
def test_conv_forward_purity(student, ref, rng):
    A, W, b, hp = _conv_inputs(rng, CONV_CASES[4], 2)
    (Z, _), args, _ = student.call_with_args("conv_forward", A, W, b, dict(hp))
    assert_close(Z, ref.conv_forward(A, W, b, hp)[0], name="Z", rtol=1e-9, atol=1e-11)
    _unchanged(args, (A, W, b, hp), "conv_forward")


# ============================================================================ conv_backward (16)

@pytest.mark.points(4)
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv_backward_matches_reference(student, ref, rng, case):
    for m in (1, 3):
        A, W, b, hp = _conv_inputs(rng, case, m)
        Z, cache = ref.conv_forward(A, W, b, hp)
        dZ = rng.standard_normal(Z.shape)
        got = student.conv_backward(dZ, cache)
        assert isinstance(got, tuple) and len(got) == 3, "conv_backward must return (dA_prev, dW, db)"
        assert_close(got, ref.conv_backward(dZ, cache), name=f"(dA_prev, dW, db) (m={m}, (H, W, f, s, p)={case})",
                     rtol=1e-9, atol=1e-11)


@pytest.mark.points(3)
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv_backward_matches_torch(student, ref, rng, case):
    A, W, b, hp = _conv_inputs(rng, case, 3)
    Z, cache = ref.conv_forward(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    _, dA_t, dW_t, db_t = _torch_conv(A, W, b, hp, dZ)
    got = student.conv_backward(dZ, cache)
    assert isinstance(got, tuple) and len(got) == 3, "conv_backward must return (dA_prev, dW, db)"
    for name, g, e in zip(("dA_prev", "dW", "db"), got, (dA_t, dW_t, db_t)):
        assert_close(g, e, name=f"{name} vs torch autograd ((H, W, f, s, p)={case})", rtol=1e-9, atol=1e-11)


@pytest.mark.points(3)
@pytest.mark.parametrize("case", [CONV_CASES[2], CONV_CASES[4], CONV_CASES[8]], ids=["s2p1", "f5p2", "p_gt_half_f"])
def test_conv_backward_gradcheck(student, ref, rng, case):
    """Vector-Jacobian check through the reference forward: grad of sum(Z * dZ)."""
    A, W, b, hp = _conv_inputs(rng, case, 2)
    Z, cache = ref.conv_forward(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    dA, dW, db = student.conv_backward(dZ, cache)
    for name, x, g in (("dA_prev", A, dA), ("dW", W, dW), ("db", b, db)):
        check_gradient(lambda: np.sum(ref.conv_forward(A, W, b, hp)[0] * dZ), x, g, name=f"{name} ({case})",
                       tol=1e-7, rng=rng)


@pytest.mark.points(1)
def test_conv_backward_leftover_border(student, ref, rng):
    """7x7, f = 3, s = 3: the last row and column are never covered by a window, so their gradient is 0."""
    A, W, b, hp = _conv_inputs(rng, CONV_CASES[5], 2)
    Z, cache = ref.conv_forward(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    dA = student.conv_backward(dZ, cache)[0]
    assert_close(dA, ref.conv_backward(dZ, cache)[0], name="dA_prev (7x7, f=3, s=3)", rtol=1e-9, atol=1e-11)
    assert np.all(dA[:, :, 6, :] == 0) and np.all(dA[:, :, :, 6] == 0), "the uncovered border must get exactly 0"


@pytest.mark.points(1)
def test_conv_backward_float32_and_purity(student, ref, rng):
    A, W, b, hp = _conv_inputs(rng, CONV_CASES[2], 2, dtype=np.float32)
    Z, cache = ref.conv_forward(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape).astype(np.float32)
    got, args, _ = student.call_with_args("conv_backward", dZ, cache)
    assert_close(got, ref.conv_backward(dZ, cache), name="(dA_prev, dW, db) in float32 (float32 kept)",
                 rtol=1e-4, atol=1e-5)
    _unchanged([args[0]] + list(args[1][:3]), [dZ, A, W, b], "conv_backward")


@pytest.mark.points(4)
@pytest.mark.timeout(60)
def test_conv_speed_ratio(student, ref, rng):
    """Vectorization: conv forward + backward on (32, 8, 16, 16) with 16 3x3 filters within 20x of the
    reference, both timed in this grading run (best of 3; loops over kernel offsets or output positions
    are fine, loops over examples or channels are not)."""
    A = rng.standard_normal((32, 8, 16, 16))
    W = rng.standard_normal((16, 8, 3, 3))
    b = rng.standard_normal(16)
    hp = {"stride": 1, "pad": 1}

    def ref_best():
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            Z, cache = ref.conv_forward(A, W, b, hp)
            ref.conv_backward(np.ones_like(Z), cache)
            best = min(best, time.perf_counter() - t0)
        return best

    t_ref = ref_best()
    res = student.probe(probe_time_conv, A, W, b, hp, 3)
    t_ref = min(t_ref, ref_best())      # timed before and after, so a load spike does not favour the student
    Z_ref, cache = ref.conv_forward(A, W, b, hp)
    assert_close(res["Z"], Z_ref, name="Z of the timed run", rtol=1e-9, atol=1e-10)
    assert_close(res["dW"], ref.conv_backward(np.ones_like(Z_ref), cache)[1], name="dW of the timed run",
                 rtol=1e-9, atol=1e-9)
    ratio = res["best"] / max(t_ref, 1e-6)
    assert ratio <= 20, (f"conv_forward + conv_backward took {res['best'] * 1e3:.1f} ms, {ratio:.0f}x the "
                         f"reference's {t_ref * 1e3:.1f} ms on the same machine (limit 20x): loop only over kernel "
                         f"offsets (f x f) or output positions, and let numpy handle examples and channels")


# ============================================================================ pool_forward (8)

@pytest.mark.points(3)
@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_pool_forward_matches_reference(student, ref, rng, case):
    for m in (1, 3):
        A = rng.standard_normal((m, 2, 7, 8))
        A_out, _ = student.pool_forward(A, _hp(case))
        assert_close(A_out, ref.pool_forward(A, _hp(case))[0], name=f"A (m={m}, {case})", rtol=1e-12, atol=1e-14)


@pytest.mark.points(3)
@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_pool_forward_matches_torch(student, rng, case):
    A = rng.standard_normal((2, 3, 8, 7))
    A_out, _ = student.pool_forward(A, _hp(case))
    fn = "F.max_pool2d" if case[0] == "max" else "F.avg_pool2d"
    assert_close(A_out, _torch_pool(A, _hp(case)), name=f"A vs {fn} ({case})", rtol=1e-12, atol=1e-14)


@pytest.mark.points(1)
def test_pool_forward_cache_float32_purity(student, ref, rng):
    A = rng.standard_normal((2, 2, 6, 6)).astype(np.float32)
    hp = {"f": 2, "stride": 2, "mode": "average"}
    (A_out, cache), args, _ = student.call_with_args("pool_forward", A, dict(hp))
    assert_close(A_out, ref.pool_forward(A, hp)[0], name="average pool of a float32 batch (float32 kept)",
                 rtol=1e-6, atol=1e-7)
    assert isinstance(cache, tuple) and len(cache) == 2, "the cache must be (A_prev, hparameters)"
    assert_close(cache[0], A, name="cache[0] (A_prev)", rtol=0, atol=0)
    _unchanged(args, (A, hp), "pool_forward")


@pytest.mark.points(1)
def test_pool_forward_unknown_mode(student, rng):
    A = rng.standard_normal((1, 1, 4, 4))
    A_out, _ = student.pool_forward(A, {"f": 2, "stride": 2, "mode": "max"})
    assert_close(A_out, _torch_pool(A, {"f": 2, "stride": 2, "mode": "max"}), name="max pool", rtol=1e-12)
    with raises_student(ValueError):
        student.pool_forward(A, {"f": 2, "stride": 2, "mode": "median"})


# ============================================================================ pool_backward (10)

@pytest.mark.points(3)
@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_pool_backward_matches_reference(student, ref, rng, case):
    for m in (1, 3):
        A = _pool_input(rng, m, 2, 7, 8)
        _, cache = ref.pool_forward(A, _hp(case))
        dA = rng.standard_normal(ref.pool_forward(A, _hp(case))[0].shape)
        assert_close(student.pool_backward(dA, cache), ref.pool_backward(dA, cache), name=f"dA_prev (m={m}, {case})",
                     rtol=1e-12, atol=1e-14)


@pytest.mark.points(2)
@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_pool_backward_matches_torch(student, ref, rng, case):
    A = _pool_input(rng, 2, 3, 8, 7)
    P, cache = ref.pool_forward(A, _hp(case))
    dA = rng.standard_normal(P.shape)
    assert_close(student.pool_backward(dA, cache), _torch_pool(A, _hp(case), dA)[1],
                 name=f"dA_prev vs torch autograd ({case})", rtol=1e-12, atol=1e-14)


@pytest.mark.points(1)
@pytest.mark.parametrize("case", [("max", 3, 2), ("average", 3, 1)], ids=["max_f3_s2", "average_f3_s1"])
def test_pool_backward_gradcheck(student, ref, rng, case):
    A = _pool_input(rng, 2, 2, 7, 7)
    P, cache = ref.pool_forward(A, _hp(case))
    dA = rng.standard_normal(P.shape)
    got = student.pool_backward(dA, cache)
    check_gradient(lambda: np.sum(ref.pool_forward(A, _hp(case))[0] * dA), A, got, name=f"dA_prev ({case})",
                   tol=1e-7, rng=rng)


@pytest.mark.points(1)
@pytest.mark.parametrize("stride", [2, 1])
def test_max_pool_backward_routes_to_argmax(student, ref, rng, stride):
    """Conservation (sum dA_prev = sum dA) and non-zeros only at each window's arg-max."""
    A = _pool_input(rng, 2, 2, 6, 6)
    hp = {"f": 2, "stride": stride, "mode": "max"}
    P, cache = ref.pool_forward(A, hp)
    dA = rng.uniform(0.5, 1.5, P.shape)
    got = student.pool_backward(dA, cache)
    assert_close(got, ref.pool_backward(dA, cache), name=f"dA_prev (max, f=2, s={stride})", rtol=1e-12)
    assert np.isclose(got.sum(), dA.sum(), rtol=1e-12), (
        f"max-pool backward must conserve the gradient: sum(dA_prev) = {got.sum():.6g}, sum(dA) = {dA.sum():.6g}")
    support = np.zeros(A.shape, dtype=bool)
    for h in range(P.shape[2]):
        for w in range(P.shape[3]):
            win = A[:, :, h * stride:h * stride + 2, w * stride:w * stride + 2]
            support[:, :, h * stride:h * stride + 2, w * stride:w * stride + 2] |= win == win.max(axis=(2, 3),
                                                                                                  keepdims=True)
    assert np.all(got[~support] == 0), "max-pool backward put gradient on a cell that is no window's maximum"


@pytest.mark.points(1)
def test_max_pool_backward_tie_goes_to_first(student, ref):
    """A tie routes to the first maximal element in row-major order (as torch on the CPU)."""
    A = np.array([[[[1.0, 1.0], [0.0, 1.0]]]])
    hp = {"f": 2, "stride": 2, "mode": "max"}
    _, cache = ref.pool_forward(A, hp)
    got = student.pool_backward(np.array([[[[2.0]]]]), cache)
    assert_close(got, np.array([[[[2.0, 0.0], [0.0, 0.0]]]]), name="dA_prev for the window [[1, 1], [0, 1]]", rtol=0,
                 hint="route the whole gradient to ONE element: the first maximum (np.argmax of the flattened window)")


@pytest.mark.points(1)
def test_average_pool_backward_uniform(student, rng):
    A = rng.standard_normal((1, 1, 4, 4))
    hp = {"f": 2, "stride": 2, "mode": "average"}
    dA = np.array([[[[4.0, 8.0], [-4.0, 1.0]]]])
    got = student.pool_backward(dA, (A, hp))
    expected = np.kron(dA[0, 0], np.ones((2, 2))).reshape(1, 1, 4, 4) / 4
    assert_close(got, expected, name="average-pool dA_prev (each window's dA / (f*f) in every cell)", rtol=1e-12)


@pytest.mark.points(1)
@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool_backward_overlap_accumulates(student, mode):
    """f = 3, s = 1 on a 4x4 input: windows overlap, and the shared cells must add up their gradients."""
    A = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)   # maximum of every window: its bottom-right cell
    hp = {"f": 3, "stride": 1, "mode": mode}
    dA = np.ones((1, 1, 2, 2))
    got = student.pool_backward(dA, (A, hp))
    expected = _torch_pool(A, hp, dA)[1]
    assert_close(got, expected, name=f"{mode}-pool dA_prev with overlapping windows (f=3, s=1)", rtol=1e-12,
                 hint="overlapping windows share cells: accumulate with +=, do not overwrite")


# ============================================================================ flatten (3)

@pytest.mark.points(1)
def test_flatten_forward(student, rng):
    A = rng.standard_normal((3, 2, 4, 5))
    got = student.flatten_forward(A)
    assert isinstance(got, tuple) and len(got) == 2, "flatten_forward returns (A_flat, shape)"
    assert_close(got[0], A.reshape(3, -1).T, name="A_flat (column i = image i in C order)", rtol=0)
    assert tuple(got[1]) == A.shape, f"shape is {got[1]!r}, expected {A.shape}"


@pytest.mark.points(1)
def test_flatten_backward(student, rng):
    shape = (3, 2, 4, 5)
    dA_flat = rng.standard_normal((40, 3))
    assert_close(student.flatten_backward(dA_flat, shape), dA_flat.T.reshape(shape), name="flatten_backward", rtol=0)


@pytest.mark.points(1)
def test_flatten_roundtrip(student, rng):
    """flatten_backward undoes flatten_forward (m = 3, so the order of examples matters)."""
    A = rng.standard_normal((3, 2, 3, 2))
    A_flat, shape = student.flatten_forward(A)
    assert_close(student.flatten_backward(A_flat, shape), A, name="flatten_backward(*flatten_forward(A))", rtol=0)
    assert_close(A_flat[:, 1], A[1].reshape(-1), name="column 1 of A_flat (image 1, C order)", rtol=0)


# ============================================================================ SimpleConvNet (9)

def _net_case(rng):
    kwargs = {"n_filters": 3, "f": 3, "n_classes": 4, "input_shape": (1, 6, 6)}
    params = {"W1": rng.standard_normal((3, 1, 3, 3)) * 0.5, "b1": 0.1 * rng.standard_normal(3),
              "W2": rng.standard_normal((4, 27)) * 0.3, "b2": 0.1 * rng.standard_normal((4, 1))}
    X = rng.standard_normal((5, 1, 6, 6))
    Y = np.eye(4)[:, rng.integers(0, 4, 5)]
    return kwargs, params, X, Y


def _ref_net(ref, kwargs, params):
    net = ref.SimpleConvNet(**kwargs)
    net.params = {k: v.copy() for k, v in params.items()}
    return net


@pytest.mark.points(1)
def test_simple_convnet_init(student, ref, rng):
    seed = int(rng.integers(0, 2**31))
    got = student.probe(probe_net_init, 8, 3, 10, seed, None)
    assert_close(got, ref.SimpleConvNet(8, 3, 10, np.random.default_rng(seed)).params,
                 name="SimpleConvNet(8, 3, 10, rng).params (default input 1x8x8)", rtol=1e-12, extra_keys="forbid")
    got = student.probe(probe_net_init, 4, 5, 3, seed, (2, 10, 6))
    assert_close(got, ref.SimpleConvNet(4, 5, 3, np.random.default_rng(seed), input_shape=(2, 10, 6)).params,
                 name="SimpleConvNet(4, 5, 3, rng, input_shape=(2, 10, 6)).params", rtol=1e-12, extra_keys="forbid")


@pytest.mark.points(2)
def test_simple_convnet_forward(student, ref, rng):
    kwargs, params, X, Y = _net_case(rng)
    AL, _ = student.probe(probe_net, kwargs, params, X, Y)
    assert_close(AL, _ref_net(ref, kwargs, params).forward(X)[0], name="AL (n_classes, m) softmax probabilities",
                 rtol=1e-9, atol=1e-12)


@pytest.mark.points(2)
def test_simple_convnet_backward(student, ref, rng):
    kwargs, params, X, Y = _net_case(rng)
    _, grads = student.probe(probe_net, kwargs, params, X, Y)
    net = _ref_net(ref, kwargs, params)
    AL, caches = net.forward(X)
    assert_close(grads, net.backward(AL, Y, caches), name="grads", rtol=1e-8, atol=1e-11)

    def cost():
        return -np.sum(Y * np.log(net.forward(X)[0])) / X.shape[0]

    check_gradient(cost, net.params["W1"], grads["dW1"], name="dW1 (numerical, reference forward)", tol=1e-6, rng=rng)


@pytest.mark.points(1)
@pytest.mark.timeout(30)
def test_simple_convnet_fit_matches_reference(student, ref, rng):
    imgs, labels = data.digits_images()
    idx = rng.permutation(1797)[:120]
    seed, fit_seed = (int(v) for v in rng.integers(0, 2**31, 2))
    kw = {"epochs": 2, "batch_size": 50, "learning_rate": 5e-3}
    res = student.probe(probe_net_fit, seed, fit_seed, imgs[idx], labels[idx], imgs[:10], labels[:10], kw)
    net = ref.SimpleConvNet(rng=np.random.default_rng(seed))
    costs = net.fit(imgs[idx], labels[idx], rng=np.random.default_rng(fit_seed), **kw)
    assert_close(res["costs"], costs, name="fit(..., epochs=2, batch_size=50, learning_rate=5e-3): epoch costs",
                 rtol=1e-7, atol=1e-10)
    assert_close(res["params"], net.params, name="parameters after fit", rtol=1e-6, atol=1e-9)


@pytest.mark.points(3)
@pytest.mark.timeout(60)
def test_simple_convnet_digits_accuracy(student, rng, figure):
    """8 epochs, batch 32, Adam 1e-2 on the 1400 training digits: test accuracy >= 0.93."""
    imgs, labels = data.digits_images()
    perm = np.random.default_rng(1).permutation(1797)        # digits()'s split
    tr, te = perm[:1400], perm[1400:]
    seed, fit_seed = (int(v) for v in rng.integers(0, 2**31, 2))
    res = student.probe(probe_net_fit, seed, fit_seed, imgs[tr], labels[tr], imgs[te], labels[te],
                        {"epochs": 8, "batch_size": 32, "learning_rate": 1e-2})
    figure("SimpleConvNet training cost per epoch", {"your costs": res["costs"]}, xlabel="epoch", ylabel="cost")
    acc = res["accuracy"]
    assert acc >= 0.93, f"test accuracy {acc:.3f} < 0.93 after 8 epochs (the reference reaches 0.95-0.98)"

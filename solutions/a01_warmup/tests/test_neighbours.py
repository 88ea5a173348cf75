"""Hidden tests of A01, parts 4-5: distances, nearest neighbours, least squares, learning curve.

Points (CURRICULUM A01): pairwise 16 · knn 14 · least squares 12 · learning curve 12 = 54
(test_tensors.py has the other 46).
"""
import time

import numpy as np
import pytest

from grader import data
from grader.checks import assert_unchanged, assert_close, assert_float_list

# ----------------------------------------------------------------------------- pairwise_sq_dists (16)


@pytest.mark.points(6)
@pytest.mark.parametrize("n, m1, m2", [(4, 5, 3), (1, 1, 6), (7, 2, 1)])
def test_pairwise_matches_reference(student, ref, rng, n, m1, m2):
    A, B = rng.standard_normal((n, m1)), rng.standard_normal((n, m2))
    assert_close(student.pairwise_sq_dists(A, B), ref.pairwise_sq_dists(A, B),
                 name=f"pairwise_sq_dists(A {A.shape}, B {B.shape})", atol=1e-12)


@pytest.mark.points(2)
def test_pairwise_distances_of_a_set_to_itself(student, rng):
    A = rng.standard_normal((5, 6))
    D = student.pairwise_sq_dists(A, A)
    exact = ((A[:, :, None] - A[:, None, :]) ** 2).sum(axis=0)
    assert_close(D, exact, name="pairwise_sq_dists(A, A)", atol=1e-12)
    assert_close(np.diag(D), np.zeros(6), name="the diagonal of pairwise_sq_dists(A, A)", rtol=0, atol=1e-12)
    assert_close(D, D.T, name="pairwise_sq_dists(A, A) against its transpose", rtol=0, atol=1e-12)


@pytest.mark.points(2)
def test_pairwise_is_never_negative(student, rng):
    """‖a‖² + ‖b‖² − 2aᵀb loses digits when a and b are large and close: without the clip at 0
    rounding leaves small negative 'squared distances'."""
    base = rng.standard_normal((64, 1)) * 1e4
    A = base + 1e-6 * rng.standard_normal((64, 20))
    D = student.pairwise_sq_dists(A, A)
    exact = ((A[:, :, None] - A[:, None, :]) ** 2).sum(axis=0)
    assert isinstance(D, np.ndarray) and D.shape == (20, 20), "pairwise_sq_dists must return a (20, 20) array here"
    assert np.all(np.abs(D - exact) < 1e-2), "pairwise_sq_dists(A, A) is far from the exact distances"
    worst = float(D.min())
    assert worst >= 0, (f"pairwise_sq_dists returned a negative squared distance ({worst:.3g}): rounding makes "
                        f"‖a‖² + ‖b‖² − 2aᵀb slightly negative for close points; clip at 0 (np.maximum(D, 0))")


@pytest.mark.points(1)
def test_pairwise_keeps_float32(student, ref, rng):
    A, B = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 2)).astype(np.float32)
    assert_close(student.pairwise_sq_dists(A, B), ref.pairwise_sq_dists(A, B), name="pairwise_sq_dists(float32)",
                 rtol=1e-5, atol=1e-5)


@pytest.mark.points(2)
def test_pairwise_does_not_modify_its_inputs(student, ref, rng):
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((3, 5))
    value, after, _ = student.call_with_args("pairwise_sq_dists", A, B)
    assert_close(value, ref.pairwise_sq_dists(A, B), name="pairwise_sq_dists(A, B)", atol=1e-12)
    assert_unchanged("pairwise_sq_dists", [A, B], after, ["A", "B"])


def probe_pairwise_time(module, A, B, repeats):
    import time

    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        module.pairwise_sq_dists(A, B)
        best = min(best, time.perf_counter() - t)
    return best


@pytest.mark.points(3)
@pytest.mark.timeout(60)
def test_pairwise_is_vectorized(student, ref):
    """On the digits' train x test sets (64 x 1400 against 64 x 397): within 20x the reference's
    time, measured in the same run (a double loop over the 555,800 pairs is >100x slower)."""
    d = data.digits()
    A, B = d["X_train"], d["X_test"]
    got = student.pairwise_sq_dists(A[:, :50], B[:, :20])
    assert_close(got, ref.pairwise_sq_dists(A[:, :50], B[:, :20]), name="pairwise_sq_dists on digits", atol=1e-10)
    theirs = student.probe(probe_pairwise_time, A, B, 3)
    ours = min(_timed(ref.pairwise_sq_dists, A, B) for _ in range(3))
    ratio = theirs / max(ours, 1e-6)
    assert ratio <= 20, (f"pairwise_sq_dists took {theirs:.3f} s on (64, 1400) x (64, 397), {ratio:.0f}x the "
                         f"reference's {ours:.4f} s in the same run: compute it without Python loops, "
                         f"as ‖a‖² + ‖b‖² − 2 AᵀB with one matrix product")


def _timed(fn, *args):
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


# ----------------------------------------------------------------------------- knn_predict (14)


def _clusters(rng, n, m, C):
    y = rng.integers(0, C, m).astype(np.int64)
    centres = rng.standard_normal((n, C)) * 4
    return centres[:, y] + rng.standard_normal((n, m)), y


@pytest.mark.points(5)
def test_knn_1nn_matches_reference(student, ref, rng):
    X_tr, y_tr = _clusters(rng, 3, 30, 4)
    X_te = rng.standard_normal((3, 12)) * 4
    assert_close(student.knn_predict(X_tr, y_tr, X_te), ref.knn_predict(X_tr, y_tr, X_te),
                 name="knn_predict(X_train, y_train, X_test) (k = 1)", rtol=0, atol=0)


@pytest.mark.points(3)
@pytest.mark.parametrize("k", [3, 5])
def test_knn_with_k_neighbours_matches_reference(student, ref, rng, k):
    X_tr, y_tr = _clusters(rng, 2, 40, 3)
    X_te = rng.standard_normal((2, 15)) * 4
    assert_close(student.knn_predict(X_tr, y_tr, X_te, k=k), ref.knn_predict(X_tr, y_tr, X_te, k=k),
                 name=f"knn_predict(..., k={k})", rtol=0, atol=0)


@pytest.mark.points(2)
def test_knn_distance_ties_go_to_the_lower_training_index(student, ref, rng):
    """257 training points on only three positions, each with its own label: of the equally
    near ones, the first (lowest index) must win — a stable sort. numpy's default sort is not
    stable for large arrays and picks another one."""
    X_tr = rng.integers(0, 3, (1, 257)).astype(np.float64)
    y_tr = (np.arange(257) % 97).astype(np.int64)
    X_te = np.array([[0.0, 1.0, 2.0, 0.2, 1.9, 1.1]])
    expected = ref.knn_predict(X_tr, y_tr, X_te, k=1)
    assert_close(student.knn_predict(X_tr, y_tr, X_te, k=1), expected,
                 name="knn_predict with exactly tied distances (the lowest training index wins)", rtol=0, atol=0)


@pytest.mark.points(2)
def test_knn_vote_ties_go_to_the_smaller_label(student):
    X_tr = np.array([[0.0, 1.0, 10.0, 11.0]])
    y_tr = np.array([3, 1, 2, 0])
    X_te = np.array([[0.4, 10.6]])                         # 2 neighbours, one vote each
    assert_close(student.knn_predict(X_tr, y_tr, X_te, k=2), np.array([1, 0]),
                 name="knn_predict(..., k=2) with a tied vote (the smaller label wins)", rtol=0, atol=0)


@pytest.mark.points(2)
def test_knn_classifies_digits(student):
    """«从数据中总结经验»: 1-NN on the raw pixels of the digits reaches >= 0.97 (reference 0.985)."""
    d = data.digits()
    pred = student.knn_predict(d["X_train"], d["y_train"], d["X_test"], k=1)
    assert isinstance(pred, np.ndarray) and pred.shape == (397,), "knn_predict must return an (m_te,) array"
    acc = float(np.mean(pred == d["y_test"]))
    assert acc >= 0.97, f"1-NN test accuracy on digits is {acc:.3f}, expected at least 0.97"


# ----------------------------------------------------------------------------- least squares (12)


@pytest.mark.points(6)
def test_least_squares_matches_lstsq(student, rng):
    """Against numpy's own solver on the augmented matrix [X; 1] (an independent oracle)."""
    n_x, m = int(rng.integers(1, 5)), int(rng.integers(10, 40))
    X = rng.standard_normal((n_x, m))
    y = rng.standard_normal((1, m))
    theta = np.linalg.lstsq(np.vstack([X, np.ones((1, m))]).T, y.ravel(), rcond=None)[0]
    W, b = student.least_squares_fit(X, y)
    assert_close(W, theta[:-1].reshape(1, -1), name="W of least_squares_fit", rtol=1e-10, atol=1e-10)
    assert_close(b, theta[-1:].reshape(1, 1), name="b of least_squares_fit", rtol=1e-10, atol=1e-10)


@pytest.mark.points(3)
def test_least_squares_recovers_the_linear_data(student):
    X, y = data.linear_data()
    W, b = student.least_squares_fit(X, y)
    assert_close(W, np.array([[2.0, -3.0, 0.5]]), name="W fitted to linear_data (true (2, -3, 0.5))", rtol=0, atol=0.05)
    assert_close(b, np.array([[1.0]]), name="b fitted to linear_data (true 1)", rtol=0, atol=0.05)


@pytest.mark.points(2)
def test_least_squares_accepts_flat_targets(student, ref, rng):
    X = rng.standard_normal((2, 12))
    y = rng.standard_normal(12)
    assert_close(student.least_squares_fit(X, y), ref.least_squares_fit(X, y),
                 name="least_squares_fit(X, y of shape (m,))", rtol=1e-9, atol=1e-10)


@pytest.mark.points(1)
def test_least_squares_does_not_modify_its_inputs(student, ref, rng):
    X, y = rng.standard_normal((2, 9)), rng.standard_normal((1, 9))
    value, after, _ = student.call_with_args("least_squares_fit", X, y)
    assert_close(value, ref.least_squares_fit(X, y), name="least_squares_fit(X, y)", rtol=1e-9, atol=1e-10)
    assert_unchanged("least_squares_fit", [X, y], after, ["X", "y"])


# ----------------------------------------------------------------------------- learning curve (12)


@pytest.mark.points(6)
def test_learning_curve_matches_reference(student, ref, rng):
    d = data.digits()
    pick = rng.permutation(1400)[:300]
    X_tr, y_tr = d["X_train"][:, pick], d["y_train"][pick]
    sizes = sorted(int(s) for s in rng.choice(np.arange(5, 300), 4, replace=False))
    got = student.learning_curve(X_tr, y_tr, d["X_test"], d["y_test"], sizes)
    assert_close(np.asarray(got, dtype=float), np.asarray(ref.learning_curve(X_tr, y_tr, d["X_test"], d["y_test"], sizes)),
                 name=f"learning_curve(..., sizes={sizes})", rtol=0, atol=1e-12)


@pytest.mark.points(4)
def test_learning_curve_rises_with_data(student):
    """«数据量越大，训练的模型就越准确»: sizes [20, 100, 1400] give a strictly rising curve
    (reference 0.640 / 0.924 / 0.985)."""
    d = data.digits()
    curve = student.learning_curve(d["X_train"], d["y_train"], d["X_test"], d["y_test"], [20, 100, 1400])
    acc = [float(a) for a in curve]
    assert len(acc) == 3, f"learning_curve must return one accuracy per size, got {len(acc)}"
    assert acc[0] < acc[1] < acc[2], f"the learning curve {acc} does not rise strictly with the training-set size"
    assert acc[2] >= 0.97, f"with all 1400 training digits 1-NN should reach 0.97, got {acc[2]:.3f}"


@pytest.mark.points(2)
def test_learning_curve_returns_a_list_of_floats(student):
    d = data.digits()
    curve = student.learning_curve(d["X_train"][:, :60], d["y_train"][:60], d["X_test"], d["y_test"], [10, 60])
    assert_float_list(curve, 2, "the accuracies learning_curve returns")
    assert all(0 < a <= 1 for a in curve), f"learning_curve must return accuracies in [0, 1], got {curve!r}"

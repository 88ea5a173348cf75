"""Hidden tests of A01, parts 1-3: images as pixel vectors, standardization, one-hot, dense layers.

Points (CURRICULUM A01): flatten 10 · standardize (+apply) 12 · one_hot/labels 10 · dense_loop 6 ·
dense_vectorized 8 = 46 (test_neighbours.py has the other 54).
"""
import numpy as np
import pytest

from grader.checks import assert_unchanged, assert_close, assert_shape, raises_student

# ----------------------------------------------------------------------------- flatten_images (10)


def _images(rng, shape):
    return rng.standard_normal(shape)


@pytest.mark.points(4)
@pytest.mark.parametrize("shape", [(5, 3, 4), (1, 6, 2), (4, 3, 5, 2)], ids=["mHW", "m1", "mCHW"])
def test_flatten_matches_reference(student, ref, rng, shape):
    images = _images(rng, shape)
    assert_close(student.flatten_images(images), ref.flatten_images(images), name=f"flatten_images(images {shape})",
                 rtol=0, atol=0)


@pytest.mark.points(3)
def test_flatten_column_is_the_image_in_c_order(student, rng):
    """X[:, i] must be images[i].ravel(): a reshape to (-1, m) mixes pixels of different images."""
    images = _images(rng, (int(rng.integers(3, 6)), 3, 7))
    X = student.flatten_images(images)
    assert_shape(X, (21, images.shape[0]), name="flatten_images(images of shape (m, 3, 7))")
    for i in range(images.shape[0]):
        assert_close(X[:, i].reshape(images.shape[1:]), images[i], name=f"flatten_images(images)[:, {i}] as an image",
                     rtol=0, atol=0)


@pytest.mark.points(2)
def test_flatten_keeps_the_dtype(student, rng):
    images = (rng.random((4, 2, 3)) * 255).astype(np.uint8)
    got = student.flatten_images(images)
    assert_close(got, images.reshape(4, -1).T, name="flatten_images(uint8 images)", rtol=0, atol=0)
    images32 = _images(rng, (2, 3, 3)).astype(np.float32)
    assert_close(student.flatten_images(images32), images32.reshape(2, -1).T, name="flatten_images(float32 images)",
                 rtol=0, atol=0)


@pytest.mark.points(1)
def test_flatten_does_not_modify_its_input(student, ref, rng):
    images = _images(rng, (3, 4, 4))
    value, after, _ = student.call_with_args("flatten_images", images)
    assert_close(value, ref.flatten_images(images), name="flatten_images(images)", rtol=0, atol=0)
    assert_unchanged("flatten_images", [images], after, ["images"])


# ----------------------------------------------------------------------------- standardize (12)


@pytest.mark.points(4)
def test_standardize_matches_reference(student, ref, rng):
    X = rng.standard_normal((int(rng.integers(2, 7)), int(rng.integers(5, 30)))) * 3 + 2
    assert_close(student.standardize(X), ref.standardize(X), name="standardize(X) -> (X_std, mu, sigma)")


@pytest.mark.points(3)
def test_standardize_rows_have_mean_0_and_population_std_1(student, rng):
    X = rng.standard_normal((4, 7)) * rng.uniform(0.5, 5, (4, 1)) + rng.uniform(-3, 3, (4, 1))
    X_std, mu, sigma = student.standardize(X)
    assert_close(X_std.mean(axis=1), np.zeros(4), name="row means of X_std", rtol=0, atol=1e-12)
    assert_close(X_std.std(axis=1), np.ones(4), name="row standard deviations of X_std (ddof=0)", rtol=1e-12)


@pytest.mark.points(2)
def test_standardize_constant_rows_become_zero(student, rng):
    X = rng.standard_normal((3, 6))
    X[1] = 0.0                      # an always-blank pixel, as in the digits
    X[2] = 1e-6 * rng.standard_normal(6) + 4.0   # std about 1e-6: constant for eps = 1e-5, not for 1e-8
    X_std, mu, sigma = student.standardize(X, eps=1e-5)
    assert_close(sigma[1:], np.ones((2, 1)), name="sigma of constant rows (std < eps = 1e-5)", rtol=0, atol=0)
    assert_close(X_std[1], np.zeros(6), name="a constant row after standardize", rtol=0, atol=1e-9)
    _, _, sigma_default = student.standardize(X)
    assert float(sigma_default[2, 0]) != 1.0, (
        "standardize: with the default eps = 1e-8 a row whose std is about 1e-6 is not constant; "
        "use the eps argument, not a fixed threshold")


@pytest.mark.points(2)
def test_apply_standardization_uses_the_given_statistics(student, ref, rng):
    X_train = rng.standard_normal((3, 20)) * 2 + 1
    X_test = rng.standard_normal((3, 5)) * 5 - 2
    _, mu, sigma = ref.standardize(X_train)
    assert_close(student.apply_standardization(X_test, mu, sigma), ref.apply_standardization(X_test, mu, sigma),
                 name="apply_standardization(X_test, train mu, train sigma)")


@pytest.mark.points(1)
def test_standardize_does_not_modify_its_input(student, ref, rng):
    X = rng.standard_normal((3, 8))
    value, after, _ = student.call_with_args("standardize", X)
    assert_close(value, ref.standardize(X), name="standardize(X)")
    assert_unchanged("standardize", [X], after, ["X"])


# ----------------------------------------------------------------------------- one-hot (10)


@pytest.mark.points(4)
@pytest.mark.parametrize("m, C", [(7, 3), (1, 10), (12, 5)])
def test_one_hot_matches_reference(student, ref, rng, m, C):
    y = rng.integers(0, C, m).astype(np.int64)
    assert_close(student.one_hot(y, C), ref.one_hot(y, C), name=f"one_hot(y of {m} labels, {C})", rtol=0, atol=0)


@pytest.mark.points(2)
@pytest.mark.parametrize("bad", [-1, 4])
def test_one_hot_rejects_labels_outside_the_classes(student, bad):
    with raises_student(ValueError):
        student.one_hot(np.array([0, 1, bad, 2]), 4)


@pytest.mark.points(3)
def test_labels_from_one_hot_matches_reference(student, ref, rng):
    scores = rng.standard_normal((int(rng.integers(2, 6)), int(rng.integers(1, 9))))
    assert_close(student.labels_from_one_hot(scores), ref.labels_from_one_hot(scores),
                 name="labels_from_one_hot(score matrix)", rtol=0, atol=0)


@pytest.mark.points(1)
def test_one_hot_round_trip(student, rng):
    y = rng.integers(0, 6, 9).astype(np.int64)
    assert_close(student.labels_from_one_hot(student.one_hot(y, 6)), y, name="labels_from_one_hot(one_hot(y, 6))",
                 rtol=0, atol=0)


# ----------------------------------------------------------------------------- dense layers (14)


def _layer(rng, n_out, n_x, m, dtype=np.float64):
    return (rng.standard_normal((n_out, n_x)).astype(dtype), rng.standard_normal((n_out, 1)).astype(dtype),
            rng.standard_normal((n_x, m)).astype(dtype))


@pytest.mark.points(4)
def test_dense_loop_matches_reference(student, ref, rng):
    W, b, X = _layer(rng, 3, 4, 5)  # n_out != m: a transposed or flattened b cannot pass
    assert_close(student.dense_loop(W, b, X), ref.dense_loop(W, b, X), name="dense_loop(W, b, X)")


@pytest.mark.points(2)
def test_dense_loop_keeps_float32(student, ref, rng):
    W, b, X = _layer(rng, 2, 3, 4, np.float32)
    assert_close(student.dense_loop(W, b, X), ref.dense_loop(W, b, X), name="dense_loop(float32 W, b, X)", rtol=1e-5)


@pytest.mark.points(3)
@pytest.mark.parametrize("n_out, n_x, m", [(3, 4, 5), (1, 1, 1), (6, 2, 9)])
def test_dense_vectorized_matches_reference(student, ref, rng, n_out, n_x, m):
    W, b, X = _layer(rng, n_out, n_x, m)
    assert_close(student.dense_vectorized(W, b, X), ref.dense_vectorized(W, b, X),
                 name=f"dense_vectorized(W {W.shape}, b {b.shape}, X {X.shape})")


@pytest.mark.points(2)
def test_dense_vectorized_keeps_float32(student, ref, rng):
    W, b, X = _layer(rng, 4, 3, 2, np.float32)
    assert_close(student.dense_vectorized(W, b, X), ref.dense_vectorized(W, b, X),
                 name="dense_vectorized(float32 W, b, X)", rtol=1e-5)


def probe_dense_speed(module, W, b, X, repeats):
    """Times the student's two dense layers on the same input in the child (best of ``repeats``)."""
    import time

    def best(fn):
        out = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            fn(W, b, X)
            out = min(out, time.perf_counter() - t)
        return out

    return {"loop": best(module.dense_loop), "vectorized": best(module.dense_vectorized)}


@pytest.mark.points(3)
@pytest.mark.timeout(30)
@pytest.mark.exercises("dense_loop", "dense_vectorized")
def test_dense_vectorized_is_faster_than_the_loops(student, ref, rng):
    """«计算机硬件水平提高»: vectorized code is what BLAS and GPUs accelerate. Measured as a ratio in
    the same run, so it holds on a loaded machine: the reference is >100x faster here."""
    W, b, X = _layer(rng, 16, 24, 40)
    assert_close(student.dense_vectorized(W, b, X), ref.dense_vectorized(W, b, X), name="dense_vectorized(W, b, X)")
    assert_close(student.dense_loop(W, b, X), ref.dense_loop(W, b, X), name="dense_loop(W, b, X)")
    t = student.probe(probe_dense_speed, W, b, X, 3)
    ratio = t["loop"] / max(t["vectorized"], 1e-9)
    assert ratio >= 10, (
        f"dense_vectorized took {t['vectorized'] * 1e3:.2f} ms and dense_loop {t['loop'] * 1e3:.2f} ms on a "
        f"(16, 24) layer and 40 examples: only {ratio:.1f}x faster, expected at least 10x. dense_vectorized must "
        f"use one matrix product and broadcasting (no Python loops); dense_loop must use explicit loops")

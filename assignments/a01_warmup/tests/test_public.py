"""Public tests of A01 (run them with `dlgrade check a01`).

Small inputs whose answers you can check by hand. The hidden tests that grade your submission
use other, random inputs (different for every student), compare with a reference solution to
1e-12, and also check float32 inputs, m = 1, that no input is modified, the tie rules of k-NN,
and how much faster your vectorized code is than your loops.
"""
import numpy as np
import pytest

from grader import data
from grader.checks import assert_close, raises_student


@pytest.mark.points(10)
def test_flatten_images_two_small_images(student):
    images = np.arange(12.0).reshape(2, 2, 3)          # two 2x3 images
    expected = np.array([[0.0, 6.0], [1.0, 7.0], [2.0, 8.0], [3.0, 9.0], [4.0, 10.0], [5.0, 11.0]])
    assert_close(student.flatten_images(images), expected, name="flatten_images(two 2x3 images)", rtol=0, atol=0)


@pytest.mark.points(8)
def test_standardize_by_hand(student):
    X = np.array([[1.0, 3.0], [5.0, 5.0]])            # row 2 is constant
    X_std, mu, sigma = student.standardize(X)
    assert_close(X_std, np.array([[-1.0, 1.0], [0.0, 0.0]]), name="X_std", rtol=0, atol=1e-12)
    assert_close(mu, np.array([[2.0], [5.0]]), name="mu", rtol=0, atol=1e-12)
    assert_close(sigma, np.array([[1.0], [1.0]]), name="sigma (population std; 1 for a constant row)",
                 rtol=0, atol=1e-12)


@pytest.mark.points(4)
def test_apply_standardization_by_hand(student):
    got = student.apply_standardization(np.array([[4.0, 0.0]]), np.array([[2.0]]), np.array([[2.0]]))
    assert_close(got, np.array([[1.0, -1.0]]), name="apply_standardization([[4, 0]], mu=2, sigma=2)", rtol=0, atol=0)


@pytest.mark.points(6)
def test_one_hot_and_back(student):
    Y = student.one_hot(np.array([2, 0, 1]), 3)
    assert_close(Y, np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), name="one_hot([2, 0, 1], 3)",
                 rtol=0, atol=0)
    assert_close(student.labels_from_one_hot(Y), np.array([2, 0, 1]), name="labels_from_one_hot", rtol=0, atol=0)
    with raises_student(ValueError):
        student.one_hot(np.array([0, 3]), 3)


@pytest.mark.points(12)
def test_dense_loop_and_vectorized_agree(student):
    W = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])
    b = np.array([[1.0], [0.0], [-2.0]])
    X = np.array([[1.0, 0.0, 2.0, 1.0], [1.0, 1.0, 0.0, -1.0]])
    expected = W @ X + b
    assert_close(student.dense_loop(W, b, X), expected, name="dense_loop(W, b, X)")
    assert_close(student.dense_vectorized(W, b, X), expected, name="dense_vectorized(W, b, X)")


@pytest.mark.points(16)
def test_pairwise_sq_dists_by_hand(student):
    A = np.array([[0.0, 1.0], [0.0, 1.0]])            # points (0, 0) and (1, 1)
    B = np.array([[0.0, 3.0, 1.0], [0.0, 4.0, 1.0]])  # (0, 0), (3, 4), (1, 1)
    expected = np.array([[0.0, 25.0, 2.0], [2.0, 13.0, 0.0]])
    assert_close(student.pairwise_sq_dists(A, B), expected, name="pairwise_sq_dists(A, B)", atol=1e-12)


@pytest.mark.points(14)
def test_knn_predict_small(student):
    X_tr = np.array([[0.0, 1.0, 10.0, 11.0, 12.0]])
    y_tr = np.array([0, 0, 1, 1, 1])
    X_te = np.array([[0.5, 11.5, 6.0]])
    assert_close(student.knn_predict(X_tr, y_tr, X_te), np.array([0, 1, 1]), name="knn_predict (k = 1)", rtol=0, atol=0)
    assert_close(student.knn_predict(X_tr, y_tr, X_te, k=3), np.array([0, 1, 1]), name="knn_predict (k = 3)",
                 rtol=0, atol=0)


@pytest.mark.points(12)
def test_least_squares_on_an_exact_line(student):
    X = np.array([[0.0, 1.0, 2.0, 3.0]])
    y = np.array([[1.0, 3.0, 5.0, 7.0]])              # y = 2x + 1
    W, b = student.least_squares_fit(X, y)
    assert_close(W, np.array([[2.0]]), name="W", rtol=1e-10, atol=1e-10)
    assert_close(b, np.array([[1.0]]), name="b", rtol=1e-10, atol=1e-10)


@pytest.mark.points(18)
def test_learning_curve_on_digits(student):
    d = data.digits()
    curve = student.learning_curve(d["X_train"], d["y_train"], d["X_test"], d["y_test"], [20, 1400])
    assert isinstance(curve, list) and len(curve) == 2, "learning_curve returns a list with one accuracy per size"
    assert curve[0] < curve[1] and curve[1] > 0.97, f"expected a rising curve ending above 0.97, got {curve}"

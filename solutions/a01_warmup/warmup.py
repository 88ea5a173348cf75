"""A01 - Data as tensors: vectorization and broadcasting (1 深度学习基础).

«机器学习可以被定义为从数据中总结经验，找出某种规律或者模型»: this warm-up turns images into
pixel vectors («从计算机的角度来看，即一个个像素值»), fits rules from data two ways (nearest
neighbour and least squares), measures how accuracy grows with data («数据量越大，训练的模型就越
准确») and shows why vectorised array code, what GPUs and BLAS accelerate, beats Python loops.

Conventions (CONVENTIONS §1, §3):

* one column per example: a batch X has shape (n_x, m); labels y have shape (m,), int64;
* W has shape (n_out, n_x) and b (n_out, 1), broadcast over the m columns;
* float32 inputs give float32 outputs (except where a docstring says otherwise);
* inputs are never modified in place.

Only ``numpy`` may be imported.
"""
import numpy as np

# ---------------------------------------------------------------------------
# Part 1 — images as pixel vectors (像素值) and standardization
# ---------------------------------------------------------------------------


def flatten_images(images):
    """Turns a batch of images into the course's (n_x, m) layout, one column per image.

    Args:
        images: ndarray of shape (m, H, W) or (m, C, H, W), any dtype.

    Returns:
        X: ndarray of shape (n_x, m) with n_x = H*W (or C*H*W), same dtype as ``images``,
        and ``X[:, i] == images[i].ravel()`` (C order: row by row, channel by channel).
    """
    m = images.shape[0]
    ### BEGIN SOLUTION
    return images.reshape(m, -1).T.copy()
    ### END SOLUTION


def standardize(X, eps=1e-8):
    """Standardizes every feature (row) of X to mean 0 and standard deviation 1.

    Args:
        X: ndarray (n_x, m), float.
        eps: a feature whose standard deviation is below ``eps`` is constant: it gets
            sigma = 1, so it becomes 0 instead of NaN (the digits have always-blank pixels).

    Returns:
        (X_std, mu, sigma): X_std (n_x, m); mu (n_x, 1) the row means; sigma (n_x, 1) the
        population standard deviations (ddof=0), with 1 where they are below ``eps``.
    """
    ### BEGIN SOLUTION
    mu = X.mean(axis=1, keepdims=True)
    sigma = X.std(axis=1, keepdims=True)
    sigma = np.where(sigma < eps, np.ones_like(sigma), sigma)
    return (X - mu) / sigma, mu, sigma
    ### END SOLUTION


def apply_standardization(X, mu, sigma):
    """Applies statistics computed on the training set to other data (test data must never
    contribute to mu and sigma).

    Args:
        X: ndarray (n_x, m); mu, sigma: ndarrays (n_x, 1) from :func:`standardize`.

    Returns:
        ndarray (n_x, m): (X - mu) / sigma.
    """
    ### BEGIN SOLUTION
    return (X - mu) / sigma
    ### END SOLUTION


# ---------------------------------------------------------------------------
# Part 2 — labels: one-hot (独热编码) and back
# ---------------------------------------------------------------------------


def one_hot(y, num_classes):
    """One-hot encodes integer labels, one column per example.

    Args:
        y: ndarray (m,) of integers in [0, num_classes).
        num_classes: C.

    Returns:
        Y: float64 ndarray (C, m) with Y[y[i], i] = 1 and zeros elsewhere.

    Raises:
        ValueError: if a label is outside [0, num_classes).
    """
    y = np.asarray(y)
    ### BEGIN SOLUTION
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}), got values from {y.min()} to {y.max()}")
    Y = np.zeros((num_classes, y.shape[0]), dtype=np.float64)
    Y[y, np.arange(y.shape[0])] = 1.0
    return Y
    ### END SOLUTION


def labels_from_one_hot(Y):
    """The label of each column of a one-hot (or score) matrix.

    Args:
        Y: ndarray (C, m).

    Returns:
        y: int64 ndarray (m,), the row index of each column's largest entry (the first one
        on ties, as ``np.argmax``).
    """
    ### BEGIN SOLUTION
    return np.argmax(Y, axis=0).astype(np.int64)
    ### END SOLUTION


# ---------------------------------------------------------------------------
# Part 3 — a dense layer, with loops and vectorized (向量化)
# ---------------------------------------------------------------------------


def dense_loop(W, b, X):
    """Z = W X + b with explicit Python loops (no ``@``, ``np.dot`` or broadcasting of b).

    Args:
        W: ndarray (n_out, n_x); b: ndarray (n_out, 1); X: ndarray (n_x, m).

    Returns:
        Z: float ndarray (n_out, m), Z[j, i] = sum_k W[j, k] X[k, i] + b[j, 0].
    """
    n_out, n_x = W.shape
    m = X.shape[1]
    Z = np.zeros((n_out, m), dtype=np.result_type(W, X, b))
    ### BEGIN SOLUTION
    for j in range(n_out):
        for i in range(m):
            total = b[j, 0]
            for k in range(n_x):
                total += W[j, k] * X[k, i]
            Z[j, i] = total
    ### END SOLUTION
    return Z


def dense_vectorized(W, b, X):
    """Z = W X + b in one vectorized expression: a matrix product and broadcasting of b over
    the m columns; no Python loops.

    Args:
        W: ndarray (n_out, n_x); b: ndarray (n_out, 1); X: ndarray (n_x, m).

    Returns:
        Z: ndarray (n_out, m).
    """
    ### BEGIN SOLUTION
    return W @ X + b
    ### END SOLUTION


# ---------------------------------------------------------------------------
# Part 4 — distances and nearest neighbours (最近邻)
# ---------------------------------------------------------------------------


def pairwise_sq_dists(A, B):
    """All squared Euclidean distances between the columns of A and the columns of B,
    without Python loops: ‖a‖² + ‖b‖² − 2 aᵀb, clipped at 0 (rounding can make it
    slightly negative).

    Args:
        A: ndarray (n, m1); B: ndarray (n, m2).

    Returns:
        D: ndarray (m1, m2), D[i, j] = ‖A[:, i] − B[:, j]‖², all >= 0.
    """
    ### BEGIN SOLUTION
    a2 = np.sum(A * A, axis=0)[:, None]
    b2 = np.sum(B * B, axis=0)[None, :]
    D = a2 + b2 - 2.0 * (A.T @ B)
    return np.maximum(D, 0.0)
    ### END SOLUTION


def knn_predict(X_train, y_train, X_test, k=1):
    """k-nearest-neighbour classification by majority vote.

    Ties are broken deterministically: among equally distant training examples the one with
    the lower index comes first (a stable sort), and a tied vote goes to the smaller label.

    Args:
        X_train: ndarray (n_x, m_tr); y_train: int ndarray (m_tr,);
        X_test: ndarray (n_x, m_te); k: number of neighbours, 1 <= k <= m_tr.

    Returns:
        y_pred: int64 ndarray (m_te,).
    """
    ### BEGIN SOLUTION
    D = pairwise_sq_dists(X_test, X_train)
    nearest = np.argsort(D, axis=1, kind="stable")[:, :k]
    labels = np.asarray(y_train)[nearest]
    n_classes = int(np.max(y_train)) + 1
    votes = np.zeros((labels.shape[0], n_classes), dtype=np.int64)
    for j in range(k):
        votes[np.arange(labels.shape[0]), labels[:, j]] += 1
    return np.argmax(votes, axis=1).astype(np.int64)
    ### END SOLUTION


# ---------------------------------------------------------------------------
# Part 5 — least squares (最小二乘) and the learning curve
# ---------------------------------------------------------------------------


def least_squares_fit(X, y):
    """The linear model y ≈ W x + b that minimises the squared error, in closed form.

    Solve least squares on the augmented matrix [X; 1] (``np.linalg.lstsq``, or the normal
    equations).

    Args:
        X: ndarray (n_x, m); y: ndarray (1, m) or (m,).

    Returns:
        (W, b): W float64 (1, n_x), b float64 (1, 1).
    """
    m = X.shape[1]
    ### BEGIN SOLUTION
    A = np.vstack([X, np.ones((1, m))]).T
    theta, *_ = np.linalg.lstsq(A, np.reshape(y, (m,)), rcond=None)
    return theta[:-1].reshape(1, -1).astype(np.float64), theta[-1:].reshape(1, 1).astype(np.float64)
    ### END SOLUTION


def learning_curve(X_tr, y_tr, X_te, y_te, sizes):
    """1-NN test accuracy when only the first n training examples are used, for each n.

    Args:
        X_tr: (n_x, m_tr); y_tr: (m_tr,); X_te: (n_x, m_te); y_te: (m_te,);
        sizes: increasing training-set sizes, each <= m_tr.

    Returns:
        list of Python floats, one accuracy in [0, 1] per size.
    """
    out = []
    ### BEGIN SOLUTION
    for n in sizes:
        pred = knn_predict(X_tr[:, :n], y_tr[:n], X_te, k=1)
        out.append(float(np.mean(pred == y_te)))
    ### END SOLUTION
    return out

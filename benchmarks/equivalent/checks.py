"""The equivalent A04 checks, written once and rendered into each tool's format.

Every check is a self-contained function whose parameters are the notebook globals it
needs (``np`` and the student functions). That is exactly otter-grader's exception-based
test format (otter passes the globals of the executed notebook by parameter name); the
nbgrader test cells call the same function with the same names; ``run_in_process`` calls
them on an imported module (the in-process floor of the equivalent checks).

They compare against reference values computed inside the check (rtol 1e-12, like the
dlgrade hidden tests of CURRICULUM A04), check shapes/dtypes/Python types, a
numerical gradient check, a stability check under ``np.errstate`` and one end-to-end
fit (blobs instead of breast cancer: the comparison environments have no scikit-learn).
The course's own hidden tests (solutions/a04_nn_basics/tests) are more numerous; the
benchmark prints both counts.

Keep every check free of module-level names: ``inspect.getsource`` copies it verbatim
into the notebooks.
"""
import inspect


def test_step(np, step):
    z = np.array([[-2.0, -1e-12, 0.0, 1e-12, 3.0]])
    got = step(z)
    assert isinstance(got, np.ndarray), f"step must return an ndarray, got {type(got).__name__}"
    assert got.shape == z.shape and got.dtype == np.float64, (got.shape, got.dtype)
    np.testing.assert_array_equal(got, np.array([[0.0, 0.0, 0.0, 1.0, 1.0]]))
    got32 = step(z.astype(np.float32))
    assert got32.dtype == np.float32, f"float32 input must give float32, got {got32.dtype}"


def test_perceptron_predict(np, perceptron_predict):
    rng = np.random.default_rng(10)
    W, b, X = rng.standard_normal((1, 3)), rng.standard_normal((1, 1)), rng.standard_normal((3, 7))
    expected = ((W @ X + b) > 0).astype(np.int64)
    got = perceptron_predict(W.copy(), b.copy(), X.copy())
    assert isinstance(got, np.ndarray) and got.shape == (1, 7), getattr(got, "shape", got)
    assert got.dtype == np.int64, f"perceptron_predict must return int64 labels, got {got.dtype}"
    np.testing.assert_array_equal(got, expected)


def test_sigmoid(np, sigmoid):
    z = np.linspace(-30.0, 30.0, 61).reshape(1, -1)
    with np.errstate(over="ignore"):
        expected = np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
    got = sigmoid(z.copy())
    assert isinstance(got, np.ndarray) and got.shape == z.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(sigmoid(-z), 1.0 - got, rtol=0, atol=1e-12)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        extreme = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(extreme, np.array([0.0, 0.5, 1.0]))


def test_logistic_forward(np, logistic_forward):
    rng = np.random.default_rng(11)
    W, b, X = rng.standard_normal((1, 4)), rng.standard_normal((1, 1)), rng.standard_normal((4, 9))
    Z = W @ X + b
    expected = np.where(Z >= 0, 1.0 / (1.0 + np.exp(-np.abs(Z))), np.exp(-np.abs(Z)) / (1.0 + np.exp(-np.abs(Z))))
    got = logistic_forward(W.copy(), b.copy(), X.copy())
    assert isinstance(got, np.ndarray) and got.shape == (1, 9), getattr(got, "shape", got)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_bce_cost(np, bce_cost):
    rng = np.random.default_rng(12)
    A = rng.uniform(0.05, 0.95, (1, 9))
    Y = rng.integers(0, 2, (1, 9)).astype(np.float64)
    expected = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 9
    got = bce_cost(A.copy(), Y.copy())
    assert type(got) is float, f"bce_cost must return a Python float, got {type(got).__name__}"
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    one = bce_cost(np.array([[0.8]]), np.array([[1.0]]))
    np.testing.assert_allclose(one, -np.log(0.8), rtol=1e-12, atol=0)


def test_logistic_backward(np, logistic_backward):
    rng = np.random.default_rng(13)
    n_x, m = 3, 8
    W, b, X = rng.standard_normal((1, n_x)), rng.standard_normal((1, 1)), rng.standard_normal((n_x, m))
    Y = rng.integers(0, 2, (1, m)).astype(np.float64)

    def cost(W_, b_):
        A_ = 1.0 / (1.0 + np.exp(-(W_ @ X + b_)))
        return -np.sum(Y * np.log(A_) + (1 - Y) * np.log(1 - A_)) / m

    A = 1.0 / (1.0 + np.exp(-(W @ X + b)))
    grads = logistic_backward(X.copy(), A.copy(), Y.copy())
    assert isinstance(grads, dict) and {"dW", "db"} <= set(grads), grads
    dW, db = grads["dW"], grads["db"]
    assert dW.shape == (1, n_x) and db.shape == (1, 1), (dW.shape, db.shape)
    np.testing.assert_allclose(dW, ((A - Y) @ X.T) / m, rtol=1e-12, atol=0)
    np.testing.assert_allclose(db, np.sum(A - Y, axis=1, keepdims=True) / m, rtol=1e-12, atol=0)
    h = 1e-5
    num_dW = np.zeros_like(W)
    for j in range(n_x):
        E = np.zeros_like(W)
        E[0, j] = h
        num_dW[0, j] = (cost(W + E, b) - cost(W - E, b)) / (2 * h)
    num_db = np.array([[(cost(W, b + h) - cost(W, b - h)) / (2 * h)]])
    num = np.concatenate([num_dW.ravel(), num_db.ravel()])
    ana = np.concatenate([dW.ravel(), db.ravel()])
    rel = np.linalg.norm(num - ana) / (np.linalg.norm(num) + np.linalg.norm(ana))
    assert rel < 1e-7, f"gradient check: relative error {rel:.3g} >= 1e-7"


def test_propagate(np, propagate):
    rng = np.random.default_rng(14)
    W, b, X = rng.standard_normal((1, 2)), rng.standard_normal((1, 1)), rng.standard_normal((2, 6))
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0, 0.0]])
    A = 1.0 / (1.0 + np.exp(-(W @ X + b)))
    grads, cost = propagate(W.copy(), b.copy(), X.copy(), Y.copy())
    assert type(cost) is float, f"cost must be a Python float, got {type(cost).__name__}"
    np.testing.assert_allclose(cost, -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 6, rtol=1e-12)
    np.testing.assert_allclose(grads["dW"], ((A - Y) @ X.T) / 6, rtol=1e-12, atol=0)
    np.testing.assert_allclose(grads["db"], np.sum(A - Y, axis=1, keepdims=True) / 6, rtol=1e-12, atol=0)


def test_optimize(np, optimize):
    rng = np.random.default_rng(15)
    X = rng.standard_normal((2, 20))
    Y = (X[0:1] - 0.5 * X[1:2] > 0).astype(np.float64)
    W0, b0 = np.zeros((1, 2)), np.zeros((1, 1))
    W, b, costs = W0.copy(), b0.copy(), []
    for i in range(250):
        A = 1.0 / (1.0 + np.exp(-(W @ X + b)))
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 20
        dW, db = ((A - Y) @ X.T) / 20, np.sum(A - Y, axis=1, keepdims=True) / 20
        W, b = W - 0.3 * dW, b - 0.3 * db
        if i % 100 == 0:
            costs.append(cost)
    W_in, b_in = W0.copy(), b0.copy()
    params, grads, got_costs = optimize(W_in, b_in, X.copy(), Y.copy(), 250, 0.3)
    np.testing.assert_array_equal(W_in, W0, err_msg="optimize modified the caller's W in place")
    np.testing.assert_allclose(params["W"], W, rtol=1e-10, atol=0)
    np.testing.assert_allclose(params["b"], b, rtol=1e-10, atol=0)
    np.testing.assert_allclose(grads["dW"], dW, rtol=1e-10, atol=0)
    assert len(got_costs) == 3, f"expected 3 costs (iterations 0, 100, 200), got {len(got_costs)}"
    np.testing.assert_allclose(got_costs, costs, rtol=1e-10, atol=0)


def test_predict(np, predict):
    rng = np.random.default_rng(16)
    W, b, X = rng.standard_normal((1, 3)), rng.standard_normal((1, 1)), rng.standard_normal((3, 11))
    A = 1.0 / (1.0 + np.exp(-(W @ X + b)))
    for kwargs, thr in (({}, 0.5), ({"threshold": 0.3}, 0.3)):
        got = predict(W.copy(), b.copy(), X.copy(), **kwargs)
        assert isinstance(got, np.ndarray) and got.shape == (1, 11) and got.dtype == np.int64, (
            f"predict must return a (1, m) int64 array, got {getattr(got, 'shape', got)}")
        np.testing.assert_array_equal(got, (A > thr).astype(np.int64))


def test_end_to_end_blobs(np, optimize, predict):
    rng = np.random.default_rng(4)
    X0 = np.array([[-2.0], [-2.0]]) + 0.5 * rng.standard_normal((2, 100))
    X1 = np.array([[2.0], [2.0]]) + 0.5 * rng.standard_normal((2, 100))
    X = np.hstack([X0, X1])
    Y = np.hstack([np.zeros((1, 100)), np.ones((1, 100))])
    params, _, costs = optimize(np.zeros((1, 2)), np.zeros((1, 1)), X, Y, 1000, 0.1)
    acc = float(np.mean(predict(params["W"], params["b"], X) == Y))
    assert acc >= 0.95, f"train accuracy {acc:.3f} < 0.95"
    assert all(c2 <= c1 + 1e-12 for c1, c2 in zip(costs, costs[1:])), f"costs not non-increasing: {costs}"


# (question, check, points). Questions group checks the way the notebooks group cells.
CHECKS = [
    ("step", test_step, 3),
    ("perceptron_predict", test_perceptron_predict, 5),
    ("sigmoid", test_sigmoid, 8),
    ("logistic_forward", test_logistic_forward, 4),
    ("bce_cost", test_bce_cost, 10),
    ("logistic_backward", test_logistic_backward, 10),
    ("propagate", test_propagate, 4),
    ("optimize", test_optimize, 12),
    ("predict", test_predict, 4),
    ("predict", test_end_to_end_blobs, 12),
]
MAX_SCORE = sum(p for _, _, p in CHECKS)

# The functions the notebooks contain, one solution cell each, in order.
FUNCTIONS = ["step", "perceptron_predict", "sigmoid", "logistic_forward", "bce_cost",
             "logistic_backward", "propagate", "optimize", "predict"]


def check_params(check):
    return list(inspect.signature(check).parameters)


def check_source(check):
    return inspect.getsource(check).rstrip() + "\n"


def call_source(check):
    return f"{check.__name__}({', '.join(check_params(check))})\n"


def run_in_process(namespace):
    """Run every check against ``namespace`` (a module's globals); return (score, results)."""
    results = []
    for _, check, points in CHECKS:
        try:
            check(*[namespace[p] for p in check_params(check)])
            results.append((check.__name__, points, points, "passed", ""))
        except Exception as exc:  # noqa: BLE001 - a failing student check is data
            results.append((check.__name__, 0, points, "failed", f"{type(exc).__name__}: {exc}"[:200]))
    return sum(r[1] for r in results), results

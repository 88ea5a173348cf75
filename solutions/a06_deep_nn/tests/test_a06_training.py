"""Hidden tests of A06, part 3: L_layer_model, predict and the digits end-to-end run.

Points (CURRICULUM A06): L_layer_model 6 · predict 2 · digits e2e 12 = 20.
"""
import numpy as np
import pytest

from grader import data
from grader.checks import assert_close, assert_shape


# ----------------------------------------------------------------------------- helpers

def _one_hot(y, C):
    Y = np.zeros((C, y.size))
    Y[y, np.arange(y.size)] = 1.0
    return Y


def _result(got, where):
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{where} must return (parameters, costs)"
    return got


def _check_trained(params, dims, where):
    assert isinstance(params, dict), f"{where}: parameters must be a dict"
    for l in range(1, len(dims)):
        for key, shape in ((f"W{l}", (dims[l], dims[l - 1])), (f"b{l}", (dims[l], 1))):
            assert key in params, f"{where}: parameters has no key {key!r}"
            assert_shape(params[key], shape, name=f"parameters[{key!r}] returned by {where}")
            assert np.all(np.isfinite(params[key])), f"{where}: parameters[{key!r}] contains NaN or inf"


def _small_softmax_problem(rng):
    n_x, C = int(rng.integers(3, 6)), int(rng.integers(3, 5))
    m = int(rng.integers(20, 40))
    X = rng.standard_normal((n_x, m))
    y = rng.integers(0, C, size=m)
    return X, _one_hot(y, C), [n_x, int(rng.integers(5, 9)), C]


# ============================================================================= L_layer_model (6)

@pytest.mark.points(3)
def test_L_layer_model_matches_reference(student, ref, rng):
    X, Y, dims = _small_softmax_problem(rng)
    lr = float(rng.uniform(0.05, 0.5))
    seed = int(rng.integers(2**31))
    where = f"L_layer_model(X, Y, {dims}, learning_rate={lr:.4g}, num_iterations=150, rng=default_rng({seed}))"
    got = _result(student.L_layer_model(X, Y, dims, learning_rate=lr, num_iterations=150,
                                        rng=student.rng(seed)), where)
    exp = ref.L_layer_model(X, Y, dims, learning_rate=lr, num_iterations=150, rng=np.random.default_rng(seed))
    _check_trained(got[0], dims, where)
    assert_close(got[0], exp[0], name=f"parameters from {where}", rtol=1e-8, atol=1e-10,
                 hint="initialize_parameters_deep(layer_dims, rng, method=init), then per iteration: "
                      "L_model_forward, L_model_backward, update_parameters")
    assert isinstance(got[1], list) and len(got[1]) == 2, (
        f"{where}: expected 2 costs (iterations 0 and 100: one every 100 iterations, starting with the cost of the "
        f"initial parameters), got {got[1]!r}")
    assert_close(got[1], exp[1], name=f"costs from {where}", rtol=1e-9, atol=0)


@pytest.mark.points(2)
def test_L_layer_model_sigmoid_flower(student, ref, rng):
    # Binary output: «二分类使用Sigmoid函数», non-default activations, init and learning rate.
    X, Y = data.planar_flower()
    dims = [2, 6, 4, 1]
    seed = int(rng.integers(2**31))
    kw = dict(learning_rate=0.3, num_iterations=201, hidden_activation="tanh", output_activation="sigmoid",
              init="xavier")
    where = f"L_layer_model(flower, {dims}, learning_rate=0.3, num_iterations=201, tanh, sigmoid, init='xavier')"
    got = _result(student.L_layer_model(X, Y, dims, rng=student.rng(seed), **kw), where)
    exp = ref.L_layer_model(X, Y, dims, rng=np.random.default_rng(seed), **kw)
    _check_trained(got[0], dims, where)
    assert_close(got[0], exp[0], name=f"parameters from {where}", rtol=1e-8, atol=1e-10)
    assert_close(got[1], exp[1], name=f"costs from {where}", rtol=1e-9, atol=0)


@pytest.mark.points(1)
def test_L_layer_model_defaults(student, ref, rng):
    X, Y, dims = _small_softmax_problem(rng)
    where = (f"L_layer_model(X, Y, {dims}) with every default (lr 0.5, 300 iterations, relu, softmax, he, "
             f"rng=None -> default_rng(0))")
    got = _result(student.L_layer_model(X, Y, dims), where)
    exp = ref.L_layer_model(X, Y, dims)
    _check_trained(got[0], dims, where)
    assert_close(got, exp, name=where, rtol=1e-7, atol=1e-9)


# ============================================================================= predict (2)

@pytest.mark.points(1)
def test_predict_softmax(student, ref, rng):
    X, Y, dims = _small_softmax_problem(rng)
    P = ref.initialize_parameters_deep(dims, rng, method="xavier")
    for k in P:
        P[k] = P[k] + rng.standard_normal(P[k].shape) * 0.5
    assert_close(student.predict(P, X), ref.predict(P, X),
                 name="predict(parameters, X) with the defaults (softmax output: int64 class indices of shape (m,))",
                 rtol=0, atol=0, hint="np.argmax(AL, axis=0).astype(np.int64)")
    assert_close(student.predict(P, X, "tanh", "softmax"), ref.predict(P, X, "tanh", "softmax"),
                 name="predict(parameters, X, 'tanh', 'softmax')", rtol=0, atol=0)


@pytest.mark.points(1)
def test_predict_sigmoid(student, ref, rng):
    dims = [3, 5, 1]
    P = ref.initialize_parameters_deep(dims, rng, method="xavier")
    P["b2"] = P["b2"] + 0.1
    X = rng.standard_normal((3, 25))
    assert_close(student.predict(P, X, "relu", "sigmoid"), ref.predict(P, X, "relu", "sigmoid"),
                 name="predict(parameters, X, 'relu', 'sigmoid') (int64, shape (1, m), 1 where AL > 0.5)",
                 rtol=0, atol=0)
    P["W2"] = np.zeros_like(P["W2"])
    P["b2"] = np.zeros_like(P["b2"])
    assert_close(student.predict(P, X, "relu", "sigmoid"), np.zeros((1, 25), dtype=np.int64),
                 name="predict(..., 'sigmoid') where AL == 0.5 exactly (1 only where AL > 0.5)", rtol=0, atol=0)


# ============================================================================= digits end-to-end (12)

def _train_digits(student, seed):
    # seed in 0..99: the reference reaches 0.947-0.985 test accuracy (mean 0.968) on every one of
    # them, with decreasing costs starting between 2.2 and 3.1.
    D = data.digits()
    dims = [64, 32, 16, 10]
    where = (f"L_layer_model(digits X_train, Y_train, {dims}, learning_rate=0.5, num_iterations=300, relu, softmax, "
             f"init='he', rng=default_rng({seed}))")
    params, costs = _result(student.L_layer_model(D["X_train"], D["Y_train"], dims, learning_rate=0.5,
                                                  num_iterations=300, hidden_activation="relu",
                                                  output_activation="softmax", init="he",
                                                  rng=student.rng(seed)), where)
    _check_trained(params, dims, where)
    return D, params, costs, where


@pytest.mark.points(9)
@pytest.mark.timeout(30)
def test_e2e_digits_accuracy(student, ref, rng):
    D, params, _, where = _train_digits(student, int(rng.integers(100)))
    acc = float(np.mean(ref.predict(params, D["X_test"], "relu", "softmax") == D["y_test"]))
    assert acc >= 0.94, f"{where}: test accuracy {acc:.4f} < 0.94 (the reference reaches 0.96-0.97)"


@pytest.mark.points(3)
@pytest.mark.timeout(30)
def test_e2e_digits_costs_decrease(student, rng):
    _, _, costs, where = _train_digits(student, int(rng.integers(100)))
    assert isinstance(costs, list) and len(costs) == 3, (
        f"{where}: expected 3 costs (iterations 0, 100, 200), got {costs!r}")
    assert all(isinstance(c, float) for c in costs), f"{where}: costs must be Python floats"
    assert costs[0] > costs[1] > costs[2], f"{where}: the costs must decrease, got {costs!r}"
    assert 1.8 < costs[0] < 4.0, f"{where}: the first cost should be near log(10) = 2.30, got {costs[0]:.4g}"

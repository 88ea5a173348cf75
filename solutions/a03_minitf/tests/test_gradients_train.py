"""Hidden tests of A03 (minitf), part 2: symbolic reverse-mode ``gradients`` (25) and
``train.GradientDescentOptimizer`` with the seed's linear regression (3.5 线性回归) (12).

Gradients are checked against analytic numpy (vector-Jacobian products: the loss is
sum(op(...) * G) with a random G), with a numerical gradient check of a two-layer sigmoid
network (variables perturbed through ``feed_dict``, h = 1e-5, CURRICULUM 1.5), and training is
checked against one numpy GD step and against least squares.
"""
import numpy as np
import pytest

from grader import data
from grader.checks import assert_close
from grader.gradcheck import rel_error
from grader.plugin import reference_value


# ============================================================================ probes (run in the child)

def probe_grad_case(module, case, A, B, G):
    """Builds loss = reduce_sum(op(a, b) * G) for one op; returns [d loss/da, d loss/db] values."""
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        a = tf.Variable(A, name="a")
        b = tf.Variable(B, name="b")
        if case == "add_broadcast":
            out = tf.add(a, b)
        elif case == "sub_broadcast":
            out = tf.subtract(a, b)
        elif case == "mul_broadcast":
            out = tf.multiply(a, b)
        elif case == "neg":
            out = tf.negative(a) + b
        elif case.startswith("matmul_"):
            ta, tb = case[-2] == "t", case[-1] == "t"
            out = tf.matmul(a, b, transpose_a=ta, transpose_b=tb)
        elif case == "square":
            out = tf.square(a) + b
        elif case == "sigmoid":
            out = tf.sigmoid(a) + b
        elif case == "mean_all":
            out = tf.reduce_mean(a) * b
        elif case == "mean_axis0":
            out = tf.reduce_mean(a, axis=0) * b
        elif case == "mean_axis1_keepdims":
            out = tf.reduce_mean(a, axis=1, keepdims=True) * b
        elif case == "sum_axis1":
            out = tf.reduce_sum(a, axis=1) * b
        else:
            raise ValueError(case)
        loss = tf.reduce_sum(tf.multiply(out, tf.constant(G)))
        grads = tf.gradients(loss, [a, b])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run(grads)
    return [np.asarray(v) for v in values]


def probe_grads_are_nodes(module, W0, X):
    import numpy as np
    tf = module
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(name="x")
        w = tf.Variable(W0, name="w")
        loss = tf.reduce_sum(tf.square(w * x))
        n_before = len(g.get_operations())
        grads = tf.gradients(loss, [w])              # w is not initialized yet: nothing may be computed
        info = {"is_list": type(grads).__name__, "len": len(grads), "is_tensor": isinstance(grads[0], tf.Tensor),
                "new_nodes": len(g.get_operations()) - n_before}
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
        try:
            sess.run(grads[0])
            info["without_feed"] = "no error"
        except Exception as exc:  # noqa: BLE001 - reported, judged by the test
            info["without_feed"] = type(exc).__name__
        info["value"] = np.asarray(sess.run(grads[0], {x: X}))
    return info


def probe_two_paths(module, X0):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        x = tf.Variable(X0, name="x")
        y = tf.reduce_sum(x * x + x)
        u = x * 3.0
        z = tf.reduce_sum(u * u + u)
        gy, gz = tf.gradients(y, x)[0], tf.gradients(z, [x])[0]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return [np.asarray(v) for v in sess.run([gy, gz])]


def probe_unconnected(module, W0, V0):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        w = tf.Variable(W0, name="w")
        v = tf.Variable(V0, name="v")
        c = tf.constant(2.0)
        loss = tf.reduce_sum(tf.square(w))
        tf.square(v)                                  # v is used elsewhere, but not by loss
        grads = tf.gradients(loss, [w, v, c])
        kinds = ["None" if g is None else type(g).__name__ for g in grads]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            gw = np.asarray(sess.run(grads[0])) if grads[0] is not None else None
    return kinds, gw


def probe_net_gradcheck(module, X, Y, params, h):
    """Two-layer sigmoid network with MSE; analytic gradients from gradients(), numerical ones from
    the same loss with each variable's perturbed value fed through feed_dict."""
    import numpy as np
    tf = module
    names = ["W1", "b1", "W2", "b2"]
    with tf.Graph().as_default():
        Xp = tf.placeholder(shape=(X.shape[0], None), name="X")
        Yp = tf.placeholder(shape=(1, None), name="Y")
        v = {k: tf.Variable(params[k], name=k) for k in names}
        A1 = tf.sigmoid(tf.matmul(v["W1"], Xp) + v["b1"])
        A2 = tf.sigmoid(tf.matmul(v["W2"], A1) + v["b2"])
        loss = tf.reduce_mean(tf.square(A2 - Yp))
        grads = tf.gradients(loss, [v[k] for k in names])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            feed = {Xp: X, Yp: Y}
            analytic = [np.asarray(g) for g in sess.run(grads, feed)]
            numeric = []
            for k in names:
                P = params[k]
                num = np.zeros_like(P)
                for idx in np.ndindex(P.shape):
                    plus, minus = P.copy(), P.copy()
                    plus[idx] += h
                    minus[idx] -= h
                    jp = float(np.asarray(sess.run(loss, {Xp: X, Yp: Y, v[k]: plus})))
                    jm = float(np.asarray(sess.run(loss, {Xp: X, Yp: Y, v[k]: minus})))
                    num[idx] = (jp - jm) / (2 * h)
                numeric.append(num)
            value = float(np.asarray(sess.run(loss, feed)))
    return {"analytic": analytic, "numeric": numeric, "loss": value}


def probe_one_step(module, u0, v0, X, Y, lr, fetch_loss):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        Xp = tf.placeholder(shape=(1, None), name="X")
        Yp = tf.placeholder(shape=(1, None), name="Y")
        u = tf.Variable(u0, name="u")
        v = tf.Variable(v0, name="v")
        loss = tf.reduce_mean(tf.square(u * v * Xp - Yp))
        train_op = tf.train.GradientDescentOptimizer(lr).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            feed = {Xp: X, Yp: Y}
            if fetch_loss:
                _, before = sess.run([train_op, loss], feed)
                after = sess.run(loss, feed)
                return [np.asarray(before), np.asarray(after)]
            sess.run(train_op, feed)
            return [np.asarray(x) for x in sess.run([u, v])]


def probe_var_list(module, u0, v0, c0, X, Y, lr):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        Xp = tf.placeholder(name="X")
        u = tf.Variable(u0, name="u")
        v = tf.Variable(v0, name="v")
        c = tf.Variable(c0, name="c", trainable=False)
        loss = tf.reduce_mean(tf.square(u * Xp + v * c - Y))
        opt = tf.train.GradientDescentOptimizer(lr)
        pairs = opt.compute_gradients(loss)
        info = {"vars": [p[1].name for p in pairs], "grads_are_tensors": all(isinstance(p[0], tf.Tensor) for p in pairs)}
        only_u = opt.minimize(loss, var_list=[u])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(only_u, {Xp: X})
            info["after"] = [np.asarray(x) for x in sess.run([u, v, c])]
    return info


def probe_linear_regression(module, X, Y, lr, steps):
    """The seed's linear regression (3.5): loss = reduce_mean(square(y_hat - y)), GD for ``steps``."""
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        Xp = tf.placeholder(shape=(3, None), name="X")
        Yp = tf.placeholder(shape=(1, None), name="y")
        W = tf.Variable(np.zeros((1, 3)), name="W")
        b = tf.Variable(np.zeros((1, 1)), name="b")
        y_hat = tf.matmul(W, Xp) + b
        loss = tf.reduce_mean(tf.square(y_hat - Yp))
        train_op = tf.train.GradientDescentOptimizer(lr).minimize(loss)
        losses = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(steps):
                _, l = sess.run([train_op, loss], {Xp: X, Yp: Y})
                losses.append(float(np.asarray(l)))
            W_v, b_v = sess.run([W, b])
    return {"W": np.asarray(W_v), "b": np.asarray(b_v), "losses": losses}


# ============================================================================ helpers

@reference_value
def _reference_regression(ref):
    X, Y = data.linear_data()
    return probe_linear_regression(ref, X, Y, 0.1, 200)


def _analytic(case, A, B, G):
    """[dA, dB] of sum(op(A, B) * G), by hand."""
    if case == "add_broadcast":
        return [G.sum(axis=1, keepdims=True).sum(axis=0, keepdims=True) if A.shape == (1, 1) else G, G.sum(axis=0, keepdims=True)]
    if case == "sub_broadcast":
        return [G, -G.sum(axis=1, keepdims=True)]
    if case == "mul_broadcast":
        return [G * B, (G * A).sum(axis=0, keepdims=True)]
    if case == "neg":
        return [-G, G]
    if case == "matmul_nn":
        return [G @ B.T, A.T @ G]
    if case == "matmul_tn":      # C = A^T B
        return [B @ G.T, A @ G]
    if case == "matmul_nt":      # C = A B^T
        return [G @ B, G.T @ A]
    if case == "matmul_tt":      # C = A^T B^T
        return [B.T @ G.T, G.T @ A.T]
    if case == "square":
        return [2 * A * G, G]
    if case == "sigmoid":
        s = 1 / (1 + np.exp(-A))
        return [G * s * (1 - s), G]
    if case == "mean_all":
        return [np.full(A.shape, (G * B).sum() / A.size), np.array(A.mean() * G.sum()).reshape(B.shape)]
    if case == "mean_axis0":
        return [np.broadcast_to(G * B, A.shape) / A.shape[0], A.mean(axis=0) * G]
    if case == "mean_axis1_keepdims":
        return [np.broadcast_to(G * B, A.shape) / A.shape[1], A.mean(axis=1, keepdims=True) * G]
    if case == "sum_axis1":
        return [np.broadcast_to((G * B)[:, None], A.shape).copy(), A.sum(axis=1) * G]
    raise ValueError(case)


def _case_inputs(case, rng):
    n, m, k = 3, 4, 2
    if case == "add_broadcast":
        return rng.standard_normal((1, 1)), rng.standard_normal((1, m)), rng.standard_normal((1, m))
    if case == "sub_broadcast":
        return rng.standard_normal((n, m)), rng.standard_normal((n, 1)), rng.standard_normal((n, m))
    if case == "mul_broadcast":
        return rng.standard_normal((n, m)), rng.standard_normal((1, m)), rng.standard_normal((n, m))
    if case in ("neg", "square", "sigmoid"):
        return rng.standard_normal((n, m)), rng.standard_normal((n, m)), rng.standard_normal((n, m))
    if case.startswith("matmul_"):
        ta, tb = case[-2] == "t", case[-1] == "t"
        A = rng.standard_normal((k, n) if ta else (n, k))
        B = rng.standard_normal((m, k) if tb else (k, m))
        return A, B, rng.standard_normal((n, m))
    if case == "mean_all":
        return rng.standard_normal((n, m)), rng.standard_normal((1, 1)), rng.standard_normal((1, 1))
    if case == "mean_axis0":
        return rng.standard_normal((n, m)), rng.standard_normal((m,)), rng.standard_normal((m,))
    if case == "mean_axis1_keepdims":
        return rng.standard_normal((n, m)), rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
    if case == "sum_axis1":
        return rng.standard_normal((n, m)), rng.standard_normal((n,)), rng.standard_normal((n,))
    raise ValueError(case)


GRAD_CASES = ["add_broadcast", "sub_broadcast", "mul_broadcast", "neg", "matmul_nn", "matmul_tn", "matmul_nt",
              "matmul_tt", "square", "sigmoid", "mean_all", "mean_axis0", "mean_axis1_keepdims", "sum_axis1"]


# ============================================================================ gradients (25)

@pytest.mark.points(2)
def test_gradients_are_nodes(student, rng):
    W0, X = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    info = student.probe(probe_grads_are_nodes, W0, X)
    assert info["is_list"] == "list" and info["len"] == 1, f"gradients(loss, [w]) returns a list of one entry, got {info}"
    assert info["is_tensor"], "gradients() returns graph nodes (Tensors), not values"
    assert info["new_nodes"] > 0, "gradients() must add the gradient nodes to the graph"
    assert info["without_feed"] == "InvalidArgumentError", (
        f"evaluating the gradient needs the forward pass, hence the placeholder x: without a feed it must raise "
        f"InvalidArgumentError, got {info['without_feed']}")
    assert_close(info["value"], 2 * W0 * X ** 2, name="d sum((w*x)^2)/dw", rtol=1e-10)


@pytest.mark.points(14)
@pytest.mark.parametrize("case", GRAD_CASES)
def test_gradients_per_op(student, rng, case):
    A, B, G = _case_inputs(case, rng)
    got = student.probe(probe_grad_case, case, A, B, G)
    exp = _analytic(case, A, B, G)
    assert_close(got, exp, name=f"gradients of sum(op(a, b) * G) for {case} (a {A.shape}, b {B.shape}); a broadcast "
                 f"input's gradient is summed back to its own shape", rtol=1e-10, atol=1e-13)


@pytest.mark.points(3)
def test_gradients_two_paths(student, rng):
    X0 = rng.standard_normal((2, 3))
    gy, gz = student.probe(probe_two_paths, X0)
    assert_close(gy, 2 * X0 + 1, name="d/dx sum(x*x + x): x is used on two paths, and the path gradients add up",
                 rtol=1e-10)
    assert_close(gz, 18 * X0 + 3, name="d/dx sum(u*u + u) with u = 3x", rtol=1e-10)


@pytest.mark.points(2)
def test_gradients_unconnected_is_none(student, rng):
    W0, V0 = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    kinds, gw = student.probe(probe_unconnected, W0, V0)
    assert kinds[1] == "None" and kinds[2] == "None", (
        f"gradients(loss, [w, v, c]) where loss does not depend on v or c must give None for them, got {kinds}")
    assert kinds[0] != "None", "the gradient for w (which loss uses) must not be None"
    assert_close(gw, 2 * W0, name="d sum(w^2)/dw", rtol=1e-10)


@pytest.mark.points(4)
def test_gradients_check_two_layer_net(student, ref, rng):
    n_x, n_h, m = 3, 4, 5
    params = {"W1": rng.standard_normal((n_h, n_x)), "b1": 0.1 * rng.standard_normal((n_h, 1)),
              "W2": rng.standard_normal((1, n_h)), "b2": 0.1 * rng.standard_normal((1, 1))}
    X, Y = rng.standard_normal((n_x, m)), rng.random((1, m))
    got = student.probe(probe_net_gradcheck, X, Y, params, 1e-5)
    exp = probe_net_gradcheck(ref, X, Y, params, 1e-5)
    assert_close(got["loss"], exp["loss"], name="MSE loss of the two-layer sigmoid network", rtol=1e-10)
    for k, a, num in zip(["W1", "b1", "W2", "b2"], got["analytic"], got["numeric"]):
        a = np.asarray(a, dtype=np.float64)
        assert a.shape == params[k].shape, (f"the gradient for {k} has shape {a.shape}, but {k} has shape "
                                            f"{params[k].shape}: a gradient has its variable's shape")
        err = rel_error(a, num)
        assert err < 1e-7, (f"gradient check of d loss/d{k}: relative error {err:.2e} between gradients() and "
                            f"centred differences of your loss (h = 1e-5); must be < 1e-7")
    assert_close(got["analytic"], exp["analytic"], name="gradients of the two-layer network", rtol=1e-8, atol=1e-12)


# ============================================================================ optimizer + linear regression (12)

def _coupled(rng):
    u0, v0 = rng.uniform(0.5, 1.5, (1, 1)), rng.uniform(0.5, 1.5, (1, 1))
    X = rng.standard_normal((1, 6))
    Y = 2.0 * X + 0.1 * rng.standard_normal((1, 6))
    return u0, v0, X, Y, float(rng.uniform(0.05, 0.2))


@pytest.mark.points(3)
def test_minimize_one_step_simultaneous(student, rng):
    u0, v0, X, Y, lr = _coupled(rng)
    u1, v1 = student.probe(probe_one_step, u0, v0, X, Y, lr, False)
    r = u0 * v0 * X - Y
    du, dv = np.mean(2 * r * v0 * X).reshape(1, 1), np.mean(2 * r * u0 * X).reshape(1, 1)
    assert_close([u1, v1], [u0 - lr * du, v0 - lr * dv], name=f"u, v after one run(train_op) (lr = {lr:.3f}): both "
                 "gradients use the values before the step (simultaneous update)", rtol=1e-10)


@pytest.mark.points(2)
def test_minimize_run_with_loss_returns_pre_update_loss(student, rng):
    u0, v0, X, Y, lr = _coupled(rng)
    before, after = student.probe(probe_one_step, u0, v0, X, Y, lr, True)
    r = u0 * v0 * X - Y
    du, dv = np.mean(2 * r * v0 * X), np.mean(2 * r * u0 * X)
    u1, v1 = u0 - lr * du, v0 - lr * dv
    assert_close(np.asarray(before).reshape(()), np.array(np.mean(r ** 2)),
                 name="loss from run([train_op, loss]): the loss BEFORE this step's update", rtol=1e-10)
    assert_close(np.asarray(after).reshape(()), np.array(np.mean((u1 * v1 * X - Y) ** 2)),
                 name="loss in the next run (after the update)", rtol=1e-10)


@pytest.mark.points(2)
def test_compute_gradients_var_list(student, rng):
    u0, v0, c0 = (rng.uniform(0.5, 1.5, (1, 1)) for _ in range(3))
    X, Y = rng.standard_normal((1, 5)), rng.standard_normal((1, 5))
    lr = float(rng.uniform(0.05, 0.2))
    info = student.probe(probe_var_list, u0, v0, c0, X, Y, lr)
    assert info["vars"] == ["u", "v"], (f"compute_gradients(loss) pairs every TRAINABLE variable (u, v; not c, "
                                        f"trainable=False) in creation order, got {info['vars']}")
    assert info["grads_are_tensors"], "compute_gradients returns (gradient Tensor, variable) pairs"
    r = u0 * X + v0 * c0 - Y
    du = np.mean(2 * r * X).reshape(1, 1)
    assert_close(info["after"], [u0 - lr * du, v0, c0], name="u, v, c after minimize(loss, var_list=[u]): only u moves",
                 rtol=1e-10)


@pytest.mark.points(5)
@pytest.mark.timeout(30)
def test_minimize_linear_regression_matches_lstsq(student, ref, figure):
    X, Y = data.linear_data()
    got = student.probe(probe_linear_regression, X, Y, 0.1, 200)
    figure("MSE loss per step (lr 0.1, linear_data)", {"your loss": got["losses"],
                                                       "reference": _reference_regression(ref)["losses"]},
           xlabel="step", ylabel="loss")
    A = np.vstack([X, np.ones((1, X.shape[1]))]).T
    sol = np.linalg.lstsq(A, Y.ravel(), rcond=None)[0]
    assert_close(got["W"], sol[:3].reshape(1, 3), name="W after 200 GD steps vs least squares", rtol=0, atol=1e-3)
    assert_close(got["b"], sol[3:].reshape(1, 1), name="b after 200 GD steps vs least squares", rtol=0, atol=1e-3)
    assert_close(got["losses"], _reference_regression(ref)["losses"], name="loss curve", rtol=1e-8)

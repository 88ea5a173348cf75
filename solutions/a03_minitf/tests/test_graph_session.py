"""Hidden tests of A03 (minitf), part 1: 数据流图 (graphs, names), 张量 (constant / Variable /
placeholder), 会话 (Session.run semantics, eval, the seed's snippet) and the op kernels.

Points (CURRICULUM A03): graph/naming/default graph 8 · constant/Variable/placeholder 12 ·
Session.run 15 · eval/run/default session (seed snippet) 5 · op kernels 10 = 50
(test_gradients_train.py: gradients 25 + optimizer 12; test_summary.py: 13).

A minitf graph and Session live in the student's process. Each test runs a *probe* there that
builds a fresh ``Graph()`` (so tests cannot disturb each other through the default graph), runs
it and returns plain values; everything is judged here, against numpy or the reference.
"""
import numpy as np
import pytest

from grader.checks import assert_close, raises_student


# ============================================================================ probes (run in the child)

def probe_build(module, A, B, x0, x1):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        a = tf.constant(A, name="a")
        b = tf.constant(B, name="b")
        c = a + b
        v = tf.Variable(x0, name="v")
        d = v * 2.0
        assign = v.assign(x1)
        init = tf.global_variables_initializer()
        sess = tf.Session()
        info = {"c_type": type(c).__name__, "c_op": c.op_type, "c_inputs": [i.name for i in c.inputs],
                "is_tensor": isinstance(c, tf.Tensor) and isinstance(d, tf.Tensor),
                "log_before": list(sess.last_run_nodes)}
        sess.run(init)
        sess.run(assign)
        info["d"] = np.asarray(sess.run(d))
        info["c"] = np.asarray(sess.run(c))
        sess.close()
    return info


def probe_names(module):
    tf = module
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder()
        b = tf.placeholder()
        s1 = a + b
        s2 = tf.add(a, b)
        s3 = tf.add(a, b, name="Add_3")
        s4 = a + b
        s5 = a + b
        w1 = tf.Variable(1.0, name="W")
        w2 = tf.Variable(2.0, name="W")
        p1 = tf.placeholder(name="X")
        p2 = tf.placeholder()
        m = tf.matmul(p1, p2)
        return {"names": [t.name for t in (a, b, s1, s2, s3, s4, s5, w1, w2, p1, p2, m)],
                "all": [n.name for n in g.get_operations()]}


def probe_default_graph(module):
    tf = module
    tf.reset_default_graph()
    g0 = tf.get_default_graph()
    tf.constant(1.0, name="outer")
    g = tf.Graph()
    with g.as_default():
        inner_is_g = tf.get_default_graph() is g
        b = tf.constant(2.0, name="inner")
        v = tf.Variable(3.0, name="v")
        c = tf.add(b, v, name="c")
        tf.group(c, v.initializer, name="grp")
    info = {"inner_is_g": inner_is_g, "after_is_g0": tf.get_default_graph() is g0, "b_graph_is_g": b.graph is g,
            "g0_names": [n.name for n in g0.get_operations()],
            "g_def": [{"name": d["name"], "op": d["op"], "inputs": list(d["inputs"])} for d in g.as_graph_def()]}
    tf.reset_default_graph()
    fresh = tf.get_default_graph()
    info["reset_new_empty"] = fresh is not g0 and len(fresh.get_operations()) == 0
    return info


def probe_constant(module, A):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        src = A.copy()
        c = tf.constant(src)
        src[...] = 0.0                      # changing the source after the build changes nothing
        c32 = tf.constant([[1, 2]], dtype=np.float32)
        ci = tf.constant([1, 2, 3])
        with tf.Session() as sess:
            first = sess.run(c)
            first[...] = -1.0               # neither does changing a fetched result
            second = sess.run(c)
            v32, vi = sess.run([c32, ci])
    return {"second": np.asarray(second), "dtype32": str(np.asarray(v32).dtype), "dtype_default": str(np.asarray(vi).dtype),
            "vi": np.asarray(vi, dtype=np.float64), "has_assign": hasattr(c, "assign")}


def probe_two_sessions(module, x0, x1):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        v = tf.Variable(x0, name="v")
        init = tf.global_variables_initializer()
        a = v.assign(x1)
        s1, s2 = tf.Session(), tf.Session()
        s1.run(init)
        s2.run(init)
        s1.run(a)
        return {"s1": np.asarray(s1.run(v)), "s2": np.asarray(s2.run(v)), "init_op": v.initializer.op_type,
                "init_first_input": v.initializer.inputs[0].name, "v_op": v.op_type}


def probe_assign_ops(module, x0, d, x2):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        v = tf.Variable(x0, name="v")
        sub = v.assign_sub(d)
        put = v.assign(x2)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            r1 = sess.run(sub)
            after1 = sess.run(v)
            r2 = sess.run(put)
            after2 = sess.run(v)
        return [np.asarray(r) for r in (r1, after1, r2, after2)] + [sub.op_type, put.op_type]


def probe_placeholder(module, A1, A7, Aint):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        x = tf.placeholder(shape=(3, None), name="x")
        anyshape = tf.placeholder(name="free")
        y = x * 2.0
        z = tf.square(anyshape)
        with tf.Session() as sess:
            r1 = sess.run(y, {x: A1})
            r7 = sess.run(y, feed_dict={x: A7})
            ri = sess.run(y, {x: Aint})
            rz = sess.run(z, {anyshape: A7.reshape(-1)})
    return {"r1": np.asarray(r1), "r7": np.asarray(r7), "ri": np.asarray(ri), "ri_dtype": str(np.asarray(ri).dtype),
            "rz": np.asarray(rz), "op": x.op_type}


def probe_error(module, case):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        x = tf.placeholder(shape=(3, None), name="Xin")
        v = tf.Variable(np.ones((1, 3)), name="Wvar")
        y = tf.matmul(v, x)
        sq = tf.square(x)
        init = tf.global_variables_initializer()
        sess = tf.Session()
        sess.run(init)
        good = sess.run(y, {x: np.ones((3, 2))})
        if case == "uninitialized":
            tf.Session().run(y, {x: np.ones((3, 2))})
        elif case == "missing_feed":
            sess.run(y)
        elif case == "shape":
            sess.run(sq, {x: np.ones((2, 5))})
        elif case == "closed":
            sess.close()
            sess.run(y, {x: np.ones((3, 2))})
        return np.asarray(good)


def probe_shared(module, A, B):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        a = tf.constant(A, name="a")
        b = tf.constant(B, name="b")
        d = tf.multiply(a, b, name="d")
        e = tf.add(d, tf.multiply(d, a, name="da"), name="e")
        f = tf.subtract(e, d, name="f")
        sess = tf.Session()
        values = sess.run([f, d, e])
        return [np.asarray(v) for v in values], list(sess.last_run_nodes)


def probe_random_dag(module, recipe, consts, fetch):
    """recipe: [(op, i, j)] over earlier node indices; nodes 0..len(consts)-1 are constants."""
    tf = module
    with tf.Graph().as_default():
        nodes = [tf.constant(c, name=f"n{k}") for k, c in enumerate(consts)]
        for op, i, j in recipe:
            k = len(nodes)
            fn = {"add": tf.add, "mul": tf.multiply, "sub": tf.subtract}[op]
            nodes.append(fn(nodes[i], nodes[j], name=f"n{k}"))
        sess = tf.Session()
        sess.run([nodes[k] for k in fetch])
        return list(sess.last_run_nodes), {n.name: [i.name for i in n.inputs] for n in nodes}


def probe_unrelated(module, A):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        a = tf.constant(A, name="a")
        p = tf.placeholder(name="unfed")
        tf.add(p, a, name="bad")
        sq = tf.square(a, name="sq")
        v = tf.Variable(1.0, name="uninit")
        tf.multiply(v, a, name="w")
        sess = tf.Session()
        value = sess.run(sq)
        return np.asarray(value), list(sess.last_run_nodes)


def probe_feed_prune(module, D):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        x = tf.placeholder(name="x")
        d = tf.multiply(x, 2.0, name="d")
        e = tf.add(d, 1.0, name="e")
        sess = tf.Session()
        value = sess.run(e, {d: D})
        return np.asarray(value), list(sess.last_run_nodes)


def probe_snapshot(module, x0, d):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        v = tf.Variable(x0, name="v")
        s1 = v.assign_sub(d)
        s2 = v.assign_sub(d)
        read = tf.add(v, 0.0)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            _, seen = sess.run([s1, read])
            after1 = sess.run(v)
            sess.run([s1, s2])
            after2 = sess.run(v)
    return [np.asarray(seen), np.asarray(after1), np.asarray(after2)]


def probe_feed_variable(module, x0, xf):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        v = tf.Variable(x0, name="v")
        y = tf.multiply(v, 3.0)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            fed = sess.run(y, {v: xf})
            plain = sess.run(y)
            direct = sess.run(v)
    return [np.asarray(fed), np.asarray(plain), np.asarray(direct)]


def probe_seed_snippet(module, x0, y0):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        x = tf.Variable(x0, name="x")
        y = tf.Variable(y0, name="y")
        f = x * x * y + y + 2
        # -- the seed's snippet (3.4 会话), verbatim --
        init = tf.global_variables_initializer()  # 定义全局初始化节点
        with tf.Session() as sess:  # noqa: F841 - the seed's snippet, verbatim
            init.run()	# 初始化所有变量
            result = f.eval()
        # --
    return np.asarray(result)


def probe_eval_variants(module, F):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        x = tf.placeholder(name="x")
        y = tf.square(x)
        sess = tf.Session()
        explicit = y.eval(feed_dict={x: F}, session=sess)
        with sess:
            inside_default = tf.get_default_session() is sess
            implicit = y.eval({x: F})
        after_none = tf.get_default_session() is None
        try:
            y.eval(feed_dict={x: F})
            raised = False
        except Exception:  # noqa: BLE001 - whatever the student's code raised is judged by the test
            raised = True
    return {"explicit": np.asarray(explicit), "implicit": np.asarray(implicit), "inside_default": inside_default,
            "after_none": after_none, "raised_without_session": raised}


def probe_ops(module, group, X, Y, b, M, N, Z):
    import numpy as np
    tf = module
    out = {}
    with tf.Graph().as_default():
        x, y, bb = tf.constant(X), tf.constant(Y), tf.constant(b)
        if group == "elementwise":
            nodes = {"add_b": tf.add(x, bb), "sub_y": tf.subtract(x, y), "neg": tf.negative(x), "mul_y": tf.multiply(x, y),
                     "op_add": x + 2.0, "op_radd": 2.0 + x, "op_rsub": 3.0 - x, "op_sub": x - y, "op_mul": x * y,
                     "op_rmul": 2.0 * x, "op_neg": -x}
        elif group == "matmul":
            m, n = tf.constant(M), tf.constant(N)
            mt, nt = tf.constant(M.T.copy()), tf.constant(N.T.copy())
            nodes = {"nn": tf.matmul(m, n), "tn": tf.matmul(mt, n, transpose_a=True),
                     "nt": tf.matmul(m, nt, transpose_b=True), "tt": tf.matmul(mt, nt, transpose_a=True, transpose_b=True),
                     "op": m @ n}
        elif group == "square_sigmoid":
            z = tf.constant(Z)
            p32 = tf.placeholder(np.float32, name="p32")
            nodes = {"square": tf.square(x), "sigmoid": tf.sigmoid(z), "square32": tf.square(p32)}
        else:
            nodes = {"mean": tf.reduce_mean(x), "mean0": tf.reduce_mean(x, axis=0), "mean1k": tf.reduce_mean(x, axis=1, keepdims=True),
                     "mean01": tf.reduce_mean(x, axis=(0, 1)), "sum": tf.reduce_sum(x), "sum1": tf.reduce_sum(x, axis=1),
                     "sum0k": tf.reduce_sum(x, axis=0, keepdims=True), "mean_neg": tf.reduce_mean(x, axis=-1)}
        feed = {p32: X.astype(np.float32)} if group == "square_sigmoid" else None
        with tf.Session() as sess:
            values = sess.run(nodes, feed)
    for k, v in values.items():
        out[k] = np.asarray(v)
    return out


# ============================================================================ helpers

def _vals(rng, *shape):
    return rng.standard_normal(shape)


# ============================================================================ graph, names, default graph (8)

@pytest.mark.points(3)
def test_add_builds_a_node_computes_nothing(student, rng):
    """«保存的是计算过程而非计算结果»: a + b is an "Add" node; values exist only in Session.run."""
    A, B = _vals(rng, 2, 3), _vals(rng, 2, 3)
    x0, x1 = _vals(rng, 2, 2), _vals(rng, 2, 2)
    info = student.probe(probe_build, A, B, x0, x1)
    assert info["is_tensor"], f"a + b must build a minitf Tensor, got a {info['c_type']}"
    assert info["c_op"] == "Add" and info["c_inputs"] == ["a", "b"], (
        f"constant a + constant b must be a node with op_type 'Add' and inputs ['a', 'b']; got op_type "
        f"{info['c_op']!r}, inputs {info['c_inputs']}. Building computes nothing (构建阶段), even for constants")
    assert info["log_before"] == [], f"a new Session's last_run_nodes must be [], got {info['log_before']}"
    assert_close(info["c"], A + B, name="value of a + b in a session", rtol=1e-12)
    assert_close(info["d"], 2.0 * x1, name="v * 2.0, run after v.assign(x1) (built before the assignment)", rtol=1e-12)


@pytest.mark.points(2)
def test_graph_unique_name(student, ref):
    got = student.probe(probe_names)
    expected = probe_names(ref)
    assert len(set(got["all"])) == len(got["all"]), f"node names in a graph must be unique, got {got['all']}"
    assert got["names"] == expected["names"], (
        f"names: expected {expected['names']} (Placeholder, Placeholder_1, Add, Add_1, a user's 'Add_3', then Add_2 "
        f"and Add_4; W, W_1; X, Placeholder_2; MatMul), got {got['names']}")


@pytest.mark.points(3)
def test_default_graph_and_as_graph_def(student, ref):
    got = student.probe(probe_default_graph)
    exp = probe_default_graph(ref)
    assert got["inner_is_g"] and got["b_graph_is_g"], "inside `with g.as_default():` new nodes must go to g"
    assert got["after_is_g0"], "after the with-block the previous default graph must be the default again"
    assert got["g0_names"] == ["outer"], f"only 'outer' was built in the global default graph, found {got['g0_names']}"
    assert got["reset_new_empty"], "reset_default_graph() must install a new, empty default graph"
    by_name = {d["name"]: d for d in got["g_def"]}
    for d in exp["g_def"]:
        assert d["name"] in by_name, f"as_graph_def() has no node {d['name']!r}: {got['g_def']}"
        assert by_name[d["name"]] == d, f"as_graph_def() entry for {d['name']!r}: expected {d}, got {by_name[d['name']]}"
    assert len(got["g_def"]) == len(exp["g_def"]), f"as_graph_def() has extra nodes: {got['g_def']}"
    order = [d["name"] for d in got["g_def"]]
    assert order.index("inner") < order.index("c") < order.index("grp"), f"as_graph_def() must be in creation order: {order}"


# ============================================================================ constant / Variable / placeholder (12)

@pytest.mark.points(3)
def test_constant_copies_value(student, rng):
    A = _vals(rng, 3, 2)
    got = student.probe(probe_constant, A)
    assert_close(got["second"], A, name="constant(a) after a[...] = 0 and after changing a fetched result "
                 "(«一旦创建后其中的值就不能改变了»: copy the value when the node is built, return copies)", rtol=0)
    assert got["dtype32"] == "float32", f"constant(..., dtype=np.float32) must hold float32, got {got['dtype32']}"
    assert got["dtype_default"] == "float64", f"constant([1, 2, 3]) defaults to float64, got {got['dtype_default']}"
    assert_close(got["vi"], np.array([1.0, 2.0, 3.0]), name="constant([1, 2, 3])", rtol=0)
    assert not got["has_assign"], "a constant must not have an `assign` method (only Variables do)"


@pytest.mark.points(2)
def test_variable_state_lives_in_session(student, rng):
    x0, x1 = _vals(rng, 2, 3), _vals(rng, 2, 3)
    got = student.probe(probe_two_sessions, x0, x1)
    assert got["v_op"] == "VariableV2", f"a Variable's op_type is 'VariableV2', got {got['v_op']!r}"
    assert got["init_op"] == "Assign" and got["init_first_input"] == "v", (
        f"v.initializer must be an 'Assign' node whose first input is v; got {got['init_op']!r} with first input "
        f"{got['init_first_input']!r}")
    assert_close(got["s1"], x1, name="v in session 1 after v.assign(x1) there", rtol=0)
    assert_close(got["s2"], x0, name="v in session 2 (never assigned): two Sessions hold independent values", rtol=0)


@pytest.mark.points(2)
def test_variable_assign_ops(student, rng):
    x0, d, x2 = _vals(rng, 2, 2), _vals(rng, 2, 2), _vals(rng, 2, 2)
    r1, after1, r2, after2, op_sub, op_put = student.probe(probe_assign_ops, x0, d, x2)
    assert (op_sub, op_put) == ("AssignSub", "Assign"), f"op types: expected ('AssignSub', 'Assign'), got {(op_sub, op_put)}"
    assert_close(r1, x0 - d, name="run(v.assign_sub(d)) returns the new value", rtol=1e-12)
    assert_close(after1, x0 - d, name="v after assign_sub(d)", rtol=1e-12)
    assert_close(r2, x2, name="run(v.assign(x2))", rtol=0)
    assert_close(after2, x2, name="v after assign(x2)", rtol=0)


@pytest.mark.points(2)
def test_placeholder_feeds(student, rng):
    A1, A7 = _vals(rng, 3, 1), _vals(rng, 3, 7)
    Aint = rng.integers(-5, 5, size=(3, 4))
    got = student.probe(probe_placeholder, A1, A7, Aint)
    assert got["op"] == "Placeholder", f"op_type of a placeholder: 'Placeholder', got {got['op']!r}"
    assert_close(got["r1"], 2 * A1, name="placeholder (3, None) fed (3, 1) (m = 1)", rtol=1e-12)
    assert_close(got["r7"], 2 * A7, name="placeholder (3, None) fed (3, 7)", rtol=1e-12)
    assert got["ri_dtype"] == "float64", f"an int array fed to a float64 placeholder becomes float64, got {got['ri_dtype']}"
    assert_close(got["ri"], 2.0 * Aint, name="int feed", rtol=0)
    assert_close(got["rz"], A7.reshape(-1) ** 2, name="placeholder without shape fed a (21,) vector", rtol=1e-12)


ERRORS = {"uninitialized": ("FailedPreconditionError", "Wvar"), "missing_feed": ("InvalidArgumentError", "Xin"),
          "shape": ("ValueError", None), "closed": ("RuntimeError", None)}


@pytest.mark.points(3)
@pytest.mark.parametrize("case", list(ERRORS))
def test_session_run_errors(student, case):
    good = student.probe(probe_error, "none")
    assert_close(good, np.full((1, 2), 3.0), name="Variable ones(1,3) @ placeholder fed ones(3,2)", rtol=1e-12)
    exc, match = ERRORS[case]
    what = {"uninitialized": "reading a variable in a session that did not run its initializer",
            "missing_feed": "running a node that needs the placeholder 'Xin' without feeding it",
            "shape": "feeding a (2, 5) array to a placeholder of shape (3, None)",
            "closed": "run() after close()"}[case]
    try:
        with raises_student(exc, match=match):
            student.probe(probe_error, case)
    except AssertionError as e:
        raise AssertionError(f"{what}: {e}") from None


# ============================================================================ Session.run (15)

@pytest.mark.points(2)
def test_session_run_fetch_structures(student, rng):
    """Driven through handles: the graph's Tensors and the Session stay in the student's process;
    the fetch structures built here hold references to them."""
    A, B = _vals(rng, 2, 3), _vals(rng, 2, 3)
    student.reset_default_graph()
    a = student.constant(A, name="a")
    b = student.constant(B, name="b")
    c = student.add(a, b, name="c")
    assert c.get("name") == "c", f"add(a, b, name='c') built {c!r}"
    sess = student.Session()
    single = sess.run(c)
    lst = sess.run([a, c])
    tup = sess.run((b,))
    dct = sess.run({"x": a, "y": [b, (c,)]})
    sess.close()
    types = [type(v).__name__ for v in (lst, tup, dct, dct.get("y") if isinstance(dct, dict) else None)]
    types.append(type(dct["y"][1]).__name__ if types[2:4] == ["dict", "list"] and len(dct["y"]) == 2 else "?")
    assert types == ["list", "tuple", "dict", "list", "tuple"], (
        f"run() must return the fetches' structure (list, tuple, dict, nested list, nested tuple), got {types}")
    assert sorted(dct) == ["x", "y"], f"dict fetch keys: {sorted(dct)}"
    assert_close(single, A + B, name="run(c)", rtol=1e-12)
    assert_close(lst, [A, A + B], name="run([a, c])", rtol=1e-12)
    assert_close(tup, (B,), name="run((b,))", rtol=0)
    assert_close(dct, {"x": A, "y": [B, (A + B,)]}, name="run({'x': a, 'y': [b, (c,)]})", rtol=1e-12)


@pytest.mark.points(3)
def test_session_run_computes_each_node_once(student, rng):
    A, B = _vals(rng, 2, 2), _vals(rng, 2, 2)
    values, log = student.probe(probe_shared, A, B)
    d = A * B
    e = d + d * A
    assert_close(values, [e - d, d, e], name="run([f, d, e])", rtol=1e-12)
    dup = sorted({n for n in log if log.count(n) > 1})
    assert not dup, (f"each node is computed at most once per run (memoize values within a run); computed more than "
                     f"once: {dup}; last_run_nodes = {log}")
    assert sorted(log) == ["a", "b", "d", "da", "e", "f"], f"last_run_nodes must list the computed nodes: {log}"


@pytest.mark.points(2)
def test_session_run_log_topological(student, rng):
    n_const = 3
    recipe = []
    for k in range(n_const, n_const + 12):
        i, j = sorted(rng.choice(k, size=2, replace=False))
        recipe.append((["add", "mul", "sub"][int(rng.integers(3))], int(i), int(j)))
    consts = [float(c) for c in rng.uniform(0.5, 1.5, n_const)]
    fetch = [n_const + 11, n_const + 8, n_const + 5]
    log, inputs = student.probe(probe_random_dag, recipe, consts, fetch)
    pos = {}
    for k, name in enumerate(log):
        pos.setdefault(name, k)
    for name in log:
        for inp in inputs.get(name, []):
            assert inp in pos and pos[inp] < pos[name], (
                f"last_run_nodes is not in execution order: {name} (inputs {inputs[name]}) is listed before its input "
                f"{inp}: {log}")


@pytest.mark.points(2)
def test_session_run_only_fetched_subgraph(student, rng):
    A = _vals(rng, 2, 3)
    value, log = student.probe(probe_unrelated, A)
    assert_close(value, A ** 2, name="run(square(a)) in a graph that also has an unfed placeholder branch", rtol=1e-12)
    assert sorted(log) == ["a", "sq"], (
        f"run() computes only the ancestors of the fetches («可以将一个计算图划分成多个子图»): expected ['a', 'sq'], "
        f"got {log}")


@pytest.mark.points(2)
def test_session_run_feed_prunes_inputs(student, rng):
    D = _vals(rng, 2, 2)
    value, log = student.probe(probe_feed_prune, D)
    assert_close(value, D + 1.0, name="run(e = d + 1, feed_dict={d: D})", rtol=1e-12)
    assert "x" not in log, f"a fed tensor's inputs are not computed: the placeholder x appears in {log}"


@pytest.mark.points(2)
def test_session_run_snapshot_semantics(student, rng):
    x0, d = _vals(rng, 2, 2), _vals(rng, 2, 2)
    seen, after1, after2 = student.probe(probe_snapshot, x0, d)
    assert_close(after1, x0 - d, name="v after run([v.assign_sub(d), v + 0])", rtol=1e-12)
    assert_close(seen, x0, name="v + 0 fetched together with v.assign_sub(d): a read sees the value at the START of "
                 "the run (assignments are applied at the end)", rtol=1e-12)
    assert_close(after2, x0 - 2 * d, name="v after run([s1, s2]) with two assign_sub(d) of the same v: both start "
                 "from the run's snapshot, so v moves by d once more, not twice", rtol=1e-12)


@pytest.mark.points(2)
def test_session_run_feed_variable_for_one_run(student, rng):
    x0, xf = _vals(rng, 2, 3), _vals(rng, 2, 3)
    fed, plain, direct = student.probe(probe_feed_variable, x0, xf)
    assert_close(fed, 3 * xf, name="run(3 * v, feed_dict={v: xf})", rtol=1e-12)
    assert_close(plain, 3 * x0, name="run(3 * v) in the next run: a feed does not change the variable", rtol=1e-12)
    assert_close(direct, x0, name="run(v): fetching a Variable directly", rtol=0)


# ============================================================================ eval / run / default session (5)

@pytest.mark.points(3)
def test_seed_snippet(student, rng):
    x0, y0 = float(rng.uniform(1, 5)), float(rng.uniform(1, 5))
    got = student.probe(probe_seed_snippet, x0, y0)
    assert_close(np.asarray(got, dtype=np.float64).reshape(()), np.array(x0 * x0 * y0 + y0 + 2),
                 name="result of the seed's snippet (init.run(); result = f.eval()) for f = x*x*y + y + 2", rtol=1e-12)


@pytest.mark.points(2)
def test_eval_default_session(student, rng):
    F = _vals(rng, 2, 2)
    got = student.probe(probe_eval_variants, F)
    assert_close(got["explicit"], F ** 2, name="y.eval(feed_dict, session=sess)", rtol=1e-12)
    assert got["inside_default"], "inside `with sess:` get_default_session() must be sess"
    assert_close(got["implicit"], F ** 2, name="y.eval(feed_dict) inside `with sess:`", rtol=1e-12)
    assert got["after_none"], "after the with-block there is no default session any more"
    assert got["raised_without_session"], "eval() with no default session and no session= must raise"


# ============================================================================ op kernels (10)

@pytest.mark.points(10)
@pytest.mark.parametrize("group", ["elementwise", "matmul", "square_sigmoid", "reductions"])
def test_op_kernels(student, rng, group):
    X, Y, b = _vals(rng, 3, 4), _vals(rng, 1, 4), _vals(rng, 3, 1)
    M, N = _vals(rng, 3, 5), _vals(rng, 5, 2)
    Z = rng.uniform(-30, 30, (2, 6))
    got = student.probe(probe_ops, group, X, Y, b, M, N, Z)
    if group == "elementwise":
        exp = {"add_b": X + b, "sub_y": X - Y, "neg": -X, "mul_y": X * Y, "op_add": X + 2.0, "op_radd": 2.0 + X,
               "op_rsub": 3.0 - X, "op_sub": X - Y, "op_mul": X * Y, "op_rmul": 2.0 * X, "op_neg": -X}
    elif group == "matmul":
        exp = {k: M @ N for k in ("nn", "tn", "nt", "tt", "op")}
    elif group == "square_sigmoid":
        exp = {"square": X ** 2, "sigmoid": 1 / (1 + np.exp(-Z)), "square32": X.astype(np.float32) ** 2}
    else:
        exp = {"mean": np.array(X.mean()), "mean0": X.mean(axis=0), "mean1k": X.mean(axis=1, keepdims=True),
               "mean01": np.array(X.mean()), "sum": np.array(X.sum()), "sum1": X.sum(axis=1),
               "sum0k": X.sum(axis=0, keepdims=True), "mean_neg": X.mean(axis=-1)}
    for k, v in exp.items():
        rtol = 1e-6 if k == "square32" else 1e-12
        assert_close(got[k], v, name=f"{group}: {k}", rtol=rtol, atol=1e-300)

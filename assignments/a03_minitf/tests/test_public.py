"""Public tests of A03 (run them with `dlgrade check a03`).

Fixed inputs; answers written out or computed here with numpy. Your minitf runs in its own
process: each test sends a small function (a *probe*) there, which builds a graph with your
code and returns plain values. The hidden tests are stricter: random inputs per student,
every op's gradient, a numerical gradient check, each run-semantics rule on its own, error
types and messages, and the event file's every field and CRC.
"""
import numpy as np
import pytest

from grader.checks import assert_close
from grader.tfevents import decode_graph_def, decode_summary, read_event_file


def probe_seed_snippet(module):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        x = tf.Variable(3.0, name="x")
        y = tf.Variable(4.0, name="y")
        f = x * x * y + y + 2
        init = tf.global_variables_initializer()  # 定义全局初始化节点
        with tf.Session() as sess:
            init.run()	# 初始化所有变量
            result = f.eval()
    return np.asarray(result), f.op_type


def probe_run_log(module):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        a = tf.constant([[1.0, 2.0]], name="a")
        b = tf.constant([[3.0, 4.0]], name="b")
        d = tf.multiply(a, b, name="d")
        e = tf.add(d, d, name="e")
        tf.add(tf.placeholder(name="unfed"), a, name="other")
        sess = tf.Session()
        value = sess.run(e)
        return np.asarray(value), list(sess.last_run_nodes)


def probe_snapshot(module):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        v = tf.Variable(10.0, name="v")
        step = v.assign_sub(1.0)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            _, seen = sess.run([step, v + 0.0])
            after = sess.run(v)
    return [np.asarray(seen), np.asarray(after)]


def probe_gradients(module):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        x = tf.placeholder(shape=(1, None), name="x")
        b = tf.Variable([[0.5]], name="b")
        w = tf.Variable([[2.0]], name="w")
        loss = tf.reduce_mean(tf.square(w * x + b))       # b (1,1) broadcasts over x (1,m)
        gw, gb = tf.gradients(loss, [w, b])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return [np.asarray(v) for v in sess.run([gw, gb], {x: np.array([[1.0, 2.0, 3.0]])})]


def probe_linear_regression(module, X, Y):
    import numpy as np
    tf = module
    with tf.Graph().as_default():
        Xp = tf.placeholder(shape=(3, None), name="X")
        Yp = tf.placeholder(shape=(1, None), name="y")
        W = tf.Variable(np.zeros((1, 3)), name="W")
        b = tf.Variable(np.zeros((1, 1)), name="b")
        loss = tf.reduce_mean(tf.square(tf.matmul(W, Xp) + b - Yp), name="loss")
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(200):
                sess.run(train_op, {Xp: X, Yp: Y})
            return [np.asarray(v) for v in sess.run([W, b])]


def probe_event_file(module):
    import os
    import shutil
    import tempfile

    import numpy as np
    tf = module
    logdir = tempfile.mkdtemp()
    try:
        with tf.Graph().as_default() as g:
            x = tf.placeholder(name="x")
            loss = tf.reduce_mean(tf.square(x), name="loss")
            tf.summary.scalar("loss", loss)
            merged = tf.summary.merge_all()
            with tf.summary.FileWriter(logdir, g) as writer, tf.Session() as sess:
                for step in range(3):
                    writer.add_summary(sess.run(merged, {x: np.full(2, step + 1.0)}), step)
        (name,) = os.listdir(logdir)
        with open(os.path.join(logdir, name), "rb") as fh:
            return name, fh.read(1 << 20)
    finally:
        shutil.rmtree(logdir, ignore_errors=True)


@pytest.mark.points(2)
def test_seed_snippet(student):
    result, op = student.probe(probe_seed_snippet)
    assert op == "Add", f"f = x*x*y + y + 2 is a node (op_type 'Add'), got {op!r}"
    assert_close(np.asarray(result, dtype=np.float64).reshape(()), np.array(42.0), name="f.eval()", rtol=1e-12)


@pytest.mark.points(2)
def test_run_only_what_is_needed_once(student):
    value, log = student.probe(probe_run_log)
    assert_close(value, np.array([[6.0, 16.0]]), name="run(e), e = d + d, d = a * b", rtol=1e-12)
    assert sorted(log) == ["a", "b", "d", "e"], f"last_run_nodes: expected a, b, d, e once each, got {log}"


@pytest.mark.points(1)
def test_snapshot_semantics(student):
    seen, after = student.probe(probe_snapshot)
    assert_close([seen, after], [np.array(10.0), np.array(9.0)], name="[v + 0 in the assigning run, v afterwards]", rtol=0)


@pytest.mark.points(2)
def test_gradients_broadcast(student):
    gw, gb = student.probe(probe_gradients)
    x = np.array([[1.0, 2.0, 3.0]])
    r = 2.0 * x + 0.5
    assert_close([gw, gb], [np.mean(2 * r * x).reshape(1, 1), np.mean(2 * r).reshape(1, 1)], name="[dloss/dw, dloss/db]",
                 rtol=1e-12)


@pytest.mark.points(2)
def test_linear_regression(student):
    from grader import data
    X, Y = data.linear_data()
    W, b = student.probe(probe_linear_regression, X, Y)
    sol = np.linalg.lstsq(np.vstack([X, np.ones((1, X.shape[1]))]).T, Y.ravel(), rcond=None)[0]
    assert_close([W, b], [sol[:3].reshape(1, 3), sol[3:].reshape(1, 1)], name="W, b after 200 steps vs least squares",
                 rtol=0, atol=1e-3)


@pytest.mark.points(1)
def test_event_file(student):
    name, content = student.probe(probe_event_file)
    assert name.startswith("events.out.tfevents."), name
    events = read_event_file(content)          # raises if a CRC or a field is wrong
    assert events[0].get("file_version") == "brain.Event:2"
    nodes = decode_graph_def(events[1]["graph_def"])
    assert {"x", "loss"} <= {n["name"] for n in nodes}
    values = [(e["step"], decode_summary(e["summary"])) for e in events if "summary" in e]
    assert values == [(0, [("loss", 1.0)]), (1, [("loss", 4.0)]), (2, [("loss", 9.0)])], values

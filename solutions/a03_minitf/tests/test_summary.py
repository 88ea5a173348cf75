"""Hidden tests of A03 (minitf), part 3: TensorBoard event files (3.6 TensorBoard) (13 points).

The student's code trains the seed's linear regression for 200 steps in its own process and
writes an event file there (``summary.scalar``, ``merge_all``, ``FileWriter``). A probe sends the
file back as bytes (at most MAX_EVENT_BYTES); it is decoded HERE by ``grader.tfevents``, which
verifies both masked CRC32Cs of every record and the protobuf wire types, never by the
student's code. The run is made once per submission (``submission_memo``) and judged by three
tests; the merged-summary test runs its own small graph.
"""
import re
import time

import numpy as np
import pytest

from grader import data
from grader.checks import assert_close
from grader.plugin import reference_value
from grader.tfevents import EventFileError, decode_event, decode_graph_def, decode_summary, read_records

MAX_EVENT_BYTES = 1 << 20


# ============================================================================ probes (run in the child)

def probe_logged_regression(module, X, Y, lr, steps, max_bytes):
    """Trains with a scalar summary of the loss; returns the files written and what the run fetched."""
    import os
    import shutil
    import tempfile

    import numpy as np
    tf = module
    logdir = tempfile.mkdtemp(prefix="minitf-logs-")
    try:
        with tf.Graph().as_default() as g:
            Xp = tf.placeholder(shape=(3, None), name="X")
            Yp = tf.placeholder(shape=(1, None), name="y")
            W = tf.Variable(np.zeros((1, 3)), name="W")
            b = tf.Variable(np.zeros((1, 1)), name="b")
            y_hat = tf.matmul(W, Xp) + b
            loss = tf.reduce_mean(tf.square(y_hat - Yp), name="loss")
            train_op = tf.train.GradientDescentOptimizer(lr).minimize(loss)
            tf.summary.scalar("loss", loss)
            merged = tf.summary.merge_all()
            init = tf.global_variables_initializer()
            losses = []
            writer = tf.summary.FileWriter(logdir, g)
            with tf.Session() as sess:
                sess.run(init)
                for step in range(steps):
                    _, s, l = sess.run([train_op, merged, loss], {Xp: X, Yp: Y})
                    writer.add_summary(s, step)
                    losses.append(float(np.asarray(l)))
            writer.close()
            graph_def = [{"name": d["name"], "op": d["op"], "inputs": list(d["inputs"])} for d in g.as_graph_def()]
        files = {}
        for name in sorted(os.listdir(logdir)):
            path = os.path.join(logdir, name)
            size = os.path.getsize(path)
            with open(path, "rb") as fh:
                files[name] = fh.read(max_bytes) if size <= max_bytes else size
        return {"files": files, "losses": losses, "graph_def": graph_def}
    finally:
        shutil.rmtree(logdir, ignore_errors=True)


def probe_merged(module, a0, b0):
    tf = module
    with tf.Graph().as_default():
        a = tf.Variable(a0, name="a")
        b = tf.Variable(b0, name="b")
        tf.summary.scalar("alpha", a * 2.0)
        tf.summary.scalar("beta", tf.reduce_mean(b))
        merged = tf.summary.merge_all()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            value = sess.run(merged)
        return {"type": type(value).__name__, "bytes": bytes(value) if isinstance(value, (bytes, bytearray)) else b"",
                "op": merged.op_type, "n_inputs": len(merged.inputs)}


# ============================================================================ helpers

@reference_value
def _reference_losses(ref):
    X, Y = data.linear_data()
    return probe_logged_regression(ref, X, Y, 0.1, 200, MAX_EVENT_BYTES)["losses"]


def _run(student, memo):
    """The student's logged training, run once per submission (an exception is kept and re-raised)."""
    if "a03_logged" not in memo:
        X, Y = data.linear_data()
        try:
            memo["a03_logged"] = student.probe(probe_logged_regression, X, Y, 0.1, 200, MAX_EVENT_BYTES)
        except Exception as exc:  # noqa: BLE001 - each test reports it
            memo["a03_logged"] = exc
    out = memo["a03_logged"]
    if isinstance(out, Exception):
        raise out
    return out


def _records(run):
    """(file name, [record data]) of the one event file, both CRCs of every record verified."""
    files = run["files"]
    assert len(files) == 1, f"FileWriter must write exactly one file into the log folder, found {sorted(files)}"
    (name, content), = files.items()
    assert isinstance(content, bytes), f"{name} is {content} bytes, over the {MAX_EVENT_BYTES}-byte limit of this test"
    try:
        return name, read_records(content)
    except EventFileError as exc:
        raise AssertionError(f"{name} is not a valid event file: {exc}") from None


def _decode(record, k):
    try:
        return decode_event(record)
    except EventFileError as exc:
        raise AssertionError(f"event {k} of the event file: {exc}") from None


# ============================================================================ tests

@pytest.mark.points(4)
@pytest.mark.timeout(30)
def test_filewriter_event_file_framing(student, submission_memo):
    t0 = time.time()
    run = _run(student, submission_memo)
    name, records = _records(run)
    m = re.fullmatch(r"events\.out\.tfevents\.(\d+)\.(.+)", name)
    assert m, f"the event file must be named events.out.tfevents.<int(time.time())>.<hostname>, got {name!r}"
    assert abs(int(m.group(1)) - t0) < 24 * 3600, f"the time in the file name ({m.group(1)}) is not int(time.time())"
    first = _decode(records[0], 0)
    assert first.get("file_version") == "brain.Event:2", (
        f"the first event must be Event{{wall_time, file_version = 3: 'brain.Event:2'}}, got {first}")
    assert isinstance(first.get("wall_time"), float) and abs(first["wall_time"] - t0) < 24 * 3600, (
        f"Event.wall_time (field 1, double) must be time.time() in seconds, got {first.get('wall_time')}")


@pytest.mark.points(4)
@pytest.mark.timeout(30)
def test_filewriter_scalar_events(student, ref, submission_memo, figure):
    run = _run(student, submission_memo)
    _, records = _records(run)
    events = [_decode(r, k) for k, r in enumerate(records)]
    scalars = [e for e in events if "summary" in e]
    figure("logged loss per step", {"your event file": [v for e in scalars for _, v in decode_summary(e["summary"])],
                                    "reference": _reference_losses(ref)}, xlabel="step", ylabel="loss")
    assert len(scalars) == 200, f"200 add_summary calls must write 200 summary events, found {len(scalars)}"
    steps = [e.get("step") for e in scalars]
    assert steps == list(range(200)), f"Event.step (field 2, int64) must be the global_step 0..199, got {steps[:5]}..."
    values = []
    for k, e in enumerate(scalars):
        summ = decode_summary(e["summary"])
        assert [t for t, _ in summ] == ["loss"], f"summary event {k}: expected one value tagged 'loss', got {summ}"
        values.append(summ[0][1])
    expected = [float(np.float32(v)) for v in run["losses"]]
    assert_close(values, expected, name="simple_value of each event = float32 of the loss fetched in that step",
                 rtol=0, atol=0)
    assert_close(run["losses"], _reference_losses(ref), name="the logged loss curve", rtol=1e-8)


@pytest.mark.points(3)
@pytest.mark.timeout(30)
def test_filewriter_graph_event(student, submission_memo):
    run = _run(student, submission_memo)
    _, records = _records(run)
    graphs = []
    for r in records[:3]:    # the graph event follows the file_version event
        try:
            event = decode_event(r)
        except EventFileError:             # a malformed summary event costs points in test_filewriter_scalar_events
            continue
        if "graph_def" in event:
            graphs.append(event["graph_def"])
    assert len(graphs) == 1, f"FileWriter(logdir, graph) must write one graph event, found {len(graphs)}"
    nodes = decode_graph_def(graphs[0])
    by = {n["name"]: n for n in nodes}
    assert len(by) == len(nodes), "the GraphDef has duplicate node names"
    for n in nodes:
        for i in n["inputs"]:
            assert i.lstrip("^") in by, f"node {n['name']!r} has input {i!r}, which is not a node of the GraphDef"
    assert by.get("X", {}).get("op") == "Placeholder" and by["X"]["inputs"] == [], f"node 'X': {by.get('X')}"
    assert by.get("W", {}).get("op") == "VariableV2", f"node 'W': {by.get('W')}"
    loss = by.get("loss")
    assert loss and loss["op"] == "Mean" and len(loss["inputs"]) == 1, f"node 'loss' must be a Mean of one input: {loss}"
    sq = by[loss["inputs"][0]]
    assert sq["op"] == "Square", f"loss's input must be the Square node, got {sq}"
    sub = by[sq["inputs"][0]]
    assert sub["op"] == "Sub" and sub["inputs"][1] == "y", f"the Square's input must be y_hat - y (a Sub), got {sub}"
    assert nodes == run["graph_def"], "the GraphDef in the file must list Graph.as_graph_def() (same names, ops, inputs, order)"


@pytest.mark.points(2)
def test_merge_all_summaries(student, rng):
    a0, b0 = float(rng.uniform(-2, 2)), rng.standard_normal((2, 3))
    got = student.probe(probe_merged, a0, b0)
    assert got["op"] == "MergeSummary" and got["n_inputs"] == 2, (
        f"merge_all() must be a 'MergeSummary' node over both scalar summaries, got {got['op']} with {got['n_inputs']} inputs")
    assert got["type"] == "bytes", f"running a summary node gives the serialized Summary (bytes), got {got['type']}"
    try:
        values = dict(decode_summary(got["bytes"]))
    except EventFileError as exc:
        raise AssertionError(f"the merged summary is not a valid Summary message: {exc}") from None
    assert sorted(values) == ["alpha", "beta"], f"the merged Summary must hold both tags, got {sorted(values)}"
    assert_close([values["alpha"], values["beta"]], [float(np.float32(2 * a0)), float(np.float32(b0.mean()))],
                 name="simple_value of alpha (= 2a) and beta (= mean(b)), float32", rtol=0, atol=0)

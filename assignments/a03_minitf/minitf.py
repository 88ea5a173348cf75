"""A03 -- minitf: TensorFlow 1's programming model (数据流图 + 会话), from scratch in numpy.

The seed's chapter 3 runs unchanged with ``import minitf as tf``::

    x = tf.Variable(3.0, name="x"); y = tf.Variable(4.0, name="y")
    f = x * x * y + y + 2                       # 构建阶段: builds nodes, computes nothing
    init = tf.global_variables_initializer()    # 定义全局初始化节点
    with tf.Session() as sess:                  # 执行阶段
        init.run()                              # 初始化所有变量
        result = f.eval()                       # 42.0

«保存的是计算过程而非计算结果，需要在会话中计算结果»: every function below that makes a node only
records it in a ``Graph``; values exist only inside ``Session.run``.

Layout. One module, with TF's sub-namespaces as plain classes: ``minitf.train``,
``minitf.summary`` and ``minitf.errors`` (so ``tf.train.GradientDescentOptimizer`` and
``tf.summary.FileWriter`` read as in TensorFlow). ``minitf_wire`` (provided, do not edit) has the
protobuf field encoders and the CRC32C that event files need.

Data layout (CONVENTIONS §1): examples are columns, e.g. X (n_x, m), W (1, n_x), b (1, 1),
y_hat = W @ X + b (1, m). Values are numpy arrays, float64 unless a dtype says otherwise;
numpy broadcasting rules apply to every elementwise op.
"""
from __future__ import annotations

import math
import os
import socket
import time

import numpy as np

import minitf_wire as _wire

float64 = np.float64
float32 = np.float32
int64 = np.int64


# ============================================================================ graphs (数据流图)

class Graph:
    """A dataflow graph: the nodes (``Tensor`` objects) in creation order.

    Attributes:
        _nodes: list of Tensor, in creation order.
        _by_name: dict name -> Tensor (names are unique within a graph).
        _counts: dict base name -> how many times it was asked for (for "Add", "Add_1", ...).
        _variables: list of Variable (for ``global_variables_initializer``).
        _summaries: list of the scalar-summary nodes (for ``summary.merge_all``).
    """

    def __init__(self):
        self._nodes = []
        self._by_name = {}
        self._counts = {}
        self._variables = []
        self._summaries = []

    def as_default(self):
        """Context manager: inside ``with g.as_default():`` new nodes go to ``g``."""
        return _DefaultGraph(self)

    def get_operations(self):
        """Every node of the graph, in creation order (a new list)."""
        return list(self._nodes)

    def unique_name(self, base):
        """The name a new node asking for ``base`` gets.

        The first "Add" is "Add", then "Add_1", "Add_2", ...; a name already taken (e.g. a node
        the user called "Add_1") is skipped. Records the name as taken.
        """
        # YOUR CODE HERE
        raise NotImplementedError("unique_name: not implemented yet (the reference needs ≈ 8 lines)")

    def _add(self, node):
        self._nodes.append(node)
        self._by_name[node.name] = node

    def as_graph_def(self):
        """The graph as plain data: ``[{"name": str, "op": str, "inputs": [str, ...]}, ...]``.

        One dict per node, in creation order. ``inputs`` lists the names of the node's inputs in
        order, then its control inputs written ``"^name"`` (e.g. a ``group``'s ops).
        """
        # YOUR CODE HERE
        raise NotImplementedError("as_graph_def: not implemented yet (the reference needs ≈ 3 lines)")


class _DefaultGraph:
    """What ``Graph.as_default()`` returns: pushes the graph on entry, pops it on exit."""

    def __init__(self, graph):
        self.graph = graph

    def __enter__(self):
        _graph_stack.append(self.graph)
        return self.graph

    def __exit__(self, *exc):
        _graph_stack.pop()
        return False


_graph_stack = []
_global_graph = [Graph()]


def get_default_graph():
    """The innermost ``as_default()`` graph, else the global default graph."""
    return _graph_stack[-1] if _graph_stack else _global_graph[0]


def reset_default_graph():
    """Replaces the global default graph by a new empty one."""
    _global_graph[0] = Graph()


# ============================================================================ tensors (张量)

class Tensor:
    """One node of the graph = one operation with one output.

    Attributes:
        name: unique name in its graph ("Add", "Add_1", "W", "W/Assign", ...).
        op_type: the operation, e.g. "Const", "VariableV2", "Placeholder", "Add", "MatMul".
        inputs: list of Tensor, the operands in order.
        control_inputs: list of Tensor that must run first but whose values are not used
            (the ops of a ``group``).
        graph: the Graph it belongs to.
        attrs: dict of the op's settings (a constant's value, ``transpose_a``, ``axis`` ...).
    """

    def __init__(self, op_type, inputs=(), attrs=None, name=None, graph=None, control_inputs=()):
        self.graph = graph if graph is not None else get_default_graph()
        self.op_type = op_type
        self.inputs = list(inputs)
        self.control_inputs = list(control_inputs)
        self.attrs = dict(attrs or {})
        self.name = self.graph.unique_name(name or op_type)
        self.graph._add(self)

    def __repr__(self):
        return f"<minitf.Tensor '{self.name}' op={self.op_type}>"

    # Python operators build nodes too (numpy semantics; a plain number becomes a constant).
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return subtract(self, other)

    def __rsub__(self, other):
        return subtract(other, self)

    def __mul__(self, other):
        return multiply(self, other)

    def __rmul__(self, other):
        return multiply(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return negative(self)

    def eval(self, feed_dict=None, session=None):
        """``session.run(self, feed_dict)``; ``session`` defaults to the default session (the one
        of the innermost ``with Session() as sess:``). Raises ValueError when there is none."""
        # YOUR CODE HERE
        raise NotImplementedError("eval: not implemented yet (the reference needs ≈ 6 lines)")

    run = eval  # for operations: ``init.run()``


def _graph_of(values):
    for v in values:
        if isinstance(v, Tensor):
            return v.graph
    return get_default_graph()


def _as_tensor(value, graph):
    if isinstance(value, Tensor):
        return value
    return _make_const(value, np.float64, None, graph)


def _op(op_type, inputs, attrs=None, name=None, control_inputs=()):
    """A new node whose non-Tensor inputs (numbers, arrays) become constants of its graph."""
    graph = _graph_of(list(inputs) + list(control_inputs))
    return Tensor(op_type, [_as_tensor(i, graph) for i in inputs], attrs, name, graph, control_inputs)


def _make_const(value, dtype, name, graph):
    """A "Const" node of ``graph`` named ``name`` (default "Const"), attrs {"value": a COPY of
    ``value`` as an np.ndarray of ``dtype``, "dtype": np.dtype(dtype)}; used by ``constant``,
    ``Variable`` (its initial value) and ``_as_tensor`` (numbers used as operands)."""
    # YOUR CODE HERE
    raise NotImplementedError("_make_const: not implemented yet (the reference needs ≈ 1 line)")


def constant(value, dtype=np.float64, name=None):
    """A constant node («使用tf.constant()创建的张量都是常量，一旦创建后其中的值就不能改变了»).

    Args:
        value: number, nested list or array of any shape; it is COPIED now (converted to
            ``dtype``), so changing the source array later has no effect.
        dtype: numpy dtype of the value.
        name: optional name (default "Const").

    Returns:
        Tensor with op_type "Const" and no inputs; it has no ``assign``.
    """
    return _make_const(value, dtype, name, get_default_graph())


class Variable(Tensor):
    """A variable («tf.Variable创建变量»): a node (op_type "VariableV2") whose value lives in a Session.

    Creating one also creates its initial value (a "Const" node named ``<name>/initial_value``
    unless ``initial_value`` already is a Tensor) and its initializer, an "Assign" node named
    ``<name>/Assign`` with inputs [variable, initial value]. The variable is recorded in the
    graph for ``global_variables_initializer``. Its value is NOT stored in this object: each
    Session keeps its own (two sessions on one graph hold independent values).

    Attributes (besides Tensor's): initial_value (Tensor), initializer (Tensor), dtype, trainable.
    """

    def __init__(self, initial_value, dtype=np.float64, name=None, trainable=True):
        # YOUR CODE HERE
        raise NotImplementedError("__init__: not implemented yet (the reference needs ≈ 10 lines)")

    def assign(self, value, name=None):
        """An "Assign" node, inputs [self, value]: sets the variable; its run value is the new value."""
        # YOUR CODE HERE
        raise NotImplementedError("assign: not implemented yet (the reference needs ≈ 1 line)")

    def assign_sub(self, delta, name=None):
        """An "AssignSub" node, inputs [self, delta]: variable := (its value at the start of the run) - delta."""
        # YOUR CODE HERE
        raise NotImplementedError("assign_sub: not implemented yet (the reference needs ≈ 1 line)")


def placeholder(dtype=np.float64, shape=None, name=None):
    """A placeholder («从外部传入数据…占位符»): op_type "Placeholder", fed through ``feed_dict``.

    Args:
        shape: None (any shape), or a tuple whose None entries are wildcards, e.g. (3, None)
            accepts (3, 1) and (3, 200) but not (2, 5) or (3,).
    """
    # YOUR CODE HERE
    raise NotImplementedError("placeholder: not implemented yet (the reference needs ≈ 2 lines)")


# ---------------------------------------------------------------------------- operations
# Each returns a new node; numbers and arrays given as operands become constants.

def add(a, b, name=None):
    """a + b, op_type "Add" (broadcasting)."""
    # YOUR CODE HERE
    raise NotImplementedError("add: not implemented yet (the reference needs ≈ 1 line)")


def subtract(a, b, name=None):
    """a - b, op_type "Sub"."""
    # YOUR CODE HERE
    raise NotImplementedError("subtract: not implemented yet (the reference needs ≈ 1 line)")


def multiply(a, b, name=None):
    """a * b elementwise, op_type "Mul"."""
    # YOUR CODE HERE
    raise NotImplementedError("multiply: not implemented yet (the reference needs ≈ 1 line)")


def negative(x, name=None):
    """-x, op_type "Neg"."""
    # YOUR CODE HERE
    raise NotImplementedError("negative: not implemented yet (the reference needs ≈ 1 line)")


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    """op(a) @ op(b), op_type "MatMul", where op transposes when its flag is set.

    Shapes: a (n, k) (or (k, n) with transpose_a), b (k, p) (or (p, k) with transpose_b) -> (n, p).
    attrs: {"transpose_a": bool, "transpose_b": bool}.
    """
    # YOUR CODE HERE
    raise NotImplementedError("matmul: not implemented yet (the reference needs ≈ 1 line)")


def square(x, name=None):
    """x ** 2 elementwise, op_type "Square"."""
    # YOUR CODE HERE
    raise NotImplementedError("square: not implemented yet (the reference needs ≈ 1 line)")


def sigmoid(x, name=None):
    """1 / (1 + exp(-x)) elementwise, op_type "Sigmoid"."""
    # YOUR CODE HERE
    raise NotImplementedError("sigmoid: not implemented yet (the reference needs ≈ 1 line)")


def _axis_attr(axis):
    if axis is None:
        return None
    return tuple(int(a) for a in axis) if isinstance(axis, (tuple, list)) else int(axis)


def reduce_mean(x, axis=None, keepdims=False, name=None):
    """np.mean(x, axis, keepdims=keepdims), op_type "Mean"; attrs {"axis", "keepdims"}.

    axis None: over everything (a 0-d result unless keepdims); an int or a tuple of ints.
    «loss = tf.reduce_mean(tf.square(y_hat - y))» is the mean squared error (均方误差).
    """
    # YOUR CODE HERE
    raise NotImplementedError("reduce_mean: not implemented yet (the reference needs ≈ 1 line)")


def reduce_sum(x, axis=None, keepdims=False, name=None):
    """np.sum(x, axis, keepdims=keepdims), op_type "Sum"; attrs {"axis", "keepdims"}."""
    # YOUR CODE HERE
    raise NotImplementedError("reduce_sum: not implemented yet (the reference needs ≈ 1 line)")


def group(*ops, name=None):
    """A "NoOp" node with the given ops as control inputs: running it runs them; its value is None."""
    # YOUR CODE HERE
    raise NotImplementedError("group: not implemented yet (the reference needs ≈ 1 line)")


def global_variables_initializer():
    """``group`` (named "init") of the initializers of every variable in the default graph now."""
    # YOUR CODE HERE
    raise NotImplementedError("global_variables_initializer: not implemented yet (the reference needs ≈ 1 line)")


def ones_like(x, name=None):
    """Ones of x's runtime shape, op_type "OnesLike" (the seed gradient of ``gradients``)."""
    return _op("OnesLike", [x], name=name)


def _sum_to_shape_of(g, x, name=None):
    """g summed down to x's runtime shape (undoes broadcasting), op_type "SumToShapeOf"."""
    return _op("SumToShapeOf", [g, x], name=name)


def _broadcast_like(g, x, axis, keepdims, mean=False, name=None):
    """g (the gradient of a reduction of x) spread back to x's runtime shape, op_type
    "BroadcastLike"; divided by the number of reduced elements when ``mean``."""
    return _op("BroadcastLike", [g, x], {"axis": axis, "keepdims": keepdims, "mean": mean}, name)


# ============================================================================ kernels (run time)
# A kernel computes one node's value from its inputs' values (numpy arrays). Session.run calls
# ``_compute(node, args)`` for every op that is not a Placeholder, Variable or Assign.

def _transpose(x):
    return np.swapaxes(x, -1, -2) if np.ndim(x) >= 2 else x


def _reduced_axes(ndim, axis):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes)


def _sum_to_shape(g, shape):
    """Sums g (shape broadcast from ``shape``) back to ``shape``."""
    # YOUR CODE HERE
    raise NotImplementedError("_sum_to_shape: not implemented yet (the reference needs ≈ 7 lines)")


def _broadcast_to_input(g, shape, axis, keepdims, mean):
    """Spreads the gradient g of ``reduce_*(x, axis, keepdims)`` to x's ``shape``."""
    # YOUR CODE HERE
    raise NotImplementedError("_broadcast_to_input: not implemented yet (the reference needs ≈ 7 lines)")


def _compute(node, args):
    """The value of ``node`` from the values ``args`` of its inputs (in order).

    op_type -> value (``node.attrs`` in brackets):
        "Const" -> a copy of attrs["value"];  "Add", "Sub", "Mul", "Neg" -> numpy's;
        "MatMul" [transpose_a, transpose_b] -> op(a) @ op(b);  "Square" -> x ** 2;
        "Sigmoid" -> 1 / (1 + exp(-x)) (no overflow warning for large |x|);
        "Mean", "Sum" [axis, keepdims] -> np.mean / np.sum as an array (0-d for a full reduction);
        "OnesLike" -> float ones of x's shape;  "SumToShapeOf" -> ``_sum_to_shape(g, x.shape)``;
        "BroadcastLike" [axis, keepdims, mean] -> ``_broadcast_to_input(g, x.shape, ...)``;
        "NoOp" -> None;  "ScalarSummary" [tag] -> ``_scalar_summary_bytes(tag, x)``;
        "MergeSummary" -> the inputs' bytes concatenated.
    """
    op, at = node.op_type, node.attrs
    # YOUR CODE HERE
    raise NotImplementedError("_compute: not implemented yet (the reference needs ≈ 34 lines)")
    raise NotImplementedError(f"no kernel for op type {op!r}")


# ============================================================================ sessions (会话)

class errors:
    """``tf.errors``: the exceptions Session.run raises."""

    class OpError(Exception):
        pass

    class FailedPreconditionError(OpError):
        """A variable was read before it was initialized."""

    class InvalidArgumentError(OpError):
        """A placeholder that the fetches need was not fed."""


_session_stack = []


def get_default_session():
    """The session of the innermost ``with Session() as sess:`` block, or None."""
    return _session_stack[-1] if _session_stack else None


class Session:
    """Runs (parts of) a graph. Holds the values of the graph's variables.

    ``with Session() as sess:`` makes it the default session (for ``eval``/``run`` without a
    session) and closes it at the end of the block.

    Attributes:
        graph: the Graph it runs (the default graph when the session was created).
        last_run_nodes: names of the nodes the last ``run`` computed, in execution order
            (each at most once; fed nodes are not computed, so they are not listed); [] before
            the first run.
    """

    def __init__(self, graph=None):
        self.graph = graph if graph is not None else get_default_graph()
        self.last_run_nodes = []
        self._values = {}     # Variable -> np.ndarray, this session's variable state
        self._closed = False

    def __enter__(self):
        _session_stack.append(self)
        return self

    def __exit__(self, *exc):
        if _session_stack and _session_stack[-1] is self:
            _session_stack.pop()
        self.close()
        return False

    def close(self):
        """After close(), ``run`` raises RuntimeError."""
        self._closed = True

    def run(self, fetches, feed_dict=None):
        """Computes ``fetches`` and returns their values in the same structure.

        Args:
            fetches: a Tensor, or a list/tuple/dict (nested) of Tensors.
            feed_dict: {Tensor: value}. Any tensor may be fed (placeholders, intermediate nodes,
                variables); a fed tensor takes the fed value for this run, converted to its dtype
                (float64 unless it declares one), and its inputs are not computed.

        Returns:
            The fetches' values: np.ndarray for numeric nodes (a copy: changing it changes
            nothing in the session), bytes for summaries, None for ops such as ``group``;
            lists stay lists, tuples tuples, dicts dicts (same keys).

        Semantics:
            * only the fetches' ancestors are computed, each node at most once per run;
              ``self.last_run_nodes`` records them in execution order;
            * snapshot: every variable read in this run sees the variable's value at the start
              of the run; assignments ("Assign", "AssignSub") are applied at the end, in order;
              "Assign"/"AssignSub" do not read their variable input as an operand;
            * errors: a closed session -> RuntimeError; a variable read before initialization ->
              errors.FailedPreconditionError (message names the variable); a needed placeholder
              not fed -> errors.InvalidArgumentError (message names the placeholder); a fed value
              whose shape contradicts the placeholder's shape -> ValueError.
        """
        # YOUR CODE HERE
        raise NotImplementedError("run: not implemented yet (the reference needs ≈ 17 lines)")

    def _check_feeds(self, feed_dict):
        """{Tensor: np.ndarray} from ``feed_dict`` (values converted, placeholder shapes checked)."""
        feeds = {}
        # YOUR CODE HERE
        raise NotImplementedError("_check_feeds: not implemented yet (the reference needs ≈ 11 lines)")
        return feeds

    def _evaluate(self, node, cache, state, pending, log):
        """The value of ``node`` in this run (a suggested helper of ``run``; any design that keeps
        run's contract is fine).

        Args:
            node: the Tensor to compute.
            cache: {Tensor: value} of this run: the feeds, then every value computed so far
                (a node found here is neither computed again nor are its inputs).
            state: {Variable: np.ndarray}, this session's variable values at the START of the run.
            pending: list of (Variable, new value), the assignments to apply at the end.
            log: names of the nodes computed so far (becomes ``last_run_nodes``).

        Computes the inputs first (an "Assign"/"AssignSub" does not compute its variable input,
        inputs[0], only the value input), then the control inputs, then the node itself:
        Placeholder -> InvalidArgumentError (it was not fed); VariableV2 -> its value in ``state``
        (FailedPreconditionError if absent); Assign/AssignSub -> the new value, recorded in
        ``pending``; anything else -> ``_compute``.
        """
        # YOUR CODE HERE
        raise NotImplementedError("_evaluate: not implemented yet (the reference needs ≈ 27 lines)")


def _flatten(fetches, flat):
    """Appends the Tensors of a fetch structure to ``flat`` (depth first, in order); returns a
    description of the structure that ``_rebuild`` turns back into the same structure of values.
    Raises TypeError for anything that is not a Tensor, list, tuple or dict."""
    # YOUR CODE HERE
    raise NotImplementedError("_flatten: not implemented yet (the reference needs ≈ 8 lines)")


def _rebuild(structure, values):
    """The fetch structure described by ``structure`` (from ``_flatten``) with each Tensor
    replaced by its value; ``values[i]`` is the value of ``flat[i]``."""
    # YOUR CODE HERE
    raise NotImplementedError("_rebuild: not implemented yet (the reference needs ≈ 6 lines)")


def _copy_out(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return np.array(value)  # a copy; numpy scalars become 0-d arrays
    return value


# ============================================================================ gradients (反向传播)
# A gradient function gets the op node and the gradient g of the loss with respect to the op's
# output (a Tensor of the output's shape) and returns one gradient Tensor (or None) per input.

def _add_grad(op, g):
    a, b = op.inputs
    # YOUR CODE HERE
    raise NotImplementedError("_add_grad: not implemented yet (the reference needs ≈ 1 line)")


def _sub_grad(op, g):
    a, b = op.inputs
    # YOUR CODE HERE
    raise NotImplementedError("_sub_grad: not implemented yet (the reference needs ≈ 1 line)")


def _mul_grad(op, g):
    a, b = op.inputs
    # YOUR CODE HERE
    raise NotImplementedError("_mul_grad: not implemented yet (the reference needs ≈ 1 line)")


def _neg_grad(op, g):
    # YOUR CODE HERE
    raise NotImplementedError("_neg_grad: not implemented yet (the reference needs ≈ 1 line)")


def _matmul_grad(op, g):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    # YOUR CODE HERE
    raise NotImplementedError("_matmul_grad: not implemented yet (the reference needs ≈ 7 lines)")


def _square_grad(op, g):
    x = op.inputs[0]
    # YOUR CODE HERE
    raise NotImplementedError("_square_grad: not implemented yet (the reference needs ≈ 1 line)")


def _sigmoid_grad(op, g):
    # YOUR CODE HERE
    raise NotImplementedError("_sigmoid_grad: not implemented yet (the reference needs ≈ 1 line)")


def _mean_grad(op, g):
    # YOUR CODE HERE
    raise NotImplementedError("_mean_grad: not implemented yet (the reference needs ≈ 1 line)")


def _sum_grad(op, g):
    # YOUR CODE HERE
    raise NotImplementedError("_sum_grad: not implemented yet (the reference needs ≈ 1 line)")


_GRADIENTS = {"Add": _add_grad, "Sub": _sub_grad, "Mul": _mul_grad, "Neg": _neg_grad, "MatMul": _matmul_grad,
              "Square": _square_grad, "Sigmoid": _sigmoid_grad, "Mean": _mean_grad, "Sum": _sum_grad}


def _topological_order(ys):
    """The ancestors of ``ys`` (ys included), every node after its inputs."""
    order, seen = [], set()

    def visit(n):
        if n in seen:
            return
        seen.add(n)
        for i in n.inputs:
            visit(i)
        order.append(n)

    for y in ys:
        visit(y)
    return order


def _accumulate(grads):
    """The total gradient of a node used by several consumers (one Tensor per path)."""
    # YOUR CODE HERE
    raise NotImplementedError("_accumulate: not implemented yet (the reference needs ≈ 4 lines)")


def gradients(ys, xs):
    """Reverse-mode differentiation that BUILDS NODES (it computes nothing).

    Args:
        ys: a Tensor or a list of Tensors; their sum is differentiated (the seed gradient of
            each is ``ones_like(y)``).
        xs: a Tensor or a list of Tensors.

    Returns:
        list with one entry per x: a Tensor of x's shape holding d(sum of ys)/dx, or None when
        no y depends on x. Paths add up: for y = x*x + x the result is 2x + 1. Evaluate the
        result with a Session (with the feeds the forward pass needs).
    """
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    # YOUR CODE HERE
    raise NotImplementedError("gradients: not implemented yet (the reference needs ≈ 24 lines)")


# ============================================================================ training (训练)

class train:
    """``tf.train``."""

    class GradientDescentOptimizer:
        """Plain gradient descent: var := var - learning_rate * d(loss)/d(var)."""

        def __init__(self, learning_rate):
            self.learning_rate = float(learning_rate)

        def compute_gradients(self, loss, var_list=None):
            """[(gradient Tensor or None, variable), ...]; var_list defaults to every trainable
            Variable of loss's graph, in creation order."""
            # YOUR CODE HERE
            raise NotImplementedError("compute_gradients: not implemented yet (the reference needs ≈ 3 lines)")

        def apply_gradients(self, grads_and_vars, name=None):
            """A ``group`` of one ``assign_sub(learning_rate * g)`` per pair whose g is not None.
            With snapshot semantics every variable moves at once (simultaneous update)."""
            # YOUR CODE HERE
            raise NotImplementedError("apply_gradients: not implemented yet (the reference needs ≈ 2 lines)")

        def minimize(self, loss, var_list=None):
            """``apply_gradients(compute_gradients(loss, var_list))``."""
            # YOUR CODE HERE
            raise NotImplementedError("minimize: not implemented yet (the reference needs ≈ 1 line)")


# ============================================================================ TensorBoard (可视化)

def _scalar_summary_bytes(tag, value):
    """Serialized ``Summary{value: Value{tag = 1 (string), simple_value = 2 (float32)}}``.

    ``value`` must hold exactly one number (ValueError otherwise)."""
    arr = np.asarray(value)
    # YOUR CODE HERE
    raise NotImplementedError("_scalar_summary_bytes: not implemented yet (the reference needs ≈ 3 lines)")


def _record(data):
    """One TFRecord: u64 little-endian length, u32 LE masked CRC32C of those 8 bytes, the data,
    u32 LE masked CRC32C of the data (``minitf_wire.masked_crc32c``)."""
    # YOUR CODE HERE
    raise NotImplementedError("_record: not implemented yet (the reference needs ≈ 3 lines)")


def _graph_def_bytes(graph):
    """Serialized ``GraphDef{node = 1: NodeDef{name = 1, op = 2, input = 3 (repeated)}}``,
    one NodeDef per entry of ``graph.as_graph_def()``."""
    # YOUR CODE HERE
    raise NotImplementedError("_graph_def_bytes: not implemented yet (the reference needs ≈ 7 lines)")


class summary:
    """``tf.summary``: scalar summaries and the FileWriter that TensorBoard reads."""

    @staticmethod
    def scalar(name, tensor):
        """A node (op_type "ScalarSummary", input ``tensor``, attrs {"tag": name}) whose value is
        the serialized Summary of ``tensor``'s single number; recorded for ``merge_all``."""
        # YOUR CODE HERE
        raise NotImplementedError("scalar: not implemented yet (the reference needs ≈ 3 lines)")

    @staticmethod
    def merge_all():
        """A node (op_type "MergeSummary") whose inputs are every scalar summary of the default
        graph and whose value is their bytes concatenated (protobuf merges the repeated
        ``value`` fields into one Summary). None when the graph has no summary."""
        # YOUR CODE HERE
        raise NotImplementedError("merge_all: not implemented yet (the reference needs ≈ 4 lines)")

    class FileWriter:
        """Writes an event file ``<logdir>/events.out.tfevents.<int(time.time())>.<hostname>``.

        Every record is one serialized ``Event``: wall_time = 1 (double, seconds), step = 2
        (int64 varint), file_version = 3 (string), graph_def = 4 (bytes: a GraphDef),
        summary = 5 (a Summary). The first record is Event{wall_time, file_version="brain.Event:2"};
        if ``graph`` is given, an Event{wall_time, graph_def} follows. Usable as a context manager.
        """

        def __init__(self, logdir, graph=None):
            # YOUR CODE HERE
            raise NotImplementedError("__init__: not implemented yet (the reference needs ≈ 6 lines)")

        def _write(self, event):
            # YOUR CODE HERE
            raise NotImplementedError("_write: not implemented yet (the reference needs ≈ 1 line)")

        def add_graph(self, graph):
            """Writes Event{wall_time, graph_def = serialized GraphDef of ``graph``}."""
            # YOUR CODE HERE
            raise NotImplementedError("add_graph: not implemented yet (the reference needs ≈ 1 line)")

        def add_summary(self, summary, global_step=None):
            """Writes Event{wall_time, step = global_step (if given), summary = the bytes a
            summary node produced}."""
            # YOUR CODE HERE
            raise NotImplementedError("add_summary: not implemented yet (the reference needs ≈ 4 lines)")

        def flush(self):
            self._fh.flush()

        def close(self):
            if not self._fh.closed:
                self._fh.close()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.close()
            return False

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
        ### BEGIN SOLUTION
        i = self._counts.get(base, 0)
        name = base if i == 0 else f"{base}_{i}"
        while name in self._by_name:
            i += 1
            name = f"{base}_{i}"
        self._counts[base] = i + 1
        self._by_name[name] = None  # reserved until _add stores the node
        return name
        ### END SOLUTION

    def _add(self, node):
        self._nodes.append(node)
        self._by_name[node.name] = node

    def as_graph_def(self):
        """The graph as plain data: ``[{"name": str, "op": str, "inputs": [str, ...]}, ...]``.

        One dict per node, in creation order. ``inputs`` lists the names of the node's inputs in
        order, then its control inputs written ``"^name"`` (e.g. a ``group``'s ops).
        """
        ### BEGIN SOLUTION
        return [{"name": n.name, "op": n.op_type,
                 "inputs": [i.name for i in n.inputs] + ["^" + c.name for c in n.control_inputs]}
                for n in self._nodes]
        ### END SOLUTION


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
        ### BEGIN SOLUTION
        if session is None:
            session = get_default_session()
        if session is None:
            raise ValueError("Cannot evaluate a tensor with eval()/run(): no default session is registered. "
                             "Use `with tf.Session():` or pass session=sess")
        return session.run(self, feed_dict)
        ### END SOLUTION

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
    ### BEGIN SOLUTION
    return Tensor("Const", [], {"value": np.array(value, dtype=dtype), "dtype": np.dtype(dtype)}, name or "Const", graph)
    ### END SOLUTION


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
        ### BEGIN SOLUTION
        graph = get_default_graph()
        super().__init__("VariableV2", [], {"dtype": np.dtype(dtype)}, name or "Variable", graph)
        self.dtype = np.dtype(dtype)
        self.trainable = bool(trainable)
        if isinstance(initial_value, Tensor):
            self.initial_value = initial_value
        else:
            self.initial_value = _make_const(initial_value, dtype, self.name + "/initial_value", graph)
        self.initializer = Tensor("Assign", [self, self.initial_value], name=self.name + "/Assign", graph=graph)
        graph._variables.append(self)
        ### END SOLUTION

    def assign(self, value, name=None):
        """An "Assign" node, inputs [self, value]: sets the variable; its run value is the new value."""
        ### BEGIN SOLUTION
        return _op("Assign", [self, value], name=name)
        ### END SOLUTION

    def assign_sub(self, delta, name=None):
        """An "AssignSub" node, inputs [self, delta]: variable := (its value at the start of the run) - delta."""
        ### BEGIN SOLUTION
        return _op("AssignSub", [self, delta], name=name)
        ### END SOLUTION


def placeholder(dtype=np.float64, shape=None, name=None):
    """A placeholder («从外部传入数据…占位符»): op_type "Placeholder", fed through ``feed_dict``.

    Args:
        shape: None (any shape), or a tuple whose None entries are wildcards, e.g. (3, None)
            accepts (3, 1) and (3, 200) but not (2, 5) or (3,).
    """
    ### BEGIN SOLUTION
    return Tensor("Placeholder", [], {"dtype": np.dtype(dtype), "shape": None if shape is None else tuple(shape)},
                  name or "Placeholder")
    ### END SOLUTION


# ---------------------------------------------------------------------------- operations
# Each returns a new node; numbers and arrays given as operands become constants.

def add(a, b, name=None):
    """a + b, op_type "Add" (broadcasting)."""
    ### BEGIN SOLUTION
    return _op("Add", [a, b], name=name)
    ### END SOLUTION


def subtract(a, b, name=None):
    """a - b, op_type "Sub"."""
    ### BEGIN SOLUTION
    return _op("Sub", [a, b], name=name)
    ### END SOLUTION


def multiply(a, b, name=None):
    """a * b elementwise, op_type "Mul"."""
    ### BEGIN SOLUTION
    return _op("Mul", [a, b], name=name)
    ### END SOLUTION


def negative(x, name=None):
    """-x, op_type "Neg"."""
    ### BEGIN SOLUTION
    return _op("Neg", [x], name=name)
    ### END SOLUTION


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    """op(a) @ op(b), op_type "MatMul", where op transposes when its flag is set.

    Shapes: a (n, k) (or (k, n) with transpose_a), b (k, p) (or (p, k) with transpose_b) -> (n, p).
    attrs: {"transpose_a": bool, "transpose_b": bool}.
    """
    ### BEGIN SOLUTION
    return _op("MatMul", [a, b], {"transpose_a": bool(transpose_a), "transpose_b": bool(transpose_b)}, name)
    ### END SOLUTION


def square(x, name=None):
    """x ** 2 elementwise, op_type "Square"."""
    ### BEGIN SOLUTION
    return _op("Square", [x], name=name)
    ### END SOLUTION


def sigmoid(x, name=None):
    """1 / (1 + exp(-x)) elementwise, op_type "Sigmoid"."""
    ### BEGIN SOLUTION
    return _op("Sigmoid", [x], name=name)
    ### END SOLUTION


def _axis_attr(axis):
    if axis is None:
        return None
    return tuple(int(a) for a in axis) if isinstance(axis, (tuple, list)) else int(axis)


def reduce_mean(x, axis=None, keepdims=False, name=None):
    """np.mean(x, axis, keepdims=keepdims), op_type "Mean"; attrs {"axis", "keepdims"}.

    axis None: over everything (a 0-d result unless keepdims); an int or a tuple of ints.
    «loss = tf.reduce_mean(tf.square(y_hat - y))» is the mean squared error (均方误差).
    """
    ### BEGIN SOLUTION
    return _op("Mean", [x], {"axis": _axis_attr(axis), "keepdims": bool(keepdims)}, name)
    ### END SOLUTION


def reduce_sum(x, axis=None, keepdims=False, name=None):
    """np.sum(x, axis, keepdims=keepdims), op_type "Sum"; attrs {"axis", "keepdims"}."""
    ### BEGIN SOLUTION
    return _op("Sum", [x], {"axis": _axis_attr(axis), "keepdims": bool(keepdims)}, name)
    ### END SOLUTION


def group(*ops, name=None):
    """A "NoOp" node with the given ops as control inputs: running it runs them; its value is None."""
    ### BEGIN SOLUTION
    return _op("NoOp", [], name=name, control_inputs=ops)
    ### END SOLUTION


def global_variables_initializer():
    """``group`` (named "init") of the initializers of every variable in the default graph now."""
    ### BEGIN SOLUTION
    return group(*[v.initializer for v in get_default_graph()._variables], name="init")
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for ax, n in enumerate(shape):
        if n == 1 and g.shape[ax] != 1:
            g = g.sum(axis=ax, keepdims=True)
    return g.reshape(shape)
    ### END SOLUTION


def _broadcast_to_input(g, shape, axis, keepdims, mean):
    """Spreads the gradient g of ``reduce_*(x, axis, keepdims)`` to x's ``shape``."""
    ### BEGIN SOLUTION
    axes = _reduced_axes(len(shape), axis)
    if not keepdims:
        g = np.reshape(g, [1 if i in axes else s for i, s in enumerate(shape)])
    out = np.broadcast_to(g, shape).copy()
    if mean:
        out = out / math.prod(shape[a] for a in axes)
    return out
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    if op == "Const":
        return at["value"].copy()
    if op == "Add":
        return np.add(args[0], args[1])
    if op == "Sub":
        return np.subtract(args[0], args[1])
    if op == "Mul":
        return np.multiply(args[0], args[1])
    if op == "Neg":
        return np.negative(args[0])
    if op == "MatMul":
        a = _transpose(args[0]) if at["transpose_a"] else args[0]
        b = _transpose(args[1]) if at["transpose_b"] else args[1]
        return np.matmul(a, b)
    if op == "Square":
        return np.square(args[0])
    if op == "Sigmoid":
        return np.exp(-np.logaddexp(0.0, -np.asarray(args[0])))
    if op == "Mean":
        return np.asarray(np.mean(args[0], axis=at["axis"], keepdims=at["keepdims"]))
    if op == "Sum":
        return np.asarray(np.sum(args[0], axis=at["axis"], keepdims=at["keepdims"]))
    if op == "OnesLike":
        return np.ones_like(args[0], dtype=np.result_type(args[0], np.float64))
    if op == "SumToShapeOf":
        return _sum_to_shape(args[0], np.shape(args[1]))
    if op == "BroadcastLike":
        return _broadcast_to_input(args[0], np.shape(args[1]), at["axis"], at["keepdims"], at["mean"])
    if op == "NoOp":
        return None
    if op == "ScalarSummary":
        return _scalar_summary_bytes(at["tag"], args[0])
    if op == "MergeSummary":
        return b"".join(args)
    ### END SOLUTION
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
        ### BEGIN SOLUTION
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        flat = []
        structure = _flatten(fetches, flat)
        for t in flat:
            if t.graph is not self.graph:
                raise ValueError(f"Tensor {t.name} is not an element of this session's graph")
        cache = self._check_feeds(feed_dict)   # fed nodes are never computed
        state = dict(self._values)             # the snapshot every read of this run sees
        pending = []                           # (variable, new value), applied at the end
        log = []
        for t in flat:
            self._evaluate(t, cache, state, pending, log)
        for var, value in pending:
            self._values[var] = value
        self.last_run_nodes = log
        return _rebuild(structure, [_copy_out(cache[t]) for t in flat])
        ### END SOLUTION

    def _check_feeds(self, feed_dict):
        """{Tensor: np.ndarray} from ``feed_dict`` (values converted, placeholder shapes checked)."""
        feeds = {}
        ### BEGIN SOLUTION
        for key, value in (feed_dict or {}).items():
            if not isinstance(key, Tensor):
                raise TypeError(f"feed_dict keys must be Tensors, got {type(key).__name__}")
            dtype = key.attrs.get("dtype", np.float64)
            arr = np.array(value, dtype=dtype)
            shape = key.attrs.get("shape") if key.op_type == "Placeholder" else None
            if shape is not None and (arr.ndim != len(shape) or
                                      any(s is not None and s != d for s, d in zip(shape, arr.shape))):
                raise ValueError(f"Cannot feed value of shape {arr.shape} for Tensor '{key.name}', "
                                 f"which has shape {shape}")
            feeds[key] = arr
        ### END SOLUTION
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
        ### BEGIN SOLUTION
        if node in cache:
            return cache[node]
        operands = node.inputs[1:] if node.op_type in ("Assign", "AssignSub") else node.inputs
        args = [self._evaluate(i, cache, state, pending, log) for i in operands]
        for c in node.control_inputs:
            self._evaluate(c, cache, state, pending, log)
        op = node.op_type
        if op == "Placeholder":
            raise errors.InvalidArgumentError(f"You must feed a value for placeholder tensor '{node.name}'")
        if op == "VariableV2":
            if node not in state:
                raise errors.FailedPreconditionError(f"Attempting to use uninitialized value {node.name}")
            value = state[node]
        elif op in ("Assign", "AssignSub"):
            var = node.inputs[0]
            if op == "Assign":
                value = np.array(args[0], dtype=var.attrs["dtype"])
            elif var not in state:
                raise errors.FailedPreconditionError(f"Attempting to use uninitialized value {var.name}")
            else:
                value = np.asarray(state[var] - args[0], dtype=var.attrs["dtype"])
            pending.append((var, value))
        else:
            value = _compute(node, args)
        cache[node] = value
        log.append(node.name)
        return value
        ### END SOLUTION


def _flatten(fetches, flat):
    """Appends the Tensors of a fetch structure to ``flat`` (depth first, in order); returns a
    description of the structure that ``_rebuild`` turns back into the same structure of values.
    Raises TypeError for anything that is not a Tensor, list, tuple or dict."""
    ### BEGIN SOLUTION
    if isinstance(fetches, Tensor):
        flat.append(fetches)
        return len(flat) - 1
    if isinstance(fetches, (list, tuple)):
        return (type(fetches), [_flatten(f, flat) for f in fetches])
    if isinstance(fetches, dict):
        return (dict, {k: _flatten(v, flat) for k, v in fetches.items()})
    raise TypeError(f"cannot fetch a {type(fetches).__name__}: fetches are Tensors or lists/tuples/dicts of them")
    ### END SOLUTION


def _rebuild(structure, values):
    """The fetch structure described by ``structure`` (from ``_flatten``) with each Tensor
    replaced by its value; ``values[i]`` is the value of ``flat[i]``."""
    ### BEGIN SOLUTION
    if isinstance(structure, int):
        return values[structure]
    kind, inner = structure
    if kind is dict:
        return {k: _rebuild(v, values) for k, v in inner.items()}
    return kind(_rebuild(s, values) for s in inner)
    ### END SOLUTION


def _copy_out(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return np.array(value)  # a copy; numpy scalars become 0-d arrays
    return value


# ============================================================================ gradients (反向传播)
# A gradient function gets the op node and the gradient g of the loss with respect to the op's
# output (a Tensor of the output's shape) and returns one gradient Tensor (or None) per input.

def _add_grad(op, g):
    a, b = op.inputs
    ### BEGIN SOLUTION
    return [_sum_to_shape_of(g, a), _sum_to_shape_of(g, b)]
    ### END SOLUTION


def _sub_grad(op, g):
    a, b = op.inputs
    ### BEGIN SOLUTION
    return [_sum_to_shape_of(g, a), _sum_to_shape_of(negative(g), b)]
    ### END SOLUTION


def _mul_grad(op, g):
    a, b = op.inputs
    ### BEGIN SOLUTION
    return [_sum_to_shape_of(multiply(g, b), a), _sum_to_shape_of(multiply(g, a), b)]
    ### END SOLUTION


def _neg_grad(op, g):
    ### BEGIN SOLUTION
    return [negative(g)]
    ### END SOLUTION


def _matmul_grad(op, g):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    ### BEGIN SOLUTION
    if not ta and not tb:    # C = A B
        return [matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)]
    if ta and not tb:        # C = A^T B
        return [matmul(b, g, transpose_b=True), matmul(a, g)]
    if not ta and tb:        # C = A B^T
        return [matmul(g, b), matmul(g, a, transpose_a=True)]
    return [matmul(b, g, transpose_a=True, transpose_b=True), matmul(g, a, transpose_a=True, transpose_b=True)]
    ### END SOLUTION


def _square_grad(op, g):
    x = op.inputs[0]
    ### BEGIN SOLUTION
    return [multiply(g, multiply(2.0, x))]
    ### END SOLUTION


def _sigmoid_grad(op, g):
    ### BEGIN SOLUTION
    return [multiply(g, multiply(op, subtract(1.0, op)))]
    ### END SOLUTION


def _mean_grad(op, g):
    ### BEGIN SOLUTION
    return [_broadcast_like(g, op.inputs[0], op.attrs["axis"], op.attrs["keepdims"], mean=True)]
    ### END SOLUTION


def _sum_grad(op, g):
    ### BEGIN SOLUTION
    return [_broadcast_like(g, op.inputs[0], op.attrs["axis"], op.attrs["keepdims"])]
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    total = grads[0]
    for g in grads[1:]:
        total = add(total, g)
    return total
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    order = _topological_order(ys)
    needs = set(xs)                     # nodes that depend on some x: only they need gradients
    for n in order:
        if any(i in needs for i in n.inputs):
            needs.add(n)
    grads = {}                          # node -> gradient Tensors from its consumers
    for y in ys:
        if y in needs:
            grads.setdefault(y, []).append(ones_like(y))
    totals = {}
    for node in reversed(order):
        if node not in grads:
            continue
        g = _accumulate(grads[node])
        totals[node] = g
        if not any(i in needs for i in node.inputs):
            continue
        fn = _GRADIENTS.get(node.op_type)
        if fn is None:
            raise LookupError(f"No gradient defined for operation '{node.name}' (op type: {node.op_type})")
        for inp, gi in zip(node.inputs, fn(node, g)):
            if gi is not None and inp in needs:
                grads.setdefault(inp, []).append(gi)
    return [totals.get(x) for x in xs]
    ### END SOLUTION


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
            ### BEGIN SOLUTION
            if var_list is None:
                var_list = [v for v in loss.graph._variables if v.trainable]
            return list(zip(gradients(loss, var_list), var_list))
            ### END SOLUTION

        def apply_gradients(self, grads_and_vars, name=None):
            """A ``group`` of one ``assign_sub(learning_rate * g)`` per pair whose g is not None.
            With snapshot semantics every variable moves at once (simultaneous update)."""
            ### BEGIN SOLUTION
            ops = [v.assign_sub(multiply(self.learning_rate, g)) for g, v in grads_and_vars if g is not None]
            return group(*ops, name=name or "GradientDescent")
            ### END SOLUTION

        def minimize(self, loss, var_list=None):
            """``apply_gradients(compute_gradients(loss, var_list))``."""
            ### BEGIN SOLUTION
            return self.apply_gradients(self.compute_gradients(loss, var_list))
            ### END SOLUTION


# ============================================================================ TensorBoard (可视化)

def _scalar_summary_bytes(tag, value):
    """Serialized ``Summary{value: Value{tag = 1 (string), simple_value = 2 (float32)}}``.

    ``value`` must hold exactly one number (ValueError otherwise)."""
    arr = np.asarray(value)
    ### BEGIN SOLUTION
    if arr.size != 1:
        raise ValueError(f"summary.scalar '{tag}' needs a single number, got shape {arr.shape}")
    return _wire.f_bytes(1, _wire.f_bytes(1, tag) + _wire.f_float(2, float(arr.reshape(()))))
    ### END SOLUTION


def _record(data):
    """One TFRecord: u64 little-endian length, u32 LE masked CRC32C of those 8 bytes, the data,
    u32 LE masked CRC32C of the data (``minitf_wire.masked_crc32c``)."""
    ### BEGIN SOLUTION
    header = len(data).to_bytes(8, "little")
    return (header + _wire.masked_crc32c(header).to_bytes(4, "little")
            + data + _wire.masked_crc32c(data).to_bytes(4, "little"))
    ### END SOLUTION


def _graph_def_bytes(graph):
    """Serialized ``GraphDef{node = 1: NodeDef{name = 1, op = 2, input = 3 (repeated)}}``,
    one NodeDef per entry of ``graph.as_graph_def()``."""
    ### BEGIN SOLUTION
    out = b""
    for n in graph.as_graph_def():
        node = _wire.f_bytes(1, n["name"]) + _wire.f_bytes(2, n["op"])
        for i in n["inputs"]:
            node += _wire.f_bytes(3, i)
        out += _wire.f_bytes(1, node)
    return out
    ### END SOLUTION


class summary:
    """``tf.summary``: scalar summaries and the FileWriter that TensorBoard reads."""

    @staticmethod
    def scalar(name, tensor):
        """A node (op_type "ScalarSummary", input ``tensor``, attrs {"tag": name}) whose value is
        the serialized Summary of ``tensor``'s single number; recorded for ``merge_all``."""
        ### BEGIN SOLUTION
        node = _op("ScalarSummary", [tensor], {"tag": str(name)})
        node.graph._summaries.append(node)
        return node
        ### END SOLUTION

    @staticmethod
    def merge_all():
        """A node (op_type "MergeSummary") whose inputs are every scalar summary of the default
        graph and whose value is their bytes concatenated (protobuf merges the repeated
        ``value`` fields into one Summary). None when the graph has no summary."""
        ### BEGIN SOLUTION
        nodes = get_default_graph()._summaries
        if not nodes:
            return None
        return _op("MergeSummary", list(nodes))
        ### END SOLUTION

    class FileWriter:
        """Writes an event file ``<logdir>/events.out.tfevents.<int(time.time())>.<hostname>``.

        Every record is one serialized ``Event``: wall_time = 1 (double, seconds), step = 2
        (int64 varint), file_version = 3 (string), graph_def = 4 (bytes: a GraphDef),
        summary = 5 (a Summary). The first record is Event{wall_time, file_version="brain.Event:2"};
        if ``graph`` is given, an Event{wall_time, graph_def} follows. Usable as a context manager.
        """

        def __init__(self, logdir, graph=None):
            ### BEGIN SOLUTION
            os.makedirs(logdir, exist_ok=True)
            self.path = os.path.join(logdir, f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}")
            self._fh = open(self.path, "wb")
            self._write(_wire.f_double(1, time.time()) + _wire.f_bytes(3, "brain.Event:2"))
            if graph is not None:
                self.add_graph(graph)
            ### END SOLUTION

        def _write(self, event):
            ### BEGIN SOLUTION
            self._fh.write(_record(event))
            ### END SOLUTION

        def add_graph(self, graph):
            """Writes Event{wall_time, graph_def = serialized GraphDef of ``graph``}."""
            ### BEGIN SOLUTION
            self._write(_wire.f_double(1, time.time()) + _wire.f_bytes(4, _graph_def_bytes(graph)))
            ### END SOLUTION

        def add_summary(self, summary, global_step=None):
            """Writes Event{wall_time, step = global_step (if given), summary = the bytes a
            summary node produced}."""
            ### BEGIN SOLUTION
            event = _wire.f_double(1, time.time())
            if global_step is not None:
                event += _wire.f_varint(2, int(global_step))
            self._write(event + _wire.f_bytes(5, summary))
            ### END SOLUTION

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

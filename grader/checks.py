"""Comparisons that hidden tests use: strict about types and shapes, helpful when they fail.

``assert_close(got, expected, name=...)`` is the one check most tests need. It refuses values
that are right only by coincidence (a (1, 1) array for a float, an int mask for a float array,
a broadcastable shape) and explains a mismatch the way a TA would: where, how far, and which
classic mistake the numbers look like.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

from grader.errors import StudentError

__all__ = ["assert_close", "raises_student", "assert_shape", "describe_value", "GradingFailure", "same_value",
           "assert_unchanged", "is_float", "assert_float", "assert_float_list",
           "assert_did_work", "call_under_errstate", "call_strict", "STRICT"]


class GradingFailure(AssertionError):
    """A check failed; the message is written for the student."""


def describe_value(v) -> str:
    if isinstance(v, np.ndarray):
        return f"ndarray shape {v.shape} dtype {v.dtype}"
    mod = type(v).__module__
    if mod.startswith("torch") and hasattr(v, "device"):
        return f"tensor shape {tuple(v.shape)} dtype {v.dtype} on {v.device}"
    if type(v).__name__ == "Handle":
        return f"an object of type {v.type_name} (not a value)"
    if isinstance(v, (list, tuple)):
        return f"{type(v).__name__} of length {len(v)}"
    return type(v).__name__ if not isinstance(v, (int, float)) else f"{type(v).__name__} {v!r}"


def _fail(name, text):
    raise GradingFailure(f"{name}: {text}")


def assert_close(got, expected, name: str = "value", *, rtol: float = 1e-10, atol: float = 1e-12,
                 dtype: str = "exact", extra_keys: str = "ignore", hint: str | None = None) -> None:
    """Asserts that the student's ``got`` matches the reference's ``expected``.

    Args:
        got: what the student's code returned (already copied out of the sandbox).
        expected: what the reference computed in the grading process.
        name: how the value is named in the message, e.g. "grads['dW1']".
        rtol, atol: ``|got - expected| <= atol + rtol * |expected|`` elementwise.
        dtype: "exact" (same dtype), "kind" (same kind: float/int/bool), or "any".
        extra_keys: for dicts, "ignore" extra keys in ``got`` or "forbid" them.
        hint: an extra sentence appended to a failure message.
    """
    try:
        _compare(got, expected, name, rtol, atol, dtype, extra_keys)
    except GradingFailure as exc:
        if hint:
            raise GradingFailure(f"{exc}\nHint: {hint}") from None
        raise


def _compare(got, exp, name, rtol, atol, dtype, extra_keys):
    if isinstance(exp, np.ndarray):
        return _compare_arrays(got, exp, name, rtol, atol, dtype)
    if _is_tensor(exp):
        return _compare_tensors(got, exp, name, rtol, atol, dtype)
    if isinstance(exp, bool) or isinstance(exp, np.bool_):
        if type(got) not in (bool, np.bool_):
            _fail(name, f"expected a bool, got {describe_value(got)}")
        if bool(got) != bool(exp):
            _fail(name, f"expected {bool(exp)}, got {bool(got)}")
        return
    if isinstance(exp, (int, np.integer)) and not isinstance(exp, bool):
        if not isinstance(got, (int, np.integer)) or isinstance(got, (bool, np.bool_)):
            _fail(name, f"expected an int, got {describe_value(got)}")
        if int(got) != int(exp):
            _fail(name, f"expected {int(exp)}, got {int(got)}")
        return
    if isinstance(exp, (float, np.floating)):
        if not isinstance(got, (float, np.floating)) or isinstance(got, np.ndarray):
            extra = ""
            if isinstance(got, np.ndarray) and got.size == 1:
                extra = " (return a Python float, e.g. float(cost), not an array)"
            _fail(name, f"expected a float, got {describe_value(got)}{extra}")
        g, e = float(got), float(exp)
        if math.isnan(g) and not math.isnan(e):
            _fail(name, f"got NaN, expected {e!r}")
        if math.isinf(e) or math.isnan(e):
            if not (g == e or (math.isnan(g) and math.isnan(e))):
                _fail(name, f"expected {e!r}, got {g!r}")
            return
        if not abs(g - e) <= atol + rtol * abs(e):
            _fail(name, f"expected {e!r}, got {g!r} (abs error {abs(g - e):.3g}){_scalar_hint(g, e)}")
        return
    if exp is None:
        if got is not None:
            _fail(name, f"expected None, got {describe_value(got)}")
        return
    if isinstance(exp, str):
        if got != exp or not isinstance(got, str):
            _fail(name, f"expected {exp!r}, got {got!r}")
        return
    if isinstance(exp, (list, tuple)):
        if type(got) is not type(exp):
            _fail(name, f"expected a {type(exp).__name__} of length {len(exp)}, got {describe_value(got)}")
        if len(got) != len(exp):
            _fail(name, f"expected {len(exp)} items, got {len(got)}")
        for i, (g, e) in enumerate(zip(got, exp)):
            _compare(g, e, f"{name}[{i}]", rtol, atol, dtype, extra_keys)
        return
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            _fail(name, f"expected a dict with keys {sorted(map(str, exp))}, got {describe_value(got)}")
        missing = [k for k in exp if k not in got]
        if missing:
            _fail(name, f"missing key(s) {missing}; got keys {sorted(map(str, got))}")
        if extra_keys == "forbid":
            unexpected = [k for k in got if k not in exp]
            if unexpected:
                _fail(name, f"unexpected key(s) {unexpected}")
        for k in exp:
            _compare(got[k], exp[k], f"{name}[{k!r}]", rtol, atol, dtype, extra_keys)
        return
    raise TypeError(f"assert_close cannot compare expected values of type {type(exp).__name__}")


def _scalar_hint(g, e):
    h = _ratio_hint(np.array([g]), np.array([e]))
    return f"\nHint: {h}" if h else ""


def _check_dtype(got, exp, name, policy):
    if policy == "any":
        return
    if policy == "exact" and got.dtype != exp.dtype:
        extra = ""
        if exp.dtype == np.float32 and got.dtype == np.float64:
            extra = " (a float32 input must give a float32 result: avoid mixing in float64 constants/arrays)"
        elif exp.dtype.kind == "i" and got.dtype.kind == "f":
            extra = " (predictions/labels are integers: use .astype(np.int64))"
        elif exp.dtype.kind == "f" and got.dtype.kind == "b":
            extra = " (a boolean mask is not a float array: use .astype(...))"
        _fail(name, f"dtype is {got.dtype}, expected {exp.dtype}{extra}")
    if policy == "kind" and got.dtype.kind != exp.dtype.kind:
        _fail(name, f"dtype kind is {got.dtype} ({got.dtype.kind}), expected {exp.dtype} ({exp.dtype.kind})")


def _compare_arrays(got, exp, name, rtol, atol, dtype):
    if type(got) is not np.ndarray:
        extra = ""
        if isinstance(got, (float, int)) and exp.size == 1:
            extra = f" (return an array of shape {exp.shape}, not a scalar)"
        _fail(name, f"expected ndarray of shape {exp.shape} dtype {exp.dtype}, got {describe_value(got)}{extra}")
    if got.shape != exp.shape:
        _fail(name, f"shape is {got.shape}, expected {exp.shape}{_shape_hint(got.shape, exp.shape)}")
    _check_dtype(got, exp, name, dtype)
    if exp.dtype.kind == "b" or exp.dtype.kind in "iu":
        bad = got != exp
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            _fail(name, f"{int(bad.sum())} of {exp.size} elements differ; first at {idx}: got {got[idx]!r}, "
                        f"expected {exp[idx]!r}")
        return
    g = got.astype(np.complex128 if exp.dtype.kind == "c" else np.float64)
    e = exp.astype(np.complex128 if exp.dtype.kind == "c" else np.float64)
    exp_finite = np.isfinite(e)
    nan_bad = np.isnan(g) & ~np.isnan(e)
    if nan_bad.any():
        idx = tuple(int(i) for i in np.argwhere(nan_bad)[0])
        _fail(name, f"contains {int(nan_bad.sum())} NaN value(s); first at {idx} where {e[idx]!r} was expected "
                    f"(overflow or 0*inf / log(0) somewhere?)")
    inf_bad = np.isinf(g) & exp_finite
    if inf_bad.any():
        idx = tuple(int(i) for i in np.argwhere(inf_bad)[0])
        _fail(name, f"contains infinite value(s); first at {idx}: got {g[idx]!r}, expected {e[idx]!r} "
                    f"(numerical overflow?)")
    nonfinite_mismatch = ~exp_finite & ~((g == e) | (np.isnan(g) & np.isnan(e)))
    if nonfinite_mismatch.any():
        idx = tuple(int(i) for i in np.argwhere(nonfinite_mismatch)[0])
        _fail(name, f"at {idx}: expected {e[idx]!r}, got {g[idx]!r}")
    with np.errstate(all="ignore"):
        diff = np.where(exp_finite, np.abs(g - e), 0.0)
        tol = atol + rtol * np.abs(np.where(exp_finite, e, 0.0))
    bad = diff > tol
    if not bad.any():
        return
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    worst_at = np.unravel_index(int(np.argmax(np.where(bad, diff, -1.0))), diff.shape) if diff.ndim else ()
    worst = tuple(int(i) for i in worst_at)
    with np.errstate(all="ignore"):
        rel = diff / np.maximum(np.abs(e), 1e-300)
    rel_bad = bad & (np.abs(e) > 0)       # a relative error where 0 was expected means nothing
    rel_text = f", max rel error {float(np.nanmax(np.where(rel_bad, rel, 0))):.3g}" if rel_bad.any() else ""
    lines = [
        f"{int(bad.sum())} of {exp.size} elements differ beyond rtol={rtol:g}, atol={atol:g}",
        f"  first at {first}: got {g[first]!r}, expected {e[first]!r}",
        f"  worst at {worst}: got {g[worst]!r}, expected {e[worst]!r}",
        f"  max abs error {float(diff.max()):.3g}{rel_text}",
    ]
    hint = _ratio_hint(g, e)
    if hint:
        lines.append(f"Hint: {hint}")
    _fail(name, "\n".join(lines))


def _shape_hint(gs, es) -> str:
    if len(gs) == len(es) == 2 and gs == es[::-1]:
        return " (transposed? check the order of a matrix product)"
    if tuple(s for s in gs if s != 1) == tuple(s for s in es if s != 1):
        return " (a dimension of size 1 is missing or extra: keepdims=True, or reshape)"
    try:
        if np.broadcast_shapes(gs, es) == es:
            return " (the result would only broadcast to the right shape)"
    except ValueError:
        pass
    if len(gs) == len(es) and sorted(gs) == sorted(es):
        return " (axes in the wrong order)"
    return ""


def _ratio_hint(g: np.ndarray, e: np.ndarray) -> str:
    """Names the classic mistakes: transposed, sign, a constant factor such as m or 2."""
    if g.ndim == 2 and g.shape[0] == g.shape[1] and g.shape[0] > 1 and np.allclose(g, e.T, rtol=1e-8, atol=1e-12) \
            and not np.allclose(e, e.T):
        return "the result equals the transpose of the expected one"
    mask = np.abs(e) > 1e-12
    if mask.sum() == 0 or np.iscomplexobj(g):
        return ""
    with np.errstate(all="ignore"):
        ratios = g[mask] / e[mask]
    if not np.all(np.isfinite(ratios)):
        return ""
    r = float(np.median(ratios))
    if r == 0 or not np.allclose(ratios, r, rtol=1e-6, atol=1e-9):
        if np.allclose(g, 0):
            return "everything is zero: is the function still a stub, or is a gradient path missing?"
        return ""
    if abs(r - 1) < 1e-6:  # the wrong elements are where the expected value is 0
        return "the elements that differ are where the expected value is exactly 0 (a convention at 0?)"
    if abs(r + 1) < 1e-6:
        return "every element has the wrong sign"
    if abs(r - 2) < 1e-6:
        return "off by a factor of 2 (a missing 1/2, or a doubled term)"
    if abs(r - 0.5) < 1e-6:
        return "off by a factor of 1/2"
    k = 1 / r if abs(r) < 1 else r
    if abs(k - round(k)) < 1e-6 and round(abs(k)) > 2:
        which = "larger" if abs(r) > 1 else "smaller"
        return (f"every element is {round(abs(k))}x {which} than expected: a missing or extra 1/m "
                f"(averaging over the examples) or a wrong factor?")
    return f"every element is {r:.6g} times the expected value (a constant factor is wrong)"


def _is_tensor(v) -> bool:
    return type(v).__module__.startswith("torch") and hasattr(v, "device") and hasattr(v, "dtype")


def _compare_tensors(got, exp, name, rtol, atol, dtype):
    if not _is_tensor(got):
        _fail(name, f"expected a torch tensor of shape {tuple(exp.shape)} on {exp.device}, got {describe_value(got)}")
    if got.device != exp.device:
        _fail(name, f"tensor is on device '{got.device}', expected '{exp.device}' "
                    f"(create tensors on the input's device, e.g. torch.zeros(..., device=X.device), or call .to(device))")
    if tuple(got.shape) != tuple(exp.shape):
        _fail(name, f"shape is {tuple(got.shape)}, expected {tuple(exp.shape)}"
                    f"{_shape_hint(tuple(got.shape), tuple(exp.shape))}")
    if dtype == "exact" and got.dtype != exp.dtype:
        _fail(name, f"dtype is {got.dtype}, expected {exp.dtype}")
    if exp.device.type == "meta":
        return
    _compare_arrays(got.detach().cpu().numpy(), exp.detach().cpu().numpy(), name, rtol, atol, "any")


def assert_shape(got, shape, name="value"):
    if type(got) is not np.ndarray and not _is_tensor(got):
        _fail(name, f"expected an array of shape {shape}, got {describe_value(got)}")
    if tuple(got.shape) != tuple(shape):
        _fail(name, f"shape is {tuple(got.shape)}, expected {tuple(shape)}{_shape_hint(tuple(got.shape), tuple(shape))}")


@contextlib.contextmanager
def raises_student(exc_class, match: str | None = None):
    """Asserts that the student's code raised ``exc_class`` (by name, inside the sandbox)."""
    name = exc_class if isinstance(exc_class, str) else exc_class.__name__
    try:
        yield
    except StudentError as err:
        if not err.is_a(name):
            raise GradingFailure(f"{err.where or 'the call'} should raise {name}, but raised {err.exc_type}: "
                                 f"{err.message}") from None
        if match is not None and match not in err.message:
            raise GradingFailure(f"{err.where} raised {name}, but its message should mention {match!r}: "
                                 f"{err.message!r}") from None
        return
    raise GradingFailure(f"expected the call to raise {name}, but it returned normally")


def same_value(a, b) -> bool:
    """Exact equality for what crosses the sandbox: arrays by type, dtype, shape and values
    (NaN equal to NaN), torch tensors by dtype, shape, device and values, containers element by
    element, anything else with ``==`` (an array or a container never equals a plain value)."""
    if isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=b.dtype.kind in "fc")))
    if isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in b)
    if _is_tensor(b):
        return (_is_tensor(a) and a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape) and a.device == b.device
                and (b.device.type == "meta" or bool((a.detach().cpu() == b.detach().cpu()).all())))
    if isinstance(a, (np.ndarray, list, tuple, dict)) or _is_tensor(a):
        return False  # a container or an array is never equal to a plain value (no elementwise ==)
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # an object whose == is not a plain truth value
        return False


def assert_unchanged(fname: str, sent, after, names, hint: str | None = None) -> None:
    """Fails when the student's ``fname`` modified an argument in place (CONVENTIONS §3).

    ``sent`` are the arguments as the test sent them, ``after`` as the child held them after the
    call (``student.call_with_args`` returns them), ``names`` their parameter names. A test of
    this negative property must first check that the call did real work (its value), so that a
    function that does nothing cannot earn it.
    """
    for name, s, a in zip(names, sent, after):
        if not same_value(a, s):
            _fail(fname, f"modified its argument {name!r} in place. Inputs must never be changed: work on new "
                         f"arrays (e.g. X = X - mu, not X -= mu; or copy first)" + (f"\nHint: {hint}" if hint else ""))


# ---------------------------------------------------------------------------- scalars (CONVENTIONS §3)

def is_float(v) -> bool:
    """The course's one rule for a scalar result (CONVENTIONS §3): a Python ``float``; a
    ``numpy.float64`` is accepted because it *is* a float subclass. Not an int, not a float32,
    not a 0-d or (1, 1) array."""
    return isinstance(v, float) and not isinstance(v, np.ndarray)


def assert_float(v, name: str = "value") -> None:
    """Fails unless ``v`` is a scalar under the course's rule (``is_float``); the message says why."""
    if is_float(v):
        return
    extra = ""
    if isinstance(v, np.ndarray):
        extra = f" of shape {v.shape} (return float(x), not an array)"
    elif isinstance(v, np.floating):
        extra = f" ({type(v).__name__} is not a Python float: return float(x))"
    elif _is_tensor(v):
        extra = " (return loss.item(), not a tensor)"
    _fail(name, f"must return a Python float (CONVENTIONS §3), got {type(v).__name__}{extra}")


def assert_float_list(values, n: int | None = None, name: str = "costs") -> None:
    """A list of scalars under the same rule (a cost history); ``n`` its expected length."""
    if not isinstance(values, list):
        _fail(name, f"must be a list of Python floats, got {describe_value(values)}")
    if n is not None and len(values) != n:
        _fail(name, f"must hold {n} values, got {len(values)}")
    for i, v in enumerate(values):
        assert_float(v, f"{name}[{i}]")


# ---------------------------------------------------------------------------- purity and real work


def _leaves(v):
    if isinstance(v, dict):
        for x in v.values():
            yield from _leaves(x)
    elif isinstance(v, (list, tuple)):
        for x in v:
            yield from _leaves(x)
    else:
        yield v


def _structure_error(got, exp, where: str) -> str | None:
    if isinstance(exp, (float, np.floating)) and not isinstance(exp, np.ndarray):
        if not isinstance(got, (float, int, np.floating, np.integer)) or isinstance(got, (bool, np.bool_)):
            return f"{where}: expected a number, got {describe_value(got)}"
        return None
    if isinstance(exp, np.ndarray):
        if type(got) is not np.ndarray:
            return f"{where}: expected an array of shape {exp.shape}, got {describe_value(got)}"
        if got.shape != exp.shape:
            return f"{where}: shape {got.shape}, expected {exp.shape}"
        return None
    if isinstance(exp, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(exp):
            return f"{where}: expected a {type(exp).__name__} of length {len(exp)}, got {describe_value(got)}"
        for i, (g, e) in enumerate(zip(got, exp)):
            err = _structure_error(g, e, f"{where}[{i}]")
            if err:
                return err
        return None
    if isinstance(exp, dict):
        if not isinstance(got, dict) or any(k not in got for k in exp):
            return f"{where}: expected a dict with keys {sorted(map(str, exp))}, got {describe_value(got)}"
        for k in exp:
            err = _structure_error(got[k], exp[k], f"{where}[{k!r}]")
            if err:
                return err
    return None


def _is_number_or_array(x) -> bool:
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "fciu"
    return isinstance(x, (float, int, np.floating, np.integer)) and not isinstance(x, (bool, np.bool_))


def assert_did_work(fname: str, got, expected, inputs=()) -> None:
    """The first step of every test of a negative property ("does not modify its arguments",
    "no overflow", "cannot learn XOR"): the call must have done real work, so that a function
    returning constants or its input earns nothing there.

    Real work means: ``got`` has ``expected``'s structure (containers, keys, array shapes);
    it is not all zeros where ``expected`` is not; no part of it (an item of a returned tuple,
    or the whole value) is one of ``inputs`` returned as it was sent where the expected part
    differs from that input. The values themselves are graded by the value test, not here.
    """
    err = _structure_error(got, expected, fname)
    if err:
        _fail(fname, f"did not return a result of the expected form, so this test cannot be credited: {err}")
    g_arrays = [np.asarray(x) for x in _leaves(got) if _is_number_or_array(x)]
    e_arrays = [np.asarray(x) for x in _leaves(expected) if _is_number_or_array(x)]
    if e_arrays and any(np.any(e != 0) for e in e_arrays) and all(not np.any(g != 0) for g in g_arrays):
        _fail(fname, "returned only zeros: the function does not compute anything yet, so this test cannot be "
                     "credited")
    if all(np.all(np.isfinite(e)) for e in e_arrays if e.dtype.kind in "fc") \
            and any(not np.all(np.isfinite(g)) for g in g_arrays if g.dtype.kind in "fc"):
        _fail(fname, "returned NaN or infinite values where finite ones were expected, so this test cannot be "
                     "credited")
    parts = list(zip(got, expected)) if isinstance(expected, tuple) else [(got, expected)]
    for g, e in parts:
        for x in inputs:
            if same_value(g, x) and not same_value(e, x):
                _fail(fname, "returned an argument unchanged where a new value was expected, so this test "
                             "cannot be credited")


# ---------------------------------------------------------------------------- calls under np.errstate

def _call_under_errstate(module, fname, args, kwargs, errstate):
    """Probe: module.fname(*args, **kwargs) with numpy floating-point errors set by ``errstate``."""
    import numpy as np

    with np.errstate(**errstate):
        return getattr(module, fname)(*args, **kwargs)


STRICT = {"over": "raise", "invalid": "raise", "divide": "raise"}


def call_under_errstate(student, fname: str, *args, errstate: dict | None = None, what: str | None = None,
                        hint: str | None = None, **kwargs):
    """Calls the student's ``fname(*args, **kwargs)`` in the sandbox under ``np.errstate(**errstate)``
    (default ``STRICT``: overflow, invalid and divide raise), so that a computation that overflows
    on the way to a finite answer fails with the student's traceback and ``hint``."""
    try:
        return student.probe(_call_under_errstate, fname, list(args), dict(kwargs), dict(errstate or STRICT))
    except StudentError as err:
        raise GradingFailure(f"{what or fname} raised {err.exc_type}: {err.message}"
                             + (f"\nHint: {hint}" if hint else "") + f"\n{err.traceback.rstrip()}") from None


def call_strict(student, fname: str, args, what: str | None = None, hint: str | None = None,
                errstate: dict | None = None):
    """``call_under_errstate`` with the arguments as a list: ``call_strict(student, "sigmoid", [z],
    "sigmoid of large z under np.errstate(over='raise')", "use a stable formula")``."""
    return call_under_errstate(student, fname, *args, errstate=errstate, what=what, hint=hint)

"""Numerical gradient checking (CURRICULUM §1.5): the same code the graders use.

Students may import this module to check their own backward passes. Everything here is
plain numpy and runs in float64.

Typical use (a VJP check of a backward function)::

    dout = rng.standard_normal(out.shape)
    f = lambda W: float(np.sum(forward(A_prev, W, b)[0] * dout))
    num = numerical_gradient(f, W)                  # (n_l, n_prev)
    assert rel_error(dW, num) < 1e-7
"""
from __future__ import annotations

import numpy as np

__all__ = ["numerical_gradient", "rel_error", "sample_indices", "check_gradient", "GradientCheckError"]

DEFAULT_H = 1e-5
MAX_FULL_SIZE = 200
SAMPLED_COORDS = 60


class GradientCheckError(AssertionError):
    pass


def rel_error(a, b) -> float:
    """||a - b|| / (||a|| + ||b||); 0.0 when both are zero. Shapes must be equal."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ {a.shape} vs {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)


def sample_indices(shape, rng: np.random.Generator | None = None, k: int = SAMPLED_COORDS,
                   max_full: int = MAX_FULL_SIZE) -> list[tuple]:
    """All multi-indices of ``shape`` when it has <= max_full elements, else k sampled ones."""
    size = int(np.prod(shape))
    if size <= max_full:
        flat = np.arange(size)
    else:
        rng = rng if rng is not None else np.random.default_rng(0)
        flat = np.sort(rng.choice(size, size=k, replace=False))
    return [tuple(int(i) for i in np.unravel_index(j, shape)) for j in flat]


def numerical_gradient(f, x: np.ndarray, h: float = DEFAULT_H, indices=None) -> np.ndarray:
    """Centred differences of a scalar function ``f`` at ``x`` (x is restored afterwards).

    Args:
        f: callable taking no argument (it must read ``x``, which is perturbed in place) or
           one argument (``x`` itself). Returns a scalar.
        x: float64 array, perturbed in place coordinate by coordinate.
        h: step size (1e-5, see CURRICULUM §1.5 for why not smaller).
        indices: multi-indices to evaluate; the others are left at 0. Default: all.

    Returns:
        array of x's shape with (f(x + h e_i) - f(x - h e_i)) / 2h at each evaluated index.
    """
    if x.dtype != np.float64:
        raise TypeError("numerical_gradient needs a float64 array (float32 differences are too coarse)")
    call = _caller(f, x)
    grad = np.zeros_like(x)
    for idx in (indices if indices is not None else np.ndindex(x.shape)):
        old = x[idx]
        x[idx] = old + h
        fp = call()
        x[idx] = old - h
        fm = call()
        x[idx] = old
        grad[idx] = (fp - fm) / (2 * h)
    return grad


def _caller(f, x):
    import inspect

    try:
        n = len([p for p in inspect.signature(f).parameters.values()
                 if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        n = 1
    return (lambda: float(f(x))) if n >= 1 else (lambda: float(f()))


def check_gradient(f, x: np.ndarray, analytic, name: str = "gradient", tol: float = 1e-7,
                   h: float = DEFAULT_H, rng: np.random.Generator | None = None) -> float:
    """Compares an analytic gradient with centred differences of ``f`` at ``x``.

    For arrays with more than 200 elements only 60 sampled coordinates are compared.
    Raises GradientCheckError (an AssertionError) with a readable message when the relative
    error exceeds ``tol``; returns the relative error otherwise.
    """
    analytic = analytic if isinstance(analytic, np.ndarray) else np.asarray(analytic)
    if type(analytic) is not np.ndarray or analytic.shape != x.shape:
        raise GradientCheckError(
            f"{name}: expected an array of shape {x.shape}, got "
            f"{getattr(analytic, 'shape', type(analytic).__name__)}")
    idx = sample_indices(x.shape, rng)
    num = numerical_gradient(f, x, h=h, indices=idx)
    rows = tuple(np.array(i) for i in zip(*idx)) if idx else ()
    a = analytic.astype(np.float64)[rows] if idx else np.zeros(0)
    n = num[rows] if idx else np.zeros(0)
    if not np.all(np.isfinite(a)):
        raise GradientCheckError(f"{name}: the analytic gradient contains NaN or inf")
    err = rel_error(a, n)
    if err > tol:
        worst = int(np.argmax(np.abs(a - n)))
        raise GradientCheckError(
            f"{name}: gradient check failed, relative error {err:.3g} > {tol:g} "
            f"(centred differences, h={h:g}, {len(idx)} coordinates)\n"
            f"  worst at {idx[worst]}: analytic {a[worst]!r}, numerical {n[worst]!r}")
    return err

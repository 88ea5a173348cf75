#!/usr/bin/env python
"""Generate N A04 submissions for the grading benchmark (deterministic for a given seed).

Every submission starts from the A04 reference (solutions/a04_nn_basics/nn_basics.py, or
benchmarks/equivalent/nn_basics_placeholder.py while that does not exist) and applies one
*variant*: correct, a typical bug, a broken file, or a hostile one. The same function
bodies are written in three formats, one tree per tool so that no tool sees another's
files:

    OUT/dlgrade/<student>/nn_basics.py      for `dlgrade grade a04 OUT/dlgrade`
    OUT/nbgrader/<student>/nn_basics.ipynb  the released nbgrader notebook, filled in
    OUT/otter/<student>/nn_basics.ipynb     the otter-assign student notebook, filled in
    OUT/manifest.json                       student -> variant, category, seed, reference

Usage:
    python benchmarks/generate_submissions.py --n 40 --out /tmp/dlgrade-bench/subs [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "equivalent"))
import build  # noqa: E402
import checks  # noqa: E402

# --------------------------------------------------------------------------- mutant bodies
# Whole replacement functions (same signatures as CURRICULUM A04).

LOGISTIC_BACKWARD_NO_1_OVER_M = '''def logistic_backward(X, A, Y):
    """Gradients of the cost with respect to W and b."""
    dZ = A - Y
    dW = dZ @ X.T
    db = np.sum(dZ, axis=1, keepdims=True)
    return {"dW": dW, "db": db}
'''

LOGISTIC_BACKWARD_TRANSPOSE = '''def logistic_backward(X, A, Y):
    """Gradients of the cost with respect to W and b."""
    m = X.shape[1]
    dZ = A - Y
    dW = (X @ dZ.T) / m
    db = np.sum(dZ) / m
    return {"dW": dW, "db": db}
'''

SIGMOID_NAIVE = '''def sigmoid(z):
    """Sigmoid function."""
    return 1 / (1 + np.exp(-z))
'''

STEP_GE = '''def step(z):
    """Step function."""
    z = np.asarray(z, dtype=float)
    return (z >= 0).astype(float)
'''

BCE_SIGN = '''def bce_cost(A, Y):
    """Cross-entropy cost."""
    m = Y.shape[1]
    return float(np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
'''

OPTIMIZE_IN_PLACE = '''def optimize(W, b, X, Y, num_iterations, learning_rate):
    """Gradient descent."""
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(W, b, X, Y)
        W -= learning_rate * grads["dW"]
        b -= learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"W": W, "b": b}, grads, costs
'''

PREDICT_BOOL = '''def predict(W, b, X, threshold=0.5):
    """Class labels."""
    A = logistic_forward(W, b, X)
    return A > threshold
'''

SIGMOID_SYNTAX_ERROR = '''def sigmoid(z):
    """Sigmoid function."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos])
    out[~pos] = np.exp(z[~pos]) / (1.0 + np.exp(z[~pos]))
    return out
'''

OPTIMIZE_INFINITE_LOOP = '''def optimize(W, b, X, Y, num_iterations, learning_rate):
    """Gradient descent (until it converges...)."""
    costs = []
    i = 0
    while True:
        grads, cost = propagate(W, b, X, Y)
        W = W - learning_rate * grads["dW"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
        i += 1
    return {"W": W, "b": b}, grads, costs
'''

# Module-level code a student left in (runs at import / when the setup cell runs).
IMPORT_EXCEPTION = 'weights = np.load("/home/student/a04/weights.npy")  # left over from local experiments\n'

# Tampering with the test helpers at import time: harmless where the tests run in another
# process (dlgrade), effective where they share the student's interpreter (nbgrader, otter).
PATCH_NUMPY_TESTING = '''np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
'''


def _replace(**funcs):
    def apply(mod: build.Module) -> None:
        for name, text in funcs.items():
            mod.replace(name, text)
    return apply


def _stubs(names):
    def apply(mod: build.Module) -> None:
        for name in names(mod):
            mod.replace(name, build.stub(mod.func(name)))
    return apply


def _extra(code, then=None):
    def apply(mod: build.Module) -> None:
        mod.extra = code
        if then:
            then(mod)
    return apply


_LATE = ["logistic_backward", "propagate", "optimize", "predict"]

# name -> (category, weight in the random part of the mix, how to build it, what it is)
VARIANTS = {
    "correct": ("correct", 40, lambda mod: None, "the reference, untouched"),
    "missing_1_over_m": ("buggy", 5, _replace(logistic_backward=LOGISTIC_BACKWARD_NO_1_OVER_M),
                         "logistic_backward without 1/m"),
    "wrong_transpose": ("buggy", 5, _replace(logistic_backward=LOGISTIC_BACKWARD_TRANSPOSE),
                        "dW = X dZ^T / m: shape (n_x, 1)"),
    "naive_sigmoid": ("buggy", 5, _replace(sigmoid=SIGMOID_NAIVE), "1/(1+exp(-z)): overflows at -1000"),
    "step_ge": ("buggy", 4, _replace(step=STEP_GE), "step with >= (step(0) == 1)"),
    "bce_sign": ("buggy", 4, _replace(bce_cost=BCE_SIGN), "cross-entropy without the minus sign"),
    "optimize_in_place": ("buggy", 4, _replace(optimize=OPTIMIZE_IN_PLACE), "W -= ...: mutates the caller's W"),
    "predict_bool": ("buggy", 3, _replace(predict=PREDICT_BOOL), "predict returns a bool array"),
    "syntax_error": ("broken", 4, _replace(sigmoid=SIGMOID_SYNTAX_ERROR), "missing ')' in sigmoid"),
    "import_exception": ("broken", 4, _extra(IMPORT_EXCEPTION), "np.load of a local file at import"),
    "all_stubs": ("broken", 5, _stubs(lambda mod: [n for n in mod.func_names() if not n.startswith("_")]),
                  "the released stub, unchanged (NotImplementedError)"),
    "half_done": ("broken", 5, _stubs(lambda mod: [n for n in _LATE if n in mod.func_names()]),
                  "first half done, the rest still NotImplementedError stubs"),
    "infinite_loop": ("hostile", 4, _replace(optimize=OPTIMIZE_INFINITE_LOOP), "optimize never returns"),
    "patch_numpy_testing": ("hostile", 4, _extra(PATCH_NUMPY_TESTING, _replace(
        logistic_backward=LOGISTIC_BACKWARD_NO_1_OVER_M, sigmoid=SIGMOID_NAIVE)),
        "buggy code + no-op np.testing.assert_* installed at import"),
}

# The first students cover the categories in this order, so that even a small N has a
# realistic mix; the rest are drawn with the weights above.
COVERAGE = ["correct", "missing_1_over_m", "all_stubs", "correct", "syntax_error",
            "infinite_loop", "naive_sigmoid", "correct", "import_exception", "wrong_transpose",
            "patch_numpy_testing", "correct", "half_done", "step_ge", "bce_sign",
            "optimize_in_place", "predict_bool", "correct"]


def choose_variants(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    names = list(VARIANTS)
    weights = [VARIANTS[v][1] for v in names]
    out = COVERAGE[:n]
    out += rng.choices(names, weights=weights, k=max(0, n - len(out)))
    return out


def build_submission(ref: build.Module, variant: str, student: str) -> build.Module:
    mod = ref.copy()
    VARIANTS[variant][2](mod)
    mod.header = f"# A04 submission of {student}\n"
    return mod


def generate(n: int, out: Path, seed: int = 0, formats=("dlgrade", "nbgrader", "otter")) -> dict:
    ref = build.load_reference()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    manifest = {"n": n, "seed": seed, "reference": str(build.reference_path()),
                "max_score_equivalent_checks": checks.MAX_SCORE, "students": {}}
    for i, variant in enumerate(choose_variants(n, seed)):
        student = f"student{i:03d}"
        mod = build_submission(ref, variant, student)
        if "dlgrade" in formats:
            d = out / "dlgrade" / student
            d.mkdir(parents=True)
            (d / "nn_basics.py").write_text(mod.module_text())
        if "nbgrader" in formats:
            build.write_notebook(build.nbgrader_notebook(mod, release=True),
                                 out / "nbgrader" / student / build.NOTEBOOK)
        if "otter" in formats:
            build.write_notebook(build.otter_student_notebook(mod), out / "otter" / student / build.NOTEBOOK)
        manifest["students"][student] = {"variant": variant, "category": VARIANTS[variant][0],
                                         "what": VARIANTS[variant][3]}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=40, help="number of submissions (default 40)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/dlgrade-bench/submissions"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--formats", default="dlgrade,nbgrader,otter")
    args = ap.parse_args(argv)
    m = generate(args.n, args.out, args.seed, tuple(args.formats.split(",")))
    counts = {}
    for s in m["students"].values():
        counts[s["category"]] = counts.get(s["category"], 0) + 1
    print(f"{args.n} submissions in {args.out} (reference: {m['reference']}); by category: {counts}")


if __name__ == "__main__":
    main()

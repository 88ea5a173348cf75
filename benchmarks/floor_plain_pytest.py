"""The in-process floor: a hidden suite run by plain pytest on the reference, no sandbox.

One Python process imports numpy and pytest once, then runs ``pytest.main`` on the suite
``--reps`` times, as a grader without any isolation would run it once per submission. The
``student`` fixture is the reference module itself, called directly in this process: no
child, no pipe, no copies through a protocol (``call_with_args`` deep-copies the arguments,
because that is what the test inspects; ``probe(fn, ...)`` calls ``fn(module, ...)``).
Everything else (``ref``, ``rng``, markers, ``grader.checks``) is the course's own.

Prints one JSON object: {"times": [s, ...], "median_s", "passed", "failed", "errors"}.

    .venv/bin/python benchmarks/floor_plain_pytest.py --tests solutions/a04_nn_basics/tests \
        --reference solutions/a04_nn_basics/nn_basics.py --reps 20
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import importlib.util
import json
import sys
import time
from pathlib import Path
from statistics import median

import numpy as np
import pytest

from grader.errors import StudentError

MARKERS = ["points(n)", "timeout(s)", "exercises(*names)", "module(name)", "gpu"]


class Direct:
    """``student`` for the floor: the reference module, called in this process."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        value = getattr(self._module, name)
        return _as_student(value, name) if callable(value) else value

    def call_with_args(self, name, *args, **kwargs):
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        value = _as_student(getattr(self._module, name), name)(*args, **kwargs)
        return value, list(args), kwargs

    def probe(self, fn, *args):
        return fn(self._module, *args)

    def rng(self, seed):
        return np.random.default_rng(seed)


def _as_student(fn, name):
    """Student code's exceptions reach the tests as ``StudentError``, as they do from the sandbox."""
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any failure of the measured code is a result
            mro = [c.__name__ for c in type(exc).__mro__]
            raise StudentError(type(exc).__name__, str(exc), "", mro=mro, where=name) from None
    return call


class FloorPlugin:
    def __init__(self, reference):
        self.reference = reference
        self.counts = {"passed": 0, "failed": 0, "errors": 0}
        self._item = None
        self.memo: dict = {}

    def pytest_configure(self, config):
        for m in MARKERS:
            config.addinivalue_line("markers", m)

    def pytest_generate_tests(self, metafunc):
        if "device" in metafunc.fixturenames:
            metafunc.parametrize("device", ["cpu"])

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        self._item = item

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.counts["passed" if report.passed else "failed"] += 1
        elif report.failed:
            self.counts["errors"] += 1

    @pytest.fixture
    def student(self):
        return Direct(self.reference)

    @pytest.fixture
    def ref(self):
        return self.reference

    @pytest.fixture
    def submission_memo(self):
        return self.memo

    @pytest.fixture
    def figure(self):
        figures = []  # built like dlgrade's (the lists), then dropped: a plain run has no report

        def attach(title, series, xlabel="", ylabel="", x=None):
            figures.append((title, {k: [float(v) for v in vals if isinstance(v, (int, float))]
                                    for k, vals in series.items()}, x))
        return attach

    def _seed(self) -> int:
        return int.from_bytes(hashlib.sha256(self._item.nodeid.encode()).digest()[:8], "big")

    @pytest.fixture
    def rng(self):
        return np.random.default_rng(self._seed())

    @pytest.fixture
    def torch_seed(self):
        return self._seed() % (2**31)


def load_reference(path: Path):
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tests", type=Path, required=True)
    ap.add_argument("--reference", type=Path, required=True)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    reference = load_reference(args.reference.resolve())
    pytest_args = [str(args.tests), "-q", "-p", "no:cacheprovider", "--rootdir", str(args.tests),
                   "--import-mode=importlib", "-W", "ignore", "--tb=short"]
    times, last = [], None
    for _ in range(args.reps):
        plugin = FloorPlugin(reference)
        t0 = time.perf_counter()
        pytest.main(pytest_args, plugins=[plugin])
        times.append(time.perf_counter() - t0)
        last = plugin.counts
    sys.stdout.flush()
    print("\nFLOOR-JSON " + json.dumps({"times": times, "median_s": median(times), **last}))


if __name__ == "__main__":
    main()

"""The pytest plugin that turns hidden tests into grades (runs in the trusted grading process).

It provides the fixtures ``student``, ``ref``, ``rng``, ``torch_seed``, ``device``,
``submission_memo`` and ``figure``, the markers ``points``, ``timeout``, ``gpu`` and
``module``, the decorator :func:`reference_value`, and records one result per test: id,
points earned/possible, status (pass/fail/error/timeout/crash/skipped), message, duration,
the student functions the test exercised and the figures it attached. A test earns its
points only when pytest reports it passed: an explicit comparison in the grading process held.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader.course.assignment import Assignment
from grader.checks import GradingFailure
from grader.errors import SandboxError, StudentError
from grader.reports.figures import MAX_FIGURES_PER_TEST, sanitize_figure
from grader.gradcheck import GradientCheckError
from grader.sandbox.proxy import Session, StudentModule
from grader.sandbox.launcher import Sandbox, SandboxConfig

MARKERS = {
    "points(n)": "the test is worth n points (a parametrized test splits them over its cases)",
    "timeout(seconds)": "per-call deadline inside this test",
    "gpu": "a device test",
    "module(name)": "the submitted module that the `student` fixture proxies",
    "exercises(*names)": "student functions/classes this test exercises beyond the calls it makes "
                         "(e.g. through probes); a banned shortcut in them costs this test's points",
}
MAX_MESSAGE = 4000


@dataclass
class GradingContext:
    assignment: Assignment
    workdir: Path  # staged submission
    student_id: str = "anonymous"
    secret: str = "public"
    mode: str = "hidden"  # hidden | public
    isolation: str = "auto"
    device: str = "auto"  # auto | cpu | cuda
    hide: tuple = ()
    results_path: Path | None = None  # JSON lines, one per finished test
    results: list = field(default_factory=list)
    isolation_used: str = ""

    def run_meta(self, session) -> dict:
        """What the grading run records about how it ran (the results' ``isolation`` and ``start``)."""
        return {"isolation": self.isolation_used,
                "start": session.sandbox.start_kind if session is not None else ""}
    zygote: Any = None  # warm-start server whose slot is ``workdir``


def derive_seed(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little")


# -- reference values computed once per process ----------------------------------------------
_REFERENCE_VALUES: dict = {}  # (function, id(reference module)) -> (reference module, value)


def reference_value(fn):
    """Marks a module-level ``fn(ref) -> value`` of a hidden-test file as a student-independent
    reference value: ``fn(ref)`` is computed once per process and reference module, and later
    calls return the cached value (treat it as read-only).

    In hidden mode the plugin computes every such function of the collected test files right
    after collection (``pytest_collection_finish``), with the reference of the assignment's
    default module. In the suite server that happens once, before the per-submission workers
    are forked, so no submission pays for it. If that early computation raises, the error is
    dropped there; the test's own call computes again and raises inside the test, which
    reports it. Only values that depend on nothing but the reference belong here (not on
    ``rng``, the student id or the secret)::

        @reference_value
        def reference_costs(ref):
            d = data.breast_cancer()
            return ref.optimize(..., d["X_train"], d["Y_train"], 2000, 0.1)[2]

        def test_costs(student, ref, figure):
            expected = reference_costs(ref)
    """

    @functools.wraps(fn)
    def cached(ref):
        key = (cached, id(ref))
        hit = _REFERENCE_VALUES.get(key)
        if hit is not None and hit[0] is ref:
            return hit[1]
        value = fn(ref)
        _REFERENCE_VALUES[key] = (ref, value)
        return value

    cached.dlgrade_reference_value = True  # type: ignore[attr-defined]  # the plugin finds them by this mark
    return cached


def cuda_available() -> bool:
    if "torch" not in sys.modules and importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


class DlgradePlugin:
    def __init__(self, ctx: GradingContext):
        self.ctx = ctx
        self.session: Session | None = None
        self.max_points: dict[str, float] = {}
        self._ref_module = None
        self._lines: Any = None  # the open results-lines file (see _lines_file)
        self._started: dict[str, float] = {}
        self._item: Any = None  # the test being run (a pytest.Item)
        self._figures: list = []  # figures attached by the running test

    # -- configuration --------------------------------------------------------------------
    def pytest_configure(self, config):
        for name, text in MARKERS.items():
            config.addinivalue_line("markers", f"{name}: {text}")

    def pytest_generate_tests(self, metafunc):
        if "device" in metafunc.fixturenames:
            wanted = {"auto": ["cpu", "cuda"], "cpu": ["cpu"], "cuda": ["cuda"]}[self.ctx.device]
            has_cuda = cuda_available() if "cuda" in wanted else False
            params = []
            for d in wanted:
                marks = [pytest.mark.skip(reason="skipped: no CUDA device")] if d == "cuda" and not has_cuda else []
                params.append(pytest.param(d, marks=marks, id=d))
            metafunc.parametrize("device", params)

    def pytest_collection_modifyitems(self, session, config, items):
        groups = Counter(self._group(item) for item in items)
        for item in items:
            marker = item.get_closest_marker("points")
            total = float(marker.args[0]) if marker and marker.args else 0.0
            self.max_points[item.nodeid] = total / groups[self._group(item)]

    @staticmethod
    def _group(item) -> tuple:
        return (item.module.__name__ if item.module else "", getattr(item, "originalname", item.name))

    def pytest_collection_finish(self, session):
        """Computes the ``@reference_value`` functions of the collected test files once, here:
        in the suite server this runs before the per-submission workers are forked."""
        if self.ctx.mode != "hidden":
            return
        functions, seen = [], set()
        for item in session.items:
            module = getattr(item, "module", None)
            if module is None or id(module) in seen:
                continue
            seen.add(id(module))
            functions += [v for v in vars(module).values()
                          if callable(v) and getattr(v, "dlgrade_reference_value", False)]
        if not functions:
            return
        try:
            ref = self.load_reference(self.ctx.assignment.default_module)
        except Exception:  # noqa: BLE001 - the tests that use ref report it
            return  # the tests that use ``ref`` report it
        for fn in dict.fromkeys(functions):
            try:
                fn(ref)
            except Exception:  # noqa: BLE001 - the test's own call computes again and reports it
                pass  # the test's own call computes again and reports the error

    # -- fixtures -------------------------------------------------------------------------
    def _session(self) -> Session:
        if self.session is None:
            a = self.ctx.assignment
            cfg = SandboxConfig(
                workdir=self.ctx.workdir, block_modules=a.blocked_modules, preload=a.preload,
                memory_mb=a.limits.memory_mb, cpu_s=a.limits.cpu_s, isolation=self.ctx.isolation,
                hide=tuple(self.ctx.hide), gpu=not a.numpy_only and self.ctx.device != "cpu" and cuda_available(),
            )
            self.session = Session(Sandbox(cfg, zygote=self.ctx.zygote), a.default_module, a.limits.call_timeout_s, a.limits.import_timeout_s)
            self.ctx.isolation_used = self.session.sandbox.isolation
        return self.session

    # The fixtures read the running test from ``self._item`` (set first thing in
    # pytest_runtest_setup) rather than taking pytest's ``request``: pytest builds a fixture
    # definition for ``request`` each time one asks for it, which cost 16 ms per submission.
    @pytest.fixture
    def student(self):
        session = self._session()
        marker = self._item.get_closest_marker("timeout")
        session.timeout = float(marker.args[0]) if marker else session.default_timeout
        module_marker = self._item.get_closest_marker("module")
        name = module_marker.args[0] if module_marker else self.ctx.assignment.default_module
        return StudentModule(session, name)

    @pytest.fixture
    def submission_memo(self):
        """A dict shared by the tests of one submission (empty for the next one), for a costly
        student run that several tests judge separately, e.g. one end-to-end training whose
        accuracy and cost curve earn their own points: the run is made once, not per test."""
        return self._session().memo

    @pytest.fixture
    def figure(self):
        """``figure(title, series, xlabel="", ylabel="", x=None)`` attaches a line chart to this
        test's result, e.g. ``{"your costs": costs, "reference": ref_costs}``; it is kept
        whatever the outcome, so attach it before the assertions. The values are sanitized here
        (see grader.reports.figures.sanitize_figure): non-numbers and non-finite values become gaps."""
        figures = self._figures

        def attach(title, series, xlabel="", ylabel="", x=None):
            if len(figures) < MAX_FIGURES_PER_TEST:
                figures.append(sanitize_figure(title, series, xlabel=xlabel, ylabel=ylabel, x=x))

        return attach

    @pytest.fixture
    def ref(self):
        if self.ctx.mode != "hidden":
            pytest.fail("the reference solution is not available to public tests", pytrace=False)
        module_marker = self._item.get_closest_marker("module")
        name = module_marker.args[0] if module_marker else self.ctx.assignment.default_module
        return self.load_reference(name)

    def load_reference(self, name: str):
        key = f"dlgrade_ref_{self.ctx.assignment.slug}_{name}"
        if key in sys.modules:
            return sys.modules[key]
        sol = self.ctx.assignment.solution_dir
        if str(sol) not in sys.path:
            sys.path.insert(0, str(sol))  # the reference may import its own provided.py
        spec = importlib.util.spec_from_file_location(key, sol / f"{name}.py")
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load the reference {sol / f'{name}.py'}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
        return module

    @pytest.fixture
    def rng(self):
        return np.random.default_rng(self._seed())

    @pytest.fixture
    def torch_seed(self):
        return self._seed() % (2**31)

    def _seed(self) -> int:
        if self.ctx.mode == "public":
            return derive_seed("public", self._item.nodeid)
        return derive_seed(self.ctx.secret, self.ctx.student_id, self._item.nodeid)

    # -- reporting ------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        self._item = item
        self._figures = []
        self._started[item.nodeid] = time.perf_counter()
        if self.session is not None:
            self.session.calls = []
            self.session.findings = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and (report.failed or report.skipped)):
            self._record(item, report, call)

    def _record(self, item, report, call):
        max_pts = self.max_points.get(item.nodeid, 0.0)
        message = ""
        if report.passed:
            status = "pass"
        elif report.skipped:
            status = "skipped"
            if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
                message = str(report.longrepr[2]).removeprefix("Skipped: ")
            if self.ctx.assignment.gpu_skipped_points == "redistribute":
                max_pts = 0.0
        else:
            status, message = classify(call.excinfo.value if call.excinfo else None)
            if report.when == "setup" and status == "fail":
                status = "error"
        calls = []
        findings: list[str] = []
        if self.session is not None:
            calls = list(self.session.calls)
            findings = list(dict.fromkeys(self.session.findings))
        for marker in item.iter_markers("exercises"):
            calls += [str(n) for n in marker.args]
        calls = list(dict.fromkeys(calls))
        entry = {
            "id": item.nodeid,
            "name": getattr(item, "originalname", item.name),
            "functions": calls,
            "points": round(max_pts if status == "pass" else 0.0, 6),
            "max_points": round(max_pts, 6),
            "status": status,
            "message": message[:MAX_MESSAGE],
            "duration": round(time.perf_counter() - self._started.get(item.nodeid, time.perf_counter()), 4),
        }
        if findings:  # the sandbox refused a forbidden call during this test: nothing is credited
            entry["findings"] = findings
            if entry["status"] == "pass":
                entry["status"], entry["points"] = "fail", 0.0
                entry["message"] = "not credited: " + "; ".join(findings)
        if self._figures and self._item is item:
            entry["figures"] = list(self._figures)
        self.ctx.results.append(entry)
        if self.ctx.results_path is not None:
            self._lines_file().write(json.dumps(entry) + "\n")

    def _lines_file(self):
        """The open results-lines file of the current submission, line-buffered: each test's line
        reaches the file when it is written (a worker killed later loses no finished test)."""
        path = str(self.ctx.results_path)
        if self._lines is None or self._lines.name != path:
            if self._lines is not None:
                self._lines.close()
            self._lines = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - kept open across tests
        return self._lines

    def pytest_sessionfinish(self, session, exitstatus):
        if self.session is not None:
            self.session.close()


def classify(exc) -> tuple[str, str]:
    """Maps what a test raised to (status, message for the student)."""
    if exc is None:
        return "error", "the test failed without an exception"
    if isinstance(exc, SandboxError):
        return exc.status, str(exc)
    if isinstance(exc, StudentError):
        return "fail", exc.describe()
    if isinstance(exc, (GradingFailure, GradientCheckError)):
        return "fail", str(exc)
    if isinstance(exc, AssertionError):
        text = str(exc).strip()
        return "fail", text or "a check failed"
    if type(exc).__name__ == "Failed":  # pytest.fail(...)
        return "fail", str(exc)
    return "error", f"the test could not use what the submission returned: {type(exc).__name__}: {exc}"

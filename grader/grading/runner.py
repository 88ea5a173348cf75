"""Grades one submission: stage it, scan it, run the suite in a forked grading worker.

The worker is forked from the (warm) calling process, so Python, numpy, pytest and the grader
are imported once per process, not once per submission, and each submission still gets a
clean interpreter state. The worker writes one JSON line per finished test; if it dies or
runs past the suite's time limit, the tests it did not finish are reported as such.
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing.util
import shutil
import json
import os
import py_compile
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.grading.lifetime import die_with_parent
from grader.grading import scratch
from grader import __version__
from grader.course.assignment import Assignment
from grader.sandbox.staging import stage_submission
from grader.sandbox.staticcheck import scan_banned, scan_imports

PYTEST_INI = Path(__file__).with_name("pytest_grading.ini")
SCHEMA = "dlgrade-results"
SCHEMA_VERSION = 2  # 2: each submission records "start" (warm | cold | in-process)


@dataclass
class GradeOptions:
    mode: str = "hidden"  # hidden | public
    secret: str = "public"
    isolation: str = "auto"
    device: str = "auto"
    hide: tuple = ()
    tests_dir: Path | None = None  # override (validate uses the hidden tests, check the public ones)
    keyword: str | None = None  # pytest -k, for debugging one test
    only_required: bool = False  # stage only the files named in assignment.toml (check on the folder)
    warm_start: bool = True  # fork each submission's child from a zygote (namespaces and process levels)
    suite_server: bool = True  # collect the suite once per process, fork a worker per submission


log = logging.getLogger("dlgrade")
_zygotes: dict = {}


def zygote_for(assignment: Assignment, options: GradeOptions):
    """This process's warm-start server for (assignment, sandbox settings), started on demand.

    Returns None where warm start does not apply (in-process grading; a process level whose
    children could not get a uid of their own, which grading refuses anyway) or it failed to start.
    """
    from grader.errors import SandboxError
    from grader.sandbox.launcher import WARM_LEVELS, SandboxConfig, Zygote, process_level_can_drop, resolve_isolation

    level = resolve_isolation(options.isolation)
    if not options.warm_start or options.mode != "hidden" or level not in WARM_LEVELS:
        return None
    if level == "process" and not process_level_can_drop():
        _warn_cold_start(SandboxError("at the process level each child needs a uid of its own, which needs a root "
                                      "grader and an interpreter other uids can run"))
        return None
    from grader.plugin import cuda_available

    gpu = not assignment.numpy_only and options.device != "cpu" and cuda_available()
    key = (assignment.slug, tuple(options.hide), gpu, level, os.getpid())
    z = _zygotes.get(key)
    if z is not None and z.alive:
        return z
    slot = scratch.mkdtemp("dlgrade-slot-") / "submission"
    slot.mkdir()
    z = Zygote(SandboxConfig(workdir=slot, preload=assignment.preload, memory_mb=assignment.limits.memory_mb,
                             cpu_s=assignment.limits.cpu_s, hide=tuple(options.hide), gpu=gpu, isolation=level))
    try:
        z.start()
    except Exception as exc:  # noqa: BLE001 (any failure means: grade with cold starts, and say so)
        shutil.rmtree(slot.parent, ignore_errors=True)
        _warn_cold_start(exc)
        return None
    _zygotes[key] = z
    # Stop the server and remove its slot when this process ends (pool workers included:
    # multiprocessing runs these finalizers; forked grading workers, which os._exit, do not).
    multiprocessing.util.Finalize(z, _retire_zygote, args=(z, slot.parent), exitpriority=10)
    return z


_cold_start_reported = False


def _warn_cold_start(exc: BaseException) -> None:
    """Says once per process why warm start is off (each child then starts a fresh interpreter,
    several times slower); the traceback at --verbose. Each result records its ``start``."""
    global _cold_start_reported
    log.debug("warm-start server failed to start", exc_info=exc)
    if not _cold_start_reported:
        _cold_start_reported = True
        log.warning("warm start is unavailable (%s: %s); sandbox children start cold, which is slower per "
                    "submission (--verbose shows the traceback)", type(exc).__name__, str(exc).strip()[:300])


def _retire_zygote(z, folder) -> None:
    z.stop()
    shutil.rmtree(folder, ignore_errors=True)


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        if "__pycache__" in p.parts:
            continue
        h.update((p.relative_to(path).as_posix() if path.is_dir() else p.name).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


_warm: set = set()


def warm_up(assignment: Assignment) -> None:
    """Imports, once per process, what every grading worker needs, so that forked workers
    start warm: pytest, the plugin and checks, the course data and the reference modules.
    CUDA is never initialised here (it must not be before a fork)."""
    if assignment.slug in _warm:
        return
    import inspect

    import numpy.random  # noqa: F401  (numpy loads these lazily: 10-15 ms each in every worker)
    import numpy.testing  # noqa: F401
    import pytest  # noqa: F401

    import grader.checks  # noqa: F401
    import grader.data  # noqa: F401
    import grader.gradcheck  # noqa: F401
    from grader.plugin import DlgradePlugin, GradingContext

    sources = " ".join(f.read_text(encoding="utf-8", errors="replace")
                       for f in assignment.hidden_tests_dir.glob("*.py")) if assignment.hidden_tests_dir.is_dir() else ""
    uses_torch = not assignment.numpy_only or "import torch" in sources
    if uses_torch:  # the tests' torch oracles: imported once here, not in every forked worker
        import torch

        from grader.sandbox.child import warm_torch

        torch.set_num_threads(1)
        warm_torch()
    if assignment.has_solutions:
        plugin = DlgradePlugin(GradingContext(assignment=assignment, workdir=assignment.solution_dir))
        for name in assignment.submit:
            try:
                plugin.load_reference(name[:-3] if name.endswith(".py") else name)
            except Exception:  # noqa: BLE001 - a broken reference shows up, with its traceback, in the tests
                pass
    grader.data.preload()  # the bundled data sets (25 ms), parsed once here rather than in every worker
    # A probe sends its source, read with inspect.getsource; the first call compiles the
    # tokenizer's regular expressions (14 ms), which forked workers would otherwise redo.
    inspect.getsource(warm_up)
    _warm.add(assignment.slug)


def grade_submission(assignment: Assignment, submission: Path, student_id: str,
                     options: GradeOptions | None = None) -> dict:
    """Returns the result document of one submission (see ``SCHEMA``)."""
    options = options or GradeOptions()
    warm_up(assignment)
    t0 = time.perf_counter()
    tests_dir = options.tests_dir or (assignment.public_tests_dir if options.mode == "public"
                                      else assignment.hidden_tests_dir)
    zygote = zygote_for(assignment, options)
    staged = stage_submission(Path(submission), assignment.submit, assignment.provided_files(),
                              only_required=options.only_required, dest=zygote.cfg.workdir if zygote else None)
    result: dict[str, Any] = {
        "id": student_id,
        "path": str(submission),
        "assignment": assignment.id,
        "content_hash": content_hash(Path(submission)) if Path(submission).exists() else "",
        "suite_hash": assignment.suite_hash(tests_dir),
        "engine_version": __version__,
        "isolation": "",
        "start": "",  # how the sandbox child started: warm (forked from the zygote) or cold
        "problems": list(staged.problems),
        "static_findings": [],
        "findings": [],  # static and run-time, one list (apply_findings)
        "tests": [],
        "status": "graded",
        "error": None,
    }
    banned: dict = {}
    sources: dict[str, bytes] = {}

    def scan() -> None:  # the static scans, while the worker runs the tests (_run_suite's meanwhile)
        if assignment.numpy_only:
            for rel, text in sources.items():
                if not rel.startswith("tests/"):
                    result["static_findings"] += scan_imports(text, rel, assignment.allowed_imports)
        for rel, text in sources.items():
            if assignment.banned:
                banned.update(scan_banned(text, rel, assignment.banned))
        precompile(staged.path, [rel for rel in sources if not rel.startswith("tests/")])

    try:
        # Read before any of the submission's code runs: once it runs it may rewrite its own files.
        sources.update((rel, (staged.path / rel).read_bytes()) for rel in staged.files if rel.endswith(".py"))
        tests, meta, error = _run_suite(assignment, staged.path, student_id, tests_dir, options, zygote, scan)
        result["tests"], result["isolation"], result["start"] = tests, meta.get("isolation", ""), meta.get("start", "")
        apply_findings(result, banned)
        if error:
            result["error"] = error
    except Exception as exc:  # noqa: BLE001 - an infrastructure failure: reported, never scored as a pass
        result["status"] = "infra_error"
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        if zygote is not None:
            try:
                zygote.request({"op": "reset"})  # nothing of this submission may outlive it
            except Exception:  # noqa: BLE001 - a broken warm-start server is simply stopped
                zygote.stop()
        staged.cleanup()
    finish_scores(result, assignment)
    result["duration_s"] = round(time.perf_counter() - t0, 3)
    return result


def _uses(test: dict, name: str) -> bool:
    return any(f.split(".")[-1] == name or f.split(".")[0] == name or f.startswith(f"{name}(")
               for f in test["functions"])


def _withhold(result: dict, names, messages: list[str]) -> None:
    for t in result["tests"]:
        if t["status"] == "pass" and any(_uses(t, n) for n in names):
            t["status"], t["points"] = "fail", 0.0
            t["message"] = "not credited: " + "; ".join(messages)


def apply_findings(result: dict, banned: dict) -> None:
    """One list of findings, one policy (docs/SECURITY.md): a finding costs the points of every
    test that exercised a function it concerns.

    - a banned shortcut found by the static scan (in the grading process) concerns the function
      or class that uses it;
    - a call the sandbox's run-time guard refused (a blocked framework, a subprocess, ctypes)
      concerns the functions of the test during which it happened (that test already failed).
    ``result["findings"]`` lists them all, with the static import scan's notes (an import that is
    not allowed but never used costs nothing: the run-time guard refuses any use of it).
    """
    findings = list(result["static_findings"])
    for name, messages in banned.items():
        result["static_findings"] += messages
        findings += messages
        _withhold(result, [name], messages)
    for t in list(result["tests"]):
        runtime = t.get("findings") or []
        if runtime:
            names = [f.split(".")[-1] for f in t["functions"]]
            findings += [f"{t['name']}: {m}" for m in runtime]
            _withhold(result, names, runtime)
    result["findings"] = list(dict.fromkeys(findings))


def finish_scores(result: dict, assignment: Assignment) -> None:
    earned = sum(t["points"] for t in result["tests"])
    possible = sum(t["max_points"] for t in result["tests"])
    if not result["tests"] and result["status"] == "graded":
        result["status"] = "infra_error"
        result["error"] = result["error"] or "no test ran"
    result["score"] = round(earned, 4)
    result["max_score"] = round(possible, 4)
    result["percent"] = round(100.0 * earned / possible, 2) if possible else 0.0


def _pytest_args(tests_dir: Path, options: GradeOptions) -> list:
    # --tb=no: pytest would otherwise format a long traceback for every failing test, which
    # cost more CPU than grading a broken submission; students get the engine's messages.
    # -s and the disabled plugins: output capture, warning recording and the fault handler
    # wrap every test (about 1 ms each per test); the worker's output goes nowhere, and a
    # test's verdict never depends on them.
    args = [str(tests_dir), "-c", str(PYTEST_INI), "--rootdir", str(tests_dir), "-p", "no:cacheprovider",
            "-p", "no:stepwise", "-p", "no:logging", "-p", "no:warnings", "-p", "no:faulthandler",
            "-p", "no:junitxml", "-p", "no:pastebin", "-p", "no:doctest", "-s", "--assert=plain", "-q", "--tb=no",
            "--import-mode=importlib", "-W", "ignore"]
    if options.keyword:
        args += ["-k", options.keyword]
    return args


_servers: dict = {}
_broken_suites: set = set()


def _server_for(assignment, tests_dir, options, zygote):
    """This process's suite server for these settings (None if the suite cannot be collected)."""
    from grader.plugin import DlgradePlugin, GradingContext
    from grader.grading.suite_server import SuiteServer

    key = (assignment.slug, str(tests_dir), options.mode, options.keyword, options.isolation, options.device,
           tuple(options.hide), os.getpid())
    if key in _broken_suites:
        return None
    server = _servers.get(key)
    if server is not None and server.zygote is zygote:
        return server
    if server is not None:
        server.close()
    ctx = GradingContext(assignment=assignment, workdir=Path(os.devnull), mode=options.mode,
                         isolation=options.isolation, device=options.device, hide=options.hide, zygote=zygote)
    server = SuiteServer(_pytest_args(tests_dir, options), ctx, DlgradePlugin)
    server.zygote = zygote
    _servers[key] = server
    multiprocessing.util.Finalize(server, server.close, exitpriority=20)
    server.key = key
    return server


def _run_suite(assignment, workdir, student_id, tests_dir, options, zygote=None, meanwhile=None):
    """Runs the suite on one staged submission in a grading worker: (tests, meta, error).
    ``meanwhile()`` runs here while the worker grades (exactly once, whichever way)."""
    from grader.grading.suite_server import ServerGone, _call

    fd, lines_path = scratch.mkstemp("dlgrade-results-", ".jsonl")
    os.close(fd)
    meta_path = lines_path + ".meta"
    if meanwhile is not None:  # once, even when the suite server goes away after running it
        meanwhile = _once(meanwhile)
    try:
        server = _server_for(assignment, tests_dir, options, zygote) if options.suite_server else None
        error = None
        if server is not None:
            try:
                error = server.run({"workdir": str(workdir), "id": student_id, "secret": options.secret,
                                    "lines": lines_path, "meta": meta_path}, assignment.limits.suite_timeout_s,
                                   meanwhile)
            except ServerGone:  # the suite could not be collected: grade the slow way, which says why
                server.close()
                _servers.pop(server.key, None)
                _broken_suites.add(server.key)
                server = None
        if server is None:
            pid = os.fork()
            if pid == 0:  # the grading worker
                code = 1
                try:
                    die_with_parent()
                    code = _worker(assignment, workdir, student_id, tests_dir, options, Path(lines_path),
                                   meta_path, zygote)
                finally:
                    os._exit(code)
            failure = _call(meanwhile)
            error = _wait(pid, assignment.limits.suite_timeout_s)
            if failure is not None:
                raise failure
        tests = _read_lines(lines_path)
        meta: dict = {}
        if os.path.exists(meta_path):
            with open(meta_path, encoding="utf-8") as f:
                meta = json.load(f)
            if meta.get("collect_error"):
                error = meta["collect_error"]
        return tests, meta, error
    finally:
        for p in (lines_path, meta_path):
            try:
                os.unlink(p)
            except OSError:
                pass


def precompile(folder: Path, files: list[str]) -> None:
    """Writes each module's bytecode (``__pycache__``, as the child's interpreter names it) so
    that the sandbox child's import skips compiling: done here while the worker starts, it takes
    a few milliseconds off each submission's critical path. Compiling runs none of the code.
    Written atomically and checked by the source's mtime and size, so a child that imports first
    (it compiles the source itself then) or a file rewritten since makes the cache unused, never
    wrong; staging never copies a submission's own ``__pycache__``."""
    for rel in files:
        try:
            py_compile.compile(str(folder / rel), doraise=True)
        except (py_compile.PyCompileError, OSError, ValueError, RecursionError, MemoryError):
            pass  # the child compiles it itself and reports what is wrong


def _once(fn):
    ran: list[bool] = []

    def call():
        if not ran:
            ran.append(True)
            fn()

    return call


def _wait(pid: int, limit_s: float) -> str | None:
    deadline = time.monotonic() + limit_s
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if os.WIFSIGNALED(status):
                return f"the grading worker died with signal {os.WTERMSIG(status)}"
            return None
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return f"the suite's time limit of {limit_s:g} s was reached; unfinished tests earn nothing"
        time.sleep(0.01)


def _read_lines(path) -> list:
    tests = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    tests.append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # a line cut by a kill: that test did not finish
    return tests


def _worker(assignment, workdir, student_id, tests_dir, options, lines_path, meta_path, zygote=None) -> int:
    import pytest

    from grader.plugin import DlgradePlugin, GradingContext

    # The worker's own output is not the student's business and never parsed.
    devnull = os.open(os.devnull, os.O_WRONLY)
    if not log.isEnabledFor(logging.DEBUG):  # --verbose keeps pytest's own output
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    ctx = GradingContext(
        assignment=assignment, workdir=workdir, student_id=student_id, secret=options.secret, mode=options.mode,
        isolation=options.isolation, device=options.device, hide=options.hide, results_path=lines_path,
        zygote=zygote,
    )
    plugin = DlgradePlugin(ctx)
    code = pytest.main(_pytest_args(tests_dir, options), plugins=[plugin])
    meta = {**ctx.run_meta(plugin.session), "exit": int(code)}
    if int(code) in (2, 3, 4):  # interrupted, internal error, usage error: the suite itself broke
        meta["collect_error"] = f"the test suite could not run (pytest exit code {int(code)})"
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(meta, f)
    sys.stdout.flush()
    return 0

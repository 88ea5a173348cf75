"""Shared by the example-submission tests: grade a folder of examples through the CLI once per session.

``graded_examples`` (the session fixture in tests/conftest.py) returns ``get(aid) -> ExampleBatch``:
the first call grades examples/submissions/<aid> with ``dlgrade grade ... --json``; later calls, from
any test module, reuse that run. A04's batch is graded inside a host watch (a04_host_watch.py) that
records what the hostile examples try to do outside their sandbox, so that its tests need no second run.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions"
# seconds one assignment's batch may take (A08/A09 train networks; A04 has an infinite loop and a memory bomb)
TIMEOUTS = {"a01": 900, "a03": 600, "a04": 900}
DEFAULT_TIMEOUT = 1200


@dataclass
class ExampleBatch:
    """One ``dlgrade grade`` run over examples/submissions/<aid>.

    ``results``: submission id (folder name) -> its entry of the results document; ``doc``: the whole
    document; ``watch``: what a host watch recorded around the run (A04 only, else empty).
    """
    aid: str
    results: dict[str, dict]
    doc: dict
    elapsed: float
    stdout: str
    watch: dict[str, Any] = field(default_factory=dict)


def example_folders(aid: str) -> list[str]:
    """The example folders of ``aid`` (generated and hand-written), sorted."""
    return sorted(p.name for p in (EXAMPLES / aid).iterdir() if p.is_dir() and not p.name.startswith((".", "__")))


def grade_doc(assignment_id: str, folder: Path, tmp: Path, timeout: float = DEFAULT_TIMEOUT) -> tuple[dict, float, str]:
    """``dlgrade grade <id> <folder> --json`` in a fresh gradebook: (the results document, seconds, stdout)."""
    out = tmp / f"{assignment_id}_results.json"
    env = dict(os.environ, DLGRADE_SECRET=f"{assignment_id}-examples-test-secret", DLGRADE_ROOT=str(ROOT))
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", "grade", assignment_id, str(folder), "--json",
         str(out), "--gradebook", str(tmp / "gb.sqlite"), "--regrade", "-q"],
        cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, f"dlgrade grade {assignment_id} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(out.read_text()), elapsed, proc.stdout


def grade_examples(assignment_id: str, folder: Path, tmp: Path, timeout: float = DEFAULT_TIMEOUT) -> dict[str, dict]:
    """The results of :func:`grade_doc` by submission id."""
    doc, _, _ = grade_doc(assignment_id, folder, tmp, timeout)
    return {s["id"]: s for s in doc["submissions"]}


def _watch_for(aid: str, tmp: Path) -> AbstractContextManager[dict[str, Any]]:
    if aid == "a04":
        from a04_host_watch import host_watch
        return host_watch(tmp)
    return nullcontext({})


def grade_batch(aid: str, tmp: Path) -> ExampleBatch:
    """Grades examples/submissions/<aid> once (inside its host watch, if it has one)."""
    with _watch_for(aid, tmp) as watch:
        doc, elapsed, stdout = grade_doc(aid, EXAMPLES / aid, tmp, TIMEOUTS.get(aid, DEFAULT_TIMEOUT))
    return ExampleBatch(aid, {s["id"]: s for s in doc["submissions"]}, doc, elapsed, stdout, watch)


def batch_cache(mktemp: Callable[[str], Path]) -> Callable[[str], ExampleBatch]:
    """get(aid) -> ExampleBatch, grading each assignment at most once; a failed run is re-raised, not retried."""
    cache: dict[str, ExampleBatch | BaseException] = {}

    def get(aid: str) -> ExampleBatch:
        if aid not in cache:
            try:
                cache[aid] = grade_batch(aid, mktemp(f"{aid}_examples"))
            except (AssertionError, subprocess.TimeoutExpired, OSError, ValueError) as exc:
                cache[aid] = exc
        got = cache[aid]
        if isinstance(got, BaseException):
            raise got
        return got

    return get


def cases_by_name(sub: dict, with_cases: bool = True) -> dict[str, list[dict]]:
    """'test_x' -> every case of test_x; with ``with_cases``, also 'test_x[p]' -> that case only."""
    by: dict[str, list[dict]] = {}
    for t in sub["tests"]:
        by.setdefault(t["name"].split("[")[0], []).append(t)
        case = t["id"].split("::")[-1]
        if with_cases and "[" in case:
            by.setdefault(case, []).append(t)
    return by

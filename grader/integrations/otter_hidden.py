"""Runs inside otter's grading kernel (standard library only): otter's hidden tests delegate to dlgrade.

``dlgrade export otter`` ships this file and the course (``dlgrade_course/``: the assignment and
its solutions/) as otter-assign ``autograder_files``, which otter copies beside the submission
only when it grades (never into the student's notebook folder). Every hidden otter test calls
:func:`check`; the first call grades the submitted notebook once with ``dlgrade grade`` (the
hidden tests run in dlgrade's sandbox, not in this kernel) and caches the results document.
``$DLGRADE_OTTER_DLGRADE`` names the ``dlgrade`` executable (default: the one on PATH).
"""
import glob
import json
import os
import shutil
import subprocess
import tempfile

ASSIGNMENT = "{assignment}"
ISOLATION = "{isolation}"
SECRET = "{secret}"
CACHE = ".dlgrade-otter-results.json"


def _grade() -> dict:
    here = os.path.dirname(os.path.abspath(__file__))
    notebooks = sorted(p for p in glob.glob(os.path.join(here, "*.ipynb")))
    if len(notebooks) != 1:
        raise RuntimeError(f"expected one submitted notebook beside {__file__}, found {notebooks}")
    work = tempfile.mkdtemp(prefix="dlgrade-otter-")
    try:
        subs = os.path.join(work, "subs")
        os.mkdir(subs)
        shutil.copy(notebooks[0], os.path.join(subs, "submission.ipynb"))
        out = os.path.join(work, "results.json")
        env = dict(os.environ, DLGRADE_ROOT=os.path.join(here, "dlgrade_course"), DLGRADE_SECRET=SECRET)
        proc = subprocess.run([os.environ.get("DLGRADE_OTTER_DLGRADE", "dlgrade"), "grade", ASSIGNMENT, subs,
                               "--json", out, "--gradebook", os.path.join(work, "book.sqlite"), "-j", "1", "-q",
                               "--isolation", ISOLATION], env=env, capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.exists(out):
            raise RuntimeError(f"dlgrade grade failed ({proc.returncode}): {proc.stderr[-1500:]}")
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = doc["submissions"][0]
    if result.get("status") == "infra_error":
        raise RuntimeError(f"dlgrade infrastructure error: {result.get('error')}")
    return result


def check(test_id: str) -> None:
    """Passes when dlgrade's hidden test ``test_id`` passed; else fails with dlgrade's message."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), CACHE)
    if not os.path.exists(path):
        result = _grade()
        with open(path, "w", encoding="utf-8") as f:
            json.dump(result, f)
    with open(path, encoding="utf-8") as f:
        result = json.load(f)
    tests = {t["id"]: t for t in result["tests"]}
    if test_id not in tests:
        raise AssertionError(f"{test_id}: not run ({result.get('error') or 'the submission could not be graded'})")
    t = tests[test_id]
    if t["status"] != "pass" or t["points"] < t["max_points"]:
        raise AssertionError(t.get("message") or f"{test_id} failed")

"""Time ``otter.api.grade_submission`` per submission (runs inside the otter venv).

Called by bench_grading.py as
    $OTTER_ENV/bin/python benchmarks/_otter_driver.py AUTOGRADER_ZIP RESULTS_JSON TIMEOUT_S NB...

otter's non-containerized grade_submission executes the notebook with nbconvert and no
execution timeout, so a submission with an infinite loop never returns. To survive that,
each call runs in a forked child of this (already warm, otter imported) process; the
parent kills the child and everything it started (the Jupyter kernel runs in its own
session) after TIMEOUT_S. The time reported per submission is measured inside the child
around the grade_submission call alone; the fork costs a few milliseconds and is
reported separately as wall time.
"""
import json
import os
import signal
import sys
import time

import otter  # noqa: F401 - warm import before forking
from otter.api import grade_submission

try:
    import psutil
except ImportError:  # pragma: no cover - ipykernel depends on psutil
    psutil = None


def _kill_tree(pid):
    procs = []
    if psutil is not None:
        try:
            procs = psutil.Process(pid).children(recursive=True)
        except psutil.NoSuchProcess:
            procs = []
    for p in procs:
        try:
            p.kill()
        except Exception:  # noqa: BLE001 - otter's own failures are measured, not raised
            pass
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def grade_one(ag_zip, nb, timeout):
    r, w = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        out = {}
        try:
            sys.stdout.flush()
            s0 = time.perf_counter()
            res = grade_submission(nb, ag_zip, quiet=True)
            out["api_s"] = time.perf_counter() - s0
            out["score"] = res.total
            out["possible"] = res.possible
            out["tests"] = {name: res.get_score(name) for name in res.test_files}
            err = res.catastrophic_error
            if err is not None:
                out["error"] = f"{type(err).__name__}: {err}"[:300]
        except BaseException as exc:  # noqa: BLE001
            out["api_s"] = time.perf_counter() - s0
            out["error"] = f"{type(exc).__name__}: {exc}"[:300]
        with os.fdopen(w, "w") as f:
            json.dump(out, f)
        os._exit(0)
    os.close(w)
    deadline = t0 + timeout
    status = None
    while time.perf_counter() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    else:
        _kill_tree(pid)
        os.waitpid(pid, 0)
        os.close(r)
        return {"timeout": True, "wall_s": time.perf_counter() - t0, "score": 0}
    with os.fdopen(r) as f:
        data = f.read()
    out = json.loads(data) if data else {"error": f"child exited with status {status}"}
    out["wall_s"] = time.perf_counter() - t0
    return out


def main():
    ag_zip, results_json, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    results = {}
    for nb in sys.argv[4:]:
        student = os.path.basename(os.path.dirname(nb))
        results[student] = grade_one(ag_zip, nb, timeout)
        r = results[student]
        print(f"  otter {student}: {r.get('api_s', r['wall_s']):6.2f} s  score {r.get('score')}"
              + ("  TIMEOUT" if r.get("timeout") else "") + (f"  ({r['error'][:60]})" if r.get("error") else ""),
              flush=True)
    with open(results_json, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()

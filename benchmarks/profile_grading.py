"""Where the time of `dlgrade grade` goes: a sampling profile of every process, bucketed.

Runs ``dlgrade grade a04 SUBS -j 1`` under py-spy (``--subprocesses``: the grading process, the
suite server, the per-submission workers, the warm-start server and the sandbox children) and
sorts the samples in which a process was on the CPU into the engine's parts: the student's
functions in the sandbox child, the reference computations, the checks and pytest's hooks in the
grading worker, the protocol on both sides, the forks, the static scan, start-up and results.
Time spent waiting (a worker waiting for the child's answer, say) is left out, so the buckets
add up to the CPU time of the run.

py-spy is not a project dependency: ``pip install py-spy`` into any venv and pass its path with
``--py-spy`` (default: ``py-spy`` on PATH). Sampling slows the run down (about 1.3x at 250 Hz),
so read the shares, not the absolute times.

    python benchmarks/profile_grading.py --copies 60                      # 60 copies of the reference, full suite
    python benchmarks/profile_grading.py --copies 60 --root /tmp/bench/equiv-course   # the equivalent checks
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WAITING = ("_read_exact", "select", "_event", "waitpid", "_lines", "recv", "poll", "sleep", "wait (")


def _file(frame: str) -> str:
    return frame.rpartition(" (")[2].rpartition(":")[0]


def _calls_reference(funcs: list[str]) -> bool:
    """Whether a test body was inside the reference: py-spy names the course's own modules by
    their bare file name (``nn_basics.py``), libraries by a path (``numpy/...``)."""
    tests = [i for i, f in enumerate(funcs) if _file(f).startswith("test_")]
    return bool(tests) and any("/" not in _file(f) and not _file(f).startswith(("test_", "<", "conftest"))
                               for f in funcs[tests[0] + 1:])


def bucket(frames: list[str]) -> str | None:
    """The part of the engine one sample belongs to; None for a process that was waiting."""
    procs = [f for f in frames if f.startswith("process ")]
    funcs = [f for f in frames if not f.startswith("process ")]
    if not funcs or any(w in funcs[-1] for w in WAITING):
        return None
    cmd, stack = procs[-1] if procs else "", ";".join(funcs)
    if "grader.sandbox.zygote" in cmd or "grader.sandbox.child" in cmd:
        if "op_call" in stack:
            return "sandbox child: the student's functions"
        if "serve" in stack:
            return "sandbox child: protocol, decoding, import"
        return "warm-start server: fork, reset"
    if "bwrap" in cmd:
        return "bubblewrap"
    if "_run_items" in stack:
        if "_Remote" in stack or "proxy.py" in stack or "protocol.py" in stack or "launcher.py" in stack:
            return "grading worker: sandbox calls (protocol)"
        if "pytest_pyfunc_call" in stack and _calls_reference(funcs):
            return "grading worker: reference computations"
        if "pytest_pyfunc_call" in stack:
            return "grading worker: checks (test bodies, comparisons)"
        return "grading worker: pytest hooks, fixtures, reporting"
    if "pytest_runtestloop" in stack:
        return "suite server: forking a worker"
    if "_serve" in stack:
        return "suite server: collecting the suite (once)"
    if "scan_imports" in stack or "scan_banned" in stack:
        return "grading process: static scan"
    if "stage_submission" in stack or "cleanup" in stack:
        return "grading process: staging"
    return "grading process: start-up, results, gradebook"


def buckets(raw: Path) -> collections.Counter:
    counts: collections.Counter = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        part = bucket(stack.split(";"))
        if part is not None:
            counts[part] += int(n)
    return counts


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=60, help="copies of the submission to grade (default 60)")
    ap.add_argument("--submission", type=Path, default=REPO / "examples/submissions/a04/correct")
    ap.add_argument("--root", type=Path, default=None, help="course root ($DLGRADE_ROOT; default this checkout)")
    ap.add_argument("--rate", type=int, default=250, help="samples per second (default 250)")
    ap.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    ap.add_argument("--dlgrade", default=str(Path(sys.executable).with_name("dlgrade")))
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="dlgrade-profile-"))
    subs = work / "subs"
    for i in range(args.copies):
        shutil.copytree(args.submission, subs / f"s{i:04d}")
    env = dict(os.environ, OMP_NUM_THREADS="1", DLGRADE_ROOT=str(args.root or REPO))
    raw, results = work / "samples.txt", work / "results.json"
    cmd = [args.py_spy, "record", "--subprocesses", "-r", str(args.rate), "-f", "raw", "-o", str(raw), "--",
           args.dlgrade, "grade", "a04", str(subs), "--json", str(results), "--gradebook", str(work / "gb.sqlite"),
           "--regrade", "-q", "-j", "1", "--secret", "profile"]
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    subs_done = json.loads(results.read_text())["submissions"]
    counts = buckets(raw)
    total = sum(counts.values())
    n = len(subs_done)
    print(f"dlgrade grade a04, {n} copies of {args.submission.name}, -j 1, {args.rate} Hz; "
          f"median duration_s under the profiler {statistics.median(s['duration_s'] for s in subs_done):.3f} s")
    print(f"{'part':52} {'CPU s':>7} {'ms/submission':>14} {'share':>6}")
    for part, c in counts.most_common():
        print(f"{part:52} {c / args.rate:7.2f} {1000 * c / args.rate / n:14.1f} {100 * c / total:5.1f}%")
    print(f"{'all (CPU time of every process)':52} {total / args.rate:7.2f} {1000 * total / args.rate / n:14.1f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Class-report benchmark: build time and size of `dlgrade gradebook report a04` at N submissions.

1. Generates N A04 submissions (benchmarks/generate_submissions.py's mix, dlgrade format).
2. Grades ONE submission of each variant for real (`dlgrade grade`, the full hidden suite) to
   get a true result document per variant (messages, figures, timeouts, crashes).
3. Writes a gradebook of N current grades: each student gets the result of its variant's graded
   representative, with the student's own id, folder and content hash (so the similarity part
   reads and compares all N real files). Grading all N for real takes minutes (see
   bench_throughput.py); the report does not care how the rows were made.
   With --reorder every submission's functions are then put in another order, so that no two
   programs are identical and the similarity part has to score every pair.
4. Builds the report in-process (timings per step) and once more through the CLI (wall time
   including the interpreter start), and prints the page's size.

    python benchmarks/bench_report.py --n 1000 [--work /tmp/dlgrade-bench/report]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))
import generate_submissions as gen  # noqa: E402

ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}


def dlgrade() -> str:
    exe = Path(sys.executable).with_name("dlgrade")
    return str(exe) if exe.exists() else "dlgrade"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path("/tmp/dlgrade-bench/report"))
    ap.add_argument("--isolation", default="auto")
    ap.add_argument("--reorder", action="store_true",
                    help="reorder every submission's functions (seed = its number) after grading the "
                         "representatives: all N programs distinct, the similarity part's hardest case")
    args = ap.parse_args(argv)
    env = dict(os.environ, **ONE_THREAD, DLGRADE_ROOT=str(REPO))
    os.environ.update(ONE_THREAD)

    from grader.course import assignment as assignment_mod
    from grader.reports.class_report import build_report
    from grader.batch.gradebook import Gradebook, GradingKey
    from grader.grading.runner import content_hash

    work = args.work
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    t0 = time.perf_counter()
    manifest = gen.generate(args.n, work / "subs", args.seed, formats=("dlgrade",))
    subs = work / "subs" / "dlgrade"
    print(f"generated {args.n} submissions in {time.perf_counter() - t0:.1f} s")

    # one real grading per variant
    reps: dict[str, str] = {}
    for sid, info in manifest["students"].items():
        reps.setdefault(info["variant"], sid)
    rep_dir = work / "representatives"
    for variant, sid in reps.items():
        shutil.copytree(subs / sid, rep_dir / variant)
    t0 = time.perf_counter()
    cmd = [dlgrade(), "grade", "a04", str(rep_dir), "--gradebook", str(work / "representatives.sqlite"),
           "--json", str(work / "representatives.json"), "--isolation", args.isolation, "--quiet",
           "--secret", "dlgrade-bench"]
    subprocess.run(cmd, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
    graded = {r["id"]: r for r in json.loads((work / "representatives.json").read_text())["submissions"]}
    print(f"graded {len(graded)} representatives (one per variant) in {time.perf_counter() - t0:.1f} s: "
          + ", ".join(f"{v} {graded[v]['score']:g}" for v in sorted(graded)))
    with Gradebook(work / "representatives.sqlite") as book:
        row = book.conn.execute("SELECT suite_hash, engine_hash, options_hash FROM runs LIMIT 1").fetchone()
        key = GradingKey(*row)

    if args.reorder:
        import similarity_variants as variants

        for sid in manifest["students"]:
            f = subs / sid / "nn_basics.py"
            try:
                f.write_text(variants.reorder_functions(f.read_text(), int(sid[7:])))
            except SyntaxError:
                pass  # the syntax-error variant stays as it is
        print("every submission's functions reordered (all programs distinct)")

    # N current grades, each with the student's own files
    book_path = work / "gradebook.sqlite"
    t0 = time.perf_counter()
    with Gradebook(book_path) as book:
        with book.transaction():
            for sid, info in manifest["students"].items():
                folder = subs / sid
                res = json.loads(json.dumps(graded[info["variant"]]))
                res.update(id=sid, path=str(folder), content_hash=content_hash(folder))
                book.record("a04", res, source_path=str(folder), kind="folder", key=key)
    print(f"gradebook with {args.n} current grades written in {time.perf_counter() - t0:.1f} s")

    # the report, in-process and through the CLI
    a = assignment_mod.load("a04", REPO)
    out = work / "out"
    with Gradebook(book_path) as book:
        path, timings = build_report(book, a, out)
    size = path.stat().st_size
    print(f"in-process build: {timings['total']:.2f} s (" + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()
                                                          if k != "total") + f"); {size / 1e6:.2f} MB")
    t0 = time.perf_counter()
    subprocess.run([dlgrade(), "gradebook", "--gradebook", str(book_path), "report", "a04", "--out", str(out)],
                   cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    size = path.stat().st_size
    print(f"CLI `dlgrade gradebook report a04` at {args.n} submissions: {wall:.2f} s wall, "
          f"{size / 1e6:.2f} MB ({size} bytes) -> {path}")
    ok = wall < 10 and size < 5e6
    print("within the limits (< 10 s, < 5 MB)" if ok else "OVER THE LIMITS (10 s, 5 MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Throughput and resume benchmark: `dlgrade grade` on N generated A04 submissions.

1. Generates N A04 submissions (benchmarks/generate_submissions.py's mix, dlgrade format
   only) and times one `dlgrade grade a04 SUBS --workers W --quiet --json ... --gradebook
   FRESH` over them with the course's full hidden suite: total wall time, submissions/s and
   the median per-submission `duration_s` of the JSON.
2. Resume: grades the same submissions into another fresh gradebook, SIGKILLs the CLI's
   process group after --kill-frac of the first run's wall time (default 0.5), then runs
   the same command again (no --regrade). It prints how many results the killed run had
   committed, how many the second run skipped as unchanged and how many it graded, and
   checks the gradebook: exactly N current grades (table ``grades``), one run per
   submission (nothing graded twice), the killed batch left unfinished, the SQLite
   integrity check, and the scores against the uninterrupted run of step 1. It also
   prints the engine code hash of each batch: results graded by other grader/ code are
   regraded by design, so a commit to grader/ between the two runs defeats the resume.

Everything is written under --work (default /tmp/dlgrade-bench/throughput).

    python benchmarks/bench_throughput.py --n 1000            # about 2.5x the time of one full run
    python benchmarks/bench_throughput.py --n 1000 --skip-full --kill-after 500   # resume only
    python benchmarks/bench_throughput.py --n 100 --skip-resume
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import generate_submissions as gen  # noqa: E402
from bench_grading import ONE_THREAD, find_dlgrade  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def loadavg() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def env() -> dict:
    return dict(os.environ, **ONE_THREAD, PYTHONWARNINGS="ignore", DLGRADE_ROOT=str(REPO))


def grade_cmd(exe: Path, subs: Path, workers: int, json_path: Path, gradebook: Path) -> list[str]:
    return [str(exe), "grade", "a04", str(subs), "--workers", str(workers), "--quiet", "--secret", "dlgrade-bench",
            "--json", str(json_path), "--gradebook", str(gradebook)]


def run(cmd: list[str], kill_after: float | None = None) -> tuple[float, int, str, list[str]]:
    """Runs ``cmd`` in its own process group; with ``kill_after``, SIGKILLs the group then."""
    log(f"[run] {' '.join(cmd)}" + (f"  (SIGKILL of the process group after {kill_after:.0f} s)" if kill_after else ""))
    out_path = Path(cmd[cmd.index("--json") + 1]).with_suffix(".log")
    t0 = time.perf_counter()
    with open(out_path, "w") as out:
        p = subprocess.Popen(cmd, cwd=REPO, env=env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = p.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            rc = p.wait()
    wall = time.perf_counter() - t0
    time.sleep(1.0 if kill_after else 0)
    left = leftover(p.pid) if kill_after else []
    return wall, rc, out_path.read_text(errors="replace"), left


def leftover(pgid: int) -> list[str]:
    """Live (not zombie) processes still in the killed CLI's process group."""
    p = subprocess.run(["ps", "-eo", "pid=,pgid=,stat=,args="], capture_output=True, text=True)
    return [l.strip() for l in p.stdout.splitlines()
            if l.split()[1:2] == [str(pgid)] and not l.split()[2].startswith("Z")]


def results(json_path: Path) -> dict:
    try:
        doc = json.loads(json_path.read_text())
    except (OSError, ValueError):
        return {}
    return {r["id"]: r for r in doc.get("submissions", [])}


def db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def summary_line(text: str) -> str:
    flat = " ".join(text.split())
    m = re.search(r"\d+ submissions: .*?gradebook: \S+", flat)
    return m.group(0) if m else flat[-300:]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path("/tmp/dlgrade-bench/throughput"))
    ap.add_argument("--kill-frac", type=float, default=0.5, help="kill the resume run after this fraction of "
                    "the full run's wall time (default 0.5)")
    ap.add_argument("--kill-after", type=float, help="kill after this many seconds instead")
    ap.add_argument("--skip-full", action="store_true", help="no uninterrupted run (needs --kill-after)")
    ap.add_argument("--skip-resume", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if args.skip_full and not args.kill_after and not args.skip_resume:
        ap.error("--skip-full needs --kill-after")
    exe = find_dlgrade()
    if exe is None:
        ap.error("no dlgrade CLI (pip install -e . in .venv)")
    load_start = loadavg()
    args.work.mkdir(parents=True, exist_ok=True)
    subs = args.work / "submissions"
    t0 = time.perf_counter()
    manifest = gen.generate(args.n, subs, args.seed, formats=("dlgrade",))
    gen_s = time.perf_counter() - t0
    sub_dir = subs / "dlgrade"
    cats: dict[str, int] = {}
    for s in manifest["students"].values():
        cats[s["category"]] = cats.get(s["category"], 0) + 1
    log(f"[generate] {args.n} submissions in {sub_dir} ({gen_s:.1f} s)")
    lines = [f"A04 throughput benchmark — {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}",
             f"submissions: {args.n} generated (seed {args.seed}): " + ", ".join(f"{k} {v}" for k, v in cats.items())
             + f"; hidden suite: solutions/a04_nn_basics/tests (full); --workers {args.workers}"]
    figures: dict = {"n": args.n, "workers": args.workers, "categories": cats}

    full = {}
    if args.skip_full:
        full = results(args.work / "full" / "results.json")  # an earlier uninterrupted run, if any
    else:
        d = args.work / "full"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        cmd = grade_cmd(exe, sub_dir, args.workers, d / "results.json", d / "gradebook.sqlite")
        wall, rc, out, _ = run(cmd)
        full = results(d / "results.json")
        durs = [r["duration_s"] for r in full.values() if isinstance(r.get("duration_s"), (int, float))]
        statuses: dict[str, int] = {}
        for r in full.values():
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        med = statistics.median(durs) if durs else None
        slow = sorted(((r.get("duration_s") or 0, k) for k, r in full.items()), reverse=True)[:3]
        figures["full"] = {"wall_s": wall, "rc": rc, "results": len(full), "median_s": med,
                           "statuses": statuses, "cmd": cmd}
        lines += ["", "1. one uninterrupted run (fresh gradebook):",
                  f"   command: dlgrade grade a04 SUBS --workers {args.workers} --quiet --secret ... --json ... "
                  f"--gradebook FRESH   (rc {rc})",
                  f"   total wall time {wall:.1f} s for {len(full)} results: {len(full) / wall:.2f} submissions/s, "
                  f"{wall / max(len(full), 1):.3f} s wall per submission",
                  f"   per-submission duration_s (JSON): median {med:.3f} s, mean {statistics.mean(durs):.3f} s, "
                  f"p90 {statistics.quantiles(durs, n=10)[-1]:.3f} s, max {max(durs):.1f} s" if durs else "   no durations",
                  f"   statuses: {statuses}",
                  "   slowest: " + ", ".join(f"{k} ({manifest['students'][k]['variant']}) {t:.1f} s" for t, k in slow),
                  f"   CLI summary: {summary_line(out)}"]

    if not args.skip_resume:
        d = args.work / "resume"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        book = d / "gradebook.sqlite"
        kill_after = args.kill_after or args.kill_frac * figures["full"]["wall_s"]
        cmd1 = grade_cmd(exe, sub_dir, args.workers, d / "killed.json", book)
        wall1, rc1, _, left = run(cmd1, kill_after=kill_after)
        with db(book) as c:
            committed = c.execute("SELECT COUNT(*) FROM grades WHERE assignment = 'a04'").fetchone()[0]
            runs1 = c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        cmd2 = grade_cmd(exe, sub_dir, args.workers, d / "resumed.json", book)
        wall2, rc2, out2, _ = run(cmd2)
        resumed = results(d / "resumed.json")
        with db(book) as c:
            batches = [dict(r) for r in c.execute("SELECT id, graded, reused, errors, started_at, finished_at "
                                                    "FROM batches ORDER BY id")]
            n_grades = c.execute("SELECT COUNT(*) FROM grades WHERE assignment = 'a04'").fetchone()[0]
            n_students = c.execute("SELECT COUNT(DISTINCT student_id) FROM grades WHERE assignment = 'a04'").fetchone()[0]
            n_runs = c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            dup = c.execute("SELECT COUNT(*) FROM (SELECT submission_id FROM runs GROUP BY submission_id "
                            "HAVING COUNT(*) > 1)").fetchone()[0]
            engines = [tuple(r) for r in c.execute("SELECT batch_id, engine_hash, COUNT(*) FROM runs "
                                                    "GROUP BY batch_id, engine_hash ORDER BY batch_id")]
            cur = {r["student_id"]: (r["score"], r["content_hash"]) for r in c.execute(
                "SELECT g.student_id, r.score, s.content_hash FROM grades g JOIN runs r ON r.id = g.run_id "
                "JOIN submissions s ON s.id = r.submission_id WHERE g.assignment = 'a04'")}
        # the current grade of every student is the run of the content on disk
        latest = sum(1 for sid, r in resumed.items() if sid in cur and cur[sid][1] == r["content_hash"])
        show = subprocess.run([str(exe), "gradebook", "--gradebook", str(book), "check"], cwd=REPO, env=env(),
                              capture_output=True, text=True)
        shown = subprocess.run([str(exe), "gradebook", "show", "a04", "--gradebook", str(book)], cwd=REPO,
                               env=env(), capture_output=True, text=True)
        shown_rows = sum(1 for l in shown.stdout.splitlines() if re.search(r"\bstudent\d{3,}\b", l))
        same = diff = 0
        diffs = []
        for sid, r in full.items():
            if sid in cur:
                if abs(cur[sid][0] - r["score"]) < 1e-6:
                    same += 1
                else:
                    diff += 1
                    diffs.append(f"{sid} ({manifest['students'][sid]['variant']}) {r['score']:g} vs {cur[sid][0]:g}")
        b2 = batches[-1] if batches else {}
        engine_changed = len({e[1] for e in engines}) > 1
        ok = (n_grades == args.n == n_students == latest and dup == 0 and b2.get("reused") == committed
              and b2.get("graded") == args.n - committed)
        figures["resume"] = {"kill_after_s": kill_after, "killed_wall_s": wall1, "killed_rc": rc1,
                             "committed_before_kill": committed, "leftover": left, "runs_before_kill": runs1,
                             "rerun_wall_s": wall2, "rerun_rc": rc2, "batches": batches, "grades": n_grades,
                             "students": n_students, "runs": n_runs, "dup_runs": dup, "latest": latest,
                             "integrity": show.stdout.strip() or show.stderr.strip(),
                             "show_rows": shown_rows, "same_scores": same, "diff_scores": diffs,
                             "engines": engines, "ok": ok}
        lines += ["", f"2. resume: the same command into a fresh gradebook, SIGKILL of its process group after "
                      f"{kill_after:.0f} s, then run again (no --regrade):",
                  f"   killed run: rc {rc1} after {wall1:.1f} s; {committed} of {args.n} results committed to the "
                  f"gradebook ({runs1} runs); live processes left in its process group 1 s later: {len(left)}",
                  f"   rerun: {wall2:.1f} s (rc {rc2}); batch {b2.get('id')}: {b2.get('reused')} skipped as unchanged, "
                  f"{b2.get('graded')} graded, {b2.get('errors')} infrastructure errors",
                  f"   CLI summary: {summary_line(out2)}",
                  "   batches: " + "; ".join(f"#{b['id']} graded {b['graded']} reused {b['reused']} "
                                             f"{'finished' if b['finished_at'] else 'UNFINISHED (killed)'}"
                                             for b in batches),
                  f"   gradebook: {n_grades} rows in grades for a04 ({n_students} students; expected {args.n}), "
                  f"{latest} of them the run of the submission now on disk; {n_runs} runs in all, "
                  f"{dup} submissions graded twice; `dlgrade gradebook show a04` lists {shown_rows} students; "
                  f"`dlgrade gradebook check`: {(show.stdout.strip() or show.stderr.strip())[:80]}",
                  f"   scores vs the uninterrupted run: {same} equal, {len(diffs)} different"
                  + (f" ({'; '.join(diffs[:5])})" if diffs else ""),
                  "   engine code hash per batch: " + "; ".join(f"#{b} {h} ({k} runs)" for b, h, k in engines)
                  + (" -- the grader/ code CHANGED between the runs, so nothing could be reused "
                     "(results of other engine code are regraded by design)" if engine_changed else ""),
                  f"   OK: {'yes' if ok else 'NO'} (the rerun skipped exactly the {committed} committed results "
                  f"and graded the other {args.n - committed}; exactly {args.n} current grades, all of the "
                  f"latest content; nothing graded twice)"]
    lines.insert(2, f"load average (1/5/15 min) at start {load_start}, at end {loadavg()}")
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()

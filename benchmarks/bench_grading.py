#!/usr/bin/env python
"""Batch-grading benchmark: dlgrade vs nbgrader vs otter-grader on A04, side by side.

Measures, on one set of generated submissions (benchmarks/generate_submissions.py):

  (a) dlgrade: `dlgrade grade a04 SUBS --workers W --json PATH` for W = 1 and 2 (wall
      time of the CLI; per-submission median from the JSON's durations when it has them,
      else wall / N), with two hidden suites:
        - "equivalent checks": the 10 checks of equivalent/checks.py that nbgrader and
          otter run, in dlgrade's format (equivalent/dlgrade/test_equivalent.py), graded
          from a temporary course root (WORK/equiv-course, found through $DLGRADE_ROOT):
          the like-for-like comparison;
        - "full hidden suite": the course's own solutions/a04_nn_basics/tests (44 tests,
          with end-to-end training), as a course would grade A04;
  (b) the in-process floor of each suite: the suite on the reference in the grading
      process, no sandbox (`--isolation none` where dlgrade has it, else plain pytest on
      the tests), plus the equivalent checks called directly in-process;
  (c) nbgrader: one `nbgrader autograde a04` over the batch (per submission = batch / N;
      the median from the per-student log timestamps is shown too);
  (d) otter-grader: `otter.api.grade_submission(...)` per submission (median).

The nbgrader/otter environments come from benchmarks/setup_envs.sh (a tool that is not
installed is reported and skipped). Everything is written under --work
(default /tmp/dlgrade-bench); nothing in the repository is modified.

    python benchmarks/bench_grading.py                 # n=40 (dlgrade, nbgrader), 8 (otter)
    python benchmarks/bench_grading.py --quick         # a smoke run, a minute or two
    python benchmarks/bench_grading.py --skip-otter --n 100 --json /tmp/bench.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "equivalent"))
import build  # noqa: E402
import checks  # noqa: E402
import generate_submissions as gen  # noqa: E402

ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def tool_env(bin_dir: Path | None = None) -> dict:
    env = dict(os.environ, **ONE_THREAD, PYTHONWARNINGS="ignore")
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(bin_dir.parent)
    return env


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# --------------------------------------------------------------------------- dlgrade

def find_dlgrade(python: Path | None = None) -> Path | None:
    """The ``dlgrade`` of the venv whose interpreter is ``python`` (``--python``), else the
    checkout's .venv, else the one on PATH."""
    if python is not None:
        exe = Path(python).parent / "dlgrade"
        return exe if exe.exists() else None
    for cand in (REPO / ".venv" / "bin" / "dlgrade", shutil.which("dlgrade")):
        if cand and Path(cand).exists():
            return Path(cand)
    return None


def dlgrade_help(exe: Path) -> str | None:
    try:
        p = subprocess.run([str(exe), "grade", "--help"], capture_output=True, text=True, timeout=120,
                           cwd=REPO, env=tool_env())
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout if p.returncode == 0 else None


def _has(help_text: str, opt: str) -> bool:
    return re.search(rf"(^|[\s,]){re.escape(opt)}([\s=,\[]|$)", help_text, re.M) is not None


_DURATION_KEYS = ("duration_s", "elapsed_s", "wall_s", "seconds", "time_s", "duration", "elapsed", "runtime_s")


def _walk_submissions(doc):
    """The per-submission records of a `--json` document, whatever the exact nesting."""
    if isinstance(doc, dict):
        for key in ("submissions", "results"):
            if isinstance(doc.get(key), list):
                return doc[key]
            if isinstance(doc.get(key), dict):
                return [dict(v, id=k) if isinstance(v, dict) else v for k, v in doc[key].items()]
    if isinstance(doc, list):
        return doc
    return []


def _num(rec: dict, keys):
    for k in keys:
        v = rec.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
    return None


def parse_dlgrade_json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    out = {}
    for rec in _walk_submissions(doc):
        if not isinstance(rec, dict):
            continue
        sid = str(rec.get("id") or rec.get("submission") or rec.get("student") or rec.get("name") or "")
        sid = Path(sid).name.split(".")[0] if sid else f"#{len(out)}"
        dur = _num(rec, _DURATION_KEYS)
        if dur is None and isinstance(rec.get("timing"), dict):
            dur = _num(rec["timing"], _DURATION_KEYS + ("total_s", "total"))
        out[sid] = {"score": _num(rec, ("score",)), "max": _num(rec, ("max_score", "max", "possible")),
                    "duration": dur, "isolation": rec.get("isolation") or rec.get("isolation_level"),
                    "start": rec.get("start"),
                    "status": rec.get("status"),
                    "n_tests": len(rec["tests"]) if isinstance(rec.get("tests"), list) else None}
    return out


def _common_opts(help_text: str, gradebook: Path) -> list[str]:
    opts = []
    if _has(help_text, "--secret"):
        opts += ["--secret", "dlgrade-bench"]  # fixed, so that reruns see the same inputs
    # a fresh gradebook per run, or dlgrade would skip the unchanged submissions of the
    # previous run (content hash + suite hash): we time grading, not the cache
    for opt in ("--gradebook", "--db", "--gradebook-path"):
        if _has(help_text, opt):
            opts += [opt, str(gradebook)]
            break
    for opt in ("--force", "--no-cache", "--regrade"):
        if _has(help_text, opt):
            opts.append(opt)
            break
    return opts


SUITES = ("equivalent", "full")


def suite_label(suite: str, n_tests: int | None = None) -> str:
    if suite == "equivalent":
        return f"equivalent checks ({len(checks.CHECKS)} tests)"
    return f"full hidden suite ({n_tests or '?'} tests)"


def suite_env(root: Path | None) -> dict:
    """dlgrade finds the course through $DLGRADE_ROOT: the repository for the full suite,
    the temporary course root for the equivalent checks."""
    return dict(tool_env(), DLGRADE_ROOT=str(root or REPO))


def _n_tests(recs: dict) -> int | None:
    counts = [r.get("n_tests") or 0 for r in recs.values()]
    return max(counts) if any(counts) else None


def run_dlgrade(exe, help_text, subs_dir: Path, n: int, workers: int, work: Path, timeout: float,
                suite: str = "full", root: Path | None = None) -> dict:
    run_dir = work / f"dlgrade-{suite}-w{workers}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    json_path = run_dir / "results.json"
    cmd = [str(exe), "grade", "a04", str(subs_dir), "--json", str(json_path)]
    if _has(help_text, "--workers"):
        cmd += ["--workers", str(workers)]
    cmd += _common_opts(help_text, run_dir / "gradebook.sqlite")
    if ISOLATION and _has(help_text, "--isolation"):
        cmd += ["--isolation", ISOLATION]
    for opt in ("--no-progress", "--quiet"):
        if _has(help_text, opt):
            cmd.append(opt)
            break
    log(f"[dlgrade] {' '.join(cmd)}")
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=REPO, env=suite_env(root), capture_output=True, text=True, timeout=timeout)
        rc, tail = p.returncode, (p.stdout + p.stderr)[-1500:]
    except subprocess.TimeoutExpired:
        rc, tail = "timeout", ""
    wall = time.perf_counter() - t0
    recs = parse_dlgrade_json(json_path)
    durs = [r["duration"] for r in recs.values() if r["duration"] is not None]
    res = {"tool": f"dlgrade grade, {suite_label(suite, _n_tests(recs))}", "dlgrade": suite,
           "n": n, "workers": workers, "wall_s": wall, "rc": rc,
           "median_s": median(durs), "median_from": "--json duration_s" if durs else "",
           "throughput": n / wall, "records": recs, "cmd": cmd}
    isos = sorted({str(r["isolation"]) for r in recs.values() if r["isolation"]})
    res["isolation"] = ",".join(isos) or "sandbox child"
    starts: dict[str, int] = {}
    for r in recs.values():
        if r.get("start"):
            starts[r["start"]] = starts.get(r["start"], 0) + 1
    res["start"] = ", ".join(f"{k} {v}" for k, v in sorted(starts.items())) or "not recorded"
    if rc not in (0, 1) or not recs:
        res["note"] = f"rc={rc}; {len(recs)} results parsed; tail: {tail.strip()[-400:]}"
    return res


def run_floor(exe, help_text, ref_text: str, work: Path, reps: int, timeout: float,
              suite: str = "full", root: Path | None = None) -> list[dict]:
    """The hidden suite on the reference without a sandbox, two ways:

    * the floor: plain pytest, in-process, ``student`` = the reference module called directly
      (``floor_plain_pytest.py``: one warm process, ``pytest.main`` once per submission);
    * dlgrade's engine with ``--isolation none``: the same grading path (suite server, forked
      worker, protocol copies) minus the sandbox, i.e. what the sandbox itself costs.
    """
    label = "equivalent checks" if suite == "equivalent" else "full hidden suite"
    course = root or REPO
    rows = []
    py = REPO / ".venv" / "bin" / "python"
    cmd = [str(py if py.exists() else sys.executable), str(Path(__file__).with_name("floor_plain_pytest.py")),
           "--tests", str(course / "solutions" / "a04_nn_basics" / "tests"),
           "--reference", str(course / "solutions" / "a04_nn_basics" / "nn_basics.py"), "--reps", str(reps)]
    log(f"[floor] {' '.join(cmd)}")
    p = subprocess.run(cmd, cwd=REPO, env=suite_env(root), capture_output=True, text=True, timeout=timeout)
    line = next((l for l in p.stdout.splitlines() if l.startswith("FLOOR-JSON ")), None)
    if line is None:
        rows.append({"tool": f"in-process floor, {label} (plain pytest, ref)", "floor_of": suite,
                     "skipped": f"rc={p.returncode}: {(p.stdout + p.stderr).strip()[-300:]}"})
    else:
        fl = json.loads(line[len("FLOOR-JSON "):])
        rows.append({"tool": f"in-process floor, {label} (plain pytest, ref)", "floor_of": suite, "n": reps,
                     "workers": 1, "wall_s": sum(fl["times"]), "median_s": fl["median_s"],
                     "median_from": "pytest.main runs", "isolation": "none (plain pytest, in-process)",
                     "throughput": reps / sum(fl["times"]),
                     "summary": f"{fl['passed']} passed, {fl['failed']} failed, {fl['errors']} errors per run"})
    if exe is None or not help_text or not _has(help_text, "--isolation"):
        return rows
    floor_dir = work / f"floor-{suite}"
    shutil.rmtree(floor_dir, ignore_errors=True)
    for i in range(reps):
        d = floor_dir / "subs" / f"reference{i:03d}"
        d.mkdir(parents=True)
        (d / "nn_basics.py").write_text(f"# copy {i}\n" + ref_text)
    json_path = floor_dir / "results.json"
    cmd = [str(exe), "grade", "a04", str(floor_dir / "subs"), "--isolation", "none", "--json", str(json_path),
           "--workers", "1"] + _common_opts(help_text, floor_dir / "gradebook.sqlite")
    log(f"[floor] {' '.join(cmd)}")
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=REPO, env=suite_env(root), capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    recs = parse_dlgrade_json(json_path)
    durs = [r["duration"] for r in recs.values() if r["duration"] is not None]
    if p.returncode in (0, 1) and recs:
        rows.append({"tool": f"dlgrade engine without sandbox, {label} (--isolation none, ref)",
                     "nosandbox_of": suite, "n": reps, "workers": 1, "wall_s": wall, "median_s": median(durs),
                     "median_from": "--json duration_s", "isolation": "none (trusted, in-process)",
                     "throughput": reps / wall})
    else:
        log(f"[floor] --isolation none failed (rc={p.returncode}): {(p.stdout + p.stderr)[-300:]}")
    return rows


def run_equivalent_in_process(ref: build.Module, reps: int) -> dict:
    ns: dict = {}
    exec(compile(ref.module_text(), "nn_basics_reference", "exec"), ns)  # noqa: S102 (the course reference, trusted)
    times = []
    score = None
    for _ in range(reps):
        t0 = time.perf_counter()
        score, _ = checks.run_in_process(ns)
        times.append(time.perf_counter() - t0)
    return {"tool": "equivalent checks, in-process (reference)", "n": reps, "workers": 1,
            "wall_s": sum(times), "median_s": median(times), "median_from": "runs",
            "isolation": "none", "throughput": reps / sum(times), "score": score}


# --------------------------------------------------------------------------- nbgrader

def run_nbgrader(env_dir: Path, subs: Path, students: list[str], work: Path, timeout: float) -> dict:
    bin_dir = env_dir / "bin"
    course = work / "nbgrader-course"
    shutil.rmtree(course, ignore_errors=True)
    (course / "source" / build.ASSIGNMENT).mkdir(parents=True)
    build.write_notebook(build.nbgrader_notebook(build.load_reference(), release=False),
                         course / "source" / build.ASSIGNMENT / build.NOTEBOOK)
    (course / "nbgrader_config.py").write_text(build.NBGRADER_CONFIG)
    env = tool_env(bin_dir)
    t0 = time.perf_counter()
    p = subprocess.run([str(bin_dir / "nbgrader"), "generate_assignment", build.ASSIGNMENT],
                       cwd=course, env=env, capture_output=True, text=True, timeout=timeout)
    gen_s = time.perf_counter() - t0
    if p.returncode != 0 or not (course / "release" / build.ASSIGNMENT / build.NOTEBOOK).exists():
        return {"tool": "nbgrader autograde", "skipped": f"generate_assignment failed: {p.stderr[-400:]}"}
    for s in students:
        d = course / "submitted" / s / build.ASSIGNMENT
        d.mkdir(parents=True)
        shutil.copy(subs / "nbgrader" / s / build.NOTEBOOK, d / build.NOTEBOOK)
    cmd = [str(bin_dir / "nbgrader"), "autograde", build.ASSIGNMENT]
    log(f"[nbgrader] {' '.join(cmd)}  ({len(students)} submissions, in {course})")
    starts: dict[str, float] = {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    errors = []
    try:
        for line in proc.stderr:
            m = re.search(r"Creating/updating student with ID '([^']+)'", line)
            if m:
                starts[m.group(1)] = time.perf_counter()
            elif "| ERROR]" in line:
                errors.append(line.strip())
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
    wall = time.perf_counter() - t0
    order = sorted(starts, key=starts.get)
    per = {s: (starts[order[i + 1]] if i + 1 < len(order) else t0 + wall) - starts[s] for i, s in enumerate(order)}
    scores = nbgrader_scores(bin_dir, course, students)
    n = len(students)
    return {"tool": "nbgrader autograde", "n": n, "workers": 1, "wall_s": wall, "rc": proc.returncode,
            "median_s": median(per.values()), "median_from": "autograde log timestamps", "per_sub": per,
            "throughput": n / wall, "isolation": "same kernel as student code",
            "generate_assignment_s": gen_s, "scores": scores, "errors": errors[:5]}


def nbgrader_scores(bin_dir: Path, course: Path, students: list[str]) -> dict:
    code = (
        "import json, sys\n"
        "from nbgrader.api import Gradebook\n"
        "out = {}\n"
        "with Gradebook('sqlite:///gradebook.db') as gb:\n"
        "    for s in sys.argv[1:]:\n"
        "        try:\n"
        "            sub = gb.find_submission('a04', s)\n"
        "            out[s] = {'score': sub.score, 'max': sub.max_score}\n"
        "        except Exception as e:\n"
        "            out[s] = {'score': None, 'error': str(e)}\n"
        "print(json.dumps(out))\n"
    )
    p = subprocess.run([str(bin_dir / "python"), "-c", code, *students], cwd=course, env=tool_env(bin_dir),
                       capture_output=True, text=True, timeout=300)
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}


# --------------------------------------------------------------------------- otter

def run_otter(env_dir: Path, subs: Path, students: list[str], work: Path, timeout_each: float) -> dict:
    bin_dir = env_dir / "bin"
    d = work / "otter-assign"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    build.write_notebook(build.otter_master_notebook(build.load_reference()), d / build.NOTEBOOK)
    env = tool_env(bin_dir)
    t0 = time.perf_counter()
    p = subprocess.run([str(bin_dir / "otter"), "assign", build.NOTEBOOK, "dist"], cwd=d, env=env,
                       capture_output=True, text=True, timeout=600)
    assign_s = time.perf_counter() - t0
    zips = sorted((d / "dist" / "autograder").glob("*.zip"))
    if p.returncode != 0 or not zips:
        return {"tool": "otter grade_submission", "skipped": f"otter assign failed: {(p.stdout + p.stderr)[-400:]}"}
    results_json = work / "otter-results.json"
    nbs = [str(subs / "otter" / s / build.NOTEBOOK) for s in students]
    cmd = [str(bin_dir / "python"), str(HERE / "_otter_driver.py"), str(zips[0]), str(results_json),
           str(timeout_each), *nbs]
    log(f"[otter] grade_submission x {len(nbs)} (timeout {timeout_each:.0f} s each, enforced by the harness)")
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=d, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t0
    for line in p.stdout.splitlines():
        if line.startswith("  otter "):
            log(line)
    try:
        res = json.loads(results_json.read_text())
    except (OSError, ValueError):
        return {"tool": "otter grade_submission", "skipped": f"driver failed: {p.stdout[-400:]}"}
    api = [r["api_s"] for r in res.values() if "api_s" in r and not r.get("timeout")]
    timeouts = [s for s, r in res.items() if r.get("timeout")]
    n = len(students)
    return {"tool": "otter grade_submission", "n": n, "workers": 1, "wall_s": wall,
            "median_s": median(api), "median_from": "grade_submission calls (no timeouts)",
            "per_sub_mean_s": statistics.mean(api) if api else None, "throughput": n / wall,
            "isolation": "same kernel as student code", "timeouts": timeouts, "assign_s": assign_s,
            "scores": {s: {"score": r.get("score"), "max": r.get("possible")} for s, r in res.items()}}


# --------------------------------------------------------------------------- report

def fmt(x, spec=".2f", none="-"):
    return none if x is None else format(x, spec)


def _loadavg() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _section(r) -> str:
    if "full" in (r.get("dlgrade"), r.get("floor_of"), r.get("nosandbox_of")):
        return "full"
    return "equivalent"


def _short(r) -> str:
    if r.get("dlgrade"):
        return f"dlg-{'eq' if r['dlgrade'] == 'equivalent' else 'full'} w{r['workers']}"
    return r["tool"].split()[0]


ISOLATION: str | None = None  # --isolation for `dlgrade grade` (main() sets it)


def interpreter_of(exe: Path | None) -> str:
    """The interpreter behind a dlgrade executable: path and version."""
    if exe is None:
        return "none found"
    py = Path(exe).parent / "python"
    try:
        out = subprocess.run([str(py), "-c", "import sys; print(sys.executable, sys.version.split()[0])"],
                             capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    return out or str(py)


def print_report(rows, manifest, args, extra_lines):
    ok = [r for r in rows if "skipped" not in r]
    bases = {suite: next((r for r in ok if r.get("dlgrade") == suite and r.get("workers") == 1), None)
             for suite in SUITES}
    print()
    print(f"A04 batch grading benchmark — {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    cats = {}
    for s in manifest["students"].values():
        cats[s["category"]] = cats.get(s["category"], 0) + 1
    print(f"submissions: {manifest['n']} generated (seed {manifest['seed']}): "
          + ", ".join(f"{k} {v}" for k, v in cats.items()) + f"; reference: {Path(manifest['reference']).relative_to(REPO)}")
    print(f"dlgrade interpreter: {args.interpreter}; isolation asked: {ISOLATION or 'auto'}")
    for r in rows:
        if r.get("dlgrade") and "skipped" not in r:
            print(f"  {r['tool']}, workers {r.get('workers')}: isolation {r.get('isolation')}; "
                  f"sandbox children started: {r.get('start')}")
    for line in extra_lines:
        print(line)
    print(f"load average (1/5/15 min) at start {args.load_start}, at end {_loadavg()}: "
          "the other tools and processes on this machine share its cores")

    def per(r):
        return r["wall_s"] / r["n"]

    def ratio(r, key, base):
        if not base or r is base:
            return ""
        a, b = (per(r), per(base)) if key == "wall" else (r.get("median_s"), base.get("median_s"))
        return f"{a / b:.2f}x" if a and b else "-"

    hdr = (f"{'tool / mode':60} {'N':>3} {'wrk':>3} {'wall s':>7} {'subs/s':>6} {'wall/N s':>8} {'median s':>8}"
           f"  {'/ dlgrade w1':>12} {'/ dlgrade w1':>12}  median from")
    titles = {"equivalent": "equivalent assignment: the same 10 checks (72 points) in every tool; "
                            "ratios / dlgrade grade, equivalent checks, w1",
              "full": "dlgrade with the course's full hidden suite (not comparable with nbgrader/otter); "
                      "ratios / dlgrade grade, full hidden suite, w1"}
    print()
    print(hdr)
    print(f"{'':60} {'':>3} {'':>3} {'':>7} {'':>6} {'':>8} {'':>8}  {'(wall/N)':>12} {'(median)':>12}")
    print("-" * len(hdr))
    for suite in SUITES:
        sec = [r for r in rows if _section(r) == suite]
        if not sec:
            continue
        print(f"[{titles[suite]}]")
        for r in sec:
            if "skipped" in r:
                print(f"{r['tool']:60} skipped: {r['skipped']}")
                continue
            base = bases[suite]
            print(f"{r['tool']:60} {r['n']:>3} {r['workers']:>3} {fmt(r['wall_s'], '.1f'):>7} "
                  f"{fmt(r['n'] / r['wall_s'], '.2f'):>6} {fmt(per(r), '.3f'):>8} {fmt(r.get('median_s'), '.3f'):>8}"
                  f"  {ratio(r, 'wall', base):>12} {ratio(r, 'median', base):>12}  {r.get('median_from', '')}")
            if r.get("note"):
                print(f"{'':6}note: {r['note']}")
    print()

    def both(a, b):
        if not a or not b:
            return "-"
        m = (f"{a['median_s'] / b['median_s']:.2f}x (median)" if a.get("median_s") and b.get("median_s")
             else "- (median)")
        return f"{per(a) / per(b):.2f}x (wall/N), {m}"

    find = lambda pred: next((r for r in ok if pred(r)), None)  # noqa: E731
    eq1, eq2 = bases["equivalent"], find(lambda r: r.get("dlgrade") == "equivalent" and r["workers"] == 2)
    full1 = bases["full"]
    nbg = find(lambda r: r["tool"] == "nbgrader autograde")
    ott = find(lambda r: r["tool"] == "otter grade_submission")
    floors = {suite: find(lambda r, s=suite: r.get("floor_of") == s) for suite in SUITES}
    nosandbox = {suite: find(lambda r, s=suite: r.get("nosandbox_of") == s) for suite in SUITES}
    lines = []
    if eq1:
        lines.append("ratios on the equivalent assignment (per submission; above 1: slower than dlgrade):")
        if nbg:
            lines.append(f"  nbgrader / dlgrade-equivalent w1:  {both(nbg, eq1)}")
            if eq2:
                lines.append(f"  nbgrader / dlgrade-equivalent w2:  {per(nbg) / per(eq2):.2f}x (wall/N)")
        if ott:
            lines.append(f"  otter / dlgrade-equivalent w1:     {both(ott, eq1)}")
            if eq2:
                lines.append(f"  otter / dlgrade-equivalent w2:     {per(ott) / per(eq2):.2f}x (wall/N)")
        if floors["equivalent"]:
            lines.append(f"  dlgrade-equivalent w1 / its in-process floor (plain pytest): "
                         f"{both(eq1, floors['equivalent'])}")
        if nosandbox["equivalent"]:
            lines.append(f"  dlgrade-equivalent w1 / dlgrade without sandbox: {both(eq1, nosandbox['equivalent'])}")
    if full1:
        lines.append("full hidden suite:")
        if floors["full"]:
            lines.append(f"  dlgrade-full w1 / its in-process floor (plain pytest): {both(full1, floors['full'])}")
        if nosandbox["full"]:
            lines.append(f"  dlgrade-full w1 / dlgrade without sandbox: {both(full1, nosandbox['full'])}")
        if eq1:
            lines.append(f"  dlgrade-full w1 / dlgrade-equivalent w1 (the cost of the bigger suite): {both(full1, eq1)}")
    for r in ok:
        if r.get("dlgrade"):
            slow = sorted(((v["duration"] or 0, k) for k, v in r.get("records", {}).items()), reverse=True)[:1]
            if slow:
                lines.append(f"{_short(r)}: slowest submission {slow[0][1]} "
                             f"({manifest['students'].get(slow[0][1], {}).get('variant', '?')}) {slow[0][0]:.1f} s; "
                             f"isolation {r.get('isolation')}")
        if r.get("tool") == "nbgrader autograde":
            lines.append(f"nbgrader: generate_assignment {r['generate_assignment_s']:.1f} s (once, not in the table); "
                         f"one autograde process for the batch; Execute.timeout 30 s per cell")
        if r.get("tool") == "otter grade_submission":
            lines.append(f"otter: otter assign {r['assign_s']:.1f} s (once, not in the table); mean per call "
                         f"{fmt(r.get('per_sub_mean_s'), '.2f')} s; timed out (otter has no timeout here; the harness "
                         f"killed them after {args.otter_timeout:.0f} s): {', '.join(r['timeouts']) or 'none'}")
        if r.get("summary"):
            lines.append(f"{r['tool']}: {r['summary']}")
    for line in lines:
        print(line)
    # scores by variant: does every tool grade the mix the same way?
    tools = [(_short(r), r) for r in ok if (r.get("records") or r.get("scores"))
             and not r["tool"].startswith("in-process")]
    if tools:
        print()
        print("score (% of max) by variant, mean over the submissions each tool graded "
              "(dlg-eq: equivalent checks, /72; dlg-full: full hidden suite, /100):")
        head = f"  {'variant':22} {'category':9}" + "".join(f" {name:>11}" for name, _ in tools)
        print(head)
        by_variant: dict[str, list[str]] = {}
        for s, info in manifest["students"].items():
            by_variant.setdefault(info["variant"], []).append(s)
        for variant, studs in by_variant.items():
            cells = []
            for _, r in tools:
                table = r.get("records") or r.get("scores") or {}
                pct = []
                for s in studs:
                    rec = table.get(s)
                    if not rec or rec.get("score") is None:
                        continue
                    default = 100.0 if r.get("dlgrade") == "full" else checks.MAX_SCORE
                    mx = rec.get("max") or default
                    pct.append(100.0 * rec["score"] / mx if mx else 0.0)
                cells.append(f"{statistics.mean(pct):.0f}" if pct else "-")
            print(f"  {variant:22} {gen.VARIANTS[variant][0]:9}" + "".join(f" {c:>11}" for c in cells))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--n", type=int, default=None, help="submissions for dlgrade and nbgrader (default 40)")
    ap.add_argument("--n-otter", type=int, default=None, help="submissions for otter (default 8; it is slow)")
    ap.add_argument("--workers", default="1,2", help="dlgrade --workers values (default 1,2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--envs", type=Path, default=Path(os.environ.get("BENCH_ENVS", "/tmp/dlgrade-bench-envs")),
                    help="where setup_envs.sh put the nbgrader/otter venvs")
    ap.add_argument("--work", type=Path, default=Path("/tmp/dlgrade-bench"))
    ap.add_argument("--otter-timeout", type=float, default=60.0,
                    help="harness timeout per otter submission, s (otter itself has none)")
    ap.add_argument("--floor-reps", type=int, default=20,
                    help="runs of each floor (the median of warm runs is the floor)")
    ap.add_argument("--skip-dlgrade", action="store_true")
    ap.add_argument("--skip-floor", action="store_true")
    ap.add_argument("--skip-nbgrader", action="store_true")
    ap.add_argument("--skip-otter", action="store_true")
    ap.add_argument("--suites", default="equivalent,full",
                    help="dlgrade hidden suites: equivalent (the 10 checks nbgrader/otter run, in dlgrade's "
                         "format) and/or full (solutions/a04_nn_basics/tests); default both")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: n=5, n-otter=3, workers 2 only, one floor rep (no hostile submission)")
    ap.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    ap.add_argument("--python", type=Path, help="the interpreter of the venv whose dlgrade to measure "
                    "(e.g. a venv made with Debian's /usr/bin/python3); default: this checkout's .venv")
    ap.add_argument("--isolation", choices=["auto", "namespaces", "process", "none"],
                    help="passed to `dlgrade grade` (default: its own default, auto)")
    args = ap.parse_args(argv)
    global ISOLATION
    ISOLATION = args.isolation
    if args.quick:
        args.n = args.n or 5
        args.n_otter = args.n_otter or 3
        args.workers = "2" if args.workers == "1,2" else args.workers
        args.floor_reps = 3
    args.n = args.n or 40
    args.n_otter = args.n_otter or 8
    workers = [int(w) for w in args.workers.split(",") if w]
    args.load_start = _loadavg()

    args.work.mkdir(parents=True, exist_ok=True)
    # Private, so that `--isolation process` holds (dlgrade refuses it where uid nobody could list
    # the course root or the submissions, which live here).
    os.chmod(args.work, 0o700)
    subs = args.work / "submissions"
    n_all = max(args.n, 0 if args.skip_otter else args.n_otter)
    manifest = gen.generate(n_all, subs, args.seed)
    students = list(manifest["students"])
    log(f"[generate] {n_all} submissions in {subs}")
    ref = build.load_reference()

    rows, extra = [], []
    suites = [x for x in args.suites.split(",") if x]
    bad = set(suites) - set(SUITES)
    if bad:
        ap.error(f"--suites: unknown {', '.join(sorted(bad))} (have {', '.join(SUITES)})")
    roots = {"full": REPO}
    if "equivalent" in suites:
        roots["equivalent"] = build.write_course(args.work / "equiv-course")
        extra.append(f"dlgrade equivalent checks: DLGRADE_ROOT={roots['equivalent']} "
                     f"(hidden suite = benchmarks/equivalent/dlgrade/{build.DLGRADE_TEST}, "
                     f"{len(checks.CHECKS)} tests, {checks.MAX_SCORE} points)")
    exe = None if args.skip_dlgrade and args.skip_floor else find_dlgrade(args.python)
    args.interpreter = interpreter_of(exe)
    help_text = dlgrade_help(exe) if exe else None
    d_subs = None
    if not args.skip_dlgrade and help_text is not None:
        # the first N students only: a folder holding just them
        d_subs = args.work / "dlgrade-subs"
        shutil.rmtree(d_subs, ignore_errors=True)
        d_subs.mkdir()
        for s in students[:args.n]:
            shutil.copytree(subs / "dlgrade" / s, d_subs / s)
        if not _has(help_text, "--workers"):
            extra.append("dlgrade: this `dlgrade grade` has no --workers yet: one serial run (workers=1)")
            workers = [1]

    def dlgrade_rows(suite):
        if not args.skip_dlgrade:
            if help_text is None:
                rows.append({"tool": f"dlgrade grade, {suite_label(suite)}", "dlgrade": suite,
                             "skipped": "`dlgrade grade --help` does not work yet "
                             "(is the CLI there? pip install -e . in .venv)"})
            else:
                for w in workers:
                    rows.append(run_dlgrade(exe, help_text, d_subs, args.n, w, args.work, timeout=3600,
                                            suite=suite, root=roots[suite]))
        if not args.skip_floor:
            rows.extend(run_floor(exe, help_text, ref.module_text(), args.work, args.floor_reps, timeout=900,
                                  suite=suite, root=roots[suite]))

    if "equivalent" in suites:
        dlgrade_rows("equivalent")
    if not args.skip_floor:
        rows.append(run_equivalent_in_process(ref, max(3, args.floor_reps)))
    for name, skip, fn, n in (("nbgrader", args.skip_nbgrader, run_nbgrader, args.n),
                              ("otter", args.skip_otter, run_otter, args.n_otter)):
        if skip:
            continue
        env_dir = args.envs / name
        label = "nbgrader autograde" if name == "nbgrader" else "otter grade_submission"
        if not (env_dir / "bin" / ("nbgrader" if name == "nbgrader" else "otter")).exists():
            rows.append({"tool": label, "skipped": f"not installed in {env_dir} (run bash benchmarks/setup_envs.sh)"})
            continue
        stamp = (env_dir / ".dlgrade-bench-stamp")
        extra.append(f"{name}: {stamp.read_text().strip() if stamp.exists() else '?'} in {env_dir}")
        timeout = args.otter_timeout if name == "otter" else 3600
        rows.append(fn(env_dir, subs, students[:n], args.work, timeout))
    if "full" in suites:
        dlgrade_rows("full")
    times = args.envs / "install-times.tsv"
    if times.exists():
        for line in times.read_text().splitlines()[-2:]:
            parts = line.split("\t")
            if len(parts) >= 4:
                extra.append(f"install ({parts[0]}): {parts[2]} s, {parts[3]} MB (benchmarks/setup_envs.sh)")
    print_report(rows, manifest, args, extra)
    if args.json:
        args.json.write_text(json.dumps({"manifest": manifest, "rows": rows}, indent=1, default=str) + "\n")
        log(f"[bench] wrote {args.json}")


if __name__ == "__main__":
    main()

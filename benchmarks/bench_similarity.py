#!/usr/bin/env python
"""How well the class report's similarity detector separates copies from independent work.

Per assignment A04-A07 it compares, with the report's own settings (grader/reports/similarity.py:
stub fingerprints ignored, the threshold, the common-code cutoff), one class made of

- *independent* solutions, each written by a different author without looking at the others:
  the course reference (solutions/), examples/submissions/a04/correct_loops (A04), and
  benchmarks/similarity/independent/aNN (A05-A07: written from the stub's docstrings alone,
  then graded with the hidden tests);
- *copies* of each independent solution: ``renamed`` (every local variable renamed),
  ``reordered`` (the functions in another order) and ``disguised`` (renamed, reordered, comments
  removed, docstrings replaced), built by benchmarks/similarity_variants.py;
- the example submissions of examples/submissions/aNN (edits of the reference, except the
  hand-written ones) and, for A04, --generated submissions of generate_submissions.py (edits of
  the reference as well).

It prints, per assignment and in total: copies found (the pair original-copy is flagged, or the
two are identical after normalisation), false alarms (a flagged pair whose two sides come from
different independent authors: one is an independent solution or a copy of one, and the other
belongs to another author), the highest score among such cross-author pairs and the lowest
score among the copies.

    python benchmarks/bench_similarity.py [--generated 200]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))
import similarity_variants as variants  # noqa: E402

from grader.course import assignment as assignment_mod  # noqa: E402
from grader.reports import similarity as sim  # noqa: E402

ASSIGNMENTS = ("a04", "a05", "a06", "a07")
# hand-written example submissions that are independent rewrites (README of examples/submissions/a04)
INDEPENDENT_EXAMPLES = {"a04": ["correct_loops"]}


def independents(a) -> dict[str, dict[str, str]]:
    """author -> files of the independent solutions of assignment ``a``."""
    out = {"reference": sim.read_sources(a.solution_dir, a.submit)}
    for name in INDEPENDENT_EXAMPLES.get(a.id, []):
        out[name] = sim.read_sources(REPO / "examples" / "submissions" / a.id / name, a.submit)
    own = HERE / "similarity" / "independent" / a.id
    if own.is_dir():
        out["independent"] = sim.read_sources(own, a.submit)
    return {k: v for k, v in out.items() if v}


def measure(aid: str, generated: int, seed: int = 0) -> dict:
    a = assignment_mod.load(aid, REPO)
    course = {n: (a.student_dir / n).read_text() for n in list(a.submit) + list(a.provided_files())
              if (a.student_dir / n).is_file()}
    ignore = sim.stub_fingerprints(course)
    programs, author, copies = [], {}, []
    for who, files in independents(a).items():
        programs.append(sim.fingerprint(who, files, ignore))
        author[who] = who
        for k, (kind, fn) in enumerate(variants.TRANSFORMS.items()):
            pid = f"{who}~{kind}"
            programs.append(sim.fingerprint(pid, {n: fn(t, seed + k) for n, t in files.items()}, ignore))
            author[pid] = who
            copies.append((who, pid, kind))
    ex_dir = REPO / "examples" / "submissions" / aid
    for d in sorted(p for p in ex_dir.iterdir() if p.is_dir()):
        if d.name in INDEPENDENT_EXAMPLES.get(aid, []):
            continue
        files = sim.read_sources(d, a.submit)
        if files:
            pid = f"example:{d.name}"
            programs.append(sim.fingerprint(pid, files, ignore))
            author[pid] = "reference"  # edits of the reference (or hand-written hostile ones: unknown)
    if aid == "a04" and generated:
        import generate_submissions as gen

        with tempfile.TemporaryDirectory() as tmp:
            gen.generate(generated, Path(tmp) / "g", seed, formats=("dlgrade",))
            for d in sorted((Path(tmp) / "g" / "dlgrade").iterdir()):
                pid = f"generated:{d.name}"
                programs.append(sim.fingerprint(pid, sim.read_sources(d, a.submit), ignore))
                author[pid] = "reference"
    t0 = time.perf_counter()
    result = sim.compare(programs)
    elapsed = time.perf_counter() - t0
    flagged = {frozenset((p.a.id, p.b.id)): p.score for p in result.pairs}
    same: dict[str, int] = {}
    for k, g in enumerate(result.groups):
        for pid in g:
            same[pid] = k

    def found(x, y):
        return frozenset((x, y)) in flagged or (x in same and same.get(y) == same[x])

    def score(x, y):
        px = next(p for p in programs if p.id == x)
        py = next(p for p in programs if p.id == y)
        return len(px.fpset & py.fpset) / max(1, min(px.size, py.size))

    copy_rows = [(o, c, kind, found(o, c), score(o, c)) for o, c, kind in copies]
    # cross-author pairs: at least one side is an independent author other than the reference's
    # lineage on the other side (reference-lineage vs reference-lineage pairs are copies by design)
    indep_ids = [p.id for p in programs if author[p.id] != "reference" or p.id.startswith("reference")]
    cross, false_alarms, max_cross = 0, [], (0.0, None)
    ids = [p.id for p in programs]
    for i, x in enumerate(ids):
        for y in ids[i + 1:]:
            if author[x] == author[y]:
                continue
            if x not in indep_ids and y not in indep_ids:
                continue
            cross += 1
            s = score(x, y)
            if s > max_cross[0]:
                max_cross = (s, (x, y))
            if found(x, y):
                false_alarms.append((x, y, s))
    return {"assignment": aid, "programs": len(programs), "copies": copy_rows, "cross_pairs": cross,
            "false_alarms": false_alarms, "max_cross": max_cross, "flagged": len(result.pairs),
            "groups": len(result.groups), "compare_s": elapsed, "authors": sorted(set(author.values()))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--generated", type=int, default=200, help="generated A04 submissions to add (default 200)")
    ap.add_argument("--assignments", default=",".join(ASSIGNMENTS))
    args = ap.parse_args(argv)
    print(f"threshold {sim.THRESHOLD:g} (shared / smaller program), at least {sim.MIN_SHARED} shared "
          f"fingerprints; k = {sim.K}, window {sim.W}")
    tot_found = tot_copies = tot_fa = tot_cross = 0
    for aid in args.assignments.split(","):
        m = measure(aid, args.generated)
        n_found = sum(1 for r in m["copies"] if r[3])
        tot_found += n_found
        tot_copies += len(m["copies"])
        tot_fa += len(m["false_alarms"])
        tot_cross += m["cross_pairs"]
        by_kind = {}
        for _, _, kind, ok, s in m["copies"]:
            f, n, lo = by_kind.get(kind, (0, 0, 1.0))
            by_kind[kind] = (f + ok, n + 1, min(lo, s))
        print(f"{aid}: {m['programs']} programs (independent authors: {', '.join(m['authors'])}); "
              f"copies found {n_found}/{len(m['copies'])} ("
              + ", ".join(f"{k} {f}/{n}, lowest score {lo:.2f}" for k, (f, n, lo) in by_kind.items())
              + f"); false alarms {len(m['false_alarms'])} of {m['cross_pairs']} cross-author pairs "
              f"(highest cross-author score {m['max_cross'][0]:.2f}: {m['max_cross'][1]}); "
              f"{m['flagged']} flagged pairs, {m['groups']} identical groups in all; compare {m['compare_s']:.2f} s")
        for x, y, s in m["false_alarms"]:
            print(f"    false alarm: {x} ~ {y} ({s:.2f})")
        for o, c, _kind, ok, s in m["copies"]:
            if not ok:
                print(f"    missed copy: {o} -> {c} ({s:.2f})")
    print(f"TOTAL: copies found {tot_found}/{tot_copies}; false alarms {tot_fa} of {tot_cross} cross-author pairs")
    return 0 if tot_found == tot_copies and tot_fa == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

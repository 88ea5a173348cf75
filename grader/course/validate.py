"""``dlgrade validate``: the course CI's proof that an assignment's grading is right.

For each assignment: the stubs are in sync; the hidden tests' points add up to the total;
the reference scores 100 %; the generated stub scores 0 without any test erroring; every
mutant (the reference with one classic bug) loses points in each test it targets.
"""
from __future__ import annotations

import dataclasses
import multiprocessing
import os
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader.grading import scratch
from grader.course.assignment import Assignment
from grader.grading.runner import GradeOptions, grade_submission, warm_up
from grader.sandbox.launcher import require_isolation
from grader.course.sync import apply_replacements, sync


@dataclass
class Mutant:
    name: str
    description: str
    file: str
    targets: list
    replacements: list  # [(old, new)]


@dataclass
class CheckLine:
    ok: bool
    what: str
    detail: str = ""


@dataclass
class ValidationReport:
    assignment: str
    lines: list = field(default_factory=list)
    reference_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)

    def add(self, ok, what, detail=""):
        self.lines.append(CheckLine(bool(ok), what, detail))


def load_mutants(a: Assignment) -> list[Mutant]:
    mutants = []
    for path in sorted(a.mutants_dir.glob("*.toml")) if a.mutants_dir.is_dir() else []:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        reps = [(r["old"], r["new"]) for r in data.get("replace", [])]
        mutants.append(Mutant(path.stem, data.get("description", ""), data.get("file", a.submit[0]),
                              list(data.get("targets", [])), reps))
    return mutants


def apply_mutant(a: Assignment, m: Mutant, dest: Path) -> None:
    """Writes the reference files with the mutant's replacements into ``dest``."""
    for name in a.submit:
        shutil.copyfile(a.solution_dir / name, dest / name)
    target = dest / m.file
    target.write_text(apply_replacements(target.read_text(encoding="utf-8"), m.replacements,
                                         f"mutant {m.name} in {m.file}"), encoding="utf-8")


def reference_submission(a: Assignment, dest: Path) -> Path:
    for name in a.submit:
        shutil.copyfile(a.solution_dir / name, dest / name)
    return dest


def _lost(result: dict, test_name: str) -> bool:
    cases = [t for t in result["tests"] if t["name"] == test_name]
    return bool(cases) and any(t["points"] < t["max_points"] or t["status"] != "pass" for t in cases)


def unexercised_tests(result: dict) -> list[str]:
    """Ids of the tests that ran but recorded no student function: a banned shortcut or a
    refused call could not cost their points (docs/AUTHORING.md). Skipped tests ran nothing."""
    return [t["id"] for t in result["tests"] if t["status"] != "skipped" and not t.get("functions")]


def _failures(result: dict, limit: int = 5) -> str:
    bad = [t for t in result["tests"] if t["status"] not in ("pass", "skipped")]
    text = "\n".join(f"    {t['id']} [{t['status']}]: {t['message'].splitlines()[0] if t['message'] else ''}"
                     for t in bad[:limit])
    more = f"\n    ... and {len(bad) - limit} more" if len(bad) > limit else ""
    return text + more + (f"\n    error: {result['error']}" if result.get("error") else "")


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _grade_one(job):
    a, sid, path, options = job
    return sid, grade_submission(a, path, sid, options)


def _grade_all(a: Assignment, jobs, options, workers: int) -> dict:
    """Grades (id, path) pairs; several at once in processes forked from this warm one."""
    warm_up(a)
    work = [(a, sid, path, options) for sid, path in jobs]
    if workers <= 1:
        return dict(map(_grade_one, work))
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        return dict(pool.imap_unordered(_grade_one, work))


def validate(a: Assignment, options: GradeOptions | None = None, progress=None,
             workers: int | None = None) -> ValidationReport:
    options = options or GradeOptions(secret="validate")
    # The graded code is the course's own (reference, stub, mutants): "auto" still means namespaces
    # or an error, but an explicit "process" needs no protection from it.
    options = dataclasses.replace(options, isolation=require_isolation(options.isolation, protect=None))
    workers = workers or os.cpu_count() or 1
    report = ValidationReport(a.id)
    say = progress or (lambda msg: None)
    stale = sync(a.root, [a.slug], check=True)
    report.add(not stale, "stubs in sync with solutions", "; ".join(stale))

    work = scratch.mkdtemp("dlgrade-validate-")
    try:
        jobs = [("reference", reference_submission(a, _mkdir(work / "reference"))), ("stub", a.student_dir)]
        mutants = load_mutants(a)
        for m in mutants:
            mdir = _mkdir(work / f"mutant_{m.name}")
            try:
                apply_mutant(a, m, mdir)
            except (ValueError, OSError) as exc:
                report.add(False, f"mutant {m.name}", str(exc))
                continue
            jobs.append((f"mutant-{m.name}", mdir))
        say(f"grading {len(jobs)} submissions")
        results = _grade_all(a, jobs, options, workers)
        ref, stub = results["reference"], results["stub"]
        report.reference_seconds = ref["duration_s"]
        total = sum(t["max_points"] for t in ref["tests"])
        skipped_pts = sum(t["max_points"] for t in ref["tests"] if t["status"] == "skipped")
        report.add(abs(total - a.total_points) < 1e-3 or (skipped_pts and a.gpu_skipped_points == "redistribute"),
                   f"hidden tests' points add up to {a.total_points:g}", f"they add up to {total:g}")
        report.add(ref["score"] + skipped_pts >= total - 1e-3 and not ref.get("error") and ref["tests"],
                   f"reference scores 100% ({ref['score']:g}/{ref['max_score']:g}"
                   f"{f', {skipped_pts:g} skipped: no CUDA device' if skipped_pts else ''}) in {report.reference_seconds:.1f} s",
                   _failures(ref))
        report.add(ref["isolation"] != "none" or options.isolation == "none", f"isolation: {ref['isolation']}")
        unexercised = unexercised_tests(ref)
        report.add(not unexercised, "every hidden test records a student function it exercised",
                   "no function recorded (call student code, or a probe that names module.<function>, or add "
                   "@pytest.mark.exercises): " + ", ".join(unexercised[:8]))
        errors = [t for t in stub["tests"] if t["status"] in ("error", "crash")]
        report.add(stub["score"] == 0 and not errors and stub["tests"],
                   f"stub scores 0 ({stub['score']:g}/{stub['max_score']:g}) without errors",
                   _failures({"tests": [t for t in stub["tests"] if t["status"] in ("pass", "error", "crash")],
                              "error": stub.get("error")}))
        for m in mutants:
            res = results.get(f"mutant-{m.name}")
            if res is None:
                continue
            missing = [t for t in m.targets if not any(r["name"] == t for r in ref["tests"])]
            not_lost = [t for t in m.targets if t not in missing and not _lost(res, t)]
            lost_in = sorted({t["name"] for t in res["tests"] if t["status"] != "pass" and t["status"] != "skipped"})
            ok = not missing and not not_lost and m.targets and res["score"] < ref["score"]
            detail = ""
            if missing:
                detail += f"targets not found among the hidden tests: {missing}. "
            if not_lost:
                detail += f"did not lose points in {not_lost}. "
            if not m.targets:
                detail += "names no target test. "
            report.add(ok, f"mutant {m.name}: {res['score']:g}/{res['max_score']:g}, lost in "
                           f"{', '.join(lost_in) if lost_in else 'nothing'}", detail.strip())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report

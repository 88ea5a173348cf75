"""The ``dlgrade`` command line."""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from grader.course import assignment as assignment_mod
from grader.grading.runner import GradeOptions

console = Console(highlight=False)
ISOLATION = click.Choice(["auto", "namespaces", "process", "none"])
DEVICE = click.Choice(["auto", "cpu", "cuda"])


def _pin_threads() -> None:
    # Parallelism comes from grading several submissions at once, never from BLAS threads:
    # on 2 cores, 2 threads made the training-heavy references 10-18x slower.
    from grader.sandbox.launcher import THREAD_ENV

    for k, v in THREAD_ENV.items():
        os.environ.setdefault(k, v)


def _start_summary(results: list[dict]) -> str:
    """' (children: 5 warm, 1 cold)' — how the sandbox children of the graded submissions started."""
    from collections import Counter

    counts = Counter(r.get("start") for r in results if r.get("start"))
    return f" (children: {', '.join(f'{n} {k}' for k, n in counts.most_common())})" if counts else ""


def _configure_logging(verbose: bool) -> None:
    """The engine logs to the "dlgrade" logger: warnings always (e.g. warm start unavailable),
    everything with --verbose. Forked grading workers inherit the setting."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("dlgrade: %(levelname)s: %(message)s"))
    log = logging.getLogger("dlgrade")
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.WARNING)
    log.propagate = False


def _load(key: str):
    try:
        return assignment_mod.load(key)
    except assignment_mod.AssignmentError as exc:
        raise click.ClickException(str(exc)) from None


def _secret(secret: str | None) -> str:
    if secret:
        return secret
    env = os.environ.get("DLGRADE_SECRET")
    if env:
        return env
    console.print("[yellow]warning: no course secret (--secret or DLGRADE_SECRET); using a development secret[/]")
    return "dlgrade-development-secret"


def _hide(a, *extra) -> tuple:
    return tuple(str(p) for p in (a.root, Path.home(), *extra) if p)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dlgrade")
@click.option("--verbose", "-v", is_flag=True, help="Log what the engine does (tracebacks of fallbacks, pytest's own output).")
def main(verbose):
    """Autograder of the course «深度学习入门»: sandboxed, per-student randomised, mutant-tested."""
    _pin_threads()
    _configure_logging(verbose)
    from grader.grading import scratch

    scratch.sweep_stale()  # the temporary folders of killed earlier runs


@main.command("list")
def list_cmd():
    """List the assignments of the course."""
    root = assignment_mod.find_root()
    for slug in assignment_mod.list_assignments(root):
        a = assignment_mod.load(slug, root)
        console.print(f"{a.id}  {a.slug:28s} {a.title}")


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("--check", is_flag=True, help="Only report stale generated files; exit 1 if any.")
def sync(assignments, check):
    """Generate the student stubs (and provided.py copies) from solutions/."""
    from grader.course.sync import sync as do_sync

    root = assignment_mod.find_root()
    keys = [_load(k).slug for k in assignments] or None
    stale = do_sync(root, keys, check=check)
    if check:
        if stale:
            console.print("[red]out of sync:[/]\n  " + "\n  ".join(stale))
            console.print("run `dlgrade sync` to regenerate")
            sys.exit(1)
        console.print("stubs are in sync")
    else:
        for s in stale:
            console.print(f"wrote {s}")
        if not stale:
            console.print("nothing to do: stubs are in sync")


def fmt_points(x: float) -> str:
    """Points as a person writes them: 1.33, not 1.3333333."""
    return f"{round(float(x), 2):g}"


# The stub's own words (grader.course.sync.stub_body), else the engine's "module.func raised ...".
STUB_MESSAGE = re.compile(r"NotImplementedError:?\s*(?P<func>\w+): not implemented yet")
RAISED = re.compile(r"(?P<func>\w+(?:\.\w+)+) raised NotImplementedError")


def not_implemented(message: str) -> str | None:
    """The student function a test stopped at because it is still a stub, else None."""
    m = STUB_MESSAGE.search(message or "") or RAISED.search(message or "")
    return m.group("func").rsplit(".", 1)[-1] if m else None


def score_table(result: dict, title: str) -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("test")
    table.add_column("status")
    table.add_column("points", justify="right")
    table.add_column("what went wrong", overflow="fold")
    colors = {"pass": "green", "fail": "red", "error": "red", "timeout": "magenta", "crash": "magenta",
              "skipped": "yellow", "todo": "yellow"}
    for t in result["tests"]:
        msg = t["message"].strip()
        status = t["status"]
        todo = not_implemented(msg) if status in ("fail", "error") else None
        if todo:  # a stub left as it is: one short line, not its traceback
            status, msg = "todo", f"{todo} is not implemented yet"
        table.add_row(t["id"].split("::", 1)[-1], f"[{colors.get(status, 'white')}]{status}[/]",
                      f"{fmt_points(t['points'])}/{fmt_points(t['max_points'])}", msg[:600])
    return table


def todo_summary(result: dict) -> list[str]:
    """One line per function still a stub: its name and the points its tests are worth."""
    points: dict[str, float] = {}
    for t in result["tests"]:
        func = not_implemented(t["message"]) if t["status"] in ("fail", "error") else None
        if func:
            points[func] = points.get(func, 0.0) + float(t["max_points"])
    return [f"{func} is not implemented yet ({fmt_points(p)} point{'' if p == 1 else 's'} of public tests)"
            for func, p in points.items()]


@main.command()
@click.argument("assignment")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--isolation", type=ISOLATION, default="auto", show_default=True)
@click.option("--device", type=DEVICE, default="auto", show_default=True)
@click.option("-k", "keyword", help="Only tests matching this pytest expression.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the results document here (per test: id, status, points, message).")
def check(assignment, path, isolation, device, keyword, json_path):
    """Run the public tests on your work (default: the assignment folder); exit 0 only at full marks."""
    from grader.grading.runner import grade_submission

    a = _load(assignment)
    path = path or (Path.cwd() if (Path.cwd() / a.submit[0]).is_file() else a.student_dir)
    if Path(path).suffix == ".ipynb":  # a saved notebook: its code cells, as intake grades them
        from grader.batch.intake import IntakeError
        from grader.integrations.notebook import notebook_as_folder

        try:
            path = notebook_as_folder(a, Path(path))
        except IntakeError as exc:
            raise click.ClickException(str(exc)) from None
    opts = GradeOptions(mode="public", isolation=isolation, device=device, keyword=keyword,
                        only_required=Path(path).resolve() == a.student_dir.resolve(),
                        hide=_hide(a) if (a.solution_dir.is_dir()) else (str(Path.home()),))
    res = grade_submission(a, path, "local", opts)
    if json_path:
        Path(json_path).write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    console.print(score_table(res, f"{a.id}: {a.title} — public tests"))
    for line in todo_summary(res):
        console.print(f"[yellow]todo:[/] {line}")
    for p in res["problems"] + res["static_findings"]:
        console.print(f"[yellow]note:[/] {p}")
    if res.get("error"):
        console.print(f"[red]error:[/] {res['error']}")
    console.print(f"score: [bold]{fmt_points(res['score'])}/{fmt_points(res['max_score'])}[/] "
                  "(public tests; the hidden tests decide the grade)")
    sys.exit(0 if res["tests"] and res["score"] >= res["max_score"] and not res.get("error") else 1)


@main.command()
@click.argument("assignment")
@click.argument("submissions", type=click.Path(exists=True, path_type=Path), required=False)
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write the results document here.")
@click.option("--secret", help="Course secret for per-student inputs (default: $DLGRADE_SECRET).")
@click.option("--isolation", type=ISOLATION, default="auto", show_default=True)
@click.option("--device", type=DEVICE, default="auto", show_default=True)
@click.option("--workers", "-j", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once [default: all cores; with --scheduler: tasks in flight].")
@click.option("--gradebook", "gradebook_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("gradebook.sqlite"), show_default=True, help="SQLite gradebook; each result is committed to it.")
@click.option("--regrade", is_flag=True, help="Grade again even submissions whose content and suite are unchanged.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV mapping submission names to student ids (columns like name,id or file,student_id).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Grade on this Dask distributed cluster.")
@click.option("--quiet", "-q", is_flag=True, help="No line per submission (the progress bar stays).")
@click.option("--nbgrader", "nbgrader_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="nbgrader course folder: grade submitted/<student>/<assignment>/*.ipynb and write every test's "
                   "score into its gradebook.db (docs/INTEGRATIONS.md).")
@click.option("--nbgrader-python", help="nbgrader's interpreter, when nbgrader is not installed beside dlgrade "
                                         "[default: $DLGRADE_NBGRADER_PYTHON, else this one].")
def grade(assignment, submissions, json_path, secret, isolation, device, workers, gradebook_path, regrade, roster,
          scheduler, quiet, nbgrader_dir=None, nbgrader_python=None):
    """Grade SUBMISSIONS (a folder of per-student folders, zips, .py files or notebooks, or a zip of
    them) with the hidden tests, in parallel, into the gradebook; unchanged submissions are skipped."""
    from grader.batch.coordinator import BatchReport, RichReporter, grade_batch
    from grader.batch.gradebook import GradebookError
    from grader.errors import SandboxError
    from grader.grading.results import results_document, write_json_atomic

    a = _load(assignment)
    if not a.has_solutions:
        raise click.ClickException(f"{a.solution_dir} is missing: grading needs the hidden tests")
    if nbgrader_dir is not None:
        from grader.grading import scratch
        from grader.integrations.nbgrader_grade import stage_submissions

        if submissions is not None:
            raise click.ClickException("give either SUBMISSIONS or --nbgrader, not both")
        submissions = scratch.mkdtemp("dlgrade-nbgrader-") / a.id
        try:
            stage_submissions(a, nbgrader_dir, submissions)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    elif submissions is None:
        raise click.ClickException("missing SUBMISSIONS (or --nbgrader COURSE_DIR)")
    opts = GradeOptions(secret=_secret(secret), isolation=isolation, device=device,
                        hide=_hide(a, submissions.resolve(), json_path.resolve().parent if json_path else None,
                                   gradebook_path.resolve().parent))
    report = BatchReport()
    try:
        results = grade_batch(a, submissions, opts, workers=workers, gradebook=gradebook_path, regrade=regrade,
                              scheduler=scheduler, roster=roster, reporter=RichReporter(console, not quiet),
                              report=report)
    except (GradebookError, SandboxError, ValueError, RuntimeError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        console.print(f"[yellow]stopped; the results committed so far are in {gradebook_path}; "
                      f"run the same command again to grade the rest[/]")
        sys.exit(130)
    if json_path:
        write_json_atomic(json_path, results_document(a.id, results))
        console.print(f"results written to {json_path}")
    for name in report.ignored:
        console.print(f"[yellow]ignored:[/] {name} (not a folder, .zip, .py or .ipynb)")
    if report.missing:
        console.print(f"[yellow]no submission from {len(report.missing)} roster students:[/] "
                      + ", ".join(report.missing[:20]) + (" ..." if len(report.missing) > 20 else ""))
    if results:
        times = sorted(r["duration_s"] for r in results if r["status"] == "graded") or [0.0]
        console.print(f"{len(results)} submissions: {report.graded} graded, {report.reused} unchanged (kept), "
                      f"{report.invalid} invalid, {report.infra_errors} infrastructure errors in "
                      f"{report.wall_s:.1f} s; median {times[len(times) // 2]:.2f} s per submission; "
                      f"isolation: {next((r['isolation'] for r in results if r['isolation']), 'n/a')}"
                      f"{_start_summary(results)}; "
                      f"gradebook: {gradebook_path}")
    else:
        console.print(f"[yellow]no submissions found in {submissions}[/]")
    if nbgrader_dir is not None and results:
        from grader.integrations.nbgrader_grade import push

        try:
            written = push(a, nbgrader_dir, results, nbgrader_python)
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None
        console.print(f"nbgrader gradebook {nbgrader_dir / 'gradebook.db'}: "
                      + ", ".join(f"{s} ({n} tests)" for s, n in written.items()))
    if report.interrupted:
        sys.exit(130)


@main.group()
@click.option("--gradebook", "gradebook_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("gradebook.sqlite"), show_default=True)
@click.pass_context
def gradebook(ctx, gradebook_path):
    """Inspect the gradebook and export grades and feedback."""
    ctx.obj = {"path": gradebook_path}


def _book_option(f):
    return click.option("--gradebook", "book_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="SQLite gradebook [default: the group's --gradebook, gradebook.sqlite].")(f)


def _open_book(ctx, book_path=None):
    from grader.batch.gradebook import Gradebook, GradebookError

    path = book_path or ctx.obj["path"]
    if not Path(path).is_file():
        raise click.ClickException(f"no gradebook at {path} (run `dlgrade grade` first, or pass --gradebook)")
    try:
        return Gradebook(path)
    except GradebookError as exc:
        raise click.ClickException(str(exc)) from None


def _which_assignment(book, key):
    have = book.assignments()
    if key:
        wanted = key.lower()
        for aid in have:
            if aid.lower() == wanted or wanted.startswith(aid.lower() + "_"):
                return aid
        raise click.ClickException(f"no grades for '{key}' in the gradebook (have: {', '.join(have) or 'none'})")
    if len(have) != 1:
        raise click.ClickException(f"the gradebook has {', '.join(have) or 'no assignments'}; name one")
    return have[0]


@gradebook.command("show")
@click.argument("assignment", required=False)
@_book_option
@click.pass_context
def gradebook_show(ctx, book_path, assignment):
    """The current grade of every student."""
    from grader.reports.exports import summary

    with _open_book(ctx, book_path) as book:
        aid = _which_assignment(book, assignment)
        results = book.current_results(aid)
        stale = book.pending_infra_errors(aid)
    table = Table(title=f"{aid}: {len(results)} students")
    for col in ("student", "score", "status", "graded", "submission"):
        table.add_column(col, justify="right" if col == "score" else "left")
    for r in results:
        table.add_row(r["id"], f"{r['score']:g}/{r['max_score']:g}", r["status"], str(r.get("graded_at", ""))[:19],
                      r.get("content_hash", ""))
    console.print(table)
    s = summary(results)
    if s.get("graded"):
        console.print(f"mean {s['mean']:.2f}, median {s['median']:g}, min {s['min']:g}, max {s['max']:g}; "
                      + ", ".join(f"{k}: {v}" for k, v in s["statuses"].items()))
    if stale:
        console.print(f"[yellow]newest run was an infrastructure error (regrade them):[/] {', '.join(stale)}")


@gradebook.command("export")
@click.argument("assignment", required=False)
@click.option("--format", "fmt", type=click.Choice(["csv", "gradescope", "feedback", "json"]), required=True)
@click.option("--out", "-o", type=click.Path(path_type=Path),
              help="File (csv, json) or folder (gradescope, feedback) [default: <assignment>-<format>...].")
@click.option("--visibility", type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
              default="after_published", show_default=True, help="Gradescope test visibility.")
@_book_option
@click.pass_context
def gradebook_export(ctx, book_path, assignment, fmt, out, visibility):
    """Export the current grades: CSV (total and per test), Gradescope results.json per student,
    per-student feedback reports (Markdown + HTML) or the JSON results document."""
    from grader.reports import exports

    with _open_book(ctx, book_path) as book:
        aid = _which_assignment(book, assignment)
        results = book.current_results(aid)
    title = ""
    try:
        title = assignment_mod.load(aid).title
    except assignment_mod.AssignmentError:
        pass
    if fmt == "csv":
        path = exports.export_csv(results, out or Path(f"{aid}-grades.csv"))
        console.print(f"{len(results)} students written to {path}")
    elif fmt == "json":
        path = exports.export_json(aid, results, out or Path(f"{aid}-results.json"))
        console.print(f"{len(results)} students written to {path}")
    elif fmt == "gradescope":
        files = exports.export_gradescope(results, out or Path(f"{aid}-gradescope"), visibility)
        console.print(f"{len(files)} results.json files written under {out or Path(f'{aid}-gradescope')}")
    else:
        files = exports.export_feedback(results, out or Path(f"{aid}-feedback"), title)
        console.print(f"{len(files)} feedback reports written under {out or Path(f'{aid}-feedback')}")


@gradebook.command("check")
@_book_option
@click.pass_context
def gradebook_check(ctx, book_path):
    """SQLite integrity check of the gradebook file."""
    with _open_book(ctx, book_path) as book:
        verdict = book.integrity_check()
    console.print(verdict)
    sys.exit(0 if verdict == "ok" else 1)


@gradebook.command("report")
@click.argument("assignment", required=False)
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for <assignment>-class-report.html.")
@click.option("--no-similarity", is_flag=True, help="Leave out the similar-submissions section.")
@_book_option
@click.pass_context
def gradebook_report(ctx, book_path, assignment, out_dir, no_similarity):
    """The instructor's class report (one self-contained HTML page): score histogram, pass rates
    per part and test, common mistakes, infrastructure problems, class training curves and similar
    submissions. Holds hidden-test names and students' code: never give it to students."""
    from grader.reports.class_report import build_report

    with _open_book(ctx, book_path) as book:
        aid = _which_assignment(book, assignment)
        path, timings = build_report(book, _load(aid), out_dir, with_similarity=not no_similarity)
    size = path.stat().st_size
    console.print(f"class report written to {path} ({size / 1e6:.2f} MB in {timings['total']:.1f} s)")


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("--device", type=DEVICE, default="auto", show_default=True,
              help="cuda: run the device tests on the GPU only (fails if there is none).")
@click.option("--isolation", type=ISOLATION, default="auto", show_default=True)
def validate(assignments, device, isolation):
    """Course CI: reference = 100 %, stub = 0, every mutant loses points, stubs in sync."""
    from grader.course.validate import validate as do_validate
    from grader.errors import SandboxError

    root = assignment_mod.find_root()
    keys = assignments or assignment_mod.list_assignments(root)
    if device == "cuda":
        from grader.plugin import cuda_available

        if not cuda_available():
            raise click.ClickException("--device cuda: torch sees no CUDA device on this machine")
    all_ok = True
    for key in keys:
        a = _load(key)
        if not a.has_solutions:
            console.print(f"[yellow]{a.id}: no solutions/ folder, skipped[/]")
            continue
        console.print(f"[bold]{a.id} {a.title}[/]")
        try:
            rep = do_validate(a, GradeOptions(secret="validate", isolation=isolation, device=device, hide=_hide(a)),
                              progress=lambda m: None)
        except SandboxError as exc:
            raise click.ClickException(str(exc)) from None
        for line in rep.lines:
            mark = "[green]ok  [/]" if line.ok else "[red]FAIL[/]"
            console.print(f"  {mark} {line.what}")
            if line.detail and not line.ok:
                console.print(f"       {line.detail}")
        all_ok &= rep.ok
    console.print("[green]all assignments valid[/]" if all_ok else "[red]validation failed[/]")
    sys.exit(0 if all_ok else 1)


@main.command("new")
@click.argument("slug")
@click.option("--title", help="The assignment's title [default: from the slug].")
@click.option("--module", help="The student module's name [default: the slug's name part].")
def new_cmd(slug, title, module):
    """Scaffold a new assignment SLUG (e.g. a10_attention) that validates at once."""
    from grader.course.scaffold import ScaffoldError, new_assignment

    root = assignment_mod.find_root()
    try:
        written = new_assignment(root, slug, title, module)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        console.print(f"wrote {path.relative_to(root)}")
    console.print(f"next: `dlgrade validate {slug.split('_', 1)[0]}`, then replace `scale` with the chapter's functions "
                  "(docs/AUTHORING.md)")


@main.command()
@click.argument("assignment")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("dist"), show_default=True)
@click.option("--format", "fmt", type=click.Choice(["zip", "notebook"]), default="zip", show_default=True,
              help="zip: the bundle; notebook: the assignment as a Jupyter notebook (docs/INTEGRATIONS.md).")
def release(assignment, out_dir, fmt):
    """Build the student bundle (stub, handout, public tests, public engine, data; no solutions)."""
    from grader.course.release import build_release
    from grader.integrations.notebook import build_release_notebook

    try:
        path = (build_release_notebook if fmt == "notebook" else build_release)(_load(assignment), out_dir)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    console.print(f"wrote {path}")


@main.group()
def export():
    """Export an assignment to nbgrader, otter-grader or Gradescope (docs/INTEGRATIONS.md)."""


@export.command("nbgrader")
@click.argument("assignment")
@click.argument("course_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--isolation", type=ISOLATION, default="auto", show_default=True)
def export_nbgrader_cmd(assignment, course_dir, isolation):
    """Write COURSE_DIR/source/<id>/<id>.ipynb for `nbgrader generate_assignment` (grading stays in dlgrade)."""
    from grader.integrations.nbgrader_export import export_nbgrader

    try:
        path = export_nbgrader(_load(assignment), course_dir, isolation)
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    console.print(f"wrote {path}")


@export.command("otter")
@click.argument("assignment")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--isolation", type=ISOLATION, default="auto", show_default=True,
              help="The sandbox level the autograder's dlgrade asks for.")
@click.option("--secret", help="Course secret for per-student inputs (default: $DLGRADE_SECRET).")
def export_otter_cmd(assignment, out_dir, isolation, secret):
    """Write an otter-assign master notebook OUT_DIR/<id>.ipynb whose hidden tests delegate to dlgrade."""
    from grader.integrations.otter_export import export_otter

    try:
        path = export_otter(_load(assignment), out_dir, isolation, _secret(secret))
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    console.print(f"wrote {path} (then: cd {out_dir} && otter assign {path.name} dist)")


@export.command("gradescope")
@click.argument("assignment")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--visibility", type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
              default="after_published", show_default=True, help="When students see the hidden tests' results.")
@click.option("--isolation", type=ISOLATION, default="auto", show_default=True,
              help="The sandbox level run_autograder asks for.")
@click.option("--secret", help="Course secret for per-student inputs (default: $DLGRADE_SECRET).")
def export_gradescope_cmd(assignment, out_dir, visibility, isolation, secret):
    """Build OUT_DIR/autograder.zip (setup.sh, run_autograder, the engine's wheel, the hidden tests)."""
    from grader.integrations.gradescope import build_autograder

    try:
        path = build_autograder(_load(assignment), out_dir, visibility, isolation, _secret(secret))
    except (RuntimeError, OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()

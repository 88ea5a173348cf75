"""The reuse key of a graded submission, in one place: a rerun keeps a stored grade only when all
four parts are unchanged.

* ``content_hash`` — the submission's files (:func:`grader.grading.runner.content_hash`);
* ``suite_hash`` — everything that decides a grade on the course side: hidden tests, reference,
  ``assignment.toml`` (:meth:`grader.course.assignment.Assignment.suite_hash`);
* :func:`engine_hash` — the grading code of the engine, and its version;
* :func:`options_hash` — what in the options changes a grade, the *concrete* isolation level
  included, so that a batch graded at a weaker level is regraded under namespaces.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from grader import __version__
from grader.grading.runner import GradeOptions, content_hash  # noqa: F401  (re-exported: the first part)

_ENGINE_HASH: str | None = None
# What does not take part in grading one submission (editing it does not regrade): the command
# line and whole folders — batch orchestration, reports, course tooling, the bridges to other
# tools (they call `dlgrade grade`). Everything else under
# grader/ (sandbox/, grading/, the plugin, checks, gradcheck, data) is grading code.
_NOT_GRADING_CODE = {"cli.py", "batch", "reports", "course", "integrations"}
# ... except the modules of those folders that grading code imports (tests/test_engine_hash.py
# fails when grading code starts importing another one).
_ALSO_GRADING_CODE = {"course/assignment.py", "reports/figures.py"}


def engine_hash() -> str:
    """Hash of the grading engine's code: results graded by other engine code are not reused."""
    global _ENGINE_HASH
    if _ENGINE_HASH is None:
        _ENGINE_HASH = engine_hash_of(Path(__file__).resolve().parent.parent)  # the grader package
    return _ENGINE_HASH


def engine_hash_of(pkg: Path) -> str:
    """The engine hash of the package folder `pkg`: its version and every grading-code file.

    A file is grading code unless the first part of its path inside `pkg` is in
    `_NOT_GRADING_CODE` (the folder rule) and it is not in `_ALSO_GRADING_CODE`, so a new
    module is grading code by default.
    """
    h = hashlib.sha256(__version__.encode())
    for p in sorted(pkg.rglob("*")):
        rel = p.relative_to(pkg)
        if p.suffix in (".py", ".ini") and "__pycache__" not in p.parts and p.is_file() \
                and (rel.parts[0] not in _NOT_GRADING_CODE or rel.as_posix() in _ALSO_GRADING_CODE):
            h.update(rel.as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def options_hash(options: GradeOptions) -> str:
    """What in the options changes a grade: the secret (hashed), mode, device, isolation, -k."""
    doc = {
        "mode": options.mode,
        "secret": hashlib.sha256(options.secret.encode()).hexdigest(),
        "device": options.device,
        "isolation": options.isolation,
        "keyword": options.keyword,
        "tests_dir": str(options.tests_dir) if options.tests_dir else None,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]

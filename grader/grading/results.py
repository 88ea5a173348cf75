"""The versioned JSON results document and its atomic writing."""
from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from pathlib import Path

from grader import __version__
from grader.grading.runner import SCHEMA, SCHEMA_VERSION


def results_document(assignment_id: str, submissions: list[dict]) -> dict:
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "engine_version": __version__,
        "assignment": assignment_id,
        "generated_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "submissions": submissions,
    }


def write_atomic(path: Path, data: bytes) -> None:
    """Writes via a temp file in the same folder, fsync, rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_json_atomic(path: Path, doc: dict) -> None:
    write_atomic(path, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))

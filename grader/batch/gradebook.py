"""The gradebook: one SQLite file, written only by the coordinating process.

Tables
------
``submissions``   one row per (assignment, student id, content hash): what was received, from where, when
``batches``       one row per ``dlgrade grade`` run: when, how many workers, which scheduler
``runs``          one row per grading of a submission: suite hash, engine version and code hash,
                  options hash (secret, mode, device, isolation), isolation used, status, score,
                  timings, and the full result document (``result_json``) for exports
``test_results``  one row per test of a run: points, status, message, duration, and the
                  figures the test attached (JSON list, NULL when none; the result document in
                  ``runs.result_json`` is stored without them, and reading a result puts them back)
``grades``        the current run of each (assignment, student): the newest run that is not an
                  infrastructure error; an ``infra_error`` run only becomes current when the
                  student has no good run at all

A gradebook written before ``test_results.figures`` existed gets the column when it is
opened (``ALTER TABLE ... ADD COLUMN``); older dlgrade versions can still read and write it.

Every result is one transaction (``record``), committed as soon as it arrives: a killed batch
loses at most the submissions in flight. Write-ahead logging, ``synchronous=FULL`` and foreign
keys are on.
"""
from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
GOOD_STATUSES = ("graded", "invalid")  # statuses that are a real grade of the submission's content

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    id           INTEGER PRIMARY KEY,
    assignment   TEXT NOT NULL,
    student_id   TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source_path  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    UNIQUE (assignment, student_id, content_hash)
);
CREATE TABLE IF NOT EXISTS batches (
    id          INTEGER PRIMARY KEY,
    assignment  TEXT NOT NULL,
    source      TEXT NOT NULL,
    workers     INTEGER,
    scheduler   TEXT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    graded      INTEGER DEFAULT 0,
    reused      INTEGER DEFAULT 0,
    errors      INTEGER DEFAULT 0
);
CREATE TABLE IF NOT EXISTS runs (
    id              INTEGER PRIMARY KEY,
    submission_id   INTEGER NOT NULL REFERENCES submissions(id),
    batch_id        INTEGER REFERENCES batches(id),
    suite_hash      TEXT NOT NULL,
    engine_version  TEXT NOT NULL,
    engine_hash     TEXT NOT NULL,
    options_hash    TEXT NOT NULL,
    isolation       TEXT,
    status          TEXT NOT NULL,
    error           TEXT,
    score           REAL NOT NULL,
    max_score       REAL NOT NULL,
    percent         REAL NOT NULL,
    duration_s      REAL,
    started_at      TEXT,
    finished_at     TEXT NOT NULL,
    worker          TEXT,
    result_json     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_key ON runs (submission_id, suite_hash, engine_hash, options_hash, status);
CREATE TABLE IF NOT EXISTS test_results (
    run_id     INTEGER NOT NULL REFERENCES runs(id),
    test_id    TEXT NOT NULL,
    name       TEXT,
    functions  TEXT,
    points     REAL NOT NULL,
    max_points REAL NOT NULL,
    status     TEXT NOT NULL,
    message    TEXT,
    duration   REAL,
    figures    TEXT,
    PRIMARY KEY (run_id, test_id)
);
CREATE TABLE IF NOT EXISTS grades (
    assignment TEXT NOT NULL,
    student_id TEXT NOT NULL,
    run_id     INTEGER NOT NULL REFERENCES runs(id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (assignment, student_id)
);
"""


class GradebookError(Exception):
    pass


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class GradingKey:
    """What decides whether an earlier grade of the same content can be reused."""
    suite_hash: str
    engine_hash: str
    options_hash: str


class Gradebook:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA busy_timeout = 30000")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal" and str(path) != ":memory:":
                raise GradebookError(f"{path}: SQLite could not switch to write-ahead logging ({mode})")
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            with self.transaction():
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        self.conn.execute(stmt)
                self._migrate()
                row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                if row is None:
                    self.conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                                      (str(SCHEMA_VERSION),))
                elif int(row[0]) > SCHEMA_VERSION:
                    raise GradebookError(f"{path} was written by a newer dlgrade (gradebook schema {row[0]})")
        except sqlite3.DatabaseError as exc:
            raise GradebookError(f"{path}: not a usable gradebook ({exc})") from None

    def _migrate(self) -> None:
        """Brings a gradebook written by an earlier dlgrade up to this schema (additive only)."""
        columns = {r[1] for r in self.conn.execute("PRAGMA table_info(test_results)")}
        if "figures" not in columns:
            self.conn.execute("ALTER TABLE test_results ADD COLUMN figures TEXT")

    # -- plumbing -------------------------------------------------------------------------
    def transaction(self):
        return _Tx(self.conn)

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    # -- batches --------------------------------------------------------------------------
    def start_batch(self, assignment: str, source: str, workers: int, scheduler: str | None) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO batches (assignment, source, workers, scheduler, started_at) VALUES (?, ?, ?, ?, ?)",
                (assignment, source, workers, scheduler, now()))
            return int(cur.lastrowid or 0)

    def finish_batch(self, batch_id: int, graded: int, reused: int, errors: int) -> None:
        with self.transaction():
            self.conn.execute("UPDATE batches SET finished_at = ?, graded = ?, reused = ?, errors = ? WHERE id = ?",
                              (now(), graded, reused, errors, batch_id))

    # -- lookups --------------------------------------------------------------------------
    def find_good_run(self, assignment: str, student_id: str, content_hash: str, key: GradingKey) -> int | None:
        """The newest good run of exactly this content under exactly this suite/engine/options."""
        row = self.conn.execute(
            """SELECT r.id FROM runs r JOIN submissions s ON s.id = r.submission_id
               WHERE s.assignment = ? AND s.student_id = ? AND s.content_hash = ?
                 AND r.suite_hash = ? AND r.engine_hash = ? AND r.options_hash = ?
                 AND r.status IN ('graded', 'invalid')
               ORDER BY r.id DESC LIMIT 1""",
            (assignment, student_id, content_hash, key.suite_hash, key.engine_hash, key.options_hash)).fetchone()
        return int(row[0]) if row else None

    def current_run(self, assignment: str, student_id: str) -> sqlite3.Row | None:
        return self.conn.execute(
            """SELECT r.* FROM grades g JOIN runs r ON r.id = g.run_id
               WHERE g.assignment = ? AND g.student_id = ?""", (assignment, student_id)).fetchone()

    def result(self, run_id: int) -> dict:
        row = self.conn.execute("SELECT result_json FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise GradebookError(f"no run {run_id}")
        res = json.loads(row[0])
        rows = self.conn.execute("SELECT run_id, test_id, figures FROM test_results "
                                 "WHERE run_id = ? AND figures IS NOT NULL", (run_id,)).fetchall()
        _attach_figures({run_id: res}, rows)
        return res

    def assignments(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT assignment FROM grades ORDER BY assignment")]

    def current_results(self, assignment: str) -> list[dict]:
        """The current result document of every student of ``assignment``, by student id."""
        rows = self.conn.execute(
            """SELECT g.student_id, r.id AS run_id, r.result_json, r.finished_at, s.content_hash, s.source_path
               FROM grades g JOIN runs r ON r.id = g.run_id JOIN submissions s ON s.id = r.submission_id
               WHERE g.assignment = ? ORDER BY g.student_id""", (assignment,)).fetchall()
        out, by_run = [], {}
        for row in rows:
            res = json.loads(row["result_json"])
            res["id"] = row["student_id"]
            res.setdefault("graded_at", row["finished_at"])
            out.append(res)
            by_run[int(row["run_id"])] = res
        figure_rows = self.conn.execute(
            """SELECT t.run_id, t.test_id, t.figures FROM grades g JOIN test_results t ON t.run_id = g.run_id
               WHERE g.assignment = ? AND t.figures IS NOT NULL""", (assignment,)).fetchall()
        _attach_figures(by_run, figure_rows)
        return out

    def counts(self, assignment: str) -> dict:
        rows = self.conn.execute(
            """SELECT r.status, COUNT(*) FROM grades g JOIN runs r ON r.id = g.run_id
               WHERE g.assignment = ? GROUP BY r.status""", (assignment,)).fetchall()
        return {r[0]: r[1] for r in rows}

    def pending_infra_errors(self, assignment: str) -> list[str]:
        """Students whose newest run is an infrastructure error (their grade may be stale or missing)."""
        rows = self.conn.execute(
            """SELECT s.student_id FROM runs r JOIN submissions s ON s.id = r.submission_id
               WHERE s.assignment = ? AND r.id = (SELECT MAX(r2.id) FROM runs r2 JOIN submissions s2
                     ON s2.id = r2.submission_id WHERE s2.assignment = s.assignment AND s2.student_id = s.student_id)
                 AND r.status = 'infra_error' ORDER BY s.student_id""", (assignment,)).fetchall()
        return [r[0] for r in rows]

    # -- writing --------------------------------------------------------------------------
    def record(self, assignment: str, result: dict, *, source_path: str, kind: str, key: GradingKey,
               batch_id: int | None = None, started_at: str | None = None, finished_at: str | None = None,
               worker: str | None = None) -> tuple[int, bool]:
        """Stores one result in one transaction; returns (run id, whether it became the current grade).

        An ``infra_error`` result never replaces a current good grade.
        """
        sid = result["id"]
        chash = result.get("content_hash") or ""
        finished_at = finished_at or now()
        tests = result.get("tests", [])
        stored = dict(result, tests=[{k: v for k, v in t.items() if k != "figures"} for t in tests])
        with self.transaction():
            self.conn.execute(
                """INSERT INTO submissions (assignment, student_id, content_hash, source_path, kind, received_at)
                   VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (assignment, student_id, content_hash) DO NOTHING""",
                (assignment, sid, chash, source_path, kind, now()))
            sub_id = self.conn.execute(
                "SELECT id FROM submissions WHERE assignment = ? AND student_id = ? AND content_hash = ?",
                (assignment, sid, chash)).fetchone()[0]
            cur = self.conn.execute(
                """INSERT INTO runs (submission_id, batch_id, suite_hash, engine_version, engine_hash, options_hash,
                       isolation, status, error, score, max_score, percent, duration_s, started_at, finished_at,
                       worker, result_json)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (sub_id, batch_id, key.suite_hash, str(result.get("engine_version", "")), key.engine_hash,
                 key.options_hash, result.get("isolation") or "", result["status"], result.get("error"),
                 float(result.get("score", 0.0)), float(result.get("max_score", 0.0)),
                 float(result.get("percent", 0.0)), result.get("duration_s"), started_at, finished_at, worker,
                 json.dumps(stored, ensure_ascii=False)))
            run_id = int(cur.lastrowid or 0)
            self.conn.executemany(
                """INSERT INTO test_results (run_id, test_id, name, functions, points, max_points, status,
                       message, duration, figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (run_id, test_id) DO NOTHING""",
                [(run_id, t["id"], t.get("name"), json.dumps(t.get("functions", [])), float(t.get("points", 0)),
                  float(t.get("max_points", 0)), t.get("status", "error"), t.get("message", ""),
                  t.get("duration"), json.dumps(t["figures"], ensure_ascii=False) if t.get("figures") else None)
                 for t in tests])
            became = self._maybe_make_current(assignment, sid, run_id, result["status"])
        return run_id, became

    def make_current(self, assignment: str, student_id: str, run_id: int) -> None:
        with self.transaction():
            self._maybe_make_current(assignment, student_id, run_id, "graded")

    def _maybe_make_current(self, assignment: str, student_id: str, run_id: int, status: str) -> bool:
        if status not in GOOD_STATUSES:
            row = self.conn.execute(
                """SELECT r.status FROM grades g JOIN runs r ON r.id = g.run_id
                   WHERE g.assignment = ? AND g.student_id = ?""", (assignment, student_id)).fetchone()
            if row is not None and row[0] in GOOD_STATUSES:
                return False
        self.conn.execute(
            """INSERT INTO grades (assignment, student_id, run_id, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (assignment, student_id) DO UPDATE SET run_id = excluded.run_id,
                   updated_at = excluded.updated_at""", (assignment, student_id, run_id, now()))
        return True


def _attach_figures(results_by_run: dict, rows) -> None:
    """Puts the figures stored in ``test_results`` back into the tests of the result documents."""
    for row in rows:
        res = results_by_run.get(int(row[0]))
        if res is None:
            continue
        try:
            figures = json.loads(row[2])
        except (TypeError, ValueError):
            continue
        if not isinstance(figures, list) or not figures:
            continue
        for t in res.get("tests", []):
            if t.get("id") == row[1]:
                t["figures"] = figures
                break


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.depth_owner = False

    def __enter__(self):
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self.depth_owner = True
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if not self.depth_owner:
            return False
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        return False

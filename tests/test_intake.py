"""Intake of a SUBMISSIONS folder: zips (safe unpacking), notebooks, single files, roster, duplicates.

No grading here: these tests run in well under a second each.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from grader.batch import intake
from grader.batch.intake import IntakeError, collect, notebook_to_source, read_roster, safe_extract

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "examples" / "submissions" / "a04" / "correct" / "nn_basics.py"
SUBMIT = ["nn_basics.py"]


def _zip(path: Path, members: dict, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _symlink_zip(path: Path) -> Path:
    info = zipfile.ZipInfo("nn_basics.py")
    info.create_system = 3
    info.external_attr = (0o120777 << 16)  # S_IFLNK
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(info, "/etc/passwd")
    return path


def notebook(cells: list[tuple[str, str]]) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": [{"cell_type": kind, "metadata": {}, "source": src,
                                  **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                                 for kind, src in cells]})


# ----------------------------------------------------------------------------- safe_extract

def test_safe_extract_plain_zip(tmp_path):
    z = _zip(tmp_path / "a.zip", {"nn_basics.py": "x = 1\n", "data/extra.txt": "hi"})
    dest = tmp_path / "out"
    dest.mkdir()
    assert sorted(safe_extract(z, dest)) == ["data/extra.txt", "nn_basics.py"]
    assert (dest / "nn_basics.py").read_text() == "x = 1\n"


@pytest.mark.parametrize("name", ["../escape.py", "../../escape.py", "a/../../escape.py", "/tmp/abs_escape.py",
                                  "C:/escape.py", "..\\escape.py"])
def test_path_escaping_zip_is_refused_and_writes_nothing(tmp_path, name):
    z = _zip(tmp_path / "evil.zip", {"nn_basics.py": "x = 1\n", name: "pwned = True\n"})
    dest = tmp_path / "deep" / "out"
    dest.mkdir(parents=True)
    with pytest.raises(IntakeError, match="was not unpacked"):
        safe_extract(z, dest)
    assert list(dest.iterdir()) == []
    for p in (tmp_path / "deep" / "escape.py", tmp_path / "escape.py", Path("/tmp/abs_escape.py")):
        assert not p.exists()


def test_symlink_in_zip_is_refused(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(IntakeError, match="symbolic link"):
        safe_extract(_symlink_zip(tmp_path / "link.zip"), dest)
    assert list(dest.iterdir()) == []


def test_zip_bomb_over_the_size_cap(tmp_path):
    z = _zip(tmp_path / "bomb.zip", {"nn_basics.py": b"\0" * (intake.ZIP_MAX_TOTAL_BYTES + 1)})
    assert z.stat().st_size < 1_000_000
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(IntakeError, match="zip bomb"):
        safe_extract(z, dest)
    assert list(dest.iterdir()) == []


def test_zip_bomb_by_compression_ratio(tmp_path):
    # under every size cap, but 10 MB of zeros from a few kB: refused while streaming
    z = _zip(tmp_path / "ratio.zip", {"nn_basics.py": b"\0" * (10 * 1024 * 1024)})
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(IntakeError, match="zip bomb"):
        safe_extract(z, dest)
    assert list(dest.iterdir()) == []


def test_zip_with_too_many_files(tmp_path):
    z = _zip(tmp_path / "many.zip", {f"f{i}.txt": "x" for i in range(intake.ZIP_MAX_FILES + 1)})
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(IntakeError, match="files"):
        safe_extract(z, dest)


def test_corrupt_zips(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    (tmp_path / "garbage.zip").write_bytes(b"this is not a zip file at all")
    with pytest.raises(IntakeError, match="not a readable zip"):
        safe_extract(tmp_path / "garbage.zip", dest)
    # a real zip whose compressed data was damaged: CRC / inflate error while reading
    good = _zip(tmp_path / "good.zip", {"nn_basics.py": CORRECT.read_bytes()}).read_bytes()
    i = good.index(b"nn_basics.py") + len("nn_basics.py") + 40
    bad = good[:i] + bytes(b ^ 0xFF for b in good[i:i + 64]) + good[i + 64:]
    (tmp_path / "damaged.zip").write_bytes(bad)
    with pytest.raises(IntakeError, match="damaged|not a readable"):
        safe_extract(tmp_path / "damaged.zip", dest)
    assert list(dest.iterdir()) == []
    # a truncated download
    (tmp_path / "truncated.zip").write_bytes(good[: len(good) // 2])
    with pytest.raises(IntakeError):
        safe_extract(tmp_path / "truncated.zip", dest)


# ----------------------------------------------------------------------------- notebooks

def test_notebook_code_cells_without_magics():
    nb = notebook([("markdown", "# Title\n%not code"), ("code", "%matplotlib inline\n!pip install numpy\nimport numpy as np\n"),
                   ("code", ["def f(x):\n", "    return 2 * x\n"]), ("code", "%%timeit\nf(3)\n"), ("code", "np.dot?\n"),
                   ("raw", "raw text")])
    src = notebook_to_source(nb.encode(), "hw.ipynb")
    assert "import numpy as np" in src and "def f(x):\n    return 2 * x" in src
    assert "%" not in src and "!pip" not in src and "timeit" not in src and "?" not in src and "raw text" not in src
    ns: dict = {}
    exec(compile(src, "nb", "exec"), ns)
    assert ns["f"](3) == 6


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", json.dumps({"cells": "x"}).encode(),
                                  notebook([("markdown", "only text")]).encode()])
def test_broken_notebooks(data):
    with pytest.raises(IntakeError):
        notebook_to_source(data, "hw.ipynb")


# ----------------------------------------------------------------------------- collect

def test_collect_every_kind_of_entry(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice").mkdir()
    (subs / "alice" / "nn_basics.py").write_bytes(CORRECT.read_bytes())
    (subs / "bob.py").write_bytes(CORRECT.read_bytes())
    _zip(subs / "carol.zip", {"carol/hw4/nn_basics.py": CORRECT.read_bytes(), "__MACOSX/._x": "junk"})
    (subs / "dave.ipynb").write_text(notebook([("code", "%load_ext autoreload\n" + CORRECT.read_text())]))
    _zip(subs / "erin.zip", {"work.ipynb": notebook([("code", CORRECT.read_text())])})
    (subs / "frank.zip").write_bytes(b"corrupt")
    (subs / "notes.txt").write_text("not a submission")
    (subs / ".hidden").mkdir()
    it = collect(subs, SUBMIT)
    try:
        by = {i.student_id: i for i in it.items}
        assert sorted(by) == ["alice", "bob", "carol", "dave", "erin", "frank"]
        for sid in ("alice", "bob", "carol", "dave", "erin"):
            assert by[sid].ok and (by[sid].path / "nn_basics.py").is_file(), sid
        assert by["alice"].path == subs / "alice"
        assert by["alice"].content_hash == by["bob"].content_hash == by["carol"].content_hash
        assert by["dave"].kind == "ipynb" and "%load_ext" not in (by["dave"].path / "nn_basics.py").read_text()
        assert any("erin" not in n and "work.ipynb" in n for n in by["erin"].notes)
        assert not by["frank"].ok and "not a readable zip" in by["frank"].error and by["frank"].path is None
        assert it.ignored == ["notes.txt"]
        workdir = it.workdir
        assert workdir.is_dir() and oct(workdir.stat().st_mode & 0o777) == "0o700"
    finally:
        it.cleanup()
    assert not workdir.exists()


def test_duplicate_student_ids_are_all_graded_under_suffixed_ids(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice").mkdir()
    (subs / "alice" / "nn_basics.py").write_text("a = 1\n")
    (subs / "alice.py").write_text("a = 2\n")
    _zip(subs / "alice.zip", {"nn_basics.py": "a = 3\n"})
    it = collect(subs, SUBMIT)
    try:
        ids = [(i.student_id, i.source.name) for i in it.items]
        assert ids == [("alice", "alice"), ("alice~2", "alice.py"), ("alice~3", "alice.zip")]
        assert len(it.warnings) == 2 and all("duplicate student id 'alice'" in w for w in it.warnings)
    finally:
        it.cleanup()


def test_roster_maps_names_to_ids_and_reports_duplicates_and_missing(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("Alice Smith", "asmith_late", "bob"):
        (subs / f"{name}.py").write_text("x = 1\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("name,id\nAlice Smith,s001\nasmith_late.py,s001\nCarol,s003\n")
    mapping = read_roster(roster)
    assert mapping == {"alice smith": "s001", "asmith_late": "s001", "carol": "s003"}
    it = collect(subs, SUBMIT, mapping)
    try:
        assert [i.student_id for i in it.items] == ["s001", "s001~2", "bob"]
        assert any("not in the roster" in w and "bob" in w for w in it.warnings)
        assert any("duplicate student id 's001'" in w for w in it.warnings)
        assert it.missing == ["s003"]
    finally:
        it.cleanup()


def test_roster_column_names(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("File;Student ID;Email\nalice.zip;123;a@x\n")
    assert read_roster(p) == {"alice": "123"}
    p.write_text("email,grade\nx,y\n")
    with pytest.raises(ValueError, match="name column"):
        read_roster(p)


def test_a_zip_of_the_whole_batch(tmp_path):
    bulk = tmp_path / "bulk.zip"
    with zipfile.ZipFile(bulk, "w") as z:
        z.writestr("export/alice/nn_basics.py", "x = 1\n")
        z.writestr("export/bob.py", "x = 2\n")
    it = collect(bulk, SUBMIT)
    try:
        assert [i.student_id for i in it.items] == ["alice", "bob"]
        assert all(i.ok for i in it.items)
    finally:
        it.cleanup()


def test_one_students_folder_is_graded_as_one_submission(tmp_path):
    (tmp_path / "nn_basics.py").write_text("x = 1\n")
    it = collect(tmp_path, SUBMIT)
    try:
        assert [(i.student_id, i.path) for i in it.items] == [(tmp_path.name, tmp_path)]
    finally:
        it.cleanup()


def test_unreadable_entries_do_not_stop_intake(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ok.py").write_text("x = 1\n")
    (subs / "bad.ipynb").write_text("{")
    os.symlink("/etc/passwd", subs / "link.py")  # symlinks are never followed
    it = collect(subs, SUBMIT)
    try:
        by = {i.student_id: i for i in it.items}
        assert by["ok"].ok and not by["bad"].ok and "link" not in by
        assert "link.py" in it.ignored
    finally:
        it.cleanup()

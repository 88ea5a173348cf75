"""Turns a SUBMISSIONS folder (or zip) into one gradable folder per student.

Accepted entries of SUBMISSIONS, one per student:

``alice/``          a folder with the submitted module(s) (nested one level, e.g. ``alice/hw4/``, is found)
``alice.zip``       a zip of the same; unpacked safely (see ``safe_extract``)
``alice.py``        a single module; written as the assignment's first ``submit`` file
``alice.ipynb``     a Jupyter notebook; its code cells (IPython magics and ``!`` shell lines
                    dropped) are concatenated into the assignment's first ``submit`` file

A folder or zip that holds a notebook instead of the module is converted the same way.
SUBMISSIONS may itself be a zip of such entries (e.g. an LMS bulk download).

Student ids come from the entry's name without its extension, or from a roster CSV that
maps names to ids. Duplicate ids (``alice/`` and ``alice.zip``, or two names the roster maps
to one id) are all graded: the first in sorted entry-name order keeps ``alice``, the
others become ``alice~2``, ``alice~3`` ..., each with a warning.

An entry that cannot be read (a corrupt zip, a zip bomb, an archive with unsafe paths, an
unreadable notebook) becomes an *invalid* item: it is recorded with a 0 and the reason,
and the batch goes on.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.grading import scratch
from grader.grading.runner import content_hash

# Caps for one student's archive. A04's module is ~20 kB; these leave room for data files.
ZIP_MAX_FILES = 500
ZIP_MAX_FILE_BYTES = 16 * 1024 * 1024
ZIP_MAX_TOTAL_BYTES = 64 * 1024 * 1024
ZIP_MAX_RATIO = 200  # uncompressed/compressed of one member, above 1 MiB
BATCH_ZIP_MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024  # a whole class's bulk download
BATCH_ZIP_MAX_FILES = 200_000
NOTEBOOK_MAX_BYTES = 32 * 1024 * 1024
IGNORED_NAMES = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}
DUPLICATE_SEPARATOR = "~"


class IntakeError(Exception):
    """The entry cannot be turned into a submission; the message is for the student."""


@dataclass
class Item:
    student_id: str
    source: Path  # the entry in SUBMISSIONS
    kind: str  # folder | zip | py | ipynb
    path: Path | None = None  # the folder to grade
    content_hash: str = ""
    error: str | None = None  # set for invalid items
    notes: list = field(default_factory=list)  # problems to show the student (e.g. converted notebook)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Intake:
    items: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # for the instructor
    ignored: list = field(default_factory=list)  # entries that are no submission at all
    missing: list = field(default_factory=list)  # roster ids without a submission
    workdir: Path | None = None

    def cleanup(self) -> None:
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


# ------------------------------------------------------------------------------------ zips

def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\x00" in name:
        return f"'{name!r}' has a NUL byte in its name"
    norm = name.replace("\\", "/")
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm):
        return f"'{name}' is an absolute path"
    if any(part == ".." for part in PurePosixPath(norm).parts):
        return f"'{name}' points outside the archive (..)"
    mode = (info.external_attr >> 16) & 0xFFFF  # Unix mode, where the archiver stored one
    if stat.S_IFMT(mode):
        if stat.S_ISLNK(mode):
            return f"'{name}' is a symbolic link"
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            return f"'{name}' is not a regular file"
    return None


def safe_extract(archive: Path, dest: Path, *, max_files: int = ZIP_MAX_FILES,
                 max_file_bytes: int = ZIP_MAX_FILE_BYTES, max_total_bytes: int = ZIP_MAX_TOTAL_BYTES,
                 max_ratio: float = ZIP_MAX_RATIO) -> list[str]:
    """Unpacks ``archive`` into ``dest`` (which must exist); returns the files written.

    Refuses (``IntakeError``, nothing of it left in ``dest``) an archive that is not a zip or is
    corrupt, has an absolute or ``..`` path, a symlink or special file, more than ``max_files``
    members, or declares or *actually* inflates to more than the size caps or a suspicious
    compression ratio. Sizes are counted while streaming, so a lying header cannot fill the disk.
    """
    dest = Path(dest)
    written: list[str] = []
    try:
        try:
            zf = zipfile.ZipFile(archive)
        except zipfile.BadZipFile as exc:
            raise IntakeError(f"{Path(archive).name} is not a readable zip archive ({exc})") from None
        except OSError as exc:
            raise IntakeError(f"{Path(archive).name} could not be read ({exc.strerror or exc})") from None
        with zf:
            infos = zf.infolist()
            files = [i for i in infos if not i.is_dir()]
            if len(files) > max_files:
                raise IntakeError(f"{Path(archive).name} has {len(files)} files; at most {max_files} are accepted")
            for info in infos:
                problem = _member_problem(info)
                if problem:
                    raise IntakeError(f"{Path(archive).name} was not unpacked: {problem}")
            declared = sum(i.file_size for i in files)
            if declared > max_total_bytes:
                raise IntakeError(f"{Path(archive).name} would unpack to {declared} bytes, over the "
                                  f"{max_total_bytes}-byte limit (a zip bomb?); it was not unpacked")
            total = 0
            root = dest.resolve()
            for info in files:
                rel = PurePosixPath(info.filename.replace("\\", "/"))
                if any(p in IGNORED_NAMES for p in rel.parts):
                    continue
                target = (root / rel).resolve()
                if root not in target.parents:
                    raise IntakeError(f"{Path(archive).name} was not unpacked: '{info.filename}' points outside it")
                if info.file_size > max_file_bytes:
                    raise IntakeError(f"{Path(archive).name}: '{info.filename}' is {info.file_size} bytes, over the "
                                      f"{max_file_bytes}-byte limit per file; the archive was not unpacked")
                target.parent.mkdir(parents=True, exist_ok=True)
                size = 0
                with zf.open(info) as src, open(target, "xb") as out:
                    while True:
                        chunk = src.read(1 << 16)
                        if not chunk:
                            break
                        size += len(chunk)
                        total += len(chunk)
                        if size > max_file_bytes or total > max_total_bytes:
                            raise IntakeError(
                                f"{Path(archive).name} inflates beyond its declared sizes and the "
                                f"{max_total_bytes}-byte limit (a zip bomb); it was not unpacked")
                        if size > (1 << 20) and info.compress_size and size / info.compress_size > max_ratio:
                            raise IntakeError(
                                f"{Path(archive).name}: '{info.filename}' compresses more than {max_ratio:g}:1 "
                                f"(a zip bomb); the archive was not unpacked")
                        out.write(chunk)
                written.append(rel.as_posix())
    except IntakeError:
        _clear(dest)
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        # CRC mismatch, truncated data, unsupported compression, an encrypted member ...
        _clear(dest)
        raise IntakeError(f"{Path(archive).name} is a damaged or unsupported zip archive ({exc}); "
                          f"re-create it and submit again") from None
    return written


def _clear(folder: Path) -> None:
    for p in Path(folder).iterdir():
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


# ------------------------------------------------------------------------------- notebooks

_MAGIC = re.compile(r"^\s*(%|!)")


def notebook_to_source(data: bytes, name: str = "notebook") -> str:
    """The code cells of a notebook as one module (magics, shell lines and ``?`` help dropped)."""
    if len(data) > NOTEBOOK_MAX_BYTES:
        raise IntakeError(f"{name} is {len(data)} bytes, over the {NOTEBOOK_MAX_BYTES}-byte notebook limit")
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntakeError(f"{name} is not a readable Jupyter notebook (invalid JSON: {exc})") from None
    if not isinstance(nb, dict):
        raise IntakeError(f"{name} is not a Jupyter notebook")
    cells = nb.get("cells")
    if cells is None and isinstance(nb.get("worksheets"), list):  # nbformat 3
        cells = [c for ws in nb["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])]
    if not isinstance(cells, list):
        raise IntakeError(f"{name} is not a Jupyter notebook (no cells)")
    chunks = []
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", cell.get("input", ""))
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if not isinstance(src, str):
            continue
        lines: list[str] = []
        for line in src.splitlines():
            if _MAGIC.match(line):
                if line.lstrip().startswith("%%"):  # a cell magic: the whole cell is not Python
                    lines = []
                    break
                continue
            if line.rstrip().endswith("?") and re.match(r"^\s*[\w.]+\?{1,2}\s*$", line):
                continue  # obj? help
            lines.append(line)
        if lines:
            chunks.append(f"# --- notebook code cell {i + 1}\n" + "\n".join(lines))
    if not chunks:
        raise IntakeError(f"{name} has no code cells")
    return "\n\n".join(chunks) + "\n"


# ------------------------------------------------------------------------------------ roster

KEY_COLUMNS = ("file", "filename", "folder", "submission", "name", "login", "username", "user")
ID_COLUMNS = ("student_id", "studentid", "sid", "id", "student", "student_number", "matriculation")


def read_roster(path: Path) -> dict[str, str]:
    """name/file (without extension, case-insensitive) -> student id."""
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise ValueError(f"{path}: the roster is empty")
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    key_col = next((header.index(c) for c in KEY_COLUMNS if c in header), None)
    id_col = next((header.index(c) for c in ID_COLUMNS if c in header and header.index(c) != key_col), None)
    if key_col is None or id_col is None:
        raise ValueError(f"{path}: the roster needs a name column ({'/'.join(KEY_COLUMNS)}) and an id "
                         f"column ({'/'.join(ID_COLUMNS)}); found {', '.join(rows[0])}")
    mapping = {}
    for row in rows[1:]:
        if len(row) <= max(key_col, id_col):
            continue
        key, sid = row[key_col].strip(), row[id_col].strip()
        if key and sid:
            mapping[_roster_key(key)] = sid
    return mapping


def _roster_key(name: str) -> str:
    name = name.strip()
    for ext in (".zip", ".ipynb", ".py"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    return name.lower()


# ------------------------------------------------------------------------------------ intake

def _stem(entry: Path) -> str:
    name = entry.name
    for ext in (".zip", ".ipynb", ".py"):
        if entry.is_file() and name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


def _kind(entry: Path) -> str | None:
    if entry.is_symlink():
        return None
    if entry.is_dir():
        return "folder"
    low = entry.name.lower()
    if entry.is_file():
        for ext, kind in ((".zip", "zip"), (".ipynb", "ipynb"), (".py", "py")):
            if low.endswith(ext):
                return kind
    return None


def is_single_submission(root: Path, submit: list[str]) -> bool:
    """True when ``root`` is one student's folder rather than a folder of submissions."""
    return root.is_dir() and any((root / name).is_file() for name in submit)


def collect(root: Path, submit: list[str], roster: dict[str, str] | None = None,
            workdir: Path | None = None) -> Intake:
    """Prepares every entry of ``root`` (a folder or a zip of entries) for grading."""
    root = Path(root)
    work = Path(workdir) if workdir else scratch.mkdtemp("dlgrade-intake-")
    intake = Intake(workdir=work)
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o700)
    try:
        if root.is_file() and root.name.lower().endswith(".zip"):
            unpacked = work / "_batch"
            unpacked.mkdir()
            try:
                safe_extract(root, unpacked, max_files=BATCH_ZIP_MAX_FILES, max_file_bytes=ZIP_MAX_TOTAL_BYTES,
                             max_total_bytes=BATCH_ZIP_MAX_TOTAL_BYTES)
            except IntakeError as exc:
                raise ValueError(str(exc)) from None
            root = _unwrap_batch(unpacked, submit)
        if is_single_submission(root, submit):
            entries = [root]
        else:
            entries = sorted((p for p in root.iterdir()), key=lambda p: p.name)
        raw_ids: list[tuple[str, Path, str]] = []
        for entry in entries:
            if entry.name.startswith(".") or entry.name in IGNORED_NAMES or entry.name == "__pycache__":
                continue
            kind = _kind(entry)
            if kind is None:
                intake.ignored.append(entry.name)
                continue
            stem = _stem(entry)
            sid = stem
            if roster is not None:
                listed = roster.get(_roster_key(stem))
                sid = listed if listed is not None else stem
                if listed is None:
                    intake.warnings.append(f"{entry.name}: not in the roster; graded as '{stem}'")
            raw_ids.append((sid, entry, kind))
        seen: dict[str, int] = {}
        for sid, entry, kind in raw_ids:
            n = seen.get(sid, 0) + 1
            seen[sid] = n
            final = sid if n == 1 else f"{sid}{DUPLICATE_SEPARATOR}{n}"
            if n > 1:
                first = next(e.name for s, e, _ in raw_ids if s == sid)
                intake.warnings.append(f"duplicate student id '{sid}': {first} is graded as '{sid}', "
                                       f"{entry.name} as '{final}'")
            intake.items.append(_prepare(final, entry, kind, submit, work, len(intake.items)))
        if roster is not None:
            have = {sid for sid, _, _ in raw_ids}
            intake.missing = sorted(set(roster.values()) - have)
    except BaseException:
        intake.cleanup()
        raise
    return intake


def _prepare(sid: str, entry: Path, kind: str, submit: list[str], workdir: Path, index: int) -> Item:
    item = Item(student_id=sid, source=entry, kind=kind)
    module = submit[0]
    try:
        if kind == "folder":
            folder = _unwrap(entry, submit)
            if not any((folder / n).is_file() for n in submit):
                nb = _find_notebook(folder, module)
                if nb is not None:
                    folder = _from_notebook(nb.read_bytes(), nb.name, module, workdir / f"{index:05d}", item)
            item.path = folder
        elif kind == "zip":
            dest = workdir / f"{index:05d}"
            dest.mkdir()
            safe_extract(entry, dest)
            folder = _unwrap(dest, submit)
            if not any((folder / n).is_file() for n in submit):
                nb = _find_notebook(folder, module)
                if nb is not None:
                    folder = _from_notebook(nb.read_bytes(), nb.name, module, workdir / f"{index:05d}-nb", item)
            item.path = folder
        elif kind == "py":
            dest = workdir / f"{index:05d}"
            dest.mkdir()
            if entry.stat().st_size > ZIP_MAX_FILE_BYTES:
                raise IntakeError(f"{entry.name} is over the {ZIP_MAX_FILE_BYTES}-byte limit")
            shutil.copyfile(entry, dest / module)
            if entry.name != module:
                item.notes.append(f"{entry.name} was graded as {module}")
            item.path = dest
        elif kind == "ipynb":
            item.path = _from_notebook(entry.read_bytes(), entry.name, module, workdir / f"{index:05d}", item)
        assert item.path is not None  # every kind above set it or raised IntakeError
        item.content_hash = content_hash(item.path)
    except IntakeError as exc:
        item.error = str(exc)
        item.path = None
        item.content_hash = _raw_hash(entry)
    except OSError as exc:
        item.error = f"{entry.name} could not be read: {exc.strerror or exc}"
        item.path = None
        item.content_hash = _raw_hash(entry)
    return item


def _raw_hash(entry: Path) -> str:
    try:
        return "raw-" + content_hash(entry)
    except OSError:
        return "unreadable"


def _from_notebook(data: bytes, name: str, module: str, dest: Path, item: Item) -> Path:
    source = notebook_to_source(data, name)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / module).write_text(source, encoding="utf-8")
    item.notes.append(f"the code cells of {name} were graded as {module} (magics and shell lines dropped)")
    return dest


def _find_notebook(folder: Path, module: str) -> Path | None:
    stem = module[:-3] if module.endswith(".py") else module
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink()
                       and not p.name.startswith("."))
    for p in notebooks:
        if p.stem == stem:
            return p
    return notebooks[0] if len(notebooks) == 1 else None


def _unwrap(folder: Path, submit: list[str]) -> Path:
    """The folder that holds the submitted files: ``folder`` itself, or the one sub-folder a zip
    tool or LMS wrapped them in (``alice/hw4/nn_basics.py``; at most three levels down)."""
    current = Path(folder)
    for _ in range(3):
        if any((current / n).is_file() for n in submit):
            return current
        subs = [p for p in current.iterdir()
                if p.is_dir() and not p.is_symlink() and p.name not in IGNORED_NAMES and not p.name.startswith(".")]
        files = [p for p in current.iterdir() if p.is_file() and not p.name.startswith(".")
                 and p.name not in IGNORED_NAMES]
        if len(subs) == 1 and not any(f.suffix in (".py", ".ipynb") for f in files):
            current = subs[0]
            continue
        break
    return current if any((current / n).is_file() for n in submit) else Path(folder)


def _unwrap_batch(folder: Path, submit: list[str]) -> Path:
    """A bulk zip often wraps everything in one folder (``submissions/alice.zip ...``)."""
    current = Path(folder)
    for _ in range(3):
        if is_single_submission(current, submit):
            return current
        entries = [p for p in current.iterdir() if not p.name.startswith(".") and p.name not in IGNORED_NAMES]
        if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink() \
                and not is_single_submission(entries[0], submit):
            current = entries[0]
            continue
        break
    return current

"""Finding the course and reading an assignment's ``assignment.toml``."""
from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

NUMPY_ONLY_BLOCKED = ("torch", "tensorflow", "jax", "autograd", "sklearn")
# What a submission may import unless assignment.toml says otherwise; the modules of the files
# the course provides next to it (``[files] provided``/``provided_from``) are added by the loader.
DEFAULT_ALLOWED = ("numpy", "math", "typing", "collections", "functools", "itertools", "dataclasses",
                   "__future__", "grader.data", "grader.gradcheck")


class AssignmentError(Exception):
    pass


@dataclass
class Limits:
    call_timeout_s: float = 10.0
    import_timeout_s: float = 60.0
    suite_timeout_s: float = 120.0
    memory_mb: int = 2048
    cpu_s: int = 300


@dataclass
class Assignment:
    id: str
    slug: str
    title: str
    root: Path
    submit: list
    provided: list = field(default_factory=list)
    provided_from: dict = field(default_factory=dict)
    numpy_only: bool = True
    allowed_imports: tuple = DEFAULT_ALLOWED
    limits: Limits = field(default_factory=Limits)
    gpu_skipped_points: str = "withhold"
    total_points: float = 100.0
    banned: dict = field(default_factory=dict)  # function/class -> dotted callables it may not use

    @property
    def student_dir(self) -> Path:
        return self.root / "assignments" / self.slug

    @property
    def solution_dir(self) -> Path:
        return self.root / "solutions" / self.slug

    @property
    def hidden_tests_dir(self) -> Path:
        return self.solution_dir / "tests"

    @property
    def public_tests_dir(self) -> Path:
        return self.student_dir / "tests"

    @property
    def mutants_dir(self) -> Path:
        return self.solution_dir / "mutants"

    @property
    def default_module(self) -> str:
        return self.submit[0][:-3] if self.submit[0].endswith(".py") else self.submit[0]

    @property
    def has_solutions(self) -> bool:
        return self.solution_dir.is_dir()

    @property
    def blocked_modules(self) -> tuple:
        return NUMPY_ONLY_BLOCKED if self.numpy_only else ()

    @property
    def preload(self) -> tuple:
        return ("numpy",) if self.numpy_only else ("numpy", "torch")

    def provided_files(self) -> dict:
        """Course files copied into the sandbox next to the submission: name -> path."""
        names = list(self.provided) + [n for n in self.provided_from if n not in self.provided]
        return {n: self.student_dir / n for n in names if (self.student_dir / n).is_file()}

    def suite_hash(self, tests_dir: Path | None = None) -> str:
        """Hash of everything that decides a grade: hidden tests, reference, config."""
        h = hashlib.sha256()
        paths = [self.student_dir / "assignment.toml"]
        for d in (tests_dir or self.hidden_tests_dir, self.solution_dir):
            if d.is_dir():
                paths += sorted(p for p in d.rglob("*.py") if "mutants" not in p.parts)
        for p in paths:
            if p.is_file():
                h.update(p.relative_to(self.root).as_posix().encode())
                h.update(p.read_bytes())
        return h.hexdigest()[:16]


def find_root(start: Path | None = None) -> Path:
    """The course root: $DLGRADE_ROOT, else the nearest folder upwards with assignments/."""
    env = os.environ.get("DLGRADE_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for p in [here, *here.parents]:
        if (p / "assignments").is_dir() and ((p / "solutions").is_dir() or (p / "grader").is_dir()):
            return p
    pkg_parent = Path(__file__).resolve().parents[2]  # grader/course/ -> the checkout
    if (pkg_parent / "assignments").is_dir():
        return pkg_parent
    raise AssignmentError("cannot find the course folder (one with assignments/); run from inside it or set DLGRADE_ROOT")


def list_assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "assignments").iterdir() if (p / "assignment.toml").is_file())


# The schema of assignment.toml: section -> key -> (type, default). The defaults live here and
# nowhere else; a key or section not listed is an error (a typo must not silently fall back to a
# default). ``None`` as default: required (or derived from the slug where the loader says so).
SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], object]]] = {
    "assignment": {"id": (str, None), "slug": (str, None), "title": (str, None), "total_points": ((int, float), 100)},
    "files": {"submit": (list, None), "provided": (list, []), "provided_from": (dict, {})},
    "imports": {"numpy_only": (bool, True), "allowed": (list, list(DEFAULT_ALLOWED)), "extra_allowed": (list, [])},
    "limits": {"call_timeout_s": ((int, float), Limits.call_timeout_s),
               "import_timeout_s": ((int, float), Limits.import_timeout_s),
               "suite_timeout_s": ((int, float), Limits.suite_timeout_s),
               "memory_mb": (int, Limits.memory_mb), "cpu_s": (int, Limits.cpu_s)},
    "gpu": {"skipped_points": (str, "withhold")},
    "banned": {},  # free keys: function/class name -> list of dotted callables
}
GPU_POLICIES = ("withhold", "redistribute")


def parse_config(cfg: dict, where: str) -> dict:
    """Checks a parsed assignment.toml against :data:`SCHEMA`; returns every section with defaults filled.

    Raises :class:`AssignmentError` naming the file and the offending section or key.
    """
    unknown = sorted(set(cfg) - set(SCHEMA))
    if unknown:
        raise AssignmentError(f"{where}: unknown section(s) {', '.join(f'[{u}]' for u in unknown)} "
                              f"(allowed: {', '.join(f'[{s}]' for s in SCHEMA)})")
    out: dict[str, dict] = {}
    for section, keys in SCHEMA.items():
        given = cfg.get(section, {})
        if not isinstance(given, dict):
            raise AssignmentError(f"{where}: [{section}] must be a table")
        if section == "banned":
            for name, dotted in given.items():
                if not (isinstance(dotted, list) and all(isinstance(d, str) for d in dotted)):
                    raise AssignmentError(f"{where}: [banned] {name} must be a list of dotted names")
            out[section] = {k: list(v) for k, v in given.items()}
            continue
        bad = sorted(set(given) - set(keys))
        if bad:
            raise AssignmentError(f"{where}: unknown key(s) in [{section}]: {', '.join(bad)} "
                                  f"(allowed: {', '.join(keys)})")
        values = {}
        for key, (typ, default) in keys.items():
            if key in given:
                value = given[key]
                if isinstance(value, bool) and typ is not bool and bool not in (typ if isinstance(typ, tuple) else (typ,)):
                    raise AssignmentError(f"{where}: [{section}] {key} must be a number, not a boolean")
                if not isinstance(value, typ):
                    names = "/".join(t.__name__ for t in (typ if isinstance(typ, tuple) else (typ,)))
                    raise AssignmentError(f"{where}: [{section}] {key} must be {names}, got {type(value).__name__}")
                values[key] = value
            else:
                values[key] = list(default) if isinstance(default, list) else (
                    dict(default) if isinstance(default, dict) else default)
        out[section] = values
    if not out["files"]["submit"]:
        raise AssignmentError(f"{where}: [files] submit is required")
    if out["gpu"]["skipped_points"] not in GPU_POLICIES:
        raise AssignmentError(f"{where}: [gpu] skipped_points must be one of {', '.join(GPU_POLICIES)}")
    return out


def load(key: str, root: Path | None = None) -> Assignment:
    """Loads an assignment by id ("a04") or slug ("a04_nn_basics")."""
    root = root or find_root()
    slugs = list_assignments(root)
    matches = [s for s in slugs if s == key or s.split("_", 1)[0] == key.lower()]
    if not matches:
        raise AssignmentError(f"no assignment '{key}' in {root / 'assignments'} (have: {', '.join(slugs) or 'none'})")
    slug = matches[0]
    cfg_path = root / "assignments" / slug / "assignment.toml"
    try:
        raw = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AssignmentError(f"{cfg_path}: {exc}") from None
    cfg = parse_config(raw, str(cfg_path))
    a, files, imports, lim = cfg["assignment"], cfg["files"], cfg["imports"], cfg["limits"]
    provided_modules = [n[:-3] for n in [*files["provided"], *files["provided_from"]] if n.endswith(".py")]
    allowed = tuple(dict.fromkeys([*imports["allowed"], *imports["extra_allowed"], *provided_modules]))
    return Assignment(
        id=a["id"] or slug.split("_", 1)[0],
        slug=slug,
        title=a["title"] or slug,
        root=root,
        submit=list(files["submit"]),
        provided=list(files["provided"]),
        provided_from=dict(files["provided_from"]),
        numpy_only=imports["numpy_only"],
        allowed_imports=allowed,
        limits=Limits(**{k: type(getattr(Limits, k))(v) for k, v in lim.items()}),
        gpu_skipped_points=cfg["gpu"]["skipped_points"],
        total_points=float(a["total_points"]),
        banned=cfg["banned"],
    )

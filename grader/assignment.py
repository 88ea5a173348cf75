"""Finding the course and reading an assignment's ``assignment.toml``."""
from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

NUMPY_ONLY_BLOCKED = ("torch", "tensorflow", "jax", "autograd", "sklearn")
DEFAULT_ALLOWED = ("numpy", "math", "typing", "collections", "functools", "itertools", "dataclasses",
                   "__future__", "grader.data", "grader.gradcheck", "provided")


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
    pkg_parent = Path(__file__).resolve().parent.parent
    if (pkg_parent / "assignments").is_dir():
        return pkg_parent
    raise AssignmentError("cannot find the course folder (one with assignments/); run from inside it or set DLGRADE_ROOT")


def list_assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "assignments").iterdir() if (p / "assignment.toml").is_file())


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
        cfg = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AssignmentError(f"{cfg_path}: {exc}") from None
    a = cfg.get("assignment", {})
    files = cfg.get("files", {})
    imports = cfg.get("imports", {})
    lim = cfg.get("limits", {})
    if not files.get("submit"):
        raise AssignmentError(f"{cfg_path}: [files] submit is required")
    limits = Limits(
        call_timeout_s=float(lim.get("call_timeout_s", 10)),
        import_timeout_s=float(lim.get("import_timeout_s", 60)),
        suite_timeout_s=float(lim.get("suite_timeout_s", 120)),
        memory_mb=int(lim.get("memory_mb", 2048)),
        cpu_s=int(lim.get("cpu_s", 300)),
    )
    return Assignment(
        id=a.get("id", slug.split("_", 1)[0]),
        slug=slug,
        title=a.get("title", slug),
        root=root,
        submit=list(files["submit"]),
        provided=list(files.get("provided", [])),
        provided_from=dict(files.get("provided_from", {})),
        numpy_only=bool(imports.get("numpy_only", True)),
        allowed_imports=tuple(imports.get("allowed", DEFAULT_ALLOWED)),
        limits=limits,
        gpu_skipped_points=cfg.get("gpu", {}).get("skipped_points", "withhold"),
        total_points=float(a.get("total_points", 100)),
        banned={k: list(v) for k, v in cfg.get("banned", {}).items()},
    )
